"""What a run is, as frozen dataclasses validated in one place: the model, the data, the cipher
and the training options, together a RunConfig that a run folder saves as config.json.

No torch here: the command line, the run loader's checks and the crack wing read these without
it. Every problem raises ValueError with a message a user can act on. Not here: files (runfile.py,
runs.py), defaults per cipher (recipes.py), the modules (models.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from rnnlab.errors import InputError
from rnnlab.text.letters import FAMILIES, VOCAB_SIZE

MODEL_KINDS = ("seed", "char", "perchar")
CELLS = ("gru", "lstm", "rnn")
GATES = {"gru": 3, "lstm": 4, "rnn": 1}  # weight blocks per recurrent layer
# what a run is: a decipherer of a known cipher, a character language model, a key-agnostic net
RUN_KINDS = {"decipher": "decipherer", "lm": "language model", "keyless": "key-agnostic net"}
SCHEDULES = ("constant", "cosine", "onecycle")


def _fail(ok: bool, message: str) -> None:
    if not ok:
        raise InputError(message)


def _from_json(cls, d: object):
    """cls(**d), refusing anything but a JSON object of cls's field names."""
    name = {"ModelConfig": "model config", "TrainOptions": "training option",
            "DataConfig": "data", "CipherConfig": "cipher"}[cls.__name__]  # fmt: skip
    _fail(isinstance(d, dict), f"the {name} section must be a JSON object, not {type(d).__name__}")
    unknown = set(d) - {f.name for f in fields(cls)}
    _fail(not unknown, f"unknown {name} fields: {', '.join(sorted(unknown))}")
    return cls(**d)


@dataclass(frozen=True)
class ModelConfig:
    kind: str = "char"  # "seed": the assignment's model; "char": embedding + recurrent + linear;
    # "perchar": embedding + one hidden layer + linear, each output from its own input alone
    src_vocab: int = 27  # input classes (padding id 0 included where `padding`)
    tgt_vocab: int = 27  # output classes
    hidden: int = 64  # recurrent units (per direction)
    embed: int = 16  # embedding width (char only)
    cell: str = "gru"  # gru | lstm | rnn (char only; seed is always a GRU)
    layers: int = 1  # stacked recurrent layers (char only)
    bidirectional: bool = False  # read the whole sequence both ways (char only; not streamable)
    padding: bool = True  # id 0 is padding: its embedding row starts and stays zero (char only)

    def __post_init__(self) -> None:
        _fail(
            self.kind in MODEL_KINDS, f"unknown model {self.kind!r}; use {' or '.join(MODEL_KINDS)}"
        )
        _fail(self.cell in CELLS, f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")
        for name in ("src_vocab", "tgt_vocab", "hidden", "embed", "layers"):
            v = getattr(self, name)
            _fail(type(v) is int and v >= 1, f"model {name} must be a positive integer, got {v!r}")
        for name in ("bidirectional", "padding"):
            _fail(type(getattr(self, name)) is bool, f"model {name} must be true or false")
        plain = self.cell == "gru" and self.layers == 1 and not self.bidirectional
        _fail(
            self.kind != "seed" or plain,
            "the seed model is one GRU layer; drop --cell/--layers or use char",
        )
        _fail(
            self.kind != "perchar" or plain,
            "the perchar model has no recurrent layer; drop --cell/--layers or use char",
        )

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every weight's name and shape, as torch names them in models.build_model(self)."""
        H, V = self.hidden, self.tgt_vocab
        if self.kind == "seed":
            return {
                "gru.weight_ih_l0": (3 * H, 1),
                "gru.weight_hh_l0": (3 * H, H),
                "gru.bias_ih_l0": (3 * H,),
                "gru.bias_hh_l0": (3 * H,),
                "dense.weight": (V, H),
                "dense.bias": (V,),
            }
        if self.kind == "perchar":
            return {"embed.weight": (self.src_vocab, self.embed), "hidden.weight": (H, self.embed),
                    "hidden.bias": (H,), "out.weight": (V, H), "out.bias": (V,)}  # fmt: skip
        G, dirs = GATES[self.cell] * H, 2 if self.bidirectional else 1
        shapes: dict[str, tuple[int, ...]] = {"embed.weight": (self.src_vocab, self.embed)}
        for k in range(self.layers):
            width = self.embed if k == 0 else H * dirs
            for suffix in ("", "_reverse")[:dirs]:
                shapes[f"rnn.weight_ih_l{k}{suffix}"] = (G, width)
                shapes[f"rnn.weight_hh_l{k}{suffix}"] = (G, H)
                shapes[f"rnn.bias_ih_l{k}{suffix}"] = (G,)
                shapes[f"rnn.bias_hh_l{k}{suffix}"] = (G,)
        return {**shapes, "out.weight": (V, H * dirs), "out.bias": (V,)}

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: object) -> ModelConfig:
        return _from_json(cls, d)


