/*
 * tslm_conv.c - CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * im2col: two output pixels at a time, their receptive fields are copied into
 * scratch as int16 (+ input offset; 0 where the window leaves the image, which
 * is exactly TFLM's "skip"), then each pair of output channels is a 2x2 block
 * of dot products over K = filter_h * filter_w * filter_c with SMLAD.
 * Weights arrive reordered (w0 w2 w1 w3 per group of four, see README.md).
 * scratch: 2 * filter_h * filter_w * filter_c int16 values.
 */
#include "tslm_conv.h"
#include "tslm_simd.h"

/* Receptive field of output pixel (oy, ox), channels of `group`, as int16. */
static void im2col(const tslm_conv_params *p, const int8_t *in_b, int32_t oy, int32_t ox, int32_t group,
                   int16_t *col)
{
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    const int32_t x0 = ox * p->stride_w - p->pad_w;
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                for (int32_t c = 0; c < p->filter_c; ++c) {
                    *col++ = 0;
                }
                continue;
            }
            const int8_t *x = in_b + (iy * p->input_w + ix) * p->input_c + group * p->filter_c;
            for (int32_t c = 0; c < p->filter_c; ++c) {
                *col++ = (int16_t)((int32_t)x[c] + p->input_offset);
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

/* Output channels [oc_begin, oc_end) of one or two pixels (col1 may be NULL). */
static void channels(const tslm_conv_params *p, const int8_t *weights, const int32_t *bias, const int16_t *col0,
                     const int16_t *col1, int32_t oc_begin, int32_t oc_end, int8_t *out0, int8_t *out1)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c;
    const int32_t k4 = k_all & ~3;
    int32_t oc = oc_begin;
    for (; oc + 2 <= oc_end; oc += 2) {
        const int8_t *w0 = weights + oc * k_all;
        const int8_t *w1 = w0 + k_all;
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0; /* a<pixel><channel> */
        int32_t k = 0;
        if (col1 != NULL) {
            for (; k < k4; k += 4) {
                const int32_t wa = tslm_read32(w0 + k);
                const int32_t wb = tslm_read32(w1 + k);
                const int32_t wa01 = tslm_sxtb16(wa), wa23 = tslm_sxtb16_ror8(wa);
                const int32_t wb01 = tslm_sxtb16(wb), wb23 = tslm_sxtb16_ror8(wb);
                const int32_t x01 = tslm_read32(col0 + k), x23 = tslm_read32(col0 + k + 2);
                const int32_t y01 = tslm_read32(col1 + k), y23 = tslm_read32(col1 + k + 2);
                a00 = tslm_smlad(wa23, x23, tslm_smlad(wa01, x01, a00));
                a01 = tslm_smlad(wb23, x23, tslm_smlad(wb01, x01, a01));
                a10 = tslm_smlad(wa23, y23, tslm_smlad(wa01, y01, a10));
                a11 = tslm_smlad(wb23, y23, tslm_smlad(wb01, y01, a11));
            }
            for (; k < k_all; ++k) {
                a00 += w0[k] * col0[k];
                a01 += w1[k] * col0[k];
                a10 += w0[k] * col1[k];
                a11 += w1[k] * col1[k];
            }
            out1[oc] = finish(p, a10, bias, oc);
            out1[oc + 1] = finish(p, a11, bias, oc + 1);
        } else {
            for (; k < k4; k += 4) {
                const int32_t wa = tslm_read32(w0 + k);
                const int32_t wb = tslm_read32(w1 + k);
                const int32_t x01 = tslm_read32(col0 + k), x23 = tslm_read32(col0 + k + 2);
                a00 = tslm_smlad(tslm_sxtb16_ror8(wa), x23, tslm_smlad(tslm_sxtb16(wa), x01, a00));
                a01 = tslm_smlad(tslm_sxtb16_ror8(wb), x23, tslm_smlad(tslm_sxtb16(wb), x01, a01));
            }
            for (; k < k_all; ++k) {
                a00 += w0[k] * col0[k];
                a01 += w1[k] * col0[k];
            }
        }
        out0[oc] = finish(p, a00, bias, oc);
        out0[oc + 1] = finish(p, a01, bias, oc + 1);
    }
    for (; oc < oc_end; ++oc) { /* odd channel count */
        const int8_t *w0 = weights + oc * k_all;
        int32_t a0 = 0, a1 = 0;
        for (int32_t k = 0; k < k4; k += 4) {
            const int32_t wa = tslm_read32(w0 + k);
            const int32_t w01 = tslm_sxtb16(wa), w23 = tslm_sxtb16_ror8(wa);
            a0 = tslm_smlad(w23, tslm_read32(col0 + k + 2), tslm_smlad(w01, tslm_read32(col0 + k), a0));
            if (col1 != NULL) {
                a1 = tslm_smlad(w23, tslm_read32(col1 + k + 2), tslm_smlad(w01, tslm_read32(col1 + k), a1));
            }
        }
        for (int32_t k = k4; k < k_all; ++k) {
            a0 += w0[k] * col0[k];
            if (col1 != NULL) {
                a1 += w0[k] * col1[k];
            }
        }
        out0[oc] = finish(p, a0, bias, oc);
        if (col1 != NULL) {
            out1[oc] = finish(p, a1, bias, oc);
        }
    }
}

void tslm_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                  const int32_t *bias, int8_t *output, int16_t *scratch)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c;
    const int32_t groups = p->input_c / p->filter_c;
    const int32_t per_group = p->output_c / groups;
    int16_t *col0 = scratch;
    int16_t *col1 = scratch + k_all;
    const int32_t pixels = p->output_h * p->output_w;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out_b = output + b * pixels * p->output_c;
        for (int32_t px = 0; px < pixels; px += 2) {
            const int32_t two = px + 1 < pixels;
            for (int32_t g = 0; g < groups; ++g) {
                im2col(p, in_b, px / p->output_w, px % p->output_w, g, col0);
                if (two) {
                    im2col(p, in_b, (px + 1) / p->output_w, (px + 1) % p->output_w, g, col1);
                }
                channels(p, weights, bias, col0, two ? col1 : NULL, g * per_group, (g + 1) * per_group,
                         out_b + px * p->output_c, two ? out_b + (px + 1) * p->output_c : NULL);
            }
        }
    }
}
