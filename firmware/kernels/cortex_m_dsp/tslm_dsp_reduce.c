/*
 * tslm_reduce.c - MEAN (int8) for the Cortex-M DSP extension.
 *
 * Same sums and requantization as the portable kernel (TFLM's
 * QuantizedMeanOrSum). Where the innermost dimension is reduced (a layer
 * norm's mean over the features, the usual case once the compiler has
 * collapsed the shape), its run of int8 is summed four at a time: one word
 * load, SXTB16 of bytes 0/2 and 1/3, SADD16 of the two pairs and SMLAD of the
 * sum with (1, 1).
 */
#include "tslm_dsp_reduce.h"
#include "tslm_simd.h"

/* Sum of n int8. */
static int32_t sum_run(const int8_t *in, int32_t n)
{
    const int32_t ones = 0x00010001;
    int32_t acc = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int32_t w = tslm_read32(in + i);
        acc = tslm_smlad(tslm_sadd16(tslm_sxtb16(w), tslm_sxtb16_ror8(w)), ones, acc);
    }
    for (; i < n; ++i) {
        acc += in[i];
    }
    return acc;
}

void tslm_dsp_mean_s8(const tslm_reduce_params *p, const int8_t *input, int8_t *output, int32_t *scratch)
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
                        if (s[5] == 0) { /* the run is reduced */
                            *acc += sum_run(in, d[5]);
                            in += d[5];
                        } else {
                            for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                                acc[i5 * s[5]] += *in++;
                            }
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

int32_t tslm_dsp_mean_s8_get_buffer_size(const tslm_reduce_params *p)
{
    return tslm_mean_s8_get_buffer_size(p);
}