@dataclass(frozen=True)
class TrainOptions:
    """How to train, for every kind of run: phrases, streams, language models, keyless nets."""

    epochs: int = 30  # passes over the training data (an upper bound with target_accuracy)
    batch_size: int = 64  # sequences per step; for streams, columns side by side
    lr: float = 2e-2  # Adam learning rate (the peak of a one-cycle schedule)
    schedule: str = "constant"  # constant | cosine (per epoch, toward lr_end) | onecycle (per step)
    lr_end: float = 0.0  # cosine: the rate it falls toward (reached one epoch after the last)
    clip: float | None = 1.0  # gradient norm clipping threshold; None turns it off
    weight_decay: float = 0.0  # decoupled weight decay per step, times lr (AdamW); 0: plain Adam
    k1: int | None = None  # truncated BPTT: an update after every k1 steps ... (None: one a batch)
    k2: int | None = None  # ... backpropagated through the last k2 (None: k1)
    segment: int = 100  # streams: new messages may start only every `segment` characters ...
    restart: float = 1.0  # ... with this mean probability (1: every message is one segment)
    noise: float = 0.0  # fraction of training characters replaced by random ones (streams)
    augment: float = 0.0  # rate of each change text/augment.py makes to the training text
    offset: float = 0.0  # streams: fraction of messages enciphered from a random key offset
    group_by_length: bool = True  # phrases: batches of similar lengths, formed anew each epoch
    target_accuracy: float | None = None  # stop once validation accuracy reaches it ...
    patience: int = 1  # ... in this many validations running
    eval_every: int = 0  # also validate every this many batches (0: at epoch ends only)
    steps: int = 0  # generated data (keyless): batches an epoch
    seed: int = 0  # initialisation and the epochs' data
    device: str = "cpu"  # "cpu" or "cuda"

    def __post_init__(self) -> None:
        _check_types(self)
        small = [n for n in ("epochs", "batch_size", "segment", "patience") if getattr(self, n) < 1]
        _fail(not small, f"{', '.join(small).replace('_', ' ')} must be at least 1")
        _fail(
            self.lr > 0 and math.isfinite(self.lr),
            f"learning rate must be a positive number, got {self.lr}",
        )
        _fail(self.lr_end >= 0 and math.isfinite(self.lr_end), "lr_end must be 0 or more")
        _fail(0 <= self.weight_decay < 1, f"weight decay is in [0, 1), got {self.weight_decay}")
        _fail(self.schedule in SCHEDULES, f"schedule is one of {', '.join(SCHEDULES)}")
        _fail(
            self.clip is None or self.clip > 0,
            f"clip must be positive (or omitted), got {self.clip}",
        )
        _fail(
            self.k2 is None or self.k1 is not None,
            "--k1/--k2 apply to stream training, and --k2 only with --k1; phrases take neither",
        )
        if self.k1 is not None:
            k2 = self.k1 if self.k2 is None else self.k2
            _fail(
                1 <= self.k1 <= k2 <= self.segment,
                f"need k1 <= k2 <= segment; got {self.k1}, {k2}, {self.segment}",
            )
        _fail(0 <= self.restart <= 1, f"restart is a probability in [0, 1], got {self.restart}")
        for name, top in (("noise", "1)"), ("augment", "1)"), ("offset", "1]")):
            v = getattr(self, name)
            _fail(0 <= v < 1 or (top == "1]" and v == 1), f"{name} is in [0, {top}, got {v}")
        _fail(
            self.target_accuracy is None or 0 < self.target_accuracy <= 1,
            f"target accuracy is a fraction in (0, 1], got {self.target_accuracy}; "
            "write 1.0 for 100%",
        )
        _fail(self.eval_every >= 0, f"eval-every must be 0 or more steps, got {self.eval_every}")
        _fail(self.device in ("cpu", "cuda"), f"unknown device {self.device!r}; use cpu or cuda")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: object) -> TrainOptions:
        return _from_json(cls, d)


