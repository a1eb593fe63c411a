"""Runs on disk, without pickle, for every kind of run: save_run writes the weights (safetensors),
config.json (a RunConfig), vocab.json and history.csv, each atomically; load_run checks them
(runfile.py, before any tensor is read) and rebuilds the model; the resume state is the
optimizer's tensors and the position in one safetensors file. Reading without torch: runfile.py.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save as st_save
from torch import nn

from rnnlab.errors import InputError, ModelFileError, TrainingError
from rnnlab.fileio import atomic_write_bytes, atomic_write_csv, atomic_write_json
from rnnlab.nn import runfile
from rnnlab.nn.adam import Adam
from rnnlab.nn.config import RunConfig
from rnnlab.nn.models import build_model
from rnnlab.nn.runfile import CONFIG, FORMAT, FORMAT_VERSION, OPTIMIZER, STATE, VOCAB, WEIGHTS
from rnnlab.text.vocab import Vocab


@dataclass(frozen=True)
class Vocabs:
    """How a decipherer's text maps to ids: both vocabularies, whether case is folded, and the
    longest phrase it trained on (the decoder cuts text into phrases no longer)."""

    source: Vocab
    target: Vocab
    fold_case: bool
    max_len: int = 100

    def to_json(self) -> dict:
        return {"source": self.source.to_json(), "target": self.target.to_json(),
                "fold_case": self.fold_case, "max_len": self.max_len}  # fmt: skip


@dataclass
class Run:
    """A loaded run: its config, the rebuilt model (eval mode, CPU) and, for a decipherer, its
    vocabularies."""

    path: Path
    config: RunConfig
    model: nn.Module
    vocabs: Vocabs | None = None

    @property
    def memory(self) -> bool:
        return self.config.memory

    @property
    def period(self) -> int | None:
        """Letters after which a stream model's cipher starts afresh, for a model that reads
        the letters alone (Vigenere: its key's length; the progressive cipher: 26 / gcd(step,
        26)): a zero state there is a message's start, so a long text can be deciphered in
        windows side by side. None for autokey, for a model of every character, and for
        phrase models."""
        c = self.config
        if not (c.memory and c.data.letters and c.cipher is not None):
            return None
        from rnnlab.text.ciphers import make_cipher

        return make_cipher(c.cipher.name, c.cipher.key).period


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


def refuse_existing(path: Path) -> Path:
    """`path`, unless it already holds a run (never overwritten) or is a file; nothing is made
    yet, so bad input found later leaves no folder behind."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} exists and is not a folder; choose another --out")
    if (path / WEIGHTS).exists():
        raise InputError(f"{path} already holds a run; choose another --out or remove it")
    return path


def save_run(
    path: Path,
    config: RunConfig,
    model: nn.Module,
    vocabs: Vocabs | None = None,
    records: list[dict] | None = None,
    stats: dict | None = None,
) -> Path:
    """Write (or update) the run at `path`; `stats` (sizes of the data, say) go into config.json
    beside the RunConfig. Non-finite weights never replace a checkpoint."""
    weights = {
        k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()
    }
    bad = [k for k, v in weights.items() if not bool(torch.isfinite(v).all())]
    if bad:
        raise TrainingError(
            f"the weights became non-finite ({', '.join(bad)}); the checkpoint in {path} was "
            "not overwritten: lower the learning rate (--lr) or keep gradient clipping on (--clip)"
        )
    path = prepare_dir(path)
    atomic_write_bytes(path / WEIGHTS, st_save(weights, metadata={"format": FORMAT}))
    if vocabs is not None:
        atomic_write_json(path / VOCAB, vocabs.to_json())
    full = {"format": FORMAT, "format_version": FORMAT_VERSION, **config.to_json()}
    atomic_write_json(path / CONFIG, {**full, "stats": stats or {}})
    if records:
        header = list(records[0])
        atomic_write_csv(path / runfile.HISTORY, header, ([r[k] for k in header] for r in records))
    return path


def load_run(path: str | Path) -> Run:
    """Load and validate the run at `path`, rebuilding its model in eval mode on the CPU."""
    path = runfile.check_folder(path, (CONFIG, WEIGHTS))
    stored = runfile.read_config(path)
    config = stored.config
    vocabs = _read_vocabs(path, stored) if config.kind == "decipher" else None
    tensors = runfile.read_tensors(path / WEIGHTS, config.model.tensor_shapes(), stored.rename)
    model = build_model(config.model)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    return Run(path, config, model.eval(), vocabs)


def _read_vocabs(path: Path, stored: runfile.Stored) -> Vocabs:
    config = stored.config
    runfile.check_folder(path, (VOCAB,))
    d = runfile.read_json(path / VOCAB)
    try:
        src, tgt = Vocab.from_json(d["source"]), Vocab.from_json(d["target"])
    except (KeyError, TypeError) as e:
        raise ModelFileError(f"{path / VOCAB} is malformed ({e}); train the model again") from None
    if src.size != config.model.src_vocab or tgt.size != config.model.tgt_vocab:
        raise ModelFileError(f"{path}: vocab.json does not match the model's sizes in config.json")
    facts = stored.legacy if stored.version == 1 else d  # format 1 kept both in config.json
    fold, max_len = facts.get("fold_case"), facts.get("max_len")
    if type(fold) is not bool or type(max_len) is not int or max_len < 1:
        raise ModelFileError(f"{path / VOCAB}: fold_case must be true or false, max_len >= 1")
    return Vocabs(src, tgt, fold, max_len)


def save_resume_state(path: Path, optimizer: Adam, epoch: int, step: int) -> None:
    """Everything a resume needs in one file, so that it is always consistent whatever happens
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


def load_resume_state(path: Path, optimizer: Adam) -> tuple[int, int]:
    """Restore the parameters and optimizer saved by save_resume_state (into the tensors that
    `optimizer` updates, so its model too); returns (epoch, step)."""
    path = Path(path)
    if not (path / OPTIMIZER).is_file():
        raise ModelFileError(f"{path} holds no resumable state ({OPTIMIZER}); start a new run")
    meta = runfile.header(path / OPTIMIZER)[1]
    tensors = {k: torch.from_numpy(v) for k, v in runfile.read_tensors(path / OPTIMIZER).items()}
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


def _params(optimizer: Adam) -> list[torch.Tensor]:
    return [p for g in optimizer.param_groups for p in g["params"]]


def clear_resume_state(path: Path) -> None:
    """Remove the resume files of a run that has finished."""
    for name in (OPTIMIZER, STATE):
        (Path(path) / name).unlink(missing_ok=True)
