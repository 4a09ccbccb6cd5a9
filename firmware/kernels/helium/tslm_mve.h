/*
 * tslm_mve.h - what the Helium (M-profile Vector Extension, Cortex-M55/M85) kernels share:
 * TFLM's requantization on four int32 lanes, bit for bit; a dot-product row kernel
 * (VMLADAVA.S8: 16 int8 MACs per instruction) with the requantizing epilogue; copies.
 *
 * Requantization (TFLM's MultiplyByQuantizedMultiplier, shift in [-31, 30]):
 *   x <<= max(shift, 0)                      VSHL: wraps like TFLM's x * (1 << left)
 *   x = VQRDMULH(x, m)                       = floor((x * m + 2^30) / 2^31), saturating the one
 *                                              overflow (INT32_MIN * INT32_MIN) as SRDHM does; for
 *                                              a negative product TFLM's nudge 1 - 2^30 and its
 *                                              truncating division give the same floor
 *   x += (x & -r) >> 31                      -1 for a negative x when r = -min(shift, 0) > 0
 *   x = VRSHL(x, -r)                         floor((x + 2^(r-1)) / 2^r); with the -1 above this is
 *                                              RoundingDivideByPOT's round half away from zero
 * Checked against tslm_requantize() on every right shift's ties and random values (tests/c/mve_check.c).
 */
#ifndef TSLM_MVE_H
#define TSLM_MVE_H

#include <arm_mve.h>

#include "tslm_common.h"

/* TFLM's requantization of four lanes, each with its own multiplier and shift. */
TSLM_ALWAYS_INLINE int32x4_t tslm_mve_requant(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
    const int32x4_t zero = vdupq_n_s32(0);
    x = vshlq_s32(x, vmaxq_s32(shift, zero));
    x = vqrdmulhq_s32(x, mult);
    const int32x4_t right = vminq_s32(shift, zero);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
    return vrshlq_s32(x, right);
}

/* The same for shifts known to be right shifts (shift <= 0 in every lane): no left shift. */
TSLM_ALWAYS_INLINE int32x4_t tslm_mve_requant_right(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
    x = vqrdmulhq_s32(x, mult);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, shift), 31));
    return vrshlq_s32(x, shift);
}

/* Requantized lanes + zero point, clamped, stored as int8 (lanes where p holds). */
TSLM_ALWAYS_INLINE void tslm_mve_out4(int8_t *out, int32x4_t acc, int32x4_t mult, int32x4_t shift, int right_only,
                                      int32_t zp, int32_t lo, int32_t hi, mve_pred16_t p)
{
    int32x4_t v = right_only ? tslm_mve_requant_right(acc, mult, shift) : tslm_mve_requant(acc, mult, shift);
    v = vaddq_n_s32(v, zp);
    v = vmaxq_s32(v, vdupq_n_s32(lo));
    v = vminq_s32(v, vdupq_n_s32(hi));
    vstrbq_p_s32(out, v, p);
}

/* 1 when every one of the n shifts is a right shift (<= 0). */
static inline int tslm_mve_right_only(const int32_t *shift, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        if (shift[i] > 0) {
            return 0;
        }
    }
    return 1;
}

/* dst[0..n) = src[0..n) */
static inline void tslm_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (int32_t i = 0; i < n; i += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        vstrbq_p_s8(dst + i, vldrbq_z_s8(src + i, p), p);
    }
}

/* dst[0..n) = v */
static inline void tslm_mve_fill(int8_t *dst, int8_t v, int32_t n)
{
    const int8x16_t d = vdupq_n_s8(v);
    for (int32_t i = 0; i < n; i += 16) {
        vstrbq_p_s8(dst + i, d, vctp8q((uint32_t)(n - i)));
    }
}

/* What the row kernel needs besides the operands. */
typedef struct {
    const int32_t *bias;       /* per output (NULL: none) */
    const int32_t *multiplier; /* per output, or one for all when per_channel is 0 */
    const int32_t *shift;
    int32_t per_channel;
    int32_t right_only;        /* every shift <= 0 */
    int32_t input_offset;      /* added to every x (0 when the compiler folded it into the bias) */
    int32_t output_offset, act_min, act_max;
} tslm_mve_epilogue;

