/*
 * tslm_conv.c - CONV_2D (int8) for the Cortex-M DSP extension.
 *
 * With constant weights the compiler folds the input offset into the bias and
 * hands over per-channel requantization records and the weights with each
 * pair of output channels interleaved by fours (tslm_dsp.h). Two output
 * pixels at a time: their receptive fields (for a 1x1 filter, the input
 * pixels themselves; for one filter row over all channels with no padding, the
 * K input bytes where they lie; otherwise an im2col copy in which taps outside the image
 * hold the input zero point, whose folded share then cancels, as TFLM's skip
 * does) are widened to int16 once, and each pair of output channels is a 2x2
 * block of dot products over K = filter_h * filter_w * filter_c: one weight
 * load and two SXTB16 serve both pixels.
 * Both pixels are widened before any of their outputs is written, so a 1x1
 * stride-1 convolution whose output is no wider than its input may run in place.
 * Non-constant weights take TFLM's loop as it is.
 * scratch: 16 bytes per four k (two widened pixels), + 8 bytes per four k for im2col (two columns,
 * K rounded up to a multiple of four, the taps past K zero, so a column is widened a word at a time).
 */
#include "tslm_dsp_conv.h"
#include "tslm_dsp.h"

/* n bytes from src to dst, a word at a time while four remain (unaligned LDR/STR). */
TSLM_ALWAYS_INLINE int8_t *copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4, src += 4, dst += 4) {
        const int32_t v = tslm_read32(src);
        memcpy(dst, &v, sizeof(v));
    }
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
    return dst;
}

TSLM_ALWAYS_INLINE int8_t *fill_bytes(int8_t *dst, int8_t value, int32_t n)
{
    for (; n > 0; --n) {
        *dst++ = value;
    }
    return dst;
}

/* n >= 4 bytes from src to dst a word at a time, the last word ending at byte n (it may rewrite
 * bytes already written); nothing outside either run is touched. */
TSLM_ALWAYS_INLINE void copy_run(int8_t *dst, const int8_t *src, int32_t n)
{
    const int32_t last = n - 4;
    for (int32_t i = 0; i < last; i += 4) {
        const int32_t v = tslm_read32(src + i);
        memcpy(dst + i, &v, sizeof(v));
    }
    const int32_t v = tslm_read32(src + last);
    memcpy(dst + last, &v, sizeof(v));
}

/* A receptive field inside the image, fh runs of n >= 4 bytes `step` apart from src, into col: runs of up to
 * twelve bytes as two or three words without a loop (the last word ending at the run's end; three runs of
 * nine to twelve, a 3x3 filter over three or four channels, unrolled), longer runs by copy_run. */
TSLM_ALWAYS_INLINE void copy_window(int8_t *col, const int8_t *src, int32_t n, int32_t step, int32_t fh)
{
    if (n > 12) {
        for (int32_t fy = 0; fy < fh; ++fy, src += step, col += n) {
            copy_run(col, src, n);
        }
        return;
    }
    if (n > 8 && fh == 3) {
        const int8_t *s1 = src + step, *s2 = s1 + step;
        const int32_t a0 = tslm_read32(src), b0 = tslm_read32(src + 4), z0 = tslm_read32(src + n - 4);
        const int32_t a1 = tslm_read32(s1), b1 = tslm_read32(s1 + 4), z1 = tslm_read32(s1 + n - 4);
        const int32_t a2 = tslm_read32(s2), b2 = tslm_read32(s2 + 4), z2 = tslm_read32(s2 + n - 4);
        memcpy(col, &a0, 4), memcpy(col + 4, &b0, 4), memcpy(col + n - 4, &z0, 4);
        col += n;
        memcpy(col, &a1, 4), memcpy(col + 4, &b1, 4), memcpy(col + n - 4, &z1, 4);
        col += n;
        memcpy(col, &a2, 4), memcpy(col + 4, &b2, 4), memcpy(col + n - 4, &z2, 4);
        return;
    }
    for (int32_t fy = 0; fy < fh; ++fy, src += step, col += n) {
        const int32_t a = tslm_read32(src), z = tslm_read32(src + n - 4);
        if (n > 8) {
            const int32_t b = tslm_read32(src + 4);
            memcpy(col + 4, &b, sizeof(b));
        }
        memcpy(col, &a, sizeof(a));
        memcpy(col + n - 4, &z, sizeof(z));
    }
}

/* The receptive field of output pixel (oy, ox), group `group`, as K contiguous bytes (col: word-aligned, 4 n4
 * bytes); taps outside the image hold the input zero point. */
static void im2col(const tslm_conv_params *p, const int8_t *in_b, int32_t oy, int32_t ox, int32_t group,
                   int8_t *col)
{
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    const int32_t x0 = ox * p->stride_w - p->pad_w;
    const int8_t zero_point = (int8_t)(-p->input_offset);
    const int32_t fc = p->filter_c, row_bytes = p->input_w * p->input_c;
    const int contiguous = fc == p->input_c && p->dilation_w == 1; /* a filter row is one run of bytes */
    const int32_t run = p->filter_w * fc;
    if (contiguous && run >= 4 && x0 >= 0 && x0 + p->filter_w <= p->input_w && y0 >= 0 &&
        y0 + p->dilation_h * (p->filter_h - 1) < p->input_h) { /* inside the image: a run per filter row */
        const int8_t *src = in_b + y0 * row_bytes + x0 * fc;
        const int32_t step = p->dilation_h * row_bytes;
        for (int32_t fy = 0; fy < p->filter_h; ++fy, src += step, col += run) {
            copy_run(col, src, run);
        }
        return;
    }
    if (contiguous) { /* the zero point a word at a time over the whole column (4 n4 bytes, word-aligned: the
                       * taps past K only meet zero weights), then the part of each filter row inside the image */
        const uint32_t zp4 = 0x01010101u * (uint8_t)zero_point;
        const int32_t n4 = (p->filter_h * run + 3) / 4;
        for (int32_t i = 0; i < n4; ++i) {
            memcpy(col + 4 * i, &zp4, sizeof(zp4));
        }
        const int32_t lo = x0 < 0 ? -x0 : 0;                                            /* taps left of the image */
        const int32_t end = x0 + p->filter_w > p->input_w ? p->input_w - x0 : p->filter_w; /* first tap right of it */
        if (end <= lo) {
            return;
        }
        for (int32_t fy = 0; fy < p->filter_h; ++fy) {
            const int32_t iy = y0 + p->dilation_h * fy;
            if (iy >= 0 && iy < p->input_h) {
                copy_bytes(col + fy * run + lo * fc, in_b + iy * row_bytes + (x0 + lo) * fc, (end - lo) * fc);
            }
        }
        return;
    }
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        if (iy < 0 || iy >= p->input_h) {
            col = fill_bytes(col, zero_point, p->filter_w * fc);
            continue;
        }
        const int8_t *row = in_b + iy * row_bytes + group * fc;
        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            col = (ix < 0 || ix >= p->input_w) ? fill_bytes(col, zero_point, fc)
                                               : copy_bytes(col, row + ix * p->input_c, fc);
        }
    }
}

/* Where receptive fields of one group, their filter rows runs of at least four bytes, lie inside the image:
 * output rows oy_lo..oy_lo + oy_span, columns ox_lo..ox_lo + ox_span (unsigned compares); there they are
 * copied a word at a time without im2col's checks. */
typedef struct {
    int32_t oy_lo, ox_lo;
    uint32_t oy_span, ox_span;
    int32_t row_step, col_step, origin, tap_step, run, filter_h;
} cols_geo;

/* Whether receptive fields may be copied inside the image at all (and geo set up for it). */
static int cols_geo_init(const tslm_conv_params *p, cols_geo *geo)
{
    const int32_t row_bytes = p->input_w * p->input_c;
    const int32_t y_room = p->input_h - 1 - p->dilation_h * (p->filter_h - 1) + p->pad_h; /* oy * stride_h at most */
    const int32_t x_room = p->input_w - p->filter_w + p->pad_w;
    geo->oy_lo = (p->pad_h + p->stride_h - 1) / p->stride_h;
    geo->ox_lo = (p->pad_w + p->stride_w - 1) / p->stride_w;
    geo->run = p->filter_w * p->filter_c, geo->filter_h = p->filter_h;
    geo->row_step = p->stride_h * row_bytes, geo->col_step = p->stride_w * p->input_c;
    geo->origin = p->pad_h * row_bytes + p->pad_w * p->input_c, geo->tap_step = p->dilation_h * row_bytes;
    if (p->filter_c != p->input_c || p->dilation_w != 1 || geo->run < 4 || y_room < 0 || x_room < 0 ||
        y_room / p->stride_h < geo->oy_lo || x_room / p->stride_w < geo->ox_lo) {
        return 0;
    }
    geo->oy_span = (uint32_t)(y_room / p->stride_h - geo->oy_lo);
    geo->ox_span = (uint32_t)(x_room / p->stride_w - geo->ox_lo);
    return 1;
}

/* (always inlined, in the size build too: with a second caller GCC -Os made it a call in cols2's pixel loop) */
static inline __attribute__((always_inline)) int cols_inside(const cols_geo *geo, int32_t oy, int32_t ox)
{
    return (uint32_t)(oy - geo->oy_lo) <= geo->oy_span && (uint32_t)(ox - geo->ox_lo) <= geo->ox_span;
}

/* The columns of pixels (oy, ox) and (oy1, ox1), both inside the image. */
TSLM_ALWAYS_INLINE void cols_copy2(const cols_geo *geo, const int8_t *in_b, int32_t oy, int32_t ox, int32_t oy1,
                                   int32_t ox1, int8_t *col0, int8_t *col1)
{
    const int8_t *base = in_b - geo->origin;
    copy_window(col0, base + oy * geo->row_step + ox * geo->col_step, geo->run, geo->tap_step, geo->filter_h);
    copy_window(col1, base + oy1 * geo->row_step + ox1 * geo->col_step, geo->run, geo->tap_step, geo->filter_h);
}

/* The columns of two pixels: inside the image by cols_copy2 (geo: NULL where it does not apply), else im2col. */
__attribute__((noinline)) static void cols2(const tslm_conv_params *p, const cols_geo *geo, const int8_t *in_b,
                                            int32_t oy, int32_t ox, int32_t oy1, int32_t ox1, int32_t group,
                                            int8_t *col0, int8_t *col1)
{
    if (geo != NULL && cols_inside(geo, oy, ox) && cols_inside(geo, oy1, ox1)) {
        cols_copy2(geo, in_b, oy, ox, oy1, ox1, col0, col1);
        return;
    }
    im2col(p, in_b, oy, ox, group, col0);
    im2col(p, in_b, oy1, ox1, group, col1);
}

/* 1x1 filter: the input pixel under output pixel `pixel`. */
TSLM_ALWAYS_INLINE const int8_t *pixel_at(const tslm_conv_params *p, const int8_t *in_b, int32_t pixel)
{
    const int32_t oy = pixel / p->output_w, ox = pixel % p->output_w;
    return in_b + (oy * p->stride_h * p->input_w + ox * p->stride_w) * p->input_c;
}

/* One filter row of one group over all input channels, no padding, no dilation along x: every receptive
 * field is already K contiguous input bytes (a 1 x K convolution over time), read where it lies. */
TSLM_ALWAYS_INLINE int uses_window(const tslm_conv_params *p)
{
    return p->filter_h == 1 && p->filter_c == p->input_c && p->dilation_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
           (p->output_w - 1) * p->stride_w + p->filter_w <= p->input_w &&
           (p->output_h - 1) * p->stride_h < p->input_h;
}

#if defined(TSLM_DSP_OP_QUADS)
/* The last output_c & 3 channels (past the assembly's fours) of one or two widened pixels (out1: NULL for one). */
__attribute__((noinline)) static void op_rest(const tslm_conv_params *p, const int32_t *x, const int32_t *weights,
                                              int32_t n4, int8_t *out0, int8_t *out1, int full)
{
    const int32_t done = p->output_c & ~3; /* one copy for both epilogues (full: a branch per block) */
    tslm_dsp_op_gemm_tail(x, weights + done * n4, p->requant + 4 * done, n4, p->output_c & 3, out0 + done,
                          out1 != NULL ? out1 + done : NULL, p->act_min, p->act_max, full);
}

/* Offset pairs over im2col columns of one group (filters wider than a pixel, not a window): a lean loop over
 * pairs of pixels, their columns copied a word at a time where they lie inside the image, widened whole
 * (4 n4 bytes, the taps past K zero), then the assembly's fours and the rest. */
__attribute__((noinline)) static void cols_op(const tslm_conv_params *p, const int8_t *input, const int32_t *weights,
                                              int8_t *output, int32_t *x, const int full)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c, n4 = (k_all + 3) / 4;
    const int32_t oc = p->output_c, ow = p->output_w, pixels = p->output_h * ow;
    int8_t *col0 = (int8_t *)(x + 4 * n4);
    int8_t *col1 = col0 + 4 * n4;
    for (int32_t k = k_all; k < 4 * n4; ++k) {
        col0[k] = 0, col1[k] = 0;
    }
    cols_geo geo_s;
    const cols_geo *geo = cols_geo_init(p, &geo_s) ? &geo_s : NULL;
    tslm_dsp_op_job job2, job1;
    (void)tslm_dsp_op_job_init(&job2, x, weights, p->requant, n4, oc, p->act_min, p->act_max, full, 1, oc);
    (void)tslm_dsp_op_job_init(&job1, x, weights, p->requant, n4, oc, p->act_min, p->act_max, full, 0, 0);
    job2.in = col0; /* the routine widens the pair's columns itself (col1 = col0 + 4 n4, as its rows) */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out = output + b * pixels * oc;
        int32_t oy = 0, ox = 0, left = pixels;
        for (; left >= 2; left -= 2, out += 2 * oc) {
            int32_t oy1 = oy, ox1 = ox + 1;
            if (ox1 == ow) {
                ox1 = 0, ++oy1;
            }
            if (geo != NULL && cols_inside(geo, oy, ox) && cols_inside(geo, oy1, ox1)) {
                cols_copy2(geo, in_b, oy, ox, oy1, ox1, col0, col1);
            } else {
                im2col(p, in_b, oy, ox, 0, col0);
                im2col(p, in_b, oy1, ox1, 0, col1);
            }
            if (oc >= 4) {
                tslm_dsp_op_job_run(&job2, out);
            } else {
                tslm_dsp_op_widen2(col0, col1, 4 * n4, x);
            }
            if (oc & 3) {
                op_rest(p, x, weights, n4, out, out + oc, full);
            }
            oy = oy1, ox = ox1 + 1;
            if (ox == ow) {
                ox = 0, ++oy;
            }
        }
        if (left > 0) {
            im2col(p, in_b, oy, ox, 0, col0);
            tslm_dsp_op_widen1(col0, 4 * n4, x);
            if (oc >= 4) {
                tslm_dsp_op_job_run(&job1, out);
            }
            if (oc & 3) {
                op_rest(p, x, weights, n4, out, NULL, full);
            }
        }
    }
}
#endif

