/*
 * tslm_mve_conv.c - CONV_2D (int8, groups 1) with Helium. Each output pixel's patch is one row
 * of filter_h * filter_w * input_c int8: read where it lies in the input when that is one
 * contiguous run (1x1, and K x 1 over a width-1 input), otherwise copied to scratch (im2col)
 * with the taps outside the image set to the input zero point. The row then meets every output
 * channel's weights (the model's layout, output_c x patch) four channels at a time, 16 MACs per
 * VMLADAVA.S8 (tslm_mve.h). With the input offset folded into the bias (bias_folded), a tap
 * outside the image holding the zero point z contributes w * z = -input_offset * w, exactly what
 * the folded bias must lose for it; without folding the row sums are taken on the fly.
 * With constant weights the compiler hands over its layout (tslm_mve.h: groups of four channels
 * interleaved by 16 bytes, records of folded bias, multipliers and right shifts in `requant`)
 * and the row meets it in assembly, requantization included. Grouped convolutions take the
 * portable kernel.
 */
#include <stddef.h>

#include "tslm_mve_conv.h"
#include "tslm_mve.h"
#include "tslm_mve_fully_connected.h"

/* The patch of output pixel (y0, x0) (top-left tap) as one row: in place in the input, or in col. */
static const int8_t *patch(const tslm_conv_params *p, const int8_t *in_b, int32_t y0, int32_t x0, int8_t *col)
{
    const int32_t ic = p->input_c, fh = p->filter_h, fw = p->filter_w;
    const int32_t y_last = y0 + p->dilation_h * (fh - 1), x_last = x0 + p->dilation_w * (fw - 1);
    const int inside = y0 >= 0 && x0 >= 0 && y_last < p->input_h && x_last < p->input_w;
    if (inside && (fw == 1 || p->dilation_w == 1)) {
        if (fh == 1 || (x0 == 0 && fw == p->input_w && p->dilation_h == 1)) {
            return in_b + (y0 * p->input_w + x0) * ic;
        }
    }
    const int8_t zp = (int8_t)-p->input_offset;
    const int32_t row_len = fw * ic, row_step = p->dilation_h * p->input_w * ic;
    int8_t *dst = col;
    if (p->dilation_w == 1) { /* per row, taps [lo, hi) in the image: one run, the same for every row */
        const int32_t lo = x0 < 0 ? (-x0 < fw ? -x0 : fw) : 0;
        int32_t hi = p->input_w - x0 < fw ? p->input_w - x0 : fw;
        hi = hi < lo ? lo : hi;
        const int32_t pre = lo * ic, run = (hi - lo) * ic, post = (fw - hi) * ic;
        const int8_t *src = in_b + (y0 * p->input_w + x0 + lo) * ic;
        if (row_len <= 16) { /* short rows (few input channels): one predicated copy per row */
            const mve_pred16_t whole = vctp8q((uint32_t)row_len), part = vctp8q((uint32_t)run);
            const int8x16_t zv = vdupq_n_s8(zp);
            for (int32_t fy = 0, iy = y0; fy < fh; ++fy, iy += p->dilation_h, src += row_step, dst += row_len) {
                if (iy < 0 || iy >= p->input_h || run == 0) {
                    vstrbq_p_s8(dst, zv, whole);
                    continue;
                }
                if (pre > 0 || post > 0) {
                    vstrbq_p_s8(dst, zv, whole);
                }
                vstrbq_p_s8(dst + pre, vldrbq_z_s8(src, part), part);
            }
            return col;
        }
        for (int32_t fy = 0, iy = y0; fy < fh; ++fy, iy += p->dilation_h, src += row_step, dst += row_len) {
            if (iy < 0 || iy >= p->input_h) {
                tslm_mve_fill(dst, zp, row_len);
                continue;
            }
            if (pre > 0) {
                tslm_mve_fill(dst, zp, pre);
            }
            tslm_mve_copy(dst + pre, src, run);
            if (post > 0) {
                tslm_mve_fill(dst + pre + run, zp, post);
            }
        }
        return col;
    }
    for (int32_t fy = 0; fy < fh; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        if (iy < 0 || iy >= p->input_h) {
            tslm_mve_fill(dst, zp, row_len);
            dst += row_len;
            continue;
        }
        const int8_t *row = in_b + iy * p->input_w * ic;
        for (int32_t fx = 0; fx < fw; ++fx, dst += ic) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (ix < 0 || ix >= p->input_w) {
                tslm_mve_fill(dst, zp, ic);
            } else {
                tslm_mve_copy(dst, row + ix * ic, ic);
            }
        }
    }
    return col;
}

TSLM_ALWAYS_INLINE void pixels(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                               const tslm_mve_epilogue *e, int8_t *output, int8_t *col, const int with_offset)
{
    const int32_t depth = p->filter_h * p->filter_w * p->filter_c;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += p->output_c) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int8_t *x = patch(p, in_b, y0, x0, col);
                if (p->in_place) { /* the outputs overwrite this pixel while it is read: keep a copy */
                    tslm_mve_copy(col, x, p->input_c);
                    x = col;
                }
                tslm_mve_rows_impl(x, weights, depth, p->output_c, e, out, with_offset);
            }
        }
    }
}

static void pixels_folded(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                          const tslm_mve_epilogue *e, int8_t *output, int8_t *col)
{
    pixels(p, input, weights, e, output, col, 0);
}

static void pixels_offset(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                          const tslm_mve_epilogue *e, int8_t *output, int8_t *col)
{
    pixels(p, input, weights, e, output, col, 1);
}

/* The output pixels in order, their coordinates carried from one to the next (no division per pixel). */
typedef struct {
    int32_t b, oy, ox;
} pixel_at;

/* The patch of the pixel at *at (buf: where to build or copy it when it cannot be read in place); *at moves on.
 * direct: every patch is its pixel's input channels where they lie (1x1 without padding); short: a filter row is
 * at most 16 bytes and undilated, so a patch inside the image is one predicated copy per filter row (an image
 * CNN's stem: 3x3 over three channels, 9-byte rows), the others built by patch(). */
TSLM_ALWAYS_INLINE const int8_t *next_patch(const tslm_conv_params *p, const int8_t *input, pixel_at *at,
                                            int8_t *buf, const int direct, const int short_rows)
{
    const int8_t *in_b = input + at->b * p->input_h * p->input_w * p->input_c;
    const int32_t y0 = at->oy * p->stride_h - p->pad_h, x0 = at->ox * p->stride_w - p->pad_w;
    const int8_t *x;
    if (direct) {
        x = in_b + (y0 * p->input_w + x0) * p->input_c;
    } else if (short_rows && y0 >= 0 && x0 >= 0 && y0 + p->dilation_h * (p->filter_h - 1) < p->input_h &&
               x0 + p->filter_w <= p->input_w) {
        const int32_t row_len = p->filter_w * p->input_c, row_step = p->dilation_h * p->input_w * p->input_c;
        const mve_pred16_t whole = vctp8q((uint32_t)row_len);
        const int8_t *src = in_b + (y0 * p->input_w + x0) * p->input_c;
        int8_t *dst = buf;
        for (int32_t fy = 0; fy < p->filter_h; ++fy, src += row_step, dst += row_len) {
            vstrbq_p_s8(dst, vldrbq_z_s8(src, whole), whole);
        }
        x = buf;
    } else {
        x = patch(p, in_b, y0, x0, buf);
    }
    if (p->in_place && x != buf) { /* the outputs overwrite this pixel while it is read: keep a copy */
        tslm_mve_copy(buf, x, p->input_c);
        x = buf;
    }
    if (++at->ox == p->output_w) {
        at->ox = 0;
        if (++at->oy == p->output_h) {
            at->oy = 0;
            ++at->b;
        }
    }
    return x;
}

