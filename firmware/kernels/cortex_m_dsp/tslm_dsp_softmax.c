/*
 * tslm_softmax.c - SOFTMAX (int8 in) for the Cortex-M DSP extension.
 *
 * Same table of exponentials and same reciprocal of the sum as the portable
 * kernel (tslm_softmax.h). What is faster here is the per-element work, using
 * that every exponential e and the scale are non-negative:
 * - the sum's RoundingDivideByPOT(e, 12) is (e + 2^11) >> 12;
 * - the output, RoundingDivideByPOT(SRDHM(scale, e), n) with n >= 1, is
 *   floor((scale * e + 2^30 + 2^(30+n)) / 2^(31+n)) (floors of divisions by
 *   powers of two compose for non-negative values): one UMLAL into a 64-bit
 *   constant, then the high word shifted by n - 1;
 * - the table comes reversed and biased (p->reversed == 2, what the compiler gives this kernel): an
 *   input x's exponential plus 2^11 is one load at (exp_table + 255 - max)[x], the sum's rounding already
 *   in it; the outputs take 2^11 scale off their 64-bit constant; any other table: the portable kernel;
 * - int8 outputs in three forms without the clamp's USAT and SUB where a row allows (row_out8).
 */
#include "tslm_dsp_softmax.h"
#include "tslm_simd.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__thumb2__) && defined(__OPTIMIZE__) && \
    !defined(TSLM_NO_ASM)
#define TSLM_SOFTMAX_ASM 1 /* the per-element loops in Thumb-2 assembly; C with the same results otherwise */
#endif

/* The largest of n int8: eight at a time with SSUB8 and SEL (per-byte maximum), four more where left, then
 * the lanes, then the last n % 4 one at a time (all in the one block: no test of n around it). */
TSLM_ALWAYS_INLINE int32_t row_max(const int8_t *in, int32_t n)
{
#if defined(TSLM_SOFTMAX_ASM)
    uint32_t m = 0x80808080u, v, w, t;
    const int8_t *p = in, *end8 = in + (n & ~7);
    __asm__("cmp %[p], %[end8]\n\t"
            "beq 2f\n"
            "1:\n\t"
            "ldr %[v], [%[p]], #4\n\t"
            "ldr %[w], [%[p]], #4\n\t"
            "ssub8 %[t], %[v], %[m]\n\t"
            "sel %[m], %[v], %[m]\n\t"
            "ssub8 %[t], %[w], %[m]\n\t"
            "sel %[m], %[w], %[m]\n\t"
            "cmp %[p], %[end8]\n\t"
            "bne 1b\n"
            "2:\n\t"
            "lsls %[w], %[n], #30\n\t" /* C: n & 4; Z: no n % 4 left; w: n % 4 in its top bits */
            "bcc 3f\n\t"
            "ldr %[v], [%[p]], #4\n\t"
            "ssub8 %[t], %[v], %[m]\n\t"
            "sel %[m], %[v], %[m]\n"
            "3:\n\t" /* (ROR without S, SSUB8, SEL, SXTB: the flags kept) */
            "ror %[t], %[m], #16\n\t"
            "ssub8 %[v], %[m], %[t]\n\t"
            "sel %[m], %[m], %[t]\n\t"
            "ror %[t], %[m], #8\n\t"
            "ssub8 %[v], %[m], %[t]\n\t"
            "sel %[m], %[m], %[t]\n\t"
            "sxtb %[m], %[m]\n\t"
            "beq 5f\n"
            "4:\n\t"
            "ldrsb %[v], [%[p]], #1\n\t"
            "cmp %[v], %[m]\n\t"
            "it gt\n\t"
            "movgt %[m], %[v]\n\t"
            "subs %[w], %[w], #0x40000000\n\t"
            "bne 4b\n"
            "5:"
            : [m] "+r"(m), [t] "=&r"(t), [v] "=&r"(v), [w] "=&r"(w), [p] "+r"(p)
            : [end8] "r"(end8), [n] "r"(n)
            : "cc", "memory");
    return (int32_t)m;
#else
    int32_t max = -128;
    for (int32_t c = 0; c < n; ++c) {
        max = in[c] > max ? in[c] : max;
    }
    return max;
#endif
}

