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

/* Input row iy (zero points outside the image) into row `slot` of every cell: per group of four channels the
 * padding columns, then the image's columns in a loop of their own (one load, two SXTB16, two stores). */
static void widen_row(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t iy, int32_t *window,
                      int32_t span, int32_t slot)
{
    const int32_t C = p->input_c, cell = 2 * span, ring_w = p->ring_w;
    const uint32_t zp = (uint8_t)(-p->input_offset);
    const int32_t zero_points = (int32_t)(zp * 0x01010101u);
    const int32_t pad_pair0 = tslm_sxtb16(zero_points), pad_pair1 = tslm_sxtb16_ror8(zero_points);
    const int inside = iy >= 0 && iy < p->input_h;
    /* the image's columns [x0, x1) of the ring (padded columns from -pad_w) */
    const int32_t x0 = inside ? (p->pad_w < ring_w ? p->pad_w : ring_w) : ring_w;
    const int32_t x1 = inside ? (p->pad_w + p->input_w < ring_w ? p->pad_w + p->input_w : ring_w) : ring_w;
    const int8_t *row = in_b + iy * p->input_w * C;
    int32_t *dst = window + 2 * slot;
    for (int32_t c = 0; c < C; c += 4) {
        int32_t *d = dst;
        for (int32_t xp = 0; xp < x0; ++xp, d += cell) {
            d[0] = pad_pair0, d[1] = pad_pair1;
        }
        const int8_t *src = row + (x0 - p->pad_w) * C + c;
        if (c + 4 <= C) {
            for (int32_t xp = x0; xp < x1; ++xp, d += cell, src += C) {
                const int32_t v = tslm_read32(src);
                d[0] = tslm_sxtb16(v), d[1] = tslm_sxtb16_ror8(v);
            }
        } else {
            for (int32_t xp = x0; xp < x1; ++xp, d += cell, src += C) {
                const int32_t v = tslm_dsp_group(src - c, c, C);
                d[0] = tslm_sxtb16(v), d[1] = tslm_sxtb16_ror8(v);
            }
        }
        for (int32_t xp = x1 > x0 ? x1 : x0; xp < ring_w; ++xp, d += cell) {
            d[0] = pad_pair0, d[1] = pad_pair1;
        }
        dst += ring_w * cell;
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


/* ------------------------------------------------------------------------------------------------
 * The column layout (requant_fast >= TSLM_DW_COL; stride_h 1 or 2, dilation_h 1): the filter's taps
 * are paired along y so each SMLAD does two MACs of one channel. For each group of four input
 * channels, every padded column of the whole input (ring_w of them, from -pad_w; rows from -pad_h,
 * zero points outside the image) is widened once into scratch as the words
 * X_i = (row 2i, row 2i + 1) of each channel: col(k, xp) = scratch + (k * ring_w + xp) * J words.
 * Weights (the compiler's, doubled so the accumulator starts at the record's 2 * bias): per output
 * channel and filter column, n words A_j = (2 w[2j], 2 w[2j + 1]) (zeros past filter_h). Four output
 * rows at a time, oy = 4b + r:
 *   stride 1: rows 2m, 2m + 2 take A_j . X_{m+j}, X_{m+1+j} (m = 2b); rows 2m + 1, 2m + 3 take
 *             B_j = (2 w[2j - 1], 2 w[2j]) . the same words, B_j made from A_{j-1}, A_j in registers;
 *             n = filter_h / 2 + 1;
 *   stride 2: row oy takes A_j . X_{oy+j}; n = (filter_h + 1) / 2.
 * A group's channels are read whole before any of their outputs is written, so the op may run in
 * place. With EPI_SAT or EPI_RSAT, 3x3 (stride 1 or 2), 5x5 and K x 1 (K = 2..5) at stride 1 run in Thumb-2
 * drivers (col_3x3_channels, col_3x3s2_channels, col_5x5_channels, col_k1_channels): a group's channels, every
 * output column and the row after the full blocks in assembly, per channel its record and its weights as the
 * pairs along y with their odd-tap neighbours ((w0, w1), (w1, w2), ...) in a context (col33_ctx), the block loop
 * chosen per column by its right shift (TSLM_DW_BLOCKS_R); the other shapes and epilogues in C. Width-1 3 x 1 layers
 * (stride 1 or 2) skip the widening altogether (col_w1k3: time pairs made in registers from the input bytes), and 3x3
 * at stride 2 with at most eight output rows runs in passes across the columns (col_3x3s2c_channels; passes of four
 * rows with J = 9 or 5 and stride_w 2 in col_3x3s2j_channels; from an entry of its own, six rows with J = 7 in one
 * pass of col_3x3s2six_channels and three rows with J = 4 and EPI_SAT in one pass of col_3x3s2t_channels, the
 * weights in registers). col_widen4 widens two pairs of rows a step where a column has five or more
 * (col_geo.wmode). Width > 1, 3 x 1 at stride 1: col_w1k3 once per column (col_w1k3_cols, an entry of its own). */

enum { EPI_SAT = 0, EPI_FOLD = 1, EPI_FAST = 2, EPI_EXACT = 3, EPI_RSAT = 4 };

/* words per padded column: enough for every block of four output rows (the last one partly past
 * the output) */
static int32_t col_words(const tslm_depthwise_conv_params *p)
{
    const int32_t blocks = (p->output_h + 3) / 4;
    if (p->stride_h == 1) {
        return 2 * (blocks - 1) + (p->filter_h / 2 + 1) + 1;
    }
    return 4 * (blocks - 1) + 3 + (p->filter_h + 1) / 2;
}

/* scratch bytes of the column layout over `rows` output rows: min(4, C) channels' padded columns of col_words */
static int32_t col_bytes(const tslm_depthwise_conv_params *p, int32_t rows)
{
    tslm_depthwise_conv_params q = *p;
    q.output_h = rows;
    return (p->input_c < 4 ? p->input_c : 4) * p->ring_w * col_words(&q) * 4;
}

TSLM_ALWAYS_INLINE int32_t pack_lo(int32_t a, int32_t b) /* (a.lo, b.lo): PKHBT */
{
#if defined(TSLM_DSP_ASM)
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((uint32_t)a & 0xFFFFu) | ((uint32_t)b << 16));
#endif
}

TSLM_ALWAYS_INLINE int32_t pack_hi(int32_t a, int32_t b) /* (a.hi, b.hi): PKHTB */
{
#if defined(TSLM_DSP_ASM)
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
#else
    return (int32_t)(((uint32_t)a >> 16) | ((uint32_t)b & 0xFFFF0000u));
#endif
}

/* The input word of group g at row iy, column ix; zero points outside the image. */
TSLM_ALWAYS_INLINE int32_t col_word(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t g,
                                    int32_t iy, int32_t ix, int32_t zero_points, const int partial)
{
    if (iy < 0 || iy >= p->input_h || ix < 0 || ix >= p->input_w) {
        return zero_points;
    }
    const int8_t *src = in_b + (iy * p->input_w + ix) * p->input_c;
    if (partial) {
        const int32_t v = tslm_dsp_group(src, 4 * g, p->input_c);
        const int32_t n = p->input_c - 4 * g; /* 1..3 channels: the rest zero points (unused) */
        const uint32_t keep = (1u << (8 * n)) - 1u;
        return (int32_t)(((uint32_t)v & keep) | ((uint32_t)zero_points & ~keep));
    }
    return tslm_read32(src + 4 * g);
}

/* The pair word of rows (t, t + 1) for each of four channels from their input words v0 (row t), v1 (row t + 1):
 * the halves first (PKHBT, PKHTB: bytes c0 c1 of both rows, c2 c3 of both), then SXTB16 of each, plain and
 * rotated (six instructions for four words). */
TSLM_ALWAYS_INLINE void col_pair4(int32_t v0, int32_t v1, int32_t *d, int32_t cs)
{
    const int32_t lo = pack_lo(v0, v1), hi = pack_hi(v0, v1);
    d[0] = tslm_sxtb16(lo);
    d[cs] = tslm_sxtb16_ror8(lo);
    d[2 * cs] = tslm_sxtb16(hi);
    d[3 * cs] = tslm_sxtb16_ror8(hi);
}

static void col_widen(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t g, int32_t *col,
                      int32_t J, int32_t chans);

/* What widening a group of four channels needs, computed once per call (col_geometry). */
typedef struct {
    int32_t J, cs, row, IC;   /* words per column, words between channels' arrays, input row bytes, channels */
    int32_t cols, first;      /* image columns; bytes from a column's row 0 to the first pair wholly inside */
    int32_t top, bottom;      /* a first pair with row -1 outside (at j0), a last with its second row outside */
    int32_t wmode;            /* col_widen4's loop (col_geometry) */
    int32_t j0, in0, pairs;   /* the first pair touching the image, the first wholly inside, how many are */
    int32_t zero_points;      /* the input zero point in each byte */
    int32_t zbottom;          /* col_widen13 writes the pair below the image (wmode 20: col_pad need not) */
    int32_t wk[8];            /* TSLM_WIDEN_COLS's constants: row, 4 cs, 8 cs, 12 cs, 4 pairs, IC - 2 pairs row,
                               * 4 (J - pairs), zero_points */
} col_geo;

__attribute__((noinline)) static void col_geometry(const tslm_depthwise_conv_params *p, int32_t J, col_geo *q)
{
    const int32_t j0 = p->pad_h / 2, j1 = (p->pad_h + p->input_h + 1) / 2 < J ? (p->pad_h + p->input_h + 1) / 2 : J;
    const int32_t in0 = (p->pad_h + 1) / 2, in1 = (p->pad_h + p->input_h) / 2 < J ? (p->pad_h + p->input_h) / 2 : J;
    const int32_t xend = p->ring_w < p->pad_w + p->input_w ? p->ring_w : p->pad_w + p->input_w;
    q->J = J, q->cs = p->ring_w * J, q->row = p->input_w * p->input_c, q->IC = p->input_c;
    q->cols = xend - p->pad_w, q->first = (2 * in0 - p->pad_h) * q->row;
    q->top = j0 < in0, q->bottom = in1 < j1, q->j0 = j0, q->in0 = in0, q->pairs = in1 - in0;
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    /* col_widen4's loop: 0 the C loop (a last pair with its second row below the image); 1, 2: TSLM_WIDEN_COLS2U (9
     * pairs with J = 9 and the last pair's second row read by no output, 8 pairs with J = 9; 17, 18: 4 pairs with
     * J = 5, 6 with J = 9 or 7; 19, 20: col_widen13's, chosen by col_geometry13); 3..10:
     * TSLM_WIDEN_COLS2 (five or more pairs, none above the image: 3 + 4 odd + 2 odd steps + J > pairs); 11, 12:
     * exactly 3, 4 pairs; 13..16 TSLM_WIDEN_COLS (with a pair above the image, odd pairs) */
    const int32_t pairs = q->pairs, hi_unused = 2 * J - 1 > (p->output_h - 1) * p->stride_h +
                                                              (p->filter_h - 1) * p->dilation_h; /* (padded rows) */
    if (q->bottom || pairs <= 0 || q->cols <= 0) {
        q->wmode = 0;
    } else if (!q->top && pairs == 9 && J == 9 && hi_unused) {
        q->wmode = 1;
    } else if (!q->top && pairs == 8 && J == 9) {
        q->wmode = 2;
    } else if (!q->top && pairs == 4 && J == 5) {
        q->wmode = 17;
    } else if (!q->top && pairs == 6 && (J == 9 || J == 7)) {
        q->wmode = 18;
    } else if (!q->top && pairs >= 5) {
        q->wmode = 3 + 4 * (pairs & 1) + 2 * ((pairs >> 1) & 1) + (J > pairs);
    } else if (!q->top && (pairs == 3 || pairs == 4)) {
        q->wmode = 8 + pairs;
    } else {
        q->wmode = 13 + 2 * !q->top + !(pairs & 1);
    }
#endif
    q->zero_points = (int32_t)((uint32_t)(uint8_t)(-p->input_offset) * 0x01010101u);
    q->wk[0] = q->row, q->wk[1] = 4 * q->cs, q->wk[2] = 8 * q->cs, q->wk[3] = 12 * q->cs, q->wk[4] = 4 * q->pairs;
    q->wk[5] = q->IC - 2 * q->pairs * q->row, q->wk[6] = 4 * (J - q->pairs), q->wk[7] = q->zero_points;
    q->zbottom = 0;
}

#if defined(TSLM_DSP_ASM)
/* one pair of rows (col_pair4) in col_widen4's loops, the destination moved on by one word, the source by two
 * rows (r8: the row's bytes, r9-r11: one, two, three channels' arrays in bytes; r12, lr, lo the temporaries) */
#define TSLM_WIDEN_PAIR                                         \
    "ldr r12, [%[s]]\n\t"                                       \
    "ldr lr, [%[s], r8]\n\t"                                    \
    "add %[s], %[s], r8, lsl #1\n\t" TSLM_WIDEN_PAIR_BODY
/* the pair's words of rows (2j, 2j + 1) in r12, lr to the destination */
#define TSLM_WIDEN_PAIR_BODY                                    \
    "pkhbt %[lo], r12, lr, lsl #16\n\t"                         \
    "pkhtb lr, lr, r12, asr #16\n\t"                            \
    "sxtb16 r12, %[lo], ror #8\n\t"                             \
    "sxtb16 %[lo], %[lo]\n\t"                                   \
    "str r12, [%[d], r9]\n\t"                                   \
    "sxtb16 r12, lr\n\t"                                        \
    "sxtb16 lr, lr, ror #8\n\t"                                 \
    "str r12, [%[d], r10]\n\t"                                  \
    "str lr, [%[d], r11]\n\t"                                   \
    "str %[lo], [%[d]], #4\n\t"
/* the same with the constants and temporaries in registers of the compiler's choice (col_widen4's other loop) */
#define TSLM_WIDEN_PAIR_R                                       \
    "ldr %[v0], [%[s]]\n\t"                                     \
    "ldr %[v1], [%[s], %[row]]\n\t"                             \
    "add %[s], %[s], %[row], lsl #1\n\t"                        \
    "pkhbt %[lo], %[v0], %[v1], lsl #16\n\t"                    \
    "pkhtb %[v1], %[v1], %[v0], asr #16\n\t"                    \
    "sxtb16 %[v0], %[lo], ror #8\n\t"                           \
    "sxtb16 %[lo], %[lo]\n\t"                                   \
    "str %[v0], [%[d], %[cs1]]\n\t"                             \
    "sxtb16 %[v0], %[v1]\n\t"                                   \
    "sxtb16 %[v1], %[v1], ror #8\n\t"                           \
    "str %[v0], [%[d], %[cs2]]\n\t"                             \
    "str %[v1], [%[d], %[cs3]]\n\t"                             \
    "str %[lo], [%[d]], #4\n\t"
/* every image column of four channels where no pair has its second row below the image (col_widen4): per column
 * (TOP: TSLM_WIDEN_TOP) its pairs two a turn (ODD: "b 3f", an odd count entering at the turn's second pair), then
 * the next column, until d reaches stop; k: col_geo's wk */
#define TSLM_WIDEN_COLS(TOP, ODD)                                                                              \
    __asm__ volatile("ldmia %[k], {r8, r9, r10, r11}\n\t"                                                      \
                     "2:\n\t" TOP                                                                              \
                     "ldr r12, [%[k], #16]\n\t"                                                                \
                     "add %[e], %[d], r12\n\t" ODD                                                             \
                     "1:\n\t" TSLM_WIDEN_PAIR "3:\n\t" TSLM_WIDEN_PAIR                                         \
                     "cmp %[d], %[e]\n\t"                                                                      \
                     "bne 1b\n\t"                                                                              \
                     "ldrd r12, lr, [%[k], #20]\n\t"                                                           \
                     "add %[s], %[s], r12\n\t"                                                                 \
                     "add %[d], %[d], lr\n\t"                                                                  \
                     "cmp %[d], %[stop]\n\t"                                                                   \
                     "bne 2b\n\t"                                                                              \
                     : [s] "+r"(s), [d] "+r"(d), [lo] "=&r"(lo), [e] "=&r"(e)                                  \
                     : [k] "r"(k), [stop] "r"(stop)                                                            \
                     : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
/* the same for a column of exactly N pairs (PAIRS: TSLM_WIDEN_PAIR N times), no pair above the image: no inner loop */
#define TSLM_WIDEN_COLS_N(PAIRS)                                                                               \
    __asm__ volatile("ldmia %[k], {r8, r9, r10, r11}\n\t"                                                      \
                     "2:\n\t" PAIRS                                                                            \
                     "ldrd r12, lr, [%[k], #20]\n\t"                                                           \
                     "add %[s], %[s], r12\n\t"                                                                 \
                     "add %[d], %[d], lr\n\t"                                                                  \
                     "cmp %[d], %[stop]\n\t"                                                                   \
                     "bne 2b\n\t"                                                                              \
                     : [s] "+r"(s), [d] "+r"(d), [lo] "=&r"(lo)                                                \
                     : [k] "r"(k), [stop] "r"(stop)                                                            \
                     : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
/* columns of exactly three pairs: the six rows at s + 0, row, 2 row, 3 row (row3), 4 row, 5 row (row5), s moved on
 * once a column (by the input's channels, ic); k then holds wk[6], d's step from a column's last pair to the next
 * column */
#define TSLM_WIDEN_COLS_3                                                                                      \
    __asm__ volatile("ldmia %[k], {r8, r9, r10, r11}\n\t"                                                      \
                     "ldr %[k], [%[k], #24]\n\t"                                                               \
                     "2:\n\t"                                                                                  \
                     "ldr r12, [%[s]]\n\t"                                                                     \
                     "ldr lr, [%[s], r8]\n\t" TSLM_WIDEN_PAIR_BODY                                             \
                     "ldr r12, [%[s], r8, lsl #1]\n\t"                                                         \
                     "ldr lr, [%[s], %[row3]]\n\t" TSLM_WIDEN_PAIR_BODY                                        \
                     "ldr r12, [%[s], r8, lsl #2]\n\t"                                                         \
                     "ldr lr, [%[s], %[row5]]\n\t" TSLM_WIDEN_PAIR_BODY                                        \
                     "add %[s], %[s], %[ic]\n\t"                                                               \
                     "add %[d], %[d], %[k]\n\t"                                                                \
                     "cmp %[d], %[stop]\n\t"                                                                   \
                     "bne 2b\n\t"                                                                              \
                     : [s] "+r"(s), [d] "+r"(d), [lo] "=&r"(lo), [k] "+r"(kk)                                  \
                     : [stop] "r"(stop), [row3] "r"(3 * row), [row5] "r"(5 * row), [ic] "r"(q->IC)             \
                     : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
/* every image column where no pair is above or below the image, five or more pairs a column, two pairs a step: four
 * rows by four loads (s, s + row, s + 2 row, s + 3 row: r8 row, lr 3 row), four PKH, eight SXTB16 and one STRD per
 * channel of its two consecutive words through the channel's own pointer (d, d1, d2, d3, post-incremented), 21
 * instructions for two pairs (TSLM_WIDEN_COLS: 26). ODD1: TSLM_WIDEN_ONE (an odd count of pairs), ODD2: "b 3f"
 * (an odd count of steps, entering at the turn's second); DSTEP: the four pointers moved on to the next column
 * (J > pairs). The column's end is d + 4 pairs bytes (e), its constants (4 pairs, IC - 2 pairs row, 4 (J - pairs),
 * stop) on the stack. */
#define TSLM_WIDEN_ONE                                                                                         \
    "ldr r9, [%[s]]\n\t"                                                                                       \
    "ldr r10, [%[s], r8]\n\t"                                                                                  \
    "add %[s], %[s], r8, lsl #1\n\t"                                                                           \
    "pkhbt %[t], r9, r10, lsl #16\n\t"                                                                         \
    "pkhtb r10, r10, r9, asr #16\n\t"                                                                          \
    "sxtb16 r9, %[t]\n\t"                                                                                      \
    "str r9, [%[d]], #4\n\t"                                                                                   \
    "sxtb16 r9, %[t], ror #8\n\t"                                                                              \
    "str r9, [%[d1]], #4\n\t"                                                                                  \
    "sxtb16 r9, r10\n\t"                                                                                       \
    "str r9, [%[d2]], #4\n\t"                                                                                  \
    "sxtb16 r9, r10, ror #8\n\t"                                                                               \
    "str r9, [%[d3]], #4\n\t"
/* the last pair of a column whose second row no output reads (col_geo.hi_unused: 3x3 at stride 2, the second row
 * of the last pair is one past the last output's last filter row, and A1 = (w2, 0) multiplies it by zero): its
 * first row alone, each channel's byte sign-extended into the low half by SXTB16 rotated 0, 8, 16, 24 (the high
 * half the word's other channel, never read as a value); s is not moved on (SADJ: the column step two rows longer) */
#define TSLM_WIDEN_HALF                                                                                        \
    "ldr r9, [%[s]]\n\t"                                                                                       \
    "sxtb16 r10, r9\n\t"                                                                                       \
    "sxtb16 r11, r9, ror #8\n\t"                                                                               \
    "sxtb16 r12, r9, ror #16\n\t"                                                                              \
    "sxtb16 r9, r9, ror #24\n\t"                                                                               \
    "str r10, [%[d]], #4\n\t"                                                                                  \
    "str r11, [%[d1]], #4\n\t"                                                                                 \
    "str r12, [%[d2]], #4\n\t"                                                                                 \
    "str r9, [%[d3]], #4\n\t"
#define TSLM_WIDEN_TWO                                                                                         \
    "ldr r9, [%[s]]\n\t"                                                                                       \
    "ldr r10, [%[s], r8]\n\t"                                                                                  \
    "ldr r11, [%[s], r8, lsl #1]\n\t"                                                                          \
    "ldr r12, [%[s], lr]\n\t"                                                                                  \
    "add %[s], %[s], r8, lsl #2\n\t"                                                                           \
    "pkhbt %[t], r9, r10, lsl #16\n\t"                                                                         \
    "pkhtb r10, r10, r9, asr #16\n\t"                                                                          \
    "pkhbt r9, r11, r12, lsl #16\n\t"                                                                          \
    "pkhtb r12, r12, r11, asr #16\n\t"                                                                         \
    "sxtb16 r11, %[t]\n\t"                                                                                     \
    "sxtb16 %[x], r9\n\t"                                                                                      \
    "strd r11, %[x], [%[d]], #8\n\t"                                                                           \
    "sxtb16 r11, %[t], ror #8\n\t"                                                                             \
    "sxtb16 %[x], r9, ror #8\n\t"                                                                              \
    "strd r11, %[x], [%[d1]], #8\n\t"                                                                          \
    "sxtb16 r11, r10\n\t"                                                                                      \
    "sxtb16 %[x], r12\n\t"                                                                                     \
    "strd r11, %[x], [%[d2]], #8\n\t"                                                                          \
    "sxtb16 r11, r10, ror #8\n\t"                                                                              \
    "sxtb16 %[x], r12, ror #8\n\t"                                                                             \
    "strd r11, %[x], [%[d3]], #8\n\t"
#define TSLM_WIDEN_SIX TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO
/* the column's last word, the pair below the image, as zero points (r10: their pair word), instead of DSTEP and
 * col_pad's store of it (col_geo.zbottom) */
#define TSLM_WIDEN_ZSTEP                                                                                       \
    "str r10, [%[d]], #4\n\t"                                                                                 \
    "str r10, [%[d1]], #4\n\t"                                                                                \
    "str r10, [%[d2]], #4\n\t"                                                                                \
    "str r10, [%[d3]], #4\n\t"
#define TSLM_WIDEN_DSTEP                                                                                       \
    "add %[d], %[d], r10\n\t"                                                                                  \
    "add %[d1], %[d1], r10\n\t"                                                                                \
    "add %[d2], %[d2], r10\n\t"                                                                                \
    "add %[d3], %[d3], r10\n\t"
#define TSLM_WIDEN_COLS2(ODD1, ODD2, DSTEP)                                                                    \
    __asm__ volatile("ldr r8, [%[x]]\n\t"                                                                      \
                     "ldrd r9, r10, [%[x], #4]\n\t"                                                            \
                     "ldr r11, [%[x], #12]\n\t"                                                                \
                     "add %[d1], %[d], r9\n\t"                                                                 \
                     "add %[d2], %[d], r10\n\t"                                                                \
                     "add %[d3], %[d], r11\n\t"                                                                \
                     "add lr, r8, r8, lsl #1\n\t"                                                              \
                     "ldrd r9, r10, [%[x], #16]\n\t"                                                           \
                     "ldr r11, [%[x], #24]\n\t"                                                                \
                     "strd r9, r10, [sp, #-16]!\n\t"                                                           \
                     "strd r11, %[e], [sp, #8]\n\t"                                                            \
                     "2:\n\t"                                                                                  \
                     "ldr %[e], [sp]\n\t"                                                                      \
                     "add %[e], %[e], %[d]\n\t" ODD1 ODD2                                                      \
                     "1:\n\t" TSLM_WIDEN_TWO "3:\n\t" TSLM_WIDEN_TWO                                           \
                     "cmp %[d], %[e]\n\t"                                                                      \
                     "bne 1b\n\t"                                                                              \
                     "ldrd r9, r10, [sp, #4]\n\t"                                                              \
                     "add %[s], %[s], r9\n\t" DSTEP                                                            \
                     "ldr r9, [sp, #12]\n\t"                                                                   \
                     "cmp %[d], r9\n\t"                                                                        \
                     "bne 2b\n\t"                                                                              \
                     "add sp, sp, #16\n\t"                                                                     \
                     : [s] "+r"(s), [d] "+r"(d), [e] "+r"(ce), [d1] "=&r"(d1), [d2] "=&r"(d2), [d3] "=&r"(d3),  \
                       [t] "=&r"(lo), [x] "+r"(x)                                                              \
                     :                                                                                         \
                     : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
/* the same for a column of exactly 8 or 9 pairs (STEPS: TSLM_WIDEN_TWO four times), no loop inside the column
 * (the compiler's bands of 8 rows at stride 2: J = 9), stop kept in e */
#define TSLM_WIDEN_COLS2U(ODD1, STEPS, DSTEP, SADJ)                                                                    \
    __asm__ volatile("ldr r8, [%[x]]\n\t"                                                                      \
                     "ldrd r9, r10, [%[x], #4]\n\t"                                                            \
                     "ldr r11, [%[x], #12]\n\t"                                                                \
                     "add %[d1], %[d], r9\n\t"                                                                 \
                     "add %[d2], %[d], r10\n\t"                                                                \
                     "add %[d3], %[d], r11\n\t"                                                                \
                     "add lr, r8, r8, lsl #1\n\t"                                                              \
                     "ldrd r9, r10, [%[x], #16]\n\t"                                                           \
                     "ldr r11, [%[x], #24]\n\t" SADJ                                                           \
                     "strd r9, r10, [sp, #-16]!\n\t"                                                           \
                     "strd r11, %[e], [sp, #8]\n\t"                                                            \
                     "2:\n\t"                                                                                  \
                     ODD1 STEPS                                                                                \
                     "ldrd r9, r10, [sp, #4]\n\t"                                                              \
                     "add %[s], %[s], r9\n\t" DSTEP                                                            \
                     "cmp %[d], %[e]\n\t"                                                                      \
                     "bne 2b\n\t"                                                                              \
                     "add sp, sp, #16\n\t"                                                                     \
                     : [s] "+r"(s), [d] "+r"(d), [e] "+r"(ce), [d1] "=&r"(d1), [d2] "=&r"(d2), [d3] "=&r"(d3),  \
                       [t] "=&r"(lo), [x] "+r"(x)                                                              \
                     :                                                                                         \
                     : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
/* the pair (zero points, row 0) where row -1 is outside the image (odd pad_h: the first pair wholly inside starts
 * at row 1, one row on from row 0 and one word on from this pair) */
#define TSLM_WIDEN_TOP                                          \
    "sub %[d], %[d], #4\n\t"                                    \
    "sub lr, %[s], r8\n\t"                                      \
    "ldr lr, [lr]\n\t"                                          \
    "ldr r12, [%[k], #28]\n\t" TSLM_WIDEN_PAIR_BODY
#endif

/* Widen four channels' image columns (src: their first column's row 0; col: the group's first padded column
 * of the image). */
__attribute__((noinline)) static void col_widen4(const col_geo *q, const int8_t *src, int32_t *col)
{
    const int32_t cs = q->cs, row = q->row, pairs = q->pairs;
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (q->wmode > 0) { /* all columns in Thumb-2 (col_geometry's choice; the size build: the loop below) */
        const int32_t *const k = q->wk;
        const int8_t *s = src + q->first;
        int32_t *d = col + q->in0, *const stop = d + q->cols * q->J, lo, e;
        int32_t *d1, *d2, *d3;
        const int32_t *x = k;   /* TSLM_WIDEN_COLS2: k, then the asm's temporary x */
        const int8_t *ce = (const int8_t *)stop; /* stop, then (stop on the stack) the asm's column end */
        switch (q->wmode) {
        case 1:
            TSLM_WIDEN_COLS2U("", TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_HALF, "",
                              "add r10, r10, r8, lsl #1\n\t");
            break;
        case 2:
            TSLM_WIDEN_COLS2U("", TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO, TSLM_WIDEN_DSTEP, "");
            break;
        case 17: /* 4 pairs with J = 5 (output_h 4 at stride 2) */
            TSLM_WIDEN_COLS2U("", TSLM_WIDEN_TWO TSLM_WIDEN_TWO, TSLM_WIDEN_DSTEP, "");
            break;
        case 18: /* 6 pairs with J = 9 or 7 (12-row images at stride 2) */
            TSLM_WIDEN_COLS2U("", TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO, TSLM_WIDEN_DSTEP, "");
            break;
        case 3: /* TSLM_WIDEN_COLS2: an odd pair, an odd step, the column step (3 + 4 odd + 2 odd2 + dstep ...) */
            TSLM_WIDEN_COLS2("", "", "");
            break;
        case 4:
            TSLM_WIDEN_COLS2("", "", TSLM_WIDEN_DSTEP);
            break;
        case 5:
            TSLM_WIDEN_COLS2("", "b 3f\n\t", "");
            break;
        case 6:
            TSLM_WIDEN_COLS2("", "b 3f\n\t", TSLM_WIDEN_DSTEP);
            break;
        case 7:
            TSLM_WIDEN_COLS2(TSLM_WIDEN_ONE, "", "");
            break;
        case 8:
            TSLM_WIDEN_COLS2(TSLM_WIDEN_ONE, "", TSLM_WIDEN_DSTEP);
            break;
        case 9:
            TSLM_WIDEN_COLS2(TSLM_WIDEN_ONE, "b 3f\n\t", "");
            break;
        case 10:
            TSLM_WIDEN_COLS2(TSLM_WIDEN_ONE, "b 3f\n\t", TSLM_WIDEN_DSTEP);
            break;
        case 11: { /* small images at stride 2 (6 rows) */
            const int32_t *kk = k;
            TSLM_WIDEN_COLS_3;
            break;
        }
        case 12:
            TSLM_WIDEN_COLS_N(TSLM_WIDEN_PAIR TSLM_WIDEN_PAIR TSLM_WIDEN_PAIR TSLM_WIDEN_PAIR);
            break;
        case 13:
            TSLM_WIDEN_COLS(TSLM_WIDEN_TOP, "b 3f\n\t");
            break;
        case 14:
            TSLM_WIDEN_COLS(TSLM_WIDEN_TOP, "");
            break;
        case 15:
            TSLM_WIDEN_COLS("", "b 3f\n\t");
            break;
        default:
            TSLM_WIDEN_COLS("", "");
            break;
        }
        (void)d1, (void)d2, (void)d3, (void)x, (void)ce;
        (void)lo, (void)e;
        return;
    }
#endif
    int32_t *d = col;
    for (int32_t c = 0; c < q->cols; ++c, src += q->IC, d += q->J) {
        if (q->top) { /* row -1 outside (odd pad_h) */
            col_pair4(q->zero_points, tslm_read32(src), d + q->j0, cs);
        }
        const int8_t *s = src + q->first;
        int32_t *dj = d + q->in0, *const dend = dj + pairs;
#if defined(TSLM_DSP_ASM)
        if (pairs > 0 && (pairs & 1)) {
            col_pair4(tslm_read32(s), tslm_read32(s + row), dj, cs);
            s += 2 * row, ++dj;
        }
        if (pairs > 1) { /* two pairs a turn: 2 x (2 loads, 2 PKH, 4 SXTB16, 4 stores, 1 add) + 2 */
            int32_t v0, v1, lo;
            __asm__ volatile("1:\n\t" TSLM_WIDEN_PAIR_R TSLM_WIDEN_PAIR_R
                             "cmp %[d], %[dend]\n\t"
                             "bne 1b\n\t"
                             : [s] "+r"(s), [d] "+r"(dj), [v0] "=&r"(v0), [v1] "=&r"(v1), [lo] "=&r"(lo)
                             : [row] "r"(row), [cs1] "r"(4 * cs), [cs2] "r"(8 * cs), [cs3] "r"(12 * cs),
                               [dend] "r"(dend)
                             : "cc", "memory");
        }
#else
        for (; dj < dend; s += 2 * row, ++dj) { /* 2 loads, 2 PKH, 4 SXTB16, 4 stores */
            col_pair4(tslm_read32(s), tslm_read32(s + row), dj, cs);
        }
#endif
        if (q->bottom) { /* the last row's pair, its second row outside */
            col_pair4(tslm_read32(s), q->zero_points, dj, cs);
        }
    }
}

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
/* col_geometry's choice upgraded for 3x3 at stride 2 (col_run_3x3_body only, so that other layers link none of
 * col_widen13): columns of 13 words, 13 pairs whose last one's second row no output reads (wmode 19: the compiler's
 * bands of 12 rows) or 12 pairs from the image's first row and the pair below it (20: 24-row images, the last band of
 * 12 rows), which col_widen13 writes as zero points (TSLM_WIDEN_ZSTEP's pair word in DSTEP's slot; col_pad need not:
 * zbottom) */
TSLM_ALWAYS_INLINE void col_geometry13(const tslm_depthwise_conv_params *p, col_geo *q)
{
    const int32_t hi_unused = 2 * q->J - 1 > (p->output_h - 1) * p->stride_h + (p->filter_h - 1) * p->dilation_h;
    if (q->J != 13 || q->top || q->bottom || q->cols <= 0) {
        return;
    }
    if (q->pairs == 13 && hi_unused) {
        q->wmode = 19;
    } else if (q->pairs == 12 && q->in0 == 0) {
        const uint32_t zp = (uint32_t)(-p->input_offset) & 0xFFFFu;
        q->wmode = 20, q->wk[6] = (int32_t)(zp | (zp << 16)), q->zbottom = 1;
    }
}

/* col_widen4 for col_geometry13's modes 19 and 20 (src, col: col_widen4's) */
__attribute__((noinline)) static void col_widen13(const col_geo *q, const int8_t *src, int32_t *col)
{
    const int32_t *const k = q->wk;
    const int8_t *s = src + q->first;
    int32_t *d = col + q->in0, *const stop = d + q->cols * q->J, lo;
    int32_t *d1, *d2, *d3;
    const int32_t *x = k;
    const int8_t *ce = (const int8_t *)stop;
    if (q->wmode == 19) { /* 13 pairs, the last one's first row alone (TSLM_WIDEN_HALF) */
        TSLM_WIDEN_COLS2U("", TSLM_WIDEN_SIX TSLM_WIDEN_HALF, "", "add r10, r10, r8, lsl #1\n\t");
    } else if (q->cols & 1) { /* 12 pairs and the zero points' */
        TSLM_WIDEN_COLS2U("", TSLM_WIDEN_SIX, TSLM_WIDEN_ZSTEP, "");
    } else { /* the same two columns a turn (one compare and branch per two) */
        TSLM_WIDEN_COLS2U("", TSLM_WIDEN_SIX,
                          TSLM_WIDEN_ZSTEP TSLM_WIDEN_SIX "ldrd r9, r10, [sp, #4]\n\tadd %[s], %[s], r9\n\t"
                          TSLM_WIDEN_ZSTEP, "");
    }
    (void)d1, (void)d2, (void)d3, (void)x, (void)ce, (void)lo;
}
#endif

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
/* col_widen4's modes 11 (three pairs a column: 6x6 at stride 2) and 18 (six pairs, 12x12) for the small images'
 * drivers (col_run_3x3s2t, col_run_3x3s2six): functions of their own, without col_widen4's choice of loop and its
 * frame (~10 instructions a group fewer; inlined into the drivers, GCC's spills around them cost more) */
__attribute__((noinline)) static void col_widen4_pairs3(const col_geo *q, const int8_t *src, int32_t *col)
{
    const int32_t row = q->row, *kk = q->wk;
    const int8_t *s = src + q->first;
    int32_t *d = col + q->in0, *const stop = d + q->cols * q->J, lo;
    TSLM_WIDEN_COLS_3;
    (void)lo;
}

__attribute__((noinline)) static void col_widen4_pairs6(const col_geo *q, const int8_t *src, int32_t *col)
{
    const int8_t *s = src + q->first;
    int32_t *d = col + q->in0, *const stop = d + q->cols * q->J, lo, *d1, *d2, *d3;
    const int32_t *x = q->wk;
    const int8_t *ce = (const int8_t *)stop;
    TSLM_WIDEN_COLS2U("", TSLM_WIDEN_TWO TSLM_WIDEN_TWO TSLM_WIDEN_TWO, TSLM_WIDEN_DSTEP, "");
    (void)d1, (void)d2, (void)d3, (void)x, (void)ce, (void)lo;
}
#endif

#undef TSLM_WIDEN_PAIR
#undef TSLM_WIDEN_COLS
#undef TSLM_WIDEN_COLS_N
#undef TSLM_WIDEN_COLS2
#undef TSLM_WIDEN_COLS2U
#undef TSLM_WIDEN_ONE
#undef TSLM_WIDEN_TWO
#undef TSLM_WIDEN_HALF
#undef TSLM_WIDEN_DSTEP
#undef TSLM_WIDEN_ZSTEP
#undef TSLM_WIDEN_SIX
#undef TSLM_WIDEN_COLS_3
#undef TSLM_WIDEN_TOP
#undef TSLM_WIDEN_PAIR_BODY
#undef TSLM_WIDEN_PAIR_R

/* Group g's columns: col_widen4 for four channels, col_widen otherwise. */
TSLM_ALWAYS_INLINE void col_widen_group(const tslm_depthwise_conv_params *p, const col_geo *q, const int8_t *in_b,
                                        int32_t g, int32_t *col, int32_t chans)
{
    if (4 * g + 4 <= p->input_c) {
        col_widen4(q, in_b + 4 * g, col + p->pad_w * q->J);
    } else {
        col_widen(p, in_b, g, col, q->J, chans);
    }
}

/* col_widen_group for 3x3 at stride 2: col_widen13 for four channels in col_geometry13's modes */
TSLM_ALWAYS_INLINE void col_widen_group_s2(const tslm_depthwise_conv_params *p, const col_geo *q, const int8_t *in_b,
                                           int32_t g, int32_t *col, int32_t chans)
{
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (q->wmode >= 19 && chans == 4) {
        col_widen13(q, in_b + 4 * g, col + p->pad_w * q->J);
        return;
    }
#endif
    col_widen_group(p, q, in_b, g, col, chans);
}

/* Widen group g's padded columns into col (`chans` of its four channels kept): the words of rows
 * 2j, 2j + 1 of the image (pairs wholly outside it are zero points, written by col_pad once per call); the last,
 * partial group (col_widen4 the others). */
__attribute__((noinline)) static void col_widen(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t g, int32_t *col,
                      int32_t J, int32_t chans)
{
    const uint32_t zp = (uint8_t)(-p->input_offset);
    const int32_t zero_points = (int32_t)(zp * 0x01010101u);
    const int partial = 4 * g + 4 > p->input_c;
    const int32_t cs = p->ring_w * J; /* words between the channels' arrays */
    /* j: the pairs touching the image */
    const int32_t j0 = p->pad_h / 2, j1 = (p->pad_h + p->input_h + 1) / 2 < J ? (p->pad_h + p->input_h + 1) / 2 : J;
    const int32_t xend = p->ring_w < p->pad_w + p->input_w ? p->ring_w : p->pad_w + p->input_w;
    for (int32_t xp = p->pad_w; xp < xend; ++xp) {
        const int32_t ix = xp - p->pad_w;
        int32_t *d = col + xp * J;
        for (int32_t j = j0; j < j1; ++j) {
            const int32_t iy = 2 * j - p->pad_h;
            const int32_t v0 = col_word(p, in_b, g, iy, ix, zero_points, partial);
            const int32_t v1 = col_word(p, in_b, g, iy + 1, ix, zero_points, partial);
            const int32_t e0 = tslm_sxtb16(v0), e1 = tslm_sxtb16(v1);
            d[j] = pack_lo(e0, e1);
            if (chans > 1) {
                const int32_t o0 = tslm_sxtb16_ror8(v0), o1 = tslm_sxtb16_ror8(v1);
                d[cs + j] = pack_lo(o0, o1);
                if (chans > 2) {
                    d[2 * cs + j] = pack_hi(e0, e1);
                    if (chans > 3) {
                        d[3 * cs + j] = pack_hi(o0, o1);
                    }
                }
            }
        }
    }
}

/* The words no group's image values reach (columns and row pairs wholly outside the image): zero points. */
__attribute__((noinline)) static void col_pad_rows(const tslm_depthwise_conv_params *p, int32_t *col, int32_t J,
                                                   int32_t chans, const int below)
{
    const int32_t zp = -p->input_offset;
    const int32_t pad = pack_lo(zp, zp);
    const int32_t j0 = p->pad_h / 2, j1 = (p->pad_h + p->input_h + 1) / 2 < J ? (p->pad_h + p->input_h + 1) / 2 : J;
    const int32_t x0 = p->pad_w, x1 = p->pad_w + p->input_w; /* the image's columns */
    const int32_t w = p->ring_w, xa = x0 < w ? x0 : w, xb = x1 < w ? x1 : w; /* the image's columns in the ring */
    for (int32_t c = 0; c < chans; ++c) {
        int32_t *const base = col + c * w * J;
        for (int32_t *d = base; d < base + xa * J; ++d) { /* whole columns left and right of the image */
            *d = pad;
        }
        for (int32_t *d = base + xb * J; d < base + w * J; ++d) {
            *d = pad;
        }
        /* the image's columns: pairs above (j < j0) and below (j >= j1) the image (the pairs between: col_widen's),
         * one pair row at a time across the columns (one store a word; one or two rows at most) */
        for (int32_t j = 0; j < J; ++j) {
            if (j == j0 && j1 > j0) { /* past the image's pairs (and those below where `below` is 0) */
                j = below ? j1 : J;
                if (j >= J) {
                    break;
                }
            }
            for (int32_t *d = base + xa * J + j, *const end = base + xb * J; d < end; d += J) {
                *d = pad;
            }
        }
    }
}

TSLM_ALWAYS_INLINE void col_pad(const tslm_depthwise_conv_params *p, int32_t *col, int32_t J, int32_t chans)
{
    col_pad_rows(p, col, J, chans, 1);
}

#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
#define TSLM_USAT8(x) ((int32_t)__usat((x), 8))
#else
#define TSLM_USAT8(x) ((x) < 0 ? 0 : ((x) > 255 ? 255 : (x)))
#endif

/* One channel's record, loaded once per column of outputs. */
typedef struct {
    int32_t init, m, r, round;
    const int32_t *rq;
} col_rec;

/* acc (2 x (bias + sum), or 2 x sum for EPI_EXACT) to the int8 output. EPI_SAT: round already holds
 * 2^(r-1) + zp 2^r and the output clamps to the whole int8 range; EPI_FOLD: round holds
 * 2^(r-1) + (zp - lo) 2^r (lo >= zp). Where lo >= zp, TFLM's correction of negative values
 * (-1 before the shift) never shows: such a value is <= 0 either way and clamps to lo. EPI_RSAT: round
 * holds 2^(r-1) + zp 2^r as EPI_SAT's, the output clamps to the whole int8 range, and TFLM's -1 for values
 * <= 0 is kept (outputs below the zero point, no activation). */
TSLM_ALWAYS_INLINE int8_t col_out(int32_t acc, const col_rec k, int32_t zp, int32_t lo, int32_t hi, const int epi)
{
    int32_t v;
    if (epi == EPI_SAT) {
        v = tslm_ssat8(tslm_smmlar(acc, k.m, k.round) >> k.r);
    } else if (epi == EPI_FOLD) {
        v = TSLM_USAT8(tslm_smmlar(acc, k.m, k.round) >> k.r) + lo;
        v = v > hi ? hi : v;
    } else if (epi == EPI_RSAT) { /* EPI_FAST with the zero point in round, its -1 where acc < 0 (TSLM_COL3B_RREQ_T) */
        v = tslm_smmlar(acc, k.m, k.round + (acc >> 31));
        v = tslm_ssat8(v >> k.r);
    } else if (epi == EPI_FAST) {
        v = tslm_smmlar(acc, k.m, k.round);
        v += (v - 1) >> 31;
        v = tslm_ssat8((v >> k.r) + zp);
        v = v < lo ? lo : (v > hi ? hi : v);
    } else {
        v = tslm_ssat8(tslm_dsp_requant(acc >> 1, k.rq, 0) + zp); /* sums of doubled weights: even */
        v = v < lo ? lo : (v > hi ? hi : v);
    }
    return (int8_t)v;
}

/* Four output rows' accumulators += one filter column (n words of A) over x (the block's first word). */
TSLM_ALWAYS_INLINE void col_taps(const int32_t *x, const int32_t *A, const int32_t n, const int s2, int32_t *p0,
                                 int32_t *p1, int32_t *p2, int32_t *p3)
{
    int32_t a0 = *p0, a1 = *p1, a2 = *p2, a3 = *p3;
    if (!s2) {
        int32_t prev = 0, x0 = x[0];
#pragma GCC unroll 8
        for (int32_t j = 0; j < n; ++j) {
            const int32_t a = A[j], b = (int32_t)(((uint32_t)prev >> 16) | ((uint32_t)a << 16)), x1 = x[j + 1];
            a0 = tslm_smlad(a, x0, a0);
            a1 = tslm_smlad(b, x0, a1);
            a2 = tslm_smlad(a, x1, a2);
            a3 = tslm_smlad(b, x1, a3);
            prev = a, x0 = x1;
        }
    } else {
        int32_t x0 = x[0], x1 = x[1], x2 = x[2];
#pragma GCC unroll 8
        for (int32_t j = 0; j < n; ++j) {
            const int32_t a = A[j], x3 = x[j + 3];
            a0 = tslm_smlad(a, x0, a0);
            a1 = tslm_smlad(a, x1, a1);
            a2 = tslm_smlad(a, x2, a2);
            a3 = tslm_smlad(a, x3, a3);
            x0 = x1, x1 = x2, x2 = x3;
        }
    }
    *p0 = a0, *p1 = a1, *p2 = a2, *p3 = a3;
}

#if defined(TSLM_DSP_ASM)
/* One filter column of a 3x3 block: x words X0, X1, X2 at [xp] (then xp += tap), weights A0, A1 at
 * [w, #WOFF]; B0 = A0 << 16, B1 = (A0.hi, A1.lo). FIRST: the accumulators start from init. */
#define TSLM_COL3_FX(WOFF, I0, I1, I2, I3)                     \
    "ldrd %[A0], %[A1], [%[w], #" WOFF "]\n\t"                 \
    "ldrd %[x0], %[x1], [%[xp]]\n\t"                           \
    "ldr %[x2], [%[xp], #8]\n\t"                               \
    "add %[xp], %[xp], %[tap]\n\t"                             \
    "smlad %[a0], %[A0], %[x0], " I0 "\n\t"                    \
    "smlad %[a2], %[A0], %[x1], " I2 "\n\t"                    \
    "smlad %[a0], %[A1], %[x1], %[a0]\n\t"                     \
    "smlad %[a2], %[A1], %[x2], %[a2]\n\t"                     \
    "lsl %[t], %[A0], #16\n\t"                                 \
    "smlad %[a1], %[t], %[x0], " I1 "\n\t"                     \
    "smlad %[a3], %[t], %[x1], " I3 "\n\t"                     \
    "lsr %[t], %[A0], #16\n\t"                                 \
    "orr %[t], %[t], %[A1], lsl #16\n\t"                       \
    "smlad %[a1], %[t], %[x1], %[a1]\n\t"                      \
    "smlad %[a3], %[t], %[x2], %[a3]\n\t"

/* Four output rows of one channel and column, 3x3 at stride 1: 36 MACs in 44 instructions. */
TSLM_ALWAYS_INLINE void col_3x3(const int32_t *x, const int32_t *w, int32_t tap, int32_t init, int32_t *p0,
                                int32_t *p1, int32_t *p2, int32_t *p3)
{
    int32_t a0, a1, a2, a3, A0, A1, x0, x1, x2, t;
    const int32_t *xp = x;
    __asm__(TSLM_COL3_FX("0", "%[init]", "%[init]", "%[init]", "%[init]")
            TSLM_COL3_FX("8", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
            TSLM_COL3_FX("16", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [A0] "=&r"(A0), [A1] "=&r"(A1),
              [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [t] "=&r"(t), [xp] "+r"(xp)
            : [w] "r"(w), [tap] "r"(tap), [init] "r"(init)
            : "memory");
    *p0 = a0, *p1 = a1, *p2 = a2, *p3 = a3;
}
#undef TSLM_COL3_FX
#endif

#if defined(TSLM_DSP_ASM)

/* What the 3x3 and K x 1 loops read, per channel; their base is &m (init at -4). */
typedef struct {
    int32_t bias5[5];           /* -24: col_3x3s2six_channels's copies of init (LDMDB) */
    int32_t init;
    int32_t m, round, r, ostep; /* 0, 4, 8, 12 */
    const int8_t *end;          /* 16: the output past the last full block */
    int32_t tap, os3;           /* 20: bytes between padded columns; 24: 3 ostep (col_3x3s2j_channels) */
    int32_t ab[20];             /* 28 + 8 fx: 3x3: (w0, w1), (w1, w2) of filter column fx; K x 1: A_j, B_j;
                                 * 5x5: 28 + 16 fx: (w0, w1), (w1, w2), (w2, w3), (w3, w4) */
    /* the drivers (col_3x3_channels ...): 108, 112: the current column's first x word and output (one column
     * before the first at a channel's start); 116, 120: bytes between columns of x and of the output; 124: bytes
     * of output rows the full blocks cover; 128: the channel's last column's output; 132: one row after the
     * blocks; 136, 140: the next channel's record and weights; 144, 148: its 108 and 112 at its start; 152: bytes
     * between channels' columns; 156: output_w x 120; 160: 148 after the last channel; 164: s2jrows */
    int32_t xcol, ocol, xs, oc, bspan, ostop, rest1;
    int32_t rqp, wp, xbase, obase, cstride, owoc, ostopc;
    int32_t s2jrows; /* 164: col_3x3s2j_channels: the passes of four rows each channel runs after its first */
} col33_ctx;

/* One filter column of a 3x3 block: the column's three x words X0, X1, X2 in r8-r10 (XLOAD), the weights
 * A = (w0, w1), B = (w1, w2) in r11, r12: rows 0 and 2 take A . X0 (X1) and w2 X1.lo (X2.lo) (SMLATB), rows 1
 * and 3 w0 X0.hi (X1.hi) (SMLABT) and B . X1 (X2): eight instructions for 12 MACs. */
#define TSLM_COL3B_FX(AB, XLOAD, I0, I1, I2, I3)                 \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    XLOAD                                                       \
    "smlad %[a0], r11, r8, " I0 "\n\t"                          \
    "smlabt %[a1], r11, r8, " I1 "\n\t"                         \
    "smlad %[a2], r11, r9, " I2 "\n\t"                          \
    "smlabt %[a3], r11, r9, " I3 "\n\t"                         \
    "smlatb %[a0], r12, r9, %[a0]\n\t"                          \
    "smlad %[a1], r12, r9, %[a1]\n\t"                           \
    "smlatb %[a2], r12, r10, %[a2]\n\t"                         \
    "smlad %[a3], r12, r10, %[a3]\n\t"
/* requantization with m, round, r in r8-r10 and one LDM of m, round, r, ostep, end (r8-r12) */
#define TSLM_COL3B_REQ(X)                                       \
    "smmlar %[" X "], %[" X "], r8, r9\n\t"                     \
    "asr %[" X "], %[" X "], r10\n\t"                           \
    "ssat %[" X "], #8, %[" X "]\n\t"
/* EPI_RSAT (no activation): TFLM's -1 before the shift for values below zero is the accumulator's sign (acc < 0
 * gives a high product <= 0, where the -1 is either needed or shows nowhere; acc >= 0 one >= 0, where it must not
 * be), so the rounding term takes acc asr 31 before the SMMLAR: one instruction more than EPI_SAT per output;
 * T a temporary */
#define TSLM_COL3B_RREQ_T(X, T)                                 \
    "add " T ", r9, %[" X "], asr #31\n\t"                       \
    "smmlar %[" X "], %[" X "], r8, " T "\n\t"                  \
    "asr %[" X "], %[" X "], r10\n\t"                           \
    "ssat %[" X "], #8, %[" X "]\n\t"
#define TSLM_COL3B_RREQ(X) TSLM_COL3B_RREQ_T(X, "%[t]")
#define TSLM_COL3B_REQ4                                                                                      \
    "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t" TSLM_COL3B_REQ("a0") TSLM_COL3B_REQ("a1") TSLM_COL3B_REQ("a2") \
    TSLM_COL3B_REQ("a3")
#define TSLM_COL3B_RREQ4                                                                                     \
    "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t" TSLM_COL3B_RREQ("a0") TSLM_COL3B_RREQ("a1") TSLM_COL3B_RREQ("a2") \
    TSLM_COL3B_RREQ("a3")
#define TSLM_COL3B_NEXT "add %[xp], %[xp], lr\n\tldmia %[xp], {r8, r9, r10}\n\t"
/* EPI_SAT with the right shift R an immediate of SSAT (the drivers' blocks for r = 5..8, one copy each) */
#define TSLM_COL3B_REQR(X, R)                                   \
    "smmlar %[" X "], %[" X "], r8, r9\n\t"                     \
    "ssat %[" X "], #8, %[" X "], asr #" R "\n\t"
#define TSLM_COL3B_REQ4R(R)                                                                                  \
    "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t" TSLM_COL3B_REQR("a0", R) TSLM_COL3B_REQR("a1", R)            \
    TSLM_COL3B_REQR("a2", R) TSLM_COL3B_REQR("a3", R)
/* EPI_RSAT with the right shift R an immediate of SSAT (r10, the shift, free as the temporary) */
#define TSLM_COL3B_RREQR(X, R)                                  \
    "add r10, r9, %[" X "], asr #31\n\t"                         \
    "smmlar %[" X "], %[" X "], r8, r10\n\t"                    \
    "ssat %[" X "], #8, %[" X "], asr #" R "\n\t"
#define TSLM_COL3B_RREQ4R(R)                                                                                 \
    "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t" TSLM_COL3B_RREQR("a0", R) TSLM_COL3B_RREQR("a1", R)          \
    TSLM_COL3B_RREQR("a2", R) TSLM_COL3B_RREQR("a3", R)

/* Channels of one group, 3x3 at stride 1, all output columns: per channel its record and weights into the
 * context ((w0, w1), (w1, w2) per filter column), then per column the full blocks of four output rows (36
 * MACs, four outputs in 55 instructions), then, where ctx->rest1, the one row left (the even pairs: A . X0 and
 * w2 X1.lo per filter column), then the next column; outputs clamped to int8 with the zero point in the
 * rounding term (EPI_SAT; EPI_RSAT two more instructions per output). lr: the bytes between padded columns,
 * t: the channel's 2 x bias. */
#define TSLM_COL3_TAIL_FX(AB, I)                                \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    "ldrd r8, r9, [%[xp]]\n\t"                                  \
    "smlad %[a0], r11, r8, " I "\n\t"                           \
    "smlatb %[a0], r12, r9, %[a0]\n\t"
/* the pair (A, B) of a filter column from its two weight words in RA, RB (B over RB) */
#define TSLM_COL3_AB(RA, RB) "lsl " RB ", " RB ", #16\n\torr " RB ", " RB ", " RA ", lsr #16\n\t"
/* The drivers' channel loop (label 4): the channel's record into the context (t: its 2 x bias), its weights
 * (WEIGHTS), its columns' start; and their column loop (label 2): xp, o and the blocks' end for the next column. */
#define TSLM_DW_CHAN_HEAD(WEIGHTS)                                                                       \
    "4:\n\t"                                                                                                   \
    "ldr r8, [%[ctx], #136]\n\t"                                                                               \
    "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                                       \
    "str r8, [%[ctx], #136]\n\t"                                                                               \
    "mov %[t], r9\n\t"                                                                                         \
    "strd r10, r12, [%[ctx], #0]\n\t"                                                                          \
    "str r11, [%[ctx], #8]\n\t"                                                                                \
    WEIGHTS                                                                                                    \
    "ldrd r8, r9, [%[ctx], #144]\n\t"                                                                          \
    "ldrd r10, r11, [%[ctx], #152]\n\t"                                                                        \
    "strd r8, r9, [%[ctx], #108]\n\t"                                                                           \
    "add r11, r9, r11\n\t"                                                                                     \
    "str r11, [%[ctx], #128]\n\t"                                                                              \
    "add r8, r8, r10\n\t"                                                                                      \
    "add r9, r9, #1\n\t"                                                                                       \
    "strd r8, r9, [%[ctx], #144]\n\t"
#define TSLM_DW_CHAN_END                                                                                       \
    "ldr r8, [%[ctx], #148]\n\t"                                                                               \
    "ldr r9, [%[ctx], #160]\n\t"                                                                               \
    "cmp r8, r9\n\t"                                                                                           \
    "bne 4b"
#define TSLM_DW_COL_HEAD                                                                                       \
    "2:\n\t"                                                                                                   \
    "ldrd r8, r9, [%[ctx], #108]\n\t"                                                                           \
    "ldrd r10, r11, [%[ctx], #116]\n\t"                                                                        \
    "ldr r12, [%[ctx], #124]\n\t"                                                                              \
    "add %[xp], r8, r10\n\t"                                                                                   \
    "add %[o], r9, r11\n\t"                                                                                    \
    "strd %[xp], %[o], [%[ctx], #108]\n\t"                                                                      \
    "add r12, %[o], r12\n\t"                                                                                   \
    "str r12, [%[ctx], #16]\n\t"
#define TSLM_DW_COL_END                                                                                        \
    "3:\n\t"                                                                                                   \
    "ldr r8, [%[ctx], #112]\n\t"                                                                                \
    "ldr r9, [%[ctx], #128]\n\t"                                                                               \
    "cmp r8, r9\n\t"                                                                                           \
    "bne 2b\n\t"
/* the four outputs of a block at o, o + ostep (r11), ...; then the next block's, until the blocks' end (r12) */
#define TSLM_DW_STORE4                                                                                         \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "add %[o], %[o], r11, lsl #1\n\t"                                                                          \
    "strb %[a2], [%[o]]\n\t"                                                                                   \
    "strb %[a3], [%[o], r11]\n\t"                                                                              \
    "add %[o], %[o], r11, lsl #1\n\t"                                                                          \
    "cmp %[o], r12\n\t"                                                                                        \
    "bne 1b\n\t"
/* EPI_SAT: the channel's block loop chosen per column by TBH on its right shift r (<= 21 for this epilogue,
 * dsp_layout.depthwise_column_records): r = 5..8 a copy with SSAT's immediate shift, the others the loop with r
 * in a register; BLOCK(REQ4) one block loop (label 1), then on at label 8 */
#define TSLM_DW_G "(15f - 9b) / 2, "
#define TSLM_DW_BLOCKS_RQ(BLOCK, REQ4R, REQ4)                                                                                \
    "ldr r8, [%[ctx], #8]\n\t"                                                                                 \
    "tbh [pc, r8, lsl #1]\n\t"                                                                                 \
    "9:\n\t"                                                                                                   \
    ".hword " TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G                                                \
    "(11f - 9b) / 2, (12f - 9b) / 2, (13f - 9b) / 2, (14f - 9b) / 2, "                                         \
    TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G       \
    TSLM_DW_G TSLM_DW_G "(15f - 9b) / 2\n\t"                                                                   \
    "11:\n\t" BLOCK(REQ4R("5")) "b 8f\n\t"                                                          \
    "12:\n\t" BLOCK(REQ4R("6")) "b 8f\n\t"                                                          \
    "13:\n\t" BLOCK(REQ4R("7")) "b 8f\n\t"                                                          \
    "14:\n\t" BLOCK(REQ4R("8")) "b 8f\n\t"                                                          \
    "15:\n\t" BLOCK(REQ4)                                                                           \
    "8:\n\t"
#define TSLM_DW_BLOCKS_R(BLOCK) TSLM_DW_BLOCKS_RQ(BLOCK, TSLM_COL3B_REQ4R, TSLM_COL3B_REQ4)
#define TSLM_DW_BLOCKS_RR(BLOCK) TSLM_DW_BLOCKS_RQ(BLOCK, TSLM_COL3B_RREQ4R, TSLM_COL3B_RREQ12_4)
#define TSLM_DW_BLOCKS_1(BLOCK, REQ4) BLOCK(REQ4)
#define TSLM_COL3_WEIGHTS                                                                                      \
    "ldr r8, [%[ctx], #140]\n\t"                                                                               \
    "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                                       \
    TSLM_COL3_AB("r9", "r10") TSLM_COL3_AB("r11", "r12")                                                       \
    "strd r9, r10, [%[ctx], #28]\n\t"                                                                          \
    "strd r11, r12, [%[ctx], #36]\n\t"                                                                         \
    "ldmia r8!, {r9, r10}\n\t"                                                                                 \
    TSLM_COL3_AB("r9", "r10")                                                                                  \
    "strd r9, r10, [%[ctx], #44]\n\t"                                                                          \
    "str r8, [%[ctx], #140]\n\t"
/* one 3x3 block loop: four output rows per turn */
#define TSLM_COL3_BLOCK(REQ4)                                                                                  \
    "1:\n\t"                                                                                                   \
    TSLM_COL3B_FX("28", "ldmia %[xp], {r8, r9, r10}\n\t", "%[t]", "%[t]", "%[t]", "%[t]")                      \
    TSLM_COL3B_FX("36", TSLM_COL3B_NEXT, "%[a0]", "%[a1]", "%[a2]", "%[a3]")                                   \
    TSLM_COL3B_FX("44", TSLM_COL3B_NEXT, "%[a0]", "%[a1]", "%[a2]", "%[a3]")                                   \
    "sub %[xp], %[xp], lr, lsl #1\n\t"                                                                         \
    "add %[xp], %[xp], #8\n\t"                                                                                 \
    REQ4                                                                                                       \
    TSLM_DW_STORE4
#define TSLM_COL3_CHANNELS(BLOCKS, REQ1)                                                           \
    __asm__ volatile("ldr lr, [%[ctx], #20]\n\t"                                                               \
            TSLM_DW_CHAN_HEAD(TSLM_COL3_WEIGHTS)                                                    \
            TSLM_DW_COL_HEAD                                                                                   \
            BLOCKS                                                                                             \
            "ldr %[a1], [%[ctx], #132]\n\t"                                                                    \
            "cbz %[a1], 3f\n\t"                                                                                \
            TSLM_COL3_TAIL_FX("28", "%[t]") "add %[xp], %[xp], lr\n\t"                                         \
            TSLM_COL3_TAIL_FX("36", "%[a0]") "add %[xp], %[xp], lr\n\t"                                        \
            TSLM_COL3_TAIL_FX("44", "%[a0]")                                                                   \
            REQ1                                                                                               \
            "strb %[a0], [%[o]]\n\t"                                                                           \
            TSLM_DW_COL_END                                                                                    \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&l"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
/* EPI_RSAT in the 3x3 driver: r12 the temporary (t holds the bias) */
/* EPI_RSAT in the drivers, the shift in r10: r11 the temporary (t holds the bias), then ostep and end again */
#define TSLM_COL3B_RREQ12_4                                                                                  \
    "ldmia %[ctx], {r8, r9, r10}\n\t" TSLM_COL3B_RREQ_T("a0", "r11") TSLM_COL3B_RREQ_T("a1", "r11")           \
    TSLM_COL3B_RREQ_T("a2", "r11") TSLM_COL3B_RREQ_T("a3", "r11") "ldrd r11, r12, [%[ctx], #12]\n\t"
#define TSLM_COL3B_REQ1 "ldmia %[ctx], {r8, r9, r10}\n\t" TSLM_COL3B_REQ("a0")
#define TSLM_COL3B_RREQ1 "ldmia %[ctx], {r8, r9, r10}\n\t" TSLM_COL3B_RREQ_T("a0", "r11")

/* ctx: &m of the group's col33_ctx (its channel fields set by col_3x3_group) */
TSLM_ALWAYS_INLINE void col_3x3_channels_sat(const int32_t *ctx)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    TSLM_COL3_CHANNELS(TSLM_DW_BLOCKS_R(TSLM_COL3_BLOCK), TSLM_COL3B_REQ1);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}

TSLM_ALWAYS_INLINE void col_3x3_channels_rsat(const int32_t *ctx)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    TSLM_COL3_CHANNELS(TSLM_DW_BLOCKS_RR(TSLM_COL3_BLOCK), TSLM_COL3B_RREQ1);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}

/* The same at stride 2 (vertically): output row oy takes A0 . X_oy + A1 . X_(oy+1) per filter column, A0 = (w0, w1),
 * A1 = (w2, 0) as the compiler lays them out; a block of four rows reads X0..X4 (the next block four words on):
 * 24 SMLAD, 36 MACs, four outputs in 54 instructions. */
#define TSLM_COLS2_FX(AB, NEXT, I0, I1, I2, I3)                 \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    "ldmia %[xp], {r8, r9, r10}\n\t"                            \
    "smlad %[a0], r11, r8, " I0 "\n\t"                          \
    "smlad %[a1], r11, r9, " I1 "\n\t"                          \
    "smlad %[a0], r12, r9, %[a0]\n\t"                           \
    "smlad %[a1], r12, r10, %[a1]\n\t"                          \
    "smlad %[a2], r11, r10, " I2 "\n\t"                         \
    "ldrd r8, r9, [%[xp], #12]\n\t"                             \
    "smlad %[a2], r12, r8, %[a2]\n\t"                           \
    "smlad %[a3], r11, r8, " I3 "\n\t"                          \
    "smlad %[a3], r12, r9, %[a3]\n\t" NEXT
#define TSLM_COLS2_BLOCK(REQ4)                                                                                 \
    "1:\n\t"                                                                                                   \
    TSLM_COLS2_FX("28", "add %[xp], %[xp], lr\n\t", "%[t]", "%[t]", "%[t]", "%[t]")                            \
    TSLM_COLS2_FX("36", "add %[xp], %[xp], lr\n\t", "%[a0]", "%[a1]", "%[a2]", "%[a3]")                        \
    TSLM_COLS2_FX("44", "", "%[a0]", "%[a1]", "%[a2]", "%[a3]")                                                \
    "sub %[xp], %[xp], lr, lsl #1\n\t"                                                                         \
    "add %[xp], %[xp], #16\n\t"                                                                                \
    REQ4                                                                                                       \
    TSLM_DW_STORE4
#define TSLM_COLS2_TAIL_FX(AB, I)                               \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    "ldrd r8, r9, [%[xp]]\n\t"                                  \
    "smlad %[a0], r11, r8, " I "\n\t"                           \
    "smlad %[a0], r12, r9, %[a0]\n\t"
#define TSLM_COLS2_WEIGHTS                                                                                     \
    "ldr r8, [%[ctx], #140]\n\t"                                                                               \
    "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                                       \
    "strd r9, r10, [%[ctx], #28]\n\t"                                                                          \
    "strd r11, r12, [%[ctx], #36]\n\t"                                                                         \
    "ldmia r8!, {r9, r10}\n\t"                                                                                 \
    "strd r9, r10, [%[ctx], #44]\n\t"                                                                          \
    "str r8, [%[ctx], #140]\n\t"
#define TSLM_COLS2_CHANNELS(BLOCKS, REQ1)                                                                \
    __asm__ volatile("ldr lr, [%[ctx], #20]\n\t"                                                               \
            TSLM_DW_CHAN_HEAD(TSLM_COLS2_WEIGHTS)                                                        \
            TSLM_DW_COL_HEAD                                                                                   \
            BLOCKS                                                                                             \
            "ldr %[a1], [%[ctx], #132]\n\t"                                                                    \
            "cbz %[a1], 3f\n\t"                                                                                \
            TSLM_COLS2_TAIL_FX("28", "%[t]") "add %[xp], %[xp], lr\n\t"                                        \
            TSLM_COLS2_TAIL_FX("36", "%[a0]") "add %[xp], %[xp], lr\n\t"                                       \
            TSLM_COLS2_TAIL_FX("44", "%[a0]")                                                                  \
            REQ1                                                                                               \
            "strb %[a0], [%[o]]\n\t"                                                                           \
            TSLM_DW_COL_END                                                                                    \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&l"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

TSLM_ALWAYS_INLINE void col_3x3s2_channels_sat(const int32_t *ctx)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    TSLM_COLS2_CHANNELS(TSLM_DW_BLOCKS_R(TSLM_COLS2_BLOCK), TSLM_COL3B_REQ1);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}

TSLM_ALWAYS_INLINE void col_3x3s2_channels_rsat(const int32_t *ctx)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    TSLM_COLS2_CHANNELS(TSLM_DW_BLOCKS_1(TSLM_COLS2_BLOCK, TSLM_COL3B_RREQ12_4), TSLM_COL3B_RREQ1);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
/* 3x3 at stride 2 on small images (output_h <= 8): the group's output rows in passes of H = 4, 3, 2 or 1 rows (rows
 * R0 .. R0 + H - 1), each pass a driver whose block loop runs across the output columns (one block of H rows per
 * column: xp moves on by xs (116: here the bytes from a block's last filter column to the next block's first) and o
 * by oc per block) instead of down each column, so a column costs its block and five instructions (LDRD of xs and
 * oc, two adds, the loop's compare and branch), not the per-column head, TBH and tail of TSLM_COLS2_CHANNELS; with EPI_SAT the block loop
 * chosen per channel by its shift (TSLM_DW_BLOCKS_R's copies), EPI_RSAT one loop with r in a register. */
#define TSLM_S2C_NEXT(STORES)                                                                                  \
    "ldrd r8, r9, [%[ctx], #116]\n\t" STORES                                                                   \
    "add %[xp], %[xp], r8\n\t"                                                                                 \
    "add %[o], %[o], r9\n\t"                                                                                   \
    "cmp %[o], r12\n\t"                                                                                        \
    "bne 1b\n\t"
#define TSLM_S2C_ST4                                                                                           \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "strb %[a2], [%[o], r11, lsl #1]\n\t"                                                                      \
    "add r10, %[o], r11, lsl #1\n\t"                                                                           \
    "strb %[a3], [r10, r11]\n\t"
#define TSLM_S2C_ST3 "strb %[a0], [%[o]]\n\tstrb %[a1], [%[o], r11]\n\tstrb %[a2], [%[o], r11, lsl #1]\n\t"
#define TSLM_S2C_ST2 "strb %[a0], [%[o]]\n\tstrb %[a1], [%[o], r11]\n\t"
#define TSLM_S2C_ST1 "strb %[a0], [%[o]]\n\t"
#define TSLM_S2C_BLOCK4(REQ)                                                                                   \
    "1:\n\t"                                                                                                   \
    TSLM_COLS2_FX("28", "add %[xp], %[xp], lr\n\t", "%[t]", "%[t]", "%[t]", "%[t]")                            \
    TSLM_COLS2_FX("36", "add %[xp], %[xp], lr\n\t", "%[a0]", "%[a1]", "%[a2]", "%[a3]")                        \
    TSLM_COLS2_FX("44", "", "%[a0]", "%[a1]", "%[a2]", "%[a3]")                                                \
    REQ TSLM_S2C_NEXT(TSLM_S2C_ST4)
/* rows 0..2 of a block: the column's four x words by one LDM into a3 (free here; the operands are all in r0-r7, so
 * below r8) and r8-r10, eight instructions a filter column */
#define TSLM_S2C_FX3(AB, NEXT, I0, I1, I2)                      \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    "ldmia %[xp], {%[a3], r8, r9, r10}\n\t"                     \
    "smlad %[a0], r11, %[a3], " I0 "\n\t"                       \
    "smlad %[a1], r11, r8, " I1 "\n\t"                          \
    "smlad %[a0], r12, r8, %[a0]\n\t"                           \
    "smlad %[a1], r12, r9, %[a1]\n\t"                           \
    "smlad %[a2], r11, r9, " I2 "\n\t"                          \
    "smlad %[a2], r12, r10, %[a2]\n\t" NEXT
#define TSLM_S2C_BLOCK3(REQ)                                                                                   \
    "1:\n\t"                                                                                                   \
    TSLM_S2C_FX3("28", "add %[xp], %[xp], lr\n\t", "%[t]", "%[t]", "%[t]")                                     \
    TSLM_S2C_FX3("36", "add %[xp], %[xp], lr\n\t", "%[a0]", "%[a1]", "%[a2]")                                  \
    TSLM_S2C_FX3("44", "", "%[a0]", "%[a1]", "%[a2]")                                                          \
    REQ TSLM_S2C_NEXT(TSLM_S2C_ST3)
#define TSLM_S2C_FX2(AB, NEXT, I0, I1)                          \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    "ldmia %[xp], {r8, r9, r10}\n\t"                            \
    "smlad %[a0], r11, r8, " I0 "\n\t"                          \
    "smlad %[a1], r11, r9, " I1 "\n\t"                          \
    "smlad %[a0], r12, r9, %[a0]\n\t"                           \
    "smlad %[a1], r12, r10, %[a1]\n\t" NEXT
#define TSLM_S2C_BLOCK2(REQ)                                                                                   \
    "1:\n\t"                                                                                                   \
    TSLM_S2C_FX2("28", "add %[xp], %[xp], lr\n\t", "%[t]", "%[t]")                                             \
    TSLM_S2C_FX2("36", "add %[xp], %[xp], lr\n\t", "%[a0]", "%[a1]")                                           \
    TSLM_S2C_FX2("44", "", "%[a0]", "%[a1]")                                                                   \
    REQ TSLM_S2C_NEXT(TSLM_S2C_ST2)
#define TSLM_S2C_FX1(AB, NEXT, I0)                              \
    "ldrd r11, r12, [%[ctx], #" AB "]\n\t"                      \
    "ldrd r8, r9, [%[xp]]\n\t"                                  \
    "smlad %[a0], r11, r8, " I0 "\n\t"                          \
    "smlad %[a0], r12, r9, %[a0]\n\t" NEXT
#define TSLM_S2C_BLOCK1(REQ)                                                                                   \
    "1:\n\t"                                                                                                   \
    TSLM_S2C_FX1("28", "add %[xp], %[xp], lr\n\t", "%[t]")                                                     \
    TSLM_S2C_FX1("36", "add %[xp], %[xp], lr\n\t", "%[a0]")                                                    \
    TSLM_S2C_FX1("44", "", "%[a0]")                                                                            \
    REQ TSLM_S2C_NEXT(TSLM_S2C_ST1)
/* the requantization of H rows: EPI_SAT with the shift R an immediate, with it in r10; EPI_RSAT (r11 the
 * temporary, then ostep and end again); each leaves ostep in r11 and the blocks' end in r12 */
#define TSLM_S2C_LDM "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t"
#define TSLM_S2C_REQ3R(R) TSLM_S2C_LDM TSLM_COL3B_REQR("a0", R) TSLM_COL3B_REQR("a1", R) TSLM_COL3B_REQR("a2", R)
#define TSLM_S2C_REQ2R(R) TSLM_S2C_LDM TSLM_COL3B_REQR("a0", R) TSLM_COL3B_REQR("a1", R)
#define TSLM_S2C_REQ1R(R) TSLM_S2C_LDM TSLM_COL3B_REQR("a0", R)
#define TSLM_S2C_REQ3 TSLM_S2C_LDM TSLM_COL3B_REQ("a0") TSLM_COL3B_REQ("a1") TSLM_COL3B_REQ("a2")
#define TSLM_S2C_REQ2 TSLM_S2C_LDM TSLM_COL3B_REQ("a0") TSLM_COL3B_REQ("a1")
#define TSLM_S2C_REQ1 TSLM_S2C_LDM TSLM_COL3B_REQ("a0")
#define TSLM_S2C_RLDM "ldmia %[ctx], {r8, r9, r10}\n\t"
#define TSLM_S2C_RTAIL "ldrd r11, r12, [%[ctx], #12]\n\t"
#define TSLM_S2C_RREQ3                                                                                         \
    TSLM_S2C_RLDM TSLM_COL3B_RREQ_T("a0", "r11") TSLM_COL3B_RREQ_T("a1", "r11") TSLM_COL3B_RREQ_T("a2", "r11") \
    TSLM_S2C_RTAIL
#define TSLM_S2C_RREQ2 TSLM_S2C_RLDM TSLM_COL3B_RREQ_T("a0", "r11") TSLM_COL3B_RREQ_T("a1", "r11") TSLM_S2C_RTAIL
#define TSLM_S2C_RREQ1 TSLM_S2C_RLDM TSLM_COL3B_RREQ_T("a0", "r11") TSLM_S2C_RTAIL
/* per channel: its record and weights (as TSLM_DW_CHAN_HEAD's), its first column's xp and o straight from xbase
 * and obase (144, 148: here the first column's, not the one before), the blocks' end (one column past its last),
 * then the block loop (BLOCKS, on at label 8) */
#define TSLM_S2C_CHANNELS(BLOCKS)                                                                              \
    __asm__ volatile("ldr lr, [%[ctx], #20]\n\t"                                                               \
            "4:\n\t"                                                                                           \
            "ldr r8, [%[ctx], #136]\n\t"                                                                       \
            "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                               \
            "str r8, [%[ctx], #136]\n\t"                                                                       \
            "mov %[t], r9\n\t"                                                                                 \
            "strd r10, r12, [%[ctx], #0]\n\t"                                                                  \
            "str r11, [%[ctx], #8]\n\t"                                                                        \
            TSLM_COLS2_WEIGHTS                                                                                 \
            "ldrd %[xp], %[o], [%[ctx], #144]\n\t"                                                             \
            "ldrd r10, r11, [%[ctx], #152]\n\t"                                                                \
            "add r12, %[o], r11\n\t"                                                                           \
            "str r12, [%[ctx], #16]\n\t"                                                                       \
            "add r8, %[xp], r10\n\t"                                                                           \
            "add r9, %[o], #1\n\t"                                                                             \
            "strd r8, r9, [%[ctx], #144]\n\t"                                                                  \
            BLOCKS                                                                                             \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

/* ctx: &m of the group's col33_ctx (as col_3x3s2_channels_*), h: the pass's rows (1..4) */
/* (split by clamp, EPI_RSAT and EPI_SAT, so that a model with one clamp links one: col_3x3s2c_channels chooses) */
__attribute__((noinline)) static void col_3x3s2c_channels_r(const int32_t *ctx, const int32_t h)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    if (h == 4) {
        TSLM_S2C_CHANNELS(TSLM_S2C_BLOCK4(TSLM_COL3B_RREQ12_4) "8:\n\t");
    } else if (h == 3) {
        TSLM_S2C_CHANNELS(TSLM_S2C_BLOCK3(TSLM_S2C_RREQ3) "8:\n\t");
    } else if (h == 2) {
        TSLM_S2C_CHANNELS(TSLM_S2C_BLOCK2(TSLM_S2C_RREQ2) "8:\n\t");
    } else {
        TSLM_S2C_CHANNELS(TSLM_S2C_BLOCK1(TSLM_S2C_RREQ1) "8:\n\t");
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
__attribute__((noinline)) static void col_3x3s2c_channels_s(const int32_t *ctx, const int32_t h)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    if (h == 4) {
        TSLM_S2C_CHANNELS(TSLM_DW_BLOCKS_RQ(TSLM_S2C_BLOCK4, TSLM_COL3B_REQ4R, TSLM_COL3B_REQ4));
    } else if (h == 3) {
        TSLM_S2C_CHANNELS(TSLM_DW_BLOCKS_RQ(TSLM_S2C_BLOCK3, TSLM_S2C_REQ3R, TSLM_S2C_REQ3));
    } else if (h == 2) {
        TSLM_S2C_CHANNELS(TSLM_DW_BLOCKS_RQ(TSLM_S2C_BLOCK2, TSLM_S2C_REQ2R, TSLM_S2C_REQ2));
    } else {
        TSLM_S2C_CHANNELS(TSLM_DW_BLOCKS_RQ(TSLM_S2C_BLOCK1, TSLM_S2C_REQ1R, TSLM_S2C_REQ1));
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
TSLM_ALWAYS_INLINE void col_3x3s2c_channels(const int32_t *ctx, const int32_t h, const int rsat)
{
    if (rsat) {
        col_3x3s2c_channels_r(ctx, h);
    } else {
        col_3x3s2c_channels_s(ctx, h);
    }
}
/* The same passes of four rows where a padded column is J = 9 or 5 words (output_h 5..8: the compiler's bands of 8
 * rows and images of 10..16 rows; output_h 4) and the filter moves two columns a block (stride_w 2, so a block's
 * third filter column is the next block's first and xp needs no step between blocks): the channel's parameters in
 * a context of its own on the stack (TSLM_S2J_CHANNELS), which frees r0 for the channel's 2 x bias as the first
 * filter column's addend, each filter column's five x words X0..X4 by one LDM (r8-r12, the weights in t and lr), the
 * filter columns 4 J bytes apart (an immediate, TAP), and one LDM of m, round, 3 ostep (r: the register-shift loop),
 * ostep, the blocks' end and OC per block: 48 instructions for four outputs with r = 5..8 (TSLM_S2C_BLOCK4: 54). */
#define TSLM_S2J_FX(AB, I0, I1, I2, I3)                                                                        \
    "ldrd %[t], lr, [sp, #" AB "]\n\t"                                                                         \
    "ldmia %[xp], {r8, r9, r10, r11, r12}\n\t"                                                                 \
    "smlad %[a0], %[t], r8, " I0 "\n\t"                                                                        \
    "smlad %[a1], %[t], r9, " I1 "\n\t"                                                                        \
    "smlad %[a2], %[t], r10, " I2 "\n\t"                                                                       \
    "smlad %[a3], %[t], r11, " I3 "\n\t"                                                                       \
    "smlad %[a0], lr, r9, %[a0]\n\t"                                                                           \
    "smlad %[a1], lr, r10, %[a1]\n\t"                                                                          \
    "smlad %[a2], lr, r11, %[a2]\n\t"                                                                          \
    "smlad %[a3], lr, r12, %[a3]\n\t"
#define TSLM_S2J_MACS(TAP) "1:\n\t" TSLM_S2J_MACS0(TAP)
#define TSLM_S2J_MACS0(TAP)                                                                                    \
    TSLM_S2J_FX("28", "%[b]", "%[b]", "%[b]", "%[b]") "add %[xp], %[xp], #" TAP "\n\t"                         \
    TSLM_S2J_FX("36", "%[a0]", "%[a1]", "%[a2]", "%[a3]") "add %[xp], %[xp], #" TAP "\n\t"                     \
    TSLM_S2J_FX("44", "%[a0]", "%[a1]", "%[a2]", "%[a3]")                                                      \
    "ldmia sp, {r8, r9, r10, r11, r12, lr}\n\t"
#define TSLM_S2J_END "add %[o], %[o], lr\n\tcmp %[o], r12\n\tbne 1b\n\t"
/* r = R (5..8) an immediate of SSAT, r10 = 3 ostep (the record's r slot holds it but in the loop with r in r10) */
#define TSLM_S2J_BLOCKR(R, TAP)                                                                                     \
    TSLM_S2J_MACS(TAP)                                                                   \
    TSLM_COL3B_REQR("a0", R) TSLM_COL3B_REQR("a1", R) TSLM_COL3B_REQR("a2", R) TSLM_COL3B_REQR("a3", R)        \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "strb %[a2], [%[o], r11, lsl #1]\n\t"                                                                      \
    "strb %[a3], [%[o], r10]\n\t" TSLM_S2J_END
/* the same two blocks a turn (an even number of output columns: one compare and branch per two blocks) */
#define TSLM_S2J_BODYR(R, TAP)                                                                                 \
    TSLM_S2J_MACS0(TAP)                                                                                        \
    TSLM_COL3B_REQR("a0", R) TSLM_COL3B_REQR("a1", R) TSLM_COL3B_REQR("a2", R) TSLM_COL3B_REQR("a3", R)        \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "strb %[a2], [%[o], r11, lsl #1]\n\t"                                                                      \
    "strb %[a3], [%[o], r10]\n\t"                                                                              \
    "add %[o], %[o], lr\n\t"
#define TSLM_S2J_BLOCKR2(R, TAP)                                                                               \
    "1:\n\t" TSLM_S2J_BODYR(R, TAP) TSLM_S2J_BODYR(R, TAP)                                                     \
    "cmp %[o], r12\n\t"                                                                                        \
    "bne 1b\n\t"
/* EPI_RSAT with r = R an immediate of SSAT (t the temporary for the rounding term with TFLM's -1) */
#define TSLM_S2J_RREQR(X, R)                                                                                   \
    "add %[t], r9, %[" X "], asr #31\n\t"                                                                      \
    "smmlar %[" X "], %[" X "], r8, %[t]\n\t"                                                                  \
    "ssat %[" X "], #8, %[" X "], asr #" R "\n\t"
#define TSLM_S2J_BLOCKRR(R, TAP)                                                                               \
    TSLM_S2J_MACS(TAP)                                                              \
    TSLM_S2J_RREQR("a0", R) TSLM_S2J_RREQR("a1", R) TSLM_S2J_RREQR("a2", R) TSLM_S2J_RREQR("a3", R)            \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "strb %[a2], [%[o], r11, lsl #1]\n\t"                                                                      \
    "strb %[a3], [%[o], r10]\n\t" TSLM_S2J_END
/* r in r10 (REQ: TSLM_COL3B_REQ, or TSLM_COL3B_RREQ with t the temporary) */
#define TSLM_S2J_BLOCK(REQ, TAP)                                                                                    \
    TSLM_S2J_MACS(TAP) REQ("a0") REQ("a1") REQ("a2") REQ("a3")                                                      \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "add r10, %[o], r11, lsl #1\n\t"                                                                           \
    "strb %[a2], [%[o], r11, lsl #1]\n\t"                                                                      \
    "strb %[a3], [r10, r11]\n\t" TSLM_S2J_END
/* after a channel's blocks of four rows: its next four rows where the pass has more (sp + 56: how many more), the
 * same loop copy again with xp at the next rows' first column (sp + 52: this pass's, one word a row on: stride 2),
 * o (at the old end, r12, one column past the last of the rows before) 3 ostep on (r11 from the blocks' LDM; ostep =
 * output_w OC: the first column of the rows four on) and the end one output row on from it: 10 instructions instead
 * of the channel's set-up and a pass of its own (~31 and the C driver's ~25 a group) */
#define TSLM_S2J_ROWS TSLM_S2J_ROWS_TO("8f")
#define TSLM_S2J_ROWS_TO(EXIT)                                                                                 \
    "ldrd r8, r9, [sp, #52]\n\t"                                                                               \
    "subs r9, r9, #1\n\t"                                                                                      \
    "bmi " EXIT "\n\t"                                                                                               \
    "add %[xp], r8, #16\n\t"                                                                                   \
    "strd %[xp], r9, [sp, #52]\n\t"                                                                            \
    "add %[o], %[o], r11, lsl #1\n\t"                                                                          \
    "add %[o], %[o], r11\n\t"                                                                                  \
    "add r12, %[o], r11\n\t"                                                                                   \
    "str r12, [sp, #16]\n\t"                                                                                   \
    "b 1b\n\t"
#define TSLM_S2J_BLOCKS(BLOCKR, REQ, TAP)                                                                      \
    "tbh [pc, r11, lsl #1]\n\t"                                                                                \
    "9:\n\t"                                                                                                   \
    ".hword " TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G                                                \
    "(11f - 9b) / 2, (12f - 9b) / 2, (13f - 9b) / 2, (14f - 9b) / 2, "                                         \
    TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G       \
    TSLM_DW_G TSLM_DW_G "(15f - 9b) / 2\n\t"                                                                   \
    "11:\n\t" BLOCKR("5", TAP) TSLM_S2J_ROWS                                                                  \
    "12:\n\t" BLOCKR("6", TAP) TSLM_S2J_ROWS                                                                  \
    "13:\n\t" BLOCKR("7", TAP) TSLM_S2J_ROWS                                                                  \
    "14:\n\t" BLOCKR("8", TAP) TSLM_S2J_ROWS                                                                  \
    "15:\n\t"                                                                                                 \
    "str r11, [sp, #8]\n\t" TSLM_S2J_BLOCK(REQ, TAP) TSLM_S2J_ROWS_TO("7f")                                  \
    "7:\n\t"                                                                                                   \
    "ldr r8, [sp, #24]\n\t"                                                                                    \
    "str r8, [sp, #8]\n\t"                                                                                     \
    "8:\n\t"
/* per channel as TSLM_S2C_CHANNELS, but with the channel's record, weights, ostep, OC, 3 ostep and the blocks' end in
 * a context of its own on the stack (sp + 0 .. 51 at col33_ctx's offsets, 52 and 56 TSLM_S2J_ROWS's first x word and
 * passes left; the group's context's address at sp + 60, and in r12 from one channel to the next) so that r0 (b)
 * holds the channel's 2 x bias for the first filter column's SMLAD. The record's r slot, sp + 8, holds 3 ostep, the
 * store offset of the copies for r = 5..8, except while the loop with r in a register runs (TBH chooses by r in r11). */
#define TSLM_S2J_CHANNELS(BLOCKS)                                                                              \
    __asm__ volatile("sub sp, sp, #64\n\t"                                                                     \
            "str %[b], [sp, #60]\n\t"                                                                          \
            "ldrd r8, r9, [%[b], #20]\n\t"                                                                     \
            "strd r8, r9, [sp, #20]\n\t"                                                                       \
            "ldr r8, [%[b], #12]\n\t"                                                                          \
            "str r8, [sp, #12]\n\t"                                                                            \
            "str r9, [sp, #8]\n\t"                                                                             \
            "mov r12, %[b]\n\t"                                                                                \
            "4:\n\t"                                                                                           \
            "ldr r8, [r12, #136]\n\t"                                                                          \
            "ldmia r8!, {r9, r10, r11, lr}\n\t"                                                                \
            "str r8, [r12, #136]\n\t"                                                                          \
            "mov %[b], r9\n\t"                                                                                 \
            "strd r10, lr, [sp, #0]\n\t"                                                                       \
            "ldr r8, [r12, #140]\n\t"                                                                          \
            "ldmia r8!, {%[a0], %[a1], %[a2], %[a3]}\n\t"                                                      \
            "strd %[a0], %[a1], [sp, #28]\n\t"                                                                 \
            "strd %[a2], %[a3], [sp, #36]\n\t"                                                                 \
            "ldmia r8!, {%[a0], %[a1]}\n\t"                                                                    \
            "strd %[a0], %[a1], [sp, #44]\n\t"                                                                 \
            "str r8, [r12, #140]\n\t"                                                                          \
            "ldrd %[xp], %[o], [r12, #144]\n\t"                                                                \
            "ldrd r10, lr, [r12, #152]\n\t"                                                                    \
            "add r9, %[o], lr\n\t"                                                                             \
            "str r9, [sp, #16]\n\t"                                                                            \
            "ldr r9, [r12, #164]\n\t"                                                                          \
            "strd %[xp], r9, [sp, #52]\n\t"                                                                    \
            "add r8, %[xp], r10\n\t"                                                                           \
            "add r9, %[o], #1\n\t"                                                                             \
            "strd r8, r9, [r12, #144]\n\t"                                                                     \
            BLOCKS                                                                                             \
            "ldr r12, [sp, #60]\n\t"                                                                           \
            "ldr r8, [r12, #148]\n\t"                                                                          \
            "ldr r9, [r12, #160]\n\t"                                                                          \
            "cmp r8, r9\n\t"                                                                                   \
            "bne 4b\n\t"                                                                                       \
            "add sp, sp, #64\n\t"                                                                              \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o), [b] "+r"(b)                                                                        \
            :                                                                                                  \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

/* ctx: &m of the group's col33_ctx as col_3x3s2c_channels's, with OC in its tap slot (20) and 3 ostep at 24; jsel: the
 * column's words J and EPI_SAT's blocks a turn (two where the output columns are even: one compare and branch per two
 * blocks): 0 J = 5; 1, 2 J = 9 (one, two a turn); 3, 4 J = 13 (one, two a turn: output_h 9..12, the compiler's bands of
 * 12 rows and 24x24 -> 12x12 images) */
/* (split by clamp as col_3x3s2c_channels: EPI_RSAT, EPI_SAT) */
__attribute__((noinline)) static void col_3x3s2j_channels_r(const int32_t *ctx_, const int jsel)
{
    register const int32_t *b __asm__("r0") = ctx_; /* the context, then each channel's 2 x bias */
    register int32_t a0 __asm__("r1"), a1 __asm__("r2"), a2 __asm__("r3"), a3 __asm__("r4"), t __asm__("r5");
    register const int32_t *xp __asm__("r6");
    register int8_t *o __asm__("r7");
    if (jsel >= 3) {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKRR, TSLM_COL3B_RREQ, "52"));
    } else if (jsel) {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKRR, TSLM_COL3B_RREQ, "36"));
    } else {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKRR, TSLM_COL3B_RREQ, "20"));
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o, (void)b;
}
__attribute__((noinline)) static void col_3x3s2j_channels_s(const int32_t *ctx_, const int jsel)
{
    register const int32_t *b __asm__("r0") = ctx_; /* the context, then each channel's 2 x bias */
    register int32_t a0 __asm__("r1"), a1 __asm__("r2"), a2 __asm__("r3"), a3 __asm__("r4"), t __asm__("r5");
    register const int32_t *xp __asm__("r6");
    register int8_t *o __asm__("r7");
    if (jsel == 4) {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKR2, TSLM_COL3B_REQ, "52"));
    } else if (jsel == 3) {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKR, TSLM_COL3B_REQ, "52"));
    } else if (jsel == 2) {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKR2, TSLM_COL3B_REQ, "36"));
    } else if (jsel) {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKR, TSLM_COL3B_REQ, "36"));
    } else {
        TSLM_S2J_CHANNELS(TSLM_S2J_BLOCKS(TSLM_S2J_BLOCKR, TSLM_COL3B_REQ, "20"));
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o, (void)b;
}
/* one pass of four rows in col_3x3s2j_channels_*: OC in the context's tap slot meanwhile */
TSLM_ALWAYS_INLINE void col_3x3s2j_pass(col33_ctx *ctx, const int32_t OC, const int jsel, const int rsat)
{
    const int32_t tap = ctx->tap;
    ctx->tap = OC;
    if (rsat) {
        col_3x3s2j_channels_r(&ctx->m, jsel);
    } else {
        col_3x3s2j_channels_s(&ctx->m, jsel);
    }
    ctx->tap = tap;
}
#if !defined(TSLM_OPTIMIZE_SIZE) /* (col_run_3x3s2t and col_run_3x3s2six only) */
/* Six output rows in one pass (output_h 6, columns of J = 7 words, stride_w 2: images of 11 or 12 rows) instead of
 * passes of four and two rows: a block of six rows and one column, the accumulators a0..a5 in r1-r6 starting from six
 * copies of the bias (LDMDB), the weights of a filter column in r8, r9 and its seven x words X0..X6 three, two and
 * two at a time in r10-r12 (12 SMLAD), the output pointer in lr. The first two filter columns' x by LDM with
 * writeback (seven words: xp ends on the next column), the third's by offsets (xp stays on it: the next block's
 * first): 73 instructions for six outputs with r = 5..8 (with J = 9 and two adds: 75; a pass of four and one of
 * two: 49 + ~33 and a second channel loop) */
#define TSLM_S6_FX(AB, L0, L1, L2)                                                                             \
    "ldrd r8, r9, [%[ctx], #" AB "]\n\t" L0                                                                    \
    "smlad %[a0], r8, r10, %[a0]\n\t"                                                                          \
    "smlad %[a0], r9, r11, %[a0]\n\t"                                                                          \
    "smlad %[a1], r8, r11, %[a1]\n\t"                                                                          \
    "smlad %[a1], r9, r12, %[a1]\n\t"                                                                          \
    "smlad %[a2], r8, r12, %[a2]\n\t" L1                                                                       \
    "smlad %[a2], r9, r10, %[a2]\n\t"                                                                          \
    "smlad %[a3], r8, r10, %[a3]\n\t"                                                                          \
    "smlad %[a3], r9, r11, %[a3]\n\t"                                                                          \
    "smlad %[a4], r8, r11, %[a4]\n\t" L2                                                                       \
    "smlad %[a4], r9, r10, %[a4]\n\t"                                                                          \
    "smlad %[a5], r8, r10, %[a5]\n\t"                                                                          \
    "smlad %[a5], r9, r12, %[a5]\n\t"
/* X0..X2 in r10-r12, X3, X4 in r10, r11, X5, X6 in r10, r12: moving xp on (WB) or by offsets (OFF) */
#define TSLM_S6_FX_WB(AB)                                                                                      \
    TSLM_S6_FX(AB, "ldmia %[xp]!, {r10, r11, r12}\n\t", "ldmia %[xp]!, {r10, r11}\n\t",                        \
               "ldmia %[xp]!, {r10, r12}\n\t")
#define TSLM_S6_FX_OFF(AB)                                                                                     \
    TSLM_S6_FX(AB, "ldmia %[xp], {r10, r11, r12}\n\t", "ldrd r10, r11, [%[xp], #12]\n\t",                      \
               "ldrd r10, r12, [%[xp], #20]\n\t")
#define TSLM_S6_MACS                                                                                           \
    "1:\n\t"                                                                                                   \
    "ldmdb %[ctx], {%[a0], %[a1], %[a2], %[a3], %[a4], %[a5]}\n\t"                                             \
    TSLM_S6_FX_WB("28") TSLM_S6_FX_WB("36") TSLM_S6_FX_OFF("44")
/* the six stores (r11 ostep, r10 3 ostep, r8 free), then the next column (OC in the tap's slot), to the end in r12 */
#define TSLM_S6_STORE                                                                                          \
    "strb %[a0], [%[o]]\n\t"                                                                                   \
    "strb %[a1], [%[o], r11]\n\t"                                                                              \
    "strb %[a2], [%[o], r11, lsl #1]\n\t"                                                                      \
    "strb %[a3], [%[o], r10]\n\t"                                                                              \
    "strb %[a4], [%[o], r11, lsl #2]\n\t"                                                                      \
    "add r8, %[o], r11, lsl #2\n\t"                                                                            \
    "strb %[a5], [r8, r11]\n\t"                                                                                \
    "ldr r9, [%[ctx], #20]\n\t"                                                                                \
    "add %[o], %[o], r9\n\t"                                                                                   \
    "cmp %[o], r12\n\t"                                                                                        \
    "bne 1b\n\t"
#define TSLM_S6_REQ6(REQ)                                                                                      \
    REQ("a0") REQ("a1") REQ("a2") REQ("a3") REQ("a4") REQ("a5")
#define TSLM_S6_REQR(R) TSLM_S6_REQ6(TSLM_S6_SATR_##R)
#define TSLM_S6_SAT(X, R) "smmlar %[" X "], %[" X "], r8, r9\n\tssat %[" X "], #8, %[" X "], asr #" R "\n\t"
#define TSLM_S6_SATR_5(X) TSLM_S6_SAT(X, "5")
#define TSLM_S6_SATR_6(X) TSLM_S6_SAT(X, "6")
#define TSLM_S6_SATR_7(X) TSLM_S6_SAT(X, "7")
#define TSLM_S6_SATR_8(X) TSLM_S6_SAT(X, "8")
/* r = R an immediate (the record's r slot holds 3 ostep: the driver's, TSLM_S6_BLOCKS's case for r in a register
 * puts it back) */
#define TSLM_S6_BLOCKR(R)                                                                                      \
    TSLM_S6_MACS                                                                                               \
    "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t" TSLM_S6_REQR(R) TSLM_S6_STORE
/* r in a register: EPI_SAT (TSLM_COL3B_REQ, r in r10) */
#define TSLM_S6_BLOCK_SAT                                                                                      \
    TSLM_S6_MACS "ldmia %[ctx], {r8, r9, r10, r11, r12}\n\t" TSLM_S6_REQ6(TSLM_COL3B_REQ)                      \
    "add r10, r11, r11, lsl #1\n\t" TSLM_S6_STORE
/* EPI_RSAT (r12 the temporary for the rounding term, then ostep and the end) */
#define TSLM_S6_RREQ(X) TSLM_COL3B_RREQ_T(X, "r12")
#define TSLM_S6_BLOCK_RSAT                                                                                     \
    TSLM_S6_MACS "ldmia %[ctx], {r8, r9, r10}\n\t" TSLM_S6_REQ6(TSLM_S6_RREQ)                                  \
    "ldrd r11, r12, [%[ctx], #12]\n\t"                                                                         \
    "add r10, r11, r11, lsl #1\n\t" TSLM_S6_STORE
/* the channel's copy chosen by its r in r11 (TSLM_S6_CHANNELS): r = 5..8 with the r slot left at 3 ostep, else r
 * in that slot for TSLM_S6_BLOCK_SAT and 3 ostep back after it */
#define TSLM_S6_BLOCKS                                                                                         \
    "tbh [pc, r11, lsl #1]\n\t"                                                                                \
    "9:\n\t"                                                                                                   \
    ".hword " TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G                                                \
    "(11f - 9b) / 2, (12f - 9b) / 2, (13f - 9b) / 2, (14f - 9b) / 2, "                                         \
    TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G TSLM_DW_G       \
    TSLM_DW_G TSLM_DW_G "(15f - 9b) / 2\n\t"                                                                   \
    "11:\n\t" TSLM_S6_BLOCKR(5) "b 8f\n\t"                                                                     \
    "12:\n\t" TSLM_S6_BLOCKR(6) "b 8f\n\t"                                                                     \
    "13:\n\t" TSLM_S6_BLOCKR(7) "b 8f\n\t"                                                                     \
    "14:\n\t" TSLM_S6_BLOCKR(8) "b 8f\n\t"                                                                     \
    "15:\n\t"                                                                                                  \
    "str r11, [%[ctx], #8]\n\t" TSLM_S6_BLOCK_SAT                                                              \
    "ldr r8, [%[ctx], #24]\n\t"                                                                                \
    "str r8, [%[ctx], #8]\n\t"                                                                                 \
    "8:\n\t"
/* per channel as TSLM_S2J_CHANNELS, its 2 x bias in the six words below the context: its weights and pointers
 * first, then its record, r left in r11 (RSLOT: also in the record's slot, TSLM_S6_BLOCK_RSAT's) */
#define TSLM_S6_CHANNELS(RSLOT, BLOCKS)                                                                        \
    __asm__ volatile("4:\n\t"                                                                                  \
            TSLM_COLS2_WEIGHTS                                                                                 \
            "ldrd %[xp], %[o], [%[ctx], #144]\n\t"                                                             \
            "ldrd r10, r11, [%[ctx], #152]\n\t"                                                                \
            "add r12, %[o], r11\n\t"                                                                           \
            "str r12, [%[ctx], #16]\n\t"                                                                       \
            "add r8, %[xp], r10\n\t"                                                                           \
            "add r9, %[o], #1\n\t"                                                                             \
            "strd r8, r9, [%[ctx], #144]\n\t"                                                                  \
            "ldr r8, [%[ctx], #136]\n\t"                                                                       \
            "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                               \
            "str r8, [%[ctx], #136]\n\t"                                                                       \
            "strd r9, r9, [%[ctx], #-24]\n\t"                                                                  \
            "strd r9, r9, [%[ctx], #-16]\n\t"                                                                  \
            "strd r9, r9, [%[ctx], #-8]\n\t"                                                                   \
            "strd r10, r12, [%[ctx], #0]\n\t" RSLOT                                                            \
            BLOCKS                                                                                             \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),  \
              [xp] "=&r"(xp), [o] "=&r"(o)                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "cc", "memory")

/* ctx: as col_3x3s2j_channels's, six words below init (col33_ctx.bias5); _s: 3 ostep in the r slot at the call */
/* (split by clamp as col_3x3s2c_channels: EPI_RSAT, EPI_SAT) */
__attribute__((noinline)) static void col_3x3s2six_channels_r(const int32_t *ctx_)
{
    register const int32_t *ctx __asm__("r0") = ctx_;
    register int32_t a0 __asm__("r1"), a1 __asm__("r2"), a2 __asm__("r3"), a3 __asm__("r4"), a4 __asm__("r5"),
        a5 __asm__("r6");
    register const int32_t *xp __asm__("r7");
    register int8_t *o __asm__("lr");
    TSLM_S6_CHANNELS("str r11, [%[ctx], #8]\n\t", TSLM_S6_BLOCK_RSAT);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)xp, (void)o;
}
__attribute__((noinline)) static void col_3x3s2six_channels_s(const int32_t *ctx_)
{
    register const int32_t *ctx __asm__("r0") = ctx_;
    register int32_t a0 __asm__("r1"), a1 __asm__("r2"), a2 __asm__("r3"), a3 __asm__("r4"), a4 __asm__("r5"),
        a5 __asm__("r6");
    register const int32_t *xp __asm__("r7");
    register int8_t *o __asm__("lr");
    TSLM_S6_CHANNELS("", TSLM_S6_BLOCKS);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)xp, (void)o;
}
/* the pass of six rows in col_3x3s2six_channels_*: OC in the context's tap slot meanwhile */
TSLM_ALWAYS_INLINE void col_3x3s2six_pass(col33_ctx *ctx, const int32_t OC, const int rsat)
{
    const int32_t tap = ctx->tap;
    ctx->tap = OC;
    if (rsat) {
        col_3x3s2six_channels_r(&ctx->m);
    } else {
        col_3x3s2six_channels_s(&ctx->m);
    }
    ctx->tap = tap;
}
/* Three output rows (output_h 3, J = 4, stride_w 2, dilation_w 1: images of 5 or 6 rows, e.g. MobileNet's 6x6 ->
 * 3x3), EPI_SAT: one block of three rows per output column with the channel's six weight words (A0, A1 of each
 * filter column) kept in r0-r5 for all its blocks, the accumulators r6-r8 from three copies of the 2 x bias (one LDM
 * from sp), the four x words of a filter column in r9-r12 (one LDM: columns of exactly four words, so the first two
 * filter columns' LDM moves xp on to the next and the third's leaves it at the next block's first), xp in lr; m,
 * round, r, the output pointer,
 * ostep, OC, the outputs' end and the group's context in a 48-byte frame on the stack (sp + 0 .. 47). With three
 * output columns all three blocks unrolled (the output pointer of each from the frame: no loop) and per channel
 * chosen by its right shift (copies for r = 5..8 with SSAT's immediate shift, else ASR by register): 18 SMLAD, 3 LDM
 * of x, 1 LDM of the bias copies, 7 of requantization and 4-6 of stores, ~34 instructions for three outputs
 * (TSLM_S2C_BLOCK3: 46, its weights reloaded every block; with J = 5, two adds more), ~130 a channel with its set-up
 * (152 before); other widths in a loop of blocks with r in a register (42 a block). Driven by col_run_3x3s2t, reached
 * only from tslm_dsp_depthwise_conv_3x3s2t_s8 (~3 KB at -O2 with it): 6x6x128 -> 3x3, relu6, 31,040 -> 27,920 ->
 * ~27,100 instructions (2.994 -> 2.693 -> ~2.61/MAC). */
#define TSLM_S3_FX(W0, W1, WB)                                                                                 \
    "ldmia lr" WB ", {r9, r10, r11, r12}\n\t"                                                                  \
    "smlad r6, " W0 ", r9, r6\n\t"                                                                             \
    "smlad r7, " W0 ", r10, r7\n\t"                                                                            \
    "smlad r8, " W0 ", r11, r8\n\t"                                                                            \
    "smlad r6, " W1 ", r10, r6\n\t"                                                                            \
    "smlad r7, " W1 ", r11, r7\n\t"                                                                            \
    "smlad r8, " W1 ", r12, r8\n\t"
#define TSLM_S3_MACS                                                                                           \
    "ldmia sp, {r6, r7, r8}\n\t" TSLM_S3_FX("r0", "r1", "!") TSLM_S3_FX("r2", "r3", "!") TSLM_S3_FX("r4", "r5", "")
#define TSLM_S3_SATR(X, R) "smmlar " X ", " X ", r9, r10\n\tssat " X ", #8, " X ", asr #" R "\n\t"
#define TSLM_S3_REQR(R)                                                                                        \
    "ldrd r9, r10, [sp, #12]\n\t" TSLM_S3_SATR("r6", R) TSLM_S3_SATR("r7", R) TSLM_S3_SATR("r8", R)
#define TSLM_S3_SAT(X) "smmlar " X ", " X ", r9, r10\n\tasr " X ", " X ", r11\n\tssat " X ", #8, " X "\n\t"
#define TSLM_S3_REQ                                                                                            \
    "ldrd r9, r10, [sp, #12]\n\tldr r11, [sp, #20]\n\t" TSLM_S3_SAT("r6") TSLM_S3_SAT("r7") TSLM_S3_SAT("r8")
#define TSLM_S3_ST3 "strb r6, [r9]\n\tstrb r7, [r9, r10]\n\tstrb r8, [r9, r10, lsl #1]\n\t"
/* three output columns, unrolled: the k-th block's outputs at o + k OC */
#define TSLM_S3_OW3(REQ)                                                                                       \
    TSLM_S3_MACS REQ "ldrd r9, r10, [sp, #24]\n\t" TSLM_S3_ST3                                                  \
    TSLM_S3_MACS REQ "ldrd r9, r10, [sp, #24]\n\tldr r11, [sp, #32]\n\tadd r9, r9, r11\n\t" TSLM_S3_ST3         \
    TSLM_S3_MACS REQ "ldrd r9, r10, [sp, #24]\n\tldr r11, [sp, #32]\n\tadd r9, r9, r11, lsl #1\n\t" TSLM_S3_ST3
/* any number of output columns: a loop of blocks, o moved on by OC in the frame until the outputs' end */
#define TSLM_S3_LOOP(REQ)                                                                                      \
    "1:\n\t" TSLM_S3_MACS REQ "ldrd r9, r10, [sp, #24]\n\t" TSLM_S3_ST3                                         \
    "ldrd r11, r12, [sp, #32]\n\t"                                                                             \
    "add r9, r9, r11\n\t"                                                                                      \
    "str r9, [sp, #24]\n\t"                                                                                    \
    "cmp r9, r12\n\t"                                                                                          \
    "bne 1b\n\t"
#define TSLM_S3_G "(15f - 9b) / 2, "
#define TSLM_S3_BLOCKS(BODY)                                                                                   \
    "tbh [pc, r8, lsl #1]\n\t"                                                                                 \
    "9:\n\t"                                                                                                   \
    ".hword " TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G                                                \
    "(11f - 9b) / 2, (12f - 9b) / 2, (13f - 9b) / 2, (14f - 9b) / 2, "                                         \
    TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G TSLM_S3_G       \
    TSLM_S3_G TSLM_S3_G "(15f - 9b) / 2\n\t"                                                                   \
    "11:\n\t" BODY(TSLM_S3_REQR("5")) "b 8f\n\t"                                                               \
    "12:\n\t" BODY(TSLM_S3_REQR("6")) "b 8f\n\t"                                                               \
    "13:\n\t" BODY(TSLM_S3_REQR("7")) "b 8f\n\t"                                                               \
    "14:\n\t" BODY(TSLM_S3_REQR("8")) "b 8f\n\t"                                                               \
    "15:\n\t" BODY(TSLM_S3_REQ)                                                                                \
    "8:\n\t"
/* frame: 0..8 the 2 x bias three times, 12 m, 16 round, 20 r, 24 o, 28 ostep, 32 OC, 36 the outputs' end (the
 * loop), 40 the group's context (&m of its col33_ctx: 136 rqp, 140 wp, 144 xbase, 148 obase, 152 cstride, 156 owoc,
 * 160 ostopc); per channel its record {2 x bias, m, r, round} and weights, xbase and obase moved on by a channel */
#define TSLM_S3_CHANNELS(OEND, BLOCKS, CEND)                                                                   \
    __asm__ volatile("sub sp, sp, #48\n\t"                                                                     \
            "str %[b], [sp, #40]\n\t"                                                                          \
            "ldr r8, [%[b], #12]\n\t"                                                                          \
            "ldr r9, [%[b], #120]\n\t"                                                                         \
            "strd r8, r9, [sp, #28]\n\t"                                                                       \
            "mov r12, %[b]\n\t"                                                                                \
            "4:\n\t"                                                                                           \
            "ldr r11, [r12, #136]\n\t"                                                                         \
            "ldmia r11!, {r6, r7, r8, r9}\n\t"                                                                 \
            "str r11, [r12, #136]\n\t"                                                                         \
            "strd r6, r6, [sp, #0]\n\t"                                                                        \
            "str r6, [sp, #8]\n\t"                                                                             \
            "strd r7, r9, [sp, #12]\n\t"                                                                       \
            "str r8, [sp, #20]\n\t"                                                                            \
            "ldr r11, [r12, #140]\n\t"                                                                         \
            "ldmia r11!, {r0, r1, r2, r3, r4, r5}\n\t"                                                         \
            "str r11, [r12, #140]\n\t"                                                                         \
            "ldrd lr, r9, [r12, #144]\n\t"                                                                     \
            "ldr r10, [r12, #152]\n\t"                                                                         \
            "add r10, lr, r10\n\t"                                                                             \
            "add r11, r9, #1\n\t"                                                                              \
            "strd r10, r11, [r12, #144]\n\t"                                                                   \
            "str r9, [sp, #24]\n\t" OEND                                                                       \
            BLOCKS                                                                                             \
            "ldr r12, [sp, #40]\n\t" CEND                                                                      \
            "bne 4b\n\t"                                                                                       \
            "add sp, sp, #48\n\t"                                                                              \
            : [b] "+r"(b), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [w4] "=&r"(w4), [w5] "=&r"(w5),     \
              [a0] "=&r"(a0), [a1] "=&r"(a1)                                                                   \
            :                                                                                                  \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")
#define TSLM_S3_OEND "ldr r10, [r12, #156]\n\tadd r10, r9, r10\n\tstr r10, [sp, #36]\n\t"
/* the channel loop's test: the next channel's obase (r11) against ostopc, at the set-up where no instruction of the
 * blocks sets the flags (three columns unrolled: TSLM_S3_TOPCMP, the end nothing), else at the end (TSLM_S3_CEND) */
#define TSLM_S3_TOPCMP "ldr r10, [r12, #160]\n\tcmp r11, r10\n\t"
#define TSLM_S3_CEND "ldr r8, [r12, #148]\n\tldr r9, [r12, #160]\n\tcmp r8, r9\n\t"

/* ctx: &m of the group's col33_ctx with xbase its first column, obase its first channel's first output, ostopc
 * obase + its channels, ostep and oc (OC) set; ow3: three output columns */
__attribute__((noinline)) static void col_3x3s2t_channels(const int32_t *ctx, const int ow3)
{
    register const int32_t *b __asm__("r0") = ctx; /* the context, then each channel's first weight word */
    register int32_t w1 __asm__("r1"), w2 __asm__("r2"), w3 __asm__("r3"), w4 __asm__("r4"), w5 __asm__("r5");
    register int32_t a0 __asm__("r6"), a1 __asm__("r7");
    if (ow3) {
        TSLM_S3_CHANNELS(TSLM_S3_TOPCMP, TSLM_S3_BLOCKS(TSLM_S3_OW3), "");
    } else {
        TSLM_S3_CHANNELS(TSLM_S3_OEND, TSLM_S3_LOOP(TSLM_S3_REQ), TSLM_S3_CEND); /* (no per-shift copies) */
    }
    (void)b, (void)w1, (void)w2, (void)w3, (void)w4, (void)w5, (void)a0, (void)a1;
}
#undef TSLM_S3_FX
#undef TSLM_S3_MACS
#undef TSLM_S3_SATR
#undef TSLM_S3_REQR
#undef TSLM_S3_SAT
#undef TSLM_S3_REQ
#undef TSLM_S3_ST3
#undef TSLM_S3_OW3
#undef TSLM_S3_LOOP
#undef TSLM_S3_G
#undef TSLM_S3_BLOCKS
#undef TSLM_S3_CHANNELS
#undef TSLM_S3_OEND
#undef TSLM_S3_TOPCMP
#undef TSLM_S3_CEND
#endif
#undef TSLM_S6_FX
#undef TSLM_S6_FX_WB
#undef TSLM_S6_FX_OFF
#undef TSLM_S6_MACS
#undef TSLM_S6_STORE
#undef TSLM_S6_REQ6
#undef TSLM_S6_REQR
#undef TSLM_S6_SAT
#undef TSLM_S6_SATR_5
#undef TSLM_S6_SATR_6
#undef TSLM_S6_SATR_7
#undef TSLM_S6_SATR_8
#undef TSLM_S6_BLOCKR
#undef TSLM_S6_BLOCK_SAT
#undef TSLM_S6_RREQ
#undef TSLM_S6_BLOCK_RSAT
#undef TSLM_S6_BLOCKS
#undef TSLM_S6_CHANNELS
#undef TSLM_S2J_FX
#undef TSLM_S2J_MACS
#undef TSLM_S2J_END
#undef TSLM_S2J_BLOCKR
#undef TSLM_S2J_BLOCKR2
#undef TSLM_S2J_BODYR
#undef TSLM_S2J_MACS0
#undef TSLM_S2J_RREQR
#undef TSLM_S2J_BLOCKRR
#undef TSLM_S2J_BLOCK
#undef TSLM_S2J_BLOCKS
#undef TSLM_S2J_CHANNELS
#undef TSLM_S2C_NEXT
#undef TSLM_S2C_ST4
#undef TSLM_S2C_ST3
#undef TSLM_S2C_ST2
#undef TSLM_S2C_ST1
#undef TSLM_S2C_BLOCK4
#undef TSLM_S2C_FX3
#undef TSLM_S2C_BLOCK3
#undef TSLM_S2C_FX2
#undef TSLM_S2C_BLOCK2
#undef TSLM_S2C_FX1
#undef TSLM_S2C_BLOCK1
#undef TSLM_S2C_LDM
#undef TSLM_S2C_REQ3R
#undef TSLM_S2C_REQ2R
#undef TSLM_S2C_REQ1R
#undef TSLM_S2C_REQ3
#undef TSLM_S2C_REQ2
#undef TSLM_S2C_REQ1
#undef TSLM_S2C_RLDM
#undef TSLM_S2C_RTAIL
#undef TSLM_S2C_RREQ3
#undef TSLM_S2C_RREQ2
#undef TSLM_S2C_RREQ1
#undef TSLM_S2C_CHANNELS
/* 5x5 at stride 1: per filter column fx its P = (w0, w1), U = (w1, w2), Q = (w2, w3), V = (w3, w4) at
 * ab[4 fx .. 4 fx + 3] (the K x 1 driver's K = 5 block per column): 60 SMLAD/SMLAxy, 100 MACs, four outputs in
 * 106 instructions; the loop with r in a register (one copy per epilogue). */
#define TSLM_COL5_FX(PU, QV, I0, I1, I2, I3, NEXT)              \
    "ldmia %[xp], {r8, r9, r10}\n\t"                            \
    "ldrd r11, r12, [%[ctx], #" PU "]\n\t"                      \
    "smlad %[a0], r11, r8, " I0 "\n\t"                          \
    "smlabt %[a1], r11, r8, " I1 "\n\t"                         \
    "smlad %[a2], r11, r9, " I2 "\n\t"                          \
    "smlabt %[a3], r11, r9, " I3 "\n\t"                         \
    "smlad %[a1], r12, r9, %[a1]\n\t"                           \
    "smlad %[a3], r12, r10, %[a3]\n\t"                          \
    "ldrd r11, r12, [%[ctx], #" QV "]\n\t"                      \
    "ldr r8, [%[xp], #12]\n\t"                                  \
    "smlad %[a0], r11, r9, %[a0]\n\t"                           \
    "smlad %[a2], r11, r10, %[a2]\n\t"                          \
    "smlatb %[a0], r12, r10, %[a0]\n\t"                         \
    "smlad %[a1], r12, r10, %[a1]\n\t"                          \
    "smlatb %[a2], r12, r8, %[a2]\n\t"                          \
    "smlad %[a3], r12, r8, %[a3]\n\t" NEXT
#define TSLM_COL5_NEXT "add %[xp], %[xp], lr\n\t"
#define TSLM_COL5_BLOCK(REQ4)                                                                                  \
    "1:\n\t"                                                                                                   \
    TSLM_COL5_FX("28", "36", "%[t]", "%[t]", "%[t]", "%[t]", TSLM_COL5_NEXT)                                   \
    TSLM_COL5_FX("44", "52", "%[a0]", "%[a1]", "%[a2]", "%[a3]", TSLM_COL5_NEXT)                                                      \
    TSLM_COL5_FX("60", "68", "%[a0]", "%[a1]", "%[a2]", "%[a3]", TSLM_COL5_NEXT)                                                      \
    TSLM_COL5_FX("76", "84", "%[a0]", "%[a1]", "%[a2]", "%[a3]", TSLM_COL5_NEXT)                                                      \
    TSLM_COL5_FX("92", "100", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "")                                                                 \
    "sub %[xp], %[xp], lr, lsl #2\n\t"                                                                         \
    "add %[xp], %[xp], #8\n\t"                                                                                 \
    REQ4                                                                                                       \
    TSLM_DW_STORE4
/* row 0 of a block: P . X0 + Q . X1 + w4 X2.lo per filter column */
#define TSLM_COL5_TAIL_FX(P, QV, I)                             \
    "ldmia %[xp], {r8, r9, r10}\n\t"                            \
    "ldr r11, [%[ctx], #" P "]\n\t"                             \
    "smlad %[a0], r11, r8, " I "\n\t"                           \
    "ldrd r11, r12, [%[ctx], #" QV "]\n\t"                      \
    "smlad %[a0], r11, r9, %[a0]\n\t"                           \
    "smlatb %[a0], r12, r10, %[a0]\n\t"
#define TSLM_COL5_W(PU, QV)                                     \
    "ldmia r8!, {r9, r10, r11}\n\t"                             \
    "lsl r12, r10, #16\n\t"                                     \
    "orr r12, r12, r9, lsr #16\n\t"                             \
    "strd r9, r12, [%[ctx], #" PU "]\n\t"                       \
    TSLM_COL3_AB("r10", "r11")                                  \
    "strd r10, r11, [%[ctx], #" QV "]\n\t"
#define TSLM_COL5_WEIGHTS                                                                                      \
    "ldr r8, [%[ctx], #140]\n\t"                                                                               \
    TSLM_COL5_W("28", "36") TSLM_COL5_W("44", "52") TSLM_COL5_W("60", "68") TSLM_COL5_W("76", "84")            \
    TSLM_COL5_W("92", "100")                                                                                   \
    "str r8, [%[ctx], #140]\n\t"
#define TSLM_COL5_CHANNELS(REQ4, REQ1)                                                                   \
    __asm__ volatile("ldr lr, [%[ctx], #20]\n\t"                                                               \
            TSLM_DW_CHAN_HEAD(TSLM_COL5_WEIGHTS)                                                         \
            TSLM_DW_COL_HEAD                                                                                   \
            TSLM_COL5_BLOCK(REQ4)                                                                              \
            "ldr %[a1], [%[ctx], #132]\n\t"                                                                    \
            "cmp %[a1], #0\n\t"                                                                                \
            "beq 3f\n\t"                                                                                       \
            TSLM_COL5_TAIL_FX("28", "36", "%[t]") TSLM_COL5_NEXT                                               \
            TSLM_COL5_TAIL_FX("44", "52", "%[a0]") TSLM_COL5_NEXT                                              \
            TSLM_COL5_TAIL_FX("60", "68", "%[a0]") TSLM_COL5_NEXT                                              \
            TSLM_COL5_TAIL_FX("76", "84", "%[a0]") TSLM_COL5_NEXT                                              \
            TSLM_COL5_TAIL_FX("92", "100", "%[a0]")                                                            \
            REQ1                                                                                               \
            "strb %[a0], [%[o]]\n\t"                                                                           \
            TSLM_DW_COL_END                                                                                    \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

TSLM_ALWAYS_INLINE void col_5x5_channels(const int32_t *ctx, const int rsat)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    if (rsat) {
        TSLM_COL5_CHANNELS(TSLM_COL3B_RREQ12_4, TSLM_COL3B_RREQ1);
    } else {
        TSLM_COL5_CHANNELS(TSLM_COL3B_REQ4, TSLM_COL3B_REQ1);
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
/* 5x5 at stride 2 (vertically): per filter column fx its A0 = (w0, w1), A1 = (w2, w3), A2 = (w4, 0) at
 * ab[3 fx .. 3 fx + 2] as the compiler lays them out; row oy takes A0 . X_oy + A1 . X_oy+1 + A2 . X_oy+2, a
 * block of four rows reads X0..X5 (the next block four words on): 60 SMLAD, 100 MACs, four outputs in 114
 * instructions. */
#define TSLM_COL5S2_FX(A01, A2, I0, I1, I2, I3, NEXT)           \
    "ldrd r11, r12, [%[ctx], #" A01 "]\n\t"                     \
    "ldmia %[xp], {r8, r9, r10}\n\t"                            \
    "smlad %[a0], r11, r8, " I0 "\n\t"                          \
    "smlad %[a1], r11, r9, " I1 "\n\t"                          \
    "smlad %[a0], r12, r9, %[a0]\n\t"                           \
    "smlad %[a1], r12, r10, %[a1]\n\t"                          \
    "smlad %[a2], r11, r10, " I2 "\n\t"                         \
    "ldrd r8, r9, [%[xp], #12]\n\t"                             \
    "smlad %[a2], r12, r8, %[a2]\n\t"                           \
    "smlad %[a3], r11, r8, " I3 "\n\t"                          \
    "smlad %[a3], r12, r9, %[a3]\n\t"                           \
    "ldr r11, [%[ctx], #" A2 "]\n\t"                            \
    "smlad %[a0], r11, r10, %[a0]\n\t"                          \
    "ldr r10, [%[xp], #20]\n\t"                                 \
    "smlad %[a1], r11, r8, %[a1]\n\t"                           \
    "smlad %[a2], r11, r9, %[a2]\n\t"                           \
    "smlad %[a3], r11, r10, %[a3]\n\t" NEXT
#define TSLM_COL5S2_BLOCK(REQ4)                                                                                \
    "1:\n\t"                                                                                                   \
    TSLM_COL5S2_FX("28", "36", "%[t]", "%[t]", "%[t]", "%[t]", TSLM_COL5_NEXT)                                 \
    TSLM_COL5S2_FX("40", "48", "%[a0]", "%[a1]", "%[a2]", "%[a3]", TSLM_COL5_NEXT)                             \
    TSLM_COL5S2_FX("52", "60", "%[a0]", "%[a1]", "%[a2]", "%[a3]", TSLM_COL5_NEXT)                             \
    TSLM_COL5S2_FX("64", "72", "%[a0]", "%[a1]", "%[a2]", "%[a3]", TSLM_COL5_NEXT)                             \
    TSLM_COL5S2_FX("76", "84", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "")                                         \
    "sub %[xp], %[xp], lr, lsl #2\n\t"                                                                         \
    "add %[xp], %[xp], #16\n\t"                                                                                \
    REQ4                                                                                                       \
    TSLM_DW_STORE4
/* row 0 of a block: A0 . X0 + A1 . X1 + A2 . X2 per filter column */
#define TSLM_COL5S2_TAIL_FX(A01, A2, I)                         \
    "ldmia %[xp], {r8, r9, r10}\n\t"                            \
    "ldrd r11, r12, [%[ctx], #" A01 "]\n\t"                     \
    "smlad %[a0], r11, r8, " I "\n\t"                           \
    "smlad %[a0], r12, r9, %[a0]\n\t"                           \
    "ldr r11, [%[ctx], #" A2 "]\n\t"                            \
    "smlad %[a0], r11, r10, %[a0]\n\t"
/* the fifteen weight words as they are */
#define TSLM_COL5S2_WEIGHTS                                                                                    \
    "ldr r8, [%[ctx], #140]\n\t"                                                                               \
    "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                                       \
    "strd r9, r10, [%[ctx], #28]\n\t"                                                                          \
    "strd r11, r12, [%[ctx], #36]\n\t"                                                                         \
    "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                                       \
    "strd r9, r10, [%[ctx], #44]\n\t"                                                                          \
    "strd r11, r12, [%[ctx], #52]\n\t"                                                                         \
    "ldmia r8!, {r9, r10, r11, r12}\n\t"                                                                       \
    "strd r9, r10, [%[ctx], #60]\n\t"                                                                          \
    "strd r11, r12, [%[ctx], #68]\n\t"                                                                         \
    "ldmia r8!, {r9, r10, r11}\n\t"                                                                            \
    "strd r9, r10, [%[ctx], #76]\n\t"                                                                          \
    "str r11, [%[ctx], #84]\n\t"                                                                               \
    "str r8, [%[ctx], #140]\n\t"
#define TSLM_COL5S2_CHANNELS(REQ4, REQ1)                                                                 \
    __asm__ volatile("ldr lr, [%[ctx], #20]\n\t"                                                               \
            TSLM_DW_CHAN_HEAD(TSLM_COL5S2_WEIGHTS)                                                       \
            TSLM_DW_COL_HEAD                                                                                   \
            TSLM_COL5S2_BLOCK(REQ4)                                                                            \
            "ldr %[a1], [%[ctx], #132]\n\t"                                                                    \
            "cmp %[a1], #0\n\t"                                                                                \
            "beq 3f\n\t"                                                                                       \
            TSLM_COL5S2_TAIL_FX("28", "36", "%[t]") TSLM_COL5_NEXT                                             \
            TSLM_COL5S2_TAIL_FX("40", "48", "%[a0]") TSLM_COL5_NEXT                                            \
            TSLM_COL5S2_TAIL_FX("52", "60", "%[a0]") TSLM_COL5_NEXT                                            \
            TSLM_COL5S2_TAIL_FX("64", "72", "%[a0]") TSLM_COL5_NEXT                                            \
            TSLM_COL5S2_TAIL_FX("76", "84", "%[a0]")                                                           \
            REQ1                                                                                               \
            "strb %[a0], [%[o]]\n\t"                                                                           \
            TSLM_DW_COL_END                                                                                    \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

TSLM_ALWAYS_INLINE void col_5x5s2_channels(const int32_t *ctx, const int rsat)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    if (rsat) {
        TSLM_COL5S2_CHANNELS(TSLM_COL3B_RREQ12_4, TSLM_COL3B_RREQ1);
    } else {
        TSLM_COL5S2_CHANNELS(TSLM_COL3B_REQ4, TSLM_COL3B_REQ1);
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
#undef TSLM_COL5S2_FX
#undef TSLM_COL5S2_BLOCK
#undef TSLM_COL5S2_TAIL_FX
#undef TSLM_COL5S2_WEIGHTS
#undef TSLM_COL5S2_CHANNELS
#undef TSLM_COL5_FX
#undef TSLM_COL5_NEXT
#undef TSLM_COL5_BLOCK
#undef TSLM_COL5_TAIL_FX
#undef TSLM_COL5_W
#undef TSLM_COL5_WEIGHTS
#undef TSLM_COL5_CHANNELS
/* K x 1 (K = 2, 3) at stride 2: one filter column of the 3x3 stride-2 block (A0, A1 as the compiler lays them
 * out; no column tap), with EPI_SAT the block loop chosen per channel by its shift (TSLM_DW_BLOCKS_R) */
/* one block of four rows: one filter column of the 3x3 stride-2 block */
#define TSLM_K1S2_BLOCK(REQ4)                                                                                  \
    "1:\n\t"                                                                                                   \
    TSLM_COLS2_FX("28", "", "%[t]", "%[t]", "%[t]", "%[t]")                                                    \
    "add %[xp], %[xp], #16\n\t"                                                                                \
    REQ4                                                                                                       \
    TSLM_DW_STORE4
#define TSLM_K1S2_CHANNELS(BLOCKS, REQ1)                                                                   \
    __asm__ volatile(TSLM_DW_CHAN_HEAD("ldr r8, [%[ctx], #140]\n\tldmia r8!, {r9, r10}\n\t"               \
                                             "strd r9, r10, [%[ctx], #28]\n\tstr r8, [%[ctx], #140]\n\t")      \
            TSLM_DW_COL_HEAD                                                                                   \
            BLOCKS                                                                                             \
            "ldr %[a1], [%[ctx], #132]\n\t"                                                                    \
            "cbz %[a1], 3f\n\t"                                                                                \
            TSLM_COLS2_TAIL_FX("28", "%[t]")                                                                   \
            REQ1                                                                                               \
            "strb %[a0], [%[o]]\n\t"                                                                           \
            TSLM_DW_COL_END                                                                                    \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&l"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "cc", "memory")

TSLM_ALWAYS_INLINE void col_k1s2_channels(const int32_t *ctx, const int rsat)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    if (rsat) {
        TSLM_K1S2_CHANNELS(TSLM_DW_BLOCKS_1(TSLM_K1S2_BLOCK, TSLM_COL3B_RREQ12_4), TSLM_COL3B_RREQ1);
    } else {
        TSLM_K1S2_CHANNELS(TSLM_DW_BLOCKS_R(TSLM_K1S2_BLOCK), TSLM_COL3B_REQ1);
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
#undef TSLM_K1S2_CHANNELS
#undef TSLM_K1S2_BLOCK
#undef TSLM_COLS2_FX
#undef TSLM_COLS2_BLOCK
#undef TSLM_COLS2_TAIL_FX
#undef TSLM_COLS2_WEIGHTS
#undef TSLM_COLS2_CHANNELS

/* K x 1 (one filter column) at stride 1, EPI_SAT: per channel its n pairs A_j, B_j at ab[2j], ab[2j + 1]
 * (n <= 8), the context of the 3x3 loop otherwise. Pair j: one LDRD of weights, one word of x, four
 * SMLAD; the x words alternate between two registers. */
#define TSLM_K1_J0                                   \
    "ldr %[t], [%[ctx], #-4]\n\t"                    \
    "ldrd r10, r11, [%[ctx], #28]\n\t"               \
    "ldrd r8, r9, [%[xp]]\n\t"                       \
    "smlad %[a0], r10, r8, %[t]\n\t"                 \
    "smlad %[a1], r11, r8, %[t]\n\t"                 \
    "smlad %[a2], r10, r9, %[t]\n\t"                 \
    "smlad %[a3], r11, r9, %[t]\n\t"
#define TSLM_K1_J(J, XA, XB)                         \
    "ldrd r10, r11, [%[ctx], #28+8*" J "]\n\t"       \
    "ldr " XB ", [%[xp], #4+4*" J "]\n\t"            \
    "smlad %[a0], r10, " XA ", %[a0]\n\t"            \
    "smlad %[a1], r11, " XA ", %[a1]\n\t"            \
    "smlad %[a2], r10, " XB ", %[a2]\n\t"            \
    "smlad %[a3], r11, " XB ", %[a3]\n\t"
#define TSLM_K1_LOOP(BODY, REQ4)                                                                        \
    __asm__ volatile("1:\n\t" BODY                                                                     \
                     "add %[xp], %[xp], #8\n\t"                                                        \
                     REQ4                                                                              \
                     "strb %[a0], [%[o]]\n\t"                                                          \
                     "strb %[a1], [%[o], r11]\n\t"                                                     \
                     "add %[o], %[o], r11, lsl #1\n\t"                                                 \
                     "strb %[a2], [%[o]]\n\t"                                                          \
                     "strb %[a3], [%[o], r11]\n\t"                                                     \
                     "add %[o], %[o], r11, lsl #1\n\t"                                                 \
                     "cmp %[o], r12\n\t"                                                               \
                     "bne 1b"                                                                          \
                     : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t),   \
                       [xp] "+r"(xp), [o] "+r"(o)                                                      \
                     : [ctx] "r"(ctx)                                                                  \
                     : "r8", "r9", "r10", "r11", "r12", "cc", "memory")
#define TSLM_K1_3 TSLM_K1_J0 TSLM_K1_J("1", "r9", "r8") TSLM_K1_J("2", "r8", "r9")
#define TSLM_K1_5 TSLM_K1_3 TSLM_K1_J("3", "r9", "r8") TSLM_K1_J("4", "r8", "r9")
#define TSLM_K1_7 TSLM_K1_5 TSLM_K1_J("5", "r9", "r8") TSLM_K1_J("6", "r8", "r9")

/* The full blocks of one channel's column, K x 1 at stride 1: n pairs, 4..8 (2 and 3: col_k1_columns). */
TSLM_ALWAYS_INLINE void col_k1_blocks(const int32_t *x, int8_t *out, const int32_t *ctx, const int32_t n,
                                  const int rsat)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp = x;
    int8_t *o = out;
    if (!rsat) {
        switch (n) {
        case 4: TSLM_K1_LOOP(TSLM_K1_3 TSLM_K1_J("3", "r9", "r8"), TSLM_COL3B_REQ4); break;
        case 5: TSLM_K1_LOOP(TSLM_K1_5, TSLM_COL3B_REQ4); break;
        case 6: TSLM_K1_LOOP(TSLM_K1_5 TSLM_K1_J("5", "r9", "r8"), TSLM_COL3B_REQ4); break;
        case 7: TSLM_K1_LOOP(TSLM_K1_7, TSLM_COL3B_REQ4); break;
        default: TSLM_K1_LOOP(TSLM_K1_7 TSLM_K1_J("7", "r9", "r8"), TSLM_COL3B_REQ4); break;
        }
        return;
    }
    switch (n) {
    case 4: TSLM_K1_LOOP(TSLM_K1_3 TSLM_K1_J("3", "r9", "r8"), TSLM_COL3B_RREQ4); break;
    case 5: TSLM_K1_LOOP(TSLM_K1_5, TSLM_COL3B_RREQ4); break;
    case 6: TSLM_K1_LOOP(TSLM_K1_5 TSLM_K1_J("5", "r9", "r8"), TSLM_COL3B_RREQ4); break;
    case 7: TSLM_K1_LOOP(TSLM_K1_7, TSLM_COL3B_RREQ4); break;
    default: TSLM_K1_LOOP(TSLM_K1_7 TSLM_K1_J("7", "r9", "r8"), TSLM_COL3B_RREQ4); break;
    }
}

/* K x 1 at stride 2, n = 3..5 pairs (K = 5..10; col_run_k1s2n): a block of four output rows takes
 * a_r = sum_j A_j . X_(r+j) (A_j at ab[j]): the four x words X_j..X_(j+3) in r8, r9, r10, r12 (rotating: pair j
 * loads X_(j+3) over X_(j-1)), A_j in r11, one LDR of each and four SMLAD per pair (eight MACs in six
 * instructions); t holds the channel's 2 x bias throughout (EPI_RSAT's temporary is r11). */
#define TSLM_K1S2N_J0                                \
    "ldmia %[xp], {r8, r9, r10, r12}\n\t"           \
    "ldr r11, [%[ctx], #28]\n\t"                     \
    "smlad %[a0], r11, r8, %[t]\n\t"                 \
    "smlad %[a1], r11, r9, %[t]\n\t"                 \
    "smlad %[a2], r11, r10, %[t]\n\t"                \
    "smlad %[a3], r11, r12, %[t]\n\t"
#define TSLM_K1S2N_J(W, X, XN, X0, X1, X2)           \
    "ldr r11, [%[ctx], #" W "]\n\t"                  \
    "ldr " XN ", [%[xp], #" X "]\n\t"                \
    "smlad %[a0], r11, " X0 ", %[a0]\n\t"            \
    "smlad %[a1], r11, " X1 ", %[a1]\n\t"            \
    "smlad %[a2], r11, " X2 ", %[a2]\n\t"            \
    "smlad %[a3], r11, " XN ", %[a3]\n\t"
#define TSLM_K1S2N_3 TSLM_K1S2N_J0 TSLM_K1S2N_J("32", "16", "r8", "r9", "r10", "r12") \
    TSLM_K1S2N_J("36", "20", "r9", "r10", "r12", "r8")
#define TSLM_K1S2N_4 TSLM_K1S2N_3 TSLM_K1S2N_J("40", "24", "r10", "r12", "r8", "r9")
#define TSLM_K1S2N_5 TSLM_K1S2N_4 TSLM_K1S2N_J("44", "28", "r12", "r8", "r9", "r10")
#define TSLM_K1S2N_B3(REQ4) "1:\n\t" TSLM_K1S2N_3 "add %[xp], %[xp], #16\n\t" REQ4 TSLM_DW_STORE4
#define TSLM_K1S2N_B4(REQ4) "1:\n\t" TSLM_K1S2N_4 "add %[xp], %[xp], #16\n\t" REQ4 TSLM_DW_STORE4
#define TSLM_K1S2N_B5(REQ4) "1:\n\t" TSLM_K1S2N_5 "add %[xp], %[xp], #16\n\t" REQ4 TSLM_DW_STORE4
#define TSLM_K1S2N_LOOP(BLOCKS)                                                                         \
    __asm__ volatile("ldr %[t], [%[ctx], #-4]\n\t" BLOCKS                                              \
                     : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t),   \
                       [xp] "+r"(xp), [o] "+r"(o)                                                      \
                     : [ctx] "r"(ctx)                                                                  \
                     : "r8", "r9", "r10", "r11", "r12", "cc", "memory")

/* The full blocks of one channel's column, K x 1 at stride 2 (n = 3..5); EPI_SAT: the loop copy for the
 * channel's right shift (TSLM_DW_BLOCKS_R). ctx: &m of a col33_ctx with the channel's record, A_j and end. */
TSLM_ALWAYS_INLINE void col_k1s2_blocks(const int32_t *x, int8_t *out, const int32_t *ctx, const int32_t n,
                                        const int rsat)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp = x;
    int8_t *o = out;
    if (!rsat) {
        switch (n) {
        case 3: TSLM_K1S2N_LOOP(TSLM_DW_BLOCKS_R(TSLM_K1S2N_B3)); break;
        case 4: TSLM_K1S2N_LOOP(TSLM_DW_BLOCKS_R(TSLM_K1S2N_B4)); break;
        default: TSLM_K1S2N_LOOP(TSLM_DW_BLOCKS_R(TSLM_K1S2N_B5)); break;
        }
    } else {
        switch (n) {
        case 3: TSLM_K1S2N_LOOP(TSLM_DW_BLOCKS_RR(TSLM_K1S2N_B3)); break;
        case 4: TSLM_K1S2N_LOOP(TSLM_DW_BLOCKS_RR(TSLM_K1S2N_B4)); break;
        default: TSLM_K1S2N_LOOP(TSLM_DW_BLOCKS_RR(TSLM_K1S2N_B5)); break;
        }
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t;
}
#undef TSLM_K1S2N_J0
#undef TSLM_K1S2N_J
#undef TSLM_K1S2N_3
#undef TSLM_K1S2N_4
#undef TSLM_K1S2N_5
#undef TSLM_K1S2N_B3
#undef TSLM_K1S2N_B4
#undef TSLM_K1S2N_B5
#undef TSLM_K1S2N_LOOP

/* Channels of one group, K x 1 at stride 1 (n = 2 or 3 pairs: K = 2..5), all output columns: per channel its
 * record and weights into the context (the pairs along y with their odd-tap neighbours, as the 3x3 driver's one
 * filter column), per column the full blocks, then, where ctx->rest1, the one row left, then the next column
 * (the context as the 3x3 driver's). */
/* K = 2, 3 (n = 2): one column of the 3x3 block, (w0, w1), (w1, w2) at ab[0], ab[1] (TSLM_K1_W2B) */
#define TSLM_K1_BLOCK2B(REQ4)                                                                                  \
    "1:\n\t" TSLM_COL3B_FX("28", "ldmia %[xp], {r8, r9, r10}\n\t", "%[t]", "%[t]", "%[t]", "%[t]")             \
    "add %[xp], %[xp], #8\n\t" REQ4 TSLM_DW_STORE4
#define TSLM_K1_W2B                                                                                            \
    "ldr r8, [%[ctx], #140]\n\t"                                                                               \
    "ldmia r8!, {r9, r10}\n\t"                                                                                 \
    "str r8, [%[ctx], #140]\n\t"                                                                               \
    TSLM_COL3_AB("r9", "r10")                                                                                  \
    "strd r9, r10, [%[ctx], #28]\n\t"
/* the one row after the blocks (row 0 of a block): n = 2: A . X0 + w2 X1.lo */
#define TSLM_K1_TAIL2B TSLM_COL3_TAIL_FX("28", "%[t]")
/* K = 4, 5 (n = 3): P = (w0, w1), U = (w1, w2), Q = (w2, w3), V = (w3, w4) at ab[0..3] (TSLM_K1_W3B); rows 0 and 2
 * take P . X0 + Q . X1 + w4 X2.lo, rows 1 and 3 w0 X0.hi + U . X1 + V . X2 (K = 4: w3 X2.lo, Q's top) */
#define TSLM_K1_W3B                                                                                            \
    "ldr r8, [%[ctx], #140]\n\t"                                                                               \
    "ldmia r8!, {r9, r10, r11}\n\t"                                                                            \
    "str r8, [%[ctx], #140]\n\t"                                                                               \
    "lsl r12, r10, #16\n\t"                                                                                    \
    "orr r12, r12, r9, lsr #16\n\t"                                                                            \
    "strd r9, r12, [%[ctx], #28]\n\t"                                                                          \
    TSLM_COL3_AB("r10", "r11")                                                                                 \
    "strd r10, r11, [%[ctx], #36]\n\t"
#define TSLM_K1_PU                                                                                             \
    "1:\n\t"                                                                                                   \
    "ldmia %[xp], {r8, r9, r10}\n\t"                                                                           \
    "ldrd r11, r12, [%[ctx], #28]\n\t"                                                                         \
    "smlad %[a0], r11, r8, %[t]\n\t"                                                                           \
    "smlabt %[a1], r11, r8, %[t]\n\t"                                                                          \
    "smlad %[a2], r11, r9, %[t]\n\t"                                                                           \
    "smlabt %[a3], r11, r9, %[t]\n\t"                                                                          \
    "smlad %[a1], r12, r9, %[a1]\n\t"                                                                          \
    "smlad %[a3], r12, r10, %[a3]\n\t"
#define TSLM_K1_BLOCK5(REQ4)                                                                                   \
    TSLM_K1_PU                                                                                                 \
    "ldrd r11, r12, [%[ctx], #36]\n\t"                                                                         \
    "ldr r8, [%[xp], #12]\n\t"                                                                                 \
    "smlad %[a0], r11, r9, %[a0]\n\t"                                                                          \
    "smlad %[a2], r11, r10, %[a2]\n\t"                                                                         \
    "smlatb %[a0], r12, r10, %[a0]\n\t"                                                                        \
    "smlad %[a1], r12, r10, %[a1]\n\t"                                                                         \
    "smlatb %[a2], r12, r8, %[a2]\n\t"                                                                         \
    "smlad %[a3], r12, r8, %[a3]\n\t"                                                                          \
    "add %[xp], %[xp], #8\n\t" REQ4 TSLM_DW_STORE4
#define TSLM_K1_BLOCK4(REQ4)                                                                                   \
    TSLM_K1_PU                                                                                                 \
    "ldr r11, [%[ctx], #36]\n\t"                                                                               \
    "ldr r8, [%[xp], #12]\n\t"                                                                                 \
    "smlad %[a0], r11, r9, %[a0]\n\t"                                                                          \
    "smlatb %[a1], r11, r10, %[a1]\n\t"                                                                        \
    "smlad %[a2], r11, r10, %[a2]\n\t"                                                                         \
    "smlatb %[a3], r11, r8, %[a3]\n\t"                                                                         \
    "add %[xp], %[xp], #8\n\t" REQ4 TSLM_DW_STORE4
#define TSLM_K1_TAIL5                                                                                          \
    "ldmia %[xp], {r8, r9, r10}\n\t"                                                                           \
    "ldr r11, [%[ctx], #28]\n\t"                                                                               \
    "smlad %[a0], r11, r8, %[t]\n\t"                                                                           \
    "ldrd r11, r12, [%[ctx], #36]\n\t"                                                                         \
    "smlad %[a0], r11, r9, %[a0]\n\t"                                                                          \
    "smlatb %[a0], r12, r10, %[a0]\n\t"
#define TSLM_K1_TAIL4                                                                                          \
    "ldrd r8, r9, [%[xp]]\n\t"                                                                                 \
    "ldr r11, [%[ctx], #28]\n\t"                                                                               \
    "smlad %[a0], r11, r8, %[t]\n\t"                                                                           \
    "ldr r11, [%[ctx], #36]\n\t"                                                                               \
    "smlad %[a0], r11, r9, %[a0]\n\t"
#define TSLM_K1_CHANNELS(WEIGHTS, BLOCKS, TAIL, REQ1)                                              \
    __asm__ volatile(TSLM_DW_CHAN_HEAD(WEIGHTS)                                                     \
            TSLM_DW_COL_HEAD                                                                                   \
            BLOCKS                                                                                             \
            "ldr %[a1], [%[ctx], #132]\n\t"                                                                    \
            "cbz %[a1], 3f\n\t"                                                                                \
            TAIL                                                                                               \
            REQ1                                                                                               \
            "strb %[a0], [%[o]]\n\t"                                                                           \
            TSLM_DW_COL_END                                                                                    \
            TSLM_DW_CHAN_END                                                                                   \
            : [a0] "=&r"(a0), [a1] "=&l"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [t] "=&r"(t), [xp] "=&r"(xp),    \
              [o] "=&r"(o)                                                                                     \
            : [ctx] "r"(ctx)                                                                                   \
            : "r8", "r9", "r10", "r11", "r12", "cc", "memory")

/* ctx: &m of the group's col33_ctx (its channel fields set by col_run_k1_body); even: K = 4 with n = 3 */
TSLM_ALWAYS_INLINE void col_k1_channels(const int32_t *ctx, const int32_t n, const int even, const int rsat)
{
    int32_t a0, a1, a2, a3, t;
    const int32_t *xp;
    int8_t *o;
    if (n == 2 && !rsat) {
        TSLM_K1_CHANNELS(TSLM_K1_W2B, TSLM_DW_BLOCKS_R(TSLM_K1_BLOCK2B), TSLM_K1_TAIL2B, TSLM_COL3B_REQ1);
    } else if (n == 2) {
        TSLM_K1_CHANNELS(TSLM_K1_W2B, TSLM_DW_BLOCKS_RR(TSLM_K1_BLOCK2B), TSLM_K1_TAIL2B,
                         TSLM_COL3B_RREQ1);
    } else if (even && !rsat) {
        TSLM_K1_CHANNELS(TSLM_K1_W3B, TSLM_DW_BLOCKS_R(TSLM_K1_BLOCK4), TSLM_K1_TAIL4, TSLM_COL3B_REQ1);
    } else if (even) {
        TSLM_K1_CHANNELS(TSLM_K1_W3B, TSLM_DW_BLOCKS_RR(TSLM_K1_BLOCK4), TSLM_K1_TAIL4,
                         TSLM_COL3B_RREQ1);
    } else if (!rsat) {
        TSLM_K1_CHANNELS(TSLM_K1_W3B, TSLM_DW_BLOCKS_R(TSLM_K1_BLOCK5), TSLM_K1_TAIL5, TSLM_COL3B_REQ1);
    } else {
        TSLM_K1_CHANNELS(TSLM_K1_W3B, TSLM_DW_BLOCKS_RR(TSLM_K1_BLOCK5), TSLM_K1_TAIL5,
                         TSLM_COL3B_RREQ1);
    }
    (void)a0, (void)a1, (void)a2, (void)a3, (void)t, (void)xp, (void)o;
}
#undef TSLM_K1_CHANNELS
#undef TSLM_K1_PU
#undef TSLM_K1_BLOCK4
#undef TSLM_K1_BLOCK5
#undef TSLM_K1_TAIL4
#undef TSLM_K1_TAIL5
#undef TSLM_K1_W3B
#undef TSLM_K1_BLOCK2B
#undef TSLM_K1_W2B
#undef TSLM_K1_TAIL2B
#undef TSLM_DW_CHAN_HEAD
#undef TSLM_DW_CHAN_END
#undef TSLM_DW_COL_HEAD
#undef TSLM_DW_COL_END
#undef TSLM_DW_STORE4
#undef TSLM_COL3_WEIGHTS
#undef TSLM_K1_J0
#undef TSLM_K1_J
#undef TSLM_K1_LOOP
#undef TSLM_K1_3
#undef TSLM_K1_5
#undef TSLM_K1_7
#undef TSLM_COL3_CHANNELS
#undef TSLM_COL3_BLOCK
#undef TSLM_DW_G
#undef TSLM_DW_BLOCKS_R
#undef TSLM_DW_BLOCKS_RR
#undef TSLM_DW_BLOCKS_RQ
#undef TSLM_DW_BLOCKS_1
#undef TSLM_COL3B_REQR
#undef TSLM_COL3B_REQ4R
#undef TSLM_COL3_TAIL_FX
#undef TSLM_COL3_AB
#undef TSLM_COL3B_RREQ_T
#undef TSLM_COL3B_RREQR
#undef TSLM_COL3B_RREQ4R
#undef TSLM_COL3B_RREQ12_4
#undef TSLM_COL3B_REQ1
#undef TSLM_COL3B_RREQ1
#undef TSLM_COL3B_FX
#undef TSLM_COL3B_REQ
#undef TSLM_COL3B_RREQ
#undef TSLM_COL3B_REQ4
#undef TSLM_COL3B_RREQ4
#undef TSLM_COL3B_NEXT
#endif

/* The block's outputs: four rows, `rows` of them (1..3) for the last block. */
TSLM_ALWAYS_INLINE void col_store(int8_t *out, int32_t ostep, int32_t rows, int32_t a0, int32_t a1, int32_t a2,
                                  int32_t a3, const col_rec k, int32_t zp, int32_t lo, int32_t hi, const int epi)
{
    out[0] = col_out(a0, k, zp, lo, hi, epi);
    if (rows >= 4) {
        out[ostep] = col_out(a1, k, zp, lo, hi, epi);
        out[2 * ostep] = col_out(a2, k, zp, lo, hi, epi);
        out[3 * ostep] = col_out(a3, k, zp, lo, hi, epi);
        return;
    }
    if (rows > 1) {
        out[ostep] = col_out(a1, k, zp, lo, hi, epi);
    }
    if (rows > 2) {
        out[2 * ostep] = col_out(a2, k, zp, lo, hi, epi);
    }
}

/* Output channel o's column ox, all rows: base its input channel's first padded column to read; FW the
 * filter's width as a constant (0: p->filter_w). */
TSLM_ALWAYS_INLINE void col_channel(const tslm_depthwise_conv_params *p, const int32_t *base, int32_t J,
                                    const int32_t *w, const col_rec k, int8_t *out, const int32_t n, const int32_t FW,
                                    const int s2, const int epi)
{
    const int32_t fw = FW ? FW : p->filter_w, zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t ostep = p->output_w * p->output_c, xstep = (s2 ? 4 : 2), tap_x = p->dilation_w * J;
    const int32_t *x = base;
    if (FW == 1) { /* one filter column: its weights stay in registers */
        int32_t A[8] = {0}; /* n <= 8 here (col_dispatch) */
#pragma GCC unroll 8
        for (int32_t j = 0; j < n; ++j) {
            A[j] = w[j];
        }
        for (int32_t rows = p->output_h; rows > 0; rows -= 4, x += xstep, out += 4 * ostep) {
            int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
            col_taps(x, A, n, s2, &a0, &a1, &a2, &a3);
            col_store(out, ostep, rows, a0, a1, a2, a3, k, zp, lo, hi, epi);
        }
        return;
    }
#if defined(TSLM_DSP_ASM)
    if (FW == 3 && n == 2 && !s2) { /* 3x3: the three filter columns in straight-line assembly */
        const int32_t tap = 4 * tap_x; /* bytes */
        for (int32_t rows = p->output_h; rows > 0; rows -= 4, x += 2, out += 4 * ostep) {
            int32_t a0, a1, a2, a3;
            col_3x3(x, w, tap, k.init, &a0, &a1, &a2, &a3);
            col_store(out, ostep, rows, a0, a1, a2, a3, k, zp, lo, hi, epi);
        }
        return;
    }
#endif
    for (int32_t rows = p->output_h; rows > 0; rows -= 4, x += xstep, out += 4 * ostep) {
        int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
        const int32_t *xf = x, *wf = w;
#pragma GCC unroll 4
        for (int32_t fx = 0; fx < fw; ++fx, xf += tap_x, wf += n) {
            col_taps(xf, wf, n, s2, &a0, &a1, &a2, &a3);
        }
        col_store(out, ostep, rows, a0, a1, a2, a3, k, zp, lo, hi, epi);
    }
}

#if defined(TSLM_DSP_ASM)
/* The first two (R3: three) rows of a 3x3 block at stride 1 from the column's words X0 = (r0, r1), X1 = (r2, r3),
 * X2 = (r4, r5) and the weights A0 = (2 w0, 2 w1), A1 = (2 w2, 0) of each filter column: row 0 A0 . X0 + w2 r2,
 * row 1 w0 r1 + w1 r2 + w2 r3 (SMLABT, SMLATB, SMLABT), row 2 A0 . X1 + w2 r4: 8 (11) instructions per filter
 * column instead of the whole block's 14. */
#define TSLM_COL3R_FX(WOFF, I0, I1)                              \
    "ldrd %[A0], %[A1], [%[w], #" WOFF "]\n\t"                 \
    "ldrd %[x0], %[x1], [%[xp]]\n\t"                           \
    "add %[xp], %[xp], %[tap]\n\t"                             \
    "smlad %[a0], %[A0], %[x0], " I0 "\n\t"                    \
    "smlabb %[a0], %[A1], %[x1], %[a0]\n\t"                    \
    "smlabt %[a1], %[A0], %[x0], " I1 "\n\t"                   \
    "smlatb %[a1], %[A0], %[x1], %[a1]\n\t"                    \
    "smlabt %[a1], %[A1], %[x1], %[a1]\n\t"
#define TSLM_COL3R3_FX(WOFF, I0, I1, I2)                         \
    "ldrd %[A0], %[A1], [%[w], #" WOFF "]\n\t"                 \
    "ldrd %[x0], %[x1], [%[xp]]\n\t"                           \
    "ldr %[x2], [%[xp], #8]\n\t"                               \
    "add %[xp], %[xp], %[tap]\n\t"                             \
    "smlad %[a0], %[A0], %[x0], " I0 "\n\t"                    \
    "smlabb %[a0], %[A1], %[x1], %[a0]\n\t"                    \
    "smlabt %[a1], %[A0], %[x0], " I1 "\n\t"                   \
    "smlatb %[a1], %[A0], %[x1], %[a1]\n\t"                    \
    "smlabt %[a1], %[A1], %[x1], %[a1]\n\t"                    \
    "smlad %[a2], %[A0], %[x1], " I2 "\n\t"                    \
    "smlabb %[a2], %[A1], %[x2], %[a2]\n\t"
TSLM_ALWAYS_INLINE void col_3x3_rows(const int32_t *x, const int32_t *w, int32_t tap, int32_t init, const int R3,
                                     int32_t *p0, int32_t *p1, int32_t *p2)
{
    int32_t a0, a1, a2 = 0, A0, A1, x0, x1, x2;
    const int32_t *xp = x;
    if (R3) {
        __asm__(TSLM_COL3R3_FX("0", "%[init]", "%[init]", "%[init]") TSLM_COL3R3_FX("8", "%[a0]", "%[a1]", "%[a2]")
                TSLM_COL3R3_FX("16", "%[a0]", "%[a1]", "%[a2]")
                : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [A0] "=&r"(A0), [A1] "=&r"(A1), [x0] "=&r"(x0),
                  [x1] "=&r"(x1), [x2] "=&r"(x2), [xp] "+r"(xp)
                : [w] "r"(w), [tap] "r"(tap), [init] "r"(init)
                : "memory");
    } else {
        __asm__(TSLM_COL3R_FX("0", "%[init]", "%[init]") TSLM_COL3R_FX("8", "%[a0]", "%[a1]")
                TSLM_COL3R_FX("16", "%[a0]", "%[a1]")
                : [a0] "=&r"(a0), [a1] "=&r"(a1), [A0] "=&r"(A0), [A1] "=&r"(A1), [x0] "=&r"(x0), [x1] "=&r"(x1),
                  [xp] "+r"(xp)
                : [w] "r"(w), [tap] "r"(tap), [init] "r"(init)
                : "memory");
        (void)x2;
    }
    *p0 = a0, *p1 = a1, *p2 = a2;
}
#undef TSLM_COL3R_FX
#undef TSLM_COL3R3_FX

/* The first three rows of a 3x3 block at stride 2 (the only rows where there are fewer than four in all; more
 * take the driver) from the column's words X0..X3 and the weights A0 = (2 w0, 2 w1), A1 = (2 w2, 0) of each
 * filter column: row r A0 . X_r + A1 . X_r+1, 11 instructions per filter column. */
#define TSLM_COL3S2R_FX(WOFF, I0, I1, I2)                       \
    "ldrd %[A0], %[A1], [%[w], #" WOFF "]\n\t"                 \
    "ldrd %[x0], %[x1], [%[xp]]\n\t"                           \
    "ldr %[x2], [%[xp], #8]\n\t"                               \
    "smlad %[a0], %[A0], %[x0], " I0 "\n\t"                    \
    "smlad %[a0], %[A1], %[x1], %[a0]\n\t"                     \
    "ldr %[x0], [%[xp], #12]\n\t"                              \
    "add %[xp], %[xp], %[tap]\n\t"                             \
    "smlad %[a1], %[A0], %[x1], " I1 "\n\t"                    \
    "smlad %[a1], %[A1], %[x2], %[a1]\n\t"                     \
    "smlad %[a2], %[A0], %[x2], " I2 "\n\t"                    \
    "smlad %[a2], %[A1], %[x0], %[a2]\n\t"
TSLM_ALWAYS_INLINE void col_3x3s2_rows(const int32_t *x, const int32_t *w, int32_t tap, int32_t init, int32_t *p0,
                                       int32_t *p1, int32_t *p2)
{
    int32_t a0, a1, a2, A0, A1, x0, x1, x2;
    const int32_t *xp = x;
    __asm__(TSLM_COL3S2R_FX("0", "%[init]", "%[init]", "%[init]") TSLM_COL3S2R_FX("8", "%[a0]", "%[a1]", "%[a2]")
            TSLM_COL3S2R_FX("16", "%[a0]", "%[a1]", "%[a2]")
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [A0] "=&r"(A0), [A1] "=&r"(A1), [x0] "=&r"(x0),
              [x1] "=&r"(x1), [x2] "=&r"(x2), [xp] "+r"(xp)
            : [w] "r"(w), [tap] "r"(tap), [init] "r"(init)
            : "memory");
    *p0 = a0, *p1 = a1, *p2 = a2;
}
#undef TSLM_COL3S2R_FX

/* The last `rest` rows (1..3) of every column of one channel (x: its first column's block): the rows' taps in
 * col_3x3_rows, the rest in C with rest and the epilogue constants (R, EPI). */
TSLM_ALWAYS_INLINE void col_3x3_rest_body(const tslm_depthwise_conv_params *p, const int32_t *x, const int32_t *w,
                                          const int32_t *rq, int8_t *out, const int32_t R, const int EPI)
{
    const int32_t J = col_words(p), xs = p->stride_w * J, OC = p->output_c, ostep = p->output_w * OC;
    const int32_t tap = 4 * p->dilation_w * J;
    const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (const int8_t *stop = out + p->output_w * OC; out != stop; x += xs, out += OC) {
        int32_t a0, a1, a2;
        col_3x3_rows(x, w, tap, k.init, R == 3, &a0, &a1, &a2);
        col_store(out, ostep, R, a0, a1, a2, 0, k, zp, lo, hi, EPI);
    }
}

/* The last `rest` rows (1..3) of every column of one channel (x: its first column's block; s2: stride 2, four
 * words per block), EPI_SAT or EPI_RSAT: at stride 1 col_3x3_rest_body's (the row count and epilogue constant), at
 * stride 2 (only where there are fewer than four rows in all) col_3x3s2_rows. */
__attribute__((noinline)) static void col_3x3_rest(const tslm_depthwise_conv_params *p, const int32_t *x,
                                                   const int32_t *w, const int32_t *rq, int8_t *out, int32_t rest,
                                                   const int s2, const int epi)
{
    if (!s2) {
        if (epi == EPI_SAT) {
            if (rest == 1) {
                col_3x3_rest_body(p, x, w, rq, out, 1, EPI_SAT);
            } else if (rest == 2) {
                col_3x3_rest_body(p, x, w, rq, out, 2, EPI_SAT);
            } else {
                col_3x3_rest_body(p, x, w, rq, out, 3, EPI_SAT);
            }
        } else if (rest == 1) {
            col_3x3_rest_body(p, x, w, rq, out, 1, EPI_RSAT);
        } else if (rest == 2) {
            col_3x3_rest_body(p, x, w, rq, out, 2, EPI_RSAT);
        } else {
            col_3x3_rest_body(p, x, w, rq, out, 3, EPI_RSAT);
        }
        return;
    }
    const int32_t J = col_words(p), xs = p->stride_w * J, OC = p->output_c, ostep = p->output_w * OC;
    const int32_t tap_x = p->dilation_w * J, zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
    for (int32_t ox = 0; ox < p->output_w; ++ox, x += xs, out += OC) {
        int32_t a0, a1, a2, a3 = 0;
        col_3x3s2_rows(x, w, 4 * tap_x, k.init, &a0, &a1, &a2);
        if (epi == EPI_RSAT) {
            col_store(out, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_RSAT);
        } else {
            col_store(out, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_SAT);
        }
    }
}

/* The group's channels in their 3x3 driver (ctx: &m of the group's col33_ctx). */
TSLM_ALWAYS_INLINE void col_3x3_drive(col33_ctx *ctx, const int s2, const int epi)
{
    if (s2 && epi == EPI_RSAT) {
        col_3x3s2_channels_rsat(&ctx->m);
    } else if (s2) {
        col_3x3s2_channels_sat(&ctx->m);
    } else if (epi == EPI_RSAT) {
        col_3x3_channels_rsat(&ctx->m);
    } else {
        col_3x3_channels_sat(&ctx->m);
    }
}

/* col_run for 3x3 at stride 1 or 2 with EPI_SAT or EPI_RSAT: each group's channels in their driver (the full
 * blocks and a last row), a last block of two or three rows in C at stride 1 and in the driver at stride 2 (a
 * block overlapping the full ones); fewer than four rows in C. */
TSLM_ALWAYS_INLINE void col_run_3x3_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                         const int32_t *weights, int8_t *output, int32_t *col, const int s2,
                                         const int epi)
{
    const int32_t C = p->input_c, OC = p->output_c; /* depth multiplier 1 (ops/conv.py) */
    const int32_t J = col_words(p), xs = p->stride_w * J, ostep = p->output_w * OC, tap_x = p->dilation_w * J;
    const int32_t full = p->output_h / 4, rest = p->output_h - 4 * full;
    col33_ctx ctx;
    ctx.ostep = ostep;
    ctx.tap = 4 * tap_x;
    ctx.xs = 4 * xs, ctx.oc = OC, ctx.bspan = full * 4 * ostep, ctx.rest1 = rest == 1;
    ctx.cstride = 4 * p->ring_w * J, ctx.owoc = p->output_w * OC;
    /* passes of up to four rows across the output columns: images of up to 8 output rows, and of 9..12 (J = 13)
     * where the filter moves two columns a block (stride_w 2, dilation_w 1), so col_3x3s2j_channels runs them */
    const int small = s2 && (p->output_h <= 8 || (J == 13 && p->stride_w == 2 && p->dilation_w == 1));
    if (small) {
        ctx.xs = 4 * xs - 2 * ctx.tap; /* col_3x3s2c_channels: a block's xp, two taps on, to the next column's */
        ctx.os3 = 3 * ostep;
    }
    /* col_3x3s2j_channels for passes of four rows: J = 13, 9 or 5, filter columns J words apart (dilation_w 1: the
     * asm's immediate) and the filter two columns on a block (stride_w 2: xs 0) */
    const int s2j = small && (J == 13 || J == 9 || J == 5) && ctx.tap == 4 * J && ctx.xs == 0;
    const int jsel = J == 5 ? 0 : (J == 9 ? 1 : 3) + !(p->output_w & 1); /* col_3x3s2j_channels's jsel */
    col_geo geo;
    col_geometry(p, J, &geo);
#if !defined(TSLM_OPTIMIZE_SIZE)
    if (s2) {
        col_geometry13(p, &geo);
    }
#endif
    col_pad_rows(p, col, J, C < 4 ? C : 4, !geo.zbottom || C % 4); /* (a last group of 1..3 channels: col_widen) */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        /* the driver moves these on by the channels it runs (depth multiplier 1) */
        ctx.rqp = (int32_t)(uintptr_t)p->requant; /* pointers as int32_t: the target's are 32 bits */
        ctx.wp = (int32_t)(uintptr_t)weights;
        ctx.obase = (int32_t)(uintptr_t)out_b - OC;
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            if (s2) {
                col_widen_group_s2(p, &geo, in_b, g, col, chans);
            } else {
                col_widen_group(p, &geo, in_b, g, col, chans);
            }
            if (small) { /* small images: passes of up to four rows across the columns */
                /* xbase, obase: the first column's (the other drivers': the one before); the driver moves rqp, wp
                 * and obase on by the group's channels */
                const int32_t rqp = ctx.rqp, wp = ctx.wp, obase = ctx.obase + OC;
                ctx.xbase = (int32_t)(uintptr_t)col, ctx.obase = obase, ctx.ostopc = obase + chans;
                const int32_t h0 = p->output_h < 4 ? p->output_h : 4;
                int32_t R0 = 4;
                if (h0 == 4 && s2j) { /* every full pass of four rows in one call, channel by channel */
                    ctx.s2jrows = p->output_h / 4 - 1;
                    R0 = 4 * (p->output_h / 4);
                    col_3x3s2j_pass(&ctx, OC, jsel, epi == EPI_RSAT);
                } else {
                    col_3x3s2c_channels(&ctx.m, h0, epi == EPI_RSAT);
                }
                for (; R0 < p->output_h; R0 += 4) {
                    const int32_t h = p->output_h - R0 < 4 ? p->output_h - R0 : 4;
                    ctx.rqp = rqp, ctx.wp = wp, ctx.obase = obase + R0 * ostep, ctx.ostopc = ctx.obase + chans;
                    ctx.xbase = (int32_t)(uintptr_t)col + 4 * R0; /* (stride 2: a word per row) */
                    if (h == 4 && s2j) {
                        col_3x3s2j_pass(&ctx, OC, jsel, epi == EPI_RSAT);
                    } else {
                        col_3x3s2c_channels(&ctx.m, h, epi == EPI_RSAT);
                    }
                }
                ctx.obase = obase - OC + chans;
                continue;
            }
            if (full > 0) { /* the group's channels */
                ctx.xbase = (int32_t)(uintptr_t)col - 4 * xs;
                ctx.ostopc = ctx.obase + chans;
                const int32_t rqp = ctx.rqp, wp = ctx.wp, obase = ctx.obase;
                for (int32_t R = 0;;) {
                    col_3x3_drive(&ctx, s2, epi);
                    if (!s2 || rest < 2 || R) {
                        break;
                    }
                    /* at stride 2 the last two or three rows in one more pass: one block over rows R = output_h - 4
                     * .. output_h - 1, overlapping the full blocks' last rows (written again with the same values:
                     * the group's input is in scratch), the group's channels run again from their first */
                    R = p->output_h - 4;
                    ctx.rqp = rqp, ctx.wp = wp, ctx.obase = obase + R * ostep, ctx.ostopc = ctx.obase + chans;
                    ctx.xbase = (int32_t)(uintptr_t)col - 4 * xs + 4 * R; /* (stride 2: a word per row) */
                    ctx.bspan = 4 * ostep;
                }
                if (s2 && rest >= 2) { /* as the first pass left them */
                    ctx.rqp = rqp + 16 * chans, ctx.wp = wp + 24 * chans, ctx.obase = obase + chans;
                    ctx.bspan = full * 4 * ostep;
                }
            }
            for (int32_t o = 4 * g; (rest >= 2 && !s2) || full == 0 ? o < 4 * g + chans : 0; ++o) {
                const int32_t *cbase = col + (o - 4 * g) * p->ring_w * J;
                col_3x3_rest(p, cbase + (s2 ? 4 : 2) * full, weights + o * 6, p->requant + 4 * o,
                             out_b + o + 4 * full * ostep, rest, s2, epi);
            }
        }
    }
}
#endif

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
/* 3x3 at stride 2 (stride_w 2, dilation 1) on small images, the layers the compiler gives
 * tslm_dsp_depthwise_conv_3x3s2t_s8: three output rows with EPI_SAT or four with EPI_SAT or EPI_RSAT (J = 5 either
 * way). Per group of four channels its columns widened, then its channels in one pass: col_3x3s2t_channels (three
 * rows, the weights in registers) or col_3x3s2j_channels (four rows); the pad words once per call, none of
 * col_run_3x3_body's per-group choices (~50 instructions a group). Never in bands (four rows are no band). */
TSLM_ALWAYS_INLINE void col_run_3x3s2t_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                            const int32_t *weights, int8_t *output, int32_t *col, const int sat_only)
{
    /* depth multiplier 1; J = 5 for four rows (col_3x3s2j_channels's), 4 for three (col_3x3s2t_channels reads X0..X3
     * of a column: a word fewer than col_words, which the scratch's size allows) */
    const int four = p->output_h == 4, ow3 = p->output_w == 3;
    const int32_t C = p->input_c, OC = p->output_c, J = four ? col_words(p) : 4;
    const int rsat = !sat_only && p->requant_fast == TSLM_DSP_DW_COL + EPI_RSAT;
    col33_ctx ctx;
    ctx.ostep = p->output_w * OC, ctx.oc = OC, ctx.cstride = 4 * p->ring_w * J, ctx.owoc = p->output_w * OC;
    ctx.os3 = 3 * ctx.ostep;
    col_geo geo;
    col_geometry(p, J, &geo);
    col_pad(p, col, J, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        ctx.rqp = (int32_t)(uintptr_t)p->requant, ctx.wp = (int32_t)(uintptr_t)weights; /* moved on by the asm */
        /* the pass chosen once, not per group (6x6x128: 80 instructions fewer) */
        for (int32_t g = 0; four && 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            col_widen_group(p, &geo, in_b, g, col, chans);
            ctx.xbase = (int32_t)(uintptr_t)col; /* the group's first padded column */
            ctx.obase = (int32_t)(uintptr_t)(out_b + 4 * g), ctx.ostopc = ctx.obase + chans;
            ctx.s2jrows = 0;
            col_3x3s2j_pass(&ctx, OC, 0, rsat);
        }
        for (int32_t g = 0; !four && 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            if (chans == 4 && geo.wmode == 11) {
                col_widen4_pairs3(&geo, in_b + 4 * g, col + p->pad_w * J);
            } else {
                col_widen_group(p, &geo, in_b, g, col, chans);
            }
            ctx.xbase = (int32_t)(uintptr_t)col;
            ctx.obase = (int32_t)(uintptr_t)(out_b + 4 * g), ctx.ostopc = ctx.obase + chans;
            col_3x3s2t_channels(&ctx.m, ow3);
        }
    }
}

__attribute__((noinline)) static void col_run_3x3s2t(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                     const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3s2t_body(p, input, weights, output, col, 0);
}

/* EPI_SAT alone (tslm_dsp_depthwise_conv_3x3s2t_sat_s8) */
__attribute__((noinline)) static void col_run_3x3s2t_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                         const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3s2t_body(p, input, weights, output, col, 1);
}

/* Six output rows (output_h 6, J = 7: 11- and 12-row images, e.g. 12x12 -> 6x6) with EPI_SAT or EPI_RSAT, the driver
 * of tslm_dsp_depthwise_conv_3x3s2t_s8: per group of four channels its columns widened, then its channels in one pass
 * of col_3x3s2six_channels (col_run_3x3_body ran them before, with its per-group choices: 12x12x64 1,140 -> ~660
 * instructions of driver) */
TSLM_ALWAYS_INLINE void col_run_3x3s2six_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                              const int32_t *weights, int8_t *output, int32_t *col, const int rsat)
{
    /* depth multiplier 1; J = 7, the words the pass reads (X0..X6 of a column: two fewer than col_words, which the
     * scratch's size allows) */
    const int32_t C = p->input_c, OC = p->output_c, J = 7;
    col33_ctx ctx;
    ctx.ostep = p->output_w * OC, ctx.oc = OC, ctx.cstride = 4 * p->ring_w * J, ctx.owoc = p->output_w * OC;
    ctx.os3 = 3 * ctx.ostep, ctx.tap = 4 * J;
    ctx.r = ctx.os3; /* (col_3x3s2six_channels_s: 3 ostep in the r slot, as TSLM_S6_BLOCKS leaves it) */
    col_geo geo;
    col_geometry(p, J, &geo);
    col_pad(p, col, J, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        ctx.rqp = (int32_t)(uintptr_t)p->requant, ctx.wp = (int32_t)(uintptr_t)weights; /* moved on by the asm */
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            if (chans == 4 && geo.wmode == 18) {
                col_widen4_pairs6(&geo, in_b + 4 * g, col + p->pad_w * J);
            } else {
                col_widen_group(p, &geo, in_b, g, col, chans);
            }
            ctx.xbase = (int32_t)(uintptr_t)col;
            ctx.obase = (int32_t)(uintptr_t)(out_b + 4 * g), ctx.ostopc = ctx.obase + chans;
            col_3x3s2six_pass(&ctx, OC, rsat);
        }
    }
}

__attribute__((noinline)) static void col_run_3x3s2six(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                       const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3s2six_body(p, input, weights, output, col, p->requant_fast == TSLM_DSP_DW_COL + EPI_RSAT);
}

/* EPI_SAT alone (tslm_dsp_depthwise_conv_3x3s2t_sat_s8) */
__attribute__((noinline)) static void col_run_3x3s2six_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                           const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3s2six_body(p, input, weights, output, col, 0);
}
#endif

#if defined(TSLM_DSP_ASM)
/* col_run for K x 1 at stride 1 with EPI_SAT or EPI_RSAT, n = 2..8 pairs: the full blocks in col_k1_blocks, the last
 * rows in C. */
TSLM_ALWAYS_INLINE void col_run_k1_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                        const int32_t *weights, int8_t *output, int32_t *col, const int32_t n,
                                        const int epi)
{
    const int32_t C = p->input_c, dm = p->depth_multiplier, OC = p->output_c;
    const int32_t J = col_words(p), xs = p->stride_w * J, ostep = p->output_w * OC;
    const int32_t full = p->output_h / 4, rest = p->output_h - 4 * full;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    col33_ctx ctx;
    ctx.ostep = ostep;
    ctx.tap = 0;
    ctx.xs = 4 * xs, ctx.oc = OC, ctx.bspan = full * 4 * ostep, ctx.rest1 = rest == 1;
    ctx.cstride = 4 * p->ring_w * J, ctx.owoc = p->output_w * OC;
    col_geo geo;
    col_geometry(p, J, &geo);
    col_pad(p, col, J, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        /* the driver moves these on by the channels it runs (as col_run_3x3_body's) */
        ctx.rqp = (int32_t)(uintptr_t)p->requant; /* the target's pointers: 32 bits */
        ctx.wp = (int32_t)(uintptr_t)weights;
        ctx.obase = (int32_t)(uintptr_t)out_b - OC;
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            col_widen_group(p, &geo, in_b, g, col, chans);
            if (n <= 3) { /* the group's channels in col_k1_channels (as col_run_3x3_body), the rest in C */
                if (full > 0) {
                    ctx.xbase = (int32_t)(uintptr_t)col - 4 * xs;
                    ctx.ostopc = ctx.obase + chans;
                    col_k1_channels(&ctx.m, n, p->filter_h == 4, epi == EPI_RSAT);
                }
                for (int32_t o = 4 * g; rest >= 2 || full == 0 ? o < 4 * g + chans : 0; ++o) {
                    const int32_t *rq = p->requant + 4 * o, *w = weights + o * n;
                    const int32_t *cbase = col + (o - 4 * g) * p->ring_w * J;
                    const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
                    for (int32_t ox = 0; ox < p->output_w; ++ox) { /* the last two or three rows, or all */
                        int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
                        col_taps(cbase + ox * xs + 2 * full, w, n, 0, &a0, &a1, &a2, &a3);
                        col_store(out_b + ox * OC + o + 4 * full * ostep, ostep, rest, a0, a1, a2, a3, k, zp, lo,
                                  hi, epi);
                    }
                }
                continue;
            }
            for (int32_t ci = 4 * g; ci < 4 * g + chans; ++ci) {
                const int32_t *cbase = col + (ci - 4 * g) * p->ring_w * J;
                for (int32_t o = ci * dm; o < (ci + 1) * dm; ++o) {
                    const int32_t *rq = p->requant + 4 * o, *w = weights + o * n;
                    const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
                    ctx.init = rq[0], ctx.m = rq[1], ctx.r = rq[2], ctx.round = rq[3];
                    uint32_t prev = 0;
                    for (int32_t j = 0; j < n; ++j) {
                        const uint32_t a = (uint32_t)w[j];
                        ctx.ab[2 * j] = (int32_t)a;
                        ctx.ab[2 * j + 1] = (int32_t)((prev >> 16) | (a << 16));
                        prev = a;
                    }
                    for (int32_t ox = 0; ox < p->output_w; ++ox) {
                        const int32_t *x = cbase + ox * xs;
                        int8_t *out = out_b + ox * OC + o;
                        if (full > 0) {
                            ctx.end = out + full * 4 * ostep;
                            col_k1_blocks(x, out, &ctx.m, n, epi == EPI_RSAT);
                        }
                        if (rest == 1) { /* one row: the even pairs only */
                            const int32_t *xt = x + 2 * full;
                            int32_t a0 = k.init;
                            for (int32_t j = 0; j < n; ++j) {
                                a0 = tslm_smlad(w[j], xt[j], a0);
                            }
                            out[4 * full * ostep] = col_out(a0, k, zp, lo, hi, epi);
                        } else if (rest > 1) {
                            int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
                            col_taps(x + 2 * full, w, n, 0, &a0, &a1, &a2, &a3);
                            col_store(out + 4 * full * ostep, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, epi);
                        }
                    }
                }
            }
        }
    }
}
#endif

#if defined(TSLM_DSP_ASM)
/* One copy per epilogue, each with its loop's epilogue fixed, each a function of its own. */
__attribute__((noinline)) static void col_run_3x3_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                      const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3_body(p, input, weights, output, col, 0, EPI_SAT);
}

__attribute__((noinline)) static void col_run_3x3_rsat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                       const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3_body(p, input, weights, output, col, 0, EPI_RSAT);
}

__attribute__((noinline)) static void col_run_3x3s2_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                        const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3_body(p, input, weights, output, col, 1, EPI_SAT);
}

__attribute__((noinline)) static void col_run_3x3s2_rsat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                         const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_3x3_body(p, input, weights, output, col, 1, EPI_RSAT);
}

#if !defined(TSLM_OPTIMIZE_SIZE)
/* The last `rest` rows (1..3) of every column of one 5x5 channel in C (x: its first column's block; s2:
 * stride 2). */
__attribute__((noinline)) static void col_5x5_rest(const tslm_depthwise_conv_params *p, const int32_t *x,
                                                   const int32_t *w, const int32_t *rq, int8_t *out, int32_t rest,
                                                   const int s2, const int epi)
{
    const int32_t J = col_words(p), xs = p->stride_w * J, OC = p->output_c, ostep = p->output_w * OC;
    const int32_t tap_x = p->dilation_w * J, zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
    for (int32_t ox = 0; ox < p->output_w; ++ox, x += xs, out += OC) {
        int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
        for (int32_t fx = 0; fx < 5; ++fx) {
            col_taps(x + fx * tap_x, w + 3 * fx, 3, s2, &a0, &a1, &a2, &a3);
        }
        if (epi == EPI_RSAT) {
            col_store(out, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_RSAT);
        } else {
            col_store(out, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_SAT);
        }
    }
}

/* 5x5 at stride 1 or 2 (vertically) with EPI_SAT or EPI_RSAT (col_dispatch): each group's channels in
 * col_5x5_channels or col_5x5s2_channels, the last two or three rows (or all, fewer than four) in col_5x5_rest. */
TSLM_ALWAYS_INLINE void col_run_5x5_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int32_t *weights, int8_t *output, int32_t *col, const int s2,
                                          const int rsat)
{
    const int32_t C = p->input_c, OC = p->output_c; /* depth multiplier 1 (ops/conv.py) */
    const int32_t J = col_words(p), xs = p->stride_w * J, ostep = p->output_w * OC, tap_x = p->dilation_w * J;
    const int32_t full = p->output_h / 4, rest = p->output_h - 4 * full;
    col33_ctx ctx;
    ctx.ostep = ostep;
    ctx.tap = 4 * tap_x;
    ctx.xs = 4 * xs, ctx.oc = OC, ctx.bspan = full * 4 * ostep, ctx.rest1 = rest == 1;
    ctx.cstride = 4 * p->ring_w * J, ctx.owoc = p->output_w * OC;
    col_geo geo;
    col_geometry(p, J, &geo);
    col_pad(p, col, J, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        ctx.rqp = (int32_t)(uintptr_t)p->requant; /* the target's pointers: 32 bits */
        ctx.wp = (int32_t)(uintptr_t)weights;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        ctx.obase = (int32_t)(uintptr_t)out_b - OC;
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            col_widen_group(p, &geo, in_b, g, col, chans);
            if (full > 0) {
                ctx.xbase = (int32_t)(uintptr_t)col - 4 * xs;
                ctx.ostopc = ctx.obase + chans;
                if (s2) {
                    col_5x5s2_channels(&ctx.m, rsat);
                } else {
                    col_5x5_channels(&ctx.m, rsat);
                }
            }
            for (int32_t o = 4 * g; rest >= 2 || full == 0 ? o < 4 * g + chans : 0; ++o) {
                col_5x5_rest(p, col + (o - 4 * g) * p->ring_w * J + (s2 ? 4 : 2) * full, weights + o * 15,
                             p->requant + 4 * o, out_b + o + 4 * full * ostep, rest, s2,
                             rsat ? EPI_RSAT : EPI_SAT);
            }
        }
    }
}

__attribute__((noinline)) static void col_run_5x5(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                  const int32_t *weights, int8_t *output, int32_t *col, const int s2,
                                                  const int rsat)
{
    col_run_5x5_body(p, input, weights, output, col, s2, rsat);
}

/* EPI_SAT only (col_dispatch_sat) */
__attribute__((noinline)) static void col_run_5x5_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                  const int32_t *weights, int8_t *output, int32_t *col, const int s2)
{
    col_run_5x5_body(p, input, weights, output, col, s2, 0);
}

/* K x 1 (K = 2, 3) at stride 2 (vertically) with EPI_SAT or EPI_RSAT (col_dispatch): each group's channels in
 * col_k1s2_channels, the last two or three rows (or all, fewer than four) in C. */
TSLM_ALWAYS_INLINE void col_run_k1s2_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                           const int32_t *weights, int8_t *output, int32_t *col, const int rsat)
{
    const int32_t C = p->input_c, OC = p->output_c; /* depth multiplier 1 (ops/conv.py) */
    const int32_t J = col_words(p), xs = p->stride_w * J, ostep = p->output_w * OC;
    const int32_t full = p->output_h / 4, rest = p->output_h - 4 * full;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    col33_ctx ctx;
    ctx.ostep = ostep;
    ctx.tap = 0;
    ctx.xs = 4 * xs, ctx.oc = OC, ctx.bspan = full * 4 * ostep, ctx.rest1 = rest == 1;
    ctx.cstride = 4 * p->ring_w * J, ctx.owoc = p->output_w * OC;
    col_geo geo;
    col_geometry(p, J, &geo);
    col_pad(p, col, J, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        ctx.rqp = (int32_t)(uintptr_t)p->requant; /* the target's pointers: 32 bits */
        ctx.wp = (int32_t)(uintptr_t)weights;
        ctx.obase = (int32_t)(uintptr_t)out_b - OC;
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            col_widen_group(p, &geo, in_b, g, col, chans);
            if (full > 0) {
                ctx.xbase = (int32_t)(uintptr_t)col - 4 * xs;
                ctx.ostopc = ctx.obase + chans;
                col_k1s2_channels(&ctx.m, rsat);
            }
            for (int32_t o = 4 * g; rest >= 2 || full == 0 ? o < 4 * g + chans : 0; ++o) {
                const int32_t *rq = p->requant + 4 * o, *w = weights + 2 * o;
                const int32_t *x = col + (o - 4 * g) * p->ring_w * J + 4 * full;
                const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
                int8_t *out = out_b + o + 4 * full * ostep;
                for (int32_t ox = 0; ox < p->output_w; ++ox, x += xs, out += OC) {
                    int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
                    col_taps(x, w, 2, 1, &a0, &a1, &a2, &a3);
                    if (rsat) {
                        col_store(out, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_RSAT);
                    } else {
                        col_store(out, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_SAT);
                    }
                }
            }
        }
    }
}

__attribute__((noinline)) static void col_run_k1s2(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                   const int32_t *weights, int8_t *output, int32_t *col, const int rsat)
{
    col_run_k1s2_body(p, input, weights, output, col, rsat);
}

/* EPI_SAT only (col_dispatch_sat) */
__attribute__((noinline)) static void col_run_k1s2_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                   const int32_t *weights, int8_t *output, int32_t *col)
{
    col_run_k1s2_body(p, input, weights, output, col, 0);
}
#endif

__attribute__((noinline)) static void col_run_k1_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                     const int32_t *weights, int8_t *output, int32_t *col,
                                                     const int32_t n)
{
    col_run_k1_body(p, input, weights, output, col, n, EPI_SAT);
}

__attribute__((noinline)) static void col_run_k1_rsat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                      const int32_t *weights, int8_t *output, int32_t *col,
                                                      const int32_t n)
{
    col_run_k1_body(p, input, weights, output, col, n, EPI_RSAT);
}
#endif

TSLM_ALWAYS_INLINE void col_run(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *weights,
                                int8_t *output, int32_t *col, const int32_t n, const int32_t FW, const int s2,
                                const int epi)
{
    const int32_t C = p->input_c, dm = p->depth_multiplier, OC = p->output_c, fw = p->filter_w;
    const int32_t J = col_words(p);
    const int32_t xs = p->stride_w * J; /* words between output columns' first input columns */
#if defined(TSLM_DSP_ASM)
    /* the drivers take depth multiplier 1, the only one the compiler gives this layout (ops/conv.py) */
    if (FW == 3 && n == 2 && !s2 && (epi == EPI_SAT || epi == EPI_RSAT)) {
        if (epi == EPI_SAT) {
            col_run_3x3_sat(p, input, weights, output, col);
        } else {
            col_run_3x3_rsat(p, input, weights, output, col);
        }
        return;
    }
    if (FW == 3 && n == 2 && s2 && (epi == EPI_SAT || epi == EPI_RSAT)) {
        if (epi == EPI_SAT) {
            col_run_3x3s2_sat(p, input, weights, output, col);
        } else {
            col_run_3x3s2_rsat(p, input, weights, output, col);
        }
        return;
    }
    if (FW == 1 && n >= 2 && n <= 8 && !s2 && (epi == EPI_SAT || epi == EPI_RSAT)) {
        if (epi == EPI_SAT) {
            col_run_k1_sat(p, input, weights, output, col, n);
        } else {
            col_run_k1_rsat(p, input, weights, output, col, n);
        }
        return;
    }
#endif
    col_geo geo;
    col_geometry(p, J, &geo);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            if (b == 0 && g == 0) {
                col_pad(p, col, J, chans);
            }
            col_widen_group(p, &geo, in_b, g, col, chans);
            for (int32_t ci = 4 * g; ci < 4 * g + chans; ++ci) {
                const int32_t *cbase = col + (ci - 4 * g) * p->ring_w * J;
                for (int32_t o = ci * dm; o < (ci + 1) * dm; ++o) {
                    const int32_t *rq = p->requant + 4 * o;
                    const col_rec k = {epi == EPI_EXACT ? 0 : rq[0], rq[1], rq[2], rq[3], rq};
                    const int32_t *w = weights + o * fw * n;
                    for (int32_t ox = 0; ox < p->output_w; ++ox) {
                        col_channel(p, cbase + ox * xs, J, w, k, out_b + ox * OC + o, n, FW, s2, epi);
                    }
                }
            }
        }
    }
}

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
/* ------------------------------------------------------------------------------------------------
 * Width 1, 3 x 1 at stride 1 (a 1-D depthwise over time, e.g. 49 steps of 40-64 channels): no widening and no
 * scratch. Per channel, its time pairs are made in registers from the input bytes (two LDRSB and one PKHBT per
 * pair) and two outputs per block take four MAC instructions: with the padded series p_t (x_(t - pad_h), zero
 * points outside the image), X0 = (p_t, p_t+1) carried from the block before and X1 = (p_t+2, p_t+3),
 *   o(t) = (w0, w1) . X0 + w2 X1.lo,   o(t + 1) = w0 X0.hi + (w1, w2) . X1
 * (SMLAD, SMLATB, SMLABT, SMLAD; the compiler's pairs A0 = (2 w0, 2 w1), A1 = (2 w2, 0), B = (A0.hi, A1.lo)).
 * Every channel of a batch in one Thumb-2 routine: per channel its record and weights, the first pair, then the
 * blocks, four a turn (entered at the block that leaves a multiple of four), the loop copy chosen by TBH on the
 * channel's right shift r (r = 3..10: SSAT's immediate shift; other r: the same blocks with r in a register, one
 * instruction more an output, eight a turn and the loop's end in a stack slot; the stride-2 routine below:
 * r = 5..10, other r its copies' four blocks a turn the same way), then
 * zero, one or two outputs whose last tap reads the bottom padding. Outputs are stored at the input pointer plus
 * a constant (D, D + C: both move by C per time step), each block's after its inputs are read (in place safe).
 * Body registers: r0 init, r1 m, r3 round, r4 A0, r5 B, r6 end, r7 C, r8 D, r9 D + C, r10 q (the next input
 * byte), r11 r12 accumulators, lr and r2 the pairs (alternating); on the stack the context's address and the slow
 * loop's end. TSLM_DSP_DW_W1_SLOW (tests) sends every r of both routines to the slow loops. */
typedef struct {
    int32_t rcur, tailk, zpair;   /* 0: the channel's r; 4: the tail (0 none, 1 one output whose p_t+2 is padding,
                                   * 2 one output, 3 two, p_t+3 padding); 8: the input zero point in both halves */
    int32_t rqp, wp, q, qend;     /* 12..24: the next channel's record, weights, input; the input past the last */
    int32_t len, C, D, D2;        /* 28..40: bytes of the blocks, channels, output minus input pointer (and + C) */
    int32_t first, entry;         /* 44, 48: pad_h 1: zpair, 0: 1 (no zpair has unequal halves); the first
                                   * block's index, stride 1: (8 - blocks % 8) % 8 (the slow loop's eight-block
                                   * turn; the copies' four-block loops take it % 4), stride 2: (4 - blocks % 4) % 4 */
} w1k3_ctx;

/* two outputs (a block), XC the carried pair, XN the next; REQ(acc, temp, R) */
#define TSLM_W1_BLK(XC, XN, REQ, R)                          \
    "ldrsb r11, [r10, r7]\n\t"                              \
    "ldrsb r12, [r10, r7, lsl #1]\n\t"                      \
    "pkhbt " XN ", r11, r12, lsl #16\n\t"                   \
    "smlad r11, r4, " XC ", r0\n\t"                         \
    "smlatb r11, r5, " XN ", r11\n\t"                       \
    "smlabt r12, r4, " XC ", r0\n\t"                        \
    "smlad r12, r5, " XN ", r12\n\t"                        \
    REQ("r11", XC, R) REQ("r12", XC, R)                     \
    "strb r11, [r10, r8]\n\t"                               \
    "strb r12, [r10, r9]\n\t"                               \
    "add r10, r10, r7, lsl #1\n\t"
#define TSLM_W1_SAT(A, T, R) "smmlar " A ", " A ", r1, r3\n\tssat " A ", #8, " A ", asr #" R "\n\t"
#define TSLM_W1_RSAT(A, T, R)                                                                                 \
    "add " T ", r3, " A ", asr #31\n\tsmmlar " A ", " A ", r1, " T "\n\tssat " A ", #8, " A ", asr #" R "\n\t"
/* r in register R */
#define TSLM_W1_SATG(A, T, R) "smmlar " A ", " A ", r1, r3\n\tasr " A ", " A ", " R "\n\tssat " A ", #8, " A "\n\t"
#define TSLM_W1_RSATG(A, T, R)                                                                                \
    "add " T ", r3, " A ", asr #31\n\tsmmlar " A ", " A ", r1, " T "\n\tasr " A ", " A ", " R "\n\t"          \
    "ssat " A ", #8, " A "\n\t"
/* the loop copy for the right shift R, its blocks BLK and its labels .Lw1<C>%=_R_<entry> (the entries 0..3, the odd
 * ones with the first pair moved to r2) and .Lw1<B>%=_R_<entry> (the blocks) */
#define TSLM_W1_LOOP(BLK, C, B, REQ, R)                                                                       \
    ".Lw1" C "%=_" #R "_1:\n\tmov r2, lr\n\tb .Lw1" B "%=_" #R "_1\n\t"                                         \
    ".Lw1" C "%=_" #R "_3:\n\tmov r2, lr\n\tb .Lw1" B "%=_" #R "_3\n\t"                                         \
    ".Lw1" C "%=_" #R "_0:\n\t"                                                                              \
    ".Lw1" B "%=_" #R "_0:\n\t" BLK("lr", "r2", REQ, #R)                                                      \
    ".Lw1" B "%=_" #R "_1:\n\t" BLK("r2", "lr", REQ, #R)                                                      \
    ".Lw1" C "%=_" #R "_2:\n\t"                                                                              \
    ".Lw1" B "%=_" #R "_2:\n\t" BLK("lr", "r2", REQ, #R)                                                      \
    ".Lw1" B "%=_" #R "_3:\n\t" BLK("r2", "lr", REQ, #R)                                                      \
    "cmp r10, r6\n\t"                                                                                         \
    "bne .Lw1" B "%=_" #R "_0\n\t"                                                                            \
    /* one output whose p_t+2 is padding (SAME, an odd count) here, the other tails in .Lw1tail */            \
    "ldr r12, [sp]\n\t"                                                                                       \
    "ldrd r6, r11, [r12, #4]\n\t"                                                                             \
    "cmp r6, #1\n\t"                                                                                          \
    "bne .Lw1tail%=\n\t"                                                                                      \
    "smlad r12, r4, lr, r0\n\t"                                                                               \
    "smlatb r12, r5, r11, r12\n\t" REQ("r12", "r7", #R)                                                       \
    "strb r12, [r10, r8]\n\t"                                                                                 \
    "b 4b\n\t"
#define TSLM_W1_COPY(REQ, R) TSLM_W1_LOOP(TSLM_W1_BLK, "c", "b", REQ, R)
/* A zero first tap (every channel's w0 = 0: the compiler's 2 x 1 as 3 x 1): o(t + 1) = (w1, w2) . X1 is one SMLAD
 * (B, X1) and o(t) = w1 X0.hi + w2 X1.lo keeps its two, so a block has one MAC instruction fewer; the same
 * registers, entries and tails as TSLM_W1_COPY */
#define TSLM_W1K_BLK(XC, XN, REQ, R)                         \
    "ldrsb r11, [r10, r7]\n\t"                              \
    "ldrsb r12, [r10, r7, lsl #1]\n\t"                      \
    "pkhbt " XN ", r11, r12, lsl #16\n\t"                   \
    "smlad r11, r4, " XC ", r0\n\t"                         \
    "smlatb r11, r5, " XN ", r11\n\t"                       \
    "smlad r12, r5, " XN ", r0\n\t"                         \
    REQ("r11", XC, R) REQ("r12", XC, R)                     \
    "strb r11, [r10, r8]\n\t"                               \
    "strb r12, [r10, r9]\n\t"                               \
    "add r10, r10, r7, lsl #1\n\t"
#define TSLM_W1K_COPY(REQ, R) TSLM_W1_LOOP(TSLM_W1K_BLK, "k", "kb", REQ, R)
/* the TBH table: a row of eight per r (index r * 8 + entry, the entry of the eight-block slow loop; the copies'
 * four-block loops are entered at entry % 4) */
#define TSLM_W1_TG                                                                                            \
    ".hword (.Lw1g%=_0 - .Lw1t%=) / 2, (.Lw1g%=_1 - .Lw1t%=) / 2, (.Lw1g%=_2 - .Lw1t%=) / 2, (.Lw1g%=_3 - .Lw1t%=) / 2\n\t" \
    ".hword (.Lw1g%=_4 - .Lw1t%=) / 2, (.Lw1g%=_5 - .Lw1t%=) / 2, (.Lw1g%=_6 - .Lw1t%=) / 2, (.Lw1g%=_7 - .Lw1t%=) / 2\n\t"
/* the slow loop's entry E: the end to the stack slot, r into r6 (ODD: the first pair moved to r2) */
#define TSLM_W1_GE(E, ODD) ".Lw1g%=_" E ":\n\tldr r11, [sp]\n\tstr r6, [sp, #4]\n\tldr r6, [r11]\n\t" ODD "b .Lw1gb%=_" E "\n\t"
#if defined(TSLM_DSP_DW_W1_SLOW) /* tests: every right shift in the loop with r in a register */
#define TSLM_W1_TR(R) TSLM_W1_TG
#define TSLM_W1K_TR(R) TSLM_W1_TG
#else
#define TSLM_W1_TR(R)                                                                                         \
    ".hword (.Lw1c%=_" #R "_0 - .Lw1t%=) / 2, (.Lw1c%=_" #R "_1 - .Lw1t%=) / 2, (.Lw1c%=_" #R                  \
    "_2 - .Lw1t%=) / 2, (.Lw1c%=_" #R "_3 - .Lw1t%=) / 2\n\t"                                                 \
    ".hword (.Lw1c%=_" #R "_0 - .Lw1t%=) / 2, (.Lw1c%=_" #R "_1 - .Lw1t%=) / 2, (.Lw1c%=_" #R                  \
    "_2 - .Lw1t%=) / 2, (.Lw1c%=_" #R "_3 - .Lw1t%=) / 2\n\t"
#define TSLM_W1K_TR(R)                                                                                        \
    ".hword (.Lw1k%=_" #R "_0 - .Lw1t%=) / 2, (.Lw1k%=_" #R "_1 - .Lw1t%=) / 2, (.Lw1k%=_" #R                  \
    "_2 - .Lw1t%=) / 2, (.Lw1k%=_" #R "_3 - .Lw1t%=) / 2\n\t"                                                 \
    ".hword (.Lw1k%=_" #R "_0 - .Lw1t%=) / 2, (.Lw1k%=_" #R "_1 - .Lw1t%=) / 2, (.Lw1k%=_" #R                  \
    "_2 - .Lw1t%=) / 2, (.Lw1k%=_" #R "_3 - .Lw1t%=) / 2\n\t"
#endif
/* REQ: the immediate-shift requantization, REQG the one with r in a register (r6 in the slow loop, r2 in the
 * tail; r7 the tail's temporary) */
#define TSLM_W1_CHANNELS(REQ, REQG, TR, COPY)                                                                 \
    __asm__ volatile(                                                                                         \
        "push {r0, r1}\n\t"                                                                                   \
        "4:\n\t"                                                                                              \
        "ldr lr, [sp]\n\t"                                                                                    \
        "add r12, lr, #12\n\t"                                                                                \
        "ldmia r12, {r8, r9, r10, r11}\n\t"                                                                   \
        "cmp r10, r11\n\t"                                                                                    \
        "beq 8f\n\t"                                                                                          \
        "ldmia r9!, {r4, r5}\n\t"                                                                             \
        "ldmia r8!, {r0, r1, r2, r3}\n\t"                                                                     \
        "add r11, r10, #1\n\t"                                                                                \
        "stmia r12, {r8, r9, r11}\n\t"                                                                        \
        "str r2, [lr]\n\t"                                                                                    \
        "lsl r5, r5, #16\n\t"                                                                                 \
        "orr r5, r5, r4, lsr #16\n\t"                                                                         \
        "add r12, lr, #28\n\t"                                                                                \
        "ldmia r12, {r6, r7, r8, r9, r11, r12}\n\t"                                                           \
        "add r2, r12, r2, lsl #3\n\t"                                                                         \
        "ldrsb r12, [r10]\n\t"                                                                                \
        "cmp r11, #1\n\t"                                                                                     \
        "bne 3f\n\t"                                                                                          \
        "add r10, r10, r7\n\t"                                                                                \
        "ldrsb r11, [r10]\n\t"                                                                                \
        "pkhbt lr, r12, r11, lsl #16\n\t"                                                                     \
        "b 2f\n\t"                                                                                            \
        "3:\n\t"                                                                                              \
        "pkhbt lr, r11, r12, lsl #16\n\t"                                                                     \
        "2:\n\t"                                                                                              \
        "add r6, r6, r10\n\t"                                                                                 \
        "tbh [pc, r2, lsl #1]\n\t"                                                                            \
        ".Lw1t%=:\n\t"                                                                                        \
        TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TR(3) TR(4) TR(5) TR(6) TR(7) TR(8) TR(9) TR(10) TSLM_W1_TG           \
        TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG TSLM_W1_TG     \
        TSLM_W1_TG                                                                                            \
        COPY(REQ, 3) COPY(REQ, 4) COPY(REQ, 5) COPY(REQ, 6) COPY(REQ, 7) COPY(REQ, 8) COPY(REQ, 9)           \
        COPY(REQ, 10)                                                                                         \
        /* other r: eight blocks a turn with r in r6, the end in the stack slot */                            \
        TSLM_W1_GE("0", "") TSLM_W1_GE("1", "mov r2, lr\n\t") TSLM_W1_GE("2", "")                                \
        TSLM_W1_GE("3", "mov r2, lr\n\t") TSLM_W1_GE("4", "") TSLM_W1_GE("5", "mov r2, lr\n\t")               \
        TSLM_W1_GE("6", "") TSLM_W1_GE("7", "mov r2, lr\n\t")                                                  \
        ".Lw1gb%=_0:\n\t" TSLM_W1_BLK("lr", "r2", REQG, "r6")                                                  \
        ".Lw1gb%=_1:\n\t" TSLM_W1_BLK("r2", "lr", REQG, "r6")                                                  \
        ".Lw1gb%=_2:\n\t" TSLM_W1_BLK("lr", "r2", REQG, "r6")                                                  \
        ".Lw1gb%=_3:\n\t" TSLM_W1_BLK("r2", "lr", REQG, "r6")                                                  \
        ".Lw1gb%=_4:\n\t" TSLM_W1_BLK("lr", "r2", REQG, "r6")                                                  \
        ".Lw1gb%=_5:\n\t" TSLM_W1_BLK("r2", "lr", REQG, "r6")                                                  \
        ".Lw1gb%=_6:\n\t" TSLM_W1_BLK("lr", "r2", REQG, "r6")                                                  \
        ".Lw1gb%=_7:\n\t" TSLM_W1_BLK("r2", "lr", REQG, "r6")                                                  \
        "ldr r11, [sp, #4]\n\t"                                                                              \
        "cmp r10, r11\n\t"                                                                                   \
        "bne .Lw1gb%=_0\n\t"                                                                                 \
        /* the tail: the outputs whose last tap is padding (or the last input) */                            \
        ".Lw1tail%=:\n\t"                                                                                     \
        "ldr r12, [sp]\n\t"                                                                                   \
        "ldmia r12, {r2, r6, r11}\n\t"                                                                        \
        "cmp r6, #1\n\t"                                                                                      \
        "bne 5f\n\t"                                                                                          \
        "smlad r12, r4, lr, r0\n\t"                                                                           \
        "smlatb r12, r5, r11, r12\n\t"                                                                        \
        REQG("r12", "r7", "r2")                                                                               \
        "strb r12, [r10, r8]\n\t"                                                                             \
        "b 4b\n\t"                                                                                            \
        "5:\n\t"                                                                                              \
        "cmp r6, #0\n\t"                                                                                      \
        "beq 4b\n\t"                                                                                          \
        "ldrsb r12, [r10, r7]\n\t"                                                                            \
        "pkhbt r11, r12, r11, lsl #16\n\t"                                                                    \
        "smlad r12, r4, lr, r0\n\t"                                                                           \
        "smlatb r12, r5, r11, r12\n\t"                                                                        \
        REQG("r12", "r7", "r2")                                                                               \
        "strb r12, [r10, r8]\n\t"                                                                             \
        "cmp r6, #3\n\t"                                                                                      \
        "bne 4b\n\t"                                                                                          \
        "smlabt r12, r4, lr, r0\n\t"                                                                          \
        "smlad r12, r5, r11, r12\n\t"                                                                         \
        REQG("r12", "r7", "r2")                                                                               \
        "strb r12, [r10, r9]\n\t"                                                                             \
        "b 4b\n\t"                                                                                            \
        "8:\n\t"                                                                                              \
        "pop {r0, r1}\n\t"                                                                                    \
        : "+r"(c0)                                                                                            \
        :                                                                                                     \
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

__attribute__((noinline)) static void w1k3_channels_sat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W1_CHANNELS(TSLM_W1_SAT, TSLM_W1_SATG, TSLM_W1_TR, TSLM_W1_COPY);
}

__attribute__((noinline)) static void w1k3_channels_rsat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W1_CHANNELS(TSLM_W1_RSAT, TSLM_W1_RSATG, TSLM_W1_TR, TSLM_W1_COPY);
}

/* the zero-first-tap copies (2 x 1 as 3 x 1), reached only from tslm_dsp_depthwise_conv_k2_s8 */
__attribute__((noinline)) static void w1k3_channels_k2_sat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W1_CHANNELS(TSLM_W1_SAT, TSLM_W1_SATG, TSLM_W1K_TR, TSLM_W1K_COPY);
}

__attribute__((noinline)) static void w1k3_channels_k2_rsat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W1_CHANNELS(TSLM_W1_RSAT, TSLM_W1_RSATG, TSLM_W1K_TR, TSLM_W1K_COPY);
}
#undef TSLM_W1_BLK
#undef TSLM_W1_SAT
#undef TSLM_W1_RSAT
#undef TSLM_W1_SATG
#undef TSLM_W1_RSATG
#undef TSLM_W1_COPY
#undef TSLM_W1_TG
#undef TSLM_W1_GE
#undef TSLM_W1_TR
#undef TSLM_W1K_BLK
#undef TSLM_W1K_COPY
#undef TSLM_W1_LOOP
#undef TSLM_W1K_TR
#undef TSLM_W1_CHANNELS

/* Width 1, 3 x 1 at stride 2: output t reads p_2t, p_2t+1, p_2t+2, two new inputs an output, so no pair is shared
 * and each output is (p_2t, p_2t+1) . (w0, w1) + w2 p_2t+2 (SMLAD, SMLABB with A1 = (2 w2, 0)); p_2t+2 is carried
 * (lr) into the next output's pair. Per block of two outputs four LDRSB at q, q + C, q + 2C, q + 3C (r8: 3C), two
 * PKHBT, four MAC instructions; the outputs at o and o + C. The same context and channel loop as the stride-1
 * routine; entry (the first block's index) from (4 - blocks % 4) % 4; tails: one output, p_2t+2 padding (1, in
 * the loop copy) or the last input (2). Body registers: r0 init, r1 m, r2 the pair, r3 round, r4 A0, r5 A1, r6
 * end, r7 C, r8 3C, r9 o, r10 q (p_2t+1), r11 r12 accumulators, lr p_2t; tail 3: two outputs, the second's
 * p_2t+4 padding; other r: r6 r (the end on the stack). Context: D 3C, D2 the output minus the input pointer,
 * first: pad_h 1: zpair, 0: 1. */
/* STORES: the block's two outputs, the first of a pair of blocks at o and o + C, the second at o + 2C and o + 3C
 * then o moved on by 4C (TSLM_W2_STA, TSLM_W2_STB) */
#define TSLM_W2_STA "strb r11, [r9]\n\tstrb r12, [r9, r7]\n\t"
#define TSLM_W2_STB "strb r11, [r9, r7, lsl #1]\n\tstrb r12, [r9, r8]\n\tadd r9, r9, r7, lsl #2\n\t"
#define TSLM_W2_BLK(REQ, R, STORES)                          \
    "ldrsb r2, [r10]\n\t"                                   \
    "pkhbt r2, lr, r2, lsl #16\n\t"                         \
    "ldrsb lr, [r10, r7]\n\t"                               \
    "smlad r11, r4, r2, r0\n\t"                             \
    "smlabb r11, r5, lr, r11\n\t"                           \
    "ldrsb r2, [r10, r7, lsl #1]\n\t"                       \
    "pkhbt r2, lr, r2, lsl #16\n\t"                         \
    "ldrsb lr, [r10, r8]\n\t"                               \
    "smlad r12, r4, r2, r0\n\t"                             \
    "smlabb r12, r5, lr, r12\n\t"                           \
    "add r10, r10, r7, lsl #2\n\t"                          \
    REQ("r11", "r2", R) REQ("r12", "r2", R) STORES
#define TSLM_W2_SAT(A, T, R) "smmlar " A ", " A ", r1, r3\n\tssat " A ", #8, " A ", asr #" R "\n\t"
#define TSLM_W2_RSAT(A, T, R)                                                                                 \
    "add " T ", r3, " A ", asr #31\n\tsmmlar " A ", " A ", r1, " T "\n\tssat " A ", #8, " A ", asr #" R "\n\t"
#define TSLM_W2_SATG(A, T, R) "smmlar " A ", " A ", r1, r3\n\tasr " A ", " A ", " R "\n\tssat " A ", #8, " A "\n\t"
#define TSLM_W2_RSATG(A, T, R)                                                                                \
    "add " T ", r3, " A ", asr #31\n\tsmmlar " A ", " A ", r1, " T "\n\tasr " A ", " A ", " R "\n\t"          \
    "ssat " A ", #8, " A "\n\t"
/* after a copy's loop: one output whose p_2t+2 is padding (SAME, an odd count) here, the other tails in .Lw2tail */
#define TSLM_W2_END(REQ, R)                                                                                   \
    "ldr r12, [sp]\n\t"                                                                                       \
    "ldrd r6, r11, [r12, #4]\n\t"                                                                             \
    "cmp r6, #1\n\t"                                                                                          \
    "bne .Lw2tail%=\n\t"                                                                                      \
    "ldrsb r2, [r10]\n\t"                                                                                     \
    "pkhbt r2, lr, r2, lsl #16\n\t"                                                                           \
    "smlad r12, r4, r2, r0\n\t"                                                                               \
    "smlabb r12, r5, r11, r12\n\t" REQ("r12", "r2", #R)                                                       \
    "strb r12, [r9]\n\t"                                                                                      \
    "b 4b\n\t"
/* the four blocks BLK of a copy's loop (stores TSLM_W2_STA, _STB, _STA, _STB) at the labels .Lw2<E>%=_R_0,
 * .Lw2<O>%=_R_1, .Lw2<E>%=_R_2 and .Lw2<O>%=_R_3, back to the first until r10 reaches r6 */
#define TSLM_W2_LOOP(BLK, E, O, REQ, R)                                                                       \
    ".Lw2" E "%=_" #R "_0:\n\t" BLK(REQ, #R, TSLM_W2_STA)                                                     \
    ".Lw2" O "%=_" #R "_1:\n\t" BLK(REQ, #R, TSLM_W2_STB)                                                     \
    ".Lw2" E "%=_" #R "_2:\n\t" BLK(REQ, #R, TSLM_W2_STA)                                                     \
    ".Lw2" O "%=_" #R "_3:\n\t" BLK(REQ, #R, TSLM_W2_STB)                                                     \
    "cmp r10, r6\n\t"                                                                                         \
    "bne .Lw2" E "%=_" #R "_0\n\t"
#define TSLM_W2_COPY(REQ, R)                                                                                  \
    ".Lw2c%=_" #R "_1:\n\tsub r9, r9, r7, lsl #1\n\tb .Lw2b%=_" #R "_1\n\t"                                   \
    ".Lw2c%=_" #R "_3:\n\tsub r9, r9, r7, lsl #1\n\tb .Lw2b%=_" #R "_3\n\t"                                   \
    TSLM_W2_LOOP(TSLM_W2_BLK, "c", "b", REQ, R)                                                               \
    TSLM_W2_END(REQ, R)
/* A zero first tap (every channel's w0 = 0: the compiler's 2 x 1 as 3 x 1): output t is (p_2t+1, p_2t+2) . B
 * with B = (A0.hi, A1.lo) in r5 (made at the copy's entry, A1 = B >> 16 put back after its loop for the tails),
 * one SMLAD and no carried pair, so one instruction an output fewer; lr still ends a block holding p_2t+4 */
#define TSLM_W2K_BLK(REQ, R, STORES)                         \
    "ldrsb r2, [r10]\n\t"                                   \
    "ldrsb lr, [r10, r7]\n\t"                               \
    "pkhbt r2, r2, lr, lsl #16\n\t"                         \
    "smlad r11, r5, r2, r0\n\t"                             \
    "ldrsb r2, [r10, r7, lsl #1]\n\t"                       \
    "ldrsb lr, [r10, r8]\n\t"                               \
    "pkhbt r2, r2, lr, lsl #16\n\t"                         \
    "smlad r12, r5, r2, r0\n\t"                             \
    "add r10, r10, r7, lsl #2\n\t"                          \
    REQ("r11", "r2", R) REQ("r12", "r2", R) STORES
#define TSLM_W2K_B "lsl r5, r5, #16\n\torr r5, r5, r4, lsr #16\n\t"
#define TSLM_W2K_COPY(REQ, R)                                                                                 \
    ".Lw2k%=_" #R "_1:\n\t" TSLM_W2K_B "sub r9, r9, r7, lsl #1\n\tb .Lw2kb%=_" #R "_1\n\t"                   \
    ".Lw2k%=_" #R "_3:\n\t" TSLM_W2K_B "sub r9, r9, r7, lsl #1\n\tb .Lw2kb%=_" #R "_3\n\t"                   \
    ".Lw2k%=_" #R "_2:\n\t" TSLM_W2K_B "b .Lw2kb%=_" #R "_2\n\t"                                             \
    ".Lw2k%=_" #R "_0:\n\t" TSLM_W2K_B                                                                      \
    TSLM_W2_LOOP(TSLM_W2K_BLK, "kb", "kb", REQ, R)                                                            \
    "lsr r5, r5, #16\n\t"                                                                                     \
    TSLM_W2_END(REQ, R)
#define TSLM_W2_TG ".hword (.Lw2g%=_0 - .Lw2t%=) / 2, (.Lw2g%=_1 - .Lw2t%=) / 2, (.Lw2g%=_2 - .Lw2t%=) / 2, (.Lw2g%=_3 - .Lw2t%=) / 2\n\t"
/* the slow loop's entry E: the end to the stack slot, r into r6 (ODD: o moved back by 2C as in the copies) */
#define TSLM_W2_GE(E, ODD) ".Lw2g%=_" E ":\n\tldr r11, [sp]\n\tstr r6, [sp, #4]\n\tldr r6, [r11]\n\t" ODD "b .Lw2gb%=_" E "\n\t"
#if defined(TSLM_DSP_DW_W1_SLOW)
#define TSLM_W2_TR(R) TSLM_W2_TG
#define TSLM_W2K_TR(R) TSLM_W2_TG
#else
#define TSLM_W2_TR(R)                                                                                         \
    ".hword (.Lw2c%=_" #R "_0 - .Lw2t%=) / 2, (.Lw2c%=_" #R "_1 - .Lw2t%=) / 2, (.Lw2c%=_" #R                  \
    "_2 - .Lw2t%=) / 2, (.Lw2c%=_" #R "_3 - .Lw2t%=) / 2\n\t"
#define TSLM_W2K_TR(R)                                                                                        \
    ".hword (.Lw2k%=_" #R "_0 - .Lw2t%=) / 2, (.Lw2k%=_" #R "_1 - .Lw2t%=) / 2, (.Lw2k%=_" #R                  \
    "_2 - .Lw2t%=) / 2, (.Lw2k%=_" #R "_3 - .Lw2t%=) / 2\n\t"
#endif
#define TSLM_W2_CHANNELS(REQ, REQG, TR, COPY)                                                                 \
    __asm__ volatile(                                                                                         \
        "push {r0, r1}\n\t"                                                                                   \
        "4:\n\t"                                                                                              \
        "ldr lr, [sp]\n\t"                                                                                    \
        "add r12, lr, #12\n\t"                                                                                \
        "ldmia r12, {r8, r9, r10, r11}\n\t"                                                                   \
        "cmp r10, r11\n\t"                                                                                    \
        "beq 8f\n\t"                                                                                          \
        "ldmia r9!, {r4, r5}\n\t"                                                                             \
        "ldmia r8!, {r0, r1, r2, r3}\n\t"                                                                     \
        "add r11, r10, #1\n\t"                                                                                \
        "stmia r12, {r8, r9, r11}\n\t"                                                                        \
        "str r2, [lr]\n\t"                                                                                    \
        "add r12, lr, #28\n\t"                                                                                \
        "ldmia r12, {r6, r7, r8, r9, r11, r12}\n\t"                                                           \
        "add r9, r10, r9\n\t"                                                                                 \
        "add r2, r12, r2, lsl #2\n\t"                                                                         \
        "cmp r11, #1\n\t"                                                                                     \
        "bne 3f\n\t"                                                                                          \
        "ldrsb lr, [r10]\n\t"                                                                                 \
        "add r10, r10, r7\n\t"                                                                                \
        "b 2f\n\t"                                                                                            \
        "3:\n\t"                                                                                              \
        "mov lr, r11\n\t"                                                                                     \
        "2:\n\t"                                                                                              \
        "add r6, r6, r10\n\t"                                                                                 \
        "tbh [pc, r2, lsl #1]\n\t"                                                                            \
        ".Lw2t%=:\n\t"                                                                                        \
        TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TR(5) TR(6) TR(7) TR(8) TR(9) TR(10)           \
        TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG TSLM_W2_TG     \
        TSLM_W2_TG TSLM_W2_TG                                                                                 \
        COPY(REQ, 5) COPY(REQ, 6) COPY(REQ, 7) COPY(REQ, 8) COPY(REQ, 9) COPY(REQ, 10)                       \
        /* other r: the copies' four blocks a turn with r in r6, the end in the stack slot */                 \
        TSLM_W2_GE("0", "") TSLM_W2_GE("1", "sub r9, r9, r7, lsl #1\n\t") TSLM_W2_GE("2", "")                    \
        TSLM_W2_GE("3", "sub r9, r9, r7, lsl #1\n\t")                                                          \
        ".Lw2gb%=_0:\n\t" TSLM_W2_BLK(REQG, "r6", TSLM_W2_STA)                                                 \
        ".Lw2gb%=_1:\n\t" TSLM_W2_BLK(REQG, "r6", TSLM_W2_STB)                                                 \
        ".Lw2gb%=_2:\n\t" TSLM_W2_BLK(REQG, "r6", TSLM_W2_STA)                                                 \
        ".Lw2gb%=_3:\n\t" TSLM_W2_BLK(REQG, "r6", TSLM_W2_STB)                                                 \
        "ldr r11, [sp, #4]\n\t"                                                                              \
        "cmp r10, r11\n\t"                                                                                   \
        "bne .Lw2gb%=_0\n\t"                                                                                 \
        /* the tails: none (0), one output whose p_2t+2 is padding (1) or the last input (2), two outputs, the  \
         * second's p_2t+4 padding (3) */                                                                     \
        ".Lw2tail%=:\n\t"                                                                                     \
        "ldr r12, [sp]\n\t"                                                                                   \
        "ldmia r12, {r2, r6, r11}\n\t"                                                                        \
        "cmp r6, #0\n\t"                                                                                      \
        "beq 4b\n\t"                                                                                          \
        "mov r8, r11\n\t"                                                                                     \
        "cmp r6, #1\n\t"                                                                                      \
        "beq 5f\n\t"                                                                                          \
        "ldrsb r11, [r10, r7]\n\t"                                                                            \
        "5:\n\t"                                                                                              \
        "ldrsb r12, [r10]\n\t"                                                                                \
        "pkhbt r12, lr, r12, lsl #16\n\t"                                                                     \
        "smlad r12, r4, r12, r0\n\t"                                                                          \
        "smlabb r12, r5, r11, r12\n\t"                                                                        \
        REQG("r12", "lr", "r2")                                                                               \
        "strb r12, [r9]\n\t"                                                                                  \
        "cmp r6, #3\n\t"                                                                                      \
        "bne 4b\n\t"                                                                                          \
        "ldrsb r12, [r10, r7, lsl #1]\n\t"                                                                    \
        "pkhbt r12, r11, r12, lsl #16\n\t"                                                                    \
        "smlad r12, r4, r12, r0\n\t"                                                                          \
        "smlabb r12, r5, r8, r12\n\t"                                                                         \
        REQG("r12", "lr", "r2")                                                                               \
        "strb r12, [r9, r7]\n\t"                                                                              \
        "b 4b\n\t"                                                                                            \
        "8:\n\t"                                                                                              \
        "pop {r0, r1}\n\t"                                                                                    \
        : "+r"(c0)                                                                                            \
        :                                                                                                     \
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

__attribute__((noinline)) static void w1k3s2_channels_sat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W2_CHANNELS(TSLM_W2_SAT, TSLM_W2_SATG, TSLM_W2_TR, TSLM_W2_COPY);
}

__attribute__((noinline)) static void w1k3s2_channels_rsat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W2_CHANNELS(TSLM_W2_RSAT, TSLM_W2_RSATG, TSLM_W2_TR, TSLM_W2_COPY);
}

/* the zero-first-tap copies (2 x 1 as 3 x 1), reached only from tslm_dsp_depthwise_conv_k2_s8 */
__attribute__((noinline)) static void w1k3s2_channels_k2_sat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W2_CHANNELS(TSLM_W2_SAT, TSLM_W2_SATG, TSLM_W2K_TR, TSLM_W2K_COPY);
}

__attribute__((noinline)) static void w1k3s2_channels_k2_rsat(w1k3_ctx *ctx)
{
    register w1k3_ctx *c0 __asm__("r0") = ctx;
    TSLM_W2_CHANNELS(TSLM_W2_RSAT, TSLM_W2_RSATG, TSLM_W2K_TR, TSLM_W2K_COPY);
}
#undef TSLM_W2_BLK
#undef TSLM_W2_STA
#undef TSLM_W2_STB
#undef TSLM_W2_SAT
#undef TSLM_W2_RSAT
#undef TSLM_W2_SATG
#undef TSLM_W2_RSATG
#undef TSLM_W2_COPY
#undef TSLM_W2_LOOP
#undef TSLM_W2_TG
#undef TSLM_W2_GE
#undef TSLM_W2_TR
#undef TSLM_W2K_BLK
#undef TSLM_W2K_B
#undef TSLM_W2K_COPY
#undef TSLM_W2_END
#undef TSLM_W2K_TR
#undef TSLM_W2_CHANNELS

/* Width 1, 3 x 1 at stride 2 (pad_h 0 or 1), EPI_SAT or EPI_RSAT: every channel in w1k3s2_channels_*; 0 where the
 * shape is not one of these. */
TSLM_ALWAYS_INLINE int col_w1k3s2(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                  int8_t *output, const int rsat, const int k2)
{
    const int32_t ih = p->input_h, oh = p->output_h, pad = p->pad_h, C = p->input_c;
    int32_t nb = ih + pad - 5 >= 0 ? (ih + pad - 5) / 4 + 1 : 0; /* blocks whose inputs are all in the image */
    nb = nb < oh / 2 ? nb : oh / 2;
    const int32_t j1 = 4 * nb + 1 - pad; /* the input of the tail's p_2t+1 (p_2t+2 the next) */
    int32_t tk;
    if (nb < 1 || oh - 2 * nb > 2 || (oh - 2 * nb == 1 && j1 >= ih) ||
        (oh - 2 * nb == 2 && (j1 + 2 >= ih || j1 + 3 < ih))) {
        return 0;
    }
    tk = oh - 2 * nb == 0 ? 0 : (oh - 2 * nb == 2 ? 3 : (j1 + 1 < ih ? 2 : 1));
    const uint32_t zp = (uint32_t)(-p->input_offset) & 0xFFFFu;
    w1k3_ctx ctx;
    ctx.tailk = tk, ctx.zpair = (int32_t)(zp | (zp << 16)), ctx.C = C, ctx.len = 4 * C * nb, ctx.D = 3 * C; /* r8 */
    ctx.first = pad ? ctx.zpair : 1;
    ctx.entry = (4 - nb % 4) % 4;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * ih * C;
        int8_t *out_b = output + b * oh * C;
        ctx.rqp = (int32_t)(uintptr_t)p->requant, ctx.wp = (int32_t)(uintptr_t)w; /* the target's pointers */
        ctx.q = (int32_t)(uintptr_t)in_b, ctx.qend = ctx.q + C;
        ctx.D2 = (int32_t)((uintptr_t)out_b - (uintptr_t)in_b); /* r9: o = q + D2 */
        if (k2) {
            (rsat ? w1k3s2_channels_k2_rsat : w1k3s2_channels_k2_sat)(&ctx);
        } else if (rsat) {
            w1k3s2_channels_rsat(&ctx);
        } else {
            w1k3s2_channels_sat(&ctx);
        }
    }
    return 1;
}

/* Width 1, 3 x 1 at stride 1 (pad_h 0 or 1), EPI_SAT or EPI_RSAT: every channel in w1k3_channels_*; 0 where the
 * shape is not one of these (the column layout then). */
TSLM_ALWAYS_INLINE int col_w1k3_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                     int8_t *output, const int rsat, const int k2)
{
    if (p->input_w != 1 || p->output_w != 1 || p->filter_w != 1 || p->filter_h != 3 || p->stride_h > 2 ||
        p->dilation_h != 1 || (p->pad_h != 0 && p->pad_h != 1) || p->depth_multiplier != 1 ||
        p->output_c != p->input_c) {
        return 0;
    }
    if (p->stride_h == 2) {
        return col_w1k3s2(p, input, w, output, rsat, k2);
    }
    const int32_t ih = p->input_h, oh = p->output_h, pad = p->pad_h, C = p->input_c;
    int32_t nb = ih + pad - 2 >= 0 ? (ih + pad - 2) / 2 : 0; /* blocks whose four inputs are all in the image */
    nb = nb < oh / 2 ? nb : oh / 2;
    const int32_t tout = oh - 2 * nb, j2 = 2 * nb + 2 - pad; /* outputs left, the input of their p_t+2 */
    int32_t tk;
    if (nb < 1) {
        return 0;
    } else if (tout == 0) {
        tk = 0;
    } else if (tout == 1) {
        tk = j2 < ih ? 2 : 1;
    } else if (tout == 2 && j2 < ih && j2 + 1 >= ih) {
        tk = 3;
    } else {
        return 0;
    }
    const uint32_t zp = (uint32_t)(-p->input_offset) & 0xFFFFu;
    w1k3_ctx ctx;
    ctx.tailk = tk, ctx.zpair = (int32_t)(zp | (zp << 16)), ctx.C = C, ctx.len = 2 * C * nb;
    ctx.first = pad ? ctx.zpair : 1;
    ctx.entry = (8 - nb % 8) % 8;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * ih * C;
        int8_t *out_b = output + b * oh * C;
        ctx.rqp = (int32_t)(uintptr_t)p->requant, ctx.wp = (int32_t)(uintptr_t)w; /* the target's pointers */
        ctx.q = (int32_t)(uintptr_t)in_b, ctx.qend = ctx.q + C;
        ctx.D = (int32_t)((uintptr_t)out_b - (uintptr_t)in_b) - (1 - pad) * C, ctx.D2 = ctx.D + C;
        if (k2) {
            (rsat ? w1k3_channels_k2_rsat : w1k3_channels_k2_sat)(&ctx);
        } else if (rsat) {
            w1k3_channels_rsat(&ctx);
        } else {
            w1k3_channels_sat(&ctx);
        }
    }
    return 1;
}

static int col_w1k3(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                    const int rsat)
{
    return col_w1k3_body(p, input, w, output, rsat, 0);
}

/* 2 x 1 as 3 x 1 with a zero first tap (tslm_dsp_depthwise_conv_k2_s8): the one-MAC-fewer copies */
__attribute__((noinline)) static int col_w1k3_k2(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                 const int32_t *w, int8_t *output, const int rsat)
{
    return col_w1k3_body(p, input, w, output, rsat, 1);
}

__attribute__((noinline)) static int col_w1k3_k2_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                     const int32_t *w, int8_t *output)
{
    return col_w1k3_body(p, input, w, output, 0, 1);
}

/* EPI_SAT only (col_dispatch_sat): w1k3_channels_rsat and w1k3s2_channels_rsat not reached */
static int col_w1k3_sat(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output)
{
    return col_w1k3_body(p, input, w, output, 0, 0);
}

/* One phase of a dilated width-1 3 x 1 (col_dilated): q a stride-1, undilated 3 x 1 over the phase's inputs (one
 * batch, pad_h 0 or 1), whose rows lie `step` bytes apart in the input and the output (d x C) and whose channels
 * are q->input_c; col_w1k3's stride-1 routine with the row step apart from the channel count. 0 where the phase's
 * shape is not one it takes. */
TSLM_ALWAYS_INLINE int col_w1k3_phase_body(const tslm_depthwise_conv_params *q, const int8_t *input, const int32_t *w,
                                           int8_t *output, const int rsat, const int32_t step)
{
    if (q->filter_h != 3 || (q->pad_h != 0 && q->pad_h != 1)) {
        return 0;
    }
    const int32_t ih = q->input_h, oh = q->output_h, pad = q->pad_h, C = q->input_c;
    int32_t nb = ih + pad - 2 >= 0 ? (ih + pad - 2) / 2 : 0; /* as col_w1k3 */
    nb = nb < oh / 2 ? nb : oh / 2;
    const int32_t tout = oh - 2 * nb, j2 = 2 * nb + 2 - pad;
    int32_t tk;
    if (nb < 1) {
        return 0;
    } else if (tout == 0) {
        tk = 0;
    } else if (tout == 1) {
        tk = j2 < ih ? 2 : 1;
    } else if (tout == 2 && j2 < ih && j2 + 1 >= ih) {
        tk = 3;
    } else {
        return 0;
    }
    const uint32_t zp = (uint32_t)(-q->input_offset) & 0xFFFFu;
    w1k3_ctx ctx;
    ctx.tailk = tk, ctx.zpair = (int32_t)(zp | (zp << 16)), ctx.C = step, ctx.len = 2 * step * nb;
    ctx.first = pad ? ctx.zpair : 1;
    ctx.entry = (8 - nb % 8) % 8;
    ctx.rqp = (int32_t)(uintptr_t)q->requant, ctx.wp = (int32_t)(uintptr_t)w;
    ctx.q = (int32_t)(uintptr_t)input, ctx.qend = ctx.q + C; /* the channels: one byte apart */
    ctx.D = (int32_t)((uintptr_t)output - (uintptr_t)input) - (1 - pad) * step, ctx.D2 = ctx.D + step;
    if (rsat) {
        w1k3_channels_rsat(&ctx);
    } else {
        w1k3_channels_sat(&ctx);
    }
    return 1;
}

static int col_w1k3_phase(const tslm_depthwise_conv_params *q, const int8_t *input, const int32_t *w,
                          int8_t *output, const int rsat, const int32_t step)
{
    return col_w1k3_phase_body(q, input, w, output, rsat, step);
}

/* col_w1k3_phase for EPI_SAT alone (the sat twins: w1k3_channels_rsat not reached) */
static int col_w1k3_phase_sat(const tslm_depthwise_conv_params *q, const int8_t *input, const int32_t *w,
                              int8_t *output, const int32_t step)
{
    return col_w1k3_phase_body(q, input, w, output, 0, step);
}

/* 3 x 1 at stride 1 over columns of width W > 1 (stride_w 1, no padding along x, pad_h 0 or 1): each output
 * column reads its own input column, so the layer is W width-1 series whose rows lie W x C bytes apart in the input
 * and the output, each one col_w1k3_phase (25x5x64, relu: 3.40 -> 2.75 instructions/MAC against col_run_k1's
 * widened columns and per-column C set-up); in place safe as the width-1 routine is (a column's outputs overwrite
 * only its own inputs); no scratch. Reached only from tslm_dsp_depthwise_conv_cols_s8. 0 where the shape is not one
 * it takes (the main entry then). */
TSLM_ALWAYS_INLINE int col_w1k3_cols_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                          int8_t *output, const int rsat, const int sat_only)
{
    const int32_t W = p->input_w, C = p->input_c, step = W * C;
    if (p->stride_w != 1 || p->pad_w != 0 || p->output_w != W || p->depth_multiplier != 1 || p->output_c != C ||
        p->dilation_h != 1) {
        return 0;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t x = 0; x < W; ++x) {
            const int8_t *in = input + (b * p->input_h * W + x) * C;
            int8_t *out = output + (b * p->output_h * W + x) * C;
            if (!(sat_only ? col_w1k3_phase_sat(p, in, w, out, step) : col_w1k3_phase(p, in, w, out, rsat, step))) {
                return 0; /* the same shape for every column: the first says it for all */
            }
        }
    }
    return 1;
}

__attribute__((noinline)) static int col_w1k3_cols(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                   const int32_t *w, int8_t *output, const int rsat)
{
    return col_w1k3_cols_body(p, input, w, output, rsat, 0);
}

__attribute__((noinline)) static int col_w1k3_cols_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                       const int32_t *w, int8_t *output)
{
    return col_w1k3_cols_body(p, input, w, output, 0, 1);
}

/* K x 1 at stride 2 with n = 3..5 pairs (K = 5..10), EPI_SAT or EPI_RSAT: the column layout's widening, then per
 * channel and column the full blocks in col_k1s2_blocks, the last one to three rows in C. */
TSLM_ALWAYS_INLINE void col_run_k1s2n_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                           const int32_t *weights, int8_t *output, int32_t *col, const int32_t n,
                                           const int rsat)
{
    const int32_t C = p->input_c, OC = p->output_c; /* depth multiplier 1 (ops/conv.py) */
    const int32_t J = col_words(p), xs = p->stride_w * J, ostep = p->output_w * OC;
    const int32_t full = p->output_h / 4, rest = p->output_h - 4 * full;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    col33_ctx ctx;
    ctx.ostep = ostep;
    col_geo geo;
    col_geometry(p, J, &geo);
    col_pad(p, col, J, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * p->output_w * OC;
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            col_widen_group(p, &geo, in_b, g, col, chans);
            for (int32_t o = 4 * g; o < 4 * g + chans; ++o) {
                const int32_t *cbase = col + (o - 4 * g) * p->ring_w * J;
                const int32_t *rq = p->requant + 4 * o, *w = weights + o * n;
                const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
                ctx.init = rq[0], ctx.m = rq[1], ctx.r = rq[2], ctx.round = rq[3];
                for (int32_t j = 0; j < n; ++j) {
                    ctx.ab[j] = w[j];
                }
                for (int32_t ox = 0; ox < p->output_w; ++ox) {
                    const int32_t *x = cbase + ox * xs;
                    int8_t *out = out_b + ox * OC + o;
                    if (full > 0) {
                        ctx.end = out + full * 4 * ostep;
                        col_k1s2_blocks(x, out, &ctx.m, n, rsat);
                    }
                    if (rest > 0) {
                        int32_t a0 = k.init, a1 = k.init, a2 = k.init, a3 = k.init;
                        col_taps(x + 4 * full, w, n, 1, &a0, &a1, &a2, &a3);
                        if (rsat) {
                            col_store(out + 4 * full * ostep, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_RSAT);
                        } else {
                            col_store(out + 4 * full * ostep, ostep, rest, a0, a1, a2, a3, k, zp, lo, hi, EPI_SAT);
                        }
                    }
                }
            }
        }
    }
}

/* one copy per n and epilogue (the taps unrolled): col_run_k1s2n_<n><s: EPI_SAT, r: EPI_RSAT> */
#define TSLM_DW_K1S2N(name, n, rsat)                                                                           \
    __attribute__((noinline)) static void name(const tslm_depthwise_conv_params *p, const int8_t *input,        \
                                               const int32_t *w, int8_t *output, int32_t *col)               \
    {                                                                                                        \
        col_run_k1s2n_body(p, input, w, output, col, n, rsat);                                               \
    }
TSLM_DW_K1S2N(col_run_k1s2n_3s, 3, 0)
TSLM_DW_K1S2N(col_run_k1s2n_4s, 4, 0)
TSLM_DW_K1S2N(col_run_k1s2n_5s, 5, 0)
TSLM_DW_K1S2N(col_run_k1s2n_3r, 3, 1)
TSLM_DW_K1S2N(col_run_k1s2n_4r, 4, 1)
TSLM_DW_K1S2N(col_run_k1s2n_5r, 5, 1)
#undef TSLM_DW_K1S2N

__attribute__((noinline)) static void col_run_k1s2n(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                    const int32_t *w, int8_t *output, int32_t *col, const int32_t n,
                                                    const int rsat)
{
    if (n == 3) {
        (rsat ? col_run_k1s2n_3r : col_run_k1s2n_3s)(p, input, w, output, col);
    } else if (n == 4) {
        (rsat ? col_run_k1s2n_4r : col_run_k1s2n_4s)(p, input, w, output, col);
    } else {
        (rsat ? col_run_k1s2n_5r : col_run_k1s2n_5s)(p, input, w, output, col);
    }
}

__attribute__((noinline)) static void col_run_k1s2n_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                        const int32_t *w, int8_t *output, int32_t *col,
                                                        const int32_t n)
{
    (n == 3 ? col_run_k1s2n_3s : n == 4 ? col_run_k1s2n_4s : col_run_k1s2n_5s)(p, input, w, output, col);
}

/* Width 1, 5 x 1 and 6 x 1 at stride 2 (pad_h 0..2), EPI_SAT or EPI_RSAT: no widening. With the padded series p_j
 * and the pairs P_i = (p_2i, p_2i+1), output t = A0 . P_t + A1 . P_t+1 + A2 . P_t+2 (the compiler's stride-2
 * pairs; 5 x 1: A2 = (2 w4, 0), SMLATB on 2 w4 in r5's top half), so each output builds one new pair (two LDRSB,
 * one PKHBT) and takes three MAC instructions; P_t and P_t+1 are carried in registers (r8, r9, r10 in turn: six
 * outputs a turn, the even ones stored at o, the odd ones at o + C with one pointer step for both, entered by TBB
 * at the output that leaves a whole number of turns, odd entries with o one C back). The loop copy by TBH on the
 * right shift r: r = 5..10 with SSAT's immediate shift, other r the same loop with ASR by register (5 x 1: r in
 * r5's low byte beside 2 w4; 6 x 1: r from the context). Per channel: its record and weights, the first two pairs
 * (pad_h 2: the zero-point pair and (x0, x1); 1: (zp, x0), (x1, x2); 0: (x0, x1), (x2, x3)), the outputs whose
 * new pair lies in the input, then the rest (the first with a half pair (x_last, zp) where the input ends there,
 * the others the zero-point pair). Body registers: r0 init, r1 m, r2 round, r3 A0, r4 A1, r5 A2 (5 x 1: (2 w4, r)),
 * r6 end (EPI_RSAT and 6 x 1: the temporary, the end in the stack slot), r7 C, r8-r10 the pairs, r11 the
 * accumulator, r12 o, lr q (the new pair's first input). On the stack the context's address and the end. In place
 * is not safe (an output is written before later outputs' inputs are read): the compiler never runs stride 2 in
 * place. */
typedef struct {
    int32_t rqp, wp, q, qend; /* 0..12: the next channel's record, weights, input; the input past the last channel */
    int32_t C, D, len, top;   /* 16..28: channels, output minus input pointer, bytes of the loop's outputs' inputs
                               * (2 C each), pad_h */
    int32_t entry, zpair;     /* 32, 36: the first output's index in the turn (5 x 1, 6 x 1: (6 - outputs % 6) % 6,
                               * 4 x 1: (4 - outputs % 4) % 4); the input zero point in both halves */
    int32_t nbot, bhalf;      /* 40, 44: outputs after the loop, whether the first of them has a half pair */
    int32_t rcur;             /* 48: 6 x 1: the channel's right shift */
} w1k5s2_ctx;

/* one output: PA, PB the carried pairs, N the new one (into which its two inputs are loaded); REQS its
 * requantization */
#define TSLM_W5_OUT(PA, PB, N, REQS, MAC3, STORE)           \
    "ldrsb " N ", [lr, r7]\n\t"                             \
    "ldrsb r11, [lr]\n\t"                                   \
    "pkhbt " N ", r11, " N ", lsl #16\n\t"                  \
    "smlad r11, r3, " PA ", r0\n\t"                         \
    "smlad r11, r4, " PB ", r11\n\t"                        \
    MAC3 " r11, r5, " N ", r11\n\t"                         \
    REQS                                                    \
    STORE                                                   \
    "add lr, lr, r7, lsl #1\n\t"
/* the turn's even outputs at o, the odd ones at o + C, then o on by 2 C */
#define TSLM_W5_ST0 "strb r11, [r12]\n\t"
#define TSLM_W5_ST1 "strb r11, [r12, r7]\n\tadd r12, r12, r7, lsl #1\n\t"
/* one loop of six outputs a turn (labels L_0.._5), REQS its requantization */
#define TSLM_W5_LOOP(L, REQS, LOOPEND, MAC3)                                                                \
    L "_0:\n\t" TSLM_W5_OUT("r8", "r9", "r10", REQS, MAC3, TSLM_W5_ST0)                                    \
    L "_1:\n\t" TSLM_W5_OUT("r9", "r10", "r8", REQS, MAC3, TSLM_W5_ST1)                                    \
    L "_2:\n\t" TSLM_W5_OUT("r10", "r8", "r9", REQS, MAC3, TSLM_W5_ST0)                                    \
    L "_3:\n\t" TSLM_W5_OUT("r8", "r9", "r10", REQS, MAC3, TSLM_W5_ST1)                                    \
    L "_4:\n\t" TSLM_W5_OUT("r9", "r10", "r8", REQS, MAC3, TSLM_W5_ST0)                                    \
    L "_5:\n\t" TSLM_W5_OUT("r10", "r8", "r9", REQS, MAC3, TSLM_W5_ST1)                                    \
    LOOPEND "bne " L "_0\n\tb 30f\n\t"
/* r by register (the low byte of r5), T a temporary */
#define TSLM_W5_SAT(T) "smmlar r11, r11, r1, r2\n\tasr r11, r11, r5\n\tssat r11, #8, r11\n\t"
#define TSLM_W5_RSAT(T)                                                                                     \
    "add " T ", r2, r11, asr #31\n\tsmmlar r11, r11, r1, " T "\n\tasr r11, r11, r5\n\tssat r11, #8, r11\n\t"
/* 6 x 1: r from the context, T the temporary */
#define TSLM_W6_SAT(T)                                                                                      \
    "smmlar r11, r11, r1, r2\n\tldr " T ", [sp]\n\tldr " T ", [" T ", #48]\n\tasr r11, r11, " T "\n\t"               \
    "ssat r11, #8, r11\n\t"
#define TSLM_W6_RSAT(T)                                                                                     \
    "add " T ", r2, r11, asr #31\n\tsmmlar r11, r11, r1, " T "\n\tldr " T ", [sp]\n\tldr " T ", [" T ", #48]\n\t"  \
    "asr r11, r11, " T "\n\tssat r11, #8, r11\n\t"
/* 5 x 1: (2 w4, r) into r5 */
#define TSLM_W5_PACK "lsl r5, r5, #16\n\torr r5, r5, r6\n\t"
/* r = R, SSAT's immediate shift */
#define TSLM_W5_SATR(T, R) "smmlar r11, r11, r1, r2\n\tssat r11, #8, r11, asr #" R "\n\t"
#define TSLM_W5_RSATR(T, R)                                                                                 \
    "add " T ", r2, r11, asr #31\n\tsmmlar r11, r11, r1, " T "\n\tssat r11, #8, r11, asr #" R "\n\t"
/* the loop copy for r = R */
#define TSLM_W5_COPY(REQR, R, LOOPEND, MAC3) TSLM_W5_LOOP(".Lw5r%=_" #R, REQR("r6", #R), LOOPEND, MAC3)
/* a TBH table on r = 0..21 for entry E (0..5): r = 5..10 their copies, the rest the ASR loop */
#define TSLM_W5_G(E) "(.Lw5g%=_" E " - .Lw5t" E "%=) / 2, "
#define TSLM_W5_R(E, R) "(.Lw5r%=_" #R "_" E " - .Lw5t" E "%=) / 2, "
#define TSLM_W5_TABLE(E)                                                                                    \
    ".hword " TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_R(E, 5)             \
    TSLM_W5_R(E, 6) TSLM_W5_R(E, 7) TSLM_W5_R(E, 8) TSLM_W5_R(E, 9) TSLM_W5_R(E, 10) TSLM_W5_G(E)           \
    TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E) TSLM_W5_G(E)             \
    TSLM_W5_G(E) TSLM_W5_G(E) "(.Lw5g%=_" E " - .Lw5t" E "%=) / 2\n\t"
/* entry E: the carried pairs moved for it (ROT), o one C back for the odd ones (SUB), the loop by r */
#define TSLM_W5_ENTRY(E, ROT, SUB)                                                                           \
    ".Lw5e%=_" E ":\n\t" ROT SUB "tbh [pc, r11, lsl #1]\n\t.Lw5t" E "%=:\n\t" TSLM_W5_TABLE(E)
#define TSLM_W5_ROT0 "mov r8, r9\n\tmov r9, r10\n\t"
#define TSLM_W5_ROT2 "mov r8, r10\n\tmov r10, r9\n\t"
#define TSLM_W5_SUB "sub r12, r12, r7\n\t"
#define TSLM_W5_CHANNELS(REQ, REQR, SETEND, LOOPEND, MAC3, HEAD, RIDX)                                      \
    __asm__ volatile(                                                                                       \
        "push {r0, r1}\n\t"                                                                                 \
        "4:\n\t"                                                                                            \
        "ldr r12, [sp]\n\t"                                                                                 \
        "ldmia r12, {r8, r9, r10, r11}\n\t"                                                                 \
        "cmp r10, r11\n\t"                                                                                  \
        "beq 8f\n\t"                                                                                        \
        "ldmia r9!, {r3, r4, r5}\n\t"                                                                       \
        "ldmia r8!, {r0, r1, r6}\n\t"                                                                       \
        "ldr r2, [r8], #4\n\t"                                                                              \
        "add r11, r10, #1\n\t"                                                                              \
        "stmia r12, {r8, r9, r11}\n\t"                                                                      \
        HEAD                                                                                                \
        "mov lr, r10\n\t"                                                                                   \
        "add r11, r12, #16\n\t"                                                                             \
        "ldmia r11, {r7, r8, r9, r10}\n\t"                                                                  \
        "add r6, r12, #32\n\t"                                                                              \
        "add r12, lr, r8\n\t"                                                                               \
        "mov r8, r9\n\t"                                                                                    \
        "ldmia r6, {r6, r9}\n\t"                                                                            \
        "cmp r10, #1\n\t"                                                                                   \
        "beq 21f\n\t"                                                                                       \
        "bhi 22f\n\t"                                                                                       \
        "ldrsb r9, [lr]\n\t"                                                                                \
        "ldrsb r11, [lr, r7]\n\t"                                                                           \
        "pkhbt r9, r9, r11, lsl #16\n\t"                                                                    \
        "add lr, lr, r7, lsl #1\n\t"                                                                        \
        "b 23f\n\t"                                                                                         \
        "21:\n\t"                                                                                           \
        "ldrsb r11, [lr]\n\t"                                                                               \
        "pkhbt r9, r9, r11, lsl #16\n\t"                                                                    \
        "add lr, lr, r7\n\t"                                                                                \
        "22:\n\t"                                                                                           \
        "23:\n\t"                                                                                           \
        /* r9 the first pair, r8 len, r6 entry: the second pair into r10; the end; r into r11 (RIDX) */      \
        "ldrsb r10, [lr]\n\t"                                                                               \
        "ldrsb r11, [lr, r7]\n\t"                                                                           \
        "pkhbt r10, r10, r11, lsl #16\n\t"                                                                  \
        "add lr, lr, r7, lsl #1\n\t"                                                                        \
        "add r11, r8, lr\n\t"                                                                               \
        "mov r8, r6\n\t"                                                                                    \
        SETEND                                                                                              \
        RIDX                                                                                                \
        "tbb [pc, r8]\n\t"                                                                                  \
        ".Lw5e%=:\n\t"                                                                                      \
        ".byte (.Lw5e%=_0 - .Lw5e%=) / 2, (.Lw5e%=_1 - .Lw5e%=) / 2, (.Lw5e%=_2 - .Lw5e%=) / 2\n\t"         \
        ".byte (.Lw5e%=_3 - .Lw5e%=) / 2, (.Lw5e%=_4 - .Lw5e%=) / 2, (.Lw5e%=_5 - .Lw5e%=) / 2\n\t"         \
        TSLM_W5_ENTRY("0", TSLM_W5_ROT0, "") TSLM_W5_ENTRY("1", "", TSLM_W5_SUB)                            \
        TSLM_W5_ENTRY("2", TSLM_W5_ROT2, "") TSLM_W5_ENTRY("3", TSLM_W5_ROT0, TSLM_W5_SUB)                  \
        TSLM_W5_ENTRY("4", "", "") TSLM_W5_ENTRY("5", TSLM_W5_ROT2, TSLM_W5_SUB)                            \
        /* r outside the copies: ASR by register */                                                         \
        TSLM_W5_LOOP(".Lw5g%=", REQ("r6"), LOOPEND, MAC3)                                                   \
        TSLM_W5_COPY(REQR, 5, LOOPEND, MAC3) TSLM_W5_COPY(REQR, 6, LOOPEND, MAC3)                           \
        TSLM_W5_COPY(REQR, 7, LOOPEND, MAC3) TSLM_W5_COPY(REQR, 8, LOOPEND, MAC3)                           \
        TSLM_W5_COPY(REQR, 9, LOOPEND, MAC3) TSLM_W5_COPY(REQR, 10, LOOPEND, MAC3)                          \
        "30:\n\t"                                                                                           \
        /* the outputs after the loop: the carried pairs in r8, r9 */                                      \
        "ldr r11, [sp]\n\t"                                                                                 \
        "ldrd r6, r10, [r11, #40]\n\t"                                                                      \
        "cmp r6, #0\n\t"                                                                                    \
        "beq 4b\n\t"                                                                                        \
        "cmp r10, #0\n\t"                                                                                   \
        "ldr r10, [r11, #36]\n\t"                                                                           \
        "beq 31f\n\t"                                                                                       \
        "ldrsb r11, [lr]\n\t"                                                                               \
        "pkhbt r10, r11, r10\n\t"                                                                           \
        "31:\n\t"                                                                                           \
        "smlad r11, r3, r8, r0\n\t"                                                                         \
        "smlad r11, r4, r9, r11\n\t"                                                                        \
        MAC3 " r11, r5, r10, r11\n\t"                                                                      \
        REQ("lr")                                                                                           \
        "strb r11, [r12]\n\t"                                                                               \
        "add r12, r12, r7\n\t"                                                                              \
        "subs r6, r6, #1\n\t"                                                                               \
        "beq 4b\n\t"                                                                                        \
        "mov r8, r9\n\t"                                                                                    \
        "mov r9, r10\n\t"                                                                                   \
        "ldr r11, [sp]\n\t"                                                                                 \
        "ldr r10, [r11, #36]\n\t"                                                                           \
        "b 31b\n\t"                                                                                         \
        "8:\n\t"                                                                                            \
        "pop {r0, r1}\n\t"                                                                                  \
        : "+r"(c0)                                                                                          \
        :                                                                                                   \
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

__attribute__((noinline)) static void w1k5s2_channels_sat(w1k5s2_ctx *ctx)
{
    register w1k5s2_ctx *c0 __asm__("r0") = ctx;
    TSLM_W5_CHANNELS(TSLM_W5_SAT, TSLM_W5_SATR, "mov r6, r11\n\t", "cmp lr, r6\n\t", "smlatb", TSLM_W5_PACK,
                     "and r11, r5, #255\n\t");
}

__attribute__((noinline)) static void w1k5s2_channels_rsat(w1k5s2_ctx *ctx)
{
    register w1k5s2_ctx *c0 __asm__("r0") = ctx;
    TSLM_W5_CHANNELS(TSLM_W5_RSAT, TSLM_W5_RSATR, "str r11, [sp, #4]\n\t", "ldr r6, [sp, #4]\n\tcmp lr, r6\n\t",
                     "smlatb", TSLM_W5_PACK, "and r11, r5, #255\n\t");
}

/* 6 x 1: A2 = (2 w4, 2 w5) whole in r5 (SMLAD), r in the context (rcur), the end in the stack slot */
__attribute__((noinline)) static void w1k6s2_channels_sat(w1k5s2_ctx *ctx)
{
    register w1k5s2_ctx *c0 __asm__("r0") = ctx;
    TSLM_W5_CHANNELS(TSLM_W6_SAT, TSLM_W5_SATR, "str r11, [sp, #4]\n\t", "ldr r6, [sp, #4]\n\tcmp lr, r6\n\t",
                     "smlad", "str r6, [r12, #48]\n\t", "ldr r11, [sp]\n\tldr r11, [r11, #48]\n\t");
}

__attribute__((noinline)) static void w1k6s2_channels_rsat(w1k5s2_ctx *ctx)
{
    register w1k5s2_ctx *c0 __asm__("r0") = ctx;
    TSLM_W5_CHANNELS(TSLM_W6_RSAT, TSLM_W5_RSATR, "str r11, [sp, #4]\n\t", "ldr r6, [sp, #4]\n\tcmp lr, r6\n\t",
                     "smlad", "str r6, [r12, #48]\n\t", "ldr r11, [sp]\n\tldr r11, [r11, #48]\n\t");
}
#undef TSLM_W5_OUT
#undef TSLM_W5_SAT
#undef TSLM_W5_RSAT
#undef TSLM_W5_SATR
#undef TSLM_W6_SAT
#undef TSLM_W6_RSAT
#undef TSLM_W5_PACK
#undef TSLM_W5_RSATR
#undef TSLM_W5_COPY
#undef TSLM_W5_ST0
#undef TSLM_W5_ST1
#undef TSLM_W5_LOOP
#undef TSLM_W5_ENTRY
#undef TSLM_W5_ROT0
#undef TSLM_W5_ROT2
#undef TSLM_W5_SUB
#undef TSLM_W5_G
#undef TSLM_W5_R
#undef TSLM_W5_TABLE
#undef TSLM_W5_CHANNELS

/* The width-1 stride-2 K x 1 routines' shared set-up (K = 4..6, w1k*s2_channels_*: `channels`): each output's new
 * pair lies N rows on (N = 6 for K = 5, 6; 4 for K = 4), so the first I outputs read it inside the input; the
 * routine is entered at the output that leaves a multiple of N. 0 where no output does (the caller's C path then). */
static int col_w1ks2(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                     const int32_t N, void (*channels)(w1k5s2_ctx *))
{
    if (p->input_w != 1 || p->output_w != 1 || p->filter_w != 1 || p->stride_h != 2 || p->dilation_h != 1 ||
        p->pad_h < 0 || p->pad_h > 2 || p->depth_multiplier != 1 || p->output_c != p->input_c) {
        return 0;
    }
    const int32_t T = p->input_h, oh = p->output_h, P = p->pad_h, C = p->input_c;
    int32_t I = T + P - N >= 0 ? (T + P - N) / 2 + 1 : 0; /* outputs whose new pair lies in the input */
    I = I < oh ? I : oh;
    if (I < 1) {
        return 0;
    }
    const uint32_t zp = (uint32_t)(-p->input_offset) & 0xFFFFu;
    w1k5s2_ctx ctx;
    ctx.C = C, ctx.len = 2 * C * I, ctx.top = P, ctx.entry = (N - I % N) % N;
    ctx.zpair = (int32_t)(zp | (zp << 16)), ctx.nbot = oh - I;
    ctx.bhalf = oh > I && 2 * I + N - 2 - P == T - 1;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * T * C;
        int8_t *out_b = output + b * oh * C;
        ctx.rqp = (int32_t)(uintptr_t)p->requant, ctx.wp = (int32_t)(uintptr_t)w;
        ctx.q = (int32_t)(uintptr_t)in_b, ctx.qend = ctx.q + C;
        ctx.D = (int32_t)((uintptr_t)out_b - (uintptr_t)in_b);
        channels(&ctx);
    }
    return 1;
}

/* Width 1, 5 x 1 or 6 x 1 at stride 2 (w1k5s2_channels_*, w1k6s2_channels_*); 0 where the shape is not one they
 * take. */
__attribute__((noinline)) static int col_w1k5s2(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                const int32_t *w, int8_t *output, const int rsat)
{
    if (p->filter_h == 6) {
        return col_w1ks2(p, input, w, output, 6, rsat ? w1k6s2_channels_rsat : w1k6s2_channels_sat);
    }
    return p->filter_h == 5 && col_w1ks2(p, input, w, output, 6, rsat ? w1k5s2_channels_rsat : w1k5s2_channels_sat);
}

__attribute__((noinline)) static int col_w1k5s2_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                    const int32_t *w, int8_t *output)
{
    if (p->filter_h == 6) {
        return col_w1ks2(p, input, w, output, 6, w1k6s2_channels_sat);
    }
    return p->filter_h == 5 && col_w1ks2(p, input, w, output, 6, w1k5s2_channels_sat);
}

/* Width 1, 4 x 1 at stride 2 (pad_h 0..2), EPI_SAT or EPI_RSAT: as col_w1k5s2 with one carried pair, output t =
 * A0 . P_t + A1 . P_t+1 (SMLAD, SMLAD); four outputs a turn (r8, r9 in turn), two stores a pointer step (o at the
 * turn's first and third output, the second and fourth at o + C), entered at the output that leaves a multiple
 * of four (the second and fourth with o one C back). Body registers: r0 init, r1 m, r2 round, r3 A0, r4 A1, r5 r,
 * r6 end, r7 C, r8 r9 the pairs, r10 EPI_RSAT's temporary, r11 the accumulator, r12 o, lr q. The context is
 * col_w1k5s2's (entry: (4 - outputs % 4) % 4). */
#define TSLM_W4_OUT(PA, N, REQS, STORE)                      \
    "ldrsb " N ", [lr, r7]\n\t"                             \
    "ldrsb r11, [lr]\n\t"                                   \
    "pkhbt " N ", r11, " N ", lsl #16\n\t"                  \
    "smlad r11, r3, " PA ", r0\n\t"                         \
    "smlad r11, r4, " N ", r11\n\t"                         \
    REQS                                                    \
    STORE                                                   \
    "add lr, lr, r7, lsl #1\n\t"
#define TSLM_W4_ST0 "strb r11, [r12]\n\t"
#define TSLM_W4_ST1 "strb r11, [r12, r7]\n\tadd r12, r12, r7, lsl #1\n\t"
#define TSLM_W4_SAT(T) "smmlar r11, r11, r1, r2\n\tasr r11, r11, r5\n\tssat r11, #8, r11\n\t"
#define TSLM_W4_RSAT(T)                                                                                     \
    "add " T ", r2, r11, asr #31\n\tsmmlar r11, r11, r1, " T "\n\tasr r11, r11, r5\n\tssat r11, #8, r11\n\t"
#define TSLM_W4_SATR(T, R) "smmlar r11, r11, r1, r2\n\tssat r11, #8, r11, asr #" R "\n\t"
#define TSLM_W4_RSATR(T, R)                                                                                 \
    "add " T ", r2, r11, asr #31\n\tsmmlar r11, r11, r1, " T "\n\tssat r11, #8, r11, asr #" R "\n\t"
/* one loop (labels L_0.._3: the turn's four outputs), REQS its requantization */
#define TSLM_W4_LOOP(L, REQS)                                                                               \
    L "_0:\n\t" TSLM_W4_OUT("r8", "r9", REQS, TSLM_W4_ST0)                                                  \
    L "_1:\n\t" TSLM_W4_OUT("r9", "r8", REQS, TSLM_W4_ST1)                                                  \
    L "_2:\n\t" TSLM_W4_OUT("r8", "r9", REQS, TSLM_W4_ST0)                                                  \
    L "_3:\n\t" TSLM_W4_OUT("r9", "r8", REQS, TSLM_W4_ST1)                                                  \
    "cmp lr, r6\n\t"                                                                                        \
    "bne " L "_0\n\t"                                                                                       \
    "b 30f\n\t"
#define TSLM_W4_COPY(REQR, R) TSLM_W4_LOOP(".Lw4r%=_" #R, REQR("r10", #R))
#define TSLM_W4_G(E) "(.Lw4g%=_" E " - .Lw4t" E "%=) / 2, "
#define TSLM_W4_R(E, R) "(.Lw4r%=_" #R "_" E " - .Lw4t" E "%=) / 2, "
#define TSLM_W4_TABLE(E)                                                                                    \
    ".hword " TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_R(E, 5)             \
    TSLM_W4_R(E, 6) TSLM_W4_R(E, 7) TSLM_W4_R(E, 8) TSLM_W4_R(E, 9) TSLM_W4_R(E, 10) TSLM_W4_G(E)           \
    TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E) TSLM_W4_G(E)             \
    TSLM_W4_G(E) TSLM_W4_G(E) "(.Lw4g%=_" E " - .Lw4t" E "%=) / 2\n\t"
#define TSLM_W4_CHANNELS(REQ, REQR)                                                                         \
    __asm__ volatile(                                                                                       \
        "push {r0, r1}\n\t"                                                                                 \
        "4:\n\t"                                                                                            \
        "ldr r12, [sp]\n\t"                                                                                 \
        "ldmia r12, {r8, r9, r10, r11}\n\t"                                                                 \
        "cmp r10, r11\n\t"                                                                                  \
        "beq 8f\n\t"                                                                                        \
        "ldmia r9!, {r3, r4}\n\t"                                                                           \
        "ldmia r8!, {r0, r1, r5}\n\t"                                                                       \
        "ldr r2, [r8], #4\n\t"                                                                              \
        "add r11, r10, #1\n\t"                                                                              \
        "stmia r12, {r8, r9, r11}\n\t"                                                                      \
        "mov lr, r10\n\t"                                                                                   \
        "add r11, r12, #16\n\t"                                                                             \
        "ldmia r11, {r7, r8, r9, r10}\n\t"                                                                  \
        "ldrd r6, r11, [r12, #32]\n\t"                                                                      \
        "add r12, lr, r8\n\t"                                                                               \
        /* the first pair into r8 (r9 len, r10 pad_h, r6 entry, r11 the zero-point pair) */                \
        "cmp r10, #1\n\t"                                                                                   \
        "beq 21f\n\t"                                                                                       \
        "bhi 22f\n\t"                                                                                       \
        "ldrsb r8, [lr]\n\t"                                                                                \
        "ldrsb r10, [lr, r7]\n\t"                                                                           \
        "pkhbt r8, r8, r10, lsl #16\n\t"                                                                    \
        "add lr, lr, r7, lsl #1\n\t"                                                                        \
        "b 23f\n\t"                                                                                         \
        "21:\n\t"                                                                                           \
        "ldrsb r10, [lr]\n\t"                                                                               \
        "pkhbt r8, r11, r10, lsl #16\n\t"                                                                   \
        "add lr, lr, r7\n\t"                                                                                \
        "b 23f\n\t"                                                                                         \
        "22:\n\t"                                                                                           \
        "mov r8, r11\n\t"                                                                                   \
        "23:\n\t"                                                                                           \
        "mov r10, r6\n\t"                                                                                   \
        "add r6, r9, lr\n\t"                                                                                \
        "cmp r10, #2\n\t"                                                                                   \
        "beq 26f\n\t"                                                                                       \
        "bhi 27f\n\t"                                                                                       \
        "cmp r10, #1\n\t"                                                                                   \
        "beq 25f\n\t"                                                                                       \
        "tbh [pc, r5, lsl #1]\n\t"                                                                          \
        ".Lw4t0%=:\n\t" TSLM_W4_TABLE("0")                                                                  \
        "25:\n\t"                                                                                           \
        "mov r9, r8\n\t"                                                                                    \
        "sub r12, r12, r7\n\t"                                                                              \
        "tbh [pc, r5, lsl #1]\n\t"                                                                          \
        ".Lw4t1%=:\n\t" TSLM_W4_TABLE("1")                                                                  \
        "26:\n\t"                                                                                           \
        "tbh [pc, r5, lsl #1]\n\t"                                                                          \
        ".Lw4t2%=:\n\t" TSLM_W4_TABLE("2")                                                                  \
        "27:\n\t"                                                                                           \
        "mov r9, r8\n\t"                                                                                    \
        "sub r12, r12, r7\n\t"                                                                              \
        "tbh [pc, r5, lsl #1]\n\t"                                                                          \
        ".Lw4t3%=:\n\t" TSLM_W4_TABLE("3")                                                                  \
        TSLM_W4_LOOP(".Lw4g%=", REQ("r10"))                                                                 \
        TSLM_W4_COPY(REQR, 5) TSLM_W4_COPY(REQR, 6) TSLM_W4_COPY(REQR, 7) TSLM_W4_COPY(REQR, 8)             \
        TSLM_W4_COPY(REQR, 9) TSLM_W4_COPY(REQR, 10)                                                        \
        /* the outputs after the loop: the carried pair in r8 */                                           \
        "30:\n\t"                                                                                           \
        "ldr r11, [sp]\n\t"                                                                                 \
        "ldrd r6, r10, [r11, #40]\n\t"                                                                      \
        "cmp r6, #0\n\t"                                                                                    \
        "beq 4b\n\t"                                                                                        \
        "cmp r10, #0\n\t"                                                                                   \
        "ldr r9, [r11, #36]\n\t"                                                                            \
        "beq 31f\n\t"                                                                                       \
        "ldrsb r11, [lr]\n\t"                                                                               \
        "pkhbt r9, r11, r9\n\t"                                                                             \
        "31:\n\t"                                                                                           \
        "smlad r11, r3, r8, r0\n\t"                                                                         \
        "smlad r11, r4, r9, r11\n\t"                                                                        \
        REQ("r10")                                                                                          \
        "strb r11, [r12]\n\t"                                                                               \
        "add r12, r12, r7\n\t"                                                                              \
        "subs r6, r6, #1\n\t"                                                                               \
        "beq 4b\n\t"                                                                                        \
        "mov r8, r9\n\t"                                                                                    \
        "ldr r11, [sp]\n\t"                                                                                 \
        "ldr r9, [r11, #36]\n\t"                                                                            \
        "b 31b\n\t"                                                                                         \
        "8:\n\t"                                                                                            \
        "pop {r0, r1}\n\t"                                                                                  \
        : "+r"(c0)                                                                                          \
        :                                                                                                   \
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory")

__attribute__((noinline)) static void w1k4s2_channels_sat(w1k5s2_ctx *ctx)
{
    register w1k5s2_ctx *c0 __asm__("r0") = ctx;
    TSLM_W4_CHANNELS(TSLM_W4_SAT, TSLM_W4_SATR);
}

__attribute__((noinline)) static void w1k4s2_channels_rsat(w1k5s2_ctx *ctx)
{
    register w1k5s2_ctx *c0 __asm__("r0") = ctx;
    TSLM_W4_CHANNELS(TSLM_W4_RSAT, TSLM_W4_RSATR);
}
#undef TSLM_W4_OUT
#undef TSLM_W4_ST0
#undef TSLM_W4_ST1
#undef TSLM_W4_SAT
#undef TSLM_W4_RSAT
#undef TSLM_W4_SATR
#undef TSLM_W4_RSATR
#undef TSLM_W4_LOOP
#undef TSLM_W4_COPY
#undef TSLM_W4_G
#undef TSLM_W4_R
#undef TSLM_W4_TABLE
#undef TSLM_W4_CHANNELS

/* Width 1, 4 x 1 at stride 2 (w1k4s2_channels_*); 0 where the shape is not one it takes. */
__attribute__((noinline)) static int col_w1k4s2(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                const int32_t *w, int8_t *output, const int rsat)
{
    return p->filter_h == 4 && col_w1ks2(p, input, w, output, 4, rsat ? w1k4s2_channels_rsat : w1k4s2_channels_sat);
}

__attribute__((noinline)) static int col_w1k4s2_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                    const int32_t *w, int8_t *output)
{
    return p->filter_h == 4 && col_w1ks2(p, input, w, output, 4, w1k4s2_channels_sat);
}
#endif

static void col_dispatch(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                         int32_t *col);
static void col_dispatch_sat(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                             int8_t *output, int32_t *col);

/* A K x 1 over a column of width 1 with dilation d at stride 1: the outputs t = ph, ph + d, ... read the inputs
 * x[ph' + i d] (ph' = (ph - pad_h) mod d, with ceil((pad_h - ph) / d) rows of padding above), a stride-1,
 * undilated K x 1 over that sub-series; so each phase runs as one (col_w1k3_phase for 3 x 1, else col_dispatch
 * on a column of width 1 whose rows are d x C bytes apart: input_w d, output_c d x C with the channels
 * input_c). The compiler (ops/conv.py) sends only input_h >= d here, never in bands or in place. */
TSLM_ALWAYS_INLINE void col_dilated_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                        int8_t *output, int32_t *col, const int sat_only)
{
    const int32_t d = p->dilation_h, C = p->input_c, ih = p->input_h, oh = p->output_h;
    const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
    tslm_depthwise_conv_params q = *p;
    q.batches = 1, q.dilation_h = 1, q.input_w = d, q.output_w = 1, q.output_c = d * C, q.ring_w = 1, q.pad_w = 0;
    q.band_h = 0;
    (void)epi;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * ih * C;
        int8_t *out_b = output + b * oh * C;
        for (int32_t ph = 0; ph < d && ph < oh; ++ph) {
            const int32_t a = ph - p->pad_h, ps = ((a % d) + d) % d; /* the phase's first input row */
            q.pad_h = (ps - a) / d;
            q.input_h = (ih - ps + d - 1) / d;
            q.output_h = (oh - ph + d - 1) / d;
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
            if ((epi == EPI_SAT || (!sat_only && epi == EPI_RSAT)) && p->filter_w == 1 && p->depth_multiplier == 1) {
                tslm_depthwise_conv_params r = q;
                r.input_w = 1, r.output_c = C;
                if (sat_only ? col_w1k3_phase_sat(&r, in_b + ps * C, w, out_b + ph * C, d * C)
                             : col_w1k3_phase(&r, in_b + ps * C, w, out_b + ph * C, epi == EPI_RSAT, d * C)) {
                    continue;
                }
            }
#endif
            if (sat_only) {
                col_dispatch_sat(&q, in_b + ps * C, w, out_b + ph * C, col);
            } else {
                col_dispatch(&q, in_b + ps * C, w, out_b + ph * C, col);
            }
        }
    }
}

/* Constant filter heights and widths where the compiler can unroll the taps (3x3, K x 1 with K = 3..5, 9 or
 * 10), the rest in loops; the size build takes the loops everywhere. */
TSLM_ALWAYS_INLINE void col_dispatch_body(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int32_t *w, int8_t *output, int32_t *col, const int sat_only)
{
    const int s2 = p->stride_h == 2;
    const int32_t n = s2 ? (p->filter_h + 1) / 2 : p->filter_h / 2 + 1;
    int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
    if (sat_only && epi != EPI_SAT) { /* (never, from the compiler) the one copy for every epilogue */
        col_run(p, input, w, output, col, n, 0, s2, epi);
        return;
    }
    if (sat_only) {
        epi = EPI_SAT;
    }
#if !defined(TSLM_OPTIMIZE_SIZE)
    const int32_t fw = p->filter_w;
    if (!s2 && (epi == EPI_SAT || epi == EPI_RSAT)) { /* (EPI_RSAT: outputs below the zero point) */
        if (n == 2 && fw == 3) {
            if (epi == EPI_SAT) {
                col_run(p, input, w, output, col, 2, 3, 0, EPI_SAT);
            } else {
                col_run(p, input, w, output, col, 2, 3, 0, EPI_RSAT);
            }
            return;
        }
        if (fw == 1 && n <= 8) { /* col_run_k1 on the target (width 1, 3 x 1: col_w1k3) */
#if defined(TSLM_DSP_ASM)
            if (n == 2 && (sat_only ? col_w1k3_sat(p, input, w, output)
                                    : col_w1k3(p, input, w, output, epi == EPI_RSAT))) {
                return;
            }
#endif
            if (epi == EPI_SAT) {
                col_run(p, input, w, output, col, n, 1, 0, EPI_SAT);
            } else {
                col_run(p, input, w, output, col, n, 1, 0, EPI_RSAT);
            }
            return;
        }
    }
#if defined(TSLM_DSP_ASM)
    if (s2 && n == 2 && fw == 1 && (epi == EPI_SAT || epi == EPI_RSAT)) { /* K x 1, K = 2, 3, stride 2 */
        if (sat_only ? col_w1k3_sat(p, input, w, output)
                     : col_w1k3(p, input, w, output, epi == EPI_RSAT)) { /* width 1, 3 x 1 */
            return;
        }
        if (sat_only) {
            col_run_k1s2_sat(p, input, w, output, col);
        } else {
            col_run_k1s2(p, input, w, output, col, epi == EPI_RSAT);
        }
        return;
    }
    if (n == 3 && fw == 5 && p->filter_h == 5 && (epi == EPI_SAT || epi == EPI_RSAT)) { /* 5x5, stride 1 or 2 */
        if (sat_only) {
            col_run_5x5_sat(p, input, w, output, col, s2);
        } else {
            col_run_5x5(p, input, w, output, col, s2, epi == EPI_RSAT);
        }
        return;
    }
#endif
    /* (3x3 at stride 2: s33_dispatch, its own entry) */
#endif
    if (epi == EPI_SAT && s2) {
        col_run(p, input, w, output, col, n, 0, 1, EPI_SAT);
    } else if (epi == EPI_SAT) {
        col_run(p, input, w, output, col, n, 0, 0, EPI_SAT);
    } else { /* the other epilogues (outputs below the zero point, exact records): one copy, chosen per output */
        col_run(p, input, w, output, col, n, 0, s2, epi);
    }
}

static void col_dispatch(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                         int32_t *col)
{
    col_dispatch_body(p, input, w, output, col, 0);
}

/* col_dispatch for epilogue 0 alone (tslm_dsp_depthwise_conv_sat_s8): none of the EPI_RSAT copies reached */
static void col_dispatch_sat(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                             int8_t *output, int32_t *col)
{
    col_dispatch_body(p, input, w, output, col, 1);
}

__attribute__((noinline)) static void col_dilated(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                  const int32_t *w, int8_t *output, int32_t *col)
{
    col_dilated_body(p, input, w, output, col, 0);
}

__attribute__((noinline)) static void col_dilated_sat(const tslm_depthwise_conv_params *p, const int8_t *input,
                                                      const int32_t *w, int8_t *output, int32_t *col)
{
    col_dilated_body(p, input, w, output, col, 1);
}

/* K x 1 filters over columns at stride 2 with K = 4..10, and dilated K x 1 over a column of width 1: their routines
 * are reached only from tslm_dsp_depthwise_conv_k1_s8, the entry the compiler gives these layers, so a model
 * without them links none of their code (~25 KB at -O2); everything else goes on to col_dispatch. */
TSLM_ALWAYS_INLINE void k1_dispatch_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                         int8_t *output, int32_t *col, const int sat_only)
{
    if (p->dilation_h > 1) { /* width 1, stride 1: per phase */
        if (sat_only) {
            col_dilated_sat(p, input, w, output, col);
        } else {
            col_dilated(p, input, w, output, col);
        }
        return;
    }
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    const int32_t n = (p->filter_h + 1) / 2, epi = p->requant_fast - TSLM_DSP_DW_COL;
    if (p->stride_h == 2 && p->filter_w == 1 && (epi == EPI_SAT || (!sat_only && epi == EPI_RSAT))) {
        if (n >= 3 && n <= 5) { /* K = 5..10 */
            if (n == 3 && (sat_only ? col_w1k5s2_sat(p, input, w, output)
                                    : col_w1k5s2(p, input, w, output, epi == EPI_RSAT))) { /* width 1, 5 x 1, 6 x 1 */
                return;
            }
            if (sat_only) {
                col_run_k1s2n_sat(p, input, w, output, col, n);
            } else {
                col_run_k1s2n(p, input, w, output, col, n, epi == EPI_RSAT);
            }
            return;
        }
        if (n == 2 && (sat_only ? col_w1k4s2_sat(p, input, w, output)
                                : col_w1k4s2(p, input, w, output, epi == EPI_RSAT))) { /* width 1, 4 x 1 */
            return;
        }
    }
#endif
    if (sat_only) {
        col_dispatch_sat(p, input, w, output, col);
    } else {
        col_dispatch(p, input, w, output, col);
    }
}

static void k1_dispatch(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                        int32_t *col)
{
    k1_dispatch_body(p, input, w, output, col, 0);
}

static void k1_dispatch_sat(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                            int8_t *output, int32_t *col)
{
    k1_dispatch_body(p, input, w, output, col, 1);
}

/* 3x3 at stride 2 (the Thumb-2 passes of col_3x3_drive: col_3x3s2c/j/six_channels and their per-shift copies;
 * MLPerf KWS's kernels .text was 17,264 B larger at -O2 while they were reachable from col_dispatch): reached only
 * from tslm_dsp_depthwise_conv_3x3s2_s8, the entry the compiler gives these layers, so a model without them links
 * none of it; the rest goes on to col_dispatch. */
TSLM_ALWAYS_INLINE void s33_dispatch_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                          int8_t *output, int32_t *col, const int sat_only)
{
#if !defined(TSLM_OPTIMIZE_SIZE)
    const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
    if (p->stride_h == 2 && p->filter_h == 3 && p->filter_w == 3 &&
        (epi == EPI_SAT || (!sat_only && epi == EPI_RSAT))) {
        if (epi == EPI_SAT) {
            col_run(p, input, w, output, col, 2, 3, 1, EPI_SAT);
        } else {
            col_run(p, input, w, output, col, 2, 3, 1, EPI_RSAT);
        }
        return;
    }
#endif
    if (sat_only) {
        col_dispatch_sat(p, input, w, output, col);
    } else {
        col_dispatch(p, input, w, output, col);
    }
}

static void s33_dispatch(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                         int32_t *col)
{
    s33_dispatch_body(p, input, w, output, col, 0);
}

/* s33_dispatch for epilogue 0 alone (tslm_dsp_depthwise_conv_3x3s2_sat_s8): the rest to col_dispatch_sat */
static void s33_dispatch_sat(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                             int8_t *output, int32_t *col)
{
    s33_dispatch_body(p, input, w, output, col, 1);
}

/* The column layout in horizontal bands of band_h output rows (large images, whose whole columns would not fit
 * the scratch): each band a column-layout call of its own on the input rows it reads (the band's first input row
 * as row 0, the padding above the image only for the first band), so only those rows are widened (a band's
 * filter_h - stride_h rows of overlap widened twice). Bands overwrite input rows the next band reads: the
 * compiler never runs a banded call in place. */
typedef void (*col_fn)(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                       int32_t *col);

static void col_bands(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                      int32_t *col, const col_fn dispatch)
{
    const int32_t row_in = p->input_w * p->input_c, row_out = p->output_w * p->output_c;
    tslm_depthwise_conv_params q = *p;
    q.batches = 1;
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t oy0 = 0; oy0 < p->output_h; oy0 += p->band_h) {
            const int32_t iy0 = oy0 * p->stride_h - p->pad_h; /* the band's first input row (< 0: padding) */
            const int32_t skip = iy0 > 0 ? iy0 : 0;
            q.output_h = p->output_h - oy0 < p->band_h ? p->output_h - oy0 : p->band_h;
            q.pad_h = skip - iy0;
            q.input_h = p->input_h - skip;
            dispatch(&q, input + (b * p->input_h + skip) * row_in, w, output + (b * p->output_h + oy0) * row_out,
                     col);
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * One input channel, depth multiplier > 1 (requant_fast >= TSLM_DSP_DW_PATCH, dilation_w 1): a
 * convolution whose output channels all read the same patch of the input. For each output pixel the
 * filter's patch (zero points outside the image) is gathered once into scratch as int16 pairs, per
 * filter row and group of four columns (c0, c2), (c1, c3) (SXTB16's order): W words, then zero words up
 * to W8, a multiple of eight (tslm_dsp_depthwise_conv_patch_words). The compiler's weights
 * (tinyslm/compiler/dsp_layout.py: depthwise_patch_weights) are doubled, in the same order, and per pair
 * of output channels interleaved by four words (four of one channel, four of the other; an odd last
 * channel keeps its row), so the accumulator starts at the record's 2 x bias as the column layout's
 * epilogues take it. Per four patch words: one LDM of the patch, one LDM of each channel's four weight
 * words, eight SMLAD (16 MACs in 11 instructions). */

int32_t tslm_dsp_depthwise_conv_patch_words(const tslm_depthwise_conv_params *p)
{
    const int32_t w = p->filter_h * ((p->filter_w + 3) / 4) * 2;
    return (w + 7) & ~7;
}

/* Four input bytes of one row from column x on (zpw: four zero points), the ones outside the image zero
 * points; nothing outside the row is read. */
TSLM_ALWAYS_INLINE int32_t patch_edge_word(const int8_t *row, int32_t x, int32_t iw, uint32_t zpw)
{
    if (x >= 0 && x + 4 <= iw) {
        return tslm_read32(row + x);
    }
    if (x + 4 <= 0 || x >= iw) {
        return (int32_t)zpw;
    }
    if (iw >= 4 && x < 0) { /* the first 4 + x bytes of the row, shifted up */
        const int32_t k = 8 * -x;
        return (int32_t)(((uint32_t)tslm_read32(row) << k) | (zpw & ((1u << k) - 1u)));
    }
    if (iw >= 4) { /* the last iw - x bytes of the row, shifted down */
        const int32_t n = 8 * (iw - x);
        return (int32_t)(((uint32_t)tslm_read32(row + iw - 4) >> (32 - n)) | (zpw & ~((1u << n) - 1u)));
    }
    uint32_t v = 0;
    for (int32_t j = 0; j < 4; ++j) {
        v |= (x + j >= 0 && x + j < iw ? (uint32_t)(uint8_t)row[x + j] : (zpw & 0xFFu)) << (8 * j);
    }
    return (int32_t)v;
}

/* The patch of the output pixel whose filter starts at input row iy0, column ix0. GROUPS: the groups of
 * four columns per filter row as a constant (0: from p). */
TSLM_ALWAYS_INLINE void patch_gather(const tslm_depthwise_conv_params *p, const int8_t *in_b, int32_t iy0,
                                     int32_t ix0, int32_t *patch, const int32_t GROUPS)
{
    const int32_t groups = GROUPS ? GROUPS : (p->filter_w + 3) / 4, iw = p->input_w, ih = p->input_h;
    const uint32_t zpw = (uint32_t)(uint8_t)(-p->input_offset) * 0x01010101u;
    const int cols_inside = ix0 >= 0 && ix0 + 4 * groups <= iw;
    if (cols_inside && iy0 >= 0 && iy0 + (p->filter_h - 1) * p->dilation_h < ih) { /* all inside the image */
        const int32_t step = p->dilation_h * iw;
        const int8_t *src = in_b + iy0 * iw + ix0;
        for (int32_t fy = 0; fy < p->filter_h; ++fy, src += step, patch += 2 * groups) {
#pragma GCC unroll 4
            for (int32_t g = 0; g < groups; ++g) {
                const int32_t v = tslm_read32(src + 4 * g);
                patch[2 * g] = tslm_sxtb16(v);
                patch[2 * g + 1] = tslm_sxtb16_ror8(v);
            }
        }
        return;
    }
    for (int32_t fy = 0, iy = iy0; fy < p->filter_h; ++fy, iy += p->dilation_h, patch += 2 * groups) {
        if (iy < 0 || iy >= ih) { /* a row of zero points */
            const int32_t lo = tslm_sxtb16((int32_t)zpw);
#pragma GCC unroll 4
            for (int32_t g = 0; g < 2 * groups; ++g) {
                patch[g] = lo; /* (zp, zp) either way */
            }
            continue;
        }
        const int8_t *row = in_b + iy * iw;
        if (cols_inside) {
            const int8_t *src = row + ix0;
#pragma GCC unroll 4
            for (int32_t g = 0; g < groups; ++g) {
                const int32_t v = tslm_read32(src + 4 * g);
                patch[2 * g] = tslm_sxtb16(v);
                patch[2 * g + 1] = tslm_sxtb16_ror8(v);
            }
            continue;
        }
        for (int32_t g = 0; g < groups; ++g) { /* a left or right edge */
            const int32_t v = patch_edge_word(row, ix0 + 4 * g, iw, zpw);
            patch[2 * g] = tslm_sxtb16(v);
            patch[2 * g + 1] = tslm_sxtb16_ror8(v);
        }
    }
}

/* *pa += patch . channel a, *pb += patch . channel b over W8 words (w: the pair's interleaved weights). */
TSLM_ALWAYS_INLINE void patch_mac2(const int32_t *x, const int32_t *w, int32_t W8, int32_t *pa, int32_t *pb)
{
    int32_t a = *pa, b = *pb;
#if defined(TSLM_DSP_ASM)
    /* patch words in r8-r11, weights in r4-r6, r12 (one LDM each); eight words per turn of the loop */
#define TSLM_PATCH_CHUNK                          \
    "ldmia %[x]!, {r8, r9, r10, r11}\n\t"         \
    "ldmia %[w]!, {r4, r5, r6, r12}\n\t"          \
    "smlad %[a], r8, r4, %[a]\n\t"                \
    "smlad %[a], r9, r5, %[a]\n\t"                \
    "smlad %[a], r10, r6, %[a]\n\t"               \
    "smlad %[a], r11, r12, %[a]\n\t"              \
    "ldmia %[w]!, {r4, r5, r6, r12}\n\t"          \
    "smlad %[b], r8, r4, %[b]\n\t"                \
    "smlad %[b], r9, r5, %[b]\n\t"                \
    "smlad %[b], r10, r6, %[b]\n\t"               \
    "smlad %[b], r11, r12, %[b]\n\t"
    const int32_t *end = x + W8;
    __asm__ volatile("1:\n\t" TSLM_PATCH_CHUNK TSLM_PATCH_CHUNK
                     "cmp %[x], %[end]\n\t"
                     "bne 1b"
                     : [x] "+r"(x), [w] "+r"(w), [a] "+r"(a), [b] "+r"(b)
                     : [end] "r"(end)
                     : "r4", "r5", "r6", "r8", "r9", "r10", "r11", "r12", "cc", "memory");
#undef TSLM_PATCH_CHUNK
#else
    for (int32_t k = 0; k < W8; k += 4, x += 4, w += 8) {
        for (int32_t j = 0; j < 4; ++j) {
            a = tslm_smlad(x[j], w[j], a);
            b = tslm_smlad(x[j], w[4 + j], b);
        }
    }
#endif
    *pa = a, *pb = b;
}

TSLM_ALWAYS_INLINE void patch_run(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *weights,
                                  int8_t *output, int32_t *patch, const int32_t GROUPS, const int epi)
{
    const int32_t OC = p->output_c, W8 = tslm_dsp_depthwise_conv_patch_words(p);
    const int32_t W = p->filter_h * ((p->filter_w + 3) / 4) * 2;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int32_t j = W; j < W8; ++j) {
        patch[j] = 0;
    }
    int8_t *o = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox, o += OC) {
                patch_gather(p, in_b, iy0, ox * p->stride_w - p->pad_w, patch, GROUPS);
                const int32_t *w = weights, *rq = p->requant;
                int32_t c = 0;
                for (; c + 2 <= OC; c += 2, w += 2 * W8, rq += 8) {
                    int32_t a0 = epi == EPI_EXACT ? 0 : rq[0], a1 = epi == EPI_EXACT ? 0 : rq[4];
                    patch_mac2(patch, w, W8, &a0, &a1);
                    const col_rec k0 = {a0, rq[1], rq[2], rq[3], rq}, k1 = {a1, rq[5], rq[6], rq[7], rq + 4};
                    o[c] = col_out(a0, k0, zp, lo, hi, epi);
                    o[c + 1] = col_out(a1, k1, zp, lo, hi, epi);
                }
                if (c < OC) { /* an odd last channel */
                    int32_t a = epi == EPI_EXACT ? 0 : rq[0];
                    for (int32_t j = 0; j < W8; ++j) {
                        a = tslm_smlad(patch[j], w[j], a);
                    }
                    const col_rec k = {a, rq[1], rq[2], rq[3], rq};
                    o[c] = col_out(a, k, zp, lo, hi, epi);
                }
            }
        }
    }
}

void tslm_dsp_depthwise_conv_patch_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    /* the compiler gives this layout only for one input channel and dilation_w 1, with records */
    if (p->requant == NULL) {
        tslm_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    int32_t *patch = (int32_t *)(void *)scratch;
    const int epi = p->requant_fast - TSLM_DSP_DW_PATCH;
#if !defined(TSLM_OPTIMIZE_SIZE)
    if (epi == EPI_SAT && (p->filter_w + 3) / 4 == 2) { /* 5..8 columns (micro_speech's 10 x 8) */
        patch_run(p, input, w, output, patch, 2, EPI_SAT);
        return;
    }
#endif
    if (epi == EPI_SAT) {
        patch_run(p, input, w, output, patch, 0, EPI_SAT);
    } else {
        patch_run(p, input, w, output, patch, 0, epi);
    }
}

int32_t tslm_dsp_depthwise_conv_patch_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    if (p->requant == NULL) {
        return tslm_depthwise_conv_s8_get_buffer_size(p);
    }
    return 4 * tslm_dsp_depthwise_conv_patch_words(p);
}

void tslm_dsp_depthwise_conv_3x3s2_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    /* the compiler gives this entry only column-layout calls (records, requant_fast >= TSLM_DSP_DW_COL) */
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL || p->requant_fast >= TSLM_DSP_DW_PATCH) {
        tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch);
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    if (p->band_h > 0 && p->band_h < p->output_h) {
        col_bands(p, input, w, output, (int32_t *)(void *)scratch, s33_dispatch);
    } else {
        s33_dispatch(p, input, w, output, (int32_t *)(void *)scratch);
    }
}

/* The sat twins (tslm_dsp_depthwise_conv_<entry>_sat_s8; compiler pass dsp_depthwise_one_clamp, in a model whose
 * depthwise calls all have epilogue 0): each entry's own choices for EPI_SAT alone, everything else to
 * tslm_dsp_depthwise_conv_sat_s8 instead of the main entry, so such a model links no EPI_RSAT copy that an entry
 * reaches by name (noinline routines that take the clamp as an argument keep both halves). */
void tslm_dsp_depthwise_conv_3x3s2_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL || p->requant_fast >= TSLM_DSP_DW_PATCH) {
        tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights;
    if (p->band_h > 0 && p->band_h < p->output_h) {
        col_bands(p, input, w, output, (int32_t *)(void *)scratch, s33_dispatch_sat);
    } else {
        s33_dispatch_sat(p, input, w, output, (int32_t *)(void *)scratch);
    }
}

int32_t tslm_dsp_depthwise_conv_3x3s2_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_3x3s2_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

void tslm_dsp_depthwise_conv_k1_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    /* the compiler gives this entry only column-layout calls (records, requant_fast >= TSLM_DSP_DW_COL), never
     * in bands */
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL) {
        tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch);
        return;
    }
    k1_dispatch(p, input, (const int32_t *)(const void *)weights, output, (int32_t *)(void *)scratch);
}

void tslm_dsp_depthwise_conv_k1_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL) {
        tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
        return;
    }
    k1_dispatch_sat(p, input, (const int32_t *)(const void *)weights, output, (int32_t *)(void *)scratch);
}

int32_t tslm_dsp_depthwise_conv_k1_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_k1_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

TSLM_ALWAYS_INLINE void s2t_entry(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, int8_t *output, int8_t *scratch, const int sat_only)
{
    /* the compiler gives this entry only the column layout's 3x3 at stride 2 (both ways, dilation 1) with three
     * output rows and EPI_SAT or four or six with EPI_SAT or EPI_RSAT; anything else (never, from the compiler) the
     * main entry (the sat twin: EPI_SAT alone, the rest to tslm_dsp_depthwise_conv_sat_s8) */
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (p->requant != NULL && p->requant_fast >= TSLM_DSP_DW_COL &&
        ((p->output_h == 3 && p->requant_fast == TSLM_DSP_DW_COL + EPI_SAT) ||
         ((p->output_h == 4 || p->output_h == 6) && (p->requant_fast == TSLM_DSP_DW_COL + EPI_SAT ||
                               (!sat_only && p->requant_fast == TSLM_DSP_DW_COL + EPI_RSAT)))) &&
        p->filter_h == 3 && p->filter_w == 3 && p->stride_h == 2 && p->stride_w == 2 && p->dilation_h == 1 &&
        p->dilation_w == 1 && p->depth_multiplier == 1 && p->output_c == p->input_c &&
        (p->band_h == 0 || p->band_h >= p->output_h)) {
        const int32_t *w = (const int32_t *)(const void *)weights;
        int32_t *col = (int32_t *)(void *)scratch;
        if (p->output_h == 6) {
            if (sat_only) {
                col_run_3x3s2six_sat(p, input, w, output, col);
            } else {
                col_run_3x3s2six(p, input, w, output, col);
            }
        } else if (sat_only) {
            col_run_3x3s2t_sat(p, input, w, output, col);
        } else {
            col_run_3x3s2t(p, input, w, output, col);
        }
        return;
    }
#endif
    if (sat_only) {
        tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
    } else {
        tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch);
    }
}

void tslm_dsp_depthwise_conv_3x3s2t_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    s2t_entry(p, input, weights, bias, output, scratch, 0);
}

void tslm_dsp_depthwise_conv_3x3s2t_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                           const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    s2t_entry(p, input, weights, bias, output, scratch, 1);
}

int32_t tslm_dsp_depthwise_conv_3x3s2t_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_3x3s2t_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

void tslm_dsp_depthwise_conv_cols_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                     const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    /* the compiler gives this entry only column-layout calls of 3 x 1 at stride 1 over columns wider than 1 */
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (p->requant != NULL && p->requant_fast >= TSLM_DSP_DW_COL && p->requant_fast < TSLM_DSP_DW_PATCH &&
        p->stride_h == 1 && p->filter_h == 3 && p->filter_w == 1) {
        const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
        if ((epi == EPI_SAT || epi == EPI_RSAT) &&
            col_w1k3_cols(p, input, (const int32_t *)(const void *)weights, output, epi == EPI_RSAT)) {
            return;
        }
    }
#endif
    tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* (bands, other epilogues, ...) */
}

void tslm_dsp_depthwise_conv_cols_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                         const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (p->requant != NULL && p->requant_fast == TSLM_DSP_DW_COL + EPI_SAT && p->stride_h == 1 &&
        p->filter_h == 3 && p->filter_w == 1 &&
        col_w1k3_cols_sat(p, input, (const int32_t *)(const void *)weights, output)) {
        return;
    }
#endif
    tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
}

int32_t tslm_dsp_depthwise_conv_cols_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_cols_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

void tslm_dsp_depthwise_conv_k2_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    /* the compiler gives this entry only 2 x 1 layers as 3 x 1 with a zero first tap (every channel's) */
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (p->requant != NULL && p->requant_fast >= TSLM_DSP_DW_COL && p->requant_fast < TSLM_DSP_DW_PATCH &&
        p->band_h == 0) {
        const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
        if ((epi == EPI_SAT || epi == EPI_RSAT) &&
            col_w1k3_k2(p, input, (const int32_t *)(const void *)weights, output, epi == EPI_RSAT)) {
            return;
        }
    }
#endif
    tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* (other shapes and epilogues) */
}

void tslm_dsp_depthwise_conv_k2_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    if (p->requant != NULL && p->requant_fast == TSLM_DSP_DW_COL + EPI_SAT && p->band_h == 0 &&
        col_w1k3_k2_sat(p, input, (const int32_t *)(const void *)weights, output)) {
        return;
    }
#endif
    tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
}

int32_t tslm_dsp_depthwise_conv_k2_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_k2_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

/* Column-layout calls with epilogue 0 (outputs clamped to int8 with the zero point in the rounding term) in a model
 * whose depthwise calls are all such (compiler pass dsp_depthwise_one_clamp): col_dispatch's EPI_SAT paths alone, so
 * the linker leaves out the EPI_RSAT copies (and the row and patch layouts); another column-layout epilogue (never,
 * from the compiler) the C loop that takes every epilogue, no records the portable kernel. */
void tslm_dsp_depthwise_conv_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                    const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL || p->requant_fast >= TSLM_DSP_DW_PATCH) {
        tslm_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* (never with records, from the compiler) */
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    if (p->band_h > 0 && p->band_h < p->output_h) {
        col_bands(p, input, w, output, (int32_t *)(void *)scratch, col_dispatch_sat);
    } else {
        col_dispatch_sat(p, input, w, output, (int32_t *)(void *)scratch);
    }
}

int32_t tslm_dsp_depthwise_conv_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
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
    if (p->requant_fast >= TSLM_DSP_DW_PATCH) {
        tslm_dsp_depthwise_conv_patch_s8(p, input, weights, bias, output, scratch);
    } else if (p->requant_fast >= TSLM_DSP_DW_COL && p->band_h > 0 && p->band_h < p->output_h) {
        col_bands(p, input, w, output, window, col_dispatch);
    } else if (p->requant_fast >= TSLM_DSP_DW_COL) {
        col_dispatch(p, input, w, output, window);
    } else if (!p->requant_fast) {
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
    if (p->requant_fast >= TSLM_DSP_DW_PATCH) {
        return tslm_dsp_depthwise_conv_patch_s8_get_buffer_size(p);
    }
    if (p->requant_fast >= TSLM_DSP_DW_COL) {
        return col_bytes(p, p->band_h > 0 && p->band_h < p->output_h ? p->band_h : p->output_h);
    }
    const int32_t span = (p->filter_h - 1) * p->dilation_h + 1;
    return span * p->ring_w * ((p->input_c + 3) / 4) * 8;
}

/* ------------------------------------------------------------------------------------------------
 * Dilated depthwise (dilation d_h x d_w, stride 1, a filter of at least 2 x 2) in the column layout. The outputs
 * y[py::d_h, px::d_w] of one phase read only the inputs x[py::d_h, px::d_w], through the filter undilated (the
 * compiler sends only pads that are multiples of the dilation: each phase has q_h = pad_h / d_h rows and
 * q_w = pad_w / d_w columns of padding in front). The d_h x d_w phases are copied one below another into scratch
 * (py, then px), each ceil(W / d_w) columns wide (a narrower one ends in zero points), q_h rows of zero points
 * between two phases (the padding both of them read there), and the stack runs as one undilated stride-1 call of
 * the column layout, in place: tall columns, as on a large image. Then each phase's outputs go to their places.
 * The compiler computes the same geometry (tinyslm/compiler/dsp_layout.py: dilated_stack) and hands over the stack
 * call's ring_w. scratch: the column layout's for the stack call, then the stack (rows x ceil(W / d_w) x C). */

typedef struct {
    int32_t ws, ows;  /* the stack's input and output widths (pixels) */
    int32_t rows;     /* the stack's rows */
    int32_t out_rows; /* the stack call's output rows (the last phase's last output row + 1) */
} dil_stack;

static dil_stack dilated_stack(const tslm_depthwise_conv_params *p)
{
    const int32_t dh = p->dilation_h, dw = p->dilation_w, qh = p->pad_h / dh;
    dil_stack s = {(p->input_w + dw - 1) / dw, (p->output_w + dw - 1) / dw, 0, 0};
    int32_t off = 0; /* the phase's first row in the stack */
    for (int32_t py = 0; py < dh; ++py) {
        const int32_t hs = (p->input_h - py + dh - 1) / dh, ohs = (p->output_h - py + dh - 1) / dh;
        for (int32_t px = 0; px < dw; ++px, off += hs + qh) {
            s.out_rows = off + ohs;
        }
    }
    s.rows = off - qh; /* no zero-point rows after the last phase: the call's own padding */
    return s;
}

/* n pixels of C bytes, src_pitch bytes apart, to dst, dst_pitch bytes apart (word copies where C is a multiple
 * of four) */
static void dil_copy(int8_t *dst, int32_t dst_pitch, const int8_t *src, int32_t src_pitch, int32_t n, int32_t C)
{
    if ((C & 3) == 0) {
        for (int32_t i = 0; i < n; ++i, src += src_pitch, dst += dst_pitch) {
            for (int32_t c = 0; c < C; c += 4) {
                const int32_t v = tslm_read32(src + c);
                memcpy(dst + c, &v, 4);
            }
        }
        return;
    }
    for (int32_t i = 0; i < n; ++i, src += src_pitch, dst += dst_pitch) {
        memcpy(dst, src, (size_t)C);
    }
}

typedef void (*dw_entry_fn)(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int8_t *scratch);

/* main: tslm_dsp_depthwise_conv_s8, or its sat twin for tslm_dsp_depthwise_conv_dilated_sat_s8 */
TSLM_ALWAYS_INLINE void dil_entry(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, int8_t *output, int8_t *scratch, const dw_entry_fn main)
{
    /* the compiler gives this entry only column-layout calls (records, requant_fast >= TSLM_DSP_DW_COL) */
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL || p->requant_fast >= TSLM_DSP_DW_PATCH) {
        main(p, input, weights, bias, output, scratch);
        return;
    }
    const int32_t dh = p->dilation_h, dw = p->dilation_w, C = p->input_c, W = p->input_w, OW = p->output_w;
    const int32_t qh = p->pad_h / dh;
    const dil_stack s = dilated_stack(p);
    int8_t *stack = scratch + col_bytes(p, s.out_rows);
    const int32_t in_row = s.ws * C, out_row = s.ows * C;
    tslm_depthwise_conv_params q = *p;
    q.batches = 1, q.dilation_h = 1, q.dilation_w = 1, q.band_h = 0, q.pad_h = qh, q.pad_w = p->pad_w / dw;
    q.input_h = s.rows, q.input_w = s.ws, q.output_h = s.out_rows, q.output_w = s.ows;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * W * C;
        int8_t *out_b = output + b * p->output_h * OW * C;
        memset(stack, (int8_t)-p->input_offset, (size_t)(s.rows * in_row)); /* zero points where no input is */
        for (int32_t py = 0, off = 0; py < dh; ++py) {
            const int32_t hs = (p->input_h - py + dh - 1) / dh;
            for (int32_t px = 0; px < dw; ++px, off += hs + qh) {
                const int32_t n = (W - px + dw - 1) / dw;
                for (int32_t i = 0; i < hs; ++i) {
                    dil_copy(stack + (off + i) * in_row, C, in_b + ((py + i * dh) * W + px) * C, dw * C, n, C);
                }
            }
        }
        main(&q, stack, weights, NULL, stack, scratch);
        for (int32_t py = 0, off = 0; py < dh; ++py) {
            const int32_t hs = (p->input_h - py + dh - 1) / dh, ohs = (p->output_h - py + dh - 1) / dh;
            for (int32_t px = 0; px < dw; ++px, off += hs + qh) {
                const int32_t n = (OW - px + dw - 1) / dw;
                for (int32_t i = 0; i < ohs; ++i) {
                    dil_copy(out_b + ((py + i * dh) * OW + px) * C, dw * C, stack + (off + i) * out_row, C, n, C);
                }
            }
        }
    }
}

void tslm_dsp_depthwise_conv_dilated_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                        const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    dil_entry(p, input, weights, bias, output, scratch, tslm_dsp_depthwise_conv_s8);
}

void tslm_dsp_depthwise_conv_dilated_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                            const int8_t *weights, const int32_t *bias, int8_t *output,
                                            int8_t *scratch)
{
    dil_entry(p, input, weights, bias, output, scratch, tslm_dsp_depthwise_conv_sat_s8);
}

int32_t tslm_dsp_depthwise_conv_dilated_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_dilated_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_dilated_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    if (p->requant == NULL || p->requant_fast < TSLM_DSP_DW_COL || p->requant_fast >= TSLM_DSP_DW_PATCH) {
        return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
    }
    const dil_stack s = dilated_stack(p);
    return col_bytes(p, s.out_rows) + s.rows * s.ws * p->input_c;
}

/* ------------------------------------------------------------------------------------------------
 * Small images, 3x3 at stride 1 (tslm_dsp_depthwise_conv_small_s8, the entry the compiler gives 3x3 stride-1
 * column-layout layers with at most six output rows: MobileNet's 6x6 and 3x3 tails). The column layout's
 * four-row blocks leave two rows of a 6-row image (one of a 3-row image a wasted block) to C; here a whole output
 * column of H <= 6 rows is one pass: per group of four channels each padded column of the image widened once as
 * the Jn = (H + 3) / 2 words X_j = (row 2j, row 2j + 1) (from row -pad_h; pad_h 0 or 1), then per channel and
 * output column, per filter column one LDM of its Jn words and the weights A = (w0, w1), B = (w1, w2), two
 * instructions per row (even rows 2m: A . X_m + w2 X_m+1.lo; odd rows 2m + 1: w0 X_m.hi + B . X_m+1), the H
 * outputs requantized (EPI_SAT, EPI_RSAT) and stored. The group's channels are widened before any of their outputs
 * is written (in place works). Scratch: min(4, C) x ring_w x Jn words, within the column layout's (Jn <= col_words). */
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)

/* The drivers' context, int32_t words from ctx: -24..-4 the channel's A, B per filter column; 0 m, 4 r, 8 round,
 * 12 init (the channel's record); 16 the current output column's first output; 20 ostep; 24 output_c; 28 the
 * channel's x past its last column; 32, 36 the next channel's weights and record; 40, 44 its first column's x and
 * output; 48 bytes between channels' columns; 52 bytes of x per output_w columns; 56 the group's output stop. */
enum { SM_CTX_WORDS = 6 + 15 };

/* sm_channels_<H><s|r>(ctx): the group's channels (from ctx's next ones to its stop), H output rows, EPI_SAT (s) or
 * EPI_RSAT (r). Per channel (label 4) its weights (A0, (w2, 0)) per filter column as (A, B) and its record into
 * the context, its pointers; per output column (label 1) the accumulators from init (the last row's register until
 * its first write), per filter column an LDM of the column's Jn words (xp moved on a column) and an LDRD of (A, B),
 * two instructions per row, xp back two columns; the requantization; the stores. H <= 3 keep the output pointer,
 * ostep, output_c and the channel's x end in registers, H > 3 in the context. EPI_SAT: the column loop chosen per
 * channel by TBH on its right shift r (<= 21 for this epilogue), r = 5..8 a copy with SSAT's immediate shift. */
/* The drivers are written out per case by gen_depthwise_small.py (in this folder) into: */
#include "tslm_dsp_depthwise_small_drivers.h" /* sm_channels_<H><s|r>, sm_img3_channels, sm_img2_channels */


/* One pass of four channels' widening: pair word j of each of the image's columns (d: the first column's, moved
 * on DSTEP bytes a column, until dend; s: its first row's input, moved on C bytes a column), from rows s, s + row
 * (MODE 0), the zero points and s (1: the pair above the image) or s and the zero points (2: the pair below):
 * 14 instructions a column (13 for MODE 1, 2), the channels' words cs1, cs2, cs3 bytes apart. */
TSLM_ALWAYS_INLINE void sm_widen_pass(const int8_t *s, int32_t *d, const int32_t *dend, int32_t C, int32_t row,
                                      int32_t cs1, int32_t cs2, int32_t cs3, int32_t zp, const int MODE,
                                      const int32_t DSTEP)
{
    int32_t v0, v1, lo;
#define TSLM_SM_WIDEN(LOAD, PK)                                                                                 \
    __asm__ volatile("1:\n\t" LOAD PK                                                                          \
                     "sxtb16 %[v0], %[lo], ror #8\n\t"                                                          \
                     "str %[v0], [%[d], %[cs1]]\n\t"                                                             \
                     "sxtb16 %[v0], %[v1]\n\t"                                                                   \
                     "str %[v0], [%[d], %[cs2]]\n\t"                                                             \
                     "sxtb16 %[v0], %[v1], ror #8\n\t"                                                           \
                     "str %[v0], [%[d], %[cs3]]\n\t"                                                             \
                     "sxtb16 %[v0], %[lo]\n\t"                                                                   \
                     "str %[v0], [%[d]], %[ds]\n\t"                                                              \
                     "add %[s], %[s], %[C]\n\t"                                                                  \
                     "cmp %[d], %[dend]\n\t"                                                                     \
                     "bne 1b\n\t"                                                                                \
                     : [s] "+r"(s), [d] "+r"(d), [v0] "=&r"(v0), [v1] "=&r"(v1), [lo] "=&r"(lo)                 \
                     : [dend] "r"(dend), [C] "r"(C), [row] "r"(row), [cs1] "r"(cs1), [cs2] "r"(cs2),              \
                       [cs3] "r"(cs3), [zp] "r"(zp), [ds] "i"(DSTEP)                                              \
                     : "cc", "memory")
    if (MODE == 0) {
        TSLM_SM_WIDEN("ldr %[v0], [%[s]]\n\tldr %[v1], [%[s], %[row]]\n\t",
                      "pkhbt %[lo], %[v0], %[v1], lsl #16\n\tpkhtb %[v1], %[v1], %[v0], asr #16\n\t");
    } else if (MODE == 1) {
        TSLM_SM_WIDEN("ldr %[v1], [%[s]]\n\t",
                      "pkhbt %[lo], %[zp], %[v1], lsl #16\n\tpkhtb %[v1], %[v1], %[zp], asr #16\n\t");
    } else {
        TSLM_SM_WIDEN("ldr %[v0], [%[s]]\n\t",
                      "pkhbt %[lo], %[v0], %[zp], lsl #16\n\tpkhtb %[v1], %[zp], %[v0], asr #16\n\t");
    }
#undef TSLM_SM_WIDEN
}

/* Four channels' image columns into the group's padded columns (src: the group's first input byte, col: the
 * first padded column of the image), a pass per pair word: the pair above the image (row -1, zero points, with row
 * 0), the pairs inside, the pair with its second row below; the pairs wholly outside are col_pad's. */
TSLM_ALWAYS_INLINE void sm_widen4_j(const tslm_depthwise_conv_params *p, const int8_t *src, int32_t *col,
                                    const int32_t Jn, int32_t cols, int32_t top, int32_t pairs, int32_t bottom)
{
    const int32_t cs = 4 * p->ring_w * Jn, row = p->input_w * p->input_c, C = p->input_c;
    const int32_t zero_points = (int32_t)((uint32_t)(uint8_t)(-p->input_offset) * 0x01010101u);
    const int32_t *dend = col + cols * Jn;
    if (cols <= 0) {
        return;
    }
    if (top) {
        sm_widen_pass(src, col, dend, C, row, cs, 2 * cs, 3 * cs, zero_points, 1, 4 * Jn);
        src += row, ++col, ++dend;
    }
    for (int32_t k = 0; k < pairs; ++k, src += 2 * row, ++col, ++dend) {
        sm_widen_pass(src, col, dend, C, row, cs, 2 * cs, 3 * cs, zero_points, 0, 4 * Jn);
    }
    if (bottom) {
        sm_widen_pass(src, col, dend, C, row, cs, 2 * cs, 3 * cs, zero_points, 2, 4 * Jn);
    }
}

/* The pieces of one column's widening (sm_widen_cols): v0, v1 the rows' input words, d moved on a word. */
#define TSLM_SM_PK(A, B)                                                                                       \
    "pkhbt %[lo], " A ", " B ", lsl #16\n\t"                                                                     \
    "pkhtb %[v1], " B ", " A ", asr #16\n\t"                                                                     \
    "sxtb16 %[v0], %[lo], ror #8\n\t"                                                                            \
    "str %[v0], [%[d], %[cs1]]\n\t"                                                                              \
    "sxtb16 %[v0], %[v1]\n\t"                                                                                    \
    "str %[v0], [%[d], %[cs2]]\n\t"                                                                              \
    "sxtb16 %[v0], %[v1], ror #8\n\t"                                                                            \
    "str %[v0], [%[d], %[cs3]]\n\t"                                                                              \
    "sxtb16 %[v0], %[lo]\n\t"                                                                                    \
    "str %[v0], [%[d]], #4\n\t"
#define TSLM_SM_PIECE(TEXT)                                                                                    \
    __asm__ volatile(TEXT                                                                                      \
                     : [s] "+r"(s), [d] "+r"(d), [v0] "=&r"(v0), [v1] "=&r"(v1), [lo] "=&r"(lo)                 \
                     : [row] "r"(row), [cs1] "r"(cs1), [cs2] "r"(cs2), [cs3] "r"(cs3), [zp] "r"(zp)              \
                     : "memory")

/* Four channels' image columns, one column at a time: TOP the pair above the image (zero points, row 0), PAIRS
 * pairs inside, BOTTOM one with its second row below, then the column's words past them (col_pad's) skipped:
 * 12 + 13 PAIRS + 11 BOTTOM instructions and the column's step. */
TSLM_ALWAYS_INLINE void sm_widen_cols(const tslm_depthwise_conv_params *p, const int8_t *src, int32_t *col,
                                      int32_t cols, const int32_t Jn, const int TOP, const int PAIRS,
                                      const int BOTTOM)
{
    const int32_t cs1 = 4 * p->ring_w * Jn, cs2 = 2 * cs1, cs3 = 3 * cs1, row = p->input_w * p->input_c;
    const int32_t C = p->input_c, skip = Jn - TOP - PAIRS - BOTTOM;
    const int32_t zp = (int32_t)((uint32_t)(uint8_t)(-p->input_offset) * 0x01010101u);
    int32_t *d = col, v0, v1, lo;
    for (const int8_t *src_end = src + cols * C; src != src_end; src += C) {
        const int8_t *s = src;
        if (TOP) {
            TSLM_SM_PIECE("ldr %[v0], [%[s]]\n\t" TSLM_SM_PK("%[zp]", "%[v0]") "add %[s], %[s], %[row]\n\t");
        }
        for (int k = 0; k < PAIRS; ++k) {
            TSLM_SM_PIECE("ldr %[v1], [%[s], %[row]]\n\t"
                          "ldr %[v0], [%[s]]\n\t"
                          "add %[s], %[s], %[row], lsl #1\n\t" TSLM_SM_PK("%[v0]", "%[v1]"));
        }
        if (BOTTOM) {
            TSLM_SM_PIECE("ldr %[v0], [%[s]]\n\t" TSLM_SM_PK("%[v0]", "%[zp]"));
        }
        d += skip;
    }
}
#undef TSLM_SM_PK
#undef TSLM_SM_PIECE

__attribute__((noinline)) static void sm_widen4(const tslm_depthwise_conv_params *p, const int8_t *src,
                                                int32_t *col, int32_t Jn, int32_t cols, int32_t top, int32_t pairs,
                                                int32_t bottom)
{
    switch (Jn * 64 + top * 16 + pairs * 2 + bottom) { /* SAME and VALID at H = 1..6 */
    case 2 * 64 + 16 + 0: sm_widen_cols(p, src, col, cols, 2, 1, 0, 0); break;
    case 2 * 64 + 16 + 1: sm_widen_cols(p, src, col, cols, 2, 1, 0, 1); break;
    case 3 * 64 + 16 + 2: sm_widen_cols(p, src, col, cols, 3, 1, 1, 0); break;
    case 3 * 64 + 16 + 3: sm_widen_cols(p, src, col, cols, 3, 1, 1, 1); break;
    case 4 * 64 + 16 + 4: sm_widen_cols(p, src, col, cols, 4, 1, 2, 0); break;
    case 4 * 64 + 16 + 5: sm_widen_cols(p, src, col, cols, 4, 1, 2, 1); break;
    case 2 * 64 + 3: sm_widen_cols(p, src, col, cols, 2, 0, 1, 1); break;
    case 2 * 64 + 4: sm_widen_cols(p, src, col, cols, 2, 0, 2, 0); break;
    case 3 * 64 + 5: sm_widen_cols(p, src, col, cols, 3, 0, 2, 1); break;
    case 3 * 64 + 6: sm_widen_cols(p, src, col, cols, 3, 0, 3, 0); break;
    case 4 * 64 + 7: sm_widen_cols(p, src, col, cols, 4, 0, 3, 1); break;
    case 4 * 64 + 8: sm_widen_cols(p, src, col, cols, 4, 0, 4, 0); break;
    default: /* (an image taller than the rows read: passes) */
        if (Jn == 2) {
            sm_widen4_j(p, src, col, 2, cols, top, pairs, bottom);
        } else if (Jn == 3) {
            sm_widen4_j(p, src, col, 3, cols, top, pairs, bottom);
        } else {
            sm_widen4_j(p, src, col, 4, cols, top, pairs, bottom);
        }
        break;
    }
}

/* sm_img3_channels(ctx) (in the generated drivers' header, included above): a 3x3 image (SAME, EPI_SAT), every
 * channel in straight-line Thumb-2 and no widening (MobileNetV1's last depthwise layer at 96x96): per channel its record and weights (as (A, B) per filter column) into the context, the padding
 * columns' share (zero points times the filter column's sum) folded into the first and last output column's
 * starting value, the image's columns as pair words X0 = (zero point, row 0), X1 = (rows 1, 2) made in registers
 * from the input bytes (LDRSB, PKHBT; the third column after the first output column is stored, so the op may run
 * in place), X2 the zero points; per output column two instructions per row and filter column over the image's
 * columns, the outputs requantized and stored. The right shift chooses a copy by TBH (5..8: SSAT's immediate).
 * Context, bytes: 0..20 (A, B) per filter column; 24 m, 28 round, 32 r; 36, 40, 44 the output columns' init;
 * 48, 52 the next channel's weights and record; 56, 60 its input and output; 64 the output stop; 68 input row
 * bytes; 72 channels; 76 ostep; 80 the zero point pair; 84 the third image column's input. */

/* sm_img2_channels(ctx) (generated too): a 2x2 image (SAME, EPI_SAT) the same way: X0 = (zero point, row 0), X1 = (row 1, zero point) per image column, the
 * padding column's share folded into each output column's init (context as sm_img3_channels's, 84 unused). */

/* A 1x1 image (SAME; EPI_SAT or EPI_RSAT): one output per channel, the center tap on the input byte and the other
 * eight on zero points: the record's init + the zero point x the sum of the channel's (doubled) weights (SMLAD of the
 * pair words (w0, w1), (w2, 0) per filter column with (zp, zp)) + the center's weight x (x - zp). */
TSLM_ALWAYS_INLINE void sm_img1_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                     int8_t *output, const int epi)
{
    const int32_t C = p->input_c, zp = -p->input_offset, ozp = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t zz = (int32_t)(((uint32_t)zp & 0xFFFFu) | ((uint32_t)zp << 16)); /* (zp, zp) */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int32_t *wc = w, *rq = p->requant;
        const int8_t *x = input + b * C;
        int8_t *o = output + b * C;
        for (int8_t *const end = o + C; o != end; wc += 6, rq += 4) {
            /* init + zp x (all nine taps) + center x (x - zp) */
            int32_t acc = tslm_smlad(wc[0], zz, tslm_smlad(wc[1], zz, tslm_smlad(wc[2], zz, rq[0])));
            acc = tslm_smlad(wc[3], zz, tslm_smlad(wc[4], zz, tslm_smlad(wc[5], zz, acc)));
            acc += (wc[2] >> 16) * (*x++ - zp); /* filter column 1, row 1 */
            const col_rec k = {rq[0], rq[1], rq[2], rq[3], rq};
            *o++ = col_out(acc, k, ozp, lo, hi, epi);
        }
    }
}

static void sm_img1(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                    const int epi)
{
    if (epi == EPI_SAT) {
        sm_img1_body(p, input, w, output, EPI_SAT);
    } else {
        sm_img1_body(p, input, w, output, EPI_RSAT);
    }
}

/* A 3x3 or 2x2 (N) image, SAME, EPI_SAT: sm_img3_channels or sm_img2_channels per batch. */
static void sm_img3(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                    const int32_t N)
{
    const int32_t C = p->input_c, zp = -p->input_offset;
    int32_t ctx[22];
    ctx[17] = N * C, ctx[18] = C, ctx[19] = N * C, ctx[20] = (int32_t)(((uint32_t)zp & 0xFFFFu) | ((uint32_t)zp << 16));
    for (int32_t b = 0; b < p->batches; ++b) {
        ctx[12] = (int32_t)(uintptr_t)w, ctx[13] = (int32_t)(uintptr_t)p->requant;
        ctx[14] = (int32_t)(uintptr_t)(input + N * N * C * b), ctx[15] = (int32_t)(uintptr_t)(output + N * N * C * b);
        ctx[16] = ctx[15] + C;
        if (N == 3) {
            sm_img3_channels(ctx);
        } else {
            sm_img2_channels(ctx);
        }
    }
}

/* 3x3 at stride 1, output_h <= 6, pad_h 0 or 1, EPI_SAT or EPI_RSAT (tslm_dsp_depthwise_conv_small_s8 checks). */
TSLM_ALWAYS_INLINE void sm_run_body(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w,
                                    int8_t *output, int32_t *col, const int sat_only)
{
    const int32_t H = p->output_h, Jn = (H + 3) / 2, C = p->input_c;
    const int32_t rsat = !sat_only && p->requant_fast == TSLM_DSP_DW_COL + EPI_RSAT;
    const int32_t top = p->pad_h & 1, rem = p->input_h - top; /* image rows after the pair above */
    const int32_t pairs = rem / 2 < Jn - top ? rem / 2 : Jn - top, bottom = (rem & 1) && top + pairs < Jn;
    const int32_t xend = p->ring_w < p->pad_w + p->input_w ? p->ring_w : p->pad_w + p->input_w;
    const int32_t cols = xend - p->pad_w, ostep = p->output_w * C;
    int32_t buf[SM_CTX_WORDS];
    int32_t *const ctx = buf + 6;
    ctx[5] = ostep, ctx[6] = C, ctx[12] = 4 * p->ring_w * Jn, ctx[13] = 4 * Jn * p->output_w;
    col_pad(p, col, Jn, C < 4 ? C : 4);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * C;
        int8_t *out_b = output + b * p->output_h * ostep;
        ctx[8] = (int32_t)(uintptr_t)w, ctx[9] = (int32_t)(uintptr_t)p->requant; /* moved on by the drivers */
        for (int32_t g = 0; 4 * g < C; ++g) {
            const int32_t chans = C - 4 * g < 4 ? C - 4 * g : 4;
            if (chans == 4) {
                sm_widen4(p, in_b + 4 * g, col + p->pad_w * Jn, Jn, cols, top, pairs, bottom);
            } else {
                col_widen(p, in_b, g, col, Jn, chans);
            }
            ctx[10] = (int32_t)(uintptr_t)col, ctx[11] = (int32_t)(uintptr_t)(out_b + 4 * g);
            ctx[14] = ctx[11] + chans;
            if (sat_only) { /* (sm_run_sat: none of the EPI_RSAT passes) */
                switch (H) {
                case 1: sm_channels_1s(ctx); break;
                case 2: sm_channels_2s(ctx); break;
                case 3: sm_channels_3s(ctx); break;
                case 4: sm_channels_4s(ctx); break;
                case 5: sm_channels_5s(ctx); break;
                default: sm_channels_6s(ctx); break;
                }
                continue;
            }
            switch (2 * H + rsat) {
            case 2: sm_channels_1s(ctx); break;
            case 3: sm_channels_1r(ctx); break;
            case 4: sm_channels_2s(ctx); break;
            case 5: sm_channels_2r(ctx); break;
            case 6: sm_channels_3s(ctx); break;
            case 7: sm_channels_3r(ctx); break;
            case 8: sm_channels_4s(ctx); break;
            case 9: sm_channels_4r(ctx); break;
            case 10: sm_channels_5s(ctx); break;
            case 11: sm_channels_5r(ctx); break;
            case 12: sm_channels_6s(ctx); break;
            default: sm_channels_6r(ctx); break;
            }
        }
    }
}

static void sm_run(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                   int32_t *col)
{
    sm_run_body(p, input, w, output, col, 0);
}

static void sm_run_sat(const tslm_depthwise_conv_params *p, const int8_t *input, const int32_t *w, int8_t *output,
                       int32_t *col)
{
    sm_run_body(p, input, w, output, col, 1);
}
#endif

TSLM_ALWAYS_INLINE void sm_entry(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, int8_t *output, int8_t *scratch, const int sat_only)
{
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
    if (p->requant != NULL && (epi == EPI_SAT || (!sat_only && epi == EPI_RSAT)) && p->filter_h == 3 &&
        p->filter_w == 3 && p->stride_h == 1 && p->stride_w == 1 && p->dilation_h == 1 && p->dilation_w == 1 &&
        p->depth_multiplier == 1 && p->output_h >= 1 && p->output_h <= 6 && p->output_w >= 1 &&
        (p->pad_h == 0 || p->pad_h == 1) && (p->band_h == 0 || p->band_h >= p->output_h)) {
        const int32_t N = p->output_h; /* a 3x3 or 2x2 image, SAME: straight-line channels; 1x1: the center tap */
        if (N == 1 && p->output_w == 1 && p->input_h == 1 && p->input_w == 1 && p->pad_h == 1 && p->pad_w == 1) {
            if (sat_only) {
                sm_img1_body(p, input, (const int32_t *)(const void *)weights, output, EPI_SAT);
            } else {
                sm_img1(p, input, (const int32_t *)(const void *)weights, output, epi);
            }
            return;
        }
        if (epi == EPI_SAT && (N == 3 || N == 2) && p->output_w == N && p->input_h == N && p->input_w == N &&
            p->pad_h == 1 && p->pad_w == 1) {
            sm_img3(p, input, (const int32_t *)(const void *)weights, output, N);
            return;
        }
        if (sat_only) {
            sm_run_sat(p, input, (const int32_t *)(const void *)weights, output, (int32_t *)(void *)scratch);
        } else {
            sm_run(p, input, (const int32_t *)(const void *)weights, output, (int32_t *)(void *)scratch);
        }
        return;
    }
#endif
    if (sat_only) {
        tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
    } else {
        tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* everything else: the column layout's */
    }
}

void tslm_dsp_depthwise_conv_small_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    sm_entry(p, input, weights, bias, output, scratch, 0);
}

void tslm_dsp_depthwise_conv_small_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    sm_entry(p, input, weights, bias, output, scratch, 1);
}

int32_t tslm_dsp_depthwise_conv_small_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_small_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

/* A 1x1 image with a 1x1 output, as the compiler gives it (tslm_dsp_depthwise_conv_px_s8): any filter over it as the
 * 1x1 filter of its one tap on the pixel, the other taps' (zero points') share taken out of the records' bias, so
 * per channel acc = init + (2 w) x and the column layout's epilogue: the channels streamed (the record's four
 * words, the weight word, the input byte), in both builds. The weights: one word (2 w, 0) per channel. */
static inline __attribute__((always_inline)) void px_channels(const tslm_depthwise_conv_params *p, const int8_t *x,
                                                               const int32_t *w, int8_t *o, const int32_t *rq,
                                                               int32_t n, const int epi)
{ /* (inlined in the size build too: col_out's epilogues, written out here so that the loop keeps them constant) */
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int8_t *const end = o + n; o != end; rq += 4) {
        const int32_t acc = tslm_smlabb(*w++, *x++, rq[0]), m = rq[1], r = rq[2], round = rq[3];
        int32_t v;
        if (epi == EPI_SAT) {
            v = tslm_ssat8(tslm_smmlar(acc, m, round) >> r);
        } else if (epi == EPI_FOLD) {
            v = TSLM_USAT8(tslm_smmlar(acc, m, round) >> r) + lo;
            v = v > hi ? hi : v;
        } else if (epi == EPI_RSAT) {
            v = tslm_ssat8(tslm_smmlar(acc, m, round + (acc >> 31)) >> r);
        } else { /* EPI_FAST */
            v = tslm_smmlar(acc, m, round);
            v += (v - 1) >> 31;
            v = tslm_ssat8((v >> r) + zp);
            v = v < lo ? lo : (v > hi ? hi : v);
        }
        *o++ = (int8_t)v;
    }
}

#if defined(TSLM_DSP_ASM)
/* EPI_SAT and EPI_RSAT in Thumb-2, two channels a pass (n: channels, even): per channel an LDM of its record
 * (init, m, r, round), its weight word and input byte, SMLABB, SMMLAR (EPI_RSAT: round - 1 where acc < 0), the
 * shift, SSAT and the store: 9 (10) instructions, the loop's 2 a pass. */
TSLM_ALWAYS_INLINE void px_sat_body(const int8_t *x, const int32_t *w, int8_t *o, const int32_t *rq, int32_t n,
                                    const int rsat)
{
    register int32_t a __asm__("r0");
    register int32_t m __asm__("r1");
    register int32_t r __asm__("r2");
    register int32_t c __asm__("r3");
    int32_t wv, xv;
    const int8_t *const end = o + n;
#define TSLM_PX_ONE(RS)                                                                                        \
    "ldmia %[rq]!, {r0, r1, r2, r3}\n\t"                                                                         \
    "ldr %[wv], [%[w]], #4\n\t"                                                                                  \
    "ldrsb %[xv], [%[x]], #1\n\t"                                                                                \
    "smlabb %[a], %[wv], %[xv], %[a]\n\t" RS                                                                     \
    "smmlar %[a], %[a], %[m], %[c]\n\t"                                                                          \
    "asr %[a], %[a], %[r]\n\t"                                                                                   \
    "ssat %[a], #8, %[a]\n\t"                                                                                    \
    "strb %[a], [%[o]], #1\n\t"
#define TSLM_PX_LOOP(RS)                                                                                       \
    __asm__ volatile("1:\n\t" TSLM_PX_ONE(RS) TSLM_PX_ONE(RS) "cmp %[o], %[end]\n\t"                            \
                     "bne 1b\n\t"                                                                               \
                     : [x] "+r"(x), [w] "+r"(w), [o] "+r"(o), [rq] "+r"(rq), [a] "=&r"(a), [m] "=&r"(m),         \
                       [r] "=&r"(r), [c] "=&r"(c), [wv] "=&r"(wv), [xv] "=&r"(xv)                              \
                     : [end] "r"(end)                                                                           \
                     : "cc", "memory")
    if (rsat) {
        TSLM_PX_LOOP("add %[c], %[c], %[a], asr #31\n\t");
    } else {
        TSLM_PX_LOOP("");
    }
#undef TSLM_PX_LOOP
#undef TSLM_PX_ONE
}

static void px_sat(const int8_t *x, const int32_t *w, int8_t *o, const int32_t *rq, int32_t n, const int rsat)
{
    px_sat_body(x, w, o, rq, n, rsat);
}

/* px_sat for EPI_SAT alone (tslm_dsp_depthwise_conv_px_sat_s8) */
static void px_sat_only(const int8_t *x, const int32_t *w, int8_t *o, const int32_t *rq, int32_t n)
{
    px_sat_body(x, w, o, rq, n, 0);
}
#endif

void tslm_dsp_depthwise_conv_px_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
    if (p->requant != NULL && epi >= EPI_SAT && epi <= EPI_RSAT && epi != EPI_EXACT && p->filter_h == 1 &&
        p->filter_w == 1 && p->input_h == 1 && p->input_w == 1 && p->output_h == 1 && p->output_w == 1 &&
        p->pad_h == 0 && p->pad_w == 0 && p->depth_multiplier == 1) {
        const int32_t *w = (const int32_t *)(const void *)weights, C = p->input_c;
        for (int32_t b = 0; b < p->batches; ++b) {
            const int8_t *x = input + b * C;
            int8_t *o = output + b * C;
#if defined(TSLM_DSP_ASM)
            if ((epi == EPI_SAT || epi == EPI_RSAT) && C >= 2) { /* an odd channel count: the first one in C */
                const int32_t odd = C & 1;
                if (odd) {
                    px_channels(p, x, w, o, p->requant, 1, epi == EPI_SAT ? EPI_SAT : EPI_RSAT);
                }
                px_sat(x + odd, w + odd, o + odd, p->requant + 4 * odd, C - odd, epi == EPI_RSAT);
                continue;
            }
#endif
            switch (epi) {
            case EPI_SAT: px_channels(p, x, w, o, p->requant, C, EPI_SAT); break;
            case EPI_FOLD: px_channels(p, x, w, o, p->requant, C, EPI_FOLD); break;
            case EPI_FAST: px_channels(p, x, w, o, p->requant, C, EPI_FAST); break;
            default: px_channels(p, x, w, o, p->requant, C, EPI_RSAT); break;
            }
        }
        return;
    }
    tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch); /* anything else: the column layout's */
}

void tslm_dsp_depthwise_conv_px_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant != NULL && p->requant_fast == TSLM_DSP_DW_COL + EPI_SAT && p->filter_h == 1 && p->filter_w == 1 &&
        p->input_h == 1 && p->input_w == 1 && p->output_h == 1 && p->output_w == 1 && p->pad_h == 0 &&
        p->pad_w == 0 && p->depth_multiplier == 1) {
        const int32_t *w = (const int32_t *)(const void *)weights, C = p->input_c;
        for (int32_t b = 0; b < p->batches; ++b) {
            const int8_t *x = input + b * C;
            int8_t *o = output + b * C;
#if defined(TSLM_DSP_ASM)
            if (C >= 2) { /* an odd channel count: the first one in C */
                const int32_t odd = C & 1;
                if (odd) {
                    px_channels(p, x, w, o, p->requant, 1, EPI_SAT);
                }
                px_sat_only(x + odd, w + odd, o + odd, p->requant + 4 * odd, C - odd);
                continue;
            }
#endif
            px_channels(p, x, w, o, p->requant, C, EPI_SAT);
        }
        return;
    }
    tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
}

int32_t tslm_dsp_depthwise_conv_px_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_px_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

/* 7x7 at stride 1 in the column layout (EPI_SAT, EPI_RSAT; not in bands): col_run with the filter's shape as constants
 * (n = 4 pairs a filter column, 7 columns), so the compiler unrolls the taps (12x12x32: 3.13 -> 1.79 instructions
 * per MAC); the entry the compiler gives these layers, the rest to tslm_dsp_depthwise_conv_s8. */
TSLM_ALWAYS_INLINE void k7_entry(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, int8_t *output, int8_t *scratch, const int sat_only)
{
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    const int32_t epi = p->requant_fast - TSLM_DSP_DW_COL;
    if (p->requant != NULL && (epi == EPI_SAT || (!sat_only && epi == EPI_RSAT)) && p->filter_h == 7 &&
        p->filter_w == 7 && p->stride_h == 1 && p->dilation_h == 1 && p->depth_multiplier == 1 &&
        (p->band_h == 0 || p->band_h >= p->output_h)) {
        const int32_t *w = (const int32_t *)(const void *)weights;
        if (epi == EPI_SAT) {
            col_run(p, input, w, output, (int32_t *)(void *)scratch, 4, 7, 0, EPI_SAT);
        } else {
            col_run(p, input, w, output, (int32_t *)(void *)scratch, 4, 7, 0, EPI_RSAT);
        }
        return;
    }
#endif
    if (sat_only) {
        tslm_dsp_depthwise_conv_sat_s8(p, input, weights, bias, output, scratch);
    } else {
        tslm_dsp_depthwise_conv_s8(p, input, weights, bias, output, scratch);
    }
}

void tslm_dsp_depthwise_conv_k7_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    k7_entry(p, input, weights, bias, output, scratch, 0);
}

void tslm_dsp_depthwise_conv_k7_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch)
{
    k7_entry(p, input, weights, bias, output, scratch, 1);
}

int32_t tslm_dsp_depthwise_conv_k7_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}

int32_t tslm_dsp_depthwise_conv_k7_s8_get_buffer_size(const tslm_depthwise_conv_params *p)
{
    return tslm_dsp_depthwise_conv_s8_get_buffer_size(p);
}
