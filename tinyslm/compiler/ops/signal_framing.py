"""TFLM's signal library, framing ops (signal/micro/kernels/{window,delay,framer,stacker,overlap_add}.cc):
custom operators "SignalWindow", "SignalDelay", "SignalFramer", "SignalStacker" and "SignalOverlapAdd",
options in a flexbuffer map. int16 samples (OverlapAdd also float32), no quantization.

SignalDelay keeps the last ``delay_length`` samples of each row from one invocation to the next (TFLM's
persistent circular buffer, prefilled with zeros, refilled with zeros by Reset): here a state tensor of
int16[rows][delay_length], zero after NAME_reset().

SignalFramer and SignalStacker keep TFLM's circular buffers as plain buffers (the samples not consumed yet, at
the front) plus counters laid out so that zero bytes are TFLM's state after Prepare/Reset (the Framer's zero
prefill is counted, not stored). Until a whole frame or stack has arrived they leave the output as it was and
set the bool 'valid' output false, as TFLM does. SignalOverlapAdd keeps one accumulator row per outer row.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import Operator
from ..lowering import Call, KernelParams, Lit, Lowering, Step, T
from . import register

SUPPORT: dict[str, str] = {
    "CUSTOM:SignalWindow": "int16: samples times a Q(shift) window, saturated",
    "CUSTOM:SignalDelay": "int16: each row delayed by delay_length samples (state)",
    "CUSTOM:SignalFramer": "int16 | bool: frames of frame_size every frame_step samples, zero prefill or not "
                           "(state); 'valid' false until a frame is complete",
    "CUSTOM:SignalStacker": "int16 | bool: left/right context frames stacked every stacker_step frames (state); "
                            "'valid' false until a stack is complete",
    "CUSTOM:SignalOverlapAdd": "int16 float32: frames overlap-added every frame_step samples (state); int16 "
                               "saturated",
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


def _bool_option(lw: Lowering, op: Operator, key: str) -> bool:
    """A boolean option (TFLM reads it with ElementAsBool: a bool, or an integer 0/1)."""
    value = op.options.get(key)
    lw.need(isinstance(value, bool) or value in (0, 1), op, f"option '{key}' is {value!r}; expected true or false",
            hint="export the model with TFLM's signal library (tflite_micro.signal)")
    return bool(value)


def _by_position(lw: Lowering, op: Operator, *keys: str, first: int = 0) -> None:
    """TFLM reads these options by their position in the map (keys sorted), not by name: an extra key sorting
    before one of them would make TFLM read another option's value, so refuse maps where they are not there."""
    order = sorted(op.options)
    lw.need(order[first:first + len(keys)] == list(keys), op,
            f"options {order}: TFLM reads {list(keys)} by position (from {first}) in the sorted map",
            hint="export the model with TFLM's signal library (tflite_micro.signal), which writes no other options")


def _valid_output(lw: Lowering, op: Operator) -> int:
    v = lw.raw(op, op.outputs[1], ("bool",), "output 'valid'")
    lw.need(len(v.shape) == 0, op, f"output 'valid' is {lw.shape_str(v.shape)}; TFLM needs a scalar bool")
    return v.index


@dataclass
class FramerParams(KernelParams):
    C_TYPE = "tslm_signal_framer_params"
    rows: int
    n_frames: int
    frame_size: int
    frame_step: int
    capacity: int
    prefill: int