/* fast: 0 exact records, 1 fast ones, 2 offset pairs (tslm_dsp.h; the compiler gives them to one group only). */
TSLM_ALWAYS_INLINE void run(const tslm_conv_params *p, const int8_t *input, const int32_t *weights,
                            int8_t *output, int32_t *x, const int fast, const int full)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c, n4 = (k_all + 3) / 4;
    const int32_t groups = p->input_c / p->filter_c;
    const int32_t per_group = p->output_c / groups;
    const int direct = p->filter_h == 1 && p->filter_w == 1; /* 1x1: no padding, pixels are their own columns */
    /* one filter row of one group over all input channels, no padding, no dilation along x: every receptive
     * field is already K contiguous input bytes (a 1 x K convolution over time), read where it lies */
    const int window = groups == 1 && uses_window(p);
    /* im2col columns of 4 n4 bytes, the taps past k_all zero, so they are widened whole */
    int8_t *col0 = (int8_t *)(x + 4 * n4);
    int8_t *col1 = col0 + 4 * n4;
    const int32_t pixels = p->output_h * p->output_w;
    const int32_t k_wide = direct || window ? k_all : 4 * n4; /* the bytes widened per pixel */
    cols_geo geo_s;
    const cols_geo *geo = !direct && !window && groups == 1 && cols_geo_init(p, &geo_s) ? &geo_s : NULL;
    if (!direct && !window) {
        for (int32_t k = k_all; k < 4 * n4; ++k) {
            col0[k] = 0, col1[k] = 0;
        }
    }
#if defined(TSLM_DSP_OP_QUADS)
    /* offset pairs: the assembly's jobs (two pixels, one) set up once; the channels past the fours in C */
    tslm_dsp_op_job job2, job1;
    const int32_t fours = fast == 2 ? tslm_dsp_op_job_init(&job2, x, weights, p->requant, n4, per_group, p->act_min,
                                                           p->act_max, full, 1, p->output_c)
                                    : 0;
    const int32_t fours1 = fast == 2 ? tslm_dsp_op_job_init(&job1, x, weights, p->requant, n4, per_group,
                                                            p->act_min, p->act_max, full, 0, 0)
                                     : 0;
    /* 1x1 at stride 1, all channels in fours: every pair of pixels in the assembly, widening too (the pixels are
     * k_all bytes apart) */
    const int pixel_pairs = fours > 0 && fours == per_group && direct && groups == 1 && p->stride_h == 1 &&
                            p->stride_w == 1 && p->input_w == p->output_w && (k_all & 3) == 0;
#endif
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out_b = output + b * pixels * p->output_c;
        int32_t px0 = 0;
#if defined(TSLM_DSP_OP_QUADS)
        if (pixel_pairs && pixels >= 2) {
            job2.in = in_b, job2.pairs = pixels / 2;
            tslm_dsp_op_job_run(&job2, out_b);
            job2.in = NULL, job2.pairs = 1;
            px0 = pixels & ~1;
        }
#endif
        int32_t oy = px0 / p->output_w, ox = px0 % p->output_w; /* of pixel px */
        for (int32_t px = px0; px < pixels; px += 2) {
            const int two = px + 1 < pixels;
            const int32_t oy1 = ox + 1 < p->output_w ? oy : oy + 1, ox1 = ox + 1 < p->output_w ? ox + 1 : 0;
            int8_t *out0 = out_b + px * p->output_c;
            int8_t *out1 = two ? out0 + p->output_c : NULL;
            for (int32_t g = 0; g < groups; ++g) {
                const int8_t *a = col0, *c = col1;
                if (direct || window) {
                    a = pixel_at(p, in_b, px) + g * p->filter_c;
                    c = two ? pixel_at(p, in_b, px + 1) + g * p->filter_c : a;
                } else if (two) {
                    cols2(p, geo, in_b, oy, ox, oy1, ox1, g, col0, col1);
                } else {
                    im2col(p, in_b, oy, ox, g, col0);
                }
                if (fast == 2) {
                    int32_t done = 0;
                    if (two) {
                        tslm_dsp_op_widen2(a, c, k_wide, x);
                    } else {
                        tslm_dsp_op_widen1(a, k_wide, x);
                    }
#if defined(TSLM_DSP_OP_QUADS)
                    done = two ? fours : fours1;
                    if (done > 0) {
                        tslm_dsp_op_job_run(two ? &job2 : &job1, out0);
                    }
#endif
                    if (done < per_group) {
                        /* (the jobs' conditions hold for per_group - done channels as for per_group: no four
                         * of them in the assembly) */
                        tslm_dsp_op_gemm_rows_(x, weights + done * n4, p->requant + 4 * done, n4, per_group - done,
                                               out0 + done, two ? out1 + done : NULL, p->act_min, p->act_max, full,
                                               1);
                    }
                    continue;
                }
                if (two) {
                    tslm_dsp_widen2(a, c, k_wide, x);
                } else {
                    tslm_dsp_widen1(a, k_wide, x);
                }
                tslm_dsp_gemm_rows(x, weights + g * per_group * n4, p->requant + 4 * g * per_group, n4, per_group,
                                   out0 + g * per_group, two ? out1 + g * per_group : NULL, p->output_offset,
                                   p->act_min, p->act_max, fast, full);
            }
            oy = ox1 + 1 < p->output_w ? oy1 : oy1 + 1; /* pixel px + 2 */
            ox = ox1 + 1 < p->output_w ? ox1 + 1 : 0;
        }
    }
}

/*
 * The wide layout (requant_fast == 3; the compiler's conv_wide and conv_wide_cols in
 * tinyslm/compiler/dsp_layout.py: one group, an even number of output channels, few weights; 1x1 at stride 1 with k a
 * multiple of 8, or a filter wider than one pixel over all input channels whose K = filter_h filter_w filter_c,
 * rounded up to a multiple of four, is 8..36): the weights are int16, doubled, per pair of output channels and four
 * k (a's (k0, k2), (k1, k3), then b's; zero past K), so an SMLAD takes a weight word as it is loaded. Two pixels
 * widened (as tslm_dsp_op_widen2: per four k, pixel 0's (k0, k2), (k1, k3), then pixel 1's), then per pair of
 * channels and four k one LDM of the pixels' four words, one of the channels' and eight SMLAD (10 instructions, 16
 * MACs). A 1x1 conv widens its input pixels where they lie; a wider filter's receptive fields are first copied as
 * im2col columns, TSLM_CW_COLS pixels at a time (4 n4 bytes each, one after another, so the assembly widens them as
 * it widens a 1x1 conv's pixels). One stream of int32 (p->requant; the compiler's conv_wide_stream) in the order the
 * assembly reads it with one pointer: per pair 2 bias of a, of b, its weights (4 n4 words), then m, r, rz of a, of
 * b; two words of 0 after the last pair (read as a next pair's sums). Scratch: the two widened pixels, the columns
 * (wider filters), then output_c bytes that take a lone last pixel's second outputs. The assembly is in the size
 * build too (the C form: the host, act_max < 127).
 */
#define TSLM_CW_COLS 16 /* im2col columns per pass of the assembly (even) */
#define TSLM_CW_RGB 32  /* RGB pixels widened per pass of the assembly (even) */

TSLM_ALWAYS_INLINE int wide_cols(const tslm_conv_params *p) { return p->filter_h * p->filter_w > 1; }

/* An RGB image's first layer, 3x3 over three channels: K in the order the compiler's conv_wide_rgb gives (each
 * filter row's bytes 0-3 and 4-7, then row 0's, 1's and 2's ninth bytes and a zero; n4 = 7), so each receptive field
 * is widened straight from the image, in pairs of pixels as the assembly reads them, with no im2col copy. */
TSLM_ALWAYS_INLINE int wide_rgb(const tslm_conv_params *p)
{
    return p->filter_h == 3 && p->filter_w == 3 && p->filter_c == 3;
}

TSLM_ALWAYS_INLINE int32_t wide_n4(const tslm_conv_params *p)
{
    return (p->filter_h * p->filter_w * p->filter_c + 3) >> 2;
}

/* output_c bytes for a lone last pixel's second outputs: after the widened pixels and the columns */
TSLM_ALWAYS_INLINE int8_t *wide_spare(const tslm_conv_params *p, int32_t *x)
{
    const int32_t n4 = wide_n4(p);
    if (wide_rgb(p)) { /* TSLM_CW_RGB pixels widened, then one im2col column */
        return (int8_t *)(x + TSLM_CW_RGB * 2 * n4) + 4 * n4;
    }
    return (int8_t *)(x + 4 * n4) + (wide_cols(p) ? TSLM_CW_COLS * 4 * n4 : 0);
}

/* One pair of channels over two widened pixels (tslm_dsp_op_widen2's layout): the sums a0 a1 (channel a, pixels
 * 0 and 1), b0 b1 in s; a function of its own so that they stay in registers. */
__attribute__((noinline)) static void wide_pair_c(const int32_t *x, const int32_t *w, int32_t n4, int32_t *s)
{
    int32_t a0 = s[0], a1 = s[1], b0 = s[2], b1 = s[3];
    for (; n4 > 0; --n4, x += 4, w += 4) {
        const int32_t wa = w[0], wb = w[1];
        a0 = tslm_smlad(wb, x[1], tslm_smlad(wa, x[0], a0));
        a1 = tslm_smlad(wb, x[3], tslm_smlad(wa, x[2], a1));
        const int32_t wc = w[2], wd = w[3];
        b0 = tslm_smlad(wd, x[1], tslm_smlad(wc, x[0], b0));
        b1 = tslm_smlad(wd, x[3], tslm_smlad(wc, x[2], b1));
    }
    s[0] = a0, s[1] = a1, s[2] = b0, s[3] = b1;
}

/* Two widened pixels x in C (without the assembly; act_max < 127 with it): a lone last one as pixel 1 too, its
 * second outputs into out1 = scratch (wide_spare). */
__attribute__((noinline)) static void wide_pixels_x(const tslm_conv_params *p, const int32_t *x, int8_t *out0,
                                                    int8_t *out1)
{
    const int32_t n4 = wide_n4(p), oc = p->output_c, lo = p->act_min, hi = p->act_max;
    const int full = lo == -128 && hi == 127;
    const int32_t *st = p->requant;
    for (int32_t c = 0; c < oc; c += 2, st += 8 + 4 * n4) {
        int32_t s[4] = {st[0], st[0], st[1], st[1]};
        wide_pair_c(x, st + 2, n4, s);
        const int32_t *rq = st + 1 + 4 * n4; /* m, r, rz of a at rq + 1, of b at rq + 4: tslm_dsp_op_out1's [1..3] */
        if (full) {
            out0[c] = tslm_dsp_op_out1(s[0], rq, lo, hi, 1), out1[c] = tslm_dsp_op_out1(s[1], rq, lo, hi, 1);
            out0[c + 1] = tslm_dsp_op_out1(s[2], rq + 3, lo, hi, 1);
            out1[c + 1] = tslm_dsp_op_out1(s[3], rq + 3, lo, hi, 1);
        } else {
            out0[c] = tslm_dsp_op_out1(s[0], rq, lo, hi, 0), out1[c] = tslm_dsp_op_out1(s[1], rq, lo, hi, 0);
            out0[c + 1] = tslm_dsp_op_out1(s[2], rq + 3, lo, hi, 0);
            out1[c + 1] = tslm_dsp_op_out1(s[3], rq + 3, lo, hi, 0);
        }
    }
}

/* Two pixels' inputs (4 n4 bytes each) widened, then wide_pixels_x. */
static void wide_pixels_c(const tslm_conv_params *p, const int8_t *in0, const int8_t *in1, int8_t *out0,
                          int8_t *out1, int32_t *x)
{
    tslm_dsp_op_widen2(in0, in1, 4 * wide_n4(p), x);
    wide_pixels_x(p, x, out0, out1);
}

/* The stream's end: per pair 2 sums, 4 n4 words of weights and 6 of records, then the two words of 0 the assembly
 * reads as a next pair's sums. */
TSLM_ALWAYS_INLINE const int32_t *wide_end(const tslm_conv_params *p)
{
    return p->requant + (p->output_c / 2) * (8 + 4 * wide_n4(p)) + 2;
}

#if defined(TSLM_DSP_ASM)
typedef struct {
    int32_t *x;
    const int32_t *xend; /* x + 4 n4 words */
    const int16_t *w;    /* the stream */
    const int32_t *rq;   /* (not read) */
    const int32_t *rq_end; /* the stream's end: past the two words after the last pair */
    const int8_t *in;
    int32_t pairs;
    int8_t *out0, *out1;
    int32_t in1;         /* pixel 1's input from pixel 0's: k (0 for a lone pixel) */
    int32_t oc;
    int32_t entry, tail; /* (the assembly's) */
    int32_t lo;
    const int32_t *rq0;  /* (not read) */
    int32_t n8;          /* n4 / 2: the widening loop's steps of eight k */
    int32_t n4;          /* (an odd n4 first widens one group of four k) */
    int32_t no_neg;      /* act_min at or above the output zero point: TFLM's -1 for negative sums never shows */
} wide2_job;
#define TSLM_CW_U 8 /* groups per pass, 40 bytes each */
#define TSLM_CW_GROUP                                      \
    "ldmia.w r0!, {r8, r9, r10, r11}\n\t"                \
    "ldmia.w r1!, {r2, r7, r12, lr}\n\t"                 \
    "smlad r3, r2, r8, r3\n\t"                           \
    "smlad r3, r7, r9, r3\n\t"                           \
    "smlad r4, r2, r10, r4\n\t"                          \
    "smlad r4, r7, r11, r4\n\t"                          \
    "smlad r5, r12, r8, r5\n\t"                          \
    "smlad r5, lr, r9, r5\n\t"                           \
    "smlad r6, r12, r10, r6\n\t"                         \
    "smlad r6, lr, r11, r6\n\t"
