/* tslm_mve_depthwise_conv.h - DEPTHWISE_CONV_2D for Helium (MVE): a drop-in for the portable kernel of
 * tslm_depthwise_conv.h, same params, calling it for whatever it does not handle. */
#ifndef TSLM_MVE_DEPTHWISE_CONV_H
#define TSLM_MVE_DEPTHWISE_CONV_H

#include "tslm_depthwise_conv.h"

/* scratch: as the portable kernel (cache_rows * input_w * input_c bytes when in place, else unused). */
void tslm_mve_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);

#endif /* TSLM_MVE_DEPTHWISE_CONV_H */
