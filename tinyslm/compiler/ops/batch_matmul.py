"""BATCH_MATMUL (adj_x/adj_y, batch broadcasting) -> tslm_batch_matmul_s8 / tslm_batch_matmul_s16."""

from __future__ import annotations

import numpy as np

from ..ir import Operator
from ..lowering import Call, Lowering, Scratch, Step, T
from ..quantization import QRANGE, quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "BATCH_MATMUL": "int8 int16 float32: adj_x/adj_y, batch broadcasting",
}



def mve_scratch(p: dict) -> int:
    """Helium (tslm_mve_batch_matmul_s8_get_buffer_size): the columns' constant terms, and for the dot products
    the rhs packed (columns by fours, depth by 16s), else an rhs that is not contiguous depth x cols rows copied
    so (adj_y, or read through a folded TRANSPOSE)."""
    cols, depth = p["cols"], p["depth"]
    cols4 = -(-cols // 4) * 4
    ds = p["rhs_depth_stride"]
    dots = p["lhs_depth_stride"] == 1 and depth >= 4 and (ds == 1 or ds < 8192)
    as_rows = p["rhs_col_stride"] == 1 and (ds == cols or depth == 1)
    return 4 * cols4 + (cols4 * (-(-depth // 16) * 16) if dots else 0 if as_rows else cols * depth)


PAIRS_MAX_DEPTH = 64  # the Helium pairs entry's depth (tslm_mve_batch_matmul_pairs_s8: 4 chunks of 16)


def mve_pairs(p: dict) -> bool:
    """Whether tslm_mve_batch_matmul_pairs_s8 runs p itself (its `pairs()` in C): the dot products (an lhs with its
    depth contiguous, depth 4..64, an rhs its packing takes: 15 x its depth stride within 16 bits), no activation (TFLM's int8 BATCH_MATMUL has none),
    every shift a right shift, and the output rows' offsets within its 16-bit byte scatter."""
    ds = p["rhs_depth_stride"]
    return (p["lhs_depth_stride"] == 1 and 4 <= p["depth"] <= PAIRS_MAX_DEPTH and p["cols"] >= 4 and (ds == 1 or ds <= 4369)
            and p["act_min"] == -128 and p["act_max"] == 127 and -31 <= p["shift"] <= -1
            and (p["output_row_stride"] >= 1 or p["rows"] == 1) and 0 <= p["output_row_stride"] <= 65532)


DSP_PAIRS_MAX_DEPTH = 68  # the DSP pairs entry's depth (bm_row_pair_jump: its first group + 16 unrolled)


def dsp_pairs(p: dict) -> bool:
    """Whether tslm_dsp_batch_matmul_pairs_s8 runs p itself (its `pairs_ok()` in C): a right shift of 1..22, the whole
    int8 range, lhs rows contiguous (depth stride 1), depth 4..68, at least two columns, an rhs with its depth or its
    columns contiguous, int8 zero points (every offset -127..128)."""
    return (-22 <= p["shift"] <= -1 and p["act_min"] == -128 and p["act_max"] == 127 and p["lhs_depth_stride"] == 1
            and 4 <= p["depth"] <= DSP_PAIRS_MAX_DEPTH and p["cols"] >= 2 and p["rows"] >= 1
            and (p["rhs_depth_stride"] == 1 or p["rhs_col_stride"] == 1)
            and -127 <= p["lhs_offset"] <= 128 and -127 <= p["rhs_offset"] <= 128)


def dsp_pairs_scratch(p: dict) -> int:
    """tslm_dsp_batch_matmul_pairs_s8_get_buffer_size: the general entry's, with an odd last column's pair."""
    n4 = -(-p["depth"] // 4)
    return 4 * (4 * n4 + 2 * n4 * (p["cols"] + p["cols"] % 2))


@register('BATCH_MATMUL')
def batch_matmul(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    a = lw.dtype(op, op.inputs[0], ("int8", "int16", "float32"), "lhs")
    b = lw.dtype(op, op.inputs[1], (a.dtype,), "rhs")
    y = lw.dtype(op, op.outputs[0], (a.dtype,), "output")
    s16, fl = a.dtype == "int16", a.dtype == "float32"
    if s16:
        for t, role in ((a, "lhs"), (b, "rhs"), (y, "output")):
            lw.need(t.zero_point == 0, op, f"int16 {role} zero point must be 0 (TFLM's 16-bit kernel)", tensor=t.index)
    for t, role in ((a, "lhs"), (b, "rhs"), (y, "output")):
        if not fl:
            lw.per_tensor(op, t, role)
        lw.need(2 <= len(t.shape) <= 5, op, f"{role} rank must be 2..5, got {len(t.shape)}", tensor=t.index)
    adj_x, adj_y = bool(op.options.get("adj_x", False)), bool(op.options.get("adj_y", False))
    la, lb = lw.right_align(a.shape, 5), lw.right_align(b.shape, 5)
    rows, depth = (la[4], la[3]) if adj_x else (la[3], la[4])
    depth_b, cols = (lb[4], lb[3]) if adj_y else (lb[3], lb[4])
    lw.need(depth == depth_b, op, f"inner dimensions differ ({depth} vs {depth_b})")
    batch = []
    for d in range(3):
        lw.need(la[d] == lb[d] or la[d] == 1 or lb[d] == 1, op, "batch dimensions do not broadcast")
        batch.append(max(la[d], lb[d]))
    lw.need(lw.right_align(y.shape, 5) == batch + [rows, cols], op,
              f"output {lw.shape_str(y.shape)} is not {lw.shape_str(batch + [rows, cols])}")

    def bstrides(shape: list[int]) -> list[int]:
        st = lw.strides(shape)[:3]
        return [0 if shape[d] == 1 else st[d] for d in range(3)]

    mult, shift = (0, 0) if fl else quantize_multiplier(float(a.scale) * float(b.scale) / float(y.scale))
    lo, hi = (0, 0) if fl else QRANGE[a.dtype]
    params = dict(batch_dims=batch, lhs_batch_strides=bstrides(la), rhs_batch_strides=bstrides(lb),
                  rows=rows, cols=cols, depth=depth,
                  lhs_row_stride=1 if adj_x else depth, lhs_depth_stride=rows if adj_x else 1,
                  rhs_depth_stride=1 if adj_y else cols, rhs_col_stride=depth if adj_y else 1,
                  lhs_offset=0 if fl else -a.zero_point, rhs_offset=0 if fl else -b.zero_point,
                  output_offset=0 if fl else y.zero_point,
                  multiplier=mult, shift=shift, act_min=lo, act_max=hi,
                  output_batch_strides=bstrides(batch + [rows, cols]), output_row_stride=cols)
    nb = int(np.prod(batch))
    note = f"{nb} x ({rows}x{depth} . {depth}x{cols})" + (" adj_x" if adj_x else "") + (" adj_y" if adj_y else "")
    if fl:
        return Call(op, "tslm_batch_matmul_f32", "tslm_batch_matmul", [T(a.index), T(b.index), T(y.index)],
                    "tslm_batch_matmul_params", params, macs=nb * rows * cols * depth, note="float32, " + note,
                    reads=[a.index, b.index], writes=[y.index])
    n4 = -(-depth // 4)
    dsp = lw.target.dsp and not s16
    scratch = 4 * (4 * n4 + 2 * n4 * cols) if dsp else 0  # DSP: two lhs rows, all rhs columns widened
    if dsp and lw.target.mve:
        scratch = mve_scratch(params)
    call = Call(op, "tslm_batch_matmul_s16" if s16 else "tslm_batch_matmul_s8", "tslm_batch_matmul",
                [T(a.index), T(b.index), T(y.index), Scratch("int32_t")],
                "tslm_batch_matmul_params", params, macs=nb * rows * cols * depth, note=note,
                reads=[a.index, b.index], writes=[y.index], scratch_bytes=scratch)
    return lw.target_kernel(call, "batch_matmul") if dsp else call
