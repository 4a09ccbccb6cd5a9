/*
 * tslm_fully_connected.c - FULLY_CONNECTED (int8) for the Cortex-M DSP extension.
 *
 * With constant symmetric weights the compiler folds the input offset into
 * the bias and hands over per-feature requantization records (requant) and
 * the weights with each pair of output features interleaved by fours
 * (tslm_dsp.h). Rows of the input are widened to int16 once, two at a time,
 * and every weight load then serves two rows: 2 rows x 2 features per block,
 * eight SMLADs per four k. Anything else (non-constant weights) takes TFLM's
 * loop as it is.
 * Rows longer than depth_chunk are widened a chunk at a time, so the scratch
 * stays small whatever the depth.
 * scratch: 16 bytes per four input features of a chunk (two widened rows), 8 for a
 * single row; chunked, + 8 bytes per output feature (the sums of two rows).
 */
#include "tslm_dsp_fully_connected.h"
#include "tslm_dsp.h"

/* Rows longer than depth_chunk: widened a chunk at a time, the sums kept in scratch
 * (after the widened chunk) until the last chunk. */
TSLM_ALWAYS_INLINE void chunked(const tslm_fully_connected_params *p, const int8_t *input, const int32_t *weights,
                                int8_t *output, int32_t *x, const int fast, const int full)
{
    const int32_t depth = p->accum_depth, n4 = (depth + 3) / 4, od = p->output_depth;
    const int32_t chunk = p->depth_chunk;
    for (int32_t b = 0; b < p->batches; b += 2) {
        const int two = b + 1 < p->batches;
        int32_t *acc = x + (two ? 4 : 2) * (chunk / 4); /* acc[2 * o + row] */
        for (int32_t i = 0; i < 2 * od; ++i) {
            acc[i] = 0;
        }
        for (int32_t k0 = 0; k0 < depth; k0 += chunk) {
            const int32_t len = depth - k0 < chunk ? depth - k0 : chunk, n = (len + 3) / 4;
            const int8_t *row0 = input + b * depth + k0;
            if (two) {
                tslm_dsp_widen2(row0, row0 + depth, len, x);
            } else {
                tslm_dsp_widen1(row0, len, x);
            }
            int32_t o = 0;
            for (; o + 2 <= od; o += 2) {
                const int32_t *w = weights + o * n4 + 2 * (k0 / 4);
                int32_t *a = acc + 2 * o;
                if (two) {
                    tslm_dsp_mac_2x2(w, x, n, &a[0], &a[2], &a[1], &a[3]);
                } else {
                    tslm_dsp_mac_1x2(w, x, n, &a[0], &a[2]);
                }
            }
            if (o < od) {
                const int32_t *w = weights + o * n4 + k0 / 4;
                int32_t *a = acc + 2 * o;
                if (two) {
                    tslm_dsp_mac_2x1(w, x, n, &a[0], &a[1]);
                } else {
                    a[0] += tslm_dsp_mac_1x1(w, x, n);
                }
            }
        }
        for (int32_t o = 0; o < od; ++o) {
            int8_t o1;
            tslm_dsp_out2(acc[2 * o], acc[2 * o + 1], p->requant + 4 * o, p->output_offset, p->act_min, p->act_max,
                          fast, full, &output[b * od + o], two ? &output[(b + 1) * od + o] : &o1);
        }
    }
}

TSLM_ALWAYS_INLINE void rows(const tslm_fully_connected_params *p, const int8_t *input, const int32_t *weights,
                             int8_t *output, int32_t *x, const int fast, const int full)
{
    const int32_t depth = p->accum_depth, n4 = (depth + 3) / 4, od = p->output_depth;
    if (p->depth_chunk < depth) {
        chunked(p, input, weights, output, x, fast, full);
        return;
    }
    int32_t b = 0;
    for (; b + 2 <= p->batches; b += 2) {
        tslm_dsp_widen2(input + b * depth, input + (b + 1) * depth, depth, x);
        tslm_dsp_gemm_rows(x, weights, p->requant, n4, od, output + b * od, output + (b + 1) * od,
                           p->output_offset, p->act_min, p->act_max, fast, full);
    }
    if (b < p->batches) {
        tslm_dsp_widen1(input + b * depth, depth, x);
        tslm_dsp_gemm_rows(x, weights, p->requant, n4, od, output + b * od, NULL, p->output_offset, p->act_min,
                           p->act_max, fast, full);
    }
}

/* Offset pairs (requant_fast == 2, tslm_dsp.h): two rows widened, then each pair of features a 2x2
 * block of two SMLAD per four MACs and one SXTB16 per weight word; a last row alone takes four
 * features at a time. The compiler gives this layout only to depths of one chunk. */
TSLM_ALWAYS_INLINE void rows_offset_pairs(const tslm_fully_connected_params *p, const int8_t *input,
                                          const int32_t *weights, int8_t *output, int32_t *x, const int full)
{
    const int32_t depth = p->accum_depth, n4 = (depth + 3) / 4, od = p->output_depth;
    int32_t b = 0;
#if defined(TSLM_DSP_OP_QUADS)
    /* the assembly's job set up once for every pair of rows; the channels past its fours in C */
    tslm_dsp_op_job job;
    const int32_t fours = p->batches > 1 ? tslm_dsp_op_job_init(&job, x, weights, p->requant, n4, od, p->act_min,
                                                                p->act_max, full, 1)
                                         : 0;
#else
    const int32_t fours = 0;
#endif
    for (; b + 2 <= p->batches; b += 2) {
        int8_t *const o0 = output + b * od;
        tslm_dsp_op_widen2(input + b * depth, input + (b + 1) * depth, depth, x);
#if defined(TSLM_DSP_OP_QUADS)
        if (fours > 0) {
            tslm_dsp_op_job_run(&job, o0, o0 + od, full);
        }
#endif
        if (fours < od) {
            tslm_dsp_op_gemm_rows(x, weights + fours * n4, p->requant + 4 * fours, n4, od - fours, o0 + fours,
                                  o0 + od + fours, p->act_min, p->act_max, full);
        }
    }
    if (b < p->batches) {
        tslm_dsp_op_widen1(input + b * depth, depth, x);
        tslm_dsp_op_gemm_rows(x, weights, p->requant, n4, od, output + b * od, NULL, p->act_min, p->act_max, full);
    }
}

void tslm_dsp_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->requant == NULL) { /* weights not constant: no records, no layout */
        tslm_fully_connected_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    int32_t *x = (int32_t *)(void *)scratch;
    if (p->requant_fast == 2) {
        if (p->act_min == -128 && p->act_max == 127) {
            rows_offset_pairs(p, input, w, output, x, 1);
        } else {
            rows_offset_pairs(p, input, w, output, x, 0);
        }
    } else if (!p->requant_fast) {
        rows(p, input, w, output, x, 0, 0);
    } else if (p->act_min == -128 && p->act_max == 127) {
        rows(p, input, w, output, x, 1, 1);
    } else {
        rows(p, input, w, output, x, 1, 0);
    }
}

int32_t tslm_dsp_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    if (p->requant == NULL) {
        return tslm_fully_connected_s8_get_buffer_size(p);
    }
    return (p->batches > 1 ? 16 : 8) * (p->depth_chunk / 4) +
           (p->depth_chunk < p->accum_depth ? 8 * p->output_depth : 0);
}
