/* tslm_resize.c - portable C99 RESIZE_BILINEAR (int8). */
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
