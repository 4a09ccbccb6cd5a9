/* tslm_lut.c - table lookup for elementwise int8 ops. */
#include "tslm_lut.h"

void tslm_lut_s8(int32_t n, const int8_t table[256], const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = table[(int32_t)input[i] + 128];
    }
}
