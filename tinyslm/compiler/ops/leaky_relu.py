"""LEAKY_RELU (TFLM's leaky_relu.cc): two requantizations, the identity (input scale / output scale)
for x >= 0 and alpha times it for x < 0, each a QuantizeMultiplier of a float32 ratio. int8 becomes a
256-entry table of that arithmetic; int16 calls tslm_leaky_relu_s16; float32 tslm_leaky_relu_f32."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Step, T
from ..quantization import f32, quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "LEAKY_RELU": "int8 int16 float32: int8: a 256-entry table",
}



@dataclass
class LeakyReluParams(KernelParams):
    C_TYPE = "tslm_leaky_relu_params"
    size: int
    input_zero_point: int
    output_zero_point: int
    multiplier_identity: int
    shift_identity: int
    multiplier_alpha: int
    shift_alpha: int


def leaky_relu_multipliers(in_scale: float, out_scale: float, alpha: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """(identity, alpha) multipliers as TFLM's Prepare computes them: the ratios in float32, widened to double.

    >>> leaky_relu_multipliers(0.5, 0.25, 0.2)
    ((1073741824, 2), (1717986944, -1))
    """
    ident = quantize_multiplier(float(f32(in_scale) / f32(out_scale)))
    alpha_m = quantize_multiplier(float(f32(in_scale) * f32(alpha) / f32(out_scale)))
    return ident, alpha_m


def leaky_relu_element(q: int, zp_in: int, zp_out: int, ident: tuple[int, int], alpha: tuple[int, int],
                       lo: int, hi: int) -> int:
    """One output of TFLM's QuantizeLeakyRelu.

    >>> leaky_relu_element(-10, 0, 0, (1 << 30, 1), (1 << 30, -2), -128, 127)
    -1
    >>> leaky_relu_element(100, 0, 0, (1 << 30, 1), (1 << 30, -2), -128, 127)
    100
    """
    v = q - zp_in
    m, s = ident if v >= 0 else alpha
    return max(lo, min(hi, zp_out + fx.mbqm(v, m, s)))


@register("LEAKY_RELU")
def leaky_relu(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("int8", "int16", "float32"), "input")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    if x.dtype == "float32":
        lw.need(x.shape == y.shape, op, "input and output shapes differ")
        alpha = float(f32(op.options.get("alpha", 0.2)))
        return Call(op, "tslm_leaky_relu_f32", "tslm_float", [Lit(str(x.numel)), Lit(repr(alpha) + "f"), T(x.index),
                    T(y.index)], note=f"float32, alpha {alpha:.6g}", inplace=[(x.index, y.index)], reads=[x.index],
                    writes=[y.index])
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    alpha = float(op.options.get("alpha", 0.2))
    ident, alph = leaky_relu_multipliers(x.scale, y.scale, alpha)
    note = f"alpha {alpha:.6g}"
    if x.dtype == "int8":
        return lw.lut(op, lambda q: leaky_relu_element(q, x.zero_point, y.zero_point, ident, alph, -128, 127),
                      f"{note}: a table of the 256 inputs")
    for t, role in ((x, "input"), (y, "output")):
        lw.need(t.zero_point == 0, op, f"int16 {role} has zero point {t.zero_point}; TFLM's int16 LEAKY_RELU "
                "needs zero point 0", tensor=t.index)
    lw.need(alph[0] >= 0, op, f"alpha {alpha:.6g} < 0 is not supported for int16", tensor=x.index)
    params = LeakyReluParams(x.numel, x.zero_point, y.zero_point, ident[0], ident[1], alph[0], alph[1])
    return Call(op, "tslm_leaky_relu_s16", "tslm_leaky_relu", [T(x.index), T(y.index)], params=params,
                note=note, inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])
