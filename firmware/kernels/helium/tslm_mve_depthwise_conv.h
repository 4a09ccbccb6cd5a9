/* tslm_mve_depthwise_conv.h - DEPTHWISE_CONV_2D for Helium (MVE): a drop-in for the portable kernel of
 * tslm_depthwise_conv.h, same params, calling it for whatever it does not handle. */
#ifndef TSLM_MVE_DEPTHWISE_CONV_H
#define TSLM_MVE_DEPTHWISE_CONV_H

#include "tslm_depthwise_conv.h"

/* scratch: as the portable kernel (cache_rows * input_w * input_c bytes when in place, else unused). */
void tslm_mve_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
/* Scratch bytes tslm_mve_depthwise_conv_s8 needs for p: with the layout, the ring of the filter's span
 * of input rows, ring_w columns each, in blocks of eight channels widened to int16; else the portable
 * kernel's. */
int32_t tslm_mve_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 3x3, stride 1 or 2, dilation 1, outputs of at least 4x4, with the compiler's layout (requant
 * set): by dot products over each channel's copy of four input rows (tslm_mve_depthwise_conv.c); anything else calls
 * tslm_mve_depthwise_conv_s8. Same params and weights; scratch: output_c * 4 * ring_w bytes (+ 16, rounded to a word)
 * and 64 bytes per output column (rounded up to even) of sums. */
void tslm_mve_depthwise_conv_3x3_s8(const tslm_depthwise_conv_params *p, const int8_t *input, const int8_t *weights,
                                    const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_mve_depthwise_conv_3x3_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

#endif /* TSLM_MVE_DEPTHWISE_CONV_H */
