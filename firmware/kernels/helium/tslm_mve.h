/*
 * tslm_mve.h - what the Helium (M-profile Vector Extension, Cortex-M55/M85) kernels share:
 * TFLM's requantization on four int32 lanes, bit for bit; a dot-product row kernel
 * (VMLADAVA.S8: 16 int8 MACs per instruction) with the requantizing epilogue; copies.
 *
 * Requantization (TFLM's MultiplyByQuantizedMultiplier, shift in [-31, 30]):
 *   x <<= max(shift, 0)                      VSHL: wraps like TFLM's x * (1 << left)
 *   x = VQRDMULH(x, m)                       = floor((x * m + 2^30) / 2^31), saturating the one
 *                                              overflow (INT32_MIN * INT32_MIN) as SRDHM does; for
 *                                              a negative product TFLM's nudge 1 - 2^30 and its
 *                                              truncating division give the same floor
 *   x += (x & -r) >> 31                      -1 for a negative x when r = -min(shift, 0) > 0
 *   x = VRSHL(x, -r)                         floor((x + 2^(r-1)) / 2^r); with the -1 above this is
 *                                              RoundingDivideByPOT's round half away from zero
 * Checked against tslm_requantize() on every right shift's ties and random values (tests/c/mve_check.c).
 */
#ifndef TSLM_MVE_H
#define TSLM_MVE_H

#if !defined(__ARM_FEATURE_MVE)
#error "the helium target's kernels need a CPU with Helium (MVE), e.g. -mcpu=cortex-m55 -mfloat-abi=hard; on the host use --target cortex-m-dsp or portable"
#endif
#if !defined(__OPTIMIZE__)
#error "the helium target's kernels need optimization (-Og, -O1 or more): at -O0 GCC finds no registers for their inline assembly; for a debug build at -O0 use --target portable"
#endif
#include <arm_mve.h>

#include "tslm_common.h"

/* TFLM's requantization of four lanes, each with its own multiplier and shift. */
TSLM_ALWAYS_INLINE int32x4_t tslm_mve_requant(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
    const int32x4_t zero = vdupq_n_s32(0);
    x = vshlq_s32(x, vmaxq_s32(shift, zero));
    x = vqrdmulhq_s32(x, mult);
    const int32x4_t right = vminq_s32(shift, zero);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
    return vrshlq_s32(x, right);
}

/* The same for shifts known to be right shifts (shift <= 0 in every lane): no left shift. */
TSLM_ALWAYS_INLINE int32x4_t tslm_mve_requant_right(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
    x = vqrdmulhq_s32(x, mult);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, shift), 31));
    return vrshlq_s32(x, shift);
}

/* Requantized lanes + zero point, clamped, stored as int8 (lanes where p holds). */
TSLM_ALWAYS_INLINE void tslm_mve_out4(int8_t *out, int32x4_t acc, int32x4_t mult, int32x4_t shift, int right_only,
                                      int32_t zp, int32_t lo, int32_t hi, mve_pred16_t p)
{
    int32x4_t v = right_only ? tslm_mve_requant_right(acc, mult, shift) : tslm_mve_requant(acc, mult, shift);
    v = vaddq_n_s32(v, zp);
    v = vmaxq_s32(v, vdupq_n_s32(lo));
    v = vminq_s32(v, vdupq_n_s32(hi));
    if (p == 0xFFFF) {
        vstrbq_s32(out, v);
    } else {
        vstrbq_p_s32(out, v, p);
    }
}

/* 1 when every one of the n shifts is a right shift (<= 0). */
static inline int tslm_mve_right_only(const int32_t *shift, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        if (shift[i] > 0) {
            return 0;
        }
    }
    return 1;
}

/* dst[0..n) = src[0..n) */
static inline void tslm_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vstrbq_s8(dst + i, vldrbq_s8(src + i));
    }
    if (i < n) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        vstrbq_p_s8(dst + i, vldrbq_z_s8(src + i, p), p);
    }
}

