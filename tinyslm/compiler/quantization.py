"""What TFLM computes in its kernels' Prepare step, done once at compile time.

Scales arrive as the float32 values the .tflite stores; TFLM widens them to
double (or keeps float32) at specific points, and those points matter for
bit-exactness, so each helper says which it follows.

>>> quantize_multiplier(0.5)
(1073741824, 0)
>>> quantize_multiplier(0.0039215686)
(1077952569, -7)
>>> activation_range("RELU6", 0.05, -128, "int8")
(-128, -8)
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..errors import UnsupportedError

QRANGE = {"int8": (-128, 127), "int16": (-32768, 32767), "uint8": (0, 255), "int32": (-(1 << 31), (1 << 31) - 1)}


def f32(x: float) -> np.float32:
    return np.float32(x)


def tfl_round(x: float) -> int:
    """std::round: half away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


class ScaleError(UnsupportedError):
    """A rescale factor outside what TFLM's integer arithmetic defines (the lowering adds which op)."""


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplier: real ~= m * 2^(shift-31), m in [2^30, 2^31).

    A factor of 2^30 or more (shift > 30) is refused: TFLM's kernels would shift an int32 left by that much,
    which C leaves undefined (a mutated model with one filter scale of 1e22 reached it).

    >>> quantize_multiplier(0.5), quantize_multiplier(3e-9)
    ((1073741824, 0), (1729382257, -28))
    """
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = tfl_round(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if shift > 30:
        raise ScaleError(f"rescale factor {real:.6g} is 2^30 or more, where TFLM's integer arithmetic is "
                         "undefined: the model's quantization scales are broken")
    return q_fixed, shift


def quantize_multiplier_smaller_than_one(real: float, what: str) -> tuple[int, int]:
    m, s = quantize_multiplier(real)
    if s > 0:
        raise UnsupportedError(f"{what}: rescale factor {real:.6g} >= 1, which TFLM's kernel does not accept")
    return m, s


def quantize_multiplier_greater_than_one(real: float, what: str) -> tuple[int, int]:
    m, s = quantize_multiplier(real)
    if s < 0:
        raise UnsupportedError(f"{what}: rescale factor {real:.6g} < 1, which TFLM's kernel does not accept")
    return m, s


def activation_range(activation: str, scale: float, zero_point: int, dtype: str) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: fused activation -> [min, max] in output units.

    The real bound is divided by the output scale in float32 and rounded.
    """
    qmin, qmax = QRANGE[dtype]

    def q(v: float) -> int:
        with np.errstate(over="ignore", divide="ignore"):
            r = float(f32(v) / f32(scale))
        if not math.isfinite(r):  # TFLM casts that infinity to int32: undefined
            raise ScaleError(f"the fused activation's bound {v:g} is {r} in units of the output scale {scale:g}, "
                             "which TFLM converts to int32 with undefined results")
        return zero_point + tfl_round(r)

    if activation == "NONE":
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, q(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise UnsupportedError(f"fused activation {activation} is not supported on quantized ops",
                           hint="use NONE, RELU, RELU6 or RELU_N1_TO_1")


def input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius."""
    max_rescaled = (1.0 * ((1 << integer_bits) - 1) * (1 << (total_signed_bits - integer_bits))
                    / (1 << left_shift))
    return int(math.floor(max_rescaled))


def frexp_multiplier(real: float) -> tuple[int, int]:
    """The frexp + round that LOGISTIC/TANH use (no 2^31 fix-up)."""
    q, shift = math.frexp(real)
    return tfl_round(q * (1 << 31)), shift


def _roundf(x: np.float32) -> np.float32:
    """std::round on a float: half away from zero, staying float32."""
    return np.float32(math.floor(float(x) + 0.5) if x >= 0 else -math.floor(-float(x) + 0.5))


def gen_lut_int16(func: Callable[[np.float32], np.float32], input_min: float, input_max: float,
                  output_min: float = -1.0, output_max: float = 1.0) -> list[int]:
    """TFLM's gen_lut<float, int16_t, int16_t>: 512 samples of func over [input_min, input_max] in float32,
    each biased by half its midpoint interpolation error, and a 513th value for the last slope.

    >>> lut = gen_lut_int16(lambda v: np.float32(1.0) / (np.float32(1.0) + v), 0.0, 1.0)
    >>> len(lut), lut[0], lut[512]      # 1/(1+0) = 1 -> 32768 clamped to 32767; 1/2 -> 16384
    (513, 32767, 16384)
    """
    f = np.float32
    nb = 512
    lo = f(input_min)
    step = (f(input_max) - lo) / f(nb)
    half = step / f(2)
    scale_inv = f(65536) / (f(output_max) - f(output_min))
    out = []
    for i in range(nb):
        x0 = lo + f(i) * step
        val = func(x0)
        mid = func(x0 + half)
        nxt = func(lo + f(i + 1) * step)
        sample = _roundf(val * scale_inv)
        interp = _roundf((nxt * scale_inv + _roundf(val * scale_inv)) / f(2))
        bias = _roundf((interp - _roundf(mid * scale_inv)) / f(2))
        out.append(int(min(max(sample - bias, f(-32768)), f(32767))))
    out.append(int(min(max(_roundf(func(f(input_max)) * scale_inv), f(-32768)), f(32767))))
    return out


def expf(x: np.float32) -> np.float32:
    """exp of a float32, correctly rounded to float32 (what glibc's expf returns, but for rare ties)."""
    return np.float32(math.exp(float(x)))
