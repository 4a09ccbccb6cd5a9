/* tslm_copy.c - portable C99 data movement kernels. */
#include <string.h>

#include "tslm_copy.h"

void tslm_strided_copy(const tslm_gather_params *p, const void *input, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const int32_t *d = p->dims;
    const int32_t *s = p->in_strides;
    const size_t es = (size_t)p->elem_size;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        const int32_t base = p->in_start + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        if (s[5] == 1) {
                            memcpy(out, in + (size_t)base * es, (size_t)d[5] * es);
                            out += (size_t)d[5] * es;
                            continue;
                        }
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            memcpy(out, in + (size_t)(base + i5 * s[5]) * es, es);
                            out += es;
                        }
                    }
                }
            }
        }
    }
}

void tslm_concatenation(const tslm_concat_params *p, const void *const inputs[], void *output)
{
    uint8_t *out = (uint8_t *)output;
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->count; ++i) {
            const uint8_t *in = (const uint8_t *)inputs[i] + (size_t)o * (size_t)p->bytes[i];
            memcpy(out, in, (size_t)p->bytes[i]);
            out += p->bytes[i];
        }
    }
}

/* nbytes of `out` filled with copies of the es-byte `value`: one element, then the filled part copied onto the rest,
 * doubling (a handful of block copies, not one call per element). */
static void fill(uint8_t *out, size_t nbytes, const void *value, size_t es)
{
    if (nbytes == 0u) {
        return;
    }
    if (es == 1u) {
        memset(out, *(const uint8_t *)value, nbytes);
        return;
    }
    memcpy(out, value, es);
    for (size_t done = es; done < nbytes;) {
        const size_t n = done < nbytes - done ? done : nbytes - done;
        memcpy(out + done, out, n);
        done += n;
    }
}

void tslm_pad(const tslm_pad_params *p, const void *input, const void *pad_value, void *output)
{
    uint8_t *out = (uint8_t *)output;
    const uint8_t *in = (const uint8_t *)input;
    const size_t es = (size_t)p->elem_size;
    fill(out, (size_t)p->output_bytes, pad_value, es);
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        const int32_t base = p->out_start + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        memcpy(out + (size_t)base * es, in, (size_t)d[5] * es);
                        in += (size_t)d[5] * es;
                    }
                }
            }
        }
    }
}

void tslm_select_bytes(int32_t nbytes, const bool *cond, const void *then_bytes, const void *else_bytes,
                       void *output)
{
    memcpy(output, *cond ? then_bytes : else_bytes, (size_t)nbytes);
}