/* The compiler's layout (tslm_mve.h): weights in groups of four channels, records with the bias; two
 * pixels at a time, each weight load serving both (scratch: two patches). The patch's kind (next_patch) is a
 * test per pixel, so the GEMM routine is inlined once (a copy per kind cost ~5 KB). */
static void pixels_records(const tslm_conv_params *p, const int8_t *input, const int8_t *weights, int8_t *output,
                           int8_t *col)
{
    const int32_t depth = p->filter_h * p->filter_w * p->filter_c, oc = p->output_c;
    const int32_t n = p->batches * p->output_h * p->output_w;
    const int direct = p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0;
    const int short_rows = !direct && p->filter_w * p->input_c <= 16 && p->dilation_w == 1;
    const tslm_mve_clamp c = {vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max), p->output_offset};
    pixel_at at = {0, 0, 0};
    int32_t i = 0;
    /* 1x1 at stride 1, not in place: pixel i's patch is input + i * depth */
    const int in_order = direct && p->stride_h == 1 && p->stride_w == 1 && !p->in_place;
    for (; i + 2 <= n; i += 2) {
        const int8_t *x0 = in_order ? input + i * depth : next_patch(p, input, &at, col, direct, short_rows);
        const int8_t *x1 = in_order ? x0 + depth : next_patch(p, input, &at, col + depth, direct, short_rows);
        tslm_mve_row2_groups(x0, x1, depth, weights, p->requant, oc, &c, output + i * oc, output + (i + 1) * oc);
    }
    if (i < n) {
        const int8_t *x = in_order ? input + i * depth : next_patch(p, input, &at, col, direct, short_rows);
        tslm_mve_row_groups(x, depth, weights, p->requant, oc, &c, output + i * oc);
    }
}

void tslm_mve_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->filter_c != p->input_c) {
        tslm_conv_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    if (p->requant != NULL) {
        pixels_records(p, input, weights, output, (int8_t *)(void *)scratch);
        return;
    }
    const int with_offset = !p->bias_folded && p->input_offset != 0;
    const tslm_mve_epilogue e = {bias, p->multiplier, p->shift, 1, tslm_mve_right_only(p->shift, p->output_c),
                                 with_offset ? p->input_offset : 0, p->output_offset, p->act_min, p->act_max};
    int8_t *col = (int8_t *)(void *)scratch;
    if (!with_offset && !p->in_place && p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0) {
        /* every pixel is its own patch: the loop over pixels inside the loop over channel groups */
        const int32_t ic = p->input_c;
        const tslm_mve_pixels px = {p->batches, p->output_h, p->output_w, p->input_h * p->input_w * ic,
                                    p->stride_h * p->input_w * ic, p->stride_w * ic};
        tslm_mve_gemm_impl(input, &px, weights, ic, p->output_c, &e, output);
        return;
    }
    if (with_offset) {
        pixels_offset(p, input, weights, &e, output, col);
    } else {
        pixels_folded(p, input, weights, &e, output, col);
    }
}

/* Whether some output pixel's patch is not one contiguous run of the input (so it goes through im2col). */
static int needs_im2col(const tslm_conv_params *p)
{
    for (int32_t oy = 0; oy < p->output_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        for (int32_t ox = 0; ox < p->output_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            const int inside = y0 >= 0 && x0 >= 0 && y0 + p->dilation_h * (p->filter_h - 1) < p->input_h &&
                               x0 + p->dilation_w * (p->filter_w - 1) < p->input_w;
            const int direct = inside && (p->filter_w == 1 || p->dilation_w == 1) &&
                               (p->filter_h == 1 || (x0 == 0 && p->filter_w == p->input_w && p->dilation_h == 1));
            if (!direct) {
                return 1;
            }
        }
    }
    return 0;
}

int32_t tslm_mve_conv_s8_get_buffer_size(const tslm_conv_params *p)
{
    if (p->filter_c != p->input_c) {
        return tslm_conv_s8_get_buffer_size(p);
    }
    const int32_t pixels = p->requant != NULL ? 2 : 1; /* the layout path takes two pixels at a time */
    const int32_t k = p->filter_h * p->filter_w * p->filter_c;
    return (needs_im2col(p) ? pixels * k : 0) + (p->in_place ? pixels * p->input_c : 0);
}

/*
 * Short patches (K = filter_h * filter_w * input_c <= 32: an image CNN's first layers, the stem's 3x3 over three
 * channels and 1x1s over few channels), a separate entry that the compiler routes with its own layout. On the
 * general path such a patch costs a loop of one or two 16-byte steps per group of four channels, the pointers and
 * counters around it spilled; here two pixels' patches stay in vector registers (one or two each, loaded
 * predicated) while the loop runs over every group of four output channels, all in one assembly routine.
 * Layout (the stream in `requant`, int32 words): per group, the weights of its channels 0, 2, 1, 3 (each 16 or 32
 * bytes: K zero-padded), then the four channels' folded bias, multipliers, right shifts; channels past output_c
 * zero. Per group and pair of pixels: 4 (K <= 16) or 8 weight loads, 8 or 16 VMLADAV(A), four VMOVs of two sums
 * into the two pixels' vectors and one requantization of each (the rounding fix of negative values left out when
 * act_min >= the output zero point: every negative value ends at act_min either way).
 * Patches: 1x1 unpadded convolutions read the input where it lies (the registers hold both pixels before their
 * outputs are stored, so in place needs no copy); the others are built in scratch for up to TSLM_SHORT_BATCH
 * pixels at a time, one after the other: with filter rows of at most 16 bytes (undilated across), a run of
 * patches inside the image one predicated copy per row (short_copy_rows), one over the border the zero point and
 * then the part inside per row (short_edge); longer rows through next_patch.
 * Per pair of pixels the routine's loop costs ~20 instructions; per group and pair the body 34 (K <= 16) or 47
 * (K <= 32) without the fix, 40 or 54 with it (instructions as QEMU counts them).
 */
#define TSLM_SHORT_BATCH 32

typedef struct {
    const int8_t *x;      /*  0: the first pair's first patch */
    int32_t x1off;        /*  4: the second patch's offset from the first (0: one pixel) */
    int32_t pairs;        /*  8 (the pairs are 2 * x1off apart) */
    int8_t *out;          /* 12: the first pair's first pixel's outputs */
    int32_t o1off;        /* 16: the second pixel's outputs' offset (0: one pixel) */
    int32_t ostep;        /* 20: from the last full group's outputs of a pair's first pixel to the next pair's */
    const int32_t *stream; /* 24 */
    int32_t groups;       /* 28: full groups of four output channels */
    int32_t tail;         /* 32: output channels past them (0..3) */
    int32_t klast;        /* 36: bytes of the last 16-byte step of a patch (1..16) */
    int32_t zp;           /* 40 */
    int32_t lo[4], hi[4]; /* 44, 60 */
} short_job;
/* (the assembly's offsets) */
typedef char short_job_offsets[offsetof(short_job, pairs) == 8 && offsetof(short_job, stream) == 24 &&
                                       offsetof(short_job, zp) == 40 && offsetof(short_job, lo) == 44 &&
                                       offsetof(short_job, hi) == 60
                                   ? 1
                                   : -1];