#define TSLM_CW_GROUP4 TSLM_CW_GROUP TSLM_CW_GROUP TSLM_CW_GROUP TSLM_CW_GROUP
#define TSLM_CW_RQ(V, M, R, Z, T)                          \
    "add " T ", " Z ", " V ", asr #31\n\t"               \
    "smmlar " V ", " V ", " M ", " T "\n\t"              \
    "asr " V ", " V ", " R "\n\t"
#define TSLM_CW_RQ4                                                                          \
    TSLM_CW_RQ("r3", "r7", "r8", "r9", "r0") TSLM_CW_RQ("r4", "r7", "r8", "r9", "lr")             \
    TSLM_CW_RQ("r5", "r10", "r11", "r12", "r0") TSLM_CW_RQ("r6", "r10", "r11", "r12", "lr")
/* without TFLM's -1 for negative sums: exact where act_min is at or above the zero point (a negative sum's output
 * is at most the zero point either way, so it clamps to act_min) */
#define TSLM_CW_RQ0(V, M, R, Z) "smmlar " V ", " V ", " M ", " Z "\n\tasr " V ", " V ", " R "\n\t"
#define TSLM_CW_RQ4_0                                                                        \
    TSLM_CW_RQ0("r3", "r7", "r8", "r9") TSLM_CW_RQ0("r4", "r7", "r8", "r9")                       \
    TSLM_CW_RQ0("r5", "r10", "r11", "r12") TSLM_CW_RQ0("r6", "r10", "r11", "r12")
#if !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: neither the loop's copy nor the requantization without -1) */
#define TSLM_CW_SEL_NONEG "cmp r11, #0\n\tbne 20f\n\t"
#define TSLM_CW_SEL_NONEG2                                                                   \
    "b 21f\n"                                                                             \
    "20:\n\t"                                                                             \
    "cmn r6, #128\n\t"                                                                    \
    "ite eq\n\t"                                                                          \
    "adreq.w r9, 11f + 1\n\t"                                                             \
    "adrne.w r9, 12f + 1\n"                                                              \
    "21:\n\t"
#define TSLM_CW_SEL_NOLOOP /* at most eight groups in the loop: its copy without the loop's end */ \
    "cmp r10, #9\n\t"                                                                     \
    "ite ls\n\t"                                                                          \
    "adrls.w r10, 15f + 1\n\t"                                                            \
    "adrhi.w r10, 5f + 1\n\t"
#define TSLM_CW_NOLOOP                                                                       \
    ".p2align 2\n"                                                                       \
    "15:\n\t" /* at most eight groups: no loop */                                         \
    TSLM_CW_GROUP4 TSLM_CW_GROUP4                                                             \
    "ldmia r1!, {r7, r8, r9, r10, r11, r12}\n\t"                                          \
    "ldr pc, [sp, #48]\n\t"
/* (11: the whole range, 12: clamped at act_min, both with act_min at or above the zero point: no -1 for negative
 * sums) */
#define TSLM_CW_NONEG TSLM_CW_EPILOGUES(TSLM_CW_RQ4_0, "11", "12")
#else
#define TSLM_CW_SEL_NONEG
#define TSLM_CW_SEL_NONEG2
#define TSLM_CW_SEL_NOLOOP "adr r10, 5f + 1\n\t"
#define TSLM_CW_NOLOOP
#define TSLM_CW_NONEG
#endif
#define TSLM_CW_CLAMP1(V) "usat " V ", #8, " V "\n\tadd " V ", " V ", r0\n\tssat " V ", #8, " V "\n\t"
/* A pair's two epilogues after the requantization RQ: at label SAT the whole int8 range (SSAT), at label CLAMP
 * outputs clamped at act_min (USAT, + act_min, SSAT); each ends with the stores and the loop back (TSLM_CW_TAIL) */
#define TSLM_CW_EPILOGUES(RQ, SAT, CLAMP)                                                   \
    SAT ":\n\t" RQ                                                                          \
    "ssat r3, #8, r3\n\t"                                                                 \
    "ssat r4, #8, r4\n\t"                                                                 \
    "ssat r5, #8, r5\n\t"                                                                 \
    "ssat r6, #8, r6\n\t"                                                                 \
    TSLM_CW_TAIL                                                                              \
    "b 8f\n" CLAMP ":\n\t" RQ                                                              \
    "ldr r0, [sp, #52]\n\t"                                                               \
    TSLM_CW_CLAMP1("r3") TSLM_CW_CLAMP1("r4") TSLM_CW_CLAMP1("r5") TSLM_CW_CLAMP1("r6")       \
    TSLM_CW_TAIL
#define TSLM_CW_TAIL                                       \
    "ldrd r0, lr, [sp, #28]\n\t"                         \
    "strb r3, [r0], #1\n\t"                              \
    "strb r5, [r0], #1\n\t"                              \
    "strb r4, [lr], #1\n\t"                              \
    "strb r6, [lr], #1\n\t"                              \
    "strd r0, lr, [sp, #28]\n\t"                         \
    "ldmia r1!, {r3, r5}\n\t"                            \
    "ldr r0, [sp, #16]\n\t"                              \
    "cmp r1, r0\n\t"                                     \
    "bne 2b\n\t"
/*
 * The job's pairs of pixels (outputs clamped at most at act_min): r0 x, r1 weights, r3 r4 sums of channel a
 * (pixels 0, 1), r5 r6 of b, r8-r11 the pixels' words, r2 r7 r12 lr weight words. The frame is the job. The
 * groups after the first run in a loop unrolled TSLM_CW_U times, entered part-way (n4 >= 2).
 */
/* wide_pairs' body: MASK the loop's unrolled groups - 1, GROUPS them, SEL_NOLOOP / NOLOOP the copy without the loop's end */
#define TSLM_CW_PAIRS(MASK, GROUPS, SEL_NOLOOP, NOLOOP) \
    "push {r4-r11, lr}\n\t" \
    "sub sp, sp, #72\n\t" \
    "ldrd r10, r11, [r0, #64]\n\t" /* n4, exact without TFLM's -1 */ \
    "ldmia r0!, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t" \
    "stmia sp, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t" \
    "ldmia r0, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t" \
    "add r9, sp, #32\n\t" \
    "stmia r9, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t" \
    TSLM_CW_SEL_NONEG \
    "cmn r6, #128\n\t"           /* lo */ \
    "ite eq\n\t" \
    "adreq.w r9, 6f + 1\n\t" \
    "adrne.w r9, 7f + 1\n\t" \
    TSLM_CW_SEL_NONEG2 \
    "str r9, [sp, #48]\n\t" \
    "tst r10, #1\n\t"            /* an odd n4: one group of four k before the loop */ \
    "ite eq\n\t" \
    "adreq.w r9, 1f + 1\n\t" \
    "adrne.w r9, 10f + 1\n\t" \
    "cmp r8, #0\n\t"             /* no steps of eight k: the pixels come widened (x steps in1 bytes a pair) */ \
    "it eq\n\t" \
    "adreq.w r9, 13f + 1\n\t" \
    "str r9, [sp, #64]\n\t" \
    "sub r8, r10, #1\n\t"        /* groups in the loop */ \
    "rsb r8, r8, #0\n\t" \
    "and r8, r8, #" MASK "\n\t"         /* the groups its first pass skips */ \
    "mov r9, #40\n\t" \
    SEL_NOLOOP \
    "mla r8, r8, r9, r10\n\t" \
    "str r8, [sp, #44]\n\t" \
    "ldr pc, [sp, #64]\n" \
    "1:\n\t" /* a pair of pixels: both widened */ \
    "ldr r0, [sp, #20]\n\t" \
    "ldr r2, [sp, #36]\n\t" \
    "ldr r3, [sp, #60]\n\t" \
    "ldr r4, [sp]\n\t" \
    "add r1, r0, r2\n" \
    "3:\n\t" \
    "ldrd r5, r6, [r0], #8\n\t" \
    "ldrd r7, r12, [r1], #8\n\t" \
    "sxtb16 r8, r5\n\t" \
    "sxtb16 r9, r5, ror #8\n\t" \
    "sxtb16 r10, r7\n\t" \
    "sxtb16 r11, r7, ror #8\n\t" \
    "stmia r4!, {r8, r9, r10, r11}\n\t" \
    "sxtb16 r8, r6\n\t" \
    "sxtb16 r9, r6, ror #8\n\t" \
    "sxtb16 r10, r12\n\t" \
    "sxtb16 r11, r12, ror #8\n\t" \
    "stmia r4!, {r8, r9, r10, r11}\n\t" \
    "subs r3, r3, #1\n\t" \
    "bne 3b\n\t" \
    "str r1, [sp, #20]\n"        /* the next pair's input (pixel 1's end) */ \
    "4:\n\t" \
    "ldr r1, [sp, #8]\n\t" \
    "ldmia r1!, {r3, r5}\n"       /* the first pair's sums */ \
    "2:\n\t" /* a pair of channels: the first group from the records' sums */ \
    "ldr r0, [sp]\n\t" \
    "ldmia.w r0!, {r8, r9, r10, r11}\n\t" \
    "ldmia.w r1!, {r2, r7, r12, lr}\n\t" \
    "smlad r4, r2, r10, r3\n\t" \
    "smlad r3, r2, r8, r3\n\t" \
    "smlad r4, r7, r11, r4\n\t" \
    "smlad r3, r7, r9, r3\n\t" \
    "smlad r6, r12, r10, r5\n\t" \
    "smlad r5, r12, r8, r5\n\t" \
    "smlad r6, lr, r11, r6\n\t" \
    "smlad r5, lr, r9, r5\n\t" \
    "ldr pc, [sp, #44]\n\t" \
    NOLOOP \
    ".p2align 2\n" \
    "5:\n\t" \
    GROUPS \
    "ldr r2, [sp, #4]\n\t" \
    "cmp r0, r2\n\t" \
    "bne 5b\n\t" \
    "ldmia r1!, {r7, r8, r9, r10, r11, r12}\n\t" \
    "ldr pc, [sp, #48]\n\t" \
    TSLM_CW_EPILOGUES(TSLM_CW_RQ4, "6", "7") /* 6: the whole int8 range, 7: clamped at act_min */ \
    "b 8f\n" \
    TSLM_CW_NONEG \
    "8:\n\t" /* the next pair of pixels: outputs right after */ \
    "ldr r2, [sp, #24]\n\t" \
    "subs r2, r2, #1\n\t" \
    "beq 9f\n\t" \
    "str r2, [sp, #24]\n\t" \
    "ldr r0, [sp, #40]\n\t" \
    "add r0, lr, r0\n\t" \
    "strd lr, r0, [sp, #28]\n\t" \
    "ldr r1, [sp, #8]\n\t" \
    "ldr pc, [sp, #64]\n" \
    "9:\n\t" \
    "add sp, sp, #72\n\t" \
    "pop {r4-r11, pc}\n" \
    "10:\n\t" /* a pair of pixels whose n4 is odd: their first four k, then the loop */ \
    "ldr r0, [sp, #20]\n\t" \
    "ldr r2, [sp, #36]\n\t" \
    "ldr r3, [sp, #60]\n\t" \
    "ldr r4, [sp]\n\t" \
    "add r1, r0, r2\n\t" \
    "ldr r5, [r0], #4\n\t" \
    "ldr r7, [r1], #4\n\t" \
    "sxtb16 r8, r5\n\t" \
    "sxtb16 r9, r5, ror #8\n\t" \
    "sxtb16 r10, r7\n\t" \
    "sxtb16 r11, r7, ror #8\n\t" \
    "stmia r4!, {r8, r9, r10, r11}\n\t" \
    "b 3b\n" \
    "13:\n\t" /* pixels widened by the caller: the next pair's x, in1 bytes on */ \
    "ldrd r0, r2, [sp]\n\t" \
    "ldr r3, [sp, #36]\n\t" \
    "add r0, r0, r3\n\t" \
    "add r2, r2, r3\n\t" \
    "strd r0, r2, [sp]\n\t" \
    "b 4b\n\t"
__attribute__((naked, noinline, aligned(4))) static void wide_pairs(const wide2_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_CW_PAIRS("7", TSLM_CW_GROUP4 TSLM_CW_GROUP4, TSLM_CW_SEL_NOLOOP, TSLM_CW_NOLOOP));
}
#define TSLM_CW_GROUP32 TSLM_CW_GROUP4 TSLM_CW_GROUP4 TSLM_CW_GROUP4 TSLM_CW_GROUP4 \
    TSLM_CW_GROUP4 TSLM_CW_GROUP4 TSLM_CW_GROUP4 TSLM_CW_GROUP4
/* The same unrolled 32 times, without the copy for at most eight groups (tslm_dsp_conv_wide_win_s8: K > 36, n4 >= 10;
 * a loop's end per 32 groups, not per 8). The size build: wide_pairs itself. */
#if !defined(TSLM_OPTIMIZE_SIZE)
__attribute__((naked, noinline, aligned(4))) static void win_pairs(const wide2_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_CW_PAIRS("31", TSLM_CW_GROUP32, "adr r10, 5f + 1\n\t", ""));
}
#else
#define win_pairs wide_pairs
#endif
#undef TSLM_CW_GROUP32
#undef TSLM_CW_PAIRS
#undef TSLM_CW_GROUP
#undef TSLM_CW_GROUP4
#undef TSLM_CW_RQ
#undef TSLM_CW_CLAMP1
#undef TSLM_CW_TAIL
#undef TSLM_CW_RQ4
#undef TSLM_CW_RQ0
#undef TSLM_CW_RQ4_0
#undef TSLM_CW_SEL_NONEG
#undef TSLM_CW_SEL_NONEG2
#undef TSLM_CW_SEL_NOLOOP
#undef TSLM_CW_NOLOOP
#undef TSLM_CW_NONEG
#endif

