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
/*
 * The compiler's layout (`requant` set; tinyslm/compiler/helium_layout.py): weights widened to int16,
 * per block of eight channels, per tap, the eight channels (zeros past output_c); records per block,
 * 24 int32: bias (input offset folded in) of channels 0, 2, 4, 6 then 1, 3, 5, 7, their multipliers
 * in the same order, then their shifts (all <= 0).
 * The input rows an output row needs are copied into a ring in scratch, one slot per row of the
 * filter's span, each slot blocked by eight channels: [block][ring_w columns from -pad_w][8 bytes],
 * the zero point outside the image (zeros past the last channel). Every tap is then inside, a row's
 * taps of one block lie 8 bytes apart (immediate offsets), and when in place (stride 1) each input
 * row is in the ring before the output row that overwrites it is written.
 */

/* Nine taps (3x3, dilation 1) of one block: rows x0, x1, x2 of the ring, taps 8 bytes apart. */
TSLM_ALWAYS_INLINE acc2 taps3x3(acc2 a, const int8_t *x0, const int8_t *x1, const int8_t *x2, const int16_t *w)
{
/* The widening loads and narrowing stores below (vldrb.s16, vstrb.16) take their base register in r0-r7: those
 * operands are "l", not "r" (at -Os GCC otherwise may give them lr). */
#define TSLM_MVE_DW_TAP(x, off)                   \
    "vldrb.s16 q0, [%[" #x "], #" #off "]\n\t"    \
    "vldrh.u16 q1, [%[w]], #16\n\t"               \
    "vmullb.s16 q2, q0, q1\n\t"                   \
    "vadd.i32 %q[ae], %q[ae], q2\n\t"             \
    "vmullt.s16 q2, q0, q1\n\t"                   \
    "vadd.i32 %q[ao], %q[ao], q2\n\t"
    __asm__ volatile(TSLM_MVE_DW_TAP(x0, 0) TSLM_MVE_DW_TAP(x0, 8) TSLM_MVE_DW_TAP(x0, 16)
                     TSLM_MVE_DW_TAP(x1, 0) TSLM_MVE_DW_TAP(x1, 8) TSLM_MVE_DW_TAP(x1, 16)
                     TSLM_MVE_DW_TAP(x2, 0) TSLM_MVE_DW_TAP(x2, 8) TSLM_MVE_DW_TAP(x2, 16)
                     : [w] "+r"(w), [ae] "+w"(a.even), [ao] "+w"(a.odd)
                     : [x0] "l"(x0), [x1] "l"(x1), [x2] "l"(x2)
                     : "q0", "q1", "q2", "memory");
#undef TSLM_MVE_DW_TAP
    return a;
}

/*
 * Eight outputs of a whole block from the even/odd sums and the block's records: requantized
 * (tslm_mve.h's right-shift form), narrowed with saturation to int16 (any value outside int16 is
 * outside [lo, hi] too, and stays so after the saturating add of the zero point), then + zero point,
 * clamped and stored as eight int8.
 *
 * neg = 0 leaves out TFLM's -1 before the rounding shift of a negative value (VRSHL rounds ties up, TFLM away from
 * zero): only for activations whose lower bound is at or above the zero point (relu, relu6), where it cannot show.
 * A negative value's shifted result is <= 0 either way, so both land at or below the zero point and clamp to lo.
 */
#define TSLM_MVE_DW_RQ_NEG(acc, shift, tmp)                      \
    "vand " #tmp ", %q[" #acc "], " #shift "\n\t"                 \
    "vshr.s32 " #tmp ", " #tmp ", #31\n\t"                        \
    "vqadd.s32 %q[" #acc "], %q[" #acc "], " #tmp "\n\t"          \
    "vrshl.s32 %q[" #acc "], %q[" #acc "], " #shift "\n\t"
#define TSLM_MVE_DW_RQ_POS(acc, shift, tmp) "vrshl.s32 %q[" #acc "], %q[" #acc "], " #shift "\n\t"
#define TSLM_MVE_DW_OUT8(RQ)                    \
    "vldrw.32 q0, [%[rq], #32]\n\t"             \
    "vqrdmulh.s32 %q[ae], %q[ae], q0\n\t"       \
    "vldrw.32 q1, [%[rq], #64]\n\t"             \
    RQ(ae, q1, q0)                              \
    "vldrw.32 q0, [%[rq], #48]\n\t"             \
    "vqrdmulh.s32 %q[ao], %q[ao], q0\n\t"       \
    "vldrw.32 q1, [%[rq], #80]\n\t"             \
    RQ(ao, q1, q0)                              \
    "vqmovnb.s32 q2, %q[ae]\n\t"                \
    "vqmovnt.s32 q2, %q[ao]\n\t"                \
    "vqadd.s16 q2, q2, %[zp]\n\t"               \
    "vmax.s16 q2, q2, %q[lo]\n\t"               \
    "vmin.s16 q2, q2, %q[hi]\n\t"               \
    "vstrb.16 q2, [%[out]]"
TSLM_ALWAYS_INLINE void out8(acc2 a, const int32_t *rq, int32_t zp, int16x8_t lo, int16x8_t hi, int8_t *out,
                             const int neg)
{
    if (neg) {
        __asm__ volatile(TSLM_MVE_DW_OUT8(TSLM_MVE_DW_RQ_NEG)
                         : [ae] "+w"(a.even), [ao] "+w"(a.odd)
                         : [rq] "r"(rq), [zp] "r"(zp), [lo] "w"(lo), [hi] "w"(hi), [out] "l"(out)
                         : "q0", "q1", "q2", "memory");
    } else {
        __asm__ volatile(TSLM_MVE_DW_OUT8(TSLM_MVE_DW_RQ_POS)
                         : [ae] "+w"(a.even), [ao] "+w"(a.odd)
                         : [rq] "r"(rq), [zp] "r"(zp), [lo] "w"(lo), [hi] "w"(hi), [out] "l"(out)
                         : "q0", "q1", "q2", "memory");
    }
}
#undef TSLM_MVE_DW_OUT8

/* The first n (< 8) outputs of a block from its even/odd sums (bias included) and records: requantized (right
 * shifts), + zero point, clamped to [lo, hi], stored as int8 (the last block of the ring and dot-product paths). */
TSLM_ALWAYS_INLINE void out_part(acc2 a, const int32_t *rq, int32_t zp, int32x4_t lo, int32x4_t hi, int8_t *out,
                                 int32_t n)
{
    int32x4_t ve = tslm_mve_requant_right(a.even, vldrwq_s32(rq + 8), vldrwq_s32(rq + 16));
    int32x4_t vo = tslm_mve_requant_right(a.odd, vldrwq_s32(rq + 12), vldrwq_s32(rq + 20));
    ve = vminq_s32(vmaxq_s32(vaddq_n_s32(ve, zp), lo), hi);
    vo = vminq_s32(vmaxq_s32(vaddq_n_s32(vo, zp), lo), hi);
    vstrbq_p_s16(out, vmovntq_s32(vmovnbq_s32(vuninitializedq_s16(), ve), vo), vctp16q((uint32_t)n));
}

/* Two neighbouring output pixels (stride 1) of one block, 3x3: a row's four ring columns loaded once serve
 * both pixels' three taps (pixel b's tap k is pixel a's tap k + 1), the weights at immediate offsets. */
