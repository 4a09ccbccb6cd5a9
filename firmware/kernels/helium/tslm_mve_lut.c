/*
 * tslm_mve_lut.c - output[i] = table[input[i] + 128] sixteen bytes at a time: one load, the sign bit flipped
 * (x + 128 as an unsigned byte), one gather load (VLDRB.U8 with byte offsets from the table's start), one
 * store; the last partial 16 predicated. Each block is read before it is written: safe in place. (QEMU counts
 * the gather as one instruction; the M55 gathers one element per cycle.)
 */
#include "tslm_mve_lut.h"
#include "tslm_mve.h"

void tslm_mve_lut_s8(int32_t n, const int8_t table[256], const int8_t *input, int8_t *output)
{
    const uint8x16_t sign = vdupq_n_u8(0x80);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const uint8x16_t at = veorq_u8(vldrbq_u8((const uint8_t *)input + i), sign);
        vstrbq_s8(output + i, vldrbq_gather_offset_s8(table, at));
    }
    if (i < n) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        const uint8x16_t at = veorq_u8(vldrbq_z_u8((const uint8_t *)input + i, p), sign);
        vstrbq_p_s8(output + i, vldrbq_gather_offset_z_s8(table, at, p), p);
    }
}
