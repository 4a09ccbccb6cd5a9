"""AVERAGE_POOL_2D and MAX_POOL_2D -> tslm_avg_pool_s8 / tslm_max_pool_s8 (int16: the _s16 twins)."""

from __future__ import annotations

from ..ir import Operator
from ..lowering import Call, Lowering, Step, T
from ..quantization import activation_range
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "AVERAGE_POOL_2D": "int8 int16",
    "MAX_POOL_2D": "int8 int16",
}



@register('AVERAGE_POOL_2D', 'MAX_POOL_2D')
def pool(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("int8", "int16"), "input")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    for t, role in ((x, "input"), (y, "output")):
        lw.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(x.shape[0] == y.shape[0] and x.shape[3] == y.shape[3], op, "batch or channels differ")
    o = op.options
    fh, fw = o.get("filter_height", 1), o.get("filter_width", 1)
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    lw.need(fh >= 1 and fw >= 1, op, "filter size must be >= 1")
    pad_h = lw.padding(op, x.shape[1], fh, sh, 1, y.shape[1], "height")
    pad_w = lw.padding(op, x.shape[2], fw, sw, 1, y.shape[2], "width")
    for oy in range(y.shape[1]):  # TFLM fails on a window with no in-image value
        y0 = oy * sh - pad_h
        lw.need(max(0, y0) < min(x.shape[1], y0 + fh), op, "a pooling window lies outside the input")
    act = o.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, y.dtype)
    params = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], channels=x.shape[3],
                  filter_h=fh, filter_w=fw, output_h=y.shape[1], output_w=y.shape[2], stride_h=sh,
                  stride_w=sw, pad_h=pad_h, pad_w=pad_w, act_min=lo, act_max=hi)
    avg = op.opcode == "AVERAGE_POOL_2D"
    note = f"{fh}x{fw} stride {sh}x{sw} {o.get('padding')}" + (f", {act.lower()}" if act != "NONE" else "")
    sfx = "s8" if x.dtype == "int8" else "s16"
    call = Call(op, f"tslm_avg_pool_{sfx}" if avg else f"tslm_max_pool_{sfx}", "tslm_pooling",
                [T(x.index), T(y.index)], "tslm_pool_params", params, note=note,
                reads=[x.index], writes=[y.index])
    if lw.target.mve and avg and sfx == "s8":  # Helium: tslm_mve_avg_pool_s8
        return lw.target_kernel(call, "pooling")
    return call
