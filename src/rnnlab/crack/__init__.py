"""Deciphering without the key: search over keys of the classical ciphers, judged by n-gram and
word statistics of English and a character GRU language model.

    from rnnlab.crack import crack
    result = crack("Wkh txlfn eurzq ira mxpsv", time_limit=2)
    result.best.plaintext, result.best.cipher, result.best.key, result.best.confidence

Not the learned decipherer of a known key (rnnlab.nn); the key-agnostic networks are read by
keyless.py. numpy only: weights are read through the run loader without torch.
"""

from rnnlab.crack.core import FAMILIES, Candidate, CrackResult, crack

__all__ = ["FAMILIES", "Candidate", "CrackResult", "crack"]
