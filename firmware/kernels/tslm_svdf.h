/*
 * tslm_svdf.h - SVDF (int8 input and output, int16 time weights and state),
 * TFLM's integer SVDF step by step: each invocation shifts the state one
 * step left, writes the new feature activations at the end of every filter's
 * memory, then sums each filter's memory against its time weights, the
 * filters of one unit together (rank), plus the bias, rescaled to int8.
 *
 * The state (batches x filters x memory int16) is the model's variable
 * tensor: it persists across invocations and NAME_reset() clears it.
 */
#ifndef TSLM_SVDF_H
#define TSLM_SVDF_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t input_size;
    int32_t filters;      /* units x rank */
    int32_t rank;
    int32_t memory;       /* time steps each filter remembers */
    int32_t input_zero_point;
    int32_t state_zero_point;
    int32_t output_zero_point;
    int32_t multiplier_1, shift_1; /* input scale x feature weights' scale / state scale */
    int32_t multiplier_2, shift_2; /* state scale x time weights' scale / output scale */
} tslm_svdf_params;

/* weights_feature: filters x input_size; weights_time: filters x memory; bias: units (or NULL);
 * state: batches x filters x memory, updated in place; scratch: tslm_svdf_s8_get_buffer_size bytes. */
void tslm_svdf_s8(const tslm_svdf_params *p, const int8_t *input, const int8_t *weights_feature,
                  const int16_t *weights_time, const int32_t *bias, int16_t *state, int8_t *output,
                  int32_t *scratch);
/* Scratch bytes: one int32 per filter and per unit, per batch. */
int32_t tslm_svdf_s8_get_buffer_size(const tslm_svdf_params *p);

/* float32, TFLM's EvalFloatSvdf: the same steps in float (no requantization), the output started from the
 * bias and the filters' sums added to it, then its activation (TFLite's codes: 0 none, 1 RELU,
 * 2 RELU_N1_TO_1, 3 RELU6, 4 TANH). */
typedef struct {
    int32_t batches;
    int32_t input_size;
    int32_t filters;
    int32_t rank;
    int32_t memory;
    int32_t activation;
} tslm_svdf_f32_params;

void tslm_svdf_f32(const tslm_svdf_f32_params *p, const float *input, const float *weights_feature,
                   const float *weights_time, const float *bias, float *state, float *output, float *scratch);
/* Scratch bytes: one float per filter, per batch. */
int32_t tslm_svdf_f32_get_buffer_size(const tslm_svdf_f32_params *p);

#endif /* TSLM_SVDF_H */