/*
 * Eight input channels into fours of outputs over the whole int8 range (a 1x1 conv's K = 8; the compiler's
 * conv_wide_quad8 in dsp_layout.py): one pixel at a time, its eight inputs widened once into four registers, then
 * per four channels one stream of 32 words (p->requant): 2 bias of each, the wide weights of the two pairs (a's
 * and b's (k0, k2), (k1, k3) of k 0-3, then of k 4-7), and m, r, rz of each. Per four channels 4 LDM of weights and
 * 16 SMLAD (32 MACs), then per output one LDM of its record, SMMLAR, ASR, SSAT and STRB (the outputs of a pixel
 * are one run of bytes): 44 instructions, no pointers in memory but the stream's ends; two fours per turn of the
 * loop (an odd number: the first turn enters at the second).
 */
TSLM_ALWAYS_INLINE int wide_quad8(const tslm_conv_params *p)
{
    return p->filter_h == 1 && p->filter_w == 1 && p->filter_c == 8 && (p->output_c & 3) == 0 &&
           p->act_min == -128 && p->act_max == 127;
}

#if !defined(TSLM_DSP_ASM)
/* The same in C (the host). */
static void quad8_c(const tslm_conv_params *p, const int8_t *in, int8_t *out, int32_t pixels)
{
    const int32_t *end = p->requant + 8 * p->output_c;
    for (; pixels > 0; --pixels, in += 8) {
        const int32_t u = tslm_read32(in), v = tslm_read32(in + 4);
        const int32_t x0 = tslm_sxtb16(u), x1 = tslm_sxtb16_ror8(u), x2 = tslm_sxtb16(v), x3 = tslm_sxtb16_ror8(v);
        for (const int32_t *q = p->requant; q < end; q += 32) {
            for (int32_t c = 0; c < 4; ++c) {
                const int32_t *g0 = q + 4 + (c >> 1) * 8 + (c & 1) * 2, *g1 = g0 + 4;
                int32_t acc = tslm_smlad(g0[0], x0, q[c]);
                acc = tslm_smlad(g0[1], x1, acc);
                acc = tslm_smlad(g1[0], x2, acc);
                acc = tslm_smlad(g1[1], x3, acc);
                *out++ = tslm_dsp_op_out1(acc, q + 20 + 3 * c - 1, -128, 127, 1);
            }
        }
    }
}
#endif

#if defined(TSLM_DSP_ASM)
typedef struct {
    const int32_t *q, *q_end; /* the stream */
    const int8_t *in;
    int32_t pixels;           /* >= 1 */
    int8_t *out;
} quad8_job;
#define TSLM_Q8_PAIR(A, B)                                  \
    "ldmia r1!, {r2, r7, r12, lr}\n\t"                    \
    "smlad " A ", r2, r8, " A "\n\t"                      \
    "smlad " A ", r7, r9, " A "\n\t"                      \
    "smlad " B ", r12, r8, " B "\n\t"                     \
    "smlad " B ", lr, r9, " B "\n\t"                      \
    "ldmia r1!, {r2, r7, r12, lr}\n\t"                    \
    "smlad " A ", r2, r10, " A "\n\t"                     \
    "smlad " A ", r7, r11, " A "\n\t"                     \
    "smlad " B ", r12, r10, " B "\n\t"                    \
    "smlad " B ", lr, r11, " B "\n\t"
#define TSLM_Q8_OUT(V) /* without TFLM's -1 (act_min -128 = the zero point) */ \
    "ldmia r1!, {r2, r7, r12}\n\t"                        \
    "smmlar " V ", " V ", r2, r12\n\t"                    \
    "asr " V ", " V ", r7\n\t"                            \
    "ssat " V ", #8, " V "\n\t"                           \
    "strb " V ", [r0], #1\n\t"
#define TSLM_Q8_OUT_M1(V) /* with it */                     \
    "ldmia r1!, {r2, r7, r12}\n\t"                        \
    "add lr, r12, " V ", asr #31\n\t"                     \
    "smmlar " V ", " V ", r2, lr\n\t"                     \
    "asr " V ", " V ", r7\n\t"                            \
    "ssat " V ", #8, " V "\n\t"                           \
    "strb " V ", [r0], #1\n\t"
/* r0 out, r1 stream, r3-r6 the four sums, r8-r11 the pixel's widened words, r2 r7 r12 lr weights, then records;
 * the frame: q, q_end, in, pixels. */
#define TSLM_Q8_QUAD(OUT)                                   \
    "ldmia.w r1!, {r3, r4, r5, r6}\n\t"                   \
    TSLM_Q8_PAIR("r3", "r4") TSLM_Q8_PAIR("r5", "r6")      \
    OUT("r3") OUT("r4") OUT("r5") OUT("r6")
#define TSLM_Q8_BODY(OUT)                                   \
    "push {r4-r11, lr}\n\t"                               \
    "sub sp, sp, #24\n\t"                                 \
    "ldmia r0, {r1, r2, r3, r4, r5}\n\t"                  \
    "stmia sp, {r1, r2, r3, r4}\n\t"                      \
    "mov r0, r5\n\t"                                      \
    "sub r6, r2, r1\n\t"         /* 128 bytes a four: an odd number of fours enters the loop's second */ \
    "tst r6, #128\n\t"                                    \
    "ite eq\n\t"                                          \
    "adreq.w r6, 2f + 1\n\t"                              \
    "adrne.w r6, 3f + 1\n\t"                              \
    "str r6, [sp, #16]\n"                                 \
    "1:\n\t"                                              \
    "ldr r2, [sp, #8]\n\t"                                \
    "ldrd r7, r12, [r2], #8\n\t"                          \
    "str r2, [sp, #8]\n\t"                                \
    "sxtb16 r8, r7\n\t"                                   \
    "sxtb16 r9, r7, ror #8\n\t"                           \
    "sxtb16 r10, r12\n\t"                                 \
    "sxtb16 r11, r12, ror #8\n\t"                         \
    "ldr r1, [sp]\n\t"                                    \
    "ldr pc, [sp, #16]\n"                                 \
    "2:\n\t"                                              \
    TSLM_Q8_QUAD(OUT)                                       \
    "3:\n\t"                                              \
    TSLM_Q8_QUAD(OUT)                                       \
    "ldr r2, [sp, #4]\n\t"                                \
    "cmp r1, r2\n\t"                                      \
    "bne 2b\n\t"                                          \
    "ldr r2, [sp, #12]\n\t"                               \
    "subs r2, r2, #1\n\t"                                 \
    "str r2, [sp, #12]\n\t"                               \
    "bne 1b\n\t"                                          \
    "add sp, sp, #24\n\t"                                 \
    "pop {r4-r11, pc}\n\t"
/* (aligned: the loop's entries are ADR offsets fixed when assembled) */
__attribute__((naked, noinline, aligned(4))) static void quad8_pixels(const quad8_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_Q8_BODY(TSLM_Q8_OUT));
}
__attribute__((naked, noinline, aligned(4))) static void quad8_pixels_m1(const quad8_job *job)
{
    (void)job;
    __asm__ volatile(TSLM_Q8_BODY(TSLM_Q8_OUT_M1));
}
#undef TSLM_Q8_PAIR
#undef TSLM_Q8_OUT
#undef TSLM_Q8_OUT_M1
#undef TSLM_Q8_BODY
#undef TSLM_Q8_QUAD
#endif

/* n >= 1 pixels whose inputs (K bytes each, widened 4 n4 at a time) lie `step` bytes apart from `in`, their outputs
 * one after another from `out`. */
static void wide_block(const tslm_conv_params *p, const int8_t *in, int32_t step, int32_t n, int8_t *out, int32_t *x)
{
    const int32_t oc = p->output_c;
    int8_t *spare = wide_spare(p, x);
#if defined(TSLM_DSP_ASM)
    if (p->act_max == 127) {
        const int32_t n4 = wide_n4(p);
        wide2_job job = {x, x + 4 * n4, (const int16_t *)(const void *)p->requant, p->requant, wide_end(p), in, n / 2,
                         out, out + oc, step, oc, 0, 0, p->act_min, p->requant, n4 >> 1, n4,
                         p->act_min >= p->output_offset};
        if (n >= 2) {
            wide_pairs(&job);
        }
        if (n & 1) { /* a lone last pixel: as pixel 1 too, its outputs there into scratch */
            job.in = in + (n - 1) * step, job.pairs = 1, job.in1 = 0;
            job.out0 = out + (n - 1) * oc, job.out1 = spare;
            wide_pairs(&job);
        }
        return;
    }
#endif
    for (int32_t i = 0; i < n; i += 2) {
        const int two = i + 1 < n;
        wide_pixels_c(p, in + i * step, in + (two ? i + 1 : i) * step, out + i * oc, two ? out + (i + 1) * oc : spare,
                      x);
    }
}

/* count receptive fields inside the image along one output row (sources sstep apart), their columns cstep apart:
 * a 3x3 filter over three or four channels (runs of 9-12 bytes) as three words per filter row with no inner loop,
 * row by row (three values live at a time: nothing spilled). */
__attribute__((noinline)) static void copy_windows(int8_t *col, int32_t cstep, const int8_t *src, int32_t sstep,
                                                   const cols_geo *geo, int32_t count)
{
    const int32_t n = geo->run, step = geo->tap_step, fh = geo->filter_h;
    if (n > 8 && n <= 12 && fh == 3) {
        const int32_t z = n - 4;
        for (; count > 0; --count, src += sstep, col += cstep) {
            const int8_t *s1 = src + step, *s2 = s1 + step;
            int8_t *c1 = col + n, *c2 = c1 + n;
            int32_t a = tslm_read32(src), b = tslm_read32(src + 4), e = tslm_read32(src + z);
            memcpy(col, &a, 4), memcpy(col + 4, &b, 4), memcpy(col + z, &e, 4);
            a = tslm_read32(s1), b = tslm_read32(s1 + 4), e = tslm_read32(s1 + z);
            memcpy(c1, &a, 4), memcpy(c1 + 4, &b, 4), memcpy(c1 + z, &e, 4);
            a = tslm_read32(s2), b = tslm_read32(s2 + 4), e = tslm_read32(s2 + z);
            memcpy(c2, &a, 4), memcpy(c2 + 4, &b, 4), memcpy(c2 + z, &e, 4);
        }
        return;
    }
    for (; count > 0; --count, src += sstep, col += cstep) {
        copy_window(col, src, n, step, fh);
    }
}

/* The im2col columns of n pixels from (*oy, *ox) (advanced past them), 4 n4 bytes apart from col: runs of
 * receptive fields inside the image by copy_windows, the others by im2col. */
static void wide_columns(const tslm_conv_params *p, const cols_geo *geo, const int8_t *in_b, int32_t *oy,
                         int32_t *ox, int32_t n, int8_t *col)
{
    const int32_t step = 4 * wide_n4(p), ow = p->output_w;
    int32_t y = *oy, xx = *ox;
    while (n > 0) {
        if (geo != NULL && cols_inside(geo, y, xx)) {
            int32_t m = geo->ox_lo + (int32_t)geo->ox_span + 1 - xx; /* inside the image from xx on this row */
            m = m < n ? m : n;
            copy_windows(col, step, in_b - geo->origin + y * geo->row_step + xx * geo->col_step, geo->col_step, geo,
                         m);
            col += m * step, n -= m, xx += m;
        } else {
            im2col(p, in_b, y, xx, 0, col);
            col += step, --n, ++xx;
        }
        if (xx == ow) {
            xx = 0, ++y;
        }
    }
    *oy = y, *ox = xx;
}

/* n >= 1 pixels widened by the caller in pairs from xw (16 n4 bytes a pair; a lone last pixel's pair holds it
 * twice), their outputs one after another from out. */
static void wide_block_x(const tslm_conv_params *p, int32_t *xw, int32_t n, int8_t *out)
{
    const int32_t oc = p->output_c, n4 = wide_n4(p);
    int8_t *spare = wide_spare(p, xw);
#if defined(TSLM_DSP_ASM)
    if (p->act_max == 127) {
        const uintptr_t step = 16u * (uint32_t)n4; /* x starts a pair before: the assembly steps it first */
        wide2_job job = {(int32_t *)((uintptr_t)xw - step), xw, (const int16_t *)(const void *)p->requant, p->requant,
                         wide_end(p), NULL, n / 2, out, out + oc, (int32_t)step, oc, 0, 0, p->act_min, p->requant, 0,
                         n4,
                         p->act_min >= p->output_offset};
        if (n >= 2) {
            wide_pairs(&job);
        }
        if (n & 1) {
            int32_t *xl = xw + (n / 2) * 4 * n4;
            job.x = (int32_t *)((uintptr_t)xl - step), job.xend = xl, job.pairs = 1;
            job.out0 = out + (n - 1) * oc, job.out1 = spare;
            wide_pairs(&job);
        }
        return;
    }
#endif
    for (int32_t i = 0; i < n; i += 2) {
        wide_pixels_x(p, xw + (i / 2) * 4 * n4, out + i * oc, i + 1 < n ? out + (i + 1) * oc : spare);
    }
}

/* One receptive field of the RGB layer (three filter rows of nine bytes, `tap` bytes apart from s) widened into its
 * place in a pair (d: its first word; four words a group of four k). */
TSLM_ALWAYS_INLINE void rgb_widen1(const int8_t *s, int32_t tap, int32_t *d)
{
    const int8_t *s1 = s + tap, *s2 = s1 + tap;
    int32_t a = tslm_read32(s), b = tslm_read32(s + 4);
    d[0] = tslm_sxtb16(a), d[1] = tslm_sxtb16_ror8(a), d[4] = tslm_sxtb16(b), d[5] = tslm_sxtb16_ror8(b);
    a = tslm_read32(s1), b = tslm_read32(s1 + 4);
    d[8] = tslm_sxtb16(a), d[9] = tslm_sxtb16_ror8(a), d[12] = tslm_sxtb16(b), d[13] = tslm_sxtb16_ror8(b);
    a = tslm_read32(s2), b = tslm_read32(s2 + 4);
    d[16] = tslm_sxtb16(a), d[17] = tslm_sxtb16_ror8(a), d[20] = tslm_sxtb16(b), d[21] = tslm_sxtb16_ror8(b);
    d[24] = (int32_t)((uint32_t)(uint16_t)s[8] | ((uint32_t)s2[8] << 16)); /* (row 0's ninth, row 2's) */
    d[25] = s1[8];                                                           /* (row 1's ninth, a zero weight) */
}

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: rgb_widen1 in C) */
/* A filter row's first eight bytes of both pixels (r0, r1) widened: two LDR each, eight SXTB16 and two STM of four
 * words to r3 (pixel 0's pair and pixel 1's for k = 0..3, then k = 4..7). */
