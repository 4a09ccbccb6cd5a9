/* tslm_mve_lut.h - the int8 256-entry table lookup for Helium (MVE): a drop-in for tslm_lut_s8. */
#ifndef TSLM_MVE_LUT_H
#define TSLM_MVE_LUT_H

#include "tslm_lut.h"

void tslm_mve_lut_s8(int32_t n, const int8_t table[256], const int8_t *input, int8_t *output);

#endif /* TSLM_MVE_LUT_H */
