/*
 * dsp_terms_up_check.c - the DSP ADD/SUB entries with the compiler's half-up terms (tslm_dsp_add_terms_up_s8,
 * tslm_dsp_sub_terms_up_s8) against the portable kernels (TFLM's arithmetic) on all 65,536 input pairs of every case
 * in terms_up_cases.h (written by tests/test_dsp_terms_up.py: the parameters, ADD or SUB, and
 * ops.elementwise.residual_terms_up's table): per b one call of 256 elements with a = -128..127 (each input as A in
 * turn), then one of 253 from the fourth (the single-element lead-in). Prints "terms_up_check: all agree" or the first
 * disagreement; exits 0 when all agree. Built with -DTERMS_UP_MVE: the Helium entries (tslm_mve_add_terms_up_s8,
 * tslm_mve_sub_terms_up_s8) with ops.elementwise.residual_terms_up_mve's tables (tests/test_mve_terms_up.py).
 */
#include <stdint.h>
#include <string.h>

#include "tslm_binary.h"
#if defined(TERMS_UP_MVE)
#include "tslm_mve_binary.h"
#define TERMS_UP_ADD tslm_mve_add_terms_up_s8
#define TERMS_UP_SUB tslm_mve_sub_terms_up_s8
#else
#include "tslm_dsp_binary.h"
#define TERMS_UP_ADD tslm_dsp_add_terms_up_s8
#define TERMS_UP_SUB tslm_dsp_sub_terms_up_s8
#endif

#include "terms_up_cases.h"

#if defined(__arm__)
#include "check_say.h"
#else
#include <stdio.h>
static void say(const char *what, int32_t n) { printf("%s %ld\n", what, (long)n); }
static void sh_write0(const char *s) { fputs(s, stdout); }
#endif

static int8_t in1[256], in2[256], ours[256], ref[256];

static int one(const tslm_binary_params *c, const int32_t *terms, const int sub, const int b, const int a_first,
               const int32_t start)
{
    tslm_binary_params p = *c;
    const int32_t n = 256 - start;
    for (int i = 0; i < TSLM_MAX_DIMS; ++i) {
        p.dims[i] = 1;
        p.in1_strides[i] = 0;
        p.in2_strides[i] = 0;
    }
    p.dims[5] = n;
    p.in1_strides[5] = 1;
    p.in2_strides[5] = 1;
    for (int32_t i = 0; i < 256; ++i) {
        in1[i] = (int8_t)(a_first ? i - 128 : b);
        in2[i] = (int8_t)(a_first ? b : i - 128);
    }
    memset(ours, 0x55, sizeof ours);
    if (sub) {
        TERMS_UP_SUB(&p, in1 + start, in2 + start, ours, terms);
        tslm_sub_s8(&p, in1 + start, in2 + start, ref);
    } else {
        TERMS_UP_ADD(&p, in1 + start, in2 + start, ours, terms);
        tslm_add_s8(&p, in1 + start, in2 + start, ref);
    }
    return memcmp(ours, ref, (size_t)n) != 0;
}

int main(void)
{
    int32_t checked = 0;
    for (int c = 0; c < N_CASES; ++c) {
        for (int b = -128; b < 128; ++b) {
            for (int a_first = 0; a_first < 2; ++a_first) {
                for (int32_t start = 0; start < 4; start += 3) {
                    if (one(&CASES[c], TERMS[c], SUBS[c], b, a_first, start)) {
                        say("terms_up_check: differ in case", c);
                        say("b", b);
                        say("a_first", a_first);
                        say("start", start);
                        return 1;
                    }
                    ++checked;
                }
            }
        }
    }
    say("calls", checked);
    sh_write0("terms_up_check: all agree\n");
    return 0;
}
