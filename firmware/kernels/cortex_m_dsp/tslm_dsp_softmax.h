/* tslm_dsp_softmax.h - SOFTMAX for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_softmax.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_SOFTMAX_H
#define TSLM_DSP_SOFTMAX_H

#include "tslm_softmax.h"

void tslm_dsp_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output);
void tslm_dsp_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output);

#endif /* TSLM_DSP_SOFTMAX_H */
