/*
 * tslm_depthwise_conv.c - DEPTHWISE_CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * Depth multiplier 1, constant weights (the compiler folds the input offset
 * into the bias, hands over requantization records and widens the weights:
 * per group of four channels and per tap, the int16 pairs (c0, c2), (c1, c3)).
 * The input rows under the filter are kept in a window in scratch, widened
 * the same way once per row and padded left and right with the input zero
 * point, whose folded share cancels as TFLM's skipped taps do; rows above or
 * below the image are rows of zero points. The window stores, per group of
 * four channels and per column, the span of rows together, so every tap is a
 * constant offset from one pointer (for 3x3, nine taps in straight-line
 * assembly: two word loads and four SMLABB/SMLATT each). It slides down by
 * the stride per output row, and takes in an input row before any output row
 * overwrites it, so the op may run in place (stride 1, same shape). Depth
 * multipliers > 1 are lowered to a grouped CONV_2D; anything else takes
 * TFLM's loop as it is.
 * scratch: span * ring_w * 8 bytes per four channels (span = (filter_h - 1) * dilation_h + 1).
 */
#include "tslm_dsp_depthwise_conv.h"
#include "tslm_dsp.h"

/* The window buffer in scratch: for each group of four channels g and each column xp of the
 * padded input (from -pad_w, ring_w of them) a cell of the filter's span of input rows, each
 * row the pairs (c0, c2), (c1, c3): cell(g, xp) = window + (g * ring_w + xp) * span * 2 words;
 * input row iy sits in row slot iy mod span of every cell (a ring: no row ever moves). Every
 * tap is then a constant offset from the window's first cell, given the ring's rotation. */

/* Input row iy (zero points outside the image) into row `slot` of every cell. */
static void widen_row(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t iy, int32_t *window,
                      int32_t span, int32_t slot)
{
    const int32_t C = p->input_c;
    const uint32_t zp = (uint8_t)(-p->input_offset);
    const int32_t zero_points = (int32_t)(zp * 0x01010101u);
    const int32_t pad_pair0 = tslm_sxtb16(zero_points), pad_pair1 = tslm_sxtb16_ror8(zero_points);
    const int inside = iy >= 0 && iy < p->input_h;
    const int8_t *row = in_b + iy * p->input_w * C;
    int32_t *dst = window + 2 * slot;
    for (int32_t c = 0; c < C; c += 4) {
        for (int32_t xp = 0; xp < p->ring_w; ++xp, dst += 2 * span) {
            const int32_t ix = xp - p->pad_w;
            if (!inside || ix < 0 || ix >= p->input_w) {
                dst[0] = pad_pair0, dst[1] = pad_pair1;
                continue;
            }
            const int32_t v = tslm_dsp_group(row + ix * C, c, C);
            dst[0] = tslm_sxtb16(v), dst[1] = tslm_sxtb16_ror8(v);
        }
    }
}

/* Four channels' accumulators += one tap: activations (c0, c2), (c1, c3) times the weights. */
#define TAP(x02, x13, w02, w13)              \
    do {                                     \
        a0 = tslm_smlabb((x02), (w02), a0);  \
        a2 = tslm_smlatt((x02), (w02), a2);  \
        a1 = tslm_smlabb((x13), (w13), a1);  \
        a3 = tslm_smlatt((x13), (w13), a3);  \
    } while (0)

/* The nine taps of a 3x3 filter (dilation 1) for four channels: x the window's first cell
 * (cells of three rows: tap (fy, fx) is at x + 6 fx + 2 slot(fy) words, slot(fy) = (rot + fy) mod 3),
 * w the group's weights (two words per tap, row-major). Two word loads and four SMLAxy per tap. */
