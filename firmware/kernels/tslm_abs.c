/* tslm_abs.c - portable C99 ABS (int16). */
#include "tslm_abs.h"

void tslm_abs_s16(int32_t n, int32_t rescale, int32_t multiplier, int32_t shift, const int16_t *input,
                  int16_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = input[i] < 0 ? -(int32_t)input[i] : input[i];
        const int32_t r = rescale ? tslm_requantize(v, multiplier, shift) : v;
        output[i] = (int16_t)tslm_clamp_i32(r, -32768, 32767);
    }
}