/* TFLM's sum of a row's exponentials, each rounded by RoundingDivideByPOT(e, 12) = (e + 2^11) >> 12
 * (e >= 0): at[x] for an input x (the biased reversed table) is e + 2^11, so one LDR and one ADD of it
 * shifted. n % 4 elements one at a time, then four per turn (n >= 1). */
TSLM_ALWAYS_INLINE uint32_t row_sum(const int8_t *in, int32_t n, const int32_t *at)
{
#if defined(TSLM_SOFTMAX_ASM)
    uint32_t sum = 0;
    const int8_t *end = in + n;
    int32_t x, r;
#define TSLM_SUM_ONE                                       \
    "ldrsb %[x], [%[in]], #1\n\t"                         \
    "ldr %[x], [%[at], %[x], lsl #2]\n\t"                 \
    "add %[sum], %[sum], %[x], lsr #12\n\t"
    __asm__("ands %[r], %[n], #3\n\t"
            "beq 1f\n" /* (n > 0: a multiple of 4 straight into the four-per-turn loop) */
            "4:\n\t"
            TSLM_SUM_ONE
            "subs %[r], %[r], #1\n\t"
            "bne 4b\n\t"
            "cmp %[in], %[end]\n\t"
            "beq 3f\n"
            "1:\n\t"
            TSLM_SUM_ONE TSLM_SUM_ONE TSLM_SUM_ONE TSLM_SUM_ONE
            "cmp %[in], %[end]\n\t"
            "bne 1b\n"
            "3:"
            : [in] "+r"(in), [sum] "+r"(sum), [x] "=&r"(x), [r] "=&r"(r)
            : [n] "r"(n), [end] "r"(end), [at] "r"(at)
            : "cc", "memory");
#undef TSLM_SUM_ONE
    return sum;
#else
    uint32_t sum = 0;
    for (int32_t c = 0; c < n; ++c) {
        sum += (uint32_t)at[in[c]] >> 12;
    }
    return sum;
#endif
}

/* tslm_softmax_reciprocal() with the same values, each SaturatingRoundingDoublingHighMul(a, b) =
 * floor((a b + 2^30) / 2^31) in one of two forms where its operands allow (none is -2^31):
 * - SMMULR(a, 2 b) = floor((a 2b + 2^31) / 2^32) where 2 b fits (the constant -32/17, and 1 - d x,
 *   |1 - d x| < 2^29 in Q2.29);
 * - d x: d = half_denominator in [2^30, 2^31) and x in (0, 2^31): floor((2d x + 2^31) / 2^32) from the
 *   unsigned product of 2d < 2^32 and x (x > 0: from 48/17 - 32/17 d >= 16/17 Newton's steps only grow it),
 *   as UMULL and the high word plus the low word's top bit (the carry of adding 2^31 to it).
 * gemmlowp's SaturatingRoundingMultiplyByPOT<2> of each step's correction m = SRDHM(x, 1 - d x) is a plain
 * m << 2: over every d in [2^30, 2^31) (every sum's; checked exhaustively, the largest |m| is 14,861,479 < 2^24) |m|
 * stays below 2^29, so x + 4 m is one ADD with LSL #2. The last x << 1 saturated by QADD. */
/* SMMULR: floor((a b + 2^31) / 2^32), tslm_smmlar() with no accumulator (no register kept at 0). */
TSLM_ALWAYS_INLINE int32_t smmulr(int32_t a, int32_t b)
{
#if defined(TSLM_SOFTMAX_ASM)
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return tslm_smmlar(a, b, 0);
#endif
}

/* One Newton step x + 4 x (1 - d x) of the reciprocal below; two_30 = 2^30 (kept in a register: 2 (2^29 - dx)
 * as one SUB with LSL #1). */
TSLM_ALWAYS_INLINE int32_t newton_step(int32_t x, uint32_t twice_d, int32_t two_30)
{
    const uint64_t p = (uint64_t)twice_d * (uint32_t)x;
    const int32_t dx = (int32_t)((uint32_t)(p >> 32) + ((uint32_t)p >> 31));
    const int32_t twice_one_minus = two_30 - (int32_t)((uint32_t)dx << 1);
    return (int32_t)((uint32_t)x + ((uint32_t)smmulr(x, twice_one_minus) << 2));
}