@register("CUSTOM:SignalFramer")
def framer(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 1 and len(op.outputs) == 2, op,
            f"expected 1 input and 2 outputs (frames, valid), got {len(op.inputs)} and {len(op.outputs)}")
    x = lw.raw(op, op.inputs[0], ("int16",), "input")
    y = lw.raw(op, op.outputs[0], ("int16",), "output")
    valid = _valid_output(lw, op)
    size = _int_option(lw, op, "frame_size", 1, 1 << 20)
    step = _int_option(lw, op, "frame_step", 1, 1 << 20)
    prefill = _bool_option(lw, op, "prefill")
    _by_position(lw, op, "frame_size", "frame_step", "prefill")
    lw.need(len(x.shape) >= 1 and len(y.shape) == len(x.shape) + 1, op,
            f"input {lw.shape_str(x.shape)}, output {lw.shape_str(y.shape)}: the output needs one dimension "
            "more than the input")
    inner = x.shape[-1]
    lw.need(inner >= step and inner % step == 0, op,
            f"the input's last dimension ({inner}) is not a whole number of frame_step ({step}) samples")
    lw.need(not prefill or size >= step, op,
            f"prefill with frame_size {size} < frame_step {step}: TFLM would prefill a negative count of zeros",
            hint="set prefill to false, or a frame_step no larger than frame_size")
    rows, n_frames = x.numel // inner, inner // step
    lw.need(y.numel == rows * n_frames * size, op,
            f"output {lw.shape_str(y.shape)} does not hold {rows}x{n_frames} frames of {size} samples")
    capacity = -(-size // step) * step
    buffer = lw.state(op, "framer", "int16", (rows, capacity))
    fill = lw.state(op, "framer_fill", "int32", (1,))
    params = FramerParams(rows, n_frames, size, step, capacity, size - step if prefill else 0)
    return Call(op, "tslm_signal_framer_s16", "tslm_signal_framing",
                [T(x.index), T(buffer), T(fill), T(y.index), T(valid)], params=params,
                note=f"frames of {size} every {step} samples" + (", zero prefill" if prefill else ""),
                reads=[x.index, buffer, fill], writes=[y.index, valid, buffer, fill])


@dataclass
class StackerParams(KernelParams):
    C_TYPE = "tslm_signal_stacker_params"
    channels: int
    left_context: int
    right_context: int
    step: int


@register("CUSTOM:SignalStacker")
def stacker(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 1 and len(op.outputs) == 2, op,
            f"expected 1 input and 2 outputs (stack, valid), got {len(op.inputs)} and {len(op.outputs)}")
    x = lw.raw(op, op.inputs[0], ("int16",), "input")
    y = lw.raw(op, op.outputs[0], ("int16",), "output")
    valid = _valid_output(lw, op)
    channels = _int_option(lw, op, "num_channels", 1, 1 << 20)
    left = _int_option(lw, op, "stacker_left_context", 0, 1 << 10)
    right = _int_option(lw, op, "stacker_right_context", 0, 1 << 10)
    frames = left + 1 + right
    step = _int_option(lw, op, "stacker_step", 1, 1 << 10)
    _by_position(lw, op, "num_channels", "stacker_left_context", "stacker_right_context", "stacker_step")
    lw.need(step <= frames, op, f"option 'stacker_step' is {step}, more than the {frames} frames a stack holds "
            "(TFLM's circular buffer would discard samples it does not have)")
    lw.need(len(x.shape) == 1 and len(y.shape) == 1, op,
            f"input {lw.shape_str(x.shape)}, output {lw.shape_str(y.shape)}: TFLM needs both 1-D")
    lw.need(x.numel == channels and y.numel == channels * frames, op,
            f"input of {x.numel} and output of {y.numel} samples; num_channels {channels} and a context of "
            f"{left}+1+{right} frames need {channels} and {channels * frames}")
    buffer = lw.state(op, "stacker", "int16", (channels * frames,))
    counters = lw.state(op, "stacker_counters", "int32", (2,))
    return Call(op, "tslm_signal_stacker_s16", "tslm_signal_framing",
                [T(x.index), T(buffer), T(counters), T(y.index), T(valid)],
                params=StackerParams(channels, left, right, step),
                note=f"{left}+1+{right} frames of {channels} stacked every {step}",
                reads=[x.index, buffer, counters], writes=[y.index, valid, buffer, counters])


@dataclass
class OverlapAddParams(KernelParams):
    C_TYPE = "tslm_signal_overlap_add_params"
    rows: int
    n_frames: int
    frame_size: int
    frame_step: int


# the option 'T': a .tflite TensorType
_TENSOR_TYPES = {0: "float32", 7: "int16"}


@register("CUSTOM:SignalOverlapAdd")
def overlap_add(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    kind = op.options.get("T")
    lw.need(kind in _TENSOR_TYPES and not isinstance(kind, bool), op,
            f"option 'T' is {kind!r}; TFLM's kernel runs int16 (7) and float32 (0)")
    dtype = _TENSOR_TYPES[int(kind)]  # type: ignore[arg-type]
    x = lw.raw(op, op.inputs[0], ("int16", "float32"), "input")
    y = lw.raw(op, op.outputs[0], ("int16", "float32"), "output")
    lw.need(x.dtype == y.dtype == dtype, op, f"input {x.dtype}, output {y.dtype}, option 'T' {dtype}: TFLM "
            "needs all three the same", hint="export the model with TFLM's signal library (tflite_micro.signal)")
    step = _int_option(lw, op, "frame_step", 1, 1 << 20)
    _by_position(lw, op, "frame_step", first=1)  # 'T' is read by name
    lw.need(len(x.shape) >= 2 and len(y.shape) == len(x.shape) - 1, op,
            f"input {lw.shape_str(x.shape)}, output {lw.shape_str(y.shape)}: the input needs 2 or more "
            "dimensions (frames x samples), the output one fewer")
    n_frames, size = x.shape[-2], x.shape[-1]
    rows = x.numel // (n_frames * size)
    lw.need(step <= size, op, f"frame_step {step} is larger than the frame ({size} samples)")
    lw.need(y.numel == rows * n_frames * step, op,
            f"output {lw.shape_str(y.shape)} does not hold {rows}x{n_frames} steps of {step} samples")
    acc = lw.state(op, "overlap_add", dtype, (rows, size))
    func = "tslm_signal_overlap_add_" + ("s16" if dtype == "int16" else "f32")
    return Call(op, func, "tslm_signal_framing", [T(x.index), T(acc), T(y.index)],
                params=OverlapAddParams(rows, n_frames, size, step),
                note=f"{dtype} frames of {size} overlap-added every {step}", macs=x.numel,
                reads=[x.index, acc], writes=[y.index, acc])
