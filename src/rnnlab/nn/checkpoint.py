"""Runs on disk, without pickle: weights in safetensors, configuration and vocabularies in JSON.

A run directory holds model.safetensors, config.json, vocab.json, history.csv and training.png,
plus optimizer.safetensors and state.json while it can be resumed. Every file is written
atomically. A safetensors header is checked (its size, then every tensor's name, dtype, shape
and place in the file) before any tensor data is read, so a hostile file cannot make us allocate.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import nn

from rnnlab.errors import InputError, ModelFileError, TrainingError
from rnnlab.fileio import atomic_write_bytes, atomic_write_csv, atomic_write_json
from rnnlab.nn.models import ModelConfig, build_model
from rnnlab.text.vocab import Vocab

FORMAT = "rnnlab-run"
FORMAT_VERSION = 1
MAX_HEADER = 1 << 20  # bytes of JSON header; ours list a few dozen tensors in a few kilobytes
MAX_EAGER_BYTES = 1 << 28  # a model surely smaller than this is built before its weights are read
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
        fd, probe = tempfile.mkstemp(prefix=".rnnlab-write-test.", dir=path)  # one per process
        os.close(fd)
        os.unlink(probe)
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
    weights = {
        k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()
    }
    bad = [k for k, v in weights.items() if not bool(torch.isfinite(v).all())]
    if bad:  # never replace a good checkpoint with a broken one
        raise TrainingError(
            f"the weights became non-finite ({', '.join(bad)}); the checkpoint in {path} was "
            "not overwritten: lower the learning rate (--lr) or keep gradient clipping on (--clip)"
        )
    path = prepare_dir(path)
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
    """Everything --resume needs in one file, so that it is always consistent whatever happens
    between the writes of a checkpoint: the parameters as the optimizer holds them, its tensors,
    and the position (epoch, step) in the header's metadata. state.json repeats the position."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for i, p in enumerate(_params(optimizer)):
        tensors[f"param.{i}"] = p.detach().to("cpu", torch.float32).contiguous()
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v) and v.dim() > 0:
                tensors[f"state.{pid}.{k}"] = v.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{k}"] = float(v)
    position = {"epoch": epoch, "step": step}
    meta = {**position, "scalars": scalars, "param_groups": sd["param_groups"]}
    atomic_write_bytes(
        path / OPTIMIZER, st_save(tensors, metadata={"format": FORMAT, "resume": json.dumps(meta)})
    )
    atomic_write_json(path / STATE, position)


def load_resume_state(path: Path, optimizer: torch.optim.Optimizer) -> tuple[int, int]:
    """Restore the parameters and optimizer saved by save_resume_state (into the tensors that
    `optimizer` updates, so its model too); returns (epoch, step)."""
    path = Path(path)
    if not (path / OPTIMIZER).is_file():
        raise ModelFileError(f"{path} holds no resumable state ({OPTIMIZER}); start a new run")
    tensors, meta = _read_safetensors(path / OPTIMIZER, with_metadata=True)
    try:
        state = json.loads(meta["resume"])
        params = _params(optimizer)
        saved = [tensors.pop(f"param.{i}") for i in range(len(params))]
        if any(k.startswith("param.") for k in tensors):
            raise ValueError("it holds more parameters than the model")
        sd = optimizer.state_dict()
        new_state: dict = {}
        for name, v in tensors.items():
            _, pid, k = name.split(".", 2)
            new_state.setdefault(int(pid), {})[k] = v
        for name, v in state["scalars"].items():
            pid, k = name.split(".", 1)
            new_state.setdefault(int(pid), {})[k] = torch.tensor(float(v))
        sd["state"], sd["param_groups"] = new_state, state["param_groups"]
        if any(p.shape != v.shape for p, v in zip(params, saved, strict=True)):
            raise ValueError("its parameters' shapes differ from the model's")
        with torch.no_grad():
            optimizer.load_state_dict(sd)
            for p, v in zip(params, saved, strict=True):
                p.copy_(v)
        return int(state["epoch"]), int(state["step"])
    except (KeyError, TypeError, ValueError, RuntimeError, json.JSONDecodeError) as e:
        raise ModelFileError(
            f"{path / OPTIMIZER} does not fit this run ({' '.join(str(e).split())}); "
            "it cannot be resumed: train again with a new --out"
        ) from None


