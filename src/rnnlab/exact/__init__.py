"""The exact wing: a numpy float64 engine for RNN, GRU and LSTM gradients, every term shown.

Hand-written backpropagation through time, full or truncated, checked against torch float64
autograd in the tests. Nothing here imports torch; nothing here trains.
"""

from rnnlab.exact.bptt import (
    LOSSES,
    ForwardPass,
    Gradients,
    Network,
    TruncatedUpdate,
    backward,
    bptt,
    forward,
    loss_terms,
    schedule,
    sum_updates,
    truncated_bptt,
)
from rnnlab.exact.cells import GRUCell, LSTMCell, RNNCell, make_cell
from rnnlab.exact.jacobians import (
    jacobian_norms,
    jacobian_table,
    largest_singular_value,
    norms_from_start,
    spectral_radius,
    step_jacobians,
)

__all__ = [
    "LOSSES",
    "ForwardPass",
    "GRUCell",
    "Gradients",
    "LSTMCell",
    "Network",
    "RNNCell",
    "TruncatedUpdate",
    "backward",
    "bptt",
    "forward",
    "jacobian_norms",
    "jacobian_table",
    "largest_singular_value",
    "loss_terms",
    "make_cell",
    "norms_from_start",
    "schedule",
    "spectral_radius",
    "step_jacobians",
    "sum_updates",
    "truncated_bptt",
]