/* The pair loop around a group body (r8 job, r9 first patch, r11 the second's offset, r10 pairs left, r3/r5 the two
 * pixels' output pointers, r12 the second's offset, r1 the stream, lr groups; sums in r0, r2, r4, r6; r7 zero
 * point). LOAD: the two patches into vector registers (r0: the second patch); STORE_T: the partial group's
 * predicated stores. The next pair's patches are 2 * x1off on, its outputs ostep past the last full group's. */
#define TSLM_SHORT_ROUTINE(SETUP, LOAD, BODY, STORE, STORE_T)                                                          \
    "push {r4-r11, lr}\n\t"                                                                                            \
    "vpush {d8-d15}\n\t"                                                                                               \
    "mov r8, r0\n\t" SETUP                                                                                             \
    "ldr r9, [r8, #0]\n\t"                                                                                             \
    "ldr r11, [r8, #4]\n\t"                                                                                            \
    "ldr r10, [r8, #8]\n\t"                                                                                            \
    "ldr r3, [r8, #12]\n\t"                                                                                            \
    "ldr r12, [r8, #16]\n\t"                                                                                           \
    "ldr r7, [r8, #40]\n\t"                                                                                            \
    "cmp r10, #0\n\t"                                                                                                  \
    "beq 9f\n"                                                                                                         \
    "8:\n\t"                                                                                                           \
    "add r0, r9, r11\n\t" LOAD                                                                                         \
    "add r5, r3, r12\n\t"                                                                                              \
    "ldr r1, [r8, #24]\n\t"                                                                                            \
    "ldr r2, [r8, #28]\n\t"                                                                                            \
    "wls lr, r2, 2f\n"                                                                                                 \
    "1:\n\t" BODY STORE                                                                                                \
    "le lr, 1b\n"                                                                                                      \
    "2:\n\t"                                                                                                           \
    "ldr r2, [r8, #32]\n\t"                                                                                            \
    "cmp r2, #0\n\t"                                                                                                   \
    "beq 3f\n\t" BODY                                                                                                  \
    "ldr r2, [r8, #32]\n\t"                                                                                            \
    "vctp.32 r2\n\t" STORE_T                                                                                           \
    "3:\n\t"                                                                                                           \
    "add r9, r9, r11, lsl #1\n\t"                                                                                      \
    "ldr r2, [r8, #20]\n\t"                                                                                            \
    "add r3, r2\n\t"                                                                                                   \
    "subs r10, #1\n\t"                                                                                                 \
    "bne 8b\n"                                                                                                         \
    "9:\n\t"                                                                                                           \
    "vpop {d8-d15}\n\t"                                                                                                \
    "pop {r4-r11, pc}\n\t"

/* One channel pair's sums of both pixels: K <= 16 (x0 q0, x1 q1, weights q2). */
#define TSLM_SHORT_MAC16(R0, R1)                                                                                       \
    "vldrb.8 q2, [r1], #16\n\t"                                                                                        \
    "vmladav.s8 " R0 ", q0, q2\n\t"                                                                                    \
    "vmladav.s8 " R1 ", q1, q2\n\t"
/* K <= 32: x0 q0 q1, x1 q2 q3, weights q4. */
#define TSLM_SHORT_MAC32(R0, R1)                                                                                       \
    "vldrb.8 q4, [r1], #16\n\t"                                                                                        \
    "vmladav.s8 " R0 ", q0, q4\n\t"                                                                                    \
    "vmladav.s8 " R1 ", q2, q4\n\t"                                                                                    \
    "vldrb.8 q4, [r1], #16\n\t"                                                                                        \
    "vmladava.s8 " R0 ", q1, q4\n\t"                                                                                   \
    "vmladava.s8 " R1 ", q3, q4\n\t"

/* The sums of channels 0, 2, 1, 3 (stream order) into lanes 0..3 of A (first pixel) and B, then the records
 * (read into W): + bias, VQRDMULH, [the rounding fix, T], rounding right shift, + zero point; clamps LO, HI. */
#define TSLM_SHORT_GROUP(MAC, A, B, W)                                                                                 \
    MAC("r0", "r2") MAC("r4", "r6")                                                                                    \
    "vmov " A "[2], " A "[0], r0, r4\n\t"                                                                              \
    "vmov " B "[2], " B "[0], r2, r6\n\t" MAC("r0", "r2") MAC("r4", "r6")                                              \
    "vmov " A "[3], " A "[1], r0, r4\n\t"                                                                              \
    "vmov " B "[3], " B "[1], r2, r6\n\t"                                                                              \
    "vldrw.32 " W ", [r1], #16\n\t"                                                                                    \
    "vadd.i32 " A ", " A ", " W "\n\t"                                                                                 \
    "vadd.i32 " B ", " B ", " W "\n\t"                                                                                 \
    "vldrw.32 " W ", [r1], #16\n\t"                                                                                    \
    "vqrdmulh.s32 " A ", " A ", " W "\n\t"                                                                             \
    "vqrdmulh.s32 " B ", " B ", " W "\n\t"                                                                             \
    "vldrw.32 " W ", [r1], #16\n\t"
#define TSLM_SHORT_FIX(A, B, W, T)                                                                                     \
    "vand " T ", " A ", " W "\n\t"                                                                                     \
    "vshr.s32 " T ", " T ", #31\n\t"                                                                                   \
    "vqadd.s32 " A ", " A ", " T "\n\t"                                                                                \
    "vand " T ", " B ", " W "\n\t"                                                                                     \
    "vshr.s32 " T ", " T ", #31\n\t"                                                                                   \
    "vqadd.s32 " B ", " B ", " T "\n\t"
#define TSLM_SHORT_SHIFT(A, B, W)                                                                                      \
    "vrshl.s32 " A ", " A ", " W "\n\t"                                                                                \
    "vrshl.s32 " B ", " B ", " W "\n\t"                                                                                \
    "vadd.i32 " A ", " A ", r7\n\t"                                                                                    \
    "vadd.i32 " B ", " B ", r7\n\t"
#define TSLM_SHORT_CLAMP(A, B, LO, HI)                                                                                 \
    "vmax.s32 " A ", " A ", " LO "\n\t"                                                                                \
    "vmax.s32 " B ", " B ", " LO "\n\t"                                                                                \
    "vmin.s32 " A ", " A ", " HI "\n\t"                                                                                \
    "vmin.s32 " B ", " B ", " HI "\n\t"

/* K <= 16: q0 q1 patches, q2 weights and records, q3 q4 sums, q5 fix, q6 q7 clamps. */
#define TSLM_SHORT_LOAD16                                                                                              \
    "ldr r2, [r8, #36]\n\t"                                                                                            \
    "vctp.8 r2\n\t"                                                                                                    \
    "vpstt\n\t"                                                                                                        \
    "vldrbt.8 q0, [r9]\n\t"                                                                                            \
    "vldrbt.8 q1, [r0]\n\t"
#define TSLM_SHORT_BODY16(FIX)                                                                                         \
    TSLM_SHORT_GROUP(TSLM_SHORT_MAC16, "q3", "q4", "q2") FIX TSLM_SHORT_SHIFT("q3", "q4", "q2")                        \
    TSLM_SHORT_CLAMP("q3", "q4", "q6", "q7")
