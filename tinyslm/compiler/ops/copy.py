"""Ops that only move bytes: TRANSPOSE, STRIDED_SLICE, SLICE (one strided gather), CONCATENATION, PAD/PADV2."""

from __future__ import annotations

import math

import numpy as np

from ..ir import Operator
from ..lowering import MAX_DIMS, Call, ConstArray, Lowering, Ref, Step, T, TList
from . import ANY, register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "CONCATENATION": ANY,
    "PAD": "int8 int16 float32 | int32",
    "PADV2": "int8 int16 float32 | int32",
    "SLICE": ANY,
    "STRIDED_SLICE": ANY + ": no ellipsis or new-axis masks",
    "TRANSPOSE": ANY,
}



@register('TRANSPOSE')
def transpose(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    perm = [int(v) for v in lw.const(op, op.inputs[1], "permutation")]
    rank = len(x.shape)
    lw.need(sorted(perm) == list(range(rank)), op, f"permutation {perm} is not a permutation of {rank} axes")
    st = lw.strides(list(x.shape))
    dims = [x.shape[p] for p in perm]
    lw.need(list(y.shape) == dims, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(dims)}")
    return lw.gather_call(op, x, y, dims, [st[p] for p in perm], 0, f"perm {perm}")


@register('STRIDED_SLICE')
def strided_slice(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 4)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    rank = len(x.shape)
    begin = [int(v) for v in lw.const(op, op.inputs[1], "begin")]
    end = [int(v) for v in lw.const(op, op.inputs[2], "end")]
    strides = [int(v) for v in lw.const(op, op.inputs[3], "strides")]
    o = op.options
    lw.need(o.get("ellipsis_mask", 0) == 0 and o.get("new_axis_mask", 0) == 0, op,
              "ellipsis and new-axis masks are not supported")
    lw.need(len(begin) == len(end) == len(strides) <= rank, op, "begin/end/strides lengths differ from rank")
    n = len(begin)
    begin += [0] * (rank - n)
    end += [0] * (rank - n)
    strides += [1] * (rank - n)
    bm, em, sm = o.get("begin_mask", 0), o.get("end_mask", 0), o.get("shrink_axis_mask", 0)
    bm |= sum(1 << d for d in range(n, rank))
    em |= sum(1 << d for d in range(n, rank))
    if o.get("offset", False):
        end = [b + e for b, e in zip(begin, end)]
    ist = lw.strides(list(x.shape))
    dims, in_strides, start_off, kept = [], [], 0, []
    for d in range(rank):
        size, step = x.shape[d], strides[d]
        lw.need(step != 0, op, "stride 0")
        lo_i, hi_i = -(1 << 31), (1 << 31) - 1
        start = begin[d]
        if bm & (1 << d):
            start = lo_i if step > 0 else hi_i
        if start < 0:
            start += size
        start = min(max(start, 0), size) if step > 0 else min(max(start, -1), size - 1)
        if sm & (1 << d):
            stop = start + 1
        else:
            stop = end[d]
            if em & (1 << d):
                stop = hi_i if step > 0 else lo_i
            if stop < 0:
                stop += size
            stop = min(max(stop, 0), size) if step > 0 else min(max(stop, -1), size - 1)
        count = max(0, math.ceil((stop - start) / step))
        if sm & (1 << d):
            lw.need(count == 1, op, f"shrunk axis {d} selects no element")
        start_off += max(start, 0) * ist[d] if count else 0
        if not sm & (1 << d):
            kept.append(count)
        dims.append(count)
        in_strides.append(step * ist[d])
    lw.need(list(y.shape) == kept, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(kept)}")
    return lw.gather_call(op, x, y, dims, in_strides, start_off,
                             f"begin {begin[:n]} end {end[:n]} strides {strides[:n]}")


@register('SLICE')
def slice(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 3)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    begin = [int(v) for v in lw.const(op, op.inputs[1], "begin")]
    size = [int(v) for v in lw.const(op, op.inputs[2], "size")]
    rank = len(x.shape)
    lw.need(len(begin) == len(size) == rank, op, "begin/size lengths differ from rank")
    size = [x.shape[d] - begin[d] if size[d] == -1 else size[d] for d in range(rank)]
    for d in range(rank):
        lw.need(0 <= begin[d] and begin[d] + size[d] <= x.shape[d], op, f"slice out of range on axis {d}")
    ist = lw.strides(list(x.shape))
    return lw.gather_call(op, x, y, size, ist, sum(b * s for b, s in zip(begin, ist)),
                             f"begin {begin} size {size}")


@register('CONCATENATION')
def concatenation(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expected inputs and one output")
    y = lw.t(op.outputs[0])
    xs = [lw.t(i) for i in op.inputs]
    rank = len(y.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    lw.need(0 <= axis < rank, op, f"axis {op.options.get('axis')} out of range")
    lw.need(op.options.get("fused_activation_function", "NONE") == "NONE", op,
              "fused activation on CONCATENATION is not supported")
    total = 0
    for x in xs:
        lw.need(x.dtype == y.dtype and len(x.shape) == rank, op, f"input {x.describe()} does not match output")
        for d in range(rank):
            if d != axis:
                lw.need(x.shape[d] == y.shape[d], op, f"input {lw.shape_str(x.shape)} differs off-axis")
        total += x.shape[axis]
    lw.need(total == y.shape[axis], op, "inputs do not add up to the output along the axis")
    outer = int(np.prod(y.shape[:axis])) if axis else 1
    inner = int(np.prod(y.shape[axis + 1:])) if axis + 1 < rank else 1
    sizes = ConstArray(lw.name(op, "bytes"), "int32_t",
                       np.array([x.shape[axis] * inner * x.itemsize for x in xs], dtype=np.int64),
                       "bytes each input contributes per outer step")
    params = dict(outer=outer, count=len(xs), bytes=Ref(sizes.name))
    return Call(op, "tslm_concatenation", "tslm_copy", [TList(tuple(x.index for x in xs)), T(y.index)], "tslm_concat_params",
                params, [sizes], note=f"{len(xs)} inputs on axis {axis}",
                reads=[x.index for x in xs], writes=[y.index])


@register('PAD', 'PADV2')
def pad(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    lw.need(x.dtype in ("int8", "int16", "float32", "int32"), op, f"type {x.dtype} not supported")
    rank = len(x.shape)
    pads = np.asarray(lw.const(op, op.inputs[1], "paddings")).reshape(-1, 2)
    lw.need(pads.shape[0] == rank and (pads >= 0).all(), op, "paddings must be non-negative, one pair per axis")
    dims = [int(x.shape[d] + pads[d, 0] + pads[d, 1]) for d in range(rank)]
    lw.need(list(y.shape) == dims, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(dims)}")
    if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
        value = np.asarray(lw.const(op, op.inputs[2], "constant value")).reshape(-1)[0]
    else:
        value = y.zero_point if y.quant is not None else 0
    ctype = x.ctype
    pv = ConstArray(lw.name(op, "pad_value"), ctype, np.array([value]), "value of the border")
    ost = lw.strides(dims)
    params = dict(output_bytes=y.nbytes, elem_size=x.itemsize, dims=lw.right_align(x.shape),
                  out_strides=[0] * (MAX_DIMS - rank) + ost,
                  out_start=int(sum(int(pads[d, 0]) * ost[d] for d in range(rank))))
    return Call(op, "tslm_pad", "tslm_copy", [T(x.index), Ref(pv.name), T(y.index)], "tslm_pad_params", params,
                [pv], note=f"paddings {pads.tolist()} value {value}", reads=[x.index], writes=[y.index])
