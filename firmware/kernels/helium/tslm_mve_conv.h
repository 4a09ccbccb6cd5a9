/* tslm_mve_conv.h - CONV_2D for Helium (MVE): a drop-in for the portable kernel of tslm_conv.h, same
 * params, calling it for whatever it does not handle. */
#ifndef TSLM_MVE_CONV_H
#define TSLM_MVE_CONV_H

#include "tslm_conv.h"
#include "tslm_mve_fully_connected.h" /* (TSLM_FC_PAIRS_FORMS) */

/* scratch: filter_h * filter_w * filter_c bytes (one im2col row; two with the compiler's layout, which
 * takes two pixels at a time) unless every output pixel's patch lies in the image as one contiguous run
 * (1x1 convolutions, and K x 1 over a width-1 input, unpadded); when in place, input_c bytes (two
 * pixels: 2 input_c with the compiler's layout). */
void tslm_mve_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, int8_t *output, int16_t *scratch);
/* Scratch bytes tslm_mve_conv_s8 needs for p (as above): the im2col row(s) unless every patch is one
 * contiguous run, plus the in-place copy; for grouped convolutions, the portable kernel's. */
int32_t tslm_mve_conv_s8_get_buffer_size(const tslm_conv_params *p);

/* Short patches (filter_h * filter_w * input_c <= 32, one group, the compiler's short layout in `requant`:
 * helium_layout.conv_short): two pixels at a time against every group of four output channels in one assembly
 * routine. scratch: none for 1x1 unpadded convolutions (in place included), otherwise up to 32 pixels' patches. */
void tslm_mve_conv_short_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_mve_conv_short_s8_get_buffer_size(const tslm_conv_params *p);

/* Short patches over one input channel (filter_c = input_c = 1, no dilation, filter rows of at most 16 taps; the
 * compiler's helium_layout.conv_short_c1): the same stream, every patch copied from a band of the output row's input
 * rows with the padding filled in. scratch: up to 32 pixels' patches, then filter_h rows of
 * (output_w - 1) stride_w + filter_w bytes. */
void tslm_mve_conv_short_c1_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_mve_conv_short_c1_s8_get_buffer_size(const tslm_conv_params *p);

/* Long filter rows (filter_w * input_c > 16 bytes, patches of more than 32 bytes, undilated across, more than one
 * filter row and narrower than the input, not in place; one group, the compiler's GEMM layout in `requant`: helium_layout.conv): the general
 * entry's two pixels at a time, their patches built row by row with 16-byte copies. scratch: two patches. */
void tslm_mve_conv_rows_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                           const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_mve_conv_rows_s8_get_buffer_size(const tslm_conv_params *p);

/* One filter row, unpadded, undilated across, patches of at most 96 bytes, at least four output channels (the
 * compiler's GEMM layout in `requant`): the pixels two at a time through the FULLY_CONNECTED two-row path
 * (tslm_mve_fully_connected_pairs_rows_s8); anything else calls tslm_mve_conv_s8. scratch: none; in place (1x1 only,
 * output_c <= input_c), two pixels' input_c bytes. */
void tslm_mve_conv_pairs_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, int8_t *output, int16_t *scratch);
int32_t tslm_mve_conv_pairs_s8_get_buffer_size(const tslm_conv_params *p);
/* The same with one form of the two-row path each (tslm_mve_fully_connected.h: TSLM_FC_PAIRS_FORMS), so that only
 * the forms a model uses are linked; scratch as tslm_mve_conv_pairs_s8. */
#define TSLM_CONV_PAIRS_DECLARE(F)                                                                                    \
    void tslm_mve_conv_pairs_s8_##F(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,           \
                                    const int32_t *bias, int8_t *output, int16_t *scratch);
TSLM_FC_PAIRS_FORMS(TSLM_CONV_PAIRS_DECLARE)
#undef TSLM_CONV_PAIRS_DECLARE
#define tslm_mve_conv_pairs_s8_g1_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_g2_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_g3_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_g4_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_g5_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_g6_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_s1_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_s2_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_s3_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_s4_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_s5_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_s6_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_r1_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_r2_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_r3_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size
#define tslm_mve_conv_pairs_s8_r4_get_buffer_size tslm_mve_conv_pairs_s8_get_buffer_size


#endif /* TSLM_MVE_CONV_H */
