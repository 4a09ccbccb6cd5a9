/*
 * tslm_dsp_pooling.c - AVERAGE_POOL_2D (int8) for the Cortex-M DSP extension. Per output pixel and
 * block of up to POOL_BLOCK channels, each window row's in-image pixels are summed four channels at
 * a time by two SXTAB16 per pixel (tslm_dsp.h's tslm_dsp_sum_columns), then every channel takes the
 * portable kernel's division rounding half away from zero and the clamp: the same bytes as
 * tslm_avg_pool_s8, about two instructions per value summed instead of eight.
 */
#include "tslm_dsp_pooling.h"
#include "tslm_dsp.h"

#define POOL_BLOCK 64 /* channels summed per pass (the sums live on the stack: 256 bytes) */

void tslm_dsp_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->channels, row = p->input_w * ch;
    int32_t sums[POOL_BLOCK];
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0);
                for (int32_t c = 0; c < ch; c += POOL_BLOCK) {
                    const int32_t n = ch - c < POOL_BLOCK ? ch - c : POOL_BLOCK;
                    for (int32_t i = 0; i < n; ++i) {
                        sums[i] = 0;
                    }
                    if (x1 - x0 == p->input_w) { /* whole image rows: one run of pixels, ch apart */
                        tslm_dsp_sum_columns(in_b + y0 * row + c, (y1 - y0) * p->input_w, ch, n, sums);
                    } else {
                        for (int32_t y = y0; y < y1; ++y) { /* the window's row y: x1 - x0 pixels */
                            tslm_dsp_sum_columns(in_b + y * row + x0 * ch + c, x1 - x0, ch, n, sums);
                        }
                    }
                    for (int32_t i = 0; i < n; ++i) {
                        int32_t v = sums[i];
                        if (count > 0) {
                            v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
                        }
                        out[c + i] = (int8_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
