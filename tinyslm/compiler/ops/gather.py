"""Ops that move elements by a constant rule: DEPTH_TO_SPACE, SPACE_TO_DEPTH, BATCH_TO_SPACE_ND,
SPACE_TO_BATCH_ND, REVERSE_V2, BROADCAST_TO, GATHER and GATHER_ND with constant indices, MIRROR_PAD,
RESIZE_NEAREST_NEIGHBOR; and GATHER with indices known at run time (tslm_gather_rows).

Each handler applies the op, with numpy, to the array of the input's element numbers: the result
says which input element every output element is. That table then becomes the
cheapest kernel call that walks it: a strided copy (tslm_strided_copy) when every axis steps
evenly, an index gather with one small offset table per output axis when the table is a sum of
per-axis terms (tslm_index_gather), or one offset per output element otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import Operator, Tensor
from ..lowering import MAX_DIMS, Call, ConstArray, KernelParams, Lowering, Ref, Step, T
from . import ANY, register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "BATCH_TO_SPACE_ND": ANY + ": 3-D or 4-D",
    "BROADCAST_TO": ANY,
    "DEPTH_TO_SPACE": ANY,
    "GATHER": ANY + ": constant or run-time int32/int64 indices (axis, no batch_dims)",
    "GATHER_ND": ANY + ": constant indices",
    "MIRROR_PAD": ANY + ": REFLECT, SYMMETRIC",
    "RESIZE_NEAREST_NEIGHBOR": ANY + ": align_corners, half_pixel_centers",
    "REVERSE_V2": ANY,
    "SPACE_TO_BATCH_ND": ANY + ": without paddings (TFLM leaves the padding's value unset)",
    "SPACE_TO_DEPTH": ANY,
}


MOVABLE = ("int8", "int16", "int32", "int64", "float32", "bool", "uint8")


@dataclass
class IndexGatherParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_index_gather_params"
    dims: list[int]
    offsets: Ref
    elem_size: int


def _arith(v: np.ndarray) -> int | None:
    """The common step of an arithmetic progression (None if it is not one).

    >>> _arith(np.array([3, 5, 7])), _arith(np.array([0, 2, 3])), _arith(np.array([4]))
    (2, None, 0)
    """
    if v.size < 2:
        return 0
    d = np.diff(v)
    return int(d[0]) if (d == d[0]).all() else None


def separate(idx: np.ndarray) -> list[np.ndarray] | None:
    """Per-axis tables whose outer sum is idx (None if idx is not such a sum).

    >>> [t.tolist() for t in separate(np.add.outer(np.array([0, 10]), np.array([3, 1, 2])))]
    [[3, 13], [0, -2, -1]]
    >>> separate(np.array([[0, 1], [2, 4]])) is None
    True
    """
    origin = (0,) * idx.ndim
    tables = []
    for d in range(idx.ndim):
        sl = list(origin)
        sl[d] = slice(None)
        t = idx[tuple(sl)].astype(np.int64)
        tables.append(t - (idx[origin] if d else 0))
    total = tables[0]
    for t in tables[1:]:
        total = np.add.outer(total, t)
    return tables if np.array_equal(total.reshape(idx.shape), idx) else None


def contiguous_rows(tables: list[np.ndarray]) -> list[np.ndarray]:
    """Per-axis tables with the innermost axis folded into the element when it copies whole runs of the input
    (its table 0, 1, ..., n-1 and every other offset a multiple of n): offsets then count runs of n elements,
    and each output row is one copy (a nearest-neighbour resize copies a pixel's channels at once).

    >>> [t.tolist() for t in contiguous_rows([np.array([0, 6]), np.array([0, 3, 3]), np.arange(3)])]
    [[0, 2], [0, 1, 1]]
    >>> len(contiguous_rows([np.array([0, 4]), np.array([0, 2, 1])]))  # a reversed innermost axis stays
    2
    """
    n = len(tables[-1])
    if len(tables) < 2 or n < 2 or not np.array_equal(tables[-1], np.arange(n)) or \
            any((t % n != 0).any() for t in tables[:-1]):
        return tables
    return [t // n for t in tables[:-1]]


def move(lw: Lowering, op: Operator, x: Tensor, y: Tensor, idx: np.ndarray, note: str) -> Call:
    """Lower 'output element i is input element idx[i]' to one kernel call."""
    lw.need(x.dtype in MOVABLE, op, f"type {x.dtype} not supported", tensor=x.index)
    lw.need(x.dtype == y.dtype, op, f"input {x.dtype} and output {y.dtype} types differ")
    lw.need(idx.size == y.numel, op, f"output {lw.shape_str(y.shape)} does not match the computed "
            f"{lw.shape_str(idx.shape)}")
    lw.need(x.numel < (1 << 30), op, "input too large for 32-bit offsets")
    idx = idx.reshape(y.shape) if y.shape else idx.reshape(1)
    while idx.ndim > MAX_DIMS:  # fold leading axes (the full table below still holds)
        idx = idx.reshape((-1, *idx.shape[2:]))
    steps = [_arith(np.moveaxis(idx, d, 0)[(slice(None),) + (0,) * (idx.ndim - 1)]) for d in range(idx.ndim)]
    if all(s is not None for s in steps):
        base = int(idx.reshape(-1)[0])
        expect = base + sum(np.arange(n).reshape([-1 if k == d else 1 for k in range(idx.ndim)]) * s
                            for d, (n, s) in enumerate(zip(idx.shape, steps)))
        if np.array_equal(np.broadcast_to(expect, idx.shape), idx):
            return lw.gather_call(op, x, y, list(idx.shape), [int(s) for s in steps], base, note)  # type: ignore[arg-type]
    tables = separate(idx)
    elem_size = x.itemsize
    if tables is None:  # one offset per output element
        dims = [1] * (MAX_DIMS - 1) + [idx.size]
        parts = [np.zeros(1, np.int64)] * (MAX_DIMS - 1) + [idx.reshape(-1)]
        what = "input offset of every output element"
    else:
        shape, tables = list(idx.shape), contiguous_rows(tables)
        if len(tables) < len(shape):  # the innermost axis is whole runs of the input: one copy each
            elem_size *= shape.pop()
        dims = lw.right_align(shape)
        parts = [np.zeros(1, np.int64)] * (MAX_DIMS - len(shape)) + tables
        what = "input offsets per output axis (summed)"
    offs = ConstArray(lw.name(op, "offsets"), "int32_t", np.concatenate(parts), what)
    params = IndexGatherParams(dims=dims, offsets=Ref(offs.name), elem_size=elem_size)
    return Call(op, "tslm_index_gather", "tslm_gather", [T(x.index), T(y.index)], params=params,
                consts=[offs], note=note, reads=[x.index], writes=[y.index])


def _io(lw: Lowering, op: Operator, n_in: int) -> tuple[Tensor, Tensor, np.ndarray]:
    lw.io(op, n_in)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    return x, y, np.arange(x.numel, dtype=np.int64).reshape(x.shape)


def _ints(lw: Lowering, op: Operator, pos: int, role: str) -> list[int]:
    return [int(v) for v in np.asarray(lw.const(op, op.inputs[pos], role)).reshape(-1)]


def _nhwc(lw: Lowering, op: Operator, x: Tensor) -> tuple[int, int, int, int]:
    lw.need(len(x.shape) == 4, op, f"input must be 4-D (NHWC), got {lw.shape_str(x.shape)}", tensor=x.index)
    return x.shape  # type: ignore[return-value]


@register('DEPTH_TO_SPACE')
def depth_to_space(lw: Lowering, op: Operator) -> Step:
    x, y, idx = _io(lw, op, 1)
    n, h, w, c = _nhwc(lw, op, x)
    bs = int(op.options.get("block_size", 0))
    lw.need(bs >= 1 and c % (bs * bs) == 0, op, f"block size {bs} does not divide the {c} channels")
    out = idx.reshape(n, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
    return move(lw, op, x, y, out.reshape(n, h * bs, w * bs, -1), f"block {bs}")


@register('SPACE_TO_DEPTH')
def space_to_depth(lw: Lowering, op: Operator) -> Step:
    x, y, idx = _io(lw, op, 1)
    n, h, w, c = _nhwc(lw, op, x)
    bs = int(op.options.get("block_size", 0))
    lw.need(bs >= 1 and h % bs == 0 and w % bs == 0, op, f"block size {bs} does not divide {h}x{w}")
    out = idx.reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
    return move(lw, op, x, y, out.reshape(n, h // bs, w // bs, -1), f"block {bs}")


def _spatial(lw: Lowering, op: Operator, x: Tensor) -> tuple[np.ndarray, bool]:
    """3-D inputs are 4-D ones with a width of 1 (TFLM does the same)."""
    lw.need(len(x.shape) in (3, 4), op, f"input must be 3-D or 4-D, got {lw.shape_str(x.shape)}", tensor=x.index)
    idx = np.arange(x.numel, dtype=np.int64).reshape(x.shape)
    return (idx[:, :, None, :], True) if len(x.shape) == 3 else (idx, False)


@register('BATCH_TO_SPACE_ND')
def batch_to_space(lw: Lowering, op: Operator) -> Step:
    x, y, _ = _io(lw, op, 3)
    idx, three = _spatial(lw, op, x)
    block = _ints(lw, op, 1, "block shape") + ([1] if three else [])
    crops = _ints(lw, op, 2, "crops") + ([0, 0] if three else [])
    lw.need(len(block) == 2 and len(crops) == 4 and min(block) >= 1 and min(crops) >= 0, op,
            "block shape and crops must give 2 spatial axes")
    b, h, w, c = idx.shape
    bh, bw = block
    lw.need(b % (bh * bw) == 0, op, f"batch {b} is not a multiple of the block {bh}x{bw}")
    nb = b // (bh * bw)
    out = idx.reshape(bh, bw, nb, h, w, c).transpose(2, 3, 0, 4, 1, 5).reshape(nb, h * bh, w * bw, c)
    out = out[:, crops[0]:h * bh - crops[1], crops[2]:w * bw - crops[3], :]
    return move(lw, op, x, y, out, f"block {block[:2 - three]} crops {crops[:4 - 2 * three]}")


@register('SPACE_TO_BATCH_ND')
def space_to_batch(lw: Lowering, op: Operator) -> Step:
    x, y, _ = _io(lw, op, 3)
    idx, three = _spatial(lw, op, x)
    block = _ints(lw, op, 1, "block shape") + ([1] if three else [])
    pads = _ints(lw, op, 2, "paddings") + ([0, 0] if three else [])
    lw.need(len(block) == 2 and len(pads) == 4 and min(block) >= 1 and min(pads) >= 0, op,
            "block shape and paddings must give 2 spatial axes")
    bh, bw = block
    # TFLM leaves the padding's value unset (it differs between runs of its interpreter): nothing to match.
    lw.need(max(pads) == 0, op, f"paddings {pads[:4 - 2 * three]}: TFLM fills the padding with an unset value",
            "pad with a PAD op before SPACE_TO_BATCH_ND")
    b, h, w, c = idx.shape
    lw.need(h % bh == 0 and w % bw == 0, op, f"padded {h}x{w} is not a multiple of the block {bh}x{bw}")
    out = idx.reshape(b, h // bh, bh, w // bw, bw, c).transpose(2, 4, 0, 1, 3, 5).reshape(b * bh * bw, h // bh, w // bw, c)
    return move(lw, op, x, y, out, f"block {block[:2 - three]}")


@register('REVERSE_V2')
def reverse(lw: Lowering, op: Operator) -> Step:
    x, y, idx = _io(lw, op, 2)
    rank = len(x.shape)
    axes = sorted({a + rank if a < 0 else a for a in _ints(lw, op, 1, "axis")})
    lw.need(all(0 <= a < rank for a in axes), op, f"axis out of range for rank {rank}")
    return move(lw, op, x, y, np.flip(idx, axis=axes) if axes else idx, f"axes {axes}")


@register('BROADCAST_TO')
def broadcast_to(lw: Lowering, op: Operator) -> Step:
    x, y, idx = _io(lw, op, 2)
    shape = _ints(lw, op, 1, "shape")
    lw.need(len(shape) >= len(x.shape), op, f"cannot broadcast {lw.shape_str(x.shape)} to {lw.shape_str(shape)}")
    try:
        out = np.broadcast_to(idx, shape)
    except ValueError:
        raise lw.fail(op, f"cannot broadcast {lw.shape_str(x.shape)} to {lw.shape_str(shape)}") from None
    return move(lw, op, x, y, out, f"{lw.shape_str(x.shape)} -> {lw.shape_str(shape)}")


@register('GATHER')
def gather(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    ind_t = lw.t(op.inputs[1])
    lw.need(ind_t.dtype in ("int32", "int64"), op, f"indices of type {ind_t.dtype}", tensor=ind_t.index)
    rank = len(x.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    batch_dims = int(op.options.get("batch_dims", 0))
    lw.need(0 <= axis < rank, op, f"axis {op.options.get('axis')} out of range")
    lw.need(batch_dims == 0, op, "batch_dims other than 0 is not supported")
    if not ind_t.is_const:
        return gather_rows(lw, op, x, y, ind_t, axis)
    ind = np.asarray(ind_t.data).astype(np.int64)
    lw.need(bool(((ind >= 0) & (ind < x.shape[axis])).all()), op,
            f"an index is outside 0..{x.shape[axis] - 1}", tensor=ind_t.index)
    idx = np.arange(x.numel, dtype=np.int64).reshape(x.shape)
    return move(lw, op, x, y, np.take(idx, ind, axis=axis), f"{ind.size} constant indices on axis {axis}")


@register('GATHER_ND')
def gather_nd(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.same_quant(op, x, y)
    ind = np.asarray(lw.const(op, op.inputs[1], "indices")).astype(np.int64)
    lw.need(ind.ndim >= 1 and 1 <= ind.shape[-1] <= len(x.shape), op, "indices' last dimension must be 1..rank")
    k = ind.shape[-1]
    for d in range(k):
        lw.need(bool(((ind[..., d] >= 0) & (ind[..., d] < x.shape[d])).all()), op,
                f"an index on axis {d} is outside 0..{x.shape[d] - 1}")
    idx = np.arange(x.numel, dtype=np.int64).reshape(x.shape)
    out = idx[tuple(ind[..., d] for d in range(k))]
    return move(lw, op, x, y, out, f"{ind.size // k} constant index tuples of {k}")


@register('MIRROR_PAD')
def mirror_pad(lw: Lowering, op: Operator) -> Step:
    x, y, idx = _io(lw, op, 2)
    rank = len(x.shape)
    pads = np.asarray(lw.const(op, op.inputs[1], "paddings")).astype(np.int64)
    lw.need(pads.size == 2 * rank and (pads >= 0).all(), op, "paddings must be non-negative, one pair per axis")
    pads = pads.reshape(rank, 2)
    mode = op.options.get("mode", "REFLECT")
    mode = {0: "REFLECT", 1: "SYMMETRIC"}.get(mode, mode)  # type: ignore[call-overload]
    lw.need(mode in ("REFLECT", "SYMMETRIC"), op, f"mode {mode} not supported")
    limit = 0 if mode == "SYMMETRIC" else 1
    for d in range(rank):
        lw.need(max(pads[d]) <= x.shape[d] - limit, op, f"padding {pads[d].tolist()} too large for axis {d}")
    out = np.pad(idx, [tuple(int(v) for v in p) for p in pads], mode=mode.lower())
    return move(lw, op, x, y, out, f"{mode.lower()} {pads.tolist()}")


def nearest_index(out_size: int, in_size: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    """TFLM's GetNearestNeighbor for every output position, in float32 as TFLM computes it.

    >>> nearest_index(6, 3, False, False).tolist(), nearest_index(5, 3, True, False).tolist()
    ([0, 0, 1, 1, 2, 2], [0, 1, 1, 2, 2])
    """
    f = np.float32
    if align_corners and out_size > 1:
        scale = f(in_size - 1) / f(out_size - 1)
    else:
        scale = f(in_size) / f(out_size)
    offset = f(0.5) if half_pixel else f(0.0)
    out = []
    for i in range(out_size):
        v = (f(i) + offset) * scale
        if align_corners:
            j = int(np.floor(v + f(0.5))) if v >= 0 else -int(np.floor(-v + f(0.5)))  # std::round
        else:
            j = int(np.floor(v))
        j = min(j, in_size - 1)
        out.append(max(0, j) if half_pixel else j)
    return np.array(out, dtype=np.int64)


@register('RESIZE_NEAREST_NEIGHBOR')
def resize_nearest(lw: Lowering, op: Operator) -> Step:
    x, y, idx = _io(lw, op, 2)
    n, h, w, c = _nhwc(lw, op, x)
    size = _ints(lw, op, 1, "size")
    lw.need(len(size) == 2 and min(size) >= 1, op, f"size {size} must be two positive numbers")
    ac, hp = bool(op.options.get("align_corners", False)), bool(op.options.get("half_pixel_centers", False))
    rows = nearest_index(size[0], h, ac, hp)
    cols = nearest_index(size[1], w, ac, hp)
    out = idx[:, rows][:, :, cols]
    return move(lw, op, x, y, out, f"{h}x{w} -> {size[0]}x{size[1]}" + (" align_corners" if ac else "")
                + (" half_pixel_centers" if hp else ""))


@dataclass
class GatherRowsParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_gather_rows_params"
    outer: int
    axis_size: int
    inner_bytes: int
    count: int
    index_int64: int


def gather_rows(lw: Lowering, op: Operator, x: Tensor, y: Tensor, ind: Tensor, axis: int) -> Step:
    """GATHER whose indices arrive at run time (token ids into an embedding table, say)."""
    lw.need(x.dtype in MOVABLE, op, f"type {x.dtype} not supported", tensor=x.index)
    shape = list(x.shape[:axis]) + list(ind.shape) + list(x.shape[axis + 1:])
    lw.need(list(y.shape) == shape, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(shape)}")
    outer = int(np.prod(x.shape[:axis])) if axis else 1
    inner = int(np.prod(x.shape[axis + 1:])) if axis + 1 < len(x.shape) else 1
    params = GatherRowsParams(outer, x.shape[axis], inner * x.itemsize, ind.numel, int(ind.dtype == "int64"))
    return Call(op, "tslm_gather_rows", "tslm_gather", [T(x.index), T(ind.index), T(y.index)], params=params,
                note=f"{ind.numel} run-time indices on axis {axis} of {lw.shape_str(x.shape)} (an index out of "
                "range gives zeros, where TFLM stops with an error)", reads=[x.index, ind.index], writes=[y.index])
