"""DIV (int8: TFLM's DivElementwise, with the reciprocal of each possible divisor tabulated here;
float32: compare.float_arith) and PRELU (int8; float32: compare.float_arith), broadcasting (tslm_compare).

int8 DIV's last rounding divides by 2^e with e often above 31 (small numerators), which C++ leaves
undefined; tslm_div_s8 computes it as TFLM built for x86 (the oracle) does, on every target, so it
matches the oracle (TFLM itself on an Arm core gives other bytes there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import Call, ConstArray, KernelParams, Lowering, Ref, Step, T
from ..quantization import activation_range, f32, quantize_multiplier
from . import register
from .compare import broadcast, float_arith

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "DIV": "int8 float32: broadcasting; int8 as TFLM on x86 computes it (its last shift is undefined C++ for small numerators)",
    "PRELU": "int8 float32: broadcast alpha",
}




@dataclass
class DivParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_div_params"
    dims: list[int]
    strides0: list[int]
    strides1: list[int]
    input1_offset: int
    input2_offset: int
    output_offset: int
    output_multiplier: int
    output_shift: int
    act_min: int
    act_max: int
    reciprocals: Ref


@dataclass
class PreluParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_prelu_params"
    dims: list[int]
    strides0: list[int]
    strides1: list[int]
    input_offset: int
    alpha_offset: int
    output_offset: int
    multiplier_positive: int
    shift_positive: int
    multiplier_negative: int
    shift_negative: int


def clrsb(x: int) -> int:
    """CountLeadingSignBits of an int32 (31 for 0 and -1).

    >>> clrsb(0), clrsb(-1), clrsb(1), clrsb(-128), clrsb(255)
    (31, 31, 30, 24, 23)
    """
    u = ~x if x < 0 else x
    return 31 - (u & 0xFFFFFFFF).bit_length()




@register('DIV')
def div(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_arith(lw, op)
    lw.io(op, 2)
    a = lw.dtype(op, op.inputs[0], ("int8",), "input 1")
    b = lw.dtype(op, op.inputs[1], ("int8",), "input 2")
    y = lw.dtype(op, op.outputs[0], ("int8",), "output")
    for t, role in ((a, "input 1"), (b, "input 2"), (y, "output")):
        lw.per_tensor(op, t, role)
        lw.need(t.scale > 0, op, f"{role} has scale {t.scale}", tensor=t.index)
    dims, (s0, s1) = broadcast(lw, op, [a, b], y)
    # TFLM computes s1 / (s2 * s_out) in float32
    mult, shift = quantize_multiplier(float(f32(a.scale) / (f32(b.scale) * f32(y.scale))))
    act = op.options.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
    recips = [fx.get_reciprocal(v, 31) for v in range(1, 257)]
    # TFLM's last rounding divides by 2^-(shift - recip_shift - headroom): that exponent must not go negative
    worst = shift - min(r[1] for r in recips) - min(clrsb(s * (q - a.zero_point)) for q in range(-128, 128) for s in (1, -1))
    lw.need(worst <= 0, op, f"scales give a left shift ({worst}) in TFLM's last rounding step, which its kernel "
            "does not define", tensor=y.index)
    table = ConstArray(lw.name(op, "reciprocals"), "int32_t", np.array(recips, dtype=np.int64).reshape(-1),
                       "GetReciprocal(y, 31) and its shift for y = 1..256")
    params = DivParams(dims, s0, s1, -a.zero_point, -b.zero_point, y.zero_point, mult, shift, lo, hi, Ref(table.name))
    return Call(op, "tslm_div_s8", "tslm_compare", [T(a.index), T(b.index), T(y.index)], params=params,
                consts=[table], note=f"{lw.shape_str(a.shape)} / {lw.shape_str(b.shape)}",
                reads=[a.index, b.index], writes=[y.index])


@register('PRELU')
def prelu(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_arith(lw, op)
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("int8",), "input")
    al = lw.dtype(op, op.inputs[1], ("int8",), "alpha")
    y = lw.dtype(op, op.outputs[0], ("int8",), "output")
    for t, role in ((x, "input"), (al, "alpha"), (y, "output")):
        lw.per_tensor(op, t, role)
        lw.need(t.scale > 0, op, f"{role} has scale {t.scale}", tensor=t.index)
    dims, (s0, s1) = broadcast(lw, op, [x, al], y)
    m1, sh1 = quantize_multiplier(float(x.scale) / float(y.scale))
    m2, sh2 = quantize_multiplier(float(x.scale) * float(al.scale) / float(y.scale))
    params = PreluParams(dims, s0, s1, -x.zero_point, -al.zero_point, y.zero_point, m1, sh1, m2, sh2)
    return Call(op, "tslm_prelu_s8", "tslm_compare", [T(x.index), T(al.index), T(y.index)], params=params,
                note=f"alpha {lw.shape_str(al.shape)}", reads=[x.index, al.index], writes=[y.index])
