/*
 * mve_check.c - the Helium kernels (firmware/kernels/helium/) against the portable ones, in QEMU on
 * the Cortex-M55 (mps3-an547): TFLM's requantization on vector lanes (tslm_mve_requant) against
 * tslm_requantize on the rounding ties of every shift and on random values, then CONV_2D,
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED on random shapes and parameters (padding, strides,
 * dilations, folded and unfolded input offsets, in place, activation ranges, tails of every
 * length, and the cases that fall back to the portable kernel). Every byte of every output is
 * compared, and the bytes around the output must be untouched. Exit code 0: all agree;
 * otherwise the first disagreement is printed (semihosting) and the exit code is 1.
 */
#include <stdint.h>
#include <string.h>

#include "semihost.h"
#include "tslm_mve.h"
#include "tslm_mve_conv.h"
#include "tslm_mve_depthwise_conv.h"
#include "tslm_mve_fully_connected.h"
#include "tslm_mve_pooling.h"

#define CHECK_RANDOM_SEED 2463534242u
#include "check_random.h"
#include "check_say.h"
#include "check_mve_layout.h"

#ifndef CASES
#define CASES 400
#endif

/* cases run per path: conv, conv in place, conv with the compiler's layout, depthwise, depthwise in place,
 * depthwise with the layout, fully connected, fully connected with the layout, average pool */
static int32_t ran[9];

static void fill8(int8_t *v, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        v[i] = (int8_t)next();
    }
}

/* ---- requantization ---- */

static int requant_lanes(const int32_t x[4], const int32_t m[4], const int32_t s[4])
{
    int32_t got[4], got_r[4];
    const int32x4_t xv = vldrwq_s32(x), mv = vldrwq_s32(m), sv = vldrwq_s32(s);
    vstrwq_s32(got, tslm_mve_requant(xv, mv, sv));
    vstrwq_s32(got_r, tslm_mve_requant_right(xv, mv, sv));
    int bad = 0;
    for (int i = 0; i < 4; ++i) {
        const int32_t ref = tslm_requantize(x[i], m[i], s[i]);
        bad |= got[i] != ref;
        bad |= s[i] <= 0 && got_r[i] != ref;
    }
    if (bad) {
        say("requant x", x[0]);
        say("m", m[0]);
        say("s", s[0]);
    }
    return bad;
}

static int check_requant(void)
{
    int bad = 0;
    const int32_t mults[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, 2147483647};
    for (int32_t shift = -31; shift <= 30; ++shift) {
        for (unsigned i = 0; i < sizeof(mults) / sizeof(mults[0]); ++i) {
            /* x near the values whose product lands on a rounding tie: (k * 2^(r-1+31)) / m, both signs */
            for (int32_t k = -24; k <= 24; ++k) {
                int32_t x[4], m[4], s[4];
                for (int j = 0; j < 4; ++j) {
                    const int32_t r = shift < 0 ? -shift : 0;
                    int64_t target = (int64_t)k << (r + 30 < 62 ? r + 30 : 62);
                    int64_t xv = mults[i] ? target / (mults[i] ? mults[i] : 1) : k;
                    xv += j - 2;
                    if (shift > 0) {
                        xv >>= shift; /* stays a tie candidate after the left shift, or wraps as TFLM wraps */
                    }
                    xv = xv > INT32_MAX ? INT32_MAX : (xv < INT32_MIN ? INT32_MIN : xv);
                    x[j] = (int32_t)xv, m[j] = mults[i], s[j] = shift;
                }
                bad += requant_lanes(x, m, s);
            }
            const int32_t ends[4] = {INT32_MIN, INT32_MAX, -1, 1};
            const int32_t m4[4] = {mults[i], mults[i], mults[i], mults[i]}, s4[4] = {shift, shift, shift, shift};
            bad += requant_lanes(ends, m4, s4);
        }
    }
    for (int n = 0; n < 100000; ++n) { /* random values, four different channels per vector */
        int32_t x[4], m[4], s[4];
        for (int j = 0; j < 4; ++j) {
            const int32_t span = (int32_t)(1u << (next() % 31));
            x[j] = (int32_t)(next() % (uint32_t)span) - span / 2;
            if (next() % 16 == 0) {
                x[j] = (int32_t)next();
            }
            m[j] = (int32_t)((1u << 30) | (next() >> 2));
            s[j] = next() % 8 == 0 ? between(0, 30) : between(-31, -1);
        }
        bad += requant_lanes(x, m, s);
        if (bad) {
            return bad;
        }
    }
    return bad;
}

/* ---- kernels ---- */