TSLM_ALWAYS_INLINE int reciprocal(uint32_t sum, int32_t *scale)
{
    const int headroom_plus_one = tslm_clz32(sum);
    /* TFLM: a = (sum << headroom) - 2^31 in [0, 2^31), half_denominator = (a + INT32_MAX + 1) / 2, that
     * is (sum << headroom) / 2, and twice it the shifted sum */
    const int32_t half_denominator = (int32_t)((sum << headroom_plus_one) >> 1);
    const uint32_t twice_d = (uint32_t)half_denominator << 1;
    int32_t x = 1515870810 + smmulr(half_denominator, -2021161080);
    int32_t two_30 = INT32_C(1) << 30;
#if defined(TSLM_SOFTMAX_ASM)
    __asm__("" : "+r"(two_30)); /* (in a register: SUB with LSL #1, not RSB and LSL) */
#endif
#if defined(__GNUC__) && !defined(TSLM_OPTIMIZE_SIZE)
#pragma GCC unroll 3
#endif
    for (int i = 0; i < 3; ++i) { /* TFLM's three steps */
        x = newton_step(x, twice_d, two_30);
    }
#if defined(TSLM_SOFTMAX_ASM)
    *scale = __qadd(x, x);
#else
    *scale = x > INT32_MAX / 2 ? INT32_MAX : (x < INT32_MIN / 2 ? INT32_MIN : 2 * x);
#endif
    return 12 - headroom_plus_one;
}

/* The 64-bit constant of a row's outputs (row_out): 2^30 + 2^(30+n), n in [1, 31], less 2^11 scale for a
 * biased table (at[x] = e + 2^11: modulo 2^64 the same sum); one variable shift, of 32 bits. */
TSLM_ALWAYS_INLINE uint64_t out_constant(int n, uint32_t scale, int biased)
{
    const uint64_t k = n >= 2 ? ((uint64_t)(UINT32_C(1) << (n - 2)) << 32) + (UINT32_C(1) << 30) : UINT64_C(3) << 30;
    return biased ? k - ((uint64_t)scale << 11) : k;
}

/* A row's outputs: q = floor((scale e + 2^30 + 2^(30+n)) / 2^(31+n)) (one UMLAL into a 64-bit
 * constant k from out_constant(), the high word shifted by n - 1), min(q, 2^bits - 1) - 2^(bits-1);
 * n in [1, 31]. USAT clamps q (< 2^30: scale and e are below 2^31) to 2^bits - 1. */
