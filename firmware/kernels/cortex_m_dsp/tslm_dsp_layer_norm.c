/*
 * tslm_dsp_layer_norm.c - the fused int8 layer norm for the Cortex-M DSP extension.
 *
 * Per row: the sum for the mean (SMLAD on byte pairs), then one loop that computes each difference
 * d = SUB(x, mean), keeps it in a row of scratch and sums its square (the square's table), then one
 * loop that computes each output from d through the scale MUL, the gamma MUL and the beta ADD in
 * registers. Every rounded step is tslm_dsp_op_shifted() (tslm_dsp.h: SMMLAR with the zero point in
 * its rounding term) on twice the value TFLM rounds, as the DSP ADD/SUB/MUL kernels compute it:
 *   SUB:  2 (R(x) - R(mean)) = (x + o1) << 20 - 2 R(mean), R(x) exact at TFLM's multiplier 1/2;
 *   MUL:  2 (d + o1)(s + o2) = d K + o1 K with K = 2 (s + o2);
 *   ADD:  2 (R(g) + R(beta)) = (g + o1) << 20 + 2 R(beta).
 * The row's mean and variance take one SMMLAR form (row_round: a right shift of 1..22 or a left shift of
 * 0..10); R(mean) and R(beta), where the compiler folded neither, tslm_dsp_op_shifted or the portable
 * requantization (tslm_requantize). Bounds as in tslm_dsp_binary.c: left shift 20 with input 1 at 1/2 for
 * SUB/ADD, output shifts right by 1..22, no activation clamps; anything else, the portable kernel. The usual
 * case (the compiler's fold_sub_linear, the output at or below the input or past it, gamma's and beta's
 * records or neither) runs in rows_linear(), the rest in the general row loop.
 */
#include "tslm_dsp_layer_norm.h"
#include "tslm_dsp.h"

#define TSLM_LN_UP4(n) (((n) + 3) / 4 * 4)
#define TSLM_LN_STR2(x) #x
#define TSLM_LN_STR(x) TSLM_LN_STR2(x)
#define TSLM_LN_MAX_COLS 1024

/* {unused, multiplier, right shift, 2^(r-1) + zero point 2^r}: tslm_dsp_op_shifted's record. */
static void out_record(int32_t rq[4], const tslm_binary_params *b)
{
    const int32_t r = -b->output_shift;
    rq[0] = 0;
    rq[1] = b->output_multiplier;
    rq[2] = r;
    rq[3] = (int32_t)((UINT32_C(1) << (r - 1)) + ((uint32_t)b->output_offset << r));
}

static int handled(const tslm_binary_params *b, const int half)
{
    const int ok = b->act_min == -128 && b->act_max == 127 && b->output_shift <= -1 && b->output_shift >= -22;
    return ok && (!half || (b->left_shift == 20 && b->in1_multiplier == (INT32_C(1) << 30) && b->in1_shift == 0));
}

/* One per-channel rounding (the SUB's and beta's rescaled inputs), TFLM's MultiplyByQuantizedMultiplier(x, m, shift) +
 * z: by tslm_dsp_op_shifted() on 2x where the shift is a right shift of 1..22 (rq: its record), else
 * tslm_requantize. Callers keep |2x| < 2^30. */
typedef struct {
    int32_t rq[4];
    int32_t m, shift, z, fast;
} round_t;

static void make_round(round_t *q, int32_t m, int32_t shift, int32_t z)
{
    q->m = m, q->shift = shift, q->z = z;
    q->fast = shift <= -1 && shift >= -22;
    if (q->fast) {
        q->rq[0] = 0;
        q->rq[1] = m;
        q->rq[2] = -shift;
        q->rq[3] = (int32_t)((UINT32_C(1) << (-shift - 1)) + ((uint32_t)z << -shift));
    }
}

TSLM_ALWAYS_INLINE int32_t rounded(const round_t *q, int32_t x)
{
    if (q->fast) {
        return tslm_dsp_op_shifted((int32_t)((uint32_t)x << 1), q->rq);
    }
    return tslm_requantize(x, q->m, q->shift) + q->z;
}

/* A row mean's rounding, MultiplyByQuantizedMultiplier(x, m, shift) + z for |x| < 2^18 (x = sum - zs: a row's sum
 * less its zero points, 255 cols at most), one form without branches: SMMLAR(x << l, m, rz + (x < 0 ? mask : 0)) >> r.
 *   a right shift of 1..22: tslm_dsp_op_shifted on 2x (l 1, rz 2^(r-1) + z 2^r, mask -1);
 *   a left shift s of 0..TSLM_LN_LEFT_MAX: TFLM's SaturatingRoundingDoublingHighMul(x 2^s, m) alone, which is
 *   floor((x 2^s m + 2^30) / 2^31), SMMLAR's rounding of 2x 2^s m / 2^32 exactly, z its accumulator (l s + 1,
 *   rz z, mask 0, r 0: no rounding divide, no sign correction).
 * Any other shift: row_round() returns 0 (the portable kernel). */
#define TSLM_LN_LEFT_MAX 10
typedef struct {
    int32_t l, m, rz, mask, r, zs; /* (in this order: mean_of's three LDRD) */
} row_round_t;

static int row_round(row_round_t *q, int32_t m, int32_t shift, int32_t z, int32_t zs)
{
    q->m = m, q->zs = zs;
    if (shift <= -1 && shift >= -22) {
        q->l = 1, q->mask = -1, q->r = -shift;
        q->rz = (int32_t)((UINT32_C(1) << (-shift - 1)) + ((uint32_t)z << -shift));
        return 1;
    }
    q->l = shift + 1, q->mask = 0, q->r = 0, q->rz = z;
    return shift >= 0 && shift <= TSLM_LN_LEFT_MAX;
}

/* A MEAN of one row from its sum (q->zs: the input zero point times the count, and the row sum's bias), as
 * tslm_mean_s8 computes it: TFLM's QuantizedMeanOrSum. */
