/* tslm_reduce.h - MEAN and SUM over any set of axes, int8 (MEAN also int16). */
#ifndef TSLM_REDUCE_H
#define TSLM_REDUCE_H

#include "tslm_common.h"

typedef struct {
    /* Input shape right-aligned to 6 dimensions, and for each dimension the
     * stride of the output element it accumulates into (0 on reduced axes). */
    int32_t dims[TSLM_MAX_DIMS];
    int32_t out_strides[TSLM_MAX_DIMS];
    int32_t output_count;  /* elements of the output */
    int32_t reduce_count;  /* input elements summed into each output */
    int32_t input_zero_point;
    int32_t output_zero_point;
    /* input scale / output scale, with 1/reduce_count folded in for MEAN,
     * as TFLM's QuantizedMeanOrSum does */
    int32_t multiplier, shift;
} tslm_reduce_params;

/* scratch: output_count int32 accumulators. */
void tslm_mean_s8(const tslm_reduce_params *p, const int8_t *input, int8_t *output, int32_t *scratch);
/* Scratch bytes tslm_mean_s8 needs for p: one int32 accumulator per output. */
int32_t tslm_mean_s8_get_buffer_size(const tslm_reduce_params *p);

/* The same for int16 (16x8 models); scratch as above. */
void tslm_mean_s16(const tslm_reduce_params *p, const int16_t *input, int16_t *output, int32_t *scratch);
int32_t tslm_mean_s16_get_buffer_size(const tslm_reduce_params *p);

/* float32 SUM and MEAN (TFLM's ReduceSumImpl: each output summed from 0.0f in the input's order; MEAN then
 * divides by reduce_count). The output is the accumulator, as in TFLM; the quantization fields are unused. */
void tslm_sum_f32(const tslm_reduce_params *p, const float *input, float *output);
void tslm_mean_f32(const tslm_reduce_params *p, const float *input, float *output);

#endif /* TSLM_REDUCE_H */
