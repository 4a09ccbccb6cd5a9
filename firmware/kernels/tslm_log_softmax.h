/* tslm_log_softmax.h - LOG_SOFTMAX over the last axis, int8 (TFLM's LogSoftmaxQuantized: output scale 1/16,
 * zero point 127). */
#ifndef TSLM_LOG_SOFTMAX_H
#define TSLM_LOG_SOFTMAX_H

#include "tslm_common.h"

typedef struct {
    int32_t rows, depth;
    int32_t diff_min;                   /* -input radius: differences below it add nothing */
    int32_t reverse_multiplier, reverse_shift; /* the inverse of the input scaling (shift <= 0) */
    /* for the difference d = x - row max in -255..0, at d + 255: exp(d) rescaled to Q12.19 (0 below
     * diff_min), and d rescaled to Q5.26 */
    const int32_t *exp_q12;
    const int32_t *diff_q5;
} tslm_log_softmax_params;

void tslm_log_softmax_s8(const tslm_log_softmax_params *p, const int8_t *input, int8_t *output);

/* float32, TFLM's reference LogSoftmax: x - max - log(sum exp(x - max)) per row (expf, logf). */
void tslm_log_softmax_f32(int32_t rows, int32_t depth, const float *input, float *output);

#endif /* TSLM_LOG_SOFTMAX_H */
