/*
 * tslm_depthwise_conv.c - DEPTHWISE_CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * With depth multiplier 1, four channels move together: one 32-bit load of
 * input and of weights per tap, SXTB16 splits them into the (c0, c2) and
 * (c1, c3) int16 pairs, and SMLABB / SMLATT accumulate each channel on its
 * own. The compiler folds the input offset into the bias (bias_folded); a tap
 * outside the image then takes its folded share back (TFLM skips such taps).
 * Without folding, SADD16 adds the offset to both lanes. Other depth
 * multipliers take the plain loop.
 * No scratch.
 */
#include "tslm_depthwise_conv.h"
#include "tslm_simd.h"

static int8_t finish(const tslm_depthwise_conv_params *p, int32_t acc, const int32_t *bias, int32_t oc)
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

void tslm_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    const int32_t c4 = p->depth_multiplier == 1 ? (p->input_c & ~3) : 0;
    /* input_offset in both int16 lanes; added to inputs unless folded, and
     * subtracted for skipped taps when folded */
    const int32_t offset2 = (int32_t)(((uint32_t)p->input_offset & 0xFFFFu) * 0x10001u);
    const int32_t neg_offset2 = (int32_t)(((uint32_t)(-p->input_offset) & 0xFFFFu) * 0x10001u);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            tslm_dw_save_row(p, in_b, scratch, oy);
            for (int32_t ox = 0; ox < p->output_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->output_h + oy) * p->output_w + ox) * p->output_c;
                for (int32_t c = 0; c < c4; c += 4) {
                    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            const int32_t w = tslm_read32(weights + (fy * p->filter_w + fx) * p->output_c + c);
                            const int32_t w02 = tslm_sxtb16(w);
                            const int32_t w13 = tslm_sxtb16_ror8(w);
                            int32_t x02, x13;
                            if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
                                if (!p->bias_folded) {
                                    continue;
                                }
                                x02 = x13 = neg_offset2; /* take back the folded offset */
                            } else {
                                const int32_t x = tslm_read32(tslm_dw_row(p, in_b, scratch, iy, oy) + ix * p->input_c + c);
                                x02 = tslm_sxtb16(x);
                                x13 = tslm_sxtb16_ror8(x);
                                if (!p->bias_folded) {
                                    x02 = tslm_sadd16(x02, offset2);
                                    x13 = tslm_sadd16(x13, offset2);
                                }
                            }
                            a0 = tslm_smlabb(x02, w02, a0);
                            a2 = tslm_smlatt(x02, w02, a2);
                            a1 = tslm_smlabb(x13, w13, a1);
                            a3 = tslm_smlatt(x13, w13, a3);
                        }
                    }
                    out[c] = finish(p, a0, bias, c);
                    out[c + 1] = finish(p, a1, bias, c + 1);
                    out[c + 2] = finish(p, a2, bias, c + 2);
                    out[c + 3] = finish(p, a3, bias, c + 3);
                }
                generic(p, in_b, scratch, weights, bias, oy, ox, c4, out);
            }
        }
    }
}
