/*
 * tslm_mve_layer_norm.c - the fused int8 layer norm with Helium: the same integer steps as TFLM's chain
 * (MEAN, SUB, the square's table, MEAN, the row's scale, MUL, [MUL gamma, [ADD beta]]) on four int32 lanes.
 *
 * Per row: the sum for the mean (VADDVA.S8, 16 bytes per instruction); one loop that computes four
 * differences d = SUB(x, mean) at a time, keeps them in a row of scratch and sums their squares (the square's
 * table read by a gather load, VLDRB.S32 with the differences as offsets); one loop that takes four
 * differences through the scale MUL, the gamma MUL and the beta ADD in registers. The sums TFLM rounds:
 *   SUB:  R(x) - R(mean) = (x + o1) << 19 - R(mean)   (R(x) exact at TFLM's left shift 20 and multiplier 1/2)
 *   MUL:  (d + o1)(s + o2) = d K + o1 K, K = s + o2   (the scale: one K per row; gamma: K per channel)
 *   ADD:  R(g) + R(beta) = g << 19 + (o1 << 19 + R(beta))   (the bracket per channel, in scratch)
 * and each rounding is TFLM's MultiplyByQuantizedMultiplier on four lanes (VQRDMULH, -1 for a negative
 * product, VRSHL: tslm_mve.h's steps for a right shift), + zero point, clamped to int8 by a saturating
 * shift left by 24 and back. The per-row values (the means, R(mean), the scale) take tslm_requantize.
 * Handles what the Cortex-M DSP kernel handles (no activation clamps, output shifts right by 1..22, SUB/ADD
 * at left shift 20 with input 1 at 1/2, so every sum above stays below 2^30); anything else, the portable
 * kernel.
 */
#include "tslm_mve_layer_norm.h"
#include "tslm_mve.h"

#define TSLM_LN_UP4(n) (((n) + 3) / 4 * 4)

static int handled(const tslm_binary_params *b, const int half)
{
    const int ok = b->act_min == -128 && b->act_max == 127 && b->output_shift <= -1 && b->output_shift >= -22;
    return ok && (!half || (b->left_shift == 20 && b->in1_multiplier == (INT32_C(1) << 30) && b->in1_shift == 0));
}

/* One step's rounding: multiplier, right shift as VRSHL's negative amount, output zero point. */
typedef struct {
    int32_t m, neg_r, zp;
} step_q;

static step_q step_of(const tslm_binary_params *b)
{
    const step_q q = {b->output_multiplier, b->output_shift, b->output_offset};
    return q;
}

/* TFLM's MultiplyByQuantizedMultiplier(x, m, -r) + zp, saturated to int8 (r >= 1, |x| < 2^31). */
TSLM_ALWAYS_INLINE int32x4_t out8(int32x4_t x, const step_q q)
{
    x = vqrdmulhq_n_s32(x, q.m);
    x = vaddq_s32(x, vshrq_n_s32(x, 31)); /* round half away from zero: -1 for a negative value */
    x = vaddq_n_s32(vrshlq_n_s32(x, q.neg_r), q.zp);
    return vshrq_n_s32(vqshlq_n_s32(x, 24), 24);
}

/* The same with the step's numbers in vector registers (the last step of the output loop: fewer core registers). */
typedef struct {
    int32x4_t m, neg_r, zp;
} step_v;

TSLM_ALWAYS_INLINE int32x4_t out8v(int32x4_t x, const step_v q)
{
    x = vqrdmulhq_s32(x, q.m);
    x = vaddq_s32(x, vshrq_n_s32(x, 31));
    x = vaddq_s32(vrshlq_s32(x, q.neg_r), q.zp);
    return vshrq_n_s32(vqshlq_n_s32(x, 24), 24);
}

TSLM_ALWAYS_INLINE int32_t shl19(int32_t v) /* (v << 20 times TFLM's 1/2 is exactly v << 19) */
{
    return (int32_t)((uint32_t)v << 19);
}

TSLM_ALWAYS_INLINE int32_t shl20(int32_t v)
{
    return (int32_t)((uint32_t)v << 20);
}

/* Four differences of x[c..c+3] (lanes where p holds when pred): d stored, returns the squares' table values
 * (0 in lanes past the row). */
