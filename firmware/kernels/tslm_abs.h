/* tslm_abs.h - ABS for int16 (int8 ABS is a 256-entry table: tslm_lut). */
#ifndef TSLM_ABS_H
#define TSLM_ABS_H

#include "tslm_common.h"

/* |x| (zero points are 0 in int16), rescaled by multiplier/shift when the scales differ (rescale != 0),
 * saturated to int16: TFLM's AbsEvalQuantized<int16_t>. */
void tslm_abs_s16(int32_t n, int32_t rescale, int32_t multiplier, int32_t shift, const int16_t *input,
                  int16_t *output);

#endif /* TSLM_ABS_H */
