/* tslm_transpose_conv.h - TRANSPOSE_CONV, int8 and int16x8, NHWC. */
#ifndef TSLM_TRANSPOSE_CONV_H
#define TSLM_TRANSPOSE_CONV_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;    /* input: batches x input_h x input_w x input_c */
    int32_t filter_h, filter_w;           /* weights: output_c x filter_h x filter_w x input_c */
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;                 /* input pixel (y, x) lands on output (y*stride - pad + fy, ...) */
    int32_t input_offset;                 /* -input zero point (0 for int16) */
    int32_t output_offset;                /* output zero point (0 for int16) */
    const int32_t *multiplier;            /* per output channel */
    const int32_t *shift;                 /* per output channel */
    int32_t act_min, act_max;
    /* The DSP and Helium kernels' (tslm_dsp_transpose_conv.c, tslm_mve_transpose_conv.c), NULL for the portable
     * one: per phase of the stride, the requantization records of its output channels (the bias folded with that
     * phase's weights), and (DSP) per phase their kind: 2 offset pairs, 1 fast (tslm_dsp.h). */
    const int32_t *requant;
    const int32_t *requant_fast;
} tslm_transpose_conv_params;

/*
 * One phase (a, b) of the stride, as the DSP and Helium kernels run a TRANSPOSE_CONV (one convolution per phase):
 * its output pixels (stride_h i + a, stride_w j + b) for i < rows, j < cols take the filter taps
 * fy = ry + stride_h ty (ty < ny; ry = (a + pad_h) mod stride_h), columns alike, and pixel (i, j)'s tap (ty, tx)
 * reads input (i + dy - ty, j + dx - tx). The compiler lays each phase's weights out by the same rule
 * (tinyslm/compiler/ops/transpose_conv.py), a tap row's taps from the last to the first: input columns ascending.
 */
typedef struct {
    int32_t rows, cols; /* output pixels of the phase */
    int32_t a, b;       /* its first output row and column */
    int32_t ny, nx;     /* taps along y and x */
    int32_t dy, dx;     /* input row of pixel i's tap 0: i + dy (tap t: i + dy - t); columns alike */
} tslm_tconv_phase;

TSLM_ALWAYS_INLINE tslm_tconv_phase tslm_tconv_phase_of(const tslm_transpose_conv_params *p, int32_t a, int32_t b)
{
    const int32_t ry = (a + p->pad_h) % p->stride_h, rx = (b + p->pad_w) % p->stride_w;
    tslm_tconv_phase g;
    g.a = a, g.b = b;
    g.rows = a < p->output_h ? (p->output_h - a + p->stride_h - 1) / p->stride_h : 0;
    g.cols = b < p->output_w ? (p->output_w - b + p->stride_w - 1) / p->stride_w : 0;
    g.ny = ry < p->filter_h ? (p->filter_h - ry + p->stride_h - 1) / p->stride_h : 0;
    g.nx = rx < p->filter_w ? (p->filter_w - rx + p->stride_w - 1) / p->stride_w : 0;
    g.dy = (a + p->pad_h - ry) / p->stride_h;
    g.dx = (b + p->pad_w - rx) / p->stride_w;
    return g;
}

/*
 * TFLM scatters every input pixel's products into an accumulator per output element; each output
 * is computed here as the sum of the same products gathered (integer sums: the order does not
 * change them, int32 wrapping included), so no scratch is needed.
 */
void tslm_transpose_conv_s8(const tslm_transpose_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output);
/* int16x8: 64-bit sums, bias widened to int64 by the compiler (TFLM converts an int16 bias too). */
void tslm_transpose_conv_s16(const tslm_transpose_conv_params *p, const int16_t *input, const int8_t *weights,
                             const int64_t *bias, int16_t *output);

/* float32, TFLM's reference TransposeConv. It scatters each input pixel's products in input order, so an
 * output's sum runs over its sources (input row, column, channel) in ascending order; gathered here in that
 * order (the taps from last to first), then the bias where there is one, then the activation (TSLM_ACT_*). */
typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;
    int32_t filter_h, filter_w;
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t activation;
} tslm_transpose_conv_f32_params;

void tslm_transpose_conv_f32(const tslm_transpose_conv_f32_params *p, const float *input, const float *weights,
                             const float *bias, float *output);

#endif /* TSLM_TRANSPOSE_CONV_H */