#define TSLM_SHORT_STORE16 "vstrb.32 q3, [r3], #4\n\tvstrb.32 q4, [r5], #4\n\t"
#define TSLM_SHORT_STORE16_T "vpstt\n\tvstrbt.32 q3, [r3]\n\tvstrbt.32 q4, [r5]\n\t"
#define TSLM_SHORT_CLAMPS16 "vldrw.32 q6, [r8, #44]\n\tvldrw.32 q7, [r8, #60]\n\t"

/* K <= 32: q0 q1 and q2 q3 patches, q4 weights, records and the high clamp, q5 q6 sums, q7 the fix and the low
 * clamp (read per group with the fix). */
#define TSLM_SHORT_LOAD32                                                                                              \
    "vldrb.8 q0, [r9]\n\t"                                                                                             \
    "vldrb.8 q2, [r0]\n\t"                                                                                             \
    "ldr r2, [r8, #36]\n\t"                                                                                            \
    "vctp.8 r2\n\t"                                                                                                    \
    "vpstt\n\t"                                                                                                        \
    "vldrbt.8 q1, [r9, #16]\n\t"                                                                                       \
    "vldrbt.8 q3, [r0, #16]\n\t"
#define TSLM_SHORT_BODY32(FIX, CLAMP_LO)                                                                               \
    TSLM_SHORT_GROUP(TSLM_SHORT_MAC32, "q5", "q6", "q4") FIX TSLM_SHORT_SHIFT("q5", "q6", "q4") CLAMP_LO               \
    "vmax.s32 q5, q5, q7\n\t"                                                                                          \
    "vmax.s32 q6, q6, q7\n\t"                                                                                          \
    "vldrw.32 q4, [r8, #60]\n\t"                                                                                       \
    "vmin.s32 q5, q5, q4\n\t"                                                                                          \
    "vmin.s32 q6, q6, q4\n\t"
/* (without the fix, q7 keeps the low clamp) */
#define TSLM_SHORT_LO32 "vldrw.32 q7, [r8, #44]\n\t"
#define TSLM_SHORT_STORE32 "vstrb.32 q5, [r3], #4\n\tvstrb.32 q6, [r5], #4\n\t"
#define TSLM_SHORT_STORE32_T "vpstt\n\tvstrbt.32 q5, [r3]\n\tvstrbt.32 q6, [r5]\n\t"

/* The routines take the job in r0 (naked: the assembly saves what it uses). */
#if !defined(TSLM_OPTIMIZE_SIZE)
__attribute__((naked, noinline)) static void short_k16(const short_job *j __attribute__((unused)))
{
    __asm__(TSLM_SHORT_ROUTINE(TSLM_SHORT_CLAMPS16, TSLM_SHORT_LOAD16, TSLM_SHORT_BODY16(""), TSLM_SHORT_STORE16,
                               TSLM_SHORT_STORE16_T));
}
#endif

__attribute__((naked, noinline)) static void short_k16_fix(const short_job *j __attribute__((unused)))
{
    __asm__(TSLM_SHORT_ROUTINE(TSLM_SHORT_CLAMPS16, TSLM_SHORT_LOAD16,
                               TSLM_SHORT_BODY16(TSLM_SHORT_FIX("q3", "q4", "q2", "q5")), TSLM_SHORT_STORE16,
                               TSLM_SHORT_STORE16_T));
}

#if !defined(TSLM_OPTIMIZE_SIZE)
__attribute__((naked, noinline)) static void short_k32(const short_job *j __attribute__((unused)))
{
    __asm__(TSLM_SHORT_ROUTINE(TSLM_SHORT_LO32, TSLM_SHORT_LOAD32, TSLM_SHORT_BODY32("", ""), TSLM_SHORT_STORE32,
                               TSLM_SHORT_STORE32_T));
}
#endif

__attribute__((naked, noinline)) static void short_k32_fix(const short_job *j __attribute__((unused)))
{
    __asm__(TSLM_SHORT_ROUTINE("", TSLM_SHORT_LOAD32,
                               TSLM_SHORT_BODY32(TSLM_SHORT_FIX("q5", "q6", "q4", "q7"), TSLM_SHORT_LO32),
                               TSLM_SHORT_STORE32, TSLM_SHORT_STORE32_T));
}

/* `pairs` pairs of pixels from patch x (the second patch x1off after the first, the next pair 2 * x1off on) and,
 * when `lone`, one pixel more after them; outputs from out on, one pixel after the other. */
static void short_run(void (*routine)(const short_job *), short_job *j, const int8_t *x, int32_t x1off,
                      int32_t pairs, int lone, int8_t *out, int32_t oc)
{
    j->x = x, j->x1off = x1off, j->pairs = pairs, j->out = out, j->o1off = oc, j->ostep = 2 * oc - 4 * (oc >> 2);
    routine(j);
    if (lone) {
        j->x = x + 2 * pairs * x1off, j->x1off = 0, j->pairs = 1, j->out = out + 2 * pairs * oc, j->o1off = 0;
        routine(j);
    }
}

/* The patches of `cnt` pixels (sx bytes apart in the input) inside the image: per pixel fh rows of rl <= 16 bytes
 * (rs apart), one predicated copy each, into dst, k bytes per patch. */
static void short_copy_rows(int8_t *dst, const int8_t *src, int32_t cnt, int32_t k, int32_t fh, int32_t rl,
                            int32_t rs, int32_t sx)
{
    const mve_pred16_t pr = vctp8q((uint32_t)rl);
#if !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: the loop below) */
    if (fh == 3) {
        for (int32_t t = 0; t < cnt; ++t, src += sx, dst += k) {
            const int8x16_t r0 = vldrbq_z_s8(src, pr), r1 = vldrbq_z_s8(src + rs, pr);
            const int8x16_t r2 = vldrbq_z_s8(src + 2 * rs, pr);
            vstrbq_p_s8(dst, r0, pr);
            vstrbq_p_s8(dst + rl, r1, pr);
            vstrbq_p_s8(dst + 2 * rl, r2, pr);
        }
        return;
    }
#endif
    for (int32_t t = 0; t < cnt; ++t, src += sx, dst += k) {
        const int8_t *s = src;
        int8_t *d = dst;
        for (int32_t r = 0; r < fh; ++r, s += rs, d += rl) {
            vstrbq_p_s8(d, vldrbq_z_s8(s, pr), pr);
        }
    }
}

/* The patch of the pixel whose top-left tap is (y0, x0), rows of at most 16 bytes, undilated across: each row the
 * input zero point, then the part inside the image over it. */
#if !defined(TSLM_OPTIMIZE_SIZE)
static void short_edge(const tslm_conv_params *p, const int8_t *in_b, int32_t y0, int32_t x0, int8_t *dst)
{
    const int32_t ic = p->input_c, fw = p->filter_w, rl = fw * ic;
    const int32_t lo = x0 < 0 ? (-x0 < fw ? -x0 : fw) : 0;
    int32_t hi = p->input_w - x0 < fw ? p->input_w - x0 : fw;
    hi = hi < lo ? lo : hi;
    const mve_pred16_t whole = vctp8q((uint32_t)rl), part = vctp8q((uint32_t)((hi - lo) * ic));
    const int8x16_t zv = vdupq_n_s8((int8_t)-p->input_offset);
    const int32_t step = p->dilation_h * p->input_w * ic;
    const int8_t *src = in_b + (y0 * p->input_w + x0 + lo) * ic;
    int8_t *d = dst + lo * ic;
    for (int32_t fy = 0, iy = y0; fy < p->filter_h; ++fy, iy += p->dilation_h, src += step, dst += rl, d += rl) {
        vstrbq_p_s8(dst, zv, whole);
        if (iy >= 0 && iy < p->input_h) {
            vstrbq_p_s8(d, vldrbq_z_s8(src, part), part);
        }
    }
}
#endif