/* dst[0..n) = v */
static inline void tslm_mve_fill(int8_t *dst, int8_t v, int32_t n)
{
    const int8x16_t d = vdupq_n_s8(v);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vstrbq_s8(dst + i, d);
    }
    if (i < n) {
        vstrbq_p_s8(dst + i, d, vctp8q((uint32_t)(n - i)));
    }
}

/* What the row kernel needs besides the operands. */
typedef struct {
    const int32_t *bias;       /* per output (NULL: none) */
    const int32_t *multiplier; /* per output, or one for all when per_channel is 0 */
    const int32_t *shift;
    int32_t per_channel;
    int32_t right_only;        /* every shift <= 0 */
    int32_t input_offset;      /* added to every x (0 when the compiler folded it into the bias) */
    int32_t output_offset, act_min, act_max;
} tslm_mve_epilogue;

/*
 * a[k] += sum over n16 * 16 bytes of x[d] * w_k[d], k = 0..3: per 16 bytes one load of x, one of each
 * row and four VMLADAVA.S8 (10 instructions per 64 MACs with the loop's LE). In assembly: in C, GCC
 * keeps too few of the five pointers in registers. Pointers are advanced past what was read.
 */
TSLM_ALWAYS_INLINE void tslm_mve_dot4(const int8_t **x, const int8_t **w0, const int8_t **w1, const int8_t **w2,
                                      const int8_t **w3, int32_t n16, int32_t a[4])
{
    const int8_t *px = *x, *p0 = *w0, *p1 = *w1, *p2 = *w2, *p3 = *w3;
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    register int32_t n __asm__("lr") = n16;
    __asm__ volatile("wls lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[x]], #16\n\t"
                     "vldrb.8 q1, [%[w0]], #16\n\t"
                     "vmladava.s8 %[a0], q0, q1\n\t"
                     "vldrb.8 q2, [%[w1]], #16\n\t"
                     "vmladava.s8 %[a1], q0, q2\n\t"
                     "vldrb.8 q3, [%[w2]], #16\n\t"
                     "vmladava.s8 %[a2], q0, q3\n\t"
                     "vldrb.8 q1, [%[w3]], #16\n\t"
                     "vmladava.s8 %[a3], q0, q1\n\t"
                     "le lr, 1b\n"
                     "2:"
                     : [x] "+r"(px), [w0] "+r"(p0), [w1] "+r"(p1), [w2] "+r"(p2), [w3] "+r"(p3), [a0] "+Te"(a0),
                       [a1] "+Te"(a1), [a2] "+Te"(a2), [a3] "+Te"(a3), "+r"(n)
                     :
                     : "q0", "q1", "q2", "q3", "memory");
    *x = px, *w0 = p0, *w1 = p1, *w2 = p2, *w3 = p3;
    a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

/*
 * out[o] = requant(sum_d x[d] * w[o * depth + d] (+ input_offset * sum_d w[o * depth + d]) + bias[o])
 * for o in [0, n_out): four weight rows per turn (tslm_mve_dot4), the last partial 16 bytes with
 * predicated (zeroing) loads, then the four sums requantized as one vector.
 */
TSLM_ALWAYS_INLINE void tslm_mve_rows_impl(const int8_t *x, const int8_t *w, int32_t depth, int32_t n_out,
                                           const tslm_mve_epilogue *e, int8_t *out, const int with_offset)
{
    const int32_t full = depth & ~15;
    const mve_pred16_t tail = vctp8q((uint32_t)(depth - full));
    const int32x4_t m_all = vdupq_n_s32(e->multiplier[0]), s_all = vdupq_n_s32(e->shift[0]);
    for (int32_t o = 0; o < n_out; o += 4) {
        const int8_t *w0 = w + o * depth;
        const int8_t *w1 = o + 1 < n_out ? w0 + depth : w0; /* rows past the end: row o again, not stored */
        const int8_t *w2 = o + 2 < n_out ? w0 + 2 * depth : w0;
        const int8_t *w3 = o + 3 < n_out ? w0 + 3 * depth : w0;
        const int8_t *xp = x;
        int32_t a[4] = {0, 0, 0, 0}, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (!with_offset) {
            tslm_mve_dot4(&xp, &w0, &w1, &w2, &w3, full / 16, a);
        } else {
            for (int32_t d = 0; d < full; d += 16, xp += 16, w0 += 16, w1 += 16, w2 += 16, w3 += 16) {
                const int8x16_t xv = vldrbq_s8(xp);
                const int8x16_t v0 = vldrbq_s8(w0), v1 = vldrbq_s8(w1), v2 = vldrbq_s8(w2), v3 = vldrbq_s8(w3);
                a[0] = vmladavaq_s8(a[0], xv, v0), a[1] = vmladavaq_s8(a[1], xv, v1);
                a[2] = vmladavaq_s8(a[2], xv, v2), a[3] = vmladavaq_s8(a[3], xv, v3);
                s0 = vaddvaq_s8(s0, v0), s1 = vaddvaq_s8(s1, v1), s2 = vaddvaq_s8(s2, v2), s3 = vaddvaq_s8(s3, v3);
            }
        }
        if (full < depth) {
            const int8x16_t xv = vldrbq_z_s8(xp, tail);
            const int8x16_t v0 = vldrbq_z_s8(w0, tail), v1 = vldrbq_z_s8(w1, tail);
            const int8x16_t v2 = vldrbq_z_s8(w2, tail), v3 = vldrbq_z_s8(w3, tail);
            a[0] = vmladavaq_s8(a[0], xv, v0), a[1] = vmladavaq_s8(a[1], xv, v1);
            a[2] = vmladavaq_s8(a[2], xv, v2), a[3] = vmladavaq_s8(a[3], xv, v3);
            if (with_offset) {
                s0 = vaddvaq_s8(s0, v0), s1 = vaddvaq_s8(s1, v1), s2 = vaddvaq_s8(s2, v2), s3 = vaddvaq_s8(s3, v3);
            }
        }
        int32x4_t acc = vldrwq_s32(a);
        if (with_offset) {
            int32x4_t sums = vdupq_n_s32(s0);
            sums = vsetq_lane_s32(s1, sums, 1);
            sums = vsetq_lane_s32(s2, sums, 2);
            sums = vsetq_lane_s32(s3, sums, 3);
            acc = vmlaq_n_s32(acc, sums, e->input_offset);
        }
        if (o + 4 <= n_out) { /* a whole group: no predication */
            if (e->bias != NULL) {
                acc = vaddq_s32(acc, vldrwq_s32(e->bias + o));
            }
            const int32x4_t m = e->per_channel ? vldrwq_s32(e->multiplier + o) : m_all;
            const int32x4_t s = e->per_channel ? vldrwq_s32(e->shift + o) : s_all;
            tslm_mve_out4(out + o, acc, m, s, e->right_only, e->output_offset, e->act_min, e->act_max, 0xFFFF);
            continue;
        }
        const mve_pred16_t p = vctp32q((uint32_t)(n_out - o));
        if (e->bias != NULL) {
            acc = vaddq_s32(acc, vldrwq_z_s32(e->bias + o, p));
        }
        const int32x4_t m = e->per_channel ? vldrwq_z_s32(e->multiplier + o, p) : m_all;
        const int32x4_t s = e->per_channel ? vldrwq_z_s32(e->shift + o, p) : s_all;
        tslm_mve_out4(out + o, acc, m, s, e->right_only, e->output_offset, e->act_min, e->act_max, p);
    }
}

/*
 * A 1x1 convolution without padding, or FULLY_CONNECTED: rows of x (row r at x + r_offset(r)),
 * where the pixel loop runs inside the loop over groups of four output channels, so each
 * group's bias, multipliers and shifts are loaded once for all the pixels. rows_y x cols_x
 * pixels per batch; pixel (y, x) of batch b at x + b * batch_stride + y * y_stride + x * x_stride.
 * Not for in place (a group's outputs would overwrite pixels the next group still reads).
 */
typedef struct {
    int32_t batches, rows_y, cols_x;
    int32_t batch_stride, y_stride, x_stride;
} tslm_mve_pixels;

TSLM_ALWAYS_INLINE void tslm_mve_gemm_impl(const int8_t *x, const tslm_mve_pixels *px, const int8_t *w, int32_t depth,
                                           int32_t n_out, const tslm_mve_epilogue *e, int8_t *out)
{
    const int32_t full = depth & ~15, n16 = full / 16;
    const mve_pred16_t tail = vctp8q((uint32_t)(depth - full));
    for (int32_t o = 0; o < n_out; o += 4) {
        const int8_t *r0 = w + o * depth;
        const int8_t *r1 = o + 1 < n_out ? r0 + depth : r0; /* rows past the end: row o again, not stored */
        const int8_t *r2 = o + 2 < n_out ? r0 + 2 * depth : r0;
        const int8_t *r3 = o + 3 < n_out ? r0 + 3 * depth : r0;
        const mve_pred16_t p = vctp32q((uint32_t)(n_out - o));
        const int32x4_t bias = e->bias != NULL ? vldrwq_z_s32(e->bias + o, p) : vdupq_n_s32(0);
        const int32x4_t m = e->per_channel ? vldrwq_z_s32(e->multiplier + o, p) : vdupq_n_s32(e->multiplier[0]);
        const int32x4_t s = e->per_channel ? vldrwq_z_s32(e->shift + o, p) : vdupq_n_s32(e->shift[0]);
        int8_t *dst = out + o;
        for (int32_t b = 0; b < px->batches; ++b) {
            for (int32_t y = 0; y < px->rows_y; ++y) {
                const int8_t *xr = x + b * px->batch_stride + y * px->y_stride;
                for (int32_t c = 0; c < px->cols_x; ++c, xr += px->x_stride, dst += n_out) {
                    const int8_t *xp = xr, *w0 = r0, *w1 = r1, *w2 = r2, *w3 = r3;
                    int32_t a[4] = {0, 0, 0, 0};
                    tslm_mve_dot4(&xp, &w0, &w1, &w2, &w3, n16, a);
                    if (full < depth) {
                        const int8x16_t xv = vldrbq_z_s8(xp, tail);
                        a[0] = vmladavaq_s8(a[0], xv, vldrbq_z_s8(w0, tail));
                        a[1] = vmladavaq_s8(a[1], xv, vldrbq_z_s8(w1, tail));
                        a[2] = vmladavaq_s8(a[2], xv, vldrbq_z_s8(w2, tail));
                        a[3] = vmladavaq_s8(a[3], xv, vldrbq_z_s8(w3, tail));
                    }
                    int32x4_t acc = vdupq_n_s32(a[0]);
                    acc = vsetq_lane_s32(a[1], acc, 1);
                    acc = vsetq_lane_s32(a[2], acc, 2);
                    acc = vsetq_lane_s32(a[3], acc, 3);
                    tslm_mve_out4(dst, vaddq_s32(acc, bias), m, s, e->right_only, e->output_offset, e->act_min,
                                  e->act_max, p);
                }
            }
        }
    }
}

/*
 * The compiler's layout for constant weights (records path, `requant` set in the params):
 * - weights: output channels in groups of four; per group, per 16 bytes of the patch (k = 16j ..
 *   16j + 15), the four channels' 16 bytes one after the other; rows zero-padded to a multiple of
 *   16 and to a multiple of four channels;
 * - records: per group, 12 int32: bias (input offset folded in) of the four channels, their
 *   multipliers, their shifts; every shift <= 0 (the compiler takes the model layout otherwise).
 * tslm_mve_group: out[0..3] of one patch row x (len bytes) against one group, then the records'
 * requantization, + zero point, clamped to [lo, hi]: VMLADAVA.S8 for 64 MACs per 10 instructions,
 * the last partial 16 bytes of x loaded predicated (the weights there are zeros), the sums moved to
 * one vector and requantized together. Returns the next group's weights.
 */
typedef struct {
    int32x4_t lo, hi;
    int32_t zp;
} tslm_mve_clamp;

TSLM_ALWAYS_INLINE const int8_t *tslm_mve_group(const int8_t *x, int32_t len, const int8_t *w, const int32_t *rq,
                                                const tslm_mve_clamp *c, int8_t *out)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    register int32_t n __asm__("lr") = len >> 4;
    const int32_t rem = len & 15;
    int32x4_t acc, t, u;
    __asm__ volatile("wls lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[x]], #16\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a0], q0, q1\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a1], q0, q1\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a2], q0, q1\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a3], q0, q1\n\t"
                     "le lr, 1b\n"
                     "2:\n\t"
                     "cbz %[rem], 3f\n\t"
                     "vctp.8 %[rem]\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q0, [%[x]]\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a0], q0, q1\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a1], q0, q1\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a2], q0, q1\n\t"
                     "vldrb.8 q1, [%[w]], #16\n\t"
                     "vmladava.s8 %[a3], q0, q1\n"
                     "3:\n\t"
                     "vmov %q[acc][2], %q[acc][0], %[a0], %[a2]\n\t"
                     "vmov %q[acc][3], %q[acc][1], %[a1], %[a3]\n\t"
                     "vldrw.32 %q[t], [%[rq]]\n\t"
                     "vadd.i32 %q[acc], %q[acc], %q[t]\n\t"
                     "vldrw.32 %q[t], [%[rq], #16]\n\t"
                     "vqrdmulh.s32 %q[acc], %q[acc], %q[t]\n\t"
                     "vldrw.32 %q[u], [%[rq], #32]\n\t"
                     "vand %q[t], %q[acc], %q[u]\n\t"
                     "vshr.s32 %q[t], %q[t], #31\n\t"
                     "vqadd.s32 %q[acc], %q[acc], %q[t]\n\t"
                     "vrshl.s32 %q[acc], %q[acc], %q[u]\n\t"
                     "vadd.i32 %q[acc], %q[acc], %[zp]\n\t"
                     "vmax.s32 %q[acc], %q[acc], %q[lo]\n\t"
                     "vmin.s32 %q[acc], %q[acc], %q[hi]"
                     : [x] "+r"(x), [w] "+r"(w), [a0] "+Te"(a0), [a1] "+Te"(a1), [a2] "+Te"(a2), [a3] "+Te"(a3),
                       "+r"(n), [acc] "=&w"(acc), [t] "=&w"(t), [u] "=&w"(u)
                     : [rem] "l"(rem), [rq] "r"(rq), [zp] "r"(c->zp), [lo] "w"(c->lo), [hi] "w"(c->hi)
                     : "q0", "q1", "memory", "p0");
    vstrbq_s32(out, acc);
    return w;
}

