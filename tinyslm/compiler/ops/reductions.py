"""SUM (TFLM's QuantizedMeanOrSum without the 1/count, on MEAN's kernel), REDUCE_MAX and REDUCE_MIN
over any axes, REDUCE_ALL (bool), ARG_MAX and ARG_MIN over one axis (int8 -> int32)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import Operator, Tensor
from ..lowering import Call, KernelParams, Lowering, Scratch, Step, T
from ..quantization import quantize_multiplier
from . import register
from .reduce import _axes, float_sum, walk

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "ARG_MAX": "int8 float32: int32 indices",
    "ARG_MIN": "int8 float32: int32 indices",
    "REDUCE_ALL": "| bool: any axes",
    "REDUCE_MAX": "int8 float32",
    "REDUCE_MIN": "int8 float32",
    "SUM": "int8 int16 float32: any axes",
}



@dataclass
class ReduceMinMaxParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_reduce_minmax_params"
    dims: list[int]
    out_strides: list[int]
    output_count: int
    is_max: int


@dataclass
class ArgMinMaxParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_arg_minmax_params"
    outer: int
    axis_size: int
    inner: int
    is_max: int


def _reduction(lw: Lowering, op: Operator, dtype: str = "int8") -> tuple[Tensor, Tensor, list[int], list[int], list[int], int]:
    """Checks, and the walk: (x, y, reduced axes, dims, output strides per input dim, count)."""
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], (dtype,), "input")
    y = lw.dtype(op, op.outputs[0], (dtype,), "output")
    if dtype in ("int8", "int16"):
        lw.per_tensor(op, x, "input")
        lw.per_tensor(op, y, "output")
    axes, dims, out_strides, count = walk(lw, op, x, y)
    return x, y, axes, dims, out_strides, count


@register('SUM')
def reduce_sum(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_sum(lw, op, mean=False)
    s16 = bool(op.inputs) and op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16"
    x, y, axes, dims, out_strides, count = _reduction(lw, op, "int16" if s16 else "int8")
    mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    params = dict(dims=dims, out_strides=out_strides, output_count=y.numel, reduce_count=count,
                  input_zero_point=x.zero_point, output_zero_point=y.zero_point, multiplier=mult, shift=shift)
    return Call(op, "tslm_mean_s16" if s16 else "tslm_mean_s8", "tslm_reduce", [T(x.index), T(y.index), Scratch("int32_t")],
                "tslm_reduce_params", params, scratch_bytes=4 * y.numel,
                note=f"sum over axes {axes} of {lw.shape_str(x.shape)} ({count} values each)",
                reads=[x.index], writes=[y.index])


@register('REDUCE_MAX', 'REDUCE_MIN')
def reduce_minmax(lw: Lowering, op: Operator) -> Step:
    fl = lw.is_float(op)
    x, y, axes, dims, out_strides, count = _reduction(lw, op, "float32" if fl else "int8")
    lw.same_quant(op, x, y)
    params = ReduceMinMaxParams(dims, out_strides, y.numel, int(op.opcode == "REDUCE_MAX"))
    return Call(op, "tslm_reduce_minmax_f32" if fl else "tslm_reduce_minmax_s8", "tslm_minmax", [T(x.index), T(y.index)], params=params,
                note=f"over axes {axes} of {lw.shape_str(x.shape)} ({count} values each)",
                reads=[x.index], writes=[y.index])


@register('REDUCE_ALL')
def reduce_all(lw: Lowering, op: Operator) -> Step:
    x, y, axes, dims, out_strides, count = _reduction(lw, op, "bool")
    params = ReduceMinMaxParams(dims, out_strides, y.numel, 0)
    return Call(op, "tslm_reduce_all", "tslm_minmax", [T(x.index), T(y.index)], params=params,
                note=f"over axes {axes} of {lw.shape_str(x.shape)} ({count} values each)",
                reads=[x.index], writes=[y.index])


@register('ARG_MAX', 'ARG_MIN')
def arg_minmax(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("int8", "float32"), "input")
    y = lw.dtype(op, op.outputs[0], ("int32", "int64"), "output")
    lw.need(y.dtype == "int32", op, "int64 indices: TFLM's kernel fails to run with them (checked with its "
            "interpreter)", "export the op with output_type=tf.int32", tensor=y.index)
    rank = len(x.shape)
    axes = _axes(lw, op, op.inputs[1], rank)
    lw.need(len(axes) == 1, op, f"exactly one axis expected, got {axes}")
    axis = axes[0]
    shape = [x.shape[d] for d in range(rank) if d != axis]
    lw.need(list(y.shape) == shape, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(shape)}")
    lw.need(x.shape[axis] >= 1, op, "empty axis")
    outer = int(np.prod(x.shape[:axis])) if axis else 1
    inner = int(np.prod(x.shape[axis + 1:])) if axis + 1 < rank else 1
    params = ArgMinMaxParams(outer, x.shape[axis], inner, int(op.opcode == "ARG_MAX"))
    return Call(op, "tslm_arg_minmax_f32" if x.dtype == "float32" else "tslm_arg_minmax_s8", "tslm_minmax", [T(x.index), T(y.index)], params=params,
                note=f"axis {axis} of {lw.shape_str(x.shape)} -> {y.dtype}", reads=[x.index], writes=[y.index])
