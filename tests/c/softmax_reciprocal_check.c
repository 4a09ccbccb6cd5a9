/* softmax_reciprocal_check.c - the Cortex-M DSP SOFTMAX's reciprocal of a row's sum (reciprocal() in
 * tslm_dsp_softmax.c: SMMULR, an unsigned product and QADD in place of TFLM's 64-bit SRDHM steps) against the
 * portable tslm_softmax_reciprocal(), scale and shift, on every sum a row of up to 2^12 elements can have
 * below 2^21 and on a spread of sums up to 2^31 - 1. Exit code: the number of differences (0: pass). Built
 * with -DCHECK_STRIDE=n to step more coarsely (the emulated Cortex-M4). */
#include "tslm_dsp_softmax.c"

#ifndef CHECK_STRIDE
#define CHECK_STRIDE 1
#endif

static int check(uint32_t sum)
{
    int32_t a = 0, b = 0;
    const int sa = reciprocal(sum, &a);
    const int sb = tslm_softmax_reciprocal(sum, &b);
    return a != b || sa != sb;
}

int main(void)
{
    int bad = 0;
    /* a row's sum is at least 2^19 (its maximum's exp(0)) */
    for (uint32_t s = UINT32_C(1) << 19; s < (UINT32_C(1) << 21); s += CHECK_STRIDE) {
        bad += check(s);
    }
    for (uint32_t s = UINT32_C(1) << 21; s < UINT32_C(0x7FFFFFFF) - 40000u * CHECK_STRIDE; s += 40009u * CHECK_STRIDE) {
        bad += check(s) + check(s + 1) + check(s - 1);
    }
    bad += check(UINT32_C(0x7FFFFFFF)) + check(UINT32_C(0x40000000)) + check(UINT32_C(0x3FFFFFFF));
    return bad > 255 ? 255 : bad;
}
