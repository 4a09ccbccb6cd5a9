/*
 * mve_transformer_check.c - the Helium kernels a transformer spends its time in, against the portable ones
 * (TFLM's arithmetic, checked against TFLM by the op tests), on pseudo-random shapes and parameters, on the
 * Cortex-M55 (tests/test_helium.py):
 * - BATCH_MATMUL (helium/tslm_mve_batch_matmul.c): the dot products (depth >= 4: adj_y and depth x cols rhs,
 *   rows and columns 1..30, depths 1..70 and some longer, odd everything, broadcast batches, every zero point,
 *   left and right shifts) and the outer products (depth 1..3), adj_x (the portable kernel), fused activation
 *   ranges (the outer products); every shape through the pairs entry too (tslm_mve_batch_matmul_pairs_s8: its own
 *   path for depth 4..64 with a right shift and no activation, one to four 16-byte chunks, odd rows and columns,
 *   the operands' strides of folded head splits and merges; the general entry for the rest), at least 400 of
 *   them on its own path; 400 shapes for its column terms folded into the packed rhs (adj_y, depth <= 14,
 *   offsets up to and just past that path's bound); and 400 with a depth x cols rhs of heads side by side (an
 *   attention's V), all on its own path;
 * - SOFTMAX (helium/tslm_mve_softmax.c), reversed tables and plain ones (the portable fallback), int8 and int16
 *   outputs, rows of 1..40, rows whose values are all equal or spread over the whole int8 range;
 * - the fused LAYER_NORM (helium/tslm_mve_layer_norm.c): rows of 1..300, 0, 1 or 2 steps after the scale, the
 *   normalized values kept or not, random tables, multipliers, shifts and zero points inside its domain (the
 *   DSP kernel's) and outside it (output shifts past 22 or none, SUB/ADD inputs not at 1/2, activation
 *   clamps: the portable kernel).
 * Every output byte must agree and nothing past an output may be written. Exit code 0 when all agree.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_batch_matmul.h"
#include "tslm_layer_norm.h"
#include "tslm_mve_batch_matmul.h"
#include "tslm_mve_layer_norm.h"
#include "tslm_mve_softmax.h"
#include "tslm_softmax.h"

#define CHECK_RANDOM_SEED 2463534242u
#include "check_random.h"
#include "check_batch_matmul.h"

#define MAX_OUT 8192
static int8_t lhs[32768], rhs[32768], ref[MAX_OUT + 64], got[MAX_OUT + 64];
static int8_t ref2[MAX_OUT + 64], got2[MAX_OUT + 64];
static int32_t scratch[8192];

/* Outputs equal, and nothing written past n. */
static int differs(const int8_t *a, const int8_t *b, int32_t n)
{
    int bad = memcmp(a, b, (size_t)n) != 0;
    for (int32_t i = n; i < n + 64; ++i) {
        bad |= b[i] != 0x55;
    }
    return bad;
}

/* Whether the pairs entry runs p on its own path (its pairs() in C). */
static int pairs_path(const tslm_batch_matmul_params *p)
{
    return p->lhs_depth_stride == 1 && p->depth >= 4 && p->depth <= 64 && p->cols >= 4 &&
           (p->rhs_depth_stride == 1 || p->rhs_depth_stride <= 4369) && p->act_min == -128 && p->act_max == 127 &&
           p->shift <= -1 && (p->output_row_stride >= 1 || p->rows == 1) && p->output_row_stride <= 65532;
}

