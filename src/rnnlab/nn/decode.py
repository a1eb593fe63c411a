"""Deciphering text with a trained model: logits to characters, per-character confidence, and
streaming over text of any length in flat memory. Not here: training or reading files.

Text -> segments -> fold case -> characters the source vocabulary knows (others are set aside
and pass through unchanged) -> model -> argmax per step -> restore case -> text.

How a text is cut depends only on the text, never on how it arrives in chunks:
  phrase models  (trained on independent phrases, state reset at each phrase start)
      "It was late. The lamp went out.\n"  ->  ["It was late.", " The lamp went out.", "\n"]
      cut after . ! ? or a newline, and at the last space before `max_len` characters;
      segments are deciphered many at a time, batched by length.
  stream models  (ciphers with memory, trained with state carried across chunks)
      where the cipher starts afresh every `period` letters (Vigenere, progressive; a model of
      the letters alone): windows of about 256 letters, a whole number of periods, counted from
      the text's start, each from a zero state, many side by side; otherwise (autokey, a model
      of every character, --sequential) one segment: the whole text, its state carried from
      chunk to chunk.
  context-free models  (`perchar`: each output read from its own input alone)
      no segments: the model is run once on every input id, and a text is one table lookup.
"""

from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn

from rnnlab.nn.doubt import Doubt
from rnnlab.nn.folded import folded
from rnnlab.text._codepoints import code_points, from_code_points
from rnnlab.text.pairs import fold
from rnnlab.text.vocab import Vocab

_END_RE = re.compile(r"[.!?\n]")


class CharTable:
    """Vectorised vocabulary lookups: code point -> id (0 = unknown) and id -> code point."""

    def __init__(self, vocab: Vocab) -> None:
        cps = [ord(c) for c in vocab.chars]
        self._dense = np.zeros(max(cps, default=0) + 1, dtype=np.int64)
        self._dense[cps] = np.arange(1, len(cps) + 1)
        self.to_cp = np.array([0, *cps], dtype=np.uint32)
        ups = [ord(c.upper()) if len(c.upper()) == 1 else ord(c) for c in vocab.chars]
        self.to_upper_cp = np.array([0, *ups], dtype=np.uint32)

    def ids(self, codes: np.ndarray) -> np.ndarray:
        """(n,) code points -> (n,) ids, 0 where the vocabulary lacks the character."""
        inside = codes < len(self._dense)
        out = np.zeros(len(codes), dtype=np.int64)
        out[inside] = self._dense[codes[inside]]
        return out


def segment_bounds(text: str, max_len: int, final: bool) -> list[int]:
    """End offsets of the complete segments at the start of `text`.

    A segment ends after . ! ? or a newline, or, once it would pass `max_len` characters, after
    its last space (or at `max_len` when it has none). With final=False the tail that might
    still grow is left out, so the cuts are the same however the text arrives in chunks.
    """
    ends: list[int] = []
    pos = 0

    def cut_long(limit: int) -> None:
        nonlocal pos
        while limit - pos > max_len:
            space = text.rfind(" ", pos, pos + max_len)
            pos = space + 1 if space > pos else pos + max_len
            ends.append(pos)

    for m in _END_RE.finditer(text):
        cut_long(m.end())
        ends.append(m.end())
        pos = m.end()
    cut_long(len(text))
    if final and pos < len(text):
        ends.append(len(text))
    return ends


