/* tslm_quantize.c - portable C99 QUANTIZE / DEQUANTIZE. */
#include <math.h>

#include "tslm_quantize.h"

/* TFLM's AffineQuantize: TfLiteRound(val / static_cast<float>(scale)), a float32 division (a
 * double one rounds some ties the other way). */
static int32_t quantize_one(float x, double scale, int32_t zero_point, int32_t lo, int32_t hi)
{
    const float q = roundf(x / (float)scale);
    if (!(q >= -2147483648.0f && q < 2147483648.0f)) { /* NaN or out of int32 range */
        return q > 0 ? hi : lo;
    }
    const int64_t v = (int64_t)q + zero_point;
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
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

/* With int32 on either side (TFLM's Requantize): the subtraction and the addition wrap as int32. */
static int32_t requantize_wide(const tslm_requantize_params *p, int32_t x)
{
    const int32_t d = (int32_t)((uint32_t)x - (uint32_t)p->input_zero_point);
    return (int32_t)((uint32_t)tslm_requantize(d, p->multiplier, p->shift) + (uint32_t)p->output_zero_point);
}

void tslm_requantize_s8_s32(int32_t n, const tslm_requantize_params *p, const int8_t *input, int32_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = requantize_wide(p, input[i]);
    }
}

void tslm_requantize_s16_s32(int32_t n, const tslm_requantize_params *p, const int16_t *input, int32_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = requantize_wide(p, input[i]);
    }
}

void tslm_requantize_s32_s8(int32_t n, const tslm_requantize_params *p, const int32_t *input, int8_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = (int8_t)tslm_clamp_i32(requantize_wide(p, input[i]), -128, 127);
    }
}

void tslm_requantize_s32_s16(int32_t n, const tslm_requantize_params *p, const int32_t *input, int16_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = (int16_t)tslm_clamp_i32(requantize_wide(p, input[i]), -32768, 32767);
    }
}
