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

/* The window of output (oy, ox) clipped to the image: rows [*y0, *y1), columns [*x0, *x1). */
TSLM_TINY_INLINE void tslm_pool_window(const tslm_pool_params *p, int32_t oy, int32_t ox, int32_t *y0, int32_t *y1,
                                      int32_t *x0, int32_t *x1)
{
    const int32_t in_y = oy * p->stride_h - p->pad_h, in_x = ox * p->stride_w - p->pad_w;
    *y0 = tslm_max_i32(0, in_y);
    *y1 = tslm_min_i32(p->input_h, in_y + p->filter_h);
    *x0 = tslm_max_i32(0, in_x);
    *x1 = tslm_min_i32(p->input_w, in_x + p->filter_w);
}

/* [*in, *end): the outputs along one axis (of `out`) whose windows lie wholly in the image (of `size`); empty
 * (*in == *end) where there are none. */
static inline void tslm_pool_whole_windows(int32_t size, int32_t filter, int32_t stride, int32_t pad, int32_t out,
                                           int32_t *in, int32_t *end)
{
    const int32_t last = size - filter + pad; /* the last whole window's first input, plus pad */
    *in = (pad + stride - 1) / stride;
    *end = last < 0 ? 0 : tslm_min_i32(out, last / stride + 1);
    if (*end < *in) {
        *end = *in;
    }
}

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
