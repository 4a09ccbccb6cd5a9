/*
 * tslm_mve_layer_norm.c - the fused int8 layer norm with Helium: the same integer steps as TFLM's chain
 * (MEAN, SUB, the square's table, MEAN, the row's scale, MUL, [MUL gamma, [ADD beta]]) on four int32 lanes.
 *
 * Rows go four at a time. Per row: the sum for the mean (VADDVA.S8, 16 bytes per instruction); one loop that
 * computes four differences d = SUB(x, mean) at a time, keeps them in the row's own row of scratch and sums their
 * squares (the square's table read by a gather load, VLDRB.S32 with the differences as offsets); one loop that
 * takes four differences through the scale MUL, the gamma MUL and the beta ADD in registers. Per four rows, on
 * four lanes (one row a lane): the means, the SUB's terms, the variances and the scale table's entries (one
 * gather). With the compiler's forms the loops are tail-predicated assembly, and the whole row loop is one function
 * per output form (rows_tp(): the four rows' sums in one loop, the call's constants read once, a last group's
 * missing rows as rows of length 0, so no test per row). The sums TFLM rounds:
 *   SUB:  R(x) - R(mean) = (x + o1) << 19 - R(mean)   (R(x) exact at TFLM's left shift 20 and multiplier 1/2)
 *   MUL:  (d + o1)(s + o2) = d K + o1 K, K = s + o2   (the scale: one K per row; gamma: K per channel)
 *   ADD:  R(g) + R(beta) = g << 19 + (o1 << 19 + R(beta))   (the bracket per channel, in scratch)
 * and each rounding is TFLM's MultiplyByQuantizedMultiplier on four lanes (VQRDMULH, -1 for a negative
 * product), + zero point, clamped to int8: round8(), the right shift's rounding half and the zero point in one
 * add, then a saturating shift left by 24 - r and the shift right by 24. The per-row values (the means, R(mean),
 * the scale) take tslm_requantize. With the compiler's folds (p->diff_fold, p->folded: checked on every input
 * there) the SUB is one affine map of x per row (its B from the mean by one multiply-add, or from R(mean)), and
 * gamma's MUL and beta's ADD come from per-channel records (beta's ADD with one slope for every channel: a VMLA);
 * the call's constants for those forms are the compiler's record too (p->mve_rows: no per-call set-up here).
 * Handles what the Cortex-M DSP kernel handles (no activation clamps, output shifts right by 1..22, SUB/ADD
 * at left shift 20 with input 1 at 1/2, so every sum above stays below 2^30); anything else, the portable
 * kernel.
 */
#include "tslm_mve_layer_norm.h"
#include "tslm_mve.h"
#include <arm_acle.h>

#define TSLM_LN_UP4(n) (((n) + 3) / 4 * 4)
/* The compiler's folds (tinyslm/compiler/ops/layer_norm.py, the Cortex-M DSP kernel's TSLM_LN_DIFF_SHIFT and
 * TSLM_LN_FOLD_SHIFT): the SUB as ssat8((x A + B) >> 22), beta's ADD as ssat8((v A + B) >> 16). */
#define TSLM_MVE_LN_DIFF_SHIFT 22
#define TSLM_MVE_LN_FOLD_SHIFT 16

/* (ssat8(x >> s) for 0 <= s <= 24 and any int32 x: the saturating shift left by 24 - s, then right by 24.) */

static int handled(const tslm_binary_params *b, const int half)
{
    const int ok = b->act_min == -128 && b->act_max == 127 && b->output_shift <= -1 && b->output_shift >= -22;
    return ok && (!half || (b->left_shift == 20 && b->in1_multiplier == (INT32_C(1) << 30) && b->in1_shift == 0));
}

/* One step's rounding: multiplier, the rounding half and output zero point as one sum c = 2^(r-1) + zp 2^r, and the
 * saturating left shift 24 - r that out8 ends with (r: the right shift, 1..22). */
typedef struct {
    int32_t m, c, left;
} step_q;

static step_q step_of(const tslm_binary_params *b)
{
    const int32_t r = -b->output_shift;
    const step_q q = {b->output_multiplier, (INT32_C(1) << (r - 1)) + b->output_offset * (INT32_C(1) << r), 24 - r};
    return q;
}

/* sat8(floor((y + c) / 2^r)) for y = the rounded product less 1 where negative: VRSHL's rounding by r (half up;
 * with the -1, half away from zero as TFLM's) and the zero point in one add, then ssat8 of the floor as the
 * saturating shift left by 24 - r and the shift right by 24 (|y + c| < 2^31: |y| < 2^30, |c| < 2^30). */
TSLM_ALWAYS_INLINE int32x4_t round8(int32x4_t y, const step_q q)
{
    return vshrq_n_s32(vqshlq_r_s32(vaddq_n_s32(y, q.c), q.left), 24);
}

/* TFLM's MultiplyByQuantizedMultiplier(x, m, -r) + zp, saturated to int8 (r >= 1, |x| < 2^31). */
TSLM_ALWAYS_INLINE int32x4_t out8(int32x4_t x, const step_q q)
{
    x = vqrdmulhq_n_s32(x, q.m);
    return round8(vaddq_s32(x, vshrq_n_s32(x, 31)), q); /* round half away from zero: -1 for a negative value */
}

/* The same with the step's numbers in vector registers (the last step of the output loop: fewer core registers). */
typedef struct {
    int32x4_t m, c, left;
} step_v;

TSLM_ALWAYS_INLINE int32x4_t out8v(int32x4_t x, const step_v q)
{
    x = vqrdmulhq_s32(x, q.m);
    x = vaddq_s32(vaddq_s32(x, vshrq_n_s32(x, 31)), q.c);
    return vshrq_n_s32(vqshlq_s32(x, q.left), 24);
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
    const uint32x4_t at = vreinterpretq_u32_s32(dv); /* (sq: the table's middle; the address sum wraps mod 2^32) */
    if (pred) {
        vstrbq_p_s32(d, dv, p);
        return vldrbq_gather_offset_z_s32(sq, at, p);
    }
    vstrbq_s32(d, dv);
    return vldrbq_gather_offset_s32(sq, at);
}

