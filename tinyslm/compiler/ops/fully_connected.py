"""FULLY_CONNECTED: TFLM's Prepare maths (kernels/fully_connected_common.cc) -> tslm_fully_connected_s8."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dsp_layout import (FC_DEPTH_CHUNK, fc_raw_row, fc_triples, fc_wide_records, fc_wide_row, fc_wide_short,
                          fc_wide_short_stream, fc_wide_five, fc_wide_five_stream,
                          fc_wide_weights, interleave_pairs)
from ..dsp_offset_pairs import offset_pair_chunk, offset_pair_consts
from .. import helium_layout
from ..ir import Operator
from ..lowering import Call, ConstArray, KernelParams, Lit, Lowering, Ref, Scratch, Step, T
from ..quantization import activation_range
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "FULLY_CONNECTED": "int8 int16 float32: per-tensor or per-channel; int16 activations with int8 weights (16x8)",
}



@register('FULLY_CONNECTED')
def fully_connected(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2)
    if lw.is_float(op):
        return _fully_connected_f32(lw, op)
    if op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16":
        return _fully_connected_s16(lw, op)
    x = lw.dtype(op, op.inputs[0], ("int8",), "input")
    w = lw.dtype(op, op.inputs[1], ("int8",), "weights")
    y = lw.dtype(op, op.outputs[0], ("int8",), "output")
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
    if bias_idx >= 0:
        lw.dtype(op, bias_idx, ("int32",), "bias")
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    lw.need(len(w.shape) == 2, op, f"weights must be 2-D, got {lw.shape_str(w.shape)}", tensor=w.index)
    out_depth, depth = w.shape
    lw.need(x.numel % depth == 0, op,
              f"input {lw.shape_str(x.shape)} is not a whole number of {depth}-long rows", tensor=x.index)
    batches = x.numel // depth
    lw.need(y.numel == batches * out_depth, op,
              f"output {lw.shape_str(y.shape)} does not hold {batches}x{out_depth} values", tensor=y.index)
    if bias_idx >= 0:
        lw.need(lw.t(bias_idx).numel == out_depth, op, "bias length differs from output features",
                  tensor=bias_idx)
    per_channel = w.quant is not None and w.quant.per_channel
    if per_channel:
        lw.need(w.quant.axis == 0, op, "per-channel weights must be quantized along axis 0", tensor=w.index)
    wscales = w.quant.scale if per_channel else w.quant.scale[:1]
    reals = [float(x.scale) * float(ws) / float(y.scale) for ws in wscales]
    mult, shift = lw.requant_arrays(op, reals)
    act = op.options.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
    fold = w.is_const and (bias_idx < 0 or lw.t(bias_idx).is_const)
    consts = [mult, shift]
    bias_arg: Any = T(bias_idx) if bias_idx >= 0 else Lit("NULL")
    if fold:
        fb = lw.folded_bias(op, w, bias_idx, -x.zero_point, 0, -w.quant.zero_point[0])
        consts.append(fb)
        bias_arg = Ref(fb.name)
    params = dict(batches=batches, accum_depth=depth, output_depth=out_depth,
                  input_offset=0 if fold else -x.zero_point, filter_offset=-w.quant.zero_point[0],
                  output_offset=y.zero_point, multiplier=Ref(mult.name), shift=Ref(shift.name),
                  per_channel=int(per_channel), act_min=lo, act_max=hi, requant=None, requant_fast=0,
                  depth_chunk=0)
    note = f"{batches}x{depth} . {depth}x{out_depth}" + (f", {act.lower()}" if act != "NONE" else "")
    w_arg: Any = T(w.index)
    scratch, dsp, three = 0, False, False
    short: ConstArray | None = None  # the short wide row's stream
    five = False  # the stream is fc_wide_five_stream's (tiles of five channels)
    if lw.target.dsp and not lw.target.mve and fold and w.quant.zero_point[0] == 0:
        # DSP: records instead of bias/multiplier/shift, weight pairs interleaved, rows widened in scratch
        rec, fast = lw.dsp_records(op, fb, mult, shift, w.data)  # type: ignore[arg-type]
        wt = ConstArray(lw.name(op, "filter"), "int8_t", interleave_pairs(w.data, out_depth),  # type: ignore
                        f"tensor {w.index}, output feature pairs interleaved by fours for the DSP kernel")
        # offset pairs: rows of one chunk; one row (a multiple of 8 long) also in chunks, A taken out after each
        one = batches == 1 and depth % 8 == 0
        groups = (offset_pair_chunk(fb.values, w.data, FC_DEPTH_CHUNK // 4, one)  # type: ignore[arg-type]
                  if depth <= FC_DEPTH_CHUNK or one else None)
        pairs = (offset_pair_consts(lw, op, consts, w.data, y.zero_point, lo, hi, w.index, groups)  # type: ignore
                 if groups is not None else None)
        chunk = min(-(-depth // 4) * 4, FC_DEPTH_CHUNK)
        if pairs is not None:  # exact there: per pixel and four MACs two SMLAD and one SXTB16
            (rec, wt), fast, chunk = pairs, 2, 4 * groups  # type: ignore[operator]
        wide = None
        if fc_wide_row(batches, depth, out_depth):  # one small row: int16 weights, SMLAD a share of a load
            offset = y.zero_point if (lo, hi) == (-128, 127) else y.zero_point - lo
            if fc_wide_short(batches, depth, out_depth, hi):  # depth <= 64: weights and records in one stream
                st = None
                if fc_wide_five(batches, depth, out_depth, lo, hi):  # fives of channels (10, 15, 25, ... outputs)
                    st = fc_wide_five_stream(fb.values, mult.values, shift.values, w.data, offset)  # type: ignore
                    five = st is not None
                if st is None:
                    st = fc_wide_short_stream(fb.values, mult.values, shift.values, w.data, offset,  # type: ignore
                                              lo != -128, lo)
                if st is not None:
                    tile, by = ("five", "fours") if five else ("four", "eights")
                    short = ConstArray(lw.name(op, "requant"), "int32_t", st,  # type: ignore[arg-type]
                                       f"tensor {w.index} and the requantization: the short wide row's stream, per "
                                       f"{tile} output channels{'' if five else ' (a last two)'} 2 x bias of each "
                                       f"(bias includes the input offset), 2 x weights as int16 by {by} of inputs, "
                                       "multiplier (Q31), right shift, rounding + zero point of each, a tail code",
                                       role="requant")
            else:
                wrec = fc_wide_records(fb.values, mult.values, shift.values, w.data, offset)  # type: ignore
                if wrec is not None:
                    wide = (ConstArray(lw.name(op, "requant"), "int32_t", wrec,
                                       "wide-row records per four output channels: 2 x bias of each, then "
                                       "multiplier (Q31), right shift, rounding + zero point of each (bias includes "
                                       "the input offset)", role="requant"),
                            ConstArray(lw.name(op, "filter"), "int16_t", fc_wide_weights(w.data),  # type: ignore
                                       f"tensor {w.index}, 2 x weights as int16 by fours of output features and "
                                       "eights of inputs for the DSP kernel's wide row"))
        if short is not None:
            rec, wt, fast, chunk = short, short, 3, depth
        elif wide is not None:
            (rec, wt), fast, chunk = wide, 3, depth
        consts = [rec, wt] if short is None else [short]
        params.update(multiplier=None, shift=None, requant=Ref(rec.name), requant_fast=int(fast),
                      depth_chunk=chunk)
        bias_arg, w_arg = Lit("NULL"), Ref(wt.name, "const int8_t *" if fast == 3 else None)
        if five:
            scratch = 0  # the row widened on the kernel's stack
        elif short is not None:
            scratch = 2 * depth  # the row widened
        elif fast == 3:
            scratch = 2 * depth + (-(-out_depth // 4) * 4 if out_depth % 4 else 0)  # the row widened, a part four
        elif fast == 2 and fc_raw_row(batches, depth, out_depth, chunk):
            scratch = 0  # the row read as it is
        else:
            three = fast == 2 and fc_triples(batches, depth, out_depth, hi)  # three widened rows
            scratch = (24 if three else 16 if batches > 1 else 8) * (chunk // 4) + (8 * out_depth if chunk < depth
                                                                                    else 0)
        dsp = True
    call = Call(op, "tslm_fully_connected_s8", "tslm_fully_connected",
                [T(x.index), w_arg, bias_arg, T(y.index), Scratch("int16_t")],
                "tslm_fully_connected_params", params, consts, macs=batches * depth * out_depth,
                note=note, reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                scratch_bytes=scratch)
    if lw.target.mve:
        return helium_layout.fully_connected(lw, call)
    if dsp and params["requant_fast"] == 3:  # the wide row: its own entry, so the linker leaves the other paths out
        call = lw.target_kernel(call, "fully_connected")
        call.func = call.func.replace("fully_connected_s8", "fully_connected_wide_short_s8" if short is not None
                                      else "fully_connected_wide_s8")
        if five:  # (input, output, stream): no params struct, nothing on the stack (model_invoke's call is short)
            call.func = call.func.replace("wide_short_s8", "wide_five_s8")
            call.args, call.params_type = [T(x.index), T(y.index), Ref(short.name)], None  # type: ignore
        return call
    if dsp and three:  # three rows a block: its own entry, so that other models link neither of its routines
        call = lw.target_kernel(call, "fully_connected")
        call.func = call.func.replace("fully_connected_s8", "fully_connected_rows3_s8")
        return call
    return lw.target_kernel(call, "fully_connected") if dsp else call


@dataclass
class FullyConnectedS16Params(KernelParams):
    C_TYPE = "tslm_fully_connected_s16_params"
    batches: int
    accum_depth: int
    output_depth: int
    input_offset: int
    filter_offset: int
    output_offset: int
    multiplier: Ref
    shift: Ref
    per_channel: int
    act_min: int
    act_max: int
    acc32: int


def _fully_connected_s16(lw: Lowering, op: Operator) -> Call:
    """int16x8: TFLM's 16x8 FULLY_CONNECTED: a 64-bit accumulator with an int64 bias (32-bit with an
    int32 one or as quantized_bias_type says), and, unlike its 16x8 convolutions, the input and output
    zero points applied (checked against the oracle with nonzero ones)."""
    from .conv import bias_16x8

    x = lw.dtype(op, op.inputs[0], ("int16",), "input")
    w = lw.dtype(op, op.inputs[1], ("int8",), "weights")
    y = lw.dtype(op, op.outputs[0], ("int16",), "output")
    lw.per_tensor(op, x, "input")
    lw.per_tensor(op, y, "output")
    lw.need(len(w.shape) == 2, op, f"weights must be 2-D, got {lw.shape_str(w.shape)}", tensor=w.index)
    out_depth, depth = w.shape
    lw.need(x.numel % depth == 0, op,
            f"input {lw.shape_str(x.shape)} is not a whole number of {depth}-long rows", tensor=x.index)
    batches = x.numel // depth
    lw.need(y.numel == batches * out_depth, op,
            f"output {lw.shape_str(y.shape)} does not hold {batches}x{out_depth} values", tensor=y.index)
    per_channel = w.quant.per_channel
    if per_channel:
        lw.need(w.quant.axis == 0 and len(w.quant.scale) == out_depth, op,
                "per-channel weights must be quantized along axis 0", tensor=w.index)
    wscales = w.quant.scale if per_channel else w.quant.scale[:1]
    mult, shift = lw.requant_arrays(op, [float(x.scale) * float(ws) / float(y.scale) for ws in wscales])
    act = op.options.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, "int16")
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
    bias_arg, bias_consts, acc32 = bias_16x8(lw, op, bias_idx, out_depth)
    params = FullyConnectedS16Params(batches, depth, out_depth, -x.zero_point, -w.quant.zero_point[0], y.zero_point,
                                     Ref(mult.name), Ref(shift.name), int(per_channel), lo, hi, acc32)
    note = (f"int16x8, {batches}x{depth} . {depth}x{out_depth}" + (f", {act.lower()}" if act != "NONE" else "")
            + (", TFLM's 32-bit accumulator" if acc32 else ""))
    return Call(op, "tslm_fully_connected_s16", "tslm_fully_connected",
                [T(x.index), T(w.index), bias_arg, T(y.index)], params=params,
                consts=[mult, shift, *bias_consts], macs=batches * depth * out_depth, note=note,
                reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index])


@dataclass
class FullyConnectedF32Params(KernelParams):
    C_TYPE = "tslm_fully_connected_f32_params"
    batches: int
    accum_depth: int
    output_depth: int
    activation: int


def _fully_connected_f32(lw: Lowering, op: Operator) -> Call:
    """float32: TFLM's reference FullyConnected (float weights; TFLM has no hybrid int8-weight path)."""
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    w = lw.dtype(op, op.inputs[1], ("float32",), "weights")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    lw.need(len(w.shape) == 2, op, f"weights must be 2-D, got {lw.shape_str(w.shape)}", tensor=w.index)
    out_depth, depth = w.shape
    lw.need(depth > 0 and x.numel % depth == 0, op,
            f"input {lw.shape_str(x.shape)} is not a whole number of {depth}-long rows", tensor=x.index)
    batches = x.numel // depth
    lw.need(y.numel == batches * out_depth, op,
            f"output {lw.shape_str(y.shape)} does not hold {batches}x{out_depth} values", tensor=y.index)
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
    if bias_idx >= 0:
        lw.dtype(op, bias_idx, ("float32",), "bias")
        lw.need(lw.t(bias_idx).numel == out_depth, op, "bias length differs from output features", tensor=bias_idx)
    act, act_note = lw.float_activation(op)
    return Call(op, "tslm_fully_connected_f32", "tslm_fully_connected",
                [T(x.index), T(w.index), T(bias_idx) if bias_idx >= 0 else Lit("NULL"), T(y.index)],
                params=FullyConnectedF32Params(batches, depth, out_depth, act), macs=batches * depth * out_depth,
                note=f"float32, {batches}x{depth} . {depth}x{out_depth}" + act_note,
                reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index])
