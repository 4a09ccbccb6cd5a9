/* tslm_mve_binary.h - ADD, SUB, MUL (int8) for Helium (MVE): drop-ins for the portable kernels of
 * tslm_binary.h, same params, calling them for what they do not handle (SQUARED_DIFFERENCE; an innermost
 * dimension that neither input walks contiguously or broadcasts). */
#ifndef TSLM_MVE_BINARY_H
#define TSLM_MVE_BINARY_H

#include "tslm_binary.h"

void tslm_mve_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_mve_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_mve_mul_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tslm_mve_squared_difference_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                    int8_t *out);
/* ADD/SUB with the compiler's byte table h of the residual add at one input's scale (passes.residual_add_tables):
 * out = clamp(a + h[(uint8_t)b]); the entries above (without h) for what that does not cover. */
void tslm_mve_add_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h);
void tslm_mve_sub_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h);
/* ADD/SUB with the compiler's table of B's terms (the residual add at other scales): terms[(uint8_t)b] = TFLM's sum
 * before the output's requantization at a = 0; the entries without it for what that does not cover. */
void tslm_mve_add_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms);
void tslm_mve_sub_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms);
/* The same with the compiler's moved terms (ops.elementwise.residual_terms_up_mve): the loop rounds half up. */
void tslm_mve_add_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms);
void tslm_mve_sub_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms);

#endif /* TSLM_MVE_BINARY_H */