#define GUARD 32
#define BUF (16384 + 2 * GUARD)
static int8_t in_a[BUF], in_b[BUF], out_a[BUF], out_b[BUF], wts[16384];
static int32_t bias[256], mult[256], shft[256];
static int16_t scratch_a[8192], scratch_b[8192];

/* The compiler's Helium layouts (tslm_mve.h, tslm_mve_depthwise_conv.c), built here the way
 * tinyslm/compiler/helium_layout.py builds them. */
static int8_t lay_w[32768];
static int32_t lay_rq[4096];

static int right_only(const int32_t *shift, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        if (shift[i] > 0) {
            return 0;
        }
    }
    return 1;
}

/* The compiler's layouts of `w` (check_mve_layout.h) into this check's buffers. */
static int gemm_layout(const int8_t *w, int32_t n_out, int32_t depth, const int32_t *b, int per_channel)
{
    return mve_gemm_layout(lay_w, sizeof(lay_w), lay_rq, sizeof(lay_rq) / 4, w, n_out, depth, b, mult, shft,
                           per_channel);
}

static int dw_layout(const int8_t *w, int32_t ch, int32_t taps, const int32_t *b)
{
    return mve_dw_layout((int16_t *)(void *)lay_w, sizeof(lay_w), lay_rq, sizeof(lay_rq) / 4, w, ch, taps, b, mult,
                         shft);
}

static void random_requant(int32_t n)
{
    const int deep = next() % 4 == 0;
    for (int32_t i = 0; i < n; ++i) {
        mult[i] = (int32_t)((1u << 30) | (next() >> 2));
        shft[i] = deep ? between(-31, 2) : between(-12, next() % 16 == 0 ? 1 : -1);
        bias[i] = (int32_t)(next() % 200001) - 100000;
    }
}

static void act_range(int32_t *lo, int32_t *hi)
{
    *lo = next() % 2 ? -128 : between(-128, 20);
    *hi = next() % 2 ? 127 : between(*lo, 127);
}

static int compare(const char *what, int32_t n, int32_t case_no)
{
    if (memcmp(out_a, out_b, (size_t)(n + 2 * GUARD)) != 0) {
        say(what, case_no);
        for (int32_t i = 0; i < n + 2 * GUARD; ++i) {
            if (out_a[i] != out_b[i]) {
                say("first differing byte (from the guard start)", i);
                say("mve", out_a[i]);
                say("portable", out_b[i]);
                break;
            }
        }
        return 1;
    }
    return 0;
}

