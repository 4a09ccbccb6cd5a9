/* tslm_softmax.h - SOFTMAX, int8 input, int8 or int16 output, over the last axis. */
#ifndef TSLM_SOFTMAX_H
#define TSLM_SOFTMAX_H

#include "tslm_common.h"

typedef struct {
    int32_t rows;  /* product of all but the last dimension */
    int32_t depth; /* last dimension: each row is normalized on its own */
    /* exp_table[d] = exp(-d * beta * input_scale) in Q0.31 for a difference
     * d = max(row) - x in 0..255, exactly as TFLM's fixed-point exp computes it
     * (0 where TFLM ignores the difference, below its diff_min). */
    const int32_t *exp_table;
    /* 1: the table in reverse order, exp_table[255 - d] holds d's value (the Cortex-M DSP kernel's order:
     * one load at (exp_table + 255 - max)[x] for an input x); 2: reversed and each entry e + 2^11 as uint32_t
     * bits (the rounding of TFLM's sum, RoundingDivideByPOT(e, 12), already in it: what the compiler gives the
     * Cortex-M DSP kernel); 0: as above */
    int32_t reversed;
} tslm_softmax_params;

/* ---- fixed-point steps shared by the portable and the optimized kernels ---- */

/* x << shift, saturating to int32 (gemmlowp SaturatingRoundingMultiplyByPOT, shift > 0). */
static inline int32_t tslm_softmax_sat_shl(int32_t x, int shift)
{
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - shift)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return tslm_shl_wrap(x, shift);
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (gemmlowp one_over_one_plus_x_for_x_in_0_1). */
static inline int32_t tslm_softmax_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int64_t rounded = sum + (sum >= 0 ? 1 : -1);
    const int32_t half_denominator = (int32_t)(rounded / 2);
    const int32_t k48_over_17 = 1515870810;      /* 48/17 in Q2.29 */
    const int32_t kneg32_over_17 = -1010580540;  /* -32/17 in Q2.29 */
    int32_t x = k48_over_17 + tslm_srdhm(half_denominator, kneg32_over_17);
    for (int i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tslm_srdhm(half_denominator, x);
        const int32_t one_minus = (INT32_C(1) << 29) - half_denominator_times_x;
        x = x + tslm_softmax_sat_shl(tslm_srdhm(x, one_minus), 2);
    }
    return tslm_softmax_sat_shl(x, 1);
}

/* 1 / sum for a row's sum of exponentials in Q12.19: a Q0.31 scale, and the returned
 * num_bits_over_unit, TFLM's steps. */
static inline int tslm_softmax_reciprocal(uint32_t sum, int32_t *scale)
{
    const int headroom_plus_one = tslm_clz32(sum);
    const int32_t shifted_sum_minus_one = (int32_t)((sum << headroom_plus_one) - 0x80000000u);
    *scale = tslm_softmax_one_over_one_plus_x(shifted_sum_minus_one);
    return 12 - headroom_plus_one;
}

/* int16 -> int16 (TFLM's SoftmaxInt16): exp and 1/(1+x) from 513-entry tables with linear
 * interpolation, both tabulated by the compiler as TFLM's Prepare does. */
typedef struct {
    int32_t rows;
    int32_t depth;
    int32_t input_multiplier, input_shift; /* (x - max) * beta * scale, onto [-65535, 0] = [-10, 0] */
    const int16_t *exp_lut;                /* exp over [-10, 0] */
    const int16_t *recip_lut;              /* 1 / (1 + x) over [0, 1] */
} tslm_softmax_s16_params;

/* Interpolated lookup in a 513-entry table over the int16 range (TFLM's lut_lookup). */
static inline int16_t tslm_lut16_lookup(int16_t value, const int16_t *lut)
{
    const int32_t index = 256 + (value >> 7);
    const int32_t offset = value & 0x7f;
    const int16_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int32_t delta = (slope * offset + 64) >> 7;
    return (int16_t)(base + delta);
}

void tslm_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output);
void tslm_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output);
/* the output may not be the input (the exps are kept in the output row) */
void tslm_softmax_s16(const tslm_softmax_s16_params *p, const int16_t *input, int16_t *output);

/* float32, TFLM's reference Softmax: per row of `depth`, exp((x - max) * beta) / their sum (expf from the
 * C library: TFLM's bytes where both use the same libm). */
void tslm_softmax_f32(int32_t rows, int32_t depth, float beta, const float *input, float *output);

#endif /* TSLM_SOFTMAX_H */
