/*
 * tslm_mve_depthwise_conv.c - DEPTHWISE_CONV_2D (int8, depth multiplier 1) with Helium.
 * Eight channels at a time: input and weights loaded widened to int16 (VLDRB.S16), the
 * products of the even and odd channels as int32 (VMULLB / VMULLT) added to two
 * accumulators; at the end the two halves are requantized and put back in channel order
 * by one narrowing pair (VMOVNB / VMOVNT) and one narrowing store. Weights are the model's
 * layout (filter_h x filter_w x channels). With the input offset folded into the bias
 * (bias_folded), a tap outside the image takes the zero point as its input (w * z =
 * -input_offset * w); otherwise the offset is added to each input. In place (cache_rows > 0),
 * the ring of saved input rows is the portable kernel's (tslm_dw_row). With constant weights
 * the compiler hands over the weights widened in blocks of eight channels and records of folded
 * bias, multipliers and right shifts (`requant`, below). A depth multiplier above 1 takes the
 * portable kernel.
 */
#include "tslm_mve_depthwise_conv.h"
#include "tslm_mve.h"

typedef struct {
    int32x4_t even, odd;
} acc2;

TSLM_ALWAYS_INLINE acc2 mac(acc2 a, int16x8_t x, int16x8_t w)
{
    a.even = vaddq_s32(a.even, vmullbq_int_s16(x, w));
    a.odd = vaddq_s32(a.odd, vmulltq_int_s16(x, w));
    return a;
}

/* Lanes 0, 2, 4, 6 (even) or 1, 3, 5, 7 (odd) of v[0..n), zeros past n. */
TSLM_ALWAYS_INLINE int32x4_t half(const int32_t *v, int32_t n, int odd)
{
    const uint32x4_t offsets = vidupq_n_u32((uint32_t)odd, 2);
    const mve_pred16_t p = vctp32q((uint32_t)((n - odd + 1) / 2));
    return vldrwq_gather_shifted_offset_z_s32(v, offsets, p);
}

TSLM_ALWAYS_INLINE void rows(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, int8_t *output, int8_t *scratch, const int folded,
                             const int right_only)
{
    const int32_t ch = p->output_c, fh = p->filter_h, fw = p->filter_w;
    const int32_t row_bytes = p->input_w * p->input_c;
    const int16_t zp = (int16_t)-p->input_offset, off = (int16_t)p->input_offset;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row_bytes;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            if (p->cache_rows > 0) {
                tslm_mve_copy(scratch + (oy % p->cache_rows) * row_bytes, in_b + oy * row_bytes, row_bytes);
            }
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                /* taps [fx_lo, fx_hi) of a row lie in the image */
                int32_t fx_lo = 0, fx_hi = fw;
                while (fx_lo < fw && x0 + p->dilation_w * fx_lo < 0) {
                    ++fx_lo;
                }
                while (fx_hi > fx_lo && x0 + p->dilation_w * (fx_hi - 1) >= p->input_w) {
                    --fx_hi;
                }
                for (int32_t c = 0; c < ch; c += 8) {
                    const mve_pred16_t p16 = vctp16q((uint32_t)(ch - c));
                    acc2 a;
                    a.even = bias != NULL ? half(bias + c, ch - c, 0) : vdupq_n_s32(0);
                    a.odd = bias != NULL ? half(bias + c, ch - c, 1) : vdupq_n_s32(0);
                    const int8_t *wt = weights + c;
                    for (int32_t fy = 0; fy < fh; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        if (iy < 0 || iy >= p->input_h) {
                            if (folded) {
                                for (int32_t fx = 0; fx < fw; ++fx, wt += ch) {
                                    a = mac(a, vdupq_n_s16(zp), vldrbq_z_s16(wt, p16));
                                }
                            } else {
                                wt += fw * ch;
                            }
                            continue;
                        }
                        const int8_t *row = tslm_dw_row(p, in_b, scratch, iy, oy) + c;
                        int32_t fx = 0;
                        for (; fx < fx_lo; ++fx, wt += ch) {
                            if (folded) {
                                a = mac(a, vdupq_n_s16(zp), vldrbq_z_s16(wt, p16));
                            }
                        }
                        const int8_t *xp = row + (x0 + p->dilation_w * fx) * p->input_c;
                        const int32_t step = p->dilation_w * p->input_c;
                        for (; fx < fx_hi; ++fx, wt += ch, xp += step) {
                            int16x8_t x = vldrbq_z_s16(xp, p16);
                            if (!folded) {
                                x = vaddq_n_s16(x, off);
                            }
                            a = mac(a, x, vldrbq_z_s16(wt, p16));
                        }
                        for (; fx < fw; ++fx, wt += ch) {
                            if (folded) {
                                a = mac(a, vdupq_n_s16(zp), vldrbq_z_s16(wt, p16));
                            }
                        }
                    }
                    int32x4_t ve, vo;
                    if (right_only) {
                        ve = tslm_mve_requant_right(a.even, half(p->multiplier + c, ch - c, 0),
                                                    half(p->shift + c, ch - c, 0));
                        vo = tslm_mve_requant_right(a.odd, half(p->multiplier + c, ch - c, 1),
                                                    half(p->shift + c, ch - c, 1));
                    } else {
                        ve = tslm_mve_requant(a.even, half(p->multiplier + c, ch - c, 0), half(p->shift + c, ch - c, 0));
                        vo = tslm_mve_requant(a.odd, half(p->multiplier + c, ch - c, 1), half(p->shift + c, ch - c, 1));
                    }
                    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
                    ve = vminq_s32(vmaxq_s32(vaddq_n_s32(ve, p->output_offset), lo), hi);
                    vo = vminq_s32(vmaxq_s32(vaddq_n_s32(vo, p->output_offset), lo), hi);
                    int16x8_t r = vmovnbq_s32(vdupq_n_s16(0), ve);
                    r = vmovntq_s32(r, vo);
                    vstrbq_p_s16(out + c, r, p16);
                }
            }
        }
    }
}

