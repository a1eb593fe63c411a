"""The test oracle: the same networks in torch float64, differentiated by autograd.

GRU and LSTM run through torch.nn.GRU and torch.nn.LSTM themselves (so our equations are checked
against torch's), the vanilla RNN through torch.nn.RNN, or written out for the identity.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from rnnlab.exact import interop
from rnnlab.exact.bptt import Network, schedule
from rnnlab.exact.cells import Params, State


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(1e-8, max|a| + max|b|): CS231n's relative error, over a whole array."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(1e-8, np.abs(a).max() + np.abs(b).max()))


class TorchNet:
    """One step at a time, so every hidden state's gradient can be read back."""

    def __init__(self, net: Network, params: Params) -> None:
        self.net = net
        cell = net.cell
        H, D, O = cell.hidden_size, cell.input_size, net.output_size
        self.identity = cell.kind == "rnn" and cell.activation == "identity"
        if self.identity:
            self.w = {n: torch.tensor(v, requires_grad=True) for n, v in params.items()}
        else:
            module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell.kind]
            extra = {"nonlinearity": cell.activation} if cell.kind == "rnn" else {}
            self.rnn = module(D, H, bias=cell.bias, batch_first=True, **extra).double()
            self.readout = torch.nn.Linear(H, O, bias=net.output_bias).double()
            rnn_sd, readout_sd = interop.to_torch(net, params)
            with torch.no_grad():
                for name, value in rnn_sd.items():
                    getattr(self.rnn, name).copy_(torch.from_numpy(value))
                for name, value in readout_sd.items():
                    getattr(self.readout, name).copy_(torch.from_numpy(value))

    def step(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]):
        """x (D,), state of (H,) tensors -> (y_hat (O,), new state)."""
        if self.identity:
            w = self.w
            h = w["W_h"] @ state[0] + w["W_x"] @ x + w.get("b_h", 0.0)
            y = w["W_y"] @ h + w.get("b_y", 0.0)
            return y, (h,)
        packed = tuple(s.reshape(1, 1, -1) for s in state)
        _, new = self.rnn(x.reshape(1, 1, -1), packed if len(packed) == 2 else packed[0])
        new = tuple(s.reshape(-1) for s in (new if isinstance(new, tuple) else (new,)))
        return self.readout(new[0]), new  # one layer: the output at the last step is h_t

    def run(self, xs: torch.Tensor, state: tuple[torch.Tensor, ...]):
        """xs (T, D) -> y_hat (T, O) and the list of states s_1..s_T."""
        ys, states = [], []
        for x in xs:
            y, state = self.step(x, state)
            ys.append(y)
            states.append(state)
        return torch.stack(ys), states

    def grads(self) -> Params:
        if self.identity:
            return {n: t.grad.numpy().copy() for n, t in self.w.items()}
        rnn = {n: p.grad.numpy() for n, p in self.rnn.named_parameters()}
        readout = {n: p.grad.numpy() for n, p in self.readout.named_parameters()}
        return interop.grads_from_torch(self.net, rnn, readout)

    def zero_grad(self) -> None:
        params = (
            self.w.values()
            if self.identity
            else [*self.rnn.parameters(), *self.readout.parameters()]
        )
        for p in params:
            p.grad = None


def torch_loss(kind: str, y_hat: torch.Tensor, ys: np.ndarray) -> torch.Tensor:
    if kind == "sse":
        return ((y_hat - torch.from_numpy(np.asarray(ys, float)).reshape(y_hat.shape)) ** 2).sum()
    if kind == "mse":
        return F.mse_loss(y_hat, torch.from_numpy(np.asarray(ys, float)).reshape(y_hat.shape))
    return F.cross_entropy(y_hat, torch.from_numpy(np.asarray(ys)).long(), reduction="sum")


def torch_bptt(net: Network, params: Params, xs, ys, state0: State | None, loss: str):
    """(L, dL/dW, [dL/ds_k for k = 0..T], dL/dx (T, D)) by torch autograd."""
    model = TorchNet(net, params)
    x = torch.tensor(np.asarray(xs, float), requires_grad=True)
    s0 = net.cell.zero_state() if state0 is None else state0
    state = tuple(torch.tensor(np.asarray(s, float), requires_grad=True) for s in s0)
    y_hat, states = model.run(x, state)
    for s in states:
        for part in s:
            part.retain_grad()
    L = torch_loss(loss, y_hat, ys)
    L.backward()
    d_states = [  # a state the loss never reads (the last c_T) has no gradient: zero
        tuple(np.zeros(p.shape) if p.grad is None else p.grad.numpy().copy() for p in s)
        for s in [state, *states]
    ]
    return float(L.detach()), model.grads(), d_states, x.grad.numpy().copy()


def torch_truncated(net: Network, params: Params, xs, ys, k1: int, k2: int, state0, loss: str):
    """Per update of schedule(T, k1, k2): dL/dW by autograd through the explicitly cut graph.

    The state before step back_to comes from a forward pass without gradient; the graph is
    then built from it over steps back_to..end, and only the losses of start..end are summed.
    """
    model = TorchNet(net, params)
    x = torch.tensor(np.asarray(xs, float))
    s0 = net.cell.zero_state() if state0 is None else state0
    with torch.no_grad():
        _, states = model.run(x, tuple(torch.tensor(np.asarray(s, float)) for s in s0))
    states = [tuple(torch.tensor(np.asarray(s, float)) for s in s0), *states]
    out = []
    for start, end, back_to in schedule(len(x), k1, k2):
        model.zero_grad()
        const = tuple(s.detach() for s in states[back_to - 1])
        y_hat, _ = model.run(x[back_to - 1 : end], const)
        lo = start - back_to  # where step `start` sits in the window
        L = torch_loss(loss, y_hat[lo:], np.asarray(ys)[start - 1 : end])
        L.backward()
        out.append((float(L.detach()), model.grads()))
    return out
