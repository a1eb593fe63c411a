import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.nn.decode import Decipherer, segment_bounds
from rnnlab.text.vocab import Vocab


def _pieces(text, bounds):
    starts = [0, *bounds[:-1]]
    return [text[a:b] for a, b in zip(starts, bounds)]


def test_segments_end_after_sentence_marks_and_newlines():
    text = "It was late. The lamp went out!\nWhy?"
    assert _pieces(text, segment_bounds(text, 100, final=True)) == [
        "It was late.",
        " The lamp went out!",
        "\n",
        "Why?",
    ]


def test_long_segments_are_cut_after_a_space_or_at_max_len():
    text = "aaaa bbbb cccc dddddddddddd"
    pieces = _pieces(text, segment_bounds(text, 8, final=True))
    assert "".join(pieces) == text
    assert all(len(p) <= 8 for p in pieces)
    assert pieces[:3] == ["aaaa ", "bbbb ", "cccc "]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab .\n?x"), max_size=300),
    st.lists(st.integers(1, 40), max_size=20),
    st.integers(3, 30),
)
def test_segment_cuts_do_not_depend_on_how_the_text_arrives(text, sizes, max_len):
    whole = _pieces(text, segment_bounds(text, max_len, final=True))
    got, buf, i = [], "", 0
    for n in sizes:
        buf += text[i : i + n]
        i += n
        b = segment_bounds(buf, max_len, final=False)
        got += _pieces(buf, b)
        buf = buf[b[-1] :] if b else buf
    buf += text[i:]
    got += _pieces(buf, segment_bounds(buf, max_len, final=True))
    assert got == whole
    assert all(len(p) <= max_len for p in whole)


class ShiftModel(torch.nn.Module):
    """A stand-in model that maps input id i to output id i (logits one-hot), with a state."""

    def __init__(self, v):
        super().__init__()
        self.v = v
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, ids, state=None):
        logits = torch.nn.functional.one_hot(ids, self.v).float() * 5.0
        n = ids.shape[1] if state is None else state + ids.shape[1]
        return logits, n


def _decipherer(memory=False, **kw):
    src = Vocab.fit(["dqg wzr"])
    tgt = Vocab.fit(["and two"])
    return Decipherer(ShiftModel(src.size), src, tgt, fold_case=True, memory=memory, **kw)


def test_case_restored_and_unknown_characters_pass_through():
    d = _decipherer()
    text, conf = d.decipher_with_confidence("DqG wZr, é!")
    assert text == "AnD tWo, é!"
    assert conf.shape == (len(text),)
    assert conf[text.index("é")] == pytest.approx(1.0)
    assert np.all(conf > 0.5)


@pytest.mark.parametrize("memory", [False, True])
@pytest.mark.parametrize("chunk", [1, 3, 7, 1000])
def test_streamed_output_equals_whole_text_output(memory, chunk):
    d = _decipherer(memory=memory, max_len=5, batch_chars=16)
    text = "dqg wzr. gdg\nzzz wrrrrrrr qqq " * 5
    whole = d.decipher(text)
    s = d.stream()
    parts = [s.feed(text[i : i + chunk])[0] for i in range(0, len(text), chunk)]
    parts.append(s.close()[0])
    assert "".join(parts) == whole
    assert len(whole) == len(text)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_folded_cell_gives_the_models_logits_and_state(cell):
    from rnnlab.nn.config import ModelConfig
    from rnnlab.nn.folded import FoldedGRU, FoldedLSTM, folded
    from rnnlab.nn.models import build_model

    torch.manual_seed(0)
    cfg = ModelConfig(kind="char", src_vocab=12, tgt_vocab=9, hidden=7, embed=5, cell=cell)
    model = build_model(cfg).eval()
    with torch.no_grad():  # biases away from zero, so a misplaced one shows
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    ids = torch.randint(0, 12, (4, 11))
    fast = folded(model)
    assert isinstance(fast, {"gru": FoldedGRU, "lstm": FoldedLSTM}[cell])
    with torch.no_grad():
        want, s_want = model(ids)
        got, s_got = fast(ids)
        want2, _ = model(ids[:, 6:], model(ids[:, :6])[1])
        got2, _ = fast(ids[:, 6:], fast(ids[:, :6])[1])
    assert torch.allclose(got, want, atol=1e-5) and torch.allclose(got2, want2, atol=1e-5)
    for a, b in zip(*((s,) if cell == "gru" else s for s in (s_got, s_want))):
        assert torch.allclose(a, b, atol=1e-5)
    assert folded(build_model(ModelConfig(kind="char", layers=2))).__class__.__name__ == "CharModel"


def test_lone_surrogates_pass_through_like_any_unknown_character():
    assert _decipherer().decipher("DqG \ud800 wZr") == "AnD \ud800 tWo"


def test_a_context_free_model_is_tabulated_and_gives_the_models_argmax_everywhere():
    from rnnlab.nn.config import ModelConfig
    from rnnlab.nn.models import build_model
    from rnnlab.text.heldout import heldout_text

    text = heldout_text(20_000)
    src = Vocab.fit([text.lower()])
    tgt = Vocab.fit([text.lower()])
    torch.manual_seed(0)
    model = build_model(
        ModelConfig(kind="perchar", src_vocab=src.size, tgt_vocab=tgt.size, hidden=16, embed=8)
    ).eval()
    d = Decipherer(model, src, tgt, fold_case=True, batch_chars=4096)
    assert d.lookup is not None
    got, conf = d.decipher_with_confidence(text)
    ids = torch.from_numpy(d.src.ids(np.array([ord(c) for c in text.lower()])))
    with torch.no_grad():
        prob, want = torch.softmax(model(ids[None])[0][0], -1).max(-1)
    known = ids.numpy() > 0
    got_ids = d.tgt.ids(np.array([ord(c) for c in got.lower()]))
    assert np.array_equal(got_ids[known], want.numpy()[known])
    assert np.allclose(conf[known], prob.numpy()[known], atol=1e-6)
    s = d.stream()  # chunks of any size, the same text
    parts = [s.feed(text[i : i + 777])[0] for i in range(0, len(text), 777)] + [s.close()[0]]
    assert "".join(parts) == got


def test_the_decipher_benchmark_quick_path_measures_both_models_side_by_side(capsys):
    import importlib.util
    import json
    import sys
    from pathlib import Path

    path = Path(__file__).parents[2] / "benchmarks" / "decipher.py"
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("decipher_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--quick", "--threads", "1"])
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("JSON "))
    rows = json.loads(line[5:])["rows"]
    assert [(r["model"], r["path"].split()[0]) for r in rows] == [
        ("perchar", "library"), ("perchar", "CLI"), ("char", "library"), ("char", "CLI")]
    assert all(r["chars_per_s"] > 0 and r["peak_rss_mb"] > 0 for r in rows)


def test_a_context_free_stream_folds_a_final_sigma_as_the_whole_text_does():
    from rnnlab.nn.models import PerCharModel

    src = tgt = Vocab.fit(["οδοσας οδος"])
    torch.manual_seed(0)
    d = Decipherer(PerCharModel(src.size, tgt.size, 4, 8).eval(), src, tgt, fold_case=True,
                   batch_chars=4)  # fmt: skip
    text = "ΟΔΟΣΑ ΟΔΟΣ ΟΔΟΣΑΣ " * 3
    s = d.stream()
    parts = [s.feed(text[i : i + 4])[0] for i in range(0, len(text), 4)] + [s.close()[0]]
    assert "".join(parts) == d.decipher(text)
