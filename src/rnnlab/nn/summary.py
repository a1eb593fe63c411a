"""A Keras-like layer table of a model config, counted from its weights' shapes, so even a huge
model is summarised without building it. No torch here. Not here: the modules (models.py)."""

from __future__ import annotations

import math

from rnnlab.nn.config import ModelConfig


def layer_table(cfg: ModelConfig, length: int) -> list[tuple[str, str, int]]:
    """(layer, output shape, parameters) rows for input length `length`."""
    shapes = cfg.tensor_shapes()
    n = lambda prefix: sum(math.prod(s) for k, s in shapes.items() if k.startswith(prefix))  # noqa: E731
    h, v = cfg.hidden * (2 if cfg.bidirectional else 1), cfg.tgt_vocab
    if cfg.kind == "seed":
        return [("input (InputLayer)", f"(None, {length}, 1)", 0),
                ("gru (GRU)", f"(None, {length}, {h})", n("gru.")),
                ("time_distributed (Dense)", f"(None, {length}, {v})", n("dense.")),
                ("activation (Softmax)", f"(None, {length}, {v})", 0)]  # fmt: skip
    head = [("input (InputLayer)", f"(None, {length})", 0),
            ("embedding (Embedding)", f"(None, {length}, {cfg.embed})", n("embed."))]  # fmt: skip
    tail = [("dense (Dense)", f"(None, {length}, {v})", n("out.")),
            ("activation (Softmax)", f"(None, {length}, {v})", 0)]  # fmt: skip
    if cfg.kind == "perchar":  # no recurrence: one hidden layer read at each position alone
        return [*head, ("hidden (Dense, ReLU)", f"(None, {length}, {h})", n("hidden.")), *tail]
    cell = cfg.cell.upper() if cfg.cell != "rnn" else "SimpleRNN"
    both = " bidirectional" if cfg.bidirectional else ""
    rnn = (f"{cfg.cell} ({cell} x{cfg.layers}{both})", f"(None, {length}, {h})", n("rnn."))
    return [*head, rnn, *tail]
