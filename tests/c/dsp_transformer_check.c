/*
 * dsp_transformer_check.c - the DSP kernels a transformer spends its time in, against the portable
 * ones (TFLM's arithmetic, checked against TFLM by the op tests), on pseudo-random shapes and
 * parameters:
 * - BATCH_MATMUL (cortex_m_dsp/tslm_dsp_batch_matmul.c): adj_x/adj_y strides, odd rows, columns and
 *   depths, broadcast batches, every zero point, right shifts inside the fast path (1..22) and
 *   outside it (none, 23..31, long depths), fused activation ranges; each case through the attention entry
 *   (tslm_dsp_batch_matmul_pairs_s8) too;
 * - ADD/SUB/MUL (tslm_dsp_binary.c) at the edges of their fast paths: output shifts 21..26, input
 *   shifts up to 31, a run broadcast across rows;
 * - SOFTMAX (tslm_dsp_softmax.c), int8 and int16 outputs, rows of 1..40, rows whose
 *   values are all equal or spread over the whole int8 range, large and small betas; the table plain,
 *   reversed, and reversed with 2^11 added to each entry (params.reversed 0, 1, 2), for both kernels; rows
 *   whose sums sweep the int8 outputs' FOLD/SAT edge (check_softmax_forms);
 * - MEAN (tslm_dsp_reduce.c) over runs of 1..1400 values (the M4's int16 lanes flushed every 1024),
 *   all at -128 or 127 or random.
 * Exit code: 0 when every output byte agrees and nothing past an output was written, 1 otherwise.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_batch_matmul.h"
#include "tslm_binary.h"
#include "tslm_dsp_batch_matmul.h"
#include "tslm_dsp_binary.h"
#include "tslm_dsp_reduce.h"
#include "tslm_dsp_softmax.h"
#include "tslm_reduce.h"
#include "tslm_softmax.h"

#define CHECK_RANDOM_SEED 2463534242u
#include "check_random.h"
#include "check_batch_matmul.h"

#define MAX_OUT 4096
static int8_t lhs[8192], rhs[8192], ref[MAX_OUT + 64], got[MAX_OUT + 64];
static int32_t scratch[2048];

/* Outputs equal, and nothing written past n. */
static int differs(int32_t n)
{
    int bad = memcmp(ref, got, (size_t)n) != 0;
    for (int32_t i = n; i < n + 64; ++i) {
        bad |= got[i] != 0x55;
    }
    return bad;
}

static int check_batch_matmul(void)
{
    int bad = 0;
    for (int trial = 0; trial < 1500; ++trial) {
        tslm_batch_matmul_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 9);
        p.cols = between(1, 9);
        p.depth = trial % 50 == 0 ? between(60, 200) : between(1, 26);
        const int adj_x = (int)(next() % 2), adj_y = (int)(next() % 2);
        p.lhs_row_stride = adj_x ? 1 : p.depth;
        p.lhs_depth_stride = adj_x ? p.rows : 1;
        p.rhs_depth_stride = adj_y ? 1 : p.cols;
        p.rhs_col_stride = adj_y ? p.depth : 1;
        const int32_t lsize = p.rows * p.depth, rsize = p.depth * p.cols;
        bmm_draw_batches(&p, lsize, rsize);
        const uint32_t which = next() % 8; /* the fast path's shifts, mostly; its edges; outside it */
        const int32_t shift = which < 5 ? between(-16, -6)
                              : (which == 5 ? between(-22, -1) : (which == 6 ? between(-31, -23) : between(0, 2)));
        bmm_draw_requant(&p, shift, 3);
        const int32_t n = p.batch_dims[2] * p.rows * p.cols;
        if (n > MAX_OUT || lsize * p.batch_dims[2] > (int32_t)sizeof(lhs) ||
            rsize * p.batch_dims[2] > (int32_t)sizeof(rhs) ||
            tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch)) {
            return 1; /* the check's own buffers are too small: a failure, not a skip */
        }
        const int narrow = (int)(next() % 4 == 0); /* values near the zero points: outputs inside the range */
        fill_s8(lhs, lsize * p.batch_dims[2], narrow);
        fill_s8(rhs, rsize * p.batch_dims[2], narrow);
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        tslm_batch_matmul_s8(&p, lhs, rhs, ref, NULL);
        tslm_dsp_batch_matmul_s8(&p, lhs, rhs, got, scratch);
        bad += differs(n);
        memset(got, 0x55, sizeof(got)); /* the attention entry (broadcast batches, 1..9 rows and columns) */
        tslm_dsp_batch_matmul_pairs_s8(&p, lhs, rhs, got, scratch);
        bad += differs(n);
    }
    return bad;
}

