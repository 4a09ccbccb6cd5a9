/*
 * tslm_dsp_lut.c - output[i] = table[input[i] + 128] four bytes at a time: one word load, each byte
 * sign-extended in place (SXTB with rotation) as the index into the table centred on 0, the four results
 * put together and stored as one word. Reading a word before writing it keeps the lookup safe in place.
 */
#include "tslm_dsp_lut.h"
#include "tslm_simd.h"

void tslm_dsp_lut_s8(int32_t n, const int8_t table[256], const int8_t *input, int8_t *output)
{
    const uint8_t *t = (const uint8_t *)table + 128;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int32_t w = tslm_read32(input + i);
        const uint32_t v = (uint32_t)t[(int8_t)w] | ((uint32_t)t[(int8_t)(w >> 8)] << 8) |
                           ((uint32_t)t[(int8_t)(w >> 16)] << 16) | ((uint32_t)t[w >> 24] << 24);
        memcpy(output + i, &v, sizeof(v));
    }
    for (; i < n; ++i) {
        output[i] = (int8_t)t[input[i]];
    }
}