static int check_batch_matmul(void)
{
    int bad = 0, paired = 0;
    for (int trial = 0; trial < 1500; ++trial) {
        tslm_batch_matmul_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 30);
        p.cols = between(1, 30);
        p.depth = trial % 50 == 0 ? between(60, 200) : (trial % 5 == 0 ? between(1, 3) : between(1, 70));
        const int adj_x = next() % 8 == 0, adj_y = (int)(next() % 2);
        p.lhs_row_stride = adj_x ? 1 : p.depth;
        p.lhs_depth_stride = adj_x ? p.rows : 1;
        p.rhs_depth_stride = adj_y ? 1 : p.cols;
        p.rhs_col_stride = adj_y ? p.depth : 1;
        int32_t lsize = p.rows * p.depth, rsize = p.depth * p.cols;
        const int32_t heads = trial % 3 == 0 && p.depth <= 40 ? between(2, 3) : 1;
        if (heads > 1) { /* the operands as a folded head split's TRANSPOSE leaves them: rows (columns) of
                          * `heads` heads side by side; a depth x cols rhs every second byte of a row half the time */
            const int32_t gap = !adj_y && next() % 2 ? 2 : 1;
            if (!adj_x) {
                p.lhs_row_stride = heads * p.depth;
            }
            if (adj_y) {
                p.rhs_col_stride = heads * p.depth;
            } else {
                p.rhs_col_stride = gap;
                p.rhs_depth_stride = heads * gap * p.cols;
            }
            lsize *= heads;
            rsize *= heads * gap;
        }
        bmm_draw_batches(&p, lsize, rsize);
        const uint32_t which = next() % 8;
        bmm_draw_requant(&p, which < 3 ? between(-16, -6) : which < 6 ? between(-8, -1) : (which == 6 ? between(-31, -1) : between(0, 2)), 6);
        const int32_t n = p.batch_dims[2] * p.rows * p.cols;
        if (n > MAX_OUT || lsize * p.batch_dims[2] > (int32_t)sizeof(lhs) ||
            rsize * p.batch_dims[2] > (int32_t)sizeof(rhs) ||
            tslm_mve_batch_matmul_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch)) {
            return 1; /* the check's own buffers are too small: a failure, not a skip */
        }
        const int narrow = (int)(next() % 4 == 0); /* values near the zero points: outputs inside the range */
        fill_s8(lhs, lsize * p.batch_dims[2], narrow);
        fill_s8(rhs, rsize * p.batch_dims[2], narrow);
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        tslm_batch_matmul_s8(&p, lhs, rhs, ref, NULL);
        tslm_mve_batch_matmul_s8(&p, lhs, rhs, got, scratch);
        bad += differs(ref, got, n);
        memset(got2, 0x55, sizeof(got2));
        memset(scratch, 0x55, sizeof(scratch)); /* (the pairs path leaves some of it unwritten: never read) */
        tslm_mve_batch_matmul_pairs_s8(&p, lhs, rhs, got2, scratch);
        bad += differs(ref, got2, n);
        paired += pairs_path(&p);
    }
    return bad + (paired < 400);
}

/* The pairs entry's folded column terms (the speed build: adj_y, depth 4..14, columns in fours, |lhs_offset| 128 depth
 * + depth |lhs_offset rhs_offset| <= 16256): 400 such shapes, the offsets drawn up to that bound (the terms at its
 * ends with the whole int8 range) and a fifth just past it (the terms added as vectors). */
static int check_batch_matmul_folded(void)
{
    int bad = 0, folded = 0;
    for (int trial = 0; trial < 400; ++trial) {
        tslm_batch_matmul_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 30);
        p.cols = 4 * between(1, 8);
        p.depth = between(4, 14);
        const int32_t heads = between(1, 3);
        p.lhs_row_stride = heads * p.depth;
        p.lhs_depth_stride = 1;
        p.rhs_depth_stride = 1;
        p.rhs_col_stride = heads * p.depth;
        const int32_t lsize = p.rows * p.depth * heads, rsize = p.cols * p.depth * heads;
        bmm_draw_batches(&p, lsize, rsize);
        bmm_draw_requant(&p, between(-9, -1), 1000000);
        const int32_t b = between(-127, 128), amax = 16256 / (p.depth * (128 + (b < 0 ? -b : b)));
        int32_t a = between(-amax, amax);
        if (trial % 5 == 0) {
            a = next() % 2 ? amax + 1 : -amax - 1;
        } else if (trial % 5 == 1) {
            a = next() % 2 ? amax : -amax;
        }
        p.lhs_offset = a, p.rhs_offset = b;
        const int32_t n = p.batch_dims[2] * p.rows * p.cols;
        if (n > MAX_OUT || lsize * p.batch_dims[2] > (int32_t)sizeof(lhs) ||
            rsize * p.batch_dims[2] > (int32_t)sizeof(rhs) ||
            tslm_mve_batch_matmul_pairs_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch)) {
            return 1;
        }
        fill_s8(lhs, lsize * p.batch_dims[2], (int)(next() % 4 == 0));
        fill_s8(rhs, rsize * p.batch_dims[2], 0);
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        memset(scratch, 0x55, sizeof(scratch));
        tslm_batch_matmul_s8(&p, lhs, rhs, ref, NULL);
        tslm_mve_batch_matmul_pairs_s8(&p, lhs, rhs, got, scratch);
        bad += differs(ref, got, n);
        const int32_t aa = a < 0 ? -a : a, bb = b < 0 ? -b : b;
        folded += aa * 128 * p.depth + p.depth * aa * bb <= 16256;
    }
    return bad + (folded < 250);
}

