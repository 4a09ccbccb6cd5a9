"""ADD_N and CUMSUM in float32 (the converter keeps them in float between DEQUANTIZE and QUANTIZE)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Step, T, TList
from . import register


@dataclass
class CumsumParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_cumsum_params"
    outer: int
    axis_size: int
    inner: int
    exclusive: int
    reverse: int


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
    axis = int(np.asarray(lw.const(op, op.inputs[1], "axis")).reshape(-1)[0])
    axis = axis + rank if axis < 0 else axis
    lw.need(0 <= axis < rank, op, f"axis out of range for rank {rank}")
    ex, rev = bool(op.options.get("exclusive", False)), bool(op.options.get("reverse", False))
    params = CumsumParams(int(np.prod(x.shape[:axis])) if axis else 1, x.shape[axis],
                          int(np.prod(x.shape[axis + 1:])) if axis + 1 < rank else 1, int(ex), int(rev))
    return Call(op, "tslm_cumsum_f32", "tslm_float", [T(x.index), T(y.index)], params=params,
                note=f"axis {axis}" + (" exclusive" if ex else "") + (" reverse" if rev else ""),
                reads=[x.index], writes=[y.index])
