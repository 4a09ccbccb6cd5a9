/* tslm_softmax.h - SOFTMAX, int8 input, int8 or int16 output, over the last axis. */
#ifndef TSLM_SOFTMAX_H
#define TSLM_SOFTMAX_H

#include "tslm_common.h"

typedef struct {
    int32_t rows;  /* product of all but the last dimension */
    int32_t depth; /* last dimension: each row is normalized on its own */
    /* exp_table[d] = exp(-d * beta * input_scale) in Q0.31 for a difference
     * d = max(row) - x in 0..255, exactly as TFLM's fixed-point exp computes it
     * (0 where TFLM ignores the difference, below its diff_min). */
    const int32_t *exp_table;
} tslm_softmax_params;

void tslm_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output);
void tslm_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output);

#endif /* TSLM_SOFTMAX_H */