#define TSLM_RGB_ROW8                        \
    "ldr r4, [r0]\n\t"                       \
    "ldr r5, [r0, #4]\n\t"                   \
    "ldr r6, [r1]\n\t"                       \
    "ldr r7, [r1, #4]\n\t"                   \
    "sxtb16 r8, r4\n\t"                      \
    "sxtb16 r9, r4, ror #8\n\t"              \
    "sxtb16 r10, r6\n\t"                     \
    "sxtb16 r11, r6, ror #8\n\t"             \
    "stmia r3!, {r8, r9, r10, r11}\n\t"      \
    "sxtb16 r8, r5\n\t"                      \
    "sxtb16 r9, r5, ror #8\n\t"              \
    "sxtb16 r10, r7\n\t"                     \
    "sxtb16 r11, r7, ror #8\n\t"             \
    "stmia r3!, {r8, r9, r10, r11}\n\t"

/* Pairs of receptive fields of the RGB layer inside the image along one output row (rgb_widen1 for two pixels at a
 * time, sstep bytes apart): r0 pixel 0's source, r1 sstep, then pixel 1's source, r2 tap (filter rows apart),
 * r3 d (112 bytes a pair), [sp] the pairs; per pair 12 LDR, 24 SXTB16, 6 STM, the ninth bytes by LDRSB and PKHBT. */