#define TSLM_DW_TAP(xoff, woff)                               \
    "ldrd %[x02], %[x13], [%[x], #" xoff "]\n\t"              \
    "ldrd %[w02], %[w13], [%[w], #" woff "]\n\t"              \
    "smlabb %[a0], %[x02], %[w02], %[a0]\n\t"                 \
    "smlatt %[a2], %[x02], %[w02], %[a2]\n\t"                 \
    "smlabb %[a1], %[x13], %[w13], %[a1]\n\t"                 \
    "smlatt %[a3], %[x13], %[w13], %[a3]\n\t"
/* R0, R1, R2: byte offsets of the filter's rows within a cell */
#define TSLM_DW_3X3(R0, R1, R2)                                                                        \
    __asm__("mov %[a0], #0\n\t"                                                                        \
            "mov %[a1], #0\n\t"                                                                        \
            "mov %[a2], #0\n\t"                                                                        \
            "mov %[a3], #0\n\t"                                                                        \
            TSLM_DW_TAP(R0, "0") TSLM_DW_TAP(R0 "+24", "8") TSLM_DW_TAP(R0 "+48", "16")                 \
            TSLM_DW_TAP(R1, "24") TSLM_DW_TAP(R1 "+24", "32") TSLM_DW_TAP(R1 "+48", "40")               \
            TSLM_DW_TAP(R2, "48") TSLM_DW_TAP(R2 "+24", "56") TSLM_DW_TAP(R2 "+48", "64")               \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [x02] "=&r"(x02),          \
              [x13] "=&r"(x13), [w02] "=&r"(w02), [w13] "=&r"(w13)                                      \
            : [x] "r"(x), [w] "r"(w)                                                                    \
            : "memory")

TSLM_ALWAYS_INLINE void taps_3x3(const int32_t *x, const int32_t *w, const int rot, int32_t *acc0, int32_t *acc1,
                                 int32_t *acc2, int32_t *acc3)
{
#if defined(TSLM_DSP_ASM)
    int32_t a0, a1, a2, a3, x02, x13, w02, w13;
    if (rot == 0) {
        TSLM_DW_3X3("0", "8", "16");
    } else if (rot == 1) {
        TSLM_DW_3X3("8", "16", "0");
    } else {
        TSLM_DW_3X3("16", "0", "8");
    }
#else
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t fy = 0; fy < 3; ++fy) {
        for (int32_t fx = 0; fx < 3; ++fx, w += 2) {
            const int32_t *t = x + 6 * fx + 2 * ((rot + fy) % 3);
            TAP(t[0], t[1], w[0], w[1]);
        }
    }
#endif
    *acc0 = a0, *acc1 = a1, *acc2 = a2, *acc3 = a3;
}

/* The row slot of input row iy (possibly negative) in every cell. */
TSLM_ALWAYS_INLINE int32_t slot_of(int32_t iy, int32_t span)
{
    return ((iy % span) + span) % span;
}

/* One output row from the window: for each group of four channels and each output column,
 * the taps, then four requantized outputs; k3x3: the 3x3 filter written out. */
