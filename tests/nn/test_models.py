import pytest
import torch

from rnnlab.nn.config import ModelConfig
from rnnlab.nn.models import build_model, count_parameters
from rnnlab.nn.summary import layer_table


def test_seed_model_has_14554_parameters_as_in_the_assignment():
    cfg = ModelConfig(kind="seed", src_vocab=27, tgt_vocab=26, hidden=64)
    model = build_model(cfg)
    assert count_parameters(model) == 14_554
    assert count_parameters(model.gru) == 12_864
    assert count_parameters(model.dense) == 1_690


def test_seed_layer_table_matches_figure_1():
    rows = layer_table(ModelConfig(kind="seed", tgt_vocab=26), length=10)
    assert [r[1] for r in rows] == [
        "(None, 10, 1)",
        "(None, 10, 64)",
        "(None, 10, 26)",
        "(None, 10, 26)",
    ]
    assert sum(r[2] for r in rows) == 14_554


def test_seed_model_reads_raw_ids_as_numbers():
    model = build_model(ModelConfig(kind="seed", tgt_vocab=5, hidden=4))
    ids = torch.tensor([[3, 1, 2]])
    x_seen = []
    model.gru.register_forward_hook(lambda m, inp, out: x_seen.append(inp[0]))
    logits, h = model(ids)
    assert logits.shape == (1, 3, 5) and h.shape == (1, 1, 4)
    assert torch.allclose(x_seen[0].squeeze(), torch.tensor([3.0, 1.0, 2.0]))


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_char_model_shapes_and_state_carry_for_every_cell(cell):
    model = build_model(ModelConfig(kind="char", src_vocab=9, tgt_vocab=7, hidden=8, cell=cell))
    ids = torch.randint(1, 9, (3, 12))
    whole, _ = model(ids)
    first, state = model(ids[:, :5])
    second, _ = model(ids[:, 5:], state)
    assert whole.shape == (3, 12, 7)
    assert torch.allclose(torch.cat([first, second], 1), whole, atol=1e-6)
    loss = whole.sum()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"kind": "big"}, "unknown model"),
        ({"cell": "tcn"}, "unknown cell"),
        ({"hidden": 0}, "hidden"),
        ({"kind": "seed", "cell": "lstm"}, "one GRU layer"),
    ],
)
def test_model_config_rejects_bad_values_with_a_message(kw, msg):
    with pytest.raises(ValueError, match=msg):
        ModelConfig(**kw)


def test_model_config_json_round_trip_and_unknown_fields():
    cfg = ModelConfig(kind="char", src_vocab=30, tgt_vocab=29, hidden=32, embed=8, cell="lstm")
    assert ModelConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ValueError, match="unknown model config fields: colour"):
        ModelConfig.from_json({**cfg.to_json(), "colour": 1})


def test_perchar_model_reads_each_position_alone_and_matches_its_shapes():
    cfg = ModelConfig(kind="perchar", src_vocab=9, tgt_vocab=7, hidden=8, embed=4)
    model = build_model(cfg)
    names = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert names == cfg.tensor_shapes()
    ids = torch.randint(1, 9, (2, 6))
    logits, state = model(ids)
    changed = ids.clone()
    changed[:, 0] = (ids[:, 0] % 8) + 1  # another letter in the first position only
    again, _ = model(changed)
    assert state is None and logits.shape == (2, 6, 7)
    assert torch.allclose(logits[:, 1:], again[:, 1:])
    assert not torch.allclose(logits[:, 0], again[:, 0])
    rows = layer_table(cfg, length=10)
    assert rows[2][0] == "hidden (Dense, ReLU)"
    assert sum(r[2] for r in rows) == count_parameters(model)


def test_perchar_refuses_recurrent_options():
    with pytest.raises(ValueError, match="no recurrent layer"):
        ModelConfig(kind="perchar", cell="lstm")
