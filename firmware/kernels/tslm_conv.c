/* tslm_conv.c - portable C99 CONV_2D (int8), the direct loop TFLM's reference uses. */
#include <string.h>

#include "tslm_conv.h"

void tslm_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                  const int32_t *bias, int8_t *output, int16_t *scratch)
{
    const int32_t groups = p->input_c / p->filter_c;
    const int32_t filters_per_group = p->output_c / groups;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    const int32_t group = oc / filters_per_group;
                    if (p->in_place && oc == 0) { /* keep this pixel before its outputs overwrite it */
                        memcpy(scratch, in_b + (y0 * p->input_w + x0) * p->input_c, (size_t)p->input_c);
                    }
                    const int8_t *w_oc = weights + oc * p->filter_h * p->filter_w * p->filter_c;
                    const int32_t x_offset = p->bias_folded ? 0 : p->input_offset;
                    int32_t acc = 0;
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            const int8_t *w = w_oc + (fy * p->filter_w + fx) * p->filter_c;
                            if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                                if (p->bias_folded) { /* take back the folded offset of a skipped tap */
                                    for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                                        acc -= (int32_t)w[ic] * p->input_offset;
                                    }
                                }
                                continue;
                            }
                            const int8_t *x = p->in_place ? (const int8_t *)scratch + group * p->filter_c
                                                          : in_b + (iy * p->input_w + ix) * p->input_c + group * p->filter_c;
                            for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                                acc += (int32_t)w[ic] * ((int32_t)x[ic] + x_offset);
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    acc = tslm_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    *out++ = (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tslm_conv_s16(const tslm_conv_s16_params *p, const int16_t *input, const int8_t *weights,
                   const int64_t *bias, int16_t *output)
{
    const int32_t per_group = p->output_c / (p->input_c / p->filter_c);
    int16_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    const int32_t c0 = (oc / per_group) * p->filter_c;
                    int64_t acc = 0;
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        if (iy < 0 || iy >= p->input_h) {
                            continue;
                        }
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            if (ix < 0 || ix >= p->input_w) {
                                continue;
                            }
                            const int16_t *x = in_b + (iy * p->input_w + ix) * p->input_c + c0;
                            const int8_t *w = weights + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->filter_c;
                            for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                                acc += (int32_t)w[ic] * (int32_t)x[ic];
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    const int32_t v = tslm_requantize_acc(acc, p->multiplier[oc], p->shift[oc], p->acc32);
                    *out++ = (int16_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}

int32_t tslm_conv_s8_get_buffer_size(const tslm_conv_params *p)
{
    return p->in_place ? p->input_c : 0;
}

void tslm_conv_f32(const tslm_conv_f32_params *p, const float *input, const float *weights, const float *bias,
                   float *output)
{
    const int32_t per_group = p->output_c / (p->input_c / p->filter_c);
    float *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    const int32_t c0 = (oc / per_group) * p->filter_c;
                    float total = 0.0f;
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        if (iy < 0 || iy >= p->input_h) {
                            continue;
                        }
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            if (ix < 0 || ix >= p->input_w) {
                                continue;
                            }
                            const float *x = in_b + (iy * p->input_w + ix) * p->input_c + c0;
                            const float *w = weights + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->filter_c;
                            for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                                total += x[ic] * w[ic];
                            }
                        }
                    }
                    const float bias_value = bias != NULL ? bias[oc] : 0.0f;
                    *out++ = tslm_activation_f32(total + bias_value, p->activation);
                }
            }
        }
    }
}
