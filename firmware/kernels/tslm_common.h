/*
 * tslm_common.h - fixed-point helpers shared by every tinyslm int8 kernel.
 *
 * These reproduce TensorFlow Lite Micro's integer arithmetic exactly
 * (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT, and
 * TFLM's double-rounding MultiplyByQuantizedMultiplier), so that every kernel
 * built on them is bit-exact with TFLM's reference kernels. No floating point
 * (except the float32 kernels' clamp at the end), no division, no allocation.
 *
 * Kernels come in families, one per file (tslm_conv.c, tslm_softmax.c, ...),
 * each function named tslm_<op>_<dtype>. A CPU-specific variant of a family
 * (Cortex-M DSP, Helium) is a drop-in file with the same functions.
 */
#ifndef TSLM_COMMON_H
#define TSLM_COMMON_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>

#define TSLM_MAX_DIMS 6

/* For small helpers in inner loops that must not become calls. */
#if defined(__GNUC__) && !defined(TSLM_OPTIMIZE_SIZE)
#define TSLM_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TSLM_ALWAYS_INLINE static inline
#endif
/* For helpers whose body is smaller than a call to them: inlined in the size build too. */
#if defined(__GNUC__)
#define TSLM_TINY_INLINE static inline __attribute__((always_inline))
#else
#define TSLM_TINY_INLINE static inline
#endif

static inline int32_t tslm_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t tslm_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t tslm_clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Leading zero bits of x, 32 for 0 (one CLZ on a Cortex-M3 and up). */
static inline int tslm_clz32(uint32_t x)
{
    if (x == 0) {
        return 32;
    }
#if defined(__GNUC__)
    return __builtin_clz(x);
#else
    int n = 0;
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

/* round(a * b / 2^31), saturating the one overflowing case (INT32_MIN^2). */
static inline int32_t tslm_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t q = ab + (ab >= 0 ? (INT64_C(1) << 30) : (1 - (INT64_C(1) << 30)));
    /* Division by 2^31 truncating toward zero, without a 64-bit divide. */
    return (int32_t)(q >= 0 ? (q >> 31) : -((-q) >> 31));
}

/* x / 2^exponent, rounding half away from zero (0 <= exponent <= 31). */
static inline int32_t tslm_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x << shift with int32 wrap-around, as TFLM's `x * (1 << shift)` behaves. */
static inline int32_t tslm_shl_wrap(int32_t x, int shift)
{
    return (int32_t)((uint32_t)x << shift);
}

/*
 * x * multiplier * 2^(shift - 31): TFLM's MultiplyByQuantizedMultiplier.
 * multiplier in [2^30, 2^31) (or 0), shift in [-31, 30], both precomputed
 * by the compiler from the tensors' scales.
 */
static inline int32_t tslm_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    if (shift <= -2) {
        /* The usual case, a right shift r >= 2. With p = x * m + 2^30, SRDHM is floor(p / 2^31)
         * and its round-half-away division by 2^r equals floor((p - [p < 0] 2^31 + 2^(30+r)) / 2^(31+r))
         * (floors of divisions by powers of two compose): the high word of p, corrected, then one
         * arithmetic shift. Checked against the two-step reference on millions of values. */
        const int right = (int)-shift;
        int64_t p = (int64_t)x * multiplier + (INT64_C(1) << 30);
        p -= (p < 0) ? (INT64_C(1) << 31) : 0;
        const int32_t high = (int32_t)(p >> 32) + (INT32_C(1) << (right - 2));
        return high >> (right - 1);
    }
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    /* With multiplier >= 0, SaturatingRoundingDoublingHighMul never saturates
     * and its sign-dependent nudge and truncating division reduce to one
     * rounding shift: floor((a * b + 2^30) / 2^31). Same bits, no branches. */
    const int64_t ab = (int64_t)tslm_shl_wrap(x, left) * multiplier;
    const int32_t high = (int32_t)((ab + (INT64_C(1) << 30)) >> 31);
    return tslm_rdbpot(high, right);
}

/*
 * x * multiplier * 2^(shift - 31) for a 64-bit accumulator: TFLM's int64
 * MultiplyByQuantizedMultiplier (the int16x8 kernels). The multiplier is first
 * reduced to 16 bits (rounded), then one rounding shift by 15 - shift; the
 * result is truncated to 32 bits as TFLM's cast does. |x| < 2^47, shift in [-31, 7].
 */
static inline int32_t tslm_requantize64(int64_t x, int32_t multiplier, int32_t shift)
{
    const int64_t reduced = multiplier < 0x7FFF0000 ? (int64_t)((multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int total = 15 - (int)shift;
    const int64_t r = x * reduced + (INT64_C(1) << (total - 1));
    return (int32_t)(uint32_t)(uint64_t)(r >> total);
}

/* A 16x8 accumulator requantized the way TFLM does for the bias type it was given:
 * int64 bias (acc32 == 0) -> the 64-bit scheme; int32 bias -> the sum wrapped to
 * int32 (as TFLM's int32 accumulator wraps) and the 32-bit scheme. */
static inline int32_t tslm_requantize_acc(int64_t acc, int32_t multiplier, int32_t shift, int32_t acc32)
{
    if (acc32) {
        return tslm_requantize((int32_t)(uint32_t)(uint64_t)acc, multiplier, shift);
    }
    return tslm_requantize64(acc, multiplier, shift);
}

/*
 * float32 kernels' fused activation, TFLM's ActivationFunctionWithMinMax over the range that
 * CalculateActivationRange gives: min(max(x, lo), hi), applied with NONE too (so +-inf become
 * +-FLT_MAX, as in TFLM), NaN passed through.
 */
enum { TSLM_ACT_NONE = 0, TSLM_ACT_RELU, TSLM_ACT_RELU6, TSLM_ACT_RELU_N1_TO_1 };

static inline float tslm_activation_f32(float x, int32_t act)
{
    const float lo = act == TSLM_ACT_NONE ? -FLT_MAX : (act == TSLM_ACT_RELU_N1_TO_1 ? -1.0f : 0.0f);
    const float hi = act == TSLM_ACT_RELU6 ? 6.0f : (act == TSLM_ACT_RELU_N1_TO_1 ? 1.0f : FLT_MAX);
    const float t = x < lo ? lo : x;
    return hi < t ? hi : t;
}

#endif /* TSLM_COMMON_H */
