/*
 * tslm_lut.h - any elementwise int8 -> int8 op as a 256-entry table.
 *
 * LOGISTIC, TANH, RSQRT, RELU, RELU6, LEAKY_RELU, HARD_SWISH, and int8 -> int8
 * QUANTIZE (requantization) map each input byte to one output byte; the
 * compiler evaluates TFLM's integer arithmetic for all 256 inputs and the
 * device only looks the answer up.
 */
#ifndef TSLM_LUT_H
#define TSLM_LUT_H

#include "tslm_common.h"

/* output[i] = table[input[i] + 128] for i < n. */
void tslm_lut_s8(int32_t n, const int8_t table[256], const int8_t *input, int8_t *output);

/* int16 LOGISTIC and TANH (zero points 0, output scale 2^-15), TFLM's interpolation of its sigmoid table. */
typedef struct {
    int32_t size;
    int32_t input_multiplier; /* input scale x 3 x 4096, times 2^input_left_shift (3 << shift for power-of-two scales) */
    int32_t input_left_shift;
} tslm_sigmoid_s16_params;

void tslm_logistic_s16(const tslm_sigmoid_s16_params *p, const int16_t *input, int16_t *output);
void tslm_tanh_s16(const tslm_sigmoid_s16_params *p, const int16_t *input, int16_t *output);

/* int16 RELU and RELU6: TFLM's ReluQuantized (rescaled to the output, then clamped) and Relu6Quantized (the
 * identity multiplier, clamped to the input's 0 and 6). */
typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift; /* input scale / output scale */
    int32_t act_min, act_max;
} tslm_relu_s16_params;

void tslm_relu_s16(const tslm_relu_s16_params *p, const int16_t *input, int16_t *output);

/* int16 RSQRT: TFLM's steps per element (its fixed-point Newton-Raphson 1/sqrt, then two requantizations),
 * computed at run time (a table of 65,536 inputs would not fit); 0 maps to the largest output, as in TFLM
 * (which refuses negative inputs at run time). */
typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift; /* 1 / (sqrt(input scale) x output scale) */
} tslm_rsqrt_s16_params;

void tslm_rsqrt_s16(const tslm_rsqrt_s16_params *p, const int16_t *input, int16_t *output);

#endif /* TSLM_LUT_H */
