"""TFLM's signal library, framing ops (signal/micro/kernels/{window,delay}.cc): custom operators
"SignalWindow" and "SignalDelay", options in a flexbuffer map. int16 samples, no quantization.

SignalDelay keeps the last ``delay_length`` samples of each row from one invocation to the next (TFLM's
persistent circular buffer, prefilled with zeros, refilled with zeros by Reset): here a state tensor of
int16[rows][delay_length], zero after NAME_reset().
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Step, T
from . import register

SUPPORT: dict[str, str] = {
    "CUSTOM:SignalWindow": "int16: samples times a Q(shift) window, saturated",
    "CUSTOM:SignalDelay": "int16: each row delayed by delay_length samples (state)",
}


def _int_option(lw: Lowering, op: Operator, key: str, lo: int, hi: int) -> int:
    """An integer option of a signal op's flexbuffer map, in [lo, hi]."""
    value = op.options.get(key)
    lw.need(isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi, op,
            f"option '{key}' is {value!r}; expected an integer in [{lo}, {hi}]",
            hint="export the model with TFLM's signal library (tflite_micro.signal)")
    return int(value)


@dataclass
class WindowParams(KernelParams):
    C_TYPE = "tslm_signal_window_params"
    rows: int
    size: int
    shift: int


@register("CUSTOM:SignalWindow")
def window(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 2 and len(op.outputs) == 1, op, "expected 2 inputs (samples, window) and 1 output")
    x = lw.raw(op, op.inputs[0], ("int16",), "input")
    w = lw.raw(op, op.inputs[1], ("int16",), "window")
    y = lw.raw(op, op.outputs[0], ("int16",), "output")
    shift = _int_option(lw, op, "shift", 0, 31)
    lw.need(len(x.shape) >= 1 and len(w.shape) == 1 and len(y.shape) == len(x.shape), op,
            f"shapes input {lw.shape_str(x.shape)}, window {lw.shape_str(w.shape)}, output "
            f"{lw.shape_str(y.shape)}: the window must be 1-D, the output shaped like the input")
    lw.const(op, w.index, "window")
    size = w.shape[0]
    lw.need(x.numel % size == 0 and y.numel == x.numel, op,
            f"input of {x.numel} samples is not a whole number of {size}-sample windows")
    return Call(op, "tslm_signal_window_s16", "tslm_signal_framing", [T(x.index), T(w.index), T(y.index)],
                params=WindowParams(x.numel // size, size, shift), note=f"window {size}, shift {shift}",
                macs=x.numel, reads=[x.index], writes=[y.index])


@dataclass
class DelayParams(KernelParams):
    C_TYPE = "tslm_signal_delay_params"
    rows: int
    frame_size: int
    delay_length: int


@register("CUSTOM:SignalDelay")
def delay(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x = lw.raw(op, op.inputs[0], ("int16",), "input")
    y = lw.raw(op, op.outputs[0], ("int16",), "output")
    lw.need(len(x.shape) >= 1 and x.shape == y.shape, op, "output must be shaped like the input")
    delay_length = _int_option(lw, op, "delay_length", 0, 1 << 20)
    frame = x.shape[-1]
    rows = x.numel // frame
    # the state is read and written: `writes` makes the generated call pass it without const
    state = [lw.state(op, "delay", "int16", (rows, delay_length))] if delay_length else []
    args = [T(x.index), T(state[0]) if state else Lit("NULL"), T(y.index)]
    return Call(op, "tslm_signal_delay_s16", "tslm_signal_framing", args,
                params=DelayParams(rows, frame, delay_length), note=f"delay {delay_length} samples",
                reads=[x.index, *state], writes=[y.index, *state])
