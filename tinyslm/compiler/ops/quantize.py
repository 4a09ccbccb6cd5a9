"""QUANTIZE (float -> int8/int16; requantize between int8, int16 and int32 as TFLM does) and DEQUANTIZE."""

from __future__ import annotations

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import PARAMS, Call, Lit, Lowering, Step, T
from ..quantization import f32, quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "DEQUANTIZE": "int8 int16: to float32",
    "QUANTIZE": "int8 int16 float32 | int32: float32 to int8/int16, int8/int16 to int8/int16/int32, int32 to int8/int16",
}



@register('QUANTIZE')
def quantize(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    lw.need(y.dtype in ("int8", "int16", "int32") and y.quant is not None, op,
              f"output type {y.dtype} not supported (int8, int16 or int32)", tensor=y.index)
    lw.need(y.dtype != "int32" or x.dtype in ("int8", "int16"), op,
              f"{x.dtype} -> int32 is not supported (TFLM quantizes to int32 from int8 and int16 only)",
              tensor=y.index)
    lw.per_tensor(op, y, "output")
    if x.dtype == "float32":
        func = "tslm_quantize_f32_s8" if y.dtype == "int8" else "tslm_quantize_f32_s16"
        return Call(op, func, "tslm_quantize",
                    [Lit(str(x.numel)), T(x.index), Lit(repr(float(y.scale))), Lit(str(y.zero_point)), T(y.index)],
                    note="float32 -> " + y.dtype, reads=[x.index], writes=[y.index])
    lw.need(x.dtype in ("int8", "int16", "int32") and x.quant is not None, op,
              f"input type {x.dtype} not supported", tensor=x.index)
    lw.per_tensor(op, x, "input")
    mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    if x.dtype == "int8" and y.dtype == "int8":
        return lw.lut(op, lambda q: fx.mbqm(q - x.zero_point, mult, shift) + y.zero_point,
                         f"requantize s={x.scale:.6g} zp={x.zero_point} -> s={y.scale:.6g} zp={y.zero_point}")
    params = dict(input_zero_point=x.zero_point, output_zero_point=y.zero_point, multiplier=mult, shift=shift)
    sfx = {"int8": "s8", "int16": "s16", "int32": "s32"}
    func = f"tslm_requantize_{sfx[x.dtype]}_{sfx[y.dtype]}"
    return Call(op, func, "tslm_quantize", [Lit(str(x.numel)), PARAMS, T(x.index), T(y.index)],
                "tslm_requantize_params", params, note=f"{x.dtype} -> {y.dtype}",
                reads=[x.index], writes=[y.index])


@register('DEQUANTIZE')
def dequantize(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.need(y.dtype == "float32" and x.dtype in ("int8", "int16") and x.quant is not None, op,
              f"{x.dtype} -> {y.dtype} is not supported (int8/int16 -> float32)")
    lw.per_tensor(op, x, "input")
    func = "tslm_dequantize_s8_f32" if x.dtype == "int8" else "tslm_dequantize_s16_f32"
    return Call(op, func, "tslm_quantize",
                [Lit(str(x.numel)), T(x.index), Lit(repr(float(f32(x.scale))) + "f"), Lit(str(x.zero_point)),
                 T(y.index)], note=f"{x.dtype} -> float32", reads=[x.index], writes=[y.index])