/* The same for the last group when fewer than four channels remain (n of them). */
static inline void tslm_mve_group_part(const int8_t *x, int32_t len, const int8_t *w, const int32_t *rq,
                                       const tslm_mve_clamp *c, int8_t *out, int32_t n)
{
    int8_t tmp[4];
    tslm_mve_group(x, len, w, rq, c, tmp);
    for (int32_t i = 0; i < n; ++i) {
        out[i] = tmp[i];
    }
}

/* 16 bytes of depth of two rows (q0, q1) against a group of four channels (four 16-byte weight loads from %[w],
 * post-incremented), the sums in %[a0..a3] (row q0) and %[b0..b3] (row q1): A "" sets them (VMLADAV), "a" adds
 * to them (VMLADAVA). Used by tslm_mve_dot2x4 below and the BATCH_MATMUL pairs routine. */
#define TSLM_MVE_G2_CHUNK(A)                  \
    "vldrb.8 q2, [%[w]], #16\n\t"             \
    "vmladav" A ".s8 %[a0], q0, q2\n\t"       \
    "vmladav" A ".s8 %[b0], q1, q2\n\t"       \
    "vldrb.8 q2, [%[w]], #16\n\t"             \
    "vmladav" A ".s8 %[a1], q0, q2\n\t"       \
    "vmladav" A ".s8 %[b1], q1, q2\n\t"       \
    "vldrb.8 q2, [%[w]], #16\n\t"             \
    "vmladav" A ".s8 %[a2], q0, q2\n\t"       \
    "vmladav" A ".s8 %[b2], q1, q2\n\t"       \
    "vldrb.8 q2, [%[w]], #16\n\t"             \
    "vmladav" A ".s8 %[a3], q0, q2\n\t"       \
    "vmladav" A ".s8 %[b3], q1, q2\n\t"

