"""HARD_SWISH int8 (TFLM's hard_swish.cc / reference HardSwish): x * relu6(x + 3) / 6 in TFLM's int16 fixed
point, with the two Q15 multipliers its Prepare computes, evaluated for the 256 inputs into a table."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Lowering, Step
from ..quantization import f32, quantize_multiplier
from . import register
from .unary import float_unary

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "HARD_SWISH": "int8 float32: a 256-entry table",
}



@dataclass(frozen=True)
class HardSwishQ:
    input_zero_point: int
    output_zero_point: int
    output_multiplier: int  # Q15
    output_exponent: int
    reluish_multiplier: int  # Q15
    reluish_exponent: int


def hard_swish_params(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> HardSwishQ:
    """HardSwishPrepare: the scales' ratios in float32, QuantizeMultiplier, then rounded down to Q15.

    >>> q = hard_swish_params(0.05, 3, 0.04, -7)  # reluish: 0.05 / 128 / (3 / 32768) = 4.27 = 0.53 x 2^3
    >>> q.output_exponent <= 0, q.reluish_exponent, 0 < q.output_multiplier < 32768
    (True, 3, True)
    """
    hires = f32(1.0 / 128.0) * f32(in_scale)
    om, oe = quantize_multiplier(float(hires / f32(out_scale)))
    rm, re_ = quantize_multiplier(float(hires / (f32(3.0) / f32(32768.0))))
    return HardSwishQ(in_zp, out_zp, fx.downscale_multiplier16(om), oe, fx.downscale_multiplier16(rm), re_)


def hard_swish_element(q: int, p: HardSwishQ, lo: int = -128, hi: int = 127) -> int:
    """One output of TFLM's quantized HardSwish, step by step in int16.

    >>> p = hard_swish_params(0.05, 0, 0.05, 0)
    >>> [hard_swish_element(v, p) for v in (-100, 0, 20, 100)]   # x = -5, 0, 1, 5: hard_swish = 0, 0, 0.667, 5
    [0, 0, 13, 100]
    """
    v = fx.wrap16(q - p.input_zero_point)
    hires = fx.wrap16(v * 128)
    preshift = fx.srdhm16(hires, p.output_multiplier)
    reluish = hires
    if p.reluish_exponent > 0:
        reluish = fx.sat_shl16(reluish, p.reluish_exponent - 1)
    reluish = fx.srdhm16(reluish, p.reluish_multiplier)
    if p.reluish_exponent > 0:
        reluish = fx.sat_shl16(reluish, 1)
    if p.reluish_exponent < 0:
        reluish = fx.rdbpot16(reluish, -p.reluish_exponent)
    reluish = fx.wrap16((reluish + (1 << 15)) >> 1)
    out = fx.rdbpot16(fx.sdhm16(reluish, preshift), -p.output_exponent)
    out = fx.wrap16(out + p.output_zero_point)
    return max(lo, min(hi, out))


@register("HARD_SWISH")
def hard_swish(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_unary(lw, op)
    x, y = lw.unary_int8(op)
    p = hard_swish_params(x.scale, x.zero_point, y.scale, y.zero_point)
    lw.need(p.output_exponent <= 0, op, "input scale / (128 x output scale) >= 1, which TFLM's HARD_SWISH refuses")
    lw.need(-p.output_exponent <= 15 and -p.reluish_exponent <= 15, op,
            "scales too far apart for TFLM's int16 fixed-point HARD_SWISH", tensor=x.index)
    return lw.lut(op, lambda q: hard_swish_element(q, p), "x * relu6(x + 3) / 6 in TFLM's int16 fixed point: a table")
