/* tslm_dsp_layer_norm.h - the fused layer norm for the Cortex-M DSP extension: a drop-in for
 * tslm_layer_norm_s8 (same params), calling it for whatever it does not handle. */
#ifndef TSLM_DSP_LAYER_NORM_H
#define TSLM_DSP_LAYER_NORM_H

#include "tslm_layer_norm.h"

void tslm_dsp_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                            const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch);
/* beta's ADD from the compiler's records (p->folded): ssat8((v A + B) >> TSLM_LN_FOLD_SHIFT) */
#define TSLM_LN_FOLD_SHIFT 16
/* the SUB of a row's mean from the compiler's p->diff_fold: ssat8((x A + B) >> TSLM_LN_DIFF_SHIFT) */
#define TSLM_LN_DIFF_SHIFT 22

/* The portable kernel's scratch and, with gamma and no records from the compiler, three int32 per channel
 * (gamma's and beta's terms). */
int32_t tslm_dsp_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p);

#endif /* TSLM_DSP_LAYER_NORM_H */
