/* tslm_dsp_conv.h - CONV_2D for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_conv.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_CONV_H
#define TSLM_DSP_CONV_H

#include "tslm_conv.h"

void tslm_dsp_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_dsp_conv_s8 needs for p: two pixels widened to int16 (16 bytes per four of the
 * filter_h * filter_w * filter_c taps) and, for filters wider than one pixel, their two int8 im2col
 * columns; without requantization records, the portable kernel's. */
int32_t tslm_dsp_conv_s8_get_buffer_size(const tslm_conv_params *p);
/* Offset pairs three pixels a block (the compiler's conv_triples: one group, every output in fours, K a multiple of
 * 4 of 8..100, act_max 127; 1x1 at stride 1, or one output row of a 1 x K window; it calls this entry for those
 * alone); otherwise as tslm_dsp_conv_s8, which the size build's takes always. Its scratch: three pixels widened to
 * int16 (24 bytes per four taps), or tslm_dsp_conv_s8's where that is more. */
void tslm_dsp_conv_rows3_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_dsp_conv_rows3_s8_get_buffer_size(const tslm_conv_params *p);

/* The wide layout (requant_fast == 3: 1x1 at stride 1, or a filter wider than one pixel with a short K; int16
 * weights; the compiler calls it for those alone). Its scratch: two pixels widened to int16, for filters wider than
 * one pixel 16 im2col columns (K rounded up to a multiple of four each), and output_c bytes. */
void tslm_dsp_conv_wide_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                           const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_dsp_conv_wide_s8_get_buffer_size(const tslm_conv_params *p);

/* The wide layout over receptive fields widened where they lie (a filter over a multiple of four input channels
 * with K > 36, or a 1x1 filter at a stride; the compiler calls it for those alone). Its scratch: two pixels widened
 * to int16 (16 bytes per four k), two im2col columns (K bytes each, rounded up to a multiple of four) for pixels at
 * the border, and output_c bytes. */
void tslm_dsp_conv_wide_win_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_dsp_conv_wide_win_s8_get_buffer_size(const tslm_conv_params *p);

/* One input channel (a grayscale image's or a spectrogram's first layer: filter_c = input_c = 1, no dilation, an
 * even number of outputs; the compiler calls it for those alone): the wide layout's stream with K in groups of four
 * taps along the filter's rows or columns, each widened straight from a band of input rows with the padding filled
 * in (3x3 and 4x3: a pixel at a time in registers). Its scratch: up to 32 pixels widened (16 bytes per four k a pair,
 * at most 1 KB but one pair), output_c bytes rounded up to a word, the band. */
void tslm_dsp_conv_wide_c1_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_dsp_conv_wide_c1_s8_get_buffer_size(const tslm_conv_params *p);

#endif /* TSLM_DSP_CONV_H */
