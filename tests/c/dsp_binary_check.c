/*
 * dsp_binary_check.c - the DSP elementwise kernels (cortex_m_dsp/tslm_dsp_binary.c,
 * tslm_dsp_*; with -DBINARY_MVE the Helium ones, helium/tslm_mve_binary.c) against the portable ones (TFLM's
 * arithmetic, checked against TFLM by the op tests), on pseudo-random shapes,
 * broadcast patterns and parameters: TFLM's int8 ADD/SUB scheme (left shift
 * 20, one input at multiplier 1/2), other shifts and multipliers, fused
 * activation ranges, and all four ops, so every path of the DSP file (the
 * half-multiplier loops, the general SMMLAR loops, the table of a residual
 * add's second input from 512 elements, the generic fallback) runs.
 * Exit code: 0 when every output byte agrees, 1 otherwise.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_binary.h"
#if defined(BINARY_MVE) /* the Helium kernels (tests/test_helium.py), on the Cortex-M55 */
#include "tslm_mve_binary.h"
#define KERNEL(op) tslm_mve_##op
#else
#include "tslm_dsp_binary.h"
#define KERNEL(op) tslm_dsp_##op
#endif


#define MAX_N 2048 /* elements of the largest case (up to 5 x 400) */

typedef void (*kernel_fn)(const tslm_binary_params *, const int8_t *, const int8_t *, int8_t *);

#define CHECK_RANDOM_SEED 88172645u
#include "check_random.h"

/* The last two dimensions used (d4 x d5), each input contiguous, or broadcast along either or both. */
static void strides(const tslm_binary_params *p, int32_t *s, int pattern)
{
    memset(s, 0, sizeof(int32_t) * TSLM_MAX_DIMS);
    const int along4 = pattern & 1, along5 = pattern & 2;
    s[5] = along5 ? 1 : 0;
    s[4] = along4 ? (along5 ? p->dims[5] : 1) : 0;
}

int main(void)
{
    static int8_t in1[MAX_N], in2[MAX_N], ref[MAX_N], got[MAX_N];
    const kernel_fn portable[4] = {tslm_add_s8, tslm_sub_s8, tslm_mul_s8, tslm_squared_difference_s8};
    const kernel_fn dsp[4] = {KERNEL(add_s8), KERNEL(sub_s8), KERNEL(mul_s8), KERNEL(squared_difference_s8)};
    int bad = 0;
    for (int trial = 0; trial < 6000; ++trial) {
        tslm_binary_params p;
        memset(&p, 0, sizeof(p));
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
            p.dims[d] = 1;
        }
        const int big = trial % 5 == 0; /* a call long enough for the residual add's table */
        p.dims[4] = between(1, 5);
        p.dims[5] = big ? between(100, 400) : between(1, 40);
        const int op = (int)(next() % 4);
        /* never both broadcast along the same dimension: the compiler collapses those away */
        int pat1 = between(0, 3), pat2 = between(0, 3);
        pat2 |= (~pat1) & 3;
        if (next() % 2) {
            const int t = pat1;
            pat1 = pat2;
            pat2 = t;
        }
        strides(&p, p.in1_strides, pat1);
        strides(&p, p.in2_strides, pat2);
        p.in1_offset = between(-127, 128);
        p.in2_offset = between(-127, 128);
        p.output_offset = between(-128, 127);
        const int scheme = (int)(next() % 4);
        if (op == 2) { /* MUL: one multiplier, usually a right shift */
            p.output_multiplier = multiplier();
            p.output_shift = scheme == 0 ? between(0, 16) : between(-20, -1); /* left: 15, 16 are generic */
        } else if (scheme < 3) { /* TFLM's int8 scheme: left shift 20, the larger scale at 1/2 */
            p.left_shift = 20;
            const int which = between(0, 2); /* 0: input 1 at 1/2, 1: input 2, 2: both */
            p.in1_multiplier = which != 1 ? (1 << 30) : multiplier();
            p.in1_shift = which != 1 ? 0 : between(-8, -1);
            p.in2_multiplier = which != 0 ? (1 << 30) : multiplier();
            p.in2_shift = which != 0 ? 0 : between(-8, -1);
            p.output_multiplier = multiplier();
            p.output_shift = op == 3 ? between(-31, -8) : between(-22, -14);
        } else { /* other left shifts and input shifts (reach the general and generic loops) */
            p.left_shift = between(0, 22);
            p.in1_multiplier = multiplier();
            p.in1_shift = between(-4, 0);
            p.in2_multiplier = multiplier();
            p.in2_shift = between(-4, 0);
            p.output_multiplier = multiplier();
            p.output_shift = between(-(p.left_shift + 8), 0);
        }
        p.act_min = -128;
        p.act_max = 127;
        if (next() % 4 == 0) {
            p.act_min = between(-128, 0);
            p.act_max = next() % 2 ? 127 : between(p.act_min, 127); /* 127: a fused relu's range */
        }
        for (int i = 0; i < MAX_N; ++i) {
            in1[i] = (int8_t)(next() >> 24);
            in2[i] = (int8_t)(next() >> 24);
        }
        const int n = (int)(p.dims[4] * p.dims[5]);
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        portable[op](&p, in1, in2, ref);
        dsp[op](&p, in1, in2, got);
        bad += memcmp(ref, got, (size_t)n) != 0;
        for (int i = n; i < MAX_N; ++i) {
            bad += got[i] != 0x55; /* nothing written past the output */
        }
    }
    return bad != 0;
}
