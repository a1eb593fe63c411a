"""Our Adam against torch.optim's: the same weights after many steps, and checkpoints that load
either way."""

import copy

import pytest
import torch

from rnnlab.nn.adam import Adam


def _model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Embedding(9, 4), torch.nn.GRU(4, 6, batch_first=True))


def _steps(model, opt, n: int, lr_at=lambda k: None) -> None:
    g = torch.Generator().manual_seed(1)
    for k in range(n):
        ids = torch.randint(0, 9, (3, 7), generator=g)
        loss = model[1](model[0](ids))[0].pow(2).mean()
        opt.zero_grad()
        loss.backward()
        if (lr := lr_at(k)) is not None:
            for group in opt.param_groups:
                group["lr"] = lr
        opt.step()


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam_and_adamw_give_torchs_weights_over_many_steps(weight_decay):
    ours, theirs = _model(), _model()
    if weight_decay:
        ref = torch.optim.AdamW(theirs.parameters(), lr=3e-2, weight_decay=weight_decay)
        opt = Adam(ours.parameters(), lr=3e-2, weight_decay=weight_decay, decoupled=True)
    else:
        ref = torch.optim.Adam(theirs.parameters(), lr=3e-2)
        opt = Adam(ours.parameters(), lr=3e-2)
    schedule = lambda k: 3e-2 * (1 - k / 80)  # noqa: E731
    _steps(ours, opt, 60, schedule)
    _steps(theirs, ref, 60, schedule)
    start = _model().parameters()
    moved = max((a - b).abs().max().item() for a, b in zip(start, ours.parameters()))
    assert moved > 0.05  # the weights did move
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)


def test_adam_without_weight_decay_in_the_gradient_differs_from_adam_with_it():
    plain, decayed = _model(), _model()
    _steps(plain, Adam(plain.parameters(), lr=1e-2), 10)
    _steps(decayed, Adam(decayed.parameters(), lr=1e-2, weight_decay=0.5), 10)
    assert not all(torch.allclose(a, b) for a, b in zip(plain.parameters(), decayed.parameters()))


def test_checkpoints_load_either_way_and_continue_alike():
    a, b = _model(), _model()
    ours, ref = Adam(a.parameters(), lr=1e-2), torch.optim.Adam(b.parameters(), lr=1e-2)
    _steps(a, ours, 5)
    _steps(b, ref, 5)
    c, d = _model(), _model()
    with torch.no_grad():
        for x, y, z, w in zip(c.parameters(), d.parameters(), a.parameters(), b.parameters()):
            x.copy_(w)  # c continues from torch's run with our optimizer, d the other way round
            y.copy_(z)
    from_torch, from_ours = Adam(c.parameters(), lr=5.0), torch.optim.Adam(d.parameters(), lr=5.0)
    from_torch.load_state_dict(ref.state_dict())
    from_ours.load_state_dict(copy.deepcopy(ours.state_dict()))  # as torch's, references
    assert from_torch.param_groups[0]["lr"] == pytest.approx(1e-2)
    for model, opt in ((a, ours), (b, ref), (c, from_torch), (d, from_ours)):
        _steps(model, opt, 5)
    for x, y, z, w in zip(a.parameters(), b.parameters(), c.parameters(), d.parameters()):
        assert torch.allclose(x, y, rtol=1e-5, atol=1e-6)
        assert torch.allclose(x, z, rtol=1e-5, atol=1e-6)
        assert torch.allclose(x, w, rtol=1e-5, atol=1e-6)


def test_a_state_of_other_sizes_is_refused():
    opt = Adam(_model().parameters())
    with pytest.raises(ValueError, match="different number"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0], "lr": 1e-3}]})
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])
