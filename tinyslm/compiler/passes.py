"""Rewrites of the lowered steps that are not one operator's Prepare maths, each a function you can name,
run in order by :func:`run` (``driver.lower_graph``) and tested on its own (tests/test_passes.py).

- :func:`tables_for_one_byte_functions`: an int8 ADD/SUB/MUL/SQUARED_DIFFERENCE whose output depends on
  one int8 value only (the other operand a constant with a single value, or both operands the same
  tensor, like a layer norm's square) becomes a 256-entry table computed with the kernel's own integer
  steps (``tslm_lut_s8``): one load per element instead of two rescales.

- :func:`grouped_conv_for_depth_multipliers`: a DEPTHWISE_CONV_2D with a depth multiplier > 1 becomes a
  grouped CONV_2D (one input channel per group) on the targets whose conv kernel runs it faster: Cortex-M
  DSP (its im2col GEMM with requantization records) and Helium (one input channel, its GEMM layout). The
  portable target keeps TFLM's depthwise loop. (ops/conv.py: ``as_grouped_conv``.)

- :func:`fused_layer_norms`: a layer norm's int8 chain (MEAN, SUB, the square's table, MEAN, the eps and
  RSQRT tables, MUL, optionally MUL gamma and ADD beta) whose intermediates nothing else reads becomes one
  ``tslm_dsp_layer_norm_s8`` call with the same int8 steps, one row at a time, on the DSP targets (Helium:
  ``tslm_mve_layer_norm_s8``); the portable target keeps the separate ops (ops/layer_norm.py). Runs after the tables, whose
  values it reuses.

- :func:`dsp_strided_copies`: on the DSP targets (Helium included) a strided copy (TRANSPOSE, STRIDED_SLICE,
  SLICE, GATHER with constant indices...) calls ``tslm_dsp_strided_copy``, which copies contiguous runs a
  word at a time (a transformer's head split and merge) and hands every other walk to the portable kernel
  (Helium: ``tslm_mve_strided_copy``, a run of up to 16 bytes in one predicated load and store);
  the 256-entry int8 tables (``tslm_lut_s8``) call ``tslm_dsp_lut_s8``, four bytes per word (Helium:
  ``tslm_mve_lut_s8``, sixteen per gather load).

Aliasing and in-place decisions are the planner's passes (planner.py: ``resolve_aliases``,
``choose_in_place``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from .lowering import Call, Lowering, Step
from .ops.conv import as_grouped_conv
from .ops.elementwise import binary_element
from .ops.layer_norm import fuse_layer_norms

BINARY = ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE")


def _each_call(lw: Lowering, steps: list[Step], rewrite: Callable[[Lowering, Call], Call | None]) -> list[Step]:
    """Every kernel call replaced by what `rewrite` makes of it (None: left as it is)."""
    out: list[Step] = []
    for s in steps:
        new = rewrite(lw, s) if isinstance(s, Call) else None
        out.append(new if new is not None else s)
    return out


def tables_for_one_byte_functions(lw: Lowering, steps: list[Step]) -> list[Step]:
    return _each_call(lw, steps, _as_table)


def _as_table(lw: Lowering, s: Call) -> Call | None:
    op = s.op
    if op.opcode not in BINARY or s.family != "tslm_binary" or not s.func.endswith("_s8"):
        return None
    a, b, y = lw.t(op.inputs[0]), lw.t(op.inputs[1]), lw.t(op.outputs[0])
    p = dict(s.param_items())
    for var, const, first in ((a, b, False), (b, a, True)):
        if const.is_const and list(var.shape) == list(y.shape) and np.unique(const.data).size == 1:
            c = int(np.asarray(const.data).reshape(-1)[0])
            fn: Callable[[int], int] = ((lambda q: binary_element(op.opcode, p, c, q)) if first
                                        else (lambda q: binary_element(op.opcode, p, q, c)))
            return lw.lut(op, fn, f"{s.note}: the constant is {c}, so a table of the 256 inputs", x=var)
    if a.index == b.index and list(a.shape) == list(y.shape):
        return lw.lut(op, lambda q: binary_element(op.opcode, p, q, q),
                      f"{s.note}: both inputs are one tensor, so a table of the 256 inputs", x=a)
    return None


def grouped_conv_for_depth_multipliers(lw: Lowering, steps: list[Step]) -> list[Step]:
    return _each_call(lw, steps, as_grouped_conv)


def fused_layer_norms(lw: Lowering, steps: list[Step]) -> list[Step]:
    # the DSP targets only (Helium: its own kernel, tslm_mve_layer_norm_s8): on the portable target the fused kernel, the
    # element-wise kernels called per row, measured 0.3% slower than TFLM's separate ops (KWS transformer)
    return fuse_layer_norms(lw, steps) if lw.target.dsp else steps


def dsp_strided_copies(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.dsp:
        return steps
    families = {"tslm_strided_copy": "copy", "tslm_lut_s8": "lut"}
    return _each_call(lw, steps, lambda lw, s: lw.target_kernel(replace(s), families[s.func])
                      if s.func in families and s.variant is None else None)


PASSES: tuple[Callable[[Lowering, list[Step]], list[Step]], ...] = (tables_for_one_byte_functions,
                                                                     grouped_conv_for_depth_multipliers,
                                                                     fused_layer_norms, dsp_strided_copies)


def run(lw: Lowering, steps: list[Step], passes=PASSES) -> list[Step]:
    for p in passes:
        steps = p(lw, steps)
    return steps
