/*
 * pool_check.c - the pooling kernels of a target against the portable ones (tslm_pooling.c, checked against TFLM by
 * the op tests) on pseudo-random geometries: batches 1..2, 1..40 channels, images 1..12 square or not, windows
 * 1..5 (larger than the image too), strides 1..3, every padding up to the window's (asymmetric: the SAME padding's
 * odd total puts the extra row at the end), fused activation ranges (some the type's whole range), inputs at the
 * extremes; every output value compared and the guard bytes around the output checked untouched; the input ends
 * where its buffer ends, and under ASan lies in a block of its own (nothing read before or past it).
 * The DSP kernels (cortex_m_dsp/tslm_dsp_pooling.c): tslm_dsp_max_pool_s8 / _s16, their window shapes' entries
 * (tslm_dsp_max_pool_2x2_s8, ...), tslm_dsp_max_pool_narrow_s8 and tslm_dsp_avg_pool_small_s8; with -DPOOL_MVE the Helium ones
 * (helium/tslm_mve_pooling.c): tslm_mve_max_pool_s8, its shapes' entries, tslm_mve_max_pool_s16 and
 * tslm_mve_avg_pool_small_s8.
 * Exit code: 0 when every byte agrees, 1 otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tslm_pooling.h"
typedef void (*max_s8_fn)(const tslm_pool_params *, const int8_t *, int8_t *);
typedef void (*max_s16_fn)(const tslm_pool_params *, const int16_t *, int16_t *);
/* the entries as the compiler picks them: a window of R x C up to 3x3 its shape's, [(R - 1) * 3 + C - 1] */
#define SHAPES(P, T) {P##1x1_##T, P##1x2_##T, P##1x3_##T, P##2x1_##T, P##2x2_##T, P##2x3_##T, P##3x1_##T, P##3x2_##T, P##3x3_##T}
#if defined(POOL_MVE)
#include "tslm_mve_pooling.h"
static const max_s8_fn shape_s8[9] = SHAPES(tslm_mve_max_pool_, s8);
#define MAX_S8 tslm_mve_max_pool_s8
#define MAX_S16 tslm_mve_max_pool_s16
#define AVG_S8 tslm_mve_avg_pool_small_s8
#else
#include "tslm_dsp_pooling.h"
static const max_s8_fn shape_s8[9] = SHAPES(tslm_dsp_max_pool_, s8);
static const max_s16_fn shape_s16[9] = SHAPES(tslm_dsp_max_pool_, s16);
#define MAX_S8 tslm_dsp_max_pool_s8
#define MAX_S16 tslm_dsp_max_pool_s16
#define AVG_S8 tslm_dsp_avg_pool_small_s8
#endif

#define CHECK_RANDOM_SEED 2463534242u
#include "check_random.h"

#define GUARD 16
#define BUF 16384 /* bytes */

static union { /* (int16 aligned) */
    int16_t h[BUF / 2];
    int8_t b[BUF];
} in_u, out_au, out_bu;
#define in in_u.b
#define out_a out_au.b
#define out_b out_bu.b

/* a geometry the compiler could give: every window holds an in-image value */
static int geometry(tslm_pool_params *p)
{
    memset(p, 0, sizeof(*p));
    p->batches = between(1, 2);
    p->channels = between(1, 40);
    p->input_h = between(1, 12), p->input_w = next() % 3 == 0 ? 1 : between(1, 12);
    p->filter_h = between(1, 5), p->filter_w = between(1, 5);
    p->stride_h = between(1, 3), p->stride_w = between(1, 3);
    if (next() % 2) { /* SAME: ceil(in / stride) outputs, the padding's odd half at the end */
        p->output_h = (p->input_h + p->stride_h - 1) / p->stride_h;
        p->output_w = (p->input_w + p->stride_w - 1) / p->stride_w;
        const int32_t th = (p->output_h - 1) * p->stride_h + p->filter_h - p->input_h;
        const int32_t tw = (p->output_w - 1) * p->stride_w + p->filter_w - p->input_w;
        p->pad_h = th > 0 ? th / 2 : 0, p->pad_w = tw > 0 ? tw / 2 : 0;
    } else { /* VALID */
        p->output_h = (p->input_h - p->filter_h) / p->stride_h + 1;
        p->output_w = (p->input_w - p->filter_w) / p->stride_w + 1;
        if (p->input_h < p->filter_h || p->input_w < p->filter_w) {
            return 0;
        }
    }
    for (int32_t o = 0; o < p->output_h; ++o) {
        if (o * p->stride_h - p->pad_h >= p->input_h) {
            return 0;
        }
    }
    for (int32_t o = 0; o < p->output_w; ++o) {
        if (o * p->stride_w - p->pad_w >= p->input_w) {
            return 0;
        }
    }
    return 1;
}