/* The pairs entry's depth x cols rhs (an attention's weights times V, read through a head split's TRANSPOSE): 400
 * shapes of depth 4..64 (half of them 17..32: both rows' chunks held in registers),
 * 4..30 columns (whole groups in one packing loop, a partial last one, the last four columns, in a second turn:
 * fewer than 4 take the general entry, in check_batch_matmul), columns 1 or 2 bytes
 * apart and `heads` heads side by side, right shifts around the int16 path's bound (-7/-8), every one on the pairs
 * path. */
static int check_batch_matmul_strided(void)
{
    int bad = 0, paired = 0;
    for (int trial = 0; trial < 400; ++trial) {
        tslm_batch_matmul_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 30);
        p.cols = between(4, 30);
        p.depth = trial % 2 ? between(17, 32) : between(4, 64);
        const int32_t heads = between(1, 4), gap = trial % 4 == 3 && heads <= 2 ? 2 : 1;
        p.lhs_row_stride = p.depth;
        p.lhs_depth_stride = 1;
        p.rhs_col_stride = gap;
        p.rhs_depth_stride = heads * gap * p.cols;
        const int32_t lsize = p.rows * p.depth, rsize = p.depth * p.cols * heads * gap;
        bmm_draw_batches(&p, lsize, rsize);
        bmm_draw_requant(&p, trial % 3 ? between(-9, -6) : between(-16, -1), 1000000);
        const int32_t n = p.batch_dims[2] * p.rows * p.cols;
        if (n > MAX_OUT || lsize * p.batch_dims[2] > (int32_t)sizeof(lhs) ||
            rsize * p.batch_dims[2] > (int32_t)sizeof(rhs) ||
            tslm_mve_batch_matmul_pairs_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch)) {
            return 1;
        }
        fill_s8(lhs, lsize * p.batch_dims[2], (int)(next() % 4 == 0));
        fill_s8(rhs, rsize * p.batch_dims[2], (int)(next() % 4 == 0));
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        memset(scratch, 0x55, sizeof(scratch));
        tslm_batch_matmul_s8(&p, lhs, rhs, ref, NULL);
        tslm_mve_batch_matmul_pairs_s8(&p, lhs, rhs, got, scratch);
        bad += differs(ref, got, n);
        paired += pairs_path(&p);
    }
    return bad + (paired < 400);
}

static int check_softmax(void)
{
    static int32_t table[256], reversed[256];
    static int16_t ref16[MAX_OUT + 64], got16[MAX_OUT + 64];
    int bad = 0;
    for (int trial = 0; trial < 600; ++trial) {
        /* TFLM's exp table: exp(-x * scale) in Q0.31 for x = 0..255, decreasing from 2^31 - 1 */
        const uint32_t step = (next() % 4 == 0) ? 1u + (next() % 16u) : 1u + (next() % 200000000u);
        uint64_t v = UINT64_C(0x7FFFFFFF);
        for (int i = 0; i < 256; ++i) {
            table[i] = (int32_t)v;
            reversed[255 - i] = (int32_t)v;
            v = v * (UINT64_C(0xFFFFFFFF) - step) >> 32;
        }
        tslm_softmax_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 8);
        p.depth = between(1, 40);
        /* the compiler's order for Helium (reversed: the kernel's own path) in three trials of four; a plain
         * table takes the portable kernel */
        p.reversed = trial % 4 != 0;
        p.exp_table = p.reversed ? reversed : table;
        const int32_t n = p.rows * p.depth;
        const int kind = (int)(next() % 4);
        for (int32_t i = 0; i < n; ++i) {
            lhs[i] = kind == 0 ? (int8_t)7 : (kind == 1 ? (int8_t)between(-3, 3) : (int8_t)(next() >> 24));
        }
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        tslm_softmax_s8(&p, lhs, ref);
        tslm_mve_softmax_s8(&p, lhs, got);
        bad += differs(ref, got, n);
        memset(ref16, 0, sizeof(ref16));
        for (int32_t i = 0; i < MAX_OUT + 64; ++i) {
            got16[i] = 0x5555;
        }
        tslm_softmax_s8_s16(&p, lhs, ref16);
        tslm_mve_softmax_s8_s16(&p, lhs, got16);
        bad += memcmp(ref16, got16, sizeof(int16_t) * (size_t)n) != 0;
        for (int32_t i = n; i < n + 64; ++i) {
            bad += got16[i] != 0x5555;
        }
    }
    return bad;
}

