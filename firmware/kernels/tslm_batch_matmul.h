/* tslm_batch_matmul.h - BATCH_MATMUL, int8 x int8 -> int8, with batch broadcasting. */
#ifndef TSLM_BATCH_MATMUL_H
#define TSLM_BATCH_MATMUL_H

#include "tslm_common.h"

typedef struct {
    int32_t batch_dims[3];        /* output batch dimensions (right-aligned, 1-padded) */
    int32_t lhs_batch_strides[3]; /* 0 where lhs is broadcast */
    int32_t rhs_batch_strides[3];
    int32_t rows, cols, depth;    /* out[rows][cols] = lhs[rows][depth] . rhs[depth][cols] */
    int32_t lhs_row_stride, lhs_depth_stride; /* swapped by adj_x */
    int32_t rhs_depth_stride, rhs_col_stride; /* swapped by adj_y */
    int32_t lhs_offset, rhs_offset;           /* -zero points */
    int32_t output_offset;
    int32_t multiplier, shift;
    int32_t act_min, act_max;
    int32_t output_batch_strides[3]; /* where each batch's rows x cols outputs start (0 where the dimension is 1) */
    int32_t output_row_stride;       /* from one output row to the next (a row's cols outputs are contiguous):
                                      * cols, or more where a folded TRANSPOSE merges the heads */
} tslm_batch_matmul_params;

/* scratch: what the implementation asked the compiler for (the portable kernel: none, NULL). */
void tslm_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                          int8_t *output, int32_t *scratch);
/* Scratch bytes tslm_batch_matmul_s8 needs for p: none. */
int32_t tslm_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p);

/* The same for int16 (16x8 models: zero points 0, sums in int64); scratch as above. */
void tslm_batch_matmul_s16(const tslm_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs,
                           int16_t *output, int32_t *scratch);
int32_t tslm_batch_matmul_s16_get_buffer_size(const tslm_batch_matmul_params *p);

/* float32, TFLM's reference BatchMatMul: each output the sum over k in order, no activation (the offsets,
 * multiplier, shift and activation range are unused). */
void tslm_batch_matmul_f32(const tslm_batch_matmul_params *p, const float *lhs, const float *rhs, float *output);

#endif /* TSLM_BATCH_MATMUL_H */
