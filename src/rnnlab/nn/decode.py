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
      one segment: the whole text, its state carried from chunk to chunk.
  context-free models  (`perchar`: each output read from its own input alone)
      no segments: the model is run once on every input id, and a text is one table lookup.
"""

from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn

from rnnlab.nn.doubt import Doubt
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


class FoldedGRU(nn.Module):
    """Inference for Embedding -> one GRU layer -> Linear, the embedding and the GRU's input
    projection folded into one lookup table (V, 3H), so a step computes only h @ W_hh.

    Same equations as torch.nn.GRU (r, z, n gates; r multiplies W_hn h + b_hn); the same
    logits as the model up to float rounding. Not for training.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        g = model.rnn
        H = g.hidden_size
        with torch.no_grad():
            table = model.embed.weight @ g.weight_ih_l0.T + g.bias_ih_l0  # (V, 3H)
            table[:, : 2 * H] += g.bias_hh_l0[: 2 * H]  # r and z take both biases in one place
            self.table = table
            w_hh = g.weight_hh_l0.T  # (H, 3H)
            self.w_rz = w_hh[:, : 2 * H].contiguous()  # (H, 2H)
            self.w_n = w_hh[:, 2 * H :].contiguous()  # (H, H)
            self.b_hn = g.bias_hh_l0[2 * H :].clone()  # (H,)
            self.w_out = model.out.weight.T.contiguous()  # (H, V)
            self.b_out = model.out.bias.clone()
        self.H = H

    @staticmethod
    def fits(model: nn.Module) -> bool:
        rnn = getattr(model, "rnn", None)
        one_way = isinstance(rnn, nn.GRU) and rnn.num_layers == 1 and not rnn.bidirectional
        return one_way and hasattr(model, "embed")

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None):
        B, L = ids.shape
        H = self.H
        gi = self.table[ids.T]  # (L, B, 3H)
        h = torch.zeros(B, H) if state is None else state[0]
        outs = torch.empty(L, B, H)
        for t in range(L):
            x = gi[t]
            rz = torch.addmm(x[:, : 2 * H], h, self.w_rz).sigmoid_()  # (B, 2H)
            hn = torch.addmm(self.b_hn, h, self.w_n)  # W_hn h + b_hn, (B, H)
            n = torch.addcmul(x[:, 2 * H :], rz[:, :H], hn).tanh_()
            h = torch.lerp(n, h, rz[:, H:], out=outs[t])  # (1 - z) * n + z * h
        logits = torch.addmm(self.b_out, outs.view(L * B, H), self.w_out).view(L, B, -1)
        return logits.transpose(0, 1), h[None]  # (B, L, V), (1, B, H)


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
        max_len: int = 100,
        batch_chars: int = 1 << 18,
        device: str = "cpu",
    ) -> None:
        self.model = model.to(device).eval()
        self.net = (
            FoldedGRU(self.model) if device == "cpu" and FoldedGRU.fits(model) else self.model
        )
        self.src, self.tgt = CharTable(src_vocab), CharTable(tgt_vocab)
        self.fold_case, self.memory, self.max_len = fold_case, memory, max_len
        self.batch_chars, self.device = batch_chars, device
        self.lookup = self._tabulate() if getattr(model, "context_free", False) else None

    def _tabulate(self) -> tuple[np.ndarray, np.ndarray]:
        """A model whose every output depends on its own input alone, run once on each input id:
        (predicted id, probability) per id, so deciphering is one table lookup a character."""
        ids = torch.arange(len(self.src.to_cp))[None, :]  # (1, V): every id, padding included
        pred, prob, _ = self._run(ids, confidence=True)
        return pred[0], prob[0]

    @classmethod
    def from_run(cls, run, **kw) -> Decipherer:
        """The decipherer of a loaded runs.Run."""
        if run.vocabs is None:
            from rnnlab.errors import InputError
            from rnnlab.nn.config import RUN_KINDS

            raise InputError(
                f"{run.path} holds a {RUN_KINDS[run.config.kind]}, not a decipherer; give a run "
                "of rnnlab train"
            )
        v = run.vocabs
        return cls(run.model, v.source, v.target, fold_case=v.fold_case, memory=run.memory,
                   max_len=v.max_len, **kw)  # fmt: skip

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
        known = ids > 0
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

    def _batched(self, known_ids: np.ndarray, known: np.ndarray, bounds: list[int], conf: bool):
        """Decipher every segment from a zero state, many segments per batch, by length."""
        kc = np.concatenate([[0], np.cumsum(known)])
        starts = kc[np.array([0, *bounds[:-1]])]
        lens = kc[np.array(bounds)] - starts
        pred = np.zeros(len(known_ids), dtype=np.int64)
        prob = np.ones(len(known_ids), dtype=np.float32)
        order = np.argsort(lens, kind="stable")
        i = 0
        while i < len(order):
            rows = max(1, self.batch_chars // max(self.max_len, 1))
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

    def __init__(self, d: Decipherer, confidence: bool = True, threshold: float = 0.9) -> None:
        self.d = d
        self.confidence = confidence
        self.buf = ""
        self.state = None
        self.doubt = Doubt(threshold)
        self.calls = 0

    def _measured(self) -> bool:
        """Whether this call computes confidence: always when asked, else now and then."""
        self.calls += 1
        return self.confidence or (self.calls - 1) % Doubt.SAMPLE_EVERY == 0

    def feed(self, chunk: str) -> tuple[str, np.ndarray]:
        if self.d.memory:
            return self._sequential(chunk)
        self.buf += chunk
        if len(self.buf) < self.d.batch_chars:
            return "", np.ones(0, dtype=np.float32)
        return self._flush(final=False)

    def close(self) -> tuple[str, np.ndarray]:
        if self.d.memory:
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
        bounds = segment_bounds(self.buf, self.d.max_len, final)
        if not bounds:
            return "", np.ones(0, dtype=np.float32)
        text, self.buf = self.buf[: bounds[-1]], self.buf[bounds[-1] :]
        measured = self._measured()
        out = self.d._translate(
            text, lambda ids, known: self.d._batched(ids, known, bounds, measured), self.doubt,
            measured,
        )  # fmt: skip
        return self._shown(out)

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
