/* tslm_binary.h - ADD, SUB, MUL, SQUARED_DIFFERENCE: int8 elementwise with broadcasting. */
#ifndef TSLM_BINARY_H
#define TSLM_BINARY_H

#include "tslm_common.h"

typedef struct {
    /* Output shape right-aligned to 6 dimensions; an input's stride is 0
     * along a dimension it is broadcast over. */
    int32_t dims[TSLM_MAX_DIMS];
    int32_t in1_strides[TSLM_MAX_DIMS];
    int32_t in2_strides[TSLM_MAX_DIMS];
    int32_t in1_offset, in2_offset; /* -zero points */
    int32_t output_offset;          /* output zero point */
    /* ADD/SUB/SQUARED_DIFFERENCE bring both inputs to a common scale first:
     * (x + offset) << left_shift, times an input multiplier below one. */
    int32_t left_shift;
    int32_t in1_multiplier, in1_shift;
    int32_t in2_multiplier, in2_shift;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
} tslm_binary_params;

void tslm_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_mul_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_squared_difference_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                int8_t *out);

/* int16 activations (zero points 0): the same parameters, left_shift 15 for ADD/SUB. */
void tslm_add_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out);
void tslm_sub_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out);
void tslm_mul_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out);
/* SQUARED_DIFFERENCE: left_shift 0 (TFLM's int16 Prepare), the int8 steps otherwise. */
void tslm_squared_difference_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2,
                                 int16_t *out);

#endif /* TSLM_BINARY_H */
