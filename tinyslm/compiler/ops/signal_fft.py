"""TFLM's signal library, FFT ops (signal/micro/kernels/{rfft,irfft,fft_auto_scale_kernel}.cc): custom
operators "SignalRfft", "SignalIrfft" (int16, int32 or float32, the type named by option "T"; option
"fft_length") and "SignalFftAutoScale" (int16 samples, an int32 scalar of shift bits). No quantization.

TFLM runs its real FFTs on KissFFT, computing its twiddle factors at Init; here the compiler computes the
same tables (double precision, then KissFFT's rounding: floor(0.5 + MAX * cos) in fixed point, a float cast
in float) and emits them as constant arrays, one per FFT length and type (identical arrays are shared by the
emitter): an inverse transform reads the forward table conjugated, after a check that KissFFT's inverse
table is exactly that (it keeps its own table otherwise). KissFFT's factorisation of n = fft_length / 2
(radix 4 first, then 2, 3, 5) goes into the params. Its generic butterfly (a prime factor >= 7, or
fft_length 2) is not implemented: TFLM's build of KissFFT cannot allocate that butterfly's temporary buffer
and crashes on such lengths, which are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..ir import Operator, Tensor
from ..lowering import Call, ConstArray, KernelParams, Lit, Lowering, Ref, Scratch, Step, T
from . import register

SUPPORT: dict[str, str] = {
    "CUSTOM:SignalRfft": "int16 float32 | int32: KissFFT's real FFT; even fft_length whose half is 2,3,5-smooth",
    "CUSTOM:SignalIrfft": "int16 float32 | int32: KissFFT's inverse real FFT; fft_length as SignalRfft's",
    "CUSTOM:SignalFftAutoScale": "int16 | int32: samples shifted left to use 15 bits, shift out",
}

MAX_STAGES = 16  # TSLM_FFT_MAX_STAGES
# option "T": the tflite TensorType number TFLM's Init switches on
_TYPE_OF_T = {7: "int16", 2: "int32", 0: "float32"}
_SUFFIX = {"int16": "s16", "int32": "s32", "float32": "f32"}
_CTYPE = {"int16": "int16_t", "int32": "int32_t", "float32": "float"}
# KissFFT's pi (a double; the literal has more digits than a double holds)
_PI = 3.14159265358979323846264338327
_HINT = "export the model with TFLM's signal library (tflite_micro.signal)"


@dataclass
class FftParams(KernelParams):
    C_TYPE = "tslm_signal_fft_params"
    rows: int
    fft_length: int
    in_length: int
    out_stride: int
    stages: int
    factors: list[int]
    table: Ref
    conj: int


def kiss_factors(n: int) -> list[tuple[int, int]]:
    """KissFFT's factorisation of n: (radix, what is left) per stage, outermost first; powers of 4 first,
    then 2, then odd primes up to sqrt(n) (of the original n), then what is left.

    >>> kiss_factors(256), kiss_factors(8), kiss_factors(2)
    ([(4, 64), (4, 16), (4, 4), (4, 1)], [(4, 2), (2, 1)], [(2, 1)])
    """
    out: list[tuple[int, int]] = []
    p, limit = 4, math.floor(math.sqrt(n))
    while True:
        while n % p:
            p = {4: 2, 2: 3}.get(p, p + 2)
            if p > limit:
                p = n
        n //= p
        out.append((p, n))
        if n <= 1:
            return out


def _cexp(dtype: str, phase: float) -> tuple[float | int, float | int]:
    """KissFFT's kf_cexp in the type: floor(0.5 + MAX * cos) for fixed point, a float cast for float."""
    if dtype == "float32":
        return float(np.float32(math.cos(phase))), float(np.float32(math.sin(phase)))
    top = 32767 if dtype == "int16" else 2147483647
    return math.floor(0.5 + top * math.cos(phase)), math.floor(0.5 + top * math.sin(phase))


