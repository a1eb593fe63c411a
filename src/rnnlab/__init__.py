"""rnnlab: recurrent neural networks you can see into.

Two wings: `rnnlab.exact` (numpy float64 BPTT, every term shown; no torch) and the learning
wing `rnnlab.nn` (PyTorch) with the character-level cipher decipherer; text tools in
`rnnlab.text`. The names below are the public API; torch is imported only when a name from the
learning wing is first used, so `import rnnlab` stays light.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    # the exact wing
    "Network": "rnnlab.exact.bptt",
    "bptt": "rnnlab.exact.bptt",
    "truncated_bptt": "rnnlab.exact.bptt",
    "schedule": "rnnlab.exact.bptt",
    "make_cell": "rnnlab.exact.cells",
    "norms_from_start": "rnnlab.exact.jacobians",
    "spectral_radius": "rnnlab.exact.jacobians",
    "largest_singular_value": "rnnlab.exact.jacobians",
    # text
    "make_cipher": "rnnlab.text.ciphers",
    "CIPHER_NAMES": "rnnlab.text.ciphers",
    "default_text": "rnnlab.text.corpus",
    "Vocab": "rnnlab.text.vocab",
    "read_pairs": "rnnlab.text.pairs",
    # the learning wing
    "ModelConfig": "rnnlab.nn.config",
    "TrainOptions": "rnnlab.nn.config",
    "RunConfig": "rnnlab.nn.config",
    "decipher_config": "rnnlab.nn.recipes",
    "build_model": "rnnlab.nn.models",
    "fit": "rnnlab.nn.train",
    "evaluate": "rnnlab.nn.train",
    "tbptt": "rnnlab.nn.tbptt",
    "Decipherer": "rnnlab.nn.decode",
    "load_run": "rnnlab.nn.runs",
    "save_run": "rnnlab.nn.runs",
    "dataset_from_text": "rnnlab.nn.datasets",
    "dataset_from_pairs": "rnnlab.nn.datasets",
    "train_run": "rnnlab.nn.jobs",
    # errors
    "RnnlabError": "rnnlab.errors",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'rnnlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