typedef void (*binary_fn)(const tslm_binary_params *, const int8_t *, const int8_t *, int8_t *);

static int check_binary_edges(void)
{
    const binary_fn portable[3] = {tslm_add_s8, tslm_sub_s8, tslm_mul_s8};
    const binary_fn dsp[3] = {tslm_dsp_add_s8, tslm_dsp_sub_s8, tslm_dsp_mul_s8};
    int bad = 0;
    for (int trial = 0; trial < 1500; ++trial) {
        tslm_binary_params p;
        memset(&p, 0, sizeof(p));
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
            p.dims[d] = 1;
        }
        p.dims[4] = between(1, 6);
        p.dims[5] = between(1, 70);
        const int op = (int)(next() % 3);
        /* input 1 steps along the run; input 2 steps too, is broadcast along the run, or repeats one run
         * across rows (a constant row vector: gamma, beta) */
        p.in1_strides[5] = 1;
        p.in1_strides[4] = p.dims[5];
        const int pat = (int)(next() % 3);
        p.in2_strides[5] = pat != 1;
        p.in2_strides[4] = pat == 0 ? p.dims[5] : (pat == 1 ? 1 : 0);
        if (next() % 2) { /* the same with the inputs swapped */
            int32_t t[TSLM_MAX_DIMS];
            memcpy(t, p.in1_strides, sizeof(t));
            memcpy(p.in1_strides, p.in2_strides, sizeof(t));
            memcpy(p.in2_strides, t, sizeof(t));
        }
        p.in1_offset = between(-127, 128);
        p.in2_offset = between(-127, 128);
        p.output_offset = between(-128, 127);
        p.output_multiplier = multiplier();
        if (op == 2) {
            p.output_shift = next() % 2 ? between(-26, -19) : between(-12, 15);
        } else {
            p.left_shift = 20;
            const int which = between(0, 2);
            p.in1_multiplier = which != 1 ? (1 << 30) : multiplier();
            p.in1_shift = which != 1 ? 0 : between(-31, -1);
            p.in2_multiplier = which != 0 ? (1 << 30) : multiplier();
            p.in2_shift = which != 0 ? 0 : between(-31, -1);
            p.output_shift = between(-26, -12);
        }
        p.act_min = -128;
        p.act_max = 127;
        if (next() % 4 == 0) {
            p.act_min = between(-128, 0);
            p.act_max = between(p.act_min, 127);
        }
        fill_s8(lhs, 512, 0);
        fill_s8(rhs, 512, 0);
        const int32_t n = p.dims[4] * p.dims[5];
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        portable[op](&p, lhs, rhs, ref);
        dsp[op](&p, lhs, rhs, got);
        bad += differs(n);
    }
    return bad;
}

static int check_softmax(void)
{
    static int32_t table[256], reversed[256], biased[256];
    static int16_t ref16[MAX_OUT + 64], got16[MAX_OUT + 64];
    int bad = 0;
    for (int trial = 0; trial < 600; ++trial) {
        /* TFLM's exp table: exp(-x * scale) in Q0.31 for x = 0..255, decreasing from 2^31 - 1 */
        const uint32_t step = (next() % 4 == 0) ? 1u + (next() % 16u) : 1u + (next() % 200000000u);
        uint64_t v = UINT64_C(0x7FFFFFFF);
        for (int i = 0; i < 256; ++i) {
            table[i] = (int32_t)v;
            v = v * (UINT64_C(0xFFFFFFFF) - step) >> 32;
        }
        for (int i = 0; i < 256; ++i) {
            reversed[i] = table[255 - i];
            biased[i] = (int32_t)((uint32_t)reversed[i] + 2048u); /* the compiler's table for the DSP kernel */
        }
        tslm_softmax_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 8);
        p.depth = between(1, 40);
        p.exp_table = table;
        const int32_t n = p.rows * p.depth;
        const int kind = (int)(next() % 4);
        for (int32_t i = 0; i < n; ++i) {
            lhs[i] = kind == 0 ? (int8_t)7 : (kind == 1 ? (int8_t)between(-3, 3) : (int8_t)(next() >> 24));
        }
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        /* the reference: the portable kernel on the table in any of its three forms; the DSP kernel: the
         * reversed table with 2^11 in each entry (the compiler's for it) every other trial, the plain and the
         * reversed one every fourth (its fallback, the portable kernel) */
        tslm_softmax_params q = p, b = p;
        q.exp_table = reversed;
        q.reversed = 1;
        b.exp_table = biased;
        b.reversed = 2;
        const tslm_softmax_params *pd = trial % 4 == 3 ? &p : (trial % 4 == 0 ? &q : &b);
        tslm_softmax_s8(trial % 3 == 0 ? &b : (trial % 2 ? &q : &p), lhs, ref);
        tslm_dsp_softmax_s8(pd, lhs, got);
        bad += differs(n);
        memset(ref16, 0, sizeof(ref16));
        for (int32_t i = 0; i < MAX_OUT + 64; ++i) {
            got16[i] = 0x5555;
        }
        tslm_softmax_s8_s16(trial % 3 == 1 ? &b : (trial % 2 ? &p : &q), lhs, ref16);
        tslm_dsp_softmax_s8_s16(pd, lhs, got16);
        bad += memcmp(ref16, got16, sizeof(int16_t) * (size_t)n) != 0;
        for (int32_t i = n; i < n + 64; ++i) {
            bad += got16[i] != 0x5555;
        }
    }
    return bad;
}