TSLM_ALWAYS_INLINE int32x4_t diff4(const int8_t *x, int8_t *d, const int32x4_t two19, int32_t t, const step_q q,
                                   const int8_t *sq, const int pred, const mve_pred16_t p)
{
    const int32x4_t xv = pred ? vldrbq_z_s32(x, p) : vldrbq_s32(x);
    const int32x4_t dv = out8(vmlasq_n_s32(xv, two19, t), q);
    const uint32x4_t at = vreinterpretq_u32_s32(vaddq_n_s32(dv, 128));
    if (pred) {
        vstrbq_p_s32(d, dv, p);
        return vldrbq_gather_offset_z_s32(sq, at, p);
    }
    vstrbq_s32(d, dv);
    return vldrbq_gather_offset_s32(sq, at);
}

/* d[c..c+3] through the scale, gamma and beta steps (steps of them) to y, and the scaled values to n when keep. */
TSLM_ALWAYS_INLINE void out4(const int8_t *d, int8_t *y, int8_t *n, const int32_t *kg, const int32_t *bc,
                             const int32x4_t kv, int32_t c0, const step_q qs, const step_q qg, const step_v qb,
                             int32_t o1g, const int steps, const int keep, const int pred, const mve_pred16_t p)
{
    const int32x4_t dv = pred ? vldrbq_z_s32(d, p) : vldrbq_s32(d);
    int32x4_t v = out8(vmlasq_n_s32(dv, kv, c0), qs);
    if (keep) {
        if (pred) {
            vstrbq_p_s32(n, v, p);
        } else {
            vstrbq_s32(n, v);
        }
    }
    if (steps >= 1) {
        const int32x4_t k = pred ? vldrwq_z_s32(kg, p) : vldrwq_s32(kg);
        v = out8(vmulq_s32(vaddq_n_s32(v, o1g), k), qg);
    }
    if (steps == 2) {
        const int32x4_t b = pred ? vldrwq_z_s32(bc, p) : vldrwq_s32(bc);
        v = out8v(vaddq_s32(b, vshlq_n_s32(v, 19)), qb);
    }
    if (pred) {
        vstrbq_p_s32(y, v, p);
    } else {
        vstrbq_s32(y, v);
    }
}

/* One row's scale and the steps after it, for every column (steps, keep: constants where inlined). */
TSLM_ALWAYS_INLINE void outputs(const int8_t *d, int8_t *y, int8_t *n, int32_t cols, const int32_t *kg,
                                const int32_t *bc, int32_t k, int32_t c0, const step_q qs, const step_q qg,
                                const step_q qb_s, int32_t o1g, const int steps, const int keep)
{
    const step_v qb = {vdupq_n_s32(qb_s.m), vdupq_n_s32(qb_s.neg_r), vdupq_n_s32(qb_s.zp)};
    const int32x4_t kv = vdupq_n_s32(k);
#if defined(__OPTIMIZE_SIZE__) /* the pointers stepped (GCC -Os keeps indexed addressing and spills more) */
    for (const int8_t *const end = d + (cols & ~3); d != end; d += 4, y += 4, n += 4, kg += 4, bc += 4) {
        out4(d, y, n, kg, bc, kv, c0, qs, qg, qb, o1g, steps, keep, 0, 0xFFFF);
    }
    const int32_t c = 0;
#else /* indexed (GCC -O2 strength-reduces it itself, a little better than the above) */
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
        out4(d + c, y + c, n + c, kg + c, bc + c, kv, c0, qs, qg, qb, o1g, steps, keep, 0, 0xFFFF);
    }
#endif
    if (cols & 3) {
        out4(d + c, y + c, n + c, kg + c, bc + c, kv, c0, qs, qg, qb, o1g, steps, keep, 1,
             vctp32q((uint32_t)(cols & 3)));
    }
}

