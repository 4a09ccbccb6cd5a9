/* tslm_gather.c - portable C99 index-table gathers and splits. */
#include <string.h>

#include "tslm_gather.h"

void tslm_index_gather(const tslm_index_gather_params *p, const void *input, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const int32_t *d = p->dims;
    const size_t es = (size_t)p->elem_size;
    const int32_t *t0 = p->offsets;
    const int32_t *t1 = t0 + d[0];
    const int32_t *t2 = t1 + d[1];
    const int32_t *t3 = t2 + d[2];
    const int32_t *t4 = t3 + d[3];
    const int32_t *t5 = t4 + d[4];
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            const int32_t b1 = t0[i0] + t1[i1];
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                const int32_t b2 = b1 + t2[i2];
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    const int32_t b3 = b2 + t3[i3];
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        const int32_t b4 = b3 + t4[i4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            const uint8_t *src = in + (size_t)(b4 + t5[i5]) * es;
                            if (es == 1) {
                                *out = *src;
                            } else {
                                memcpy(out, src, es);
                            }
                            out += es;
                        }
                    }
                }
            }
        }
    }
}

void tslm_split(const tslm_split_params *p, const void *input, const void *const outputs[])
{
    const uint8_t *in = (const uint8_t *)input;
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->count; ++i) {
            /* an output buffer, passed through a const list (see the header) */
            uint8_t *out = (uint8_t *)(uintptr_t)outputs[i] + (size_t)o * (size_t)p->bytes[i];
            memcpy(out, in, (size_t)p->bytes[i]);
            in += p->bytes[i];
        }
    }
}

void tslm_gather_rows(const tslm_gather_rows_params *p, const void *input, const void *indices, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const size_t slice = (size_t)p->inner_bytes;
    for (int32_t o = 0; o < p->outer; ++o) {
        const uint8_t *base = in + (size_t)o * (size_t)p->axis_size * slice;
        for (int32_t i = 0; i < p->count; ++i) {
            const int64_t at = p->index_int64 ? ((const int64_t *)indices)[i] : ((const int32_t *)indices)[i];
            if (at >= 0 && at < p->axis_size) {
                memcpy(out, base + (size_t)at * slice, slice);
            } else {
                memset(out, 0, slice);
            }
            out += slice;
        }
    }
}

void tslm_dynamic_update_slice(const tslm_update_slice_params *p, const void *operand, const void *update,
                               const void *indices, void *output)
{
    const int32_t *d = p->dims;
    const int32_t *u = p->update_dims;
    const size_t es = (size_t)p->elem_size;
    size_t total = es;
    int32_t start[TSLM_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t stride[TSLM_MAX_DIMS];
    for (int k = TSLM_MAX_DIMS - 1; k >= 0; --k) {
        stride[k] = (int32_t)(total / es);
        total *= (size_t)d[k];
    }
    if (output != operand) {
        memcpy(output, operand, total);
    }
    for (int k = 0; k < p->rank; ++k) {
        const int dim = TSLM_MAX_DIMS - p->rank + k;
        const int64_t at = p->index_int64 ? ((const int64_t *)indices)[k] : ((const int32_t *)indices)[k];
        const int64_t hi = d[dim] - u[dim];
        start[dim] = (int32_t)(at < 0 ? 0 : at > hi ? hi : at);
    }
    const uint8_t *src = (const uint8_t *)update;
    uint8_t *out = (uint8_t *)output;
    const size_t row = (size_t)u[5] * es;
    for (int32_t i0 = 0; i0 < u[0]; ++i0) {
        for (int32_t i1 = 0; i1 < u[1]; ++i1) {
            for (int32_t i2 = 0; i2 < u[2]; ++i2) {
                for (int32_t i3 = 0; i3 < u[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < u[4]; ++i4) {
                        const int32_t at = (start[0] + i0) * stride[0] + (start[1] + i1) * stride[1] +
                                           (start[2] + i2) * stride[2] + (start[3] + i3) * stride[3] +
                                           (start[4] + i4) * stride[4] + start[5];
                        memcpy(out + (size_t)at * es, src, row);
                        src += row;
                    }
                }
            }
        }
    }
}

void tslm_embedding_lookup_s8_f32(int32_t count, const int32_t *ids, int32_t rows, int32_t columns,
                                  const int8_t *table, float scale, float *output)
{
    for (int32_t i = 0; i < count; ++i) {
        float *out = output + (size_t)i * (size_t)columns;
        const int32_t at = ids[i];
        for (int32_t j = 0; j < columns; ++j) {
            /* an id outside the table (TFLM stops with an error) gives zeros */
            out[j] = (at >= 0 && at < rows) ? (float)table[(size_t)at * (size_t)columns + (size_t)j] * scale : 0.0f;
        }
    }
}