def resume_position(path: Path) -> tuple[int, int] | None:
    """(epoch, step) where an interrupted run at `path` stands, or None if it cannot resume."""
    f = Path(path) / OPTIMIZER
    if not f.is_file():
        return None
    try:
        state = json.loads(_header(f)[1]["resume"])
        return int(state["epoch"]), int(state["step"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{f} has no resume position ({e}); the run is damaged") from None


def _params(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [p for g in optimizer.param_groups for p in g["params"]]


def read_history(path: Path) -> list[dict]:
    """The records of history.csv (numbers as floats, epoch and step as ints); [] if absent.
    For a run that can resume, records made after its resume point (by a checkpoint write cut
    short) are left out, so a resumed run does not count them twice."""
    import csv

    f = Path(path) / HISTORY
    if not f.is_file():
        return []
    with f.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ints = {"epoch", "step"}
    records = [{k: int(v) if k in ints else float(v) for k, v in r.items()} for r in rows]
    at = resume_position(path)
    if at is None:
        return records
    return [r for r in records if (r.get("epoch", 1) - 1, r.get("step", 0)) <= at]


def clear_resume_state(path: Path) -> None:
    """Remove the resume files of a run that has finished."""
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
        sizes = {k: v for k, v in config["model"].items() if k not in ("kind", "cell")}
        if not all(type(v) is int for v in sizes.values()):
            raise ValueError(f"sizes must be whole numbers, got {sizes}")
        mcfg = ModelConfig.from_json(config["model"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ModelFileError(f"{path / CONFIG} has a bad model section: {e}") from None
    vocabs = _read_json(path / VOCAB)
    try:
        src, tgt = Vocab.from_json(vocabs["source"]), Vocab.from_json(vocabs["target"])
    except (KeyError, TypeError) as e:
        raise ModelFileError(f"{path / VOCAB} is malformed ({e}); train the model again") from None
    if src.size != mcfg.src_vocab or tgt.size != mcfg.tgt_vocab:
        raise ModelFileError(f"{path}: vocab.json does not match the model's sizes in config.json")
    big = may_be_large(mcfg)  # then built on the meta device: slow to start, allocates nothing
    with torch.device("meta") if big else nullcontext():
        model = build_model(mcfg)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    tensors = _read_safetensors(path / WEIGHTS, expected=expected)
    bad = {k for k, v in tensors.items() if not bool(torch.isfinite(v).all())}
    if bad:
        raise ModelFileError(f"{path / WEIGHTS} holds non-finite weights ({_names(bad)}); retrain")
    model = build_model(mcfg) if big else model
    model.load_state_dict(tensors)
    model.eval()
    return Run(path, config, mcfg, model, src, tgt)


def may_be_large(mcfg: ModelConfig) -> bool:
    """False when the model of `mcfg` surely takes under MAX_EAGER_BYTES (a coarse upper bound:
    at most 4 layers' worth of tensors of 4 gates by the largest size squared, per layer)."""
    largest = max(v for v in mcfg.to_json().values() if type(v) is int)
    return 4 * 4 * largest**2 * (4 * mcfg.layers + 4) > MAX_EAGER_BYTES


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


_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}  # fmt: skip


def _header(path: Path) -> tuple[dict[str, dict], dict]:
    """The tensor entries and metadata of a safetensors file, read and checked without reading
    any tensor data: the header's length against MAX_HEADER and the file, each entry's dtype,
    shape and byte span, and the spans tiling the data exactly. ModelFileError otherwise."""
    corrupted = lambda why: ModelFileError(f"{path} is corrupted ({why}); refused")  # noqa: E731
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ModelFileError(f"{path} is truncated ({size} bytes); the run is damaged")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_HEADER or n > size - 8:
            raise ModelFileError(f"{path} has a corrupted header (claims {n} bytes); refused")
        raw = f.read(n)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise corrupted("its header is not JSON") from None
    if not isinstance(header, dict):
        raise corrupted("its header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise corrupted("its metadata is not a map of strings")
    spans = []
    for name, e in header.items():
        ok = isinstance(e, dict) and isinstance(e.get("dtype"), str) and e["dtype"] in _DTYPES
        ok = ok and isinstance(e.get("shape"), list) and isinstance(e.get("data_offsets"), list)
        ok = ok and all(type(d) is int and d >= 0 for d in e["shape"] + e["data_offsets"])
        if not ok or len(e["data_offsets"]) != 2:
            raise corrupted(f"tensor {name!r} has a malformed entry")
        begin, end = e["data_offsets"]
        nbytes = math.prod(e["shape"]) * _DTYPES[e["dtype"]].itemsize
        if end - begin != nbytes:
            raise corrupted(f"tensor {name!r} claims {end - begin} bytes for {nbytes}")
        spans.append((begin, end))
    covered = 0
    for begin, end in sorted(spans):
        if begin != covered:
            raise corrupted("its tensors overlap or leave gaps")
        covered = end
    if covered != size - 8 - n:
        raise corrupted(f"its tensors take {covered} bytes, the file holds {size - 8 - n}")
    return header, meta


def _read_safetensors(
    path: Path, expected: dict[str, tuple[int, ...]] | None = None, with_metadata: bool = False
):
    """The tensors of a safetensors file (and its metadata, with_metadata=True). The header is
    checked first (see _header) and, given `expected` float32 shapes by name, so are the names,
    dtypes and shapes, all before the tensor data is read."""
    header, meta = _header(path)
    if expected is not None:
        missing, extra = set(expected) - set(header), set(header) - set(expected)
        if missing or extra:
            raise ModelFileError(
                f"{path} has unexpected tensors (missing: {_names(missing)}; "
                f"unexpected: {_names(extra)}); it does not belong to this config"
            )
        for name, e in header.items():
            shape, dtype = tuple(e["shape"]), _DTYPES[e["dtype"]]
            if shape != expected[name] or dtype != torch.float32:
                raise ModelFileError(
                    f"{path}: tensor {name} is {dtype} {shape}, expected float32 {expected[name]}"
                )
    try:
        tensors = st_load(path.read_bytes())
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise ModelFileError(f"{path} is corrupted ({' '.join(str(e).split())}); refused") from None
    return (tensors, meta) if with_metadata else tensors