__attribute__((naked, noinline)) static void rgb_pairs(const int8_t *src, int32_t sstep, int32_t tap, int32_t *d,
                                                       int32_t pairs)
{
    (void)src, (void)sstep, (void)tap, (void)d, (void)pairs;
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "ldr r4, [sp, #36]\n\t"      /* pairs */
        "mov r5, #112\n\t"
        "mla r4, r4, r5, r3\n\t"     /* d's end */
        "push {r1, r4}\n"
        "1:\n\t"
        "ldr r1, [sp]\n\t"
        "add r1, r0, r1\n\t"         /* pixel 1 */
        TSLM_RGB_ROW8
        "ldrsb r12, [r0, #8]\n\t"
        "ldrsb lr, [r1, #8]\n\t"
        "add r0, r0, r2\n\t"         /* filter row 1 */
        "add r1, r1, r2\n\t"
        TSLM_RGB_ROW8
        "ldrsb r4, [r0, #8]\n\t"
        "ldrsb r5, [r1, #8]\n\t"
        "str r4, [r3, #36]\n\t"      /* the last group's (row 1's ninth, 0) of pixel 0, of pixel 1 */
        "str r5, [r3, #44]\n\t"
        "add r0, r0, r2\n\t"         /* filter row 2 */
        "add r1, r1, r2\n\t"
        TSLM_RGB_ROW8
        "ldrsb r4, [r0, #8]\n\t"
        "ldrsb r5, [r1, #8]\n\t"
        "pkhbt r12, r12, r4, lsl #16\n\t" /* (row 0's ninth, row 2's) */
        "pkhbt lr, lr, r5, lsl #16\n\t"
        "str r12, [r3]\n\t"
        "str lr, [r3, #8]\n\t"
        "add r3, r3, #16\n\t"
        "sub r0, r1, r2, lsl #1\n\t" /* the next pair: pixel 1's source and sstep on */
        "ldr r4, [sp]\n\t"
        "add r0, r0, r4\n\t"
        "ldr r4, [sp, #4]\n\t"
        "cmp r3, r4\n\t"
        "bne 1b\n\t"
        "add sp, sp, #8\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef TSLM_RGB_ROW8
#endif

/* n pixels of the RGB layer from (*oy, *ox) (advanced past them) widened in pairs into xw (28 words a pair; a lone
 * last pixel twice): runs inside the image straight from it, the others through an im2col column (tmp). */
__attribute__((noinline)) static void rgb_widen(const tslm_conv_params *p, const cols_geo *geo, const int8_t *in_b,
                                                int32_t *oy, int32_t *ox, int32_t n, int32_t *xw, int8_t *tmp)
{
    const int32_t ow = p->output_w;
    int32_t y = *oy, xx = *ox;
    for (int32_t i = 0; i < n;) {
        if (geo != NULL && cols_inside(geo, y, xx)) {
            int32_t m = geo->ox_lo + (int32_t)geo->ox_span + 1 - xx; /* inside the image from xx on this row */
            m = m < n - i ? m : n - i;
            const int8_t *src = in_b - geo->origin + y * geo->row_step + xx * geo->col_step;
            const int32_t tap = geo->tap_step, sstep = geo->col_step;
            xx += m;
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
            if (i & 1) { /* a pair's second pixel first */
                rgb_widen1(src, tap, xw + (i >> 1) * 28 + 2);
                --m, ++i, src += sstep;
            }
            if (m >= 2) { /* then whole pairs */
                rgb_pairs(src, sstep, tap, xw + (i >> 1) * 28, m >> 1);
                i += m & ~1, src += (m & ~1) * sstep, m &= 1;
            }
#endif
            for (; m > 0; --m, ++i, src += sstep) {
                rgb_widen1(src, tap, xw + (i >> 1) * 28 + (i & 1) * 2);
            }
        } else {
            im2col(p, in_b, y, xx, 0, tmp);
            rgb_widen1(tmp, 9, xw + (i >> 1) * 28 + (i & 1) * 2);
            ++i, ++xx;
        }
        if (xx == ow) {
            xx = 0, ++y;
        }
    }
    if (n & 1) { /* a lone last pixel: as its pair's second too */
        int32_t *d = xw + (n >> 1) * 28;
        for (int32_t g = 0; g < 7; ++g, d += 4) {
            d[2] = d[0], d[3] = d[1];
        }
    }
    *oy = y, *ox = xx;
}

void tslm_dsp_conv_wide_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                           const int32_t *bias, int8_t *output, int16_t *scratch)
{
    int32_t *x = (int32_t *)(void *)scratch;
    (void)bias, (void)weights; /* (weights: the stream in p->requant) */
    const int32_t oc = p->output_c;
    if (wide_quad8(p)) {
        const int32_t pixels = p->batches * p->output_h * p->output_w;
#if defined(TSLM_DSP_ASM)
        const quad8_job job = {p->requant, p->requant + 8 * oc, input, pixels, output};
        if (p->output_offset == -128) { /* act_min -128 at the zero point: TFLM's -1 never shows */
            quad8_pixels(&job);
        } else {
            quad8_pixels_m1(&job);
        }
#else
        quad8_c(p, input, output, pixels);
#endif
        return;
    }
    if (!wide_cols(p)) {
        const int32_t k = p->filter_c;
        wide_block(p, input, k, p->batches * p->output_h * p->output_w, output, x);
        return;
    }
    const int32_t n4 = wide_n4(p), k_all = p->filter_h * p->filter_w * p->filter_c, pixels = p->output_h * p->output_w;
    cols_geo geo_s;
    const cols_geo *geo = cols_geo_init(p, &geo_s) ? &geo_s : NULL;
    if (wide_rgb(p)) {
        int8_t *tmp = (int8_t *)(x + TSLM_CW_RGB * 2 * n4);
        for (int32_t b = 0; b < p->batches; ++b) {
            const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
            int8_t *out = output + b * pixels * oc;
            int32_t oy = 0, ox = 0;
            for (int32_t left = pixels; left > 0;) {
                const int32_t n = left > TSLM_CW_RGB ? TSLM_CW_RGB : left;
                rgb_widen(p, geo, in_b, &oy, &ox, n, x, tmp);
                wide_block_x(p, x, n, out);
                out += n * oc, left -= n;
            }
        }
        return;
    }
    int8_t *cols = (int8_t *)(x + 4 * n4);
    for (int32_t i = 0; i < TSLM_CW_COLS; ++i) { /* the taps past K (zero weights) hold zeros */
        for (int32_t k = k_all; k < 4 * n4; ++k) {
            cols[i * 4 * n4 + k] = 0;
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out = output + b * pixels * oc;
        int32_t oy = 0, ox = 0;
        for (int32_t left = pixels; left > 0;) {
            const int32_t n = left > TSLM_CW_COLS ? TSLM_CW_COLS : left;
            wide_columns(p, geo, in_b, &oy, &ox, n, cols);
            wide_block(p, cols, 4 * n4, n, out, x);
            out += n * oc, left -= n;
        }
    }
}

/*
 * One input channel (tslm_dsp_conv_wide_c1_s8; the compiler's conv_wide_c1 in dsp_layout.py: the stem of an
 * image or audio CNN over a grayscale picture or a spectrogram, one group, no dilation, an even number of outputs):
 * the wide layout's stream (weights as doubled int16 per pair of channels, records), with K in groups of four taps
 * along one line of the filter, so that one unaligned LDR and two SXTB16 widen a group straight into the assembly's
 * layout (k0, k2), (k1, k3):
 *   by rows    (n4 = filter_h * ceil(filter_w / 4)): group (fy, q) = taps (fy, 4q .. 4q + 3) of filter row fy;
 *   by columns (n4 = filter_w * ceil(filter_h / 4), when fewer): group (fx, q) = taps (4q .. 4q + 3, fx);
 * taps past the filter's edge have zero weights (their inputs do not matter). A strip of output rows at a time
 * (about `pix` pixels), its input rows are first copied into a band with the padding as the input zero point
 * (by columns: transposed, so a filter column is a run of bytes): no bounds checks after that. Then `pix` pixels
 * at a time (TSLM_C1_PIX, fewer where the pairs would take over TSLM_C1_X bytes: a long K) are widened in pairs
 * (16 n4 bytes a pair) and handed to the wide assembly (c1_block). Three groups of one line each (3x3, 4x3) take a
 * pixel-at-a-time assembly instead (c1_px3_*, below: not the size build), reading rows inside the image where they
 * lie when one output row is a strip.
 * Scratch (tslm_dsp_conv_wide_c1_s8_get_buffer_size): the widened pixels, output_c bytes (rounded up to a word)
 * for a lone last pixel's second outputs, then the band ((band rows + 3) x (band columns + 3) bytes).
 */
#define TSLM_C1_PIX 32  /* pixels widened per pass at most (even) */
#define TSLM_C1_X 1024  /* bytes of widened pairs at most (but one pair) */

typedef struct {
    int32_t by_cols;    /* the groups along filter columns */
    int32_t n4;         /* groups of four taps */
    int32_t lines, per; /* filter lines (rows, or columns by_cols), groups per line */
    int32_t pix;        /* pixels widened per pass (even) */
    int32_t strip;      /* output rows per strip */
    int32_t band_rows, band_cols, band_step; /* the band: input rows, columns, bytes from one line to the next */
    int32_t line_step, px_step, row_step;    /* a group's line on, the next pixel of a row, the next output row */
} c1_geo;

static void c1_geo_init(const tslm_conv_params *p, c1_geo *g)
{
    const int32_t per_row = (p->filter_w + 3) >> 2, per_col = (p->filter_h + 3) >> 2;
    const int32_t n_rows = p->filter_h * per_row, n_cols = p->filter_w * per_col;
    g->by_cols = n_cols < n_rows;
    g->n4 = g->by_cols ? n_cols : n_rows;
    g->lines = g->by_cols ? p->filter_w : p->filter_h;
    g->per = g->by_cols ? per_col : per_row;
    const int32_t ow = p->output_w;
    const int32_t pairs = TSLM_C1_X / (16 * g->n4);
    g->pix = pairs < 1 ? 2 : pairs > TSLM_C1_PIX / 2 ? TSLM_C1_PIX : 2 * pairs;
    g->strip = ow >= g->pix ? 1 : g->pix / ow;
    g->strip = g->strip < p->output_h ? g->strip : p->output_h;
    g->band_rows = (g->strip - 1) * p->stride_h + p->filter_h;
    g->band_cols = (ow - 1) * p->stride_w + p->filter_w;
    if (g->by_cols) { /* transposed: (row r, column j) at j (band_rows + 3) + r */
        g->band_step = g->band_rows + 3;
        g->line_step = g->band_step, g->px_step = p->stride_w * g->band_step, g->row_step = p->stride_h;
    } else { /* (row r, column j) at r (band_cols + 3) + j */
        g->band_step = g->band_cols + 3;
        g->line_step = g->band_step, g->px_step = p->stride_w, g->row_step = p->stride_h * g->band_step;
    }
}

/* The band of output rows oy0 .. oy0 + rows - 1: their input rows with the padding as the input zero point. */
static void c1_band(const tslm_conv_params *p, const c1_geo *g, const int8_t *in_b, int32_t oy0, int32_t rows,
                    int8_t *band)
{
    const int8_t zp = (int8_t)(-p->input_offset);
    const int32_t iw = p->input_w, n_rows = (rows - 1) * p->stride_h + p->filter_h, n_cols = g->band_cols;
    const int32_t lo = p->pad_w < n_cols ? p->pad_w : n_cols;          /* columns left of the image */
    int32_t hi = iw + p->pad_w;                                        /* the first column right of it */
    hi = hi < n_cols ? hi : n_cols;
    const int32_t iy0 = oy0 * p->stride_h - p->pad_h;
    if (g->by_cols) { /* transposed: per band column its rows above the image, inside it, below it */
        int32_t r_lo = iy0 < 0 ? -iy0 : 0, r_hi = p->input_h - iy0;
        r_lo = r_lo < n_rows ? r_lo : n_rows;
        r_hi = r_hi < n_rows ? r_hi : n_rows;
        r_hi = r_hi > r_lo ? r_hi : r_lo;
        for (int32_t j = 0; j < n_cols; ++j) {
            int8_t *dst = band + j * g->band_step;
            if (j < lo || j >= hi) {
                fill_bytes(dst, zp, n_rows);
                continue;
            }
            fill_bytes(dst, zp, r_lo);
            const int8_t *src = in_b + (iy0 + r_lo) * iw + (j - p->pad_w);
            for (int32_t r = r_lo; r < r_hi; ++r, src += iw) {
                dst[r] = *src;
            }
            fill_bytes(dst + r_hi, zp, n_rows - r_hi);
        }
        return;
    }
    for (int32_t r = 0; r < n_rows; ++r) {
        const int32_t iy = iy0 + r;
        int8_t *dst = band + r * g->band_step;
        if (iy < 0 || iy >= p->input_h || hi <= lo) {
            fill_bytes(dst, zp, n_cols);
            continue;
        }
        fill_bytes(dst, zp, lo);
        int8_t *d = dst + lo;
        const int8_t *src = in_b + iy * iw + lo - p->pad_w;
        int32_t m = hi - lo;
        copy_bytes(d, src, m);
        fill_bytes(dst + hi, zp, n_cols - hi);
    }
}

/* Two pixels' groups (pixel 0's source s in the band, pixel 1's `delta` bytes on) widened into their pair (d: 4
 * words a group): one group per filter line (at most four taps along it) in a loop of its own. */
TSLM_ALWAYS_INLINE void c1_widen2(const c1_geo *g, const int8_t *s, int32_t delta, int32_t *d)
{
    const int32_t step = g->line_step;
    if (g->per == 1) {
#if defined(TSLM_DSP_ASM)
        /* per line: two LDR, four SXTB16, two STRD (10 instructions with the loop's) */
        int32_t l = g->lines, a, b, t;
        __asm__ volatile("1:\n\t"
                         "ldr %[a], [%[s]]\n\t"
                         "ldr %[b], [%[s], %[delta]]\n\t"
                         "add %[s], %[s], %[step]\n\t"
                         "sxtb16 %[t], %[a]\n\t"
                         "sxtb16 %[a], %[a], ror #8\n\t"
                         "strd %[t], %[a], [%[d]], #8\n\t"
                         "sxtb16 %[t], %[b]\n\t"
                         "sxtb16 %[b], %[b], ror #8\n\t"
                         "strd %[t], %[b], [%[d]], #8\n\t"
                         "subs %[l], %[l], #1\n\t"
                         "bne 1b\n\t"
                         : [s] "+r"(s), [d] "+r"(d), [l] "+r"(l), [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t)
                         : [delta] "r"(delta), [step] "r"(step)
                         : "cc", "memory");
        return;
#endif
        for (int32_t l = g->lines; l > 0; --l, s += step, d += 4) {
            const int32_t a = tslm_read32(s), b = tslm_read32(s + delta);
            d[0] = tslm_sxtb16(a), d[1] = tslm_sxtb16_ror8(a), d[2] = tslm_sxtb16(b), d[3] = tslm_sxtb16_ror8(b);
        }
        return;
    }
    for (int32_t l = g->lines; l > 0; --l, s += step) {
        for (int32_t q = 0; q < g->per; ++q, d += 4) {
            const int32_t a = tslm_read32(s + 4 * q), b = tslm_read32(s + delta + 4 * q);
            d[0] = tslm_sxtb16(a), d[1] = tslm_sxtb16_ror8(a), d[2] = tslm_sxtb16(b), d[3] = tslm_sxtb16_ror8(b);
        }
    }
}

/* `pairs` pairs of pixels along an output row from s (pixel 1 px bytes on, the next pair 2 px) widened into xw. */
TSLM_ALWAYS_INLINE void c1_row_pairs(const c1_geo *g, const int8_t *s, int32_t px, int32_t pairs, int32_t *xw)
{
#if defined(TSLM_DSP_ASM)
    if (g->per == 1) { /* per pair: per line two LDR, four SXTB16, two STRD (c1_widen2's loop), then 5 */
        const int32_t step = g->line_step, lines = g->lines, pstep = 2 * px;
        const int8_t *q;
        int32_t l, a, b, t;
        __asm__ volatile("1:\n\t"
                         "mov %[q], %[s]\n\t"
                         "mov %[l], %[lines]\n"
                         "2:\n\t"
                         "ldr %[a], [%[q]]\n\t"
                         "ldr %[b], [%[q], %[px]]\n\t"
                         "add %[q], %[q], %[step]\n\t"
                         "sxtb16 %[t], %[a]\n\t"
                         "sxtb16 %[a], %[a], ror #8\n\t"
                         "strd %[t], %[a], [%[d]], #8\n\t"
                         "sxtb16 %[t], %[b]\n\t"
                         "sxtb16 %[b], %[b], ror #8\n\t"
                         "strd %[t], %[b], [%[d]], #8\n\t"
                         "subs %[l], %[l], #1\n\t"
                         "bne 2b\n\t"
                         "add %[s], %[s], %[pstep]\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b\n\t"
                         : [s] "+r"(s), [d] "+r"(xw), [n] "+r"(pairs), [q] "=&r"(q), [l] "=&r"(l), [a] "=&r"(a),
                           [b] "=&r"(b), [t] "=&r"(t)
                         : [px] "r"(px), [step] "r"(step), [lines] "r"(lines), [pstep] "r"(pstep)
                         : "cc", "memory");
        return;
    }
#endif
    for (; pairs > 0; --pairs, s += 2 * px, xw += 4 * g->n4) {
        c1_widen2(g, s, px, xw);
    }
}

/* n pixels of the strip from (*oy, *ox) (band-relative output row; advanced past them) widened in pairs into xw (a
 * lone last pixel twice): the pairs along each output row by c1_row_pairs, a pair across two rows by c1_widen2;
 * rows of under eight pixels pair by pair. */
__attribute__((noinline)) static void c1_widen(const tslm_conv_params *p, const c1_geo *g, const int8_t *band,
                                               int32_t *oy, int32_t *ox, int32_t n, int32_t *xw)
{
    const int32_t ow = p->output_w, px = g->px_step, words = 4 * g->n4;
    int32_t y = *oy, x = *ox;
    if (ow < 8) { /* short rows (a strip of several): pair by pair */
        const int8_t *s = band + y * g->row_step + x * px; /* pixel (y, x) */
#if defined(TSLM_DSP_ASM)
        if (g->per == 1) { /* every pixel's source in a table, then per pair LDRD of both and c1_widen2's loop */
            const int8_t *tab[TSLM_C1_PIX + 1];
            for (int32_t i = 0; i < n; ++i) {
                tab[i] = s;
                if (++x == ow) {
                    x = 0, ++y;
                    s = band + y * g->row_step;
                } else {
                    s += px;
                }
            }
            tab[n] = tab[n - 1]; /* (a lone last pixel twice) */
            const int8_t **t0 = tab;
            const int32_t step = g->line_step, lines = g->lines;
            int32_t pairs = (n + 1) >> 1, l, a, b, t;
            const int8_t *s0, *s1;
            __asm__ volatile("1:\n\t"
                             "ldrd %[s0], %[s1], [%[tab]], #8\n\t"
                             "mov %[l], %[lines]\n"
                             "2:\n\t"
                             "ldr %[a], [%[s0]]\n\t"
                             "ldr %[b], [%[s1]]\n\t"
                             "add %[s0], %[s0], %[step]\n\t"
                             "add %[s1], %[s1], %[step]\n\t"
                             "sxtb16 %[t], %[a]\n\t"
                             "sxtb16 %[a], %[a], ror #8\n\t"
                             "strd %[t], %[a], [%[d]], #8\n\t"
                             "sxtb16 %[t], %[b]\n\t"
                             "sxtb16 %[b], %[b], ror #8\n\t"
                             "strd %[t], %[b], [%[d]], #8\n\t"
                             "subs %[l], %[l], #1\n\t"
                             "bne 2b\n\t"
                             "subs %[n], %[n], #1\n\t"
                             "bne 1b\n\t"
                             : [tab] "+r"(t0), [d] "+r"(xw), [n] "+r"(pairs), [s0] "=&r"(s0), [s1] "=&r"(s1),
                               [l] "=&r"(l), [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t)
                             : [step] "r"(step), [lines] "r"(lines)
                             : "cc", "memory");
            *oy = y, *ox = x;
            return;
        }
#endif
        for (int32_t i = 0; i < n; i += 2, xw += words) {
            int32_t delta = 0; /* pixel 1 from pixel 0 (a lone last pixel: itself) */
            if (i + 1 < n) {
                delta = px;
                if (++x == ow) { /* pixel 1 on the next output row */
                    x = 0, ++y;
                    delta = (int32_t)(y * g->row_step - (s - band));
                }
            }
            c1_widen2(g, s, delta, xw);
            s += delta;
            if (++x == ow) {
                x = 0, ++y;
                s = band + y * g->row_step;
            } else {
                s += px;
            }
        }
        *oy = y, *ox = x;
        return;
    }
    for (int32_t i = 0; i < n;) {
        const int8_t *s = band + y * g->row_step + x * px; /* pixel (y, x) */
        const int32_t m = ow - x < n - i ? ow - x : n - i; /* the chunk's pixels on this row */
        const int32_t pairs = m >> 1;
        if (pairs > 0) {
            c1_row_pairs(g, s, px, pairs, xw);
            xw += pairs * words, s += 2 * pairs * px, i += 2 * pairs, x += 2 * pairs;
        }
        if (m & 1) { /* the row's last pixel with the next row's first, or the chunk's lone last pixel twice */
            const int two = i + 1 < n;
            c1_widen2(g, s, two ? (int32_t)((y + 1) * g->row_step - (s - band)) : 0, xw);
            xw += words;
            if (two) {
                i += 2, x = 1, ++y;
            } else {
                i += 1, ++x;
            }
        }
        if (x == ow) {
            x = 0, ++y;
        }
    }
    *oy = y, *ox = x;
}

/* The wide assembly over n >= 1 pixels widened in pairs from xw (16 n4 bytes a pair; a lone last pixel's pair holds
 * it twice), their outputs one after another from out (wide_block_x with the one-channel layout's n4; a lone last
 * pixel's second outputs into spare). Without the assembly (the host; act_max < 127): c1_pixels_x. */
static void c1_pixels_x(const tslm_conv_params *p, const int32_t *x, int8_t *out0, int8_t *out1, int32_t n4)
{
    const int32_t oc = p->output_c, lo = p->act_min, hi = p->act_max;
    const int full = lo == -128 && hi == 127;
    const int32_t *st = p->requant;
    for (int32_t c = 0; c < oc; c += 2, st += 8 + 4 * n4) {
        int32_t s[4] = {st[0], st[0], st[1], st[1]};
        const int32_t *w = st + 2, *xx = x;
        for (int32_t g = 0; g < n4; ++g, xx += 4, w += 4) { /* (wide_pair_c) */
            s[0] = tslm_smlad(w[1], xx[1], tslm_smlad(w[0], xx[0], s[0]));
            s[1] = tslm_smlad(w[1], xx[3], tslm_smlad(w[0], xx[2], s[1]));
            s[2] = tslm_smlad(w[3], xx[1], tslm_smlad(w[2], xx[0], s[2]));
            s[3] = tslm_smlad(w[3], xx[3], tslm_smlad(w[2], xx[2], s[3]));
        }
        const int32_t *rq = st + 1 + 4 * n4; /* m, r, rz of a at rq + 1, of b at rq + 4 */
        if (full) {
            out0[c] = tslm_dsp_op_out1(s[0], rq, lo, hi, 1), out1[c] = tslm_dsp_op_out1(s[1], rq, lo, hi, 1);
            out0[c + 1] = tslm_dsp_op_out1(s[2], rq + 3, lo, hi, 1);
            out1[c + 1] = tslm_dsp_op_out1(s[3], rq + 3, lo, hi, 1);
        } else {
            out0[c] = tslm_dsp_op_out1(s[0], rq, lo, hi, 0), out1[c] = tslm_dsp_op_out1(s[1], rq, lo, hi, 0);
            out0[c + 1] = tslm_dsp_op_out1(s[2], rq + 3, lo, hi, 0);
            out1[c + 1] = tslm_dsp_op_out1(s[3], rq + 3, lo, hi, 0);
        }
    }
}

static void c1_block(const tslm_conv_params *p, int32_t *xw, int32_t n, int8_t *out, int32_t n4, int8_t *spare)
{
    const int32_t oc = p->output_c;
#if defined(TSLM_DSP_ASM)
    if (p->act_max == 127) {
        const uintptr_t step = 16u * (uint32_t)n4; /* x starts a pair before: the assembly steps it first */
        const int32_t *end = p->requant + (oc / 2) * (8 + 4 * n4) + 2;
        wide2_job job = {(int32_t *)((uintptr_t)xw - step), xw, (const int16_t *)(const void *)p->requant, p->requant,
                         end, NULL, n / 2, out, out + oc, (int32_t)step, oc, 0, 0, p->act_min, p->requant, 0, n4,
                         p->act_min >= p->output_offset};
        if (n >= 2) {
            wide_pairs(&job);
        }
        if (n & 1) {
            int32_t *xl = xw + (n / 2) * 4 * n4;
            job.x = (int32_t *)((uintptr_t)xl - step), job.xend = xl, job.pairs = 1;
            job.out0 = out + (n - 1) * oc, job.out1 = spare;
            wide_pairs(&job);
        }
        return;
    }
#endif
    for (int32_t i = 0; i < n; i += 2) {
        c1_pixels_x(p, xw + (i / 2) * 4 * n4, out + i * oc, i + 1 < n ? out + (i + 1) * oc : spare, n4);
    }
}

TSLM_ALWAYS_INLINE int32_t c1_spare_bytes(const tslm_conv_params *p) { return (p->output_c + 3) & ~3; }

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE) /* (the size build: c1_block's pairs) */
/*
 * Three groups of four taps (3x3 by rows, 4x3 or 3x3-ish by columns: n4 = 3, one group a line, output_c even, act_max
 * 127): one pixel at a time, its field widened straight from the band into six registers (three LDR, six SXTB16), then
 * per pair of channels of the stream: LDM of the sums with the first four weight words, two LDM of four more, twelve
 * SMLAD, then per output LDM of m, r, rz, (ADD of TFLM's -1 for negative sums,) SMMLAR, ASR, the clamp and STRB; two
 * pairs a turn of the loop (an odd number: each pixel enters at the second). The outputs of a pixel are one run of
 * bytes. The frame is the job: r0 stream, r1 out, r2-r7 the pixel's words, r8 r9 the sums.
 */
