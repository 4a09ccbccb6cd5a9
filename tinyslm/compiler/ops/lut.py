"""Elementwise functions of one int8 as 256-entry tables computed at compile time with TFLM's
fixed-point maths: LOGISTIC, TANH, RSQRT, RELU, RELU6, RELU_N1_TO_1."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Lowering, Step
from ..quantization import (
    f32,
    frexp_multiplier,
    input_radius,
    quantize_multiplier,
    tfl_round,
)
from . import register
from .unary import float_unary

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "LOGISTIC": "int8 float32: a 256-entry table; float32: expf, within 4 ulps of the host on a Cortex-M (newlib); int16 not yet (TFLM interpolates a sigmoid table of its own)",
    "RELU": "int8 float32: a 256-entry table",
    "RELU6": "int8 float32: a 256-entry table",
    "RELU_N1_TO_1": "int8: a 256-entry table",
    "RSQRT": "int8 float32: a 256-entry table",
    "TANH": "int8 float32: a 256-entry table; float32: tanhf, within 2 ulps of the host on a Cortex-M (newlib); int16 not yet (TFLM interpolates a sigmoid table of its own)",
}



def _q4_table(lw: Lowering, op: Operator, scale_denominator: int, zero_point: int, fn: Callable[[int], int],
              note: str) -> Step:
    """LOGISTIC and TANH: TFLM rescales (x - zp) to Q4.27 with a multiplier from frexp, saturates
    beyond the input radius, and evaluates gemmlowp's fixed-point function; `fn` maps the Q4.27
    value to the int8 output."""
    if op.inputs and op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16":
        raise lw.fail(op, "int16 (16x8) LOGISTIC/TANH is not supported yet: TFLM interpolates a fixed 256-entry "
                      "sigmoid table of its own that tinyslm does not carry",
                      "quantize the model to int8 (full integer quantization)", op.inputs[0])
    x, y = lw.unary_int8(op)
    lw.need(y.zero_point == zero_point and abs(y.scale * scale_denominator - 1) < 1e-3, op,
              f"int8 output must have scale 1/{scale_denominator} and zero point {zero_point}", tensor=y.index)
    bits = 4
    mult, left_shift = frexp_multiplier(float(x.scale) * (1 << (31 - bits)))
    radius = input_radius(bits, left_shift)

    def f(q: int) -> int:
        v = q - x.zero_point
        if v <= -radius:
            return -128
        if v >= radius:
            return 127
        return fn(fx.mbqm(v, mult, left_shift))

    return lw.lut(op, f, note)


@register('LOGISTIC')
def logistic(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_unary(lw, op)
    return _q4_table(lw, op, 256, -128, lambda v: fx.rdbpot(fx.logistic(v, 4), 23) - 128, "sigmoid")


@register('TANH')
def tanh(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_unary(lw, op)
    return _q4_table(lw, op, 128, 0, lambda v: fx.rdbpot(fx.tanh(v, 4), 24), "tanh")


@register('RSQRT')
def rsqrt(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_unary(lw, op)
    x, y = lw.unary_int8(op)
    # 1 / (sqrt(s_in) * s_out): sqrt and product in float32, reciprocal in double.
    mult, shift = quantize_multiplier(1.0 / float(np.sqrt(f32(x.scale)) * f32(y.scale)))
    k_shift = 20

    def f(q: int) -> int:
        v = q - x.zero_point
        if v <= 0:  # TFLM refuses negative inputs at run time; 0 maps to the maximum
            return 127
        inv_m, inv_s = fx.inv_sqrt_quantized_multiplier_exp(v, -1)
        data = fx.mbqm(1, inv_m, inv_s + k_shift)
        return fx.mbqm(data, mult, shift - k_shift) + y.zero_point

    return lw.lut(op, f, "1/sqrt(x)")


@register('RELU', 'RELU6', 'RELU_N1_TO_1')
def relu(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op) and op.opcode != "RELU_N1_TO_1":  # (which TFLM does not register)
        return float_unary(lw, op)
    x, y = lw.unary_int8(op)
    if op.opcode == "RELU6":
        zero = x.zero_point
        six = x.zero_point + tfl_round(float(f32(6.0) / f32(x.scale)))
        return lw.lut(op, lambda q: min(max(q, zero), six), "relu6")
    mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    lo_real, hi_real = (0.0, None) if op.opcode == "RELU" else (-1.0, 1.0)
    lo = max(-128, y.zero_point + tfl_round(float(f32(lo_real) / f32(y.scale))))
    hi = 127 if hi_real is None else min(127, y.zero_point + tfl_round(float(f32(hi_real) / f32(y.scale))))

    def f(q: int) -> int:
        v = y.zero_point + fx.mbqm(q - x.zero_point, mult, shift)
        return min(max(v, lo), hi)

    return lw.lut(op, f, op.opcode.lower())