/*
 * Two patch rows x0, x1 (two pixels) against one group: out0[0..3], out1[0..3]. Each 16-byte load of
 * weights serves both rows: 16 instructions per 128 MACs. The eight sums live in the eight even
 * registers VMLADAVA can accumulate in (r0-r12 and lr), so the loop counts with SUBS/BNE.
 */
/* The sums alone: acc0 (row x0) and acc1 (row x1) against the group's four channels; returns the next group. */
static inline __attribute__((always_inline)) const int8_t *
tslm_mve_dot2x4(const int8_t *x0, const int8_t *x1, int32_t len, const int8_t *w, int32x4_t *sums0, int32x4_t *sums1)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r2");
    register int32_t a2 __asm__("r4");
    register int32_t a3 __asm__("r6");
    register int32_t b0 __asm__("r8");
    register int32_t b1 __asm__("r10");
    register int32_t b2 __asm__("r12");
    register int32_t b3 __asm__("lr");
    register const int8_t *p0 __asm__("r1") = x0;
    register const int8_t *p1 __asm__("r3") = x1;
    register const int8_t *pw __asm__("r5") = w;
    register int32_t n __asm__("r9") = len >> 4;
    register int32_t rem __asm__("r11") = len & 15;
    __asm__ volatile("cmp %[n], #0\n\t"
                     "beq 4f\n\t"
                     "vldrb.8 q0, [%[x0]], #16\n\t"
                     "vldrb.8 q1, [%[x1]], #16\n\t"
                     TSLM_MVE_G2_CHUNK("")
                     "subs %[n], %[n], #1\n\t"
                     "beq 2f\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[x0]], #16\n\t"
                     "vldrb.8 q1, [%[x1]], #16\n\t"
                     TSLM_MVE_G2_CHUNK("a")
                     "subs %[n], %[n], #1\n\t"
                     "bne 1b\n"
                     "2:\n\t"
                     "cmp %[rem], #0\n\t"
                     "beq 3f\n\t"
                     "vctp.8 %[rem]\n\t"
                     "vpstt\n\t"
                     "vldrbt.8 q0, [%[x0]]\n\t"
                     "vldrbt.8 q1, [%[x1]]\n\t"
                     TSLM_MVE_G2_CHUNK("a")
                     "b 3f\n"
                     "4:\n\t" /* shorter than 16 bytes: the predicated chunk sets the sums */
                     "vctp.8 %[rem]\n\t"
                     "vpstt\n\t"
                     "vldrbt.8 q0, [%[x0]]\n\t"
                     "vldrbt.8 q1, [%[x1]]\n\t"
                     TSLM_MVE_G2_CHUNK("")
                     "3:"
                     : [x0] "+r"(p0), [x1] "+r"(p1), [w] "+r"(pw), [n] "+r"(n), [a0] "=r"(a0), [a1] "=r"(a1),
                       [a2] "=r"(a2), [a3] "=r"(a3), [b0] "=r"(b0), [b1] "=r"(b1), [b2] "=r"(b2), [b3] "=r"(b3)
                     : [rem] "r"(rem)
                     : "q0", "q1", "q2", "memory", "cc", "p0");
    int32x4_t acc0, acc1;
    __asm__("vmov %q[v0][2], %q[v0][0], %[a0], %[a2]\n\t"
            "vmov %q[v0][3], %q[v0][1], %[a1], %[a3]\n\t"
            "vmov %q[v1][2], %q[v1][0], %[b0], %[b2]\n\t"
            "vmov %q[v1][3], %q[v1][1], %[b1], %[b3]"
            : [v0] "=&w"(acc0), [v1] "=&w"(acc1)
            : [a0] "r"(a0), [a1] "r"(a1), [a2] "r"(a2), [a3] "r"(a3), [b0] "r"(b0), [b1] "r"(b1), [b2] "r"(b2),
              [b3] "r"(b3));
    *sums0 = acc0, *sums1 = acc1;
    return pw;
}