/*
 * out[o] = requant(sum_d x[d] * w[o * depth + d] (+ input_offset * sum_d w[o * depth + d]) + bias[o])
 * for o in [0, n_out): four weight rows per turn, each 16-byte load of x serving all four
 * (VMLADAVA.S8), the last partial 16 bytes with predicated (zeroing) loads.
 */
TSLM_ALWAYS_INLINE void tslm_mve_rows_impl(const int8_t *x, const int8_t *w, int32_t depth, int32_t n_out,
                                           const tslm_mve_epilogue *e, int8_t *out, const int with_offset)
{
    const int32_t full = depth & ~15;
    const mve_pred16_t tail = vctp8q((uint32_t)(depth - full));
    const int32x4_t m_all = vdupq_n_s32(e->multiplier[0]), s_all = vdupq_n_s32(e->shift[0]);
    for (int32_t o = 0; o < n_out; o += 4) {
        const int8_t *w0 = w + o * depth;
        const int8_t *w1 = o + 1 < n_out ? w0 + depth : w0; /* rows past the end: row o again, not stored */
        const int8_t *w2 = o + 2 < n_out ? w0 + 2 * depth : w0;
        const int8_t *w3 = o + 3 < n_out ? w0 + 3 * depth : w0;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int32_t d = 0; d < full; d += 16) {
            const int8x16_t xv = vldrbq_s8(x + d);
            const int8x16_t v0 = vldrbq_s8(w0 + d), v1 = vldrbq_s8(w1 + d);
            const int8x16_t v2 = vldrbq_s8(w2 + d), v3 = vldrbq_s8(w3 + d);
            a0 = vmladavaq_s8(a0, xv, v0);
            a1 = vmladavaq_s8(a1, xv, v1);
            a2 = vmladavaq_s8(a2, xv, v2);
            a3 = vmladavaq_s8(a3, xv, v3);
            if (with_offset) {
                s0 = vaddvaq_s8(s0, v0), s1 = vaddvaq_s8(s1, v1), s2 = vaddvaq_s8(s2, v2), s3 = vaddvaq_s8(s3, v3);
            }
        }
        if (full < depth) {
            const int8x16_t xv = vldrbq_z_s8(x + full, tail);
            const int8x16_t v0 = vldrbq_z_s8(w0 + full, tail), v1 = vldrbq_z_s8(w1 + full, tail);
            const int8x16_t v2 = vldrbq_z_s8(w2 + full, tail), v3 = vldrbq_z_s8(w3 + full, tail);
            a0 = vmladavaq_s8(a0, xv, v0);
            a1 = vmladavaq_s8(a1, xv, v1);
            a2 = vmladavaq_s8(a2, xv, v2);
            a3 = vmladavaq_s8(a3, xv, v3);
            if (with_offset) {
                s0 = vaddvaq_s8(s0, v0), s1 = vaddvaq_s8(s1, v1), s2 = vaddvaq_s8(s2, v2), s3 = vaddvaq_s8(s3, v3);
            }
        }
        int32x4_t acc = vdupq_n_s32(a0);
        acc = vsetq_lane_s32(a1, acc, 1);
        acc = vsetq_lane_s32(a2, acc, 2);
        acc = vsetq_lane_s32(a3, acc, 3);
        if (with_offset) {
            int32x4_t sums = vdupq_n_s32(s0);
            sums = vsetq_lane_s32(s1, sums, 1);
            sums = vsetq_lane_s32(s2, sums, 2);
            sums = vsetq_lane_s32(s3, sums, 3);
            acc = vmlaq_n_s32(acc, sums, e->input_offset);
        }
        const mve_pred16_t p = vctp32q((uint32_t)(n_out - o));
        if (e->bias != NULL) {
            acc = vaddq_s32(acc, vldrwq_z_s32(e->bias + o, p));
        }
        const int32x4_t m = e->per_channel ? vldrwq_z_s32(e->multiplier + o, p) : m_all;
        const int32x4_t s = e->per_channel ? vldrwq_z_s32(e->shift + o, p) : s_all;
        tslm_mve_out4(out + o, acc, m, s, e->right_only, e->output_offset, e->act_min, e->act_max, p);
    }
}

#endif /* TSLM_MVE_H */
