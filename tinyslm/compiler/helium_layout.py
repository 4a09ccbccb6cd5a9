"""The Helium (MVE) target's choices for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: weight
layouts and requantization records computed at compile time (firmware/kernels/helium/), and the
rewrite of a portable kernel call into the MVE kernel's call.

The MVE kernels take the portable params struct; `requant` set means the compiler's layout:
- GEMM (CONV_2D with one group, FULLY_CONNECTED): output channels in groups of four; per group and
  per 16 bytes of a row, the four channels' 16 bytes one after another (rows zero-padded to a
  multiple of 16, channels to a multiple of four); records, 12 int32 per group: the folded bias of
  the four channels, their multipliers, their shifts.
- DEPTHWISE_CONV_2D: weights widened to int16, per block of eight channels, per tap, the eight
  channels (zeros past the last); records, 24 int32 per block: bias of channels 0, 2, 4, 6, then
  1, 3, 5, 7, their multipliers in that order, then their shifts.
Only right shifts (every shift <= 0) take a layout, with the input offset folded into the bias (TFLM
and CMSIS-NN add it at run time: CMSIS-NN sums the kernel once before the first inference). Anything
else calls the MVE kernel with the model's own layout (it handles an unfolded input offset), or the
portable kernel where the MVE kernel has no path (grouped convolutions, depth multiplier > 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .lowering import Call, ConstArray, Lit, Lowering, Ref, Scratch

SHORT_MAX_K = 32  # patch bytes the short-patch entry takes (tslm_mve_conv_short_s8)
SHORT_BATCH = 32  # pixels whose patches it builds at a time (TSLM_SHORT_BATCH)
ROWS_MIN_ROW = 16  # filter rows longer than this (bytes, undilated) take tslm_mve_conv_rows_s8 (when K > 32)
PAIRS_MIN_DEPTH = 16  # patches longer than this (bytes) take the pairs entry over the short one where both could
PAIRS_MAX_DEPTH = 96  # FULLY_CONNECTED rows the two-row entry takes (tslm_mve_fully_connected_pairs_s8: 6 chunks of 16)
DW_MAX_ROWS = 16  # filter rows the depthwise layout path handles (DW_MAX_ROWS in tslm_mve_depthwise_conv.c)


def gemm_weights(rows: np.ndarray) -> np.ndarray:
    """Rows (n_out x depth, int8) in groups of four interleaved by 16 bytes, zero-padded.

    >>> w = gemm_weights(np.arange(1, 11).reshape(5, 2))
    >>> w.shape, w[:2].tolist(), w[16:18].tolist(), w[64:66].tolist(), int(w[66:].sum())
    ((128,), [1, 2], [3, 4], [9, 10], 0)
    """
    n_out, depth = rows.shape
    k16, groups = -(-depth // 16) * 16, -(-n_out // 4)
    padded = np.zeros((groups * 4, k16), dtype=np.int64)
    padded[:n_out, :depth] = rows
    return padded.reshape(groups, 4, k16 // 16, 16).transpose(0, 2, 1, 3).reshape(-1)


def gemm_records(bias: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Per group of four channels: bias[4], multiplier[4], shift[4] (zeros past the last channel).

    >>> gemm_records(np.array([7, 8, 9, 10, 11]), np.array([1, 2, 3, 4, 5]), np.array([-1] * 5)).tolist()[12:]
    [11, 0, 0, 0, 5, 0, 0, 0, -1, 0, 0, 0]
    """
    n = len(bias)
    groups = -(-n // 4)
    rec = np.zeros((groups, 3, 4), dtype=np.int64)
    for i, v in enumerate((bias, mult, shift)):
        col = np.zeros(groups * 4, dtype=np.int64)
        col[:n] = v
        rec[:, i, :] = col.reshape(groups, 4)
    return rec.reshape(-1)


def dw_weights(w: np.ndarray) -> np.ndarray:
    """Depthwise weights (taps x channels, int8) widened, per block of eight channels per tap.

    >>> dw_weights(np.arange(1, 21).reshape(2, 10)).tolist()[:16]
    [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18]
    """
    taps, ch = w.shape
    c8 = -(-ch // 8) * 8
    padded = np.zeros((taps, c8), dtype=np.int64)
    padded[:, :ch] = w
    return padded.reshape(taps, c8 // 8, 8).transpose(1, 0, 2).reshape(-1)


def dw_records(bias: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Per block of eight channels: for bias, multiplier and shift in turn, the even channels then the odd.

    >>> dw_records(np.arange(8), np.arange(8) + 10, -np.arange(8)).tolist()[:8]
    [0, 2, 4, 6, 1, 3, 5, 7]
    """
    n = len(bias)
    blocks = -(-n // 8)
    rec = np.zeros((blocks, 3, 2, 4), dtype=np.int64)
    for i, v in enumerate((bias, mult, shift)):
        col = np.zeros(blocks * 8, dtype=np.int64)
        col[:n] = v
        per = col.reshape(blocks, 4, 2)  # channel 2j + h
        rec[:, i, 0, :] = per[:, :, 0]
        rec[:, i, 1, :] = per[:, :, 1]
    return rec.reshape(-1)


def _const(call: Call, ref: Any) -> np.ndarray | None:
    """The values of the ConstArray a params field or argument refers to (None when it is not one)."""
    if not isinstance(ref, Ref):
        return None
    return next((c.values for c in call.consts if c.name == ref.name), None)


def _per_channel(v: np.ndarray, n: int) -> np.ndarray:
    return np.broadcast_to(v, (n,)) if len(v) == 1 else v


def _use_layout(lw: Lowering, call: Call, weights: np.ndarray, records: np.ndarray, wtype: str, what: str) -> None:
    op = call.op
    wt = ConstArray(lw.name(op, "filter"), wtype, weights, f"tensor {op.inputs[1]}, {what} for the MVE kernel")
    rec = ConstArray(lw.name(op, "requant"), "int32_t", records,
                     "per group of channels: bias (input offset folded in), multipliers (Q31), right shifts")
    call.consts = [rec, wt]
    call.args[1], call.args[2] = Ref(wt.name, "const int8_t *" if wtype != "int8_t" else None), Lit("NULL")
    call.set_params(multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=1)


def conv(lw: Lowering, call: Call, rows: np.ndarray | None = None) -> Call:
    """CONV_2D: the MVE kernel, with its layout where the weights are constant (one group).
    rows: the weights as output_c rows, when they are not the call's weight tensor as it is."""
    p = dict(call.param_items())
    if p["filter_c"] != p["input_c"]:
        return call  # grouped: the portable kernel
    fh, fw, ic = p["filter_h"], p["filter_w"], p["input_c"]
    k = fh * fw * ic
    im2col = False
    for oy in range(p["output_h"]):
        y0 = oy * p["stride_h"] - p["pad_h"]
        for ox in range(p["output_w"]):
            x0 = ox * p["stride_w"] - p["pad_w"]
            inside = (y0 >= 0 and x0 >= 0 and y0 + p["dilation_h"] * (fh - 1) < p["input_h"]
                      and x0 + p["dilation_w"] * (fw - 1) < p["input_w"])
            direct = inside and (fw == 1 or p["dilation_w"] == 1) and (
                fh == 1 or (x0 == 0 and fw == p["input_w"] and p["dilation_h"] == 1))
            im2col = im2col or not direct
    call.scratch_bytes = max(call.scratch_bytes, k if im2col else 0)
    bias, mult, shift = _const(call, call.args[2]), _const(call, p["multiplier"]), _const(call, p["shift"])
    oc = p["output_c"]
    if (rows is not None or _tensor_const(lw, call, 1)) and p["bias_folded"] and bias is not None and \
            mult is not None and shift is not None and int(np.max(shift)) <= 0:
        # the layout path takes two pixels at a time: two patches, two pixels' copies when in place
        call.scratch_bytes = max(call.scratch_bytes, 2 * k if im2col else 0)
        call.inplace_scratch = 2 * ic if call.inplace else call.inplace_scratch
        rows = (rows if rows is not None else _weights(lw, call)).reshape(oc, k)
        pairs = conv_pairs(p, bool(call.inplace)) and p["batches"] * p["output_h"] * p["output_w"] >= 2
        # patches of 17..32 bytes over more than one pixel (a 1 x K stem: built by the short entry, read where they
        # lie here) take the pairs entry: 1x3 over 10 channels, 32 outputs, 47 pixels 14,469 -> 11,750 instructions;
        # 1x1 stays short (read in place there too: 1x1 over 17 channels, 16 outputs 5,156 against 6,531)
        if k <= SHORT_MAX_K and not (pairs and k > PAIRS_MIN_DEPTH and p["filter_w"] > 1):
            return _conv_short(lw, call, rows, bias, _per_channel(mult, oc), _per_channel(shift, oc))
        _use_layout(lw, call, gemm_weights(rows), gemm_records(bias, _per_channel(mult, oc), _per_channel(shift, oc)),
                    "int8_t", "output channels in groups of four interleaved by 16 bytes")
        if pairs:
            # one filter row, unpadded: every patch one run of at most 96 bytes, the pixels through the
            # FULLY_CONNECTED two-row path (tslm_mve_conv_pairs_s8); in place (1x1), two pixels copied at a time
            call.scratch_bytes = 0
            call.inplace_scratch = 2 * ic if call.inplace else 0
            call = lw.target_kernel(call, "conv")
            form = fc_pairs_form(fw * ic, shift, p["act_min"], p["act_max"], p["output_offset"])
            call.func = call.func.replace("conv_s8", f"conv_pairs_s8_{form}")
            return call
        run = fh == 1 or (fw == p["input_w"] and p["dilation_h"] == 1)  # patches inside the image: one run
        if im2col and fw * ic > ROWS_MIN_ROW and p["dilation_w"] == 1 and not run:
            # long filter rows: the entry that builds every patch with 16-byte copies (never in place; a filter
            # whose patches are one run of the input inside the image stays with the general entry, which reads them
            # where they lie)
            call.inplace, call.inplace_scratch, call.inplace_params = [], 0, {}
            call = lw.target_kernel(call, "conv")
            call.func = call.func.replace("conv_s8", "conv_rows_s8")
            return call
    return lw.target_kernel(call, "conv")


def conv_pairs(p: dict, in_place: bool) -> bool:
    """Whether a CONV_2D with the GEMM layout takes tslm_mve_conv_pairs_s8 (its pairs_handles): one filter row,
    unpadded, undilated across, patches of at most PAIRS_MAX_DEPTH bytes, output channels a multiple of four (a
    partial last group costs two general rows a pair: 1x1 over 36 channels, 9 outputs, stride 2 2,969 -> 4,063
    instructions; 1x3 over 32 channels, 6 outputs 3,313 -> 3,500; without one 1x1 40 -> 8 5,906 -> 4,594, 64 -> 4
    2,188 -> 2,031); in place only 1x1 with no more output channels than input channels.

    >>> geo = dict(filter_h=1, filter_w=3, input_c=32, filter_c=32, pad_h=0, pad_w=0, dilation_w=1, output_c=56)
    >>> conv_pairs(geo, False), conv_pairs(geo, True), conv_pairs({**geo, "pad_w": 1}, False)
    (True, False, False)
    """
    return (p["filter_c"] == p["input_c"] and p["filter_h"] == 1 and p["pad_h"] == 0 and p["pad_w"] == 0
            and (p["filter_w"] == 1 or p["dilation_w"] == 1) and p["filter_w"] * p["input_c"] <= PAIRS_MAX_DEPTH
            and p["output_c"] >= 4 and p["output_c"] % 4 == 0
            and (not in_place or (p["filter_w"] == 1 and p["output_c"] <= p["input_c"])))


def fc_pairs_form(depth: int, shift: np.ndarray, act_min: int, act_max: int, output_offset: int) -> str:
    """The assembly form of the FULLY_CONNECTED two-row path a layer takes (the suffix of its entry,
    tslm_mve_fully_connected.h: TSLM_FC_PAIRS_FORMS; the run-time choice of rows_records_short in C): C = the depth's
    16-byte chunks, kind r for a relu (act_min >= the zero point: no rounding fix; C <= 4), s for no activation with
    every shift <= -1 (the clamp a saturation), else g (VMAX/VMIN and the fix). Named in the call, so that only the
    forms a model uses are linked.

    >>> fc_pairs_form(64, np.array([-1, -3]), -128, 127, 5), fc_pairs_form(64, np.array([0, -3]), -128, 127, 5)
    ('s4', 'g4')
    >>> fc_pairs_form(64, np.array([0]), -7, 127, -7), fc_pairs_form(65, np.array([-1]), -7, 127, -7)
    ('r4', 'g5')
    """
    chunks = -(-depth // 16)
    assert 1 <= chunks <= 6, depth
    if act_min >= output_offset:
        kind = "r" if chunks <= 4 else "g"
    elif act_min == -128 and act_max == 127 and int(np.max(shift)) <= -1:
        kind = "s"
    else:
        kind = "g"
    return f"{kind}{chunks}"


def short_stream(rows: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """The short-patch layout (tslm_mve_conv_short_s8) as int32 words: per group of four output channels, the
    weights of its channels 0, 2, 1, 3 (K zero-padded to 16 or 32 bytes each), then their bias, multipliers and
    shifts (zeros past the last channel).

    >>> s = short_stream(np.arange(1, 6).reshape(5, 1), np.arange(5) + 10, np.arange(5) + 20, -np.ones(5, int))
    >>> s.shape, s[[0, 4, 8, 12]].tolist(), s[16:20].tolist(), s[28].tolist(), s[44:48].tolist()
    ((56,), [1, 3, 2, 4], [10, 11, 12, 13], 5, [14, 0, 0, 0])
    """
    n, k = rows.shape
    k16 = 16 if k <= 16 else 32
    groups = -(-n // 4)
    w = np.zeros((groups * 4, k16), dtype=np.int64)
    w[:n, :k] = rows
    w = w.reshape(groups, 4, k16)[:, [0, 2, 1, 3], :].reshape(groups, 4 * k16)
    words = w.astype(np.int8).view(np.uint8).reshape(groups, k16, 4).astype(np.int64)
    words = words[:, :, 0] | words[:, :, 1] << 8 | words[:, :, 2] << 16 | words[:, :, 3] << 24
    words = np.where(words >= 1 << 31, words - (1 << 32), words)
    rec = gemm_records(bias, mult, shift).reshape(groups, 12)
    return np.concatenate([words, rec], axis=1).reshape(-1)


def _conv_short(lw: Lowering, call: Call, rows: np.ndarray, bias: np.ndarray, mult: np.ndarray,
                shift: np.ndarray) -> Call:
    """A patch of at most SHORT_MAX_K bytes: the short-patch entry with its stream (weights and records together);
    no copy when in place (both pixels are in registers before their outputs are stored)."""
    p = dict(call.param_items())
    op = call.op
    stream = ConstArray(lw.name(op, "requant"), "int32_t", short_stream(rows, bias, mult, shift),
                        f"tensor {op.inputs[1]}, per group of four output channels: the weights of channels 0, 2, 1, 3 "
                        "(16 or 32 bytes each), bias (input offset folded in), multipliers (Q31), right shifts")
    call.consts = [stream]
    call.args[1], call.args[2] = Lit("NULL"), Lit("NULL")
    call.set_params(multiplier=None, shift=None, requant=Ref(stream.name), requant_fast=1)
    direct = p["filter_h"] == p["filter_w"] == 1 and p["pad_h"] == p["pad_w"] == 0
    n = p["batches"] * p["output_h"] * p["output_w"]
    batch = n + (n & 1) if n < SHORT_BATCH else SHORT_BATCH
    call.scratch_bytes = 0 if direct else batch * rows.shape[1]
    call.inplace_scratch = 0
    c1 = conv_short_c1(p)
    if c1:
        strip = min(p["output_h"], 1 if p["output_w"] >= SHORT_BATCH else SHORT_BATCH // p["output_w"])
        call.scratch_bytes += ((strip - 1) * p["stride_h"] + p["filter_h"]) * ((p["output_w"] - 1) * p["stride_w"]
                                                                              + p["filter_w"])
        call.inplace, call.inplace_params = [], {}
    call = lw.target_kernel(call, "conv")
    call.func = call.func.replace("conv_s8", "conv_short_c1_s8" if c1 else "conv_short_s8")
    return call


def conv_short_c1(p: dict) -> bool:
    """Whether a short-patch conv takes the entry for one input channel (tslm_mve_conv_short_c1_s8): filter_c =
    input_c = 1, a filter wider than one pixel, no dilation, filter rows of at most 16 taps, and at least one pixel in
    eight over the image's border (its patches copied from a band of the input rows of SHORT_BATCH / output_w output
    rows, at least one, with the padding filled in; elsewhere the band costs more than the border patches:
    person_detection's 96x96 stem, 4% at the border, 169,688 -> 170,594 instructions).

    >>> geo = dict(filter_c=1, input_c=1, dilation_h=1, dilation_w=1, stride_h=1, stride_w=1, pad_h=1, pad_w=1)
    >>> conv_short_c1({**geo, "filter_h": 4, "filter_w": 3, "input_h": 128, "input_w": 3, "output_h": 128,
    ...                "output_w": 3})  # magic_wand's stem: two thirds at the border
    True
    >>> conv_short_c1({**geo, "filter_h": 3, "filter_w": 3, "input_h": 96, "input_w": 96, "output_h": 48,
    ...                "output_w": 48, "stride_h": 2, "stride_w": 2, "pad_h": 0, "pad_w": 0})
    False
    """
    if not (p["filter_c"] == p["input_c"] == 1 and p["filter_h"] * p["filter_w"] > 1 and p["filter_w"] <= 16
            and p["dilation_h"] == p["dilation_w"] == 1):
        return False

    def inside(n_out: int, n_in: int, f: int, s: int, pad: int) -> int:  # outputs whose taps lie inside the image
        lo, hi = -(-pad // s), (n_in - f + pad) // s if n_in - f + pad >= 0 else -1
        return max(0, min(n_out - 1, hi) - lo + 1)

    rows = inside(p["output_h"], p["input_h"], p["filter_h"], p["stride_h"], p["pad_h"])
    cols = inside(p["output_w"], p["input_w"], p["filter_w"], p["stride_w"], p["pad_w"])
    n = p["output_h"] * p["output_w"]
    return 8 * (n - rows * cols) >= n


def depthwise_conv(lw: Lowering, call: Call) -> Call:
    """DEPTHWISE_CONV_2D (depth multiplier 1): the MVE kernel, with its layout where the weights are constant."""
    p = dict(call.param_items())
    bias, mult, shift = _const(call, call.args[2]), _const(call, p["multiplier"]), _const(call, p["shift"])
    ch = p["output_c"]
    layout = (_tensor_const(lw, call, 1) and p["bias_folded"] and bias is not None and mult is not None
              and shift is not None and int(np.max(shift)) <= 0)
    if p["depth_multiplier"] != 1:
        return call  # (passes.grouped_conv_for_depth_multipliers: depthwise_multiplier_as_conv)
    if layout and p["filter_h"] <= DW_MAX_ROWS:
        w = _weights(lw, call).reshape(p["filter_h"] * p["filter_w"], ch)
        _use_layout(lw, call, dw_weights(w), dw_records(bias, _per_channel(mult, ch), _per_channel(shift, ch)),
                    "int16_t", "widened to int16, per block of eight channels per tap")
        # the kernel's ring of input rows: the filter's span of rows, each ring_w columns from -pad_w in blocks of
        # eight channels, the zero point outside the image; in place needs nothing more
        span = (p["filter_h"] - 1) * p["dilation_h"] + 1
        ring_w = (p["output_w"] - 1) * p["stride_w"] + (p["filter_w"] - 1) * p["dilation_w"] + 1
        call.scratch_bytes = span * ring_w * 8 * (-(-ch // 8))
        call.inplace_scratch, call.inplace_params = 0, {}
        call.set_params(ring_w=ring_w, cache_rows=0)
        if dw3_entry(p, ring_w):
            # 3x3 at stride 1 or 2: the dot-product entry, each channel's four input rows as quads of bytes (in place safe:
            # rows up to oy + 2 are copied before rows oy, oy + 1 are written)
            call.scratch_bytes = ((ch * 4 * ring_w + 16 + 3) & ~3) + 64 * ((p["output_w"] + 1) & ~1)
            call = lw.target_kernel(call, "depthwise_conv")
            call.func = call.func.replace("depthwise_conv_s8", "depthwise_conv_3x3_s8")
            return call
    return lw.target_kernel(call, "depthwise_conv")


def dw3_entry(p: dict, ring_w: int) -> bool:
    """Whether a depthwise call with the layout takes tslm_mve_depthwise_conv_3x3_s8 (its dw3_handles).

    >>> dw3_entry(dict(filter_h=3, filter_w=3, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1, pad_h=1,
    ...                output_w=5, output_h=25), 7)
    True
    """
    return (p["filter_h"] == p["filter_w"] == 3 and p["stride_h"] == p["stride_w"] in (1, 2)
            and p["dilation_h"] == p["dilation_w"] == 1 and p["pad_h"] <= 1
            and ring_w == (p["output_w"] - 1) * p["stride_w"] + 3 and p["output_w"] >= 4 and p["output_h"] >= 4
            and 15 * 4 * ring_w <= 65535)


def depthwise_multiplier_as_conv(lw: Lowering, call: Call) -> Call | None:
    """A depthwise call with a depth multiplier, of one input channel and constant weights, as a CONV_2D
    (below); None where it stays a depthwise call."""
    p = dict(call.param_items())
    bias, mult, shift = _const(call, call.args[2]), _const(call, p["multiplier"]), _const(call, p["shift"])
    layout = (_tensor_const(lw, call, 1) and p["bias_folded"] and bias is not None and mult is not None
              and shift is not None and int(np.max(shift)) <= 0)
    return _depthwise_as_conv(lw, call) if layout and p["input_c"] == 1 else None


def _depthwise_as_conv(lw: Lowering, call: Call) -> Call:
    """A depthwise convolution of one input channel with a depth multiplier (micro_speech's first
    layer) is a CONV_2D of one group: out[oc] = sum_taps w[tap][oc] x[tap], each output channel's taps
    one row (the filter transposed, 1 x H x W x OC -> OC x H x W x 1)."""
    p = dict(call.param_items())
    fh, fw, oc = p["filter_h"], p["filter_w"], p["output_c"]
    rows = _weights(lw, call).reshape(fh * fw, oc).T.copy()
    keys = ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w"]
    params = {k: p[k] for k in keys}
    params["filter_c"] = 1
    params.update({k: p[k] for k in ["output_h", "output_w", "output_c", "stride_h", "stride_w", "dilation_h",
                                      "dilation_w", "pad_h", "pad_w", "input_offset", "output_offset", "multiplier",
                                      "shift", "act_min", "act_max", "bias_folded"]})
    params.update(in_place=0, requant=None, requant_fast=0)
    conv_call = Call(call.op, "tslm_conv_s8", "tslm_conv", [call.args[0], call.args[1], call.args[2], call.args[3],
                                                           Scratch("int16_t")],
                     "tslm_conv_params", params, list(call.consts), macs=call.macs,
                     note=call.note + " (as a CONV_2D of one group)", reads=list(call.reads), writes=list(call.writes))
    return conv(lw, conv_call, rows)


def fully_connected(lw: Lowering, call: Call) -> Call:
    """FULLY_CONNECTED: the MVE kernel, with its layout where the weights are constant and symmetric."""
    p = dict(call.param_items())
    if p["filter_offset"] != 0:
        return call
    bias, mult, shift = _const(call, call.args[2]), _const(call, p["multiplier"]), _const(call, p["shift"])
    n = p["output_depth"]
    if _tensor_const(lw, call, 1) and p["input_offset"] == 0 and bias is not None and mult is not None and \
            shift is not None and int(np.max(shift)) <= 0:
        rows = _weights(lw, call).reshape(n, p["accum_depth"])
        _use_layout(lw, call, gemm_weights(rows), gemm_records(bias, _per_channel(mult, n), _per_channel(shift, n)),
                    "int8_t", "output features in groups of four interleaved by 16 bytes")
        if p["batches"] >= 2 and p["accum_depth"] <= PAIRS_MAX_DEPTH and n >= 4:
            # rows two at a time, the first row's chunks held in registers: its own entry, so the linker leaves the
            # other one's paths out of models without such a layer
            call = lw.target_kernel(call, "fully_connected")
            form = fc_pairs_form(p["accum_depth"], shift, p["act_min"], p["act_max"], p["output_offset"])
            call.func = call.func.replace("fully_connected_s8", f"fully_connected_pairs_s8_{form}")
            return call
    return lw.target_kernel(call, "fully_connected")


def _tensor_const(lw: Lowering, call: Call, arg: int) -> bool:
    a = call.args[arg]
    return hasattr(a, "index") and lw.t(a.index).is_const


def _weights(lw: Lowering, call: Call) -> np.ndarray:
    return np.asarray(lw.t(call.args[1].index).data).astype(np.int64)
