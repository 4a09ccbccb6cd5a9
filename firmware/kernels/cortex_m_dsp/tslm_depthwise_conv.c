/*
 * tslm_depthwise_conv.c - DEPTHWISE_CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * With depth multiplier 1 and the input offset folded into the bias, each
 * output pixel first lists its taps (a pixel of zero points stands in for
 * taps outside the image, which then take back exactly their folded share,
 * as TFLM's skip does); four channels then move together: one 32-bit load of
 * input and of weights per tap, SXTB16 splits them into the (c0, c2) and
 * (c1, c3) int16 pairs, and SMLABB / SMLATT accumulate each channel on its
 * own. Anything else takes the plain loop.
 * scratch: [cache_rows * input_w * input_c in-place row ring] + input_c bytes (the zero-point pixel).
 */
#include "tslm_depthwise_conv.h"
#include "tslm_simd.h"

TSLM_ALWAYS_INLINE int8_t finish(const tslm_depthwise_conv_params *p, int32_t acc, const int32_t *bias, int32_t oc)
{
    if (bias != NULL) {
        acc += bias[oc];
    }
    acc = tslm_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
}

static void generic(const tslm_depthwise_conv_params *p, const int8_t *in_b, const int8_t *scratch,
                    const int8_t *weights, const int32_t *bias, int32_t oy, int32_t ox, int32_t c_begin, int8_t *out)
{
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    const int32_t x0 = ox * p->stride_w - p->pad_w;
    const int32_t x_offset = p->bias_folded ? 0 : p->input_offset;
    for (int32_t ic = c_begin; ic < p->input_c; ++ic) {
        for (int32_t m = 0; m < p->depth_multiplier; ++m) {
            const int32_t oc = ic * p->depth_multiplier + m;
            int32_t acc = 0;
            for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                const int32_t iy = y0 + p->dilation_h * fy;
                for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                    const int32_t ix = x0 + p->dilation_w * fx;
                    const int32_t w = weights[(fy * p->filter_w + fx) * p->output_c + oc];
                    if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                        acc -= p->bias_folded ? w * p->input_offset : 0;
                        continue;
                    }
                    acc += w * (tslm_dw_row(p, in_b, scratch, iy, oy)[ix * p->input_c + ic] + x_offset);
                }
            }
            out[oc] = finish(p, acc, bias, oc);
        }
    }
}

#define MAX_TAPS 64

void tslm_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    const int32_t C = p->input_c;
    const int32_t taps = p->filter_h * p->filter_w;
    if (p->depth_multiplier != 1 || !p->bias_folded || scratch == NULL || taps > MAX_TAPS) {
        for (int32_t b = 0; b < p->batches; ++b) { /* the plain loop, as TFLM */
            const int8_t *in_b = input + b * p->input_h * p->input_w * C;
            for (int32_t oy = 0; oy < p->output_h; ++oy) {
                tslm_dw_save_row(p, in_b, scratch, oy);
                for (int32_t ox = 0; ox < p->output_w; ++ox) {
                    generic(p, in_b, scratch, weights, bias, oy, ox, 0,
                            output + ((b * p->output_h + oy) * p->output_w + ox) * p->output_c);
                }
            }
        }
        return;
    }
    /* Taps outside the image read a pixel of zero points: with the offset folded into the
     * bias, weight x zero_point takes back exactly that tap's share (TFLM skips the tap). */
    int8_t *pad = scratch + p->cache_rows * p->input_w * C;
    for (int32_t c = 0; c < C; ++c) {
        pad[c] = (int8_t)(-p->input_offset);
    }
    const int32_t c4 = C & ~3;
    const int8_t *tap[MAX_TAPS];
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            tslm_dw_save_row(p, in_b, scratch, oy);
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t t = 0;
                for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                    const int32_t iy = y0 + p->dilation_h * fy;
                    const int8_t *row = (iy >= 0 && iy < p->input_h) ? tslm_dw_row(p, in_b, scratch, iy, oy) : NULL;
                    for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                        const int32_t ix = x0 + p->dilation_w * fx;
                        tap[t++] = (row != NULL && ix >= 0 && ix < p->input_w) ? row + ix * C : pad;
                    }
                }
                int8_t *out = output + ((b * p->output_h + oy) * p->output_w + ox) * C;
                for (int32_t c = 0; c < c4; c += 4) {
                    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                    const int8_t *w = weights + c;
                    for (int32_t k = 0; k < taps; ++k, w += C) {
                        const int32_t x = tslm_read32(tap[k] + c);
                        const int32_t wv = tslm_read32(w);
                        const int32_t x02 = tslm_sxtb16(x), x13 = tslm_sxtb16_ror8(x);
                        const int32_t w02 = tslm_sxtb16(wv), w13 = tslm_sxtb16_ror8(wv);
                        a0 = tslm_smlabb(x02, w02, a0);
                        a2 = tslm_smlatt(x02, w02, a2);
                        a1 = tslm_smlabb(x13, w13, a1);
                        a3 = tslm_smlatt(x13, w13, a3);
                    }
                    out[c] = finish(p, a0, bias, c);
                    out[c + 1] = finish(p, a1, bias, c + 1);
                    out[c + 2] = finish(p, a2, bias, c + 2);
                    out[c + 3] = finish(p, a3, bias, c + 3);
                }
                for (int32_t c = c4; c < C; ++c) { /* channels past the last group of four */
                    int32_t acc = 0;
                    for (int32_t k = 0; k < taps; ++k) {
                        acc += weights[k * C + c] * tap[k][c];
                    }
                    out[c] = finish(p, acc, bias, c);
                }
            }
        }
    }
}