static void act_range(tslm_pool_params *p, int32_t lo, int32_t hi)
{
    p->act_min = lo, p->act_max = hi;
    if (next() % 2) { /* relu / relu6-like: a zero point and a top */
        p->act_min = between(lo, lo / 2);
        p->act_max = next() % 2 ? hi : between(hi / 2, hi);
    }
}

static int compare(const char *what, int32_t bytes, int32_t trial)
{
    if (memcmp(out_a, out_b, (size_t)(bytes + 2 * GUARD)) != 0) {
        (void)what, (void)trial;
        return 1;
    }
    return 0;
}

int main(void)
{
    int ran[3] = {0, 0, 0};
    for (int32_t trial = 0; trial < 4000; ++trial) {
        tslm_pool_params p;
        if (!geometry(&p)) {
            continue;
        }
        const int kind = (int)(next() % 3); /* max int8, max int16, avg int8 */
        const int32_t e = kind == 1 ? 2 : 1;
        const int32_t in_n = p.batches * p.input_h * p.input_w * p.channels * e;
        const int32_t out_n = p.batches * p.output_h * p.output_w * p.channels * e;
        if (in_n > BUF || out_n > BUF - 2 * GUARD) {
            continue;
        }
        for (int32_t i = 0; i < BUF; ++i) {
            in[i] = (int8_t)next();
            out_a[i] = out_b[i] = (int8_t)(0x5A ^ i);
        }
        if (next() % 8 == 0) { /* all at an extreme: the sums' and the max's edges */
            memset(in, next() % 2 ? 0x80 : 0x7F, BUF);
            if (e == 2) {
                for (int32_t i = 0; i < BUF; i += 2) { /* int16 -32768 or 32767 */
                    in[i] = (int8_t)(in[i] == (int8_t)0x80 ? 0 : 0xFF);
                }
            }
        }
        ++ran[kind];
        /* the input at the buffer's end: a read past it is out of bounds; under ASan a copy in a block of its
         * own size, so that a read before it is too */
        const int8_t *x = in + BUF - in_n;
#if defined(__SANITIZE_ADDRESS__)
        int8_t *own = malloc((size_t)in_n);
        memcpy(own, x, (size_t)in_n);
        x = own;
#endif
        const int shaped = p.filter_h <= 3 && p.filter_w <= 3 && next() % 4 != 0; /* (else: the generic entry) */
        const int32_t shape = (p.filter_h - 1) * 3 + p.filter_w - 1;
        if (kind == 0) {
            act_range(&p, -128, 127);
#if defined(POOL_MVE)
            (shaped ? shape_s8[shape] : MAX_S8)(&p, x, out_a + GUARD);
#else /* (as the compiler picks: 1..3 channels the narrow entry) */
            (p.channels < 4 ? tslm_dsp_max_pool_narrow_s8 : shaped ? shape_s8[shape] : MAX_S8)(&p, x, out_a + GUARD);
#endif
            tslm_max_pool_s8(&p, x, out_b + GUARD);
        } else if (kind == 1) {
            act_range(&p, -32768, 32767);
            int16_t *a = (int16_t *)(void *)(out_a + GUARD), *b = (int16_t *)(void *)(out_b + GUARD);
#if defined(POOL_MVE)
            MAX_S16(&p, (const int16_t *)(const void *)x, a);
#else
            (shaped ? shape_s16[shape] : MAX_S16)(&p, (const int16_t *)(const void *)x, a);
#endif
            tslm_max_pool_s16(&p, (const int16_t *)(const void *)x, b);
        } else {
            act_range(&p, -128, 127);
            AVG_S8(&p, x, out_a + GUARD);
            tslm_avg_pool_s8(&p, x, out_b + GUARD);
        }
#if defined(__SANITIZE_ADDRESS__)
        free(own);
#endif
        if (compare("pool", out_n, trial)) {
            return 1;
        }
    }
    return ran[0] > 100 && ran[1] > 100 && ran[2] > 100 ? 0 : 1;
}
