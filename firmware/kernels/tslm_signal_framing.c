/* tslm_signal_framing.c - portable C99 SignalWindow and SignalDelay (TFLM's signal library). */
#include "tslm_signal_framing.h"

#include <string.h>

void tslm_signal_window_s16(const tslm_signal_window_params *p, const int16_t *input, const int16_t *window,
                            int16_t *output)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int16_t *x = input + r * p->size;
        int16_t *y = output + r * p->size;
        for (int32_t i = 0; i < p->size; ++i) {
            const int32_t v = ((int32_t)x[i] * window[i]) >> p->shift;
            y[i] = (int16_t)tslm_clamp_i32(v, INT16_MIN, INT16_MAX);
        }
    }
}

void tslm_signal_delay_s16(const tslm_signal_delay_params *p, const int16_t *input, int16_t *state,
                           int16_t *output)
{
    const int32_t n = p->frame_size, d = p->delay_length;
    for (int32_t r = 0; r < p->rows; ++r) {
        const int16_t *x = input + r * n;
        int16_t *y = output + r * n;
        int16_t *s = state ? state + r * d : NULL;
        if (d == 0) {
            memcpy(y, x, (size_t)n * sizeof *y);
        } else if (d <= n) {
            /* (s, x) = s[0..d) x[0..n-d) | x[n-d..n) */
            memcpy(y, s, (size_t)d * sizeof *y);
            memcpy(y + d, x, (size_t)(n - d) * sizeof *y);
            memcpy(s, x + (n - d), (size_t)d * sizeof *s);
        } else {
            /* (s, x) = s[0..n) | s[n..d) x[0..n) */
            memcpy(y, s, (size_t)n * sizeof *y);
            memmove(s, s + n, (size_t)(d - n) * sizeof *s);
            memcpy(s + (d - n), x, (size_t)n * sizeof *s);
        }
    }
}
