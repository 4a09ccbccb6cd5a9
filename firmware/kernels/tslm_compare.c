/* tslm_compare.c - portable C99 broadcasting elementwise ops: comparisons, MAXIMUM/MINIMUM, logical
 * ops, SELECT_V2, DIV (int8 and float32), FLOOR_DIV, FLOOR_MOD, PRELU. */
#include <math.h>
#include <string.h>

#include "tslm_compare.h"

/* Walks the output in order over dims D with the three inputs' strides S0, S1, S2; runs BODY with
 * k (output element) and o0, o1, o2 (the inputs' element offsets). */
#define TSLM_WALK(D, S0, S1, S2, BODY)                                                             \
    do {                                                                                           \
        int32_t i_[TSLM_MAX_DIMS] = {0, 0, 0, 0, 0, 0};                                            \
        int32_t o0 = 0, o1 = 0, o2 = 0, k = 0;                                                     \
        int32_t n_ = 1;                                                                            \
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {                                                  \
            n_ *= (D)[d];                                                                          \
        }                                                                                          \
        for (k = 0; k < n_; ++k) {                                                                 \
            BODY;                                                                                  \
            for (int d = TSLM_MAX_DIMS - 1; d >= 0; --d) {                                         \
                o0 += (S0)[d];                                                                     \
                o1 += (S1)[d];                                                                     \
                o2 += (S2)[d];                                                                     \
                if (++i_[d] < (D)[d]) {                                                            \
                    break;                                                                         \
                }                                                                                  \
                o0 -= (S0)[d] * (D)[d];                                                            \
                o1 -= (S1)[d] * (D)[d];                                                            \
                o2 -= (S2)[d] * (D)[d];                                                            \
                i_[d] = 0;                                                                         \
            }                                                                                      \
        }                                                                                          \
        (void)o2;                                                                                  \
    } while (0)

#define TSLM_BCAST_WALK(p, BODY) TSLM_WALK((p)->dims, (p)->strides0, (p)->strides1, (p)->strides2, BODY)

static bool tslm_cmp(int32_t op, int32_t a, int32_t b)
{
    switch (op) {
    case TSLM_CMP_EQ: return a == b;
    case TSLM_CMP_NE: return a != b;
    case TSLM_CMP_LT: return a < b;
    case TSLM_CMP_LE: return a <= b;
    case TSLM_CMP_GT: return a > b;
    default: return a >= b;
    }
}

void tslm_compare_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, bool *out)
{
    const int32_t *ta = p->table0 + 128;
    const int32_t *tb = p->table1 + 128;
    TSLM_BCAST_WALK(p, out[k] = tslm_cmp(p->op, ta[a[o0]], tb[b[o1]]));
}

/* Float comparisons without an int32 round trip (a float compares as itself). */
static bool tslm_cmp_f32(int32_t op, float a, float b)
{
    switch (op) {
    case TSLM_CMP_EQ: return a == b;
    case TSLM_CMP_NE: return a != b;
    case TSLM_CMP_LT: return a < b;
    case TSLM_CMP_LE: return a <= b;
    case TSLM_CMP_GT: return a > b;
    default: return a >= b;
    }
}

void tslm_compare_f32(const tslm_compare_params *p, const float *a, const float *b, bool *out)
{
    TSLM_BCAST_WALK(p, out[k] = tslm_cmp_f32(p->op, a[o0], b[o1]));
}

void tslm_compare_s32(const tslm_compare_params *p, const int32_t *a, const int32_t *b, bool *out)
{
    TSLM_BCAST_WALK(p, out[k] = tslm_cmp(p->op, a[o0], b[o1]));
}

void tslm_maxmin_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    if (p->op == TSLM_CMP_MAX) {
        TSLM_BCAST_WALK(p, out[k] = a[o0] > b[o1] ? a[o0] : b[o1]);
    } else {
        TSLM_BCAST_WALK(p, out[k] = a[o0] < b[o1] ? a[o0] : b[o1]);
    }
}

void tslm_maxmin_s16(const tslm_compare_params *p, const int16_t *a, const int16_t *b, int16_t *out)
{
    if (p->op == TSLM_CMP_MAX) {
        TSLM_BCAST_WALK(p, out[k] = a[o0] > b[o1] ? a[o0] : b[o1]);
    } else {
        TSLM_BCAST_WALK(p, out[k] = a[o0] < b[o1] ? a[o0] : b[o1]);
    }
}

void tslm_logical(const tslm_compare_params *p, const bool *a, const bool *b, bool *out)
{
    if (p->op == TSLM_CMP_AND) {
        TSLM_BCAST_WALK(p, out[k] = a[o0] && b[o1]);
    } else {
        TSLM_BCAST_WALK(p, out[k] = a[o0] || b[o1]);
    }
}

void tslm_logical_not(int32_t n, const bool *in, bool *out)
{
    for (int32_t i = 0; i < n; ++i) {
        out[i] = !in[i];
    }
}

void tslm_select(const tslm_compare_params *p, const bool *cond, const void *x, const void *y, void *out)
{
    const uint8_t *xs = (const uint8_t *)x;
    const uint8_t *ys = (const uint8_t *)y;
    uint8_t *o = (uint8_t *)out;
    const size_t es = (size_t)p->elem_size;
    TSLM_BCAST_WALK(p, memcpy(o + (size_t)k * es, cond[o0] ? xs + (size_t)o1 * es : ys + (size_t)o2 * es, es));
}

