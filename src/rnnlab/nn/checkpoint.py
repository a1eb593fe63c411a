"""Runs on disk, without pickle: weights in safetensors, configuration and vocabularies in JSON.

A run directory holds model.safetensors, config.json, vocab.json, history.csv and training.png,
plus optimizer.safetensors and state.json while it can be resumed. Every file is written
atomically; loading checks the format version, tensor names, dtypes and shapes before building.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import nn

from rnnlab.errors import InputError, ModelFileError
from rnnlab.fileio import atomic_write_bytes, atomic_write_csv, atomic_write_json
from rnnlab.nn.models import ModelConfig, build_model
from rnnlab.text.vocab import Vocab

FORMAT = "rnnlab-run"
FORMAT_VERSION = 1
MAX_HEADER = 100_000_000  # bytes; the safetensors reference loader's own limit
WEIGHTS, CONFIG, VOCAB, HISTORY = "model.safetensors", "config.json", "vocab.json", "history.csv"
OPTIMIZER, STATE = "optimizer.safetensors", "state.json"


@dataclass
class Run:
    """A loaded run: the rebuilt model, its vocabularies and the whole config.json."""

    path: Path
    config: dict
    model_config: ModelConfig
    model: nn.Module
    src_vocab: Vocab
    tgt_vocab: Vocab

    @property
    def fold_case(self) -> bool:
        return bool(self.config.get("fold_case", False))

    @property
    def memory(self) -> bool:
        """Whether the model was trained to carry state across a stream (a cipher with memory)."""
        return bool(self.config.get("data", {}).get("stream", False))


def prepare_dir(path: Path) -> Path:
    """Create `path` (and parents) or say why it cannot be written."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} exists and is not a folder; choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".rnnlab-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise InputError(f"cannot write to {path} ({e.strerror}); choose another --out") from None
    return path


def save_run(
    path: Path,
    model: nn.Module,
    model_config: ModelConfig,
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    config: dict,
    records: list[dict] | None = None,
) -> Path:
    """Write (or update) the run at `path`. `config` holds everything but the model section."""
    path = prepare_dir(path)
    weights = {
        k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()
    }
    atomic_write_bytes(path / WEIGHTS, st_save(weights, metadata={"format": FORMAT}))
    full = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **config,
        "model": model_config.to_json(),
    }
    atomic_write_json(path / VOCAB, {"source": src_vocab.to_json(), "target": tgt_vocab.to_json()})
    atomic_write_json(path / CONFIG, full)
    if records:
        header = list(records[0])
        atomic_write_csv(path / HISTORY, header, ([r[k] for k in header] for r in records))
    return path


