"""MEAN over any axes (TFLM's reduce.cc int8 and int16 paths) -> tslm_mean_s8 / tslm_mean_s16."""

from __future__ import annotations

import numpy as np

from ..ir import Operator, Tensor
from ..lowering import MAX_DIMS, Call, Lowering, Scratch, Step, T
from ..quantization import quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "MEAN": "int8 int16 float32: any axes",
}



def _axes(lw: Lowering, op: Operator, index: int, rank: int) -> list[int]:
    axes = [int(v) for v in np.atleast_1d(lw.const(op, index, "axis"))]
    out: list[int] = []
    for ax in axes:
        a = ax + rank if ax < 0 else ax
        lw.need(0 <= a < rank, op, f"axis {ax} out of range for rank {rank}")
        if a not in out:
            out.append(a)
    return out


def walk(lw: Lowering, op: Operator, x: Tensor, y: Tensor) -> tuple[list[int], list[int], list[int], int]:
    """A reduction's walk over its input: (reduced axes, input dims right-aligned, the output stride of each input
    dimension (0 on reduced axes), input values per output); checks the output's size."""
    rank = len(x.shape)
    lw.need(1 <= rank <= MAX_DIMS, op, f"input rank {rank} not supported")
    axes = _axes(lw, op, op.inputs[1], rank)
    kept = [x.shape[d] for d in range(rank) if d not in axes]
    lw.need(y.numel == (int(np.prod(kept)) if kept else 1), op,
            f"output {lw.shape_str(y.shape)} does not match reducing axes {axes}")
    count = int(np.prod([x.shape[d] for d in axes])) if axes else 1
    ost = lw.strides([1 if d in axes else x.shape[d] for d in range(rank)])
    ost = [0 if d in axes else ost[d] for d in range(rank)]
    return axes, lw.right_align(x.shape), [0] * (MAX_DIMS - rank) + ost, count


def float_sum(lw: Lowering, op: Operator, mean: bool) -> Call:
    """float32 SUM or MEAN: TFLM's ReduceSumImpl order (tslm_sum_f32 / tslm_mean_f32)."""
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    axes, dims, out_strides, count = walk(lw, op, x, y)
    params = dict(dims=dims, out_strides=out_strides, output_count=y.numel, reduce_count=count, input_zero_point=0,
                  output_zero_point=0, multiplier=0, shift=0)
    return Call(op, "tslm_mean_f32" if mean else "tslm_sum_f32", "tslm_reduce", [T(x.index), T(y.index)],
                "tslm_reduce_params", params, reads=[x.index], writes=[y.index],
                note=f"float32, {'mean' if mean else 'sum'} over axes {axes} of {lw.shape_str(x.shape)} "
                     f"({count} values each)")


@register('MEAN')
def mean(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("int8", "int16", "float32"), "input")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    if x.dtype == "float32":
        return float_sum(lw, op, mean=True)
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    rank = len(x.shape)
    lw.need(1 <= rank <= MAX_DIMS, op, f"input rank {rank} not supported")
    axes = _axes(lw, op, op.inputs[1], rank)
    kept = [x.shape[d] for d in range(rank) if d not in axes]
    count = int(np.prod([x.shape[d] for d in axes])) if axes else 1
    lw.need(y.numel == int(np.prod(kept)) if kept else y.numel == 1, op,
              f"output {lw.shape_str(y.shape)} does not match reducing axes {axes}")
    dims = lw.right_align(x.shape)
    out_full = [1 if d in axes else x.shape[d] for d in range(rank)]
    ost = lw.strides(out_full)
    ost = [0 if d in axes else ost[d] for d in range(rank)]
    out_strides = [0] * (MAX_DIMS - rank) + ost
    mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    # QuantizedMeanOrSum folds 1/count into the multiplier.
    s = min(count.bit_length() - 1, 32, 31 + shift)
    mult = (mult << s) // count
    shift = shift - s
    params = dict(dims=dims, out_strides=out_strides, output_count=y.numel, reduce_count=count,
                  input_zero_point=x.zero_point, output_zero_point=y.zero_point, multiplier=mult, shift=shift)
    s16 = x.dtype == "int16"
    call = Call(op, "tslm_mean_s16" if s16 else "tslm_mean_s8", "tslm_reduce", [T(x.index), T(y.index), Scratch("int32_t")],
                "tslm_reduce_params", params, scratch_bytes=4 * y.numel,
                note=f"over axes {axes} of {lw.shape_str(x.shape)} ({count} values each)",
                reads=[x.index], writes=[y.index])
    return lw.target_kernel(call, "reduce") if lw.target.dsp and not s16 else call
