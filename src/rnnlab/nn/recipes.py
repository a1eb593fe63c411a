"""What each kind of run gets unless the user says otherwise: one recipe table, and the functions
that turn a user's options into a validated RunConfig. No torch, nothing trained here.
"""

from __future__ import annotations

from dataclasses import fields

from rnnlab.errors import InputError
from rnnlab.nn.config import (
    MODEL_KINDS,
    CipherConfig,
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainOptions,
)
from rnnlab.text.ciphers import make_cipher
from rnnlab.text.letters import VOCAB_SIZE

# Ciphers whose mapping depends on what came before; `rnnlab train` streams them by default.
MEMORY_CIPHERS = ("vigenere", "beaufort", "autokey", "progressive")
# (augmented text and 80 epochs held best on held-out text of other styles: docs/heldout.md)
_STREAM = {"cell": "lstm", "hidden": 128, "embed": 32, "epochs": 80, "batch_size": 64,
           "k1": 50, "k2": 50, "noise": 0.02, "augment": 0.1, "lr": 1e-2, "lr_end": 1e-4,
           "schedule": "cosine", "clip": 1.0, "patience": 3}  # fmt: skip
# streams of letters alone (the default): augmentation's case, lines, numbers and symbols never
# show, and 30% of the letters drawn at random make the model decipher rather than guess
# English (autokey, whose every letter keys the next, 45%); Vigenere needs only 64 units
# (docs/heldout.md: every held-out text at 100% for Vigenere and progressive, 99.996% autokey)
_LETTERS = {**_STREAM, "augment": 0.0, "noise": 0.3}
RECIPES: dict[str, dict] = {
    # the published recipe of the assignment's model: Adam 1e-3, batch 32, 5 epochs, the lines
    # reshuffled every epoch as Keras does (with the loss masked, each batch cut to its longest)
    "seed": {
        "hidden": 64,
        "lr": 1e-3,
        "batch_size": 32,
        "epochs": 5,
        "clip": None,
        "group_by_length": False,
    },  # fmt: skip
    # ours: a high learning rate on length-grouped batches, half the phrases also augmented
    "char": {"hidden": 32, "embed": 32, "lr": 5e-2, "batch_size": 256, "epochs": 30, "clip": 1.0,
             "augment": 0.1},  # fmt: skip
    # no context, for ciphers whose letters depend on nothing around them (Caesar, affine...):
    # the architecture experiment's settings (docs/experiments.md, section 4)
    "perchar": {"hidden": 64, "embed": 32, "lr": 1e-2, "batch_size": 128, "epochs": 30,
                "clip": 1.0, "augment": 0.1},  # fmt: skip
    # ciphers with memory, as streams (LSTMs run faster than GRUs on CPUs and learned these
    # sooner); autokey and the progressive cipher need the larger model
    "letters": _LETTERS,
    "letters:vigenere": {**_LETTERS, "hidden": 64},
    "letters:beaufort": {**_LETTERS, "hidden": 64},
    "letters:autokey": {**_LETTERS, "hidden": 256, "noise": 0.45},  # its key is the text
    "letters:progressive": {**_LETTERS, "hidden": 256},
    # the same, reading every character (--all-characters)
    "stream": _STREAM,
    "stream:autokey": {**_STREAM, "hidden": 256},
    "stream:progressive": {**_STREAM, "hidden": 256},
    # the character language model that judges English for `rnnlab crack`
    "lm": {
        "hidden": 128,
        "embed": 16,
        "epochs": 10,
        "batch_size": 64,
        "k1": 32,
        "k2": 32,
        "segment": 32 * 8,
        "lr": 5e-3,
        "schedule": "cosine",
        "clip": 1.0,
    },  # fmt: skip
    # the key-agnostic decipherers: a bidirectional GRU across every key of a family
    "keyless": {
        "hidden": 64,
        "embed": 16,
        "epochs": 1,
        "steps": 1500,
        "batch_size": 32,
        "lr": 3e-3,
        "schedule": "onecycle",
        "clip": 1.0,
    },  # fmt: skip
}
_MODEL_FIELDS = {f.name for f in fields(ModelConfig)} - {"kind"}


