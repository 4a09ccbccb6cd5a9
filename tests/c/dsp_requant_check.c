/*
 * dsp_requant_check.c - the DSP kernels' fast requantization (SMMLAR form, in
 * Thumb-2 assembly on the target, in C on the host) against TFLM's two-step
 * reference (tslm_requantize) on edge cases and pseudo-random records within
 * the compiler's bound (|acc + bias| < 2^30). Exit code: 0 when every value
 * agrees, 1 otherwise.
 */
#include <stdint.h>

#include "tslm_dsp.h"

#define CHECK_RANDOM_SEED 2463534242u
#include "check_random.h"

static int check(int32_t acc, int32_t bias, int32_t mult, int32_t right, int32_t zp)
{
    const int32_t rq[4] = {2 * bias, mult, right, (int32_t)(UINT32_C(1) << (right - 1))};
    const int32_t ref = tslm_ssat8(tslm_requantize(acc + bias, mult, -right) + zp);
    int32_t a = acc, b = acc;
    tslm_dsp_requant2_fast(&a, &b, rq, zp);
    return ref != tslm_dsp_requant1_fast(acc, rq, zp) || ref != a || ref != b;
}

int main(void)
{
    int bad = 0;
    const int32_t mults[] = {1 << 30, (1 << 30) + 1, 1518500250, 2147483647};
    for (int32_t right = 1; right <= 31; ++right) {
        for (unsigned i = 0; i < sizeof(mults) / sizeof(mults[0]); ++i) {
            /* around the ties of the final rounding (with 2^30, SRDHM halves: k * 2^r lands on k * 2^(r-1)),
             * both signs, and the bound */
            for (int32_t k = -40; k <= 40; ++k) {
                const int64_t tie = (int64_t)k * ((int64_t)1 << right);
                for (int32_t d = -2; d <= 2; ++d) {
                    if (tie + d > -(INT64_C(1) << 30) && tie + d < (INT64_C(1) << 30)) {
                        bad += check((int32_t)(tie + d), 0, mults[i], right, 0);
                    }
                }
            }
            bad += check((1 << 30) - 1, 0, mults[i], right, -128);
            bad += check(-(1 << 30) + 1, 0, mults[i], right, 127);
        }
    }
    for (int n = 0; n < 200000; ++n) {
        const int32_t right = 1 + (int32_t)(next() % 31);
        const int32_t mult = (int32_t)((1u << 30) | (next() >> 2));
        const int32_t bias = (int32_t)(next() >> 12) - (1 << 19);
        const int32_t span = (int32_t)(1u << (next() % 30)); /* accumulators of every magnitude */
        const int32_t acc = (int32_t)(next() % (uint32_t)span) - span / 2;
        const int32_t zp = (int32_t)(next() % 256) - 128;
        bad += check(acc, bias, mult, right, zp);
    }
    return bad != 0;
}
