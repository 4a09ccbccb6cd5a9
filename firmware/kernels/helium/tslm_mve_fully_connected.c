/*
 * tslm_mve_fully_connected.c - FULLY_CONNECTED (int8) with Helium: each input row against four
 * weight rows at a time, 16 MACs per VMLADAVA.S8, one load of the input serving four rows.
 * The weights are the model's own layout (output_depth x accum_depth), no copy. The compiler
 * folds input_offset * (sum of a row's weights) into the bias (input_offset 0 here); CMSIS-NN
 * computes those sums on the device before the first inference. An input offset that was not
 * folded is handled with the row sums taken on the fly (VADDVA); asymmetric weights
 * (filter_offset != 0) and the DSP records take the portable kernel.
 */
#include "tslm_mve_fully_connected.h"
#include "tslm_mve.h"

static void rows(const tslm_fully_connected_params *p, const int8_t *input, const int8_t *weights,
                 const tslm_mve_epilogue *e, int8_t *output)
{
    const tslm_mve_pixels px = {1, 1, p->batches, 0, 0, p->accum_depth};
    tslm_mve_gemm_impl(input, &px, weights, p->accum_depth, p->output_depth, e, output);
}

static void rows_offset(const tslm_fully_connected_params *p, const int8_t *input, const int8_t *weights,
                        const tslm_mve_epilogue *e, int8_t *output)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        tslm_mve_rows_impl(input + b * p->accum_depth, weights, p->accum_depth, p->output_depth, e,
                           output + b * p->output_depth, 1);
    }
}

/* The compiler's layout (tslm_mve.h): weights in groups of four features, records with the bias. */
static void rows_records(const tslm_fully_connected_params *p, const int8_t *input, const int8_t *weights,
                         int8_t *output)
{
    const tslm_mve_clamp c = {vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max), p->output_offset};
    const int32_t d = p->accum_depth, od = p->output_depth;
    int32_t b = 0;
    for (; b + 2 <= p->batches; b += 2) { /* two rows at a time: each weight load serves both */
        tslm_mve_row2_groups(input + b * d, input + (b + 1) * d, d, weights, p->requant, od, &c, output + b * od,
                             output + (b + 1) * od);
    }
    if (b < p->batches) {
        tslm_mve_row_groups(input + b * d, d, weights, p->requant, od, &c, output + b * od);
    }
}

void tslm_mve_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->requant != NULL) {
        rows_records(p, input, weights, output);
        return;
    }
    if (p->filter_offset != 0) {
        tslm_fully_connected_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    const tslm_mve_epilogue e = {bias, p->multiplier, p->shift, p->per_channel,
                                 tslm_mve_right_only(p->shift, p->per_channel ? p->output_depth : 1),
                                 p->input_offset, p->output_offset, p->act_min, p->act_max};
    if (p->input_offset == 0) {
        rows(p, input, weights, &e, output);
    } else {
        rows_offset(p, input, weights, &e, output);
    }
}

int32_t tslm_mve_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    (void)p;
    return 0;
}
