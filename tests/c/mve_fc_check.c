/*
 * mve_fc_check.c - the Helium FULLY_CONNECTED with the compiler's layout (tslm_mve_fully_connected_s8,
 * p->requant set) against the portable kernel, in QEMU on the Cortex-M55 (mps3-an547): random shapes of
 * 1-40 rows, depth 1-100 (every tail length, the two-row short path up to 64 and the general one past it),
 * 1-170 outputs (partial last groups), per-tensor and per-channel requantization with right shifts 0..-31
 * and multipliers up to 2^31 - 1, activation ranges (none, relu, relu6-like, random), zero points and
 * inputs at the extremes. Every output byte is compared and the bytes around the output must be
 * untouched. Exit code 0: all agree (and the count of cases that took the short path is printed).
 */
#include <stdint.h>
#include <string.h>

#include "semihost.h"
#include "tslm_fully_connected.h"
#include "tslm_mve_fully_connected.h"

#define CHECK_RANDOM_SEED 88172645u
#include "check_random.h"
#include "check_say.h"
#include "check_mve_layout.h"

#ifndef CASES
#define CASES 1500
#endif
#define GUARD 32
#define MAX_ROWS 40
#define MAX_DEPTH 100
#define MAX_OUT 170

#define MAX_STRIDE (MAX_DEPTH + 16)
static int8_t in[MAX_ROWS * MAX_STRIDE + GUARD], packed[MAX_ROWS * MAX_DEPTH + GUARD], copy_buf[2 * MAX_DEPTH];
static int8_t wts[MAX_OUT * MAX_DEPTH];
static int8_t lay_w[(MAX_OUT + 3) / 4 * 4 * ((MAX_DEPTH + 15) / 16 * 16)];
static int32_t lay_rq[(MAX_OUT + 3) / 4 * 12];
static int32_t bias[MAX_OUT], mult[MAX_OUT], shft[MAX_OUT];
static int8_t out_a[MAX_ROWS * MAX_OUT + 2 * GUARD], out_b[MAX_ROWS * MAX_OUT + 2 * GUARD];

static int8_t pick8(int extremes)
{
    if (extremes && next() % 3 == 0) {
        return next() % 2 ? (int8_t)-128 : (int8_t)127;
    }
    return (int8_t)next();
}

static int32_t short_path, strided_path, form_path;

/* The form entries (tslm_mve_fully_connected.h), [kind][C - 1], kind 0 g, 1 s, 2 r. */
typedef void fc_fn(const tslm_fully_connected_params *, const int8_t *, const int8_t *, const int32_t *, int8_t *,
                   int16_t *);