/* SOFTMAX rows at the int8 outputs' form edge (tslm_dsp_softmax.c picks FOLD or SAT at n = 23 from the scale
 * alone): the sum 2^19 + j for j = 0..2047 (the maximum's exp(0), 2^19 in the sum, and one element a step
 * below it whose entry j 2^12 adds j; every other entry 0), so the scale sweeps 2^31 - 1 down through
 * 2^31 - 2^22 (where the largest output stops saturating) in steps of about 2^12; each call three rows of
 * depths 2..10 (the maximum first, last, or alone with the zeros). */
static int check_softmax_forms(void)
{
    static int32_t table[256], biased[256];
    static int16_t ref16[64], got16[64];
    int bad = 0;
    for (int32_t j = 0; j < 2048; ++j) {
        memset(table, 0, sizeof(table));
        table[0] = INT32_C(0x7FFFFFFF);
        table[1] = j * 4096;
        for (int i = 0; i < 256; ++i) {
            biased[i] = (int32_t)((uint32_t)table[255 - i] + 2048u);
        }
        tslm_softmax_params p, b;
        memset(&p, 0, sizeof(p));
        p.rows = 3;
        p.depth = 2 + j % 9;
        p.exp_table = table;
        b = p;
        b.exp_table = biased;
        b.reversed = 2;
        const int8_t top = (int8_t)(j % 200 - 100);
        for (int32_t r = 0; r < 3; ++r) {
            int8_t *row = lhs + r * p.depth;
            for (int32_t c = 0; c < p.depth; ++c) {
                row[c] = (int8_t)(top - 2 - (int8_t)(c % 20));
            }
            if (r == 0) {
                row[0] = top;
                row[1] = (int8_t)(top - 1);
            } else if (r == 1) {
                row[p.depth - 1] = top;
                row[0] = (int8_t)(top - 1);
            } else {
                row[p.depth / 2] = top;
            }
        }
        const int32_t n = p.rows * p.depth;
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        tslm_softmax_s8(&p, lhs, ref);
        tslm_dsp_softmax_s8(&b, lhs, got);
        bad += differs(n);
        tslm_softmax_s8_s16(&p, lhs, ref16);
        tslm_dsp_softmax_s8_s16(&b, lhs, got16);
        bad += memcmp(ref16, got16, sizeof(int16_t) * (size_t)n) != 0;
    }
    return bad;
}

static int check_mean(void)
{
    static int32_t acc1[8], acc2[8];
    int bad = 0;
    for (int trial = 0; trial < 300; ++trial) {
        tslm_reduce_params p;
        memset(&p, 0, sizeof(p));
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
            p.dims[d] = 1;
        }
        p.dims[4] = between(1, 4);
        p.dims[5] = trial % 10 == 0 ? between(1000, 1400) : between(1, 70);
        p.out_strides[4] = 1; /* the innermost run reduced into one output per row */
        p.output_count = p.dims[4];
        p.reduce_count = p.dims[5];
        p.input_zero_point = between(-128, 127);
        p.output_zero_point = between(-128, 127);
        p.multiplier = multiplier();
        p.shift = next() % 8 == 0 ? between(-31, 2) : between(-12, 0);
        const int kind = (int)(next() % 3);
        for (int32_t i = 0; i < p.dims[4] * p.dims[5]; ++i) {
            lhs[i] = kind == 0 ? (int8_t)-128 : (kind == 1 ? (int8_t)127 : (int8_t)(next() >> 24));
        }
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        tslm_mean_s8(&p, lhs, ref, acc1);
        tslm_dsp_mean_s8(&p, lhs, got, acc2);
        bad += differs(p.output_count);
    }
    return bad;
}

int main(void)
{
    const int bm = check_batch_matmul(), bin = check_binary_edges(), sm = check_softmax(), mean = check_mean();
    const int forms = check_softmax_forms();
    return (bm | bin | sm | mean | forms) != 0;
}