TSLM_ALWAYS_INLINE void row_out(const int8_t **pin, int32_t depth, const int32_t *at, uint32_t scale, int n,
                                char **pout, const int bits, uint64_t k)
{
    const int8_t *in = *pin;
    void *output = *pout;
    *pin = in + depth;
    *pout = *pout + (bits / 8) * depth;
#if defined(TSLM_SOFTMAX_ASM)
    const uint32_t klo = (uint32_t)k, khi = (uint32_t)(k >> 32);
    const int32_t sh = n - 1;
    const int8_t *end = in + depth;
    uint32_t lo, hi, e;
    void *o = output;
#define TSLM_OUT_ONE(SAT, SUB, STORE)                      \
    "ldrsb %[e], [%[in]], #1\n\t"                         \
    "ldr %[e], [%[at], %[e], lsl #2]\n\t"                 \
    "mov %[lo], %[klo]\n\t"                               \
    "mov %[hi], %[khi]\n\t"                               \
    "umlal %[lo], %[hi], %[e], %[scale]\n\t"             \
    "lsr %[hi], %[hi], %[sh]\n\t"                         \
    SAT "\n\t"                                            \
    SUB "\n\t"                                            \
    STORE "\n\t"
/* an odd first element, then two per turn (n > 0: an even n straight into the loop) */
#define TSLM_OUT_LOOP(ONE)                                 \
    "tst %[n], #1\n\t"                                    \
    "beq 1f\n\t"                                          \
    ONE                                                   \
    "cmp %[in], %[end]\n\t"                               \
    "beq 3f\n"                                            \
    "1:\n\t"                                              \
    ONE ONE                                               \
    "cmp %[in], %[end]\n\t"                               \
    "bne 1b\n"                                            \
    "3:"
    if (bits == 8) {
        __asm__ volatile(TSLM_OUT_LOOP(TSLM_OUT_ONE("usat %[hi], #8, %[hi]", "sub %[hi], %[hi], #128",
                                                    "strb %[hi], [%[o]], #1"))
                         : [in] "+r"(in), [o] "+r"(o), [lo] "=&r"(lo), [hi] "=&r"(hi), [e] "=&r"(e)
                         : [n] "r"(depth), [end] "r"(end), [at] "r"(at), [klo] "r"(klo), [khi] "r"(khi),
                           [scale] "r"(scale), [sh] "r"(sh)
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_OUT_LOOP(TSLM_OUT_ONE("usat %[hi], #16, %[hi]", "sub %[hi], %[hi], #32768",
                                                    "strh %[hi], [%[o]], #2"))
                         : [in] "+r"(in), [o] "+r"(o), [lo] "=&r"(lo), [hi] "=&r"(hi), [e] "=&r"(e)
                         : [n] "r"(depth), [end] "r"(end), [at] "r"(at), [klo] "r"(klo), [khi] "r"(khi),
                           [scale] "r"(scale), [sh] "r"(sh)
                         : "cc", "memory");
    }
#undef TSLM_OUT_ONE
#undef TSLM_OUT_LOOP
#else
    for (int32_t c = 0; c < depth; ++c) {
        const uint64_t acc = (uint64_t)scale * (uint32_t)at[in[c]] + k;
        const uint32_t q = (uint32_t)(acc >> 32) >> (n - 1);
        const uint32_t top = (UINT32_C(1) << bits) - 1u;
        const int32_t v = (int32_t)(q > top ? top : q) - (INT32_C(1) << (bits - 1));
        if (bits == 8) {
            ((int8_t *)output)[c] = (int8_t)v;
        } else {
            ((int16_t *)output)[c] = (int16_t)v;
        }
    }
#endif
}

/* A row's int8 outputs, q as in row_out, in one of three forms picked by `form`:
 * - TSLM_OUT8_FOLD: no q above 255 (the caller bounds q at the largest exponential, 2^31 - 1: q grows with e)
 *   and sh = n - 1 <= 24: q - 128 as a byte is q + 128 modulo 256, and 128 << sh goes into the 64-bit constant
 *   (the high word stays below 2^32: below 2^30 + 2^(sh-1) + 2^(sh+7)): LSR and STRB;
 * - TSLM_OUT8_ADD: no q above 255 and sh >= 25 (q < 2^6): LSR, then ADD 128 (in the speed build one ADD with
 *   the shift as an immediate for sh 25..27);
 * - TSLM_OUT8_SAT: sh <= 23: the constant less 128 << (32 + sh), the high word then q << sh less 2^(sh+7) plus
 *   a fraction, as a signed value (above -2^31); ASR gives q - 128 and SSAT clamps it to 127.
 * k: out_constant()'s with the form's 128 << sh in its high word (softmax_rows). n % 4 elements one at a time,
 * then four per turn; *pin and *pout are left at the row's end (the next row's start). */
enum { TSLM_OUT8_FOLD, TSLM_OUT8_ADD, TSLM_OUT8_SAT };

