/*
 * tslm_dsp_pooling.c - AVERAGE_POOL_2D (int8) and MAX_POOL_2D (int8, int16) for the Cortex-M DSP extension;
 * each part below says how. AVERAGE_POOL_2D, tslm_dsp_avg_pool_s8: per output pixel and
 * block of up to POOL_BLOCK channels, each window row's in-image pixels are summed four channels at
 * a time by two SXTAB16 per pixel (tslm_dsp.h's tslm_dsp_sum_columns), then every channel takes the
 * portable kernel's division rounding half away from zero and the clamp: the same bytes as
 * tslm_avg_pool_s8, about two instructions per value summed instead of eight.
 */
#include "tslm_dsp_pooling.h"
#include "tslm_dsp.h"

#define POOL_BLOCK 64 /* channels summed per pass (the sums live on the stack: 256 bytes) */

void tslm_dsp_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->channels, row = p->input_w * ch;
    int32_t sums[POOL_BLOCK];
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0);
                for (int32_t c = 0; c < ch; c += POOL_BLOCK) {
                    const int32_t n = ch - c < POOL_BLOCK ? ch - c : POOL_BLOCK;
                    for (int32_t i = 0; i < n; ++i) {
                        sums[i] = 0;
                    }
                    if (x1 - x0 == p->input_w) { /* whole image rows: one run of pixels, ch apart */
                        tslm_dsp_sum_columns(in_b + y0 * row + c, (y1 - y0) * p->input_w, ch, n, sums);
                    } else {
                        for (int32_t y = y0; y < y1; ++y) { /* the window's row y: x1 - x0 pixels */
                            tslm_dsp_sum_columns(in_b + y * row + x0 * ch + c, x1 - x0, ch, n, sums);
                        }
                    }
                    for (int32_t i = 0; i < n; ++i) {
                        int32_t v = sums[i];
                        if (count > 0) {
                            v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
                        }
                        out[c + i] = (int8_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}

/*
 * AVERAGE_POOL_2D (int8), windows of at most 256 pixels and at least four channels: per output pixel and
 * word of four channels, all the window's in-image pixels are summed at once into two pairs of int16 lanes
 * by two SXTAB16 per pixel (|sum| <= 128 * 256 = 2^15: exact), no flush, no sums in memory; then each of
 * the four channels takes tslm_avg_pool_s8's division rounding half away from zero (SDIV) and the clamp.
 * A channel count that is not a multiple of four ends with the word of channels ch-4..ch-1 (overlapping:
 * the same averages stored again). E.g. 3x3 stride 3 over 30x30x8: per word 9 LDR and 18 SXTAB16, then
 * four divisions. The compiler gives it pools of more than one output pixel (a global pool's whole-row
 * sums in tslm_dsp_avg_pool_s8 are as fast); anything else here calls tslm_dsp_avg_pool_s8.
 */

/* the pairs (b0, b2) and (b1, b3) of the word at x added to even and odd: two SXTAB16 */
TSLM_ALWAYS_INLINE void sum_pixel(const int8_t *x, int32_t *even, int32_t *odd)
{
    const int32_t w = tslm_read32(x);
    *even = tslm_sxtab16(*even, w);
    *odd = tslm_sxtab16_ror8(*odd, w);
}

/* (v rounded half away from zero) / count */
TSLM_ALWAYS_INLINE int32_t avg_of(int32_t v, int32_t count, int32_t half)
{
    return v > 0 ? (v + half) / count : (v - half) / count;
}

void tslm_dsp_avg_pool_small_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    const tslm_pool_params q = *p; /* (the output's stores may alias *p, a copy's fields stay in registers) */
    const int32_t ch = q.channels, row = q.input_w * ch;
    if (q.filter_h * q.filter_w > 256 || ch < 4) {
        tslm_dsp_avg_pool_s8(p, input, output);
        return;
    }
    const int clamp = q.act_min > -128 || q.act_max < 127;
    int8_t *out = output;
    for (int32_t b = 0; b < q.batches; ++b) {
        const int8_t *in_b = input + b * q.input_h * row;
        for (int32_t oy = 0; oy < q.output_h; ++oy) {
            for (int32_t ox = 0; ox < q.output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(&q, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t rows = y1 - y0, cols = x1 - x0, count = rows * cols, half = count / 2;
                const int8_t *x = in_b + y0 * row + x0 * ch;
                for (int32_t c = 0; c < ch; c += 4) {
                    const int32_t cc = c <= ch - 4 ? c : ch - 4; /* the last word of a ch % 4 != 0 overlaps */
                    int32_t even = 0, odd = 0; /* lanes (cc, cc + 2) and (cc + 1, cc + 3) */
                    const int8_t *r = x + cc;
#if !defined(TSLM_OPTIMIZE_SIZE)
                    if (cols == 3) { /* (3 and 2 columns, the common windows: the loads unrolled) */
                        for (int32_t y = rows; y > 0; --y, r += row) {
                            sum_pixel(r, &even, &odd);
                            sum_pixel(r + ch, &even, &odd);
                            sum_pixel(r + 2 * ch, &even, &odd);
                        }
                    } else if (cols == 2) {
                        for (int32_t y = rows; y > 0; --y, r += row) {
                            sum_pixel(r, &even, &odd);
                            sum_pixel(r + ch, &even, &odd);
                        }
                    } else
#endif
                    {
                        for (int32_t y = rows; y > 0; --y, r += row) {
                            const int8_t *px = r;
                            for (int32_t k = cols; k > 0; --k, px += ch) {
                                sum_pixel(px, &even, &odd);
                            }
                        }
                    }
                    if (count == 0) { /* (the compiler gives no empty window; the portable kernel's 0) */
                        even = odd = 0;
                    }
                    const int32_t n = count > 0 ? count : 1;
                    int32_t a0 = avg_of((int16_t)even, n, half), a1 = avg_of((int16_t)odd, n, half);
                    int32_t a2 = avg_of(even >> 16, n, half), a3 = avg_of(odd >> 16, n, half);
                    if (clamp) { /* (an average of int8 is in int8: only a narrower activation clamps) */
                        a0 = tslm_clamp_i32(a0, q.act_min, q.act_max);
                        a1 = tslm_clamp_i32(a1, q.act_min, q.act_max);
                        a2 = tslm_clamp_i32(a2, q.act_min, q.act_max);
                        a3 = tslm_clamp_i32(a3, q.act_min, q.act_max);
                    }
                    out[cc] = (int8_t)a0;
                    out[cc + 1] = (int8_t)a1;
                    out[cc + 2] = (int8_t)a2;
                    out[cc + 3] = (int8_t)a3;
                }
            }
        }
    }
}

/*
 * MAX_POOL_2D, int8 and int16, a word of channels at a time: four int8 lanes, whose lane-wise max is
 * SSUB8 (a GE flag per byte where a >= b) then SEL (tslm_simd.h: tslm_max_s8x4), or two int16 lanes
 * (SSUB16, SEL: tslm_max_s16x2). Below, E is the element's size in bytes (1, 2) and every offset is in
 * bytes: ch the pixel's, row the image row's. Per output pixel and word of channels, the window's
 * in-image pixels (rows y0..y1, columns x0..x1, tslm_pool_window) are folded into a word that starts at
 * act_min in every lane: max(-128, window) clamped below at act_min is max(act_min, window); then the
 * lane-wise min with act_max (neither where the activation's range is the type's whole range: the first
 * pixel's word is the start). A pixel whose bytes are not a multiple of four takes first its whole
 * words, then the word of its last four bytes (overlapping: the same values stored again, max is
 * idempotent); int8 pixels of 1..3 channels have their own entry, tslm_dsp_max_pool_narrow_s8 (below), an
 * int16 pixel of one channel the portable kernel (the compiler gives those layers to neither).
 * The outputs whose windows lie wholly in the image have, for windows of 1..3 rows by 1..3 columns (2x2,
 * 3x3, Kx1 pools), their loads unrolled, one function and entry per shape (tslm_dsp_max_pool_3x3_s8, ...): e.g. 2x2 stride 2 over 32x32x8 int8 is
 * per word 4 LDR, 3 SSUB8/SEL pairs and a STR, about one instruction per input byte, 3x3 stride 3 over
 * 128x3x8 (magic_wand) per word 9 LDR and 8 pairs. The other outputs (the borders, larger windows, the
 * size build) loop over their window's rows and columns.
 */

/* lane-wise max and min of E-byte lanes */
TSLM_ALWAYS_INLINE int32_t lanes_max(int32_t a, int32_t b, const int E)
{
    return E == 1 ? tslm_max_s8x4(a, b) : tslm_max_s16x2(a, b);
}
TSLM_ALWAYS_INLINE int32_t lanes_min(int32_t a, int32_t b, const int E)
{
    return E == 1 ? tslm_min_s8x4(a, b) : tslm_min_s16x2(a, b);
}

/* nx output pixels (their windows `xstep` input bytes apart, the pixels out_step apart in out), each `words`
 * words of channels, the max over a window of `rows` rows (`row` bytes apart) by `cols` columns (`ch` bytes
 * apart) from x, clamped to [lo, hi] (CLAMP 0: the activation's range is the type's whole range, no clamp).
 * R, C: rows and cols as constants 1..3 (the loads unrolled), or 0 (loops). */
TSLM_ALWAYS_INLINE void run_max(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep, int32_t out_step,
                                int32_t rows, int32_t cols, int32_t ch, int32_t row, int32_t lo, int32_t hi,
                                int32_t words, const int R, const int C, const int CLAMP, const int E)
{
    /* word by word, the pixels inner (each word's loop walks the row: no per-pixel setup) */
    for (int32_t w = 0; w < words; ++w) {
        const int8_t *r = x + 4 * w;
        int8_t *o = out + 4 * w;
        for (int32_t n = nx; n > 0; --n, r += xstep, o += out_step) {
            int32_t m = lo;
            if (R == 0 || C == 0) {
                const int8_t *ry = r;
                for (int32_t y = rows; y > 0; --y, ry += row) {
                    const int8_t *px = ry;
                    for (int32_t k = cols; k > 0; --k, px += ch) {
                        m = lanes_max(m, tslm_read32(px), E);
                    }
                }
            } else {
                m = CLAMP ? lanes_max(lo, tslm_read32(r), E) : tslm_read32(r);
#define TSLM_POOL_ROW(Y)                                                                \
    if (R > (Y)) {                                                                      \
        if ((Y) > 0) {                                                                  \
            m = lanes_max(m, tslm_read32(r + (Y) * row), E);                            \
        }                                                                               \
        if (C > 1) {                                                                    \
            m = lanes_max(m, tslm_read32(r + (Y) * row + ch), E);                       \
        }                                                                               \
        if (C > 2) {                                                                    \
            m = lanes_max(m, tslm_read32(r + (Y) * row + 2 * ch), E);                   \
        }                                                                               \
    }
                TSLM_POOL_ROW(0)
                TSLM_POOL_ROW(1)
                TSLM_POOL_ROW(2)
#undef TSLM_POOL_ROW
            }
            tslm_write32(o, CLAMP ? lanes_min(m, hi, E) : m);
        }
    }
}

/* The max over R rows (`row` bytes apart) of the word at x. */
TSLM_ALWAYS_INLINE int32_t column_max(const int8_t *x, int32_t row, const int R, const int E)
{
    int32_t m = tslm_read32(x);
    if (R > 1) {
        m = lanes_max(m, tslm_read32(x + row), E);
    }
    if (R > 2) {
        m = lanes_max(m, tslm_read32(x + 2 * row), E);
    }
    return m;
}

/* run_max for windows of R x 3 at stride 2 along the row (a 3x3 stride 2 pool's): neighbouring windows share a
 * column, so per word the pixels are walked in turn, each taking the max of the column it shares with the one
 * before (kept in a register) and of its two new columns: two column maxima per output instead of three. */
TSLM_ALWAYS_INLINE void run_max_slide3(const int8_t *x, int8_t *out, int32_t nx, int32_t out_step, int32_t ch,
                                       int32_t row, int32_t lo, int32_t hi, int32_t words, const int R,
                                       const int CLAMP, const int E)
{
    for (int32_t w = 0; w < words; ++w) {
        const int8_t *r = x + 4 * w;
        int8_t *o = out + 4 * w;
        int32_t shared = column_max(r, row, R, E);
        for (int32_t n = nx; n > 0; --n, r += 2 * ch, o += out_step) {
            const int32_t b = column_max(r + 2 * ch, row, R, E);
            int32_t m = lanes_max(lanes_max(shared, column_max(r + ch, row, R, E), E), b, E);
            shared = b;
            if (CLAMP) {
                m = lanes_min(lanes_max(m, lo, E), hi, E);
            }
            tslm_write32(o, m);
        }
    }
}

typedef void (*run_max_fn)(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep, int32_t out_step, int32_t ch,
                           int32_t row, int32_t lo, int32_t hi, int32_t words);

/* Outputs (oy, ox0..ox1) of one batch: each window clipped to the image, the loops. */
TSLM_ALWAYS_INLINE void border_max(const tslm_pool_params *p, const int8_t *in_b, int8_t *out_b, int32_t oy,
                                   int32_t ox0, int32_t ox1, int32_t lo, int32_t hi, const int E)
{
    const int32_t ch = p->channels * E, row = p->input_w * ch;
    for (int32_t ox = ox0; ox < ox1; ++ox) {
        int32_t y0, y1, x0, x1;
        tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
        const int8_t *x = in_b + y0 * row + x0 * ch;
        int8_t *out = out_b + (oy * p->output_w + ox) * ch;
        run_max(x, out, 1, 0, 0, y1 - y0, x1 - x0, ch, row, lo, hi, ch >> 2, 0, 0, 1, E);
        if (ch & 3) { /* the last four bytes */
            run_max(x + ch - 4, out + ch - 4, 1, 0, 0, y1 - y0, x1 - x0, ch, row, lo, hi, 1, 0, 0, 1, E);
        }
    }
}
static __attribute__((noinline)) void border_max_s8(const tslm_pool_params *p, const int8_t *in_b, int8_t *out_b,
                                                    int32_t oy, int32_t ox0, int32_t ox1, int32_t lo, int32_t hi)
{
    border_max(p, in_b, out_b, oy, ox0, ox1, lo, hi, 1);
}
static __attribute__((noinline)) void border_max_s16(const tslm_pool_params *p, const int8_t *in_b, int8_t *out_b,
                                                     int32_t oy, int32_t ox0, int32_t ox1, int32_t lo, int32_t hi)
{
    border_max(p, in_b, out_b, oy, ox0, ox1, lo, hi, 2);
}

/* The max pool of E-byte elements (at least four bytes a pixel), the input and output as bytes; run: the unrolled
 * function of the layer's window shape (NULL: the loops for every output). */
TSLM_ALWAYS_INLINE void max_pool(const tslm_pool_params *p, const int8_t *input, int8_t *output, const int E,
                                 run_max_fn run)
{
    const tslm_pool_params q = *p; /* (the output's stores may alias *p, a copy's fields stay in registers) */
    const int32_t ch = q.channels * E, row = q.input_w * ch;
    const int32_t lo = (int32_t)(E == 1 ? (uint32_t)(uint8_t)q.act_min * 0x01010101u
                                        : (uint32_t)(uint16_t)q.act_min * 0x00010001u);
    const int32_t hi = (int32_t)(E == 1 ? (uint32_t)(uint8_t)q.act_max * 0x01010101u
                                        : (uint32_t)(uint16_t)q.act_max * 0x00010001u);
    /* the outputs whose windows lie wholly in the image: unrolled where the layer's entry names its window's shape
     * (run); the loops for every other one */
    const tslm_pool_inner r = tslm_pool_inner_of(&q, ch, run != 0);
    for (int32_t b = 0; b < q.batches; ++b) {
        const int8_t *in_b = input + b * q.input_h * row;
        int8_t *out_b = output + b * q.output_h * q.output_w * ch;
        if (r.runs > 0) {
            const int8_t *x = in_b + r.x_off;
            int8_t *out = out_b + r.out_off;
            for (int32_t k = r.runs; k > 0; --k, x += r.in_run, out += r.out_run) { /* whole words, then the last 4 */
                run(x, out, r.n, r.in_step, r.out_step, ch, row, lo, hi, ch >> 2);
                if (ch & 3) {
                    run(x + ch - 4, out + ch - 4, r.n, r.in_step, r.out_step, ch, row, lo, hi, 1);
                }
            }
        }
        void (*const border)(const tslm_pool_params *, const int8_t *, int8_t *, int32_t, int32_t, int32_t, int32_t,
                             int32_t) = E == 1 ? border_max_s8 : border_max_s16;
        for (int32_t oy = 0; oy < q.output_h; ++oy) { /* the rest: the borders, larger windows */
            if (oy >= r.y_in && oy < r.y_end) {
                if (r.x_in > 0) {
                    border(&q, in_b, out_b, oy, 0, r.x_in, lo, hi);
                }
                if (r.x_end < q.output_w) {
                    border(&q, in_b, out_b, oy, r.x_end, q.output_w, lo, hi);
                }
            } else {
                border(&q, in_b, out_b, oy, 0, q.output_w, lo, hi);
            }
        }
    }
}

/* max_pool for each element size, once (every entry of that type calls it) */
static __attribute__((noinline)) void max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output,
                                                  run_max_fn run)
{
    max_pool(p, input, output, 1, run);
}
static __attribute__((noinline)) void max_pool_s16(const tslm_pool_params *p, const int8_t *input, int8_t *output,
                                                   run_max_fn run)
{
    max_pool(p, input, output, 2, run);
}

/* int8 pixels of 1..3 channels (an RGB image's): per output pixel one word per window pixel, its ch channels and
 * the next 4 - ch bytes (other lanes, ignored), the low ch lanes of the max stored byte by byte. A window pixel
 * less than a word from the input's end is read from the input's last word, shifted down. E.g. 2x2 stride 2 over
 * 32x32x3: per output pixel 4 LDR and 5 SSUB8/SEL pairs (act_min, the pixels, act_max) for 12 values, a STRH and
 * a STRB. Its own entry (the compiler gives it those layers): a model without them links none of it. */
void tslm_dsp_max_pool_narrow_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    if (p->channels >= 4 || p->batches * p->input_h * p->input_w * p->channels < 4) {
        tslm_dsp_max_pool_s8(p, input, output); /* (an input of less than a word: the portable kernel) */
        return;
    }
    const tslm_pool_params q = *p; /* (the output's stores may alias *p, a copy's fields stay in registers) */
    const int32_t ch = q.channels, row = q.input_w * ch;
    const int8_t *const end = input + q.batches * q.input_h * row;
    const int32_t lo = (int32_t)((uint32_t)(uint8_t)q.act_min * 0x01010101u);
    const int32_t hi = (int32_t)((uint32_t)(uint8_t)q.act_max * 0x01010101u);
    int8_t *out = output;
    for (int32_t b = 0; b < q.batches; ++b) {
        const int8_t *in_b = input + b * q.input_h * row;
        for (int32_t oy = 0; oy < q.output_h; ++oy) {
            for (int32_t ox = 0; ox < q.output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(&q, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t rows = y1 - y0, cols = x1 - x0;
                const int8_t *r = in_b + y0 * row + x0 * ch;
                int32_t m = lo;
                if (r + (rows - 1) * row + (cols - 1) * ch + 4 <= end) {
#if !defined(TSLM_OPTIMIZE_SIZE)
                    if (cols == 2) { /* (2 and 3 columns, the common windows: the loads unrolled) */
                        for (int32_t y = rows; y > 0; --y, r += row) {
                            m = tslm_max_s8x4(tslm_max_s8x4(m, tslm_read32(r)), tslm_read32(r + ch));
                        }
                    } else if (cols == 3) {
                        for (int32_t y = rows; y > 0; --y, r += row) {
                            m = tslm_max_s8x4(tslm_max_s8x4(m, tslm_read32(r)), tslm_read32(r + ch));
                            m = tslm_max_s8x4(m, tslm_read32(r + 2 * ch));
                        }
                    } else
#endif
                    {
                        for (int32_t y = rows; y > 0; --y, r += row) {
                            const int8_t *px = r;
                            for (int32_t k = cols; k > 0; --k, px += ch) {
                                m = tslm_max_s8x4(m, tslm_read32(px));
                            }
                        }
                    }
                } else { /* (the input's last pixels: no read past its end) */
                    for (int32_t y = rows; y > 0; --y, r += row) {
                        const int8_t *px = r;
                        for (int32_t k = cols; k > 0; --k, px += ch) {
                            const int32_t w = px + 4 <= end ? tslm_read32(px)
                                                            : tslm_read32(end - 4) >> (8 * (px - (end - 4)));
                            m = tslm_max_s8x4(m, w);
                        }
                    }
                }
                m = tslm_min_s8x4(m, hi);
                if (ch == 1) {
                    out[0] = (int8_t)m;
                } else { /* two bytes (one STRH), then the third */
                    const int16_t lo2 = (int16_t)m;
                    memcpy(out, &lo2, 2);
                    if (ch > 2) {
                        out[2] = (int8_t)(m >> 16);
                    }
                }
            }
        }
    }
}

void tslm_dsp_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    if (p->channels < 4) {
        tslm_max_pool_s8(p, input, output); /* the portable kernel (the compiler gives those to the narrow entry) */
        return;
    }
    max_pool_s8(p, input, output, 0);
}

