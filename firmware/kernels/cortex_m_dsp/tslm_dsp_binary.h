/* tslm_dsp_binary.h - ADD, SUB, MUL, SQUARED_DIFFERENCE for the Cortex-M DSP extension: drop-ins for the portable
 * kernels of tslm_binary.h, same params (set up by the compiler for this target), calling them
 * for whatever they do not handle. */
#ifndef TSLM_DSP_BINARY_H
#define TSLM_DSP_BINARY_H

#include "tslm_binary.h"

void tslm_dsp_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_dsp_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_dsp_mul_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_dsp_squared_difference_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                    int8_t *out);
/* ADD/SUB with the compiler's byte table h of the residual add at one input's scale (passes.residual_add_tables):
 * out = clamp(a + h[(uint8_t)b]); the entries above (without h) for what that does not cover. */
void tslm_dsp_add_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h);
void tslm_dsp_sub_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h);
/* ADD/SUB with the compiler's table of B's terms (the residual add at other scales): terms[(uint8_t)b] = twice TFLM's
 * sum before the output's requantization at a = 0; the entries without it for what that does not cover. */
void tslm_dsp_add_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms);
void tslm_dsp_sub_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms);
/* The same with the compiler's half-up terms (ops.elementwise.residual_terms_up: twice the sum at a = 0 moved so that
 * the requantization rounding half up gives TFLM's output on all pairs); the entries without a table otherwise. */
void tslm_dsp_add_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms);
void tslm_dsp_sub_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms);

#endif /* TSLM_DSP_BINARY_H */
