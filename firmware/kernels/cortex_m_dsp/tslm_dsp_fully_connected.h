/* tslm_dsp_fully_connected.h - FULLY_CONNECTED for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_fully_connected.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_FULLY_CONNECTED_H
#define TSLM_DSP_FULLY_CONNECTED_H

#include "tslm_fully_connected.h"

void tslm_dsp_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_dsp_fully_connected_s8 needs for p: one depth chunk of one row (two rows when
 * batches > 1) widened to int16, and int32 partial sums of every output when the depth takes more than
 * one chunk; without records, the portable kernel's. */
int32_t tslm_dsp_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p);

/* The wide row (requant_fast == 3: one row, int16 weights; the compiler calls it for those alone). */
void tslm_dsp_fully_connected_wide_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch);
/* Its scratch: the row widened to int16, and the outputs of a last part four of channels. */
int32_t tslm_dsp_fully_connected_wide_s8_get_buffer_size(const tslm_fully_connected_params *p);

/* The short wide row (depth at most 64, act_max 127): weights, sums and records in one stream (the compiler's
 * fc_wide_short_stream), tiles of four channels and a last two. */
void tslm_dsp_fully_connected_wide_short_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                            const int8_t *weights, const int32_t *bias, int8_t *output,
                                            int16_t *scratch);
/* Its scratch: the row widened to int16. */
int32_t tslm_dsp_fully_connected_wide_short_s8_get_buffer_size(const tslm_fully_connected_params *p);

/* The short row in fives of channels (outputs a multiple of 5 from 10 that fours do not tile, nothing clamped):
 * the compiler's fc_wide_five_stream; the row widened on its stack, no params, no scratch. */
void tslm_dsp_fully_connected_wide_five_s8(const int8_t *input, int8_t *output, const int32_t *stream);

/* Offset pairs three rows a block (the compiler's fc_triples: three rows or more, every output in fours, depth a
 * multiple of 4 of 8..100, act_max 127; it calls this entry for those alone); otherwise as
 * tslm_dsp_fully_connected_s8, which the size build's takes always. */
void tslm_dsp_fully_connected_rows3_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch);
/* Its scratch: three rows widened to int16 (24 bytes per four inputs). */
int32_t tslm_dsp_fully_connected_rows3_s8_get_buffer_size(const tslm_fully_connected_params *p);

#endif /* TSLM_DSP_FULLY_CONNECTED_H */