/* (always inlined, in the size build too: its callers pass fix as a constant, which then costs nothing) */
static inline __attribute__((always_inline)) const int8_t *
tslm_mve_group2_fix(const int8_t *x0, const int8_t *x1, int32_t len, const int8_t *w, const int32_t *rq,
                    const tslm_mve_clamp *c, int8_t *out0, int8_t *out1, const int fix)
{
    int32x4_t acc0, acc1;
    w = tslm_mve_dot2x4(x0, x1, len, w, &acc0, &acc1);
    const int32x4_t bias = vldrwq_s32(rq), mult = vldrwq_s32(rq + 4), shift = vldrwq_s32(rq + 8);
    /* without the rounding fix of negative values (fix 0: the caller's act_min >= the output zero point, so every
     * negative value ends at act_min either way) */
    int32x4_t v0 = fix ? tslm_mve_requant_right(vaddq_s32(acc0, bias), mult, shift)
                       : vrshlq_s32(vqrdmulhq_s32(vaddq_s32(acc0, bias), mult), shift);
    int32x4_t v1 = fix ? tslm_mve_requant_right(vaddq_s32(acc1, bias), mult, shift)
                       : vrshlq_s32(vqrdmulhq_s32(vaddq_s32(acc1, bias), mult), shift);
    v0 = vminq_s32(vmaxq_s32(vaddq_n_s32(v0, c->zp), c->lo), c->hi);
    v1 = vminq_s32(vmaxq_s32(vaddq_n_s32(v1, c->zp), c->lo), c->hi);
    vstrbq_s32(out0, v0);
    vstrbq_s32(out1, v1);
    return w;
}

