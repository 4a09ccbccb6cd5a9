/* tslm_quantize.c - portable C99 QUANTIZE / DEQUANTIZE. */
#include <math.h>

#include "tslm_quantize.h"

static int32_t quantize_one(float x, double scale, int32_t zero_point, int32_t lo, int32_t hi)
{
    const double q = round((double)x / scale);
    if (!(q >= (double)INT32_MIN && q <= (double)INT32_MAX)) { /* NaN or out of int32 range */
        return q > 0 ? hi : lo;
    }
    return tslm_clamp_i32((int32_t)q + zero_point, lo, hi);
}

void tslm_quantize_f32_s8(int32_t n, const float *input, double scale, int32_t zero_point, int8_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = (int8_t)quantize_one(input[i], scale, zero_point, -128, 127);
    }
}

void tslm_quantize_f32_s16(int32_t n, const float *input, double scale, int32_t zero_point, int16_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = (int16_t)quantize_one(input[i], scale, zero_point, -32768, 32767);
    }
}

void tslm_dequantize_s8_f32(int32_t n, const int8_t *input, float scale, int32_t zero_point, float *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = scale * (float)((int32_t)input[i] - zero_point);
    }
}

void tslm_dequantize_s16_f32(int32_t n, const int16_t *input, float scale, int32_t zero_point, float *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = scale * (float)((int32_t)input[i] - zero_point);
    }
}

void tslm_requantize_s8_s16(int32_t n, const tslm_requantize_params *p, const int8_t *input, int16_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = tslm_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
        output[i] = (int16_t)tslm_clamp_i32(v + p->output_zero_point, -32768, 32767);
    }
}

void tslm_requantize_s16_s8(int32_t n, const tslm_requantize_params *p, const int16_t *input, int8_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = tslm_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
        output[i] = (int8_t)tslm_clamp_i32(v + p->output_zero_point, -128, 127);
    }
}

void tslm_requantize_s16_s16(int32_t n, const tslm_requantize_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = tslm_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
        output[i] = (int16_t)tslm_clamp_i32(v + p->output_zero_point, -32768, 32767);
    }
}
