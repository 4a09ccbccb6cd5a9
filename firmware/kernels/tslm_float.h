/*
 * tslm_float.h - float32 elementwise kernels for the ops TFLM runs in float:
 * ABS, NEG, FLOOR, CEIL, ROUND, SQRT, SQUARE, EXP, LOG, SIN, COS, ELU, and the activations RELU, RELU6,
 * LOGISTIC, TANH, HARD_SWISH, RSQRT, LEAKY_RELU, each as TFLM's reference kernel writes it; ADD_N; CUMSUM.
 * IEEE operations (negation, floor, ceil, round, sqrt, +, *) give TFLM's bits on any
 * target built without contraction (-ffp-contract=off); EXP, LOG, SIN, COS, ELU, LOGISTIC and
 * TANH call the C library, so they match TFLM where both use the same libm (the host).
 */
#ifndef TSLM_FLOAT_H
#define TSLM_FLOAT_H

#include "tslm_common.h"

enum {
    TSLM_F_ABS = 0, TSLM_F_NEG, TSLM_F_FLOOR, TSLM_F_CEIL, TSLM_F_ROUND, TSLM_F_SQRT, TSLM_F_SQUARE,
    TSLM_F_EXP, TSLM_F_LOG, TSLM_F_SIN, TSLM_F_COS, TSLM_F_ELU, TSLM_F_RELU, TSLM_F_RELU6, TSLM_F_LOGISTIC,
    TSLM_F_TANH, TSLM_F_HARD_SWISH, TSLM_F_RSQRT
};

void tslm_unary_f32(int32_t n, int32_t op, const float *input, float *output);

/* LEAKY_RELU: x > 0 ? x : x * alpha. */
void tslm_leaky_relu_f32(int32_t n, float alpha, const float *input, float *output);

/* output = inputs[0] + inputs[1] + ... (in that order), n elements each. */
void tslm_add_n_f32(int32_t n, int32_t count, const void *const inputs[], float *output);

typedef struct {
    int32_t outer;      /* product of the dimensions before the axis */
    int32_t axis_size;
    int32_t inner;      /* product of the dimensions after the axis */
    int32_t exclusive;
    int32_t reverse;
} tslm_cumsum_params;

void tslm_cumsum_f32(const tslm_cumsum_params *p, const float *input, float *output);

#endif /* TSLM_FLOAT_H */
