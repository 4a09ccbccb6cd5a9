/* tslm_resize.c - portable C99 RESIZE_BILINEAR (int8, float32). */
#include <math.h>

#include "tslm_resize.h"

void tslm_resize_bilinear_s8(const tslm_resize_bilinear_params *p, const int8_t *input, int8_t *output)
{
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + (size_t)b * (size_t)p->in_batch_stride;
        for (int32_t y = 0; y < p->out_h; ++y) {
            const int32_t *r = p->rows + 3 * y;
            const int64_t wy1 = r[2], wy0 = 1024 - r[2];
            for (int32_t x = 0; x < p->out_w; ++x) {
                const int32_t *c = p->cols + 3 * x;
                const int64_t wx1 = c[2], wx0 = 1024 - c[2];
                const int8_t *p00 = in + r[0] + c[0];
                const int8_t *p10 = in + r[1] + c[0];
                const int8_t *p01 = in + r[0] + c[1];
                const int8_t *p11 = in + r[1] + c[1];
                for (int32_t k = 0; k < p->depth; ++k) {
                    const int64_t v = p00[k] * wy0 * wx0 + p10[k] * wy1 * wx0 + p01[k] * wy0 * wx1 + p11[k] * wy1 * wx1;
                    const int64_t round = v > 0 ? (INT64_C(1) << 19) : -(INT64_C(1) << 19);
                    *out++ = (int8_t)((v + round) / (INT64_C(1) << 20));
                }
            }
        }
    }
}

/* TFLM's ComputeInterpolationValues: the source position, and the rows (columns) below and above it. */
static void source(int32_t v, float scale, int32_t half_pixel, int32_t in_size, float *at, int32_t *lo, int32_t *hi)
{
    *at = half_pixel ? ((float)v + 0.5f) * scale - 0.5f : (float)v * scale;
    const int32_t floor_v = (int32_t)floorf(*at);
    const int32_t ceil_v = (int32_t)ceilf(*at);
    *lo = floor_v > 0 ? floor_v : 0;
    *hi = ceil_v < in_size - 1 ? ceil_v : in_size - 1;
}

static float scale_of(int32_t in_size, int32_t out_size, int32_t align_corners)
{
    if (align_corners && out_size > 1) {
        return (float)(in_size - 1) / (float)(out_size - 1);
    }
    return (float)in_size / (float)out_size;
}

void tslm_resize_bilinear_f32(const tslm_resize_bilinear_f32_params *p, const float *input, float *output)
{
    const float sy = scale_of(p->in_h, p->out_h, p->align_corners);
    const float sx = scale_of(p->in_w, p->out_w, p->align_corners);
    float *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *in = input + (size_t)b * (size_t)p->in_h * (size_t)p->in_w * (size_t)p->depth;
        for (int32_t y = 0; y < p->out_h; ++y) {
            float iy;
            int32_t y0, y1;
            source(y, sy, p->half_pixel_centers, p->in_h, &iy, &y0, &y1);
            for (int32_t x = 0; x < p->out_w; ++x) {
                float ix;
                int32_t x0, x1;
                source(x, sx, p->half_pixel_centers, p->in_w, &ix, &x0, &x1);
                const float *a = in + ((size_t)y0 * p->in_w + x0) * p->depth;
                const float *bb = in + ((size_t)y1 * p->in_w + x0) * p->depth;
                const float *c = in + ((size_t)y0 * p->in_w + x1) * p->depth;
                const float *d = in + ((size_t)y1 * p->in_w + x1) * p->depth;
                const float fy = iy - (float)y0, fx = ix - (float)x0;
                for (int32_t ch = 0; ch < p->depth; ++ch) {
                    *out++ = a[ch] * (1 - fy) * (1 - fx) + bb[ch] * fy * (1 - fx) + c[ch] * (1 - fy) * fx +
                             d[ch] * fy * fx;
                }
            }
        }
    }
}