TSLM_ALWAYS_INLINE int32_t mean_of(const row_round_t *q, int32_t sum)
{
#if defined(TSLM_DSP_ASM)
    int32_t l, m, rz, mask, r, zs;
    __asm__("ldrd %[l], %[m], [%[q]]\n\t"
            "ldrd %[rz], %[mask], [%[q], #8]\n\t"
            "ldrd %[r], %[zs], [%[q], #16]\n\t"
            "sub %[s], %[s], %[zs]\n\t"
            "and %[mask], %[mask], %[s], asr #31\n\t"
            "add %[rz], %[rz], %[mask]\n\t"
            "lsl %[s], %[s], %[l]\n\t"
            "smmlar %[s], %[s], %[m], %[rz]\n\t"
            "asr %[s], %[s], %[r]\n\t"
            "ssat %[s], #8, %[s]"
            : [s] "+r"(sum), [l] "=&r"(l), [m] "=&r"(m), [rz] "=&r"(rz), [mask] "=&r"(mask), [r] "=&r"(r),
              [zs] "=&r"(zs)
            : [q] "r"(q)
            : "memory");
    return sum;
#else
    const int32_t x = sum - q->zs;
    const uint32_t acc = (uint32_t)q->rz + ((uint32_t)(x >> 31) & (uint32_t)q->mask);
    return tslm_ssat8(tslm_smmlar((int32_t)((uint32_t)x << q->l), q->m, (int32_t)acc) >> q->r);
#endif
}

/* Twice input 2's rescaled value for ADD/SUB at left shift 20: 2 R(v) (TFLM's (v + offset) << 20 times
 * its multiplier). */
TSLM_ALWAYS_INLINE int32_t twice_rescaled2(const round_t *q, int32_t v, int32_t offset)
{
    return (int32_t)((uint32_t)rounded(q, (int32_t)((uint32_t)(v + offset) << 20)) << 1);
}

/* The sum of n int8 plus 128 (n & ~3): four at a time as unsigned bytes x + 128 (EOR 0x80 each, USADA8 against
 * zero), two words a turn, the rest one by one (the 128s: in the mean's zero sum, TSLM_LN_BIAS). */
#define TSLM_LN_BIAS(n) (128 * ((n) & ~3))
TSLM_ALWAYS_INLINE int32_t row_sum(const int8_t *x, int32_t n)
{
    uint32_t s = 0;
    int32_t i = n & ~3;
#if defined(TSLM_DSP_ASM)
    if (i > 0) { /* (the loop in assembly: in C, GCC -O2 spilled the zero register and reloaded it every turn) */
        const int8_t *xp = x;
        uint32_t w, v, z;
        __asm__("mov %[z], #0\n\t"
                "tst %[i], #4\n\t" /* an odd word first */
                "beq 2f\n\t"
                "ldr %[w], [%[xp]], #4\n\t"
                "eor %[w], %[w], #0x80808080\n\t"
                "usada8 %[s], %[w], %[z], %[s]\n\t"
                "cmp %[xp], %[end]\n\t"
                "beq 3f\n"
                "2:\n\t"
                "ldr %[w], [%[xp]], #4\n\t" /* (LDR, not LDRD: rows need not be word aligned) */
                "ldr %[v], [%[xp]], #4\n\t"
                "eor %[w], %[w], #0x80808080\n\t"
                "eor %[v], %[v], #0x80808080\n\t"
                "usada8 %[s], %[w], %[z], %[s]\n\t"
                "usada8 %[s], %[v], %[z], %[s]\n\t"
                "cmp %[xp], %[end]\n\t"
                "bne 2b\n"
                "3:"
                : [s] "+r"(s), [xp] "+r"(xp), [w] "=&r"(w), [v] "=&r"(v), [z] "=&r"(z)
                : [end] "r"(x + i), [i] "r"(i)
                : "cc", "memory");
    }
#else
    for (int32_t c = 0; c < i; c += 4) {
        const uint32_t w = (uint32_t)tslm_read32(x + c) ^ UINT32_C(0x80808080);
        s += (w & 0xFFu) + ((w >> 8) & 0xFFu) + ((w >> 16) & 0xFFu) + (w >> 24);
    }
#endif
    int32_t t = (int32_t)s;
    for (; i < n; ++i) {
        t += x[i];
    }
    return t;
}

/* A call's constants for the row loops (one pointer for the calls per row: no arguments on the stack). */
typedef struct {
    row_round_t mean, var;
    int32_t a, pm, q;       /* the SUB's fold: x A + (m P + Q) */
    const int8_t *sq, *tab; /* the squares' table and the row scales', both indexed -128..127 */
    int32_t s_off, s_in1;   /* the scale MUL's offsets */
    const int32_t *rqs, *rec, *g;
    int32_t cols;
} rows_t;

#if defined(TSLM_DSP_ASM)
/* n >= 1 elements of BODY: an odd first one, then two per turn, until the pointer P reaches END (an even n
 * straight into the loop) */
#define TSLM_LN_LOOP(BODY, P)                              \
    "tst %[n], #1\n\t"                                    \
    "beq 1f\n\t"                                          \
    BODY                                                  \
    "cmp %[" P "], %[end]\n\t"                            \
    "beq 3f\n"                                            \
    "1:\n\t"                                              \
    BODY BODY                                             \
    "cmp %[" P "], %[end]\n\t"                            \
    "bne 1b\n"                                            \
    "3:"
/* x: twice the value TFLM rounds -> its int8 result (rq record: m, rz, r) */
#define TSLM_LN_OUT(M, RZ, R)                              \
    "add %[u], %[" RZ "], %[x], asr #31\n\t"              \
    "smmlar %[x], %[x], %[" M "], %[u]\n\t"               \
    "asr %[x], %[x], %[" R "]\n\t"                        \
    "ssat %[x], #8, %[x]\n\t"
#endif

/* d[c] = SUB(x[c], mean) for c < n (n >= 1), t: twice the mean's side; returns the sum of the squares'
 * table values (sq indexed -128..127). */
