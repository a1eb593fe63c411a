"""rnnlab: recurrent neural networks you can see into.

Two wings: `rnnlab.exact` (numpy float64 BPTT, every term shown) and the learning wing
(`rnnlab.nn`, PyTorch) with the character-level cipher decipherer. Text tools in `rnnlab.text`.
"""

__version__ = "0.1.0"
