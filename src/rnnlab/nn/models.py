"""Every torch module rnnlab trains: `seed` (the assignment's model), `char` (embedding,
recurrent layers, linear), which with its options is also the character language model (no
padding) and the key-agnostic decipherer (bidirectional), and `perchar` (no context); and the
architecture experiment's 1-D CNN.

Every model maps ids (N, L) and an optional recurrent state to logits (N, L, V) and the new
state, so the trainer, the truncated-BPTT driver and the decoder treat them alike. Not here:
training, decoding, files; the configuration is config.ModelConfig.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlab.nn.config import ModelConfig


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
    """Embedding(src_vocab, embed) -> GRU/LSTM/RNN(hidden) x layers -> Linear(tgt_vocab).

    Bidirectional, the linear layer reads both directions (N, L, 2H); with padding, id 0's
    embedding row is zero and gets no gradient."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.src_vocab, cfg.embed, padding_idx=0 if cfg.padding else None)
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[cfg.cell]
        self.rnn = rnn(cfg.embed, cfg.hidden, num_layers=cfg.layers, batch_first=True,
                       bidirectional=cfg.bidirectional)  # fmt: skip
        self.out = nn.Linear(cfg.hidden * (2 if cfg.bidirectional else 1), cfg.tgt_vocab)

    def forward(self, ids: torch.Tensor, state=None):
        out, state = self.rnn(self.embed(ids), state)  # (N, L, H * directions)
        return self.out(out), state  # (N, L, V)


class PerCharModel(nn.Module):
    """No context at all: Embedding(src_vocab, embed) -> Linear(hidden) -> ReLU ->
    Linear(tgt_vocab), each output read from its own input alone (`--model perchar`, for the
    ciphers whose letters depend on nothing around them, and the architecture experiment's
    baseline; it holds no state)."""

    context_free = True  # each output a function of its own input: the decoder tabulates it

    def __init__(self, src_vocab: int, tgt_vocab: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(src_vocab, embed, padding_idx=0)
        self.hidden, self.out = nn.Linear(embed, hidden), nn.Linear(hidden, tgt_vocab)

    def forward(self, ids: torch.Tensor, state=None):
        return self.out(torch.relu(self.hidden(self.embed(ids)))), None  # (N, L, V)


class ConvModel(nn.Module):
    """A 1-D CNN: Embedding -> (Conv1d(kernel, same padding) -> ReLU) x layers -> Linear; each
    output sees layers * (kernel - 1) + 1 inputs centred on its own (the architecture
    experiment's CNN; it holds no state)."""

    def __init__(self, src_vocab: int, tgt_vocab: int, embed: int, hidden: int, kernel: int,
                 layers: int) -> None:  # fmt: skip
        super().__init__()
        self.embed = nn.Embedding(src_vocab, embed, padding_idx=0)
        widths = [embed] + [hidden] * layers
        self.convs = nn.ModuleList(
            nn.Conv1d(a, b, kernel, padding=kernel // 2) for a, b in zip(widths, widths[1:])
        )
        self.out = nn.Linear(hidden, tgt_vocab)

    def forward(self, ids: torch.Tensor, state=None):
        x = self.embed(ids).transpose(1, 2)  # (N, E, L): channels first
        for conv in self.convs:
            x = torch.relu(conv(x))  # (N, H, L)
        return self.out(x.transpose(1, 2)), None  # (N, L, V)


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
    """A freshly initialised module for `cfg`; its weights are named as cfg.tensor_shapes()."""
    if cfg.kind == "perchar":
        return PerCharModel(cfg.src_vocab, cfg.tgt_vocab, cfg.embed, cfg.hidden)
    return SeedModel(cfg) if cfg.kind == "seed" else CharModel(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