static int check_conv(int32_t case_no)
{
    tslm_conv_params p;
    memset(&p, 0, sizeof(p));
    const int kind = (int)(next() % 4); /* 0: 1x1, 1: general, 2: K x 1 over a width-1 input, 3: grouped */
    p.batches = between(1, 2);
    p.input_c = between(1, 48);
    p.filter_c = p.input_c;
    if (kind == 3 && p.input_c % 2 == 0) {
        p.filter_c = p.input_c / 2;
    }
    p.output_c = between(1, 24);
    if (kind == 3 && p.filter_c != p.input_c) {
        p.output_c = 2 * between(1, 8);
    }
    p.filter_h = kind == 0 ? 1 : between(1, 5);
    p.filter_w = kind == 0 || kind == 2 ? 1 : between(1, 4);
    p.input_h = between(p.filter_h, 10);
    p.input_w = kind == 2 ? 1 : between(p.filter_w, 8);
    p.stride_h = between(1, 3), p.stride_w = between(1, 3);
    p.dilation_h = kind == 1 && next() % 4 == 0 ? 2 : 1;
    p.dilation_w = kind == 1 && next() % 4 == 0 ? 2 : 1;
    const int32_t eff_h = p.dilation_h * (p.filter_h - 1) + 1, eff_w = p.dilation_w * (p.filter_w - 1) + 1;
    p.pad_h = next() % 2 ? between(0, eff_h - 1) : 0;
    p.pad_w = next() % 2 ? between(0, eff_w - 1) : 0;
    p.output_h = (p.input_h + 2 * p.pad_h - eff_h) / p.stride_h + 1;
    p.output_w = (p.input_w + 2 * p.pad_w - eff_w) / p.stride_w + 1;
    if (p.output_h < 1 || p.output_w < 1) {
        return 0;
    }
    p.input_offset = between(-127, 128);
    p.output_offset = between(-128, 127);
    p.bias_folded = (int32_t)(next() % 2);
    if (next() % 8 == 0) {
        p.input_offset = 0;
    }
    p.in_place = kind == 0 && next() % 2;
    if (p.in_place) { /* 1x1, stride 1, outputs no wider than inputs */
        p.stride_h = p.stride_w = 1;
        p.output_h = p.input_h, p.output_w = p.input_w;
        p.output_c = p.output_c < p.input_c ? p.output_c : p.input_c;
    }
    act_range(&p.act_min, &p.act_max);
    random_requant(p.output_c);
    p.multiplier = mult, p.shift = shft;
    const int32_t in_n = p.batches * p.input_h * p.input_w * p.input_c;
    const int32_t out_n = p.batches * p.output_h * p.output_w * p.output_c;
    const int32_t w_n = p.output_c * p.filter_h * p.filter_w * p.filter_c;
    if (in_n + out_n > BUF - 2 * GUARD || w_n > (int32_t)sizeof(wts)) {
        return 0;
    }
    fill8(wts, w_n);
    const int32_t *b = next() % 8 == 0 ? NULL : bias;
    fill8(out_a, BUF);
    memcpy(out_b, out_a, BUF);
    fill8(in_a + GUARD, in_n);
    if (p.in_place) {
        memcpy(out_a + GUARD, in_a + GUARD, (size_t)in_n);
        memcpy(out_b + GUARD, in_a + GUARD, (size_t)in_n);
        tslm_mve_conv_s8(&p, out_a + GUARD, wts, b, out_a + GUARD, scratch_a);
        tslm_conv_s8(&p, out_b + GUARD, wts, b, out_b + GUARD, scratch_b);
        ran[1]++;
        if (compare("conv (in place) case", in_n, case_no)) {
            return 1;
        }
        if ((p.bias_folded || p.input_offset == 0) && right_only(shft, p.output_c) &&
            gemm_layout(wts, p.output_c, p.input_c, b, 1)) {
            p.requant = lay_rq;
            ran[2]++;
            memcpy(out_a + GUARD, in_a + GUARD, (size_t)in_n);
            tslm_mve_conv_s8(&p, out_a + GUARD, lay_w, NULL, out_a + GUARD, scratch_a);
            return compare("conv (in place, compiler layout) case", in_n, case_no);
        }
        return 0;
    }
    memcpy(in_b, in_a, BUF);
    tslm_mve_conv_s8(&p, in_a + GUARD, wts, b, out_a + GUARD, scratch_a);
    tslm_conv_s8(&p, in_b + GUARD, wts, b, out_b + GUARD, scratch_b);
    ran[0]++;
    if (compare("conv case", out_n, case_no) || memcmp(in_a, in_b, BUF) != 0) {
        return 1;
    }
    /* the compiler's layout: folded bias (or no input offset), right shifts, groups 1 */
    if (p.filter_c == p.input_c && (p.bias_folded || p.input_offset == 0) && right_only(shft, p.output_c) &&
        gemm_layout(wts, p.output_c, p.filter_h * p.filter_w * p.filter_c, b, 1)) {
        p.requant = lay_rq;
        ran[2]++;
        memset(out_a + GUARD, 0x55, (size_t)out_n);
        tslm_mve_conv_s8(&p, in_a + GUARD, lay_w, NULL, out_a + GUARD, scratch_a);
        return compare("conv (compiler layout) case", out_n, case_no);
    }
    return 0;
}

