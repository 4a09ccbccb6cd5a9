"""CONV_2D and DEPTHWISE_CONV_2D: padding, per-channel requantization and folded bias as TFLM's
Prepare computes them (conv_common.cc, depthwise_conv_common.cc) -> tslm_conv_s8 / tslm_depthwise_conv_s8.
On the targets whose conv kernel runs it faster, a depthwise conv with a depth multiplier > 1 becomes a
grouped CONV_2D: :func:`as_grouped_conv`, run by the pass of that name in passes.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dsp_bands import DW_BAND_SCRATCH, DW_BAND_SCRATCH_S2, band_scratch, column_band
from ..dsp_layout import (DW_COL_MIN_SCRATCH, DW_MAX_SPAN, conv_dsp_scratch, conv_triples, conv_wide, conv_wide_c1,
                          conv_wide_c1_rows, conv_wide_c1_scratch, conv_wide_cols,
                          conv_wide_quad8, conv_wide_quad8_stream, conv_wide_records, conv_wide_rgb, conv_wide_win,
                          conv_wide_win_scratch,
                          conv_wide_rgb_order, conv_wide_scratch, conv_wide_stream, conv_wide_weights,
                          depthwise_column_pairs, depthwise_column_records,
                          depthwise_patch_weights, depthwise_patch_words, dilated_stack, interleave_pairs,
                          widen_depthwise)
from .. import helium_layout
from ..dsp_offset_pairs import offset_pair_consts
from ..ir import Operator, Tensor
from ..lowering import Call, ConstArray, KernelParams, Lit, Lowering, Ref, Scratch, Step, T
from ..quantization import activation_range
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "CONV_2D": "int8 int16 float32: per-channel weights, strides, dilation, SAME/VALID, groups, fused activations; int16 activations with int8 weights and int64/int32 bias (16x8)",
    "DEPTHWISE_CONV_2D": "int8 int16 float32: per-channel weights, depth multiplier, fused activations; int16 activations with int8 weights (16x8)",
}



DW_DILATED_SCRATCH = 16384  # bytes a dilated layer's stacked phases may take in scratch (where the row window's take less)
DW_PATCH = 32  # requant_fast of the DSP depthwise kernel's patch layout (TSLM_DSP_DW_PATCH + its epilogue)


@dataclass
class _ConvSetup:
    """What CONV_2D and DEPTHWISE_CONV_2D share: their tensors, the params struct's common fields, the
    constant arrays (multipliers, shifts, folded bias), the bias argument, and the DSP requantization
    records when that target takes this conv (None otherwise)."""

    x: Tensor
    w: Tensor
    y: Tensor
    bias_idx: int
    params: dict[str, Any]
    consts: list[ConstArray]
    note: str
    bias_arg: Any
    records: tuple[ConstArray, bool] | None


def _conv_common(lw: Lowering, op: Operator, depthwise: bool) -> _ConvSetup:
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("int8",), "input")
    w = lw.dtype(op, op.inputs[1], ("int8",), "filter")
    y = lw.dtype(op, op.outputs[0], ("int8",), "output")
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
    if bias_idx >= 0:
        lw.dtype(op, bias_idx, ("int32",), "bias")
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        lw.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(all(z == 0 for z in w.quant.zero_point), op, "int8 filters must be symmetric (zero point 0)",
              tensor=w.index)
    o = op.options
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
    fh, fw = w.shape[1], w.shape[2]
    pad_h = lw.padding(op, x.shape[1], fh, sh, dh, y.shape[1], "height")
    pad_w = lw.padding(op, x.shape[2], fw, sw, dw, y.shape[2], "width")
    oc = y.shape[3]
    lw.need(x.shape[0] == y.shape[0], op, "batch of input and output differ")
    qaxis = 3 if depthwise else 0
    n_scales = len(w.quant.scale)
    lw.need(n_scales in (1, oc) and (n_scales == 1 or w.quant.axis == qaxis), op,
              f"filter has {n_scales} scales on axis {w.quant.axis}; expected 1 or {oc} on axis {qaxis}",
              tensor=w.index)
    scales = [w.quant.scale[c if n_scales > 1 else 0] for c in range(oc)]
    reals = [float(x.scale) * float(s) / float(y.scale) for s in scales]
    mult, shift = lw.requant_arrays(op, reals)
    act = o.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
    common = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], input_c=x.shape[3],
                  filter_h=fh, filter_w=fw, output_h=y.shape[1], output_w=y.shape[2], output_c=oc,
                  stride_h=sh, stride_w=sw, dilation_h=dh, dilation_w=dw, pad_h=pad_h, pad_w=pad_w,
                  input_offset=-x.zero_point, output_offset=y.zero_point,
                  multiplier=Ref(mult.name), shift=Ref(shift.name), act_min=lo, act_max=hi)
    note = (f"{fh}x{fw} stride {sh}x{sw} dilation {dh}x{dw} {o.get('padding', 'VALID')} "
            f"(pad {pad_h},{pad_w})" + (f", {act.lower()}" if act != "NONE" else ""))
    fold = w.is_const and (bias_idx < 0 or lw.t(bias_idx).is_const)
    common["bias_folded"] = int(fold)
    common["requant"], common["requant_fast"] = None, 0
    setup = _ConvSetup(x, w, y, bias_idx, common, [mult, shift], note,
                       T(bias_idx) if bias_idx >= 0 else Lit("NULL"), None)
    if fold:
        fb = lw.folded_bias(op, w, bias_idx, -x.zero_point, 3 if depthwise else 0)
        setup.consts.append(fb)
        setup.bias_arg = Ref(fb.name)
        if lw.target.dsp and not lw.target.mve:  # (Helium: helium_layout.py)
            rows = w.data.reshape(-1, oc).T if depthwise else w.data.reshape(oc, -1)  # type: ignore[union-attr]
            setup.records = lw.dsp_records(op, fb, mult, shift, rows)
    return setup


@register('CONV_2D')
def conv_2d(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return _conv_f32(lw, op, depthwise=False)
    if _is_16x8(lw, op):
        return _conv_s16(lw, op, depthwise=False)
    s = _conv_common(lw, op, depthwise=False)
    x, w, y, bias_idx, p = s.x, s.w, s.y, s.bias_idx, s.params
    consts, note, bias_arg, records = s.consts, s.note, s.bias_arg, s.records
    fc = w.shape[3]
    lw.need(fc > 0 and x.shape[3] % fc == 0 and y.shape[3] % (x.shape[3] // fc) == 0, op,
              f"input channels {x.shape[3]} are not a multiple of filter channels {fc}", tensor=w.index)
    lw.need(w.shape[0] == y.shape[3], op, "filter count differs from output channels", tensor=w.index)
    p = {**p, "filter_c": fc}
    order = ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w", "filter_c", "output_h",
             "output_w", "output_c", "stride_h", "stride_w", "dilation_h", "dilation_w", "pad_h", "pad_w",
             "input_offset", "output_offset", "multiplier", "shift", "act_min", "act_max", "bias_folded",
             "in_place", "requant", "requant_fast"]
    p["in_place"] = 0
    macs = y.numel * w.shape[1] * w.shape[2] * fc
    groups = x.shape[3] // fc
    if groups > 1:
        note += f", {groups} groups"
    k_all = w.shape[1] * w.shape[2] * fc
    dsp = records is not None  # the DSP kernel: two pixels widened to int16 at a time
    pointwise = (w.shape[1] == w.shape[2] == 1 and p["stride_h"] == p["stride_w"] == 1 and groups == 1
                 and x.shape[1:3] == y.shape[1:3])
    w_arg: Any = T(w.index)
    win = False  # the wide layout over receptive fields widened where they lie (tslm_dsp_conv_wide_win_s8)
    c1 = False  # one input channel: K in groups of four taps along filter lines (tslm_dsp_conv_wide_c1_s8)
    if dsp:
        wt = ConstArray(lw.name(op, "filter"), "int8_t",
                        interleave_pairs(w.data.reshape(w.shape[0], k_all), y.shape[3] // groups),  # type: ignore
                        f"tensor {w.index}, output channel pairs interleaved by fours for the DSP kernel")
        consts, (rec, fast) = [records[0], wt], records
        pairs = (offset_pair_consts(lw, op, s.consts, w.data.reshape(w.shape[0], k_all), y.zero_point,  # type: ignore
                                    p["act_min"], p["act_max"], w.index) if groups == 1 else None)
        if pairs is not None:  # the offset-pair layout (dsp_offset_pairs.py) where it is exact
            (rec, wt), fast = pairs, 2
            consts = [rec, wt]
        win = conv_wide_win(w.shape[1], w.shape[2], fc, groups, max(p["stride_h"], p["stride_w"]), pointwise,
                            y.shape[3], p["dilation_w"], p["act_max"])  # (fields widened where they lie)
        c1 = conv_wide_c1(w.shape[1], w.shape[2], fc, x.shape[3], groups, (p["dilation_h"], p["dilation_w"]),
                          y.shape[3])  # one input channel
        if (conv_wide(pointwise, k_all, y.shape[3])  # few input channels: int16 weights, 2 pixels x 2 channels
                or conv_wide_cols(w.shape[1] * w.shape[2], groups, k_all, y.shape[3])  # (a first layer's im2col)
                or win or c1):
            named = {c.name: c for c in s.consts}
            lo, hi = p["act_min"], p["act_max"]
            wrec = conv_wide_records(named[lw.name(op, "bias")].values, named[lw.name(op, "multiplier")].values,
                                     named[lw.name(op, "shift")].values,
                                     w.data.reshape(w.shape[0], k_all),  # type: ignore[union-attr]
                                     y.zero_point if (lo, hi) == (-128, 127) else y.zero_point - lo)
            if wrec is not None:
                rec = ConstArray(lw.name(op, "requant"), "int32_t", wrec,
                                 "wide layout records per pair of output channels: 2 x bias of each, then "
                                 "multiplier (Q31), right shift, rounding + zero point of each (bias includes the "
                                 "input offset)", role="requant")
                rows = w.data.reshape(w.shape[0], k_all)  # type: ignore[union-attr]
                if conv_wide_rgb(w.shape[1], w.shape[2], fc):  # an RGB first layer: K as the kernel widens it
                    rows = rows[:, conv_wide_rgb_order()]
                elif c1:  # one input channel: groups of four taps along filter rows or columns
                    rows = conv_wide_c1_rows(w.data.reshape(w.shape[0], w.shape[1], w.shape[2]))  # type: ignore
                wt = ConstArray(lw.name(op, "filter"), "int16_t", conv_wide_weights(rows),
                                f"tensor {w.index}, 2 x weights as int16 by pairs of output channels and fours of "
                                "inputs for the DSP kernel's wide layout")
                if conv_wide_quad8(pointwise, k_all, y.shape[3], lo, hi):  # K = 8: one stream per four channels
                    rec = ConstArray(lw.name(op, "requant"), "int32_t", conv_wide_quad8_stream(wrec, wt.values),
                                     "wide pointwise stream of fours of output channels: 2 x bias of each, the wide "
                                     "weights of its two pairs (int16 pairs), multiplier (Q31), right shift, "
                                     "rounding + zero point of each (bias includes the input offset)", role="requant")
                else:  # one stream per pair of channels: sums, weights, records
                    rec = ConstArray(lw.name(op, "requant"), "int32_t", conv_wide_stream(wrec, wt.values),
                                     "wide layout stream per pair of output channels: 2 x bias of each, the pair's "
                                     "weights (2 x int16 by fours of inputs), multiplier (Q31), right shift, "
                                     "rounding + zero point of each (bias includes the input offset)", role="requant")
                fast, wt, consts = 3, rec, [rec]
        p.update(multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=int(fast))
        w_arg, bias_arg = Ref(wt.name, "const int8_t *" if fast == 3 else None), Lit("NULL")
    # offset pairs three pixels a block (tslm_dsp_conv_rows3_s8): scratch for three widened pixels
    three = (dsp and not lw.target.mve and p["requant_fast"] == 2
             and conv_triples(p, (x.shape[1], x.shape[2]), (y.shape[1], y.shape[2]), fc, x.shape[3], y.shape[3]))
    call = Call(op, "tslm_conv_s8", "tslm_conv",
                [T(x.index), w_arg, bias_arg, T(y.index), Scratch("int16_t")],
                "tslm_conv_params", {k: p[k] for k in order}, consts, macs=macs, note=note,
                reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                scratch_bytes=(conv_wide_win_scratch(k_all, y.shape[3], w.shape[1] * w.shape[2] == 1) if p["requant_fast"] == 3 and win else
                               conv_wide_c1_scratch(w.shape[1], w.shape[2], p["stride_h"], p["stride_w"], y.shape[1],
                                                    y.shape[2], y.shape[3]) if p["requant_fast"] == 3 and c1 else
                               conv_wide_scratch(k_all, w.shape[1] * w.shape[2] > 1, y.shape[3],
                                                 conv_wide_rgb(w.shape[1], w.shape[2], fc))
                               if p["requant_fast"] == 3 else
                               max(conv_dsp_scratch(k_all, w.shape[1] * w.shape[2] > 1), 24 * (k_all // 4) if three
                                   else 0))
                if dsp else 0,
                inplace=[(x.index, y.index)] if pointwise and y.shape[3] <= x.shape[3] else [],
                inplace_scratch=0 if dsp else x.shape[3], inplace_params={"in_place": 1})
    if lw.target.mve:
        return helium_layout.conv(lw, call)
    if dsp and p["requant_fast"] == 3:  # the wide pointwise layout: its own entry (the linker leaves the rest out)
        call = lw.target_kernel(call, "conv")
        call.func = call.func.replace("conv_s8", "conv_wide_win_s8" if win else
                                      "conv_wide_c1_s8" if c1 else "conv_wide_s8")
        return call
    if three:  # three pixels a block: its own entry, so that other models link neither of its routines
        call = lw.target_kernel(call, "conv")
        call.func = call.func.replace("conv_s8", "conv_rows3_s8")
        return call
    return lw.target_kernel(call, "conv") if dsp else call


@register('DEPTHWISE_CONV_2D')
def depthwise_conv_2d(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return _conv_f32(lw, op, depthwise=True)
    if _is_16x8(lw, op):
        return _conv_s16(lw, op, depthwise=True)
    s = _conv_common(lw, op, depthwise=True)
    x, w, y, bias_idx, p = s.x, s.w, s.y, s.bias_idx, s.params
    consts, note, bias_arg, records = s.consts, s.note, s.bias_arg, s.records
    lw.need(w.shape[0] == 1 and w.shape[3] == y.shape[3], op,
              f"filter {lw.shape_str(w.shape)} must be 1 x H x W x output channels", tensor=w.index)
    ic, oc = x.shape[3], y.shape[3]
    lw.need(ic > 0 and oc % ic == 0, op, f"output channels {oc} are not a multiple of input channels {ic}")
    dm = oc // ic
    given = op.options.get("depth_multiplier", dm)
    lw.need(given == dm, op, f"depth_multiplier option {given} disagrees with the shapes ({oc} output / {ic} input "
            f"channels = {dm}); TFLM's kernel would index out of bounds")
    p = {**p, "depth_multiplier": dm}
    if dm > 1:
        note += f", depth multiplier {dm}"  # (passes.grouped_conv_for_depth_multipliers may rewrite it)
    order = ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w", "depth_multiplier",
             "output_h", "output_w", "output_c", "stride_h", "stride_w", "dilation_h", "dilation_w", "pad_h",
             "pad_w", "input_offset", "output_offset", "multiplier", "shift", "act_min", "act_max", "bias_folded",
             "cache_rows", "requant", "requant_fast", "ring_w", "band_h"]
    p["cache_rows"] = 0
    p["ring_w"] = 0
    p["band_h"] = 0
    in_place_ok = (dm == 1 and p["stride_h"] == p["stride_w"] == 1 and x.shape == y.shape and p["pad_h"] >= 0)
    w_arg: Any = T(w.index)
    scratch = 0
    fh, fw = w.shape[1], w.shape[2]
    iw, oh, ow = x.shape[2], y.shape[1], y.shape[2]
    # A 1 x K filter over a row of height 1 (Keras' Conv1D layout) and the K x 1 filter over a column of width 1
    # are the same bytes in NHWC: the kernel is told the geometry its fast paths take. DSP: the column layout's
    # width-1 routines (1x3, 49 steps, 64 channels: 65.8 -> 2.6 instructions/MAC); Helium: one row of
    # ring_w columns instead of a ring refilled for every one-pixel row (3x1: 6.9 -> 4.3)
    row, col = x.shape[1] == oh == 1 and fh == 1 and fw > 1, iw == ow == 1 and fw == 1 and fh > 1
    if (records is not None and row) or (lw.target.mve and col):
        for a, b in (("input_h", "input_w"), ("filter_h", "filter_w"), ("output_h", "output_w"),
                     ("stride_h", "stride_w"), ("dilation_h", "dilation_w"), ("pad_h", "pad_w")):
            p[a], p[b] = p[b], p[a]
        fh, fw, iw, oh, ow = fw, fh, x.shape[1], ow, oh
        note += f", as {fh}x1 over a column of width 1" if row else f", as 1x{fw} over a row of height 1"
    wdata, k_macs, zero_tap = w.data, fh * fw, False
    if (records is not None and dm == 1 and iw == ow == 1 and fw == 1 and fh == 2 and p["dilation_h"] == 1
            and p["stride_h"] in (1, 2)):
        # DSP, 2 x 1 over a column of width 1: as 3 x 1 whose first tap is zero, one more row of padding above
        # (the same sums; padding rows are zero points, whose folded share cancels), so it takes the width-1
        # 3 x 1 routines with their usual geometry (SAME: pad_h 1)
        wdata = np.concatenate([np.zeros((1, 1, oc), w.data.dtype), w.data.reshape(2, 1, oc)])  # type: ignore
        fh = p["filter_h"] = 3
        p["pad_h"] += 1
        note += ", as 3x1 with a zero first tap"
        zero_tap = True
    if (records is not None and records[1] and not lw.target.mve and dm == 1
            and p["input_h"] == iw == oh == ow == 1):
        # DSP, a 1x1 image with a 1x1 output (any filter, padding, stride, dilation): only the tap on the pixel
        # (ky = pad_h / dilation_h, kx likewise, where whole and inside the filter) reads the image, the others
        # padding, i.e. zero points: as a 1x1 VALID filter of that tap, its record's bias taking the other taps'
        # folded share back out (2 x (bias + input_offset x w_tap); fast records only, whose bound holds for a
        # subset of the taps). The column layout's records and weights, so tslm_dsp_depthwise_conv_s8 runs it
        # too; the entry of its own below streams the channels (tslm_dsp_depthwise_conv_px_s8)
        w3 = np.asarray(wdata, dtype=np.int64).reshape(fh, fw, oc)
        ky, kx = divmod(p["pad_h"], p["dilation_h"]), divmod(p["pad_w"], p["dilation_w"])
        tap = (w3[ky[0], kx[0]] if ky[1] == kx[1] == 0 and ky[0] < fh and kx[0] < fw
               else np.zeros(oc, np.int64))
        rec, fast = records
        rows = np.asarray(rec.values, dtype=np.int64).reshape(-1, 4).copy()
        rows[:, 0] += 2 * (-p["input_offset"]) * (w3.sum(axis=(0, 1)) - tap)
        records = (ConstArray(rec.name, rec.ctype, rows.reshape(-1), rec.comment + ", the image's one tap only",
                              role=rec.role), fast)
        wdata = tap.astype(np.asarray(wdata).dtype).reshape(1, 1, oc)
        if (fh, fw) != (1, 1):
            note += f", as 1x1 (the tap on the pixel; {fh}x{fw} over a 1x1 image)"
        fh = fw = p["filter_h"] = p["filter_w"] = 1
        p.update(pad_h=0, pad_w=0, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1)
    span = (fh - 1) * p["dilation_h"] + 1
    ring_w = (ow - 1) * p["stride_w"] + (fw - 1) * p["dilation_w"] + 1  # columns -pad_w ...
    col_scratch = band_scratch(ic, ring_w, oh, fh, p["stride_h"])  # (the whole image as one band)
    ring_scratch = span * ring_w * (-(-ic // 4)) * 8
    # 3x3 at stride 2: the column layout's Thumb-2 driver (in bands for large images) where its epilogue is 0 or 4,
    # else the row window's nine taps (the column layout's other epilogues are C loops: 48x48 -> 24x24, 16 channels
    # 7.3 against 4.5 instr/MAC)
    col_epi = (depthwise_column_records(records[0].values, records[1], p["output_offset"], p["act_min"],
                                        p["act_max"])[1] if records is not None else -1)
    row_3x3_s2 = (p["stride_h"] == 2 and fh == fw == 3 and p["dilation_w"] == 1
                  and col_epi not in (0, 4))
    # A dilated K x 1 over a column of width 1 at stride 1 (every phase t = p, p + d, ... a stride-1 K x 1 over
    # x[p'::d]): the column layout once per phase with the row step d x C (col_dilated in the DSP kernel), never
    # in bands and never in place (a phase's outputs are other phases' inputs)
    dil_col = (p["dilation_h"] > 1 and iw == ow == 1 and fw == 1 and p["stride_h"] == 1
               and p["input_h"] >= p["dilation_h"] and col_scratch <= max(ring_scratch, DW_COL_MIN_SCRATCH))
    # A 2-D filter dilated along y at stride 1, pads multiples of the dilation: its d_h x d_w phases stacked in
    # scratch and run as one undilated stride-1 call of the column layout (tslm_dsp_depthwise_conv_dilated_s8;
    # 3x3, dilation 2, 12x12x32: 7.47 -> 2.52 instructions/MAC), where the stack's scratch stays small
    stack, stack_ring, stack_scratch = None, 0, 0
    if (records is not None and not lw.target.mve and dm == 1 and p["dilation_h"] > 1 and fh >= 2 and fw >= 2
            and p["stride_h"] == p["stride_w"] == 1 and p["pad_h"] % p["dilation_h"] == 0
            and p["pad_w"] % p["dilation_w"] == 0 and p["input_h"] >= p["dilation_h"] and iw >= p["dilation_w"]):
        st = dilated_stack(p["input_h"], iw, oh, ow, fh, p["dilation_h"], p["dilation_w"], p["pad_h"])
        stack_ring = st.ows + fw - 1
        stack_scratch = band_scratch(ic, stack_ring, st.out_rows, fh, 1) + st.rows * st.ws * ic
        if st.fits and stack_scratch <= max(ring_scratch, DW_DILATED_SCRATCH):
            stack = st
    # 3x3 at stride 2 over up to 12 output rows (24x24 -> 12x12): the whole image in one column-layout call where its
    # columns fit a band's scratch (the kernel's passes of four rows with columns of 13 words), not bands of 8 + 4
    whole_s2 = (fh == fw == 3 and p["stride_h"] == p["stride_w"] == 2 and p["dilation_h"] == p["dilation_w"] == 1
                and oh <= 12 and col_scratch <= max(ring_scratch, DW_BAND_SCRATCH))
    band_h = 0  # a large image's column layout in bands of output rows (stride 1; dsp_bands.py)
    if (records is not None and dm == 1 and p["dilation_h"] == 1 and p["stride_h"] in (1, 2) and not row_3x3_s2
            and not whole_s2 and col_scratch > max(ring_scratch, DW_COL_MIN_SCRATCH)):
        limit = DW_BAND_SCRATCH
        if fh == fw == 3 and p["stride_h"] == p["stride_w"] == 2 and p["dilation_w"] == 1:
            limit = DW_BAND_SCRATCH_S2 if column_band(ic, ring_w, oh, fh, 2, DW_BAND_SCRATCH) == 8 else limit
        band_h = column_band(ic, ring_w, oh, fh, p["stride_h"], max(ring_scratch, limit))
        if band_h:
            col_scratch = band_scratch(ic, ring_w, band_h, fh, p["stride_h"])
            in_place_ok = False  # a band overwrites input rows the next one reads
    if records is not None and ic == 1 and dm > 1 and p["dilation_w"] == 1 and fh * fw <= 1 << 14:
        # DSP, one input channel (micro_speech's 10x8, depth multiplier 8): a convolution whose output channels
        # read one patch; each output pixel's patch widened once to int16 pairs in scratch, one SMLAD per two
        # MACs of each channel on it (doubled weights: < 2^31 for up to 2^14 taps)
        scratch = 4 * depthwise_patch_words(fh, fw)
        wt = ConstArray(lw.name(op, "filter"), "int16_t",
                        depthwise_patch_weights(w.data.reshape(fh, fw, oc)),  # type: ignore[union-attr]
                        f"tensor {w.index} doubled, per channel the patch's int16 pairs, channel pairs by four words")
        rec, fast = records
        values, epi = depthwise_column_records(rec.values, fast, p["output_offset"], p["act_min"], p["act_max"])
        rec = ConstArray(rec.name, rec.ctype, values, rec.comment + (
            ", rounding with the output zero point folded in" if epi < 2 else ""), role=rec.role)
        consts = [rec, wt]
        p.update(multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=DW_PATCH + epi)
        w_arg, bias_arg = Ref(wt.name, "const int8_t *"), Lit("NULL")
        note += ", one patch per pixel for all channels"
    elif (records is not None and dm == 1 and (p["dilation_h"] == 1 or dil_col or stack) and p["stride_h"] in (1, 2)
            and not row_3x3_s2 and (col_scratch <= max(ring_scratch, DW_COL_MIN_SCRATCH) or band_h or stack or whole_s2)):
        # DSP, column layout: each padded input column of four channels widened whole, taps paired along
        # y (two MACs per SMLAD), four output rows at a time; a group's channels are read before any of
        # their outputs is written
        scratch = stack_scratch if stack else col_scratch
        wt = ConstArray(lw.name(op, "filter"), "int16_t",
                        depthwise_column_pairs(wdata.reshape(fh, fw, oc), p["stride_h"]),  # type: ignore
                        f"tensor {w.index} doubled, per channel and filter column the tap pairs along y")
        rec, fast = records
        values, epi = depthwise_column_records(rec.values, fast, p["output_offset"], p["act_min"], p["act_max"])
        rec = ConstArray(rec.name, rec.ctype, values, rec.comment + (
            ", rounding with the output zero point folded in" if epi < 2 else ""), role=rec.role)
        consts = [rec, wt]
        p.update(multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=16 + epi,
                 ring_w=stack_ring if stack else ring_w)
        w_arg, bias_arg = Ref(wt.name, "const int8_t *"), Lit("NULL")
        if stack:
            in_place_ok = False  # (the outputs leave the stack only after every phase's inputs went in)
            note += (f", column layout on its {p['dilation_h']} x {p['dilation_w']} phases stacked "
                     f"({stack.rows} x {stack.ws} pixels)")
        if band_h:
            p["band_h"] = band_h
            note += f", column layout in bands of {band_h} rows"
        if dil_col:
            in_place_ok = False
            note += f", column layout per phase of dilation {p['dilation_h']}"
    elif records is not None and dm == 1 and span <= DW_MAX_SPAN:
        # DSP: a window of the filter's span of input rows, zero-point padded and widened to int16
        # (per group of four channels and column, the rows together), read before any output row
        # overwrites them
        scratch = ring_scratch
        wt = ConstArray(lw.name(op, "filter"), "int16_t", widen_depthwise(wdata.reshape(fh * fw, oc)),  # type: ignore
                        f"tensor {w.index} widened: per four channels, per tap, the pairs (c0, c2), (c1, c3)")
        consts, (rec, fast) = [records[0], wt], records
        p.update(multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=int(fast), ring_w=ring_w)
        w_arg, bias_arg = Ref(wt.name, "const int8_t *"), Lit("NULL")
    call = Call(op, "tslm_depthwise_conv_s8", "tslm_depthwise_conv",
                [T(x.index), w_arg, bias_arg, T(y.index), Scratch("int8_t")],
                "tslm_depthwise_conv_params", {k: p[k] for k in order}, consts,
                macs=y.numel * k_macs, note=note,
                reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                scratch_bytes=scratch,
                inplace=[(x.index, y.index)] if in_place_ok else [],
                inplace_scratch=0 if scratch else (p["pad_h"] + 1) * iw * x.shape[3],
                inplace_params={} if scratch else {"cache_rows": p["pad_h"] + 1})
    if lw.target.mve:
        return helium_layout.depthwise_conv(lw, call)
    if scratch > 0 and p["requant_fast"] >= DW_PATCH:  # its own entry, so the linker leaves the other paths out
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_patch_s8")
        return call
    if stack is not None and 16 <= p["requant_fast"] < DW_PATCH:  # its own entry: the stacking code
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_dilated_s8")
        return call
    if (scratch > 0 and 16 <= p["requant_fast"] < DW_PATCH and fw == 1 and fh == 3 and p["input_w"] > 1
            and p["stride_h"] == p["stride_w"] == 1 and p["dilation_h"] == 1 and p["pad_w"] == 0):
        # 3 x 1 at stride 1 over columns wider than 1: the width-1 3 x 1 routine once per column (col_w1k3_cols,
        # no widening; 25x5x64 3.40 -> 2.76 instr/MAC), behind an entry of its own
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_cols_s8")
        return call
    if scratch > 0 and 16 <= p["requant_fast"] < DW_PATCH and zero_tap:
        # 2 x 1 as 3 x 1 with a zero first tap: the width-1 3 x 1 routines' copies with one MAC instruction a block
        # fewer (2x1 over 49x64, relu: 3.90 -> 3.65 instr/MAC, stride 2 5.01 -> 4.58), behind an entry of its own
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_k2_s8")
        return call
    if (scratch > 0 and 16 <= p["requant_fast"] < DW_PATCH and fw == 1 and not p["band_h"]
            and ((p["stride_h"] == 2 and fh >= 4) or p["dilation_h"] > 1)):
        # K x 1 at stride 2 with K >= 4, or dilated: its own entry too (~25 KB of routines at -O2 that only
        # these layers take)
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_k1_s8")
        return call
    if (scratch > 0 and fh == fw == 3 and p["stride_h"] == p["stride_w"] == 2 and not p["band_h"]
            and p["dilation_h"] == p["dilation_w"] == 1
            and (p["output_h"], p["requant_fast"]) in ((3, 16), (4, 16), (4, 20), (6, 16), (6, 20))):
        # 3x3 at stride 2 on small images: three output rows (MobileNet's 6x6 -> 3x3) with outputs clamped to int8
        # (epilogue 0) in one pass with the weights in registers (col_3x3s2t_channels; 6x6x128 2.99 -> 2.69
        # instr/MAC), four rows (8x8 -> 4x4; epilogue 0 or 4) in the four-row pass (8x8x128 2.51 -> 2.45), six
        # rows (12x12 -> 6x6; epilogue 0 or 4) in the six-row pass (col_3x3s2six_channels), all behind a lean
        # driver (col_run_3x3s2t: none of col_run_3x3_body's per-group choices) and an entry of their own
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_3x3s2t_s8")
        return call
    if scratch > 0 and 16 <= p["requant_fast"] < DW_PATCH and fh == fw == 3 and p["stride_h"] == 2:
        # 3x3 at stride 2 in the column layout: its own entry as well (the stride-2 passes: 17 KB at -O2)
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_3x3s2_s8")
        return call
    if (scratch > 0 and 16 <= p["requant_fast"] < DW_PATCH and p["requant_fast"] != 19 and fh == fw == 1
            and p["input_h"] == p["input_w"] == p["output_h"] == p["output_w"] == 1 and dm == 1):
        # a 1x1 image (any filter, as its one tap above): the channels streamed, one SMLABB, the requantization
        # and a store each (1x1x64 3x3 SAME 3.31 -> ~1.5 instructions/MAC), an entry of its own in both builds
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_px_s8")
        return call
    if (scratch > 0 and p["requant_fast"] in (16, 20) and fh == fw == 3 and p["stride_h"] == p["stride_w"] == 1
            and p["dilation_h"] == p["dilation_w"] == 1 and dm == 1 and oh <= 6 and p["pad_h"] in (0, 1)
            and not p["band_h"]):
        # 3x3 at stride 1 over at most six output rows (MobileNet's 6x6 and 3x3 tails), epilogue 0 or 4: its own
        # entry, a whole output column per pass (the column layout's four-row blocks left two rows of six, or a
        # block for three, to C; 6x6x128 2.89 -> 1.76 instructions/MAC)
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_small_s8")
        return call
    if (scratch > 0 and p["requant_fast"] in (16, 20) and fh == fw == 7 and p["stride_h"] == 1
            and p["dilation_h"] == 1 and dm == 1 and not p["band_h"]):
        # 7x7 at stride 1: the column layout's C loop with the filter's shape as constants, its own entry
        # (12x12x32 3.13 -> 1.79)
        call = lw.target_kernel(call, "depthwise_conv")
        call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_k7_s8")
        return call
    return lw.target_kernel(call, "depthwise_conv") if scratch > 0 else call


def as_grouped_conv(lw: Lowering, call: Call) -> Call | None:
    """A depthwise call with a depth multiplier > 1 as a grouped CONV_2D with one input channel per group, on
    the targets that gain from it (Cortex-M DSP: its im2col kernel and requantization records; Helium: one
    input channel, its GEMM layout); None where the depthwise call stays."""
    p = dict(call.param_items())
    if call.func != "tslm_depthwise_conv_s8" or p["depth_multiplier"] <= 1 or not p["bias_folded"]:
        return None
    if lw.target.mve:
        return helium_layout.depthwise_multiplier_as_conv(lw, call)
    if not lw.target.dsp:
        return None
    op = call.op
    x, w, y = lw.t(op.inputs[0]), lw.t(op.inputs[1]), lw.t(op.outputs[0])
    named = {c.name: c for c in call.consts}
    mult, shift, fb = named[lw.name(op, "multiplier")], named[lw.name(op, "shift")], named[lw.name(op, "bias")]
    records = lw.dsp_records(op, fb, mult, shift, w.data.reshape(-1, y.shape[3]).T)  # type: ignore[union-attr]
    return _grouped(lw, op, x, w, y, op.inputs[2] if len(op.inputs) > 2 else -1, p, call.note, records)


def _grouped(lw: Lowering, op: Operator, x: Tensor, w: Tensor, y: Tensor, bias_idx: int, p: dict[str, Any],
             note: str, records: tuple[ConstArray, bool]) -> Call:
    """Depth multiplier > 1 is a grouped CONV_2D with one input channel per group:
    out[oc] = sum_taps w[tap][oc] x[tap][oc // dm] either way. The weights are stored
    transposed (1 x H x W x OC -> OC x H x W x 1) so each output channel is one row for
    the DSP im2col kernel; every quantization constant stays the same."""
    fh, fw, oc = w.shape[1], w.shape[2], w.shape[3]
    rows = np.ascontiguousarray(w.data.reshape(fh, fw, oc).transpose(2, 0, 1)).reshape(oc, fh * fw)  # type: ignore
    wt = ConstArray(lw.name(op, "filter"), "int8_t", interleave_pairs(rows, oc // x.shape[3]),
                    f"tensor {w.index} as {oc}x{fh}x{fw}x1 rows, channel pairs interleaved by fours")
    k_all = fh * fw
    rec, fast = records
    given = {**p, "filter_c": 1, "multiplier": None, "shift": None, "in_place": 0, "requant": Ref(rec.name),
             "requant_fast": int(fast)}
    params = {k: given[k] for k in ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w", "filter_c",
                                    "output_h", "output_w", "output_c", "stride_h", "stride_w", "dilation_h",
                                    "dilation_w", "pad_h", "pad_w", "input_offset", "output_offset", "multiplier",
                                    "shift", "act_min", "act_max", "bias_folded", "in_place", "requant",
                                    "requant_fast"]}  # tslm_conv_params' order
    call = Call(op, "tslm_conv_s8", "tslm_conv", [T(x.index), Ref(wt.name), Lit("NULL"), T(y.index),
                                                 Scratch("int16_t")],
                "tslm_conv_params", params, [rec, wt], macs=y.numel * k_all,
                note=note + f" (as a CONV_2D of {x.shape[3]} groups)",
                reads=[x.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                scratch_bytes=conv_dsp_scratch(k_all, k_all > 1))
    return lw.target_kernel(call, "conv")


# ---------------------------------------------------------------- int16x8
@dataclass
class ConvS16Params(KernelParams):
    C_TYPE = "tslm_conv_s16_params"
    batches: int
    input_h: int
    input_w: int
    input_c: int
    filter_h: int
    filter_w: int
    filter_c: int
    output_h: int
    output_w: int
    output_c: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    pad_h: int
    pad_w: int
    multiplier: Ref
    shift: Ref
    act_min: int
    act_max: int
    acc32: int


@dataclass
class DepthwiseConvS16Params(KernelParams):
    C_TYPE = "tslm_depthwise_conv_s16_params"
    batches: int
    input_h: int
    input_w: int
    input_c: int
    filter_h: int
    filter_w: int
    depth_multiplier: int
    output_h: int
    output_w: int
    output_c: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    pad_h: int
    pad_w: int
    multiplier: Ref
    shift: Ref
    act_min: int
    act_max: int


def _is_16x8(lw: Lowering, op: Operator) -> bool:
    return bool(op.inputs) and op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16"


def bias_16x8(lw: Lowering, op: Operator, bias_idx: int, n: int, allow_int32: bool = True
              ) -> tuple[Any, list[ConstArray], int]:
    """The bias of a 16x8 op as an int64 constant array (argument, consts, acc32): TFLM's CONV_2D and
    FULLY_CONNECTED accumulate in int64 with an int64 bias and in int32 with an int32 one (acc32 = 1:
    the kernel wraps the sum to int32); without a bias, as the op's quantized_bias_type option says
    (checked against the oracle both ways); its DEPTHWISE_CONV_2D always in int64."""
    if bias_idx < 0:  # no bias: 32-bit only where the op's quantized_bias_type says INT32 (2), as the oracle does
        return Lit("NULL"), [], int(op.options.get("quantized_bias_type", 0) == 2)
    allowed = ("int64", "int32") if allow_int32 else ("int64",)
    b = lw.dtype(op, bias_idx, allowed, "bias")
    lw.need(b.is_const, op, "the bias must be a constant tensor", tensor=bias_idx)
    lw.need(b.numel == n, op, f"bias has {b.numel} values for {n} outputs", tensor=bias_idx)
    arr = ConstArray(lw.name(op, "bias"), "int64_t", np.asarray(b.data, dtype=np.int64).reshape(-1),
                     f"tensor {bias_idx} ({b.dtype}) as int64")
    return Ref(arr.name), [arr], int(b.dtype == "int32")


def _conv_s16(lw: Lowering, op: Operator, depthwise: bool) -> Call:
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    w = lw.dtype(op, op.inputs[1], ("int8",), "filter")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    # no activation offsets in TFLM's 16x8 convolutions: nonzero int16 zero points are ignored, as there
    lw.need(w.is_const, op, "the filter must be a constant tensor", tensor=w.index)
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        lw.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(all(z == 0 for z in w.quant.zero_point), op, "int8 filters must be symmetric (zero point 0)",
            tensor=w.index)
    lw.need(x.shape[0] == y.shape[0], op, "batch of input and output differ")
    o = op.options
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
    fh, fw = w.shape[1], w.shape[2]
    pad_h = lw.padding(op, x.shape[1], fh, sh, dh, y.shape[1], "height")
    pad_w = lw.padding(op, x.shape[2], fw, sw, dw, y.shape[2], "width")
    ic, oc = x.shape[3], y.shape[3]
    qaxis = 3 if depthwise else 0
    n_scales = len(w.quant.scale)
    lw.need(n_scales in (1, oc) and (n_scales == 1 or w.quant.axis == qaxis), op,
            f"filter has {n_scales} scales on axis {w.quant.axis}; expected 1 or {oc} on axis {qaxis}",
            tensor=w.index)
    reals = [float(x.scale) * float(w.quant.scale[c if n_scales > 1 else 0]) / float(y.scale) for c in range(oc)]
    mult, shift = lw.requant_arrays(op, reals)
    act = o.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, "int16")
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
    bias_arg, bias_consts, acc32 = bias_16x8(lw, op, bias_idx, oc, allow_int32=not depthwise)
    geo = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], input_c=ic, filter_h=fh, filter_w=fw)
    rest = dict(output_h=y.shape[1], output_w=y.shape[2], output_c=oc, stride_h=sh, stride_w=sw, dilation_h=dh,
                dilation_w=dw, pad_h=pad_h, pad_w=pad_w, multiplier=Ref(mult.name), shift=Ref(shift.name),
                act_min=lo, act_max=hi)
    note = (f"int16x8, {fh}x{fw} stride {sh}x{sw} dilation {dh}x{dw} {o.get('padding', 'VALID')} "
            f"(pad {pad_h},{pad_w})" + (f", {act.lower()}" if act != "NONE" else "")
            + (", TFLM's 32-bit accumulator" if acc32 else ""))
    reads = [x.index, w.index] + ([bias_idx] if bias_idx >= 0 else [])
    if depthwise:
        lw.need(w.shape[0] == 1 and w.shape[3] == oc, op,
                f"filter {lw.shape_str(w.shape)} must be 1 x H x W x output channels", tensor=w.index)
        lw.need(ic > 0 and oc % ic == 0, op, f"output channels {oc} are not a multiple of input channels {ic}")
        params: KernelParams = DepthwiseConvS16Params(**geo, depth_multiplier=oc // ic, **rest)
        return Call(op, "tslm_depthwise_conv_s16", "tslm_depthwise_conv",
                    [T(x.index), T(w.index), bias_arg, T(y.index)], params=params,
                    consts=[mult, shift, *bias_consts], macs=y.numel * fh * fw, note=note,
                    reads=reads, writes=[y.index])
    fc = w.shape[3]
    lw.need(fc > 0 and ic % fc == 0 and oc % (ic // fc) == 0, op,
            f"input channels {ic} are not a multiple of filter channels {fc}", tensor=w.index)
    lw.need(w.shape[0] == oc, op, "filter count differs from output channels", tensor=w.index)
    params = ConvS16Params(**geo, filter_c=fc, **rest, acc32=acc32)
    return Call(op, "tslm_conv_s16", "tslm_conv", [T(x.index), T(w.index), bias_arg, T(y.index)], params=params,
                consts=[mult, shift, *bias_consts], macs=y.numel * fh * fw * fc, note=note,
                reads=reads, writes=[y.index])


# ---------------------------------------------------------------- float32
@dataclass
class ConvF32Params(KernelParams):
    C_TYPE = "tslm_conv_f32_params"
    batches: int
    input_h: int
    input_w: int
    input_c: int
    filter_h: int
    filter_w: int
    filter_c: int
    output_h: int
    output_w: int
    output_c: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    pad_h: int
    pad_w: int
    activation: int


@dataclass
class DepthwiseConvF32Params(KernelParams):
    C_TYPE = "tslm_depthwise_conv_f32_params"
    batches: int
    input_h: int
    input_w: int
    input_c: int
    filter_h: int
    filter_w: int
    depth_multiplier: int
    output_h: int
    output_w: int
    output_c: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    pad_h: int
    pad_w: int
    activation: int


def _conv_f32(lw: Lowering, op: Operator, depthwise: bool) -> Call:
    """float32: TFLM's reference Conv / DepthwiseConv (its float kernels), same summation order."""
    lw.io(op, 2)
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    w = lw.dtype(op, op.inputs[1], ("float32",), "filter")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        lw.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {lw.shape_str(t.shape)}", tensor=t.index)
    lw.need(x.shape[0] == y.shape[0], op, "batch of input and output differ")
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
    ic, oc = x.shape[3], y.shape[3]
    if bias_idx >= 0:
        lw.dtype(op, bias_idx, ("float32",), "bias")
        lw.need(lw.t(bias_idx).numel == oc, op, f"bias has {lw.t(bias_idx).numel} values for {oc} outputs",
                tensor=bias_idx)
    o = op.options
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
    fh, fw = w.shape[1], w.shape[2]
    pad_h = lw.padding(op, x.shape[1], fh, sh, dh, y.shape[1], "height")
    pad_w = lw.padding(op, x.shape[2], fw, sw, dw, y.shape[2], "width")
    act, act_note = lw.float_activation(op)
    geo = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], input_c=ic, filter_h=fh, filter_w=fw)
    rest = dict(output_h=y.shape[1], output_w=y.shape[2], output_c=oc, stride_h=sh, stride_w=sw, dilation_h=dh,
                dilation_w=dw, pad_h=pad_h, pad_w=pad_w, activation=act)
    note = (f"float32, {fh}x{fw} stride {sh}x{sw} dilation {dh}x{dw} {o.get('padding', 'VALID')} "
            f"(pad {pad_h},{pad_w})" + act_note)
    args = [T(x.index), T(w.index), T(bias_idx) if bias_idx >= 0 else Lit("NULL"), T(y.index)]
    reads = [x.index, w.index] + ([bias_idx] if bias_idx >= 0 else [])
    if depthwise:
        lw.need(w.shape[0] == 1 and w.shape[3] == oc, op,
                f"filter {lw.shape_str(w.shape)} must be 1 x H x W x output channels", tensor=w.index)
        lw.need(ic > 0 and oc % ic == 0, op, f"output channels {oc} are not a multiple of input channels {ic}")
        given = o.get("depth_multiplier", oc // ic)
        lw.need(given == oc // ic, op, f"depth_multiplier option {given} disagrees with the shapes ({oc} output / "
                f"{ic} input channels); TFLM's kernel would index out of bounds")
        params: KernelParams = DepthwiseConvF32Params(**geo, depth_multiplier=oc // ic, **rest)
        return Call(op, "tslm_depthwise_conv_f32", "tslm_depthwise_conv", args, params=params,
                    macs=y.numel * fh * fw, note=note, reads=reads, writes=[y.index])
    fc = w.shape[3]
    lw.need(fc > 0 and ic % fc == 0 and oc % (ic // fc) == 0, op,
            f"input channels {ic} are not a multiple of filter channels {fc}", tensor=w.index)
    lw.need(w.shape[0] == oc, op, "filter count differs from output channels", tensor=w.index)
    params = ConvF32Params(**geo, filter_c=fc, **rest)
    return Call(op, "tslm_conv_f32", "tslm_conv", args, params=params, macs=y.numel * fh * fw * fc, note=note,
                reads=reads, writes=[y.index])
