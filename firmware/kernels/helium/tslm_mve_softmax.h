/* tslm_mve_softmax.h - SOFTMAX (int8 input) for Helium (MVE): drop-ins for the portable kernels of
 * tslm_softmax.h, same params. */
#ifndef TSLM_MVE_SOFTMAX_H
#define TSLM_MVE_SOFTMAX_H

#include "tslm_softmax.h"

void tslm_mve_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output);
void tslm_mve_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output);

#endif /* TSLM_MVE_SOFTMAX_H */
