/*
 * mve_add_check.c - the Helium ADD/SUB's sixteen-lane residual path (helium/tslm_mve_binary.c, unit_row(): the
 * output at the larger input's scale, TFLM's output multiplier 2^30 and shift -18) against the portable kernels
 * (TFLM's arithmetic), on the Cortex-M55 (tests/test_mve_softmax_add.py). Every case is TFLM's int8 scheme
 * (left shift 20, the input at 1/2 drawn first or second) with that output requantization: ADD, SUB with either
 * input at 1/2 (SUB with input 2 at 1/2 is not the path's: the general table), calls of 1..2,000 elements (the
 * path from 512: below it the general loops), rows of 1..64 and their 16-lane tails, an input broadcast along the
 * rows, offsets over the whole range (some H out of the path's range: the general table), the other input at
 * exactly 1/4 or 1/8 of A's scale (x'(b) on a tie for half the bytes: the general table), activation ranges.
 * Every output byte must agree and nothing past it may be written. Prints how many cases the path's conditions
 * held for (no tie, H below 255, 512 elements or more; re-derived here in scalar arithmetic). Exit code 0 when
 * all agree.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_binary.h"
#include "tslm_mve_binary.h"

#define CHECK_RANDOM_SEED 3141592653u
#include "check_random.h"
#include "check_residual_add.h"
#include "check_say.h"

#define MAX_N 2048
static int8_t in1[MAX_N], in2[MAX_N], ref[MAX_N + 64], got[MAX_N + 64];

/* The path's conditions for these parameters (A = the input at 1/2): no x'(b) on a tie and every H < 255. */
static int eligible(const tslm_binary_params *p, int op)
{
    const int a1 = p->in1_multiplier == (1 << 30) && p->in1_shift == 0;
    if (op == 1 && !a1) {
        return 0;
    }
    for (int b = -128; b < 128; ++b) {
        const int32_t ra = a1 ? tslm_requantize(p->in1_offset * (1 << 20), p->in1_multiplier, p->in1_shift)
                              : tslm_requantize(p->in2_offset * (1 << 20), p->in2_multiplier, p->in2_shift);
        const int32_t rb = a1 ? tslm_requantize((b + p->in2_offset) * (1 << 20), p->in2_multiplier, p->in2_shift)
                              : tslm_requantize((b + p->in1_offset) * (1 << 20), p->in1_multiplier, p->in1_shift);
        const int32_t x = op == 1 ? ra - rb : ra + rb;
        const int32_t xp = tslm_srdhm(x, 1 << 30);
        if ((xp & 0x3FFFF) == 0x20000 || ((xp + 0x20000) >> 18) + p->output_offset >= 255) {
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    int bad = 0;
    int32_t taken = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        tslm_binary_params p;
        memset(&p, 0, sizeof(p));
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {
            p.dims[d] = 1;
        }
        const int shape = trial % 4;
        p.dims[4] = shape == 0 ? 1 : between(1, 40);
        p.dims[5] = shape == 0 ? between(1, 2000) : between(1, 64);
        const int32_t n = p.dims[4] * p.dims[5];
        if (n > MAX_N) {
            p.dims[4] = MAX_N / p.dims[5];
        }
        int a1;
        const int op = draw_residual_add(&p, shape, &a1);
        if (next() % 6 == 0) { /* the other input at 1/4 or 1/8 of A's scale exactly: x'(b) on a tie for many b */
            if (a1) {
                p.in2_multiplier = 1 << 30, p.in2_shift = between(-2, -1);
            } else {
                p.in1_multiplier = 1 << 30, p.in1_shift = between(-2, -1);
            }
        }
        p.output_multiplier = 1 << 30;
        p.output_shift = -18;
        p.act_min = -128;
        p.act_max = 127;
        if (next() % 4 == 0) {
            p.act_min = between(-128, 0);
            p.act_max = next() % 2 ? 127 : between(p.act_min, 127);
        }
        const int32_t total = p.dims[4] * p.dims[5];
        for (int i = 0; i < MAX_N; ++i) {
            in1[i] = (int8_t)(next() >> 24);
            in2[i] = (int8_t)(next() >> 24);
        }
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        (op ? tslm_sub_s8 : tslm_add_s8)(&p, in1, in2, ref);
        (op ? tslm_mve_sub_s8 : tslm_mve_add_s8)(&p, in1, in2, got);
        int wrong = memcmp(ref, got, (size_t)total) != 0;
        for (int32_t i = total; i < total + 64; ++i) {
            wrong |= got[i] != 0x55;
        }
        if (wrong && !bad) {
            say("first disagreement: trial", trial);
            say("elements", total);
        }
        bad += wrong;
        taken += total >= 512 && eligible(&p, op);
    }
    say("path", taken);
    if (!bad) {
        sh_write0("mve_add_check: all agree\n");
    }
    return bad != 0;
}
