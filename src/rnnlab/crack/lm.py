"""The character language model as a judge of English: loads GRU weights from safetensors and
scores texts with a numpy forward pass, so cracking never imports torch.

Not the trainer (lm_train.py). The equations are torch.nn.GRU's, so weights trained there load
here unchanged:
    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))    h' = (1 - z) * n + z * h
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from rnnlab.errors import ModelFileError

FORMAT = "rnnlab-charlm"
FORMAT_VERSION = 1
VOCAB_SIZE = 28  # a..z, one space for any run of whitespace, one symbol for anything else
SPACE_ID, OTHER_ID = 26, 27
MAX_CHARS = 600  # characters of each text scored (the rest adds little to a ranking)
SHIPPED = ("crack_lm.safetensors", "crack_lm.json")  # in rnnlab/data

_TABLE = np.full(128, OTHER_ID, dtype=np.int64)
for _i in range(26):
    _TABLE[ord("a") + _i] = _TABLE[ord("A") + _i] = _i
for _c in " \t\n\r\f\v":
    _TABLE[ord(_c)] = SPACE_ID


def encode(text: str) -> np.ndarray:
    """`text` as model ids (n,): letters case-folded, whitespace runs as one space."""
    raw = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    ids = _TABLE[np.minimum(raw, 127)]
    if len(ids) == 0:
        return ids
    keep = np.ones(len(ids), dtype=bool)
    keep[1:] = ~((ids[1:] == SPACE_ID) & (ids[:-1] == SPACE_ID))
    return ids[keep]


@dataclass(frozen=True)
class LMConfig:
    """The shape of a character language model."""

    embed: int = 16  # embedding width
    hidden: int = 256  # GRU units
    vocab: int = VOCAB_SIZE  # output classes (fixed by `encode`)

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        """Names and shapes of the weights, as torch's Embedding, GRU and Linear name them."""
        E, H, V = self.embed, self.hidden, self.vocab
        return {
            "embed.weight": (V, E),
            "gru.weight_ih_l0": (3 * H, E),
            "gru.weight_hh_l0": (3 * H, H),
            "gru.bias_ih_l0": (3 * H,),
            "gru.bias_hh_l0": (3 * H,),
            "out.weight": (V, H),
            "out.bias": (V,),
        }


class CharLM:
    """A GRU character language model evaluated in numpy float32."""

    def __init__(self, config: LMConfig, weights: dict[str, np.ndarray]) -> None:
        self.config = config
        w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        # input projection of every symbol at once: (V, 3H)
        self.x_proj = w["embed.weight"] @ w["gru.weight_ih_l0"].T + w["gru.bias_ih_l0"]
        self.W_hh = np.ascontiguousarray(w["gru.weight_hh_l0"].T)  # (H, 3H)
        self.b_hh = w["gru.bias_hh_l0"]
        self.W_out = np.ascontiguousarray(w["out.weight"].T)  # (H, V)
        self.b_out = w["out.bias"]

    def log_probs(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Sum over t of log P(ids[:, t] | ids[:, :t]) where mask is set: ids, mask (B, T) -> (B,).

        The model starts from a zero state fed a space, as it was trained at text starts."""
        B, T = ids.shape
        H = self.config.hidden
        h = np.zeros((B, H), dtype=np.float32)
        prev = np.full(B, SPACE_ID)
        total = np.zeros(B, dtype=np.float64)
        for t in range(T):
            gx = self.x_proj[prev]  # (B, 3H)
            gh = h @ self.W_hh + self.b_hh  # (B, 3H)
            r = _sigmoid(gx[:, :H] + gh[:, :H])
            z = _sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])
            n = np.tanh(gx[:, 2 * H :] + r * gh[:, 2 * H :])
            h = (1.0 - z) * n + z * h
            logits = h @ self.W_out + self.b_out  # (B, V)
            m = logits.max(axis=1, keepdims=True)
            logz = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def read_config(path: Path) -> LMConfig:
    """The LMConfig in a JSON file written by save (format and version checked)."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelFileError(f"{path}: cannot read the language model's config ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a character language model config ({FORMAT})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format version {meta.get('format_version')}; this rnnlab reads "
            f"{FORMAT_VERSION}: retrain it with rnnlab lm train"
        )
    m = meta.get("model", {})
    try:
        return LMConfig(embed=int(m["embed"]), hidden=int(m["hidden"]), vocab=int(m["vocab"]))
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(f"{path}: the model section needs embed, hidden and vocab") from None


def load_lm(weights: Path, config: Path) -> CharLM:
    """A CharLM from a safetensors file and its JSON config, names and shapes checked."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    cfg = read_config(config)
    if cfg.vocab != VOCAB_SIZE:
        raise ModelFileError(f"{config}: vocab must be {VOCAB_SIZE}, got {cfg.vocab}")
    try:
        tensors = load_file(str(weights))
    except (OSError, SafetensorError, ValueError) as e:
        raise ModelFileError(f"{weights}: not a readable safetensors file ({e})") from None
    want = cfg.tensor_shapes()
    if set(tensors) != set(want):
        raise ModelFileError(
            f"{weights}: tensors {sorted(tensors)} do not match the config's {sorted(want)}"
        )
    for name, shape in want.items():
        t = tensors[name]
        if tuple(t.shape) != shape or t.dtype not in (np.float32, np.float16):
            raise ModelFileError(f"{weights}: {name} is {t.dtype}{t.shape}, expected float {shape}")
    return CharLM(cfg, tensors)


def load_run(path: Path) -> CharLM:
    """The CharLM saved in a run directory by `rnnlab lm train`."""
    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(
            f"{path} is not a language model run folder; train one with rnnlab lm train"
        )
    return load_lm(path / "model.safetensors", path / "config.json")


@functools.cache
def default_lm() -> CharLM | None:
    """The language model shipped in rnnlab/data, or None if the files are not there."""
    data = resources.files("rnnlab") / "data"
    weights, config = data / SHIPPED[0], data / SHIPPED[1]
    if not (weights.is_file() and config.is_file()):
        return None
    return load_lm(Path(str(weights)), Path(str(config)))


def default_scorer() -> CharLM | None:
    """The shipped model as a text scorer for crack, or None when absent."""
    return default_lm()
