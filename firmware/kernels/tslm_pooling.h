/* tslm_pooling.h - AVERAGE_POOL_2D and MAX_POOL_2D, int8 and int16, NHWC. */
#ifndef TSLM_POOLING_H
#define TSLM_POOLING_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t input_h, input_w, channels;
    int32_t filter_h, filter_w;
    int32_t output_h, output_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max; /* input and output share scale and zero point */
} tslm_pool_params;

/* Mean of the window's in-image values, rounded half away from zero. */
void tslm_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
void tslm_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output);
/* int16: the same arithmetic (TFLM's int16 pooling kernels). */
void tslm_avg_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);
void tslm_max_pool_s16(const tslm_pool_params *p, const int16_t *input, int16_t *output);

#endif /* TSLM_POOLING_H */
