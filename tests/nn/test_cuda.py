import pytest
import torch

from rnnlab.nn.decode import Decipherer
from rnnlab.nn.pipeline import dataset_from_text, model_config, train_decipherer, train_options
from rnnlab.text.ciphers import Caesar
from rnnlab.text.corpus import default_text

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_training_and_deciphering_on_cuda_match_the_cpu_closely():
    ds = dataset_from_text(default_text(), Caesar(3), limit=400)
    results = {}
    for device in ("cpu", "cuda"):
        opts = train_options("char", epochs=3, batch_size=32, device=device)
        results[device] = train_decipherer(ds, model_config("char", ds), opts, None)
    assert results["cuda"].val_accuracy > 0.95
    assert abs(results["cuda"].val_accuracy - results["cpu"].val_accuracy) < 0.05
    dec = Decipherer(
        results["cuda"].model, ds.src_vocab, ds.tgt_vocab, fold_case=True, device="cuda"
    )
    assert dec.decipher("Dqg wzr") == "And two"
