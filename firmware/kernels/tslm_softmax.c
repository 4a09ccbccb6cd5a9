/*
 * tslm_softmax.c - portable C99 SOFTMAX (int8 and int16 in; float32 at the end).
 *
 * TFLM computes exp() of each (x - max) in gemmlowp fixed point, sums the
 * values in Q12.19, takes a Newton-Raphson reciprocal of the sum and scales.
 * The exponentials depend only on the 256 possible differences, so the
 * compiler tabulates them; the sum and reciprocal are computed here, with the
 * same integer steps as TFLM.
 */
#include <math.h>

#include "tslm_softmax.h"

/* The exponential of d = max - x (0..255) in either order of the table (less the 2^11 a biased one adds). */
static int32_t exp_of(const tslm_softmax_params *p, int32_t d)
{
    return (int32_t)((uint32_t)p->exp_table[p->reversed ? 255 - d : d] - (p->reversed == 2 ? 2048u : 0u));
}

/* Per row: the row maximum, and 1/sum(exp) as a Q0.31 scale and a shift. */
static int32_t softmax_row(const tslm_softmax_params *p, const int8_t *in, int32_t *scale, int *shift)
{
    int32_t max = -128;
    for (int32_t c = 0; c < p->depth; ++c) {
        max = tslm_max_i32(max, in[c]);
    }
    uint32_t sum = 0; /* Q12.19; wraps like TFLM's int32 for very long rows */
    for (int32_t c = 0; c < p->depth; ++c) {
        sum += (uint32_t)tslm_rdbpot(exp_of(p, max - in[c]), 12);
    }
    *shift = tslm_softmax_reciprocal(sum, scale);
    return max;
}

/* exp / sum, scaled to 2^out_bits: RoundingDivideByPOT for exponents up to 31,
 * and 0 beyond (|x| < 2^31, so the quotient rounds to 0). */
static int32_t scaled_output(int32_t scale, int32_t e, int exponent)
{
    const int32_t x = tslm_srdhm(scale, e);
    return exponent > 31 ? 0 : tslm_rdbpot(x, exponent);
}

void tslm_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * p->depth;
        int8_t *out = output + r * p->depth;
        int32_t scale;
        int bits_over_unit;
        const int32_t max = softmax_row(p, in, &scale, &bits_over_unit);
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t e = exp_of(p, max - in[c]);
            const int32_t v = scaled_output(scale, e, bits_over_unit + 31 - 8) - 128;
            out[c] = (int8_t)tslm_clamp_i32(v, -128, 127);
        }
    }
}

void tslm_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * p->depth;
        int16_t *out = output + r * p->depth;
        int32_t scale;
        int bits_over_unit;
        const int32_t max = softmax_row(p, in, &scale, &bits_over_unit);
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t e = exp_of(p, max - in[c]);
            const int32_t v = scaled_output(scale, e, bits_over_unit + 31 - 16) - 32768;
            out[c] = (int16_t)tslm_clamp_i32(v, -32768, 32767);
        }
    }
}

void tslm_softmax_s16(const tslm_softmax_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int16_t *in = input + r * p->depth;
        int16_t *out = output + r * p->depth;
        int32_t max = INT16_MIN;
        for (int32_t c = 0; c < p->depth; ++c) {
            max = tslm_max_i32(max, in[c]);
        }
        int32_t sum = 0; /* Q16.15 */
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t scaled = tslm_requantize((int32_t)in[c] - max, p->input_multiplier, p->input_shift);
            out[c] = tslm_lut16_lookup((int16_t)tslm_clamp_i32(scaled + 32767, INT16_MIN, INT16_MAX), p->exp_lut);
            sum += out[c];
        }
        const int headroom_plus_one = tslm_clz32((uint32_t)sum);
        const int32_t shifted = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        const int32_t centered = shifted - ((1 << 15) + (1 << 16));
        const int16_t recip = tslm_lut16_lookup((int16_t)tslm_clamp_i32(centered, INT16_MIN, INT16_MAX), p->recip_lut);
        const int right_shift = 31 - headroom_plus_one;
        const int64_t round = (int64_t)1 << (right_shift - 1);
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t v = (int32_t)(((int64_t)out[c] * recip + round) >> right_shift);
            out[c] = (int16_t)tslm_clamp_i32(v, 0, 32767);
        }
    }
}

void tslm_softmax_f32(int32_t rows, int32_t depth, float beta, const float *input, float *output)
{
    for (int32_t r = 0; r < rows; ++r) {
        const float *x = input + r * depth;
        float *y = output + r * depth;
        float max = -FLT_MAX;
        for (int32_t c = 0; c < depth; ++c) {
            max = max < x[c] ? x[c] : max; /* std::max(max, x) */
        }
        float sum = 0.0f;
        for (int32_t c = 0; c < depth; ++c) {
            const float e = expf((x[c] - max) * beta);
            y[c] = e;
            sum += e;
        }
        for (int32_t c = 0; c < depth; ++c) {
            y[c] = y[c] / sum;
        }
    }
}
