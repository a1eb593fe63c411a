"""The numpy engine against torch autograd: a GRU(64) over 100 steps, forward plus backward.

    python benchmarks/exact.py [--repeats 20] [--hidden 64] [--steps 100]

Both compute the same gradients (float64); the exact engine keeps every term to show, so it is
expected to be slower. Reports the median time of each and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import median, report  # noqa: E402

from rnnlab.exact.bptt import Network, bptt  # noqa: E402
from rnnlab.exact.cells import make_cell  # noqa: E402
from rnnlab.exact.interop import to_torch  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--input", type=int, default=16)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    net = Network(make_cell("gru", a.input, a.hidden), output_size=1)
    params = net.init_params(rng, 0.1)
    xs = rng.standard_normal((a.steps, a.input))
    ys = rng.standard_normal((a.steps, 1))

    gru = torch.nn.GRU(a.input, a.hidden, dtype=torch.float64)
    readout = torch.nn.Linear(a.hidden, 1, bias=False, dtype=torch.float64)
    rnn_sd, readout_sd = to_torch(net, params)
    gru.load_state_dict({k: torch.from_numpy(v) for k, v in rnn_sd.items()})
    readout.load_state_dict({k: torch.from_numpy(v) for k, v in readout_sd.items()})
    x = torch.from_numpy(xs)[:, None, :]
    y = torch.from_numpy(ys)[:, None, :]

    def numpy_once() -> float:
        t0 = time.perf_counter()
        bptt(net, params, xs, ys, loss="sse")
        return time.perf_counter() - t0

    def torch_once() -> float:
        t0 = time.perf_counter()
        out, _ = gru(x)
        loss = ((readout(out) - y) ** 2).sum()
        gru.zero_grad()
        loss.backward()
        return time.perf_counter() - t0

    numpy_once(), torch_once()
    tn = [numpy_once() for _ in range(a.repeats)]
    tt = [torch_once() for _ in range(a.repeats)]
    rows = [{"engine": "rnnlab.exact (numpy float64)", "ms": median(tn) * 1e3},
            {"engine": "torch autograd (float64)", "ms": median(tt) * 1e3}]  # fmt: skip
    rows[0]["ratio"] = rows[0]["ms"] / rows[1]["ms"]
    rows[1]["ratio"] = 1.0
    report("exact", rows, ["engine", "ms", "ratio"], {"hidden": a.hidden, "steps": a.steps})


if __name__ == "__main__":
    main()
