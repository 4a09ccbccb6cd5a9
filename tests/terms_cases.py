"""The cases header of tests/c/dsp_terms_up_check.c (both the M4 and the M55 terms-up tests write it)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

FIELDS = ("in1_offset", "in2_offset", "output_offset", "left_shift", "in1_multiplier", "in1_shift",
          "in2_multiplier", "in2_shift", "output_multiplier", "output_shift", "act_min", "act_max")


def cases_header(cases: Sequence[tuple[dict, str, np.ndarray]]) -> str:
    """C text defining N_CASES, CASES (the binary params), SUBS and TERMS (each case's 256-entry table).

    >>> p = dict.fromkeys(FIELDS, 0)
    >>> h = cases_header([(p, "SUB", np.full(256, -(1 << 31)))])
    >>> h.splitlines()[0], "static const int SUBS[N_CASES] = {1};" in h, h.count("INT32_MIN")
    ('#define N_CASES 1', True, 256)
    """
    lines = [f"#define N_CASES {len(cases)}", "static const tslm_binary_params CASES[N_CASES] = {"]
    for p, _op, _t in cases:
        lines.append("    {" + ", ".join(f".{k} = {int(p[k])}" for k in FIELDS) + "},")
    lines += ["};", "static const int SUBS[N_CASES] = {" + ", ".join("1" if op == "SUB" else "0" for _p, op, _t in cases)
              + "};", "static const int32_t TERMS[N_CASES][256] = {"]
    for _p, _op, t in cases:
        lines.append("    {" + ", ".join(f"{int(v)}" if v != -(1 << 31) else "INT32_MIN" for v in t) + "},")
    lines.append("};")
    return "\n".join(lines) + "\n"


def random_params(rng: np.random.Generator) -> dict:
    """A residual ADD/SUB's params as TFLM's Prepare makes them for two int8 inputs of random scales: one input
    (A) at the output's scale class (multiplier 2^30, shift 0), as input 1 or input 2; the full int8 range."""
    p = dict(in1_offset=int(rng.integers(-128, 128)), in2_offset=int(rng.integers(-128, 128)),
             output_offset=int(rng.integers(-128, 128)), left_shift=20, in1_multiplier=1 << 30, in1_shift=0,
             in2_multiplier=int(rng.integers(1 << 30, 1 << 31)), in2_shift=int(rng.integers(-4, 0)),
             output_multiplier=int(rng.integers(1 << 30, 1 << 31)), output_shift=int(rng.integers(-20, -16)),
             act_min=-128, act_max=127)
    if rng.integers(2):  # A as input 2
        p.update(in1_multiplier=p["in2_multiplier"], in1_shift=p["in2_shift"], in2_multiplier=1 << 30, in2_shift=0)
    return p
