import math

import numpy as np
import pytest
import torch

from rnnlab.errors import TrainingError
from rnnlab.nn import checkpoint
from rnnlab.nn.models import ModelConfig, build_model
from rnnlab.nn.pipeline import dataset_from_text, model_config, train_decipherer, train_options
from rnnlab.nn.train import TrainOptions, evaluate, fit, masked_cross_entropy
from rnnlab.text.ciphers import make_cipher
from rnnlab.text.corpus import default_text


@pytest.fixture(scope="module")
def small_ds():
    return dataset_from_text(default_text(), make_cipher("caesar", 3), limit=240, seed=1)


def test_masked_cross_entropy_ignores_padding():
    logits = torch.randn(2, 4, 5)
    tgt = torch.tensor([[1, 2, 0, 0], [3, 4, 1, 0]])
    changed = logits.clone()
    changed[0, 2:] = 100.0  # padded positions: anything
    assert torch.allclose(masked_cross_entropy(logits, tgt), masked_cross_entropy(changed, tgt))


def test_evaluate_counts_real_characters_and_whole_lines(small_ds):
    data = small_ds.encode(small_ds.val_pairs)
    model = build_model(
        ModelConfig(src_vocab=small_ds.src_vocab.size, tgt_vocab=small_ds.tgt_vocab.size)
    )
    m = evaluate(model, data)
    assert m.chars == int((data.tgt != 0).sum())
    assert 0.0 <= m.char_accuracy < 0.5  # untrained
    assert m.line_accuracy == 0.0


def test_char_model_learns_caesar_to_high_accuracy_in_a_few_epochs(small_ds):
    torch.manual_seed(0)
    mcfg = model_config("char", small_ds)
    res = train_decipherer(
        small_ds, mcfg, train_options("char", epochs=8, batch_size=32, target_accuracy=0.995), None
    )
    assert res.val_accuracy >= 0.99
    assert res.test_accuracy is not None and res.test_accuracy >= 0.98


def test_training_is_reproducible_for_a_seed(small_ds):
    opts = train_options("char", epochs=1, batch_size=32, seed=3)
    a = train_decipherer(small_ds, model_config("char", small_ds), opts, None).model
    b = train_decipherer(small_ds, model_config("char", small_ds), opts, None).model
    for (na, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.allclose(pa, pb), na


def test_interrupted_then_resumed_run_ends_at_the_same_weights(small_ds, tmp_path):
    mcfg = model_config("char", small_ds, hidden=16)
    opts = train_options("char", epochs=2, batch_size=32, seed=5)
    whole = train_decipherer(small_ds, mcfg, opts, tmp_path / "whole").model

    calls = {"n": 0}

    def stop_after_five_steps():
        calls["n"] += 1
        return calls["n"] > 5

    part = train_decipherer(
        small_ds, mcfg, opts, tmp_path / "part", should_stop=stop_after_five_steps
    )
    assert part.history.stopped == "interrupted"
    assert (tmp_path / "part" / checkpoint.STATE).exists()
    resumed = train_decipherer(small_ds, mcfg, opts, tmp_path / "part", resume=True)
    assert resumed.history.stopped == "epochs"
    assert not (tmp_path / "part" / checkpoint.STATE).exists()
    for name, w in whole.state_dict().items():
        assert torch.allclose(w, resumed.model.state_dict()[name], atol=1e-6), name


def test_non_finite_loss_stops_training_and_leaves_weights_untouched(small_ds):
    model = build_model(model_config("char", small_ds))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.out.bias.fill_(math.inf)
        before["out.bias"] = model.out.bias.clone()
    with pytest.raises(TrainingError, match="lower the learning rate"):
        fit(model, small_ds.encode(small_ds.train_pairs), None, TrainOptions(epochs=1))
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]) or torch.isinf(v).all(), k


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": -1.0}, "learning rate"),
        ({"target_accuracy": 99.0}, "1.0 for 100%"),
        ({"batch_size": 0}, "batch size"),
        ({"clip": 0.0}, "clip"),
    ],
)
def test_train_options_reject_bad_values(kw, msg):
    with pytest.raises(ValueError, match=msg):
        TrainOptions(**kw)


def test_batches_group_similar_lengths_so_little_is_padding(small_ds):
    from rnnlab.nn.train import make_batches

    data = small_ds.encode(small_ds.train_pairs)
    batches = make_batches(data, 32, seed=0)
    padded = sum(int((t == 0).sum()) for _, t in batches)
    real = int((data.tgt != 0).sum())
    assert padded / (padded + real) < 0.1
    assert sum(len(s) for s, _ in batches) == len(data.lengths)
    assert np.all([s.shape == t.shape for s, t in batches])
