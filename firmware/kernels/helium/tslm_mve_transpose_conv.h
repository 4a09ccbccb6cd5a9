/* tslm_mve_transpose_conv.h - int8 TRANSPOSE_CONV for Helium (MVE): a drop-in for tslm_transpose_conv_s8 with the
 * same params, set up by the compiler for this target (tinyslm/compiler/ops/transpose_conv.py). */
#ifndef TSLM_MVE_TRANSPOSE_CONV_H
#define TSLM_MVE_TRANSPOSE_CONV_H

#include "tslm_transpose_conv.h"

/*
 * A stride (sh, sw) transpose conv as sh * sw ordinary convolutions ("phases"), as tslm_dsp_transpose_conv.h
 * describes: the outputs (sh i + a, sw j + b) take the taps fy = ry, ry + sh, ... (ry = (a + pad_h) mod sh),
 * fx likewise; per output pixel the phase's taps are gathered into an int8 patch (the input zero point outside
 * the image, which adds 0 with the bias's folded input offset) and multiplied with the phase's weights two
 * pixels by four output channels at a time (tslm_mve.h's VMLADAVA group kernels): the products TFLM adds, in
 * int32, so the same bytes. weights: per phase, the GEMM layout of tslm_mve.h (four channels interleaved by
 * 16 bytes) of rows with the taps in the order (fy ascending, fx descending: input columns ascending, so a
 * row of taps inside the image is one run of the input, read where it lies when the phase has one tap row), a
 * phase without taps one zero byte per row; requant: per phase its records (12 int32 per four channels: bias folded with the phase's weights,
 * multipliers, right shifts); requant_fast unused. Without records (requant NULL) the portable kernel.
 */
void tslm_mve_transpose_conv_s8(const tslm_transpose_conv_params *p, const int8_t *input, const int8_t *weights,
                                const int32_t *bias, int8_t *output, int8_t *scratch);
/* Its scratch: two patches of the most taps x input_c a phase has (at least one byte each). */
int32_t tslm_mve_transpose_conv_s8_get_buffer_size(const tslm_transpose_conv_params *p);

#endif /* TSLM_MVE_TRANSPOSE_CONV_H */
