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

/* float32 pooling: AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D (TFLM runs L2 only in float32), each
 * window clipped to the image and walked in TFLM's order (row, column), then the fused activation. */
typedef struct {
    int32_t batches;
    int32_t input_h, input_w, channels;
    int32_t filter_h, filter_w;
    int32_t output_h, output_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t activation; /* TSLM_ACT_* */
} tslm_pool_f32_params;

void tslm_avg_pool_f32(const tslm_pool_f32_params *p, const float *input, float *output);
void tslm_max_pool_f32(const tslm_pool_f32_params *p, const float *input, float *output);
/* sqrt(sum of squares / count) */
void tslm_l2_pool_f32(const tslm_pool_f32_params *p, const float *input, float *output);

#endif /* TSLM_POOLING_H */
