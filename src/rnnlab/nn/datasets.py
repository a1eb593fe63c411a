"""From a RunConfig's data section to the data of its kind: phrase pairs split three ways with
their vocabularies (decipherers), a corpus as one stream of ids (the language model), phrases
under fresh random keys (the key-agnostic nets). Streams of messages: streams.py. Not here: the
layout of batches (data.py) or training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.errors import DataError
from rnnlab.nn.config import DataConfig
from rnnlab.nn.data import IGNORE, ColumnPieces, Generated, Piece, TrainData
from rnnlab.text import corpus as corpus_mod
from rnnlab.text import letters
from rnnlab.text.augment import CHARS
from rnnlab.text.augment import augment as augment_text
from rnnlab.text.ciphers import Cipher
from rnnlab.text.pairs import PairData, case_follows, encode_pairs, make_pairs, read_pairs
from rnnlab.text.vocab import Vocab

Pair = tuple[str, str]
LM_VAL_FRACTION = 0.05  # the corpus's tail held out to measure a language model's bits per char


@dataclass
class Dataset:
    """(cipher, plain) pairs split three ways, their vocabularies and id matrices."""

    train_pairs: list[Pair]
    val_pairs: list[Pair]
    test_pairs: list[Pair]
    src_vocab: Vocab
    tgt_vocab: Vocab
    fold_case: bool
    augmented: bool = False  # train and val hold each phrase twice: as it is, and augmented

    def encode(self, pairs: list[Pair]) -> PairData:
        return encode_pairs(pairs, self.src_vocab, self.tgt_vocab, self.fold_case)

    @property
    def max_len(self) -> int:
        """The longest training phrase, augmented copies included: the decoder cuts text into
        segments of at most this many characters, as long as any the model learned from."""
        return max((len(p) for _, p in self.train_pairs), default=1)


def dataset_from_pairs(pairs: list[Pair], val_fraction: float = 0.2) -> Dataset:
    """The classic exercise's split: the first (1 - val_fraction) train, the rest validate."""
    pairs = [p for p in pairs if p[0]]
    if len(pairs) < 2:
        raise DataError("need at least 2 non-empty pairs of lines to train and validate")
    n_val = max(1, round(len(pairs) * val_fraction))
    return _dataset(pairs[:-n_val], pairs[-n_val:], [])


def dataset_from_text(
    text: str,
    cipher: Cipher,
    *,
    max_len: int = 100,
    seed: int = 0,
    limit: int | None = None,
    augment: float = 0.0,
) -> Dataset:
    """Phrases of `text` (at most max_len characters), enciphered, split 80/10/10 by `seed`;
    with `augment` > 0 the training and validation parts also hold each of their phrases
    changed as text/augment.py says at that rate (so a target accuracy counts them too), and
    the vocabularies every character it may bring; the test part is left as it is."""
    phrases = corpus_mod.phrases(text, max_len=max_len)
    if limit is not None:
        phrases = phrases[:limit]
    if len(phrases) < 10:
        raise DataError(
            f"the corpus gives only {len(phrases)} phrases; give a longer text (a few pages)"
        )
    train, val, test = corpus_mod.split(make_pairs(phrases, cipher), seed=seed)
    if augment <= 0:
        return _dataset(train, val, test)
    rng = np.random.default_rng([seed, 1])

    def more(pairs: list[Pair]) -> list[Pair]:
        return pairs + make_pairs([augment_text(p, augment, rng) for _, p in pairs], cipher)

    return _dataset(more(train), more(val), test, CHARS, augmented=True)


def _dataset(
    train: list[Pair], val: list[Pair], test: list[Pair], extra: str = "", augmented: bool = False
) -> Dataset:
    everything = train + val + test
    fold = case_follows(everything)
    norm = (lambda s: s.lower()) if fold else (lambda s: s)
    src = Vocab.fit([*(norm(c) for c, _ in everything), norm(extra)])
    tgt = Vocab.fit([*(norm(p) for _, p in everything), norm(extra)])
    return Dataset(train, val, test, src, tgt, fold, augmented)


def corpus_text(data: DataConfig) -> str:
    """The text of a corpus source: the file, or the built-in corpus."""
    return corpus_mod.load_text(data.corpus) if data.corpus else corpus_mod.default_text()


def phrase_dataset(
    data: DataConfig, cipher: Cipher | None, seed: int, augment: float = 0.0
) -> Dataset:
    """The phrase pairs of a decipherer's data section (pairs read from files: not augmented)."""
    if data.pairs is not None:
        return dataset_from_pairs(read_pairs(*data.pairs))
    return dataset_from_text(corpus_text(data), cipher, max_len=data.max_len, seed=seed,
                             limit=data.limit, augment=augment)  # fmt: skip


def lm_data(text: str, columns: int, bptt: int, segment: int) -> TrainData:
    """A corpus as one stream of letters.py ids: its tail (LM_VAL_FRACTION, at least bptt + 1
    ids) validates in one column, the rest trains in `columns` columns, cut into pieces of a
    whole number of bptt windows so the windows fall as in one pass over the stream."""
    ids = letters.encode(text)
    n_val = max(int(len(ids) * LM_VAL_FRACTION), bptt + 1)
    if len(ids) - n_val < 4 * columns:
        raise DataError(f"the text is too short to train on ({len(ids)} symbols); give more text")
    length = bptt * max(1, segment // bptt)
    train = ColumnPieces(ids[:-n_val], columns, length, bptt)
    return TrainData(train, ColumnPieces(ids[-n_val:], 1, length, bptt).epoch(0))


def keyless_data(phrases: list[str], family: str, batch: int, steps: int, seed: int) -> TrainData:
    """`steps` batches an epoch of `batch` phrases, each under a key of `family` drawn afresh:
    cipher ids in, plain letters out (non-letters IGNORE), padded with spaces."""
    maps = letters.family_maps(family)
    encoded = [letters.encode(p) for p in phrases if any(c.isalpha() for c in p)]
    if len(encoded) < batch:
        raise DataError(f"need at least {batch} phrases with letters to train on")

    def make(rng: np.random.Generator) -> Piece:
        pick = rng.integers(0, len(encoded), size=batch)
        rows = [encoded[i] for i in pick]
        plain = np.full((batch, max(len(r) for r in rows)), letters.SPACE_ID, dtype=np.int64)
        for i, r in enumerate(rows):
            plain[i, : len(r)] = r  # (B, T)
        cipher = letters.encipher_ids(plain, maps[rng.integers(0, len(maps), size=batch)])
        return Piece(cipher, np.where(plain < 26, plain, IGNORE))

    return TrainData(Generated(make, steps, seed))
