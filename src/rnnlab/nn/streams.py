"""Stream data for decipherers of ciphers with memory: a corpus enciphered as messages laid end to
end in columns (data.stream_columns), cut along time into segments whose rows carry their state
from one to the next within a message. Not here: the trainer (train.py), phrases (datasets.py).

One epoch with B = 3 columns and segments of 4 characters. The training text is read as a ring
cut at an offset drawn anew each epoch; at each segment boundary a column starts a new message
with probability `restart` (each column draws its own rate around it), and every message is
enciphered from the key's start:

    text   ..|a b c d e f g h i j k l|m n o p q r s t u v w x|y z A B C D E F G H I J|..
    col 0    [E(a b c d e f g h)     |E(i j k l)]      state zeroed where a message starts
    col 1    [E(m n o p q r s t u v w x)]              (its first segment, and each |)
    col 2    [E(y z A B)|E(C D E F)|E(G H I J)]
              <- tbptt(k1, k2) over each segment, the state carried from one to the next ->

By default restart = 1: every message is one segment of 100 characters, split into two windows
of k1 = k2 = 50. So the model never runs more than 100 characters from a zero state while it
learns, and no gradient reaches back more than 50; it must learn to count through the key in a
way that keeps counting right over messages of any length (see docs/length.md).

Before it is laid out, the ring is augmented (text/augment.py: capitals, line breaks, numbers,
symbols), cut down to its letters for a model of the letters alone (the default), and noised;
with `offset` > 0 some messages are enciphered from a random point of the key, and some of those
keep the state of the message before (a phase slip; see _encipher).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from rnnlab.errors import DataError
from rnnlab.nn.config import TrainOptions
from rnnlab.nn.data import IGNORE, Piece, stream_columns
from rnnlab.text._codepoints import code_points, from_code_points
from rnnlab.text.augment import augment
from rnnlab.text.ciphers import Cipher
from rnnlab.text.pairs import case_follows, fold
from rnnlab.text.vocab import Vocab, pad

VAL_MESSAGE = 100  # validation also deciphers its text cut into messages of this many characters
MAX_LEAD = 64  # a message enciphered from a random offset begins up to this many characters in


@dataclass
class StreamData:
    """A corpus for stream training: contiguous training, validation and test texts, the cipher
    and the vocabularies (both sides folded to lowercase when the cipher keeps case)."""

    train_text: str
    val_text: str
    test_text: str
    cipher: Cipher
    src_vocab: Vocab
    tgt_vocab: Vocab
    fold_case: bool
    letters: bool = False  # the texts and vocabularies hold ASCII letters alone

    def message(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """`text` enciphered as one message from the key's start: cipher ids and plain ids,
        both (len(text),) int64. The vocabularies must cover it (parts of the corpus do)."""
        norm = fold if self.fold_case else (lambda s: s)
        ciph = norm(self.cipher.encrypt(text))
        return self.src_vocab.encode(ciph), self.tgt_vocab.encode(norm(text))

    def messages(self, text: str, length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`text` cut into messages of `length` characters (None: one message), each enciphered
        from the key's start: cipher ids and plain ids, (N, L) padded with 0."""
        n = length or max(len(text), 1)
        pairs = [self.message(text[i : i + n]) for i in range(0, len(text), n)]
        return pad([s for s, _ in pairs]), pad([t for _, t in pairs])

    def pieces(self, text: str) -> list[Piece]:
        """`text` to evaluate on: as one message, and as messages of VAL_MESSAGE characters."""
        out = []
        for length in (None, VAL_MESSAGE):
            src, tgt = self.messages(text, length)
            out.append(Piece(src, np.where(tgt == 0, IGNORE, tgt)))
        return out

    def epoch_columns(
        self, opts: TrainOptions, epoch: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One epoch's messages laid end to end in B = opts.batch_size columns: cipher ids and
        plain ids, both (B, T), and where each row's state is zeroed, (B, T // segment) bool.

        T is the largest multiple of opts.segment that B columns fill; all depends only on
        (opts.seed, epoch). The ring is first augmented (text/augment.py, at opts.augment) and a
        fraction opts.noise of its characters replaced by ones drawn uniformly from the plain
        vocabulary, so rare ones (digits, z, q) turn up often. Column b draws a rate uniformly
        from the widest interval in [0, 1] whose mean is opts.restart, and starts a new message
        at each later segment boundary with that probability: with restart = 1 every message is
        one segment, below it message lengths range from one segment to a whole column.
        """
        columns, segment = opts.batch_size, opts.segment
        rng = np.random.default_rng([opts.seed, epoch])
        n = len(self.train_text)
        offset = int(rng.integers(n))
        ring = augment(self.train_text[offset:] + self.train_text[:offset], opts.augment, rng)
        if self.letters:
            ring = only_letters(ring)
        codes = code_points(ring).copy()  # (n',): the ring, cut and augmented
        T = len(codes) // columns // segment * segment
        if T < 1:
            raise DataError(
                f"{n:,} training characters cannot fill {columns} columns of {segment}; "
                "give a longer corpus or fewer columns (--batch-size)"
            )
        if opts.noise > 0:
            hit = rng.random(len(codes)) < opts.noise
            pool = code_points("".join(self.tgt_vocab.chars))
            codes[hit] = pool[rng.integers(len(pool), size=int(hit.sum()))]
        lo, hi = max(0.0, 2 * opts.restart - 1), min(1.0, 2 * opts.restart)
        rate = lo + (hi - lo) * rng.random((columns, 1))  # (B, 1), mean opts.restart
        starts = rng.random((columns, T // segment)) < rate  # (B, S)
        starts[:, 0] = True
        return (*self._encipher(codes[: columns * T], starts, opts, rng), starts)

    def _encipher(self, codes, starts, opts: TrainOptions, rng) -> tuple[np.ndarray, np.ndarray]:
        """Each column's messages enciphered: (B, T) cipher and plain ids. A fraction
        opts.offset of them is enciphered from a random point of the key, as if a message had
        begun up to MAX_LEAD characters earlier, so the model must find the key's phase from the
        cipher text itself; half of those not at a column's start keep the state of the message
        before (their `starts` entry is cleared): a phase slip the model must notice and undo."""
        B, S = starts.shape
        T = len(codes) // B
        cols = stream_columns(codes, B)  # (B, T): row b is codes[b * T:(b + 1) * T]
        src = np.zeros((B, T), dtype=np.int64)
        tgt = np.zeros((B, T), dtype=np.int64)
        seg = opts.segment
        for b in range(B):
            cuts = [*(np.flatnonzero(starts[b]) * seg), T]
            for i, j in zip(cuts[:-1], cuts[1:]):
                lead = 0
                if rng.random() < opts.offset:
                    lead = min(int(rng.integers(1, MAX_LEAD + 1)), b * T + i)
                    if i > 0 and rng.random() < 0.5:
                        starts[b, i // seg] = False
                before = codes[b * T + i - lead : b * T + i]  # the text just before, in the ring
                text = from_code_points(np.concatenate([before, cols[b, i:j]]))
                s, t = self.message(text)
                src[b, i:j], tgt[b, i:j] = s[lead:], t[lead:]
        return src, tgt


class StreamBatches:
    """The pieces of stream training: each epoch's columns cut into segments, a row's state
    kept from one segment to the next unless a new message starts there."""

    def __init__(self, data: StreamData, opts: TrainOptions) -> None:
        self.data, self.opts = data, opts

    def epoch(self, epoch: int) -> list[Piece]:
        src, tgt, starts = self.data.epoch_columns(self.opts, epoch)  # (B, T), (B, T), (B, S)
        seg = self.opts.segment
        return [
            Piece(src[:, j * seg : (j + 1) * seg], tgt[:, j * seg : (j + 1) * seg], ~starts[:, j])
            for j in range(starts.shape[1])
        ]


def stream_dataset(
    text: str, cipher: Cipher, *, fractions: tuple[float, float] = (0.9, 0.05), extra: str = "",
    letters: bool = False,
) -> StreamData:  # fmt: skip
    """`text` cut in three contiguous parts: the first fractions[0] to train on, the next
    fractions[1] to validate, the rest to test; both vocabularies also hold the characters of
    `extra` (those augmentation brings). With `letters`, the text is its ASCII letters alone,
    and so are the vocabularies: the ciphers with memory shift letters and count only letters,
    so what the model reads is the same whatever stands between them, and the decoder passes
    the rest through unchanged (as characters the vocabulary lacks)."""
    if letters:
        text = only_letters(text)
        extra = only_letters(extra)
    n = len(text)
    a, b = int(n * fractions[0]), int(n * (fractions[0] + fractions[1]))
    if min(a, b - a, n - b) < 1_000:
        raise DataError(
            f"the corpus has {n:,} {'letters' if letters else 'characters'}; stream training "
            "needs at least 1,000 in each of "
            "its training, validation and test parts, so give a longer text"
        )
    cipher_text = cipher.encrypt(text)
    fold_case = case_follows([(cipher_text, text)])
    norm = fold if fold_case else (lambda s: s)
    # a message may start anywhere, so any letter can turn up in the cipher text: the source
    # vocabulary holds the whole alphabet (in the cases the text uses) besides what was seen
    cases = (string.ascii_lowercase, string.ascii_uppercase)
    alphabet = "".join(a for a in cases if any(c in text for c in a))
    src = Vocab.fit([norm(cipher_text), norm(alphabet), norm(extra)])
    tgt = Vocab.fit([norm(text), norm(extra)])
    return StreamData(text[:a], text[a:b], text[b:], cipher, src, tgt, fold_case, letters)


def only_letters(text: str) -> str:
    """The ASCII letters of `text`, in order."""
    codes = code_points(text)
    return from_code_points(codes[((codes | 32) >= 97) & ((codes | 32) <= 122)])
