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

/* One assembly form of the two-row path each, so that only the forms a model uses are linked (the entries above
 * pick theirs at run time and bring all sixteen): _<F> for tslm_mve_fully_connected_pairs_s8 and
 * tslm_mve_fully_connected_pairs_rows_s8, F = <kind><C>, C the depth's 16-byte chunks (1..6: accum_depth
 * 16 C - 15 .. 16 C), kind g: the clamp by VMAX/VMIN with the rounding fix (any records and range); s: no activation
 * ([-128, 127]) and every shift <= -1 (the clamp a saturation; NOT checked: a shift of 0 gives wrong outputs); r: a
 * relu (act_min >= output_offset, C <= 4; no rounding fix). The size build has the g form of C for all three.
 * helium_layout.fc_pairs_form chooses F. Rows the form does not take (a wrong C or range, fewer than two rows or four
 * outputs, no layout): tslm_mve_fully_connected_s8, one row at a time for the strided entry. Same arguments and
 * scratch as the entries above (_get_buffer_size: theirs). */
#define TSLM_FC_PAIRS_FORMS(X)                                                                                        \
    X(g1) X(g2) X(g3) X(g4) X(g5) X(g6) X(s1) X(s2) X(s3) X(s4) X(s5) X(s6) X(r1) X(r2) X(r3) X(r4)
#define TSLM_FC_PAIRS_DECLARE(F)                                                                                      \
    void tslm_mve_fully_connected_pairs_s8_##F(const tslm_fully_connected_params *p, const int8_t *input,            \
                                               const int8_t *weights, const int32_t *bias, int8_t *output,           \
                                               int16_t *scratch);                                                    \
    void tslm_mve_fully_connected_pairs_rows_s8_##F(const tslm_fully_connected_params *p, const int8_t *input,       \
                                                    int32_t row_stride, const int8_t *weights, int8_t *output,       \
                                                    int8_t *copy);
TSLM_FC_PAIRS_FORMS(TSLM_FC_PAIRS_DECLARE)
#undef TSLM_FC_PAIRS_DECLARE
/* (their scratch: none, as the entries above) */
#define tslm_mve_fully_connected_pairs_s8_g1_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_g2_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_g3_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_g4_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_g5_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_g6_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_s1_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_s2_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_s3_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_s4_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_s5_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_s6_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_r1_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_r2_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_r3_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size
#define tslm_mve_fully_connected_pairs_s8_r4_get_buffer_size tslm_mve_fully_connected_pairs_s8_get_buffer_size

#endif /* TSLM_MVE_FULLY_CONNECTED_H */