/* (not inlined: its loop takes 12 registers, which GCC -O2 does not always find inside the row loop) */
__attribute__((noinline)) static int32_t differences(const int8_t *x, int8_t *d, int32_t n, int32_t t,
                                                     const int32_t *rq, const int8_t *sq)
{
    int32_t s = 0;
#if defined(TSLM_DSP_ASM)
    const int8_t *end = d + n;
    int32_t v, u;
    __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[xp]], #1\n\t"
                                  "add %[x], %[t], %[x], lsl #20\n\t"
                                  TSLM_LN_OUT("m", "rz", "r")
                                  "strb %[x], [%[dp]], #1\n\t"
                                  "ldrsb %[u], [%[sq], %[x]]\n\t"
                                  "add %[s], %[s], %[u]\n\t", "dp")
                     : [xp] "+r"(x), [dp] "+r"(d), [s] "+r"(s), [x] "=&r"(v), [u] "=&r"(u)
                     : [n] "r"(n), [end] "r"(end), [t] "r"(t), [m] "r"(rq[1]), [rz] "r"(rq[3]), [r] "r"(rq[2]),
                       [sq] "r"(sq)
                     : "cc", "memory");
#else
    for (int32_t c = 0; c < n; ++c) {
        const int32_t v = tslm_ssat8(tslm_dsp_op_shifted(t + (int32_t)((uint32_t)x[c] << 20), rq));
        d[c] = (int8_t)v;
        s += sq[v];
    }
#endif
    return s;
}

/* differences() from the compiler's fold of the SUB (p->diff_fold): d[c] = ssat8((x[c] A + B) >> TSLM_LN_DIFF_SHIFT)
 * with the row's B; returns the sum of the squares' table values (n >= 1). */
/* (not split into its fields by GCC's interprocedural SRA: they would go on the stack per call) */
#if defined(__GNUC__) && !defined(__clang__)
#define TSLM_LN_NOIPA __attribute__((noipa))
#else
#define TSLM_LN_NOIPA __attribute__((noinline))
#endif
TSLM_LN_NOIPA static int32_t differences_folded(const int8_t *x, int8_t *d, int32_t b, const rows_t *rc)
{
    const int32_t n = rc->cols, a = rc->a;
    const int8_t *sq = rc->sq;
    int32_t s = 0;
#if defined(TSLM_DSP_ASM)
    const int8_t *end = d + n;
    int32_t v, u;
    __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[xp]], #1\n\t"
                                  "mla %[x], %[x], %[a], %[b]\n\t"
                                  "ssat %[x], #8, %[x], asr #" TSLM_LN_STR(TSLM_LN_DIFF_SHIFT) "\n\t"
                                  "strb %[x], [%[dp]], #1\n\t"
                                  "ldrsb %[u], [%[sq], %[x]]\n\t"
                                  "add %[s], %[s], %[u]\n\t", "dp")
                     : [xp] "+r"(x), [dp] "+r"(d), [s] "+r"(s), [x] "=&r"(v), [u] "=&r"(u)
                     : [n] "r"(n), [end] "r"(end), [a] "r"(a), [b] "r"(b), [sq] "r"(sq)
                     : "cc", "memory");
#else
    for (int32_t c = 0; c < n; ++c) {
        const int32_t v = tslm_ssat8((x[c] * a + b) >> TSLM_LN_DIFF_SHIFT);
        d[c] = (int8_t)v;
        s += sq[v];
    }
#endif
    return s;
}

/* y[c] = MUL(d[c], the row's scale) = out(d[c] k + c0), also to n2 when n2 != y (n >= 1). */
/* (not inlined: with n2 its loop takes 12 registers, which GCC -O2 does not always find inside the row loop) */
TSLM_LN_NOIPA static void scaled(const int8_t *d, int8_t *y, int8_t *n2, int32_t k, const rows_t *rc)
{
    const int32_t n = rc->cols, c0 = rc->s_in1 * k, *rq = rc->rqs;
#if defined(TSLM_DSP_ASM)
    const int8_t *end = y + n;
    int32_t v, u;
    if (n2 != y) {
        __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[dp]], #1\n\t"
                                      "mla %[x], %[x], %[k], %[c]\n\t"
                                      TSLM_LN_OUT("m", "rz", "r")
                                      "strb %[x], [%[n2]], #1\n\t"
                                      "strb %[x], [%[yp]], #1\n\t", "yp")
                         : [dp] "+r"(d), [yp] "+r"(y), [n2] "+r"(n2), [x] "=&r"(v), [u] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [k] "r"(k), [c] "r"(c0), [m] "r"(rq[1]), [rz] "r"(rq[3]),
                           [r] "r"(rq[2])
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[dp]], #1\n\t"
                                      "mla %[x], %[x], %[k], %[c]\n\t"
                                      TSLM_LN_OUT("m", "rz", "r")
                                      "strb %[x], [%[yp]], #1\n\t", "yp")
                         : [dp] "+r"(d), [yp] "+r"(y), [x] "=&r"(v), [u] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [k] "r"(k), [c] "r"(c0), [m] "r"(rq[1]), [rz] "r"(rq[3]),
                           [r] "r"(rq[2])
                         : "cc", "memory");
    }
#else
    for (int32_t i = 0; i < n; ++i) {
        const int8_t v = (int8_t)tslm_ssat8(tslm_dsp_op_shifted(d[i] * k + c0, rq));
        n2[i] = v;
        y[i] = v;
    }
#endif
}

/* y[c] = MUL(y[c], gamma[c]) in place, then (beta) ADD of beta[c]: kct holds K, o1 K and beta's term per
 * channel (n >= 1). */
