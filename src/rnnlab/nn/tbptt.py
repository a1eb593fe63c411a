"""Truncated backpropagation through time, TBPTT(k1, k2), for torch recurrent models and streams.

Every k1 steps the loss of those k1 steps is backpropagated k2 steps into the past (k2 >= k1),
update for update as rnnlab.exact.bptt.schedule defines it. Not a trainer: no epochs, no data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlab.errors import InputError
from rnnlab.exact import interop
from rnnlab.exact.bptt import Network, schedule
from rnnlab.exact.cells import Params
from rnnlab.nn.adam import Adam

State = torch.Tensor | tuple[torch.Tensor, ...] | None  # nn.RNN/GRU: h; nn.LSTM: (h, c)
Model = Callable[[torch.Tensor, State], tuple[torch.Tensor, State]]  # (B, t, D) -> (B, t, ...)
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (output, target) -> scalar


@dataclass(frozen=True)
class TBPTTStep:
    """What one update did, for progress bars and speed measurements (steps count from 1)."""

    update: int  # 1, 2, ... within this call
    start: int  # first step whose loss is in this update
    end: int  # last step; the update happens after it
    back_to: int  # earliest step the gradient reaches; the state before it is a constant
    loss: float  # loss_fn over steps start..end
    forward_steps: int  # time steps run forward for this update (end - back_to + 1)
    backward_steps: int  # time steps backpropagated through (the same window)
    grad_norm: float  # the gradient's total 2-norm before clipping (NaN if not computed)
    seconds: float  # wall time of forward, backward and optimizer step


@dataclass(frozen=True)
class TBPTTCost:
    """The work of TBPTT(k1, k2) over T steps, counted in cell steps."""

    steps: int  # T
    updates: int  # optimizer steps: ceil(T / k1)
    forward_steps: int  # cell steps run forward, recomputation included
    backward_steps: int  # cell steps backpropagated

    @property
    def per_step(self) -> float:
        """Forward plus backward cell steps per time step of the stream: about 2 k2 / k1."""
        return (self.forward_steps + self.backward_steps) / max(self.steps, 1)


def tbptt_cost(T: int, k1: int, k2: int) -> TBPTTCost:
    """The cost of tbptt over a stream of T steps (each window is run forward once, then back)."""
    windows = [end - back_to + 1 for _, end, back_to in schedule(T, k1, k2)]
    return TBPTTCost(T, len(windows), sum(windows), sum(windows))


def detach(state: State) -> State:
    """The state with its history cut: a tensor, a tuple of tensors (LSTM) or None."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def _run(
    model: Model,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: LossFn,
    k1: int,
    k2: int,
    state: State,
    after_backward: Callable[[int, tuple[int, int, int], torch.Tensor, float], None],
) -> State:
    """Run every update of schedule(T, k1, k2); call after_backward(j, window, loss, t0) each time.

    Update j runs the model over its window back_to..end from the saved (constant) state before
    back_to, in two pieces when the next window starts inside this one, so that state is saved.
    """
    if inputs.dim() < 2 or targets.dim() < 2 or targets.shape[:2] != inputs.shape[:2]:
        raise InputError(
            f"inputs and targets must be batch-first (B, T, ...) with the same B and T; "
            f"got {tuple(inputs.shape)} and {tuple(targets.shape)}"
        )
    windows = schedule(inputs.shape[1], k1, k2)
    saved = {0: detach(state)}  # position p -> the constant state after step p
    for j, (start, end, back_to) in enumerate(windows):
        t0 = time.perf_counter()
        b = back_to - 1
        nxt = windows[j + 1][2] - 1 if j + 1 < len(windows) else end  # next window's base
        if b < nxt < end:
            out_a, mid = model(inputs[:, b:nxt], saved[b])  # (B, nxt - b, ...)
            saved[nxt] = detach(mid)
            out_b, last = model(inputs[:, nxt:end], mid)
            output = torch.cat([out_a, out_b], dim=1)  # (B, end - b, ...)
        else:
            output, last = model(inputs[:, b:end], saved[b])
        saved[end] = detach(last)
        for p in [p for p in saved if p < nxt]:
            del saved[p]
        loss = loss_fn(output[:, start - 1 - b :], targets[:, start - 1 : end])
        loss.backward()
        after_backward(j, windows[j], loss, t0)
    return saved[windows[-1][1]] if windows else detach(state)


