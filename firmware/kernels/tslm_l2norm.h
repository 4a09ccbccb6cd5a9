/* tslm_l2norm.h - L2_NORMALIZATION over the last axis, int8 (TFLM's integer path: output scale 1/128). */
#ifndef TSLM_L2NORM_H
#define TSLM_L2NORM_H

#include "tslm_common.h"

/* rows x depth inputs; each row divided by the square root of its sum of squares (offset by the
 * input zero point), in TFLM's fixed point (GetInvSqrtQuantizedMultiplierExp). */
void tslm_l2norm_s8(int32_t rows, int32_t depth, int32_t input_zero_point, const int8_t *input, int8_t *output);

/* float32, TFLM's reference L2Normalization: x / max(sqrt(sum of squares), 1e-6) per row. */
void tslm_l2norm_f32(int32_t rows, int32_t depth, const float *input, float *output);

#endif /* TSLM_L2NORM_H */
