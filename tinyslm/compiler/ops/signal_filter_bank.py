"""TFLM's signal library, spectrum-to-features ops (signal/micro/kernels/{energy,filter_bank*,pcan}.cc): custom
operators with their options in a flexbuffer map; unsigned integer tensors, no quantization.

- SignalEnergy: int16 complex spectrum -> uint32 power of the bins in [start_index, end_index)
- SignalFilterBank: uint32 powers -> uint64 channel sums, weights and channel tables as constant int16 tensors
- SignalFilterBankSquareRoot: uint64 -> uint32 rounded square roots shifted right by scale_bits (a constant or,
  as in TFLM's audio front end, SignalFftAutoScale's output)
- SignalFilterBankLog: uint32 -> int16 fixed-point natural log times output_scale
- SignalFilterBankSpectralSubtraction: uint32 -> uint32 minus a running noise estimate (the state: TFLM's
  persistent noise estimate, zero after Prepare and Reset, so a uint32[num_channels] state tensor here)
- SignalPCAN: per-channel amplitude normalisation of uint32 energies by a gain LUT of the noise estimate

TFLM reads each op's options by position in the map's sorted keys, without looking at the keys or their
types: a map with another key set would make it read other values, so the key set must be exactly TFLM's.
The tables that TFLM indexes without bounds checks (the filter bank's) must be constants whose indices stay
inside their tensors; anything TFLM would read out of bounds or shift by an undefined amount is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Operator, Tensor
from ..lowering import Call, KernelParams, Lowering, Step, T
from . import register

SUPPORT: dict[str, str] = {
    "CUSTOM:SignalEnergy": "int16 | uint32: int16 complex spectrum to uint32 power over [start_index, end_index)",
    "CUSTOM:SignalFilterBank": "| uint32 uint64: mel-style weighted channel sums (constant int16 tables), "
                               "uint64 out",
    "CUSTOM:SignalFilterBankSquareRoot": "| uint64 uint32 int32: rounded integer square root >> scale_bits (a "
                                         "constant, or FftAutoScale's at run time)",
    "CUSTOM:SignalFilterBankLog": "int16 | uint32: TFLM's fixed-point log (input_correction_bits, output_scale)",
    "CUSTOM:SignalFilterBankSpectralSubtraction": "| uint32: noise estimate kept across invocations (state), "
                                                  "also an output",
    "CUSTOM:SignalPCAN": "int16 | uint32: per-channel amplitude normalisation with an int16 gain LUT",
}

HINT = "export the model with TFLM's signal library (tflite_micro.signal)"
INT32 = (-(1 << 31), (1 << 31) - 1)
# a uint32 field TFLM fills from ElementAsInt32: any int32 (wrapped) or its unsigned reading
UINT32_FIELD = (-(1 << 31), (1 << 32) - 1)
# WideDynamicFunction reads lut[4 * msb(x) - 6 + 2] for x up to 2^32 - 1: 125 entries (4 * 32 - 3)
PCAN_LUT_MIN = 125


def _options(lw: Lowering, op: Operator, ranges: dict[str, tuple[int, int] | None]) -> dict[str, int]:
    """The op's flexbuffer options, exactly these keys (TFLM reads them by sorted position), each an integer
    in its range (None: a bool, read as TFLM's ElementAsBool: any nonzero integer is true)."""
    keys = sorted(op.options)
    missing = sorted(set(ranges) - set(keys))
    extra = sorted(set(keys) - set(ranges))
    lw.need(not missing and not extra, op,
            f"options {keys}: TFLM reads exactly {sorted(ranges)} by position"
            + (f" (missing {missing})" if missing else "") + (f" (unexpected {extra})" if extra else ""),
            hint=HINT)
    out: dict[str, int] = {}
    for key, rng in ranges.items():
        value = op.options[key]
        if rng is None:
            lw.need(isinstance(value, (bool, int)), op, f"option '{key}' is {value!r}; expected a bool", hint=HINT)
            out[key] = int(bool(value))
            continue
        lo, hi = rng
        lw.need(isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi, op,
                f"option '{key}' is {value!r}; expected an integer in [{lo}, {hi}]", hint=HINT)
        out[key] = int(value)
    return out


def _u32(value: int) -> int:
    """An int32 option stored in a uint32 field, as C converts it."""
    return value & 0xFFFFFFFF


def _rank1(lw: Lowering, op: Operator, t: Tensor, role: str) -> None:
    lw.need(len(t.shape) == 1, op, f"{role} has shape {lw.shape_str(t.shape)}; TFLM's kernel takes a 1-D tensor",
            tensor=t.index)


def _count(lw: Lowering, op: Operator, n_in: int, n_out: int) -> None:
    lw.need(len(op.inputs) == n_in and len(op.outputs) == n_out, op,
            f"expected {n_in} inputs and {n_out} outputs, got {len(op.inputs)} and {len(op.outputs)}")


@dataclass
class EnergyParams(KernelParams):
    C_TYPE = "tslm_signal_energy_params"
    start_index: int
    end_index: int
    size: int


@register("CUSTOM:SignalEnergy")
def energy(lw: Lowering, op: Operator) -> Step:
    _count(lw, op, 1, 1)
    x = lw.raw(op, op.inputs[0], ("int16",), "input")
    y = lw.raw(op, op.outputs[0], ("uint32",), "output")
    _rank1(lw, op, x, "input")
    _rank1(lw, op, y, "output")
    o = _options(lw, op, {"end_index": INT32, "start_index": INT32})
    start, end = o["start_index"], o["end_index"]
    bins = min(x.numel // 2, y.numel)
    lw.need(0 <= start <= end <= bins, op,
            f"bins [{start}, {end}) outside the {x.numel // 2} complex input bins / {y.numel} outputs "
            "(TFLM would read and write out of bounds)", hint=HINT)
    return Call(op, "tslm_signal_energy_u32", "tslm_signal_filter_bank", [T(x.index), T(y.index)],
                params=EnergyParams(start, end, y.numel), note=f"bins [{start}, {end})", macs=2 * (end - start),
                reads=[x.index], writes=[y.index])


@dataclass
class FilterBankParams(KernelParams):
    C_TYPE = "tslm_signal_filter_bank_params"
    num_channels: int
    outputs: int


@register("CUSTOM:SignalFilterBank")
def filter_bank(lw: Lowering, op: Operator) -> Step:
    _count(lw, op, 6, 1)
    x = lw.raw(op, op.inputs[0], ("uint32",), "input")
    roles = ("weights", "unweights", "channel_frequency_starts", "channel_weight_starts", "channel_widths")
    tabs = [lw.raw(op, i, ("int16",), role) for i, role in zip(op.inputs[1:], roles)]
    y = lw.raw(op, op.outputs[0], ("uint64",), "output")
    for t, role in [(x, "input"), *zip(tabs, roles), (y, "output")]:
        _rank1(lw, op, t, role)
    nc = _options(lw, op, {"num_channels": (0, 1 << 15)})["num_channels"]
    w, uw, fs, ws, cw = (lw.const(op, t.index, role).astype(np.int64).reshape(-1) for t, role in zip(tabs, roles))
    lw.need(len(fs) > nc and len(ws) > nc and len(cw) > nc, op,
            f"channel tables of {len(fs)}/{len(ws)}/{len(cw)} entries for num_channels {nc}: TFLM reads "
            f"num_channels + 1 = {nc + 1} of each", hint=HINT)
    lw.need(1 <= y.numel <= nc, op, f"output of {y.numel} channels for num_channels {nc}: TFLM writes at most "
            "num_channels", hint=HINT)
    for i in range(nc + 1):
        f, s, n = int(fs[i]), int(ws[i]), int(cw[i])
        if n > 0:
            lw.need(f >= 0 and f + n <= x.numel and s >= 0 and s + n <= min(len(w), len(uw)), op,
                    f"channel {i} reads input bins [{f}, {f + n}) of {x.numel} and weights [{s}, {s + n}) of "
                    f"{min(len(w), len(uw))}: out of bounds (TFLM does not check)", hint=HINT)
    args = [T(x.index), *(T(t.index) for t in tabs), T(y.index)]
    return Call(op, "tslm_signal_filter_bank_u32", "tslm_signal_filter_bank", args,
                params=FilterBankParams(nc, y.numel), note=f"{nc} channels",
                macs=2 * int(np.clip(cw[:nc + 1], 0, None).sum()), reads=[x.index, *(t.index for t in tabs)],
                writes=[y.index])


@dataclass
class SqrtParams(KernelParams):
    C_TYPE = "tslm_signal_filter_bank_sqrt_params"
    size: int


@register("CUSTOM:SignalFilterBankSquareRoot")
def filter_bank_square_root(lw: Lowering, op: Operator) -> Step:
    _count(lw, op, 2, 1)
    x = lw.raw(op, op.inputs[0], ("uint64",), "input")
    s = lw.raw(op, op.inputs[1], ("int32",), "scale_bits")
    y = lw.raw(op, op.outputs[0], ("uint32",), "output")
    _rank1(lw, op, x, "input")
    _rank1(lw, op, y, "output")
    lw.need(len(s.shape) == 0, op, f"scale_bits has shape {lw.shape_str(s.shape)}; TFLM takes a scalar",
            tensor=s.index)
    note = "sqrt >> scale_bits (computed at run time)"
    if s.is_const:  # a constant shift is checked here; a computed one (FftAutoScale's, 0..15) in the kernel
        bits = int(np.asarray(s.data).reshape(-1)[0])
        lw.need(0 <= bits <= 31, op, f"scale_bits {bits}: TFLM shifts a uint32 right by it, defined for [0, 31]",
                hint=HINT, tensor=s.index)
        note = f"sqrt >> {bits}"
    lw.need(y.numel == x.numel, op, f"output of {y.numel} for an input of {x.numel}: TFLM writes one per input")
    return Call(op, "tslm_signal_filter_bank_sqrt_u32", "tslm_signal_filter_bank",
                [T(x.index), T(s.index), T(y.index)], params=SqrtParams(x.numel), note=note,
                reads=[x.index, s.index], writes=[y.index])


@dataclass
class LogParams(KernelParams):
    C_TYPE = "tslm_signal_filter_bank_log_params"
    size: int
    input_correction_bits: int
    output_scale: int


@register("CUSTOM:SignalFilterBankLog")
def filter_bank_log(lw: Lowering, op: Operator) -> Step:
    _count(lw, op, 1, 1)
    x = lw.raw(op, op.inputs[0], ("uint32",), "input")
    y = lw.raw(op, op.outputs[0], ("int16",), "output")
    _rank1(lw, op, x, "input")
    _rank1(lw, op, y, "output")
    # input << input_correction_bits on a uint32: defined for [0, 31]
    o = _options(lw, op, {"input_correction_bits": (0, 31), "output_scale": INT32})
    lw.need(y.numel == x.numel, op, f"output of {y.numel} for an input of {x.numel}: TFLM writes one per input")
    return Call(op, "tslm_signal_filter_bank_log_u32", "tslm_signal_filter_bank", [T(x.index), T(y.index)],
                params=LogParams(x.numel, o["input_correction_bits"], _u32(o["output_scale"])),
                note=f"log x {o['output_scale']}, input << {o['input_correction_bits']}",
                reads=[x.index], writes=[y.index])


@dataclass
class SpectralSubtractionParams(KernelParams):
    C_TYPE = "tslm_signal_spectral_subtraction_params"
    num_channels: int
    smoothing: int
    one_minus_smoothing: int
    alternate_smoothing: int
    alternate_one_minus_smoothing: int
    min_signal_remaining: int
    smoothing_bits: int
    spectral_subtraction_bits: int
    clamping: int


@register("CUSTOM:SignalFilterBankSpectralSubtraction")
def spectral_subtraction(lw: Lowering, op: Operator) -> Step:
    _count(lw, op, 1, 2)
    x = lw.raw(op, op.inputs[0], ("uint32",), "input")
    y = lw.raw(op, op.outputs[0], ("uint32",), "output")
    ne = lw.raw(op, op.outputs[1], ("uint32",), "noise estimate output")
    for t, role in [(x, "input"), (y, "output"), (ne, "noise estimate output")]:
        _rank1(lw, op, t, role)
    o = _options(lw, op, {
        "alternate_one_minus_smoothing": UINT32_FIELD, "alternate_smoothing": UINT32_FIELD, "clamping": None,
        "min_signal_remaining": UINT32_FIELD, "num_channels": (1, 1 << 20), "one_minus_smoothing": UINT32_FIELD,
        "smoothing": UINT32_FIELD,
        "smoothing_bits": (0, 31),  # input << smoothing_bits on a uint32
        "spectral_subtraction_bits": (0, 63),  # a uint64 >> it
    })
    nc = o["num_channels"]
    lw.need(x.numel == nc and y.numel == nc and ne.numel == nc, op,
            f"input {x.numel}, output {y.numel}, noise estimate {ne.numel} for num_channels {nc}: TFLM reads, "
            "writes and copies num_channels of each", hint=HINT)
    state = lw.state(op, "noise_estimate", "uint32", (nc,))
    params = SpectralSubtractionParams(
        nc, _u32(o["smoothing"]), _u32(o["one_minus_smoothing"]), _u32(o["alternate_smoothing"]),
        _u32(o["alternate_one_minus_smoothing"]), _u32(o["min_signal_remaining"]), o["smoothing_bits"],
        o["spectral_subtraction_bits"], o["clamping"])
    return Call(op, "tslm_signal_spectral_subtraction_u32", "tslm_signal_filter_bank",
                [T(x.index), T(state), T(y.index), T(ne.index)], params=params,
                note=f"{nc} channels, noise estimate kept (state)", reads=[x.index, state],
                writes=[y.index, ne.index, state])


@dataclass
class PcanParams(KernelParams):
    C_TYPE = "tslm_signal_pcan_params"
    size: int
    snr_shift: int


@register("CUSTOM:SignalPCAN")
def pcan(lw: Lowering, op: Operator) -> Step:
    _count(lw, op, 3, 1)
    x = lw.raw(op, op.inputs[0], ("uint32",), "input")
    ne = lw.raw(op, op.inputs[1], ("uint32",), "noise estimate")
    lut = lw.raw(op, op.inputs[2], ("int16",), "gain LUT")
    y = lw.raw(op, op.outputs[0], ("uint32",), "output")
    for t, role in [(x, "input"), (ne, "noise estimate"), (lut, "gain LUT"), (y, "output")]:
        _rank1(lw, op, t, role)
    snr_shift = _options(lw, op, {"snr_shift": (0, 63)})["snr_shift"]  # a uint64 >> it
    lw.need(x.numel > 0 and ne.numel == x.numel and y.numel == x.numel, op,
            f"input {x.numel}, noise estimate {ne.numel}, output {y.numel}: TFLM wants the same number of channels")
    lw.need(lut.numel >= PCAN_LUT_MIN, op,
            f"gain LUT of {lut.numel} entries: TFLM's WideDynamicFunction reads up to entry {PCAN_LUT_MIN - 1}",
            hint=HINT, tensor=lut.index)
    return Call(op, "tslm_signal_pcan_u32", "tslm_signal_filter_bank", [T(x.index), T(ne.index), T(lut.index),
                                                                          T(y.index)],
                params=PcanParams(x.numel, snr_shift), note=f"snr_shift {snr_shift}",
                reads=[x.index, ne.index, lut.index], writes=[y.index])
