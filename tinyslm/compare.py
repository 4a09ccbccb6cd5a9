"""One comparison of model outputs for every check (host C, QEMU, device, verify, build pipeline).

A comparison with nothing to compare must not pass: a reply with fewer
outputs than expected, an output with fewer bytes or another dtype than
expected, or no reply at all is a mismatch, never an empty ``all()`` over a
``zip``. Each comparison counts the bytes it actually compared, so a report
can say how much was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class OutputsCheck:
    identical: bool
    bytes_compared: int  # bytes of matching length and dtype compared (equal or not)
    problem: str | None = None  # why not identical (None when identical)


def compare_outputs(expected: Sequence[np.ndarray], got: Sequence[object] | None) -> OutputsCheck:
    """`got` against `expected`, output by output, byte for byte.

    `got` must hold exactly as many outputs as `expected`, each a numpy array of
    the same dtype and number of elements (its shape may differ: TFLM and the
    generated C disagree on nothing but the shape of a scalar's container).

    >>> a = [np.array([1, 2, 3], dtype=np.int8)]
    >>> compare_outputs(a, [np.array([1, 2, 3], dtype=np.int8)])
    OutputsCheck(identical=True, bytes_compared=3, problem=None)
    >>> compare_outputs(a, []).problem
    '0 outputs, expected 1'
    >>> compare_outputs(a, [np.array([1, 2], dtype=np.int8)]).problem
    'output 0: 2 bytes (int8), expected 3 (int8)'
    """
    if got is None:
        return OutputsCheck(False, 0, "no reply")
    if len(expected) == 0:
        return OutputsCheck(False, 0, "nothing expected: a model has at least one output")
    if len(got) != len(expected):
        return OutputsCheck(False, 0, f"{len(got)} outputs, expected {len(expected)}")
    compared, problem = 0, None
    for k, (e, g) in enumerate(zip(expected, got)):
        e = np.asarray(e)
        if not isinstance(g, np.ndarray):
            problem = problem or f"output {k}: a {type(g).__name__}, expected an array of {e.dtype}"
            continue
        if g.dtype != e.dtype or g.size != e.size:
            problem = problem or (f"output {k}: {g.nbytes} bytes ({g.dtype}), expected {e.nbytes} ({e.dtype})")
            continue
        if e.size == 0:
            problem = problem or f"output {k}: empty"
            continue
        compared += e.nbytes
        eb, gb = np.ascontiguousarray(e).tobytes(), np.ascontiguousarray(g).tobytes()
        if eb != gb:  # bytes, not values: a NaN equals itself here, -0.0 does not equal 0.0
            ev, gv = np.frombuffer(eb, dtype=e.dtype), np.frombuffer(gb, dtype=e.dtype)
            problem = problem or f"output {k}: {int(np.sum(ev != gv))} of {e.size} values differ"
    return OutputsCheck(problem is None, compared, problem)
