/* tslm_mve_pooling.h - AVERAGE_POOL_2D (int8) and MAX_POOL_2D (int8, int16) for Helium (MVE): drop-ins for the
 * portable kernels of tslm_pooling.h, same params, calling them for whatever they do not handle. */
#ifndef TSLM_MVE_POOLING_H
#define TSLM_MVE_POOLING_H

#include "tslm_pooling.h"

void tslm_mve_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* the division vectorized (a multiply-high): windows of at most 256 pixels (else tslm_mve_avg_pool_s8) */
void tslm_mve_avg_pool_small_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* VMAX.S8 over blocks of 16 channels (a predicated last block) */
void tslm_mve_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* the same for a window of R x C (1..3 each), its loads unrolled where the window lies in the image:
 * tslm_mve_max_pool_1x1_s8 .. tslm_mve_max_pool_3x3_s8 */
#define TSLM_MVE_MAX_POOL_SHAPE(R, C) \
    void tslm_mve_max_pool_##R##x##C##_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
TSLM_MVE_MAX_POOL_SHAPE(1, 1) TSLM_MVE_MAX_POOL_SHAPE(1, 2) TSLM_MVE_MAX_POOL_SHAPE(1, 3)
TSLM_MVE_MAX_POOL_SHAPE(2, 1) TSLM_MVE_MAX_POOL_SHAPE(2, 2) TSLM_MVE_MAX_POOL_SHAPE(2, 3)
TSLM_MVE_MAX_POOL_SHAPE(3, 1) TSLM_MVE_MAX_POOL_SHAPE(3, 2) TSLM_MVE_MAX_POOL_SHAPE(3, 3)
#undef TSLM_MVE_MAX_POOL_SHAPE
/* VMAX.S16 over blocks of 8 channels, the window looped */
void tslm_mve_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);

#endif /* TSLM_MVE_POOLING_H */
