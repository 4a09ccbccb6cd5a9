/*
 * tslm_dsp_copy.c - strided copies whose innermost dimension is contiguous in the input (a transformer's
 * head split and merge: runs of a head's width), for the Cortex-M DSP targets. Each run is copied a word
 * at a time (LDR/STR, unaligned addresses allowed on ARMv7E-M and later) instead of a memcpy call per run;
 * any other walk (a stepping or reversed innermost axis) is the portable kernel's.
 */
#include "tslm_dsp_copy.h"
#include "tslm_simd.h"

TSLM_ALWAYS_INLINE void copy_run(uint8_t *out, const uint8_t *in, int32_t n)
{
    for (; n >= 4; n -= 4, in += 4, out += 4) {
        const int32_t w = tslm_read32(in);
        memcpy(out, &w, sizeof(w));
    }
    for (; n > 0; --n) {
        *out++ = *in++;
    }
}

void tslm_dsp_strided_copy(const tslm_gather_params *p, const void *input, void *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->in_strides;
    if (s[5] != 1) {
        tslm_strided_copy(p, input, output);
        return;
    }
    const int32_t es = p->elem_size;
    const int32_t run = d[5] * es;
    const uint8_t *in = (const uint8_t *)input + p->in_start * es;
    uint8_t *out = (uint8_t *)output;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    const uint8_t *row = in + (i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3]) * es;
                    for (int32_t i4 = 0; i4 < d[4]; ++i4, out += run) {
                        copy_run(out, row + i4 * s[4] * es, run);
                    }
                }
            }
        }
    }
}
