/*
 * tslm_compare.h - elementwise ops with broadcasting that compare or choose:
 * EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (-> bool),
 * MAXIMUM, MINIMUM, LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT, SELECT_V2.
 */
#ifndef TSLM_COMPARE_H
#define TSLM_COMPARE_H

#include <stdbool.h>

#include "tslm_common.h"

enum {
    TSLM_CMP_EQ = 0, TSLM_CMP_NE, TSLM_CMP_LT, TSLM_CMP_LE, TSLM_CMP_GT, TSLM_CMP_GE,
    TSLM_CMP_MAX, TSLM_CMP_MIN, TSLM_CMP_AND, TSLM_CMP_OR
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
} tslm_compare_params;

void tslm_compare_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, bool *out);
/* float32 and int32 comparisons: the raw values (no tables). */
void tslm_compare_f32(const tslm_compare_params *p, const float *a, const float *b, bool *out);
void tslm_compare_s32(const tslm_compare_params *p, const int32_t *a, const int32_t *b, bool *out);
void tslm_maxmin_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, int8_t *out);
void tslm_logical(const tslm_compare_params *p, const bool *a, const bool *b, bool *out);
void tslm_logical_not(int32_t n, const bool *in, bool *out);
void tslm_select(const tslm_compare_params *p, const bool *cond, const void *x, const void *y, void *out);

#endif /* TSLM_COMPARE_H */