def _check_types(opts: TrainOptions) -> None:
    """Each field of the type it is declared (an int where a float is asked is fine)."""
    want = {"int": int, "float": (int, float), "str": str, "bool": bool}
    for f in fields(opts):
        v, base = getattr(opts, f.name), str(f.type).split(" | ")[0]
        optional = " | None" in str(f.type)
        ok = (v is None and optional) or (
            isinstance(v, want[base]) and (base == "bool" or not isinstance(v, bool))
        )
        kind = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true/false"}
        _fail(ok, f"training option {f.name} must be {kind[base]}"
                  f"{' or null' if optional else ''}, got {v!r}")  # fmt: skip


@dataclass(frozen=True)
class DataConfig:
    """Where the training text comes from and how it is cut."""

    corpus: str | None = None  # a UTF-8 text file; None: the built-in corpus (unless pairs)
    pairs: tuple[str, str] | None = None  # PLAIN and CIPHER files, line i enciphering line i
    stream: bool = False  # messages laid end to end in columns (ciphers with memory), not phrases
    max_len: int = 100  # longest phrase cut from a corpus
    limit: int | None = None  # use only the first this many phrases (quick runs)
    letters: bool = False  # streams: the model reads the ASCII letters alone, which the ciphers
    # with memory shift and count; everything else passes through, as the cipher passes it

    def __post_init__(self) -> None:
        _fail(not self.letters or self.stream, "--letters applies to stream training; add --stream")
        if self.pairs is not None:
            object.__setattr__(self, "pairs", tuple(self.pairs))
            _fail(len(self.pairs) == 2, "pairs are two files: PLAIN CIPHER")
        _fail(self.max_len >= 1, f"max-len must be at least 1, got {self.max_len}")
        _fail(self.limit is None or self.limit >= 1, f"limit must be at least 1, got {self.limit}")

    @property
    def name(self) -> str:
        """The source as config.json and messages name it."""
        return "pairs" if self.pairs else self.corpus or "default"

    @classmethod
    def from_json(cls, d: object) -> DataConfig:
        return _from_json(cls, d)


@dataclass(frozen=True)
class CipherConfig:
    name: str  # as make_cipher takes it; keyless: the family trained across
    key: str | None = None  # as make_cipher takes it; keyless: None (every key of the family)

    @classmethod
    def from_json(cls, d: object) -> CipherConfig:
        return _from_json(cls, d)


