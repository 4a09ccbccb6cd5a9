/* tslm_dsp_transpose_conv.c - int8 TRANSPOSE_CONV as one convolution per phase of the stride (see the header),
 * on tslm_dsp.h's widening and GEMM micro-kernels. */
#include "tslm_dsp_transpose_conv.h"
#include "tslm_dsp.h"

#include <string.h>

/* The int8 taps of pixel (i, j): per tap row ty the input columns j + dx - nx + 1 .. j + dx ascending (one copy
 * where they all lie inside), the input zero point outside the image. */
static void gather(const tslm_transpose_conv_params *p, const tslm_tconv_phase *g, const int8_t *in_b, int32_t i,
                   int32_t j, int8_t *dst)
{
    const int32_t c = p->input_c, run = g->nx * c, x0 = j + g->dx - g->nx + 1;
    const int8_t zp = (int8_t)(-p->input_offset);
    for (int32_t ty = 0; ty < g->ny; ++ty, dst += run) {
        const int32_t iy = i + g->dy - ty;
        if (iy < 0 || iy >= p->input_h) {
            memset(dst, zp, (size_t)run);
        } else if (x0 >= 0 && x0 + g->nx <= p->input_w) {
            memcpy(dst, in_b + (iy * p->input_w + x0) * c, (size_t)run);
        } else {
            for (int32_t t = 0; t < g->nx; ++t) {
                const int32_t ix = x0 + t;
                if (ix < 0 || ix >= p->input_w) {
                    memset(dst + t * c, zp, (size_t)c);
                } else {
                    memcpy(dst + t * c, in_b + (iy * p->input_w + ix) * c, (size_t)c);
                }
            }
        }
    }
}

/* Pixels (i0, j0) and (i1, j1) (two != 0) widened as tslm_dsp.h lays them out: with input_c a multiple of
 * four each tap row straight from the input (one run where both pixels' lie inside the image; else tap by tap,
 * the zero-point row outside), else through int8 copies of the taps. (Not inlined: inlined in the three
 * specializations it saved 0.6% of tconv_16x16_32_16's instructions for 3.5 KB of .text.) */
static void widen(const tslm_transpose_conv_params *p, const tslm_tconv_phase *g, const int8_t *in_b,
                  const int8_t *zrow, int32_t i0, int32_t j0, int32_t i1, int32_t j1, int two, int8_t *patch,
                  int32_t *x)
{
    const int32_t c = p->input_c;
    if ((c & 3) == 0) {
        const int32_t run = g->nx * c, a0 = j0 + g->dx - g->nx + 1, a1 = j1 + g->dx - g->nx + 1;
        const int inside = a0 >= 0 && a0 + g->nx <= p->input_w && (!two || (a1 >= 0 && a1 + g->nx <= p->input_w));
        for (int32_t ty = 0; ty < g->ny; ++ty) {
            const int32_t y0 = i0 + g->dy - ty, y1 = i1 + g->dy - ty;
            const int in0 = y0 >= 0 && y0 < p->input_h, in1 = y1 >= 0 && y1 < p->input_h;
            if (inside && in0 && (!two || in1)) {
                if (two) {
                    tslm_dsp_op_widen2(in_b + (y0 * p->input_w + a0) * c, in_b + (y1 * p->input_w + a1) * c, run,
                                       x);
                    x += run; /* 4 words per four channels */
                } else {
                    tslm_dsp_op_widen1(in_b + (y0 * p->input_w + a0) * c, run, x);
                    x += run / 2;
                }
                continue;
            }
            for (int32_t t = 0; t < g->nx; ++t) {
                const int32_t x0 = a0 + t, x1 = a1 + t;
                const int8_t *s0 = in0 && x0 >= 0 && x0 < p->input_w ? in_b + (y0 * p->input_w + x0) * c : zrow;
                if (two) {
                    const int8_t *s1 = in1 && x1 >= 0 && x1 < p->input_w ? in_b + (y1 * p->input_w + x1) * c
                                                                          : zrow;
                    tslm_dsp_op_widen2(s0, s1, c, x);
                    x += c;
                } else {
                    tslm_dsp_op_widen1(s0, c, x);
                    x += c / 2;
                }
            }
        }
        return;
    }
    const int32_t k = g->ny * g->nx * c, k4 = (k + 3) & ~3;
    gather(p, g, in_b, i0, j0, patch);
    if (two) {
        gather(p, g, in_b, i1, j1, patch + k4);
        tslm_dsp_op_widen2(patch, patch + k4, k, x);
    } else {
        tslm_dsp_op_widen1(patch, k, x);
    }
}

