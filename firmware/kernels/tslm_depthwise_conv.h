/* tslm_depthwise_conv.h - DEPTHWISE_CONV_2D, int8, per-channel weights, NHWC. */
#ifndef TSLM_DEPTHWISE_CONV_H
#define TSLM_DEPTHWISE_CONV_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;    /* input: batches x input_h x input_w x input_c */
    int32_t filter_h, filter_w;           /* weights: 1 x filter_h x filter_w x output_c */
    int32_t depth_multiplier;             /* output_c = input_c * depth_multiplier */
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t input_offset;                 /* -input zero point */
    int32_t output_offset;                /* output zero point */
    const int32_t *multiplier;            /* per output channel */
    const int32_t *shift;                 /* per output channel */
    int32_t act_min, act_max;
    /* 1: bias[oc] already holds input_offset * (sum of channel oc's weights);
     * see tslm_conv.h. */
    int32_t bias_folded;
} tslm_depthwise_conv_params;

void tslm_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output);

#endif /* TSLM_DEPTHWISE_CONV_H */
