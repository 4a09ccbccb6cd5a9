/* tslm_fully_connected.h - FULLY_CONNECTED, int8 activations and weights. */
#ifndef TSLM_FULLY_CONNECTED_H
#define TSLM_FULLY_CONNECTED_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;       /* rows of the input, each `accum_depth` long */
    int32_t accum_depth;   /* input features per row */
    int32_t output_depth;  /* output features (rows of the weight matrix) */
    int32_t input_offset;  /* -input zero point; 0 when the compiler folded it into the bias */
    int32_t filter_offset; /* -weight zero point (0 for symmetric weights) */
    int32_t output_offset; /* output zero point */
    /* Requantization: one (multiplier, shift) pair, or one per output
     * feature when the weights are quantized per channel (count == output_depth). */
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t per_channel;
    int32_t act_min, act_max; /* fused activation, in output units */
    /* The Cortex-M DSP kernels' per-output-channel requantization records
     * (cortex_m_dsp/tslm_dsp.h), which then replace bias, multiplier and
     * shift (NULL); NULL for the portable kernels. requant_fast: the records
     * are in the SMMLAR form. */
    const int32_t *requant;
    int32_t requant_fast;
    int32_t depth_chunk; /* DSP kernel: input features widened at a time (a multiple of 4) */
} tslm_fully_connected_params;

/*
 * output[b][o] = clamp(requant(sum_d (w[o][d] + filter_offset) * (x[b][d] + input_offset)
 *                              + bias[o]) + output_offset)
 * input: batches x accum_depth, weights: output_depth x accum_depth,
 * bias: output_depth int32 (may be NULL), output: batches x output_depth.
 * scratch: what the implementation asked the compiler for (may be NULL).
 */
void tslm_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                             const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_fully_connected_s8 needs for p: none. */
int32_t tslm_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p);



/* FULLY_CONNECTED int16x8: int16 activations (zero points 0), int8 weights. */
typedef struct {
    int32_t batches;
    int32_t accum_depth;
    int32_t output_depth;
    int32_t input_offset;      /* -input zero point (TFLM's int16 FC applies it; 0 from the converter) */
    int32_t filter_offset;     /* -weight zero point */
    int32_t output_offset;     /* output zero point */
    const int32_t *multiplier; /* one, or one per output feature (per_channel) */
    const int32_t *shift;
    int32_t per_channel;
    int32_t act_min, act_max;
    int32_t acc32;             /* 1: TFLM's int32 accumulator (int32 bias); 0: int64 */
} tslm_fully_connected_s16_params;

/* bias: output_depth values (may be NULL), widened to int64 by the compiler. */
void tslm_fully_connected_s16(const tslm_fully_connected_s16_params *p, const int16_t *input,
                              const int8_t *weights, const int64_t *bias, int16_t *output);

/* FULLY_CONNECTED float32: TFLM's reference FullyConnected, each output the sum over the row in order,
 * plus the bias (0.0f without one), then the fused activation (TSLM_ACT_*). */
typedef struct {
    int32_t batches;
    int32_t accum_depth;
    int32_t output_depth;
    int32_t activation;
} tslm_fully_connected_f32_params;

void tslm_fully_connected_f32(const tslm_fully_connected_f32_params *p, const float *input, const float *weights,
                              const float *bias, float *output);

#endif /* TSLM_FULLY_CONNECTED_H */
