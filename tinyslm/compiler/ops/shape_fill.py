"""SHAPE (the static shape, written from flash), ZEROS_LIKE (memset) and FILL with constant dims
(the value broadcast by a strided copy with stride 0)."""

from __future__ import annotations

import numpy as np

from ..ir import Operator
from ..lowering import Call, ConstArray, Lit, Lowering, Ref, Step, T
from . import register
from .gather import MOVABLE


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
