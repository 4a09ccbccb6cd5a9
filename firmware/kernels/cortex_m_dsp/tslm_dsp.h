/*
 * tslm_dsp.h - what the Cortex-M DSP kernels share: int8 -> int16 widening,
 * the multiply-accumulate micro-kernels over pairs of pixels and output
 * channels, and the requantization epilogue.
 *
 * Layouts (the compiler writes the constant ones, the kernels the others):
 * - weights: for each pair of output channels, four int8 of one, four of the
 *   other, k = 0..3, then k = 4..7, ...; an odd last channel keeps its row.
 *   Rows are padded with zeros to a multiple of four (n4 groups of four).
 *   SXTB16 of a word gives the pair (w0, w2), SXTB16 ROR 8 gives (w1, w3).
 * - widened activations: per group of four k, the int16 pairs (x0, x2) and
 *   (x1, x3), one 32-bit word each, in that SXTB16 order; two pixels are
 *   interleaved: p0 (x0, x2), p0 (x1, x3), p1 (x0, x2), p1 (x1, x3).
 * - requantization record, 4 int32 per output channel:
 *   fast: {2 * bias, multiplier, right shift r >= 1, 2^(r - 1)};
 *   otherwise {bias, multiplier, shift, 0}, evaluated as tslm_requantize().
 *   The compiler chooses fast only where it is exact: every r >= 1 and
 *   |bias| + 128 * sum |w| < 2^30, so 2 * (acc + bias) cannot overflow.
 */
#ifndef TSLM_DSP_H
#define TSLM_DSP_H

#include "tslm_common.h"
#include "tslm_simd.h"

/* acc[c] += the sum over n rows of in[r * step + c], for c < cols: int8 columns, e.g. a pooling window's pixels of
 * `cols` channels with step the row of channels. Four columns at a time: each row's word is added into two pairs
 * of int16 lanes by two SXTAB16, the lanes flushed into acc every 256 rows (256 * 128 = 2^15 fits a lane). */
TSLM_ALWAYS_INLINE void tslm_dsp_sum_columns(const int8_t *in, int32_t n, int32_t step, int32_t cols, int32_t *acc)
{
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
        for (int32_t r0 = 0; r0 < n; r0 += 256) {
            const int32_t rows = n - r0 < 256 ? n - r0 : 256;
            const int8_t *x = in + r0 * step + c;
            int32_t even = 0, odd = 0; /* lanes (c, c + 2) and (c + 1, c + 3) */
            for (int32_t r = 0; r < rows; ++r, x += step) {
                const int32_t w = tslm_read32(x);
                even = tslm_sxtab16(even, w);
                odd = tslm_sxtab16_ror8(odd, w);
            }
            acc[c] += ((even & 0xFFFF) ^ 0x8000) - 0x8000;
            acc[c + 1] += ((odd & 0xFFFF) ^ 0x8000) - 0x8000;
            acc[c + 2] += even >> 16;
            acc[c + 3] += odd >> 16;
        }
    }
    for (; c < cols; ++c) {
        int32_t sum = 0;
        for (int32_t r = 0; r < n; ++r) {
            sum += in[r * step + c];
        }
        acc[c] += sum;
    }
}

/* Depthwise convolution: the most input rows a filter may span (its window of widened rows lives in
 * scratch); the compiler (tinyslm/compiler/dsp_layout.py) gives taller filters to the portable kernel. */
#define TSLM_DSP_DW_MAX_SPAN 64

/* Exact TFLM requantization of acc (+ bias) for one channel's record. With fast,
 * SRDHM(x, m) = floor((x * m + 2^30) / 2^31) is SMMLAR's rounded high word of 2x * m,
 * plus 2^(r-1) in the same instruction (v); TFLM's round-half-away division by 2^r is
 * then floor((v - [v <= 0]) / 2^r). */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_requant(int32_t acc, const int32_t *rq, const int fast)
{
    if (fast) {
        int32_t v = tslm_smmlar((int32_t)((uint32_t)rq[0] + ((uint32_t)acc << 1)), rq[1], rq[3]);
        v += (v - 1) >> 31;
        return v >> rq[2];
    }
    return tslm_requantize((int32_t)((uint32_t)acc + (uint32_t)rq[0]), rq[1], rq[2]);
}

/* The hot loops below in Thumb-2 assembly; C with the same results otherwise (TSLM_NO_ASM, or -O0: there GCC
 * finds no registers for the assembly's operands). */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__thumb2__) && defined(__OPTIMIZE__) && \
    !defined(TSLM_NO_ASM)
#define TSLM_DSP_ASM 1
#endif

/* The fast requantization of two accumulators of one channel, + zero point, saturated to int8:
 * one record load for both. */
TSLM_ALWAYS_INLINE void tslm_dsp_requant2_fast(int32_t *acc0, int32_t *acc1, const int32_t *rq, int32_t zp)
{
#if defined(TSLM_DSP_ASM)
    int32_t b2, m, r, round, t;
    __asm__("ldrd %[b2], %[m], [%[rq]]\n\t"
            "ldrd %[r], %[round], [%[rq], #8]\n\t"
            "add %[a0], %[b2], %[a0], lsl #1\n\t"
            "add %[a1], %[b2], %[a1], lsl #1\n\t"
            "smmlar %[a0], %[a0], %[m], %[round]\n\t"
            "smmlar %[a1], %[a1], %[m], %[round]\n\t"
            "sub %[t], %[a0], #1\n\t"
            "add %[a0], %[a0], %[t], asr #31\n\t"
            "sub %[t], %[a1], #1\n\t"
            "add %[a1], %[a1], %[t], asr #31\n\t"
            "asr %[a0], %[a0], %[r]\n\t"
            "asr %[a1], %[a1], %[r]\n\t"
            "add %[a0], %[a0], %[zp]\n\t"
            "add %[a1], %[a1], %[zp]\n\t"
            "ssat %[a0], #8, %[a0]\n\t"
            "ssat %[a1], #8, %[a1]"
            : [a0] "+r"(*acc0), [a1] "+r"(*acc1), [b2] "=&r"(b2), [m] "=&r"(m), [r] "=&r"(r),
              [round] "=&r"(round), [t] "=&r"(t)
            : [rq] "r"(rq), [zp] "r"(zp)
            : "memory");
#else
    *acc0 = tslm_ssat8(tslm_dsp_requant(*acc0, rq, 1) + zp);
    *acc1 = tslm_ssat8(tslm_dsp_requant(*acc1, rq, 1) + zp);
#endif
}

/* Two accumulators of one channel to int8 outputs: requantized, + zero point, clamped to [lo, hi]. */
TSLM_ALWAYS_INLINE void tslm_dsp_out2(int32_t a0, int32_t a1, const int32_t *rq, int32_t zp, int32_t lo, int32_t hi,
                                      const int fast, const int full, int8_t *o0, int8_t *o1)
{
    if (fast) {
        tslm_dsp_requant2_fast(&a0, &a1, rq, zp);
    } else {
        a0 = tslm_ssat8(tslm_dsp_requant(a0, rq, 0) + zp);
        a1 = tslm_ssat8(tslm_dsp_requant(a1, rq, 0) + zp);
    }
    if (!full) {
        a0 = a0 < lo ? lo : (a0 > hi ? hi : a0);
        a1 = a1 < lo ? lo : (a1 > hi ? hi : a1);
    }
    *o0 = (int8_t)a0;
    *o1 = (int8_t)a1;
}

/* The fast requantization of one accumulator, + zero point, saturated to int8. */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_requant1_fast(int32_t acc, const int32_t *rq, int32_t zp)
{
#if defined(TSLM_DSP_ASM)
    int32_t b2, m, r, round;
    __asm__("ldrd %[b2], %[m], [%[rq]]\n\t"
            "ldrd %[r], %[round], [%[rq], #8]\n\t"
            "add %[a], %[b2], %[a], lsl #1\n\t"
            "smmlar %[a], %[a], %[m], %[round]\n\t"
            "sub %[b2], %[a], #1\n\t"
            "add %[a], %[a], %[b2], asr #31\n\t"
            "asr %[a], %[a], %[r]\n\t"
            "add %[a], %[a], %[zp]\n\t"
            "ssat %[a], #8, %[a]"
            : [a] "+r"(acc), [b2] "=&r"(b2), [m] "=&r"(m), [r] "=&r"(r), [round] "=&r"(round)
            : [rq] "r"(rq), [zp] "r"(zp)
            : "memory");
    return acc;
#else
    return tslm_ssat8(tslm_dsp_requant(acc, rq, 1) + zp);
#endif
}

/* Requantized value + output zero point, clamped to [lo, hi] (full: the whole int8 range). */
TSLM_ALWAYS_INLINE int8_t tslm_dsp_out(int32_t acc, const int32_t *rq, int32_t zp, int32_t lo, int32_t hi,
                                       const int fast, const int full)
{
    int32_t v = fast ? tslm_dsp_requant1_fast(acc, rq, zp) : tslm_ssat8(tslm_dsp_requant(acc, rq, 0) + zp);
    if (!full) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
    }
    return (int8_t)v;
}

/* The 4-byte group starting at src[k] (k4: the multiple-of-four length), the bytes
 * past `len` read as zeros, so nothing beyond the row is touched. */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_group(const int8_t *src, int32_t k, int32_t len)
{
    if (k + 4 <= len) {
        return tslm_read32(src + k);
    }
    uint32_t v = 0;
    for (int32_t j = 0; k + j < len; ++j) {
        v |= (uint32_t)(uint8_t)src[k + j] << (8 * j);
    }
    return (int32_t)v;
}

/* One row of len int8 values, widened: 2 words per group of four (n4 = ceil(len / 4) groups). */
static inline void tslm_dsp_widen1(const int8_t *a, int32_t len, int32_t *dst)
{
    for (int32_t k = 0; k < len; k += 4, dst += 2) {
        const int32_t v = tslm_dsp_group(a, k, len);
        dst[0] = tslm_sxtb16(v);
        dst[1] = tslm_sxtb16_ror8(v);
    }
}

/* Two rows widened and interleaved: 4 words per group of four. */
static inline void tslm_dsp_widen2(const int8_t *a, const int8_t *b, int32_t len, int32_t *dst)
{
    for (int32_t k = 0; k < len; k += 4, dst += 4) {
        const int32_t u = tslm_dsp_group(a, k, len), v = tslm_dsp_group(b, k, len);
        dst[0] = tslm_sxtb16(u);
        dst[1] = tslm_sxtb16_ror8(u);
        dst[2] = tslm_sxtb16(v);
        dst[3] = tslm_sxtb16_ror8(v);
    }
}

/* a<pixel><channel> += two pixels (interleaved x) . a channel pair (interleaved w), n4 groups:
 * per four k, one LDRD of weights, one 4-word load of x, four SXTB16 and eight SMLAD. */