static void row_reduce(tslm_reduce_params *r, int32_t cols)
{
    memset(r, 0, sizeof(*r));
    for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
        r->dims[d] = 1;
    }
    r->dims[TSLM_MAX_DIMS - 1] = cols;
    r->output_count = 1;
    r->reduce_count = cols;
    r->input_zero_point = between(-128, 127);
    r->output_zero_point = between(-128, 127);
    r->multiplier = multiplier();
    r->shift = next() % 8 == 0 ? between(-31, 2) : between(-12, 0) - (cols > 64) * 6;
}

/* One row's binary step: ADD/SUB (half: input 1 at 1/2 after a left shift of 20, mostly) or MUL; the other input
 * steps along the row (a constant row: gamma, beta) or is one value (the row's mean or scale). */
static void row_binary(tslm_binary_params *b, int32_t cols, int half, int other_steps)
{
    memset(b, 0, sizeof(*b));
    for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
        b->dims[d] = 1;
    }
    b->dims[TSLM_MAX_DIMS - 1] = cols;
    b->in1_strides[TSLM_MAX_DIMS - 1] = 1;
    b->in2_strides[TSLM_MAX_DIMS - 1] = other_steps;
    b->in1_offset = between(-127, 128);
    b->in2_offset = between(-127, 128);
    b->output_offset = between(-128, 127);
    b->output_multiplier = multiplier();
    const uint32_t out = next() % 16; /* inside the kernel's domain (right shifts 1..22) mostly */
    if (half) {
        b->left_shift = 20;
        b->in1_multiplier = next() % 12 == 0 ? multiplier() : (INT32_C(1) << 30);
        b->in1_shift = b->in1_multiplier == (INT32_C(1) << 30) ? 0 : between(-3, 0);
        b->in2_multiplier = multiplier();
        b->in2_shift = between(-8, 0);
        b->output_shift = out == 0 ? between(-26, -23) : between(-22, -12);
    } else {
        b->output_shift = out == 0 ? between(-26, 0) : between(-22, -1);
    }
    b->act_min = -128;
    b->act_max = 127;
    if (next() % 20 == 0) {
        b->act_min = between(-128, 0);
        b->act_max = between(b->act_min, 127);
    }
}

static int check_layer_norm(void)
{
    static int8_t square[256], scale_table[256], gamma[512], beta[512];
    int bad = 0;
    for (int trial = 0; trial < 800; ++trial) {
        tslm_layer_norm_params p;
        memset(&p, 0, sizeof(p));
        p.cols = trial % 20 == 0 ? between(100, 300) : between(1, 70);
        p.rows = between(1, 6);
        p.steps = between(0, 2);
        row_reduce(&p.mean, p.cols);
        row_reduce(&p.var, p.cols);
        row_binary(&p.sub, p.cols, 1, 0);
        row_binary(&p.scale, p.cols, 0, 0);
        if (p.steps >= 1) {
            row_binary(&p.gamma, p.cols, 0, 1);
        }
        if (p.steps == 2) {
            row_binary(&p.beta, p.cols, 1, 1);
        }
        fill_s8(square, 256, 0);
        fill_s8(scale_table, 256, 0);
        fill_s8(gamma, p.cols, 0);
        fill_s8(beta, p.cols, 0);
        p.square = square;
        p.scale_table = scale_table;
        const int32_t n = p.rows * p.cols;
        const int keep = p.steps >= 1 && next() % 2;
        if (n > MAX_OUT || tslm_mve_layer_norm_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch)) {
            return 1;
        }
        fill_s8(lhs, n, (int)(next() % 4 == 0));
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        memset(ref2, 0, sizeof(ref2));
        memset(got2, 0x55, sizeof(got2));
        tslm_layer_norm_s8(&p, lhs, p.steps >= 1 ? gamma : NULL, p.steps == 2 ? beta : NULL, keep ? ref2 : NULL, ref,
                           scratch);
        tslm_mve_layer_norm_s8(&p, lhs, p.steps >= 1 ? gamma : NULL, p.steps == 2 ? beta : NULL, keep ? got2 : NULL,
                               got, scratch);
        bad += differs(ref, got, n);
        if (keep) {
            bad += differs(ref2, got2, n);
        }
    }
    return bad;
}

int main(void)
{
    const int bm = check_batch_matmul() + check_batch_matmul_folded() + check_batch_matmul_strided(), sm = check_softmax(), ln = check_layer_norm();
    return (bm != 0) | (sm != 0) << 1 | (ln != 0) << 2;
}
