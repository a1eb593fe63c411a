import dataclasses
import math

import numpy as np
import pytest
import torch

from rnnlab.errors import TrainingError
from rnnlab.nn import jobs, recipes, runfile
from rnnlab.nn.config import ModelConfig, TrainOptions
from rnnlab.nn.data import IGNORE, PhraseBatches, phrase_data
from rnnlab.nn.datasets import dataset_from_text
from rnnlab.nn.models import build_model
from rnnlab.nn.train import cross_entropy, evaluate, fit
from rnnlab.text.ciphers import make_cipher
from rnnlab.text.corpus import default_text


@pytest.fixture(scope="module")
def small_ds():
    return dataset_from_text(default_text(), make_cipher("caesar", 3), limit=240, seed=1)


def small_config(**given):
    return recipes.decipher_config(cipher="caesar", key="3", limit=240, **given)


def test_cross_entropy_ignores_padding():
    logits = torch.randn(2, 4, 5)
    tgt = torch.tensor([[1, 2, IGNORE, IGNORE], [3, 4, 1, IGNORE]])
    changed = logits.clone()
    changed[0, 2:] = 100.0  # padded positions: anything
    assert torch.allclose(cross_entropy(logits, tgt), cross_entropy(changed, tgt))


def test_evaluate_counts_real_characters_and_whole_lines(small_ds):
    data = small_ds.encode(small_ds.val_pairs)
    model = build_model(
        ModelConfig(src_vocab=small_ds.src_vocab.size, tgt_vocab=small_ds.tgt_vocab.size)
    )
    m = evaluate(model, PhraseBatches(data, 1024, None).epoch(0))
    assert m.chars == int((data.tgt != 0).sum())
    assert 0.0 <= m.char_accuracy < 0.5  # untrained
    assert m.line_accuracy == 0.0


def test_char_model_learns_caesar_to_high_accuracy_in_a_few_epochs():
    torch.manual_seed(0)
    config = small_config(epochs=8, batch_size=32, target_accuracy=0.995)
    res = jobs.train_run(config, None)
    assert res.val_accuracy >= 0.99
    assert res.test_accuracy is not None and res.test_accuracy >= 0.98


def test_training_is_reproducible_for_a_seed():
    config = small_config(epochs=1, batch_size=32, seed=3)
    a = jobs.train_run(config, None).model
    b = jobs.train_run(config, None).model
    for (na, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.allclose(pa, pb), na


def test_interrupted_then_resumed_run_ends_at_the_same_weights(tmp_path):
    config = small_config(hidden=16, epochs=2, batch_size=32, seed=5)
    whole = jobs.train_run(config, tmp_path / "whole").model

    calls = {"n": 0}

    def stop_after_five_steps():
        calls["n"] += 1
        return calls["n"] > 5

    part = jobs.train_run(config, tmp_path / "part", should_stop=stop_after_five_steps)
    assert part.history.stopped == "interrupted"
    assert (tmp_path / "part" / runfile.STATE).exists()
    resumed = jobs.resume_run(tmp_path / "part")
    assert resumed.history.stopped == "epochs"
    assert not (tmp_path / "part" / runfile.STATE).exists()
    for name, w in whole.state_dict().items():
        assert torch.allclose(w, resumed.model.state_dict()[name], atol=1e-6), name


def test_non_finite_loss_stops_training_and_leaves_weights_untouched(small_ds):
    model = build_model(
        ModelConfig(src_vocab=small_ds.src_vocab.size, tgt_vocab=small_ds.tgt_vocab.size)
    )
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.out.bias.fill_(math.inf)
        before["out.bias"] = model.out.bias.clone()
    data = phrase_data(small_ds.encode(small_ds.train_pairs), None, 64, 0)
    with pytest.raises(TrainingError, match="lower the learning rate"):
        fit(model, data, TrainOptions(epochs=1))
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
        ({"schedule": "linear"}, "schedule"),
        ({"k2": 5}, "--k2 only with --k1"),
    ],
)
def test_train_options_reject_bad_values(kw, msg):
    with pytest.raises(ValueError, match=msg):
        TrainOptions(**kw)


def test_batches_group_similar_lengths_so_little_is_padding(small_ds):
    data = small_ds.encode(small_ds.train_pairs)
    batches = PhraseBatches(data, 32, seed=0).epoch(0)
    padded = sum(int((p.tgt == IGNORE).sum()) for p in batches)
    real = int((data.tgt != 0).sum())
    assert padded / (padded + real) < 0.1
    assert sum(len(p.src) for p in batches) == len(data.lengths)
    assert np.all([p.src.shape == p.tgt.shape for p in batches])


def test_batches_are_formed_anew_every_epoch_not_only_reordered(small_ds):
    data = small_ds.encode(small_ds.train_pairs)
    batches = PhraseBatches(data, 32, seed=0)
    members = [{tuple(map(tuple, p.src)) for p in batches.epoch(e)} for e in (0, 1)]
    assert members[0] != members[1]  # the same lines grouped differently, not just shuffled
    again = [p.src for p in batches.epoch(1)]
    assert all(np.array_equal(a, b.src) for a, b in zip(again, batches.epoch(1)))


def test_the_seed_recipe_reshuffles_fully_as_keras_and_char_groups_by_length(small_ds):
    assert recipes.decipher_config(pairs=("p", "c"), model="char").training.group_by_length
    seed = recipes.decipher_config(pairs=("p", "c"), model="seed").training
    assert not seed.group_by_length and (seed.epochs, seed.batch_size, seed.lr) == (5, 32, 1e-3)
    data = small_ds.encode(small_ds.train_pairs)
    lengths = [(p.tgt != IGNORE).sum(1) for p in PhraseBatches(data, 32, 0, False).epoch(0)]
    assert np.mean([np.ptp(n) for n in lengths]) > 20  # every length together: a full reshuffle


def test_weight_decay_is_one_option_every_kind_of_run_takes(tmp_path):
    """Decoupled weight decay shrinks the weights of every kind of run, and 0 is plain Adam."""
    from rnnlab.nn.train import make_optimizer

    kinds = [
        small_config(epochs=1, batch_size=32),
        recipes.lm_config(epochs=1, hidden=8, embed=4),
        recipes.keyless_config("caesar", steps=2, hidden=8, embed=4),
    ]
    for config in kinds:
        model = build_model(jobs.prepare(config).config.model)
        group = make_optimizer(model, config.training).param_groups[0]
        assert group["weight_decay"] == 0 and not group["decoupled_weight_decay"]
        decayed = dataclasses.replace(config.training, weight_decay=0.1)
        group = make_optimizer(model, decayed).param_groups[0]
        assert group["weight_decay"] == 0.1 and group["decoupled_weight_decay"]  # AdamW
    norms = {}
    for wd in (0.0, 0.5):
        res = jobs.train_run(small_config(epochs=2, batch_size=32, weight_decay=wd), None)
        norms[wd] = float(sum(p.detach().norm() ** 2 for p in res.model.parameters()))
    assert norms[0.5] < norms[0.0]
    assert main_wd(tmp_path) == 0.25


def main_wd(tmp_path) -> float:
    """`rnnlab train --weight-decay` reaches the saved run's config."""
    from rnnlab.cli import main
    from rnnlab.nn.runs import load_run

    out = tmp_path / "wd"
    args = ["train", "--cipher", "caesar", "--key", "3", "--epochs", "1", "--hidden", "4"]
    assert main([*args, "--weight-decay", "0.25", "--out", str(out)]) == 0
    return load_run(out).config.training.weight_decay
