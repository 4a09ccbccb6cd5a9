"""ADD_N and CUMSUM in float32 (the converter keeps them in float between DEQUANTIZE and QUANTIZE),
EMBEDDING_LOOKUP (float32 or int8 rows gathered; an int8 table
into float32 rows dequantized, TFLM's hybrid path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Step, T, TList
from . import register
from .gather import gather_rows
from .split import const_scalar

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "ADD_N": "float32",
    "CUMSUM": "float32: exclusive, reverse",
    "EMBEDDING_LOOKUP": "int8 float32: int32 ids; an int8 table into float32 rows (hybrid) too",
}



@dataclass
class CumsumParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_cumsum_params"
    outer: int
    axis_size: int
    inner: int
    exclusive: int
    reverse: int


@register('EMBEDDING_LOOKUP')
def embedding_lookup(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    ids = lw.dtype(op, op.inputs[0], ("int32",), "lookup")
    table = lw.dtype(op, op.inputs[1], ("float32", "int8"), "value")
    y = lw.dtype(op, op.outputs[0], ("float32",) if table.dtype == "float32" else ("int8", "float32"), "output")
    lw.need(len(ids.shape) == 1, op, f"lookup must be 1-D, got {lw.shape_str(ids.shape)}", tensor=ids.index)
    lw.need(len(table.shape) >= 2, op, f"value must have 2 or more dimensions, has {len(table.shape)}",
            tensor=table.index)
    if not (table.dtype == "int8" and y.dtype == "float32"):
        if table.quant and y.quant:
            lw.same_quant(op, table, y)
        return gather_rows(lw, op, table, y, ids, 0)
    # hybrid: int8 rows dequantized with the table's scale (TFLM requires zero point 0)
    lw.per_tensor(op, table, "value")
    lw.need(table.zero_point == 0, op, f"int8 value has zero point {table.zero_point} (TFLM requires 0)",
            tensor=table.index)
    shape = [ids.numel] + list(table.shape[1:])
    lw.need(list(y.shape) == shape, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(shape)}")
    cols = table.numel // table.shape[0]
    return Call(op, "tslm_embedding_lookup_s8_f32", "tslm_gather",
                [Lit(str(ids.numel)), T(ids.index), Lit(str(table.shape[0])), Lit(str(cols)), T(table.index),
                 Lit(repr(float(np.float32(table.scale))) + "f"), T(y.index)],
                note=f"{ids.numel} ids into int8 {lw.shape_str(table.shape)}, dequantized (scale {table.scale:.6g})",
                reads=[ids.index, table.index], writes=[y.index])


@register('ADD_N')
def add_n(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expected inputs and one output")
    xs = [lw.dtype(op, i, ("float32",), f"input {k + 1}") for k, i in enumerate(op.inputs)]
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    for x in xs:
        lw.need(x.shape == y.shape, op, f"input {lw.shape_str(x.shape)} differs from the output's shape")
    return Call(op, "tslm_add_n_f32", "tslm_float", [Lit(str(y.numel)), Lit(str(len(xs))),
                TList(tuple(x.index for x in xs)), T(y.index)], note=f"{len(xs)} inputs, float32",
                reads=[x.index for x in xs], writes=[y.index])


@register('CUMSUM')
def cumsum(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    rank = len(x.shape)
    axis = const_scalar(lw, op, 1, "axis")
    axis = axis + rank if axis < 0 else axis
    lw.need(0 <= axis < rank, op, f"axis out of range for rank {rank}")
    ex, rev = bool(op.options.get("exclusive", False)), bool(op.options.get("reverse", False))
    params = CumsumParams(int(np.prod(x.shape[:axis])) if axis else 1, x.shape[axis],
                          int(np.prod(x.shape[axis + 1:])) if axis + 1 < rank else 1, int(ex), int(rev))
    return Call(op, "tslm_cumsum_f32", "tslm_float", [T(x.index), T(y.index)], params=params,
                note=f"axis {axis}" + (" exclusive" if ex else "") + (" reverse" if rev else ""),
                reads=[x.index], writes=[y.index])