def _split(recipe: dict, given: dict) -> tuple[dict, TrainOptions]:
    """A recipe overridden by the options given (None: not given) as model sizes and options."""
    known = _MODEL_FIELDS | {f.name for f in fields(TrainOptions)}
    unknown = set(given) - known
    if unknown:
        raise InputError(f"unknown training options: {', '.join(sorted(unknown))}")
    merged = {**recipe, **{k: v for k, v in given.items() if v is not None}}
    sizes = {k: merged.pop(k) for k in list(merged) if k in _MODEL_FIELDS}
    return sizes, TrainOptions(**merged)


def wants_stream(stream: bool | None, cipher: str | None, key, pairs) -> bool:
    """Whether a decipherer trains on streams: as asked (--stream/--phrases), else for the
    ciphers with memory."""
    if stream is not None or pairs is not None or cipher is None:
        return bool(stream)
    return make_cipher(cipher, key).name in MEMORY_CIPHERS


def default_model(cipher: str | None, key: str | None, streaming: bool, given: dict) -> str:
    """The model that held best on held-out text (docs/heldout.md): `perchar` for a cipher
    given whose letters depend on nothing around them, `char` for the rest (a cipher with
    memory, phrases of pairs files whose cipher is unknown, or a recurrent layer asked for)."""
    recurrent = any(given.get(k) not in (None, False) for k in ("cell", "layers", "bidirectional"))
    if streaming or cipher is None or recurrent:
        return "char"
    return "char" if make_cipher(cipher, key).name in MEMORY_CIPHERS else "perchar"


def decipher_config(
    *,
    cipher: str | None = None,
    key: str | None = None,
    corpus: str | None = None,
    pairs: tuple[str, str] | None = None,
    model: str | None = None,
    stream: bool | None = None,
    max_len: int = 100,
    limit: int | None = None,
    letters: bool | None = None,
    **given,
) -> RunConfig:
    """A decipherer's RunConfig from a user's options: the recipe of its model (phrases) or of
    its cipher (streams), overridden by every option given. The vocabularies' sizes in the model
    section are placeholders until the data is read (jobs.prepare)."""
    streaming = wants_stream(stream, cipher, key, pairs)
    model = model or default_model(cipher, key, streaming, given)
    if streaming and model != "char":
        raise InputError("stream training uses the char model; drop --model, or train on --phrases")
    if model not in MODEL_KINDS:
        raise InputError(f"unknown model {model!r}; use seed, char or perchar")
    name = make_cipher(cipher, key).name if cipher is not None else ""
    letters = streaming if letters is None else letters  # streams read letters alone by default
    kind = "letters" if letters and streaming else "stream"
    if kind == "letters" and given.get("augment"):
        raise InputError("--augment changes case, lines, numbers and symbols, which a model of "
                         "the letters alone never reads; drop it, or add --all-characters")
    recipe = RECIPES.get(f"{kind}:{name}", RECIPES[kind]) if streaming else RECIPES[model]
    if pairs is not None:  # pairs files hold no cipher to encipher augmented text with
        if given.get("augment"):
            raise InputError("--augment needs --cipher and a corpus; pairs files are read as given")
        recipe = {**recipe, "augment": 0.0}
    sizes, opts = _split(recipe, given)
    data = DataConfig(corpus, pairs, streaming, max_len, limit, letters)
    ciph = CipherConfig(cipher, key) if cipher is not None else None
    return RunConfig("decipher", ModelConfig(kind=model, **sizes), data, opts, ciph)


def lm_config(corpus: str | None = None, **given) -> RunConfig:
    """The character language model's RunConfig: the recipe overridden by the options given
    (bptt sets k1 = k2)."""
    bptt = given.pop("bptt", None)
    if bptt is not None:
        given.update(k1=bptt, k2=bptt, segment=bptt * 8)
    sizes, opts = _split(RECIPES["lm"], given)
    model = ModelConfig(src_vocab=VOCAB_SIZE, tgt_vocab=VOCAB_SIZE, padding=False, **sizes)
    return RunConfig("lm", model, DataConfig(corpus), opts)


def keyless_config(family: str, **given) -> RunConfig:
    """A key-agnostic decipherer's RunConfig for `family` (caesar or affine)."""
    sizes, opts = _split(RECIPES["keyless"], given)
    model = ModelConfig(src_vocab=VOCAB_SIZE, tgt_vocab=26, padding=False, bidirectional=True,
                        **sizes)  # fmt: skip
    return RunConfig("keyless", model, DataConfig(max_len=60), opts, CipherConfig(family))
