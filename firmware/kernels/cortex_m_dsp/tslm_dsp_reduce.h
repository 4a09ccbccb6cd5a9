/* tslm_dsp_reduce.h - MEAN for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_reduce.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_REDUCE_H
#define TSLM_DSP_REDUCE_H

#include "tslm_reduce.h"

void tslm_dsp_mean_s8(const tslm_reduce_params *p, const int8_t *input, int8_t *output, int32_t *scratch);
/* Scratch bytes tslm_dsp_mean_s8 needs for p: the portable kernel's. */
int32_t tslm_dsp_mean_s8_get_buffer_size(const tslm_reduce_params *p);

#endif /* TSLM_DSP_REDUCE_H */
