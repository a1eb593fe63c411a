"""Reading run folders without torch: config.json into a RunConfig, the safetensors header checked
before any tensor is read, the weights as numpy arrays, history.csv and the resume position.

A run folder holds model.safetensors, config.json, vocab.json (decipherers), history.csv and
training.png, plus optimizer.safetensors and state.json while it can be resumed. The checks
follow the safetensors reference loader's: the header's size, then every tensor's name, dtype,
shape and byte span, the spans tiling the data exactly; a hostile file cannot make us allocate.
Runs written by rnnlab 0.1.0 (format version 1) are converted as they are read. Writing runs,
and building their models, is runs.py's.
"""

from __future__ import annotations

import csv
import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as st_load

from rnnlab.errors import ModelFileError
from rnnlab.nn.config import CipherConfig, DataConfig, ModelConfig, RunConfig, TrainOptions
from rnnlab.text.letters import VOCAB_SIZE

FORMAT = "rnnlab-run"
FORMAT_VERSION = 3  # 3: training options augment and offset (a format-2 run reads as both 0)
MAX_HEADER = 1 << 20  # bytes of JSON header; ours list a few dozen tensors in a few kilobytes
WEIGHTS, CONFIG, VOCAB, HISTORY = "model.safetensors", "config.json", "vocab.json", "history.csv"
OPTIMIZER, STATE = "optimizer.safetensors", "state.json"
_DTYPES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
}
_NAMES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
          "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
          "BOOL": "bool"}  # fmt: skip


def read_json(path: Path) -> dict:
    """A JSON object from `path`, or ModelFileError saying why not."""
    try:
        obj = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path} is not valid JSON ({e}); the run is damaged") from None
    if not isinstance(obj, dict):
        raise ModelFileError(f"{path} does not hold a JSON object; the run is damaged")
    return obj


def check_folder(path: Path, names: tuple[str, ...]) -> Path:
    path = Path(path)
    if not path.exists():
        raise ModelFileError(
            f"{path}: no such run folder; train one with `rnnlab train --out {path}`"
        )
    if not path.is_dir():
        raise ModelFileError(f"{path} is not a run folder; give the folder that holds {WEIGHTS}")
    for name in names:
        if not (path / name).is_file():
            raise ModelFileError(f"{path} has no {name}; the run is incomplete, train it again")
    return path


@dataclass(frozen=True)
class Stored:
    """A run folder's config.json, read: the RunConfig and what its format version adds."""

    config: RunConfig
    version: int  # the run format it was written in (1: rnnlab 0.1.0)
    rename: dict[str, str] = field(default_factory=dict)  # v1 tensor name prefixes -> today's
    legacy: dict = field(default_factory=dict)  # v1 facts outside a RunConfig: fold_case, max_len


def read_config(path: Path) -> Stored:
    """The config.json of the run folder `path`, checked, converted if it is format 1."""
    f = Path(path) / CONFIG
    d = read_json(f)
    fmt, version = d.get("format"), d.get("format_version")
    if fmt == "rnnlab-charlm" and version == 1:  # `rnnlab lm train` of rnnlab 0.1.0
        return Stored(_lm_v1(f, d), 1, {"gru.": "rnn."})
    if fmt != FORMAT or type(version) is not int:
        raise ModelFileError(f"{f} is not an rnnlab run configuration")
    try:
        if version == 1:
            legacy = {"fold_case": d.get("fold_case", False), "max_len": d["data"].get("max_len")}
            return Stored(_decipher_v1(d), 1, legacy=legacy)
        if version not in (2, FORMAT_VERSION):
            raise ModelFileError(
                f"{path} is run format {version}; this rnnlab reads formats 1 to "
                f"{FORMAT_VERSION}: upgrade rnnlab or train the model again"
            )
        return Stored(RunConfig.from_json(d), version)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        why = " ".join(str(e).split())
        raise ModelFileError(
            f"{f} has a {why if why.startswith('bad ') else 'bad section: ' + why}"
        ) from None


def _decipher_v1(d: dict) -> RunConfig:
    """A decipherer's config.json as rnnlab 0.1.0 wrote it: a dict of sections read by key."""
    data, t = d["data"], dict(d["training"])
    stream = t.pop("mode", None) == "stream"
    if stream:
        t.update(batch_size=t.pop("columns"), schedule="cosine")
    sizes = {k: v for k, v in d["model"].items() if k not in ("kind", "cell")}
    if not all(type(v) is int for v in sizes.values()):
        raise ValueError(f"bad model section: sizes must be whole numbers, got {sizes}")
    pairs = data.get("pairs")
    corpus = None if pairs or data.get("corpus") in (None, "default") else data["corpus"]
    cipher = CipherConfig(data["cipher"], data.get("key")) if "cipher" in data else None
    source = DataConfig(corpus, pairs, stream, int(data.get("max_len", 100)))
    model = ModelConfig.from_json(d["model"])
    return RunConfig("decipher", model, source, TrainOptions.from_json(t), cipher)


