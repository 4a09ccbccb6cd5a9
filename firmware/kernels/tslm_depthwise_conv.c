/* tslm_depthwise_conv.c - portable C99 DEPTHWISE_CONV_2D (int8). */
#include "tslm_depthwise_conv.h"

void tslm_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            tslm_dw_save_row(p, in_b, scratch, oy);
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t ic = 0; ic < p->input_c; ++ic) {
                    for (int32_t m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = ic * p->depth_multiplier + m;
                        const int32_t x_offset = p->bias_folded ? 0 : p->input_offset;
                        int32_t acc = 0;
                        for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                            const int32_t iy = y0 + p->dilation_h * fy;
                            for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                                const int32_t ix = x0 + p->dilation_w * fx;
                                const int32_t w = weights[(fy * p->filter_w + fx) * p->output_c + oc];
                                if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                                    acc -= p->bias_folded ? w * p->input_offset : 0; /* skipped tap */
                                    continue;
                                }
                                const int32_t x = tslm_dw_row(p, in_b, scratch, iy, oy)[ix * p->input_c + ic];
                                acc += w * (x + x_offset);
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
}

void tslm_depthwise_conv_s16(const tslm_depthwise_conv_s16_params *p, const int16_t *input,
                             const int8_t *weights, const int64_t *bias, int16_t *output)
{
    int16_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    const int32_t ic = oc / p->depth_multiplier;
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
                            const int32_t w = weights[(fy * p->filter_w + fx) * p->output_c + oc];
                            acc += (int64_t)w * in_b[(iy * p->input_w + ix) * p->input_c + ic];
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    const int32_t v = tslm_requantize64(acc, p->multiplier[oc], p->shift[oc]);
                    *out++ = (int16_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}

int32_t tslm_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return p->cache_rows * p->input_w * p->input_c;
}

void tslm_depthwise_conv_f32(const tslm_depthwise_conv_f32_params *p, const float *input, const float *weights,
                             const float *bias, float *output)
{
    float *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    const int32_t ic = oc / p->depth_multiplier;
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
                            total += in_b[(iy * p->input_w + ix) * p->input_c + ic]
                                     * weights[(fy * p->filter_w + fx) * p->output_c + oc];
                        }
                    }
                    const float bias_value = bias != NULL ? bias[oc] : 0.0f;
                    *out++ = tslm_activation_f32(total + bias_value, p->activation);
                }
            }
        }
    }
}
