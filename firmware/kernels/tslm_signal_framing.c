/* tslm_signal_framing.c - portable C99 SignalWindow, SignalDelay, SignalFramer, SignalStacker and
 * SignalOverlapAdd (TFLM's signal library). */
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

void tslm_signal_framer_s16(const tslm_signal_framer_params *p, const int16_t *input, int16_t *state,
                            int32_t *fill, int16_t *output, bool *valid)
{
    const int32_t size = p->frame_size, step = p->frame_step;
    /* every row sees the same number of samples, so one count serves them all */
    const int32_t held_at_start = p->prefill + *fill;
    int32_t held = held_at_start;
    bool all = true;
    for (int32_t r = 0; r < p->rows; ++r) {
        int16_t *s = state + r * p->capacity;
        held = held_at_start;
        for (int32_t f = 0; f < p->n_frames; ++f) {
            const int32_t frame = r * p->n_frames + f;
            /* held + step <= capacity: held < size before the first frame, size - step or less after it */
            memcpy(s + held, input + frame * step, (size_t)step * sizeof *s);
            held += step;
            if (held >= size) {
                memcpy(output + frame * size, s, (size_t)size * sizeof *s);
                held -= step;
                memmove(s, s + step, (size_t)held * sizeof *s);
            } else {
                all = false;
            }
        }
    }
    *fill = held - p->prefill;
    *valid = all;
}

void tslm_signal_stacker_s16(const tslm_signal_stacker_params *p, const int16_t *input, int16_t *state,
                             int32_t *counters, int16_t *output, bool *valid)
{
    const int32_t n = p->channels;
    const int32_t total = n * (p->left_context + 1 + p->right_context), drop = n * p->step;
    int32_t kept = counters[1];
    memcpy(state + kept, input, (size_t)n * sizeof *state);
    kept += n;
    if (!counters[0]) {
        /* the first frame after a reset stands in for the left context too */
        for (int32_t k = 0; k < p->left_context; ++k, kept += n) {
            memcpy(state + kept, state + kept - n, (size_t)n * sizeof *state);
        }
        counters[0] = 1;
    }
    if (kept >= total) {
        memcpy(output, state, (size_t)total * sizeof *output);
        kept -= drop;
        memmove(state, state + drop, (size_t)kept * sizeof *state);
        *valid = true;
    } else {
        *valid = false;
    }
    counters[1] = kept;
}

void tslm_signal_overlap_add_s16(const tslm_signal_overlap_add_params *p, const int16_t *input, int16_t *state,
                                 int16_t *output)
{
    const int32_t size = p->frame_size, step = p->frame_step;
    for (int32_t r = 0; r < p->rows; ++r) {
        int16_t *acc = state + r * size;
        for (int32_t f = 0; f < p->n_frames; ++f) {
            const int32_t frame = r * p->n_frames + f;
            const int16_t *x = input + frame * size;
            for (int32_t i = 0; i < size; ++i) {
                acc[i] = (int16_t)tslm_clamp_i32((int32_t)acc[i] + x[i], INT16_MIN, INT16_MAX);
            }
            memcpy(output + frame * step, acc, (size_t)step * sizeof *acc);
            memmove(acc, acc + step, (size_t)(size - step) * sizeof *acc);
            memset(acc + (size - step), 0, (size_t)step * sizeof *acc);
        }
    }
}

void tslm_signal_overlap_add_f32(const tslm_signal_overlap_add_params *p, const float *input, float *state,
                                 float *output)
{
    const int32_t size = p->frame_size, step = p->frame_step;
    for (int32_t r = 0; r < p->rows; ++r) {
        float *acc = state + r * size;
        for (int32_t f = 0; f < p->n_frames; ++f) {
            const int32_t frame = r * p->n_frames + f;
            const float *x = input + frame * size;
            for (int32_t i = 0; i < size; ++i) {
                acc[i] += x[i];
            }
            memcpy(output + frame * step, acc, (size_t)step * sizeof *acc);
            memmove(acc, acc + step, (size_t)(size - step) * sizeof *acc);
            for (int32_t i = size - step; i < size; ++i) {
                acc[i] = 0.0f;
            }
        }
    }
}