/* (not inlined: its loop takes 13 registers) */
__attribute__((noinline)) static void gamma_beta(int8_t *y, int32_t n, const int32_t *kct, const int32_t *rqg,
                                                 const int32_t *rqb, const int beta)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = y + n;
    int32_t v, u, k, c;
    if (beta) {
        __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[yp]]\n\t"
                                      "ldrd %[k], %[c], [%[kc]], #8\n\t"
                                      "mla %[x], %[x], %[k], %[c]\n\t"
                                      TSLM_LN_OUT("mg", "rzg", "rg")
                                      "ldr %[k], [%[kc]], #4\n\t"
                                      "add %[x], %[k], %[x], lsl #20\n\t"
                                      TSLM_LN_OUT("mb", "rzb", "rb")
                                      "strb %[x], [%[yp]], #1\n\t", "yp")
                         : [yp] "+r"(y), [kc] "+r"(kct), [x] "=&r"(v), [u] "=&r"(u), [k] "=&r"(k), [c] "=&r"(c)
                         : [n] "r"(n), [end] "r"(end), [mg] "r"(rqg[1]), [rzg] "r"(rqg[3]), [rg] "r"(rqg[2]),
                           [mb] "r"(rqb[1]), [rzb] "r"(rqb[3]), [rb] "r"(rqb[2])
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[yp]]\n\t"
                                      "ldrd %[k], %[c], [%[kc]], #12\n\t"
                                      "mla %[x], %[x], %[k], %[c]\n\t"
                                      TSLM_LN_OUT("mg", "rzg", "rg")
                                      "strb %[x], [%[yp]], #1\n\t", "yp")
                         : [yp] "+r"(y), [kc] "+r"(kct), [x] "=&r"(v), [u] "=&r"(u), [k] "=&r"(k), [c] "=&r"(c)
                         : [n] "r"(n), [end] "r"(end), [mg] "r"(rqg[1]), [rzg] "r"(rqg[3]), [rg] "r"(rqg[2])
                         : "cc", "memory");
    }
#else
    for (int32_t i = 0; i < n; ++i, kct += 3) {
        int32_t v = tslm_ssat8(tslm_dsp_op_shifted(y[i] * kct[0] + kct[1], rqg));
        if (beta) {
            v = tslm_ssat8(tslm_dsp_op_shifted(kct[2] + (int32_t)((uint32_t)v << 20), rqb));
        }
        y[i] = (int8_t)v;
    }
#endif
}

/* y[c] = MUL(y[c], gamma[c]) then ADD of beta[c] in place from the compiler's records {K, C, A, B} per channel:
 * out(y K + C) (rqg), then ssat8((v A + B) >> TSLM_LN_FOLD_SHIFT) (n >= 1). */
/* (not inlined: its loop takes 12 registers) */
__attribute__((noinline)) static void gamma_beta_folded(int8_t *y, int32_t n, const int32_t *rec, const int32_t *rqg)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = y + n;
    int32_t v, u, k, c;
    __asm__ volatile(TSLM_LN_LOOP("ldrsb %[x], [%[yp]]\n\t"
                                  "ldrd %[k], %[c], [%[kc]], #8\n\t"
                                  "mla %[x], %[x], %[k], %[c]\n\t"
                                  TSLM_LN_OUT("mg", "rzg", "rg")
                                  "ldrd %[k], %[c], [%[kc]], #8\n\t"
                                  "mla %[x], %[x], %[k], %[c]\n\t"
                                  "ssat %[x], #8, %[x], asr #" TSLM_LN_STR(TSLM_LN_FOLD_SHIFT) "\n\t"
                                  "strb %[x], [%[yp]], #1\n\t", "yp")
                     : [yp] "+r"(y), [kc] "+r"(rec), [x] "=&r"(v), [u] "=&r"(u), [k] "=&r"(k), [c] "=&r"(c)
                     : [n] "r"(n), [end] "r"(end), [mg] "r"(rqg[1]), [rzg] "r"(rqg[3]), [rg] "r"(rqg[2])
                     : "cc", "memory");
#else
    for (int32_t i = 0; i < n; ++i, rec += 4) {
        const int32_t v = tslm_ssat8(tslm_dsp_op_shifted(y[i] * rec[0] + rec[1], rqg));
        y[i] = (int8_t)tslm_ssat8((v * rec[2] + rec[3]) >> TSLM_LN_FOLD_SHIFT);
    }
#endif
}

/* y[c] = the scale step, gamma's MUL and beta's ADD of the difference held in y[c] itself (in place: one pointer for
 * both), gamma and beta from the compiler's records {K, C, A, B} per channel (gamma_beta_folded's), the scaled value
 * also to n2 when n2 != y (n >= 1): scaled() and gamma_beta_folded() in one loop, one load and store less per element.
 * g: gamma's multiplier, rounding term and shift. Each rounding's temporary is a record register already consumed
 * (k after the scale's MLA, c after gamma's), so the loop holds gamma's multiplier and rounding term in registers
 * (14: r0-r12 and lr); with n2, gamma's shift is read from the stack. */
