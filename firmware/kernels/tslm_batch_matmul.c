/* tslm_batch_matmul.c - portable C99 BATCH_MATMUL (int8). */
#include "tslm_batch_matmul.h"

void tslm_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                          int8_t *output, int32_t *scratch)
{
    (void)scratch;
    int8_t *out = output;
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                const int8_t *r = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                  b2 * p->rhs_batch_strides[2];
                for (int32_t i = 0; i < p->rows; ++i) {
                    const int8_t *l_row = l + i * p->lhs_row_stride;
                    for (int32_t j = 0; j < p->cols; ++j) {
                        const int8_t *r_col = r + j * p->rhs_col_stride;
                        int32_t acc = 0;
                        for (int32_t k = 0; k < p->depth; ++k) {
                            acc += ((int32_t)l_row[k * p->lhs_depth_stride] + p->lhs_offset) *
                                   ((int32_t)r_col[k * p->rhs_depth_stride] + p->rhs_offset);
                        }
                        acc = tslm_requantize(acc, p->multiplier, p->shift) + p->output_offset;
                        *out++ = (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}

int32_t tslm_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    (void)p;
    return 0;
}
