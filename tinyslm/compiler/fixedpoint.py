"""Exact int32 fixed-point arithmetic, as TFLM computes it (gemmlowp semantics).

The compiler uses these to precompute tables (softmax exponentials, logistic,
tanh, rsqrt) bit-exactly at compile time, so the device only looks values up.
Every function works on Python ints and reproduces two's-complement int32
behaviour (the `_np` twins the same on whole numpy arrays); ``FixedPoint<int32, I>`` values are passed as
their raw int32.

>>> srdhm(1 << 30, 1 << 30)  # 0.5 * 0.5 in Q0.31
536870912
>>> rdbpot(-5, 1), rdbpot(5, 1), rdbpot(-6, 2)  # round half away from zero
(-3, 3, -2)
>>> exp_on_negative_values(0, 5) == INT32_MAX  # exp(0) == 1.0 (saturated One)
True
>>> abs(exp_on_negative_values(-(1 << 26), 5) / 2**31 - 0.36787944) < 1e-5  # exp(-1)
True
"""

from __future__ import annotations

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def wrap32(x: int) -> int:
    """Two's-complement wrap to int32."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul: round(a*b / 2^31), saturating INT32_MIN^2."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else (1 - (1 << 30))
    q = ab + nudge
    # C++ integer division truncates toward zero.
    res = abs(q) >> 31
    return wrap32(res if q >= 0 else -res)


def rdbpot(x: int, exponent: int) -> int:
    """RoundingDivideByPOT: x / 2^exponent, rounding half away from zero."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def sat_shl(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT for a positive exponent (saturating left shift)."""
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return wrap32(x << exponent)


