/*
 * tslm_conv.c - CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * The compiler folds the input offset into the bias (bias_folded), so the
 * kernel works on raw int8: im2col copies the receptive fields of two output
 * pixels into scratch, writing the input zero point (-input_offset) where the
 * window leaves the image (its folded offset then cancels, as TFLM's skip
 * does), and widens each group of four bytes once into the two int16 pairs
 * SXTB16 gives, (x0, x2) and (x1, x3). Each pair of output channels is then a
 * 2x2 block of dot products over K = filter_h * filter_w * filter_c: one load
 * and two SXTB16 per four weights, SMLAD for two MACs at a time.
 * Weights: the compiler interleaves each pair of output channels of a group,
 * four bytes of one, four of the other (one LDRD fetches both), the K % 4
 * last bytes of each row after that; an odd last channel keeps its row.
 * Because both pixels are copied before any output is written, a 1x1 stride-1
 * convolution whose output is no wider than its input may run in place.
 * scratch: 2 * K int16 values (widened columns) + 2 * K int8 values (the gathered bytes).
 */
#include <string.h>

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

TSLM_ALWAYS_INLINE int8_t finish(const tslm_conv_params *p, int32_t acc, const int32_t *bias, int32_t oc)
{
    if (bias != NULL) {
        acc += bias[oc];
    }
    acc = tslm_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
}

/* sum over k of w[k] * col[k] */
TSLM_ALWAYS_INLINE int32_t dot(const int8_t *w, const int8_t *col, int32_t k_all)
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

/* Bytes of a column, four at a time, into SXTB16 order: words (x0, x2), (x1, x3). */
static void widen(const int8_t *col, int32_t k4, int16_t *wide)
{
    for (int32_t k = 0; k < k4; k += 4) {
        const int32_t v = tslm_read32(col + k);
        const int32_t lo = tslm_sxtb16(v), hi = tslm_sxtb16_ror8(v);
        memcpy(wide + k, &lo, sizeof(lo));
        memcpy(wide + k + 2, &hi, sizeof(hi));
    }
}

/* Output channels [oc_begin, oc_end) of pixel col0 (and col1 unless NULL); wide0/wide1 are the
 * columns widened by widen(), the int8 columns serve the last K % 4 values. */
static void channels(const tslm_conv_params *p, const int8_t *weights, const int32_t *bias, const int8_t *col0,
                     const int8_t *col1, const int16_t *wide0, const int16_t *wide1, int32_t oc_begin,
                     int32_t oc_end, int8_t *out0, int8_t *out1)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c;
    const int32_t k4 = k_all & ~3;
    int32_t oc = oc_begin;
    if (col1 != NULL) {
        for (; oc + 2 <= oc_end; oc += 2) {
            const int8_t *w = weights + oc * k_all; /* the pair, interleaved by fours */
            int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0; /* a<pixel><channel> */
            const int16_t *x0 = wide0, *x1 = wide1;
            for (const int8_t *end = w + 2 * k4; w < end; w += 8, x0 += 4, x1 += 4) {
                const int32_t wa = tslm_read32(w), wb = tslm_read32(w + 4);
                int32_t x0v = tslm_read32(x0), x1v = tslm_read32(x1);
                int32_t t = tslm_sxtb16(wa);
                a00 = tslm_smlad(t, x0v, a00);
                a10 = tslm_smlad(t, x1v, a10);
                t = tslm_sxtb16(wb);
                a01 = tslm_smlad(t, x0v, a01);
                a11 = tslm_smlad(t, x1v, a11);
                x0v = tslm_read32(x0 + 2);
                x1v = tslm_read32(x1 + 2);
                t = tslm_sxtb16_ror8(wa);
                a00 = tslm_smlad(t, x0v, a00);
                a10 = tslm_smlad(t, x1v, a10);
                t = tslm_sxtb16_ror8(wb);
                a01 = tslm_smlad(t, x0v, a01);
                a11 = tslm_smlad(t, x1v, a11);
            }
            const int8_t *t0 = weights + oc * k_all + 2 * k4, *t1 = t0 + (k_all - k4); /* row tails */
            for (int32_t k = k4; k < k_all; ++k) {
                a00 += t0[k - k4] * col0[k];
                a01 += t1[k - k4] * col0[k];
                a10 += t0[k - k4] * col1[k];
                a11 += t1[k - k4] * col1[k];
            }
            out0[oc] = finish(p, a00, bias, oc);
            out0[oc + 1] = finish(p, a01, bias, oc + 1);
            out1[oc] = finish(p, a10, bias, oc);
            out1[oc + 1] = finish(p, a11, bias, oc + 1);
        }
    }
    for (; oc + 2 <= oc_end; oc += 2) { /* one pixel left: a pair of channels, interleaved weights */
        const int8_t *w = weights + oc * k_all;
        int32_t a0 = 0, a1 = 0;
        for (int32_t k = 0; k < k4; k += 4, w += 8) {
            const int32_t x01 = tslm_read32(wide0 + k), x23 = tslm_read32(wide0 + k + 2);
            const int32_t wa = tslm_read32(w), wb = tslm_read32(w + 4);
            a0 = tslm_smlad(tslm_sxtb16_ror8(wa), x23, tslm_smlad(tslm_sxtb16(wa), x01, a0));
            a1 = tslm_smlad(tslm_sxtb16_ror8(wb), x23, tslm_smlad(tslm_sxtb16(wb), x01, a1));
        }
        const int8_t *t0 = weights + oc * k_all + 2 * k4, *t1 = t0 + (k_all - k4);
        for (int32_t k = k4; k < k_all; ++k) {
            a0 += t0[k - k4] * col0[k];
            a1 += t1[k - k4] * col0[k];
        }
        out0[oc] = finish(p, a0, bias, oc);
        out0[oc + 1] = finish(p, a1, bias, oc + 1);
    }
    if (oc < oc_end) { /* an odd last channel: its row as it is */
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
    int16_t *wide0 = scratch;
    int16_t *wide1 = scratch + k_all;
    int8_t *col0 = (int8_t *)(scratch + 2 * k_all);
    int8_t *col1 = col0 + k_all;
    const int32_t pixels = p->output_h * p->output_w;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out_b = output + b * pixels * p->output_c;
        for (int32_t px = 0; px < pixels; px += 2) {
            const int32_t two = px + 1 < pixels;
            for (int32_t g = 0; g < groups; ++g) {
                im2col(p, in_b, px, g, col0);
                widen(col0, k_all & ~3, wide0);
                if (two) {
                    im2col(p, in_b, px + 1, g, col1);
                    widen(col1, k_all & ~3, wide1);
                }
                channels(p, weights, bias, col0, two ? col1 : NULL, wide0, wide1, g * per_group,
                         (g + 1) * per_group, out_b + px * p->output_c, two ? out_b + (px + 1) * p->output_c : NULL);
            }
        }
    }
}
