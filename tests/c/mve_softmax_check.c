/*
 * mve_softmax_check.c - the Helium SOFTMAX's reversed-table path (helium/tslm_mve_softmax.c, p->reversed: the
 * compiler's order; one tail-predicated loop per pass over a row) against the portable kernel (TFLM's
 * arithmetic, checked against TFLM by the op tests), on the Cortex-M55 (tests/test_mve_softmax_add.py):
 * every row length 1..48 (the tail of each pass: 1..15 bytes of the maximum's sixteen, 1..3 exps of four),
 * longer rows up to 2,000 (and one of 8,192), 1..9 rows (the four-row batches of reciprocals and their remainder), int8 and int16
 * outputs, exp tables as TFLM makes them (steep and flat), inputs all equal, close together, spread over the
 * whole int8 range or at its two ends (the gather's offsets -128 and 127), so that some rows put everything on
 * one value (an output of 2^bits before the clamp) and some round every output to the offset. Every output
 * value must agree and nothing past an output may be written. Exit code 0 when all agree; prints the number of
 * rows checked.
 */
#include <stdint.h>
#include <string.h>

#include "tslm_mve_softmax.h"
#include "tslm_softmax.h"

#define CHECK_RANDOM_SEED 1812433253u
#include "check_random.h"
#include "check_say.h"

#define MAX_N 8192
static int8_t in[MAX_N], ref[MAX_N + 64], got[MAX_N + 64];
static int16_t ref16[MAX_N + 64], got16[MAX_N + 64];
static int32_t table[256], reversed[256];

int main(void)
{
    int bad = 0;
    int32_t rows_checked = 0;
    for (int trial = 0; trial < 1202; ++trial) {
        /* TFLM's exp table: exp(-d * scale) in Q0.31 for d = 0..255, decreasing from 2^31 - 1 (0 past diff_min) */
        uint32_t step = (next() % 4 == 0) ? 1u + (next() % 16u) : 1u + (next() % 400000000u);
        step = trial >= 1200 ? 1u : step; /* the last two: a flat table */
        uint64_t v = UINT64_C(0x7FFFFFFF);
        for (int i = 0; i < 256; ++i) {
            table[i] = (int32_t)v;
            v = v * (UINT64_C(0xFFFFFFFF) - step) >> 32;
        }
        for (int i = 0; i < 256; ++i) {
            reversed[255 - i] = table[i];
        }
        tslm_softmax_params p;
        memset(&p, 0, sizeof(p));
        p.rows = between(1, 9);
        p.depth = trial < 480 ? 1 + trial % 48 : (trial % 10 == 0 ? between(49, 2000) : between(1, 64));
        if (trial >= 1200) { /* 2,000 equal inputs (a sum past 2^28: an int8 right shift past 31, every output
                              * the offset), then 8,192 (rows this long take the portable kernel) */
            p.rows = trial == 1200 ? 4 : 1;
            p.depth = trial == 1200 ? 2000 : MAX_N;
        }
        if (p.rows * p.depth > MAX_N) {
            p.rows = MAX_N / p.depth;
        }
        p.exp_table = reversed;
        p.reversed = 1;
        const int32_t n = p.rows * p.depth;
        const int kind = trial >= 1200 ? 0 : (int)(next() % 5);
        const int8_t c = (int8_t)(next() >> 24);
        for (int32_t i = 0; i < n; ++i) {
            in[i] = kind == 0   ? c
                    : kind == 1 ? (int8_t)between(-3, 3)
                    : kind == 2 ? (next() % 2 ? (int8_t)-128 : (int8_t)127)
                    : kind == 3 ? (next() % 16 ? (int8_t)-128 : (int8_t)between(-128, 127))
                                : (int8_t)(next() >> 24);
        }
        memset(ref, 0, sizeof(ref));
        memset(got, 0x55, sizeof(got));
        tslm_softmax_s8(&p, in, ref);
        tslm_mve_softmax_s8(&p, in, got);
        int wrong = memcmp(ref, got, (size_t)n) != 0;
        for (int32_t i = n; i < n + 64; ++i) {
            wrong |= got[i] != 0x55;
        }
        memset(ref16, 0, sizeof(ref16));
        for (int32_t i = 0; i < MAX_N + 64; ++i) {
            got16[i] = 0x5555;
        }
        tslm_softmax_s8_s16(&p, in, ref16);
        tslm_mve_softmax_s8_s16(&p, in, got16);
        wrong |= (memcmp(ref16, got16, sizeof(int16_t) * (size_t)n) != 0) << 1;
        for (int32_t i = n; i < n + 64; ++i) {
            wrong |= (got16[i] != 0x5555) << 1;
        }
        if (wrong && !bad) {
            say("first disagreement: trial", trial);
            say("rows", p.rows);
            say("depth", p.depth);
            say("int8 1, int16 2:", wrong);
        }
        bad += wrong != 0;
        rows_checked += p.rows;
    }
    say("rows", rows_checked);
    if (!bad) {
        sh_write0("mve_softmax_check: all agree\n");
    }
    return bad != 0;
}
