/*
 * tslm_fully_connected.c - FULLY_CONNECTED (int8) for the Cortex-M DSP extension.
 *
 * The compiler folds the input offset into the bias (input_offset == 0), so
 * inputs and weights are both plain int8: one 32-bit load of each and SXTB16
 * (with and without ROR #8) give the int16 pairs (x0, x2) (x1, x3) and
 * (w0, w2) (w1, w3); two SMLADs then do four multiply-accumulates. Two output
 * features share each input load. No scratch, weights in their natural order.
 * Non-constant weights (offsets not folded) take the plain loop.
 */
#include "tslm_fully_connected.h"
#include "tslm_simd.h"

TSLM_ALWAYS_INLINE int8_t finish(const tslm_fully_connected_params *p, int32_t acc, const int32_t *bias, int32_t o)
{
    if (bias != NULL) {
        acc += bias[o];
    }
    const int32_t c = p->per_channel ? o : 0;
    acc = tslm_requantize(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
    return (int8_t)tslm_clamp_i32(acc, p->act_min, p->act_max);
}

static void generic(const tslm_fully_connected_params *p, const int8_t *x, const int8_t *weights,
                    const int32_t *bias, int8_t *out)
{
    for (int32_t o = 0; o < p->output_depth; ++o) {
        const int8_t *w = weights + o * p->accum_depth;
        int32_t acc = 0;
        for (int32_t d = 0; d < p->accum_depth; ++d) {
            acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
        }
        out[o] = finish(p, acc, bias, o);
    }
}

void tslm_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                             const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    const int32_t depth = p->accum_depth;
    const int32_t depth4 = depth & ~3;
    (void)scratch;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * depth;
        int8_t *out = output + b * p->output_depth;
        if (p->input_offset != 0 || p->filter_offset != 0) {
            generic(p, x, weights, bias, out);
            continue;
        }
        int32_t o = 0;
        for (; o + 2 <= p->output_depth; o += 2) {
            const int8_t *w0 = weights + o * depth;
            const int8_t *w1 = w0 + depth;
            int32_t acc0 = 0, acc1 = 0;
            int32_t d = 0;
            for (; d < depth4; d += 4) {
                const int32_t xv = tslm_read32(x + d);
                const int32_t x02 = tslm_sxtb16(xv), x13 = tslm_sxtb16_ror8(xv);
                const int32_t a = tslm_read32(w0 + d);
                const int32_t c = tslm_read32(w1 + d);
                acc0 = tslm_smlad(tslm_sxtb16(a), x02, acc0);
                acc0 = tslm_smlad(tslm_sxtb16_ror8(a), x13, acc0);
                acc1 = tslm_smlad(tslm_sxtb16(c), x02, acc1);
                acc1 = tslm_smlad(tslm_sxtb16_ror8(c), x13, acc1);
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
            int32_t acc0 = 0;
            int32_t d = 0;
            for (; d < depth4; d += 4) {
                const int32_t xv = tslm_read32(x + d);
                const int32_t a = tslm_read32(w0 + d);
                acc0 = tslm_smlad(tslm_sxtb16(a), tslm_sxtb16(xv), acc0);
                acc0 = tslm_smlad(tslm_sxtb16_ror8(a), tslm_sxtb16_ror8(xv), acc0);
            }
            for (; d < depth; ++d) {
                acc0 += w0[d] * x[d];
            }
            out[o] = finish(p, acc0, bias, o);
        }
    }
}
