/*
 * dsp_add_check.c - the DSP ADD/SUB's residual path at the larger input's scale (cortex_m_dsp/tslm_dsp_binary.c,
 * unit_path(): TFLM's output multiplier 2^30 and shift -18, out = clamp(a +- H[b]) four bytes per word) against
 * the portable kernels (TFLM's arithmetic), on the host and on the Cortex-M4 (tests/test_dsp_add.py). Every case
 * is TFLM's int8 scheme (left shift 20, the input A at 1/2 drawn first or second) with that output
 * requantization: ADD and SUB with either input at 1/2 (SUB with input 2 at 1/2: A subtracted, QSUB8), calls of
 * one run of 1..2,000 elements (2,000 exactly in some), rows of 1..40 in calls of 512 or more (every tail of
 * four and eight), an input broadcast along the rows, every start of the three arrays modulo 4 (unaligned
 * words), offsets over the whole range (H outside int8: lut_path()), the other input at exactly 1/4 or 1/8 of
 * A's scale (x' on a tie for many b: lut_path()) or at 1/2 too (lut_path()), the full range, fused relu ranges
 * [lo, 127] and two-sided ones. Every output byte must agree, and the 16 bytes either side of the output must
 * stay untouched. Prints how many cases the path's conditions held for (re-derived here from TFLM's arithmetic:
 * no tie, every H an int8, B not at 1/2, 512 elements or more) and the first disagreement. Exit code 0 when all
 * agree.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_binary.h"
#include "tslm_dsp_binary.h"

#define CHECK_RANDOM_SEED 2718281828u
#include "check_random.h"
#include "check_residual_add.h"

#if defined(__arm__)
#include "check_say.h"
#else
#include <stdio.h>
static void say(const char *what, int32_t n) { printf("%s %ld\n", what, (long)n); }
static void sh_write0(const char *s) { fputs(s, stdout); }
#endif

#define MAX_N 2048
#define GUARD 16
static int8_t in1[MAX_N + 4], in2[MAX_N + 4], ref[MAX_N + 2 * GUARD + 4], got[MAX_N + 2 * GUARD + 4];

static int half(int32_t m, int32_t s) { return m == (1 << 30) && s == 0; }

/* The path's conditions for these parameters: A = input 1 if at 1/2, else input 2; B not at 1/2; for every byte
 * of B, x' (the output's SRDHM at a = 0) off a tie and H an int8. */
static int eligible(const tslm_binary_params *p, int op)
{
    const int a1 = half(p->in1_multiplier, p->in1_shift);
    if (a1 ? half(p->in2_multiplier, p->in2_shift) : !half(p->in2_multiplier, p->in2_shift)) {
        return 0;
    }
    for (int b = -128; b < 128; ++b) {
        const int32_t v1 = a1 ? 0 : b, v2 = a1 ? b : 0; /* A at a = 0 */
        const int32_t r1 = tslm_requantize((v1 + p->in1_offset) * (1 << 20), p->in1_multiplier, p->in1_shift);
        const int32_t r2 = tslm_requantize((v2 + p->in2_offset) * (1 << 20), p->in2_multiplier, p->in2_shift);
        const int32_t xp = tslm_srdhm(op ? r1 - r2 : r1 + r2, 1 << 30);
        const int32_t hv = ((xp + 0x20000) >> 18) + p->output_offset;
        if ((xp & 0x3FFFF) == 0x20000 || hv < -128 || hv > 127) {
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    int bad = 0;
    int32_t taken = 0, taken_relu = 0, taken_sub2 = 0, taken_odd = 0;
    for (int trial = 0; trial < 2500; ++trial) {
        tslm_binary_params p;
        memset(&p, 0, sizeof(p));
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
            p.dims[d] = 1;
        }
        const int shape = trial % 4;
        if (shape == 0) { /* one run */
            p.dims[5] = next() % 4 == 0 ? 2000 : between(1, 2000);
        } else { /* rows of 1..40, mostly enough of them for the path */
            p.dims[5] = between(1, 40);
            p.dims[4] = next() % 8 == 0 ? between(1, 20) : (512 + p.dims[5] - 1) / p.dims[5] + between(0, 8);
        }
        int a1;
        const int op = draw_residual_add(&p, shape, &a1);
        const int kind = (int)(next() % 8);
        if (kind == 0) { /* the other input at 1/4 or 1/8 of A's scale exactly: x' on a tie for many b */
            if (a1) {
                p.in2_multiplier = 1 << 30, p.in2_shift = between(-2, -1);
            } else {
                p.in1_multiplier = 1 << 30, p.in1_shift = between(-2, -1);
            }
        } else if (kind == 1) { /* both at 1/2 */
            p.in1_multiplier = p.in2_multiplier = 1 << 30;
            p.in1_shift = p.in2_shift = 0;
        }
        p.output_multiplier = 1 << 30;
        p.output_shift = -18;
        p.act_min = -128;
        p.act_max = 127;
        const int act = (int)(next() % 4);
        if (act == 1) { /* a fused relu's range */
            p.act_min = between(-128, 20);
        } else if (act == 2) {
            p.act_min = between(-128, 0);
            p.act_max = between(p.act_min, 127);
        }
        const int32_t total = p.dims[4] * p.dims[5];
        const int k1 = (int)(next() % 4), k2 = (int)(next() % 4), ko = (int)(next() % 4); /* starts mod 4 */
        for (int i = 0; i < MAX_N + 4; ++i) {
            in1[i] = (int8_t)(next() >> 24);
            in2[i] = (int8_t)(next() >> 24);
        }
        memset(ref, 0x55, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        (op ? tslm_sub_s8 : tslm_add_s8)(&p, in1 + k1, in2 + k2, ref + GUARD + ko);
        (op ? tslm_dsp_sub_s8 : tslm_dsp_add_s8)(&p, in1 + k1, in2 + k2, got + GUARD + ko);
        const int wrong = memcmp(ref, got, sizeof(ref)) != 0; /* the output and the guard bytes either side */
        const int path = total >= 512 && eligible(&p, op);
        if (wrong && !bad) {
            say("first disagreement: trial", trial);
            say("elements", total);
            say("on the path", path);
        }
        bad += wrong;
        taken += path;
        taken_relu += path && act != 0;
        taken_sub2 += path && op == 1 && !a1;
        taken_odd += path && (k1 | k2 | ko) != 0 && total % 8 != 0;
    }
    say("path", taken);
    say("relu", taken_relu);
    say("sub2", taken_sub2);
    say("odd", taken_odd);
    if (!bad) {
        sh_write0("dsp_add_check: all agree\n");
    } else {
        say("disagreeing", bad);
    }
    return bad != 0;
}