TSLM_ALWAYS_INLINE void taps3x3_x2(acc2 *a, acc2 *b, const int8_t *x0, const int8_t *x1, const int8_t *x2,
                                   const int16_t *w)
{
#define TSLM_MVE_DW_MAC(acc)                      \
    "vmullb.s16 q2, q0, q1\n\t"                   \
    "vadd.i32 %q[" #acc "e], %q[" #acc "e], q2\n\t" \
    "vmullt.s16 q2, q0, q1\n\t"                   \
    "vadd.i32 %q[" #acc "o], %q[" #acc "o], q2\n\t"
#define TSLM_MVE_DW_ROW2(x, w0, w1, w2)           \
    "vldrh.u16 q1, [%[w], #" #w0 "]\n\t"          \
    "vldrb.s16 q0, [%[" #x "]]\n\t"               \
    TSLM_MVE_DW_MAC(a)                            \
    "vldrb.s16 q0, [%[" #x "], #8]\n\t"           \
    TSLM_MVE_DW_MAC(b)                            \
    "vldrh.u16 q1, [%[w], #" #w1 "]\n\t"          \
    TSLM_MVE_DW_MAC(a)                            \
    "vldrb.s16 q0, [%[" #x "], #16]\n\t"          \
    TSLM_MVE_DW_MAC(b)                            \
    "vldrh.u16 q1, [%[w], #" #w2 "]\n\t"          \
    TSLM_MVE_DW_MAC(a)                            \
    "vldrb.s16 q0, [%[" #x "], #24]\n\t"          \
    TSLM_MVE_DW_MAC(b)
    __asm__ volatile(TSLM_MVE_DW_ROW2(x0, 0, 16, 32) TSLM_MVE_DW_ROW2(x1, 48, 64, 80)
                     TSLM_MVE_DW_ROW2(x2, 96, 112, 128)
                     : [ae] "+w"(a->even), [ao] "+w"(a->odd), [be] "+w"(b->even), [bo] "+w"(b->odd)
                     : [x0] "l"(x0), [x1] "l"(x1), [x2] "l"(x2), [w] "r"(w)
                     : "q0", "q1", "q2", "memory");
#undef TSLM_MVE_DW_ROW2
#undef TSLM_MVE_DW_MAC
}

/* Two neighbouring output pixels at stride 2 of one block, 3x3: pixel b's taps are pixel a's two ring columns on,
 * so a row's five columns loaded once serve both pixels' six taps (the middle column, a's last tap and b's first,
 * kept in q3), the weights at immediate offsets. */
TSLM_ALWAYS_INLINE void taps3x3s2_x2(acc2 *a, acc2 *b, const int8_t *x0, const int8_t *x1, const int8_t *x2,
                                     const int16_t *w)
{
#define TSLM_MVE_DW_MAC(acc, x)                     \
    "vmullb.s16 q2, " #x ", q1\n\t"                 \
    "vadd.i32 %q[" #acc "e], %q[" #acc "e], q2\n\t" \
    "vmullt.s16 q2, " #x ", q1\n\t"                 \
    "vadd.i32 %q[" #acc "o], %q[" #acc "o], q2\n\t"
#define TSLM_MVE_DW_ROW2S2(x, w0, w1, w2)           \
    "vldrh.u16 q1, [%[w], #" #w0 "]\n\t"            \
    "vldrb.s16 q0, [%[" #x "]]\n\t"                 \
    TSLM_MVE_DW_MAC(a, q0)                          \
    "vldrb.s16 q3, [%[" #x "], #16]\n\t"            \
    TSLM_MVE_DW_MAC(b, q3)                          \
    "vldrh.u16 q1, [%[w], #" #w1 "]\n\t"            \
    "vldrb.s16 q0, [%[" #x "], #8]\n\t"             \
    TSLM_MVE_DW_MAC(a, q0)                          \
    "vldrb.s16 q0, [%[" #x "], #24]\n\t"            \
    TSLM_MVE_DW_MAC(b, q0)                          \
    "vldrh.u16 q1, [%[w], #" #w2 "]\n\t"            \
    TSLM_MVE_DW_MAC(a, q3)                          \
    "vldrb.s16 q0, [%[" #x "], #32]\n\t"            \
    TSLM_MVE_DW_MAC(b, q0)
    __asm__ volatile(TSLM_MVE_DW_ROW2S2(x0, 0, 16, 32) TSLM_MVE_DW_ROW2S2(x1, 48, 64, 80)
                     TSLM_MVE_DW_ROW2S2(x2, 96, 112, 128)
                     : [ae] "+w"(a->even), [ao] "+w"(a->odd), [be] "+w"(b->even), [bo] "+w"(b->odd)
                     : [x0] "l"(x0), [x1] "l"(x1), [x2] "l"(x2), [w] "r"(w)
                     : "q0", "q1", "q2", "q3", "memory");
#undef TSLM_MVE_DW_ROW2S2
#undef TSLM_MVE_DW_MAC
}

/* out8 for two pixels of one block (outputs at out and out + step): each record loaded once for both. */
#define TSLM_MVE_DW_OUT8X2(RQ)                                     \
    "vldrw.32 q0, [%[rq], #32]\n\t"                                \
    "vldrw.32 q1, [%[rq], #64]\n\t"                                \
    "vqrdmulh.s32 %q[ae], %q[ae], q0\n\t"                          \
    "vqrdmulh.s32 %q[be], %q[be], q0\n\t"                          \
    RQ(ae, q1, q2) RQ(be, q1, q2)                                  \
    "vldrw.32 q0, [%[rq], #48]\n\t"                                \
    "vldrw.32 q1, [%[rq], #80]\n\t"                                \
    "vqrdmulh.s32 %q[ao], %q[ao], q0\n\t"                          \
    "vqrdmulh.s32 %q[bo], %q[bo], q0\n\t"                          \
    RQ(ao, q1, q2) RQ(bo, q1, q2)                                  \
    "vdup.16 q1, %[lo]\n\t"                                        \
    "vdup.16 q2, %[hi]\n\t"                                        \
    "vqmovnb.s32 q0, %q[ae]\n\t"                                   \
    "vqmovnt.s32 q0, %q[ao]\n\t"                                   \
    "vqadd.s16 q0, q0, %[zp]\n\t"                                  \
    "vmax.s16 q0, q0, q1\n\t"                                      \
    "vmin.s16 q0, q0, q2\n\t"                                      \
    "vstrb.16 q0, [%[out]]\n\t"                                    \
    "vqmovnb.s32 q0, %q[be]\n\t"                                   \
    "vqmovnt.s32 q0, %q[bo]\n\t"                                   \
    "vqadd.s16 q0, q0, %[zp]\n\t"                                  \
    "vmax.s16 q0, q0, q1\n\t"                                      \
    "vmin.s16 q0, q0, q2\n\t"                                      \
    "vstrb.16 q0, [%[out2]]"
TSLM_ALWAYS_INLINE void out8x2(acc2 a, acc2 b, const int32_t *rq, int32_t zp, int32_t lo, int32_t hi, int8_t *out,
                               int32_t step, const int neg)
{
    if (neg) {
        __asm__ volatile(TSLM_MVE_DW_OUT8X2(TSLM_MVE_DW_RQ_NEG)
                         : [ae] "+w"(a.even), [ao] "+w"(a.odd), [be] "+w"(b.even), [bo] "+w"(b.odd)
                         : [rq] "r"(rq), [zp] "r"(zp), [lo] "r"(lo), [hi] "r"(hi), [out] "l"(out),
                           [out2] "l"(out + step)
                         : "q0", "q1", "q2", "memory");
    } else {
        __asm__ volatile(TSLM_MVE_DW_OUT8X2(TSLM_MVE_DW_RQ_POS)
                         : [ae] "+w"(a.even), [ao] "+w"(a.odd), [be] "+w"(b.even), [bo] "+w"(b.odd)
                         : [rq] "r"(rq), [zp] "r"(zp), [lo] "r"(lo), [hi] "r"(hi), [out] "l"(out),
                           [out2] "l"(out + step)
                         : "q0", "q1", "q2", "memory");
    }
}

#define DW_MAX_ROWS 16 /* filter rows the ring path handles (helium_layout.py: DW_MAX_ROWS) */

