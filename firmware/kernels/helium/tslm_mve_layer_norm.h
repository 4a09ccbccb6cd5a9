/* tslm_mve_layer_norm.h - the fused layer norm (int8) for Helium (MVE): a drop-in for tslm_layer_norm_s8 (same
 * params), calling it for whatever it does not handle. */
#ifndef TSLM_MVE_LAYER_NORM_H
#define TSLM_MVE_LAYER_NORM_H

#include "tslm_layer_norm.h"

/* scratch: tslm_mve_layer_norm_s8_get_buffer_size bytes. */
void tslm_mve_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                            const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch);
/* The portable kernel's scratch and three int32 per channel unless the compiler gave gamma's and beta's records. */
int32_t tslm_mve_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p);

#endif /* TSLM_MVE_LAYER_NORM_H */
