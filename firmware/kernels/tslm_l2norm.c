/* tslm_l2norm.c - portable C99 L2_NORMALIZATION (int8, float32). */
#include <math.h>

#include "tslm_l2norm.h"

/* gemmlowp's SaturatingRoundingMultiplyByPOT for 0 < e < 31. */
static int32_t tslm_sat_shl(int32_t x, int e)
{
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return tslm_shl_wrap(x, e);
}

/* TFLM's GetInvSqrtQuantizedMultiplierExp(x, kReverseShift = -1): 1/sqrt(x) as a multiplier and shift,
 * by Newton's iteration in Q3.28 (five steps), as gemmlowp computes it. */
static void tslm_inv_sqrt(int32_t x, int32_t *multiplier, int32_t *shift)
{
    if (x <= 1) {
        *multiplier = INT32_MAX;
        *shift = 0;
        return;
    }
    int32_t s = 11;
    while (x >= (INT32_C(1) << 29)) {
        x /= 4;
        ++s;
    }
    const int pairs = (tslm_clz32((uint32_t)x) - 1) / 2 - 1;
    s -= pairs;
    x = tslm_shl_wrap(x, 2 * pairs);
    const int32_t half_x = tslm_rdbpot(x >> 1, 1);
    const int32_t half_three = (INT32_C(1) << 28) + (INT32_C(1) << 27);
    int32_t v = INT32_C(1) << 28; /* 1.0 in Q3.28 */
    for (int i = 0; i < 5; ++i) {
        const int32_t v3 = tslm_sat_shl(tslm_srdhm(tslm_srdhm(v, v), v), 6);
        const int32_t d = (int32_t)((uint32_t)tslm_srdhm(half_three, v) - (uint32_t)tslm_srdhm(half_x, v3));
        v = tslm_sat_shl(d, 3);
    }
    v = tslm_srdhm(v, 1518500250); /* x sqrt(2) / 2 */
    if (s < 0) {
        v = tslm_shl_wrap(v, (int)-s);
        s = 0;
    }
    *multiplier = v;
    *shift = -s;
}

void tslm_l2norm_s8(int32_t rows, int32_t depth, int32_t input_zero_point, const int8_t *input, int8_t *output)
{
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *in = input + (size_t)r * (size_t)depth;
        int8_t *out = output + (size_t)r * (size_t)depth;
        int32_t acc = 0;
        for (int32_t i = 0; i < depth; ++i) {
            const int32_t v = in[i] - input_zero_point;
            acc += v * v;
        }
        int32_t m, s;
        tslm_inv_sqrt(acc, &m, &s);
        for (int32_t i = 0; i < depth; ++i) {
            /* output in 1/128: the rescale is the + 7 on the shift */
            const int32_t v = tslm_requantize(in[i] - input_zero_point, m, s + 7);
            out[i] = (int8_t)tslm_clamp_i32(v, -128, 127);
        }
    }
}

void tslm_l2norm_f32(int32_t rows, int32_t depth, const float *input, float *output)
{
    for (int32_t r = 0; r < rows; ++r) {
        const float *x = input + r * depth;
        float *y = output + r * depth;
        float squares = 0.0f;
        for (int32_t c = 0; c < depth; ++c) {
            squares += x[c] * x[c];
        }
        float norm = sqrtf(squares);
        norm = norm < 1e-6f ? 1e-6f : norm;
        for (int32_t c = 0; c < depth; ++c) {
            y[c] = x[c] / norm;
        }
    }
}