static int short_direct(const tslm_conv_params *p)
{
    return p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0;
}

static int32_t short_batch(const tslm_conv_params *p)
{
    const int32_t n = p->batches * p->output_h * p->output_w;
    return n < TSLM_SHORT_BATCH ? n + (n & 1) : TSLM_SHORT_BATCH;
}

void tslm_mve_conv_short_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch)
{
    const int32_t k = p->filter_h * p->filter_w * p->filter_c, oc = p->output_c;
    if (p->filter_c != p->input_c || p->requant == NULL || k > 32) {
        tslm_conv_s8(p, input, weights, bias, output, scratch); /* (the compiler routes none of these here) */
        return;
    }
    short_job j;
    j.stream = p->requant, j.groups = oc >> 2, j.tail = oc & 3, j.klast = k <= 16 ? k : k - 16;
    j.zp = p->output_offset;
    for (int i = 0; i < 4; ++i) {
        j.lo[i] = p->act_min, j.hi[i] = p->act_max;
    }
#if defined(TSLM_OPTIMIZE_SIZE) /* (the size build: the rounding fix always, two routines fewer) */
    void (*routine)(const short_job *) = k <= 16 ? short_k16_fix : short_k32_fix;
#else
    const int fix = p->act_min < p->output_offset;
    void (*routine)(const short_job *) =
        k <= 16 ? (fix ? short_k16_fix : short_k16) : (fix ? short_k32_fix : short_k32);
#endif
    const int32_t n = p->batches * p->output_h * p->output_w, ic = p->input_c;
    if (short_direct(p) && p->stride_h == 1 && p->stride_w == 1) { /* every pixel in order */
        short_run(routine, &j, input, k, n >> 1, n & 1, output, oc);
    } else if (short_direct(p)) { /* a row of output pixels at a time */
        const int32_t ow = p->output_w, sx = p->stride_w * ic;
        int8_t *out = output;
        for (int32_t b = 0; b < p->batches; ++b) {
            const int8_t *in_b = input + b * p->input_h * p->input_w * ic;
            for (int32_t oy = 0; oy < p->output_h; ++oy, out += ow * oc) {
                short_run(routine, &j, in_b + oy * p->stride_h * p->input_w * ic, sx, ow >> 1, ow & 1, out, oc);
            }
        }
    } else { /* patches built in scratch, a batch of pixels at a time */
        int8_t *col = (int8_t *)(void *)scratch;
        const int32_t fh = p->filter_h, fw = p->filter_w, sw = p->stride_w, rl = fw * ic;
        const int short_rows = rl <= 16 && p->dilation_w == 1;
        const int32_t batch = short_batch(p);
        /* the output columns whose patches lie inside the image horizontally: [ox_lo, ox_hi) */
        const int32_t ox_lo = (p->pad_w + sw - 1) / sw;
        const int32_t ox_hi = p->input_w - fw + p->pad_w >= 0 ? (p->input_w - fw + p->pad_w) / sw + 1 : 0;
        pixel_at at = {0, 0, 0};
        for (int32_t i = 0; i < n; i += batch) {
            const int32_t m = n - i < batch ? n - i : batch;
            for (int32_t t = 0; t < m;) {
                const int32_t y0 = at.oy * p->stride_h - p->pad_h;
                if (short_rows && at.ox >= ox_lo && at.ox < ox_hi && y0 >= 0 &&
                    y0 + p->dilation_h * (fh - 1) < p->input_h) { /* a run of pixels inside the image */
                    int32_t run = ox_hi - at.ox;
                    run = run < m - t ? run : m - t;
                    run = run < p->output_w - at.ox ? run : p->output_w - at.ox;
                    const int8_t *src = input + ((at.b * p->input_h + y0) * p->input_w + at.ox * sw - p->pad_w) * ic;
                    short_copy_rows(col + t * k, src, run, k, fh, rl, p->dilation_h * p->input_w * ic, sw * ic);
                    t += run;
                    at.ox += run;
                    if (at.ox == p->output_w) {
                        at.ox = 0;
                        if (++at.oy == p->output_h) {
                            at.oy = 0;
                            ++at.b;
                        }
                    }
                    continue;
                }
#if !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: next_patch) */
                if (short_rows) { /* a patch over the image's border */
                    short_edge(p, input + at.b * p->input_h * p->input_w * ic, y0, at.ox * sw - p->pad_w, col + t * k);
                    if (++at.ox == p->output_w) {
                        at.ox = 0;
                        if (++at.oy == p->output_h) {
                            at.oy = 0;
                            ++at.b;
                        }
                    }
                } else {
                    const int8_t *x = next_patch(p, input, &at, col + t * k, 0, 0); /* (never in place) */
                    if (x != col + t * k) {
                        tslm_mve_copy(col + t * k, x, k);
                    }
                }
#else
                const int8_t *x = next_patch(p, input, &at, col + t * k, 0, short_rows); /* (never in place) */
                if (x != col + t * k) {
                    tslm_mve_copy(col + t * k, x, k);
                }
#endif
                ++t;
            }
            short_run(routine, &j, col, k, m >> 1, m & 1, output + i * oc, oc);
        }
    }
}

int32_t tslm_mve_conv_short_s8_get_buffer_size(const tslm_conv_params *p)
{
    return short_direct(p) ? 0 : short_batch(p) * p->filter_h * p->filter_w * p->filter_c;
}

/* The job's constant part for p, and the routine that takes it (as tslm_mve_conv_short_s8 sets them up). */
TSLM_ALWAYS_INLINE void (*short_setup(const tslm_conv_params *p, short_job *j))(const short_job *)
{
    const int32_t k = p->filter_h * p->filter_w * p->filter_c, oc = p->output_c;
    j->stream = p->requant, j->groups = oc >> 2, j->tail = oc & 3, j->klast = k <= 16 ? k : k - 16;
    j->zp = p->output_offset;
    for (int i = 0; i < 4; ++i) {
        j->lo[i] = p->act_min, j->hi[i] = p->act_max;
    }
#if defined(TSLM_OPTIMIZE_SIZE) /* (the size build: the rounding fix always, two routines fewer) */
    return k <= 16 ? short_k16_fix : short_k32_fix;
#else
    const int fix = p->act_min < p->output_offset;
    return k <= 16 ? (fix ? short_k16_fix : short_k16) : (fix ? short_k32_fix : short_k32);
#endif
}

/*
 * One input channel (the compiler's helium_layout.conv_short_c1: filter_c = input_c = 1, a filter wider than one
 * pixel, no dilation, filter rows of at most 16 taps; a grayscale image's or a spectrogram's first layer): the short
 * layout's stream, with every patch built by short_copy_rows from a band of input rows with the padding as the input
 * zero point ((output_w - 1) stride_w + filter_w bytes a row), so pixels at the image's border (all but one of
 * magic_wand's 3-wide rows) take the same filter_h predicated copies as those inside. The band holds the input rows
 * of a strip of output rows (TSLM_SHORT_BATCH / output_w of them, at least one). Scratch: TSLM_SHORT_BATCH patches
 * (short_batch), then the band.
 */
TSLM_ALWAYS_INLINE int32_t c1_band_w(const tslm_conv_params *p) { return (p->output_w - 1) * p->stride_w + p->filter_w; }

