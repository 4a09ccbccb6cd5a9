/*
 * dsp_batch_matmul_check.c - tslm_dsp_batch_matmul_s8 (cortex_m_dsp/tslm_dsp_batch_matmul.c) against the
 * portable tslm_batch_matmul_s8 (TFLM's arithmetic, checked against TFLM by the op tests) on the shapes of
 * attention: the project's transformers' (KWS: 4 x (24x14 . 14x24) adj_y and 4 x (24x24 . 24x14);
 * anomaly: 4 x (32x12 . 12x32) adj_y and 4 x (32x32 . 32x12)), then pseudo-random ones, rows and columns
 * 1..40, depths 1..72 (across the unrolled routine's limit, 68, and every depth % 4), adj_x and adj_y,
 * operands laid out contiguously or as the heads of a [tokens, heads, depth] tensor (what the compiler
 * passes when it folds a TRANSPOSE into the BATCH_MATMUL: rows heads * depth apart, batches depth
 * apart), every zero point (-128 and 127 included), right shifts inside the fast path (1..22) and outside
 * it, full and clamped output ranges. Every case runs through tslm_dsp_batch_matmul_pairs_s8 too (the attention
 * entry: its half group where depth % 4 is 1 or 2, odd last rows and columns; what it does not take it hands to
 * the general entry), whose outputs must be the same bytes; and through tslm_dsp_batch_matmul_pairs_lut_s8 with a
 * random 256-byte table (a MUL folded in: every output must be the table's entry for the portable kernel's).
 * Exit code: 0 when every output byte agrees and nothing past an output was written, 1 otherwise.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_batch_matmul.h"
#include "tslm_dsp_batch_matmul.h"

#define CHECK_RANDOM_SEED 2654435761u
#include "check_random.h"

#define MAX_IN 12288
#define MAX_OUT 8192
static int8_t lhs[MAX_IN], rhs[MAX_IN], ref[MAX_OUT + 64], got[MAX_OUT + 64], table[256];
static int32_t scratch[3072];

/* One operand's strides, its `lines` the lhs rows or the rhs columns: [batches, lines, depth] in memory
 * (lines_inner: [batches, depth, lines]), or with heads the batches inside ([lines, batches, depth],
 * [depth, batches, lines]): the layout before a head split's TRANSPOSE. */
static void strides(int32_t batches, int32_t lines, int32_t depth, int lines_inner, int heads, int32_t *line_stride,
                    int32_t *depth_stride, int32_t *batch_stride)
{
    const int32_t inner = lines_inner ? lines : depth, outer = lines_inner ? depth : lines;
    const int32_t outer_stride = heads ? batches * inner : inner;
    *batch_stride = heads ? inner : outer * inner;
    *line_stride = lines_inner ? 1 : outer_stride;
    *depth_stride = lines_inner ? outer_stride : 1;
}

