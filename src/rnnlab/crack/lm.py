"""The character language model as a judge of English: a run folder's GRU weights, read through
the run loader (nn/runfile.py, header checked, no torch), scoring texts in numpy.

Not the trainer: the model trains like every other run (rnnlab.nn.jobs, `rnnlab lm train`).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np

from rnnlab.crack.gru import GRULayer
from rnnlab.errors import ModelFileError
from rnnlab.nn.config import RUN_KINDS
from rnnlab.nn.runfile import read_run
from rnnlab.text.letters import SPACE_ID, VOCAB_SIZE, encode

MAX_CHARS = 600  # characters of each text scored (the rest adds little to a ranking)
SHIPPED = "crack_lm"  # the run folder in rnnlab/data


class CharLM:
    """A GRU character language model (a `kind: lm` run) evaluated in numpy float32."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.gru = GRULayer(weights)
        self.W_out = np.ascontiguousarray(np.asarray(weights["out.weight"], np.float32).T)  # (H, V)
        self.b_out = np.asarray(weights["out.bias"], np.float32)
        self.hidden = self.gru.H

    def log_probs(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Sum over t of log P(ids[:, t] | ids[:, :t]) where mask is set: ids, mask (B, T) -> (B,).

        The model starts from a zero state fed a space, as it was trained at text starts."""
        B, T = ids.shape
        h = np.zeros((B, self.hidden), dtype=np.float32)
        prev = np.full(B, SPACE_ID)
        total = np.zeros(B, dtype=np.float64)
        for t in range(T):
            h = self.gru.step(self.gru.x_proj[prev], h)  # (B, H)
            logits = h @ self.W_out + self.b_out  # (B, V)
            m = logits.max(axis=1, keepdims=True)  # log-softmax, in the order of operations the
            logz = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))  # shipped scores were made in
            picked = logits[np.arange(B), ids[:, t]] - logz
            total += np.where(mask[:, t], picked, 0.0)
            prev = ids[:, t]
        return total

    def score(self, texts: list[str]) -> np.ndarray:
        """Log-probability in nats of each text's first MAX_CHARS characters: (B,)."""
        encoded = [encode(t[:MAX_CHARS]) for t in texts]
        T = max((len(e) for e in encoded), default=0)
        ids = np.full((len(texts), T), SPACE_ID, dtype=np.int64)
        mask = np.zeros((len(texts), T), dtype=bool)
        for i, e in enumerate(encoded):
            ids[i, : len(e)] = e
            mask[i, : len(e)] = True
        return self.log_probs(ids, mask)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.score(texts)


def load_run(path: str | Path) -> CharLM:
    """The CharLM of a language model run folder (`rnnlab lm train`), checked as every run is."""
    config, weights = read_run(path)
    m = config.model
    if config.kind != "lm" or m.cell != "gru" or m.layers != 1 or m.src_vocab != VOCAB_SIZE:
        raise ModelFileError(
            f"{path} holds a {RUN_KINDS[config.kind]}, not a one-layer GRU language model; "
            "train one with rnnlab lm train"
        )
    return CharLM(weights)


@functools.cache
def default_lm() -> CharLM | None:
    """The language model shipped in rnnlab/data, or None if its files are not there."""
    folder = resources.files("rnnlab") / "data" / SHIPPED
    if not (folder / "model.safetensors").is_file():
        return None
    return load_run(Path(str(folder)))


def default_scorer() -> CharLM | None:
    """The shipped model as a text scorer for crack, or None when absent."""
    return default_lm()
