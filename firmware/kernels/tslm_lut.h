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

#endif /* TSLM_LUT_H */
