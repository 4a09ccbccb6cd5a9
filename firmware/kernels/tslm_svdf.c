/* tslm_svdf.c - portable C99 SVDF (int8 with int16 state, TFLM's integer steps; float32). */
#include <math.h>

#include "tslm_svdf.h"

void tslm_svdf_s8(const tslm_svdf_params *p, const int8_t *input, const int8_t *weights_feature,
                  const int16_t *weights_time, const int32_t *bias, int16_t *state, int8_t *output,
                  int32_t *scratch)
{
    const int32_t units = p->filters / p->rank;
    const int32_t state_size = p->batches * p->filters * p->memory;
    int32_t *filter_sums = scratch;                         /* batches x filters */
    int32_t *unit_sums = scratch + p->batches * p->filters; /* batches x units */

    /* Forget the oldest step: the whole state one element left (each filter's newest slot is rewritten below). */
    for (int32_t i = 0; i + 1 < state_size; ++i) {
        state[i] = state[i + 1];
    }

    /* The new step: input . feature weights, rescaled to the state's scale, into each filter's last slot. */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * p->input_size;
        for (int32_t f = 0; f < p->filters; ++f) {
            const int8_t *w = weights_feature + f * p->input_size;
            int32_t acc = 0;
            for (int32_t c = 0; c < p->input_size; ++c) {
                acc += (int32_t)w[c] * ((int32_t)x[c] - p->input_zero_point);
            }
            acc = tslm_clamp_i32(tslm_requantize(acc, p->multiplier_1, p->shift_1), -32768, 32767);
            state[(b * p->filters + f) * p->memory + p->memory - 1] = (int16_t)(p->state_zero_point + acc);
        }
    }

    /* Each filter's memory . its time weights. */
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t f = 0; f < p->filters; ++f) {
            const int16_t *w = weights_time + f * p->memory;
            const int16_t *s = state + (b * p->filters + f) * p->memory;
            uint32_t acc = 0; /* TFLM's int32 sum, wrapping */
            for (int32_t m = 0; m < p->memory; ++m) {
                acc += (uint32_t)((int32_t)w[m] * ((int32_t)s[m] - p->state_zero_point));
            }
            filter_sums[b * p->filters + f] = (int32_t)acc;
        }
    }

    /* Per unit: bias plus its rank filters' sums, rescaled to int8. */
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t u = 0; u < units; ++u) {
            uint32_t acc = bias != NULL ? (uint32_t)bias[u] : 0u;
            for (int32_t r = 0; r < p->rank; ++r) {
                acc += (uint32_t)filter_sums[b * p->filters + u * p->rank + r];
            }
            unit_sums[b * units + u] = (int32_t)acc;
        }
    }
    for (int32_t i = 0; i < p->batches * units; ++i) {
        const int32_t v = tslm_requantize(unit_sums[i], p->multiplier_2, p->shift_2) + p->output_zero_point;
        output[i] = (int8_t)tslm_clamp_i32(v, -128, 127);
    }
}

int32_t tslm_svdf_s8_get_buffer_size(const tslm_svdf_params *p)
{
    return 4 * p->batches * (p->filters + p->filters / p->rank);
}

/* TFLM's ActivationValFloat. */
static float activation(int32_t act, float a)
{
    switch (act) {
    case 1: return 0.0f > a ? 0.0f : a;
    case 2: { const float t = a < 1.0f ? a : 1.0f; return -1.0f > t ? -1.0f : t; }
    case 3: { const float t = a < 6.0f ? a : 6.0f; return 0.0f > t ? 0.0f : t; }
    case 4: return tanhf(a);
    default: return a;
    }
}

void tslm_svdf_f32(const tslm_svdf_f32_params *p, const float *input, const float *weights_feature,
                   const float *weights_time, const float *bias, float *state, float *output, float *scratch)
{
    const int32_t units = p->filters / p->rank;
    const int32_t state_size = p->batches * p->filters * p->memory;
    for (int32_t i = 0; i + 1 < state_size; ++i) {
        state[i] = state[i + 1];
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *x = input + b * p->input_size;
        for (int32_t f = 0; f < p->filters; ++f) {
            const float *w = weights_feature + f * p->input_size;
            float dot = 0.0f;
            for (int32_t c = 0; c < p->input_size; ++c) {
                dot += w[c] * x[c];
            }
            state[(b * p->filters + f) * p->memory + p->memory - 1] = dot;
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t f = 0; f < p->filters; ++f) {
            const float *w = weights_time + f * p->memory;
            const float *s = state + (b * p->filters + f) * p->memory;
            float sum = 0.0f;
            for (int32_t m = 0; m < p->memory; ++m) {
                sum += w[m] * s[m];
            }
            scratch[b * p->filters + f] = sum;
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t u = 0; u < units; ++u) {
            float v = bias != NULL ? bias[u] : 0.0f;
            for (int32_t r = 0; r < p->rank; ++r) {
                v += scratch[b * p->filters + u * p->rank + r];
            }
            output[b * units + u] = activation(p->activation, v);
        }
    }
}

int32_t tslm_svdf_f32_get_buffer_size(const tslm_svdf_f32_params *p)
{
    return 4 * p->batches * p->filters;
}
