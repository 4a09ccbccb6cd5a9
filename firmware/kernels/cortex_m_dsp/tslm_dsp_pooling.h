/* tslm_dsp_pooling.h - AVERAGE_POOL_2D and MAX_POOL_2D for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_pooling.h, same params, calling them for whatever they do not handle. */
#ifndef TSLM_DSP_POOLING_H
#define TSLM_DSP_POOLING_H

#include "tslm_pooling.h"

void tslm_dsp_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* windows of at most 256 pixels, at least four channels (else tslm_dsp_avg_pool_s8): one pass of SXTAB16 per word */
void tslm_dsp_avg_pool_small_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* SSUB8/SEL over words of four channels (fewer: the portable kernel) */
void tslm_dsp_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* int8 pixels of 1..3 channels (an RGB input's): a word per window pixel, the low lanes of the max stored */
void tslm_dsp_max_pool_narrow_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* SSUB16/SEL over words of two channels; one channel: the portable kernel */
void tslm_dsp_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);
/* the same for a window of R x C (1..3 each), its loads unrolled where the window lies in the image (at least four
 * int8 or two int16 channels; anything else: the entries above): tslm_dsp_max_pool_1x1_s8 .. _3x3_s8, _s16 */
#define TSLM_DSP_MAX_POOL_SHAPE(R, C)                                                                          \
    void tslm_dsp_max_pool_##R##x##C##_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);     \
    void tslm_dsp_max_pool_##R##x##C##_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);
TSLM_DSP_MAX_POOL_SHAPE(1, 1) TSLM_DSP_MAX_POOL_SHAPE(1, 2) TSLM_DSP_MAX_POOL_SHAPE(1, 3)
TSLM_DSP_MAX_POOL_SHAPE(2, 1) TSLM_DSP_MAX_POOL_SHAPE(2, 2) TSLM_DSP_MAX_POOL_SHAPE(2, 3)
TSLM_DSP_MAX_POOL_SHAPE(3, 1) TSLM_DSP_MAX_POOL_SHAPE(3, 2) TSLM_DSP_MAX_POOL_SHAPE(3, 3)
#undef TSLM_DSP_MAX_POOL_SHAPE

#endif /* TSLM_DSP_POOLING_H */