static int check_depthwise(int32_t case_no)
{
    tslm_depthwise_conv_params p;
    memset(&p, 0, sizeof(p));
    p.batches = between(1, 2);
    p.input_c = between(1, 40);
    p.depth_multiplier = next() % 8 == 0 ? 2 : 1;
    p.output_c = p.input_c * p.depth_multiplier;
    p.filter_h = between(1, 5);
    p.filter_w = next() % 4 == 0 ? 1 : between(1, 4);
    if (next() % 3 == 0) { /* 3x3: the kernel's assembly paths (one and two pixels at a time) */
        p.filter_h = p.filter_w = 3;
    }
    p.input_h = between(1, 10);
    p.input_w = p.filter_w == 1 && next() % 2 ? 1 : between(1, 8);
    p.stride_h = between(1, 2), p.stride_w = between(1, 2);
    p.dilation_h = next() % 4 == 0 ? 2 : 1;
    p.dilation_w = next() % 4 == 0 ? 2 : 1;
    const int32_t eff_h = p.dilation_h * (p.filter_h - 1) + 1, eff_w = p.dilation_w * (p.filter_w - 1) + 1;
    p.pad_h = between(0, eff_h - 1), p.pad_w = between(0, eff_w - 1);
    const int in_place = p.depth_multiplier == 1 && next() % 3 == 0;
    if (in_place) { /* same shape: stride 1, "same" padding of an odd window */
        p.stride_h = p.stride_w = 1;
        p.filter_h |= 1, p.filter_w |= 1;
        p.pad_h = p.dilation_h * (p.filter_h - 1) / 2, p.pad_w = p.dilation_w * (p.filter_w - 1) / 2;
    }
    const int32_t eh = p.dilation_h * (p.filter_h - 1) + 1, ew = p.dilation_w * (p.filter_w - 1) + 1;
    p.output_h = (p.input_h + 2 * p.pad_h - eh) / p.stride_h + 1;
    p.output_w = (p.input_w + 2 * p.pad_w - ew) / p.stride_w + 1;
    if (p.output_h < 1 || p.output_w < 1) {
        return 0;
    }
    p.cache_rows = in_place ? p.pad_h + 1 : 0;
    p.input_offset = next() % 8 == 0 ? 0 : between(-127, 128);
    p.output_offset = between(-128, 127);
    p.bias_folded = (int32_t)(next() % 2);
    act_range(&p.act_min, &p.act_max);
    random_requant(p.output_c);
    p.multiplier = mult, p.shift = shft;
    const int32_t in_n = p.batches * p.input_h * p.input_w * p.input_c;
    const int32_t out_n = p.batches * p.output_h * p.output_w * p.output_c;
    const int32_t w_n = p.filter_h * p.filter_w * p.output_c;
    if (in_n + out_n > BUF - 2 * GUARD || (int32_t)sizeof(scratch_a) < p.cache_rows * p.input_w * p.input_c) {
        return 0;
    }
    fill8(wts, w_n);
    const int32_t *b = next() % 8 == 0 ? NULL : bias;
    /* the layout path's ring of input rows: filter span rows of ring_w columns (from -pad_w), 8-channel blocks */
    const int32_t ring_w = (p.output_w - 1) * p.stride_w + (p.filter_w - 1) * p.dilation_w + 1;
    const int layout_ok = p.depth_multiplier == 1 && (p.bias_folded || p.input_offset == 0) &&
                          right_only(shft, p.output_c) && p.filter_h <= 16 &&
                          eh * ring_w * 8 * ((p.output_c + 7) / 8) <= (int32_t)sizeof(scratch_a);
    fill8(out_a, BUF);
    memcpy(out_b, out_a, BUF);
    fill8(in_a + GUARD, in_n);
    if (in_place) {
        memcpy(out_a + GUARD, in_a + GUARD, (size_t)in_n);
        memcpy(out_b + GUARD, in_a + GUARD, (size_t)in_n);
        tslm_mve_depthwise_conv_s8(&p, out_a + GUARD, wts, b, out_a + GUARD, (int8_t *)scratch_a);
        tslm_depthwise_conv_s8(&p, out_b + GUARD, wts, b, out_b + GUARD, (int8_t *)scratch_b);
        ran[4]++;
        if (compare("depthwise (in place) case", in_n, case_no)) {
            return 1;
        }
        if (layout_ok && dw_layout(wts, p.output_c, p.filter_h * p.filter_w, b)) {
            p.requant = lay_rq;
            p.ring_w = ring_w;
            ran[5]++;
            memcpy(out_a + GUARD, in_a + GUARD, (size_t)in_n);
            tslm_mve_depthwise_conv_s8(&p, out_a + GUARD, lay_w, NULL, out_a + GUARD, (int8_t *)scratch_a);
            return compare("depthwise (in place, compiler layout) case", in_n, case_no);
        }
        return 0;
    }
    memcpy(in_b, in_a, BUF);
    tslm_mve_depthwise_conv_s8(&p, in_a + GUARD, wts, b, out_a + GUARD, NULL);
    tslm_depthwise_conv_s8(&p, in_b + GUARD, wts, b, out_b + GUARD, NULL);
    ran[3]++;
    if (compare("depthwise case", out_n, case_no) || memcmp(in_a, in_b, BUF) != 0) {
        return 1;
    }
    if (layout_ok && dw_layout(wts, p.output_c, p.filter_h * p.filter_w, b)) {
        p.requant = lay_rq;
        p.ring_w = ring_w;
        ran[5]++;
        memset(out_a + GUARD, 0x55, (size_t)out_n);
        tslm_mve_depthwise_conv_s8(&p, in_a + GUARD, lay_w, NULL, out_a + GUARD, (int8_t *)scratch_a);
        return compare("depthwise (compiler layout) case", out_n, case_no);
    }
    return 0;
}

