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