typedef struct {
    const int32_t *end;    /* the stream's last pair's end */
    const int32_t *stream; /* p->requant */
    const int8_t *src;     /* the first pixel's first line in the band */
    int32_t line;          /* bytes from one line to the next */
    int32_t px;            /* from one pixel to the next */
    int32_t n;             /* pixels (>= 1) */
    int32_t lo;            /* act_min */
    int8_t *out;
    int32_t odd;           /* output_c / 2 odd */
} c1_px3_job;
#define TSLM_C1_MACS(XA, XB)                               \
    "smlad r8, r10, " XA ", r8\n\t"                     \
    "smlad r8, r11, " XB ", r8\n\t"                     \
    "smlad r9, r12, " XA ", r9\n\t"                     \
    "smlad r9, lr, " XB ", r9\n\t"
#define TSLM_C1_GROUP(XA, XB) "ldmia r0!, {r10, r11, r12, lr}\n\t" TSLM_C1_MACS(XA, XB)
/* a pair of channels: the sums and the first group's weights in one LDM, the other two groups, the two outputs */
#define TSLM_C1_PAIR(OUT_A, OUT_B)                         \
    "ldmia r0!, {r8, r9, r10, r11, r12, lr}\n\t"        \
    TSLM_C1_MACS("r2", "r3") TSLM_C1_GROUP("r4", "r5") TSLM_C1_GROUP("r6", "r7") OUT_A OUT_B
/* one output V: NEG TFLM's -1 for negative sums (or nothing), CLAMP the clamp (TSLM_C1_SAT or TSLM_C1_CLAMP) */
#define TSLM_C1_OUT(V, NEG, CLAMP)                         \
    "ldmia r0!, {r10, r11, r12}\n\t"                    \
    NEG                                                    \
    "smmlar " V ", " V ", r10, r12\n\t"                 \
    "asr " V ", " V ", r11\n\t"                         \
    CLAMP                                                  \
    "strb " V ", [r1], #1\n\t"
#define TSLM_C1_NEG(V) "add r12, r12, " V ", asr #31\n\t"
#define TSLM_C1_SAT(V) "ssat " V ", #8, " V "\n\t"
#define TSLM_C1_CLAMP(V) "usat " V ", #8, " V "\n\tldr lr, [sp, #24]\n\tadd " V ", " V ", lr\n\tssat " V ", #8, " V "\n\t"
#define TSLM_C1_BODY(OUT_A, OUT_B)                         \
    "push {r4-r11, lr}\n\t"                              \
    "sub sp, sp, #36\n\t"                                \
    "ldmia r0, {r2, r3, r4, r5, r6, r7, r8, r9, r10}\n\t" \
    "stmia sp, {r2, r3, r4, r5, r6, r7, r8, r9}\n\t"     \
    "mov r1, r9\n\t"                                    \
    "cmp r10, #0\n\t" /* an odd number of pairs: each pixel enters the loop at its second pair */ \
    "ite eq\n\t"                                        \
    "adreq.w r10, 2f + 1\n\t"                           \
    "adrne.w r10, 3f + 1\n\t"                           \
    "str r10, [sp, #32]\n"                               \
    "1:\n\t" /* a pixel: its three lines widened */        \
    "ldrd r10, r11, [sp, #8]\n\t"                        \
    "ldr r12, [sp, #16]\n\t"                             \
    "add r12, r10, r12\n\t"                              \
    "str r12, [sp, #8]\n\t"                              \
    "ldr r12, [r10]\n\t"                                 \
    "ldr lr, [r10, r11]\n\t"                             \
    "add r10, r10, r11\n\t"                              \
    "ldr r9, [r10, r11]\n\t"                             \
    "sxtb16 r2, r12\n\t"                                 \
    "sxtb16 r3, r12, ror #8\n\t"                         \
    "sxtb16 r4, lr\n\t"                                  \
    "sxtb16 r5, lr, ror #8\n\t"                          \
    "sxtb16 r6, r9\n\t"                                  \
    "sxtb16 r7, r9, ror #8\n\t"                          \
    "ldr r0, [sp, #4]\n\t"                               \
    "ldr pc, [sp, #32]\n\t"                              \
    ".p2align 2\n"                                       \
    "2:\n\t" /* two pairs of channels a turn */            \
    TSLM_C1_PAIR(OUT_A, OUT_B)                             \
    "3:\n\t"                                             \
    TSLM_C1_PAIR(OUT_A, OUT_B)                             \
    "ldr r10, [sp]\n\t"                                  \
    "cmp r0, r10\n\t"                                    \
    "bne 2b\n\t"                                         \
    "ldr r10, [sp, #20]\n\t"                             \
    "subs r10, r10, #1\n\t"                              \
    "str r10, [sp, #20]\n\t"                             \
    "bne 1b\n\t"                                         \
    "add sp, sp, #36\n\t"                                \
    "pop {r4-r11, pc}\n\t"
#define TSLM_C1_FN(NAME, NEG_A, NEG_B, CLAMP_A, CLAMP_B)                                              \
    __attribute__((naked, noinline)) static void NAME(const c1_px3_job *job)                          \
    {                                                                                                 \
        (void)job;                                                                                    \
        __asm__ volatile(TSLM_C1_BODY(TSLM_C1_OUT("r8", NEG_A, CLAMP_A), TSLM_C1_OUT("r9", NEG_B, CLAMP_B))); \
    }
/* the whole int8 range (act_min -128) or clamped at act_min; without TFLM's -1 where act_min is at or above the zero
 * point (a negative sum's output is at most the zero point either way, so it clamps to act_min), with it otherwise */
TSLM_C1_FN(c1_px3_sat, "", "", TSLM_C1_SAT("r8"), TSLM_C1_SAT("r9"))
TSLM_C1_FN(c1_px3_sat_m1, TSLM_C1_NEG("r8"), TSLM_C1_NEG("r9"), TSLM_C1_SAT("r8"), TSLM_C1_SAT("r9"))
TSLM_C1_FN(c1_px3_clamp, "", "", TSLM_C1_CLAMP("r8"), TSLM_C1_CLAMP("r9"))
TSLM_C1_FN(c1_px3_clamp_m1, TSLM_C1_NEG("r8"), TSLM_C1_NEG("r9"), TSLM_C1_CLAMP("r8"), TSLM_C1_CLAMP("r9"))
#undef TSLM_C1_FN
#undef TSLM_C1_BODY
#undef TSLM_C1_CLAMP
#undef TSLM_C1_SAT
#undef TSLM_C1_NEG
#undef TSLM_C1_OUT
#undef TSLM_C1_GROUP
#undef TSLM_C1_MACS
#undef TSLM_C1_PAIR
#define TSLM_C1_PX3 1

/* Band columns j_lo .. j_hi - 1 of output row oy (by rows, one output row a strip): the input there, the padding as
 * the zero point (a few columns at the image's sides, byte by byte). */
static void c1_band_part(const tslm_conv_params *p, const c1_geo *g, const int8_t *in_b, int32_t oy, int32_t j_lo,
                         int32_t j_hi, int8_t *band)
{
    const int8_t zp = (int8_t)(-p->input_offset);
    for (int32_t r = 0, iy = oy * p->stride_h - p->pad_h; r < p->filter_h; ++r, ++iy) {
        int8_t *dst = band + r * g->band_step;
        for (int32_t j = j_lo, ix = j_lo - p->pad_w; j < j_hi; ++j, ++ix) {
            dst[j] = iy >= 0 && iy < p->input_h && ix >= 0 && ix < p->input_w ? in_b[iy * p->input_w + ix] : zp;
        }
    }
}
#endif

void tslm_dsp_conv_wide_c1_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, int8_t *output, int16_t *scratch)
{
    (void)bias, (void)weights; /* (weights: the stream in p->requant) */
    c1_geo g;
    c1_geo_init(p, &g);
    int32_t *xw = (int32_t *)(void *)scratch;
    int8_t *spare = (int8_t *)(xw + (g.pix / 2) * 4 * g.n4);
    int8_t *band = spare + c1_spare_bytes(p);
    const int32_t oc = p->output_c, ow = p->output_w, oh = p->output_h;
    const int32_t band_bytes = g.by_cols ? g.band_cols * g.band_step : g.band_rows * g.band_step;
    fill_bytes(band, 0, band_bytes + 3); /* (the bytes past the lines: read against zero weights) */
#if defined(TSLM_C1_PX3)
    void (*px3)(const c1_px3_job *) = NULL; /* three groups of a line each: a pixel at a time */
    c1_px3_job job = {p->requant + (oc / 2) * 20, p->requant, band, g.line_step, g.px_step, 0, p->act_min, output,
                      (oc / 2) & 1};
    if (g.n4 == 3 && g.per == 1 && p->act_max == 127) {
        const int neg = p->act_min < p->output_offset;
        px3 = p->act_min == -128 ? (neg ? c1_px3_sat_m1 : c1_px3_sat) : (neg ? c1_px3_clamp_m1 : c1_px3_clamp);
    }
    /* by rows, one output row a strip: the rows inside the image read where they lie from pixel d_lo to d_hi (their
     * four bytes a line inside the row), the pixels at the sides from the band's columns for them */
    const int direct = px3 != NULL && !g.by_cols && g.strip == 1;
    const int32_t sw = p->stride_w, d_lo = (p->pad_w + sw - 1) / sw;
    int32_t d_hi = p->input_w - 4 + p->pad_w >= 0 ? (p->input_w - 4 + p->pad_w) / sw : -1;
    d_hi = d_hi < ow - 1 ? d_hi : ow - 1;
    const int32_t side_end = (ow - 1) * sw + 4 < g.band_step ? (ow - 1) * sw + 4 : g.band_step;
#endif
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w;
        int8_t *out = output + b * oh * ow * oc;
        for (int32_t oy0 = 0; oy0 < oh; oy0 += g.strip) {
            const int32_t rows = oh - oy0 < g.strip ? oh - oy0 : g.strip;
#if defined(TSLM_C1_PX3)
            const int32_t iy0 = oy0 * p->stride_h - p->pad_h;
            if (direct && iy0 >= 0 && iy0 + p->filter_h <= p->input_h && d_lo <= d_hi) {
                if (d_lo > 0) {
                    c1_band_part(p, &g, in_b, oy0, 0, (d_lo - 1) * sw + 4, band);
                    job.src = band, job.n = d_lo, job.out = out;
                    px3(&job);
                }
                job.src = in_b + iy0 * p->input_w + d_lo * sw - p->pad_w, job.line = p->input_w;
                job.n = d_hi - d_lo + 1, job.out = out + d_lo * oc;
                px3(&job);
                job.line = g.line_step;
                if (d_hi < ow - 1) {
                    c1_band_part(p, &g, in_b, oy0, (d_hi + 1) * sw, side_end, band);
                    job.src = band + (d_hi + 1) * sw, job.n = ow - 1 - d_hi, job.out = out + (d_hi + 1) * oc;
                    px3(&job);
                }
                out += ow * oc;
                continue;
            }
#endif
            c1_band(p, &g, in_b, oy0, rows, band);
#if defined(TSLM_C1_PX3)
            if (px3 != NULL) { /* one output row at a time */
                for (int32_t y = 0; y < rows; ++y, out += ow * oc) {
                    job.src = band + y * g.row_step, job.n = ow, job.out = out;
                    px3(&job);
                }
                continue;
            }
#endif
            int32_t y = 0, x = 0;
            for (int32_t left = rows * ow; left > 0;) {
                const int32_t n = left > g.pix ? g.pix : left;
                c1_widen(p, &g, band, &y, &x, n, xw);
                c1_block(p, xw, n, out, g.n4, spare);
                out += n * oc, left -= n;
            }
        }
    }
}

int32_t tslm_dsp_conv_wide_c1_s8_get_buffer_size(const tslm_conv_params *p)
{
    c1_geo g;
    c1_geo_init(p, &g);
    const int32_t band_bytes = g.by_cols ? g.band_cols * g.band_step : g.band_rows * g.band_step;
    return (g.pix / 2) * 16 * g.n4 + c1_spare_bytes(p) + band_bytes + 3;
}

/*
 * The wide layout over receptive fields widened straight from the image (the compiler's conv_wide_win in
 * dsp_layout.py: one group, input channels a multiple of four, K > CONV_WIDE_COLS_MAX_K or a 1x1 filter at a
 * stride, an even number of outputs, nothing clamped above; a ResNet's 3x3 body and its strided shortcuts). Per
 * pair of pixels whose fields lie inside the image, each filter row (filter_w filter_c bytes, whole groups of four
 * k) of both is widened where it lies (win_widen), at the border each tap's filter_c bytes or the widened input
 * zero point (win_widen_border; no im2col copy); then win_pairs (wide_pairs' 2x2 blocks of ten instructions per
 * 16 MACs, unrolled 32 groups) over all the pairs of channels. A 1x1 filter at a stride gathers 16 input pixels
 * into one run for wide_block. Its own entry, so that models without such layers link none of it. Scratch: the two
 * pixels widened (16 n4 bytes), output_c bytes for a lone last pixel's second outputs (1x1: rounded up to a word,
 * then the 16 gathered pixels).
 */
/* A receptive field's fh filter rows (run bytes each, `tap` apart) of two pixels widened into x as
 * tslm_dsp_op_widen2 lays them out; runs a multiple of 16 bytes in assembly four groups a turn (two LDRD per two
 * groups: 6.5 instructions a group). */
