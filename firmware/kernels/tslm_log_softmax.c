/* tslm_log_softmax.c - portable C99 LOG_SOFTMAX (int8: gemmlowp's fixed-point log, as TFLM computes it;
 * float32). */
#include <math.h>

#include "tslm_log_softmax.h"

/* SaturatingRoundingMultiplyByPOTParam for 0 <= e < 31: a saturating left shift. */
static int32_t tslm_pot(int32_t x, int e)
{
    if (e == 0) {
        return x;
    }
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return tslm_shl_wrap(x, e);
}

static int32_t tslm_sat32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static int32_t tslm_add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t tslm_sub_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static int32_t tslm_half_sum(int32_t a, int32_t b)
{
    const int64_t s = (int64_t)a + b;
    return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}

/* gemmlowp's one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out). */
static int32_t tslm_one_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = tslm_half_sum(a, INT32_MAX);
    int32_t x = tslm_add_wrap(1515870810, tslm_srdhm(half_denominator, -1010580540)); /* 48/17 - 32/17 d */
    for (int i = 0; i < 3; ++i) {
        const int32_t one_minus = tslm_sub_wrap(INT32_C(1) << 29, tslm_srdhm(half_denominator, x));
        x = tslm_add_wrap(x, tslm_pot(tslm_srdhm(x, one_minus), 2));
    }
    return tslm_pot(x, 1);
}

/* log_x_for_x_greater_than_or_equal_to_1<5>(x in Q12.19) in Q5.26 (accumulated in Q6.25). */
static int32_t tslm_log_q12_to_q5(int32_t z_a)
{
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = tslm_rdbpot(536870912, 6);
    const int z_a_headroom_plus_1 = tslm_clz32((uint32_t)z_a);
    const int32_t r_a_tmp = tslm_pot(z_a, z_a_headroom_plus_1 - 1);
    const int32_t r_a_raw = tslm_pot(tslm_srdhm(r_a_tmp, sqrt_half), 1);
    const int32_t z_a_pow_2_adj =
        tslm_sat32((int64_t)tslm_pot(12 - z_a_headroom_plus_1, 25) + shifted_quarter);
    const int32_t z_b = tslm_srdhm(z_a, sqrt_half);
    const int z_b_headroom = tslm_clz32((uint32_t)z_b) - 1;
    const int32_t r_b_raw = tslm_pot(z_a, z_b_headroom);
    const int32_t z_b_pow_2_adj = tslm_sat32((int64_t)tslm_pot(12 - z_b_headroom, 25) - shifted_quarter);
    const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
    const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
    const int32_t p = tslm_half_sum(r, sqrt_sqrt_half);
    int32_t q = tslm_sub_wrap(r, sqrt_sqrt_half);
    q = tslm_add_wrap(q, q);
    const int32_t common_sq = tslm_srdhm(q, q);
    const int32_t num = tslm_add_wrap(tslm_srdhm(q, r), tslm_srdhm(tslm_srdhm(q, common_sq), alpha_n));
    const int32_t inner = tslm_add_wrap(tslm_add_wrap(alpha_i, q), tslm_srdhm(alpha_d, common_sq));
    const int32_t denom_minus_one = tslm_add_wrap(tslm_srdhm(p, inner), tslm_srdhm(alpha_f, q));
    const int32_t recip_denom = tslm_one_over_one_plus_x(denom_minus_one);
    const int32_t num_scaled = tslm_rdbpot(num, 6);
    const int32_t acc = tslm_add_wrap(tslm_srdhm(z_pow_2_adj, log_2), tslm_srdhm(num_scaled, recip_denom));
    return tslm_pot(acc, 1);
}

void tslm_log_softmax_s8(const tslm_log_softmax_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *in = input + (size_t)r * (size_t)p->depth;
        int8_t *out = output + (size_t)r * (size_t)p->depth;
        int32_t max_in_row = -128;
        for (int32_t c = 0; c < p->depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        int32_t sum = 0;
        for (int32_t c = 0; c < p->depth; ++c) {
            sum = tslm_add_wrap(sum, p->exp_q12[in[c] - max_in_row + 255]);
        }
        const int32_t log_sum = tslm_log_q12_to_q5(sum);
        const int32_t shifted = tslm_add_wrap(log_sum, INT32_MIN);
        const int32_t rev = tslm_requantize(shifted, p->reverse_multiplier, p->reverse_shift);
        const int32_t adjusted_diff_min = (p->diff_min - 1) > rev ? (p->diff_min - 1) : rev;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = in[c] - max_in_row;
            if (diff > adjusted_diff_min) {
                const int32_t v = tslm_rdbpot(tslm_sub_wrap(p->diff_q5[diff + 255], log_sum), 22) + 127;
                out[c] = (int8_t)tslm_clamp_i32(v, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}

void tslm_log_softmax_f32(int32_t rows, int32_t depth, const float *input, float *output)
{
    for (int32_t r = 0; r < rows; ++r) {
        const float *x = input + r * depth;
        float *y = output + r * depth;
        float max = -FLT_MAX;
        for (int32_t c = 0; c < depth; ++c) {
            max = max < x[c] ? x[c] : max;
        }
        float sum = 0.0f;
        for (int32_t c = 0; c < depth; ++c) {
            sum += expf(x[c] - max);
        }
        const float log_sum = logf(sum);
        for (int32_t c = 0; c < depth; ++c) {
            y[c] = x[c] - max - log_sum;
        }
    }
}