TSLM_ALWAYS_INLINE int32_t c1_strip(const tslm_conv_params *p)
{
    const int32_t r = p->output_w >= TSLM_SHORT_BATCH ? 1 : TSLM_SHORT_BATCH / p->output_w;
    return r < p->output_h ? r : p->output_h;
}

/* n bytes of value v from d (predicated stores of 16). */
static void c1_fill(int8_t *d, int8_t v, int32_t n)
{
    const int8x16_t z = vdupq_n_s8(v);
    for (; n > 0; n -= 16, d += 16) {
        vstrbq_p_s8(d, z, vctp8q((uint32_t)n));
    }
}

/* The band of output rows oy .. oy + rows - 1 (bw bytes a row). */
static void c1_band(const tslm_conv_params *p, const int8_t *in_b, int32_t oy, int32_t rows, int8_t *band,
                    int32_t bw)
{
    const int8_t zp = (int8_t)(-p->input_offset);
    const int32_t iw = p->input_w, lo = p->pad_w < bw ? p->pad_w : bw, n = (rows - 1) * p->stride_h + p->filter_h;
    int32_t hi = iw + p->pad_w;
    hi = hi < bw ? hi : bw;
    if (bw <= 16) { /* a row in one vector: the zero point, the lanes lo .. hi - 1 loaded over it */
        const mve_pred16_t all = vctp8q((uint32_t)bw), in = (mve_pred16_t)(vctp8q((uint32_t)hi) & ~vctp8q((uint32_t)lo));
        const int8x16_t z = vdupq_n_s8(zp);
        for (int32_t r = 0, iy = oy * p->stride_h - p->pad_h; r < n; ++r, ++iy, band += bw) {
            int8x16_t v = z;
            if (iy >= 0 && iy < p->input_h) { /* (lanes left of the image are not read) */
                const int8_t *row = (const int8_t *)((uintptr_t)(in_b + iy * iw) - (uintptr_t)p->pad_w);
                v = vpselq_s8(vldrbq_z_s8(row, in), z, in);
            }
            vstrbq_p_s8(band, v, all);
        }
        return;
    }
    for (int32_t r = 0, iy = oy * p->stride_h - p->pad_h; r < n; ++r, ++iy, band += bw) {
        if (iy < 0 || iy >= p->input_h || hi <= lo) {
            c1_fill(band, zp, bw);
            continue;
        }
        c1_fill(band, zp, lo);
        tslm_mve_copy(band + lo, in_b + iy * iw + lo - p->pad_w, hi - lo);
        c1_fill(band + hi, zp, bw - hi);
    }
}

/* short_copy_rows' patches with four filter rows unrolled too (magic_wand's 4x3), rl <= 16 (its own copy: calling
 * short_copy_rows would keep GCC from inlining it into tslm_mve_conv_short_s8). */
static void c1_copy_rows(int8_t *dst, const int8_t *src, int32_t cnt, int32_t k, int32_t fh, int32_t rl, int32_t rs,
                         int32_t sx)
{
    const mve_pred16_t pr = vctp8q((uint32_t)rl);
#if !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: the loop at the end) */
    if (fh == 3) {
        for (int32_t t = 0; t < cnt; ++t, src += sx, dst += k) {
            const int8x16_t r0 = vldrbq_z_s8(src, pr), r1 = vldrbq_z_s8(src + rs, pr);
            const int8x16_t r2 = vldrbq_z_s8(src + 2 * rs, pr);
            vstrbq_p_s8(dst, r0, pr);
            vstrbq_p_s8(dst + rl, r1, pr);
            vstrbq_p_s8(dst + 2 * rl, r2, pr);
        }
        return;
    }
    if (fh == 4) {
        for (int32_t t = 0; t < cnt; ++t, src += sx, dst += k) {
            const int8x16_t r0 = vldrbq_z_s8(src, pr), r1 = vldrbq_z_s8(src + rs, pr);
            const int8x16_t r2 = vldrbq_z_s8(src + 2 * rs, pr), r3 = vldrbq_z_s8(src + 3 * rs, pr);
            vstrbq_p_s8(dst, r0, pr);
            vstrbq_p_s8(dst + rl, r1, pr);
            vstrbq_p_s8(dst + 2 * rl, r2, pr);
            vstrbq_p_s8(dst + 3 * rl, r3, pr);
        }
        return;
    }
#endif
    for (int32_t t = 0; t < cnt; ++t, src += sx, dst += k) {
        const int8_t *s = src;
        int8_t *d = dst;
        for (int32_t r = 0; r < fh; ++r, s += rs, d += rl) {
            vstrbq_p_s8(d, vldrbq_z_s8(s, pr), pr);
        }
    }
}

void tslm_mve_conv_short_c1_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, int8_t *output, int16_t *scratch)
{
    const int32_t fh = p->filter_h, fw = p->filter_w, k = fh * fw, oc = p->output_c;
    if (p->filter_c != 1 || p->input_c != 1 || p->requant == NULL || k > 32 || fw > 16 || p->dilation_h != 1 ||
        p->dilation_w != 1) {
        tslm_mve_conv_short_s8(p, input, weights, bias, output, scratch); /* (the compiler routes none of these here) */
        return;
    }
    short_job j;
    void (*routine)(const short_job *) = short_setup(p, &j);
    const int32_t ow = p->output_w, oh = p->output_h, n = p->batches * oh * ow, sw = p->stride_w;
    /* (short_batch written out: a third caller made GCC -Os keep it out of line in tslm_mve_conv_short_s8) */
    const int32_t batch = n < TSLM_SHORT_BATCH ? n + (n & 1) : TSLM_SHORT_BATCH;
    const int32_t bw = c1_band_w(p), strip = c1_strip(p), rs = p->stride_h * bw;
    int8_t *col = (int8_t *)(void *)scratch;
    int8_t *band = col + batch * k;
    int32_t b = 0, oy0 = 0, oy = 0, ox = 0; /* the band's first output row, the pixel's row (in the band) */
    c1_band(p, input, 0, strip, band, bw);
    for (int32_t i = 0; i < n; i += batch) {
        const int32_t m = n - i < batch ? n - i : batch;
        for (int32_t t = 0; t < m;) {
            int32_t run = ow - ox < m - t ? ow - ox : m - t; /* the batch's pixels on this row */
            c1_copy_rows(col + t * k, band + oy * rs + ox * sw, run, k, fh, fw, bw, sw);
            t += run, ox += run;
            if (ox == ow) { /* the next output row; past the strip, the next strip's band */
                ox = 0;
                if (++oy == strip || oy0 + oy == oh) {
                    oy0 += oy, oy = 0;
                    if (oy0 == oh) {
                        oy0 = 0, ++b;
                    }
                    if (b < p->batches) {
                        const int32_t rows = oh - oy0 < strip ? oh - oy0 : strip;
                        c1_band(p, input + b * p->input_h * p->input_w, oy0, rows, band, bw);
                    }
                }
            }
        }
        short_run(routine, &j, col, k, m >> 1, m & 1, output + i * oc, oc);
    }
}

int32_t tslm_mve_conv_short_c1_s8_get_buffer_size(const tslm_conv_params *p)
{
    const int32_t n = p->batches * p->output_h * p->output_w;
    const int32_t batch = n < TSLM_SHORT_BATCH ? n + (n & 1) : TSLM_SHORT_BATCH;
    return batch * p->filter_h * p->filter_w + ((c1_strip(p) - 1) * p->stride_h + p->filter_h) * c1_band_w(p);
}