def _lm_v1(f: Path, d: dict) -> RunConfig:
    try:
        m, t = d["model"], d.get("training", {})
        model = ModelConfig(
            kind="char",
            src_vocab=int(m["vocab"]),
            tgt_vocab=int(m["vocab"]),
            hidden=int(m["hidden"]),
            embed=int(m["embed"]),
            padding=False,
        )
        bptt = int(t.get("bptt", 32))
        opts = TrainOptions(
            epochs=int(t.get("epochs", 1)),
            batch_size=int(t.get("batch", 32)),
            lr=float(t.get("lr", 3e-3)),
            schedule="cosine",
            k1=bptt,
            k2=bptt,
            segment=bptt,
            seed=int(t.get("seed", 0)),
        )
        return RunConfig("lm", model, DataConfig(), opts)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ModelFileError(
            f"{f}: a language model of rnnlab 0.1.0 whose sections cannot be read ({e}); "
            f"train it again with rnnlab lm train (its vocab must be {VOCAB_SIZE})"
        ) from None


def header(path: Path) -> tuple[dict[str, dict], dict]:
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
        entries = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise corrupted("its header is not JSON") from None
    if not isinstance(entries, dict):
        raise corrupted("its header is not a JSON object")
    meta = entries.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise corrupted("its metadata is not a map of strings")
    spans = []
    for name, e in entries.items():
        ok = isinstance(e, dict) and isinstance(e.get("dtype"), str) and e["dtype"] in _DTYPES
        ok = ok and isinstance(e.get("shape"), list) and isinstance(e.get("data_offsets"), list)
        ok = ok and all(type(d) is int and d >= 0 for d in e["shape"] + e["data_offsets"])
        if not ok or len(e["data_offsets"]) != 2:
            raise corrupted(f"tensor {name!r} has a malformed entry")
        begin, end = e["data_offsets"]
        nbytes = math.prod(e["shape"]) * _DTYPES[e["dtype"]]
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
    return entries, meta


def _names(names: set[str]) -> str:
    return ", ".join(sorted(names)) or "-"


def read_tensors(
    path: Path, expected: dict[str, tuple[int, ...]] | None = None, rename: dict | None = None
) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as numpy arrays, each name's prefixes renamed by
    `rename`. The header is checked first (see `header`) and, given `expected` float32 shapes by
    name, so are the names, dtypes and shapes and then the values' finiteness."""
    entries, _ = header(path)
    rename = rename or {}

    def new(name: str) -> str:
        return next(
            (to + name[len(old) :] for old, to in rename.items() if name.startswith(old)), name
        )

    entries = {new(k): v for k, v in entries.items()}
    if expected is not None:
        missing, extra = set(expected) - set(entries), set(entries) - set(expected)
        if missing or extra:
            raise ModelFileError(
                f"{path} has unexpected tensors (missing: {_names(missing)}; "
                f"unexpected: {_names(extra)}); it does not belong to this config"
            )
        for name, e in entries.items():
            shape, dtype = tuple(e["shape"]), _NAMES.get(e["dtype"], e["dtype"])
            if shape != expected[name] or dtype != "float32":
                raise ModelFileError(
                    f"{path}: tensor {name} is torch.{dtype} {shape}, expected float32 "
                    f"{expected[name]}"
                )
    try:
        tensors = {new(k): v for k, v in st_load(path.read_bytes()).items()}
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise ModelFileError(f"{path} is corrupted ({' '.join(str(e).split())}); refused") from None
    bad = {k for k, v in tensors.items() if v.dtype.kind == "f" and not np.isfinite(v).all()}
    if expected is not None and bad:
        raise ModelFileError(f"{path} holds non-finite weights ({_names(bad)}); retrain")
    return tensors


def read_run(path: str | Path) -> tuple[RunConfig, dict[str, np.ndarray]]:
    """The RunConfig and the checked float32 weights (numpy) of the run folder at `path`."""
    path = check_folder(path, (CONFIG, WEIGHTS))
    stored = read_config(path)
    return stored.config, read_tensors(
        path / WEIGHTS, stored.config.model.tensor_shapes(), stored.rename
    )


def resume_position(path: Path) -> tuple[int, int] | None:
    """(epoch, step) where an interrupted run at `path` stands, or None if it cannot resume."""
    f = Path(path) / OPTIMIZER
    if not f.is_file():
        return None
    try:
        state = json.loads(header(f)[1]["resume"])
        return int(state["epoch"]), int(state["step"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{f} has no resume position ({e}); the run is damaged") from None


def read_history(path: Path) -> list[dict]:
    """The records of history.csv (numbers as floats, epoch and step as ints); [] if absent.
    For a run that can resume, records made after its resume point (by a checkpoint write cut
    short) are left out, so a resumed run does not count them twice."""
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