TSLM_ALWAYS_INLINE void output_row(const tslm_depthwise_conv_params *p, const int32_t *window, int32_t span,
                                   int32_t y0, const int32_t *weights, int8_t *out, const int k3x3, const int rot,
                                   const int fast, const int full)
{
    const int32_t C = p->input_c, fh = p->filter_h, fw = p->filter_w, taps = fh * fw, ring_w = p->ring_w;
    const int32_t step = 2 * span * p->stride_w, tap_x = 2 * span * p->dilation_w;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t rows[TSLM_DSP_DW_MAX_SPAN]; /* word offset of each filter row within a cell, for this output row */
    for (int32_t fy = 0; !k3x3 && fy < fh; ++fy) {
        rows[fy] = 2 * slot_of(y0 + fy * p->dilation_h, span);
    }
    for (int32_t c = 0; c < C; c += 4) {
        const int32_t *wg = weights + (c / 4) * taps * 2;
        const int32_t *rq = p->requant + 4 * c;
        const int32_t *x = window + (c / 4) * ring_w * span * 2;
        int8_t *o = out + c;
        for (int32_t ox = 0; ox < p->output_w; ++ox, o += C, x += step) {
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            if (k3x3) {
                taps_3x3(x, wg, rot, &a0, &a1, &a2, &a3);
            } else if (fw == 1) { /* K x 1 (e.g. over time): one tap per filter row */
                const int32_t *w = wg;
                for (int32_t fy = 0; fy < fh; ++fy, w += 2) {
                    const int32_t *t = x + rows[fy];
                    TAP(t[0], t[1], w[0], w[1]);
                }
            } else {
                const int32_t *w = wg;
                for (int32_t fy = 0; fy < fh; ++fy) {
                    const int32_t *t = x + rows[fy];
                    for (int32_t fx = 0; fx < fw; ++fx, w += 2, t += tap_x) {
                        TAP(t[0], t[1], w[0], w[1]);
                    }
                }
            }
            if (c + 4 <= C) {
                o[0] = tslm_dsp_out(a0, rq, zp, lo, hi, fast, full);
                o[1] = tslm_dsp_out(a1, rq + 4, zp, lo, hi, fast, full);
                o[2] = tslm_dsp_out(a2, rq + 8, zp, lo, hi, fast, full);
                o[3] = tslm_dsp_out(a3, rq + 12, zp, lo, hi, fast, full);
            } else { /* the last, partial group of channels */
                const int32_t acc[4] = {a0, a1, a2, a3};
                for (int32_t j = 0; c + j < C; ++j) {
                    o[j] = tslm_dsp_out(acc[j], rq + 4 * j, zp, lo, hi, fast, full);
                }
            }
        }
    }
}


TSLM_ALWAYS_INLINE void run(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *weights,
                            int8_t *output, int32_t *window, const int fast, const int full)
{
    const int32_t span = (p->filter_h - 1) * p->dilation_h + 1;
    const int k3x3 = p->filter_h == 3 && p->filter_w == 3 && p->dilation_h == 1 && p->dilation_w == 1;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int32_t next = -p->pad_h; /* the next input row to take into the window */
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            /* the window holds input rows y0 .. y0 + span - 1, each taken in before output row oy
             * is written (in place, input rows > oy are still intact, rows <= oy were read earlier) */
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (next = next > y0 ? next : y0; next < y0 + span; ++next) {
                widen_row(p, in_b, next, window, span, slot_of(next, span));
            }
            int8_t *out = output + (b * p->output_h + oy) * p->output_w * p->output_c;
            if (!k3x3) {
                output_row(p, window, span, y0, weights, out, 0, 0, fast, full);
            } else if (slot_of(y0, 3) == 0) {
                output_row(p, window, span, y0, weights, out, 1, 0, fast, full);
            } else if (slot_of(y0, 3) == 1) {
                output_row(p, window, span, y0, weights, out, 1, 1, fast, full);
            } else {
                output_row(p, window, span, y0, weights, out, 1, 2, fast, full);
            }
        }
    }
}

void tslm_dsp_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    /* The compiler gives requantization records only for depth multiplier 1 and filters spanning at most
     * TSLM_DSP_DW_MAX_SPAN rows (tinyslm/compiler/ops/conv.py); without them, the portable kernel. */
    if (p->requant == NULL) {
        tslm_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    int32_t *window = (int32_t *)(void *)scratch;
    if (!p->requant_fast) {
        run(p, input, w, output, window, 0, 0);
    } else if (p->act_min == -128 && p->act_max == 127) {
        run(p, input, w, output, window, 1, 1);
    } else {
        run(p, input, w, output, window, 1, 0);
    }
}

int32_t tslm_dsp_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    if (p->requant == NULL) {
        return tslm_depthwise_conv_s8_get_buffer_size(p);
    }
    const int32_t span = (p->filter_h - 1) * p->dilation_h + 1;
    return span * p->ring_w * ((p->input_c + 3) / 4) * 8;
}
