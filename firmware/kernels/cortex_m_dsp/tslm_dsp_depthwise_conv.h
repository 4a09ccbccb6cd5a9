/* tslm_dsp_depthwise_conv.h - DEPTHWISE_CONV_2D for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_depthwise_conv.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_DEPTHWISE_CONV_H
#define TSLM_DSP_DEPTHWISE_CONV_H

#include "tslm_depthwise_conv.h"

void tslm_dsp_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
/* Scratch bytes tslm_dsp_depthwise_conv_s8 needs for p: the filter's span of input rows, ring_w columns
 * each, widened to int16 per four channels; without records, the portable kernel's. */
int32_t tslm_dsp_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

#endif /* TSLM_DSP_DEPTHWISE_CONV_H */
