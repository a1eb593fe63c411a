"""Moving parameters between torch.nn.RNN/GRU/LSTM state dicts and the engine's equation names."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.exact.interop import from_torch, to_torch

from .strategies import make_case


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("bias", [True, False])
def test_round_trip_through_torch_names_keeps_every_parameter(kind, bias):
    case = make_case(kind, D=3, H=4, O=2, T=1, seed=0, bias=bias)
    rnn, readout = to_torch(case.net, case.params)
    net, params = from_torch(kind, rnn, readout, activation="tanh")
    assert net == case.net
    for name, value in case.params.items():
        np.testing.assert_allclose(params[name], value, rtol=0, atol=1e-15)


def test_torch_gru_biases_merge_for_r_and_z_but_not_for_the_candidate():
    torch.manual_seed(0)
    gru = torch.nn.GRU(2, 3, batch_first=True).double()
    linear = torch.nn.Linear(3, 1).double()
    state = {k: v.detach().numpy() for k, v in gru.state_dict().items()}
    _, params = from_torch(
        "gru", state, {k: v.detach().numpy() for k, v in linear.state_dict().items()}
    )
    np.testing.assert_allclose(params["b_r"], state["bias_ih_l0"][:3] + state["bias_hh_l0"][:3])
    np.testing.assert_allclose(params["b_hn"], state["bias_hh_l0"][6:])
    np.testing.assert_allclose(params["b_xn"], state["bias_ih_l0"][6:])
    assert sum(p.numel() for p in gru.parameters()) == 3 * (3 * 2 + 3 * 3 + 2 * 3)


def test_the_exact_wing_never_imports_torch():
    import subprocess
    import sys

    modules = ["bptt", "cells", "interop", "jacobians", "spec", "symbolic", "trace"]
    code = (
        f"import sys; import {', '.join('rnnlab.exact.' + m for m in modules)}; "
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
