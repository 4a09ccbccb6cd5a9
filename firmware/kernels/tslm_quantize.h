/* tslm_quantize.h - QUANTIZE and DEQUANTIZE between float32, int8 and int16. */
#ifndef TSLM_QUANTIZE_H
#define TSLM_QUANTIZE_H

#include "tslm_common.h"

/* q = clamp(round(x / scale) + zero_point), the division in float32 as TFLM does. */
void tslm_quantize_f32_s8(int32_t n, const float *input, double scale, int32_t zero_point, int8_t *output);
void tslm_quantize_f32_s16(int32_t n, const float *input, double scale, int32_t zero_point, int16_t *output);
/* x = scale * (q - zero_point) */
void tslm_dequantize_s8_f32(int32_t n, const int8_t *input, float scale, int32_t zero_point, float *output);
void tslm_dequantize_s16_f32(int32_t n, const int16_t *input, float scale, int32_t zero_point, float *output);

/* Integer requantization (int8 <-> int16, int16 -> int16):
 * q_out = clamp(requant(q_in - in_zero_point) + out_zero_point). */
typedef struct {
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift;
} tslm_requantize_params;

void tslm_requantize_s8_s16(int32_t n, const tslm_requantize_params *p, const int8_t *input, int16_t *output);
void tslm_requantize_s16_s8(int32_t n, const tslm_requantize_params *p, const int16_t *input, int8_t *output);
void tslm_requantize_s16_s16(int32_t n, const tslm_requantize_params *p, const int16_t *input, int16_t *output);
/* to and from int32 (TFLM: int8/int16 -> int32, int32 -> int8/int16) */
void tslm_requantize_s8_s32(int32_t n, const tslm_requantize_params *p, const int8_t *input, int32_t *output);
void tslm_requantize_s16_s32(int32_t n, const tslm_requantize_params *p, const int16_t *input, int32_t *output);
void tslm_requantize_s32_s8(int32_t n, const tslm_requantize_params *p, const int32_t *input, int8_t *output);
void tslm_requantize_s32_s16(int32_t n, const tslm_requantize_params *p, const int32_t *input, int16_t *output);

#endif /* TSLM_QUANTIZE_H */