TSLM_ALWAYS_INLINE void tslm_dsp_mac_2x2(const int32_t *w, const int32_t *x, int32_t n4, int32_t *a00,
                                         int32_t *a01, int32_t *a10, int32_t *a11)
{
    int32_t s00 = *a00, s01 = *a01, s10 = *a10, s11 = *a11;
#if defined(TSLM_DSP_ASM)
    /* 13 registers (a frame pointer may keep r7): x in r8-r11 by one LDM, the weights one word
     * per channel; two groups of four k per turn of the loop (an odd first group alone). */
#define TSLM_MAC_2X2_GROUP                                 \
    "ldr %[wa], [%[w]], #4\n\t"                          \
    "ldmia %[x]!, {r8, r9, r10, r11}\n\t"                \
    "sxtb16 %[t], %[wa]\n\t"                             \
    "smlad %[s00], %[t], r8, %[s00]\n\t"                 \
    "smlad %[s10], %[t], r10, %[s10]\n\t"                \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                    \
    "smlad %[s00], %[wa], r9, %[s00]\n\t"                \
    "smlad %[s10], %[wa], r11, %[s10]\n\t"               \
    "ldr %[wa], [%[w]], #4\n\t"                          \
    "sxtb16 %[t], %[wa]\n\t"                             \
    "smlad %[s01], %[t], r8, %[s01]\n\t"                 \
    "smlad %[s11], %[t], r10, %[s11]\n\t"                \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                    \
    "smlad %[s01], %[wa], r9, %[s01]\n\t"                \
    "smlad %[s11], %[wa], r11, %[s11]\n\t"
    const int32_t *end = w + 2 * n4;
    int32_t wa, t;
    __asm__("tst %[n4], #1\n\t"
            "beq 1f\n\t"
            TSLM_MAC_2X2_GROUP
            "1:\n\t"
            "cmp %[w], %[end]\n\t"
            "beq 3f\n"
            "2:\n\t"
            TSLM_MAC_2X2_GROUP
            TSLM_MAC_2X2_GROUP
            "cmp %[w], %[end]\n\t"
            "bne 2b\n"
            "3:"
            : [w] "+r"(w), [x] "+r"(x), [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
              [wa] "=&r"(wa), [t] "=&r"(t)
            : [end] "r"(end), [n4] "r"(n4)
            : "r8", "r9", "r10", "r11", "cc", "memory");
#undef TSLM_MAC_2X2_GROUP
#else
    for (const int32_t *end = w + 2 * n4; w < end; w += 2, x += 4) {
        const int32_t wa = w[0], wb = w[1];
        const int32_t x0a = x[0], x0b = x[1], x1a = x[2], x1b = x[3];
        int32_t t = tslm_sxtb16(wa);
        s00 = tslm_smlad(t, x0a, s00);
        s10 = tslm_smlad(t, x1a, s10);
        t = tslm_sxtb16_ror8(wa);
        s00 = tslm_smlad(t, x0b, s00);
        s10 = tslm_smlad(t, x1b, s10);
        t = tslm_sxtb16(wb);
        s01 = tslm_smlad(t, x0a, s01);
        s11 = tslm_smlad(t, x1a, s11);
        t = tslm_sxtb16_ror8(wb);
        s01 = tslm_smlad(t, x0b, s01);
        s11 = tslm_smlad(t, x1b, s11);
    }
#endif
    *a00 = s00, *a01 = s01, *a10 = s10, *a11 = s11;
}

/* Two pixels (interleaved x) . one channel's row (plain, padded). */
TSLM_ALWAYS_INLINE void tslm_dsp_mac_2x1(const int32_t *w, const int32_t *x, int32_t n4, int32_t *a0,
                                         int32_t *a1)
{
    int32_t s0 = *a0, s1 = *a1;
    for (const int32_t *end = w + n4; w < end; ++w, x += 4) {
        const int32_t lo = tslm_sxtb16(w[0]), hi = tslm_sxtb16_ror8(w[0]);
        s0 = tslm_smlad(hi, x[1], tslm_smlad(lo, x[0], s0));
        s1 = tslm_smlad(hi, x[3], tslm_smlad(lo, x[2], s1));
    }
    *a0 = s0, *a1 = s1;
}

/* One pixel (widen1 x) . a channel pair (interleaved w). */
TSLM_ALWAYS_INLINE void tslm_dsp_mac_1x2(const int32_t *w, const int32_t *x, int32_t n4, int32_t *a0,
                                         int32_t *a1)
{
    int32_t s0 = *a0, s1 = *a1;
#if defined(TSLM_DSP_ASM)
#define TSLM_MAC_1X2_GROUP                                 \
    "ldrd %[wa], %[wb], [%[w]], #8\n\t"                  \
    "ldrd %[xa], %[xb], [%[x]], #8\n\t"                  \
    "sxtb16 %[t], %[wa]\n\t"                             \
    "smlad %[s0], %[t], %[xa], %[s0]\n\t"                \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                    \
    "smlad %[s0], %[wa], %[xb], %[s0]\n\t"               \
    "sxtb16 %[t], %[wb]\n\t"                             \
    "smlad %[s1], %[t], %[xa], %[s1]\n\t"                \
    "sxtb16 %[wb], %[wb], ror #8\n\t"                    \
    "smlad %[s1], %[wb], %[xb], %[s1]\n\t"
    const int32_t *end = w + 2 * n4;
    int32_t wa, wb, xa, xb, t;
    __asm__("tst %[n4], #1\n\t"
            "beq 1f\n\t"
            TSLM_MAC_1X2_GROUP
            "1:\n\t"
            "cmp %[w], %[end]\n\t"
            "beq 3f\n"
            "2:\n\t"
            TSLM_MAC_1X2_GROUP
            TSLM_MAC_1X2_GROUP
            "cmp %[w], %[end]\n\t"
            "bne 2b\n"
            "3:"
            : [w] "+r"(w), [x] "+r"(x), [s0] "+r"(s0), [s1] "+r"(s1), [wa] "=&r"(wa), [wb] "=&r"(wb),
              [xa] "=&r"(xa), [xb] "=&r"(xb), [t] "=&r"(t)
            : [end] "r"(end), [n4] "r"(n4)
            : "cc", "memory");
#undef TSLM_MAC_1X2_GROUP
#else
    for (const int32_t *end = w + 2 * n4; w < end; w += 2, x += 2) {
        const int32_t wa = w[0], wb = w[1], xa = x[0], xb = x[1];
        s0 = tslm_smlad(tslm_sxtb16_ror8(wa), xb, tslm_smlad(tslm_sxtb16(wa), xa, s0));
        s1 = tslm_smlad(tslm_sxtb16_ror8(wb), xb, tslm_smlad(tslm_sxtb16(wb), xa, s1));
    }
#endif
    *a0 = s0, *a1 = s1;
}

/* One pixel (widen1 x) . one channel's row. */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_mac_1x1(const int32_t *w, const int32_t *x, int32_t n4)
{
    int32_t s = 0;
    for (const int32_t *end = w + n4; w < end; ++w, x += 2) {
        s = tslm_smlad(tslm_sxtb16_ror8(w[0]), x[1], tslm_smlad(tslm_sxtb16(w[0]), x[0], s));
    }
    return s;
}

/*
 * out_p[c] for c in [0, channels) of a block of pixels against one group's weights:
 * x: the widened pixels (two interleaved when out1 != NULL, else one), w: the group's
 * weights (pairs interleaved, n4 groups of four per row), rq: the group's records.
 */
TSLM_ALWAYS_INLINE void tslm_dsp_gemm_rows(const int32_t *x, const int32_t *w, const int32_t *rq, int32_t n4,
                                           int32_t channels, int8_t *out0, int8_t *out1, int32_t zp, int32_t lo,
                                           int32_t hi, const int fast, const int full)
{
    int32_t c = 0;
    if (out1 != NULL) {
        for (; c + 2 <= channels; c += 2, w += 2 * n4, rq += 8) {
            int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
            tslm_dsp_mac_2x2(w, x, n4, &a00, &a01, &a10, &a11);
            tslm_dsp_out2(a00, a10, rq, zp, lo, hi, fast, full, &out0[c], &out1[c]);
            tslm_dsp_out2(a01, a11, rq + 4, zp, lo, hi, fast, full, &out0[c + 1], &out1[c + 1]);
        }
        if (c < channels) {
            int32_t a0 = 0, a1 = 0;
            tslm_dsp_mac_2x1(w, x, n4, &a0, &a1);
            tslm_dsp_out2(a0, a1, rq, zp, lo, hi, fast, full, &out0[c], &out1[c]);
        }
        return;
    }
    for (; c + 2 <= channels; c += 2, w += 2 * n4, rq += 8) {
        int32_t a0 = 0, a1 = 0;
        tslm_dsp_mac_1x2(w, x, n4, &a0, &a1);
        out0[c] = tslm_dsp_out(a0, rq, zp, lo, hi, fast, full);
        out0[c + 1] = tslm_dsp_out(a1, rq + 4, zp, lo, hi, fast, full);
    }
    if (c < channels) {
        out0[c] = tslm_dsp_out(tslm_dsp_mac_1x1(w, x, n4), rq, zp, lo, hi, fast, full);
    }
}

/*
 * Offset pairs (requant_fast == 2; FULLY_CONNECTED and CONV_2D of one group): weights stored per
 * pair of output channels (a, b) and group of four k as two words whose int16 lanes are exactly
 * 256 a + b: bytes (b0, a0 - [b0 < 0], b2, a2 - [b2 < 0]) and (b1, a1 - [b1 < 0], b3, a3 - [b3 < 0])
 * (the compiler refuses a = -128 beside a negative b, which would not fit). SMLAD of that word with
 * a widened input pair (x0, x2) adds 256 a.x + b.x; SMLAD of its SXTB16 adds b.x: two channels'
 * four MACs of one pixel for two SMLAD and one SXTB16 that all pixels share, where the plain layout
 * needs two SXTB16. With s1, s2 started at the records' inits (bias_b + 256 bias_a, bias_b),
 * s1 - s2 = 256 (a.x + bias_a) and s2 = b.x + bias_b, exact modulo 2^32; the compiler checks
 * |bias| + 128 sum|w| < 2^23 for a (so 256 times it fits) and < 2^30 for b. Two pairs (four
 * channels) are stored together by groups (pair 0's two words, pair 1's); a last pair alone; an odd
 * last channel as a plain row. Records, per pair {init_a, init_b, then multiplier, r >= 1,
 * 2^(r-1) + z 2^r of a, of b} (a single last channel {init, multiplier, r, rz}); the
 * requantization of v = 2 (acc + bias) is SMMLAR(v, m, 2^(r-1) + z 2^r - [v < 0]) >> r, TFLM's
 * round-half-away division plus z (the compiler checks nothing overflows). Outputs over the whole
 * int8 range: z = the zero point, then SSAT. Clamped ones: z = zero point - act_min, then USAT #8
 * (the clamp at act_min), + act_min, SSAT (at 127) and a clamp at act_max below 127.
 */

#if defined(TSLM_DSP_ASM)
/* n4 (> 0) groups of GROUP, four per turn of the loop (n counts down the fours); where n4 is not a
 * multiple of four, first one and two as its low bits say. */
#define TSLM_OP_LOOP(GROUP)                                \
    "tst %[n], #3\n\t"                                   \
    "bne 5f\n\t"                                         \
    "lsrs %[n], %[n], #2\n"                              \
    "3:\n\t"                                             \
    GROUP GROUP GROUP GROUP                              \
    "subs %[n], %[n], #1\n\t"                            \
    "bne 3b\n\t"                                         \
    "b 4f\n"                                             \
    "5:\n\t"                                             \
    "tst %[n], #1\n\t"                                   \
    "beq 1f\n\t"                                         \
    GROUP                                                \
    "1:\n\t"                                             \
    "tst %[n], #2\n\t"                                   \
    "beq 2f\n\t"                                         \
    GROUP GROUP                                          \
    "2:\n\t"                                             \
    "lsrs %[n], %[n], #2\n\t"                            \
    "bne 3b\n"                                           \
    "4:"
#define TSLM_OP_2X2_GROUP(ST)                              \
    "ldrd %[wa], %[wb], [%[w]], #" #ST "\n\t"            \
    "ldmia %[x]!, {r8, r9, r10, r11}\n\t"                \
    "smlad %[a0], %[wa], r8, %[a0]\n\t"                  \
    "smlad %[a1], %[wa], r10, %[a1]\n\t"                 \
    "sxtb16 %[wa], %[wa]\n\t"                            \
    "smlad %[b0], %[wa], r8, %[b0]\n\t"                  \
    "smlad %[b1], %[wa], r10, %[b1]\n\t"                 \
    "smlad %[a0], %[wb], r9, %[a0]\n\t"                  \
    "smlad %[a1], %[wb], r11, %[a1]\n\t"                 \
    "sxtb16 %[wb], %[wb]\n\t"                            \
    "smlad %[b0], %[wb], r9, %[b0]\n\t"                  \
    "smlad %[b1], %[wb], r11, %[b1]\n\t"
/* Two pixels (widen2 x) . one offset pair (its words ST bytes apart per group): s1 in a0 (pixel 0),
 * a1 (pixel 1), s2 in b0, b1. Per four k: one LDRD, one LDM, two SXTB16, eight SMLAD. */
#define TSLM_OP_MAC_2X2(NAME, ST)                                                                              \
    TSLM_ALWAYS_INLINE void NAME(const int32_t *w, const int32_t *x, int32_t n, int32_t *pa0, int32_t *pa1,    \
                                 int32_t *pb0, int32_t *pb1)                                                   \
    {                                                                                                          \
        int32_t a0 = *pa0, a1 = *pa1, b0 = *pb0, b1 = *pb1, wa, wb;                                           \
        __asm__(TSLM_OP_LOOP(TSLM_OP_2X2_GROUP(ST))                                                            \
                : [w] "+r"(w), [x] "+r"(x), [n] "+r"(n), [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0),          \
                  [b1] "+r"(b1), [wa] "=&r"(wa), [wb] "=&r"(wb)                                                \
                :                                                                                              \
                : "r8", "r9", "r10", "r11", "cc", "memory");                                                  \
        *pa0 = a0, *pa1 = a1, *pb0 = b0, *pb1 = b1;                                                            \
    }
#else
#define TSLM_OP_MAC_2X2(NAME, ST)                                                                              \
    TSLM_ALWAYS_INLINE void NAME(const int32_t *w, const int32_t *x, int32_t n, int32_t *pa0, int32_t *pa1,    \
                                 int32_t *pb0, int32_t *pb1)                                                   \
    {                                                                                                          \
        int32_t a0 = *pa0, a1 = *pa1, b0 = *pb0, b1 = *pb1;                                                   \
        for (int32_t g = 0; g < n; ++g, w += ST / 4, x += 4) {                                                \
            const int32_t wa = w[0], wb = w[1], ua = tslm_sxtb16(wa), ub = tslm_sxtb16(wb);          \
            a0 = tslm_smlad(wb, x[1], tslm_smlad(wa, x[0], a0));                                              \
            a1 = tslm_smlad(wb, x[3], tslm_smlad(wa, x[2], a1));                                              \
            b0 = tslm_smlad(ub, x[1], tslm_smlad(ua, x[0], b0));                                              \
            b1 = tslm_smlad(ub, x[3], tslm_smlad(ua, x[2], b1));                                              \
        }                                                                                                      \
        *pa0 = a0, *pa1 = a1, *pb0 = b0, *pb1 = b1;                                                            \
    }
#endif
TSLM_OP_MAC_2X2(tslm_dsp_op_mac_2x2_q, 16) /* one pair of a stored four */
TSLM_OP_MAC_2X2(tslm_dsp_op_mac_2x2_p, 8)  /* a pair stored alone */

/* One pixel (widen1 x) . two offset pairs stored together: s1, s2 of pair 0 in a0, b0, of pair 1 in
 * a1, b1. Per four k: one LDRD of x, one LDM of four weight words, four SXTB16, eight SMLAD. */
TSLM_ALWAYS_INLINE void tslm_dsp_op_mac_1x4(const int32_t *w, const int32_t *x, int32_t n, int32_t *pa0,
                                            int32_t *pb0, int32_t *pa1, int32_t *pb1)
{
    int32_t a0 = *pa0, a1 = *pa1, b0 = *pb0, b1 = *pb1;
#if defined(TSLM_DSP_ASM)
#define TSLM_OP_1X4_GROUP                                  \
    "ldrd %[xa], %[xb], [%[x]], #8\n\t"                  \
    "ldmia %[w]!, {r8, r9, r10, r11}\n\t"                \
    "smlad %[a0], r8, %[xa], %[a0]\n\t"                  \
    "sxtb16 r8, r8\n\t"                                  \
    "smlad %[b0], r8, %[xa], %[b0]\n\t"                  \
    "smlad %[a0], r9, %[xb], %[a0]\n\t"                  \
    "sxtb16 r9, r9\n\t"                                  \
    "smlad %[b0], r9, %[xb], %[b0]\n\t"                  \
    "smlad %[a1], r10, %[xa], %[a1]\n\t"                 \
    "sxtb16 r10, r10\n\t"                                \
    "smlad %[b1], r10, %[xa], %[b1]\n\t"                 \
    "smlad %[a1], r11, %[xb], %[a1]\n\t"                 \
    "sxtb16 r11, r11\n\t"                                \
    "smlad %[b1], r11, %[xb], %[b1]\n\t"
    int32_t xa, xb;
    __asm__(TSLM_OP_LOOP(TSLM_OP_1X4_GROUP)
            : [w] "+r"(w), [x] "+r"(x), [n] "+r"(n), [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1),
              [xa] "=&r"(xa), [xb] "=&r"(xb)
            :
            : "r8", "r9", "r10", "r11", "cc", "memory");
#undef TSLM_OP_1X4_GROUP
#else
    for (int32_t g = 0; g < n; ++g, w += 4, x += 2) {
        a0 = tslm_smlad(w[1], x[1], tslm_smlad(w[0], x[0], a0));
        b0 = tslm_smlad(tslm_sxtb16(w[1]), x[1], tslm_smlad(tslm_sxtb16(w[0]), x[0], b0));
        a1 = tslm_smlad(w[3], x[1], tslm_smlad(w[2], x[0], a1));
        b1 = tslm_smlad(tslm_sxtb16(w[3]), x[1], tslm_smlad(tslm_sxtb16(w[2]), x[0], b1));
    }
#endif
    *pa0 = a0, *pa1 = a1, *pb0 = b0, *pb1 = b1;
}

/* One pixel . a pair stored alone (C: a rare remainder). */
TSLM_ALWAYS_INLINE void tslm_dsp_op_mac_1x2(const int32_t *w, const int32_t *x, int32_t n4, int32_t *pa,
                                            int32_t *pb)
{
    int32_t a = *pa, b = *pb;
    for (int32_t g = 0; g < n4; ++g, w += 2, x += 2) {
        a = tslm_smlad(w[1], x[1], tslm_smlad(w[0], x[0], a));
        b = tslm_smlad(tslm_sxtb16(w[1]), x[1], tslm_smlad(tslm_sxtb16(w[0]), x[0], b));
    }
    *pa = a, *pb = b;
}

/* One requantized output before its clamps: SMMLAR(v, m, 2^(r-1) + z 2^r - [v < 0]) >> r. */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_op_shifted(int32_t v, const int32_t *rq)
{
    return tslm_smmlar(v, rq[1], (int32_t)((uint32_t)rq[3] + (uint32_t)(v >> 31))) >> rq[2];
}

/* The clamps after the shift: full range, SSAT; otherwise USAT #8 (at act_min, z holding zero point -
 * act_min), + act_min, SSAT (at 127), and act_max when it is below 127. */
TSLM_ALWAYS_INLINE int8_t tslm_dsp_op_clamp(int32_t v, int32_t lo, int32_t hi, const int full)
{
    if (full) {
        return (int8_t)tslm_ssat8(v);
    }
    v = (v < 0 ? 0 : (v > 255 ? 255 : v)) + lo;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

/* 2 (acc + bias) of one channel for two pixels to int8: the record's multiplier, shift and rounding
 * term loaded once. */
TSLM_ALWAYS_INLINE void tslm_dsp_op_out2(int32_t v0, int32_t v1, const int32_t *rq, int32_t lo, int32_t hi,
                                         const int full, int8_t *o0, int8_t *o1)
{
#if defined(TSLM_DSP_ASM)
    int32_t m, r, rz, t;
    if (full) {
        __asm__("ldrd %[m], %[r], [%[rq], #4]\n\t"
                "ldr %[rz], [%[rq], #12]\n\t"
                "add %[t], %[rz], %[a0], asr #31\n\t"
                "add %[rz], %[rz], %[a1], asr #31\n\t"
                "smmlar %[a0], %[a0], %[m], %[t]\n\t"
                "smmlar %[a1], %[a1], %[m], %[rz]\n\t"
                "asr %[a0], %[a0], %[r]\n\t"
                "asr %[a1], %[a1], %[r]\n\t"
                "ssat %[a0], #8, %[a0]\n\t"
                "ssat %[a1], #8, %[a1]"
                : [a0] "+r"(v0), [a1] "+r"(v1), [m] "=&r"(m), [r] "=&r"(r), [rz] "=&r"(rz), [t] "=&r"(t)
                : [rq] "r"(rq)
                : "memory");
    } else {
        __asm__("ldrd %[m], %[r], [%[rq], #4]\n\t"
                "ldr %[rz], [%[rq], #12]\n\t"
                "add %[t], %[rz], %[a0], asr #31\n\t"
                "add %[rz], %[rz], %[a1], asr #31\n\t"
                "smmlar %[a0], %[a0], %[m], %[t]\n\t"
                "smmlar %[a1], %[a1], %[m], %[rz]\n\t"
                "asr %[a0], %[a0], %[r]\n\t"
                "asr %[a1], %[a1], %[r]\n\t"
                "usat %[a0], #8, %[a0]\n\t"
                "usat %[a1], #8, %[a1]\n\t"
                "add %[a0], %[a0], %[lo]\n\t"
                "add %[a1], %[a1], %[lo]\n\t"
                "ssat %[a0], #8, %[a0]\n\t"
                "ssat %[a1], #8, %[a1]"
                : [a0] "+r"(v0), [a1] "+r"(v1), [m] "=&r"(m), [r] "=&r"(r), [rz] "=&r"(rz), [t] "=&r"(t)
                : [rq] "r"(rq), [lo] "r"(lo)
                : "memory");
        if (hi < 127) {
            v0 = v0 > hi ? hi : v0;
            v1 = v1 > hi ? hi : v1;
        }
    }
    *o0 = (int8_t)v0;
    *o1 = (int8_t)v1;
#else
    *o0 = tslm_dsp_op_clamp(tslm_dsp_op_shifted(v0, rq), lo, hi, full);
    *o1 = tslm_dsp_op_clamp(tslm_dsp_op_shifted(v1, rq), lo, hi, full);
#endif
}

TSLM_ALWAYS_INLINE int8_t tslm_dsp_op_out1(int32_t v, const int32_t *rq, int32_t lo, int32_t hi, const int full)
{
#if defined(TSLM_DSP_ASM)
    int32_t m, r, rz;
    __asm__("ldrd %[m], %[r], [%[rq], #4]\n\t"
            "ldr %[rz], [%[rq], #12]\n\t"
            "add %[rz], %[rz], %[a], asr #31\n\t"
            "smmlar %[a], %[a], %[m], %[rz]\n\t"
            "asr %[a], %[a], %[r]"
            : [a] "+r"(v), [m] "=&r"(m), [r] "=&r"(r), [rz] "=&r"(rz)
            : [rq] "r"(rq)
            : "memory");
    if (full) {
        return (int8_t)tslm_ssat8(v);
    }
    __asm__("usat %[a], #8, %[a]\n\t"
            "add %[a], %[a], %[lo]\n\t"
            "ssat %[a], #8, %[a]"
            : [a] "+r"(v)
            : [lo] "r"(lo));
    if (hi < 127) {
        v = v > hi ? hi : v;
    }
    return (int8_t)v;
#else
    return tslm_dsp_op_clamp(tslm_dsp_op_shifted(v, rq), lo, hi, full);
#endif
}

/* 2 (a.x + bias_a) from s1, s2; 2 (b.x + bias_b) from s2. */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_op_first(int32_t s1, int32_t s2)
{
    return (int32_t)((uint32_t)s1 - (uint32_t)s2) >> 7;
}
TSLM_ALWAYS_INLINE int32_t tslm_dsp_op_second(int32_t s2) { return (int32_t)((uint32_t)s2 << 1); }

/* One pair of two pixels: s1, s2 started from the records, the MACs, both channels' outputs. */
TSLM_ALWAYS_INLINE void tslm_dsp_op_pair2(const int32_t *w, const int32_t *x, const int32_t *rq, int32_t n4,
                                          int8_t *o0, int8_t *o1, int32_t lo, int32_t hi, const int full,
                                          const int quad)
{
    int32_t a0 = rq[0], a1 = rq[0], b0 = rq[1], b1 = rq[1];
    if (quad) {
        tslm_dsp_op_mac_2x2_q(w, x, n4, &a0, &a1, &b0, &b1);
    } else {
        tslm_dsp_op_mac_2x2_p(w, x, n4, &a0, &a1, &b0, &b1);
    }
#if defined(TSLM_DSP_ASM)
    /* both channels' outputs in one block: s1 - s2 >> 7 and s2 << 1, then as tslm_dsp_op_out2 */
#define TSLM_OP_REQ2(A0, A1, OFF)                          \
    "ldrd %[m], %[r], [%[rq], #" #OFF " + 4]\n\t"         \
    "ldr %[z], [%[rq], #" #OFF " + 12]\n\t"               \
    "add %[t], %[z], %[" #A0 "], asr #31\n\t"             \
    "add %[z], %[z], %[" #A1 "], asr #31\n\t"             \
    "smmlar %[" #A0 "], %[" #A0 "], %[m], %[t]\n\t"      \
    "smmlar %[" #A1 "], %[" #A1 "], %[m], %[z]\n\t"      \
    "asr %[" #A0 "], %[" #A0 "], %[r]\n\t"                \
    "asr %[" #A1 "], %[" #A1 "], %[r]\n\t"
#define TSLM_OP_SAT(A)                                     \
    "ssat %[" #A "], #8, %[" #A "]\n\t"
#define TSLM_OP_USAT(A)                                    \
    "usat %[" #A "], #8, %[" #A "]\n\t"                   \
    "add %[" #A "], %[" #A "], %[lo]\n\t"                 \
    "ssat %[" #A "], #8, %[" #A "]\n\t"
#define TSLM_OP_FIRST_SECOND                               \
    "sub %[a0], %[a0], %[b0]\n\t"                         \
    "sub %[a1], %[a1], %[b1]\n\t"                         \
    "asr %[a0], %[a0], #7\n\t"                            \
    "asr %[a1], %[a1], #7\n\t"                            \
    "lsl %[b0], %[b0], #1\n\t"                            \
    "lsl %[b1], %[b1], #1\n\t"
    int32_t m, r, z, t;
    if (full) {
        __asm__(TSLM_OP_FIRST_SECOND TSLM_OP_REQ2(a0, a1, 4) TSLM_OP_SAT(a0) TSLM_OP_SAT(a1)
                TSLM_OP_REQ2(b0, b1, 16) TSLM_OP_SAT(b0) TSLM_OP_SAT(b1)
                : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [m] "=&r"(m), [r] "=&r"(r),
                  [z] "=&r"(z), [t] "=&r"(t)
                : [rq] "r"(rq)
                : "memory");
    } else {
        __asm__(TSLM_OP_FIRST_SECOND TSLM_OP_REQ2(a0, a1, 4) TSLM_OP_USAT(a0) TSLM_OP_USAT(a1)
                TSLM_OP_REQ2(b0, b1, 16) TSLM_OP_USAT(b0) TSLM_OP_USAT(b1)
                : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [m] "=&r"(m), [r] "=&r"(r),
                  [z] "=&r"(z), [t] "=&r"(t)
                : [rq] "r"(rq), [lo] "r"(lo)
                : "memory");
        if (hi < 127) {
            a0 = a0 > hi ? hi : a0, a1 = a1 > hi ? hi : a1;
            b0 = b0 > hi ? hi : b0, b1 = b1 > hi ? hi : b1;
        }
    }
#undef TSLM_OP_REQ2
#undef TSLM_OP_SAT
#undef TSLM_OP_USAT
#undef TSLM_OP_FIRST_SECOND
    o0[0] = (int8_t)a0, o1[0] = (int8_t)a1, o0[1] = (int8_t)b0, o1[1] = (int8_t)b1;
#else
    tslm_dsp_op_out2(tslm_dsp_op_first(a0, b0), tslm_dsp_op_first(a1, b1), rq + 1, lo, hi, full, &o0[0], &o1[0]);
    tslm_dsp_op_out2(tslm_dsp_op_second(b0), tslm_dsp_op_second(b1), rq + 4, lo, hi, full, &o0[1], &o1[1]);
#endif
}

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
#define TSLM_DSP_OP_QUADS 1
/*
 * Whole stored fours of channels (outputs clamped at most at act_min) in assembly, so that nothing of a
 * block is spilled: records, loop, requantization and stores per block of one pair and two pixels
 * (2x2) or of four channels and one pixel (1x4), with all fourteen registers. The loop over the n4
 * groups is unrolled TSLM_OP_Q2_U (TSLM_OP_Q1_U) times and entered part-way (every group is the same
 * number of 32-bit instructions, so the entry is the loop's address + skipped groups x their bytes, + 1
 * for Thumb, loaded into pc):
 * no remainder code (2x2: the first group before the loop, where pixel 1's sums start from pixel 0's
 * inits, so n4 >= 2 and the loop takes n4 - 1). The job (sixteen words, copied to the stack on entry):
 * x, the passes ceil(groups / U), w, rq, out0, out1 - out0, 16 n4 - 8 (from the end of a four's
 * pair 0 to its pair 1), the end of the fours' records, in, pairs, act_min, the routine; then the addresses
 * the routine jumps to, which job_init sets once per layer from the routines' global labels (TSLM_OP_GLABEL):
 * the loops' entries (the loop + the bytes of the groups the first pass skips) and the saturations'
 * (TSLM_OP_SAT4_ANY: the clamp's or the full range's). The 2x2 routines also take `pairs` pairs of
 * pixels (rows) in a row themselves where `in` is not NULL: 4 n4 bytes each, one after the other from
 * in, widened into x before each pair's fours (all of the channels: out1 - out0 apart, the next pair's
 * outputs right after); with in NULL, the one pair the caller widened. Weak: the FULLY_CONNECTED and
 * CONV_2D objects both define them, the link keeps one copy.
 */
typedef struct tslm_dsp_op_job_s {
    const int32_t *x;
    int32_t nq;
    const int32_t *w;
    const int32_t *rq;
    int8_t *out0;
    int32_t orow; /* out1 - out0: the second row's outputs (the two-row routines) */
    int32_t wback;
    const int32_t *rq_end;
    const int8_t *in;
    int32_t pairs;
    int32_t lo;
    void (*fn)(const struct tslm_dsp_op_job_s *job); /* the routine, chosen by job_init */
    uint32_t entry0, entry1; /* pair 0's and pair 1's loop entries (Thumb addresses; one-pair routines: entry0) */
    uint32_t sat0, sat1; /* their saturations: the clamp's or the full range's label (TSLM_OP_SAT4_ANY) */
} tslm_dsp_op_job;
#define TSLM_OP_Q2_U 16 /* groups per pass; 48 bytes each */
#define TSLM_OP_Q1_U 16 /* 56 bytes each */

/* the sixteen words of the job to the stack: its last two first, then fourteen in one LDM (the job's own address
 * the last register it loads) */
#define TSLM_OP_ENTER                                      \
    "push {r4-r11, lr}\n\t"                              \
    "ldrd r1, r2, [r0, #56]\n\t"                         \
    "strd r1, r2, [sp, #-8]!\n\t"                        \
    "ldm r0, {r0-r12, lr}\n\t"                           \
    "push {r0-r12, lr}\n\t"
/* a global label (weak, as the routines: both objects define them) whose Thumb address the C puts in the jobs */
#define TSLM_OP_GLABEL(N) ".weak " N "\n\t.thumb_func\n\t.type " N ", %function\n" N ":\n\t"
#define TSLM_OP_LEAVE                                      \
    "add sp, sp, #64\n\t"                                \
    "pop {r4-r11, pc}\n\t"
/* r0 x, r1 w, r2 count, r3 a0 r4 a1 (s1 of pixel 0, 1), r5 b0 r6 b1 (s2), r8-r11 x words, r12 lr weights */
#define TSLM_OP_Q2_GROUP                                   \
    "ldrd r12, lr, [r1], #16\n\t"                        \
    "ldmia r0!, {r8-r11}\n\t"                            \
    "smlad r3, r12, r8, r3\n\t"                          \
    "smlad r4, r12, r10, r4\n\t"                         \
    "sxtb16 r12, r12\n\t"                                \
    "smlad r5, r12, r8, r5\n\t"                          \
    "smlad r6, r12, r10, r6\n\t"                         \
    "smlad r3, lr, r9, r3\n\t"                           \
    "smlad r4, lr, r11, r4\n\t"                          \
    "sxtb16 lr, lr\n\t"                                  \
    "smlad r5, lr, r9, r5\n\t"                           \
    "smlad r6, lr, r11, r6\n\t"
/* SMMLAR(v, m, rz - [v < 0]) >> r of V with a record's m, r, rz in M, R, Z (T: a free register) */
#define TSLM_OP_RQ(V, M, R, Z, T)                          \
    "add " T ", " Z ", " V ", asr #31\n\t"               \
    "smmlar " V ", " V ", " M ", " T "\n\t"              \
    "asr " V ", " V ", " R "\n\t"
/* the block's sums in r3-r6 turned into its four outputs' sums (the one- and two-pass two-row routines alike) */
#define TSLM_OP_Q2_DECODE                                  \
    "sub r3, r3, r5\n\t"                                 \
    "sub r4, r4, r6\n\t"                                 \
    "asr r3, r3, #7\n\t"                                 \
    "asr r4, r4, #7\n\t"                                 \
    "lsl r5, r5, #1\n\t"                                 \
    "lsl r6, r6, #1\n\t"
/* those four requantized, the two channels' values in r8-r10 and r11, r12, lr */
#define TSLM_OP_Q2_RQ4                                     \
    TSLM_OP_RQ("r3", "r8", "r9", "r10", "r0") TSLM_OP_RQ("r4", "r8", "r9", "r10", "r10")     \
    TSLM_OP_RQ("r5", "r11", "r12", "lr", "r0") TSLM_OP_RQ("r6", "r11", "r12", "lr", "lr")
#define TSLM_OP_FULL4 "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\tssat r6, #8, r6\n\t"
#define TSLM_OP_CLAMP1(V) "usat " V ", #8, " V "\n\tadd " V ", " V ", r0\n\tssat " V ", #8, " V "\n\t"
/*
 * One body for both clamps: a block's saturation is entered by LDR PC from the stack slot SLOT, the job's
 * word that job_init set (from `full`, once per layer) to the global label C (the clamp: USAT, the ADD of
 * act_min, then the full range's SSAT, the order TSLM_OP_CLAMP1 had) or F (SSAT alone): one instruction a block
 * more than a routine per clamp, which took two copies of the unrolled groups.
 */
#define TSLM_OP_USAT1(V) "usat " V ", #8, " V "\n\tadd " V ", " V ", r0\n\t"
#define TSLM_OP_SAT4_ANY(SLOT, C, F) "ldr pc, [sp, #" SLOT "]\n" TSLM_OP_GLABEL(C) "ldr r0, [sp, #40]\n\t" \
    TSLM_OP_USAT1("r3") TSLM_OP_USAT1("r4") TSLM_OP_USAT1("r5") TSLM_OP_USAT1("r6") TSLM_OP_GLABEL(F) TSLM_OP_FULL4
#define TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP TSLM_OP_Q2_GROUP TSLM_OP_Q2_GROUP TSLM_OP_Q2_GROUP
/* the first group, outside the loop: pixel 1's sums start from pixel 0's inits (r3, r5) */
#define TSLM_OP_Q2_FIRST                                   \
    "ldrd r12, lr, [r1], #16\n\t"                        \
    "ldmia r0!, {r8-r11}\n\t"                            \
    "smlad r4, r12, r10, r3\n\t"                         \
    "smlad r3, r12, r8, r3\n\t"                          \
    "sxtb16 r12, r12\n\t"                                \
    "smlad r6, r12, r10, r5\n\t"                         \
    "smlad r5, r12, r8, r5\n\t"                          \
    "smlad r3, lr, r9, r3\n\t"                           \
    "smlad r4, lr, r11, r4\n\t"                          \
    "sxtb16 lr, lr\n\t"                                  \
    "smlad r5, lr, r9, r5\n\t"                           \
    "smlad r6, lr, r11, r6\n\t"
/* one pair of a four, two pixels: its records at r7 (then past them), its words at r1; L: its loop's
 * label (LG: its global name), ENTRY: where the stack holds the loop's entry */
#define TSLM_OP_Q2_PAIR(SAT, L, LG, ENTRY)                 \
    "ldrd r3, r5, [r7]\n\t"                              \
    "ldrd r0, r2, [sp]\n\t"                              \
    TSLM_OP_Q2_FIRST                                     \
    "ldr pc, [sp, #" ENTRY "]\n"                         \
    TSLM_OP_GLABEL(LG)                                   \
    L ":\n\t"                                            \
    TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP4 \
    "subs r2, r2, #1\n\t"                                \
    "bne " L "b\n\t"                                     \
    TSLM_OP_Q2_DECODE                                    \
    "ldmia r7!, {r0, r2, r8, r9, r10, r11, r12, lr}\n\t" \
    TSLM_OP_Q2_RQ4                                       \
    SAT                                                  \
    "ldrd r0, r2, [sp, #16]\n\t"                         \
    "strb r4, [r0, r2]\n\t"                              \
    "strb r3, [r0], #1\n\t"                              \
    "strb r6, [r0, r2]\n\t"                              \
    "strb r5, [r0], #1\n\t"                              \
    "str r0, [sp, #16]\n\t"
/* two rows' groups widened into x (as tslm_dsp_op_widen2): from in (r0) and in + 4 n4 (r1), n4 = (wback + 8) / 16;
 * the second row's end (the next pair's in) back to the job */
#define TSLM_OP_Q2_W                                       \
    "ldr r5, [r0], #4\n\t"                               \
    "ldr r6, [r1], #4\n\t"                               \
    "sxtb16 r8, r5\n\t"                                  \
    "sxtb16 r9, r5, ror #8\n\t"                          \
    "sxtb16 r10, r6\n\t"                                 \
    "sxtb16 r11, r6, ror #8\n\t"                         \
    "stmia r4!, {r8, r9, r10, r11}\n\t"
#define TSLM_OP_Q2_WIDEN TSLM_OP_Q2_WIDEN_("")
#define TSLM_OP_Q2_WIDEN_(AFTER) /* AFTER: the widening's own last instructions */ \
    "ldr r0, [sp, #32]\n\t"                              \
    "cbz r0, 3f\n\t"                                     \
    "ldr r2, [sp, #24]\n\t"                              \
    "ldr r4, [sp]\n\t"                                   \
    "add r2, r2, #8\n\t"                                 \
    "add r1, r0, r2, lsr #2\n\t"                         \
    "lsrs r2, r2, #5\n\t"                                \
    "bcc 8f\n\t"                                         \
    TSLM_OP_Q2_W                                         \
    "8:\n\t"                                             \
    "beq 9f\n"                                            \
    "7:\n\t"                                             \
    TSLM_OP_Q2_W                                         \
    TSLM_OP_Q2_W                                         \
    "subs r2, r2, #1\n\t"                                \
    "bne 7b\n"                                            \
    "9:\n\t"                                             \
    AFTER                                                \
    "str r1, [sp, #32]\n"                                 \
    "3:\n\t"                                             \
    "ldr r1, [sp, #8]\n\t"                               \
    "ldr r7, [sp, #12]\n"
/* the next pair of pixels: outputs right after (out1 becomes out0), or the end */
#define TSLM_OP_Q2_NEXT                                    \
    "ldr r0, [sp, #36]\n\t"                              \
    "subs r0, r0, #1\n\t"                                \
    "beq 4f\n\t"                                         \
    "str r0, [sp, #36]\n\t"                              \
    "ldrd r0, r2, [sp, #16]\n\t"                         \
    "add r0, r0, r2\n\t"                                 \
    "str r0, [sp, #16]\n\t"                              \
    "b 1b\n"                                              \
    "4:\n\t"
#define TSLM_OP_Q2                                         \
    TSLM_OP_ENTER                                        \
    "1:\n\t"                                             \
    TSLM_OP_Q2_WIDEN                                     \
    "2:\n\t"                                             \
    TSLM_OP_Q2_PAIR(TSLM_OP_SAT4_ANY("56", "tslm_dsp_op_q2_c0", "tslm_dsp_op_q2_f0"), "5", "tslm_dsp_op_q2_l0", "48") \
    "ldr r2, [sp, #24]\n\t"                              \
    "sub r1, r1, r2\n\t"                                 \
    TSLM_OP_Q2_PAIR(TSLM_OP_SAT4_ANY("60", "tslm_dsp_op_q2_c1", "tslm_dsp_op_q2_f1"), "6", "tslm_dsp_op_q2_l1", "52") \
    "sub r1, r1, #8\n\t"                                 \
    "ldr r2, [sp, #28]\n\t"                              \
    "cmp r7, r2\n\t"                                     \
    "bne 2b\n\t"                                         \
    TSLM_OP_Q2_NEXT                                      \
    TSLM_OP_LEAVE
/* one pixel, four channels: r3 r4 s1, s2 of pair 0, r5 r6 of pair 1, r8-r11 weight words, r12 lr x */
#define TSLM_OP_Q1_GROUP                                   \
    "ldrd r12, lr, [r0], #8\n\t"                         \
    "ldmia r1!, {r8-r11}\n\t"                            \
    "smlad r3, r8, r12, r3\n\t"                          \
    "sxtb16 r8, r8\n\t"                                  \
    "smlad r4, r8, r12, r4\n\t"                          \
    "smlad r3, r9, lr, r3\n\t"                           \
    "sxtb16 r9, r9\n\t"                                  \
    "smlad r4, r9, lr, r4\n\t"                           \
    "smlad r5, r10, r12, r5\n\t"                         \
    "sxtb16 r10, r10\n\t"                                \
    "smlad r6, r10, r12, r6\n\t"                         \
    "smlad r5, r11, lr, r5\n\t"                          \
    "sxtb16 r11, r11\n\t"                                \
    "smlad r6, r11, lr, r6\n\t"
#define TSLM_OP_Q1_GROUP4 TSLM_OP_Q1_GROUP TSLM_OP_Q1_GROUP TSLM_OP_Q1_GROUP TSLM_OP_Q1_GROUP
#define TSLM_OP_Q1                                         \
    TSLM_OP_ENTER                                        \
    "ldr r1, [sp, #8]\n\t"                               \
    "ldr r7, [sp, #12]\n"                                 \
    "2:\n\t"                                             \
    "ldrd r3, r4, [r7]\n\t"                              \
    "ldrd r5, r6, [r7, #32]\n\t"                         \
    "ldrd r0, r2, [sp]\n\t"                              \
    "ldr pc, [sp, #48]\n"                                \
    TSLM_OP_GLABEL("tslm_dsp_op_q1_l0")                  \
    "5:\n\t"                                             \
    TSLM_OP_Q1_GROUP4 TSLM_OP_Q1_GROUP4 TSLM_OP_Q1_GROUP4 TSLM_OP_Q1_GROUP4 \
    "subs r2, r2, #1\n\t"                                \
    "bne 5b\n\t"                                         \
    "6:\n\t"                                             \
    "sub r3, r3, r4\n\t"                                 \
    "sub r5, r5, r6\n\t"                                 \
    "asr r3, r3, #7\n\t"                                 \
    "asr r5, r5, #7\n\t"                                 \
    "lsl r4, r4, #1\n\t"                                 \
    "lsl r6, r6, #1\n\t"                                 \
    "ldmia r7!, {r0, r2, r8, r9, r10, r11, r12, lr}\n\t" \
    TSLM_OP_RQ("r3", "r8", "r9", "r10", "r0") TSLM_OP_RQ("r4", "r11", "r12", "lr", "r0")     \
    "ldmia r7!, {r0, r2, r8, r9, r10, r11, r12, lr}\n\t" \
    TSLM_OP_RQ("r5", "r8", "r9", "r10", "r0") TSLM_OP_RQ("r6", "r11", "r12", "lr", "r0")     \
    TSLM_OP_SAT4_ANY("56", "tslm_dsp_op_q1_c0", "tslm_dsp_op_q1_f0") \
    "ldr r0, [sp, #16]\n\t"                              \
    "strb r3, [r0], #1\n\t"                              \
    "strb r4, [r0], #1\n\t"                              \
    "strb r5, [r0], #1\n\t"                              \
    "strb r6, [r0], #1\n\t"                              \
    "str r0, [sp, #16]\n\t"                              \
    "ldr r2, [sp, #28]\n\t"                              \
    "cmp r7, r2\n\t"                                     \
    "bne 2b\n\t"                                         \
    TSLM_OP_LEAVE

__attribute__((naked, noinline, weak, aligned(4))) void tslm_dsp_op_quads2(const tslm_dsp_op_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_OP_Q2);
}
/*
 * One pass (job nq == 1: n4 - 1 <= TSLM_OP_Q2_U groups; job_init picks them): the 2x2 routines without the
 * loop's count, so r2 keeps out0 (out1 - out0 on the stack, the job's orow word: one STRB per output, no
 * LDRD/STRD of the pointers), and one unrolled body and one tail for both pairs of a four: the carry flag says
 * whose the sums are (set for pair 1 by the SUBS that moves w to it; clear for pair 0 by the CMP with rq_end,
 * by the ADDS of the entry or, after a widening, by CMN #0; nothing in the body, FIRST, the entry's LDR PC or
 * the tail sets it: the tail's BCS after the stores goes on to pair 1 or to the next four). The next pair of
 * pixels' out0: the end of this one's out1 (out0 as advanced + out1 - out0). Per block of two pixels x one
 * pair: 2 instructions fewer than tslm_dsp_op_quads2 (full: 36 instead of 38 beside the 12 of each group, a
 * four's share of its bookkeeping and the saturation's LDR PC included).
 */
/* r2: out0 (r4 from the LDM), with the carry clear (ADDS #0) */
#define TSLM_OP_Q2S_ENTER                                  \
    TSLM_OP_ENTER                                        \
    "adds r2, r4, #0\n"
#define TSLM_OP_Q2S_START TSLM_OP_Q2S_START_("ldrd r3, r5, [r7], #8\n\tldr r0, [sp]\n\t")
/* HEAD: the records' inits and x; for pair 1 after the tail's BCS also w moved back to it (SUBS: carry set), the
 * loads first (a load right after a load is pipelined; right after a branch it is not) */
#define TSLM_OP_Q2S_START_(HEAD)                           \
    HEAD                                                 \
    TSLM_OP_Q2_FIRST                                     \
    "ldr pc, [sp, #48]\n"
#define TSLM_OP_Q2S_TAIL(SAT)                              \
    TSLM_OP_Q2_DECODE                                    \
    "ldmia r7!, {r8, r9, r10, r11, r12, lr}\n\t"         \
    TSLM_OP_Q2_RQ4                                       \
    SAT                                                  \
    "ldr r0, [sp, #20]\n\t"                              \
    "strb r4, [r2, r0]\n\t"                              \
    "strb r3, [r2], #1\n\t"                              \
    "strb r6, [r2, r0]\n\t"                              \
    "strb r5, [r2], #1\n\t"
#define TSLM_OP_Q2S                                        \
    TSLM_OP_Q2S_ENTER                                    \
    "1:\n\t"                                             \
    TSLM_OP_Q2_WIDEN_("ldr r2, [sp, #16]\n\tcmn r7, #0\n\t") \
    "2:\n\t"                                             \
    TSLM_OP_Q2S_START                                    \
    TSLM_OP_GLABEL("tslm_dsp_op_q2s_l0")                 \
    TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP4 TSLM_OP_Q2_GROUP4 \
    TSLM_OP_Q2S_TAIL(TSLM_OP_SAT4_ANY("56", "tslm_dsp_op_q2s_c0", "tslm_dsp_op_q2s_f0")) \
    "bcs 6f\n\t"                                         \
    TSLM_OP_Q2S_START_("ldr r12, [sp, #24]\n\tldr r0, [sp]\n\tsubs r1, r1, r12\n\tldrd r3, r5, [r7], #8\n\t") \
    "6:\n\t"                                             \
    "sub r1, r1, #8\n\t"                                 \
    "ldr r0, [sp, #28]\n\t"                              \
    "cmp r7, r0\n\t"                                     \
    "bne 2b\n\t"                                         \
    "ldr r0, [sp, #36]\n\t"                              \
    "subs r0, r0, #1\n\t"                                \
    "beq 4f\n\t"                                         \
    "str r0, [sp, #36]\n\t"                              \
    "ldr r0, [sp, #20]\n\t"                              \
    "add r0, r2, r0\n\t"                                 \
    "str r0, [sp, #16]\n\t"                              \
    "b 1b\n"                                              \
    "4:\n\t"                                             \
    TSLM_OP_LEAVE

__attribute__((naked, noinline, weak, aligned(4))) void tslm_dsp_op_quads2s(const tslm_dsp_op_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_OP_Q2S);
}
#undef TSLM_OP_Q2S_ENTER
#undef TSLM_OP_Q2S_START
#undef TSLM_OP_Q2S_TAIL
#undef TSLM_OP_Q2S_START_
#undef TSLM_OP_Q2S
/*
 * Three rows a block (tslm_dsp_fully_connected_rows3_s8 and tslm_dsp_conv_rows3_s8, where the compiler's
 * fc_triples / conv_triples hold: every channel in fours, K a multiple of 4, n4 - 1 <= TSLM_OP_Q3_U): per group of four inputs and one pair of channels an LDRD of the two
 * weight words, two LDM of the three rows' widened words (SXTB16 of each row's word, then its SXTB16 ROR 8) and
 * 12 SMLAD + 2 SXTB16 for 24 MACs (17 instructions; the 2x2 block's 12 for 16), with the six sums, two weight
 * words, three x words and the x, w and record pointers in all fourteen registers: one pass (no loop count,
 * entered part-way as tslm_dsp_op_quads2s), one unrolled body for both pairs of a four (the carry flag as
 * there), no out pointer in a register: the block's out0 is obase + (records' end >> 4) (32 bytes of records a
 * pair, 2 outputs: exact whatever the records' alignment), its rows stride and 2 stride further (STRB's LSL #1).
 * Per block of three rows x one pair, beside the groups: 51 instructions (full, the saturation's LDR PC
 * included; 36 for the 2x2's four outputs); one tail for both pairs as tslm_dsp_op_quads2s.
 * `triples` of rows from in (4 n4 bytes each, `step` apart: FULLY_CONNECTED's rows, a 1x1 conv's pixels, a window
 * conv's receptive fields) widened into x (24 n4 bytes) before each triple's fours; the next triple's outputs 3
 * stride further. The job (twelve words, copied to the stack): x, step, w, rq, obase, stride, 16 n4 - 8, rq_end,
 * in, triples, act_min, a word the routine leaves alone; then the pass's entry and the saturation's label
 * (TSLM_OP_SAT6_ANY), set by tslm_dsp_op_job3_run from the global labels as the two-row jobs'.
 */
