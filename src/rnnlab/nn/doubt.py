"""How much a deciphered text is to be doubted: the share of its characters the model's
vocabulary lacks, and of its letters deciphered with a low confidence. numpy only; the decoder
counts into it, `rnnlab decipher` reports it. Not a calibration: the threshold is the user's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.text._codepoints import code_points

_WHITE = code_points(" \t\n\r\f\v")
_LETTERS = code_points("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass
class Doubt:
    """What a stream read that its model did not train on: characters its vocabulary lacks,
    and letters deciphered with a confidence under `threshold` (measured on every batch when
    the stream computes confidence, else on one batch in SAMPLE_EVERY)."""

    threshold: float = 0.9  # a letter deciphered with a lower confidence is unsure
    chars: int = 0  # characters read, whitespace aside (letters alone, with letters_only)
    unknown: int = 0  # of them, the ones the vocabulary lacks (passed through unchanged)
    letters: int = 0  # ASCII letters whose confidence was measured
    unsure: int = 0  # of them, the ones under the threshold
    letters_only: bool = False  # the model reads letters alone: only letters count as read

    SAMPLE_EVERY = 8
    # a text is unlike the training data above these shares of unknown characters or unsure
    # letters, chosen on the held-out texts of docs/heldout.md with rnnlab 0.2's models: every
    # text they deciphered below 99.5% of its letters was flagged, the corpus's own test text
    # was not (but for autokey, which made 0.4% of errors there too)
    UNKNOWN_LIMIT, UNSURE_LIMIT = 0.01, 0.005

    @property
    def unknown_share(self) -> float:
        return self.unknown / self.chars if self.chars else 0.0

    @property
    def unsure_share(self) -> float:
        return self.unsure / self.letters if self.letters else 0.0

    @property
    def unlike(self) -> bool:
        """Whether the text looks unlike the model's training data."""
        return self.unknown_share > self.UNKNOWN_LIMIT or self.unsure_share > self.UNSURE_LIMIT

    def count(self, codes: np.ndarray, known: np.ndarray, conf: np.ndarray | None) -> None:
        """Add a piece: its code points (n,), which the vocabulary knows (n,) and, if measured,
        each output character's confidence (n,)."""
        seen = np.isin(codes, _LETTERS) if self.letters_only else ~np.isin(codes, _WHITE)
        self.chars += int(seen.sum())
        self.unknown += int((seen & ~known).sum())
        if conf is not None:
            letters = known & np.isin(codes, _LETTERS)
            self.letters += int(letters.sum())
            self.unsure += int((conf[letters] < self.threshold).sum())

    def message(self, measured_all: bool = True) -> str:
        """What the shares say, in one sentence, for a text that looks unlike the training data."""
        sampled = "" if measured_all else " (measured on a sample)"
        return (f"this text looks unlike the model's training data: {self.unknown_share:.1%} of "
                f"its characters are unknown to the model and pass through unchanged, and "
                f"{self.unsure_share:.1%} of its letters{sampled} are deciphered with confidence "
                f"under {self.threshold:.0%}; doubt the output, or train on text like it")

    def to_json(self) -> dict:
        return {"unknown_share": round(self.unknown_share, 6),
                "unsure_share": round(self.unsure_share, 6), "threshold": self.threshold,
                "unlike": self.unlike, "characters": self.chars,
                "letters_measured": self.letters}  # fmt: skip
