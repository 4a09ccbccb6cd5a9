/* tslm_dsp_transpose_conv.h - int8 TRANSPOSE_CONV for the Cortex-M DSP extension (the Helium target runs it
 * too): a drop-in for tslm_transpose_conv_s8 with the same params, set up by the compiler for this target. */
#ifndef TSLM_DSP_TRANSPOSE_CONV_H
#define TSLM_DSP_TRANSPOSE_CONV_H

#include "tslm_transpose_conv.h"

/*
 * A stride (sh, sw) transpose conv as sh * sw ordinary convolutions ("phases"): the outputs
 * (sh i + a, sw j + b) all take the taps fy = ry, ry + sh, ... (ry = (a + pad_h) mod sh) and fx likewise, tap
 * t of them reading input row i + (a + pad_h - ry) / sh - t (column alike). Per output pixel the phase's
 * taps are gathered (a tap outside the input reads the input zero point, whose product with the folded
 * bias's input offset adds 0, as TFLM's scatter adds nothing there), widened to int16 and multiplied with
 * the phase's weights two pixels by two output channels (tslm_dsp.h's GEMM micro-kernels): every product
 * TFLM adds, none other, in int32, so the same bytes. weights: per phase, rows of oc x (taps x input_c),
 * taps in the order fy ascending, fx descending (input columns ascending: a tap row inside the image is one
 * run of the input), rows padded to a multiple of four, in the layout the phase's records say
 * (requant_fast[phase]: 2 tslm_dsp.h's offset pairs, 1 its interleaved pairs with the fast records; the
 * compiler leaves a layer that would need TFLM's records to the portable kernel); requant: the phases' records
 * one after the other (4 int32 per output channel each), the bias folded with that phase's weights; the bias
 * argument is unused (NULL). Without records (requant NULL) the portable kernel.
 */
void tslm_dsp_transpose_conv_s8(const tslm_transpose_conv_params *p, const int8_t *input, const int8_t *weights,
                                const int32_t *bias, int8_t *output, int8_t *scratch);
/* Its scratch (word-aligned): two pixels' taps widened (16 bytes per four of the most taps x input_c a phase has),
 * a row of input_c zero points (rounded up to four) and, where input_c is not a multiple of four, the two pixels'
 * int8 taps (8 bytes per four). */
int32_t tslm_dsp_transpose_conv_s8_get_buffer_size(const tslm_transpose_conv_params *p);

#endif /* TSLM_DSP_TRANSPOSE_CONV_H */
