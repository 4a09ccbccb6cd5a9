"""RESIZE_BILINEAR, int8: TFLM's ResizeBilinearInteger (scales and positions in 1/1024, computed here
per output row and column; tslm_resize_bilinear_s8 blends the four neighbours)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import Operator
from ..lowering import Call, ConstArray, KernelParams, Lowering, Ref, Step, T
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "RESIZE_BILINEAR": "int8 float32: align_corners, half_pixel_centers",
}



@dataclass
class ResizeBilinearParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_resize_bilinear_params"
    batches: int
    out_h: int
    out_w: int
    depth: int
    in_batch_stride: int
    rows: Ref
    cols: Ref


@dataclass
class ResizeBilinearF32Params(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_resize_bilinear_f32_params"
    batches: int
    in_h: int
    in_w: int
    depth: int
    out_h: int
    out_w: int
    align_corners: int
    half_pixel_centers: int


def _c_div(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def positions(out_size: int, in_size: int, align_corners: bool, half_pixel: bool) -> list[tuple[int, int, int]]:
    """(lower, upper, input position - 1024 x lower) per output index, as ComputeInterpolationValuesInteger.

    >>> positions(4, 2, False, False)
    [(0, 0, 0), (0, 1, 512), (1, 1, 0), (1, 1, 512)]
    """
    scale = _c_div((1 << 10) * in_size + out_size // 2, out_size)
    if align_corners and out_size > 1:
        scale = _c_div((1 << 10) * (in_size - 1) + (out_size - 1) // 2, out_size - 1)
    out = []
    for v in range(out_size):
        scaled = v * scale + _c_div(scale, 2) - (1 << 9) if half_pixel else v * scale
        lo = max(_c_div(scaled, 1 << 10), 0)
        hi = min(_c_div(scaled + (1 << 10) - 1, 1 << 10), in_size - 1)
        out.append((lo, hi, scaled - (1 << 10) * lo))
    return out


@register('RESIZE_BILINEAR')
def resize_bilinear(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("int8", "float32"), "input")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    lw.same_quant(op, x, y)  # TFLM blends the raw int8 values
    lw.need(len(x.shape) == 4, op, f"input must be 4-D (NHWC), got {lw.shape_str(x.shape)}", tensor=x.index)
    n, h, w, c = x.shape
    size = [int(v) for v in np.asarray(lw.const(op, op.inputs[1], "size")).reshape(-1)]
    lw.need(len(size) == 2 and min(size) >= 1, op, f"size {size} must be two positive numbers")
    lw.need(list(y.shape) == [n, size[0], size[1], c], op, f"output {lw.shape_str(y.shape)} does not match size {size}")
    ac, hp = bool(op.options.get("align_corners", False)), bool(op.options.get("half_pixel_centers", False))
    lw.need(not (ac and hp), op, "align_corners and half_pixel_centers together (TFLM does not allow it)")
    if x.dtype == "float32":
        fparams = ResizeBilinearF32Params(n, h, w, c, size[0], size[1], int(ac), int(hp))
        return Call(op, "tslm_resize_bilinear_f32", "tslm_resize", [T(x.index), T(y.index)], params=fparams,
                    note=f"float32, {h}x{w} -> {size[0]}x{size[1]}" + (" align_corners" if ac else "")
                    + (" half_pixel_centers" if hp else ""), reads=[x.index], writes=[y.index], macs=4 * y.numel)
    rows = [(lo * w * c, hi * w * c, f) for lo, hi, f in positions(size[0], h, ac, hp)]
    cols = [(lo * c, hi * c, f) for lo, hi, f in positions(size[1], w, ac, hp)]
    r = ConstArray(lw.name(op, "rows"), "int32_t", np.array(rows, dtype=np.int64).reshape(-1),
                   "per output row: input row offsets (lower, upper) and the upper's weight in 1/1024")
    k = ConstArray(lw.name(op, "cols"), "int32_t", np.array(cols, dtype=np.int64).reshape(-1),
                   "per output column: input column offsets (lower, upper) and the upper's weight in 1/1024")
    params = ResizeBilinearParams(n, size[0], size[1], c, h * w * c, Ref(r.name), Ref(k.name))
    return Call(op, "tslm_resize_bilinear_s8", "tslm_resize", [T(x.index), T(y.index)], params=params,
                consts=[r, k], note=f"{h}x{w} -> {size[0]}x{size[1]}" + (" align_corners" if ac else "")
                + (" half_pixel_centers" if hp else ""), reads=[x.index], writes=[y.index], macs=4 * y.numel)
