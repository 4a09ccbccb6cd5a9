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
    const uint8_t *words_end = in + (n & ~3);
    while (in != words_end) {
        const int32_t w = tslm_read32(in);
        memcpy(out, &w, sizeof(w));
        in += 4;
        out += 4;
    }
    for (n &= 3; n > 0; --n) {
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
    /* (the walk's numbers in locals: the stores through out could otherwise alias p) */
    const int32_t d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4];
    const int32_t s0 = s[0] * es, s1 = s[1] * es, s2 = s[2] * es, s3 = s[3] * es, s4 = s[4] * es;
    for (int32_t i0 = 0; i0 < d0; ++i0) {
        for (int32_t i1 = 0; i1 < d1; ++i1) {
            for (int32_t i2 = 0; i2 < d2; ++i2) {
                for (int32_t i3 = 0; i3 < d3; ++i3) {
                    const uint8_t *row = in + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3;
                    for (int32_t i4 = 0; i4 < d4; ++i4, row += s4, out += run) {
                        copy_run(out, row, run);
                    }
                }
            }
        }
    }
}
