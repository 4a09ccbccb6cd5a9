/*
 * tslm_mve_pooling.c - AVERAGE_POOL_2D (int8) with Helium: eight channels at a time, the window's
 * in-image values loaded widened to int16 (VLDRB.S16) and summed in int16 lanes, exact while the
 * window holds at most 256 values (|sum| <= 128 * 256 = 2^15); then per channel TFLM's division
 * rounding half away from zero and the clamp, in scalar code. Larger windows take the portable kernel.
 */
#include "tslm_mve_pooling.h"
#include "tslm_mve.h"

void tslm_mve_avg_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    if (p->filter_h * p->filter_w > 256) {
        tslm_avg_pool_s8(p, input, output); /* the portable kernel */
        return;
    }
    const int32_t ch = p->channels, row = p->input_w * ch;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0), span = (x1 - x0) * ch;
                for (int32_t c = 0; c < ch; c += 8) {
                    const mve_pred16_t p16 = vctp16q((uint32_t)(ch - c));
                    int16x8_t acc = vdupq_n_s16(0);
                    for (int32_t y = y0; y < y1; ++y) {
                        const int8_t *px = in_b + y * row + x0 * ch + c;
                        for (const int8_t *end = px + span; px < end; px += ch) {
                            acc = vaddq_s16(acc, vldrbq_z_s16(px, p16));
                        }
                    }
                    int16_t sums[8];
                    vst1q_s16(sums, acc);
                    const int32_t n = ch - c < 8 ? ch - c : 8;
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

/*
 * MAX_POOL_2D (int8) with Helium: sixteen channels at a time, VMAX.S8 over the window's in-image
 * pixels (tslm_pool_window), the last block's lanes past the channels predicated off (VCTP8). The
 * running max starts at act_min in every lane (max(-128, window) clamped below at act_min is
 * max(act_min, window)); act_max < 127 (relu6, a narrow range) costs a VMIN. E.g. 3x3 stride 2 over
 * 24x24x16: per output pixel one block, nine VLDRB/VMAX pairs.
 */
void tslm_mve_max_pool_s8(const tslm_pool_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->channels, row = p->input_w * ch;
    const int8x16_t lo = vdupq_n_s8((int8_t)p->act_min), hi = vdupq_n_s8((int8_t)p->act_max);
    const int clamp_hi = p->act_max < 127;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * row;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += ch) {
                int32_t y0, y1, x0, x1;
                tslm_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
                const int32_t span = (x1 - x0) * ch;
                for (int32_t c = 0; c < ch; c += 16) {
                    const mve_pred16_t p8 = vctp8q((uint32_t)(ch - c));
                    int8x16_t m = lo;
                    for (int32_t y = y0; y < y1; ++y) {
                        const int8_t *px = in_b + y * row + x0 * ch + c;
                        for (const int8_t *end = px + span; px < end; px += ch) {
                            m = vmaxq_s8(m, vldrbq_z_s8(px, p8));
                        }
                    }
                    if (clamp_hi) {
                        m = vminq_s8(m, hi);
                    }
                    vstrbq_p_s8(out + c, m, p8);
                }
            }
        }
    }
}
