/* tslm_dsp_batch_matmul.h - BATCH_MATMUL for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_batch_matmul.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_BATCH_MATMUL_H
#define TSLM_DSP_BATCH_MATMUL_H

#include "tslm_batch_matmul.h"

void tslm_dsp_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                              int8_t *output, int32_t *scratch);
/* Scratch bytes tslm_dsp_batch_matmul_s8 needs for p: two lhs rows and every rhs column, widened
 * (int32 words holding int16 pairs, per four of depth). */
int32_t tslm_dsp_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p);

/* The attention shapes' entry (the compiler's passes.dsp_batch_matmul_pairs routes them here): the whole int8
 * range, a right shift of 1..22, lhs rows contiguous, depth 4..68, two columns or more, an rhs with its depth or
 * its columns contiguous; it calls tslm_dsp_batch_matmul_s8 for anything else. */
void tslm_dsp_batch_matmul_pairs_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                    int8_t *output, int32_t *scratch);
/* Its scratch bytes: the general entry's, and two widened columns more for an odd column count. */
int32_t tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(const tslm_batch_matmul_params *p);

/* tslm_dsp_batch_matmul_pairs_s8 with each output y stored as table[y + 128] (the compiler's fold of a following
 * MUL's 256-entry table: every output the one tslm_lut_s8 would make of the matmul's). Same scratch. */
void tslm_dsp_batch_matmul_pairs_lut_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                        int8_t *output, int32_t *scratch, const int8_t table[256]);
int32_t tslm_dsp_batch_matmul_pairs_lut_s8_get_buffer_size(const tslm_batch_matmul_params *p);

#endif /* TSLM_DSP_BATCH_MATMUL_H */
