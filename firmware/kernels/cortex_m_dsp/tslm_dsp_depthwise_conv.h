/* tslm_dsp_depthwise_conv.h - DEPTHWISE_CONV_2D for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_depthwise_conv.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_DEPTHWISE_CONV_H
#define TSLM_DSP_DEPTHWISE_CONV_H

#include "tslm_depthwise_conv.h"

/* requant_fast >= TSLM_DSP_DW_COL: the column layout (taps paired along y, see tslm_dsp_depthwise_conv.c),
 * requant_fast - TSLM_DSP_DW_COL its epilogue: 0 records {2 bias, m, r, 2^(r-1) + zp 2^r} clamped to int8
 * (lo = zp = -128, hi = 127), 1 records {2 bias, m, r, 2^(r-1) + (zp - lo) 2^r} (lo >= zp), 2 the fast
 * records as they are, 3 the exact ones {bias, m, shift, 0}, 4 records as 0's with outputs over the whole
 * int8 range below the zero point too (no activation: TFLM's -1 before the shift for values <= 0 kept). Otherwise 0 or 1: the ring layout with
 * the exact or fast records. */
#define TSLM_DSP_DW_COL 16
/* requant_fast >= TSLM_DSP_DW_PATCH: one input channel, depth multiplier > 1, dilation_w 1: the patch of each
 * output pixel widened once, every output channel's SMLADs on it (tslm_dsp_depthwise_conv_patch_s8);
 * requant_fast - TSLM_DSP_DW_PATCH the epilogue, as the column layout's. */
#define TSLM_DSP_DW_PATCH 32

void tslm_dsp_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
/* Scratch bytes tslm_dsp_depthwise_conv_s8 needs for p: the filter's span of input rows, ring_w columns
 * each, widened to int16 per four channels; without records, the portable kernel's. */
int32_t tslm_dsp_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 3x3 at stride 2 in the column layout (in bands or not): the entry the compiler gives these layers, so that the
 * stride-2 passes are linked only where a model has them; the same params, scratch and arguments as
 * tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_3x3s2_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_3x3s2_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 3x3 at stride 2 (both ways, dilation 1) on small images: three output rows with outputs clamped to the int8 range
 * (MobileNet's 6x6 -> 3x3, relu/relu6; one pass, the weights in registers) or four rows (8x8 -> 4x4, relu or none):
 * the entry the compiler gives these layers, linked only where a model has them; the same params, scratch and
 * arguments as tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_3x3s2t_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_3x3s2t_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* K x 1 over columns at stride 2 with K = 4..10, and dilated K x 1 over a column of width 1 (the column layout,
 * never in bands): the entry the compiler gives these layers, so that their routines are linked only where a
 * model has them; the same params, scratch and arguments as tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_k1_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_k1_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 2 x 1 over a column of width 1 given as 3 x 1 with a zero first tap (the column layout, stride 1 or 2): the
 * width-1 3 x 1 routines' copies with one MAC instruction a block fewer, linked only where a model has such a
 * layer; the same params, scratch and arguments as tslm_dsp_depthwise_conv_s8. Every channel's first tap must be
 * zero. */
void tslm_dsp_depthwise_conv_k2_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_k2_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* Dilated (d_h x d_w), stride 1, filters of at least 2 x 2, pads multiples of the dilation, in the column layout:
 * the phases x[py::d_h, px::d_w] stacked in scratch and run as one undilated call; the entry the compiler gives
 * these layers. The same params (ring_w: the stacked call's) and arguments as tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_dilated_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                        const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_dilated_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 3 x 1 at stride 1 over columns wider than 1 (the column layout, in bands or not): the entry the compiler gives
 * these layers, each column then the width-1 3 x 1 routine (anything it does not take: tslm_dsp_depthwise_conv_s8);
 * the same params, scratch and arguments as tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_cols_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                     const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_cols_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* One input channel, depth multiplier > 1 (the compiler's patch layout; without records, the portable kernel).
 * scratch: one patch, tslm_dsp_depthwise_conv_patch_words(p) words. */
void tslm_dsp_depthwise_conv_patch_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_patch_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
/* Words of the patch layout's patch: filter_h x 2 per four filter columns, rounded up to a multiple of 8. */
int32_t tslm_dsp_depthwise_conv_patch_words(const tslm_depthwise_conv_params *p);

/* Column-layout calls with epilogue 0 in a model whose depthwise calls are all such: the EPI_SAT paths alone (the
 * linker leaves the EPI_RSAT copies out); the same params, scratch and arguments as tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                    const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* The sat twins of the other column-layout entries (same pass): EPI_SAT alone, the rest to
 * tslm_dsp_depthwise_conv_sat_s8; the same params, scratch and arguments as the entry they stand for. */
void tslm_dsp_depthwise_conv_3x3s2_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_3x3s2_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_3x3s2t_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                           const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_3x3s2t_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_small_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                          const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_small_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_k7_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_k7_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_dilated_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                            const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_dilated_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_k1_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_k1_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_k2_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_k2_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_cols_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                         const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_cols_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);
void tslm_dsp_depthwise_conv_px_sat_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_px_sat_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 3x3 at stride 1 with at most six output rows in the column layout (MobileNet's small tails): the entry the compiler
 * gives these layers, one pass of the whole output column per channel and column (tslm_dsp_depthwise_conv.c); the
 * same params, scratch and arguments as tslm_dsp_depthwise_conv_s8, which it calls for anything else. */
void tslm_dsp_depthwise_conv_small_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_small_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* A 1x1 image with a 1x1 output, 1x1 filter (the compiler's form of any filter over a 1x1 image: its one tap on
 * the pixel, the other taps' share out of the records' bias), column layout records with epilogue 0, 1, 2 or 4: the
 * channels streamed; the same params, scratch and arguments as tslm_dsp_depthwise_conv_s8, which it calls for anything else. */
void tslm_dsp_depthwise_conv_px_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_px_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* 7x7 at stride 1 in the column layout, not in bands: the column layout's C loop with the filter's shape as constants,
 * an entry of its own for the same reason; the same params, scratch and arguments as tslm_dsp_depthwise_conv_s8. */
void tslm_dsp_depthwise_conv_k7_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                                   const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
int32_t tslm_dsp_depthwise_conv_k7_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

#endif /* TSLM_DSP_DEPTHWISE_CONV_H */
