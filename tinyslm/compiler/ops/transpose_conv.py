"""TRANSPOSE_CONV (TFLM's transpose_conv.cc): inputs output_shape, filter (OC x H x W x IC), input, bias;
int8 (per-channel requantization, offsets) and int16x8 (64-bit sums, int64 or int16 bias) ->
tslm_transpose_conv_s8 / _s16. The padding is ComputePaddingHeightWidth on the output size, as TFLM's
Prepare computes it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import fixedpoint as fx
from .. import helium_layout
from ..dsp_layout import dsp_requant, interleave_pairs
from ..dsp_offset_pairs import offset_pair_records, offset_pair_weights
from ..ir import Operator, Tensor
from ..lowering import Call, ConstArray, KernelParams, Lit, Lowering, Ref, Scratch, Step, T
from ..quantization import activation_range
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "TRANSPOSE_CONV": "int8 int16 float32: int16 activations with int8 weights (16x8)",
}



@dataclass
class TransposeConvParams(KernelParams):
    C_TYPE = "tslm_transpose_conv_params"
    batches: int
    input_h: int
    input_w: int
    input_c: int
    filter_h: int
    filter_w: int
    output_h: int
    output_w: int
    output_c: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    input_offset: int
    output_offset: int
    multiplier: Ref
    shift: Ref
    act_min: int
    act_max: int
    requant: Ref | None = None  # the DSP kernel's per-phase records (tslm_dsp_transpose_conv.c); None: portable
    requant_fast: Ref | None = None


def transpose_padding(padding: str, out_size: int, filt: int, stride: int) -> int:
    """TFLM: ComputePaddingHeightWidth(stride, dilation 1, the *output* size, filter) -> padding before.

    >>> transpose_padding("SAME", 8, 3, 2), transpose_padding("VALID", 9, 3, 2), transpose_padding("SAME", 8, 5, 2)
    (0, 0, 1)
    """
    n = (out_size + stride - 1) // stride if padding == "SAME" else (out_size + stride - filt) // stride
    return max((n - 1) * stride + filt - out_size, 0) // 2


def _check_shapes(lw: Lowering, op: Operator, shape: list[int], x: Tensor, w: Tensor, y: Tensor
                  ) -> tuple[int, int, int, int]:
    """The shape checks of every type: 4-D tensors, the output shape input, the filter (oc, fh, fw, ic)."""
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        lw.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(shape == list(y.shape), op, f"output shape input {shape} differs from the output tensor "
            f"{lw.shape_str(y.shape)}", tensor=y.index)
    oc, fh, fw, ic = w.shape
    lw.need(ic == x.shape[3] and oc == y.shape[3] and x.shape[0] == y.shape[0], op,
            f"filter {lw.shape_str(w.shape)} does not map input {lw.shape_str(x.shape)} to output "
            f"{lw.shape_str(y.shape)}", tensor=w.index)
    return oc, fh, fw, ic


def _strides_padding(lw: Lowering, op: Operator, y: Tensor, fh: int, fw: int) -> tuple[int, int, str, int, int]:
    """(stride h, stride w, padding, padding before in height, in width)."""
    o = op.options
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    lw.need(sh >= 1 and sw >= 1, op, "strides must be >= 1")
    padding = o.get("padding", "VALID")
    lw.need(padding in ("SAME", "VALID"), op, f"padding {padding} is not supported")
    pad_h, pad_w = transpose_padding(padding, y.shape[1], fh, sh), transpose_padding(padding, y.shape[2], fw, sw)
    return sh, sw, padding, pad_h, pad_w


@register("TRANSPOSE_CONV")
def transpose_conv(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 3)
    shape = [int(v) for v in np.asarray(lw.const(op, op.inputs[0], "output shape")).reshape(-1)]
    x = lw.dtype(op, op.inputs[2], ("int8", "int16", "float32"), "input")
    if x.dtype == "float32":
        return _transpose_conv_f32(lw, op, shape)
    w = lw.dtype(op, op.inputs[1], ("int8",), "filter")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    lw.need(w.is_const, op, "the filter must be a constant tensor", tensor=w.index)
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    oc, fh, fw, ic = _check_shapes(lw, op, shape, x, w, y)
    lw.need(all(z == 0 for z in w.quant.zero_point), op, "int8 filters must be symmetric (zero point 0)",
            tensor=w.index)
    n_scales = len(w.quant.scale)
    lw.need(n_scales in (1, oc) and (n_scales == 1 or w.quant.axis == 0), op,
            f"filter has {n_scales} scales on axis {w.quant.axis}; expected 1 or {oc} on axis 0", tensor=w.index)
    o = op.options
    sh, sw, padding, pad_h, pad_w = _strides_padding(lw, op, y, fh, fw)
    reals = [float(x.scale) * float(w.quant.scale[c if n_scales > 1 else 0]) / float(y.scale) for c in range(oc)]
    mult, shift = lw.requant_arrays(op, reals)
    act = o.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, y.dtype)
    bias_idx = op.inputs[3] if len(op.inputs) > 3 else -1
    consts = [mult, shift]
    bias_arg: Any = Lit("NULL")
    s16 = x.dtype == "int16"
    if s16:  # no activation offsets in TFLM's 16x8 kernel (a nonzero int16 zero point is ignored)
        if bias_idx >= 0:  # TFLM reads an int64 bias, or widens an int16 one
            b = lw.dtype(op, bias_idx, ("int64", "int16"), "bias")
            lw.need(b.is_const and b.numel == oc, op, f"the bias must be a constant of {oc} values", tensor=b.index)
            arr = ConstArray(lw.name(op, "bias"), "int64_t", np.asarray(b.data, dtype=np.int64).reshape(-1),
                             f"tensor {bias_idx} ({b.dtype}) as int64")
            consts.append(arr)
            bias_arg = Ref(arr.name)
    elif bias_idx >= 0:
        b = lw.dtype(op, bias_idx, ("int32",), "bias")
        lw.need(b.numel == oc, op, f"bias has {b.numel} values for {oc} outputs", tensor=b.index)
        bias_arg = T(bias_idx)
    params = TransposeConvParams(x.shape[0], x.shape[1], x.shape[2], ic, fh, fw, y.shape[1], y.shape[2], oc, sh, sw,
                                 pad_h, pad_w, 0 if s16 else -x.zero_point, 0 if s16 else y.zero_point,
                                 Ref(mult.name), Ref(shift.name), lo, hi)
    note = (f"{'int16x8, ' if s16 else ''}{fh}x{fw} stride {sh}x{sw} {padding} (pad {pad_h},{pad_w})"
            + (f", {act.lower()}" if act != "NONE" else ""))
    call = Call(op, f"tslm_transpose_conv_{'s16' if s16 else 's8'}", "tslm_transpose_conv",
                [T(x.index), T(w.index), bias_arg, T(y.index)], params=params, consts=consts,
                macs=x.numel * fh * fw * oc, note=note,
                reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index])
    if not s16 and lw.target.dsp and (bias_idx < 0 or lw.t(bias_idx).is_const):
        return _phases_dsp(lw, call, w, bias_idx, mult, shift)
    return call


def phase_taps(a: int, pad: int, stride: int, filt: int) -> list[int]:
    """The filter taps (ascending) of the outputs stride * i + a: those whose (a + pad - f) divides by the stride
    (tslm_dsp_transpose_conv.h: tap t of them reads input i + (a + pad - taps[0]) / stride - t).

    >>> phase_taps(0, 0, 2, 3), phase_taps(1, 0, 2, 3), phase_taps(1, 0, 3, 1), phase_taps(0, 1, 1, 3)
    ([0, 2], [1], [], [0, 1, 2])
    """
    return list(range((a + pad) % stride, filt, stride))


def _phases_dsp(lw: Lowering, call: Call, w: Tensor, bias_idx: int, mult: ConstArray, shift: ConstArray) -> Call:
    """int8 on the DSP targets: one convolution per phase of the stride (tslm_dsp_transpose_conv.c on the DSP GEMM
    micro-kernels; on Helium tslm_mve_transpose_conv.c). A layer with a left shift (or, on the DSP kernel, sums that
    need TFLM's records: |bias| + 128 sum |w| >= 2^30) keeps the portable kernel. Per phase its weights (taps in the kernel's order, its layout) and requantization records with the
    bias folded with that phase's weights: the same int32 sums as TFLM's scatter (a tap outside the input reads the
    zero point: (zp - zp) * w = 0)."""
    op, p = call.op, call.params
    assert isinstance(p, TransposeConvParams)
    oc, fh, fw, ic = w.shape
    wd = np.asarray(w.data, dtype=np.int64)
    bias = (np.asarray(lw.t(bias_idx).data, dtype=np.int64).reshape(-1) if bias_idx >= 0
            else np.zeros(oc, dtype=np.int64))
    m = np.broadcast_to(mult.values, (oc,)) if len(mult.values) == 1 else mult.values
    sh_ = np.broadcast_to(shift.values, (oc,)) if len(shift.values) == 1 else shift.values
    mve = lw.target.mve
    if mve and int(np.max(sh_)) > 0:  # the MVE records take right shifts only (and the DSP kernel's fast ones too)
        return call
    weights, records, fast, kmax = [], [], [], 0
    for a in range(p.stride_h):
        ty = phase_taps(a, p.pad_h, p.stride_h, fh)
        for b in range(p.stride_w):
            tx = phase_taps(b, p.pad_w, p.stride_w, fw)[::-1]  # input columns ascending (the kernels' headers)
            rows = wd[:, ty][:, :, tx].reshape(oc, -1)  # oc x (taps y, taps x, ic)
            kmax = max(kmax, rows.shape[1])
            folded = np.array([fx.wrap32(int(bv) + p.input_offset * int(sv)) for bv, sv in zip(bias, rows.sum(1))],
                              dtype=np.int64)
            if mve:
                weights.append(helium_layout.gemm_weights(rows if rows.shape[1] else np.zeros((oc, 1), np.int64)))
                records.append(helium_layout.gemm_records(folded, m, sh_))
                continue
            offset = p.output_offset if (p.act_min, p.act_max) == (-128, 127) else p.output_offset - p.act_min
            pairs = offset_pair_records(folded, m, sh_, rows, offset) if rows.shape[1] else None
            if pairs is not None:  # the offset-pair layout (dsp_offset_pairs.py) where it is exact
                weights.append(offset_pair_weights(rows))
                records.append(pairs)
                fast.append(2)
                continue
            rec, f = dsp_requant(folded, [int(v) for v in m], [int(v) for v in sh_], np.abs(rows).sum(axis=1))
            if not f:  # a left shift or sums near 2^30: TFLM's records, which the DSP kernel leaves to the portable one
                return call
            weights.append(interleave_pairs(rows, oc))
            records.append(rec)
            fast.append(int(f))
    phases = p.stride_h * p.stride_w
    if mve:
        wt = ConstArray(lw.name(op, "filter"), "int8_t", np.concatenate(weights),
                        f"tensor {w.index} per phase of the stride ({phases}): taps (y ascending, x descending), "
                        "output channels in groups of four interleaved by 16 bytes, for the MVE kernel")
        rec = ConstArray(lw.name(op, "requant"), "int32_t", np.concatenate(records),
                         f"per phase ({phases}) and group of four output channels: the bias folded with the "
                         "phase's weights, multipliers, shifts", role="requant")
        consts, fast_ref, scratch = [wt, rec], None, 2 * max(kmax, 1)  # (= tslm_mve_transpose_conv_s8_get_buffer_size)
    else:
        wt = ConstArray(lw.name(op, "filter"), "int8_t", np.concatenate(weights),
                        f"tensor {w.index} per phase of the stride ({phases}): taps (y ascending, x descending), offset pairs or "
                        "channel pairs interleaved by fours as the phase's records say, for the DSP kernel")
        rec = ConstArray(lw.name(op, "requant"), "int32_t", np.concatenate(records),
                         f"requantization per phase ({phases}) and output channel, the bias folded with the phase's "
                         "weights (tslm_dsp.h's records)", role="requant")
        fa = ConstArray(lw.name(op, "requant_fast"), "int32_t", np.array(fast, dtype=np.int64),
                        "per phase: its records' kind, 1 the fast ones, 2 offset pairs (tslm_dsp.h)")
        n4 = -(-kmax // 4)  # (= tslm_dsp_transpose_conv_s8_get_buffer_size)
        consts, fast_ref = [wt, rec, fa], Ref(fa.name)
        scratch = 16 * n4 + (ic + 3) // 4 * 4 + (8 * n4 if ic % 4 else 0)
    call.params = replace(p, multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=fast_ref)
    call.args = [call.args[0], Ref(wt.name), Lit("NULL"), call.args[3], Scratch("int8_t")]
    call.consts = consts
    call.scratch_bytes = scratch
    call.note += (f", as {phases} convolutions (one per phase of the stride)" if phases > 1
                  else ", as one convolution (the filter flipped)")
    return lw.target_kernel(call, "transpose_conv")


@dataclass
class TransposeConvF32Params(KernelParams):
    C_TYPE = "tslm_transpose_conv_f32_params"
    batches: int
    input_h: int
    input_w: int
    input_c: int
    filter_h: int
    filter_w: int
    output_h: int
    output_w: int
    output_c: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    activation: int


def _transpose_conv_f32(lw: Lowering, op: Operator, shape: list[int]) -> Call:
    """float32: TFLM's reference TransposeConv (its scatter order kept: tslm_transpose_conv.h)."""
    x = lw.dtype(op, op.inputs[2], ("float32",), "input")
    w = lw.dtype(op, op.inputs[1], ("float32",), "filter")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    oc, fh, fw, ic = _check_shapes(lw, op, shape, x, w, y)
    sh, sw, padding, pad_h, pad_w = _strides_padding(lw, op, y, fh, fw)
    act, act_note = lw.float_activation(op)
    bias_idx = op.inputs[3] if len(op.inputs) > 3 else -1
    if bias_idx >= 0:
        b = lw.dtype(op, bias_idx, ("float32",), "bias")
        lw.need(b.numel == oc, op, f"bias has {b.numel} values for {oc} outputs", tensor=b.index)
    params = TransposeConvF32Params(x.shape[0], x.shape[1], x.shape[2], ic, fh, fw, y.shape[1], y.shape[2], oc, sh,
                                    sw, pad_h, pad_w, act)
    return Call(op, "tslm_transpose_conv_f32", "tslm_transpose_conv",
                [T(x.index), T(w.index), T(bias_idx) if bias_idx >= 0 else Lit("NULL"), T(y.index)], params=params,
                macs=x.numel * fh * fw * oc, note=f"float32, {fh}x{fw} stride {sh}x{sw} {padding} (pad {pad_h},{pad_w})"
                + act_note, reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index])
