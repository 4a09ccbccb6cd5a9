/*
 * tslm_mve_pooling.c - AVERAGE_POOL_2D (int8) and MAX_POOL_2D (int8, int16) with Helium; each part below says
 * how. AVERAGE_POOL_2D, tslm_mve_avg_pool_s8: eight channels at a time, the window's
 * in-image values loaded widened to int16 (VLDRB.S16) and summed in int16 lanes, exact while the
 * window holds at most 256 values (|sum| <= 128 * 256 = 2^15); then per channel TFLM's division
 * rounding half away from zero and the clamp, in scalar code. Larger windows take the portable kernel.
 */
#include "tslm_mve_pooling.h"
#include "tslm_mve.h"

void tslm_mve_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    if (p->filter_h * p->filter_w > 256) {
        tslm_avg_pool_s8(p, input, output); /* the portable kernel */
        return;
    }
    const int32_t ch = p->channels, row = p->input_w * ch;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0), span = (x1 - x0) * ch;
                for (int32_t c = 0; c < ch; c += 8) {
                    const mve_pred16_t p16 = vctp16q((uint32_t)(ch - c));
                    int16x8_t acc = vdupq_n_s16(0);
                    for (int32_t y = y0; y < y1; ++y) {
                        const int8_t *px = in_b + y * row + x0 * ch + c;
                        for (const int8_t *end = px + span; px < end; px += ch) {
                            acc = vaddq_s16(acc, vldrbq_z_s16(px, p16));
                        }
                    }
                    int16_t sums[8];
                    vst1q_s16(sums, acc);
                    const int32_t n = ch - c < 8 ? ch - c : 8;
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
 * AVERAGE_POOL_2D (int8) with Helium, the division vectorized too: tslm_mve_avg_pool_small_s8, for windows of at
 * most 256 pixels and more than one output pixel (the compiler's choice; a global pool's 64 divisions are little
 * beside its sums, it keeps tslm_mve_avg_pool_s8). Eight channels at a time are summed in int16 lanes as there;
 * then, widened to int32, TFLM's (v +- count / 2) / count (rounding half away from zero, C's truncation) is
 * sign(v) * floor((|v| + count / 2) / count), and the floor a multiply-high: floor(n / d) = (n * m) >> 32 with
 * m = floor((2^32 - 1) / d) + 1 is exact for n < 2^32 / d^2 (here n <= 2^15 + 128, d <= 256: 2^32 / d^2 >= 2^16),
 * VMULH.U32; then VMIN/VMAX with the activation's range and a store of the low bytes. E.g. 3x3 stride 3 over
 * 30x30x8: per output pixel nine VLDRB/VADD pairs and about fifteen instructions for the eight averages.
 */
void tslm_mve_avg_pool_small_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    if (p->filter_h * p->filter_w > 256) {
        tslm_mve_avg_pool_s8(p, input, output);
        return;
    }
    const tslm_pool_params q = *p; /* (the output's stores may alias *p, a copy's fields stay in registers) */
    const int32_t ch = q.channels, row = q.input_w * ch;
    const int16x8_t lo = vdupq_n_s16((int16_t)q.act_min), hi = vdupq_n_s16((int16_t)q.act_max);
    int8_t *out = output;
    for (int32_t b = 0; b < q.batches; ++b) {
        const int8_t *in_b = input + b * q.input_h * row;
        for (int32_t oy = 0; oy < q.output_h; ++oy) {
            for (int32_t ox = 0; ox < q.output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(&q, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0), span = (x1 - x0) * ch;
                /* (an empty window, which the compiler never gives: the portable kernel's 0) */
                const uint32_t m = count > 1 ? 0xFFFFFFFFu / (uint32_t)count + 1 : 0;
                const int32x4_t half = vdupq_n_s32(count / 2);
                for (int32_t c = 0; c < ch; c += 8) {
                    const mve_pred16_t p16 = vctp16q((uint32_t)(ch - c));
                    int16x8_t acc = vdupq_n_s16(0);
                    for (int32_t y = y0; y < y1; ++y) {
                        const int8_t *px = in_b + y * row + x0 * ch + c;
                        for (const int8_t *end = px + span; px < end; px += ch) {
                            acc = vaddq_s16(acc, vldrbq_z_s16(px, p16));
                        }
                    }
                    /* the even lanes, then the odd ones, as int32: sign(v) * floor((|v| + half) / count) */
                    int32x4_t v[2] = {vmovlbq_s16(acc), vmovltq_s16(acc)};
                    for (int k = 0; k < 2; ++k) {
                        const int32x4_t n = vaddq_s32(vabsq_s32(v[k]), half);
                        const int32x4_t f = count > 1 ? vreinterpretq_s32_u32(vmulhq_u32(vreinterpretq_u32_s32(n),
                                                                                         vdupq_n_u32(m)))
                                                      : n;
                        v[k] = vpselq_s32(vnegq_s32(f), f, vcmpltq_n_s32(v[k], 0));
                    }
                    int16x8_t r = vmovntq_s32(vmovnbq_s32(vdupq_n_s16(0), v[0]), v[1]);
                    r = vminq_s16(vmaxq_s16(r, lo), hi);
                    vstrbq_p_s16(out + c, r, p16);
                }
            }
        }
    }
}

