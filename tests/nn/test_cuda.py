import pytest
import torch

from rnnlab.nn import jobs, recipes
from rnnlab.nn.decode import Decipherer

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_training_and_deciphering_on_cuda_match_the_cpu_closely():
    results = {}
    for device in ("cpu", "cuda"):
        config = recipes.decipher_config(model="char", cipher="caesar", key="3", limit=400,
                                         epochs=3, batch_size=32, device=device)  # fmt: skip
        results[device] = jobs.train_run(config, None)
    assert results["cuda"].val_accuracy > 0.95
    assert abs(results["cuda"].val_accuracy - results["cpu"].val_accuracy) < 0.05
    v = results["cuda"].prepared.vocabs
    dec = Decipherer(results["cuda"].model, v.source, v.target, fold_case=True, device="cuda")
    assert dec.decipher("Dqg wzr") == "And two"