static void rows_folded(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                        const int32_t *bias, int8_t *output, int8_t *scratch, int right_only)
{
    if (right_only) {
        rows(p, input, weights, bias, output, scratch, 1, 1);
    } else {
        rows(p, input, weights, bias, output, scratch, 1, 0);
    }
}

static void rows_offset(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                        const int32_t *bias, int8_t *output, int8_t *scratch)
{
    rows(p, input, weights, bias, output, scratch, 0, 0);
}

/*
 * The compiler's layout for constant weights (`requant` set): weights widened to int16, per block of
 * eight channels, per tap, the eight channels (zeros past output_c); records per block, 24 int32:
 * bias (input offset folded in) of channels 0, 2, 4, 6 then 1, 3, 5, 7, their multipliers in the
 * same order, then their shifts (all <= 0).
 */
#define DW_MAX_ROWS 16 /* taller filters take the model-layout path */

typedef struct {
    const int8_t *rows[DW_MAX_ROWS]; /* input row of each filter row (+ channel block), NULL outside */
    int32x4_t lo, hi;
    int16x8_t zp;
} dw_ctx;

/* One block of eight channels (part: fewer, predicated) of one output pixel; FW: the filter width
 * when it is a constant of this instantiation (taps unrolled), else 0. */
TSLM_ALWAYS_INLINE void block_records(const tslm_depthwise_conv_params *p, const dw_ctx *k, int32_t x0, int32_t fx_lo,
                                      int32_t fx_hi, const int16_t *wt, const int32_t *rq, int32_t c, int8_t *out,
                                      const int part, const int FW)
{
    const int32_t fh = p->filter_h, fw = FW ? FW : p->filter_w, ic = p->input_c, step = p->dilation_w * ic;
    const mve_pred16_t p16 = part ? vctp16q((uint32_t)(p->output_c - c)) : 0xFFFF;
    acc2 a;
    a.even = vldrwq_s32(rq);
    a.odd = vldrwq_s32(rq + 4);
    const int32_t x_first = (x0 + p->dilation_w * fx_lo) * ic + c;
    for (int32_t fy = 0; fy < fh; ++fy) {
        const int8_t *row = k->rows[fy];
        if (row == NULL) {
            for (int32_t fx = 0; fx < fw; ++fx, wt += 8) {
                a = mac(a, k->zp, vldrhq_s16(wt));
            }
            continue;
        }
        if (FW && fx_lo == 0 && fx_hi == FW) { /* the whole filter row in the image, unrolled */
            const int8_t *xp = row + x_first;
            for (int32_t fx = 0; fx < FW; ++fx, wt += 8, xp += step) {
                a = mac(a, part ? vldrbq_z_s16(xp, p16) : vldrbq_s16(xp), vldrhq_s16(wt));
            }
            continue;
        }
        int32_t fx = 0;
        for (; fx < fx_lo; ++fx, wt += 8) {
            a = mac(a, k->zp, vldrhq_s16(wt));
        }
        const int8_t *xp = row + x_first;
        for (; fx < fx_hi; ++fx, wt += 8, xp += step) {
            a = mac(a, part ? vldrbq_z_s16(xp, p16) : vldrbq_s16(xp), vldrhq_s16(wt));
        }
        for (; fx < fw; ++fx, wt += 8) {
            a = mac(a, k->zp, vldrhq_s16(wt));
        }
    }
    int32x4_t ve = tslm_mve_requant_right(a.even, vldrwq_s32(rq + 8), vldrwq_s32(rq + 16));
    int32x4_t vo = tslm_mve_requant_right(a.odd, vldrwq_s32(rq + 12), vldrwq_s32(rq + 20));
    ve = vminq_s32(vmaxq_s32(vaddq_n_s32(ve, p->output_offset), k->lo), k->hi);
    vo = vminq_s32(vmaxq_s32(vaddq_n_s32(vo, p->output_offset), k->lo), k->hi);
    const int16x8_t r = vmovntq_s32(vmovnbq_s32(vuninitializedq_s16(), ve), vo);
    if (part) {
        vstrbq_p_s16(out + c, r, p16);
    } else {
        vstrbq_s16(out + c, r);
    }
}

