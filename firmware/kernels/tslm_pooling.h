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

/* The outputs whose windows lie wholly in the image, for the target kernels' walks with a window's loads unrolled
 * (windows of at most 3x3; `unrolled` 0 or larger windows: none): output rows [y_in, y_end) by columns [x_in, x_end)
 * (y_in == y_end: none), walked as `runs` runs of `n` windows, the first window's input x_off bytes and its output
 * out_off bytes from the batch's start, a run's windows in_step / out_step bytes apart and the runs in_run / out_run
 * apart. A single output column is walked as one run of its pixels. `pixel`: bytes per pixel. */
typedef struct {
    int32_t y_in, y_end, x_in, x_end;
    int32_t runs, n, x_off, out_off, in_step, out_step, in_run, out_run;
} tslm_pool_inner;

static inline tslm_pool_inner tslm_pool_inner_of(const tslm_pool_params *q, int32_t pixel, int unrolled)
{
    tslm_pool_inner r = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (unrolled && q->filter_h <= 3 && q->filter_w <= 3) {
        tslm_pool_whole_windows(q->input_h, q->filter_h, q->stride_h, q->pad_h, q->output_h, &r.y_in, &r.y_end);
        tslm_pool_whole_windows(q->input_w, q->filter_w, q->stride_w, q->pad_w, q->output_w, &r.x_in, &r.x_end);
        if (r.x_in == r.x_end) {
            r.y_end = r.y_in;
        }
    }
    const int32_t row = q->input_w * pixel;
    r.runs = r.y_end - r.y_in, r.n = r.x_end - r.x_in;
    r.x_off = (r.y_in * q->stride_h - q->pad_h) * row + (r.x_in * q->stride_w - q->pad_w) * pixel;
    r.out_off = (r.y_in * q->output_w + r.x_in) * pixel;
    r.in_step = q->stride_w * pixel, r.out_step = pixel;
    r.in_run = q->stride_h * row, r.out_run = q->output_w * pixel;
    if (r.n == 1 && r.runs > 0) { /* one column: one run (magic_wand's 3x3 stride 3 over 128x3) */
        r.n = r.runs, r.in_step = r.in_run, r.out_step = r.out_run;
        r.runs = 1;
    }
    return r;
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