/*
 * Long filter rows (filter_w * input_c > 16 bytes, undilated across; K > 32; more than one filter row and narrower
 * than the input, so that no patch is one run of the input; not in place): a separate entry that the compiler
 * routes (helium_layout.conv), the general entry's GEMM (two pixels at a time
 * against every group of four channels, tslm_mve_row2_groups) with patches built by rows_patch: per filter row,
 * 16-byte copies (the last one predicated) where the row lies in the image, the input zero point where it does
 * not; two pixels of one output row inside the image in one loop (rows_inside2). patch() spends ~220 instructions on
 * a 3x3 patch over 16 channels (K = 144), this ~40.
 */
/* dst[0..n) = src[0..n), n > 0 */
TSLM_ALWAYS_INLINE void rows_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n > 16; n -= 16, src += 16, dst += 16) {
        vstrbq_s8(dst, vldrbq_s8(src));
    }
    const mve_pred16_t pr = vctp8q((uint32_t)n);
    vstrbq_p_s8(dst, vldrbq_z_s8(src, pr), pr);
}

/* dst[0..n) = v, n > 0 */
TSLM_ALWAYS_INLINE void rows_fill(int8_t *dst, int8x16_t v, int32_t n)
{
    for (; n > 16; n -= 16, dst += 16) {
        vstrbq_s8(dst, v);
    }
    vstrbq_p_s8(dst, v, vctp8q((uint32_t)n));
}

/* A patch inside the image: fh rows of rl > 16 bytes (rs apart in the input), each nc = (rl - 1) / 16 16-byte
 * copies and one more of its last 16 bytes (over the previous one's, where rl is not a multiple of 16). */
typedef struct {
    int32_t fh, rl, rs, nc;
} rows_shape;

TSLM_ALWAYS_INLINE void rows_inside(int8_t *dst, const int8_t *src, const rows_shape *r)
{
    int32_t rows = r->fh;
    const int32_t nc = r->nc, back = r->rl - 16 * (nc + 1), skip = r->rs - r->rl;
    __asm__ volatile("1:\n\t"
                     "dls lr, %[nc]\n"
                     "2:\n\t"
                     "vldrb.8 q0, [%[s]], #16\n\t"
                     "vstrb.8 q0, [%[d]], #16\n\t"
                     "le lr, 2b\n\t"
                     "add %[s], %[back]\n\t"
                     "add %[d], %[back]\n\t"
                     "vldrb.8 q0, [%[s]], #16\n\t"
                     "vstrb.8 q0, [%[d]], #16\n\t"
                     "add %[s], %[skip]\n\t"
                     "subs %[rows], #1\n\t"
                     "bne 1b"
                     : [s] "+r"(src), [d] "+r"(dst), [rows] "+r"(rows)
                     : [nc] "r"(nc), [back] "r"(back), [skip] "r"(skip)
                     : "q0", "lr", "memory", "cc");
}

/* Two patches inside the image at once (the second sx bytes on in the input): as rows_inside, one loop. */
TSLM_ALWAYS_INLINE void rows_inside2(int8_t *dst0, int8_t *dst1, const int8_t *src, int32_t sx, const rows_shape *r)
{
    int32_t rows = r->fh;
    const int32_t nc = r->nc, back = r->rl - 16 * (nc + 1), skip = r->rs - r->rl;
    const int8_t *src1 = src + sx;
    __asm__ volatile("1:\n\t"
                     "dls lr, %[nc]\n"
                     "2:\n\t"
                     "vldrb.8 q0, [%[s0]], #16\n\t"
                     "vldrb.8 q1, [%[s1]], #16\n\t"
                     "vstrb.8 q0, [%[d0]], #16\n\t"
                     "vstrb.8 q1, [%[d1]], #16\n\t"
                     "le lr, 2b\n\t"
                     "add %[s0], %[back]\n\t"
                     "add %[s1], %[back]\n\t"
                     "add %[d0], %[back]\n\t"
                     "add %[d1], %[back]\n\t"
                     "vldrb.8 q0, [%[s0]], #16\n\t"
                     "vldrb.8 q1, [%[s1]], #16\n\t"
                     "vstrb.8 q0, [%[d0]], #16\n\t"
                     "vstrb.8 q1, [%[d1]], #16\n\t"
                     "add %[s0], %[skip]\n\t"
                     "add %[s1], %[skip]\n\t"
                     "subs %[rows], #1\n\t"
                     "bne 1b"
                     : [s0] "+r"(src), [s1] "+r"(src1), [d0] "+r"(dst0), [d1] "+r"(dst1), [rows] "+r"(rows)
                     : [nc] "r"(nc), [back] "r"(back), [skip] "r"(skip)
                     : "q0", "q1", "lr", "memory", "cc");
}

/* The patch of a pixel over the image's border whose top-left tap is (y0, x0) into dst (fh rows of rl = fw * ic
 * bytes): the part of each row inside the image, the input zero point elsewhere. */
static void rows_patch(const tslm_conv_params *p, const int8_t *in_b, int32_t y0, int32_t x0, int8_t *dst)
{
    const int32_t ic = p->input_c, fw = p->filter_w, fh = p->filter_h, rl = fw * ic;
    const int32_t rs = p->dilation_h * p->input_w * ic;
    const int32_t lo = x0 < 0 ? (-x0 < fw ? -x0 : fw) : 0;
    int32_t hi = p->input_w - x0 < fw ? p->input_w - x0 : fw;
    hi = hi < lo ? lo : hi;
    const int32_t pre = lo * ic, run = (hi - lo) * ic, post = (fw - hi) * ic;
    const int8x16_t zv = vdupq_n_s8((int8_t)-p->input_offset);
    const int8_t *src = in_b + (y0 * p->input_w + x0 + lo) * ic;
    for (int32_t fy = 0, iy = y0; fy < fh; ++fy, iy += p->dilation_h, src += rs, dst += rl) {
        if (iy < 0 || iy >= p->input_h || run == 0) {
            rows_fill(dst, zv, rl);
            continue;
        }
        if (pre > 0) {
            rows_fill(dst, zv, pre);
        }
        rows_copy(dst + pre, src, run);
        if (post > 0) {
            rows_fill(dst + pre + run, zv, post);
        }
    }
}

/* The patch of the pixel at *at into dst; *at moves on. */
TSLM_ALWAYS_INLINE void rows_next(const tslm_conv_params *p, const int8_t *input, pixel_at *at, const rows_shape *r,
                                  int32_t ox_lo, int32_t ox_hi, int8_t *dst)
{
    const int8_t *in_b = input + at->b * p->input_h * p->input_w * p->input_c;
    const int32_t y0 = at->oy * p->stride_h - p->pad_h, x0 = at->ox * p->stride_w - p->pad_w;
    if (at->ox >= ox_lo && at->ox < ox_hi && y0 >= 0 && y0 + p->dilation_h * (r->fh - 1) < p->input_h) {
        rows_inside(dst, in_b + (y0 * p->input_w + x0) * p->input_c, r);
    } else {
        rows_patch(p, in_b, y0, x0, dst);
    }
    if (++at->ox == p->output_w) {
        at->ox = 0;
        if (++at->oy == p->output_h) {
            at->oy = 0;
            ++at->b;
        }
    }
}