typedef void rows_fn(const tslm_fully_connected_params *, const int8_t *, int32_t, const int8_t *, int8_t *, int8_t *);
#define FORM_ROW(K, P)                                                                                                \
    {P##_##K##1, P##_##K##2, P##_##K##3, P##_##K##4, P##_##K##5, P##_##K##6}
#define tslm_mve_fully_connected_pairs_s8_r5 tslm_mve_fully_connected_pairs_s8_g5 /* (no relu form past 4 chunks) */
#define tslm_mve_fully_connected_pairs_s8_r6 tslm_mve_fully_connected_pairs_s8_g6
#define tslm_mve_fully_connected_pairs_rows_s8_r5 tslm_mve_fully_connected_pairs_rows_s8_g5
#define tslm_mve_fully_connected_pairs_rows_s8_r6 tslm_mve_fully_connected_pairs_rows_s8_g6
static fc_fn *const fc_forms[3][6] = {FORM_ROW(g, tslm_mve_fully_connected_pairs_s8),
                                      FORM_ROW(s, tslm_mve_fully_connected_pairs_s8),
                                      FORM_ROW(r, tslm_mve_fully_connected_pairs_s8)};
static rows_fn *const rows_forms[3][6] = {FORM_ROW(g, tslm_mve_fully_connected_pairs_rows_s8),
                                          FORM_ROW(s, tslm_mve_fully_connected_pairs_rows_s8),
                                          FORM_ROW(r, tslm_mve_fully_connected_pairs_rows_s8)};

/* The form kind helium_layout.fc_pairs_form chooses (-DWRONG_FORM: s for any layer without activation, whatever
 * its shifts: the check must then fail at -O2). */
static int form_kind(const tslm_fully_connected_params *p, int32_t n_q)
{
    if (p->act_min >= p->output_offset) {
        return 2;
    }
    int all_below = 1;
    for (int32_t i = 0; i < n_q; ++i) {
        all_below &= shft[i] <= -1;
    }
#ifdef WRONG_FORM
    all_below = 1;
#endif
    return p->act_min == -128 && p->act_max == 127 && all_below ? 1 : 0;
}

static int check(int32_t case_no)
{
    tslm_fully_connected_params p;
    memset(&p, 0, sizeof(p));
    p.batches = next() % 4 == 0 ? between(1, 3) : between(2, MAX_ROWS);
    p.accum_depth = next() % 4 == 0 ? between(65, MAX_DEPTH) : between(1, 64);
    p.output_depth = next() % 4 == 0 ? between(1, 9) : between(1, MAX_OUT);
    p.per_channel = (int32_t)(next() % 2);
    const int zp_kind = (int)(next() % 4);
    p.output_offset = zp_kind == 0 ? -128 : zp_kind == 1 ? 127 : between(-128, 127);
    switch (next() % 5) {
    case 0:
    case 1: p.act_min = -128, p.act_max = 127; break;               /* none */
    case 2: p.act_min = p.output_offset, p.act_max = 127; break;    /* relu */
    case 3: p.act_min = p.output_offset, p.act_max = p.output_offset + between(0, 127 - p.output_offset); break;
    default: p.act_min = between(-128, 0), p.act_max = between(p.act_min, 127); break;
    }
    const int32_t n_q = p.per_channel ? p.output_depth : 1;
    const int deep = next() % 4 == 0;
    for (int32_t i = 0; i < n_q; ++i) {
        const uint32_t m = next();
        mult[i] = m % 8 == 0 ? INT32_MAX : (int32_t)((1u << 30) | (m >> 2));
        shft[i] = next() % 8 == 0 ? 0 : deep ? between(-31, 0) : between(-12, -1);
    }
    const int big_bias = next() % 8 == 0;
    for (int32_t i = 0; i < p.output_depth; ++i) {
        bias[i] = big_bias ? (int32_t)(next() % 2000000001u) - 1000000000 : (int32_t)(next() % 200001) - 100000;
    }
    const int32_t *b = next() % 8 == 0 ? NULL : bias;
    p.multiplier = mult, p.shift = shft;
    const int ext = next() % 4 == 0;
    for (int32_t i = 0; i < p.output_depth * p.accum_depth; ++i) {
        wts[i] = pick8(ext);
        if (wts[i] == -128) {
            wts[i] = -127; /* symmetric weights, as TFLite makes them */
        }
    }
    /* rows input + b * stride for the strided entry (overlapping, one after another, or with gaps); the portable
     * kernel reads them packed */
    const int strided = next() % 3 == 0;
    const int32_t stride = !strided ? p.accum_depth : between(p.accum_depth > 16 ? p.accum_depth - 16 : 1,
                                                              p.accum_depth + 16);
    for (int32_t i = 0; i < (p.batches - 1) * stride + p.accum_depth + GUARD; ++i) {
        in[i] = pick8(ext);
    }
    for (int32_t b = 0; b < p.batches; ++b) {
        memcpy(packed + b * p.accum_depth, in + b * stride, (size_t)p.accum_depth);
    }
    const int32_t out_n = p.batches * p.output_depth;
    for (int32_t i = 0; i < out_n + 2 * GUARD; ++i) {
        out_a[i] = out_b[i] = (int8_t)next();
    }
    tslm_fully_connected_s8(&p, packed, wts, b, out_b + GUARD, NULL);
    if (!mve_gemm_layout(lay_w, sizeof(lay_w), lay_rq, sizeof(lay_rq) / 4, wts, p.output_depth, p.accum_depth, b,
                         mult, shft, p.per_channel)) {
        say("layout buffers too small, case", case_no);
        return 1;
    }
    p.requant = lay_rq;
    p.multiplier = NULL, p.shift = NULL;
    const int32_t chunks = (p.accum_depth + 15) / 16;
    const int form = case_no % 2 && chunks <= 6; /* the form entry the compiler would name */
    const int kind = form_kind(&p, n_q);
    form_path += form && p.output_depth >= 4 && p.batches >= 2;
    short_path += form && p.output_depth >= 4 && p.batches >= 2;
    if (form && strided) {
        rows_forms[kind][chunks - 1](&p, in, stride, lay_w, out_a + GUARD, next() % 2 ? copy_buf : NULL);
        strided_path += p.output_depth >= 4 && p.batches >= 2;
    } else if (form) {
        fc_forms[kind][chunks - 1](&p, packed, lay_w, NULL, out_a + GUARD, NULL);
    } else if (strided) { /* rows at any stride, through a copy of each pair or where they lie */
        tslm_mve_fully_connected_pairs_rows_s8(&p, in, stride, lay_w, out_a + GUARD, next() % 2 ? copy_buf : NULL);
        short_path += p.accum_depth <= 96 && p.output_depth >= 4 && p.batches >= 2;
        strided_path += p.accum_depth <= 96 && p.output_depth >= 4 && p.batches >= 2;
    } else if (next() % 8 == 0) {
        tslm_mve_fully_connected_s8(&p, packed, lay_w, NULL, out_a + GUARD, NULL); /* the general entry */
    } else {
        tslm_mve_fully_connected_pairs_s8(&p, packed, lay_w, NULL, out_a + GUARD, NULL); /* and its fallbacks */
        short_path += p.accum_depth <= 96 && p.output_depth >= 4 && p.batches >= 2;
    }
    if (memcmp(out_a, out_b, (size_t)(out_n + 2 * GUARD)) != 0) {
        say("fully connected (compiler layout) case", case_no);
        say("rows", p.batches);
        say("depth", p.accum_depth);
        say("outputs", p.output_depth);
        say("row stride (strided entry)", strided ? stride : 0);
        say("form entry (kind g 0, s 1, r 2; -1 none)", form ? kind : -1);
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
    return 0;
}

int main(void)
{
    for (int32_t n = 0; n < CASES; ++n) {
        if (check(n)) {
            return 1;
        }
    }
    sh_write0("mve_fc_check: all agree\n");
    say("short path", short_path);
    say("strided path", strided_path);
    say("form entries", form_path);
    return 0;
}