TSLM_LN_NOIPA static void scaled_folded(int8_t *y, int8_t *n2, int32_t k, const rows_t *rc)
{
    const int32_t n = rc->cols, c0 = rc->s_in1 * k, *rqs = rc->rqs, *rec = rc->rec, *g = rc->g;
#if defined(TSLM_DSP_ASM)
    const int8_t *end = y + n;
    int32_t v, kk = (int32_t)(uintptr_t)g, cc;
/* x: twice the value TFLM rounds -> its int8 result (rq record: m, rz, r; T: a free register) */
#define TSLM_LN_OUT_T(M, RZ, R, T)                          \
    "add %[" T "], %[" RZ "], %[x], asr #31\n\t"            \
    "smmlar %[x], %[x], %[" M "], %[" T "]\n\t"             \
    "asr %[x], %[x], %[" R "]\n\t"                          \
    "ssat %[x], #8, %[x]\n\t"
#define TSLM_LN_SF_FIRST                                    \
    "ldrsb %[x], [%[yp]]\n\t"                               \
    "mla %[x], %[x], %[ks], %[cs]\n\t"                      \
    TSLM_LN_OUT_T("ms", "rzs", "rs", "k")
#define TSLM_LN_SF_LAST                                     \
    "ldrd %[k], %[c], [%[kc]], #8\n\t"                      \
    "mla %[x], %[x], %[k], %[c]\n\t"                        \
    "ssat %[x], #8, %[x], asr #" TSLM_LN_STR(TSLM_LN_FOLD_SHIFT) "\n\t" \
    "strb %[x], [%[yp]], #1\n\t"
#define TSLM_LN_SF_LOOP(BODY)                               \
    "sub %[k], %[end], %[yp]\n\t"                           \
    "tst %[k], #1\n\t"                                      \
    "beq 1f\n\t" /* (n >= 1: an even n straight into the loop) */ \
    BODY                                                    \
    "cmp %[yp], %[end]\n\t"                                  \
    "beq 3f\n"                                               \
    "1:\n\t"                                                \
    BODY BODY                                               \
    "cmp %[yp], %[end]\n\t"                                  \
    "bne 1b\n"                                               \
    "3:\n\t"
    if (n2 != y) { /* (gamma's shift on the stack: [sp]) */
        __asm__ volatile("ldr %[k], [%[k], #8]\n\t"
                         "str %[k], [sp, #-8]!\n\t"
#define TSLM_LN_SF_BODY_N                                   \
    TSLM_LN_SF_FIRST                                        \
    "strb %[x], [%[n2]], #1\n\t"                             \
    "ldrd %[k], %[c], [%[kc]], #8\n\t"                      \
    "mla %[x], %[x], %[k], %[c]\n\t"                        \
    "add %[c], %[rzg], %[x], asr #31\n\t"                   \
    "smmlar %[x], %[x], %[mg], %[c]\n\t"                    \
    "ldr %[c], [sp]\n\t"                                    \
    "asr %[x], %[x], %[c]\n\t"                              \
    "ssat %[x], #8, %[x]\n\t"                               \
    TSLM_LN_SF_LAST
                         TSLM_LN_SF_LOOP(TSLM_LN_SF_BODY_N)
                         "add sp, sp, #8"
                         : [yp] "+&r"(y), [n2] "+&r"(n2), [kc] "+&r"(rec), [x] "=&r"(v), [k] "+&r"(kk), [c] "=&r"(cc)
                         : [end] "r"(end), [ks] "r"(k), [cs] "r"(c0), [ms] "r"(rqs[1]), [rzs] "r"(rqs[3]),
                           [rs] "r"(rqs[2]), [mg] "r"(g[0]), [rzg] "r"(g[1])
                         : "cc", "memory");
    } else {
        __asm__ volatile(
#define TSLM_LN_SF_BODY                                     \
    TSLM_LN_SF_FIRST                                        \
    "ldrd %[k], %[c], [%[kc]], #8\n\t"                      \
    "mla %[x], %[x], %[k], %[c]\n\t"                        \
    TSLM_LN_OUT_T("mg", "rzg", "rg", "c")                   \
    TSLM_LN_SF_LAST
                         TSLM_LN_SF_LOOP(TSLM_LN_SF_BODY)
                         : [yp] "+&r"(y), [kc] "+&r"(rec), [x] "=&r"(v), [k] "+&r"(kk), [c] "=&r"(cc)
                         : [end] "r"(end), [ks] "r"(k), [cs] "r"(c0), [ms] "r"(rqs[1]), [rzs] "r"(rqs[3]),
                           [rs] "r"(rqs[2]), [mg] "r"(g[0]), [rzg] "r"(g[1]), [rg] "r"(g[2])
                         : "cc", "memory");
    }
#else
    const int32_t rqg[4] = {0, g[0], g[2], g[1]};
    for (int32_t i = 0; i < n; ++i, rec += 4) {
        int32_t v = tslm_ssat8(tslm_dsp_op_shifted(y[i] * k + c0, rqs));
        n2[i] = (int8_t)v;
        v = tslm_ssat8(tslm_dsp_op_shifted(v * rec[0] + rec[1], rqg));
        y[i] = (int8_t)tslm_ssat8((v * rec[2] + rec[3]) >> TSLM_LN_FOLD_SHIFT);
    }
#endif
}

/* The rows of the usual case in a loop of their own (fewer values live across its calls than in the general loop:
 * no per-row tests of the folds' forms, the constants from one record): the SUB from the compiler's B = m P + Q
 * (fold_sub_linear) and the differences in the output row itself, then scaled_folded() (gamma's and beta's records,
 * rec) or, with no gamma and beta (rec NULL), scaled() in place. */

#if !defined(TSLM_LN_NO_IN_PLACE)
__attribute__((noinline)) static void rows_linear(const rows_t *c, const int8_t *x, int8_t *y, int8_t *nn,
                                                  int32_t rows)
{
    const int32_t cols = c->cols;
    for (; rows > 0; --rows, x += cols, y += cols, nn += cols) {
        const int32_t m = mean_of(&c->mean, row_sum(x, cols));
        const int32_t b = (int32_t)((uint32_t)m * (uint32_t)c->pm + (uint32_t)c->q);
        const int32_t v = mean_of(&c->var, differences_folded(x, y, b, c));
        const int32_t k = (int32_t)((uint32_t)(c->tab[v] + c->s_off) << 1);
        if (c->rec != NULL) {
            scaled_folded(y, nn, k, c);
        } else {
            scaled(y, y, y, k, c);
        }
    }
}
#endif

#if defined(TSLM_DSP_ASM) && !defined(TSLM_LN_NO_IN_PLACE)
/* rows_linear() for rows of a multiple of 8 (KWS's 56, the anomaly model's 48) as one block of assembly: every row's
 * row sum, mean, differences, variance, scale and (mode 1, 2) gamma's and beta's records in one function, no call
 * per row (rows_linear: three per row, their frames and record loads ~84 a row), the element loops eight elements a
 * turn (-Os: four; no odd-element entry: cols % 8 == 0). Its constants in one record (rows_asm_t: LDRD pairs at fixed
 * offsets, checked below); the row's state (x, the normalized row, the row count, the row's end) in a frame of its own
 * on the stack. mode 0: no gamma/beta, the scale in place (scaled(y, y, y)); 1: gamma's and beta's records
 * (scaled_folded(y, y)); 2: the same, the scaled values also to the normalized row (scaled_folded(y, nn)), gamma's
 * shift in the register of the row's end, which the loop reads from the frame once a turn (scaled_folded: gamma's
 * shift from the stack once per element). */