/* Input row `iy` (or the zero point, outside the image) into a ring slot, blocked by eight channels: block k of
 * column j at slot + 8 * (k * ring_w + j). Two blocks a step: one 16-byte load (predicated past the last
 * channel) and one scatter of its four words to the two blocks (word-aligned: the scratch is). */
static void ring_row(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t iy, int8_t *slot)
{
    const int32_t ch = p->output_c, rw = p->ring_w, blocks = (ch + 7) / 8, block_step = 8 * rw;
    const int8x16_t zp = vdupq_n_s8((int8_t)-p->input_offset);
    /* byte offsets of the four words: (0, 4) in block k, (8 ring_w, 8 ring_w + 4) in block k + 1 */
    const uint32x4_t to_blocks = vsetq_lane_u32((uint32_t)block_step + 4,
                                                vsetq_lane_u32((uint32_t)block_step, vidupq_n_u32(0, 4), 2), 3);
    /* ring columns j in [j0, j1) lie in the image (ix = j - pad_w); every column of a row outside it is padding */
    int32_t j0 = p->pad_w < rw ? p->pad_w : rw, j1 = p->pad_w + p->input_w < rw ? p->pad_w + p->input_w : rw;
    if (iy < 0 || iy >= p->input_h) {
        j0 = j1 = rw;
    }
    for (int32_t j = 0; j < rw; ++j) { /* the padding columns */
        if (j == j0) {
            j = j1 - 1;
            continue;
        }
        int8_t *dst = slot + 8 * j;
        int32_t k = 0;
        for (; k + 2 <= blocks; k += 2, dst += 2 * block_step) {
            vstrwq_scatter_offset_s32((int32_t *)(void *)dst, to_blocks, vreinterpretq_s32_s8(zp));
        }
        if (k < blocks) {
            vstrbq_p_s8(dst, zp, vctp8q(8));
        }
    }
    if (j0 >= j1) {
        return;
    }
    const int8_t *row = in_b + (iy * p->input_w + j0 - p->pad_w) * ch;
    for (int32_t k = 0; k < blocks; k += 2) { /* the image's columns, a pair of blocks at a time */
        const int8_t *src = row + 8 * k;
        int8_t *dst = slot + 8 * j0 + k * block_step;
        if (ch - 8 * k >= 16) {
            for (int32_t j = j0; j < j1; ++j, src += ch, dst += 8) {
                vstrwq_scatter_offset_s32((int32_t *)(void *)dst, to_blocks, vreinterpretq_s32_s8(vldrbq_s8(src)));
            }
        } else if (k + 2 <= blocks) { /* 9..15 channels left */
            const mve_pred16_t left = vctp8q((uint32_t)(ch - 8 * k));
            for (int32_t j = j0; j < j1; ++j, src += ch, dst += 8) {
                vstrwq_scatter_offset_s32((int32_t *)(void *)dst, to_blocks,
                                          vreinterpretq_s32_s8(vldrbq_z_s8(src, left)));
            }
        } else { /* one block of 1..8 channels left */
            const mve_pred16_t left = vctp8q((uint32_t)(ch - 8 * k)), eight = vctp8q(8);
            for (int32_t j = j0; j < j1; ++j, src += ch, dst += 8) {
                vstrbq_p_s8(dst, vldrbq_z_s8(src, left), eight);
            }
        }
    }
}

/* A whole block's output row of a 3x3 at stride 2, two pixels at a time (in functions of their own, so the
 * stride-1 loop beside it keeps its registers); returns the pixels done (output_w rounded down to even). */
TSLM_ALWAYS_INLINE int32_t pairs3x3s2(const tslm_depthwise_conv_params *p, const int8_t *const *rows, int32_t off,
                                      const int16_t *wk, const int32_t *rq, int8_t *out, const int neg)
{
    const int32_t ch = p->output_c;
    int32_t ox = 0;
    for (; ox + 2 <= p->output_w; ox += 2, out += 2 * ch) {
        acc2 a, e;
        a.even = e.even = vldrwq_s32(rq);
        a.odd = e.odd = vldrwq_s32(rq + 4);
        const int32_t at = off + ox * 16;
        taps3x3s2_x2(&a, &e, rows[0] + at, rows[1] + at, rows[2] + at, wk);
        out8x2(a, e, rq, p->output_offset, p->act_min, p->act_max, out, ch, neg);
    }
    return ox;
}

/* pairs3x3s2 with and without TFLM's fix for negative values */
#define TSLM_MVE_DW_PAIRS_S2(name, neg)                                                                         \
    __attribute__((noinline)) static int32_t name(const tslm_depthwise_conv_params *p, const int8_t *const *rows, \
                                                  int32_t off, const int16_t *wk, const int32_t *rq, int8_t *out)  \
    {                                                                                                             \
        return pairs3x3s2(p, rows, off, wk, rq, out, neg);                                                        \
    }
TSLM_MVE_DW_PAIRS_S2(pairs3x3s2_neg, 1)
TSLM_MVE_DW_PAIRS_S2(pairs3x3s2_pos, 0)
#undef TSLM_MVE_DW_PAIRS_S2

/* A row of height 1 (a 1-D depthwise: the filter's taps along the row; the compiler gives K x 1 columns of width 1
 * this way), a whole block's output row two pixels a step, each tap's weights loaded once for both; returns the
 * pixels done (output_w rounded down to even). x: the block's ring row at ring column 0. */
TSLM_ALWAYS_INLINE int32_t row_pairs(const tslm_depthwise_conv_params *p, const int8_t *x, const int16_t *wk,
                                     const int32_t *rq, int8_t *out, const int neg)
{
    const int32_t ch = p->output_c, fw = p->filter_w, step = 8 * p->stride_w, tap = 8 * p->dilation_w;
    int32_t ox = 0;
    for (; ox + 2 <= p->output_w; ox += 2, out += 2 * ch, x += 2 * step) {
        acc2 a, b;
        a.even = b.even = vldrwq_s32(rq);
        a.odd = b.odd = vldrwq_s32(rq + 4);
        const int8_t *xa = x;
        const int16_t *wt = wk;
        for (int32_t fx = 0; fx < fw; ++fx, xa += tap, wt += 8) {
            const int16x8_t w = vldrhq_s16(wt);
            a = mac(a, vldrbq_s16(xa), w);
            b = mac(b, vldrbq_s16(xa + step), w);
        }
        out8x2(a, b, rq, p->output_offset, p->act_min, p->act_max, out, ch, neg);
    }
    return ox;
}

/* row_pairs with and without TFLM's fix for negative values */
#define TSLM_MVE_DW_ROW_PAIRS(name, neg)                                                                       \
    __attribute__((noinline)) static int32_t name(const tslm_depthwise_conv_params *p, const int8_t *x,        \
                                                  const int16_t *wk, const int32_t *rq, int8_t *out)           \
    {                                                                                                        \
        return row_pairs(p, x, wk, rq, out, neg);                                                            \
    }
TSLM_MVE_DW_ROW_PAIRS(row_pairs_neg, 1)
TSLM_MVE_DW_ROW_PAIRS(row_pairs_pos, 0)
#undef TSLM_MVE_DW_ROW_PAIRS