TSLM_ALWAYS_INLINE void rows_pixels(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                                    int8_t *output, int8_t *col0, const int fix)
{
    const int32_t depth = p->filter_h * p->filter_w * p->filter_c, oc = p->output_c;
    const int32_t n = p->batches * p->output_h * p->output_w;
    const tslm_mve_clamp c = {vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max), p->output_offset};
    int8_t *col1 = col0 + depth;
    const int32_t rl = p->filter_w * p->input_c;
    const rows_shape r = {p->filter_h, rl, p->dilation_h * p->input_w * p->input_c, (rl - 1) >> 4};
    /* the output columns whose patches lie inside the image horizontally: [ox_lo, ox_hi) */
    const int32_t sw = p->stride_w, ox_lo = (p->pad_w + sw - 1) / sw, right = p->input_w - p->filter_w + p->pad_w;
    const int32_t ox_hi = right >= 0 ? right / sw + 1 : 0;
    pixel_at at = {0, 0, 0};
    int32_t i = 0;
    /* pairs inside the image in one output row: [ox_lo, ox_hi2 - 1) */
    const int32_t ox_hi2 = ox_hi < p->output_w ? ox_hi : p->output_w;
    for (; i + 2 <= n; i += 2) {
        const int32_t y0 = at.oy * p->stride_h - p->pad_h;
        if (at.ox >= ox_lo && at.ox + 1 < ox_hi2 && y0 >= 0 && y0 + p->dilation_h * (r.fh - 1) < p->input_h) {
            const int32_t ic = p->input_c;
            rows_inside2(col0, col1,
                         input + ((at.b * p->input_h + y0) * p->input_w + at.ox * sw - p->pad_w) * ic, sw * ic, &r);
            at.ox += 2;
            if (at.ox == p->output_w) {
                at.ox = 0;
                if (++at.oy == p->output_h) {
                    at.oy = 0;
                    ++at.b;
                }
            }
        } else {
            rows_next(p, input, &at, &r, ox_lo, ox_hi, col0);
            rows_next(p, input, &at, &r, ox_lo, ox_hi, col1);
        }
        tslm_mve_row2_groups_fix(col0, col1, depth, weights, p->requant, oc, &c, output + i * oc,
                                 output + (i + 1) * oc, fix);
    }
    if (i < n) {
        rows_next(p, input, &at, &r, ox_lo, ox_hi, col0);
        tslm_mve_row_groups(col0, depth, weights, p->requant, oc, &c, output + i * oc);
    }
}

#if !defined(TSLM_OPTIMIZE_SIZE)
static void rows_pixels_nofix(const tslm_conv_params *p, const int8_t *input, const int8_t *weights, int8_t *output,
                              int8_t *col)
{
    rows_pixels(p, input, weights, output, col, 0);
}
#endif

static void rows_pixels_fix(const tslm_conv_params *p, const int8_t *input, const int8_t *weights, int8_t *output,
                            int8_t *col)
{
    rows_pixels(p, input, weights, output, col, 1);
}

void tslm_mve_conv_rows_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                           const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->filter_c != p->input_c || p->requant == NULL || p->in_place || p->dilation_w != 1 ||
        p->filter_w * p->input_c <= 16) {
        tslm_conv_s8(p, input, weights, bias, output, scratch); /* (the compiler routes none of these here) */
        return;
    }
#if !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: the rounding fix always) */
    if (p->act_min >= p->output_offset) {
        rows_pixels_nofix(p, input, weights, output, (int8_t *)(void *)scratch);
        return;
    }
#endif
    rows_pixels_fix(p, input, weights, output, (int8_t *)(void *)scratch);
}

int32_t tslm_mve_conv_rows_s8_get_buffer_size(const tslm_conv_params *p)
{
    return 2 * p->filter_h * p->filter_w * p->filter_c;
}

/* One filter row, unpadded, undilated across (each pixel's patch filter_w * input_c contiguous bytes, at most 96,
 * pixels stride_w * input_c apart), the compiler's GEMM layout: the FULLY_CONNECTED two-row path
 * (tslm_mve_fully_connected_pairs_rows_s8) over the pixels of each output row, or of the whole image where its rows
 * continue at the same stride (stride_h * input_w = output_w * stride_w: 1x1 at stride 1). In place (1x1 only)
 * each pair of pixels is copied to the scratch first. The rest: tslm_mve_conv_s8. */
static int pairs_handles(const tslm_conv_params *p)
{
    return p->filter_c == p->input_c && p->requant != NULL && p->filter_h == 1 && p->pad_h == 0 && p->pad_w == 0 &&
           (p->filter_w == 1 || p->dilation_w == 1) && p->filter_w * p->input_c <= 96 && p->output_c >= 4 &&
           (!p->in_place || (p->filter_w == 1 && p->output_c <= p->input_c));
}

typedef void tslm_fc_pairs_rows_fn(const tslm_fully_connected_params *p, const int8_t *input, int32_t row_stride,
                                   const int8_t *weights, int8_t *output, int8_t *copy);

/* The pixels through rows (tslm_mve_fully_connected_pairs_rows_s8 or one of its forms). */
static __attribute__((noinline)) void conv_pairs(const tslm_conv_params *p, const int8_t *input,
                                                 const int8_t *weights, int8_t *output, int16_t *scratch,
                                                 tslm_fc_pairs_rows_fn *rows)
{
    const int32_t ic = p->input_c, row = p->stride_h * p->input_w * ic, xs = p->stride_w * ic;
    const int whole = p->stride_h * p->input_w == p->output_w * p->stride_w; /* the rows continue at stride xs */
    const tslm_fully_connected_params q = {.batches = whole ? p->output_h * p->output_w : p->output_w,
                                           .accum_depth = p->filter_w * ic, .output_depth = p->output_c,
                                           .output_offset = p->output_offset, .per_channel = 1,
                                           .act_min = p->act_min, .act_max = p->act_max, .requant = p->requant,
                                           .requant_fast = 1};
    int8_t *copy = p->in_place ? (int8_t *)(void *)scratch : NULL;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * ic;
        for (int32_t oy = 0; oy < (whole ? 1 : p->output_h); ++oy) {
            rows(&q, in_b + oy * row, xs, weights, output, copy);
            output += q.batches * p->output_c;
        }
    }
}

void tslm_mve_conv_pairs_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (!pairs_handles(p)) {
        tslm_mve_conv_s8(p, input, weights, bias, output, scratch); /* (the compiler routes none of these here) */
        return;
    }
    conv_pairs(p, input, weights, output, scratch, tslm_mve_fully_connected_pairs_rows_s8);
}

/* One form of the two-row path each (tslm_mve_fully_connected.h): only that form linked. */
#define TSLM_CONV_PAIRS_FORM(F)                                                                                       \
    void tslm_mve_conv_pairs_s8_##F(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,           \
                                    const int32_t *bias, int8_t *output, int16_t *scratch)                           \
    {                                                                                                                \
        if (!pairs_handles(p)) {                                                                                     \
            tslm_mve_conv_s8(p, input, weights, bias, output, scratch);                                               \
            return;                                                                                                  \
        }                                                                                                            \
        conv_pairs(p, input, weights, output, scratch, tslm_mve_fully_connected_pairs_rows_s8_##F);                  \
    }
TSLM_FC_PAIRS_FORMS(TSLM_CONV_PAIRS_FORM)
#undef TSLM_CONV_PAIRS_FORM

int32_t tslm_mve_conv_pairs_s8_get_buffer_size(const tslm_conv_params *p)
{
    return pairs_handles(p) ? (p->in_place ? 2 * p->input_c : 0) : tslm_mve_conv_s8_get_buffer_size(p);
}