/*
 * MAX_POOL_2D (int8) with Helium: sixteen channels at a time, VMAX.S8 over the window's in-image
 * pixels, the last block's lanes past the channels predicated off (VCTP8). The running max starts
 * at act_min in every lane (max(-128, window) clamped below at act_min is max(act_min, window)), then
 * a VMIN with act_max. As in tslm_dsp_max_pool_s8, the outputs whose windows lie wholly in the image
 * take, for windows of 1..3 by 1..3, one function and entry per shape (tslm_mve_max_pool_3x3_s8, ...) with the
 * loads unrolled (e.g. 2x2 stride 2
 * over 32x32x8: per output pixel four VLDRB/VMAX pairs, one VMIN, one VSTRB); the borders (each window
 * clipped as tslm_pool_window clips it), larger windows and the size build loop over the window.
 */

/* 16 channels from x: the lanes of p (zero elsewhere), or with FULL all 16 (no VPST) */
TSLM_ALWAYS_INLINE int8x16_t load_block(const int8_t *x, mve_pred16_t p, const int FULL)
{
    return FULL ? vld1q_s8(x) : vldrbq_z_s8(x, p);
}

/* One block of up to 16 channels (the predicate p8; FULL: all 16) of one output pixel: the max over a window of `rows` rows
 * (`row` bytes apart) by `cols` columns (`ch` bytes apart) from x. R, C: rows and cols as constants 1..3 (the
 * loads unrolled), or 0 (loops). */
TSLM_ALWAYS_INLINE void block_max_mve(const int8_t *x, int8_t *out, int32_t rows, int32_t cols, int32_t ch,
                                      int32_t row, int8x16_t lo, int8x16_t hi, mve_pred16_t p8, const int R,
                                      const int C, const int FULL)
{
    int8x16_t m = lo;
    if (R == 0 || C == 0) {
        for (int32_t y = rows; y > 0; --y, x += row) {
            const int8_t *px = x;
            for (int32_t k = cols; k > 0; --k, px += ch) {
                m = vmaxq_s8(m, load_block(px, p8, FULL));
            }
        }
    } else {
#define TSLM_POOL_ROW(Y)                                                        \
    if (R > (Y)) {                                                              \
        m = vmaxq_s8(m, load_block(x, p8, FULL));                                    \
        if (C > 1) {                                                            \
            m = vmaxq_s8(m, load_block(x + ch, p8, FULL));                           \
        }                                                                       \
        if (C > 2) {                                                            \
            m = vmaxq_s8(m, load_block(x + 2 * ch, p8, FULL));                       \
        }                                                                       \
        x += row;                                                               \
    }
        TSLM_POOL_ROW(0)
        TSLM_POOL_ROW(1)
        TSLM_POOL_ROW(2)
#undef TSLM_POOL_ROW
    }
    if (FULL) {
        vst1q_s8(out, vminq_s8(m, hi));
    } else {
        vstrbq_p_s8(out, vminq_s8(m, hi), p8);
    }
}