/* d[c] = SUB(x[c], the row's mean) for the row (two19, t: diff4's), returns the sum of the squares' table values. */
TSLM_ALWAYS_INLINE int32_t differences(const int8_t *x, int8_t *d, int32_t cols, const int32x4_t two19, int32_t t,
                                       const step_q qd, const int8_t *square)
{
    int32x4_t sq = vdupq_n_s32(0);
#if defined(__OPTIMIZE_SIZE__)
    const int8_t *xp = x;
    int8_t *dp = d;
    for (const int8_t *const end = x + (cols & ~3); xp != end; xp += 4, dp += 4) {
        sq = vaddq_s32(sq, diff4(xp, dp, two19, t, qd, square, 0, 0xFFFF));
    }
#else
    const int8_t *xp = x + (cols & ~3);
    int8_t *dp = d + (cols & ~3);
    for (int32_t c = 0; c + 4 <= cols; c += 4) {
        sq = vaddq_s32(sq, diff4(x + c, d + c, two19, t, qd, square, 0, 0xFFFF));
    }
#endif
    if (cols & 3) {
        sq = vaddq_s32(sq, diff4(xp, dp, two19, t, qd, square, 1, vctp32q((uint32_t)(cols & 3))));
    }
    return vaddvq_s32(sq);
}

/* differences() for the rounded SUB (no fold from the compiler), not inlined at -Os (GCC -Os keeps the loop's vectors in registers only there) */
#if defined(__OPTIMIZE_SIZE__)
#define TSLM_LN_ROWFN __attribute__((noinline)) static
#else
#define TSLM_LN_ROWFN TSLM_ALWAYS_INLINE
#endif
TSLM_LN_ROWFN int32_t differences_rounded(const int8_t *x, int8_t *d, int32_t cols, int32_t t, const step_q qd,
                                          const int8_t *square)
{
    return differences(x, d, cols, vdupq_n_s32(INT32_C(1) << 19), t, qd, square);
}

/* d[c..c+3] through the scale, gamma and beta steps (steps of them, 0..2; the compiler's records take
 * out_folded_tp()) to y, and the scaled values to n when keep. */