void tslm_dsp_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output)
{
    if (p->channels < 2) {
        tslm_max_pool_s16(p, input, output); /* the portable kernel */
        return;
    }
    max_pool_s16(p, (const int8_t *)input, (int8_t *)output, 0);
}

/* The entries of the windows of R by C (1..3 each) and at least a word a pixel: run_max for that shape (E-byte
 * elements, T: s8, s16, CT: the C type), one function each with and without the clamp (its own registers); a
 * model links only those of its layers' shapes. Anything else goes to the layer's generic entry, and so does
 * everything in the size build. */
#if !defined(TSLM_OPTIMIZE_SIZE)
#define TSLM_POOL_ENTRY(T, CT, E, R, C)                                                                        \
    static void run_max_##T##_##R##x##C(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep,               \
                                        int32_t out_step, int32_t ch, int32_t row, int32_t lo, int32_t hi,     \
                                        int32_t words)                                                         \
    {                                                                                                          \
        const int full = lo == (E == 1 ? (int32_t)0x80808080 : (int32_t)0x80008000) &&                         \
                         hi == (E == 1 ? 0x7F7F7F7F : 0x7FFF7FFF);                                             \
        if ((C) == 3 && xstep == 2 * ch && nx > 1) { /* 3 columns at stride 2: the shared columns kept */      \
            if (full) {                                                                                        \
                run_max_slide3(x, out, nx, out_step, ch, row, lo, hi, words, R, 0, E);                         \
            } else {                                                                                           \
                run_max_slide3(x, out, nx, out_step, ch, row, lo, hi, words, R, 1, E);                         \
            }                                                                                                  \
        } else if (full) {                                                                                     \
            run_max(x, out, nx, xstep, out_step, R, C, ch, row, lo, hi, words, R, C, 0, E);                    \
        } else {                                                                                               \
            run_max(x, out, nx, xstep, out_step, R, C, ch, row, lo, hi, words, R, C, 1, E);                    \
        }                                                                                                      \
    }                                                                                                          \
    void tslm_dsp_max_pool_##R##x##C##_##T(const tslm_pool_params *p, const CT *input, CT *output)             \
    {                                                                                                          \
        if (p->filter_h != (R) || p->filter_w != (C) || p->channels * (E) < 4) {                               \
            tslm_dsp_max_pool_##T(p, input, output);                                                           \
            return;                                                                                            \
        }                                                                                                      \
        max_pool_##T(p, (const int8_t *)input, (int8_t *)output, run_max_##T##_##R##x##C);                    \
    }