typedef struct {
    row_round_t mean, var;             /*   0,  24 */
    int32_t a;                         /*  48: the SUB's fold x A + B */
    const int8_t *sq;                  /*  52: the squares' table (indexed -128..127) */
    int32_t pm, q;                     /*  56: B = m P + Q */
    const int8_t *tab;                 /*  64: the row scales' table (indexed -128..127) */
    int32_t s_off, s_in1;              /*  68: the scale MUL's offsets */
    int32_t ms, rzs, rs;               /*  76: the scale's multiplier, rounding term, shift */
    int32_t mg, rzg, rg;               /*  88: gamma's */
    const int32_t *rec;                /* 100: gamma's and beta's records {K, C, A, B} */
    int32_t cols, mode;                /* 104 */
} rows_asm_t;
#define TSLM_LN_AT(f, off) typedef char tslm_ln_at_##f[offsetof(rows_asm_t, f) == (off) ? 1 : -1]
TSLM_LN_AT(var, 24);
TSLM_LN_AT(a, 48);
TSLM_LN_AT(pm, 56);
TSLM_LN_AT(tab, 64);
TSLM_LN_AT(s_in1, 72);
TSLM_LN_AT(rzs, 80);
TSLM_LN_AT(mg, 88);
TSLM_LN_AT(rg, 96);
TSLM_LN_AT(cols, 104);
TSLM_LN_AT(mode, 108);

#define TSLM_LN_R4(X) X X X X
#if defined(__OPTIMIZE_SIZE__)
#define TSLM_LN_UNROLL(X) TSLM_LN_R4(X) /* (-Os: four elements a turn) */
#else
#define TSLM_LN_UNROLL(X) TSLM_LN_R4(X) TSLM_LN_R4(X)
#endif
/* one row's mean (or variance) from its sum in S: mean_of() with the row_round_t at [r0, #OFF] (L..ZS: free registers) */
#define TSLM_LN_MEAN(S, OFF, L, M, RZ, MASK, R, ZS)                 \
    "ldrd " L ", " M ", [r0, #" OFF "]\n\t"                         \
    "ldrd " RZ ", " MASK ", [r0, #" OFF " + 8]\n\t"                 \
    "ldrd " R ", " ZS ", [r0, #" OFF " + 16]\n\t"                   \
    "sub " S ", " S ", " ZS "\n\t"                                  \
    "and " MASK ", " MASK ", " S ", asr #31\n\t"                    \
    "add " RZ ", " RZ ", " MASK "\n\t"                              \
    "lsl " S ", " S ", " L "\n\t"                                   \
    "smmlar " S ", " S ", " M ", " RZ "\n\t"                        \
    "asr " S ", " S ", " R "\n\t"                                   \
    "ssat " S ", #8, " S "\n\t"
/* the scale step of one element of the row (in place at r2): r7 k, r9 c0, r6 ms, r8 rzs, r10 rs -> X */
#define TSLM_LN_A_SCALE(X, T)                                       \
    "ldrsb " X ", [r2]\n\t"                                         \
    "mla " X ", " X ", r7, r9\n\t"                                  \
    "add " T ", r8, " X ", asr #31\n\t"                             \
    "smmlar " X ", " X ", r6, " T "\n\t"                            \
    "asr " X ", " X ", r10\n\t"                                     \
    "ssat " X ", #8, " X "\n\t"

