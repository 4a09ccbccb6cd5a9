/* tslm_batch_matmul.c - portable C99 BATCH_MATMUL (int8, int16). */
#include "tslm_batch_matmul.h"

/* Every output of every batch: the offset dot product of an lhs row and an rhs column, requantized. The
 * operands are int8, or int16 when `wide` (sums in int64, TFLM's 64-bit requantization, zero points 0):
 * inlined into each caller with `wide` a constant, so each gets its own loop. */
TSLM_ALWAYS_INLINE void matmul(const tslm_batch_matmul_params *p, const void *lhs, const void *rhs, void *output,
                               const int wide)
{
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int32_t lb = b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                   b2 * p->lhs_batch_strides[2];
                const int32_t rb = b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                   b2 * p->rhs_batch_strides[2];
                const int32_t ob = b0 * p->output_batch_strides[0] + b1 * p->output_batch_strides[1] +
                                   b2 * p->output_batch_strides[2];
                for (int32_t i = 0; i < p->rows; ++i) {
                    const int8_t *l8 = (const int8_t *)lhs + lb + i * p->lhs_row_stride;
                    const int16_t *l16 = (const int16_t *)lhs + lb + i * p->lhs_row_stride;
                    int8_t *out8 = (int8_t *)output + ob + i * p->output_row_stride;
                    int16_t *out16 = (int16_t *)output + ob + i * p->output_row_stride;
                    for (int32_t j = 0; j < p->cols; ++j) {
                        const int8_t *r8 = (const int8_t *)rhs + rb + j * p->rhs_col_stride;
                        const int16_t *r16 = (const int16_t *)rhs + rb + j * p->rhs_col_stride;
                        if (wide) {
                            int64_t acc = 0;
                            for (int32_t k = 0; k < p->depth; ++k) {
                                acc += (int64_t)l16[k * p->lhs_depth_stride] * r16[k * p->rhs_depth_stride];
                            }
                            const int32_t v = tslm_requantize64(acc, p->multiplier, p->shift) + p->output_offset;
                            *out16++ = (int16_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                        } else {
                            int32_t acc = 0;
                            for (int32_t k = 0; k < p->depth; ++k) {
                                acc += ((int32_t)l8[k * p->lhs_depth_stride] + p->lhs_offset) *
                                       ((int32_t)r8[k * p->rhs_depth_stride] + p->rhs_offset);
                            }
                            const int32_t v = tslm_requantize(acc, p->multiplier, p->shift) + p->output_offset;
                            *out8++ = (int8_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                        }
                    }
                }
            }
        }
    }
}

void tslm_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                          int8_t *output, int32_t *scratch)
{
    (void)scratch;
    matmul(p, lhs, rhs, output, 0);
}

void tslm_batch_matmul_s16(const tslm_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs,
                           int16_t *output, int32_t *scratch)
{
    (void)scratch;
    matmul(p, lhs, rhs, output, 1);
}

int32_t tslm_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    (void)p;
    return 0;
}

int32_t tslm_batch_matmul_s16_get_buffer_size(const tslm_batch_matmul_params *p)
{
    (void)p;
    return 0;
}

void tslm_batch_matmul_f32(const tslm_batch_matmul_params *p, const float *lhs, const float *rhs, float *output)
{
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const float *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                 b2 * p->lhs_batch_strides[2];
                const float *r = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                 b2 * p->rhs_batch_strides[2];
                for (int32_t i = 0; i < p->rows; ++i) {
                    float *out = output + b0 * p->output_batch_strides[0] + b1 * p->output_batch_strides[1] +
                                 b2 * p->output_batch_strides[2] + i * p->output_row_stride;
                    for (int32_t j = 0; j < p->cols; ++j) {
                        float total = 0.0f;
                        for (int32_t k = 0; k < p->depth; ++k) {
                            total += l[i * p->lhs_row_stride + k * p->lhs_depth_stride] *
                                     r[j * p->rhs_col_stride + k * p->rhs_depth_stride];
                        }
                        *out++ = total;
                    }
                }
            }
        }
    }
}
