"""ABS (int8: a 256-entry table of TFLM's integer steps; int16: tslm_abs_s16) and the float32
elementwise functions TFLM runs in float: ABS, NEG, FLOOR, CEIL, ROUND, SQRT, SQUARE, EXP, LOG, SIN,
COS, ELU (tslm_unary_f32; the converter leaves these in float32 between DEQUANTIZE and QUANTIZE when
it has no integer kernel for them)."""

from __future__ import annotations

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Call, Lit, Lowering, Step, T
from ..quantization import quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "ABS": "int8 int16 float32: int8: a 256-entry table",
    "CEIL": "float32",
    "COS": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "ELU": "float32: expm1f from the C library: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "EXP": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "FLOOR": "float32",
    "LOG": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "NEG": "float32",
    "ROUND": "float32",
    "SIN": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "SQRT": "float32",
    "SQUARE": "float32",
}



def float_unary(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    return Call(op, "tslm_unary_f32", "tslm_float",
                [Lit(str(x.numel)), Lit(f"TSLM_F_{op.opcode}"), T(x.index), T(y.index)],
                note="float32", inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])


def _abs_s16(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    for t, role in ((x, "input"), (y, "output")):
        lw.per_tensor(op, t, role)
        lw.need(t.zero_point == 0, op, f"int16 {role} has zero point {t.zero_point} (TFLM requires 0)", tensor=t.index)
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    rescale = float(x.scale) != float(y.scale)
    mult, shift = quantize_multiplier(float(x.scale) / float(y.scale)) if rescale else (0, 0)
    return Call(op, "tslm_abs_s16", "tslm_abs", [Lit(str(x.numel)), Lit(str(int(rescale))), Lit(str(mult)),
                Lit(str(shift)), T(x.index), T(y.index)], note="int16" + (", rescaled" if rescale else ""),
                inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])


@register('ABS')
def abs_op(lw: Lowering, op: Operator) -> Step:
    if op.inputs and lw.t(op.inputs[0]).dtype == "float32":
        return float_unary(lw, op)
    if op.inputs and lw.t(op.inputs[0]).dtype == "int16":
        return _abs_s16(lw, op)
    x, y = lw.unary_int8(op)
    rescale = float(x.scale) != float(y.scale)  # TFLM compares the float32 scales
    mult, shift = quantize_multiplier(float(x.scale) / float(y.scale)) if rescale else (0, 0)

    def f(q: int) -> int:
        v = abs(q - x.zero_point)
        return (fx.mbqm(v, mult, shift) if rescale else v) + y.zero_point

    return lw.lut(op, f, "|x|" + (" rescaled" if rescale else ""))


register('NEG', 'FLOOR', 'CEIL', 'ROUND', 'SQRT', 'SQUARE', 'EXP', 'LOG', 'SIN', 'COS', 'ELU')(float_unary)
