"""DYNAMIC_UPDATE_SLICE: the operand with an update written at run-time (or constant) start indices,
clamped as TFLM clamps them; in place over the operand when it dies there (a KV cache)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..ir import Operator
from ..lowering import MAX_DIMS, Call, KernelParams, Lowering, Step, T
from . import ANY, register
from .gather import MOVABLE

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "DYNAMIC_UPDATE_SLICE": ANY + ": starts clamped as TFLM, in place over a dying operand",
}



@dataclass
class UpdateSliceParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_update_slice_params"
    dims: list[int]
    update_dims: list[int]
    rank: int
    elem_size: int
    index_int64: int


@register('DYNAMIC_UPDATE_SLICE')
def dynamic_update_slice(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 3)
    x, u, ind = (lw.t(i) for i in op.inputs[:3])
    y = lw.t(op.outputs[0])
    lw.need(x.dtype in MOVABLE, op, f"type {x.dtype} not supported", tensor=x.index)
    lw.same_quant(op, x, y)
    lw.same_quant(op, u, y)  # TFLM copies the update's bytes
    lw.need(x.shape == y.shape, op, "operand and output shapes differ")
    rank = len(x.shape)
    lw.need(1 <= rank <= MAX_DIMS and len(u.shape) == rank, op, f"update rank {len(u.shape)} is not the operand's {rank}")
    lw.need(all(a <= b for a, b in zip(u.shape, x.shape)), op,
            f"update {lw.shape_str(u.shape)} larger than the operand {lw.shape_str(x.shape)}")
    lw.need(ind.dtype in ("int32", "int64") and ind.numel == rank, op,
            f"start indices must be {rank} int32/int64 values, got {ind.describe()}", tensor=ind.index)
    params = UpdateSliceParams(lw.right_align(x.shape), lw.right_align(u.shape), rank, x.itemsize,
                               int(ind.dtype == "int64"))
    return Call(op, "tslm_dynamic_update_slice", "tslm_gather", [T(x.index), T(u.index), T(ind.index), T(y.index)],
                params=params, note=f"{lw.shape_str(u.shape)} into {lw.shape_str(x.shape)}",
                inplace=[(x.index, y.index)], reads=[x.index, u.index, ind.index], writes=[y.index])
