/* tslm_resize.h - RESIZE_BILINEAR, int8 (TFLM's integer path: weights in 1/1024, rounded 2^20 division). */
#ifndef TSLM_RESIZE_H
#define TSLM_RESIZE_H

#include "tslm_common.h"

typedef struct {
    int32_t batches, out_h, out_w, depth;
    int32_t in_batch_stride; /* input elements per batch */
    /* per output row: the two input rows' element offsets and the weight of the second
     * (input_y - 1024 y0, in 1/1024); per output column the same for input columns */
    const int32_t *rows;
    const int32_t *cols;
} tslm_resize_bilinear_params;

void tslm_resize_bilinear_s8(const tslm_resize_bilinear_params *p, const int8_t *input, int8_t *output);

/* float32, TFLM's reference ResizeBilinear: each output position's source in float (its scale, half-pixel
 * centres), the four neighbours blended in its expression order. */
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, depth;
    int32_t out_h, out_w;
    int32_t align_corners, half_pixel_centers;
} tslm_resize_bilinear_f32_params;

void tslm_resize_bilinear_f32(const tslm_resize_bilinear_f32_params *p, const float *input, float *output);

#endif /* TSLM_RESIZE_H */
