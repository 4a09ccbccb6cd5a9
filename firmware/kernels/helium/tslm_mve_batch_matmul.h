/* tslm_mve_batch_matmul.h - BATCH_MATMUL (int8) for Helium (MVE): a drop-in for the portable kernel of
 * tslm_batch_matmul.h, same params, calling it for whatever it does not handle (a transposed lhs). */
#ifndef TSLM_MVE_BATCH_MATMUL_H
#define TSLM_MVE_BATCH_MATMUL_H

#include "tslm_batch_matmul.h"

/* scratch: tslm_mve_batch_matmul_s8_get_buffer_size bytes. */
void tslm_mve_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                              int8_t *output, int32_t *scratch);
/* Scratch bytes: the columns' constant terms (cols int32, rounded up to fours), and for an adj_y rhs its
 * copy transposed to depth x cols int8. */
int32_t tslm_mve_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p);

/* The same for the dot products of depth 4..64 with a right shift and no activation (an attention's matmuls): two
 * lhs rows against every group of four columns in one assembly loop; whatever else by the general entry. */
void tslm_mve_batch_matmul_pairs_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                    int8_t *output, int32_t *scratch);
int32_t tslm_mve_batch_matmul_pairs_s8_get_buffer_size(const tslm_batch_matmul_params *p);

#endif /* TSLM_MVE_BATCH_MATMUL_H */