TSLM_ALWAYS_INLINE void rows_ring_impl(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                       int8_t *output, int8_t *ring, const int K3, const int K1, const int neg)
{
    const int32_t ch = p->output_c, fh = p->filter_h, fw = p->filter_w, taps = fh * fw, rw = p->ring_w;
    const int32_t span = (fh - 1) * p->dilation_h + 1, blocks = (ch + 7) / 8, slot_bytes = blocks * rw * 8;
    const int32_t col_step = 8 * p->stride_w, tap_step = 8 * p->dilation_w;
    const int16_t *wl = (const int16_t *)(const void *)weights;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int16x8_t lo16 = vdupq_n_s16((int16_t)p->act_min), hi16 = vdupq_n_s16((int16_t)p->act_max);
    const int8_t *rows[DW_MAX_ROWS];
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * ch;
        int8_t *out_b = output + b * p->output_h * p->output_w * ch;
        int32_t next = -p->pad_h; /* the next input row to bring into the ring */
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (; next < y0 + span; ++next) {
                ring_row(p, in_b, next, ring + ((next + p->pad_h) % span) * slot_bytes);
            }
            for (int32_t fy = 0; fy < fh; ++fy) {
                rows[fy] = ring + ((y0 + fy * p->dilation_h + p->pad_h) % span) * slot_bytes;
            }
            for (int32_t k = 0; k < blocks; ++k) {
                const int32_t c = 8 * k;
                const int16_t *wk = wl + c * taps;
                const int32_t *rq = p->requant + 24 * k;
                const int32_t off = k * rw * 8;
                int8_t *out = out_b + oy * p->output_w * ch + c;
                int32_t ox = 0;
                /* two pixels at a time; stride 1 written out here (pairs3x3s2's loop as one inline template for both
                 * strides cost MLPerf KWS 1% on the M55: 1,003,688 -> 1,013,406) */
                if (K3 && p->stride_w == 1 && c + 8 <= ch) {
                    for (; ox + 2 <= p->output_w; ox += 2, out += 2 * ch) {
                        acc2 a, e;
                        a.even = e.even = vldrwq_s32(rq);
                        a.odd = e.odd = vldrwq_s32(rq + 4);
                        const int32_t at = off + ox * 8;
                        taps3x3_x2(&a, &e, rows[0] + at, rows[1] + at, rows[2] + at, wk);
                        out8x2(a, e, rq, p->output_offset, p->act_min, p->act_max, out, ch, neg);
                    }
                } else if (K3 && p->stride_w == 2 && c + 8 <= ch) {
                    ox = neg ? pairs3x3s2_neg(p, rows, off, wk, rq, out) : pairs3x3s2_pos(p, rows, off, wk, rq, out);
                    out += ox * ch;
                }
#if !defined(TSLM_OPTIMIZE_SIZE)
                if (K3 && p->stride_w <= 2 && c + 8 <= ch) {
                    /* an odd last pixel here, not in the loop below, whose setup per block and row cost the 3x3
                     * outputs of the VWW stand-in's last layers 5% (0.6 KB of .text; at -Os it was 0.5% slower) */
                    if (ox < p->output_w) {
                        acc2 a;
                        a.even = vldrwq_s32(rq);
                        a.odd = vldrwq_s32(rq + 4);
                        const int32_t at = off + ox * col_step;
                        out8(taps3x3(a, rows[0] + at, rows[1] + at, rows[2] + at, wk), rq, p->output_offset, lo16,
                             hi16, out, neg);
                    }
                    continue;
                }
#endif
                if (!K3 && !K1 && fh == 1 && c + 8 <= ch) {
                    ox = neg ? row_pairs_neg(p, rows[0] + off, wk, rq, out) : row_pairs_pos(p, rows[0] + off, wk, rq, out);
                    out += ox * ch;
                }
                for (; ox < p->output_w; ++ox, out += ch) {
                    acc2 a;
                    a.even = vldrwq_s32(rq);
                    a.odd = vldrwq_s32(rq + 4);
                    const int32_t at = off + ox * col_step;
                    if (K3) {
                        a = taps3x3(a, rows[0] + at, rows[1] + at, rows[2] + at, wk);
                    } else if (K1) { /* K x 1 (e.g. over time): one tap per filter row */
                        const int16_t *wt = wk;
                        for (int32_t fy = 0; fy < fh; ++fy, wt += 8) {
                            a = mac(a, vldrbq_s16(rows[fy] + at), vldrhq_s16(wt));
                        }
                    } else {
                        const int16_t *wt = wk;
                        for (int32_t fy = 0; fy < fh; ++fy) {
                            const int8_t *xp = rows[fy] + at;
                            for (int32_t fx = 0; fx < fw; ++fx, wt += 8, xp += tap_step) {
                                a = mac(a, vldrbq_s16(xp), vldrhq_s16(wt));
                            }
                        }
                    }
                    if (c + 8 <= ch) {
                        out8(a, rq, p->output_offset, lo16, hi16, out, neg);
                        continue;
                    }
                    out_part(a, rq, p->output_offset, lo, hi, out, ch - c);
                }
            }
        }
    }
}

/* The ring path's loops for each filter kind, with TFLM's -1 for negative values before the rounding shift (neg) or,
 * for activations that clamp at or above the zero point (where it cannot show), without it (pos: three
 * instructions fewer per four outputs; 3x3 and the general loop, which takes rows of height 1). The size build has
 * only the neg copies. */
#define TSLM_MVE_DW_RING(name, K3, K1, neg)                                                                   \
    static void name(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,         \
                     int8_t *output, int8_t *ring)                                                          \
    {                                                                                                       \
        rows_ring_impl(p, input, weights, output, ring, K3, K1, neg);                                       \
    }
TSLM_MVE_DW_RING(rows_ring_3x3, 1, 0, 1)
TSLM_MVE_DW_RING(rows_ring_kx1, 0, 1, 1)
TSLM_MVE_DW_RING(rows_ring, 0, 0, 1)
#if !defined(TSLM_OPTIMIZE_SIZE)
TSLM_MVE_DW_RING(rows_ring_3x3_pos, 1, 0, 0)
TSLM_MVE_DW_RING(rows_ring_pos, 0, 0, 0)
#endif
#undef TSLM_MVE_DW_RING

