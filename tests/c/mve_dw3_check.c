/*
 * mve_dw3_check.c - the Helium depthwise kernels with the compiler's layout (tslm_mve_depthwise_conv_3x3_s8, the
 * dot-product entry, and tslm_mve_depthwise_conv_s8, the ring path, which the entry calls for what it does not take)
 * against the portable kernel, in QEMU on the Cortex-M55: random 3x3 layers at stride 1 and 2, SAME and VALID,
 * inputs 1..14 wide and high (output rows of one to seven pixel pairs, odd and even widths and heights, outputs
 * under 4x4), 1..40 channels (pairs of whole blocks, one whole block, a block of 1..7 left), in place at stride 1,
 * activation ranges with and without TFLM's fix for negative values, folded input offsets over the whole range; in a
 * third of the cases every input at -128 or 127 and every weight at -128, -127 or 127 (the dot products' and the
 * requantization's extremes), and other filters (the ring path's loops). Every output byte and the bytes around the
 * output are compared. Exit code 0: all agree, otherwise the first difference is printed.
 */
#include <stdint.h>
#include <string.h>

#include "semihost.h"
#include "tslm_mve_depthwise_conv.h"

#define CHECK_RANDOM_SEED 0x2545F491u
#include "check_random.h"
#include "check_say.h"
#include "check_mve_layout.h"

#ifndef CASES
#define CASES 500
#endif

#define GUARD 32
#define BUF (12288 + 2 * GUARD)
static int8_t in_a[BUF], out_a[BUF], out_b[BUF], wts[40 * 25];
static int32_t bias[64], mult[64], shft[64];
static int16_t lay_w[40 * 25 + 8 * 25];
static int32_t lay_rq[24 * 5];
static int8_t scratch[20000] __attribute__((aligned(16)));
static int32_t ran[3]; /* cases: the 3x3 entry at stride 1, at stride 2, other filters (the ring path) */

static int check(int32_t case_no)
{
    tslm_depthwise_conv_params p;
    memset(&p, 0, sizeof(p));
    p.batches = 1;
    p.input_c = p.output_c = between(1, 40);
    p.depth_multiplier = 1;
    const int other = next() % 6 == 0;
    p.filter_h = other ? between(1, 5) : 3;
    p.filter_w = other ? between(1, 4) : 3;
    p.stride_h = p.stride_w = between(1, 2);
    p.dilation_h = p.dilation_w = 1;
    p.input_h = between(1, 14);
    p.input_w = between(1, 14);
    const int same = next() % 4 != 0;
    p.pad_h = same ? (p.filter_h - 1) / 2 : 0;
    p.pad_w = same ? (p.filter_w - 1) / 2 : 0;
    if (p.input_h + 2 * p.pad_h < p.filter_h || p.input_w + 2 * p.pad_w < p.filter_w) {
        return 0;
    }
    p.output_h = (p.input_h + 2 * p.pad_h - p.filter_h) / p.stride_h + 1;
    p.output_w = (p.input_w + 2 * p.pad_w - p.filter_w) / p.stride_w + 1;
    const int in_place = p.stride_w == 1 && p.output_h == p.input_h && p.output_w == p.input_w && next() % 3 == 0;
    p.input_offset = between(-127, 128);
    p.output_offset = between(-128, 127);
    p.bias_folded = 1;
    p.act_min = next() % 2 ? -128 : between(-128, 20);
    if (next() % 3 == 0) { /* relu-like: the kernels' copies without TFLM's fix for negative values */
        if (next() % 2) { /* the zero point at -128: with act_max 127, the whole int8 range */
            p.output_offset = -128;
        }
        p.act_min = p.output_offset;
    }
    p.act_max = next() % 2 ? 127 : between(p.act_min, 127);
    const int32_t taps = p.filter_h * p.filter_w, ch = p.output_c;
    const int extreme = next() % 3 == 0;
    for (int32_t i = 0; i < ch; ++i) {
        mult[i] = multiplier();
        shft[i] = -between(0, 12);
        bias[i] = extreme && next() % 2 ? (next() % 2 ? 2000000 : -2000000) : (int32_t)(next() % 400001) - 200000;
    }
    const int32_t in_n = p.input_h * p.input_w * ch, out_n = p.output_h * p.output_w * ch;
    if (in_n > BUF - 2 * GUARD || out_n > BUF - 2 * GUARD) {
        return 0;
    }
    for (int32_t i = 0; i < taps * ch; ++i) {
        const uint32_t r = next();
        wts[i] = extreme ? (int8_t)(r % 3 == 0 ? -128 : r % 3 == 1 ? -127 : 127) : (int8_t)r;
    }
    for (int32_t i = 0; i < GUARD + in_n; ++i) {
        in_a[i] = extreme ? (next() % 2 ? 127 : -128) : (int8_t)next();
    }
    if (extreme && next() % 2) { /* the zero point at an end too */
        p.input_offset = next() % 2 ? 128 : -127;
    }
    if (!mve_dw_layout(lay_w, sizeof(lay_w), lay_rq, sizeof(lay_rq) / 4, wts, ch, taps, bias, mult, shft)) {
        say("layout buffers too small, case", case_no);
        return 1;
    }
    p.ring_w = (p.output_w - 1) * p.stride_w + p.filter_w;
    p.requant = lay_rq;
    p.requant_fast = 1;
    if (tslm_mve_depthwise_conv_3x3_s8_get_buffer_size(&p) > (int32_t)sizeof(scratch)) {
        return 0;
    }
    int8_t *a = out_a + GUARD, *b = out_b + GUARD;
    for (int32_t i = 0; i < BUF; ++i) {
        out_a[i] = out_b[i] = (int8_t)(i * 7 + 3);
    }
    /* reference: the portable kernel on the model's weights (bias with the input offset folded in, as the layout) */
    p.multiplier = mult, p.shift = shft, p.requant = NULL;
    tslm_depthwise_conv_s8(&p, in_a + GUARD, wts, bias, b, NULL);
    p.multiplier = NULL, p.shift = NULL, p.requant = lay_rq;
    if (in_place) {
        memcpy(a, in_a + GUARD, (size_t)in_n);
        tslm_mve_depthwise_conv_3x3_s8(&p, a, (const int8_t *)lay_w, NULL, a, scratch);
    } else {
        tslm_mve_depthwise_conv_3x3_s8(&p, in_a + GUARD, (const int8_t *)lay_w, NULL, a, scratch);
    }
    if (memcmp(out_a, out_b, (size_t)(out_n + 2 * GUARD)) != 0) {
        say("depthwise differs, case", case_no);
        say("channels", ch);
        say("filter h", p.filter_h);
        say("filter w", p.filter_w);
        say("stride", p.stride_w);
        say("input h", p.input_h);
        say("input w", p.input_w);
        say("in place", in_place);
        for (int32_t i = 0; i < out_n + 2 * GUARD; ++i) {
            if (out_a[i] != out_b[i]) {
                say("first differing byte (from the guard start)", i);
                say("mve", out_a[i]);
                say("portable", out_b[i]);
                break;
            }
        }
        return 1;
    }
    ran[other ? 2 : p.stride_w - 1]++;
    return 0;
}

int main(void)
{
    for (int32_t n = 0; n < CASES; ++n) {
        if (check(n)) {
            return 1;
        }
    }
    sh_write0("mve_dw3_check: all agree; cases per path:\n");
    for (int i = 0; i < 3; ++i) {
        say("path", ran[i]);
    }
    return 0;
}