__attribute__((noinline)) static void rows_asm(const rows_asm_t *c, const int8_t *x, int8_t *y, int8_t *nn,
                                               int32_t rows)
{
    register const rows_asm_t *r0v __asm__("r0") = c;
    register const int8_t *r1v __asm__("r1") = x;
    register int8_t *r2v __asm__("r2") = y;
    register int8_t *r3v __asm__("r3") = nn;
    register int32_t r12v __asm__("r12") = rows;
    __asm__ volatile(
        /* the frame: [sp, #4] c, #8 the next row's x, #12 the normalized row, #16 rows left, #20 the row's end */
        "sub sp, sp, #24\n\t"
        "str r0, [sp, #4]\n\t"
        "str r3, [sp, #12]\n\t"
        "str r12, [sp, #16]\n"
        "10:\n\t" /* a row: r0 c, r1 x, r2 y */
        "ldr r4, [r0, #104]\n\t"    /* cols */
        "add r5, r1, r4\n\t"
        "movs r6, #0\n\t"
        "movs r7, #0\n\t"
        "mov r8, r1\n"
        "11:\n\t" /* the row sum: 8 bytes a turn as unsigned (+128 each: in the mean's zero sum) */
        "ldr r9, [r8], #4\n\t"
        "ldr r10, [r8], #4\n\t"
        "eor r9, r9, #0x80808080\n\t"
        "eor r10, r10, #0x80808080\n\t"
        "usada8 r6, r9, r7, r6\n\t"
        "usada8 r6, r10, r7, r6\n\t"
        "cmp r8, r5\n\t"
        "bne 11b\n\t"
        TSLM_LN_MEAN("r6", "0", "r7", "r9", "r10", "r11", "r12", "lr")
        "ldrd r7, r9, [r0, #56]\n\t"
        "mla r6, r6, r7, r9\n\t"    /* B = m P + Q */
        "ldrd r7, r9, [r0, #48]\n\t" /* A, the squares' table */
        "mov r10, r2\n\t"
        "add r5, r2, r4\n\t"
        "movs r11, #0\n"
        "12:\n\t" /* the differences into y, the sum of their squares' table values */
        TSLM_LN_UNROLL("ldrsb r12, [r1], #1\n\t"
                   "mla r12, r12, r7, r6\n\t"
                   "ssat r12, #8, r12, asr #" TSLM_LN_STR(TSLM_LN_DIFF_SHIFT) "\n\t"
                   "strb r12, [r10], #1\n\t"
                   "ldrsb lr, [r9, r12]\n\t"
                   "add r11, r11, lr\n\t")
        "cmp r10, r5\n\t"
        "bne 12b\n\t"
        "str r1, [sp, #8]\n\t"
        TSLM_LN_MEAN("r11", "24", "r7", "r9", "r12", "lr", "r6", "r8")
        "ldrd r7, r9, [r0, #64]\n\t" /* the scales' table, its offset */
        "ldrsb r7, [r7, r11]\n\t"
        "add r7, r7, r9\n\t"
        "lsl r7, r7, #1\n\t"        /* k */
        "ldrd r9, r6, [r0, #72]\n\t" /* s_in1, ms */
        "mul r9, r9, r7\n\t"        /* c0 */
        "ldrd r8, r10, [r0, #80]\n\t" /* rzs, rs */
        "ldr r1, [r0, #108]\n\t"
        "cmp r1, #1\n\t"
        "beq 20f\n\t"
        "bhi 30f\n"
        "13:\n\t" /* mode 0: the scale in place */
        TSLM_LN_UNROLL(TSLM_LN_A_SCALE("r12", "lr")
                   "strb r12, [r2], #1\n\t")
        "cmp r2, r5\n\t"
        "bne 13b\n\t"
        "b 40f\n"
        "20:\n\t" /* mode 1: the scale, gamma's MUL and beta's ADD */
        "ldrd r11, r3, [r0, #88]\n\t" /* mg, rzg */
        "ldrd r4, r1, [r0, #96]\n"    /* rg, the records */
        "21:\n\t"
        TSLM_LN_UNROLL(TSLM_LN_A_SCALE("r0", "r12")
                   "ldrd r12, lr, [r1], #8\n\t"
                   "mla r0, r0, r12, lr\n\t"
                   "add lr, r3, r0, asr #31\n\t"
                   "smmlar r0, r0, r11, lr\n\t"
                   "asr r0, r0, r4\n\t"
                   "ssat r0, #8, r0\n\t"
                   "ldrd r12, lr, [r1], #8\n\t"
                   "mla r0, r0, r12, lr\n\t"
                   "ssat r0, #8, r0, asr #" TSLM_LN_STR(TSLM_LN_FOLD_SHIFT) "\n\t"
                   "strb r0, [r2], #1\n\t")
        "cmp r2, r5\n\t"
        "bne 21b\n\t"
        "b 40f\n"
        "30:\n\t" /* mode 2: mode 1, the scaled values also to the normalized row (the row's end from [sp, #20]) */
        "str r5, [sp, #20]\n\t"
        "ldrd r11, r3, [r0, #88]\n\t"
        "ldrd r5, r1, [r0, #96]\n\t" /* rg, the records */
        "ldr r4, [sp, #12]\n"
        "31:\n\t"
        TSLM_LN_UNROLL(TSLM_LN_A_SCALE("r0", "r12")
                       "strb r0, [r4], #1\n\t"
                       "ldrd r12, lr, [r1], #8\n\t"
                       "mla r0, r0, r12, lr\n\t"
                       "add lr, r3, r0, asr #31\n\t"
                       "smmlar r0, r0, r11, lr\n\t"
                       "asr r0, r0, r5\n\t"
                       "ssat r0, #8, r0\n\t"
                       "ldrd r12, lr, [r1], #8\n\t"
                       "mla r0, r0, r12, lr\n\t"
                       "ssat r0, #8, r0, asr #" TSLM_LN_STR(TSLM_LN_FOLD_SHIFT) "\n\t"
                       "strb r0, [r2], #1\n\t")
        "ldr lr, [sp, #20]\n\t"
        "cmp r2, lr\n\t"
        "bne 31b\n\t"
        "str r4, [sp, #12]\n"
        "40:\n\t" /* the next row (y already there) */
        "ldr r0, [sp, #4]\n\t"
        "ldr r1, [sp, #8]\n\t"
        "ldr r12, [sp, #16]\n\t"
        "subs r12, r12, #1\n\t"
        "str r12, [sp, #16]\n\t"
        "bne 10b\n\t"
        "add sp, sp, #24"
        : "+r"(r0v), "+r"(r1v), "+r"(r2v), "+r"(r3v), "+r"(r12v)
        :
        : "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "lr", "cc", "memory");
}
#endif

void tslm_dsp_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                            const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch)
{
    const int32_t cols = p->cols;
    const int folded = p->steps == 2 && p->folded != NULL; /* beta's ADD checked by the compiler */
    row_round_t qmean, qvar;
    if (cols < 1 || cols > TSLM_LN_MAX_COLS || !handled(&p->sub, 1) || !handled(&p->scale, 0) ||
        !row_round(&qmean, p->mean.multiplier, p->mean.shift, p->mean.output_zero_point,
                   p->mean.input_zero_point * p->mean.reduce_count + TSLM_LN_BIAS(cols)) ||
        !row_round(&qvar, p->var.multiplier, p->var.shift, p->var.output_zero_point,
                   p->var.input_zero_point * p->var.reduce_count) ||
        (p->steps >= 1 && !handled(&p->gamma, 0)) || (p->steps == 2 && !folded && !handled(&p->beta, 1))) {
        tslm_layer_norm_s8(p, input, gamma, beta, normalized, output, scratch);
        return;
    }
#if defined(TSLM_DSP_ASM) && !defined(TSLM_LN_NO_IN_PLACE)
    /* rows of a multiple of 8 in the usual case (rows_linear's): rows_asm(), before the other loops' set-up */
    if (cols % 8 == 0 && p->diff_fold[3] < 0 && (folded || p->steps == 0) &&
        ((uintptr_t)output <= (uintptr_t)input || (uintptr_t)output >= (uintptr_t)(input + p->rows * cols))) {
        if (p->rows > 0) {
            int32_t rs[4], rg[4] = {0, 0, 0, 0};
            out_record(rs, &p->scale);
            if (folded) {
                out_record(rg, &p->gamma);
            }
            const int keep = normalized != NULL && folded;
            const rows_asm_t ra = {qmean, qvar, p->diff_fold[0], p->square + 128, p->diff_fold[1], p->diff_fold[2],
                                   p->scale_table + 128, p->scale.in2_offset, p->scale.in1_offset, rs[1], rs[3],
                                   rs[2], rg[1], rg[3], rg[2], folded ? p->folded : NULL, cols,
                                   !folded ? 0 : keep ? 2 : 1};
            rows_asm(&ra, input, output, keep ? normalized : output, p->rows);
        }
        return;
    }
#endif
    int8_t *d = (int8_t *)(scratch + 2);
    int32_t *kct = scratch + 2 + 2 * TSLM_LN_UP4(cols) / 4; /* per channel: K, o1 K, beta's term */
    int32_t rqd[4], rqs[4], rqg[4] = {0, 0, 0, 0}, rqb[4] = {0, 0, 0, 0};
    out_record(rqd, &p->sub);
    out_record(rqs, &p->scale);
    if (p->steps >= 1) {
        out_record(rqg, &p->gamma);
    }
    if (p->steps == 2 && !folded) {
        out_record(rqb, &p->beta);
    }
    const int32_t g3[3] = {rqg[1], rqg[3], rqg[2]}; /* (scaled_folded's: multiplier, rounding term, shift) */
    if (p->steps >= 1 && !folded) {
        for (int32_t i = 0; i < cols; ++i) {
            const int32_t k = (int32_t)((uint32_t)(gamma[i] + p->gamma.in2_offset) << 1);
            kct[3 * i] = k;
            kct[3 * i + 1] = p->gamma.in1_offset * k;
        }
    }
    if (p->steps == 2 && !folded) {
        const int32_t o1 = (int32_t)((uint32_t)p->beta.in1_offset << 20);
        round_t qb;
        make_round(&qb, p->beta.in2_multiplier, p->beta.in2_shift, 0);
        for (int32_t i = 0; i < cols; ++i) {
            kct[3 * i + 2] = (int32_t)((uint32_t)o1 + (uint32_t)twice_rescaled2(&qb, beta[i], p->beta.in2_offset));
        }
    }
    round_t qsub;
    make_round(&qsub, p->sub.in2_multiplier, p->sub.in2_shift, 0);
    const int8_t *sq = p->square + 128;
    const int32_t o1 = (int32_t)((uint32_t)p->sub.in1_offset << 20);
    const int keep_n = normalized != NULL && p->steps >= 1;
    const int64_t e_fold = (int64_t)(((uint64_t)(uint32_t)p->diff_fold[2] << 32) | (uint32_t)p->diff_fold[1]);
    /* With gamma's and beta's records the differences go to the output row itself for scaled_folded(): where the
     * output starts at or below the input (each difference lands on an input byte already read) or past it. */
#if defined(TSLM_LN_NO_IN_PLACE) /* (tests: the loops for an output that starts inside the input, past its start) */
    const int in_place = 0;
#else
    const int in_place = folded && ((uintptr_t)output <= (uintptr_t)input ||
                                    (uintptr_t)output >= (uintptr_t)(input + p->rows * cols));
#endif
    const rows_t rc = {qmean, qvar, p->diff_fold[0], p->diff_fold[1], p->diff_fold[2], sq, p->scale_table + 128,
                       p->scale.in2_offset, p->scale.in1_offset, rqs, folded ? p->folded : NULL, g3, cols};
#if !defined(TSLM_LN_NO_IN_PLACE)
    const int over = (uintptr_t)output <= (uintptr_t)input || (uintptr_t)output >= (uintptr_t)(input + p->rows * cols);
    if (p->diff_fold[3] < 0 && over && (folded || p->steps == 0)) {
        rows_linear(&rc, input, output, keep_n ? normalized : output, p->rows);
        return;
    }
#endif
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * cols;
        int8_t *y = output + r * cols;
        int8_t *n = keep_n ? normalized + r * cols : y;
        if (in_place) {
            d = y;
        }
        const int32_t m = mean_of(&qmean, row_sum(x, cols));
        int32_t sum;
        if (p->diff_fold[3] < 0) { /* the row's B = m P + Q straight from the mean (fold_sub_linear) */
            const int32_t b = (int32_t)((uint32_t)m * (uint32_t)p->diff_fold[1] + (uint32_t)p->diff_fold[2]);
            sum = differences_folded(x, d, b, &rc);
        } else {
            const int32_t t = (int32_t)((uint32_t)o1 - (uint32_t)twice_rescaled2(&qsub, m, p->sub.in2_offset));
            if (p->diff_fold[3] != 0) { /* the row's B = (t M + E) >> L (fold_sub) */
                const int32_t b = (int32_t)(((int64_t)t * rqd[1] + e_fold) >> p->diff_fold[3]);
                sum = differences_folded(x, d, b, &rc);
            } else {
                sum = differences(x, d, cols, t, rqd, sq);
            }
        }
        const int32_t v = mean_of(&qvar, sum);
        const int32_t k = (int32_t)((uint32_t)(p->scale_table[v + 128] + p->scale.in2_offset) << 1);
        if (in_place) {
            scaled_folded(y, n, k, &rc);
            continue;
        }
        scaled(d, y, n, k, &rc);
        if (folded) {
            gamma_beta_folded(y, cols, p->folded, rqg);
        } else if (p->steps >= 1) {
            gamma_beta(y, cols, kct, rqg, rqb, p->steps == 2);
        }
    }
}

int32_t tslm_dsp_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p)
{
    const int need = p->steps >= 1 && !(p->steps == 2 && p->folded != NULL); /* gamma's and beta's terms */
    return tslm_layer_norm_s8_get_buffer_size(p) + (need ? 12 * p->cols : 0);
}