typedef struct {
    const int32_t *x;
    int32_t step; /* bytes from one row (pixel) to the next */
    const int32_t *w;
    const int32_t *rq;
    uint32_t obase; /* out0 of the first triple - ((rq + 32) >> 4) */
    int32_t stride; /* output_depth */
    int32_t wback;
    const int32_t *rq_end;
    const int8_t *in;
    int32_t triples;
    int32_t lo;
    int32_t unused;
    uint32_t entry; /* the pass's entry: the groups' label + the bytes of the groups it skips */
    uint32_t sat; /* the clamp's label or the full range's (TSLM_OP_SAT6_ANY) */
} tslm_dsp_op_job3;
#define TSLM_DSP_OP_TRIPLES 1
#define TSLM_OP_Q3_U 24 /* groups in the pass; 68 bytes each */
/* the fourteen words of the job to the stack in one LDM (its own address the last register it loads) */
#define TSLM_OP_Q3_ENTER                                   \
    "push {r4-r11, lr}\n\t"                              \
    "ldm r0, {r0-r12, lr}\n\t"                           \
    "sub sp, sp, #8\n\t"                                 \
    "push {r0-r12, lr}\n"
/* three rows' groups widened into x: SXTB16 of the three rows' words, then their SXTB16 ROR 8 (one STM) */
#define TSLM_OP_Q3_W                                       \
    "ldr r5, [r0], #4\n\t"                               \
    "ldr r6, [r1], #4\n\t"                               \
    "ldr r7, [r2], #4\n\t"                               \
    "sxtb16 r8, r5\n\t"                                  \
    "sxtb16 r9, r6\n\t"                                  \
    "sxtb16 r10, r7\n\t"                                 \
    "sxtb16 r11, r5, ror #8\n\t"                         \
    "sxtb16 r12, r6, ror #8\n\t"                         \
    "sxtb16 lr, r7, ror #8\n\t"                          \
    "stmia r4!, {r8-r12, lr}\n\t"
