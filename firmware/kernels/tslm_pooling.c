/* tslm_pooling.c - portable C99 pooling (int8, int16, float32). */
#include <math.h>

#include "tslm_pooling.h"

void tslm_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->channels;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0);
                for (int32_t c = 0; c < p->channels; ++c) {
                    int32_t acc = 0;
                    for (int32_t y = y0; y < y1; ++y) {
                        for (int32_t x = x0; x < x1; ++x) {
                            acc += in_b[(y * p->input_w + x) * p->channels + c];
                        }
                    }
                    if (count > 0) {
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *out++ = (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tslm_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->channels;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                for (int32_t c = 0; c < p->channels; ++c) {
                    int32_t m = -128;
                    for (int32_t y = y0; y < y1; ++y) {
                        for (int32_t x = x0; x < x1; ++x) {
                            m = tslm_max_i32(m, in_b[(y * p->input_w + x) * p->channels + c]);
                        }
                    }
                    *out++ = (int8_t)tslm_clamp_i32(m, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tslm_avg_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output)
{
    int16_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + b * p->input_h * p->input_w * p->channels;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0);
                for (int32_t c = 0; c < p->channels; ++c) {
                    int32_t acc = 0;
                    for (int32_t y = y0; y < y1; ++y) {
                        for (int32_t x = x0; x < x1; ++x) {
                            acc += in_b[(y * p->input_w + x) * p->channels + c];
                        }
                    }
                    if (count > 0) {
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *out++ = (int16_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tslm_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output)
{
    int16_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + b * p->input_h * p->input_w * p->channels;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                for (int32_t c = 0; c < p->channels; ++c) {
                    int32_t m = INT16_MIN;
                    for (int32_t y = y0; y < y1; ++y) {
                        for (int32_t x = x0; x < x1; ++x) {
                            m = tslm_max_i32(m, in_b[(y * p->input_w + x) * p->channels + c]);
                        }
                    }
                    *out++ = (int16_t)tslm_clamp_i32(m, p->act_min, p->act_max);
                }
            }
        }
    }
}

enum { TSLM_POOL_AVG, TSLM_POOL_MAX, TSLM_POOL_L2 };

/* One float32 pooling walk; `kind` is a constant in each caller, so each gets its own loop. */
TSLM_ALWAYS_INLINE void pool_f32(const tslm_pool_f32_params *p, const float *input, float *output, const int kind)
{
    float *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->input_h * p->input_w * p->channels;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = y0 < 0 ? -y0 : 0;
            const int32_t fy1 = p->filter_h < p->input_h - y0 ? p->filter_h : p->input_h - y0;
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = x0 < 0 ? -x0 : 0;
                const int32_t fx1 = p->filter_w < p->input_w - x0 ? p->filter_w : p->input_w - x0;
                for (int32_t c = 0; c < p->channels; ++c) {
                    float acc = kind == TSLM_POOL_MAX ? -FLT_MAX : 0.0f;
                    int32_t count = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            const float v = in_b[((y0 + fy) * p->input_w + x0 + fx) * p->channels + c];
                            if (kind == TSLM_POOL_MAX) {
                                acc = acc < v ? v : acc; /* std::max(acc, v) */
                            } else {
                                acc += kind == TSLM_POOL_L2 ? v * v : v;
                            }
                            ++count;
                        }
                    }
                    const float r = kind == TSLM_POOL_MAX ? acc
                                  : kind == TSLM_POOL_L2 ? sqrtf(acc / (float)count) : acc / (float)count;
                    *out++ = tslm_activation_f32(r, p->activation);
                }
            }
        }
    }
}

void tslm_avg_pool_f32(const tslm_pool_f32_params *p, const float *input, float *output)
{
    pool_f32(p, input, output, TSLM_POOL_AVG);
}

void tslm_max_pool_f32(const tslm_pool_f32_params *p, const float *input, float *output)
{
    pool_f32(p, input, output, TSLM_POOL_MAX);
}

void tslm_l2_pool_f32(const tslm_pool_f32_params *p, const float *input, float *output)
{
    pool_f32(p, input, output, TSLM_POOL_L2);
}