@dataclass(frozen=True)
class RunConfig:
    """Everything a run folder's config.json holds; a run is rebuilt from it alone."""

    kind: str  # decipher | lm | keyless
    model: ModelConfig
    data: DataConfig
    training: TrainOptions
    cipher: CipherConfig | None = None

    def __post_init__(self) -> None:
        _fail(
            self.kind in RUN_KINDS, f"unknown run kind {self.kind!r}; one of {', '.join(RUN_KINDS)}"
        )
        {"decipher": self._check_decipher, "lm": self._check_lm, "keyless": self._check_keyless}[
            self.kind
        ]()

    @property
    def memory(self) -> bool:
        """Whether the model carries its state across a stream (a cipher with memory)."""
        return self.kind == "decipher" and self.data.stream

    def _check_decipher(self) -> None:
        d, t = self.data, self.training
        if d.pairs is not None:
            _fail(
                self.cipher is None and d.corpus is None,
                "--pairs already holds the cipher text; drop --cipher/--key/--corpus",
            )
            _fail(not d.stream, "--stream needs --cipher and a corpus (pairs hold phrases)")
        _fail(
            d.pairs is not None or self.cipher is not None,
            "say what to learn: --cipher NAME --key K [--corpus FILE], or --pairs PLAIN CIPHER",
        )
        if self.cipher is not None:
            from rnnlab.text.ciphers import make_cipher

            c = make_cipher(self.cipher.name, self.cipher.key)  # a bad key says why
            _fail(not c.whole_text, f"{c.name} reads the whole text (it moves or pairs letters), "
                  f"and a decipherer reads each letter where it stands; crack it instead: "
                  f"rnnlab crack --cipher {c.name}")  # fmt: skip
        if d.stream:
            _fail(
                self.model.kind == "char" and not self.model.bidirectional,
                "stream training uses the char model, one direction; drop --model, or train "
                "on --phrases",
            )
            _fail(t.k1 is not None, "stream training needs k1 and k2 (--k1, --k2)")
        else:
            _fail(
                t.k1 is None and t.k2 is None and not t.offset and not t.noise,
                "--k1/--k2 apply to stream training, as do --offset and --noise; add --stream or "
                "drop them",
            )

    def _check_lm(self) -> None:
        m = self.model
        _fail(
            self.cipher is None and self.data.pairs is None and not self.data.stream,
            "a language model trains on a corpus alone: no cipher, pairs or streams",
        )
        _fail(
            m.kind == "char" and m.src_vocab == m.tgt_vocab == VOCAB_SIZE and not m.padding
            and not m.bidirectional,
            f"a language model is a char model that reads and predicts the {VOCAB_SIZE} "
            "letters.py symbols, one direction, without padding",
        )  # fmt: skip
        _fail(self.training.k1 is not None, "a language model trains with k1 and k2 (--bptt)")

    def _check_keyless(self) -> None:
        c, m = self.cipher, self.model
        _fail(
            c is not None and c.name in FAMILIES and c.key is None,
            f"a keyless net trains across every key of one family: {', '.join(FAMILIES)}",
        )
        _fail(
            m.kind == "char" and m.bidirectional and m.src_vocab == VOCAB_SIZE
            and m.tgt_vocab == 26 and not m.padding,
            f"a keyless net is a bidirectional char model that reads the {VOCAB_SIZE} letters.py "
            "symbols and writes 26 letters",
        )  # fmt: skip
        _fail(self.training.k1 is None, "a keyless net reads whole phrases: no k1 or k2")
        _fail(self.data.pairs is None and not self.data.stream, "a keyless net trains on phrases")
        _fail(self.training.steps >= 1, "a keyless net needs steps: batches an epoch")

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "model": self.model.to_json(),
            "data": asdict(self.data),
            "cipher": asdict(self.cipher) if self.cipher else None,
            "training": self.training.to_json(),
        }

    @classmethod
    def from_json(cls, d: dict) -> RunConfig:
        """A RunConfig from config.json's object; InputError("bad <section> section: why")."""
        parts = {}
        for name, kind in (("model", ModelConfig), ("data", DataConfig),
                           ("training", TrainOptions), ("cipher", CipherConfig)):  # fmt: skip
            try:
                parts[name] = (
                    None
                    if d.get(name) is None and name == "cipher"
                    else kind.from_json(d.get(name))
                )
            except (TypeError, ValueError) as e:
                raise InputError(f"bad {name} section: {' '.join(str(e).split())}") from None
        try:
            return cls(kind=d.get("kind"), **parts)
        except (TypeError, ValueError) as e:
            raise InputError(f"bad run section: {' '.join(str(e).split())}") from None
