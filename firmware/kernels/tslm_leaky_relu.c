/* tslm_leaky_relu.c - portable C99 LEAKY_RELU (int16), TFLM's QuantizeLeakyRelu step by step. */
#include "tslm_leaky_relu.h"

void tslm_leaky_relu_s16(const tslm_leaky_relu_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = (int32_t)input[i] - p->input_zero_point;
        const int32_t r = v >= 0 ? tslm_requantize(v, p->multiplier_identity, p->shift_identity)
                                 : tslm_requantize(v, p->multiplier_alpha, p->shift_alpha);
        output[i] = (int16_t)tslm_clamp_i32(p->output_zero_point + r, INT16_MIN, INT16_MAX);
    }
}
