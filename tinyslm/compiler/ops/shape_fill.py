"""SHAPE (the static shape, written from flash), ZEROS_LIKE (memset), FILL with constant dims
(the value broadcast by a strided copy with stride 0) and BROADCAST_ARGS (tslm_shape)."""

from __future__ import annotations

import numpy as np

from ..ir import Operator
from ..lowering import Call, ConstArray, Lit, Lowering, Ref, Step, T
from . import ANY, register
from .gather import MOVABLE

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "BROADCAST_ARGS": "| int32 int64: shapes read at run time",
    "FILL": ANY + ": constant dims (as TFLM), constant or run-time value",
    "SHAPE": "int8 int16 float32 | int32 bool: int32/int64 output, known at compile time",
    "ZEROS_LIKE": "float32 | int32 int64",
}



@register('SHAPE')
def shape(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.need(y.dtype in ("int32", "int64"), op, f"output type {y.dtype} (int32 or int64)", tensor=y.index)
    lw.need(y.numel == len(x.shape), op, f"output {lw.shape_str(y.shape)} does not hold a rank-{len(x.shape)} shape")
    dims = ConstArray(lw.name(op, "shape"), y.ctype, np.array(x.shape, dtype=np.int64), f"the shape of {x.describe()}")
    return Call(op, "memcpy", "", [T(y.index), Ref(dims.name), Lit(str(y.nbytes))], consts=[dims],
                note=f"{lw.shape_str(x.shape)}, known at compile time", writes=[y.index])


@register('ZEROS_LIKE')
def zeros_like(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.need(x.dtype in ("int32", "int64", "float32") and x.dtype == y.dtype and x.shape == y.shape, op,
            f"{x.describe()} -> {y.describe()}: ZEROS_LIKE takes int32, int64 or float32 (as TFLM)")
    return Call(op, "memset", "", [T(y.index), Lit("0"), Lit(str(y.nbytes))], note=y.dtype, writes=[y.index])


@register('FILL')
def fill(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    dims = [int(v) for v in np.asarray(lw.const(op, op.inputs[0], "dims")).reshape(-1)]
    v, y = lw.t(op.inputs[1]), lw.t(op.outputs[0])
    lw.need(v.numel == 1, op, f"the value must be a scalar, got {lw.shape_str(v.shape)}", tensor=v.index)
    lw.need(list(y.shape) == dims, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(dims)}")
    lw.need(v.dtype in MOVABLE, op, f"type {v.dtype} not supported", tensor=v.index)
    lw.same_quant(op, v, y)  # TFLM copies the value's bytes
    return lw.gather_call(op, v, y, [y.numel], [0], 0, f"{lw.shape_str(dims)} of one value")


@register('BROADCAST_ARGS')
def broadcast_args(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    a = lw.dtype(op, op.inputs[0], ("int32", "int64"), "shape 1")
    b = lw.dtype(op, op.inputs[1], (a.dtype,), "shape 2")
    y = lw.dtype(op, op.outputs[0], (a.dtype,), "output")
    for t in (a, b, y):
        lw.need(len(t.shape) == 1, op, f"shapes are 1-D, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(y.numel == max(a.numel, b.numel), op, f"output of {y.numel} dimensions for shapes of {a.numel} and {b.numel}")
    func = "tslm_broadcast_args_s32" if a.dtype == "int32" else "tslm_broadcast_args_s64"
    return Call(op, func, "tslm_shape", [Lit(str(a.numel)), T(a.index), Lit(str(b.numel)), T(b.index),
                Lit(str(y.numel)), T(y.index)], note=f"{a.dtype} shapes", reads=[a.index, b.index], writes=[y.index])