#else
#define TSLM_POOL_ENTRY(T, CT, E, R, C)                                                                        \
    void tslm_dsp_max_pool_##R##x##C##_##T(const tslm_pool_params *p, const CT *input, CT *output)             \
    {                                                                                                          \
        tslm_dsp_max_pool_##T(p, input, output);                                                               \
    }
#endif
#define TSLM_POOL_ENTRIES(T, CT, E)                                                                            \
    TSLM_POOL_ENTRY(T, CT, E, 1, 1) TSLM_POOL_ENTRY(T, CT, E, 1, 2) TSLM_POOL_ENTRY(T, CT, E, 1, 3)           \
    TSLM_POOL_ENTRY(T, CT, E, 2, 1) TSLM_POOL_ENTRY(T, CT, E, 2, 2) TSLM_POOL_ENTRY(T, CT, E, 2, 3)           \
    TSLM_POOL_ENTRY(T, CT, E, 3, 1) TSLM_POOL_ENTRY(T, CT, E, 3, 2) TSLM_POOL_ENTRY(T, CT, E, 3, 3)
TSLM_POOL_ENTRIES(s8, int8_t, 1)
TSLM_POOL_ENTRIES(s16, int16_t, 2)
#undef TSLM_POOL_ENTRIES
#undef TSLM_POOL_ENTRY
