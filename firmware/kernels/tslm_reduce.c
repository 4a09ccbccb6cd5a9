/* tslm_reduce.c - portable C99 MEAN (int8, int16), TFLM's QuantizedMeanOrSum; SUM and MEAN in float32. */
#include "tslm_reduce.h"

/* Sums every input element into its output's int32 accumulator (scratch). The input is int8, or int16 when
 * `wide`: inlined into each caller with `wide` a constant, so each gets its own loop. */
TSLM_ALWAYS_INLINE void accumulate(const tslm_reduce_params *p, const void *input, const int wide, int32_t *scratch)
{
    const int8_t *in8 = (const int8_t *)input;
    const int16_t *in16 = (const int16_t *)input;
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    for (int32_t i = 0; i < p->output_count; ++i) {
        scratch[i] = 0;
    }
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        int32_t *acc = scratch + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            acc[i5 * s[5]] += wide ? *in16++ : *in8++;
                        }
                    }
                }
            }
        }
    }
}

/* An output's accumulator less its inputs' zero points (zero_sum), rescaled (1/count folded in), offset. */
TSLM_ALWAYS_INLINE int32_t mean_of(const tslm_reduce_params *p, int32_t acc, int32_t zero_sum)
{
    return tslm_requantize(acc - zero_sum, p->multiplier, p->shift) + p->output_zero_point;
}

void tslm_mean_s8(const tslm_reduce_params *p, const int8_t *input, int8_t *output, int32_t *scratch)
{
    accumulate(p, input, 0, scratch);
    const int32_t zero_sum = p->input_zero_point * p->reduce_count;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = (int8_t)tslm_clamp_i32(mean_of(p, scratch[i], zero_sum), -128, 127);
    }
}

void tslm_mean_s16(const tslm_reduce_params *p, const int16_t *input, int16_t *output, int32_t *scratch)
{
    accumulate(p, input, 1, scratch);
    const int32_t zero_sum = p->input_zero_point * p->reduce_count;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = (int16_t)tslm_clamp_i32(mean_of(p, scratch[i], zero_sum), -32768, 32767);
    }
}

int32_t tslm_mean_s8_get_buffer_size(const tslm_reduce_params *p)
{
    return 4 * p->output_count;
}

int32_t tslm_mean_s16_get_buffer_size(const tslm_reduce_params *p)
{
    return 4 * p->output_count;
}

void tslm_sum_f32(const tslm_reduce_params *p, const float *input, float *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = 0.0f;
    }
    const float *in = input;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        float *acc = output + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            acc[i5 * s[5]] += *in++;
                        }
                    }
                }
            }
        }
    }
}

void tslm_mean_f32(const tslm_reduce_params *p, const float *input, float *output)
{
    tslm_sum_f32(p, input, output);
    const float count = (float)p->reduce_count;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = output[i] / count;
    }
}