/* nx output pixels (their windows `xstep` input bytes apart, the pixels out_step apart in out), each `blocks`
 * blocks of 16 channels (the lanes of p8) by block_max_mve. */
TSLM_ALWAYS_INLINE void run_max_mve(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep, int32_t out_step,
                                    int32_t rows, int32_t cols, int32_t ch, int32_t row, int8x16_t lo, int8x16_t hi,
                                    int32_t blocks, mve_pred16_t p8, const int R, const int C, const int FULL)
{
    if (blocks == 1) { /* (at most 16 channels, or the last block's: no loop over blocks) */
        for (; nx > 0; --nx, x += xstep, out += out_step) {
            block_max_mve(x, out, rows, cols, ch, row, lo, hi, p8, R, C, FULL);
        }
        return;
    }
    for (; nx > 0; --nx, x += xstep, out += out_step) {
        const int8_t *r = x;
        for (int8_t *o = out, *end = out + 16 * blocks; o < end; r += 16, o += 16) {
            block_max_mve(r, o, rows, cols, ch, row, lo, hi, p8, R, C, FULL);
        }
    }
}

/* run_max_mve over the channels of each pixel: the whole blocks of 16, then the last one's ch % 16 lanes. */
TSLM_ALWAYS_INLINE void run_channels_mve(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep, int32_t out_step,
                                         int32_t rows, int32_t cols, int32_t ch, int32_t row, int8x16_t lo,
                                         int8x16_t hi, const int R, const int C)
{
    if (ch >= 16) {
        run_max_mve(x, out, nx, xstep, out_step, rows, cols, ch, row, lo, hi, ch >> 4, (mve_pred16_t)0xFFFF, R, C, 1);
    }
    if (ch & 15) {
        const int32_t c = ch & ~15;
        run_max_mve(x + c, out + c, nx, xstep, out_step, rows, cols, ch, row, lo, hi, 1, vctp8q((uint32_t)(ch & 15)),
                    R, C, 0);
    }
}

typedef void (*run_max_fn)(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep, int32_t out_step, int32_t ch,
                           int32_t row, int8x16_t lo, int8x16_t hi);

/* Outputs (oy, ox0..ox1) of one batch: each window clipped to the image, the loops. */
static __attribute__((noinline)) void border_max_mve(const tslm_pool_params *p, const int8_t *in_b, int8_t *out_b,
                                                     int32_t oy, int32_t ox0, int32_t ox1, int8x16_t lo,
                                                     int8x16_t hi)
{
    const int32_t ch = p->channels, row = p->input_w * ch;
    for (int32_t ox = ox0; ox < ox1; ++ox) {
        int32_t y0, y1, x0, x1;
        tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
        run_channels_mve(in_b + y0 * row + x0 * ch, out_b + (oy * p->output_w + ox) * ch, 1, 0, 0, y1 - y0, x1 - x0,
                         ch, row, lo, hi, 0, 0);
    }
}

/* The max pool; run: the unrolled function of the layer's window shape (NULL: the loops for every output). Once:
 * every entry calls it. */
static __attribute__((noinline)) void max_pool_mve(const tslm_pool_params *p, const int8_t *input, int8_t *output, run_max_fn run)
{
    const tslm_pool_params q = *p; /* (the output's stores may alias *p, a copy's fields stay in registers) */
    const int32_t ch = q.channels, row = q.input_w * ch;
    const int8x16_t lo = vdupq_n_s8((int8_t)q.act_min), hi = vdupq_n_s8((int8_t)q.act_max);
    /* the outputs whose windows lie wholly in the image: unrolled where the layer's entry names its window's shape
     * (run); the loops for every other one */
    const tslm_pool_inner r = tslm_pool_inner_of(&q, ch, run != 0);
    for (int32_t b = 0; b < q.batches; ++b) {
        const int8_t *in_b = input + b * q.input_h * row;
        int8_t *out_b = output + b * q.output_h * q.output_w * ch;
        if (r.runs > 0) {
            const int8_t *x = in_b + r.x_off;
            int8_t *out = out_b + r.out_off;
            for (int32_t k = r.runs; k > 0; --k, x += r.in_run, out += r.out_run) {
                run(x, out, r.n, r.in_step, r.out_step, ch, row, lo, hi);
            }
        }
        for (int32_t oy = 0; oy < q.output_h; ++oy) { /* the rest: the borders, larger windows */
            if (oy >= r.y_in && oy < r.y_end) {
                if (r.x_in > 0) {
                    border_max_mve(&q, in_b, out_b, oy, 0, r.x_in, lo, hi);
                }
                if (r.x_end < q.output_w) {
                    border_max_mve(&q, in_b, out_b, oy, r.x_end, q.output_w, lo, hi);
                }
            } else {
                border_max_mve(&q, in_b, out_b, oy, 0, q.output_w, lo, hi);
            }
        }
    }
}