def save_resume_state(path: Path, optimizer: torch.optim.Optimizer, epoch: int, step: int) -> None:
    """Optimizer tensors (safetensors) and the position in training (JSON), for --resume."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v) and v.dim() > 0:
                tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{k}"] = float(v)
    atomic_write_bytes(path / OPTIMIZER, st_save(tensors))
    atomic_write_json(
        path / STATE,
        {"epoch": epoch, "step": step, "scalars": scalars, "param_groups": sd["param_groups"]},
    )


def load_resume_state(path: Path, optimizer: torch.optim.Optimizer) -> tuple[int, int]:
    """Restore the optimizer saved by save_resume_state; returns (epoch, step)."""
    path = Path(path)
    if not (path / STATE).is_file() or not (path / OPTIMIZER).is_file():
        raise ModelFileError(f"{path} holds no resumable state (state.json, optimizer.safetensors)")
    state = _read_json(path / STATE)
    tensors = _read_safetensors(path / OPTIMIZER)
    sd = optimizer.state_dict()
    new_state: dict = {}
    for name, v in tensors.items():
        pid, k = name.split(".", 1)
        new_state.setdefault(int(pid), {})[k] = v
    for name, v in state.get("scalars", {}).items():
        pid, k = name.split(".", 1)
        new_state.setdefault(int(pid), {})[k] = torch.tensor(v)
    sd["state"] = new_state
    sd["param_groups"] = state["param_groups"]
    try:
        optimizer.load_state_dict(sd)
    except (ValueError, KeyError, RuntimeError) as e:
        raise ModelFileError(f"{path / OPTIMIZER} does not fit this model: {e}") from None
    return int(state["epoch"]), int(state["step"])


def read_history(path: Path) -> list[dict]:
    """The records of history.csv (numbers as floats, epoch and step as ints); [] if absent."""
    import csv

    f = Path(path) / HISTORY
    if not f.is_file():
        return []
    with f.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ints = {"epoch", "step"}
    return [{k: int(v) if k in ints else float(v) for k, v in r.items()} for r in rows]


def clear_resume_state(path: Path) -> None:
    for name in (OPTIMIZER, STATE):
        (Path(path) / name).unlink(missing_ok=True)


def load_run(path: str | Path) -> Run:
    """Load and validate the run at `path`, rebuilding its model in eval mode on the CPU."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(
            f"{path}: no such run folder; train one with `rnnlab train --out {path}`"
        )
    if not path.is_dir():
        raise ModelFileError(f"{path} is not a run folder; give the folder that holds {WEIGHTS}")
    for name in (CONFIG, VOCAB, WEIGHTS):
        if not (path / name).is_file():
            raise ModelFileError(f"{path} has no {name}; the run is incomplete, train it again")
    config = _read_json(path / CONFIG)
    if config.get("format") != FORMAT or not isinstance(config.get("format_version"), int):
        raise ModelFileError(f"{path / CONFIG} is not an rnnlab run configuration")
    if config["format_version"] != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} is run format {config['format_version']}; this rnnlab reads format "
            f"{FORMAT_VERSION}: upgrade rnnlab or train the model again"
        )
    try:
        mcfg = ModelConfig.from_json(config["model"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{path / CONFIG} has a bad model section: {e}") from None
    vocabs = _read_json(path / VOCAB)
    try:
        src, tgt = Vocab.from_json(vocabs["source"]), Vocab.from_json(vocabs["target"])
    except (KeyError, TypeError) as e:
        raise ModelFileError(f"{path / VOCAB} is malformed ({e}); train the model again") from None
    if src.size != mcfg.src_vocab or tgt.size != mcfg.tgt_vocab:
        raise ModelFileError(f"{path}: vocab.json does not match the model's sizes in config.json")
    model = build_model(mcfg)
    tensors = _read_safetensors(path / WEIGHTS)
    expected = model.state_dict()
    missing, extra = set(expected) - set(tensors), set(tensors) - set(expected)
    if missing or extra:
        raise ModelFileError(
            f"{path / WEIGHTS} has unexpected tensors (missing: {_names(missing)}; "
            f"unexpected: {_names(extra)}); it does not belong to this config"
        )
    for name, t in tensors.items():
        if t.shape != expected[name].shape or t.dtype != torch.float32:
            raise ModelFileError(
                f"{path / WEIGHTS}: tensor {name} is {t.dtype} {tuple(t.shape)}, expected "
                f"float32 {tuple(expected[name].shape)}"
            )
    model.load_state_dict(tensors)
    model.eval()
    return Run(path, config, mcfg, model, src, tgt)


def _names(names: set[str]) -> str:
    return ", ".join(sorted(names)) or "-"


def _read_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path} is not valid JSON ({e}); the run is damaged") from None
    if not isinstance(obj, dict):
        raise ModelFileError(f"{path} does not hold a JSON object; the run is damaged")
    return obj


def _read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Check the header's length against the file before the safetensors package reads it."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ModelFileError(f"{path} is truncated ({size} bytes); the run is damaged")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_HEADER or n > size - 8:
            raise ModelFileError(f"{path} has a corrupted header (claims {n} bytes); refused")
        data = head + f.read()
    try:
        return st_load(data)
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise ModelFileError(f"{path} is corrupted ({' '.join(str(e).split())}); refused") from None