TSLM_ALWAYS_INLINE void out4(const int8_t *d, int8_t *y, int8_t *n, const int32_t *kg, const int32_t *bc,
                             const int32x4_t kv, int32_t c0, const step_q qs, const step_q qg,
                             const step_v qb, int32_t o1g, const int steps, const int keep, const int pred,
                             const mve_pred16_t p)
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
    if (steps == 1 || steps == 2) {
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
    const step_v qb = {vdupq_n_s32(qb_s.m), vdupq_n_s32(qb_s.c), vdupq_n_s32(qb_s.left)};
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

/* outputs() for the forms without the compiler's records (steps 1, 2), a function of its own at -Os with outputs()
 * inlined into it (flatten). */
#if defined(__OPTIMIZE_SIZE__)
#define TSLM_LN_OUTFN __attribute__((noinline, flatten)) static
#else
#define TSLM_LN_OUTFN TSLM_ALWAYS_INLINE
#endif
TSLM_LN_OUTFN void outputs_rounded(const int8_t *d, int8_t *y, int8_t *n, int32_t cols, const int32_t *kg,
                                   const int32_t *bc, int32_t k, int32_t c0, const step_q qs, const step_q qg,
                                   const step_q qb, int32_t o1g, const int steps, const int keep)
{
    outputs(d, y, n, cols, kg, bc, k, c0, qs, qg, qb, o1g, steps == 2 ? 2 : steps == 1, keep); /* (0..2) */
}

/* The compiler's forms as tail-predicated assembly loops (WLSTP/LETP: the last partial four's lanes switched off
 * by the loop itself, no remainder code; a row's set-up a few instructions), four channels a turn, each the same
 * steps as diff4()/out4() above. */

/* differences_folded(): d = ssat8((x A + t) >> 22), the sum of the squares' table entries (VADDVA); x and d
 * stepped by the loop itself (4 ceil(cols / 4) bytes on). */
TSLM_ALWAYS_INLINE int32_t diff_row_tp(const int8_t **x, int8_t **d, int32_t cols, const int32x4_t av, int32_t t,
                                       const int8_t *sq)
{
    int32_t s = 0;
    register int32_t lr __asm__("lr") = cols;
    const int8_t *xp = *x;
    int8_t *dp = *d;
    __asm__ volatile("wlstp.32 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.s32 q0, [%[x]], #4\n\t"
                     "vmlas.s32 q0, %q[a], %[t]\n\t"
                     "vqshl.s32 q0, q0, #2\n\t" /* (24 - TSLM_MVE_LN_DIFF_SHIFT) */
                     "vshr.s32 q0, q0, #24\n\t"
                     "vstrb.32 q0, [%[d]], #4\n\t"
                     "vldrb.s32 q1, [%[sq], q0]\n\t"
                     "vaddva.s32 %[s], q1\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [x] "+l"(xp), [d] "+l"(dp), [s] "+Te"(s), "+r"(lr)
                     : [a] "w"(av), [t] "r"(t), [sq] "r"(sq)
                     : "q0", "q1", "memory");
    *x = xp;
    *d = dp;
    return s;
}

/* diff_row_tp() for a group's four rows in one block (row i's term t from lane i of tv, its length len[i]: 0 for
 * the rows past a last group's, their loops skipped; x stepped by back after each row, d by the loops alone): the
 * four sums of squares as four lanes (two VMOVs), no set-up between the rows but the lane's move and the length. */
#define TSLM_LN_DIFF_ROW(S, I, A, B)                                                                          \
    "vmov.32 %[t], %q[tv][" I "]\n\t"                                                                          \
    "ldr lr, %[len" I "]\n\t"                                                                                  \
    "mov %[" S "], #0\n\t"                                                                                    \
    "wlstp.32 lr, lr, " B "f\n" A ":\n\t"                                                                      \
    "vldrb.s32 q0, [%[x]], #4\n\t"                                                                            \
    "vmlas.s32 q0, %q[a], %[t]\n\t"                                                                           \
    "vqshl.s32 q0, q0, #2\n\t" /* (24 - TSLM_MVE_LN_DIFF_SHIFT) */                                             \
    "vshr.s32 q0, q0, #24\n\t"                                                                                \
    "vstrb.32 q0, [%[d]], #4\n\t"                                                                             \
    "vldrb.s32 q1, [%[sq], q0]\n\t"                                                                           \
    "vaddva.s32 %[" S "], q1\n\t"                                                                              \
    "letp lr, " A "b\n" B ":\n\t"                                                                              \
    "add %[x], %[x], %[back]\n\t"
TSLM_ALWAYS_INLINE int32x4_t diff_rows4_tp(const int8_t *x, int8_t *d, const int32_t *len, int32_t back,
                                          const int32x4_t av, const int32x4_t tv, const int8_t *sq)
{
    int32_t s0, s1, s2, s3, t;
    int32x4_t v;
    register int32_t lr __asm__("lr");
    __asm__ volatile(TSLM_LN_DIFF_ROW("s0", "0", "1", "2") TSLM_LN_DIFF_ROW("s1", "1", "3", "4")
                         TSLM_LN_DIFF_ROW("s2", "2", "5", "6") TSLM_LN_DIFF_ROW("s3", "3", "7", "8")
                     "vmov %q[v][2], %q[v][0], %[s0], %[s2]\n\t"
                     "vmov %q[v][3], %q[v][1], %[s1], %[s3]"
                     : [x] "+l"(x), [d] "+l"(d), [s0] "=&Te"(s0), [s1] "=&Te"(s1), [s2] "=&Te"(s2),
                       [s3] "=&Te"(s3), [t] "=&r"(t), "=&r"(lr), [v] "=w"(v)
                     : [len0] "m"(len[0]), [len1] "m"(len[1]), [len2] "m"(len[2]), [len3] "m"(len[3]),
                       [back] "r"(back), [a] "w"(av), [tv] "w"(tv), [sq] "r"(sq)
                     : "q0", "q1", "memory");
    return v;
}
#undef TSLM_LN_DIFF_ROW

/* outputs_scaled(): y = out8(d k + c0, qs) (d and y stepped by the loop, as diff_row_tp()'s). */
TSLM_ALWAYS_INLINE void out_scaled_tp(const int8_t **d, int8_t **y, int32_t cols, const int32x4_t kv, int32_t c0,
                                      int32_t m, int32_t c, int32_t left)
{
    register int32_t lr __asm__("lr") = cols;
    const int8_t *dp = *d;
    int8_t *yp = *y;
    __asm__ volatile("wlstp.32 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.s32 q0, [%[d]], #4\n\t"
                     "vmlas.s32 q0, %q[k], %[c0]\n\t"
                     "vqrdmulh.s32 q0, q0, %[m]\n\t"
                     "vshr.s32 q1, q0, #31\n\t"
                     "vadd.i32 q0, q0, q1\n\t"
                     "vadd.i32 q0, q0, %[c]\n\t"
                     "vqshl.s32 q0, %[left]\n\t"
                     "vshr.s32 q0, q0, #24\n\t"
                     "vstrb.32 q0, [%[y]], #4\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [d] "+l"(dp), [y] "+l"(yp), "+r"(lr)
                     : [k] "w"(kv), [c0] "r"(c0), [m] "r"(m), [c] "r"(c), [left] "r"(left)
                     : "q0", "q1", "memory");
    *d = dp;
    *y = yp;
}

/* outputs_folded(): the scaled value v = out8(d k + c0, qs) (to n when keep), then gamma's MUL from the
 * records' K (v + o1g, qg's rounding with its rounding c and left shift from vector registers) and beta's ADD
 * ssat8((v A + B) >> 16), one VMLA (A: the compiler's one slope for every channel, in a core register); the
 * records {K[4], B[4]} per four channels, padded (the tail's lanes read, not used). */
#define TSLM_LN_OUT_FOLDED(KEEP)                                                                              \
    "wlstp.32 lr, lr, 2f\n"                                                                                   \
    "1:\n\t"                                                                                                  \
    "vldrb.s32 q0, [%[d]], #4\n\t"                                                                            \
    "vmlas.s32 q0, %q[k], %[c0]\n\t"                                                                          \
    "vqrdmulh.s32 q0, q0, %[m]\n\t"                                                                           \
    "vshr.s32 q1, q0, #31\n\t"                                                                                \
    "vadd.i32 q0, q0, q1\n\t"                                                                                 \
    "vadd.i32 q0, q0, %q[c]\n\t"                                                                              \
    "vqshl.s32 q0, q0, %q[left]\n\t"                                                                          \
    "vshr.s32 q0, q0, #24\n\t" KEEP "vldrw.32 q1, [%[rec]], #16\n\t"                                          \
    "vadd.i32 q0, q0, %q[o1g]\n\t"                                                                            \
    "vmul.i32 q0, q0, q1\n\t"                                                                                 \
    "vqrdmulh.s32 q0, q0, %[gm]\n\t"                                                                          \
    "vshr.s32 q1, q0, #31\n\t"                                                                                \
    "vadd.i32 q0, q0, q1\n\t"                                                                                 \
    "vadd.i32 q0, q0, %q[gc]\n\t"                                                                             \
    "vqshl.s32 q0, q0, %q[gl]\n\t"                                                                            \
    "vshr.s32 q0, q0, #24\n\t"                                                                                \
    "vldrw.32 q1, [%[rec]], #16\n\t" /* (B + v A: one VMLA) */                                                \
    "vmla.s32 q1, q0, %[ga]\n\t"                                                                              \
    "vqshl.s32 q1, q1, #8\n\t" /* (24 - TSLM_MVE_LN_FOLD_SHIFT) */                                            \
    "vshr.s32 q1, q1, #24\n\t"                                                                                \
    "vstrb.32 q1, [%[y]], #4\n\t"                                                                             \
    "letp lr, 1b\n"                                                                                           \
    "2:"
/* (d, y and n stepped by the loop itself: past the row, 4 ceil(cols / 4) bytes on) */
TSLM_ALWAYS_INLINE void out_folded_tp(const int8_t **d, int8_t **y, int8_t **n, int32_t cols, const int32_t *rec,
                                      const int32x4_t kv, int32_t c0, int32_t qsm, const int32x4_t qsc, int32_t qgm,
                                      const int32x4_t qgc, int32_t ga, const int32x4_t sl, const int32x4_t o1g,
                                      const int32x4_t gl, const int keep)
{
    register int32_t lr __asm__("lr") = cols;
    const int8_t *dp = *d; /* (the pointers as locals in the asm, stored back after it) */
    int8_t *yp = *y;
    if (keep) {
        int8_t *np = *n;
        __asm__ volatile(TSLM_LN_OUT_FOLDED("vstrb.32 q0, [%[n]], #4\n\t")
                         : [d] "+l"(dp), [y] "+l"(yp), [n] "+l"(np), [rec] "+r"(rec), "+r"(lr)
                         : [k] "w"(kv), [c0] "r"(c0), [m] "r"(qsm), [c] "w"(qsc), [left] "w"(sl),
                           [o1g] "w"(o1g), [gm] "r"(qgm), [gc] "w"(qgc), [ga] "r"(ga), [gl] "w"(gl)
                         : "q0", "q1", "memory");
        *n = np;
    } else {
        __asm__ volatile(TSLM_LN_OUT_FOLDED("")
                         : [d] "+l"(dp), [y] "+l"(yp), [rec] "+r"(rec), "+r"(lr)
                         : [k] "w"(kv), [c0] "r"(c0), [m] "r"(qsm), [c] "w"(qsc), [left] "w"(sl),
                           [o1g] "w"(o1g), [gm] "r"(qgm), [gc] "w"(qgc), [ga] "r"(ga), [gl] "w"(gl)
                         : "q0", "q1", "memory");
    }
    *d = dp;
    *y = yp;
}
#undef TSLM_LN_OUT_FOLDED

/* The sum of the n bytes at x (0 for n = 0): one tail-predicated loop, sixteen bytes a turn. */
TSLM_ALWAYS_INLINE int32_t row_sum(const int8_t *x, int32_t n)
{
    int32_t s = 0;
    register int32_t lr __asm__("lr") = n;
    __asm__ volatile("wlstp.8 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[x]], #16\n\t"
                     "vaddva.s8 %[s], q0\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [x] "+r"(x), [s] "+Te"(s), "+r"(lr)
                     :
                     : "q0", "memory");
    return s;
}

/* The sums of four rows of n bytes (n apart) to s[0..3]: row_sum()'s loop four times in one block. */
#define TSLM_LN_SUM_ROW(S, A, B)                                                                              \
    "mov %[p], %[x]\n\t"                                                                                      \
    "mov lr, %[n]\n\t"                                                                                        \
    "wlstp.8 lr, lr, " B "f\n" A ":\n\t"                                                                      \
    "vldrb.8 q0, [%[p]], #16\n\t"                                                                             \
    "vaddva.s8 %[" S "], q0\n\t"                                                                              \
    "letp lr, " A "b\n" B ":\n\t"                                                                             \
    "add %[x], %[x], %[n]\n\t"
TSLM_ALWAYS_INLINE void row_sums4(const int8_t *x, int32_t n, int32_t *s)
{
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const int8_t *p;
    register int32_t lr __asm__("lr");
    __asm__ volatile(TSLM_LN_SUM_ROW("s0", "1", "2") TSLM_LN_SUM_ROW("s1", "3", "4")
                         TSLM_LN_SUM_ROW("s2", "5", "6") TSLM_LN_SUM_ROW("s3", "7", "8")
                     : [p] "=&r"(p), [x] "+r"(x), [s0] "+Te"(s0), [s1] "+Te"(s1), [s2] "+Te"(s2), [s3] "+Te"(s3),
                       "=&r"(lr)
                     : [n] "r"(n)
                     : "q0", "memory");
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}
#undef TSLM_LN_SUM_ROW

/* The sums of four rows of n bytes (n apart) as four lanes: one tail-predicated loop over the four rows at once
 * (sixteen bytes of each a turn), the sums moved into the vector by two VMOVs. */
TSLM_ALWAYS_INLINE int32x4_t row_sums4v(const int8_t *x0, int32_t n)
{
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const int8_t *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
    int32x4_t v;
    register int32_t lr __asm__("lr") = n;
    __asm__ volatile("wlstp.8 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[x0]], #16\n\t"
                     "vldrb.8 q1, [%[x1]], #16\n\t"
                     "vaddva.s8 %[s0], q0\n\t"
                     "vldrb.8 q0, [%[x2]], #16\n\t"
                     "vaddva.s8 %[s1], q1\n\t"
                     "vldrb.8 q1, [%[x3]], #16\n\t"
                     "vaddva.s8 %[s2], q0\n\t"
                     "vaddva.s8 %[s3], q1\n\t"
                     "letp lr, 1b\n"
                     "2:\n\t"
                     "vmov %q[v][2], %q[v][0], %[s0], %[s2]\n\t"
                     "vmov %q[v][3], %q[v][1], %[s1], %[s3]"
                     : [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3), [s0] "+Te"(s0), [s1] "+Te"(s1),
                       [s2] "+Te"(s2), [s3] "+Te"(s3), "+r"(lr), [v] "=w"(v)
                     :
                     : "q0", "q1", "memory");
    return v;
}

/* TFLM's MEAN of four rows from their sums (lanes): requantized, + zero point, saturated to int8. */
TSLM_ALWAYS_INLINE int32x4_t mean4(int32x4_t s, const tslm_reduce_params *r)
{
    const int32x4_t m = tslm_mve_requant(vsubq_n_s32(s, r->input_zero_point * r->reduce_count),
                                         vdupq_n_s32(r->multiplier), vdupq_n_s32(r->shift));
    return vminq_s32(vmaxq_s32(vaddq_n_s32(m, r->output_zero_point), vdupq_n_s32(-128)), vdupq_n_s32(127));
}

/* The SUB's row term t for the mean m (diff4's): R(o1) - R(mean), or the compiler's fold of it. */
static int32_t sub_term(const tslm_layer_norm_params *p, int32_t m)
{
    if (p->diff_fold[3] < 0) { /* B = m P + Q (the compiler's fold_sub_linear) */
        return (int32_t)((uint32_t)m * (uint32_t)p->diff_fold[1] + (uint32_t)p->diff_fold[2]);
    }
    int32_t t = (int32_t)((uint32_t)shl19(p->sub.in1_offset) -
                          (uint32_t)tslm_requantize(shl20(m + p->sub.in2_offset), p->sub.in2_multiplier,
                                                    p->sub.in2_shift));
    if (p->diff_fold[3] != 0) { /* B = (2 t M + E) >> L (fold_sub) */
        const int64_t e_fold = (int64_t)(((uint64_t)(uint32_t)p->diff_fold[2] << 32) | (uint32_t)p->diff_fold[1]);
        const int64_t t2 = (int32_t)((uint32_t)t << 1); /* (the DSP kernel's t: twice this one) */
        t = (int32_t)((t2 * p->sub.output_multiplier + e_fold) >> p->diff_fold[3]);
    }
    return t;
}

/* The outputs' forms, chosen once per call. */
enum { LN_SCALED, LN_GAMMA, LN_GAMMA_KEEP, LN_FOLDED, LN_FOLDED_KEEP, LN_ROUNDED, LN_ROUNDED_KEEP };

/* The compiler's forms (the SUB folded with B = m P + Q or from R(mean), the scale alone or gamma's and beta's
 * records): the per-call constants as one record of int32 (the compiler's `mve_rows`, in flash: layer_norm.py's
 * mve_rows_record() writes these fields in this order; else compiler_forms() fills one on the stack), read by
 * rows_tp() where used (the vector operands broadcast once per call; the tables and gamma's and beta's records
 * from p). */
typedef struct {
    int32_t form, linear;           /* LN_SCALED / LN_FOLDED / LN_FOLDED_KEEP; the SUB's B = m P + Q (else sub_term) */
    int32_t cols, back;             /* back: cols - 4 ceil(cols / 4) (the loops step a row by 4 ceil(cols / 4)) */
    int32_t av, o1g, gl;            /* the SUB fold's A; gamma's input offset and its left shift */
    int32_t msub, ml, mm, mrs, mzp; /* the mean: input zero point x count, left shift, multiplier, right shift
                                     * (min(shift, 0)), zp */
    int32_t vsub, vl, vm, vrs, vzp; /* the same for the variance */
    int32_t fp, fq, koff, o1s;      /* B = m P + Q; the scale's K offset and input offset */
    int32_t qsm, qsc, qsleft, qgm, qgc; /* the scale's and gamma's step_q (multiplier, rounding c, left shift) */
} ln_rows;

/* TFLM's MEAN of four rows from their sums (lanes), + zero point, saturated to int8 (tslm_mve_requant with the
 * shifts split once per call; ssat8 as the saturating shift left by 24 and back). */
TSLM_ALWAYS_INLINE int32x4_t mean4c(int32x4_t s, int32_t sub, int32_t l, int32_t m, int32x4_t right, int32_t r,
                                    int32_t zp)
{
    int32x4_t x = vqrdmulhq_n_s32(vshlq_r_s32(vsubq_n_s32(s, sub), l), m);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
    x = vaddq_n_s32(vrshlq_n_s32(x, r), zp);
    return vshrq_n_s32(vqshlq_n_s32(x, 24), 24);
}

/* sub_term() on four lanes (the fold from R(mean), not the linear one: rare, kept out of the row loop). */
__attribute__((noinline)) static int32x4_t sub_terms4(const tslm_layer_norm_params *p, int32x4_t m)
{
    int32_t t[4];
    vstrwq_s32(t, m);
    for (int32_t i = 0; i < 4; ++i) {
        t[i] = sub_term(p, t[i]);
    }
    return vldrwq_s32(t);
}

/* One row's outputs (form: LN_SCALED, LN_FOLDED or LN_FOLDED_KEEP) from its differences at *d, its scale k and
 * c0 = k o1s; *d, *y and *n stepped past the row (d by 4 ceil(cols / 4), y and n by cols). */
TSLM_ALWAYS_INLINE void out_row(const int8_t **d, int8_t **y, int8_t **n, int32_t k, int32_t c0, const int32_t cols,
                                const int32_t back, const int32_t *rec, const int32_t qsm, const int32x4_t qsc,
                                const int32_t qsc_s, const int32_t qsleft, const int32_t qgm, const int32x4_t qgc,
                                const int32_t ga, const int32x4_t sl, const int32x4_t o1g, const int32x4_t gl, const int form)
{
    if (form == LN_SCALED) {
        out_scaled_tp(d, y, cols, vdupq_n_s32(k), c0, qsm, qsc_s, qsleft);
    } else {
        out_folded_tp(d, y, n, cols, rec, vdupq_n_s32(k), c0, qsm, qsc, qgm, qgc, ga, sl, o1g, gl,
                      form == LN_FOLDED_KEEP);
    }
    *y += back;
    if (form == LN_FOLDED_KEEP) {
        *n += back;
    }
}

#if defined(__OPTIMIZE_SIZE__)
/* The size build's out_row() for a group's nb rows, its constants read from c once (a call per group: GCC -Os
 * does not inline out_row(), whose eighteen arguments then went through the stack for every row). */
__attribute__((noinline, flatten)) static void out_rows_c(const ln_rows *c, const tslm_layer_norm_params *p, const int8_t *d, int8_t **y, int8_t **n,
                                                          int32_t nb, const int32_t *kc, const int form)
{
    const int32_t cols = c->cols, back = c->back, qsm = c->qsm, qsc_s = c->qsc, qsleft = c->qsleft;
    const int32_t qgm = c->qgm;
    const int32_t *const rec = form == LN_SCALED ? NULL : p->folded + 1; /* (beta's slope, then the records) */
    const int32_t ga = form == LN_SCALED ? 0 : p->folded[0];
    const int32x4_t qsc = vdupq_n_s32(qsc_s), sl = vdupq_n_s32(qsleft), o1g = vdupq_n_s32(c->o1g),
                    gl = vdupq_n_s32(c->gl), qgc = vdupq_n_s32(c->qgc);
    for (int32_t i = 0; i < nb; ++i) {
        out_row(&d, y, n, kc[i], kc[4 + i], cols, back, rec, qsm, qsc, qsc_s, qsleft, qgm, qgc, ga, sl, o1g, gl, form);
    }
}
#endif

/* Every row of the compiler's forms, four a group: their sums, means, SUB terms on four lanes; each row's
 * differences (diff_row_tp(), into d0's rows); the variances, the scale table's entries and c0 on four lanes;
 * each row's outputs. The per-call constants in locals (registers where GCC finds them, else its own spills). */
TSLM_ALWAYS_INLINE void rows_tp(const ln_rows *c, const tslm_layer_norm_params *p, const int8_t *x, int8_t *y,
                                int8_t *n, int8_t *const d0, const int form)
{
    const int32_t cols = c->cols, back = c->back; /* (the group's constants read from c where they are used: as
                                                    * cheap as GCC's own spills, and no copy per call) */
    int32_t rows = p->rows;
    const int linear = c->linear;
    const int32x4_t av = vdupq_n_s32(c->av), mr = vdupq_n_s32(c->mrs), vr = vdupq_n_s32(c->vrs);
    const int8_t *const sq = p->square + 128, *const tab = p->scale_table + 128;
#if !defined(__OPTIMIZE_SIZE__) /* (the size build's out_rows_c() reads its own) */
    const int32_t qsm = c->qsm, qsc_s = c->qsc, qsleft = c->qsleft, qgm = c->qgm;
    const int32x4_t sl = vdupq_n_s32(qsleft), o1g = vdupq_n_s32(c->o1g), gl = vdupq_n_s32(c->gl),
                    qsc = vdupq_n_s32(qsc_s), qgc = vdupq_n_s32(c->qgc);
    const int32_t *const rec = form == LN_SCALED ? NULL : p->folded + 1; /* (beta's slope, then the records) */
    const int32_t ga = form == LN_SCALED ? 0 : p->folded[0];
#endif
    int32_t kc[8]; /* the group's scales, then their c0 */
#if !defined(__OPTIMIZE_SIZE__)
    int32_t len[4] = {cols, cols, cols, cols}; /* the group's row lengths */
#endif
    for (;;) {
        const int32_t nb = rows < 4 ? rows : 4;
        int32x4_t s;
        if (nb == 4) {
            s = row_sums4v(x, cols);
        } else {
            s = vdupq_n_s32(0);
            s = vsetq_lane_s32(row_sum(x, cols), s, 0);
            s = vsetq_lane_s32(row_sum(x + cols, nb > 1 ? cols : 0), s, 1);
            s = vsetq_lane_s32(row_sum(x + 2 * cols, nb > 2 ? cols : 0), s, 2);
        }
        const int32x4_t m = mean4c(s, c->msub, c->ml, c->mm, mr, c->mrs, c->mzp);
        const int32x4_t t = linear ? vmlasq_n_s32(m, vdupq_n_s32(c->fp), c->fq) : sub_terms4(p, m);
        const int8_t *xp = x;
        int8_t *dp = d0;
#if defined(__OPTIMIZE_SIZE__) /* (a loop: the unrolled rows' code twice the size) */
        int32_t tv[4];
        vstrwq_s32(tv, t);
        vstrwq_s32(kc, vdupq_n_s32(0));
        for (int32_t i = 0; i < nb; ++i) {
            kc[i] = diff_row_tp(&xp, &dp, cols, av, tv[i], sq);
            xp += back;
        }
        int32x4_t v = vldrwq_s32(kc);
#else
        if (nb < 4) { /* (the last group: rows past it of length 0, their loops skipped, no test per row) */
            len[1] = nb > 1 ? cols : 0;
            len[2] = nb > 2 ? cols : 0;
            len[3] = 0;
        }
        int32x4_t v = diff_rows4_tp(xp, dp, len, back, av, t, sq);
#endif
        v = mean4c(v, c->vsub, c->vl, c->vm, vr, c->vrs, c->vzp);
        const int32x4_t k = vaddq_n_s32(vldrbq_gather_offset_s32(tab, vreinterpretq_u32_s32(v)), c->koff);
        vstrwq_s32(kc, k);
        vstrwq_s32(kc + 4, vmulq_n_s32(k, c->o1s));
        const int8_t *dq = d0;
#if defined(__OPTIMIZE_SIZE__)
        out_rows_c(c, p, dq, &y, &n, nb, kc, form);
#else
#define TSLM_LN_OUT_ROW(I, L) \
    out_row(&dq, &y, &n, kc[I], kc[4 + I], L, back, rec, qsm, qsc, qsc_s, qsleft, qgm, qgc, ga, sl, o1g, gl, form)
        TSLM_LN_OUT_ROW(0, cols);
        TSLM_LN_OUT_ROW(1, len[1]);
        TSLM_LN_OUT_ROW(2, len[2]);
        TSLM_LN_OUT_ROW(3, len[3]);
#undef TSLM_LN_OUT_ROW
#endif
        rows -= nb;
        if (rows == 0) {
            return;
        }
        x += 4 * cols;
    }
}

/* rows_tp() per form (the form a constant in each; at -Os one function, the form an argument). */
#if defined(__OPTIMIZE_SIZE__)
__attribute__((noinline)) static void rows_any(const ln_rows *c, const tslm_layer_norm_params *p, const int8_t *x,
                                               int8_t *y, int8_t *n, int8_t *d0, int form)
{
    rows_tp(c, p, x, y, n, d0, form);
}
#else
#define TSLM_LN_ROWS(NAME, FORM)                                                                              \
    __attribute__((noinline)) static void NAME(const ln_rows *c, const tslm_layer_norm_params *p,            \
                                               const int8_t *x, int8_t *y, int8_t *n, int8_t *d0)            \
    {                                                                                                         \
        rows_tp(c, p, x, y, n, d0, FORM);                                                                     \
    }
TSLM_LN_ROWS(rows_scaled, LN_SCALED)
TSLM_LN_ROWS(rows_folded, LN_FOLDED)
TSLM_LN_ROWS(rows_folded_keep, LN_FOLDED_KEEP)
#undef TSLM_LN_ROWS
#endif

/* The rows of the compiler's forms with the record c (n: the normalized values' output, or y). */
TSLM_ALWAYS_INLINE void rows_of(const ln_rows *c, const tslm_layer_norm_params *p, const int8_t *x, int8_t *y,
                                int8_t *n, int8_t *d0)
{
#if defined(__OPTIMIZE_SIZE__)
    rows_any(c, p, x, y, n, d0, c->form);
#else
    const int form = c->form;
    if (form == LN_SCALED) {
        rows_scaled(c, p, x, y, n, d0);
    } else if (form == LN_FOLDED) {
        rows_folded(c, p, x, y, n, d0);
    } else {
        rows_folded_keep(c, p, x, y, n, d0);
    }
#endif
}

/* The compiler's forms without its record (generated code of before it): the record filled here, as
 * layer_norm.py's mve_rows_record() writes it, then its rows. */
__attribute__((noinline)) static void compiler_forms(const tslm_layer_norm_params *p, const int8_t *input,
                                                     int8_t *output, int8_t *normalized, int8_t *d0, const int form)
{
    const int32_t cols = p->cols;
    const step_q qs = step_of(&p->scale);
    step_q qg = {0, 0, 0};
    if (p->steps >= 1) {
        qg = step_of(&p->gamma);
    }
    const int32_t ms = p->mean.shift, vs = p->var.shift;
    const ln_rows c = {form, p->diff_fold[3] < 0, cols, cols - TSLM_LN_UP4(cols),
                       p->diff_fold[0], p->steps >= 1 ? p->gamma.in1_offset : 0, qg.left,
                       p->mean.input_zero_point * p->mean.reduce_count, ms > 0 ? ms : 0, p->mean.multiplier,
                       ms < 0 ? ms : 0, p->mean.output_zero_point,
                       p->var.input_zero_point * p->var.reduce_count, vs > 0 ? vs : 0, p->var.multiplier,
                       vs < 0 ? vs : 0, p->var.output_zero_point,
                       p->diff_fold[1], p->diff_fold[2], p->scale.in2_offset, p->scale.in1_offset,
                       qs.m, qs.c, qs.left, qg.m, qg.c};
    rows_of(&c, p, input, output, form == LN_FOLDED_KEEP ? normalized : output, d0);
}

/* Rows go four at a time: their sums, means and the SUB's terms on four lanes; each row's differences (into a
 * scratch row of its own) and its sum of squares; the four variances, the scale table's entries (one gather) and
 * the scale's products on four lanes; then each row's outputs. The per-row scalar steps (two requantizations,
 * the table read, the forms' tests) run once per four rows. */
__attribute__((noinline)) static void layer_norm(const tslm_layer_norm_params *p, const int8_t *input,
                                                 const int8_t *gamma, const int8_t *beta, int8_t *normalized,
                                                 int8_t *output, int32_t *scratch)
{
    const int32_t cols = p->cols;
    const int folded = p->steps == 2 && p->folded != NULL; /* gamma's and beta's records, checked by the compiler */
    if (cols < 1 || !handled(&p->sub, 1) || !handled(&p->scale, 0) || (p->steps >= 1 && !handled(&p->gamma, 0)) ||
        (p->steps == 2 && !folded && !handled(&p->beta, 1))) {
        tslm_layer_norm_s8(p, input, gamma, beta, normalized, output, scratch); /* the portable kernel */
        return;
    }
    const int32_t up = TSLM_LN_UP4(cols);
    int8_t *const d0 = (int8_t *)(scratch + 2); /* four rows' differences, up bytes apart */
    const int keep = normalized != NULL && p->steps >= 1;
    const int form = p->steps == 0 ? LN_SCALED
                     : p->steps == 1 ? LN_GAMMA + keep
                     : folded        ? LN_FOLDED + keep
                                     : LN_ROUNDED + keep;
    const int diff_fold = p->diff_fold[3] != 0; /* the SUB as ssat8((x A + B) >> 22) */
    if (diff_fold && (form == LN_SCALED || folded)) { /* the compiler's forms: the assembly loops throughout */
        compiler_forms(p, input, output, normalized, d0, form);
        return;
    }
    int32_t *kg = scratch + 2 + up;             /* per channel: gamma + its offset */
    int32_t *bc = kg + cols;                    /* per channel: o1 << 19 + R(beta) */
    const step_q qd = step_of(&p->sub), qs = step_of(&p->scale);
    step_q qg = {0, 0, 0}, qb = {0, 0, 0};
    int32_t o1g = 0;
    if (p->steps >= 1) {
        qg = step_of(&p->gamma);
        o1g = p->gamma.in1_offset;
    }
    if (p->steps >= 1 && !folded) {
        for (int32_t i = 0; i < cols; i += 4) {
            const mve_pred16_t pr = vctp32q((uint32_t)(cols - i));
            vstrwq_p_s32(kg + i, vaddq_n_s32(vldrbq_z_s32(gamma + i, pr), p->gamma.in2_offset), pr);
        }
    }
    if (p->steps == 2 && !folded) {
        qb = step_of(&p->beta);
        const int32x4_t m = vdupq_n_s32(p->beta.in2_multiplier), sh = vdupq_n_s32(p->beta.in2_shift);
        for (int32_t i = 0; i < cols; i += 4) { /* R(beta) (tslm_mve_requant: tslm_requantize on four lanes) */
            const mve_pred16_t pr = vctp32q((uint32_t)(cols - i));
            const int32x4_t b = vshlq_n_s32(vaddq_n_s32(vldrbq_z_s32(beta + i, pr), p->beta.in2_offset), 20);
            vstrwq_p_s32(bc + i, vaddq_n_s32(tslm_mve_requant(b, m, sh), shl19(p->beta.in1_offset)), pr);
        }
    }
    const int linear = p->diff_fold[3] < 0;     /* its B = m P + Q */
    const int8_t *const square = p->square + 128; /* (d's entry at square[d]; a local: the int8 stores may alias p) */
    const int32x4_t av = vdupq_n_s32(p->diff_fold[0]);
    const int8_t *const scale_tab = p->scale_table + 128;
    const int32_t rows = p->rows;
    const int32_t k_off = p->scale.in2_offset, o1s = p->scale.in1_offset;
    int32_t lanes[3][4]; /* the four rows' SUB terms / sums of squares, then scale factors and their offsets' product */
    for (int32_t r = 0; r < rows; r += 4) {
        const int32_t nb = rows - r < 4 ? rows - r : 4;
        const int8_t *const x = input + r * cols;
        if (nb == 4) {
            row_sums4(x, cols, lanes[0]);
        } else {
            for (int32_t i = 0; i < 4; ++i) {
                lanes[0][i] = row_sum(x + i * cols, i < nb ? cols : 0);
            }
        }
        const int32x4_t m = mean4(vldrwq_s32(lanes[0]), &p->mean);
        if (linear) {
            vstrwq_s32(lanes[0], vmlasq_n_s32(m, vdupq_n_s32(p->diff_fold[1]), p->diff_fold[2]));
        } else {
            vstrwq_s32(lanes[1], m);
            for (int32_t i = 0; i < 4; ++i) {
                lanes[0][i] = sub_term(p, lanes[1][i]);
            }
        }
        vstrwq_s32(lanes[1], vdupq_n_s32(0));
        if (diff_fold) { /* (the SUB folded, the outputs by the C loops below) */
            const int8_t *xp = x;
            int8_t *dp = d0;
            for (int32_t i = 0; i < nb; ++i) {
                lanes[1][i] = diff_row_tp(&xp, &dp, cols, av, lanes[0][i], square);
                xp += cols - up;
            }
        } else {
            for (int32_t i = 0; i < nb; ++i) {
                lanes[1][i] = differences_rounded(x + i * cols, d0 + i * up, cols, lanes[0][i], qd, square);
            }
        }
        const int32x4_t v = mean4(vldrwq_s32(lanes[1]), &p->var);
        const int32x4_t k = vaddq_n_s32(vldrbq_gather_offset_s32(scale_tab, vreinterpretq_u32_s32(v)), k_off);
        vstrwq_s32(lanes[1], k);
        vstrwq_s32(lanes[2], vmulq_n_s32(k, o1s));
        int8_t *const y = output + r * cols;
        if (form == LN_SCALED || folded) { /* (the compiler's output forms after the kernel's rounded SUB) */
            const int8_t *dq = d0;
            int8_t *yq = y, *nq = keep ? normalized + r * cols : y;
            for (int32_t i = 0; i < nb; ++i) {
                out_row(&dq, &yq, &nq, lanes[1][i], lanes[2][i], cols, cols - up, folded ? p->folded + 1 : NULL, qs.m,
                        vdupq_n_s32(qs.c), qs.c, qs.left, qg.m, vdupq_n_s32(qg.c), folded ? p->folded[0] : 0,
                        vdupq_n_s32(qs.left), vdupq_n_s32(o1g), vdupq_n_s32(qg.left), form);
            }
            continue;
        }
        for (int32_t i = 0; i < nb; ++i) { /* (gamma and beta without the compiler's records) */
            const int8_t *const di = d0 + i * up;
            int8_t *const yi = y + i * cols;
            int8_t *const n = keep ? normalized + (r + i) * cols : yi;
            const int32_t ki = lanes[1][i], c0 = lanes[2][i];
#if defined(__OPTIMIZE_SIZE__) /* (one call: the forms are arguments there) */
            outputs_rounded(di, yi, n, cols, kg, bc, ki, c0, qs, qg, qb, o1g, p->steps, keep);
#else
            switch (form) {
            case LN_GAMMA:
                outputs_rounded(di, yi, yi, cols, kg, bc, ki, c0, qs, qg, qb, o1g, 1, 0);
                break;
            case LN_GAMMA_KEEP:
                outputs_rounded(di, yi, n, cols, kg, bc, ki, c0, qs, qg, qb, o1g, 1, 1);
                break;
            case LN_ROUNDED:
                outputs_rounded(di, yi, yi, cols, kg, bc, ki, c0, qs, qg, qb, o1g, 2, 0);
                break;
            default:
                outputs_rounded(di, yi, n, cols, kg, bc, ki, c0, qs, qg, qb, o1g, 2, 1);
                break;
            }
#endif
        }
    }
}

/* With the compiler's record (p->mve_rows: its forms, every condition layer_norm() tests checked there) straight to
 * the rows (no frame here: the group functions' tail calls); else layer_norm(). */
void tslm_mve_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                            const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch)
{
    const ln_rows *const rec = (const ln_rows *)p->mve_rows;
    if (rec != NULL) {
        rows_of(rec, p, input, output, rec->form == LN_FOLDED_KEEP ? normalized : output, (int8_t *)(scratch + 2));
        return;
    }
    layer_norm(p, input, gamma, beta, normalized, output, scratch);
}

int32_t tslm_mve_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p)
{
    /* (four rows' differences; gamma's and beta's records: no per-call terms) */
    const int folded = p->steps == 2 && p->folded != NULL;
    return tslm_layer_norm_s8_get_buffer_size(p) + 2 * TSLM_LN_UP4(p->cols) + (folded ? 0 : 12 * p->cols);
}
