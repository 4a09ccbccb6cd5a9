/* tslm_transpose_conv.c - portable C99 TRANSPOSE_CONV (int8, int16x8, float32), TFLM's reference sums. */
#include "tslm_transpose_conv.h"

/* The input row (or column) whose tap f reaches output o, or -1 if none. */
static int32_t source(int32_t o, int32_t f, int32_t stride, int32_t pad, int32_t in_size)
{
    const int32_t t = o + pad - f;
    if (t < 0 || t % stride != 0) {
        return -1;
    }
    const int32_t i = t / stride;
    return i < in_size ? i : -1;
}

void tslm_transpose_conv_s8(const tslm_transpose_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output)
{
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    uint32_t acc = 0; /* TFLM's int32 scratch, wrapping */
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = source(oy, fy, p->stride_h, p->pad_h, p->input_h);
                        if (iy < 0) {
                            continue;
                        }
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = source(ox, fx, p->stride_w, p->pad_w, p->input_w);
                            if (ix < 0) {
                                continue;
                            }
                            const int8_t *x = in_b + (iy * p->input_w + ix) * p->input_c;
                            const int8_t *w = weights + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->input_c;
                            for (int32_t ic = 0; ic < p->input_c; ++ic) {
                                acc += (uint32_t)(((int32_t)x[ic] + p->input_offset) * (int32_t)w[ic]);
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += (uint32_t)bias[oc];
                    }
                    const int32_t v = tslm_requantize((int32_t)acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    *out++ = (int8_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tslm_transpose_conv_s16(const tslm_transpose_conv_params *p, const int16_t *input, const int8_t *weights,
                             const int64_t *bias, int16_t *output)
{
    int16_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    int64_t acc = 0;
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = source(oy, fy, p->stride_h, p->pad_h, p->input_h);
                        if (iy < 0) {
                            continue;
                        }
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = source(ox, fx, p->stride_w, p->pad_w, p->input_w);
                            if (ix < 0) {
                                continue;
                            }
                            const int16_t *x = in_b + (iy * p->input_w + ix) * p->input_c;
                            const int8_t *w = weights + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->input_c;
                            for (int32_t ic = 0; ic < p->input_c; ++ic) {
                                acc += (int32_t)x[ic] * (int32_t)w[ic];
                            }
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

void tslm_transpose_conv_f32(const tslm_transpose_conv_f32_params *p, const float *input, const float *weights,
                             const float *bias, float *output)
{
    float *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    float acc = 0.0f;
                    for (int32_t fy = p->filter_h - 1; fy >= 0; --fy) {
                        const int32_t iy = source(oy, fy, p->stride_h, p->pad_h, p->input_h);
                        if (iy < 0) {
                            continue;
                        }
                        for (int32_t fx = p->filter_w - 1; fx >= 0; --fx) {
                            const int32_t ix = source(ox, fx, p->stride_w, p->pad_w, p->input_w);
                            if (ix < 0) {
                                continue;
                            }
                            const float *x = in_b + (iy * p->input_w + ix) * p->input_c;
                            const float *w = weights + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->input_c;
                            for (int32_t ic = 0; ic < p->input_c; ++ic) {
                                acc += x[ic] * w[ic];
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    *out++ = tslm_activation_f32(acc, p->activation);
                }
            }
        }
    }
}
