/* tslm_reduce.c - portable C99 MEAN (int8), TFLM's QuantizedMeanOrSum. */
#include "tslm_reduce.h"

void tslm_mean_s8(const tslm_reduce_params *p, const int8_t *input, int8_t *output, int32_t *scratch)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    for (int32_t i = 0; i < p->output_count; ++i) {
        scratch[i] = 0;
    }
    const int8_t *in = input;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        int32_t *acc = scratch + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            acc[i5 * s[5]] += *in++;
                        }
                    }
                }
            }
        }
    }
    const int32_t zero_sum = p->input_zero_point * p->reduce_count;
    for (int32_t i = 0; i < p->output_count; ++i) {
        const int32_t v = tslm_requantize(scratch[i] - zero_sum, p->multiplier, p->shift) + p->output_zero_point;
        output[i] = (int8_t)tslm_clamp_i32(v, -128, 127);
    }
}

int32_t tslm_mean_s8_get_buffer_size(const tslm_reduce_params *p)
{
    return 4 * p->output_count;
}