void tslm_mve_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                            const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch)
{
    const int32_t cols = p->cols;
    if (cols < 1 || !handled(&p->sub, 1) || !handled(&p->scale, 0) || (p->steps >= 1 && !handled(&p->gamma, 0)) ||
        (p->steps == 2 && !handled(&p->beta, 1))) {
        tslm_layer_norm_s8(p, input, gamma, beta, normalized, output, scratch); /* the portable kernel */
        return;
    }
    int8_t *d = (int8_t *)(scratch + 2);
    int32_t *kg = scratch + 2 + 2 * TSLM_LN_UP4(cols) / 4; /* per channel: gamma + its offset */
    int32_t *bc = kg + cols;                                /* per channel: o1 << 19 + R(beta) */
    const step_q qd = step_of(&p->sub), qs = step_of(&p->scale);
    step_q qg = {0, 0, 0}, qb = {0, 0, 0};
    int32_t o1g = 0;
    if (p->steps >= 1) {
        qg = step_of(&p->gamma);
        o1g = p->gamma.in1_offset;
        for (int32_t i = 0; i < cols; i += 4) {
            const mve_pred16_t pr = vctp32q((uint32_t)(cols - i));
            vstrwq_p_s32(kg + i, vaddq_n_s32(vldrbq_z_s32(gamma + i, pr), p->gamma.in2_offset), pr);
        }
    }
    if (p->steps == 2) {
        qb = step_of(&p->beta);
        const int32x4_t m = vdupq_n_s32(p->beta.in2_multiplier), sh = vdupq_n_s32(p->beta.in2_shift);
        for (int32_t i = 0; i < cols; i += 4) { /* R(beta) (tslm_mve_requant: tslm_requantize on four lanes) */
            const mve_pred16_t pr = vctp32q((uint32_t)(cols - i));
            const int32x4_t b = vshlq_n_s32(vaddq_n_s32(vldrbq_z_s32(beta + i, pr), p->beta.in2_offset), 20);
            vstrwq_p_s32(bc + i, vaddq_n_s32(tslm_mve_requant(b, m, sh), shl19(p->beta.in1_offset)), pr);
        }
    }
    const int32_t zs_mean = p->mean.input_zero_point * p->mean.reduce_count;
    const int32_t zs_var = p->var.input_zero_point * p->var.reduce_count;
    const int32x4_t two19 = vdupq_n_s32(INT32_C(1) << 19);
    const int keep = normalized != NULL && p->steps >= 1;
    const int8_t *const square = p->square; /* (a local: the int8 stores may alias p) */
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * cols;
        int8_t *y = output + r * cols;
        int32_t s = 0, c = 0;
        for (; c + 16 <= cols; c += 16) {
            s = vaddvaq_s8(s, vldrbq_s8(x + c));
        }
        if (c < cols) {
            s = vaddvaq_s8(s, vldrbq_z_s8(x + c, vctp8q((uint32_t)(cols - c))));
        }
        const int32_t m = tslm_clamp_i32(tslm_requantize(s - zs_mean, p->mean.multiplier, p->mean.shift) +
                                     p->mean.output_zero_point, -128, 127);
        const int32_t t = (int32_t)((uint32_t)shl19(p->sub.in1_offset) -
                                    (uint32_t)tslm_requantize(shl20(m + p->sub.in2_offset), p->sub.in2_multiplier,
                                                              p->sub.in2_shift));
        int32x4_t sq = vdupq_n_s32(0);
#if defined(__OPTIMIZE_SIZE__)
        const int8_t *xp = x;
        int8_t *dp = d;
        for (; xp != x + (cols & ~3); xp += 4, dp += 4) {
            sq = vaddq_s32(sq, diff4(xp, dp, two19, t, qd, square, 0, 0xFFFF));
        }
#else
        const int8_t *xp = x + (cols & ~3);
        int8_t *dp = d + (cols & ~3);
        for (c = 0; c + 4 <= cols; c += 4) {
            sq = vaddq_s32(sq, diff4(x + c, d + c, two19, t, qd, square, 0, 0xFFFF));
        }
#endif
        if (cols & 3) {
            sq = vaddq_s32(sq, diff4(xp, dp, two19, t, qd, square, 1, vctp32q((uint32_t)(cols & 3))));
        }
        const int32_t v = tslm_clamp_i32(tslm_requantize(vaddvq_s32(sq) - zs_var, p->var.multiplier, p->var.shift) +
                                     p->var.output_zero_point, -128, 127);
        const int32_t k = p->scale_table[v + 128] + p->scale.in2_offset;
        const int32_t c0 = p->scale.in1_offset * k;
        if (p->steps == 0) {
            outputs(d, y, y, cols, kg, bc, k, c0, qs, qg, qb, o1g, 0, 0);
        } else if (p->steps == 1) {
            if (keep) {
                outputs(d, y, normalized + r * cols, cols, kg, bc, k, c0, qs, qg, qb, o1g, 1, 1);
            } else {
                outputs(d, y, y, cols, kg, bc, k, c0, qs, qg, qb, o1g, 1, 0);
            }
        } else if (keep) {
            outputs(d, y, normalized + r * cols, cols, kg, bc, k, c0, qs, qg, qb, o1g, 2, 1);
        } else {
            outputs(d, y, y, cols, kg, bc, k, c0, qs, qg, qb, o1g, 2, 0);
        }
    }
}

int32_t tslm_mve_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p)
{
    return tslm_layer_norm_s8_get_buffer_size(p) + 12 * p->cols;
}
