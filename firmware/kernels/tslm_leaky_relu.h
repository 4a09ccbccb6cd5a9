/* tslm_leaky_relu.h - LEAKY_RELU, int16 (int8 is a 256-entry table, tslm_lut.h). */
#ifndef TSLM_LEAKY_RELU_H
#define TSLM_LEAKY_RELU_H

#include "tslm_common.h"

typedef struct {
    int32_t size;                /* elements */
    int32_t input_zero_point;
    int32_t output_zero_point;
    /* TFLM's two requantizations: x >= 0 by input/output scale, x < 0 by alpha times it */
    int32_t multiplier_identity, shift_identity;
    int32_t multiplier_alpha, shift_alpha;
} tslm_leaky_relu_params;

/* output[i] = clamp(zp_out + requant(input[i] - zp_in, identity or alpha)); may run in place. */
void tslm_leaky_relu_s16(const tslm_leaky_relu_params *p, const int16_t *input, int16_t *output);

#endif /* TSLM_LEAKY_RELU_H */