TSLM_ALWAYS_INLINE void row_out8(const int8_t **pin, int32_t depth, const int32_t *at, uint32_t scale, int n,
                                 char **pout, int form, uint64_t k)
{
    const int8_t *in = *pin;
    int8_t *output = (int8_t *)*pout;
    const int32_t sh = n - 1;
#if defined(TSLM_SOFTMAX_ASM)
    const uint32_t klo = (uint32_t)k, khi = (uint32_t)(k >> 32);
    const int8_t *end = in + depth;
    uint32_t lo, hi, e;
    int8_t *o = output;
#define TSLM_OUT8_ONE(SHIFT, FIX)                          \
    "ldrsb %[e], [%[in]], #1\n\t"                         \
    "ldr %[e], [%[at], %[e], lsl #2]\n\t"                 \
    "mov %[lo], %[klo]\n\t"                               \
    "mov %[hi], %[khi]\n\t"                               \
    "umlal %[lo], %[hi], %[e], %[scale]\n\t"             \
    SHIFT " %[hi], %[hi], %[sh]\n\t"                      \
    FIX                                                   \
    "strb %[hi], [%[o]], #1\n\t"
/* one at a time while the count left is not a multiple of 4 (lo free there), then four per turn; a row of 4k
 * elements straight into the four-per-turn loop (LSLS #30 of the count: Z where no element is left over) */
#define TSLM_OUT8_LOOP(ONE)                                \
    "sub %[lo], %[end], %[in]\n\t"                        \
    "lsls %[lo], %[lo], #30\n\t"                          \
    "beq 1f\n"                                           \
    "4:\n\t"                                             \
    ONE                                                   \
    "sub %[lo], %[end], %[in]\n\t"                        \
    "tst %[lo], #3\n\t"                                  \
    "bne 4b\n\t"                                         \
    "cmp %[in], %[end]\n\t"                               \
    "beq 3f\n"                                           \
    "1:\n\t"                                             \
    ONE ONE ONE ONE                                       \
    "cmp %[in], %[end]\n\t"                               \
    "bne 1b\n"                                           \
    "3:"
#define TSLM_OUT8_OPERANDS                                                                                \
    : [in] "+r"(in), [o] "+r"(o), [lo] "=&r"(lo), [hi] "=&r"(hi), [e] "=&r"(e)                            \
    : [end] "r"(end), [at] "r"(at), [klo] "r"(klo), [khi] "r"(khi), [scale] "r"(scale), [sh] "r"(sh)     \
    : "cc", "memory"
    if (form == TSLM_OUT8_FOLD) {
        __asm__ volatile(TSLM_OUT8_LOOP(TSLM_OUT8_ONE("lsr", "")) TSLM_OUT8_OPERANDS);
    } else if (form == TSLM_OUT8_ADD) {
#if !defined(TSLM_OPTIMIZE_SIZE)
        /* the speed build: for sh 25..27 (rows up to 64 long) LSR and ADD as one ADD of 128 and hi LSR #sh */
        const uint32_t c128 = 128u;
#define TSLM_OUT8_IMM(SH)                                                                                     \
    __asm__ volatile(TSLM_OUT8_LOOP("ldrsb %[e], [%[in]], #1\n\t"                                             \
                                    "ldr %[e], [%[at], %[e], lsl #2]\n\t"                                     \
                                    "mov %[lo], %[klo]\n\t"                                                   \
                                    "mov %[hi], %[khi]\n\t"                                                   \
                                    "umlal %[lo], %[hi], %[e], %[scale]\n\t"                                 \
                                    "add %[hi], %[c128], %[hi], lsr %[sh]\n\t"                                \
                                    "strb %[hi], [%[o]], #1\n\t")                                             \
                     : [in] "+r"(in), [o] "+r"(o), [lo] "=&r"(lo), [hi] "=&r"(hi), [e] "=&r"(e)               \
                     : [end] "r"(end), [at] "r"(at), [klo] "r"(klo), [khi] "r"(khi), [scale] "r"(scale),      \
                       [c128] "r"(c128), [sh] "i"(SH)                                                         \
                     : "cc", "memory")
        if (sh == 25) {
            TSLM_OUT8_IMM(25);
        } else if (sh == 26) {
            TSLM_OUT8_IMM(26);
        } else if (sh == 27) {
            TSLM_OUT8_IMM(27);
        } else
#endif
        {
            __asm__ volatile(TSLM_OUT8_LOOP(TSLM_OUT8_ONE("lsr", "add %[hi], %[hi], #128\n\t")) TSLM_OUT8_OPERANDS);
        }
    } else {
        __asm__ volatile(TSLM_OUT8_LOOP(TSLM_OUT8_ONE("asr", "ssat %[hi], #8, %[hi]\n\t")) TSLM_OUT8_OPERANDS);
    }
    *pin = in; /* (the asm's own pointers, at the row's end) */
    *pout = (char *)o;
#undef TSLM_OUT8_IMM
#undef TSLM_OUT8_ONE
#undef TSLM_OUT8_LOOP
#undef TSLM_OUT8_OPERANDS
#else
    *pin = in + depth;
    *pout = (char *)(output + depth);
    for (int32_t c = 0; c < depth; ++c) {
        const uint64_t acc = (uint64_t)scale * (uint32_t)at[in[c]] + k;
        const uint32_t h = (uint32_t)(acc >> 32);
        int32_t v;
        if (form == TSLM_OUT8_SAT) {
            /* q - 128: floor(h / 2^sh) of h as a signed value */
            v = (h >> 31) ? -(int32_t)(~h >> sh) - 1 : (int32_t)(h >> sh);
            v = v > 127 ? 127 : v;
        } else {
            v = (int32_t)(h >> sh) + (form == TSLM_OUT8_ADD ? 128 : 0);
        }
        output[c] = (int8_t)(uint8_t)(uint32_t)v;
    }
#endif
}

