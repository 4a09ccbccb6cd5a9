/*
 * tslm_fully_connected.c - FULLY_CONNECTED (int8) for the Cortex-M DSP extension.
 *
 * Weights arrive reordered (w0 w2 w1 w3 per group of four, see README.md);
 * one input row is widened to int16 (+ input offset) in scratch, then two
 * output features at a time take the row with SMLAD, two MACs per instruction.
 * scratch: accum_depth int16 values.
 */
#include "tslm_fully_connected.h"
#include "tslm_simd.h"

static int8_t finish(const tslm_fully_connected_params *p, int32_t acc, const int32_t *bias, int32_t o)
{
    if (bias != NULL) {
        acc += bias[o];
    }
    const int32_t c = p->per_channel ? o : 0;
    acc = tslm_requantize(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
    return (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
}

void tslm_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                             const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    const int32_t depth = p->accum_depth;
    const int32_t depth4 = depth & ~3;
    int16_t *x = scratch;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * depth;
        int32_t x_sum = 0;
        for (int32_t d = 0; d < depth; ++d) {
            x[d] = (int16_t)((int32_t)in[d] + p->input_offset);
            x_sum += x[d];
        }
        /* sum (w + fo)(x + io) = sum w (x + io) + fo * sum (x + io) */
        const int32_t offset_term = p->filter_offset * x_sum;
        int8_t *out = output + b * p->output_depth;
        int32_t o = 0;
        for (; o + 2 <= p->output_depth; o += 2) {
            const int8_t *w0 = weights + o * depth;
            const int8_t *w1 = w0 + depth;
            int32_t acc0 = offset_term, acc1 = offset_term;
            int32_t d = 0;
            for (; d < depth4; d += 4) {
                const int32_t x01 = tslm_read32(x + d);
                const int32_t x23 = tslm_read32(x + d + 2);
                const int32_t a = tslm_read32(w0 + d);
                const int32_t c = tslm_read32(w1 + d);
                acc0 = tslm_smlad(tslm_sxtb16(a), x01, acc0);
                acc0 = tslm_smlad(tslm_sxtb16_ror8(a), x23, acc0);
                acc1 = tslm_smlad(tslm_sxtb16(c), x01, acc1);
                acc1 = tslm_smlad(tslm_sxtb16_ror8(c), x23, acc1);
            }
            for (; d < depth; ++d) {
                acc0 += w0[d] * x[d];
                acc1 += w1[d] * x[d];
            }
            out[o] = finish(p, acc0, bias, o);
            out[o + 1] = finish(p, acc1, bias, o + 1);
        }
        if (o < p->output_depth) {
            const int8_t *w0 = weights + o * depth;
            int32_t acc0 = offset_term;
            int32_t d = 0;
            for (; d < depth4; d += 4) {
                const int32_t a = tslm_read32(w0 + d);
                acc0 = tslm_smlad(tslm_sxtb16(a), tslm_read32(x + d), acc0);
                acc0 = tslm_smlad(tslm_sxtb16_ror8(a), tslm_read32(x + d + 2), acc0);
            }
            for (; d < depth; ++d) {
                acc0 += w0[d] * x[d];
            }
            out[o] = finish(p, acc0, bias, o);
        }
    }
}
