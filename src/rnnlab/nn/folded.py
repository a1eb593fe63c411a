"""Inference for the one-layer recurrent models on CPU: the embedding and the input projection
folded into one lookup table (V, gates * H), so a step computes only h @ W_hh and the gates.
The same equations as torch's GRU and LSTM, the same logits up to float rounding; not for
training (the torch modules stay the reference, and the path on GPU).
"""

from __future__ import annotations

import torch
from torch import nn


def folded(model: nn.Module) -> nn.Module:
    """The folded form of `model` where one exists (FoldedGRU, FoldedLSTM), else `model`."""
    for kind in (FoldedGRU, FoldedLSTM):
        if kind.fits(model):
            return kind(model)
    return model


def _one_way(model: nn.Module, cell: type) -> bool:
    rnn = getattr(model, "rnn", None)
    one = isinstance(rnn, cell) and rnn.num_layers == 1 and not rnn.bidirectional
    return one and hasattr(model, "embed")


class FoldedGRU(nn.Module):
    """Inference for Embedding -> one GRU layer -> Linear, the embedding and the GRU's input
    projection folded into one lookup table (V, 3H), so a step computes only h @ W_hh.

    Same equations as torch.nn.GRU (r, z, n gates; r multiplies W_hn h + b_hn); the same
    logits as the model up to float rounding. Not for training.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        g = model.rnn
        H = g.hidden_size
        with torch.no_grad():
            table = model.embed.weight @ g.weight_ih_l0.T + g.bias_ih_l0  # (V, 3H)
            table[:, : 2 * H] += g.bias_hh_l0[: 2 * H]  # r and z take both biases in one place
            self.table = table
            w_hh = g.weight_hh_l0.T  # (H, 3H)
            self.w_rz = w_hh[:, : 2 * H].contiguous()  # (H, 2H)
            self.w_n = w_hh[:, 2 * H :].contiguous()  # (H, H)
            self.b_hn = g.bias_hh_l0[2 * H :].clone()  # (H,)
            self.w_out = model.out.weight.T.contiguous()  # (H, V)
            self.b_out = model.out.bias.clone()
        self.H = H

    @staticmethod
    def fits(model: nn.Module) -> bool:
        return _one_way(model, nn.GRU)

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None):
        B, L = ids.shape
        H = self.H
        gi = self.table[ids.T]  # (L, B, 3H)
        h = torch.zeros(B, H) if state is None else state[0]
        outs = torch.empty(L, B, H)
        for t in range(L):
            x = gi[t]
            rz = torch.addmm(x[:, : 2 * H], h, self.w_rz).sigmoid_()  # (B, 2H)
            hn = torch.addmm(self.b_hn, h, self.w_n)  # W_hn h + b_hn, (B, H)
            n = torch.addcmul(x[:, 2 * H :], rz[:, :H], hn).tanh_()
            h = torch.lerp(n, h, rz[:, H:], out=outs[t])  # (1 - z) * n + z * h
        logits = torch.addmm(self.b_out, outs.view(L * B, H), self.w_out).view(L, B, -1)
        return logits.transpose(0, 1), h[None]  # (B, L, V), (1, B, H)


class FoldedLSTM(nn.Module):
    """Inference for Embedding -> one LSTM layer -> Linear, folded as FoldedGRU is: a step is
    one (B, H) @ (H, 4H) product and one sigmoid over all four gates. The gates are reordered
    i, f, o, g and g's pre-activation doubled, since tanh(z) = 2 sigmoid(2z) - 1 (torch's tanh
    on CPU costs several times its sigmoid); tanh(c) is taken the same way. State (h, c)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        g = model.rnn
        H = g.hidden_size
        order = torch.arange(4 * H).view(4, H)[[0, 1, 3, 2]].reshape(-1)  # i, f, g, o -> i, f, o, g
        scale = torch.ones(4 * H)
        scale[3 * H :] = 2.0
        with torch.no_grad():
            table = model.embed.weight @ g.weight_ih_l0.T + g.bias_ih_l0 + g.bias_hh_l0
            self.table = (table[:, order] * scale).contiguous()  # (V, 4H)
            self.w_hh = (g.weight_hh_l0.T[:, order] * scale).contiguous()  # (H, 4H)
            self.w_out = model.out.weight.T.contiguous()  # (H, V)
            self.b_out = model.out.bias.clone()
        self.H = H

    @staticmethod
    def fits(model: nn.Module) -> bool:
        return _one_way(model, nn.LSTM)

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, state=None):
        B, L = ids.shape
        H = self.H
        steps = ids.T.contiguous()  # (L, B); each step's rows of the table gathered in turn
        h, c = (torch.zeros(B, H), torch.zeros(B, H)) if state is None else (s[0] for s in state)
        c = c.clone()  # updated in place
        outs = torch.empty(L, B, H)
        gates, tanh_c = torch.empty(B, 4 * H), torch.empty(B, H)
        for t in range(L):
            torch.addmm(self.table[steps[t]], h, self.w_hh, out=gates).sigmoid_()  # (B, 4H)
            g = gates[:, 3 * H :].mul_(2).sub_(1)  # tanh of g's pre-activation
            c.mul_(gates[:, H : 2 * H]).addcmul_(gates[:, :H], g)  # f * c + i * g
            torch.mul(c, 2, out=tanh_c).sigmoid_().mul_(2).sub_(1)
            h = torch.mul(gates[:, 2 * H : 3 * H], tanh_c, out=outs[t])  # o * tanh(c)
        logits = torch.addmm(self.b_out, outs.view(L * B, H), self.w_out).view(L, B, -1)
        return logits.transpose(0, 1), (h[None], c[None])  # (B, L, V), ((1, B, H), (1, B, H))
