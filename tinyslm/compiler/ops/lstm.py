"""UNIDIRECTIONAL_SEQUENCE_LSTM: TFLM's LstmStep (lstm_eval.h) in float32 (tslm_lstm_f32) and in its integer form
(tslm_lstm_s8: int8 input, weights and hidden state, int16 cell state, int32 biases; the gates Q3.12 into
TFLM's int16 sigmoid/tanh, with the multipliers its Prepare computes). The hidden and cell states (inputs 18
and 19) are variable tensors, kept in the state area across invocations. TFLM's kernel takes no peepholes,
projection, layer norm or CIFG; neither does this."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Scratch, Step, T, TList
from ..quantization import f32, quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "int8 float32: hidden and cell state kept across invocations, batch- or "
                                    "time-major, cell clip; int8: TFLM's integer LSTM (int16 cell state)",
}

# TFLM's input tensor positions
INPUT, WEIGHTS, RECURRENT, PEEPHOLES, BIASES, PROJECTION, HIDDEN, CELL, LAYER_NORM = 0, 1, 5, 9, 12, 16, 18, 19, 20


@dataclass
class LstmParams(KernelParams):
    C_TYPE = "tslm_lstm_params"
    batches: int
    time_steps: int
    input_size: int
    units: int
    time_major: int
    cell_tanh: int


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
def lstm(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 20)
    x = lw.dtype(op, op.inputs[INPUT], ("float32", "int8"), "input")
    fl = x.dtype == "float32"
    wt = ("float32",) if fl else ("int8",)
    ins = op.inputs + [-1] * (24 - len(op.inputs))
    absent = [k for k in [*range(PEEPHOLES, PEEPHOLES + 3), PROJECTION, PROJECTION + 1, *range(LAYER_NORM, 24)]
              if ins[k] >= 0]
    lw.need(not absent, op, f"inputs {absent} (peepholes, projection or layer norm), which TFLM's LSTM kernel does "
            "not take either")
    lw.need(ins[WEIGHTS] >= 0 and ins[RECURRENT] >= 0, op, "no input gate (CIFG), which TFLM's LSTM kernel does not "
            "take either")
    y = lw.dtype(op, op.outputs[0], (x.dtype,), "output")
    h, c = lw.t(ins[HIDDEN]), lw.t(ins[CELL])
    for t, role, types in ((h, "hidden state", wt), (c, "cell state", ("float32",) if fl else ("int16",))):
        lw.dtype(op, t.index, types, role)
        lw.need(t.is_variable, op, f"the {role} (input {t.index}) must be a variable tensor", tensor=t.index)
    lw.need(len(x.shape) == 3, op, f"input must be 3-D, got {lw.shape_str(x.shape)}", tensor=x.index)
    o = op.options
    time_major = bool(o.get("time_major", False))
    (time, batches, n_in) = x.shape if time_major else (x.shape[1], x.shape[0], x.shape[2])
    w_in = lw.t(ins[WEIGHTS])
    units = w_in.shape[0]
    for g in range(4):
        w, r, b = lw.t(ins[WEIGHTS + g]), lw.t(ins[RECURRENT + g]), ins[BIASES + g]
        lw.dtype(op, w.index, wt, "weights")
        lw.dtype(op, r.index, wt, "recurrent weights")
        lw.need(w.shape == (units, n_in) and r.shape == (units, units), op,
                f"gate {g} weights {lw.shape_str(w.shape)} / {lw.shape_str(r.shape)} are not {units}x{n_in} / "
                f"{units}x{units}", tensor=w.index)
        lw.need(b >= 0, op, f"gate {g} has no bias (TFLM's kernel reads every gate's)")
        lw.dtype(op, b, ("float32",) if fl else ("int32",), "bias")
        lw.need(lw.t(b).numel == units, op, f"gate {g} bias does not hold {units} values", tensor=b)
    lw.need(h.numel == batches * units and c.numel == batches * units, op,
            f"states must hold {batches}x{units} values")
    out_shape = (time, batches, units) if time_major else (batches, time, units)
    lw.need(tuple(y.shape) == out_shape, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(out_shape)}")
    act = o.get("fused_activation_function", "TANH")
    lw.need(act in ("TANH", "SIGMOID"), op, f"cell activation {act}: TFLM's LSTM takes tanh or sigmoid")
    clip = float(f32(o.get("cell_clip", 0.0)))
    lw.need(np.isfinite(clip) and clip >= 0, op, f"cell clip {clip}")
    gates = ", ".join(["input", "forget", "cell", "output"])
    if not fl:
        return _lstm_s8(lw, op, ins, time, batches, n_in, units, time_major, act == "TANH", clip)
    params = LstmParams(batches, time, n_in, units, int(time_major), int(act == "TANH"))
    return Call(op, "tslm_lstm_f32", "tslm_lstm",
                [Lit(repr(clip) + "f"), T(x.index), TList(tuple(ins[WEIGHTS:WEIGHTS + 4])),
                 TList(tuple(ins[RECURRENT:RECURRENT + 4])), TList(tuple(ins[BIASES:BIASES + 4])), T(h.index),
                 T(c.index), T(y.index), Scratch("float")], params=params,
                macs=time * batches * 4 * units * (n_in + units),
                note=f"float32, {units} units, {time} steps x {batches}, gates {gates}"
                     + (f", cell clip {clip:g}" if clip else ""),
                reads=[x.index, *ins[WEIGHTS:BIASES + 4], h.index, c.index], writes=[h.index, c.index, y.index],
                scratch_bytes=5 * units * 4)


@dataclass
class LstmS8Params(KernelParams):
    C_TYPE = "tslm_lstm_s8_params"
    batches: int
    time_steps: int
    input_size: int
    units: int
    time_major: int
    cell_tanh: int
    input_offset: int
    hidden_offset: int
    hidden_zero_point: int
    input_multiplier: list[int]
    input_shift: list[int]
    recurrent_multiplier: list[int]
    recurrent_shift: list[int]
    forget_cell_multiplier: int
    forget_cell_shift: int
    input_cell_multiplier: int
    input_cell_shift: int
    hidden_multiplier: int
    hidden_shift: int
    cell_tanh_multiplier: int
    cell_tanh_shift: int
    cell_clip: int


GATE_IN, GATE_OUT = 2.0 ** -12, 2.0 ** -15  # TFLM's fixed gate scales: Q3.12 into the activations, Q0.15 out


def _lstm_s8(lw: Lowering, op: Operator, ins: list[int], time: int, batches: int, n_in: int, units: int,
             time_major: bool, cell_tanh: bool, clip: float) -> Call:
    """TFLM's integer LSTM Prepare (unidirectional_sequence_lstm.cc: CreateGateParams, CreateInterGateParams,
    the cell state's power-of-two scale) -> tslm_lstm_s8."""
    from .lut import checked_log2

    x, y, h, c = lw.t(ins[INPUT]), lw.t(op.outputs[0]), lw.t(ins[HIDDEN]), lw.t(ins[CELL])
    for t, role in ((x, "input"), (y, "output"), (h, "hidden state"), (c, "cell state")):
        lw.per_tensor(op, t, role)
    lw.need(c.zero_point == 0, op, "the int16 cell state must have zero point 0", tensor=c.index)
    power, pot = checked_log2(c.scale)
    lw.need(pot, op, f"cell state scale {c.scale:g} is not a power of two (TFLM requires one)", tensor=c.index)
    m_in, s_in, m_rec, s_rec = [], [], [], []
    for g in range(4):
        w, r = lw.t(ins[WEIGHTS + g]), lw.t(ins[RECURRENT + g])
        for t, role in ((w, "weights"), (r, "recurrent weights")):
            lw.per_tensor(op, t, role)
            lw.need(t.zero_point == 0, op, f"{role} must be symmetric (zero point 0)", tensor=t.index)
        m, s = quantize_multiplier(float(x.scale) * float(w.scale) / GATE_IN)
        m_in.append(m)
        s_in.append(s)
        m, s = quantize_multiplier(float(h.scale) * float(r.scale) / GATE_IN)
        m_rec.append(m)
        s_rec.append(s)
    fc_m, fc_s = quantize_multiplier(GATE_OUT * float(c.scale) / float(c.scale))
    ic_m, ic_s = quantize_multiplier(GATE_OUT * GATE_OUT / float(c.scale))
    hm, hs = quantize_multiplier(GATE_OUT * GATE_OUT / float(h.scale))
    shift = 12 + power  # tanh of the cell state: TFLM's Tanh(cell_state_scale_power), its shift folded as there
    tanh_m, tanh_s = (3 << shift, 0) if shift >= 0 else (3, -shift)
    q_clip = int(min(max(float(clip) / float(c.scale), -32768.0), 32767.0)) if clip > 0 else 0
    params = LstmS8Params(batches, time, n_in, units, int(time_major), int(cell_tanh), -x.zero_point, -h.zero_point,
                          h.zero_point, m_in, s_in, m_rec, s_rec, fc_m, fc_s, ic_m, ic_s, hm, hs, tanh_m, tanh_s,
                          q_clip)
    return Call(op, "tslm_lstm_s8", "tslm_lstm",
                [T(x.index), TList(tuple(ins[WEIGHTS:WEIGHTS + 4])), TList(tuple(ins[RECURRENT:RECURRENT + 4])),
                 TList(tuple(ins[BIASES:BIASES + 4])), T(h.index), T(c.index), T(y.index), Scratch("int16_t")],
                params=params, macs=time * batches * 4 * units * (n_in + units),
                note=f"int8 (int16 cell state, 2^{power}), {units} units, {time} steps x {batches}"
                     + (f", cell clip {clip:g}" if clip else ""),
                reads=[x.index, *ins[WEIGHTS:BIASES + 4], h.index, c.index], writes=[h.index, c.index, y.index],
                scratch_bytes=5 * units * 2)
