/*
 * tslm_compare.h - elementwise ops with broadcasting: EQUAL, NOT_EQUAL, LESS,
 * LESS_EQUAL, GREATER, GREATER_EQUAL (-> bool), MAXIMUM, MINIMUM, LOGICAL_AND,
 * LOGICAL_OR, LOGICAL_NOT, SELECT_V2; DIV (int8, float32), FLOOR_DIV and
 * FLOOR_MOD (float32), PRELU (int8, float32); ADD, SUB, MUL, SQUARED_DIFFERENCE,
 * MAXIMUM, MINIMUM in float32.
 */
#ifndef TSLM_COMPARE_H
#define TSLM_COMPARE_H

#include <stdbool.h>

#include "tslm_common.h"

enum {
    TSLM_CMP_EQ = 0, TSLM_CMP_NE, TSLM_CMP_LT, TSLM_CMP_LE, TSLM_CMP_GT, TSLM_CMP_GE,
    TSLM_CMP_MAX, TSLM_CMP_MIN, TSLM_CMP_AND, TSLM_CMP_OR,
    TSLM_ARITH_DIV, TSLM_ARITH_FLOOR_DIV, TSLM_ARITH_FLOOR_MOD, TSLM_ARITH_ADD, TSLM_ARITH_SUB, TSLM_ARITH_MUL,
    TSLM_ARITH_SQUARED_DIFFERENCE, TSLM_ARITH_MAXIMUM, TSLM_ARITH_MINIMUM, TSLM_ARITH_PRELU
};

typedef struct {
    /* Output shape right-aligned to 6 dimensions; per input, the element stride of
     * each output dimension (0 where the input is broadcast). Input 0 of SELECT_V2 is
     * the condition. */
    int32_t dims[TSLM_MAX_DIMS];
    int32_t strides0[TSLM_MAX_DIMS];
    int32_t strides1[TSLM_MAX_DIMS];
    int32_t strides2[TSLM_MAX_DIMS];
    int32_t op;         /* TSLM_CMP_* */
    int32_t elem_size;  /* SELECT_V2: bytes per element */
    /* int8 comparisons: each input byte's value as TFLM rescales it
     * ((q - zero point) << 8, times the input's scale as a Q31 multiplier);
     * 256 entries each, indexed by q + 128 */
    const int32_t *table0;
    const int32_t *table1;
    int32_t activation; /* float32 arithmetic: the fused activation, TSLM_ACT_* */
} tslm_compare_params;

void tslm_compare_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, bool *out);
/* float32 and int32 comparisons: the raw values (no tables). */
void tslm_compare_f32(const tslm_compare_params *p, const float *a, const float *b, bool *out);
void tslm_compare_s32(const tslm_compare_params *p, const int32_t *a, const int32_t *b, bool *out);
void tslm_maxmin_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, int8_t *out);
void tslm_maxmin_s16(const tslm_compare_params *p, const int16_t *a, const int16_t *b, int16_t *out);
void tslm_logical(const tslm_compare_params *p, const bool *a, const bool *b, bool *out);
void tslm_logical_not(int32_t n, const bool *in, bool *out);
void tslm_select(const tslm_compare_params *p, const bool *cond, const void *x, const void *y, void *out);

/* float32 arithmetic, p->op one of TSLM_ARITH_*: ADD, SUB, MUL, DIV then the fused activation (TFLM's
 * reference kernels); SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, PRELU (input 1 is alpha), FLOOR_DIV, FLOOR_MOD. */
void tslm_arith_f32(const tslm_compare_params *p, const float *a, const float *b, float *out);

typedef struct {
    int32_t dims[TSLM_MAX_DIMS];
    int32_t strides0[TSLM_MAX_DIMS];
    int32_t strides1[TSLM_MAX_DIMS];
    int32_t input1_offset, input2_offset, output_offset;
    int32_t output_multiplier, output_shift; /* input1 scale / (input2 scale x output scale) */
    int32_t act_min, act_max;
    /* for y = 1..256 (|input2 - its zero point|): GetReciprocal(y, 31) and its shift, in pairs */
    const int32_t *reciprocals;
} tslm_div_params;

/* int8 DIV, TFLM's DivElementwise steps (the divisor never 0: TFLM's kernel assumes it too). */
void tslm_div_s8(const tslm_div_params *p, const int8_t *a, const int8_t *b, int8_t *out);

typedef struct {
    int32_t dims[TSLM_MAX_DIMS];
    int32_t strides0[TSLM_MAX_DIMS]; /* input */
    int32_t strides1[TSLM_MAX_DIMS]; /* alpha */
    int32_t input_offset, alpha_offset, output_offset;
    int32_t multiplier_positive, shift_positive; /* input scale / output scale */
    int32_t multiplier_negative, shift_negative; /* input scale x alpha scale / output scale */
} tslm_prelu_params;

void tslm_prelu_s8(const tslm_prelu_params *p, const int8_t *x, const int8_t *alpha, int8_t *out);

#endif /* TSLM_COMPARE_H */
