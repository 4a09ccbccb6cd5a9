"""UNIDIRECTIONAL_SEQUENCE_LSTM in float32: TFLM's LstmStep (lstm_eval.h) -> tslm_lstm_f32. The hidden and cell
states (inputs 18 and 19) are variable tensors, kept in the state area across invocations. TFLM's kernel takes
no peepholes, projection, layer norm or CIFG; neither does this."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Scratch, Step, T, TList
from ..quantization import f32
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "float32: hidden and cell state kept across invocations, batch- or time-major, "
                                    "cell clip; int8 (TFLM's integer LSTM) not yet",
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
    first = lw.t(op.inputs[INPUT]) if op.inputs and op.inputs[INPUT] >= 0 else None
    lw.need(first is None or first.dtype == "float32", op, f"{first.dtype if first else ''} LSTM (TFLM's integer "
            "LSTM kernel) is not compiled yet, only float32", "convert the LSTM layer in float32")
    lw.io(op, 20)
    x = lw.dtype(op, op.inputs[INPUT], ("float32",), "input")
    ins = op.inputs + [-1] * (24 - len(op.inputs))
    absent = [k for k in [*range(PEEPHOLES, PEEPHOLES + 3), PROJECTION, PROJECTION + 1, *range(LAYER_NORM, 24)]
              if ins[k] >= 0]
    lw.need(not absent, op, f"inputs {absent} (peepholes, projection or layer norm), which TFLM's LSTM kernel does "
            "not take either")
    lw.need(ins[WEIGHTS] >= 0 and ins[RECURRENT] >= 0, op, "no input gate (CIFG), which TFLM's LSTM kernel does not "
            "take either")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    h, c = lw.t(ins[HIDDEN]), lw.t(ins[CELL])
    for t, role in ((h, "hidden state"), (c, "cell state")):
        lw.dtype(op, t.index, ("float32",), role)
        lw.need(t.is_variable, op, f"the {role} (input {t.index}) must be a variable tensor", tensor=t.index)
    lw.need(len(x.shape) == 3, op, f"input must be 3-D, got {lw.shape_str(x.shape)}", tensor=x.index)
    o = op.options
    time_major = bool(o.get("time_major", False))
    (time, batches, n_in) = x.shape if time_major else (x.shape[1], x.shape[0], x.shape[2])
    w_in = lw.t(ins[WEIGHTS])
    units = w_in.shape[0]
    for g in range(4):
        w, r, b = lw.t(ins[WEIGHTS + g]), lw.t(ins[RECURRENT + g]), ins[BIASES + g]
        lw.dtype(op, w.index, ("float32",), "weights")
        lw.dtype(op, r.index, ("float32",), "recurrent weights")
        lw.need(w.shape == (units, n_in) and r.shape == (units, units), op,
                f"gate {g} weights {lw.shape_str(w.shape)} / {lw.shape_str(r.shape)} are not {units}x{n_in} / "
                f"{units}x{units}", tensor=w.index)
        lw.need(b >= 0, op, f"gate {g} has no bias (TFLM's kernel reads every gate's)")
        lw.dtype(op, b, ("float32",), "bias")
        lw.need(lw.t(b).numel == units, op, f"gate {g} bias does not hold {units} values", tensor=b)
    lw.need(h.numel == batches * units and c.numel == batches * units, op,
            f"states must hold {batches}x{units} values")
    out_shape = (time, batches, units) if time_major else (batches, time, units)
    lw.need(tuple(y.shape) == out_shape, op, f"output {lw.shape_str(y.shape)} is not {lw.shape_str(out_shape)}")
    act = o.get("fused_activation_function", "TANH")
    lw.need(act in ("TANH", "SIGMOID"), op, f"cell activation {act}: TFLM's LSTM takes tanh or sigmoid")
    clip = float(f32(o.get("cell_clip", 0.0)))
    lw.need(np.isfinite(clip) and clip >= 0, op, f"cell clip {clip}")
    params = LstmParams(batches, time, n_in, units, int(time_major), int(act == "TANH"))
    gates = ", ".join(["input", "forget", "cell", "output"])
    return Call(op, "tslm_lstm_f32", "tslm_lstm",
                [Lit(repr(clip) + "f"), T(x.index), TList(tuple(ins[WEIGHTS:WEIGHTS + 4])),
                 TList(tuple(ins[RECURRENT:RECURRENT + 4])), TList(tuple(ins[BIASES:BIASES + 4])), T(h.index),
                 T(c.index), T(y.index), Scratch("float")], params=params,
                macs=time * batches * 4 * units * (n_in + units),
                note=f"float32, {units} units, {time} steps x {batches}, gates {gates}"
                     + (f", cell clip {clip:g}" if clip else ""),
                reads=[x.index, *ins[WEIGHTS:BIASES + 4], h.index, c.index], writes=[h.index, c.index, y.index],
                scratch_bytes=5 * units * 4)