/* Two patch rows against every group: n_out outputs each (a partial last group one row at a time); fix as in
 * tslm_mve_group2_fix for the full groups. */
static inline __attribute__((always_inline)) void
tslm_mve_row2_groups_fix(const int8_t *x0, const int8_t *x1, int32_t len, const int8_t *w, const int32_t *rq,
                         int32_t n_out, const tslm_mve_clamp *c, int8_t *out0, int8_t *out1, const int fix)
{
    int32_t o = 0;
    for (; o + 4 <= n_out; o += 4, rq += 12) {
        w = tslm_mve_group2_fix(x0, x1, len, w, rq, c, out0 + o, out1 + o, fix);
    }
    if (o < n_out) {
        tslm_mve_group_part(x0, len, w, rq, c, out0 + o, n_out - o);
        tslm_mve_group_part(x1, len, w, rq, c, out1 + o, n_out - o);
    }
}

TSLM_ALWAYS_INLINE void tslm_mve_row2_groups(const int8_t *x0, const int8_t *x1, int32_t len, const int8_t *w,
                                             const int32_t *rq, int32_t n_out, const tslm_mve_clamp *c,
                                             int8_t *out0, int8_t *out1)
{
    tslm_mve_row2_groups_fix(x0, x1, len, w, rq, n_out, c, out0, out1, 1);
}

/* A patch row against every group: n_out outputs. (Always inlined, in the size build too: with the rows entry as a
 * second caller GCC -Os made it a call in the general entry.) */
static inline __attribute__((always_inline)) void
tslm_mve_row_groups(const int8_t *x, int32_t len, const int8_t *w, const int32_t *rq, int32_t n_out,
                    const tslm_mve_clamp *c, int8_t *out)
{
    int32_t o = 0;
    for (; o + 4 <= n_out; o += 4, rq += 12) {
        w = tslm_mve_group(x, len, w, rq, c, out + o);
    }
    if (o < n_out) {
        tslm_mve_group_part(x, len, w, rq, c, out + o, n_out - o);
    }
}

#endif /* TSLM_MVE_H */