static int run_one(int32_t batches, int32_t rows, int32_t depth, int32_t cols, int adj_x, int adj_y, int heads_l,
                   int heads_r, int full)
{
    tslm_batch_matmul_params p;
    memset(&p, 0, sizeof(p));
    p.rows = rows;
    p.cols = cols;
    p.depth = depth;
    p.batch_dims[0] = p.batch_dims[1] = 1;
    p.batch_dims[2] = batches;
    strides(batches, rows, depth, adj_x, heads_l, &p.lhs_row_stride, &p.lhs_depth_stride, &p.lhs_batch_strides[2]);
    strides(batches, cols, depth, !adj_y, heads_r, &p.rhs_col_stride, &p.rhs_depth_stride, &p.rhs_batch_strides[2]);
    const int heads_o = (int)(next() % 2); /* the outputs as a folded head merge's TRANSPOSE lays them: [rows,
                                            * batches, cols] */
    p.output_batch_strides[2] = heads_o ? cols : rows * cols;
    p.output_row_stride = heads_o ? batches * cols : cols;
    const uint32_t zp = next() % 8;
    p.lhs_offset = zp == 0 ? 128 : (zp == 1 ? -127 : between(-127, 128)); /* zero points -128, 127, any */
    p.rhs_offset = zp == 2 ? 128 : (zp == 3 ? -127 : between(-127, 128));
    p.output_offset = between(-128, 127);
    p.multiplier = multiplier();
    const uint32_t which = next() % 8;
    p.shift = which < 6 ? between(-12, -5) : (which == 6 ? between(-22, -1) : between(-31, 1));
    p.act_min = -128;
    p.act_max = 127;
    if (!full) {
        p.act_min = between(-128, 0);
        p.act_max = between(p.act_min, 127);
    }
    const int32_t size = batches * rows * depth, rsize = batches * cols * depth, n = batches * rows * cols;
    if (size > MAX_IN || rsize > MAX_IN || n > MAX_OUT ||
        tslm_dsp_batch_matmul_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch) ||
        tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch) ||
        tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(&p) < tslm_dsp_batch_matmul_s8_get_buffer_size(&p) ||
        tslm_dsp_batch_matmul_pairs_lut_s8_get_buffer_size(&p) != tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(&p)) {
        return 1; /* the check's own buffers are too small: a failure, not a skip */
    }
    const int narrow = (int)(next() % 4 == 0); /* values near the zero points: outputs inside the range */
    for (int32_t i = 0; i < size; ++i) {
        lhs[i] = narrow ? (int8_t)(between(-6, 6) - p.lhs_offset / 2) : (int8_t)(next() >> 24);
    }
    for (int32_t i = 0; i < rsize; ++i) {
        rhs[i] = narrow ? (int8_t)(between(-6, 6) - p.rhs_offset / 2) : (int8_t)(next() >> 24);
    }
    memset(ref, 0, sizeof(ref));
    memset(got, 0x55, sizeof(got));
    tslm_batch_matmul_s8(&p, lhs, rhs, ref, NULL);
    tslm_dsp_batch_matmul_s8(&p, lhs, rhs, got, scratch);
    int bad = memcmp(ref, got, (size_t)n) != 0;
    for (int32_t i = n; i < n + 64; ++i) {
        bad |= got[i] != 0x55;
    }
    memset(got, 0x55, sizeof(got));
    tslm_dsp_batch_matmul_pairs_s8(&p, lhs, rhs, got, scratch);
    bad |= memcmp(ref, got, (size_t)n) != 0;
    for (int32_t i = n; i < n + 64; ++i) {
        bad |= got[i] != 0x55;
    }
    for (int32_t i = 0; i < 256; ++i) {
        table[i] = (int8_t)(next() >> 24);
    }
    memset(got, 0x55, sizeof(got));
    tslm_dsp_batch_matmul_pairs_lut_s8(&p, lhs, rhs, got, scratch, table);
    for (int32_t i = 0; i < n; ++i) {
        bad |= got[i] != table[ref[i] + 128];
    }
    for (int32_t i = n; i < n + 64; ++i) {
        bad |= got[i] != 0x55;
    }
    return bad;
}

int main(void)
{
    /* batches, rows, depth, cols, adj_x, adj_y: the transformers' attention, as compiled (heads) */
    static const int32_t models[][6] = {{4, 24, 14, 24, 0, 1}, {4, 24, 24, 14, 0, 0}, {4, 32, 12, 32, 0, 1},
                                        {4, 32, 32, 12, 0, 0}, {4, 26, 14, 26, 0, 1}, {4, 26, 26, 14, 0, 0},
                                        /* odd token counts (odd rows and columns, depth % 4 of 1 and 3), the
                                         * pairs entry's depth limits (66: a half group and 16 whole ones) */
                                        {4, 25, 14, 25, 0, 1}, {4, 25, 25, 14, 0, 0}, {2, 27, 27, 13, 0, 0},
                                        {2, 9, 66, 7, 0, 1},   {2, 9, 68, 7, 0, 0},   {2, 7, 67, 3, 0, 1},
                                        {2, 3, 5, 3, 0, 1},    {2, 3, 6, 2, 0, 0},    {1, 1, 14, 5, 0, 1}};
    int bad = 0;
    for (unsigned m = 0; m < sizeof(models) / sizeof(models[0]); ++m) {
        for (int t = 0; t < 6; ++t) {
            const int32_t *s = models[m];
            bad += run_one(s[0], s[1], s[2], s[3], (int)s[4], (int)s[5], t % 2, (t / 2) % 2, t != 5);
        }
    }
    for (int trial = 0; trial < 600; ++trial) {
        const int32_t depth = trial % 5 == 0 ? between(60, 72) : between(1, 40);
        bad += run_one(between(1, 4), between(1, 40), depth, between(1, 40), (int)(next() % 2), (int)(next() % 2),
                       (int)(next() % 2), (int)(next() % 2), (int)(next() % 3 != 0));
    }
    return bad != 0;
}