static int check_fc(int32_t case_no)
{
    tslm_fully_connected_params p;
    memset(&p, 0, sizeof(p));
    p.batches = between(1, 4);
    p.accum_depth = next() % 4 == 0 ? between(1, 20) : between(1, 400);
    p.output_depth = between(1, 40);
    p.input_offset = next() % 2 ? 0 : between(-127, 128);
    p.filter_offset = next() % 8 == 0 ? between(-127, 128) : 0;
    p.output_offset = between(-128, 127);
    p.per_channel = (int32_t)(next() % 2);
    act_range(&p.act_min, &p.act_max);
    random_requant(p.output_depth);
    p.multiplier = mult, p.shift = shft;
    const int32_t in_n = p.batches * p.accum_depth, out_n = p.batches * p.output_depth;
    if (in_n > BUF - 2 * GUARD || p.output_depth * p.accum_depth > (int32_t)sizeof(wts)) {
        return 0;
    }
    fill8(wts, p.output_depth * p.accum_depth);
    const int32_t *b = next() % 8 == 0 ? NULL : bias;
    fill8(out_a, BUF);
    memcpy(out_b, out_a, BUF);
    fill8(in_a, BUF);
    tslm_mve_fully_connected_s8(&p, in_a + GUARD, wts, b, out_a + GUARD, NULL);
    tslm_fully_connected_s8(&p, in_a + GUARD, wts, b, out_b + GUARD, NULL);
    ran[6]++;
    if (compare("fully connected case", out_n, case_no)) {
        return 1;
    }
    if (p.input_offset == 0 && p.filter_offset == 0 && right_only(shft, p.per_channel ? p.output_depth : 1) &&
        gemm_layout(wts, p.output_depth, p.accum_depth, b, p.per_channel)) {
        p.requant = lay_rq;
        ran[7]++;
        memset(out_a + GUARD, 0x55, (size_t)out_n);
        tslm_mve_fully_connected_s8(&p, in_a + GUARD, lay_w, NULL, out_a + GUARD, NULL);
        return compare("fully connected (compiler layout) case", out_n, case_no);
    }
    return 0;
}

static int check_avg_pool(int32_t case_no)
{
    tslm_pool_params p;
    memset(&p, 0, sizeof(p));
    p.batches = between(1, 2);
    p.channels = between(1, 70);
    p.input_h = between(1, 12), p.input_w = between(1, 12);
    const int global = next() % 4 == 0;
    p.filter_h = global ? p.input_h : between(1, 4);
    p.filter_w = global ? p.input_w : between(1, 4);
    if (next() % 16 == 0) { /* a window of more than 256 values: the portable kernel */
        p.input_h = p.filter_h = 17, p.input_w = p.filter_w = 16, p.channels = between(1, 9);
    }
    p.stride_h = between(1, 3), p.stride_w = between(1, 3);
    p.pad_h = next() % 2 ? between(0, p.filter_h - 1) : 0;
    p.pad_w = next() % 2 ? between(0, p.filter_w - 1) : 0;
    p.output_h = (p.input_h + 2 * p.pad_h - p.filter_h) / p.stride_h + 1;
    p.output_w = (p.input_w + 2 * p.pad_w - p.filter_w) / p.stride_w + 1;
    if (p.output_h < 1 || p.output_w < 1 || p.input_h < p.filter_h - p.pad_h || p.input_w < p.filter_w - p.pad_w) {
        return 0;
    }
    act_range(&p.act_min, &p.act_max);
    const int32_t in_n = p.batches * p.input_h * p.input_w * p.channels;
    const int32_t out_n = p.batches * p.output_h * p.output_w * p.channels;
    if (in_n > BUF - 2 * GUARD || out_n > BUF - 2 * GUARD) {
        return 0;
    }
    fill8(out_a, BUF);
    memcpy(out_b, out_a, BUF);
    fill8(in_a, BUF);
    if (next() % 4 == 0) { /* sums at the int16 limits */
        memset(in_a, next() % 2 ? 0x80 : 0x7F, BUF);
    }
    ran[8]++;
    tslm_mve_avg_pool_s8(&p, in_a + GUARD, out_a + GUARD);
    tslm_avg_pool_s8(&p, in_a + GUARD, out_b + GUARD);
    return compare("average pool case", out_n, case_no);
}

int main(void)
{
    if (check_requant()) {
        return 1;
    }
    for (int32_t n = 0; n < CASES; ++n) {
        if (check_conv(n) || check_depthwise(n) || check_fc(n) || check_avg_pool(n)) {
            return 1;
        }
    }
    sh_write0("mve_check: all agree; cases per path:\n");
    for (int i = 0; i < 9; ++i) {
        say("path", ran[i]);
    }
    return 0;
}
