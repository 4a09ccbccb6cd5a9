"""Elementwise functions of one int8 as 256-entry tables computed at compile time with TFLM's
fixed-point maths: LOGISTIC, TANH, RSQRT, RELU, RELU6, RELU_N1_TO_1. int16 LOGISTIC and TANH interpolate
TFLM's sigmoid table at run time (tslm_logistic_s16 / tslm_tanh_s16); float32 calls tslm_unary_f32."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Call, KernelParams, Lowering, Step, T
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
    "LOGISTIC": "int8 int16 float32: int8: a 256-entry table; float32: expf, within 4 ulps of the host on a Cortex-M (newlib); int16: TFLM's sigmoid table interpolated, zero points 0, output scale 2^-15",
    "RELU": "int8 int16 float32: int8: a 256-entry table",
    "RELU6": "int8 int16 float32: int8: a 256-entry table",
    "RELU_N1_TO_1": "int8: a 256-entry table",
    "RSQRT": "int8 int16 float32: int8: a 256-entry table; int16: TFLM's fixed-point steps at run time",
    "TANH": "int8 int16 float32: int8: a 256-entry table; float32: tanhf, within 2 ulps of the host on a Cortex-M (newlib); int16: TFLM's sigmoid table interpolated, zero points 0, output scale 2^-15",
}



@dataclass
class SigmoidS16Params(KernelParams):
    C_TYPE = "tslm_sigmoid_s16_params"
    size: int
    input_multiplier: int
    input_left_shift: int


def checked_log2(x: float) -> tuple[int, bool]:
    """TFLM's CheckedLog2 (in float32): the rounded log2 of x, and whether x is within 1e-3 of it in log2
    (what TFLM calls a power-of-two scale).

    >>> checked_log2(2.0 ** -12), checked_log2(2.0 ** -12 * 1.0004), checked_log2(0.0003)
    ((-12, True), (-12, True), (-12, False))
    """
    x_log2 = np.float32(np.log(np.float32(x))) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    rounded = np.float32(np.round(x_log2))
    return int(rounded), bool(abs(np.float32(x_log2 - rounded)) < np.float32(1e-3))


def sigmoid_s16_multiplier(scale: float, tanh: bool) -> tuple[int, int]:
    """(input multiplier, left shift) that TFLM's int16 LOGISTIC/TANH Prepare computes: the input onto 3 x 4096
    steps per unit (the table's 1/24 per 2^9 or 2^8 steps), kept below 2^15; for a power-of-two scale 3 shifted
    (TANH allows shift 0 or 1, LOGISTIC 0), which TFLM folds into the kernel and this returns folded.

    >>> sigmoid_s16_multiplier(2.0 ** -12, tanh=True), sigmoid_s16_multiplier(2.0 ** -11, tanh=True)
    ((3, 0), (6, 0))
    >>> sigmoid_s16_multiplier(2.0 ** -11, tanh=False), sigmoid_s16_multiplier(0.00036834238562732935, tanh=True)
    ((24576, 12), (18539, 12))
    """
    log2, pot = checked_log2(scale)
    shift = 12 + log2  # (15 - 3 integer bits) + log2(scale)
    if pot and shift in ((0, 1) if tanh else (0,)):
        return 3 << shift, 0
    multiplier, shift = float(scale) * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    return int(multiplier), shift


def _sigmoid_s16(lw: Lowering, op: Operator) -> Call:
    """int16 LOGISTIC/TANH: TFLM's Prepare (zero points 0, output scale 2^-15) -> tslm_logistic_s16/tanh_s16."""
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    for t, role in ((x, "input"), (y, "output")):
        lw.per_tensor(op, t, role)
        lw.need(t.zero_point == 0, op, f"int16 {role} has zero point {t.zero_point} (TFLM requires 0)",
                tensor=t.index)
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    log2, pot = checked_log2(y.scale)
    lw.need(pot and log2 == -15, op, f"int16 output scale {y.scale:g} is not 2^-15 (TFLM requires it)",
            tensor=y.index)
    tanh = op.opcode == "TANH"
    mult, shift = sigmoid_s16_multiplier(x.scale, tanh)
    lw.need(mult < 65536, op, f"input scale {x.scale:g} is too large: TFLM's int16 {op.opcode} would overflow "
            "int32 rescaling it", tensor=x.index)
    return Call(op, "tslm_tanh_s16" if tanh else "tslm_logistic_s16", "tslm_lut", [T(x.index), T(y.index)],
                params=SigmoidS16Params(x.numel, mult, shift),
                note=f"int16, input x {mult} >> {shift} onto the sigmoid table", inplace=[(x.index, y.index)],
                reads=[x.index], writes=[y.index])


def rsqrt_multiplier(in_scale: float, out_scale: float) -> tuple[int, int]:
    """RSQRT's output multiplier: 1 / (sqrt(input scale) x output scale), all in double. (Taking the square root
    and the product in float32 instead differs in rare ties: input scale 0.000619563, output 0.0610123, byte 111
    gives 62 where TFLM gives 63; found by the int16x8 fuzzer, checked on the oracle.)"""
    return quantize_multiplier(1.0 / (float(np.sqrt(float(in_scale))) * float(out_scale)))


@dataclass
class RsqrtS16Params(KernelParams):
    C_TYPE = "tslm_rsqrt_s16_params"
    size: int
    input_zero_point: int
    output_zero_point: int
    multiplier: int
    shift: int


def _rsqrt_s16(lw: Lowering, op: Operator) -> Call:
    """int16 RSQRT: TFLM's elementwise.cc steps (as the int8 table's), per element at run time."""
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    mult, shift = rsqrt_multiplier(x.scale, y.scale)
    lw.need(shift - 20 >= -31, op, f"scales {x.scale:g} -> {y.scale:g} leave TFLM's int16 RSQRT a right shift "
            "over 31", tensor=y.index)
    return Call(op, "tslm_rsqrt_s16", "tslm_lut", [T(x.index), T(y.index)],
                params=RsqrtS16Params(x.numel, x.zero_point, y.zero_point, mult, shift), note="int16, 1/sqrt(x)",
                inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])


