"""LOG_SOFTMAX over the last axis, int8 (TFLM's LogSoftmaxQuantized): exp of each possible difference
from the row maximum and its Q5.26 rescaling tabulated here (gemmlowp's exp_on_negative_values), the
fixed-point log of each row's sum at run time (tslm_log_softmax_s8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Call, ConstArray, KernelParams, Lit, Lowering, Ref, Step, T
from ..quantization import input_radius, quantize_multiplier, quantize_multiplier_greater_than_one
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "LOG_SOFTMAX": "int8 float32: last axis; int8: output scale 1/16 zero point 127; float32: expf/logf, TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
}


INPUT_BITS = 5  # kScaledDiffIntegerBits
ACCUM_BITS = 12


@dataclass
class LogSoftmaxParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_log_softmax_params"
    rows: int
    depth: int
    diff_min: int
    reverse_multiplier: int
    reverse_shift: int
    exp_q12: Ref
    diff_q5: Ref


@register('LOG_SOFTMAX')
def log_softmax(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        lw.io(op, 1)
        x = lw.dtype(op, op.inputs[0], ("float32",), "input")
        y = lw.dtype(op, op.outputs[0], ("float32",), "output")
        lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
        depth = x.shape[-1]
        return Call(op, "tslm_log_softmax_f32", "tslm_log_softmax", [Lit(str(x.numel // depth)), Lit(str(depth)),
                    T(x.index), T(y.index)], note=f"float32, {x.numel // depth} rows of {depth}", reads=[x.index],
                    writes=[y.index])
    x, y = lw.unary_int8(op)
    lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
    lw.need(y.zero_point == 127 and float(y.scale) == 16.0 / 256, op,
            f"output must have scale 1/16 and zero point 127 (as TFLM requires), has {y.quant.describe()}",  # type: ignore[union-attr]
            tensor=y.index)
    lw.need(x.scale > 0, op, f"input has scale {x.scale}", tensor=x.index)
    what = f"LOG_SOFTMAX op {op.index}"
    # PreprocessLogSoftmaxScalingExp with beta 1 (TFLM ignores the model's beta here)
    real = min(float(x.scale) * (1 << (31 - INPUT_BITS)), float((1 << 31) - 1))
    mult, left_shift = quantize_multiplier_greater_than_one(real, what)
    rev_mult, rev_shift = quantize_multiplier((1 << (31 - left_shift)) / float(mult))
    lw.need(rev_shift <= 0, op, "input scale too small for TFLM's reverse scaling")
    diff_min = -input_radius(INPUT_BITS, left_shift)
    diffs = range(-255, 1)
    q5 = [fx.mbqm(d, mult, left_shift) for d in diffs]
    exps = [fx.rescale(fx.exp_on_negative_values(v, INPUT_BITS), 0, ACCUM_BITS) if d >= diff_min else 0
            for d, v in zip(diffs, q5)]
    e = ConstArray(lw.name(op, "exp_q12"), "int32_t", np.array(exps, dtype=np.int64),
                   "exp(x - row max) in Q12.19 for differences -255..0 (0 below the input radius)")
    d5 = ConstArray(lw.name(op, "diff_q5"), "int32_t", np.array(q5, dtype=np.int64),
                    "x - row max in Q5.26 for differences -255..0")
    depth = x.shape[-1]
    params = LogSoftmaxParams(x.numel // depth, depth, diff_min, rev_mult, rev_shift, Ref(e.name), Ref(d5.name))
    return Call(op, "tslm_log_softmax_s8", "tslm_log_softmax", [T(x.index), T(y.index)], params=params,
                consts=[e, d5], note=f"{x.numel // depth} rows of {depth}", reads=[x.index], writes=[y.index])