#define TSLM_OP_Q3_WIDEN                                   \
    "ldrd r4, r5, [sp]\n\t"                              \
    "ldr r0, [sp, #32]\n\t"                              \
    "ldr r3, [sp, #24]\n\t"                              \
    "add r1, r0, r5\n\t"                                 \
    "add r2, r1, r5\n\t"                                 \
    "add r5, r2, r5\n\t"                                 \
    "str r5, [sp, #32]\n\t"                              \
    "add r3, r3, #8\n\t"                                 \
    "lsrs r3, r3, #5\n\t"                                \
    "bcc 8f\n\t"                                         \
    TSLM_OP_Q3_W                                         \
    "8:\n\t"                                             \
    "beq 9f\n"                                            \
    "7:\n\t"                                             \
    TSLM_OP_Q3_W                                         \
    TSLM_OP_Q3_W                                         \
    "subs r3, r3, #1\n\t"                                \
    "bne 7b\n"                                            \
    "9:\n\t"                                             \
    "ldr r1, [sp, #8]\n\t"                               \
    "ldr r7, [sp, #12]\n\t"                              \
    "cmn r7, #0\n"
/* r0 x, r1 w, r7 records, r3 r4 r5 s1 of rows 0-2, r6 r8 r9 their s2, r10 r11 weight words, r2 r12 lr x words */
#define TSLM_OP_Q3_HALF(W)                                 \
    "ldmia.w r0!, {r2, r12, lr}\n\t"                     \
    "smlad r3, " W ", r2, r3\n\t"                        \
    "smlad r4, " W ", r12, r4\n\t"                       \
    "smlad r5, " W ", lr, r5\n\t"                        \
    "sxtb16 " W ", " W "\n\t"                            \
    "smlad r6, " W ", r2, r6\n\t"                        \
    "smlad r8, " W ", r12, r8\n\t"                       \
    "smlad r9, " W ", lr, r9\n\t"