TSLM_ALWAYS_INLINE void phase_run(const tslm_transpose_conv_params *p, const tslm_tconv_phase *g, const int8_t *in_b,
                                  const int32_t *w, const int32_t *rq, int8_t *out_b, int8_t *scratch,
                                  const int mode, const int full)
{
    const int32_t c = p->input_c, oc = p->output_c;
    const int32_t k = g->ny * g->nx * c, n4 = (k + 3) / 4;
    int32_t *x = (int32_t *)(void *)scratch;
    int8_t *zrow = scratch + 16 * n4;
    int8_t *patch = zrow + ((c + 3) & ~3);
    memset(zrow, (int8_t)(-p->input_offset), (size_t)c);
    const int32_t row_step = p->stride_h * p->output_w * oc, col_step = p->stride_w * oc;
    const int32_t n = g->rows * g->cols;
    int32_t i = 0, j = 0; /* the next pixel of the phase */
    for (int32_t done = 0; done < n; done += 2) {
        const int32_t i0 = i, j0 = j;
        if (++j == g->cols) {
            j = 0, ++i;
        }
        int8_t *o0 = out_b + (g->a * p->output_w + g->b) * oc + i0 * row_step + j0 * col_step, *o1;
        if (done + 1 < n) {
            const int32_t i1 = i, j1 = j;
            if (++j == g->cols) {
                j = 0, ++i;
            }
            o1 = out_b + (g->a * p->output_w + g->b) * oc + i1 * row_step + j1 * col_step;
            widen(p, g, in_b, zrow, i0, j0, i1, j1, 1, patch, x);
        } else {
            widen(p, g, in_b, zrow, i0, j0, i0, j0, 0, patch, x);
            o1 = NULL;
        }
        if (mode == 2) {
            tslm_dsp_op_gemm_rows(x, w, rq, n4, oc, o0, o1, p->act_min, p->act_max, full);
        } else {
            tslm_dsp_gemm_rows(x, w, rq, n4, oc, o0, o1, p->output_offset, p->act_min, p->act_max, mode, full);
        }
    }
}

void tslm_dsp_transpose_conv_s8(const tslm_transpose_conv_params *p, const int8_t *input, const int8_t *weights,
                                const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant == NULL) {
        tslm_transpose_conv_s8(p, input, weights, bias, output);
        return;
    }
    const int full = p->act_min == -128 && p->act_max == 127;
    const int32_t in_size = p->input_h * p->input_w * p->input_c, out_size = p->output_h * p->output_w * p->output_c;
    for (int32_t batch = 0; batch < p->batches; ++batch) {
        const int8_t *in_b = input + batch * in_size;
        int8_t *out_b = output + batch * out_size;
        const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
        const int32_t *rq = p->requant;
        int32_t ph = 0;
        for (int32_t a = 0; a < p->stride_h; ++a) {
            for (int32_t b = 0; b < p->stride_w; ++b, ++ph, rq += 4 * p->output_c) {
                const tslm_tconv_phase g = tslm_tconv_phase_of(p, a, b);
                const int32_t n4 = (g.ny * g.nx * p->input_c + 3) / 4;
                if (g.rows > 0 && g.cols > 0) {
                    /* (records of kind 1 clamp at [act_min, act_max] even over the whole int8 range: one copy of
                     * that path, which only layers whose offset pairs do not fit take) */
                    if (p->requant_fast[ph] != 2) {
                        phase_run(p, &g, in_b, w, rq, out_b, scratch, 1, 0);
                    } else if (full) {
                        phase_run(p, &g, in_b, w, rq, out_b, scratch, 2, 1);
                    } else {
                        phase_run(p, &g, in_b, w, rq, out_b, scratch, 2, 0);
                    }
                }
                w += p->output_c * n4; /* the phase's oc rows of n4 words (pairs interleaved) */
            }
        }
    }
}

int32_t tslm_dsp_transpose_conv_s8_get_buffer_size(const tslm_transpose_conv_params *p)
{
    if (p->requant == NULL) {
        return 0;
    }
    /* the most taps of a phase: ceil(filter / stride) along each axis */
    const int32_t k = (p->filter_h + p->stride_h - 1) / p->stride_h * ((p->filter_w + p->stride_w - 1) / p->stride_w) *
                      p->input_c;
    const int32_t n4 = (k + 3) / 4;
    return 16 * n4 + ((p->input_c + 3) & ~3) + ((p->input_c & 3) ? 8 * n4 : 0);
}
