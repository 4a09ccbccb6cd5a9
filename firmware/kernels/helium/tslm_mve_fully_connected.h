/* tslm_mve_fully_connected.h - FULLY_CONNECTED for Helium (MVE): a drop-in for the portable kernel of
 * tslm_fully_connected.h, same params, calling it for whatever it does not handle. */
#ifndef TSLM_MVE_FULLY_CONNECTED_H
#define TSLM_MVE_FULLY_CONNECTED_H

#include "tslm_fully_connected.h"

/* scratch: none (may be NULL). */
void tslm_mve_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_mve_fully_connected_s8 needs for p: none. */
int32_t tslm_mve_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p);

/* The compiler's layout (p->requant) with at least two rows of at most 96 bytes and at least four outputs: rows two
 * at a time against every group in one assembly loop (the first row's first four 16-byte chunks held in registers); anything
 * else calls tslm_mve_fully_connected_s8. scratch: none (may be NULL). */
void tslm_mve_fully_connected_pairs_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_mve_fully_connected_pairs_s8 needs for p: none. */
int32_t tslm_mve_fully_connected_pairs_s8_get_buffer_size(const tslm_fully_connected_params *p);

/* The two-row path for rows that are not one after another (a convolution's pixels: row b is input +
 * b * row_stride, accum_depth bytes) with the compiler's layout (p->requant set); copy: NULL, or 2 * accum_depth
 * bytes where each pair's rows are copied before they are read (in place). Fewer than two rows, rows longer than
 * 96 bytes or fewer than four outputs: one row at a time by tslm_mve_fully_connected_s8. */
void tslm_mve_fully_connected_pairs_rows_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                            int32_t row_stride, const int8_t *weights, int8_t *output, int8_t *copy);

#endif /* TSLM_MVE_FULLY_CONNECTED_H */
