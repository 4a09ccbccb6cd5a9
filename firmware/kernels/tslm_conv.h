/* tslm_conv.h - CONV_2D, int8 activations, int8 per-channel weights, NHWC. */
#ifndef TSLM_CONV_H
#define TSLM_CONV_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;    /* input: batches x input_h x input_w x input_c */
    int32_t filter_h, filter_w, filter_c; /* weights: output_c x filter_h x filter_w x filter_c */
    int32_t output_h, output_w, output_c; /* output: batches x output_h x output_w x output_c */
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;                 /* padding before the first row / column */
    int32_t input_offset;                 /* -input zero point */
    int32_t output_offset;                /* output zero point */
    const int32_t *multiplier;            /* per output channel */
    const int32_t *shift;                 /* per output channel */
    int32_t act_min, act_max;
    /* 1: bias[oc] already holds input_offset * (sum of filter oc's weights),
     * computed by the compiler; in-image taps then multiply the raw input and
     * taps outside the image subtract input_offset * weight (TFLM skips them). */
    int32_t bias_folded;
    /* 1: output and input are the same buffer (1x1, stride 1, output no wider
     * than input); each input pixel is read into scratch before its outputs
     * are written (portable C: scratch holds input_c bytes). */
    int32_t in_place;
    /* The Cortex-M DSP kernels' per-output-channel requantization records
     * (cortex_m_dsp/tslm_dsp.h), which then replace bias, multiplier and
     * shift (NULL); NULL for the portable kernels. requant_fast: the records
     * are in the SMMLAR form. */
    const int32_t *requant;
    int32_t requant_fast;
} tslm_conv_params;

/* Grouped convolution when input_c is a multiple of filter_c (groups = input_c / filter_c). */
/* scratch: work space the compiler sized for the implementation (NULL if none). */
void tslm_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                  const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_conv_s8 needs for p: input_c when in place (one input pixel), else none. */
int32_t tslm_conv_s8_get_buffer_size(const tslm_conv_params *p);

/* CONV_2D int16x8: int16 activations (zero points 0), int8 per-channel weights, 64-bit bias. */
typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;
    int32_t filter_h, filter_w, filter_c; /* groups = input_c / filter_c */
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    const int32_t *multiplier;            /* per output channel */
    const int32_t *shift;                 /* per output channel */
    int32_t act_min, act_max;
    int32_t acc32;                        /* 1: TFLM's int32 accumulator (int32 bias); 0: int64 */
} tslm_conv_s16_params;

/* bias: output_c values (may be NULL), widened to int64 by the compiler whatever the model stores. */
void tslm_conv_s16(const tslm_conv_s16_params *p, const int16_t *input, const int8_t *weights,
                   const int64_t *bias, int16_t *output);

/* CONV_2D float32: TFLM's reference Conv, sums in its order (filter row, column, channel),
 * then the bias (0.0f without one), then the fused activation (TSLM_ACT_*). */
typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;
    int32_t filter_h, filter_w, filter_c; /* groups = input_c / filter_c */
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t activation;
} tslm_conv_f32_params;

void tslm_conv_f32(const tslm_conv_f32_params *p, const float *input, const float *weights, const float *bias,
                   float *output);

#endif /* TSLM_CONV_H */
