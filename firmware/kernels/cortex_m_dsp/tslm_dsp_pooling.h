/* tslm_dsp_pooling.h - AVERAGE_POOL_2D and MAX_POOL_2D for the Cortex-M DSP extension: a drop-in for the portable kernel of
 * tslm_pooling.h, same params. */
#ifndef TSLM_DSP_POOLING_H
#define TSLM_DSP_POOLING_H

#include "tslm_pooling.h"

void tslm_dsp_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* windows of at most 256 pixels, at least four channels (else tslm_dsp_avg_pool_s8): one pass of SXTAB16 per word */
void tslm_dsp_avg_pool_small_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* SSUB8/SEL over words of four channels (1..3 channels: a word per window pixel, its low lanes stored) */
void tslm_dsp_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* SSUB16/SEL over words of two channels; one channel: the portable kernel */
void tslm_dsp_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);

#endif /* TSLM_DSP_POOLING_H */
