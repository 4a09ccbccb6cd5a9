/* tslm_fully_connected.c - portable C99 FULLY_CONNECTED (int8). */
#include "tslm_fully_connected.h"

void tslm_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                             const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    (void)scratch;
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * depth;
        for (int32_t o = 0; o < p->output_depth; ++o) {
            const int8_t *w = weights + o * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            if (bias != NULL) {
                acc += bias[o];
            }
            const int32_t c = p->per_channel ? o : 0;
            acc = tslm_requantize(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
            output[b * p->output_depth + o] = (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}

void tslm_fully_connected_s16(const tslm_fully_connected_s16_params *p, const int16_t *input,
                              const int8_t *weights, const int64_t *bias, int16_t *output)
{
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *x = input + b * depth;
        for (int32_t o = 0; o < p->output_depth; ++o) {
            const int8_t *w = weights + o * depth;
            int64_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += (int64_t)((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            if (bias != NULL) {
                acc += bias[o];
            }
            const int32_t c = p->per_channel ? o : 0;
            const int32_t v = tslm_requantize_acc(acc, p->multiplier[c], p->shift[c], p->acc32) + p->output_offset;
            output[b * p->output_depth + o] = (int16_t)tslm_clamp_i32(v, p->act_min, p->act_max);
        }
    }
}

int32_t tslm_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    (void)p;
    return 0;
}

void tslm_fully_connected_f32(const tslm_fully_connected_f32_params *p, const float *input, const float *weights,
                              const float *bias, float *output)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *x = input + b * p->accum_depth;
        for (int32_t oc = 0; oc < p->output_depth; ++oc) {
            const float *w = weights + oc * p->accum_depth;
            float total = 0.0f;
            for (int32_t d = 0; d < p->accum_depth; ++d) {
                total += x[d] * w[d];
            }
            const float bias_value = bias != NULL ? bias[oc] : 0.0f;
            output[b * p->output_depth + oc] = tslm_activation_f32(total + bias_value, p->activation);
        }
    }
}