#define TSLM_OP_Q3_GROUP                                   \
    "ldrd r10, r11, [r1], #16\n\t"                       \
    TSLM_OP_Q3_HALF("r10") TSLM_OP_Q3_HALF("r11")
#define TSLM_OP_Q3_GROUP4 TSLM_OP_Q3_GROUP TSLM_OP_Q3_GROUP TSLM_OP_Q3_GROUP TSLM_OP_Q3_GROUP
/* the first group: rows 1 and 2 start from row 0's inits (r3, r6) */
#define TSLM_OP_Q3_START TSLM_OP_Q3_START_("ldrd r3, r6, [r7], #8\n\tldr r0, [sp]\n\t")
/* HEAD: as TSLM_OP_Q2S_START_'s */
#define TSLM_OP_Q3_START_(HEAD)                            \
    HEAD                                                 \
    "ldrd r10, r11, [r1], #16\n\t"                       \
    "ldmia.w r0!, {r2, r12, lr}\n\t"                     \
    "smlad r4, r10, r12, r3\n\t"                         \
    "smlad r5, r10, lr, r3\n\t"                          \
    "smlad r3, r10, r2, r3\n\t"                          \
    "sxtb16 r10, r10\n\t"                                \
    "smlad r8, r10, r12, r6\n\t"                         \
    "smlad r9, r10, lr, r6\n\t"                          \
    "smlad r6, r10, r2, r6\n\t"                          \
    TSLM_OP_Q3_HALF("r11")                               \
    "ldr pc, [sp, #48]\n"
