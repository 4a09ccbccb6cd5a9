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

void tslm_l2_pool_f32(const tslm_l2_pool_params *p, const float *input, float *output)
{
    static const float lo[4] = {-3.40282347e38f, 0.0f, 0.0f, -1.0f};
    static const float hi[4] = {3.40282347e38f, 3.40282347e38f, 6.0f, 1.0f};
    const int a = p->activation >= 0 && p->activation < 4 ? p->activation : 0;
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fy0 = y0 < 0 ? -y0 : 0;
                const int32_t fy1 = p->filter_h < p->input_h - y0 ? p->filter_h : p->input_h - y0;
                const int32_t fx0 = x0 < 0 ? -x0 : 0;
                const int32_t fx1 = p->filter_w < p->input_w - x0 ? p->filter_w : p->input_w - x0;
                for (int32_t c = 0; c < p->channels; ++c) {
                    float sum = 0.0f;
                    int32_t count = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            const float v = input[(((size_t)b * (size_t)p->input_h + (size_t)(y0 + fy)) * (size_t)p->input_w +
                                                   (size_t)(x0 + fx)) * (size_t)p->channels + (size_t)c];
                            sum += v * v;
                            ++count;
                        }
                    }
                    float r = sqrtf(sum / (float)count);
                    r = r < lo[a] ? lo[a] : r;
                    r = r > hi[a] ? hi[a] : r;
                    output[(((size_t)b * (size_t)p->output_h + (size_t)oy) * (size_t)p->output_w + (size_t)ox) *
                           (size_t)p->channels + (size_t)c] = r;
                }
            }
        }
    }
}