/* Every row; `bits` (8 or 16, a constant after inlining) picks the output type. The row loop walks the input and
 * output pointers themselves (the next row starts where the last one ended) and keeps the table's top,
 * exp_table + 255, from the call. */
TSLM_ALWAYS_INLINE void softmax_rows(const tslm_softmax_params *p, const int8_t *input, void *output, const int bits)
{
    const int32_t depth = p->depth;
    if (p->rows <= 0 || depth <= 0) {
        return;
    }
    const int32_t *table_top = p->exp_table + 255;
#if defined(TSLM_SOFTMAX_ASM)
    __asm__("" : "+r"(table_top)); /* (kept, not folded back into 255 - max per row) */
#endif
    const int8_t *in = input;
    const int8_t *const in_end = input + p->rows * depth;
    char *out = (char *)output;
    do {
        const int32_t *at = table_top - row_max(in, depth); /* at[x] = exp(max - x) + 2^11 */
        int32_t scale;
        const int n = reciprocal(row_sum(in, depth, at), &scale) + 31 - bits;
        if (n > 31) { /* the quotient rounds to 0 for every element */
            for (int32_t c = 0; c < depth; ++c) {
                if (bits == 8) {
                    ((int8_t *)out)[c] = -128;
                } else {
                    ((int16_t *)out)[c] = -32768;
                }
            }
            in += depth;
            out += (bits / 8) * depth;
            continue;
        }
        if (bits == 8) {
            /* n = 35 - clz(sum) >= 3 here. The form from n alone but at n = 23: q at e = 2^31 - 1 (TFLM's
             * exp(0); q grows with e) is below 256 for every scale (< 2^31) where n >= 24, and passes 255 at
             * n = 23 exactly where scale > 2^31 - 2^22 (test_dsp_transformer_kernels.py, form_edge); n <= 22
             * takes SAT, right for any q (sh <= 23). The 64-bit constant with its fold, 2^30 + (c << (n - 2))
             * 2^32 - 2^11 scale modulo 2^64: c = 1 + 256 (FOLD: 128 << sh in the high word), 1 (ADD), 1 - 256
             * (SAT: less 128 << sh) */
            int form;
            uint32_t c;
            if (n >= 24 || (n == 23 && (uint32_t)scale <= UINT32_C(0x7FC00000))) {
                form = n <= 25 ? TSLM_OUT8_FOLD : TSLM_OUT8_ADD;
                c = n <= 25 ? 257u : 1u;
            } else {
                form = TSLM_OUT8_SAT;
                c = 0u - 255u;
            }
            const uint64_t k =
                (((uint64_t)(c << (n - 2)) << 32) | (UINT32_C(1) << 30)) - ((uint64_t)(uint32_t)scale << 11);
            row_out8(&in, depth, at, (uint32_t)scale, n, &out, form, k);
        } else {
            row_out(&in, depth, at, (uint32_t)scale, n, &out, 16, out_constant(n, (uint32_t)scale, 1));
        }
    } while (in != in_end);
}

void tslm_dsp_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output)
{
    if (p->reversed != 2) { /* (the compiler gives this kernel the biased reversed table) */
        tslm_softmax_s8(p, input, output);
        return;
    }
    softmax_rows(p, input, output, 8);
}

void tslm_dsp_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output)
{
    if (p->reversed != 2) {
        tslm_softmax_s8_s16(p, input, output);
        return;
    }
    softmax_rows(p, input, output, 16);
}