#define TSLM_OP_Q3_TAIL(SAT)                               \
    "sub r3, r3, r6\n\t"                                 \
    "sub r4, r4, r8\n\t"                                 \
    "sub r5, r5, r9\n\t"                                 \
    "asr r3, r3, #7\n\t"                                 \
    "asr r4, r4, #7\n\t"                                 \
    "asr r5, r5, #7\n\t"                                 \
    "lsl r6, r6, #1\n\t"                                 \
    "lsl r8, r8, #1\n\t"                                 \
    "lsl r9, r9, #1\n\t"                                 \
    "ldmia r7!, {r10, r11, r12}\n\t"                     \
    TSLM_OP_RQ("r3", "r10", "r11", "r12", "r0") TSLM_OP_RQ("r4", "r10", "r11", "r12", "r0")  \
    TSLM_OP_RQ("r5", "r10", "r11", "r12", "r12")         \
    "ldmia r7!, {r10, r11, r12}\n\t"                     \
    TSLM_OP_RQ("r6", "r10", "r11", "r12", "r0") TSLM_OP_RQ("r8", "r10", "r11", "r12", "r0")  \
    TSLM_OP_RQ("r9", "r10", "r11", "r12", "r12")         \
    SAT                                                  \
    "ldrd r2, r10, [sp, #16]\n\t"                        \
    "add r2, r2, r7, lsr #4\n\t"                         \
    "strb r4, [r2, r10]\n\t"                             \
    "strb r5, [r2, r10, lsl #1]\n\t"                     \
    "strb r3, [r2], #1\n\t"                              \
    "strb r8, [r2, r10]\n\t"                             \
    "strb r9, [r2, r10, lsl #1]\n\t"                     \
    "strb r6, [r2]\n\t"