void tslm_mve_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant != NULL && p->filter_h <= DW_MAX_ROWS) {
        const int k3 = p->filter_h == 3 && p->filter_w == 3 && p->dilation_w == 1, k1 = p->filter_w == 1;
#if !defined(TSLM_OPTIMIZE_SIZE)
        if (p->act_min >= p->output_offset && !k1) { /* relu, relu6: values at or below the zero point clamp */
            if (k3) {
                rows_ring_3x3_pos(p, input, weights, output, scratch);
            } else {
                rows_ring_pos(p, input, weights, output, scratch);
            }
            return;
        }
#endif
        if (k3) {
            rows_ring_3x3(p, input, weights, output, scratch);
        } else if (k1) {
            rows_ring_kx1(p, input, weights, output, scratch);
        } else {
            rows_ring(p, input, weights, output, scratch);
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

int32_t tslm_mve_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    if (p->requant == NULL || p->filter_h > DW_MAX_ROWS) {
        return tslm_depthwise_conv_s8_get_buffer_size(p);
    }
    const int32_t span = (p->filter_h - 1) * p->dilation_h + 1;
    return span * p->ring_w * 8 * ((p->output_c + 7) / 8);
}

/*
 * tslm_mve_depthwise_conv_3x3_s8: 3x3, stride 1 or 2, dilation 1, outputs of at least 4x4, with the compiler's layout,
 * by dot products (VMLADAV.S8, nine MACs per instruction) over each channel's own copy of the input ("quads"): per
 * channel, per ring column, four bytes, the column's values of four consecutive input rows, row iy at byte
 * (iy + pad_h) mod 4. Stride 1: output rows oy and oy + 1 (oy even) need input rows oy - pad_h .. oy - pad_h + 3, so a
 * pixel's 3x3 window of row oy is the first three bytes of three consecutive quads and one 16-byte load at column ox
 * (four quads) holds the windows of pixels ox and ox + 1 of both output rows: four VMLADAVs against four weight
 * vectors (A0 gathered from the widened weights' low bytes, B0 = A0 << 8 for the next row, A1, B1 the same one quad
 * on, VSHLC; when oy % 4 == 2 the rows sit two bytes round, VREV32.16 on A0 and B0). Stride 2: one output row a pass
 * (rows 2 oy - pad_h .. + 2), a load and a VMLADAV per pixel. The sums go to a small buffer per block of eight
 * channels, per pixel pair 16 words, from which the requantization (as the ring path's out8x2, in one assembly loop
 * per block and row) loads each pixel's even and odd channels with vector-base loads and adds the bias. Each input
 * row is copied into the quads once (16-bit loads of eight channels scattered as bytes to their quads); in place
 * (stride 1) is safe: rows up to oy + 2 are in the quads before rows oy, oy + 1 are written. Anything else calls
 * tslm_mve_depthwise_conv_s8. Per MLPerf KWS layer (25x5x64) on the M55 in QEMU: 96,563 -> 71,094 instructions.
 */
#define DW3_QUAD(p) (4 * (p)->ring_w) /* bytes per channel's quads */

static int dw3_handles(const tslm_depthwise_conv_params *p)
{
    const int32_t st = p->stride_w;
    return p->requant != NULL && p->filter_h == 3 && p->filter_w == 3 && (st == 1 || st == 2) && p->stride_h == st &&
           p->dilation_h == 1 && p->dilation_w == 1 && p->depth_multiplier == 1 && p->pad_h <= 1 &&
           p->ring_w == (p->output_w - 1) * st + 3 && p->output_w >= 4 && p->output_h >= 4 &&
           15 * DW3_QUAD(p) <= 65535;
}

/* Input row iy (the zero point outside the image) into byte `slot` of every channel's quads of its image columns,
 * or of all its columns when it lies outside the image. */
static void dw3_row(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t iy, int8_t *quads)
{
    const int32_t ch = p->output_c, qs = DW3_QUAD(p), slot = (iy + p->pad_h) & 3;
    const uint16x8_t to_ch = vmulq_n_u16(vidupq_n_u16(0, 1), (uint16_t)qs);
    if (iy < 0 || iy >= p->input_h) {
        const int16x8_t zp = vdupq_n_s16((int16_t)-p->input_offset);
        for (int32_t c = 0; c < ch; c += 8) {
            const mve_pred16_t left = vctp16q((uint32_t)(ch - c));
            int8_t *dst = quads + c * qs + slot;
            for (int32_t j = 0; j < p->ring_w; ++j, dst += 4) {
                vstrbq_scatter_offset_p_s16(dst, to_ch, zp, left);
            }
        }
        return;
    }
    const int8_t *src = in_b + iy * p->input_w * ch;
    /* the image's columns inside the ring (VALID at stride 2 may leave the last one out) */
    const int32_t w = p->input_w < p->ring_w - p->pad_w ? p->input_w : p->ring_w - p->pad_w;
    int8_t *dst0 = quads + 4 * p->pad_w + slot;
    int32_t c = 0;
    const uint16x8_t to_ch8 = vaddq_n_u16(to_ch, (uint16_t)(8 * qs)); /* channels 8..15 on */
    for (; c + 16 <= ch; c += 16) { /* two whole blocks a pixel, two pixels a step (in assembly: GCC's loop took 8.5
                                       * instructions a pixel) */
        const int8_t *s = src + c;
        int8_t *dst = dst0 + c * qs;
        __asm__ volatile("wls lr, %[n2], 2f\n"
                         "1:\n\t"
                         "vldrb.s16 q0, [%[s]]\n\t"
                         "vldrb.s16 q1, [%[s], #8]\n\t"
                         "add %[s], %[s], %[ch]\n\t"
                         "vldrb.s16 q2, [%[s]]\n\t"
                         "vldrb.s16 q3, [%[s], #8]\n\t"
                         "add %[s], %[s], %[ch]\n\t"
                         "vstrb.16 q0, [%[d], %q[lo]]\n\t"
                         "vstrb.16 q1, [%[d], %q[hi]]\n\t"
                         "adds %[d], #4\n\t"
                         "vstrb.16 q2, [%[d], %q[lo]]\n\t"
                         "vstrb.16 q3, [%[d], %q[hi]]\n\t"
                         "adds %[d], #4\n\t"
                         "le lr, 1b\n"
                         "2:\n\t"
                         "tst %[w], #1\n\t"
                         "beq 3f\n\t"
                         "vldrb.s16 q0, [%[s]]\n\t"
                         "vldrb.s16 q1, [%[s], #8]\n\t"
                         "vstrb.16 q0, [%[d], %q[lo]]\n\t"
                         "vstrb.16 q1, [%[d], %q[hi]]\n"
                         "3:"
                         : [s] "+l"(s), [d] "+l"(dst)
                         : [n2] "r"(w >> 1), [w] "r"(w), [ch] "r"(ch), [lo] "w"(to_ch), [hi] "w"(to_ch8)
                         : "q0", "q1", "q2", "q3", "lr", "memory", "cc");
    }
    if (c + 8 <= ch) { /* a whole block */
        const int8_t *s = src + c;
        int8_t *dst = dst0 + c * qs;
        int32_t j = 0;
        for (; j + 2 <= w; j += 2, s += 2 * ch, dst += 8) {
            const int16x8_t x0 = vldrbq_s16(s), y0 = vldrbq_s16(s + ch);
            vstrbq_scatter_offset_s16(dst, to_ch, x0);
            vstrbq_scatter_offset_s16(dst + 4, to_ch, y0);
        }
        if (j < w) {
            vstrbq_scatter_offset_s16(dst, to_ch, vldrbq_s16(s));
        }
        c += 8;
    }
    for (; c < ch; c += 8) {
        const mve_pred16_t left = vctp16q((uint32_t)(ch - c));
        const int8_t *s = src + c;
        int8_t *dst = dst0 + c * qs;
        for (int32_t j = 0; j < w; ++j, s += ch, dst += 4) {
            vstrbq_scatter_offset_p_s16(dst, to_ch, vldrbq_z_s16(s, left), left);
        }
    }
}

/* The sums of n channels (one block) for `pairs` pixel pairs of output rows oy (to pa) and oy + 1 (to pb), per pair
 * 16 words: channel i's two pixels at words 2i, 2i + 1 (so a pixel's even channels are words 0, 4, 8, 12, its odd
 * ones 2, 6, 10, 14, the next pixel's one word on): per channel its A0 (the taps for row oy at rot 0, lane
 * 4 fx + fy, gathered from the widened weights' low bytes: wv at channel i's first tap, `off` the taps' offsets,
 * `mask` zeroing the other lanes), B0 = A0 << 8 (each word's byte 3 is
 * zero), for rot 2 both with each word's halves swapped (VREV32.16: byte k to byte k + 2 mod 4), A1, B1 one quad on
 * (VSHLC, shifting in zeros); per pair one 16-byte load of four quads, four
 * VMLADAV.S8 and two STRDs. In assembly: in C, GCC spills the pointers.
 * Stride 2 (s2), one output row: pixel ox's window is the 12 bytes at quad 2 ox, so each pixel has its own 16-byte
 * load against A0 (two a pair, one STRD to the same layout). */
/* a channel's A0, and the step to the next channel (both strides) */
#define DW3_A0                               \
    "1:\n\t"                                 \
    "vldrb.u8 q1, [%[wv], %q[off]]\n\t"      \
    "adds %[wv], #2\n\t"                     \
    "vand q1, q1, %q[mask]\n\t"
#define DW3_NEXT(PB)                         \
    "3:\n\t"                                 \
    "add %[x], %[x], %[xstep]\n\t"           \
    "add %[pa], %[pa], %[astep]\n\t"         \
    PB                                       \
    "subs %[n], #1\n\t"                      \
    "bne 1b"
#define DW3_DOTS(ROT)                        \
    DW3_A0                                   \
    "vshl.i32 q3, q1, #8\n\t"                \
    ROT                                      \
    "vmov q2, q1\n\t"                        \
    "movs %[r1], #0\n\t"                     \
    "vshlc q2, %[r1], #32\n\t"               \
    "vmov q4, q3\n\t"                        \
    "vshlc q4, %[r1], #32\n\t"               \
    "wls lr, %[pairs], 3f\n"                 \
    "2:\n\t"                                 \
    "vldrb.8 q0, [%[x]], #8\n\t"             \
    "vmladav.s8 %[r0], q0, q1\n\t"           \
    "vmladav.s8 %[r1], q0, q2\n\t"           \
    "strd %[r0], %[r1], [%[pa]], #64\n\t"    \
    "vmladav.s8 %[r0], q0, q3\n\t"           \
    "vmladav.s8 %[r1], q0, q4\n\t"           \
    "strd %[r0], %[r1], [%[pb]], #64\n\t"    \
    "le lr, 2b\n"                            \
    DW3_NEXT("add %[pb], %[pb], %[astep]\n\t")
#define DW3_DOTS_S2(ROT)                     \
    DW3_A0                                   \
    ROT                                      \
    "wls lr, %[pairs], 3f\n"                 \
    "2:\n\t"                                 \
    "vldrb.8 q0, [%[x]], #8\n\t"             \
    "vmladav.s8 %[r0], q0, q1\n\t"           \
    "vldrb.8 q0, [%[x]], #8\n\t"             \
    "vmladav.s8 %[r1], q0, q1\n\t"           \
    "strd %[r0], %[r1], [%[pa]], #64\n\t"    \
    "le lr, 2b\n"                            \
    DW3_NEXT("")
/* Rows of few pairs (`near`: at most DW3_NEAR): pixel ox + 1's window loaded four bytes on (an unaligned load of
 * quads ox + 1 .. ox + 4, read past the channel's quads into the next one or the scratch's slack, against A0's and
 * B0's zero lanes) in place of A1 and B1, whose five instructions a channel cost more than the load a pair. */
#define DW3_NEAR 4
#define DW3_DOTS_NEAR(ROT)                   \
    DW3_A0                                   \
    "vshl.i32 q3, q1, #8\n\t"                \
    ROT                                      \
    "wls lr, %[pairs], 3f\n"                 \
    "2:\n\t"                                 \
    "vldrb.8 q2, [%[x], #4]\n\t"             \
    "vldrb.8 q0, [%[x]], #8\n\t"             \
    "vmladav.s8 %[r0], q0, q1\n\t"           \
    "vmladav.s8 %[r1], q2, q1\n\t"           \
    "strd %[r0], %[r1], [%[pa]], #64\n\t"    \
    "vmladav.s8 %[r0], q0, q3\n\t"           \
    "vmladav.s8 %[r1], q2, q3\n\t"           \
    "strd %[r0], %[r1], [%[pb]], #64\n\t"    \
    "le lr, 2b\n"                            \
    DW3_NEXT("add %[pb], %[pb], %[astep]\n\t")
#define DW3_DOTS_OUT [wv] "+r"(wv), [x] "+r"(x), [pa] "+r"(pa), [n] "+r"(n), [r0] "=&Te"(r0), [r1] "=&Te"(r1)
#define DW3_DOTS_IN [pairs] "r"(pairs), [xstep] "r"(xstep), [astep] "r"(astep), [off] "w"(off), [mask] "w"(mask)
TSLM_ALWAYS_INLINE void dw3_dots(const int8_t *wv, uint8x16_t off, const int8_t *x, int32_t *pa, int32_t *pb,
                                 int32_t n, int32_t pairs, int32_t xstep, int rot, const int s2, const int near)
{
    const uint32x4_t mask = vsetq_lane_u32(0, vdupq_n_u32(0x00FFFFFFu), 3); /* lanes 4 fx + fy, fx, fy < 3 */
    const int32_t astep = 8 - 64 * pairs;
    int32_t r0, r1;
    (void)pb; /* stride 2: one output row */
    if (s2 && rot) {
        __asm__ volatile(DW3_DOTS_S2("vrev32.16 q1, q1\n\t") : DW3_DOTS_OUT : DW3_DOTS_IN
                         : "q0", "q1", "lr", "memory", "cc");
    } else if (s2) {
        __asm__ volatile(DW3_DOTS_S2("") : DW3_DOTS_OUT : DW3_DOTS_IN : "q0", "q1", "lr", "memory", "cc");
    } else if (near && rot) {
        __asm__ volatile(DW3_DOTS_NEAR("vrev32.16 q1, q1\n\tvrev32.16 q3, q3\n\t") : DW3_DOTS_OUT, [pb] "+r"(pb)
                         : DW3_DOTS_IN : "q0", "q1", "q2", "q3", "lr", "memory", "cc");
    } else if (near) {
        __asm__ volatile(DW3_DOTS_NEAR("") : DW3_DOTS_OUT, [pb] "+r"(pb) : DW3_DOTS_IN
                         : "q0", "q1", "q2", "q3", "lr", "memory", "cc");
    } else if (rot) {
        __asm__ volatile(DW3_DOTS("vrev32.16 q1, q1\n\tvrev32.16 q3, q3\n\t") : DW3_DOTS_OUT, [pb] "+r"(pb)
                         : DW3_DOTS_IN : "q0", "q1", "q2", "q3", "q4", "lr", "memory", "cc");
    } else {
        __asm__ volatile(DW3_DOTS("") : DW3_DOTS_OUT, [pb] "+r"(pb) : DW3_DOTS_IN
                         : "q0", "q1", "q2", "q3", "q4", "lr", "memory", "cc");
    }
}
#undef DW3_DOTS_IN
#undef DW3_DOTS_OUT
#undef DW3_DOTS_S2
#undef DW3_DOTS_NEAR
#undef DW3_DOTS
#undef DW3_NEXT
#undef DW3_A0

/* Requantize `pixels` pixels (in pairs) of one whole block and output row from the sums dw3_dots left at acc (q7 holds
 * acc's addresses of words 0, 4, 8, 12 less 64): per pair four vector-base loads (even and odd channels of both
 * pixels), the bias added, then out8x2's requantization and stores; an odd last pixel (odd) alone. */
#define DW3_RQ(RQ)                                  \
    "lsrs lr, %[np], #1\n\t"                        \
    "wls lr, lr, 2f\n"                              \
    "1:\n\t"                                        \
    "vldrw.u32 %q[ae], [%q[ad], #64]!\n\t"          \
    "vldrw.u32 %q[ao], [%q[ad], #8]\n\t"            \
    "vldrw.u32 %q[be], [%q[ad], #4]\n\t"            \
    "vldrw.u32 %q[bo], [%q[ad], #12]\n\t"           \
    "vldrw.32 q0, [%[rq]]\n\t"                      \
    "vadd.i32 %q[ae], %q[ae], q0\n\t"               \
    "vadd.i32 %q[be], %q[be], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #16]\n\t"                 \
    "vadd.i32 %q[ao], %q[ao], q0\n\t"               \
    "vadd.i32 %q[bo], %q[bo], q0\n\t"               \
    TSLM_MVE_DW_OUT8X2(RQ) "\n\t"                   \
    "add %[out], %[out], %[step2]\n\t"              \
    "add %[out2], %[out2], %[step2]\n\t"            \
    "le lr, 1b\n"                                   \
    "2:\n\t"                                        \
    "tst %[np], #1\n\t"                             \
    "beq 3f\n\t"                                    \
    "vldrw.u32 %q[ae], [%q[ad], #64]!\n\t"          \
    "vldrw.u32 %q[ao], [%q[ad], #8]\n\t"            \
    "vldrw.32 q0, [%[rq]]\n\t"                      \
    "vadd.i32 %q[ae], %q[ae], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #16]\n\t"                 \
    "vadd.i32 %q[ao], %q[ao], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #32]\n\t"                 \
    "vqrdmulh.s32 %q[ae], %q[ae], q0\n\t"           \
    "vldrw.32 q1, [%[rq], #64]\n\t"                 \
    RQ(ae, q1, q2)                                  \
    "vldrw.32 q0, [%[rq], #48]\n\t"                 \
    "vqrdmulh.s32 %q[ao], %q[ao], q0\n\t"           \
    "vldrw.32 q1, [%[rq], #80]\n\t"                 \
    RQ(ao, q1, q2)                                  \
    "vdup.16 q1, %[lo]\n\t"                         \
    "vdup.16 q2, %[hi]\n\t"                         \
    "vqmovnb.s32 q0, %q[ae]\n\t"                    \
    "vqmovnt.s32 q0, %q[ao]\n\t"                    \
    "vqadd.s16 q0, q0, %[zp]\n\t"                   \
    "vmax.s16 q0, q0, q1\n\t"                       \
    "vmin.s16 q0, q0, q2\n\t"                       \
    "vstrb.16 q0, [%[out]]\n"                        \
    "3:"
/* DW3_RQ without TFLM's fix for negative values (relu, relu6): one scratch register for the records (each loaded once
 * a pair as before), so the activation bounds stay in registers (lo, hi) for the whole row in place of two VDUPs a
 * pair. */
#define DW3_RQ_POS_OUT(acc, bcc, out)               \
    "vqmovnb.s32 q0, %q[" #acc "e]\n\t"             \
    "vqmovnt.s32 q0, %q[" #acc "o]\n\t"             \
    "vqadd.s16 q0, q0, %[zp]\n\t"                   \
    "vmax.s16 q0, q0, %q[lo]\n\t"                   \
    "vmin.s16 q0, q0, %q[hi]\n\t"                   \
    "vstrb.16 q0, [%[" #out "]]\n\t"
/* the activation range the whole of int8 (relu / relu6 with the zero point at -128): the clamp is the saturation to
 * int8, one VQMOVNB.S16 in place (the narrowing store takes each lane's low byte) for VMAX and VMIN */
#define DW3_RQ_FULL_OUT(acc, bcc, out)              \
    "vqmovnb.s32 q0, %q[" #acc "e]\n\t"             \
    "vqmovnt.s32 q0, %q[" #acc "o]\n\t"             \
    "vqadd.s16 q0, q0, %[zp]\n\t"                   \
    "vqmovnb.s16 q0, q0\n\t"                        \
    "vstrb.16 q0, [%[" #out "]]\n\t"
#define DW3_RQ_POS(OUT)                             \
    "lsrs lr, %[np], #1\n\t"                        \
    "wls lr, lr, 2f\n"                              \
    "1:\n\t"                                        \
    "vldrw.u32 %q[ae], [%q[ad], #64]!\n\t"          \
    "vldrw.u32 %q[ao], [%q[ad], #8]\n\t"            \
    "vldrw.u32 %q[be], [%q[ad], #4]\n\t"            \
    "vldrw.u32 %q[bo], [%q[ad], #12]\n\t"           \
    "vldrw.32 q0, [%[rq]]\n\t"                      \
    "vadd.i32 %q[ae], %q[ae], q0\n\t"               \
    "vadd.i32 %q[be], %q[be], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #16]\n\t"                 \
    "vadd.i32 %q[ao], %q[ao], q0\n\t"               \
    "vadd.i32 %q[bo], %q[bo], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #32]\n\t"                 \
    "vqrdmulh.s32 %q[ae], %q[ae], q0\n\t"           \
    "vqrdmulh.s32 %q[be], %q[be], q0\n\t"           \
    "vldrw.32 q0, [%[rq], #64]\n\t"                 \
    "vrshl.s32 %q[ae], %q[ae], q0\n\t"              \
    "vrshl.s32 %q[be], %q[be], q0\n\t"              \
    "vldrw.32 q0, [%[rq], #48]\n\t"                 \
    "vqrdmulh.s32 %q[ao], %q[ao], q0\n\t"           \
    "vqrdmulh.s32 %q[bo], %q[bo], q0\n\t"           \
    "vldrw.32 q0, [%[rq], #80]\n\t"                 \
    "vrshl.s32 %q[ao], %q[ao], q0\n\t"              \
    "vrshl.s32 %q[bo], %q[bo], q0\n\t"              \
    OUT(a, b, out)                       \
    OUT(b, a, out2)                      \
    "add %[out], %[out], %[step2]\n\t"              \
    "add %[out2], %[out2], %[step2]\n\t"            \
    "le lr, 1b\n"                                   \
    "2:\n\t"                                        \
    "tst %[np], #1\n\t"                             \
    "beq 3f\n\t"                                    \
    "vldrw.u32 %q[ae], [%q[ad], #64]!\n\t"          \
    "vldrw.u32 %q[ao], [%q[ad], #8]\n\t"            \
    "vldrw.32 q0, [%[rq]]\n\t"                      \
    "vadd.i32 %q[ae], %q[ae], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #16]\n\t"                 \
    "vadd.i32 %q[ao], %q[ao], q0\n\t"               \
    "vldrw.32 q0, [%[rq], #32]\n\t"                 \
    "vqrdmulh.s32 %q[ae], %q[ae], q0\n\t"           \
    "vldrw.32 q0, [%[rq], #64]\n\t"                 \
    "vrshl.s32 %q[ae], %q[ae], q0\n\t"              \
    "vldrw.32 q0, [%[rq], #48]\n\t"                 \
    "vqrdmulh.s32 %q[ao], %q[ao], q0\n\t"           \
    "vldrw.32 q0, [%[rq], #80]\n\t"                 \
    "vrshl.s32 %q[ao], %q[ao], q0\n\t"              \
    OUT(a, b, out)                       \
    "3:"
TSLM_ALWAYS_INLINE void dw3_rq(uint32x4_t ad, int32_t pixels, const int32_t *rq, int32_t zp, int32_t lo,
                               int32_t hi, int8_t *out, int32_t step, const int neg)
{
    int32x4_t ae, ao, be, bo;
    int8_t *out2 = out + step;
    const int32_t step2 = 2 * step;
    if (neg) {
        __asm__ volatile(DW3_RQ(TSLM_MVE_DW_RQ_NEG)
                         : [ad] "+w"(ad), [ae] "=&w"(ae), [ao] "=&w"(ao), [be] "=&w"(be), [bo] "=&w"(bo),
                           [out] "+l"(out), [out2] "+l"(out2)
                         : [np] "r"(pixels), [rq] "r"(rq), [zp] "r"(zp), [lo] "r"(lo), [hi] "r"(hi),
                           [step2] "r"(step2)
                         : "q0", "q1", "q2", "lr", "memory", "cc");
    } else if (lo == -128 && hi == 127) {
        __asm__ volatile(DW3_RQ_POS(DW3_RQ_FULL_OUT)
                         : [ad] "+w"(ad), [ae] "=&w"(ae), [ao] "=&w"(ao), [be] "=&w"(be), [bo] "=&w"(bo),
                           [out] "+l"(out), [out2] "+l"(out2)
                         : [np] "r"(pixels), [rq] "r"(rq), [zp] "r"(zp), [step2] "r"(step2)
                         : "q0", "lr", "memory", "cc");
    } else {
        const int16x8_t lo16 = vdupq_n_s16((int16_t)lo), hi16 = vdupq_n_s16((int16_t)hi);
        __asm__ volatile(DW3_RQ_POS(DW3_RQ_POS_OUT)
                         : [ad] "+w"(ad), [ae] "=&w"(ae), [ao] "=&w"(ao), [be] "=&w"(be), [bo] "=&w"(bo),
                           [out] "+l"(out), [out2] "+l"(out2)
                         : [np] "r"(pixels), [rq] "r"(rq), [zp] "r"(zp), [lo] "w"(lo16), [hi] "w"(hi16),
                           [step2] "r"(step2)
                         : "q0", "lr", "memory", "cc");
    }
}
#undef DW3_RQ
#undef DW3_RQ_POS
#undef DW3_RQ_POS_OUT
#undef DW3_RQ_FULL_OUT

/* Copies: stride 1 with and without TFLM's fix (neg), stride 2 with neg a branch per block and row (its own copy for
 * each neg too cost 1.5 KB of .text for 1-4% of its instructions; stride 1 with a branch cost MLPerf KWS 6%). */
TSLM_ALWAYS_INLINE void dw3_impl(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                 int8_t *output, int8_t *scratch, const int s2, const int neg)
{
    const int32_t ch = p->output_c, ow = p->output_w, qs = DW3_QUAD(p), blocks = (ch + 7) / 8;
    int8_t *quads = scratch;
    const int32_t ow2 = (ow + 1) & ~1, pairs = ow2 / 2; /* an odd last pixel is done as a pair (sums to spare) */
    int32_t *acc = (int32_t *)(void *)(quads + ((ch * qs + 16 + 3) & ~3)); /* [row 0, 1][pixel pair][channel][2] */
    /* byte offsets of the taps' weights (channel 0 of a block, tap t at 16 t) for lanes 4 fx + fy */
    static const uint8_t offs[16] = {0, 48, 96, 0, 16, 64, 112, 0, 32, 80, 128, 0, 0, 0, 0, 0};
    const uint8x16_t off = vld1q_u8(offs);
    const uint32x4_t words = vshlq_n_u32(vidupq_n_u32(0, 4), 2); /* byte offsets of words 0, 4, 8, 12 */
    int32_t *acc1 = acc + 8 * ow2; /* output row oy + 1's sums */
    const uint32x4_t ad0 = vaddq_n_u32(words, (uint32_t)acc - 64), ad1 = vaddq_n_u32(words, (uint32_t)acc1 - 64);
    const int32_t full = ch / 8, xstep = qs - (s2 ? 16 : 8) * pairs;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    /* the padding columns, every row byte: the zero point */
    const uint32x4_t zp4 = vdupq_n_u32((uint32_t)(uint8_t)(int8_t)-p->input_offset * 0x01010101u);
    const uint32x4_t to_c4 = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)qs); /* four channels' quads */
    for (int32_t c = 0; c < ch; c += 4) { /* four channels a store */
        const mve_pred16_t left = vctp32q((uint32_t)(ch - c));
        uint32_t *q = (uint32_t *)(void *)(quads + c * qs);
        for (int32_t j = 0; j < p->pad_w; ++j) {
            vstrwq_scatter_offset_p_u32(q + j, to_c4, zp4, left);
        }
        for (int32_t j = p->pad_w + p->input_w; j < p->ring_w; ++j) {
            vstrwq_scatter_offset_p_u32(q + j, to_c4, zp4, left);
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * ch;
        int8_t *out_b = output + b * p->output_h * ow * ch;
        int32_t next = -p->pad_h; /* the next input row to bring into the quads */
        for (int32_t oy = 0; oy < p->output_h; oy += s2 ? 1 : 2) {
            /* stride 1: rows oy - pad_h .. + 3 for output rows oy, oy + 1; stride 2: rows 2 oy - pad_h .. + 2 */
            for (; next <= (s2 ? 2 * oy - p->pad_h + 2 : oy - p->pad_h + 3); ++next) {
                dw3_row(p, in_b, next, quads);
            }
            const int rot = (s2 ? 2 * oy : oy) & 2, two = !s2 && oy + 1 < p->output_h;
            int8_t *out = out_b + oy * ow * ch;
            const int8_t *wk = weights, *qk = quads;
            const int32_t *rq = p->requant;
            int32_t k = 0;
            for (; k < full; ++k, wk += 144, qk += 8 * qs, rq += 24, out += 8) {
#if !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: 0.2 KB more for no gain) */
                if (!s2 && pairs <= DW3_NEAR) {
                    dw3_dots(wk, off, qk, acc, acc1, 8, pairs, xstep, rot, 0, 1);
                } else
#endif
                {
                    dw3_dots(wk, off, qk, acc, acc1, 8, pairs, xstep, rot, s2, 0);
                }
                dw3_rq(ad0, ow, rq, p->output_offset, p->act_min, p->act_max, out, ch, neg);
                if (two) {
                    dw3_rq(ad1, ow, rq, p->output_offset, p->act_min, p->act_max, out + ow * ch, ch, neg);
                }
            }
            if (k < blocks) { /* the last block, of 1..7 channels */
                const int32_t n = ch - 8 * k;
                dw3_dots(wk, off, qk, acc, acc1, n, pairs, xstep, rot, s2, 0);
                for (int32_t r = 0; r <= two; ++r) {
                    const int32_t *ar = acc + 8 * r * ow2;
                    int8_t *o = out + r * ow * ch;
                    for (int32_t ox = 0; ox < ow; ++ox, o += ch) {
                        const int32_t *at = ar + 16 * (ox / 2) + (ox & 1);
                        acc2 a;
                        a.even = vaddq_s32(vldrwq_gather_offset_s32(at, words), vldrwq_s32(rq));
                        a.odd = vaddq_s32(vldrwq_gather_offset_s32(at + 2, words), vldrwq_s32(rq + 4));
                        out_part(a, rq, p->output_offset, lo, hi, o, n);
                    }
                }
            }
        }
    }
}