def twiddle_table(dtype: str, fft_length: int, inverse: bool) -> np.ndarray:
    """n = fft_length / 2 complex twiddles, then n / 2 complex real-split twiddles, as (re, im) pairs:
    the tables kiss_fft_alloc and kiss_fftr_alloc compute (same phase expressions, in double)."""
    n = fft_length // 2
    sign = -1.0 if inverse else 1.0
    values = []
    for i in range(n):
        phase = -2 * _PI * i / n  # this order: (-2 pi / n) * i rounds otherwise at some i, and TFLM differs then
        values += _cexp(dtype, phase * sign)
    for i in range(n // 2):
        phase = -_PI * ((i + 1) / n + 0.5)
        values += _cexp(dtype, phase * sign)
    return np.array(values, dtype=np.float64 if dtype == "float32" else np.int64)


def _fft_type(lw: Lowering, op: Operator) -> tuple[str, int]:
    """The type (option "T") and fft_length options, as TFLM's Init reads them."""
    t = op.options.get("T")
    lw.need(isinstance(t, int) and not isinstance(t, bool) and t in _TYPE_OF_T, op,
            f"option 'T' is {t!r}; expected the tensor type number of int16 (7), int32 (2) or float32 (0)",
            hint=_HINT)
    keys = sorted(op.options)
    lw.need(keys[1:2] == ["fft_length"], op, f"options {keys}: TFLM reads fft_length as the second key in "
            "sorted order (after 'T'), and here another key is there", hint=_HINT)
    n = op.options.get("fft_length")
    lw.need(isinstance(n, int) and not isinstance(n, bool), op,
            f"option 'fft_length' is {n!r}; expected an integer", hint=_HINT)
    lw.need(n >= 2 and n % 2 == 0 and n <= (1 << 16), op,
            f"fft_length {n} is not supported: TFLM's real FFT needs an even length (it fails on an odd one); "
            "tinyslm compiles 4..65536", hint="use an even fft_length, e.g. a power of two")
    radices = {p for p, _ in kiss_factors(n // 2)}
    lw.need(radices <= {2, 3, 4, 5}, op,
            f"fft_length {n}: KissFFT would need a radix-{max(radices)} stage, whose generic butterfly takes a "
            "temporary buffer TFLM's KissFFT build cannot allocate (TFLM crashes on it)",
            hint="use an fft_length whose half has only the prime factors 2, 3 and 5 (e.g. 256, 480, 512)")
    return _TYPE_OF_T[t], int(n)


def _fft_call(lw: Lowering, op: Operator, kind: str, x: Tensor, y: Tensor, rows: int, n: int, in_length: int,
              out_stride: int, scratch: int) -> Call:
    dtype = x.dtype
    values, conj = twiddle_table(dtype, n, inverse=False), 0
    if kind == "irfft":  # the forward table read conjugated, so that an rfft and an irfft share one table
        inverse = twiddle_table(dtype, n, inverse=True)
        conj = int(np.array_equal(inverse, values * np.tile([1, -1], len(values) // 2)))
        values = values if conj else inverse
    direction = "inverse " if kind == "irfft" and not conj else ""
    table = ConstArray(lw.name(op, "twiddles"), _CTYPE[dtype], values,
                       f"KissFFT {direction}twiddles of a {n}-point real FFT, {dtype}")
    fac = kiss_factors(n // 2)
    factors = [v for pm in fac for v in pm]
    params = FftParams(rows, n, in_length, out_stride, len(fac), factors + [0] * (2 * MAX_STAGES - len(factors)),
                       Ref(table.name), conj)
    return Call(op, f"tslm_signal_{kind}_{_SUFFIX[dtype]}", "tslm_signal_fft",
                [T(x.index), T(y.index), Scratch(_CTYPE[dtype]) if scratch else Lit("NULL")],
                params=params, consts=[table], scratch_bytes=scratch,
                note=f"fft_length {n}, {rows} row{'s' * (rows != 1)}, {dtype}",
                macs=rows * n * max(1, int(math.log2(n))), reads=[x.index], writes=[y.index])


@register("CUSTOM:SignalRfft")
def rfft(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    dtype, n = _fft_type(lw, op)
    x = lw.raw(op, op.inputs[0], (dtype,), "input")
    y = lw.raw(op, op.outputs[0], (dtype,), "output")
    lw.need(len(x.shape) >= 1 and len(y.shape) == len(x.shape), op,
            f"input {lw.shape_str(x.shape)} and output {lw.shape_str(y.shape)} must have the same rank (TFLM)")
    in_length, bins = x.shape[-1], n // 2 + 1
    lw.need(0 < in_length <= n, op, f"input rows of {in_length} samples: TFLM copies each into a {n}-sample "
            f"buffer (fft_length), so they must be 1..{n} samples long")
    rows = x.numel // in_length
    lw.need(y.shape[-1] == 2 * bins and y.numel == rows * 2 * bins, op,
            f"output {lw.shape_str(y.shape)}: expected {rows} row(s) of {bins} complex bins ({2 * bins} values) "
            f"for input {lw.shape_str(x.shape)} and fft_length {n}")
    scratch = n * x.itemsize if in_length < n else 0
    return _fft_call(lw, op, "rfft", x, y, rows, n, in_length, 2 * bins, scratch)


@register("CUSTOM:SignalIrfft")
def irfft(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    dtype, n = _fft_type(lw, op)
    x = lw.raw(op, op.inputs[0], (dtype,), "input")
    y = lw.raw(op, op.outputs[0], (dtype,), "output")
    lw.need(len(x.shape) >= 1 and len(y.shape) == len(x.shape), op,
            f"input {lw.shape_str(x.shape)} and output {lw.shape_str(y.shape)} must have the same rank (TFLM)")
    bins = n // 2 + 1
    lw.need(x.shape[-1] % 2 == 0 and x.shape[-1] // 2 >= bins, op,
            f"input rows of {x.shape[-1]} values: expected (re, im) pairs, at least the {bins} bins of "
            f"fft_length {n} (TFLM reads that many)")
    in_length = x.shape[-1] // 2
    rows = x.numel // x.shape[-1]
    lw.need(y.shape[-1] == n and y.numel == rows * n, op,
            f"output {lw.shape_str(y.shape)}: expected {rows} row(s) of fft_length {n} samples")
    return _fft_call(lw, op, "irfft", x, y, rows, n, in_length, n, n * x.itemsize)


@register("CUSTOM:SignalFftAutoScale")
def fft_auto_scale(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) == 1 and len(op.outputs) == 2, op,
            f"expected 1 input and 2 outputs (samples, scale bits), got {len(op.inputs)} and {len(op.outputs)}")
    x = lw.raw(op, op.inputs[0], ("int16",), "input")
    y = lw.raw(op, op.outputs[0], ("int16",), "output")
    s = lw.raw(op, op.outputs[1], ("int32",), "scale bits output")
    lw.need(len(x.shape) == 1 and len(y.shape) == 1 and len(s.shape) == 0, op,
            f"input {lw.shape_str(x.shape)}, output {lw.shape_str(y.shape)}, scale bits {lw.shape_str(s.shape)}: "
            "TFLM takes a 1-D input and output and a scalar scale")
    size = y.shape[0]
    lw.need(size <= x.shape[0], op, f"output of {size} samples is longer than the input ({x.shape[0]}): TFLM "
            "scales as many samples as the output holds and would read past the input")
    return Call(op, "tslm_signal_fft_auto_scale_s16", "tslm_signal_fft",
                [Lit(str(size)), T(x.index), T(y.index), T(s.index)], note=f"{size} samples",
                macs=size, reads=[x.index], writes=[y.index, s.index])
