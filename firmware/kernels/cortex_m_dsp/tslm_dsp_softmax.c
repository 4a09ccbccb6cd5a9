/*
 * tslm_softmax.c - SOFTMAX (int8 in) for the Cortex-M DSP extension.
 *
 * Same table of exponentials and same reciprocal of the sum as the portable
 * kernel (tslm_softmax.h). What is faster here is the per-element work, using
 * that every exponential e and the scale are non-negative:
 * - the sum's RoundingDivideByPOT(e, 12) is (e + 2^11) >> 12;
 * - the output, RoundingDivideByPOT(SRDHM(scale, e), n) with n >= 1, is
 *   floor((scale * e + 2^30 + 2^(30+n)) / 2^(31+n)) (floors of divisions by
 *   powers of two compose for non-negative values): one UMLAL into a 64-bit
 *   constant, then the high word shifted by n - 1.
 */
#include "tslm_dsp_softmax.h"

/* A row's maximum, and its scale and exponent n of the output division (n > 31: all 0). */
static int32_t row_stats(const tslm_softmax_params *p, const int8_t *in, int32_t *scale, int *bits_over_unit)
{
    const int32_t depth = p->depth;
    int32_t max = -128;
    for (int32_t c = 0; c < depth; ++c) {
        max = in[c] > max ? in[c] : max;
    }
    const int32_t *e = p->exp_table + max; /* e[-x] = exp_table[max - x] */
    uint32_t sum = 0;
    for (int32_t c = 0; c < depth; ++c) {
        sum += ((uint32_t)e[-in[c]] + 2048u) >> 12;
    }
    *bits_over_unit = tslm_softmax_reciprocal(sum, scale);
    return max;
}

/* exp / sum scaled by 2^(31 - n)... as TFLM rounds it; n in [1, 31]. */
TSLM_ALWAYS_INLINE uint32_t scaled(uint32_t scale, uint32_t e, uint64_t k, int n)
{
    const uint64_t acc = (uint64_t)scale * e + k;
    return (uint32_t)(acc >> 32) >> (n - 1);
}

/* The quotient q >= 0 plus the output's -2^(bits-1), clamped above: min(q, 2^bits - 1) - 2^(bits-1). */
TSLM_ALWAYS_INLINE int32_t finish(uint32_t q, const int bits)
{
    const uint32_t top = (UINT32_C(1) << bits) - 1u;
    return (int32_t)(q > top ? top : q) - (INT32_C(1) << (bits - 1));
}

/* Every row; `bits` (8 or 16, a constant after inlining) picks the output type. */
TSLM_ALWAYS_INLINE void softmax_rows(const tslm_softmax_params *p, const int8_t *input, void *output, const int bits)
{
    const int32_t depth = p->depth;
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * depth;
        int8_t *out8 = (int8_t *)output + r * depth;
        int16_t *out16 = (int16_t *)output + r * depth;
        int32_t scale;
        int over;
        const int32_t *e = p->exp_table + row_stats(p, in, &scale, &over);
        const int n = over + 31 - bits;
        if (n > 31) { /* the quotient rounds to 0 for every element */
            for (int32_t c = 0; c < depth; ++c) {
                if (bits == 8) {
                    out8[c] = -128;
                } else {
                    out16[c] = -32768;
                }
            }
            continue;
        }
        const uint64_t k = (UINT64_C(1) << 30) + (UINT64_C(1) << (30 + n));
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = finish(scaled((uint32_t)scale, (uint32_t)e[-in[c]], k, n), bits);
            if (bits == 8) {
                out8[c] = (int8_t)v;
            } else {
                out16[c] = (int16_t)v;
            }
        }
    }
}

void tslm_dsp_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output)
{
    softmax_rows(p, input, output, 8);
}

void tslm_dsp_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output)
{
    softmax_rows(p, input, output, 16);
}