void tslm_mve_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    max_pool_mve(p, input, output, 0);
}

/* The entries of the windows of R by C (1..3 each): run_channels_mve for that shape, one function each (its own
 * registers); a model links only those of its layers' shapes. Another shape goes to tslm_mve_max_pool_s8, and so
 * does everything in the size build. */
#if !defined(TSLM_OPTIMIZE_SIZE)
#define TSLM_POOL_ENTRY(R, C)                                                                                  \
    static void run_max_mve_##R##x##C(const int8_t *x, int8_t *out, int32_t nx, int32_t xstep, int32_t out_step, \
                                      int32_t ch, int32_t row, int8x16_t lo, int8x16_t hi)                     \
    {                                                                                                          \
        run_channels_mve(x, out, nx, xstep, out_step, R, C, ch, row, lo, hi, R, C);                            \
    }                                                                                                          \
    void tslm_mve_max_pool_##R##x##C##_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)      \
    {                                                                                                          \
        max_pool_mve(p, input, output, p->filter_h == (R) && p->filter_w == (C) ? run_max_mve_##R##x##C : 0);  \
    }
#else
#define TSLM_POOL_ENTRY(R, C)                                                                                  \
    void tslm_mve_max_pool_##R##x##C##_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)      \
    {                                                                                                          \
        tslm_mve_max_pool_s8(p, input, output);                                                                \
    }
#endif
TSLM_POOL_ENTRY(1, 1) TSLM_POOL_ENTRY(1, 2) TSLM_POOL_ENTRY(1, 3)
TSLM_POOL_ENTRY(2, 1) TSLM_POOL_ENTRY(2, 2) TSLM_POOL_ENTRY(2, 3)
TSLM_POOL_ENTRY(3, 1) TSLM_POOL_ENTRY(3, 2) TSLM_POOL_ENTRY(3, 3)
#undef TSLM_POOL_ENTRY

/*
 * MAX_POOL_2D (int16) with Helium: eight channels at a time, VMAX.S16 over the window's in-image pixels
 * (tslm_pool_window), the last block's lanes past the channels predicated off (VCTP16); the running max
 * starts at act_min, then a VMIN with act_max, as for int8. The window is looped over (no unrolled shapes).
 */
void tslm_mve_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output)
{
    const tslm_pool_params q = *p; /* (the output's stores may alias *p, a copy's fields stay in registers) */
    const int32_t ch = q.channels, row = q.input_w * ch;
    const int16x8_t lo = vdupq_n_s16((int16_t)q.act_min), hi = vdupq_n_s16((int16_t)q.act_max);
    int16_t *out = output;
    for (int32_t b = 0; b < q.batches; ++b) {
        const int16_t *in_b = input + b * q.input_h * row;
        for (int32_t oy = 0; oy < q.output_h; ++oy) {
            for (int32_t ox = 0; ox < q.output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(&q, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t span = (x1 - x0) * ch;
                for (int32_t c = 0; c < ch; c += 8) {
                    const mve_pred16_t p16 = vctp16q((uint32_t)(ch - c));
                    int16x8_t m = lo;
                    for (int32_t y = y0; y < y1; ++y) {
                        const int16_t *px = in_b + y * row + x0 * ch + c;
                        for (const int16_t *end = px + span; px < end; px += ch) {
                            m = vmaxq_s16(m, vldrhq_z_s16(px, p16));
                        }
                    }
                    vstrhq_p_s16(out + c, vminq_s16(m, hi), p16);
                }
            }
        }
    }
}