@dataclass
class ReluS16Params(KernelParams):
    C_TYPE = "tslm_relu_s16_params"
    size: int
    input_zero_point: int
    output_zero_point: int
    multiplier: int
    shift: int
    act_min: int
    act_max: int


def _relu_s16(lw: Lowering, op: Operator) -> Call:
    """int16 RELU (rescaled, TFLM's ReluQuantized) and RELU6 (clamped in input units, Relu6Quantized)."""
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    for t, role in ((x, "input"), (y, "output")):
        lw.need(t.zero_point == 0, op, f"int16 {role} has zero point {t.zero_point} (TFLM requires 0)",
                tensor=t.index)
    if op.opcode == "RELU6":
        six = min(32767, max(-32768, x.zero_point + tfl_round(float(f32(6.0) / f32(x.scale)))))
        params = ReluS16Params(x.numel, 0, 0, 1 << 30, 1, x.zero_point, six)  # (1 << 30, 1): exactly x
    else:
        mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
        lo = max(-32768, y.zero_point + tfl_round(float(f32(0.0) / f32(y.scale))))
        params = ReluS16Params(x.numel, x.zero_point, y.zero_point, mult, shift, lo, 32767)
    return Call(op, "tslm_relu_s16", "tslm_lut", [T(x.index), T(y.index)], params=params,
                note=f"int16, {op.opcode.lower()}", inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])


def _q4_table(lw: Lowering, op: Operator, scale_denominator: int, zero_point: int, fn: Callable[[int], int],
              note: str) -> Step:
    """LOGISTIC and TANH: TFLM rescales (x - zp) to Q4.27 with a multiplier from frexp, saturates
    beyond the input radius, and evaluates gemmlowp's fixed-point function; `fn` maps the Q4.27
    value to the int8 output."""
    if op.inputs and op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16":
        return _sigmoid_s16(lw, op)
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
    if op.inputs and op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16":
        return _rsqrt_s16(lw, op)
    x, y = lw.unary_int8(op)
    mult, shift = rsqrt_multiplier(x.scale, y.scale)
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
    if op.inputs and op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16" and op.opcode != "RELU_N1_TO_1":
        return _relu_s16(lw, op)
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
