"""Model configurations and modules for character-level many-to-many tasks: `seed` and `char`.

Every model maps ids (N, L) and an optional recurrent state to logits (N, L, V) and the new
state, so the trainer, the truncated-BPTT driver and the decoder treat them alike. Not here:
training, decoding, files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

MODEL_KINDS = ("seed", "char")
CELLS = ("gru", "lstm", "rnn")


@dataclass(frozen=True)
class ModelConfig:
    kind: str = "char"  # "seed": the assignment's model; "char": embedding + recurrent + linear
    src_vocab: int = 27  # input classes, padding (id 0) included
    tgt_vocab: int = 27  # output classes, padding (id 0) included
    hidden: int = 64  # recurrent units
    embed: int = 16  # embedding width (char only)
    cell: str = "gru"  # gru | lstm | rnn (char only; seed is always a GRU)
    layers: int = 1  # stacked recurrent layers (char only)

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"unknown model {self.kind!r}; choose one of {', '.join(MODEL_KINDS)}")
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")
        for name in ("src_vocab", "tgt_vocab", "hidden", "embed", "layers"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"model {name} must be a positive integer, got {getattr(self, name)}"
                )
        if self.kind == "seed" and (self.cell != "gru" or self.layers != 1):
            raise ValueError("the seed model is one GRU layer; drop --cell/--layers or use char")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config fields: {', '.join(sorted(unknown))}")
        return cls(**d)


class SeedModel(nn.Module):
    """The assignment's model: raw ids as floats (N, L, 1) -> GRU(hidden) -> Dense(tgt_vocab).

    The Dense softmax of the original is applied by the loss and the decoder; the module
    returns logits. Initialised as Keras does (glorot-uniform kernels, orthogonal recurrent
    kernel, zero biases), so the published recipe trains as published.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.gru = nn.GRU(1, cfg.hidden, batch_first=True)
        self.dense = nn.Linear(cfg.hidden, cfg.tgt_vocab)
        keras_init(self.gru, self.dense)

    def forward(
        self, ids: torch.Tensor, state: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = ids.unsqueeze(-1).to(self.dense.weight.dtype)  # (N, L, 1): the raw id as a number
        out, state = self.gru(x, state)  # (N, L, H)
        return self.dense(out), state  # (N, L, V)


class CharModel(nn.Module):
    """Our default: Embedding(src_vocab, embed) -> GRU/LSTM/RNN(hidden) -> Linear(tgt_vocab)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.src_vocab, cfg.embed, padding_idx=0)
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[cfg.cell]
        self.rnn = rnn(cfg.embed, cfg.hidden, num_layers=cfg.layers, batch_first=True)
        self.out = nn.Linear(cfg.hidden, cfg.tgt_vocab)

    def forward(self, ids: torch.Tensor, state=None):
        out, state = self.rnn(self.embed(ids), state)  # (N, L, H)
        return self.out(out), state  # (N, L, V)


@torch.no_grad()
def keras_init(gru: nn.GRU, dense: nn.Linear) -> None:
    """Keras' defaults: GRU kernel (D, 3H) glorot-uniform, recurrent kernel (H, 3H) orthogonal,
    Dense kernel glorot-uniform, every bias zero. torch keeps the transposes: (3H, D), (3H, H)."""
    nn.init.xavier_uniform_(gru.weight_ih_l0)  # fan_in D, fan_out 3H, as Keras' (D, 3H)
    nn.init.orthogonal_(gru.weight_hh_l0.T)  # Keras orthogonalises the (H, 3H) matrix
    nn.init.zeros_(gru.bias_ih_l0)
    nn.init.zeros_(gru.bias_hh_l0)
    nn.init.xavier_uniform_(dense.weight)
    nn.init.zeros_(dense.bias)


def build_model(cfg: ModelConfig) -> nn.Module:
    """A freshly initialised module for `cfg`."""
    return SeedModel(cfg) if cfg.kind == "seed" else CharModel(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_table(cfg: ModelConfig, length: int) -> list[tuple[str, str, int]]:
    """A Keras-like summary: (layer, output shape, parameters) rows for input length `length`."""
    model = build_model(cfg)
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    h, v = cfg.hidden, cfg.tgt_vocab
    if cfg.kind == "seed":
        return [
            ("input (InputLayer)", f"(None, {length}, 1)", 0),
            ("gru (GRU)", f"(None, {length}, {h})", n(model.gru)),
            ("time_distributed (Dense)", f"(None, {length}, {v})", n(model.dense)),
            ("activation (Softmax)", f"(None, {length}, {v})", 0),
        ]
    cell = cfg.cell.upper() if cfg.cell != "rnn" else "SimpleRNN"
    return [
        ("input (InputLayer)", f"(None, {length})", 0),
        ("embedding (Embedding)", f"(None, {length}, {cfg.embed})", n(model.embed)),
        (f"{cfg.cell} ({cell} x{cfg.layers})", f"(None, {length}, {h})", n(model.rnn)),
        ("dense (Dense)", f"(None, {length}, {v})", n(model.out)),
        ("activation (Softmax)", f"(None, {length}, {v})", 0),
    ]
