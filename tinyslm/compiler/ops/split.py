"""SPLIT, SPLIT_V, UNPACK (one input, several outputs: tslm_split) and PACK (tslm_concatenation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import Operator, Tensor
from ..lowering import Call, ConstArray, KernelParams, Lowering, Ref, Step, T, TList
from . import ANY, register
from .gather import MOVABLE

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "PACK": ANY,
    "SPLIT": ANY,
    "SPLIT_V": ANY,
    "UNPACK": ANY,
}



@dataclass
class SplitParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_split_params"
    outer: int
    count: int
    bytes: Ref


def const_scalar(lw: Lowering, op: Operator, pos: int, role: str) -> int:
    """A constant input holding one integer (an axis)."""
    v = np.asarray(lw.const(op, op.inputs[pos], role)).reshape(-1)
    lw.need(v.size == 1, op, f"{role} must hold one value, holds {v.size}", tensor=op.inputs[pos])
    return int(v[0])


def _axis(lw: Lowering, op: Operator, axis: int, rank: int) -> int:
    a = axis + rank if axis < 0 else axis
    lw.need(0 <= a < rank, op, f"axis {axis} out of range for rank {rank}")
    return a


def _split(lw: Lowering, op: Operator, x: Tensor, axis: int, sizes: list[int], squeeze: bool) -> Step:
    """Cut x along axis into pieces of these sizes, one per output (squeeze: the outputs drop the axis)."""
    lw.need(x.dtype in MOVABLE, op, f"type {x.dtype} not supported", tensor=x.index)
    ys = [lw.t(i) for i in op.outputs]
    lw.need(len(ys) == len(sizes) and sum(sizes) == x.shape[axis] and min(sizes) >= 0, op,
            f"{len(ys)} outputs do not split axis {axis} of {lw.shape_str(x.shape)} as {sizes}")
    for y, n in zip(ys, sizes):
        lw.same_quant(op, x, y)
        shape = list(x.shape)
        if squeeze:
            del shape[axis]
        else:
            shape[axis] = n
        lw.need(list(y.shape) == shape, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(shape)}",
                tensor=y.index)
    outer = int(np.prod(x.shape[:axis])) if axis else 1
    inner = int(np.prod(x.shape[axis + 1:])) if axis + 1 < len(x.shape) else 1
    nbytes = ConstArray(lw.name(op, "bytes"), "int32_t", np.array([n * inner * x.itemsize for n in sizes]),
                        "bytes each output takes per outer step")
    params = SplitParams(outer=outer, count=len(ys), bytes=Ref(nbytes.name))
    return Call(op, "tslm_split", "tslm_gather", [T(x.index), TList(tuple(y.index for y in ys))], params=params,
                consts=[nbytes], note=f"{len(ys)} outputs on axis {axis}", reads=[x.index],
                writes=[y.index for y in ys])


@register('SPLIT')
def split(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 2 and len(op.outputs) >= 1, op, "expected an axis, an input and outputs")
    x = lw.t(op.inputs[1])
    rank = len(x.shape)
    axis = _axis(lw, op, const_scalar(lw, op, 0, "axis"), rank)
    n = len(op.outputs)
    lw.need(x.shape[axis] % n == 0, op, f"axis {axis} of size {x.shape[axis]} does not split in {n}")
    return _split(lw, op, x, axis, [x.shape[axis] // n] * n, False)


@register('SPLIT_V')
def split_v(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 3 and len(op.outputs) >= 1, op, "expected an input, sizes, an axis and outputs")
    x = lw.t(op.inputs[0])
    rank = len(x.shape)
    sizes = [int(v) for v in np.asarray(lw.const(op, op.inputs[1], "size_splits")).reshape(-1)]
    axis = _axis(lw, op, const_scalar(lw, op, 2, "axis"), rank)
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    return _split(lw, op, x, axis, sizes, False)


@register('UNPACK')
def unpack(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 1 and len(op.outputs) >= 1, op, "expected one input and outputs")
    x = lw.t(op.inputs[0])
    axis = _axis(lw, op, int(op.options.get("axis", 0)), len(x.shape))
    return _split(lw, op, x, axis, [1] * x.shape[axis], True)


@register('PACK')
def pack(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expected inputs and one output")
    y = lw.t(op.outputs[0])
    xs = [lw.t(i) for i in op.inputs]
    rank = len(y.shape)
    axis = _axis(lw, op, int(op.options.get("axis", 0)), rank)
    lw.need(y.dtype in MOVABLE, op, f"type {y.dtype} not supported", tensor=y.index)
    shape = list(xs[0].shape)
    for x in xs:
        lw.same_quant(op, x, y)
        lw.need(list(x.shape) == shape, op, f"input {x.describe()} differs from the first input's shape")
    lw.need(list(y.shape) == shape[:axis] + [len(xs)] + shape[axis:], op,
            f"output {lw.shape_str(y.shape)} is not {len(xs)} inputs of {lw.shape_str(shape)} stacked on axis {axis}")
    outer = int(np.prod(shape[:axis])) if axis else 1
    inner = int(np.prod(shape[axis:])) if axis < len(shape) else 1
    sizes = ConstArray(lw.name(op, "bytes"), "int32_t", np.array([inner * y.itemsize] * len(xs)),
                       "bytes each input contributes per outer step")
    params = dict(outer=outer, count=len(xs), bytes=Ref(sizes.name))
    return Call(op, "tslm_concatenation", "tslm_copy", [TList(tuple(x.index for x in xs)), T(y.index)],
                "tslm_concat_params", params, [sizes], note=f"{len(xs)} inputs on a new axis {axis}",
                reads=[x.index for x in xs], writes=[y.index])