class Decipherer:
    """A trained model with its vocabularies, ready to decipher text.

    `decipher` and `decipher_with_confidence` take a whole text; `stream()` takes one in chunks.
    """

    def __init__(
        self,
        model: nn.Module,
        src_vocab: Vocab,
        tgt_vocab: Vocab,
        *,
        fold_case: bool,
        memory: bool = False,
        letters_only: bool = False,
        period: int | None = None,
        max_len: int = 100,
        batch_chars: int = 1 << 18,
        device: str = "cpu",
    ) -> None:
        self.model = model.to(device).eval()
        self.src, self.tgt = CharTable(src_vocab), CharTable(tgt_vocab)
        self.fold_case, self.memory, self.max_len = fold_case, memory, max_len
        self.letters_only = letters_only  # the vocabulary lacks all but letters by design
        # a stream model whose cipher starts afresh every `period` known characters: deciphered
        # in windows of WINDOW or so from a zero state each, side by side (None: sequentially)
        self.period = period if memory else None
        # many sequences side by side: the folded step; one sequence (a batch of one): torch's
        # own loop, whose per-step cost in C++ is far below a Python loop's
        batched = not memory or self.period is not None
        self.net = folded(self.model) if device == "cpu" and batched else self.model
        self.batch_chars, self.device = batch_chars, device
        self.lookup = self._tabulate() if getattr(model, "context_free", False) else None

    def _tabulate(self) -> tuple[np.ndarray, np.ndarray]:
        """A model whose every output depends on its own input alone, run once on each input id:
        (predicted id, probability) per id, so deciphering is one table lookup a character."""
        ids = torch.arange(len(self.src.to_cp))[None, :]  # (1, V): every id, padding included
        pred, prob, _ = self._run(ids, confidence=True)
        return pred[0], prob[0]

    @classmethod
    def from_run(cls, run, sequential: bool = False, **kw) -> Decipherer:
        """The decipherer of a loaded runs.Run; a stream model that can start afresh in the
        middle of a text (runs.Run.period) is run in windows side by side unless `sequential`."""
        if run.vocabs is None:
            from rnnlab.errors import InputError
            from rnnlab.nn.config import RUN_KINDS

            raise InputError(
                f"{run.path} holds a {RUN_KINDS[run.config.kind]}, not a decipherer; give a run "
                "of rnnlab train"
            )
        v = run.vocabs
        return cls(run.model, v.source, v.target, fold_case=v.fold_case, memory=run.memory,
                   letters_only=run.config.data.letters, max_len=v.max_len,
                   period=None if sequential else run.period, **kw)  # fmt: skip

    def decipher(self, text: str) -> str:
        s = self.stream(confidence=False)
        return s.feed(text)[0] + s.close()[0]

    def decipher_with_confidence(self, text: str) -> tuple[str, np.ndarray]:
        """The deciphered text and each output character's probability, (len(text),) float32;
        characters passed through unchanged get confidence 1."""
        s = self.stream(confidence=True)
        a, ca = s.feed(text)
        b, cb = s.close()
        return a + b, np.concatenate([ca, cb])

    def stream(self, confidence: bool = True, threshold: float = 0.9) -> DecipherStream:
        """A stream over one text; with confidence=False every probability reads 1 (faster).
        Its `doubt` counts letters under `threshold`."""
        return DecipherStream(self, confidence, threshold)

    @torch.inference_mode()
    def _run(self, ids: torch.Tensor, state=None, confidence: bool = True):
        """ids (B, L) -> predicted ids (B, L), their probabilities (B, L), and the final state."""
        logits, state = self.net(ids.to(self.device), state)
        if not confidence:
            pred = logits.argmax(dim=-1).cpu().numpy()
            return pred, np.ones(pred.shape, dtype=np.float32), state
        prob, pred = torch.softmax(logits.float(), dim=-1).max(dim=-1)
        return pred.cpu().numpy(), prob.cpu().numpy(), state

    def _translate(
        self, text: str, pred_for_known, doubt: Doubt | None = None, measured: bool = True
    ) -> tuple[str, np.ndarray]:
        """Fold case, look up ids, predict the known characters with `pred_for_known`, restore;
        count what the model lacks into `doubt` (letters' confidence where `measured`)."""
        raw = code_points(text)
        folded = code_points(fold(text)) if self.fold_case else raw
        ids = self.src.ids(folded)
        known = self._known(raw, ids)
        pred, prob = pred_for_known(ids[known], known)
        out = raw.copy()
        conf = np.ones(len(raw), dtype=np.float32)
        cps = self.tgt.to_cp[pred]
        if self.fold_case:
            upper = (raw != folded)[known]
            cps = np.where(upper, self.tgt.to_upper_cp[pred], cps)
        out[known] = cps
        conf[known] = prob
        if doubt is not None:
            doubt.count(folded, known, conf if measured else None)
        return from_code_points(out), conf

    def _known(self, raw: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """Which characters of code points `raw` (n,) the model reads: those its vocabulary
        holds once folded, and for a model of the letters alone only ASCII letters (the Kelvin
        sign folds to k, but no cipher touches it)."""
        if ids is None:
            folded = code_points(fold(from_code_points(raw))) if self.fold_case else raw
            ids = self.src.ids(folded)
        known = ids > 0
        if self.letters_only:
            known &= ((raw | 32) >= 97) & ((raw | 32) <= 122)
        return known

    def _batched(
        self, known_ids: np.ndarray, known: np.ndarray, bounds: list[int], conf: bool,
        row_len: int | None = None,
    ):  # fmt: skip
        """Decipher every segment from a zero state, many segments per batch, by length (a
        batch of `batch_chars` over segments of up to `row_len` known characters, or max_len)."""
        kc = np.concatenate([[0], np.cumsum(known)])
        starts = kc[np.array([0, *bounds[:-1]])]
        lens = kc[np.array(bounds)] - starts
        pred = np.zeros(len(known_ids), dtype=np.int64)
        prob = np.ones(len(known_ids), dtype=np.float32)
        order = np.argsort(lens, kind="stable")
        i = 0
        while i < len(order):
            rows = max(1, self.batch_chars // max(row_len or self.max_len, 1))
            sel = order[i : i + rows]
            width = max(int(lens[sel].max()), 1)
            col = np.arange(width)
            valid = col[None, :] < lens[sel, None]  # (B, W)
            gather = np.where(valid, starts[sel, None] + col[None, :], 0)
            batch = np.where(valid, known_ids[gather] if len(known_ids) else 0, 0)
            p, q, _ = self._run(torch.from_numpy(batch), confidence=conf)
            pred[gather[valid]] = p[valid]
            prob[gather[valid]] = q[valid]
            i += len(sel)
        return pred, prob


class DecipherStream:
    """Feed consecutive chunks of one text; each call returns the output ready so far, and
    `doubt` counts what the model did not train on.

    The concatenated outputs equal `Decipherer.decipher` on the whole text, whatever the chunks.
    """

    STEPS = 1 << 16  # a stream model runs at most this many steps per call
    WINDOW = 256  # known characters a window of a stream model holds, about

    def __init__(self, d: Decipherer, confidence: bool = True, threshold: float = 0.9) -> None:
        self.d = d
        self.confidence = confidence
        self.buf = ""
        self.state = None
        self.doubt = Doubt(threshold, letters_only=d.letters_only)
        self.window = None  # a stream model in windows: a whole number of periods near WINDOW
        if d.period is not None:
            self.window = d.period * max(1, round(self.WINDOW / d.period))
        self.calls = 0

    def _measured(self) -> bool:
        """Whether this call computes confidence: always when asked, else now and then."""
        self.calls += 1
        return self.confidence or (self.calls - 1) % Doubt.SAMPLE_EVERY == 0

    def feed(self, chunk: str) -> tuple[str, np.ndarray]:
        if self.d.memory and self.d.period is None:
            return self._sequential(chunk)
        self.buf += chunk
        if len(self.buf) < self.d.batch_chars:
            return "", np.ones(0, dtype=np.float32)
        return self._flush(final=False)

    def close(self) -> tuple[str, np.ndarray]:
        if self.d.memory and self.d.period is None:
            return "", np.ones(0, dtype=np.float32)
        return self._flush(final=True)

    def _flush(self, final: bool) -> tuple[str, np.ndarray]:
        if self.d.lookup is not None:  # no context: cut after the last whitespace, where
            # folding (str.lower's final sigma) cannot depend on what comes after
            cut = len(self.buf) if final else max(self.buf.rfind(" "), self.buf.rfind("\n")) + 1
            text, self.buf = self.buf[:cut], self.buf[cut:]
            pred, prob = self.d.lookup
            out = self.d._translate(text, lambda ids, known: (pred[ids], prob[ids]), self.doubt)
            return self._shown(out)
        bounds = self._windows(final) if self.d.memory else segment_bounds(
            self.buf, self.d.max_len, final)  # fmt: skip
        if not bounds:
            return "", np.ones(0, dtype=np.float32)
        text, self.buf = self.buf[: bounds[-1]], self.buf[bounds[-1] :]
        measured = self._measured()
        out = self.d._translate(
            text, lambda ids, known: self.d._batched(ids, known, bounds, measured, self.window),
            self.doubt, measured,
        )  # fmt: skip
        return self._shown(out)

    def _windows(self, final: bool) -> list[int]:
        """Where the buffer's windows end: after every `window` known characters of the text,
        counted from its start (the buffer always starts where a window does), up to the last
        whole window (the rest waits for more text, unless final). A window's length is a whole
        number of periods, so each starts where the cipher starts afresh and its model from a
        zero state, and the cuts are the same however the text arrives. Text from the first
        known character of an unfinished window waits for the window to fill, so a long
        stretch without letters inside a window is held in memory until it does."""
        raw = code_points(self.buf)
        at = np.flatnonzero(self.d._known(raw))  # (n,) where the known characters are
        whole = len(at) - len(at) % self.window
        # what lies before the unfinished window's first known character goes out now: the
        # characters the model does not read pass through whichever window they fall in
        end = len(self.buf) if final or whole == len(at) else int(at[whole])
        ends = [int(e) + 1 for e in at[self.window - 1 : whole : self.window]]
        return [e for e in ends if e < end] + ([end] if end else [])

    def _shown(self, out: tuple[str, np.ndarray]) -> tuple[str, np.ndarray]:
        """The output as the caller asked for it: without confidence, every probability 1."""
        return out if self.confidence else (out[0], np.ones(len(out[1]), dtype=np.float32))

    def _sequential(self, chunk: str) -> tuple[str, np.ndarray]:
        measured = self._measured()

        def run(ids: np.ndarray, known: np.ndarray):
            if len(ids) == 0:
                return np.zeros(0, dtype=np.int64), np.ones(0, dtype=np.float32)
            preds, probs = [], []
            for i in range(0, len(ids), self.STEPS):  # bounded memory for any chunk size
                piece = torch.from_numpy(ids[i : i + self.STEPS])[None, :]
                p, q, self.state = self.d._run(piece, self.state, measured)
                preds.append(p[0])
                probs.append(q[0])
            return np.concatenate(preds), np.concatenate(probs)

        return self._shown(self.d._translate(chunk, run, self.doubt, measured))
