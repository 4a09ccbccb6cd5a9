/* tslm_mve_pooling.h - AVERAGE_POOL_2D (int8) and MAX_POOL_2D (int8, int16) for Helium (MVE): a drop-in for the portable kernel of tslm_pooling.h,
 * same params, calling it for whatever it does not handle. */
#ifndef TSLM_MVE_POOLING_H
#define TSLM_MVE_POOLING_H

#include "tslm_pooling.h"

void tslm_mve_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
void tslm_mve_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
void tslm_mve_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);

#endif /* TSLM_MVE_POOLING_H */
