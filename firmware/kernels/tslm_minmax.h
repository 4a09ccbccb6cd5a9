/* tslm_minmax.h - REDUCE_MAX, REDUCE_MIN (int8) and REDUCE_ALL (bool) over any axes and ARG_MAX, ARG_MIN over one axis (int32 indices), int8. */
#ifndef TSLM_MINMAX_H
#define TSLM_MINMAX_H

#include <stdbool.h>

#include "tslm_common.h"

typedef struct {
    /* Input shape right-aligned to 6 dimensions, and for each dimension the stride of
     * the output element it folds into (0 on reduced axes). */
    int32_t dims[TSLM_MAX_DIMS];
    int32_t out_strides[TSLM_MAX_DIMS];
    int32_t output_count;
    int32_t is_max; /* 1: REDUCE_MAX, 0: REDUCE_MIN */
} tslm_reduce_minmax_params;

/* Raw int8 values, as TFLM's reference kernel (input and output share the quantization). */
void tslm_reduce_minmax_s8(const tslm_reduce_minmax_params *p, const int8_t *input, int8_t *output);
/* float32: from the lowest (highest) float, TFLM's `in > current ? in : current` (or <). */
void tslm_reduce_minmax_f32(const tslm_reduce_minmax_params *p, const float *input, float *output);

/* REDUCE_ALL: the same walk over bools (is_max unused). */
void tslm_reduce_all(const tslm_reduce_minmax_params *p, const bool *input, bool *output);

typedef struct {
    int32_t outer;      /* product of the dimensions before the axis */
    int32_t axis_size;
    int32_t inner;      /* product of the dimensions after the axis */
    int32_t is_max;     /* 1: ARG_MAX, 0: ARG_MIN */
} tslm_arg_minmax_params;

/* The first index of the largest (smallest) value along the axis. */
void tslm_arg_minmax_s8(const tslm_arg_minmax_params *p, const int8_t *input, int32_t *output);
/* float32: the first index of the largest (smallest) value, strictly greater (less) replacing, as TFLM. */
void tslm_arg_minmax_f32(const tslm_arg_minmax_params *p, const float *input, int32_t *output);

#endif /* TSLM_MINMAX_H */