def _norm(params: list[nn.Parameter]) -> float:
    norms = [p.grad.detach().norm() for p in params if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


def tbptt(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: LossFn,
    optimizer: Adam | None,
    k1: int,
    k2: int,
    state: State = None,
    on_step: Callable[[TBPTTStep], None] | None = None,
    clip: float | None = None,
) -> State:
    """Train `model` on a stream with TBPTT(k1, k2); return the (detached) state after step T.

    model(x (B, t, D), state) -> (output (B, t, ...), new state), e.g. RecurrentReadout.
    inputs (B, T, D) and targets (B, T, ...) are batch-first; loss_fn(output, target) sees the
    k1 steps of one update. With optimizer=None nothing is stepped or zeroed: the gradients of all
    updates add up in .grad (the gradient of accumulated TBPTT at fixed weights). clip: max norm.

    Which losses reach which steps (k1 = 2, k2 = 5, T = 10; L: losses of the update,
    =: steps the gradient flows through, |: the constant state the window starts from):

        step           1  2  3  4  5  6  7  8  9  10
        update 1      |L  L                              after step 2, from h_0
        update 2      |=  =  L  L                        after step 4, from h_0
        update 3         |=  =  =  L  L                  after step 6, from h_1 (constant)
        update 4               |=  =  =  L  L            after step 8, from h_3
        update 5                     |=  =  =  L  L      after step 10, from h_5

    The loss of step t reaches back to the window's start: the last step of an update sees k2
    steps, the first k2 - k1 + 1. Each window is run forward again from its saved state, as one
    call to the model (so cuDNN's fused kernels apply), with the weights of that moment; the
    cost is about 2 k2 / k1 cell steps per stream step (tbptt_cost), and the memory k2 steps.
    Gradients never cross calls: `state` comes in as a constant, so pass long pieces.
    """
    params = [p for p in model.parameters() if p.requires_grad]

    def after(j: int, window: tuple[int, int, int], loss: torch.Tensor, t0: float) -> None:
        norm = float("nan")
        if clip is not None:
            norm = float(torch.nn.utils.clip_grad_norm_(params, clip))
        elif on_step is not None:
            norm = _norm(params)
        if optimizer is not None:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        if on_step is not None:
            start, end, back_to = window
            steps = end - back_to + 1
            seconds = time.perf_counter() - t0
            value = float(loss.detach())
            on_step(TBPTTStep(j + 1, start, end, back_to, value, steps, steps, norm, seconds))

    if optimizer is not None:
        optimizer.zero_grad(set_to_none=True)
    return _run(model, inputs, targets, loss_fn, k1, k2, state, after)


def truncated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: LossFn,
    k1: int,
    k2: int,
    state: State = None,
) -> tuple[list[dict[str, torch.Tensor]], State]:
    """Each update's gradient at fixed weights, by parameter name, and the final state.

    The same updates as tbptt; nothing is stepped, and every .grad is None afterwards.
    """
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    for _, p in named:
        p.grad = None
    grads: list[dict[str, torch.Tensor]] = []

    def after(j: int, window: tuple[int, int, int], loss: torch.Tensor, t0: float) -> None:
        grads.append(
            {
                n: p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
                for n, p in named
            }
        )
        for _, p in named:
            p.grad = None

    final = _run(model, inputs, targets, loss_fn, k1, k2, state, after)
    return grads, final


class RecurrentReadout(nn.Module):
    """A bare nn.RNN, nn.GRU or nn.LSTM (batch_first) and a readout at every step, with the
    interface tbptt expects: forward(x (B, T, D), state) -> (readout(h) (B, T, O), new state)."""

    def __init__(self, rnn: nn.RNNBase, readout: nn.Module) -> None:
        super().__init__()
        if not getattr(rnn, "batch_first", False):
            raise InputError(
                "build the recurrent layer with batch_first=True: inputs are (B, T, D)"
            )
        self.rnn = rnn
        self.readout = readout

    def forward(self, x: torch.Tensor, state: State = None) -> tuple[torch.Tensor, State]:
        out, new_state = self.rnn(x, state)  # (B, T, H)
        return self.readout(out), new_state


def _kind(model: RecurrentReadout) -> str:
    rnn = model.rnn
    if rnn.num_layers != 1 or rnn.bidirectional or not isinstance(model.readout, nn.Linear):
        raise InputError("the exact engine takes one layer, one direction and a Linear readout")
    for cls, kind in ((nn.LSTM, "lstm"), (nn.GRU, "gru"), (nn.RNN, "rnn")):
        if isinstance(rnn, cls):
            return kind
    raise InputError(
        f"no exact counterpart for {type(rnn).__name__}; use nn.RNN, nn.GRU or nn.LSTM"
    )


def _numpy(tensors: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().double().numpy() for k, v in tensors.items()}


def to_exact(model: RecurrentReadout) -> tuple[Network, Params]:
    """The numpy Network and float64 parameters equal to `model` (one layer, Linear readout)."""
    kind = _kind(model)
    activation = getattr(model.rnn, "nonlinearity", "tanh")
    rnn = _numpy(dict(model.rnn.named_parameters()))
    readout = _numpy(dict(model.readout.named_parameters()))
    return interop.from_torch(kind, rnn, readout, activation)


def exact_grads(net: Network, grads: dict[str, torch.Tensor]) -> Params:
    """Gradients of a RecurrentReadout, by its parameter names ("rnn.weight_ih_l0", ...), under
    the exact engine's names: pass one entry of truncated_gradients, or the model's gradients
    as {n: p.grad for n, p in model.named_parameters()}."""
    parts: dict[str, dict[str, np.ndarray]] = {"rnn": {}, "readout": {}}
    for name, g in grads.items():
        module, _, leaf = name.partition(".")
        if g is None:
            raise InputError(f"{name} has no gradient; run a backward pass first")
        if module in parts:
            parts[module][leaf] = g.detach().cpu().double().numpy()
    try:
        return interop.grads_from_torch(net, parts["rnn"], parts["readout"])
    except KeyError as e:
        raise InputError(
            f"no gradient for {e.args[0]}; pass a RecurrentReadout's gradients"
        ) from None
