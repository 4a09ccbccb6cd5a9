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
 * scratch: 16 bytes per four k (two widened pixels), + 2 * K bytes for im2col.
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

/* The receptive field of output pixel `pixel`, group `group`, as K contiguous bytes;
 * taps outside the image hold the input zero point. */
static void im2col(const tslm_conv_params *p, const int8_t *in_b, int32_t pixel, int32_t group, int8_t *col)
{
    const int32_t y0 = (pixel / p->output_w) * p->stride_h - p->pad_h;
    const int32_t x0 = (pixel % p->output_w) * p->stride_w - p->pad_w;
    const int8_t zero_point = (int8_t)(-p->input_offset);
    const int32_t fc = p->filter_c, row_bytes = p->input_w * p->input_c;
    const int contiguous = fc == p->input_c && p->dilation_w == 1; /* a filter row is one run of bytes */
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        if (iy < 0 || iy >= p->input_h) {
            col = fill_bytes(col, zero_point, p->filter_w * fc);
            continue;
        }
        const int8_t *row = in_b + iy * row_bytes + group * fc;
        if (contiguous) {
            const int32_t lo = x0 < 0 ? -x0 : 0;                                            /* taps left of the image */
            const int32_t end = x0 + p->filter_w > p->input_w ? p->input_w - x0 : p->filter_w; /* first tap right of it */
            col = fill_bytes(col, zero_point, lo * fc);
            if (end > lo) {
                col = copy_bytes(col, row + (x0 + lo) * fc, (end - lo) * fc);
            }
            col = fill_bytes(col, zero_point, (p->filter_w - (end > lo ? end : lo)) * fc);
            continue;
        }
        for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            col = (ix < 0 || ix >= p->input_w) ? fill_bytes(col, zero_point, fc)
                                               : copy_bytes(col, row + ix * p->input_c, fc);
        }
    }
}

/* 1x1 filter: the input pixel under output pixel `pixel`. */
TSLM_ALWAYS_INLINE const int8_t *pixel_at(const tslm_conv_params *p, const int8_t *in_b, int32_t pixel)
{
    const int32_t oy = pixel / p->output_w, ox = pixel % p->output_w;
    return in_b + (oy * p->stride_h * p->input_w + ox * p->stride_w) * p->input_c;
}

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
    const int window = p->filter_h == 1 && groups == 1 && p->dilation_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
                       (p->output_w - 1) * p->stride_w + p->filter_w <= p->input_w &&
                       (p->output_h - 1) * p->stride_h < p->input_h;
    int8_t *col0 = (int8_t *)(x + 4 * n4);
    int8_t *col1 = col0 + k_all;
    const int32_t pixels = p->output_h * p->output_w;
#if defined(TSLM_DSP_OP_QUADS)
    /* offset pairs: the assembly's jobs (two pixels, one) set up once; the channels past the fours in C */
    tslm_dsp_op_job job2, job1;
    const int32_t fours = fast == 2 ? tslm_dsp_op_job_init(&job2, x, weights, p->requant, n4, per_group, p->act_min,
                                                           p->act_max, full, 1)
                                    : 0;
    const int32_t fours1 = fast == 2 ? tslm_dsp_op_job_init(&job1, x, weights, p->requant, n4, per_group,
                                                            p->act_min, p->act_max, full, 0)
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
            tslm_dsp_op_job_run(&job2, out_b, out_b + p->output_c, full);
            job2.in = NULL, job2.pairs = 1;
            px0 = pixels & ~1;
        }
#endif
        for (int32_t px = px0; px < pixels; px += 2) {
            const int two = px + 1 < pixels;
            int8_t *out0 = out_b + px * p->output_c;
            int8_t *out1 = two ? out0 + p->output_c : NULL;
            for (int32_t g = 0; g < groups; ++g) {
                const int8_t *a = col0, *c = col1;
                if (direct || window) {
                    a = pixel_at(p, in_b, px) + g * p->filter_c;
                    c = two ? pixel_at(p, in_b, px + 1) + g * p->filter_c : a;
                } else {
                    im2col(p, in_b, px, g, col0);
                    if (two) {
                        im2col(p, in_b, px + 1, g, col1);
                    }
                }
                if (fast == 2) {
                    int32_t done = 0;
                    if (two) {
                        tslm_dsp_op_widen2(a, c, k_all, x);
                    } else {
                        tslm_dsp_op_widen1(a, k_all, x);
                    }
#if defined(TSLM_DSP_OP_QUADS)
                    done = two ? fours : fours1;
                    if (done > 0) {
                        tslm_dsp_op_job_run(two ? &job2 : &job1, out0, out1, full);
                    }
#endif
                    if (done < per_group) {
                        tslm_dsp_op_gemm_rows(x, weights + done * n4, p->requant + 4 * done, n4, per_group - done,
                                              out0 + done, two ? out1 + done : NULL, p->act_min, p->act_max, full);
                    }
                    continue;
                }
                if (two) {
                    tslm_dsp_widen2(a, c, k_all, x);
                } else {
                    tslm_dsp_widen1(a, k_all, x);
                }
                tslm_dsp_gemm_rows(x, weights + g * per_group * n4, p->requant + 4 * g * per_group, n4, per_group,
                                   out0 + g * per_group, two ? out1 + g * per_group : NULL, p->output_offset,
                                   p->act_min, p->act_max, fast, full);
            }
        }
    }
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
    const int32_t k = p->filter_h * p->filter_w * p->filter_c;
    return 16 * ((k + 3) / 4) + (p->filter_h * p->filter_w > 1 ? 2 * k : 0);
}