/* gemmlowp's CountLeadingSignBits for int32 (31 for 0). */
static int tslm_clrsb(int32_t x)
{
    uint32_t u = x < 0 ? ~(uint32_t)x : (uint32_t)x;
    int n = 0;
    while (n < 31 && !(u & (UINT32_C(1) << (30 - n)))) {
        ++n;
    }
    return n;
}

/*
 * gemmlowp's RoundingDivideByPOT as TFLM built for x86 (the oracle) computes it when the exponent is
 * above 31, which C++ leaves undefined and int8 DIV reaches with small numerators: the mask is
 * (1 << e) - 1 in 64 bits (x86 takes e mod 64) cut to 32, the shift takes e mod 32. Reproduced on
 * every target, so the bytes match the oracle (TFLM itself on an Arm core gives others there).
 */
static int32_t tslm_rdbpot_x86(int32_t x, int e)
{
    const uint64_t mask64 = (UINT64_C(1) << (e & 63)) - 1u;
    const int32_t mask = (int32_t)(uint32_t)mask64; /* wraps, as tslm_shl_wrap relies on */
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> (e & 31)) + (remainder > threshold ? 1 : 0);
}

void tslm_div_s8(const tslm_div_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    TSLM_WALK(p->dims, p->strides0, p->strides1, p->strides1, {
        int32_t x = p->input1_offset + a[o0];
        int32_t y = p->input2_offset + b[o1];
        if (y < 0) {
            x = -x;
            y = -y;
        }
        int32_t v;
        if (y == 0) { /* TFLM's kernel assumes a non-zero divisor; stay in bounds */
            v = x > 0 ? p->act_max : x < 0 ? p->act_min : p->output_offset;
        } else {
            /* y in 1..256: its reciprocal and shift, as GetReciprocal(y, 31) gives them */
            const int32_t inv = p->reciprocals[2 * (y - 1)];
            const int32_t recip_shift = p->reciprocals[2 * (y - 1) + 1];
            const int headroom = tslm_clrsb(x);
            const int32_t unscaled = tslm_srdhm(tslm_shl_wrap(x, headroom), inv);
            const int32_t total_shift = p->output_shift - recip_shift - headroom;
            v = p->output_offset + tslm_rdbpot_x86(tslm_srdhm(unscaled, p->output_multiplier), (int)-total_shift);
        }
        out[k] = (int8_t)tslm_clamp_i32(v, p->act_min, p->act_max);
    });
}

void tslm_prelu_s8(const tslm_prelu_params *p, const int8_t *x, const int8_t *alpha, int8_t *out)
{
    TSLM_WALK(p->dims, p->strides0, p->strides1, p->strides1, {
        const int32_t v = p->input_offset + x[o0];
        int32_t r;
        if (v >= 0) {
            r = tslm_requantize(v, p->multiplier_positive, p->shift_positive);
        } else {
            r = tslm_requantize(v * (p->alpha_offset + alpha[o1]), p->multiplier_negative, p->shift_negative);
        }
        out[k] = (int8_t)tslm_clamp_i32(r + p->output_offset, -128, 127);
    });
}

void tslm_arith_f32(const tslm_compare_params *p, const float *a, const float *b, float *out)
{
    const int32_t act = p->activation;
    switch (p->op) {
    case TSLM_ARITH_ADD:
        TSLM_BCAST_WALK(p, out[k] = tslm_activation_f32(a[o0] + b[o1], act));
        break;
    case TSLM_ARITH_SUB:
        TSLM_BCAST_WALK(p, out[k] = tslm_activation_f32(a[o0] - b[o1], act));
        break;
    case TSLM_ARITH_MUL:
        TSLM_BCAST_WALK(p, out[k] = tslm_activation_f32(a[o0] * b[o1], act));
        break;
    case TSLM_ARITH_DIV:
        TSLM_BCAST_WALK(p, out[k] = tslm_activation_f32(a[o0] / b[o1], act));
        break;
    case TSLM_ARITH_SQUARED_DIFFERENCE:
        TSLM_BCAST_WALK(p, {
            const float d = a[o0] - b[o1];
            out[k] = d * d;
        });
        break;
    case TSLM_ARITH_MAXIMUM:
        TSLM_BCAST_WALK(p, out[k] = a[o0] > b[o1] ? a[o0] : b[o1]);
        break;
    case TSLM_ARITH_MINIMUM:
        TSLM_BCAST_WALK(p, out[k] = a[o0] < b[o1] ? a[o0] : b[o1]);
        break;
    case TSLM_ARITH_PRELU:
        TSLM_BCAST_WALK(p, out[k] = a[o0] >= 0.0f ? a[o0] : a[o0] * b[o1]);
        break;
    case TSLM_ARITH_FLOOR_DIV: /* TFLM divides in double */
        TSLM_BCAST_WALK(p, out[k] = (float)floor((double)a[o0] / (double)b[o1]));
        break;
    default: /* FLOOR_MOD: fmod, moved to the divisor's sign */
        TSLM_BCAST_WALK(p, {
            const float m = fmodf(a[o0], b[o1]);
            out[k] = (m != 0.0f && ((b[o1] < 0.0f) != (m < 0.0f))) ? m + b[o1] : m;
        });
        break;
    }
}
