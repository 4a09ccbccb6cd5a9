"""CAST between bool, int8, int16, int32, int64 and float32 (tslm_cast; TFLM's static_cast)."""

from __future__ import annotations

from ..ir import Operator
from ..lowering import Call, Lit, Lowering, Step, T
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "CAST": "int8 int16 float32 | int32 int64 bool",
}


TYPES = {"bool": "TSLM_T_BOOL", "int8": "TSLM_T_INT8", "int16": "TSLM_T_INT16", "int32": "TSLM_T_INT32",
         "int64": "TSLM_T_INT64", "float32": "TSLM_T_FLOAT32"}


@register('CAST')
def cast(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    for t, role in ((x, "input"), (y, "output")):
        lw.need(t.dtype in TYPES, op, f"{role} type {t.dtype} not supported ({', '.join(TYPES)})", tensor=t.index)
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    float_to_int = x.dtype == "float32" and y.dtype not in ("float32", "bool")
    return Call(op, "tslm_cast", "tslm_cast", [Lit(str(x.numel)), Lit(TYPES[x.dtype]), Lit(TYPES[y.dtype]),
                T(x.index), T(y.index)], note=f"{x.dtype} -> {y.dtype}" + (
                " (out-of-range floats are undefined, in C as in TFLM)" if float_to_int else ""),
                reads=[x.index], writes=[y.index])