static void dw3_s1(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights, int8_t *output,
                   int8_t *scratch, int neg)
{
#if !defined(TSLM_OPTIMIZE_SIZE)
    if (!neg) {
        dw3_impl(p, input, weights, output, scratch, 0, 0);
        return;
    }
#endif
    (void)neg;
    dw3_impl(p, input, weights, output, scratch, 0, 1);
}

static void dw3_s2(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights, int8_t *output,
                   int8_t *scratch, int neg)
{
    dw3_impl(p, input, weights, output, scratch, 1, neg);
}

void tslm_mve_depthwise_conv_3x3_s8(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                    const int32_t *bias, int8_t *output, int8_t *scratch)
{
#if defined(TSLM_OPTIMIZE_SIZE)
    /* the size build: with TFLM's fix always, one copy for both strides (GCC at -Os keeps the stride a parameter:
     * stride-1 layers 0.5-1% slower than with a copy of their own, 1.3 KB less); stride 2 here since the quads are
     * filled two pixels a step (before, at -Os, up to 11% slower than the ring path; now the VWW stand-in's
     * 48x48x16 layer 115,813 -> 85,594, 12x12x64 33,156 -> 29,094) */
    if (!dw3_handles(p)) {
        tslm_mve_depthwise_conv_s8(p, input, weights, bias, output, scratch);
        return;
    }
    if (p->stride_w == 2) {
        dw3_s2(p, input, weights, output, scratch, 1);
    } else {
        dw3_s1(p, input, weights, output, scratch, 1);
    }
#else
    if (!dw3_handles(p)) {
        tslm_mve_depthwise_conv_s8(p, input, weights, bias, output, scratch);
        return;
    }
    /* relu, relu6: values at or below the zero point clamp, so the requantization without TFLM's fix */
    const int neg = p->act_min < p->output_offset;
    if (p->stride_w == 2) {
        dw3_s2(p, input, weights, output, scratch, neg);
    } else {
        dw3_s1(p, input, weights, output, scratch, neg);
    }
#endif
}

int32_t tslm_mve_depthwise_conv_3x3_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    if (!dw3_handles(p)) {
        return tslm_mve_depthwise_conv_s8_get_buffer_size(p);
    }
    return ((p->output_c * DW3_QUAD(p) + 16 + 3) & ~3) + 2 * 8 * ((p->output_w + 1) & ~1) * 4;
}
#undef TSLM_MVE_DW_OUT8X2
#undef TSLM_MVE_DW_RQ_POS
#undef TSLM_MVE_DW_RQ_NEG
