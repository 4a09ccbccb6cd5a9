/* tslm_float.c - portable C99 float32 elementwise kernels. */
#include <math.h>

#include "tslm_float.h"

/* TFLM's RoundToNearest: halves go to the even neighbour. */
static float tslm_round_half_even(float v)
{
    const float f = floorf(v);
    const float diff = v - f;
    if (diff < 0.5f || (diff == 0.5f && fmodf(f, 2.0f) == 0.0f)) {
        return f;
    }
    return f + 1.0f;
}

void tslm_unary_f32(int32_t n, int32_t op, const float *input, float *output)
{
    for (int32_t i = 0; i < n; ++i) {
        const float x = input[i];
        float y;
        switch (op) {
        case TSLM_F_ABS: y = fabsf(x); break;
        case TSLM_F_NEG: y = -x; break;
        case TSLM_F_FLOOR: y = floorf(x); break;
        case TSLM_F_CEIL: y = ceilf(x); break;
        case TSLM_F_ROUND: y = tslm_round_half_even(x); break;
        case TSLM_F_SQRT: y = sqrtf(x); break;
        case TSLM_F_SQUARE: y = x * x; break;
        case TSLM_F_EXP: y = expf(x); break;
        case TSLM_F_LOG: y = logf(x); break;
        case TSLM_F_SIN: y = sinf(x); break;
        case TSLM_F_COS: y = cosf(x); break;
        case TSLM_F_RELU: y = x < 0.0f ? 0.0f : x; break;
        case TSLM_F_RELU6: y = x > 6.0f ? 6.0f : (x < 0.0f ? 0.0f : x); break;
        case TSLM_F_LOGISTIC: /* TFLM's cut-offs: 1 above, exp(x) below */
            y = x > 16.619047164916992188f ? 1.0f : (x < -9.0f ? expf(x) : 1.0f / (1.0f + expf(-x)));
            break;
        case TSLM_F_TANH: y = tanhf(x); break;
        case TSLM_F_HARD_SWISH: { /* x * min(6, max(0, x + 3)) / 6 */
            const float r = 0.0f < x + 3.0f ? x + 3.0f : 0.0f;
            y = x * (r < 6.0f ? r : 6.0f) / 6.0f;
            break;
        }
        case TSLM_F_RSQRT: y = 1.0f / sqrtf(x); break;
        default: y = x < 0.0f ? expm1f(x) : x; break; /* ELU, alpha 1 */
        }
        output[i] = y;
    }
}

void tslm_add_n_f32(int32_t n, int32_t count, const void *const inputs[], float *output)
{
    for (int32_t i = 0; i < n; ++i) {
        float acc = 0.0f; /* as TFLM: from zero, so -0 + -0 sums to +0 */
        for (int32_t k = 0; k < count; ++k) {
            acc += ((const float *)inputs[k])[i];
        }
        output[i] = acc;
    }
}

void tslm_cumsum_f32(const tslm_cumsum_params *p, const float *input, float *output)
{
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->inner; ++i) {
            const size_t base = (size_t)o * (size_t)p->axis_size * (size_t)p->inner + (size_t)i;
            float acc = 0.0f;
            for (int32_t k = 0; k < p->axis_size; ++k) {
                const int32_t j = p->reverse ? p->axis_size - 1 - k : k;
                const size_t at = base + (size_t)j * (size_t)p->inner;
                if (p->exclusive) {
                    output[at] = acc;
                    acc += input[at];
                } else {
                    acc += input[at];
                    output[at] = acc;
                }
            }
        }
    }
}

void tslm_leaky_relu_f32(int32_t n, float alpha, const float *input, float *output)
{
    for (int32_t i = 0; i < n; ++i) {
        const float x = input[i];
        output[i] = x > 0.0f ? x : x * alpha;
    }
}