def mul_by_pot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent> for any sign of exponent."""
    if exponent > 0:
        return sat_shl(x, exponent)
    if exponent < 0:
        return rdbpot(x, -exponent)
    return x


def rescale(x: int, src_bits: int, dst_bits: int) -> int:
    """gemmlowp Rescale<dst>(FixedPoint<int32, src>)."""
    return mul_by_pot(x, src_bits - dst_bits)


def mbqm(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier (TFLM's double-rounding variant)."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rdbpot(srdhm(wrap32(x * (1 << left)), multiplier), right)


def srdhm_np(a: np.ndarray, b: int) -> np.ndarray:
    """srdhm on an int64 array of int32 values (b an int32)."""
    ab = a * b
    q = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    res = np.where(q >= 0, q >> 31, -((-q) >> 31))  # C's division, truncating toward zero
    res = np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, res)
    return ((res + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def mbqm_np(x: np.ndarray, multiplier: int, shift: int) -> np.ndarray:
    """mbqm on an int64 array of int32 values (a whole table of inputs at once).

    >>> x = np.array([-(1 << 31), -5_000_000, -3, 0, 7, 123_456_789, (1 << 31) - 1], dtype=np.int64)
    >>> all(int(v) == mbqm(int(u), 1_518_500_250, s) for s in (-20, -3, 0, 2) for u, v in
    ...     zip(x, mbqm_np(x, 1_518_500_250, s)))
    True
    """
    left, right = max(shift, 0), max(-shift, 0)
    x = (((x << left) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
    x = srdhm_np(x, multiplier)
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (x < 0)
    return (x >> right) + ((x & mask) > threshold)


def one(integer_bits: int) -> int:
    return INT32_MAX if integer_bits == 0 else 1 << (31 - integer_bits)


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    constant_term = 1895147668  # exp(-1/8) in Q0.31
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))  # a + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(wrap32(srdhm(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given as FixedPoint<int32, integer_bits>; result in Q0.31."""
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = wrap32((a & mask) - one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0))
    remainder = wrap32(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                                 (2, 39332535), (3, 720401), (4, 242)):
        if integer_bits > exponent:
            shift_amount = frac_bits + exponent
            if remainder & (1 << shift_amount):
                result = srdhm(result, multiplier)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))  # -32.0 in this format
        if a < clamp:
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    sign = 1 if s >= 0 else -1
    q = s + sign
    return wrap32(abs(q) // 2 * (1 if q >= 0 else -1))


def _newton_reciprocal_q2(a: int) -> int:
    """Shared Newton-Raphson core: returns x ~ 1/(1+a) in Q2.29 (a in Q0.31, [0, 1))."""
    half_denominator = _rounding_half_sum(a, INT32_MAX)
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    x = wrap32(constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17))
    one_q2 = 1 << 29
    for _ in range(3):
        half_denominator_times_x = srdhm(half_denominator, x)
        one_minus = wrap32(one_q2 - half_denominator_times_x)
        x = wrap32(x + rescale(srdhm(x, one_minus), 4, 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """1/(1+a) for a in [0, 1) in Q0.31, result in Q0.31."""
    x = _newton_reciprocal_q2(a)
    return rescale(x, 1, 0)  # ExactMulByPot<-1>: Q2 -> Q1 (same raw), then Rescale<0>


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    x = _newton_reciprocal_q2(a)
    return rescale(wrap32(x - (1 << 29)), 2, 0)


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp::logistic on FixedPoint<int32, integer_bits>; result in Q0.31."""
    if a == 0:
        return 1 << 30
    abs_a = a if a > 0 else wrap32(-a)
    pos = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap32(-abs_a), integer_bits))
    return pos if a > 0 else wrap32(INT32_MAX - pos)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp::tanh on FixedPoint<int32, integer_bits>; result in Q0.31."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return wrap32(-t) if a < 0 else t


def clz32(x: int) -> int:
    x &= 0xFFFFFFFF
    return 32 - x.bit_length()


def get_reciprocal(x: int, x_integer_digits: int) -> tuple[int, int]:
    """TFLM GetReciprocal: (raw Q0.31 of 1/x rescaled, num_bits_over_unit)."""
    headroom_plus_one = clz32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted_sum_minus_one = wrap32(((x & 0xFFFFFFFF) << headroom_plus_one) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


def inv_sqrt_quantized_multiplier_exp(x: int, reverse_shift: int) -> tuple[int, int]:
    """TFLM GetInvSqrtQuantizedMultiplierExp: (multiplier, shift) of 1/sqrt(x)."""
    if x <= 1:
        return INT32_MAX, 0
    shift = 11
    while x >= (1 << 29):
        x //= 4
        shift += 1
    max_left_shift_bits = clz32(x) - 1
    left_shift_bit_pairs = max_left_shift_bits // 2 - 1
    shift -= left_shift_bit_pairs
    x <<= 2 * left_shift_bit_pairs
    fx = x >> 1  # F3
    half_x = rdbpot(fx, 1)
    half_three = (1 << 28) + (1 << 27)
    v = 1 << 28  # F3 One
    for _ in range(5):
        x3 = rescale(srdhm(srdhm(v, v), v), 9, 3)
        v = rescale(wrap32(srdhm(half_three, v) - srdhm(half_x, x3)), 6, 3)
    v = srdhm(v, 1518500250)  # * sqrt(2)/2
    if shift < 0:
        v = wrap32(v << -shift)
        shift = 0
    return v, shift * reverse_shift


# ---- int16 fixed point (gemmlowp's int16 specializations, TFLM's hard_swish.h helpers)
INT16_MIN = -(1 << 15)
INT16_MAX = (1 << 15) - 1


def wrap16(x: int) -> int:
    """Two's-complement wrap to int16 (a C++ static_cast<int16_t>).

    >>> wrap16(32768), wrap16(-32769), wrap16(-5)
    (-32768, 32767, -5)
    """
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def _trunc_div(a: int, d: int) -> int:
    """C++ integer division (truncates toward zero)."""
    q = abs(a) // d
    return q if a >= 0 else -q


def srdhm16(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul for int16: round(a*b / 2^15), nudge by sign.

    >>> srdhm16(16384, 16384), srdhm16(-32768, -32768), srdhm16(-3, 16384)
    (8192, 32767, -1)
    """
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return wrap16(_trunc_div(ab + nudge, 1 << 15))


def sdhm16(a: int, b: int) -> int:
    """TFLM's SaturatingDoublingHighMul (int16): a*b / 2^15 truncated toward zero, like SQDMULH.

    >>> sdhm16(16384, 16384), sdhm16(-3, 16384), sdhm16(-32768, -32768)
    (8192, -1, 32767)
    """
    if a == b == INT16_MIN:
        return INT16_MAX
    return wrap16(_trunc_div(a * b, 1 << 15))


def rdbpot16(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT on int16 (0 <= exponent <= 15).

    >>> rdbpot16(5, 1), rdbpot16(-5, 1), rdbpot16(-32768, 15)
    (3, -3, -1)
    """
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return wrap16((x >> exponent) + (1 if remainder > threshold else 0))


def sat_shl16(x: int, amount: int) -> int:
    """TFLM's SaturatingLeftShift (int16).

    >>> sat_shl16(300, 7), sat_shl16(-300, 7), sat_shl16(3, 2)
    (32767, -32768, 12)
    """
    return max(INT16_MIN, min(INT16_MAX, x * (1 << amount)))


def downscale_multiplier16(m32: int) -> int:
    """TFLM's DownScaleInt32ToInt16Multiplier: a Q31 multiplier rounded to Q15.

    >>> downscale_multiplier16(1 << 30), downscale_multiplier16((1 << 31) - 1)
    (16384, 32767)
    """
    if m32 >= INT32_MAX - (1 << 15):
        return INT16_MAX
    return (m32 + (1 << 15)) >> 16
