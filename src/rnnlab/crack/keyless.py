"""A learned key-agnostic decipherer: a bidirectional GRU trained across every key of a family
(all Caesar shifts, or all affine keys) that reads a ciphertext and writes its plaintext without
being told the key. Not part of `crack`'s search; the benchmark compares the two.

Two readings of its output: `raw`, the most likely letter at each position, and `keyed`, the one
key of the family whose decryption the network finds most likely (so every letter agrees).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from rnnlab.crack.lm import SPACE_ID, VOCAB_SIZE, encode
from rnnlab.errors import InputError, ModelFileError
from rnnlab.fileio import atomic_write_bytes, atomic_write_json

FORMAT = "rnnlab-keyless"
AFFINE_A = tuple(a for a in range(1, 26) if math.gcd(a, 26) == 1)


def family_maps(family: str) -> np.ndarray:
    """Every key of `family` as an encryption map plain -> cipher letter: (n_keys, 26)."""
    x = np.arange(26)
    if family == "caesar":
        return np.stack([(x + s) % 26 for s in range(26)])
    if family == "affine":
        return np.stack([(a * x + b) % 26 for a in AFFINE_A for b in range(26)])
    raise InputError(f"the keyless model knows caesar and affine, not {family!r}")


@dataclass(frozen=True)
class KeylessConfig:
    """Shape and training of a keyless decipherer."""

    family: str = "caesar"  # caesar | affine: the keys it is trained across
    embed: int = 16  # embedding width
    hidden: int = 64  # GRU units per direction
    layers: int = 1  # stacked bidirectional GRU layers
    steps: int = 1500  # optimizer steps, each on a batch of phrases under fresh random keys
    batch: int = 32  # phrases per step
    lr: float = 3e-3  # Adam learning rate
    seed: int = 0  # torch and numpy seed


class KeylessNet(nn.Module):
    """Embedding -> bidirectional GRU stack -> Linear(26): plaintext letter logits per position."""

    def __init__(self, cfg: KeylessConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB_SIZE, cfg.embed)
        self.gru = nn.GRU(
            cfg.embed, cfg.hidden, num_layers=cfg.layers, batch_first=True, bidirectional=True
        )
        self.out = nn.Linear(2 * cfg.hidden, 26)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T) cipher ids -> logits (B, T, 26)."""
        h, _ = self.gru(self.embed(x))
        return self.out(h)


def _encipher_ids(plain: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """Apply one map per row to the letter ids of plain (B, T); other ids pass: (B, T)."""
    letters = plain < 26
    out = plain.copy()
    rows = np.broadcast_to(np.arange(len(plain))[:, None], plain.shape)
    out[letters] = maps[rows[letters], plain[letters]]
    return out


def _pad(seqs: list[np.ndarray]) -> np.ndarray:
    T = max(len(s) for s in seqs)
    out = np.full((len(seqs), T), SPACE_ID, dtype=np.int64)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out


def train_keyless(
    phrases: list[str],
    cfg: KeylessConfig,
    report: Callable[[int, float], None] | None = None,
) -> KeylessNet:
    """Train on `phrases`, each step under fresh random keys of cfg.family; report(step, loss)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    maps = family_maps(cfg.family)
    encoded = [encode(p) for p in phrases if any(c.isalpha() for c in p)]
    if len(encoded) < cfg.batch:
        raise InputError(f"need at least {cfg.batch} phrases with letters to train on")
    model = KeylessNet(cfg)
    optim = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=cfg.lr, total_steps=cfg.steps)
    for step in range(1, cfg.steps + 1):
        pick = rng.integers(0, len(encoded), size=cfg.batch)
        plain = _pad([encoded[i] for i in pick])  # (B, T)
        cipher = _encipher_ids(plain, maps[rng.integers(0, len(maps), size=cfg.batch)])
        logits = model(torch.from_numpy(cipher))
        target = torch.from_numpy(np.where(plain < 26, plain, -100))
        loss = nn.functional.cross_entropy(logits.reshape(-1, 26), target.reshape(-1))
        optim.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        sched.step()
        if report and (step % 100 == 0 or step == cfg.steps):
            report(step, float(loss.detach()))
    return model


class KeylessDecipherer:
    """A trained KeylessNet and its family: deciphers text of that family with no key."""

    def __init__(self, model: KeylessNet, cfg: KeylessConfig) -> None:
        self.model, self.cfg = model.eval(), cfg
        self.maps = family_maps(cfg.family)

    def _log_probs(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Letter codes of `text` (n,) and the network's log P(plain letter) at each (n, 26)."""
        ids = encode(text)
        letters = ids[ids < 26]
        with torch.no_grad():
            logits = self.model(torch.from_numpy(ids[None, :]))[0]
        logp = torch.log_softmax(logits, -1).numpy()
        return letters, logp[ids < 26]

    def decipher(self, text: str, keyed: bool = True) -> str:
        """The plaintext of `text`, case and non-letters kept: `keyed` picks the family key the
        network believes most; otherwise each letter is the network's own choice."""
        letters, logp = self._log_probs(text)
        if len(letters) == 0:
            return text
        if keyed:
            inverse = np.argsort(self.maps, axis=1)  # (K, 26): cipher -> plain per key
            plain = inverse[:, letters]  # (K, n)
            best = int(np.argmax(logp[np.arange(len(letters)), plain].sum(axis=1)))
            out_letters = plain[best]
        else:
            out_letters = logp.argmax(axis=1)
        it = iter(out_letters.tolist())
        chars = []
        for ch in text:
            if ch.isascii() and ch.isalpha():
                p = chr(97 + next(it))
                chars.append(p.upper() if ch.isupper() else p)
            else:
                chars.append(ch)
        return "".join(chars)


def save_keyless(model: KeylessNet, cfg: KeylessConfig, weights: Path, config: Path) -> None:
    """Weights in safetensors, the config in JSON, each written atomically."""
    from safetensors.torch import save

    tensors = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(weights, save(tensors, metadata={"format": FORMAT}))
    atomic_write_json(config, {"format": FORMAT, "format_version": 1, "model": asdict(cfg)})


def load_keyless(weights: Path, config: Path) -> KeylessDecipherer:
    """A KeylessDecipherer from files written by save_keyless; names and shapes checked."""
    import json

    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        meta = json.loads(Path(config).read_text(encoding="utf-8"))
        cfg = KeylessConfig(**meta["model"])
        tensors = load_file(str(weights))
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as e:
        raise ModelFileError(f"{weights}: cannot load the keyless model ({e})") from None
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{config} is not a keyless model config ({FORMAT})")
    model = KeylessNet(cfg)
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if want != got:
        raise ModelFileError(f"{weights}: tensor names or shapes do not match the config")
    model.load_state_dict(tensors)
    return KeylessDecipherer(model, cfg)


__all__ = [
    "KeylessConfig",
    "KeylessDecipherer",
    "KeylessNet",
    "family_maps",
    "load_keyless",
    "save_keyless",
    "train_keyless",
]
