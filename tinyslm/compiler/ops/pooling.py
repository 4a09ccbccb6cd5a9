"""AVERAGE_POOL_2D and MAX_POOL_2D -> tslm_avg_pool_s8 / tslm_max_pool_s8 (int16: the _s16 twins; float32:
_f32), and L2_POOL_2D, which TFLM runs in float32 only."""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import Operator, Tensor
from ..lowering import Call, KernelParams, Lowering, Step, T
from ..quantization import activation_range
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "AVERAGE_POOL_2D": "int8 int16 float32",
    "L2_POOL_2D": "float32: SAME/VALID, strides, fused activations",
    "MAX_POOL_2D": "int8 int16 float32",
}


@dataclass
class PoolF32Params(KernelParams):
    C_TYPE = "tslm_pool_f32_params"
    batches: int
    input_h: int
    input_w: int
    channels: int
    filter_h: int
    filter_w: int
    output_h: int
    output_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    activation: int


def _window(lw: Lowering, op: Operator, x: Tensor, y: Tensor) -> tuple[dict[str, int], str]:
    """The checks every pooling op shares, and its geometry (tslm_pool_params' and tslm_pool_f32_params'
    common fields)."""
    for t, role in ((x, "input"), (y, "output")):
        lw.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(x.shape[0] == y.shape[0] and x.shape[3] == y.shape[3], op, "batch or channels differ")
    o = op.options
    fh, fw = int(o.get("filter_height", 1)), int(o.get("filter_width", 1))
    sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    lw.need(fh >= 1 and fw >= 1, op, "filter size must be >= 1")
    pad_h = lw.padding(op, x.shape[1], fh, sh, 1, y.shape[1], "height")
    pad_w = lw.padding(op, x.shape[2], fw, sw, 1, y.shape[2], "width")
    # TFLM fails on (or, for L2 and float averages, divides by zero in) a window with no in-image value
    for oy in range(y.shape[1]):
        lw.need(max(0, oy * sh - pad_h) < min(x.shape[1], oy * sh - pad_h + fh), op,
                "a pooling window lies outside the input")
    for ox in range(y.shape[2]):
        lw.need(max(0, ox * sw - pad_w) < min(x.shape[2], ox * sw - pad_w + fw), op,
                "a pooling window lies outside the input")
    geo = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], channels=x.shape[3], filter_h=fh,
               filter_w=fw, output_h=y.shape[1], output_w=y.shape[2], stride_h=sh, stride_w=sw, pad_h=pad_h,
               pad_w=pad_w)
    return geo, f"{fh}x{fw} stride {sh}x{sw} {o.get('padding')}"


@register('AVERAGE_POOL_2D', 'MAX_POOL_2D', 'L2_POOL_2D')
def pool(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    kind = {"AVERAGE_POOL_2D": "avg", "MAX_POOL_2D": "max", "L2_POOL_2D": "l2"}[op.opcode]
    x = lw.dtype(op, op.inputs[0], ("float32",) if kind == "l2" else ("int8", "int16", "float32"), "input")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    geo, note = _window(lw, op, x, y)
    if x.dtype == "float32":
        act, act_note = lw.float_activation(op)
        return Call(op, f"tslm_{kind}_pool_f32", "tslm_pooling", [T(x.index), T(y.index)],
                    params=PoolF32Params(**geo, activation=act), note="float32, " + note + act_note,
                    reads=[x.index], writes=[y.index])
    act = op.options.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, y.dtype)
    params = dict(geo, act_min=lo, act_max=hi)
    sfx = "s8" if x.dtype == "int8" else "s16"
    call = Call(op, f"tslm_{kind}_pool_{sfx}", "tslm_pooling", [T(x.index), T(y.index)], "tslm_pool_params", params,
                note=note + (f", {act.lower()}" if act != "NONE" else ""), reads=[x.index], writes=[y.index])
    if lw.target.dsp and kind == "avg" and sfx == "s8":  # tslm_dsp_avg_pool_s8 (Helium: tslm_mve_avg_pool_s8)
        call = lw.target_kernel(call, "pooling")
        # windows of at most 256 pixels, at least four channels, more than one output pixel (a global pool
        # keeps the whole-row sums): tslm_dsp_avg_pool_small_s8, one SXTAB16 pass per word of channels
        if (geo["filter_h"] * geo["filter_w"] <= 256 and (lw.target.mve or geo["channels"] >= 4)
                and geo["output_h"] * geo["output_w"] > 1):
            # (Helium: tslm_mve_avg_pool_small_s8, the division a vector multiply-high)
            call.func = call.func.replace("avg_pool_s8", "avg_pool_small_s8")
        return call
    # tslm_dsp_max_pool_s8 / _s16 (SSUB8 or SSUB16 then SEL over words of four int8 or two int16 channels; int8
    # pixels of 1..3 channels a word each, int16 at least two channels) and Helium's tslm_mve_max_pool_s8 / _s16
    # (VMAX over 16 or 8 lanes, any channels)
    if lw.target.dsp and kind == "max" and (lw.target.mve or sfx == "s8" or x.shape[3] >= 2):
        call = lw.target_kernel(call, "pooling")
        # a window of at most 3x3 (and a word a pixel on the DSP target): its shape's entry (e.g.
        # tslm_dsp_max_pool_3x3_s8), the loads unrolled; a model links only its layers' shapes
        fh, fw = geo["filter_h"], geo["filter_w"]
        if fh <= 3 and fw <= 3 and (sfx == "s8" if lw.target.mve else x.shape[3] * (1 if sfx == "s8" else 2) >= 4):
            call.func = call.func.replace("max_pool_", f"max_pool_{fh}x{fw}_")
        elif not lw.target.mve and sfx == "s8" and x.shape[3] < 4:  # 1..3 channels: tslm_dsp_max_pool_narrow_s8
            call.func = call.func.replace("max_pool_", "max_pool_narrow_")
        return call
    return call