TSLM_ALWAYS_INLINE void rows_records_impl(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int8_t *weights, int8_t *output, int8_t *scratch, const int FW)
{
    const int32_t ch = p->output_c, fw = p->filter_w, taps = p->filter_h * fw;
    const int32_t row_bytes = p->input_w * p->input_c, full = ch & ~7;
    const int16_t *wl = (const int16_t *)(const void *)weights;
    dw_ctx k;
    k.lo = vdupq_n_s32(p->act_min);
    k.hi = vdupq_n_s32(p->act_max);
    k.zp = vdupq_n_s16((int16_t)-p->input_offset);
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row_bytes;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            if (p->cache_rows > 0) {
                tslm_mve_copy(scratch + (oy % p->cache_rows) * row_bytes, in_b + oy * row_bytes, row_bytes);
            }
            for (int32_t fy = 0, iy = y0; fy < p->filter_h; ++fy, iy += p->dilation_h) {
                k.rows[fy] = iy < 0 || iy >= p->input_h ? NULL : tslm_dw_row(p, in_b, scratch, iy, oy);
            }
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t fx_lo = 0, fx_hi = fw;
                while (fx_lo < fw && x0 + p->dilation_w * fx_lo < 0) {
                    ++fx_lo;
                }
                while (fx_hi > fx_lo && x0 + p->dilation_w * (fx_hi - 1) >= p->input_w) {
                    --fx_hi;
                }
                int32_t c = 0;
                for (; c < full; c += 8) {
                    block_records(p, &k, x0, fx_lo, fx_hi, wl + c * taps, p->requant + 3 * c, c, out, 0, FW);
                }
                if (c < ch) {
                    block_records(p, &k, x0, fx_lo, fx_hi, wl + c * taps, p->requant + 3 * c, c, out, 1, FW);
                }
            }
        }
    }
}

static void rows_records_3(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                           int8_t *output, int8_t *scratch)
{
    rows_records_impl(p, input, weights, output, scratch, 3);
}

static void rows_records(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                         int8_t *output, int8_t *scratch)
{
    rows_records_impl(p, input, weights, output, scratch, 0);
}

void tslm_mve_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant != NULL && p->filter_h <= DW_MAX_ROWS) {
        if (p->filter_w == 3) {
            rows_records_3(p, input, weights, output, scratch);
        } else {
            rows_records(p, input, weights, output, scratch);
        }
        return;
    }
    if (p->depth_multiplier != 1 || p->requant != NULL) {
        tslm_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    if (p->bias_folded || p->input_offset == 0) {
        rows_folded(p, input, weights, bias, output, scratch, tslm_mve_right_only(p->shift, p->output_c));
    } else {
        rows_offset(p, input, weights, bias, output, scratch);
    }
}
