"""Adam and AdamW as torch.optim's single-tensor path computes them, in a class of our own:
torch's optimizers import torch._dynamo (about a second on 2 cores) the first time one is made,
and a training run of a few seconds should not pay for a compiler it never uses.

Same update, step by step, as torch.optim.Adam / AdamW with default betas and eps (the tests
hold the two to float rounding over many steps), and the same state_dict layout (`state`: per
parameter index `step`, `exp_avg`, `exp_avg_sq`; `param_groups` with `params` as indices), so a
checkpoint written by either loads into the other. Not here: learning-rate schedules (they set
param_groups[i]["lr"], as with torch's optimizers) or saving (runs.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class Adam:
    """Adam (weight decay added to the gradient) or, with decoupled=True, AdamW (weights
    shrunk by lr * weight_decay before the step)."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False) -> None:  # fmt: skip
        group = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                 "decoupled_weight_decay": decoupled, "params": list(params)}  # fmt: skip
        if not group["params"]:
            raise ValueError("optimizer got an empty parameter list")
        self.param_groups = [group]
        self.state: dict[torch.Tensor, dict[str, torch.Tensor]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self._params():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        for g in self.param_groups:
            lr, (b1, b2), eps, wd = g["lr"], g["betas"], g["eps"], g["weight_decay"]
            for p in g["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                st = self.state.get(p)
                if st is None:
                    st = self.state[p] = {
                        "step": torch.tensor(0.0), "exp_avg": torch.zeros_like(p),
                        "exp_avg_sq": torch.zeros_like(p),
                    }  # fmt: skip
                st["step"] += 1
                if wd and g["decoupled_weight_decay"]:
                    p.mul_(1 - lr * wd)
                elif wd:
                    grad = grad.add(p, alpha=wd)
                st["exp_avg"].lerp_(grad, 1 - b1)
                st["exp_avg_sq"].mul_(b2).addcmul_(grad, grad, value=1 - b2)
                n = st["step"].item()
                denom = (st["exp_avg_sq"].sqrt() / (1 - b2**n) ** 0.5).add_(eps)
                p.addcdiv_(st["exp_avg"], denom, value=-lr / (1 - b1**n))

    def state_dict(self) -> dict:
        index = {p: i for i, p in enumerate(self._params())}
        groups, start = [], 0
        for g in self.param_groups:
            ids = list(range(start, start + len(g["params"])))
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
            start += len(ids)
        return {"state": {index[p]: dict(st) for p, st in self.state.items()},
                "param_groups": groups}  # fmt: skip

    def load_state_dict(self, sd: dict) -> None:
        """Load a state_dict of this class or of torch.optim.Adam / AdamW."""
        params = self._params()
        saved = [i for g in sd["param_groups"] for i in g["params"]]
        if len(saved) != len(params) or len(sd["param_groups"]) != len(self.param_groups):
            raise ValueError("the saved state has a different number of parameters or groups")
        for g, s in zip(self.param_groups, sd["param_groups"], strict=True):
            for k in ("lr", "betas", "eps", "weight_decay"):
                if k in s:
                    g[k] = tuple(s[k]) if k == "betas" else float(s[k])
        by_index = dict(zip(saved, params, strict=True))
        self.state = {}
        for i, st in sd["state"].items():
            p = by_index[int(i)]
            self.state[p] = {
                "step": torch.as_tensor(st["step"], dtype=torch.float32).reshape(()).clone(),
                "exp_avg": st["exp_avg"].to(p.device, p.dtype).clone(),
                "exp_avg_sq": st["exp_avg_sq"].to(p.device, p.dtype).clone(),
            }

    def _params(self) -> list[torch.Tensor]:
        return [p for g in self.param_groups for p in g["params"]]
