/*
 * tslm_conv.c - CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * The compiler folds the input offset into the bias (bias_folded), so the
 * kernel works on raw int8: im2col copies the receptive fields of two output
 * pixels into scratch, writing the input zero point (-input_offset) where the
 * window leaves the image (its folded offset then cancels, as TFLM's skip
 * does), and each pair of output channels is a 2x2 block of dot products over
 * K = filter_h * filter_w * filter_c: SXTB16 on 32-bit loads of columns and
 * weights, SMLAD for two MACs at a time.
 * Because both pixels are copied before any output is written, a 1x1 stride-1
 * convolution whose output is no wider than its input may run in place.
 * scratch: 2 * K int8 values (given as int16_t *, so K int16).
 */
#include "tslm_conv.h"
#include "tslm_simd.h"

static void im2col(const tslm_conv_params *p, const int8_t *in_b, int32_t pixel, int32_t group, int8_t *col)
{
    const int32_t y0 = (pixel / p->output_w) * p->stride_h - p->pad_h;
    const int32_t x0 = (pixel % p->output_w) * p->stride_w - p->pad_w;
    const int8_t zero_point = (int8_t)(-p->input_offset);
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                for (int32_t c = 0; c < p->filter_c; ++c) {
                    *col++ = zero_point;
                }
                continue;
            }
            const int8_t *x = in_b + (iy * p->input_w + ix) * p->input_c + group * p->filter_c;
            for (int32_t c = 0; c < p->filter_c; ++c) {
                *col++ = x[c];
            }
        }
    }
}

static int8_t finish(const tslm_conv_params *p, int32_t acc, const int32_t *bias, int32_t oc)
{
    if (bias != NULL) {
        acc += bias[oc];
    }
    acc = tslm_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
}

/* sum over k of w[k] * col[k] */
static int32_t dot(const int8_t *w, const int8_t *col, int32_t k_all)
{
    int32_t acc = 0;
    int32_t k = 0;
    for (; k + 4 <= k_all; k += 4) {
        const int32_t wv = tslm_read32(w + k), xv = tslm_read32(col + k);
        acc = tslm_smlad(tslm_sxtb16(wv), tslm_sxtb16(xv), acc);
        acc = tslm_smlad(tslm_sxtb16_ror8(wv), tslm_sxtb16_ror8(xv), acc);
    }
    for (; k < k_all; ++k) {
        acc += w[k] * col[k];
    }
    return acc;
}

/* Output channels [oc_begin, oc_end) of pixel col0 (and col1 unless NULL). */
static void channels(const tslm_conv_params *p, const int8_t *weights, const int32_t *bias, const int8_t *col0,
                     const int8_t *col1, int32_t oc_begin, int32_t oc_end, int8_t *out0, int8_t *out1)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c;
    const int32_t k4 = k_all & ~3;
    int32_t oc = oc_begin;
    if (col1 != NULL) {
        for (; oc + 2 <= oc_end; oc += 2) {
            const int8_t *w0 = weights + oc * k_all;
            const int8_t *w1 = w0 + k_all;
            int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0; /* a<pixel><channel> */
            int32_t k = 0;
            for (; k < k4; k += 4) {
                const int32_t wa = tslm_read32(w0 + k), wb = tslm_read32(w1 + k);
                const int32_t xa = tslm_read32(col0 + k), xb = tslm_read32(col1 + k);
                const int32_t wa02 = tslm_sxtb16(wa), wa13 = tslm_sxtb16_ror8(wa);
                const int32_t wb02 = tslm_sxtb16(wb), wb13 = tslm_sxtb16_ror8(wb);
                const int32_t xa02 = tslm_sxtb16(xa), xa13 = tslm_sxtb16_ror8(xa);
                const int32_t xb02 = tslm_sxtb16(xb), xb13 = tslm_sxtb16_ror8(xb);
                a00 = tslm_smlad(wa13, xa13, tslm_smlad(wa02, xa02, a00));
                a01 = tslm_smlad(wb13, xa13, tslm_smlad(wb02, xa02, a01));
                a10 = tslm_smlad(wa13, xb13, tslm_smlad(wa02, xb02, a10));
                a11 = tslm_smlad(wb13, xb13, tslm_smlad(wb02, xb02, a11));
            }
            for (; k < k_all; ++k) {
                a00 += w0[k] * col0[k];
                a01 += w1[k] * col0[k];
                a10 += w0[k] * col1[k];
                a11 += w1[k] * col1[k];
            }
            out0[oc] = finish(p, a00, bias, oc);
            out0[oc + 1] = finish(p, a01, bias, oc + 1);
            out1[oc] = finish(p, a10, bias, oc);
            out1[oc + 1] = finish(p, a11, bias, oc + 1);
        }
    }
    for (; oc < oc_end; ++oc) {
        const int8_t *w = weights + oc * k_all;
        out0[oc] = finish(p, dot(w, col0, k_all), bias, oc);
        if (col1 != NULL) {
            out1[oc] = finish(p, dot(w, col1, k_all), bias, oc);
        }
    }
}

/* Without a folded bias (non-constant weights): TFLM's loop as it is. */
static void generic(const tslm_conv_params *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                    int8_t *output)
{
    const int32_t groups = p->input_c / p->filter_c;
    const int32_t per_group = p->output_c / groups;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                for (int32_t oc = 0; oc < p->output_c; ++oc) {
                    const int8_t *w_oc = weights + oc * p->filter_h * p->filter_w * p->filter_c;
                    int32_t acc = 0;
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = oy * p->stride_h - p->pad_h + p->dilation_h * fy;
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = ox * p->stride_w - p->pad_w + p->dilation_w * fx;
                            if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                                continue;
                            }
                            const int8_t *x = in_b + (iy * p->input_w + ix) * p->input_c + (oc / per_group) * p->filter_c;
                            const int8_t *w = w_oc + (fy * p->filter_w + fx) * p->filter_c;
                            for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                                acc += (int32_t)w[ic] * ((int32_t)x[ic] + p->input_offset);
                            }
                        }
                    }
                    *out++ = finish(p, acc, bias, oc);
                }
            }
        }
    }
}

void tslm_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                  const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (!p->bias_folded || scratch == NULL) {
        generic(p, input, weights, bias, output);
        return;
    }
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c;
    const int32_t groups = p->input_c / p->filter_c;
    const int32_t per_group = p->output_c / groups;
    int8_t *col0 = (int8_t *)scratch;
    int8_t *col1 = col0 + k_all;
    const int32_t pixels = p->output_h * p->output_w;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out_b = output + b * pixels * p->output_c;
        for (int32_t px = 0; px < pixels; px += 2) {
            const int32_t two = px + 1 < pixels;
            for (int32_t g = 0; g < groups; ++g) {
                im2col(p, in_b, px, g, col0);
                if (two) {
                    im2col(p, in_b, px + 1, g, col1);
                }
                channels(p, weights, bias, col0, two ? col1 : NULL, g * per_group, (g + 1) * per_group,
                         out_b + px * p->output_c, two ? out_b + (px + 1) * p->output_c : NULL);
            }
        }
    }
}
