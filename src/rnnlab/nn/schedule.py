"""Learning-rate schedules as pure functions of where training stands, so that a resumed run sets
the same rates as an uninterrupted one without any scheduler state to save.

`cosine` and `onecycle` compute, float for float, what torch.optim.lr_scheduler's
CosineAnnealingLR (T_max = epochs, stepped once an epoch) and OneCycleLR (stepped once a step,
cosine annealing, Adam's beta1 cycled between 0.95 and 0.85) set; a test holds them to it.
"""

from __future__ import annotations

import math

from rnnlab.nn.config import TrainOptions

PCT_START, DIV_FACTOR, FINAL_DIV = 0.3, 25.0, 1e4  # OneCycleLR's defaults
MAX_MOMENTUM, BASE_MOMENTUM = 0.95, 0.85


def cosine(base: float, end: float, epochs: int, epoch: int) -> float:
    """The rate of `epoch` (0-based) falling from `base` along a cosine to `end` at `epochs`,
    by CosineAnnealingLR's recurrence (lr_e from lr_(e-1))."""
    lr = base
    for e in range(1, epoch + 1):
        if (e - 1 - epochs) % (2 * epochs) == 0:
            lr = lr + (base - end) * (1 - math.cos(math.pi / epochs)) / 2
        else:
            ratio = (1 + math.cos(math.pi * e / epochs)) / (
                1 + math.cos(math.pi * (e - 1) / epochs)
            )
            lr = ratio * (lr - end) + end
    return lr


def _anneal(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def onecycle(peak: float, total: int, step: int) -> tuple[float, float]:
    """(learning rate, Adam beta1) of step `step` (0-based) of `total`: up from peak / 25 to the
    peak over the first 30% of the steps, then down to peak / 25e4, beta1 moving the other way."""
    initial = peak / DIV_FACTOR
    phases = [
        (float(PCT_START * total) - 1, initial, peak, MAX_MOMENTUM, BASE_MOMENTUM),
        (total - 1, peak, initial / FINAL_DIV, BASE_MOMENTUM, MAX_MOMENTUM),
    ]
    start = 0.0
    for i, (end, lr0, lr1, m0, m1) in enumerate(phases):
        if step <= end or i == len(phases) - 1:
            pct = (step - start) / (end - start)
            return _anneal(lr0, lr1, pct), _anneal(m0, m1, pct)
        start = end
    raise AssertionError("unreachable")


def rates(opts: TrainOptions, epoch: int, step: int, steps: int) -> tuple[float, float | None]:
    """(learning rate, beta1 or None to leave it) for step `step` of `steps` in `epoch`."""
    if opts.schedule == "cosine":
        return cosine(opts.lr, opts.lr_end, opts.epochs, epoch), None
    if opts.schedule == "onecycle":
        return onecycle(opts.lr, opts.epochs * steps, epoch * steps + step)
    return opts.lr, None