#define TSLM_OP_FULL6 "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\t" \
    "ssat r6, #8, r6\n\tssat r8, #8, r8\n\tssat r9, #8, r9\n\t"
/* as TSLM_OP_SAT4_ANY, six outputs */
#define TSLM_OP_SAT6_ANY(SLOT, C, F) "ldr pc, [sp, #" SLOT "]\n" TSLM_OP_GLABEL(C) "ldr r0, [sp, #40]\n\t" \
    TSLM_OP_USAT1("r3") TSLM_OP_USAT1("r4") TSLM_OP_USAT1("r5") TSLM_OP_USAT1("r6") TSLM_OP_USAT1("r8") \
    TSLM_OP_USAT1("r9") TSLM_OP_GLABEL(F) TSLM_OP_FULL6
#define TSLM_OP_Q3                                         \
    TSLM_OP_Q3_ENTER                                     \
    "1:\n\t"                                             \
    TSLM_OP_Q3_WIDEN                                     \
    "2:\n\t"                                             \
    TSLM_OP_Q3_START                                     \
    TSLM_OP_GLABEL("tslm_dsp_op_q3_l0")                  \
    TSLM_OP_Q3_GROUP4 TSLM_OP_Q3_GROUP4 TSLM_OP_Q3_GROUP4 TSLM_OP_Q3_GROUP4 TSLM_OP_Q3_GROUP4 \
    TSLM_OP_Q3_GROUP4                                    \
    TSLM_OP_Q3_TAIL(TSLM_OP_SAT6_ANY("52", "tslm_dsp_op_q3_c0", "tslm_dsp_op_q3_f0")) \
    "bcs 6f\n\t"                                         \
    TSLM_OP_Q3_START_("ldr r11, [sp, #24]\n\tldr r0, [sp]\n\tsubs r1, r1, r11\n\tldrd r3, r6, [r7], #8\n\t") \
    "6:\n\t"                                             \
    "sub r1, r1, #8\n\t"                                 \
    "ldr r0, [sp, #28]\n\t"                              \
    "cmp r7, r0\n\t"                                     \
    "bne 2b\n\t"                                         \
    "ldr r0, [sp, #36]\n\t"                              \
    "subs r0, r0, #1\n\t"                                \
    "beq 4f\n\t"                                         \
    "str r0, [sp, #36]\n\t"                              \
    "ldrd r0, r2, [sp, #16]\n\t"                         \
    "add r2, r2, r2, lsl #1\n\t"                         \
    "add r0, r0, r2\n\t"                                 \
    "str r0, [sp, #16]\n\t"                              \
    "b 1b\n"                                              \
    "4:\n\t"                                             \
    TSLM_OP_LEAVE

__attribute__((naked, noinline, weak, aligned(4))) void tslm_dsp_op_quads3s(const tslm_dsp_op_job3 *job)
{
    (void)job;
    __asm__ volatile(TSLM_OP_Q3);
}
#undef TSLM_OP_Q3_ENTER
#undef TSLM_OP_Q3_W
#undef TSLM_OP_Q3_WIDEN
#undef TSLM_OP_Q3_HALF
#undef TSLM_OP_Q3_GROUP
#undef TSLM_OP_Q3_GROUP4
#undef TSLM_OP_Q3_START
#undef TSLM_OP_Q3_TAIL
#undef TSLM_OP_Q3_START_
#undef TSLM_OP_FULL6
#undef TSLM_OP_SAT6_ANY
#undef TSLM_OP_Q3
__attribute__((naked, noinline, weak, aligned(4))) void tslm_dsp_op_quads1(const tslm_dsp_op_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_OP_Q1);
}
#undef TSLM_OP_ENTER
#undef TSLM_OP_LEAVE
#undef TSLM_OP_Q2_GROUP
#undef TSLM_OP_Q2_GROUP4
#undef TSLM_OP_Q2_FIRST
#undef TSLM_OP_RQ
#undef TSLM_OP_FULL4
#undef TSLM_OP_CLAMP1
#undef TSLM_OP_CLAMP4
#undef TSLM_OP_USAT1
#undef TSLM_OP_SAT4_ANY
#undef TSLM_OP_GLABEL
#undef TSLM_OP_Q2_PAIR
#undef TSLM_OP_Q2_W
#undef TSLM_OP_Q2_WIDEN
#undef TSLM_OP_Q2_WIDEN_
#undef TSLM_OP_Q2_NEXT
#undef TSLM_OP_Q2
#undef TSLM_OP_Q1_GROUP
#undef TSLM_OP_Q1_GROUP4
#undef TSLM_OP_Q1
#endif

#if defined(TSLM_DSP_OP_QUADS)
/* the routines' global labels (TSLM_OP_GLABEL): loops' entries l, clamps' c, full ranges' f; Thumb addresses */
void tslm_dsp_op_q2_l0(void), tslm_dsp_op_q2_l1(void), tslm_dsp_op_q2_c0(void), tslm_dsp_op_q2_f0(void);
void tslm_dsp_op_q2_c1(void), tslm_dsp_op_q2_f1(void), tslm_dsp_op_q2s_l0(void), tslm_dsp_op_q2s_c0(void);
void tslm_dsp_op_q2s_f0(void), tslm_dsp_op_q1_l0(void), tslm_dsp_op_q1_c0(void), tslm_dsp_op_q1_f0(void);
#define TSLM_OP_ADDR(L) ((uint32_t)(uintptr_t)&(L))
/* The words of a job that job_init leaves (mode: 1 two rows, + 2 the full range): the passes, the routine and
 * the addresses it jumps to (inline: out of line, one weak copy, saved ad01 80 B more but cost the anomaly
 * transformer +280 instructions, +2,583 est. cycles: tslm_dsp_op_gemm_rows sets its job per call). */
TSLM_ALWAYS_INLINE void tslm_dsp_op_job_set(tslm_dsp_op_job *job, int32_t n4, int32_t fours,
                                                         int32_t mode)
{
    const int two = mode & 1, full = mode >> 1;
    const int32_t u = two ? TSLM_OP_Q2_U : TSLM_OP_Q1_U;
    const int32_t loop = n4 - two; /* groups in the loop */
    const uint32_t skip = (uint32_t)((u - loop % u) % u * (two ? 48 : 56));
    job->nq = (loop + u - 1) / u, job->out0 = NULL, job->wback = 16 * n4 - 8, job->rq_end = job->rq + 4 * fours;
    job->in = NULL, job->pairs = 1;
    if (!two) {
        job->fn = tslm_dsp_op_quads1, job->entry0 = TSLM_OP_ADDR(tslm_dsp_op_q1_l0) + skip;
        job->sat0 = full ? TSLM_OP_ADDR(tslm_dsp_op_q1_f0) : TSLM_OP_ADDR(tslm_dsp_op_q1_c0);
    } else if (job->nq == 1) { /* one pass: the routine without the loop */
        job->fn = tslm_dsp_op_quads2s, job->entry0 = TSLM_OP_ADDR(tslm_dsp_op_q2s_l0) + skip;
        job->sat0 = full ? TSLM_OP_ADDR(tslm_dsp_op_q2s_f0) : TSLM_OP_ADDR(tslm_dsp_op_q2s_c0);
    } else {
        job->fn = tslm_dsp_op_quads2, job->entry0 = TSLM_OP_ADDR(tslm_dsp_op_q2_l0) + skip;
        job->entry1 = TSLM_OP_ADDR(tslm_dsp_op_q2_l1) + skip;
        job->sat0 = full ? TSLM_OP_ADDR(tslm_dsp_op_q2_f0) : TSLM_OP_ADDR(tslm_dsp_op_q2_c0);
        job->sat1 = full ? TSLM_OP_ADDR(tslm_dsp_op_q2_f1) : TSLM_OP_ADDR(tslm_dsp_op_q2_c1);
    }
}

/* The job of the whole fours of `channels` (w, rq: the first four's) for widened rows x of n4 groups, two
 * rows (two; the second row's outputs orow bytes past the first's) or one a call; the number of channels it
 * covers, 0 where the assembly does not apply. Everything but out0 is set here, once per layer. */