TSLM_ALWAYS_INLINE void win_widen(const int8_t *s0, const int8_t *s1, int32_t *d, int32_t run, int32_t tap,
                                  int32_t fh)
{
#if defined(TSLM_DSP_OP_QUADS)
    if ((run & 15) == 0) {
        const int32_t turns = run >> 4, back = tap - run;
        for (int32_t fy = 0; fy < fh; ++fy, s0 += back, s1 += back) {
            int32_t n = turns, u0, u1, v0, v1;
#define TSLM_WIN_W8                                       \
    "ldrd %[u0], %[u1], [%[a]], #8\n\t"                  \
    "ldrd %[v0], %[v1], [%[b]], #8\n\t"                  \
    "sxtb16 r8, %[u0]\n\t"                               \
    "sxtb16 r9, %[u0], ror #8\n\t"                       \
    "sxtb16 r10, %[v0]\n\t"                              \
    "sxtb16 r11, %[v0], ror #8\n\t"                      \
    "stmia %[d]!, {r8, r9, r10, r11}\n\t"                \
    "sxtb16 r8, %[u1]\n\t"                               \
    "sxtb16 r9, %[u1], ror #8\n\t"                       \
    "sxtb16 r10, %[v1]\n\t"                              \
    "sxtb16 r11, %[v1], ror #8\n\t"                      \
    "stmia %[d]!, {r8, r9, r10, r11}\n\t"
            __asm__ volatile("1:\n\t" TSLM_WIN_W8 TSLM_WIN_W8 "subs %[n], %[n], #1\n\t"
                             "bne 1b\n\t"
                             : [a] "+r"(s0), [b] "+r"(s1), [d] "+r"(d), [n] "+r"(n), [u0] "=&r"(u0), [u1] "=&r"(u1),
                               [v0] "=&r"(v0), [v1] "=&r"(v1)
                             :
                             : "r8", "r9", "r10", "r11", "cc", "memory");
#undef TSLM_WIN_W8
        }
        return;
    }
#endif
    for (int32_t fy = 0; fy < fh; ++fy, s0 += tap, s1 += tap, d += run) {
        tslm_dsp_op_widen2(s0, s1, run, d);
    }
}

/* The receptive fields of pixels (oy, ox) and (oy1, ox1), one of them reaching past the image, widened into x as
 * win_widen lays them out: per filter row and tap each pixel's filter_c bytes (a multiple of four) where they lie,
 * the input zero point (widened) where outside; no im2col copy. */
__attribute__((noinline)) static void win_widen_border(const tslm_conv_params *p, const int8_t *in_b, int32_t oy,
                                                       int32_t ox, int32_t oy1, int32_t ox1, int32_t *d)
{
    const uint32_t zp = (uint16_t)(int16_t)(-p->input_offset);
    const int32_t z = (int32_t)(zp | (zp << 16)); /* (zp, zp) */
    const int32_t fc = p->filter_c, ic = p->input_c, row_bytes = p->input_w * ic;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int32_t y1 = oy1 * p->stride_h - p->pad_h, x1 = ox1 * p->stride_w - p->pad_w;
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
        const int32_t iy0 = y0 + p->dilation_h * fy, iy1 = y1 + p->dilation_h * fy;
        const int row0 = (uint32_t)iy0 < (uint32_t)p->input_h, row1 = (uint32_t)iy1 < (uint32_t)p->input_h;
        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix0 = x0 + fx, ix1 = x1 + fx;
            const int8_t *a = row0 && (uint32_t)ix0 < (uint32_t)p->input_w ? in_b + iy0 * row_bytes + ix0 * ic : NULL;
            const int8_t *b = row1 && (uint32_t)ix1 < (uint32_t)p->input_w ? in_b + iy1 * row_bytes + ix1 * ic : NULL;
            if (a != NULL && b != NULL) {
                tslm_dsp_op_widen2(a, b, fc, d);
                d += fc;
            } else if (a != NULL) {
                for (int32_t c = 0; c < fc; c += 4, d += 4) {
                    const int32_t u = tslm_read32(a + c);
                    d[0] = tslm_sxtb16(u), d[1] = tslm_sxtb16_ror8(u), d[2] = z, d[3] = z;
                }
            } else if (b != NULL) {
                for (int32_t c = 0; c < fc; c += 4, d += 4) {
                    const int32_t v = tslm_read32(b + c);
                    d[0] = z, d[1] = z, d[2] = tslm_sxtb16(v), d[3] = tslm_sxtb16_ror8(v);
                }
            } else {
                for (int32_t c = 0; c < fc; c += 4, d += 4) {
                    d[0] = z, d[1] = z, d[2] = z, d[3] = z;
                }
            }
        }
    }
}

#define TSLM_CW_WIN_COLS 16 /* 1x1 at a stride: pixels gathered per pass (wide_block widens them in the assembly) */

/* 1x1 at a stride: TSLM_CW_WIN_COLS input pixels at a time gathered into one run (their k bytes one after another,
 * after the widened pair and the spare outputs), then wide_block as for a 1x1 conv at stride 1. */
static void win_pointwise(const tslm_conv_params *p, const int8_t *input, int8_t *output, int32_t *x)
{
    const int32_t k = p->filter_c, oc = p->output_c, ow = p->output_w, pixels = p->output_h * ow;
    const int32_t col_step = p->stride_w * p->input_c, row_step = p->stride_h * p->input_w * p->input_c;
    int8_t *cols = wide_spare(p, x) + ((oc + 3) & ~3);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out = output + b * pixels * oc;
        int32_t oy = 0, ox = 0;
        for (int32_t left = pixels; left > 0;) {
            const int32_t n = left > TSLM_CW_WIN_COLS ? TSLM_CW_WIN_COLS : left;
            int8_t *c = cols;
            for (int32_t i = 0; i < n; ++i, c += k) {
                copy_run(c, in_b + oy * row_step + ox * col_step, k);
                if (++ox == ow) {
                    ox = 0, ++oy;
                }
            }
            wide_block(p, cols, k, n, out, x);
            out += n * oc, left -= n;
        }
    }
}

void tslm_dsp_conv_wide_win_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, int8_t *output, int16_t *scratch)
{
    int32_t *x = (int32_t *)(void *)scratch;
    (void)bias, (void)weights; /* (weights: the stream in p->requant) */
    if (p->filter_h * p->filter_w == 1) {
        win_pointwise(p, input, output, x);
        return;
    }
    const int32_t n4 = wide_n4(p), oc = p->output_c, ow = p->output_w, pixels = p->output_h * ow;
    int8_t *spare = (int8_t *)(x + 4 * n4);
    cols_geo geo_s;
    const cols_geo *geo = cols_geo_init(p, &geo_s) ? &geo_s : NULL;
    const int32_t run = p->filter_w * p->filter_c; /* a multiple of four: a filter row is whole groups */
#if defined(TSLM_DSP_ASM)
    const uintptr_t step = 16u * (uint32_t)n4; /* x starts a pair before: the assembly steps it first */
    wide2_job job = {(int32_t *)((uintptr_t)x - step), x, (const int16_t *)(const void *)p->requant, p->requant,
                     wide_end(p), NULL, 1, NULL, NULL, (int32_t)step, oc, 0, 0, p->act_min, p->requant, 0, n4,
                     p->act_min >= p->output_offset};
#endif
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out = output + b * pixels * oc;
        int32_t oy = 0, ox = 0;
        for (int32_t left = pixels; left > 0; left -= 2, out += 2 * oc) {
            int32_t oy1 = oy, ox1 = ox + 1;
            if (ox1 == ow) {
                ox1 = 0, ++oy1;
            }
            const int two = left >= 2;
            if (!two) { /* a lone last pixel: as pixel 1 too, its outputs there into scratch */
                oy1 = oy, ox1 = ox;
            }
            if (geo != NULL && cols_inside(geo, oy, ox) && cols_inside(geo, oy1, ox1)) {
                const int8_t *base = in_b - geo->origin;
                const int8_t *s0 = base + oy * geo->row_step + ox * geo->col_step;
                const int8_t *s1 = base + oy1 * geo->row_step + ox1 * geo->col_step;
                win_widen(s0, s1, x, run, geo->tap_step, p->filter_h);
            } else {
                win_widen_border(p, in_b, oy, ox, oy1, ox1, x);
            }
#if defined(TSLM_DSP_ASM)
            job.out0 = out, job.out1 = two ? out + oc : spare;
            win_pairs(&job);
#else
            wide_pixels_x(p, x, out, two ? out + oc : spare);
#endif
            oy = oy1, ox = ox1 + 1;
            if (ox == ow) {
                ox = 0, ++oy;
            }
        }
    }
}

int32_t tslm_dsp_conv_wide_win_s8_get_buffer_size(const tslm_conv_params *p)
{
    if (p->filter_h * p->filter_w == 1) { /* the widened pair, the spare outputs (word-aligned), the gathered run */
        return 16 * wide_n4(p) + ((p->output_c + 3) & ~3) + TSLM_CW_WIN_COLS * p->filter_c;
    }
    return 16 * wide_n4(p) + p->output_c;
}

void tslm_dsp_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->requant == NULL) { /* weights not constant: no records, no layout */
        tslm_conv_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    int32_t *x = (int32_t *)(void *)scratch;
    if (p->requant_fast == 2) {
#if defined(TSLM_DSP_OP_QUADS)
        /* the assembly takes every four channels (tslm_dsp_op_job_init's conditions), op_rest the rest */
        const int32_t n4 = (p->filter_h * p->filter_w * p->filter_c + 3) / 4;
        if (p->filter_h * p->filter_w > 1 && p->filter_c == p->input_c && !uses_window(p) &&
            (p->output_c < 4 || (n4 >= 2 && p->act_max == 127))) {
            cols_op(p, input, w, output, x, p->act_min == -128 && p->act_max == 127);
            return;
        }
#endif
        if (p->act_min == -128 && p->act_max == 127) {
            run(p, input, w, output, x, 2, 1);
        } else {
            run(p, input, w, output, x, 2, 0);
        }
    } else if (!p->requant_fast) {
        run(p, input, w, output, x, 0, 0);
    } else if (p->act_min == -128 && p->act_max == 127) {
        run(p, input, w, output, x, 1, 1);
    } else {
        run(p, input, w, output, x, 1, 0);
    }
}

int32_t tslm_dsp_conv_s8_get_buffer_size(const tslm_conv_params *p)
{
    if (p->requant == NULL) {
        return tslm_conv_s8_get_buffer_size(p);
    }
    const int32_t n4 = (p->filter_h * p->filter_w * p->filter_c + 3) / 4;
    return 16 * n4 + (p->filter_h * p->filter_w > 1 ? 8 * n4 : 0);
}

int32_t tslm_dsp_conv_wide_s8_get_buffer_size(const tslm_conv_params *p)
{
    const int32_t n4 = wide_n4(p);
    if (wide_rgb(p)) {
        return TSLM_CW_RGB * 8 * n4 + 4 * n4 + p->output_c;
    }
    return 16 * n4 + (wide_cols(p) ? TSLM_CW_COLS * 4 * n4 : 0) + p->output_c;
}

/* Three pixels a block in the assembly (tslm_dsp_op_quads3s; the compiler calls tslm_dsp_conv_rows3_s8 for them
 * alone, so that other models link neither routine): offset pairs, one group, every channel in fours, K a multiple
 * of 4 of 2..25 groups, nothing clamped below 127, three pixels or more, each pixel's K bytes `step` from the last
 * one's: 1x1 at stride 1 (the pixels one after the other; in place too: a triple is widened before its outputs
 * are written, and output_c <= input_c there), or one output row of a window (a 1 x K conv over time: fields
 * stride_w input_c apart). The scratch: three widened pixels (24 bytes a group). Must match conv_triples in
 * tinyslm/compiler/dsp_layout.py. Returns the step, 0 where it does not apply. */
static int32_t conv_triples(const tslm_conv_params *p)
{
    const int32_t k_all = p->filter_h * p->filter_w * p->filter_c;
    if (!(p->requant_fast == 2 && p->requant != NULL && p->filter_c == p->input_c && (k_all & 3) == 0 &&
          k_all >= 8 && k_all <= 100 && (p->output_c & 3) == 0 && p->output_c >= 4 && p->act_max == 127 &&
          p->output_h * p->output_w >= 3)) {
        return 0;
    }
    if (p->filter_h == 1 && p->filter_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 0 &&
        p->pad_w == 0 && p->input_w == p->output_w && p->input_h == p->output_h) {
        return p->input_c;
    }
    /* uses_window's conditions written out (a third caller of it changed GCC's -Os inlining of run()) */
    return p->output_h == 1 && p->filter_h == 1 && p->dilation_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
                   (p->output_w - 1) * p->stride_w + p->filter_w <= p->input_w
               ? p->stride_w * p->input_c
               : 0;
}

#if !defined(TSLM_DSP_OP_TRIPLES) && defined(__GNUC__) && defined(__ELF__)
/* the size build (no assembly): the general entry itself */
void tslm_dsp_conv_rows3_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch)
    __attribute__((alias("tslm_dsp_conv_s8")));
#else
void tslm_dsp_conv_rows3_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch)
{
#if defined(TSLM_DSP_OP_TRIPLES)
    const int32_t step = conv_triples(p);
    if (step > 0) { /* the last one or two pixels by the general entry, as a row of them */
        const int32_t pixels = p->output_h * p->output_w, done = pixels / 3 * 3, oc = p->output_c;
        const int32_t in_size = p->input_h * p->input_w * p->input_c;
        for (int32_t b = 0; b < p->batches; ++b) {
            const int8_t *in_b = input + b * in_size;
            int8_t *out_b = output + b * pixels * oc;
            tslm_dsp_op_job3_run((int32_t *)(void *)scratch, (const int32_t *)(const void *)weights, p->requant,
                                 p->filter_h * p->filter_w * p->filter_c / 4, oc, p->act_min, in_b, step, out_b,
                                 pixels / 3, p->act_min == -128);
            if (done < pixels) {
                tslm_conv_params q = *p;
                q.batches = 1, q.output_h = 1, q.output_w = pixels - done, q.input_h = 1;
                q.input_w = p->output_h == 1 ? p->input_w - done * p->stride_w : pixels - done;
                tslm_dsp_conv_s8(&q, in_b + done * step, weights, bias, out_b + done * oc, scratch);
            }
        }
        return;
    }
#endif
    tslm_dsp_conv_s8(p, input, weights, bias, output, scratch);
}
#endif

int32_t tslm_dsp_conv_rows3_s8_get_buffer_size(const tslm_conv_params *p)
{
    const int32_t n4 = (p->filter_h * p->filter_w * p->filter_c + 3) / 4, general = tslm_dsp_conv_s8_get_buffer_size(p);
    return conv_triples(p) > 0 && general < 24 * n4 ? 24 * n4 : general;
}
