"""The learned key-agnostic decipherers: a bidirectional GRU trained across every key of a
family (all Caesar shifts, or all affine keys) reads a ciphertext and writes its plaintext
without being told the key; evaluated here in numpy. Not part of `crack`'s search; the benchmark
compares the two. Trained like every other run (rnnlab.nn.jobs, scripts/train_keyless.py).

Two readings of its output: `raw`, the most likely letter at each position, and `keyed`, the one
key of the family whose decryption the network finds most likely (so every letter agrees).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from rnnlab.crack.gru import GRULayer, log_softmax
from rnnlab.errors import ModelFileError
from rnnlab.nn.config import RUN_KINDS
from rnnlab.nn.runfile import read_run
from rnnlab.text.letters import encode, family_maps


class KeylessDecipherer:
    """The weights of a `kind: keyless` run and its family: deciphers text with no key."""

    def __init__(self, weights: dict[str, np.ndarray], family: str, layers: int = 1) -> None:
        if layers != 1:
            raise ModelFileError("the numpy keyless decipherer reads one bidirectional layer")
        self.forward = GRULayer(weights, suffix="l0")
        self.backward = GRULayer(weights, suffix="l0_reverse")
        self.W_out = np.asarray(weights["out.weight"], np.float32).T  # (2H, 26)
        self.b_out = np.asarray(weights["out.bias"], np.float32)
        self.family, self.maps = family, family_maps(family)

    def _log_probs(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Letter codes of `text` (n,) and the network's log P(plain letter) at each (n, 26)."""
        ids = encode(text)
        both = np.concatenate([self.forward.run(ids), self.backward.run(ids, reverse=True)], 1)
        logp = log_softmax(both @ self.W_out + self.b_out)  # (T, 26)
        return ids[ids < 26], logp[ids < 26]

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


def load_keyless(path: str | Path) -> KeylessDecipherer:
    """The KeylessDecipherer of a keyless run folder, checked as every run is."""
    config, weights = read_run(path)
    if config.kind != "keyless" or config.model.cell != "gru":
        kind = RUN_KINDS[config.kind]
        raise ModelFileError(f"{path} holds a {kind}, not a key-agnostic GRU decipherer")
    return KeylessDecipherer(weights, config.cipher.name, config.model.layers)


def shipped_keyless(family: str) -> KeylessDecipherer | None:
    """The keyless decipherer of `family` shipped in rnnlab/data, or None if it is not there."""
    folder = resources.files("rnnlab") / "data" / f"keyless_{family}"
    if not (folder / "model.safetensors").is_file():
        return None
    return load_keyless(Path(str(folder)))
