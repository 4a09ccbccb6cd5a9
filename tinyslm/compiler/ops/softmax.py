"""SOFTMAX (int8 input, int8 or int16 output; int16 -> int16): TFLM's exp tables and input multiplier
-> tslm_softmax."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Call, ConstArray, KernelParams, Lit, Lowering, Ref, Step, T
from ..quantization import (
    expf,
    f32,
    gen_lut_int16,
    input_radius,
    quantize_multiplier,
    quantize_multiplier_greater_than_one,
)
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "SOFTMAX": "int8 int16 float32: int8 -> int8 or int16, int16 -> int16 (16x8), any beta; float32: expf, TFLM's bytes on the host, within 4 ulps on a Cortex-M (newlib)",
}



@dataclass
class SoftmaxS16Params(KernelParams):
    C_TYPE = "tslm_softmax_s16_params"
    rows: int
    depth: int
    input_multiplier: int
    input_shift: int
    exp_lut: Ref
    recip_lut: Ref


def _softmax_s16(lw: Lowering, op: Operator) -> Call:
    """int16 -> int16: TFLM's SoftmaxInt16 with the two tables its Prepare generates (gen_lut in float32)."""
    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    lw.per_tensor(op, x, "input")
    lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
    lw.need(x.zero_point == 0, op, "int16 input must have zero point 0 (as TFLM requires)", tensor=x.index)
    lw.need(y.zero_point == 0 and abs(y.scale - 1 / 32768) < 0.001 / 32768, op,
            "int16 output must have scale 1/32768 and zero point 0 (as TFLM requires)", tensor=y.index)
    beta = float(op.options.get("beta", 1.0))
    mult, shift = quantize_multiplier(float(x.scale) * float(f32(beta)) / (10.0 / 65535.0))
    exp_lut = gen_lut_int16(expf, -10.0, 0.0)
    recip_lut = gen_lut_int16(lambda v: np.float32(1.0) / (np.float32(1.0) + v), 0.0, 1.0)
    e = ConstArray(lw.name(op, "exp_lut"), "int16_t", np.array(exp_lut, dtype=np.int64), "exp(x) for x in [-10, 0]")
    r = ConstArray(lw.name(op, "recip_lut"), "int16_t", np.array(recip_lut, dtype=np.int64),
                   "1 / (1 + x) for x in [0, 1]")
    depth = x.shape[-1]
    params = SoftmaxS16Params(x.numel // depth, depth, mult, shift, Ref(e.name), Ref(r.name))
    return Call(op, "tslm_softmax_s16", "tslm_softmax", [T(x.index), T(y.index)], params=params, consts=[e, r],
                note=f"int16, beta {beta:g}, {x.numel // depth} rows of {depth}", reads=[x.index], writes=[y.index])


def _softmax_f32(lw: Lowering, op: Operator) -> Call:
    """float32: TFLM's reference Softmax, beta as the model's float32."""
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
    beta = float(f32(op.options.get("beta", 1.0)))
    depth = x.shape[-1]
    lw.need(depth >= 1, op, "empty last dimension")
    return Call(op, "tslm_softmax_f32", "tslm_softmax",
                [Lit(str(x.numel // depth)), Lit(str(depth)), Lit(repr(beta) + "f"), T(x.index), T(y.index)],
                note=f"float32, beta {beta:g}, {x.numel // depth} rows of {depth}", reads=[x.index],
                writes=[y.index])


@register('SOFTMAX')
def softmax(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    if lw.is_float(op):
        return _softmax_f32(lw, op)
    if op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16":
        return _softmax_s16(lw, op)
    x = lw.dtype(op, op.inputs[0], ("int8",), "input")
    y = lw.dtype(op, op.outputs[0], ("int8", "int16"), "output")
    lw.per_tensor(op, x, "input")
    lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
    if y.dtype == "int8":
        lw.need(y.zero_point == -128 and abs(y.scale - 1 / 256) < 0.001 / 256, op,
                  "int8 output must have scale 1/256 and zero point -128 (as TFLM requires)", tensor=y.index)
    else:
        lw.need(y.zero_point == -32768 and abs(y.scale - 1 / 65536) < 0.001 / 65536, op,
                  "int16 output must have scale 1/65536 and zero point -32768 (as TFLM requires)",
                  tensor=y.index)
    beta = float(op.options.get("beta", 1.0))
    scaled_diff_bits = 5
    real = min(beta * float(x.scale) * (1 << (31 - scaled_diff_bits)), float((1 << 31) - 1))
    mult, left_shift = quantize_multiplier_greater_than_one(real, f"SOFTMAX op {op.index}")
    diff_min = -input_radius(scaled_diff_bits, left_shift)
    table = []
    for d in range(256):
        diff = -d
        if diff >= diff_min:
            rescaled = fx.srdhm(fx.wrap32(diff * (1 << left_shift)), mult)
            table.append(fx.exp_on_negative_values(rescaled, scaled_diff_bits))
        else:
            table.append(0)
    # the Cortex-M DSP and Helium kernels take the table reversed (one load or gather per element and no
    # subtraction: (table + 255 - max)[x]); the Cortex-M DSP kernel's entries with 2^11 added (reversed=2):
    # the rounding of TFLM's sum, RoundingDivideByPOT(e, 12) = (e + 2^11) >> 12 for e >= 0, already in them
    # (uint32_t bits in the int32_t array: e + 2^11 < 2^32)
    reversed_ = (1 if lw.target.mve else 2) if lw.target.dsp else 0
    values = np.array(table[::-1] if reversed_ else table, dtype=np.int64)
    if reversed_ == 2:
        values = (values + 2048 + 2**31) % 2**32 - 2**31
    tab = ConstArray(lw.name(op, "exp_table"), "int32_t", values,
                     f"exp(-d * {beta:g} * {x.scale:.6g}){' + 2^11 (as uint32_t)' if reversed_ == 2 else ''} for d = "
                     f"{'255..0' if reversed_ else '0..255'}, Q0.31")
    depth = x.shape[-1]
    params = dict(rows=x.numel // depth, depth=depth, exp_table=Ref(tab.name), reversed=reversed_)
    func = "tslm_softmax_s8" if y.dtype == "int8" else "tslm_softmax_s8_s16"
    call = Call(op, func, "tslm_softmax", [T(x.index), T(y.index)], "tslm_softmax_params", params, [tab],
                note=f"beta {beta:g}, {x.numel // depth} rows of {depth}", reads=[x.index], writes=[y.index])
    return lw.target_kernel(call, "softmax") if lw.target.dsp else call