TSLM_ALWAYS_INLINE int32_t tslm_dsp_op_job_init(tslm_dsp_op_job *job, const int32_t *x, const int32_t *w,
                                                const int32_t *rq, int32_t n4, int32_t channels, int32_t lo,
                                                int32_t hi, const int full, const int two, int32_t orow)
{
    const int32_t fours = channels & ~3;
    if (fours == 0 || !(full || hi == 127) || n4 < 2) {
        return 0;
    }
    job->x = x, job->w = w, job->rq = rq, job->orow = orow, job->lo = lo;
    tslm_dsp_op_job_set(job, n4, fours, (two ? 1 : 0) + (full ? 2 : 0));
    return fours;
}

/* The job's fours for output row out0 (and the one orow bytes further with a two-row job). */
TSLM_ALWAYS_INLINE void tslm_dsp_op_job_run(tslm_dsp_op_job *job, int8_t *out0)
{
    job->out0 = out0;
    job->fn(job);
}
#endif

#if defined(TSLM_DSP_OP_TRIPLES)
/* `triples` blocks of three rows from in (4 n4 bytes each, `step` apart) into out (od outputs a row, the rows one
 * after the other), widened into x (24 n4 bytes), against offset-pair weights w and records rq of od channels, all
 * in fours; 2 <= n4 <= TSLM_OP_Q3_U + 1; full, or clamped at lo alone. */
void tslm_dsp_op_q3_l0(void), tslm_dsp_op_q3_c0(void), tslm_dsp_op_q3_f0(void); /* its global labels */
TSLM_ALWAYS_INLINE void tslm_dsp_op_job3_run(int32_t *x, const int32_t *w, const int32_t *rq, int32_t n4, int32_t od,
                                             int32_t lo, const int8_t *in, int32_t step, int8_t *out,
                                             int32_t triples, const int full)
{
    tslm_dsp_op_job3 j;
    j.x = x, j.step = step, j.w = w, j.rq = rq, j.stride = od, j.wback = 16 * n4 - 8, j.rq_end = rq + 4 * od;
    j.obase = (uint32_t)(uintptr_t)out - (((uint32_t)(uintptr_t)rq + 32u) >> 4);
    j.in = in, j.triples = triples, j.lo = lo, j.unused = 0;
    j.entry = (uint32_t)(uintptr_t)&tslm_dsp_op_q3_l0 + (uint32_t)((TSLM_OP_Q3_U - (n4 - 1)) * 68);
    j.sat = full ? (uint32_t)(uintptr_t)&tslm_dsp_op_q3_f0 : (uint32_t)(uintptr_t)&tslm_dsp_op_q3_c0;
    tslm_dsp_op_quads3s(&j);
}
#endif

/* tslm_dsp_widen2 and tslm_dsp_widen1 for the offset-pair kernels: the whole groups in one assembly loop
 * (two at a time; per group and row one LDR and two SXTB16, one STM or STRD), the last part group in C. */
static inline void tslm_dsp_op_widen2(const int8_t *a, const int8_t *b, int32_t len, int32_t *dst)
{
#if defined(TSLM_DSP_OP_QUADS)
    int32_t n = len >> 2, u, v;
    if (n > 0) {
#define TSLM_OP_W2                                         \
    "ldr %[u], [%[a]], #4\n\t"                           \
    "ldr %[v], [%[b]], #4\n\t"                           \
    "sxtb16 r8, %[u]\n\t"                                \
    "sxtb16 r9, %[u], ror #8\n\t"                        \
    "sxtb16 r10, %[v]\n\t"                               \
    "sxtb16 r11, %[v], ror #8\n\t"                       \
    "stmia %[d]!, {r8, r9, r10, r11}\n\t"
        __asm__ volatile("lsrs %[n], %[n], #1\n\t"
                         "bcc 1f\n\t" TSLM_OP_W2 "1:\n\t"
                         "beq 3f\n"
                         "2:\n\t" TSLM_OP_W2 TSLM_OP_W2 "subs %[n], %[n], #1\n\t"
                         "bne 2b\n"
                         "3:"
                         : [a] "+r"(a), [b] "+r"(b), [d] "+r"(dst), [n] "+r"(n), [u] "=&r"(u), [v] "=&r"(v)
                         :
                         : "r8", "r9", "r10", "r11", "cc", "memory");
#undef TSLM_OP_W2
    }
    if (len & 3) {
        tslm_dsp_widen2(a, b, len & 3, dst);
    }
#else
    tslm_dsp_widen2(a, b, len, dst);
#endif
}

static inline void tslm_dsp_op_widen1(const int8_t *a, int32_t len, int32_t *dst)
{
#if defined(TSLM_DSP_OP_QUADS)
    int32_t n = len >> 2, u, t0, t1;
    if (n > 0) {
#define TSLM_OP_W1                                         \
    "ldr %[u], [%[a]], #4\n\t"                           \
    "sxtb16 %[t0], %[u]\n\t"                             \
    "sxtb16 %[t1], %[u], ror #8\n\t"                     \
    "strd %[t0], %[t1], [%[d]], #8\n\t"
        __asm__ volatile("lsrs %[n], %[n], #1\n\t"
                         "bcc 1f\n\t" TSLM_OP_W1 "1:\n\t"
                         "beq 3f\n"
                         "2:\n\t" TSLM_OP_W1 TSLM_OP_W1 "subs %[n], %[n], #1\n\t"
                         "bne 2b\n"
                         "3:"
                         : [a] "+r"(a), [d] "+r"(dst), [n] "+r"(n), [u] "=&r"(u), [t0] "=&r"(t0), [t1] "=&r"(t1)
                         :
                         : "cc", "memory");
#undef TSLM_OP_W1
    }
    if (len & 3) {
        tslm_dsp_widen1(a, len & 3, dst);
    }
#else
    tslm_dsp_widen1(a, len, dst);
#endif
}

/* The last channels & 3 of tslm_dsp_op_gemm_rows (w, rq, out0, out1: the first of them): a pair stored alone,
 * then a single row. */
TSLM_ALWAYS_INLINE void tslm_dsp_op_gemm_tail(const int32_t *x, const int32_t *w, const int32_t *rq, int32_t n4,
                                              int32_t channels, int8_t *out0, int8_t *out1, int32_t lo, int32_t hi,
                                              const int full)
{
    if (out1 != NULL) {
        if (channels & 2) {
            tslm_dsp_op_pair2(w, x, rq, n4, out0, out1, lo, hi, full, 0);
            out0 += 2, out1 += 2, rq += 8, w += 2 * n4;
        }
        if (channels & 1) { /* a single row: s2 only */
            int32_t b0 = rq[0], b1 = rq[0];
            for (int32_t g = 0; g < n4; ++g, x += 4) {
                const int32_t lo16 = tslm_sxtb16(w[g]), hi16 = tslm_sxtb16_ror8(w[g]);
                b0 = tslm_smlad(hi16, x[1], tslm_smlad(lo16, x[0], b0));
                b1 = tslm_smlad(hi16, x[3], tslm_smlad(lo16, x[2], b1));
            }
            tslm_dsp_op_out2(tslm_dsp_op_second(b0), tslm_dsp_op_second(b1), rq, lo, hi, full, out0, out1);
        }
        return;
    }
    if (channels & 2) {
        int32_t a = rq[0], b = rq[1];
        tslm_dsp_op_mac_1x2(w, x, n4, &a, &b);
        out0[0] = tslm_dsp_op_out1(tslm_dsp_op_first(a, b), rq + 1, lo, hi, full);
        out0[1] = tslm_dsp_op_out1(tslm_dsp_op_second(b), rq + 4, lo, hi, full);
        out0 += 2, rq += 8, w += 2 * n4;
    }
    if (channels & 1) {
        int32_t b = rq[0];
        for (int32_t g = 0; g < n4; ++g, x += 2) {
            b = tslm_smlad(tslm_sxtb16_ror8(w[g]), x[1], tslm_smlad(tslm_sxtb16(w[g]), x[0], b));
        }
        out0[0] = tslm_dsp_op_out1(tslm_dsp_op_second(b), rq, lo, hi, full);
    }
}

/*
 * out_p[c] for c in [0, channels) of one or two widened pixels (x, as tslm_dsp_widen1/2) against
 * offset-pair weights w (n4 words per channel: fours, then a pair, then a single row) and records rq.
 */
TSLM_ALWAYS_INLINE void tslm_dsp_op_gemm_rows_(const int32_t *x, const int32_t *w, const int32_t *rq, int32_t n4,
                                               int32_t channels, int8_t *out0, int8_t *out1, int32_t lo, int32_t hi,
                                               const int full, const int c_only)
{
    int8_t *const end0 = out0 + (channels & ~3);
#if defined(TSLM_DSP_OP_QUADS)
    tslm_dsp_op_job job;
    if (c_only) { /* the caller's job (the same conditions, its fours) left no four the assembly takes here */
        goto c;
    }
    const int32_t fours = tslm_dsp_op_job_init(&job, x, w, rq, n4, channels, lo, hi, full, out1 != NULL,
                                               out1 != NULL ? (int32_t)(out1 - out0) : 0);
    if (fours > 0) {
        tslm_dsp_op_job_run(&job, out0);
        out0 += fours, out1 = out1 != NULL ? out1 + fours : NULL, rq += 4 * fours, w += fours * n4;
    }
c:
#else
    (void)c_only;
#endif
    if (out1 != NULL) {
        for (; out0 < end0; out0 += 4, out1 += 4, rq += 16, w += 4 * n4) {
            tslm_dsp_op_pair2(w, x, rq, n4, out0, out1, lo, hi, full, 1);
            tslm_dsp_op_pair2(w + 2, x, rq + 8, n4, out0 + 2, out1 + 2, lo, hi, full, 1);
        }
    } else {
        for (; out0 < end0; out0 += 4, rq += 16, w += 4 * n4) {
            int32_t a0 = rq[0], b0 = rq[1], a1 = rq[8], b1 = rq[9];
            tslm_dsp_op_mac_1x4(w, x, n4, &a0, &b0, &a1, &b1);
            out0[0] = tslm_dsp_op_out1(tslm_dsp_op_first(a0, b0), rq + 1, lo, hi, full);
            out0[1] = tslm_dsp_op_out1(tslm_dsp_op_second(b0), rq + 4, lo, hi, full);
            out0[2] = tslm_dsp_op_out1(tslm_dsp_op_first(a1, b1), rq + 9, lo, hi, full);
            out0[3] = tslm_dsp_op_out1(tslm_dsp_op_second(b1), rq + 12, lo, hi, full);
        }
    }
    tslm_dsp_op_gemm_tail(x, w, rq, n4, channels & 3, out0, out1, lo, hi, full);
}
TSLM_ALWAYS_INLINE void tslm_dsp_op_gemm_rows(const int32_t *x, const int32_t *w, const int32_t *rq, int32_t n4,
                                              int32_t channels, int8_t *out0, int8_t *out1, int32_t lo, int32_t hi,
                                              const int full)
{
    tslm_dsp_op_gemm_rows_(x, w, rq, n4, channels, out0, out1, lo, hi, full, 0);
}

#endif /* TSLM_DSP_H */
