"""Text tools for the decipherer: classical ciphers, corpora, vocabularies and (cipher, plain)
data as numpy arrays. numpy only: nothing in this package imports torch."""

from rnnlab.text.ciphers import (
    CIPHER_NAMES,
    Affine,
    Atbash,
    Autokey,
    Caesar,
    Cipher,
    Rot13,
    Substitution,
    Vigenere,
    make_cipher,
)
from rnnlab.text.classic import classic_phrases
from rnnlab.text.corpus import default_text, load_text, phrases, sentences, split
from rnnlab.text.pairs import (
    PairData,
    case_follows,
    encode_pairs,
    fold,
    make_pairs,
    read_pairs,
)
from rnnlab.text.vocab import PAD, Vocab, pad

__all__ = [
    "CIPHER_NAMES",
    "PAD",
    "Affine",
    "Atbash",
    "Autokey",
    "Caesar",
    "Cipher",
    "PairData",
    "Rot13",
    "Substitution",
    "Vigenere",
    "Vocab",
    "case_follows",
    "classic_phrases",
    "default_text",
    "encode_pairs",
    "fold",
    "load_text",
    "make_cipher",
    "make_pairs",
    "pad",
    "phrases",
    "read_pairs",
    "sentences",
    "split",
]
