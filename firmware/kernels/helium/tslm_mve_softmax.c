/*
 * tslm_mve_softmax.c - SOFTMAX (int8 input) with Helium: TFLM's fixed-point steps on four lanes, for the
 * table the compiler gives the Cortex-M targets (reversed: p->reversed; a plain table takes the portable
 * kernel). Per row: the maximum (VMAXV over 16 bytes), each input's exp gathered from the table (VLDRW
 * gather, the byte as the index), their sum in Q12.19 (each rounded down by 2^12: the values are
 * non-negative, so RoundingDivideByPOT is a rounding shift), the reciprocals of four rows' sums at once
 * (tslm_softmax.h's Newton-Raphson steps, one row per lane), then each output exp x scale (VQRDMULH: SRDHM
 * for these non-negative operands) rounded down to the output's bits and offset in one VQRDMLASH, clamped
 * only in rows whose bound can pass the output's range. Rows of 8,192 or more take the portable kernel.
 */
#include "tslm_mve_softmax.h"
#include "tslm_mve.h"

/* gemmlowp's SaturatingRoundingDoublingHighMul of two scalars on one lane: VQRDMULH (tslm_mve.h: the same
 * rounding for every sign, the same saturation). */
TSLM_ALWAYS_INLINE int32x4_t srdhm(int32x4_t a, int32_t b)
{
    return vqrdmulhq_n_s32(a, b);
}

/* 1/sum in Q0.31 as tslm_softmax_reciprocal computes it (its shift: 12 - clz(sum)), for four sums (> 0) at
 * once, one per lane, its Newton-Raphson steps on vector lanes (VQRDMULH: SRDHM; VQSHL: gemmlowp's saturating
 * multiply by a power of two): (sum << headroom) >> 1 is the half denominator
 * ((a + INT32_MAX + 1) / 2 for a = (sum << headroom) - 2^31 >= 0), and each step's scalar operand is the lane's own. */
static int32x4_t reciprocal4(uint32x4_t sum)
{
    const int32x4_t h = vreinterpretq_s32_u32(vclzq_u32(sum));
    const int32x4_t hd = vreinterpretq_s32_u32(vshrq_n_u32(vshlq_u32(sum, h), 1));
    int32x4_t x = vaddq_n_s32(srdhm(hd, -1010580540), 1515870810);
#if defined(__GNUC__) && !defined(TSLM_OPTIMIZE_SIZE)
#pragma GCC unroll 3
#endif
    for (int i = 0; i < 3; ++i) {
        const int32x4_t one_minus = vsubq_s32(vdupq_n_s32(INT32_C(1) << 29), vqrdmulhq_s32(hd, x));
        x = vaddq_s32(x, vqshlq_n_s32(vqrdmulhq_s32(x, one_minus), 2));
    }
    return vqshlq_n_s32(x, 1);
}

/* The table reversed (p->reversed): an input x's exp is
 * (exp_table + 255 - max)[x], one gather with the sign-extended byte as the offset (the address wraps modulo
 * 2^32: at - 4 * 128 .. at + 4 * 127, all inside the table). Each pass over a row is one tail-predicated loop
 * (WLSTP/LETP: no remainder code, the last partial vector's lanes switched off by the loop itself), in assembly:
 * the row's maximum sixteen bytes a turn (VMAXV), the sum four exps a turn (VADDVA of the rounded exps), the
 * outputs four a turn. */

/* The largest of the n >= 1 bytes at in. */
static int32_t rev_max(const int8_t *in, int32_t n)
{
    int32_t max = -128;
    register int32_t lr __asm__("lr") = n;
    __asm__ volatile("wlstp.8 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[in]], #16\n\t"
                     "vmaxv.s8 %[max], q0\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [in] "+r"(in), [max] "+r"(max), "+r"(lr)
                     :
                     : "q0", "memory");
    return (int8_t)max;
}

/* The sum of the n rounded exps (Q12.19: (e + 2^11) >> 12 each, e >= 0), at = exp_table + 255 - max. */
static uint32_t rev_sum(const int8_t *in, int32_t n, const int32_t *at)
{
    uint32_t sum = 0;
    register int32_t lr __asm__("lr") = n;
    __asm__ volatile("wlstp.32 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.s32 q0, [%[in]], #4\n\t"
                     "vldrw.u32 q1, [%[at], q0, uxtw #2]\n\t"
                     "vrshr.s32 q1, q1, #12\n\t"
                     "vaddva.u32 %[sum], q1\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [in] "+l"(in), [sum] "+Te"(sum), "+r"(lr)
                     : [at] "r"(at)
                     : "q0", "q1", "memory");
    return sum;
}

/* The n outputs: RoundingDivideByPOT(SRDHM(e, mult), right) + offset, clamped to hi where clamp (exp x scale
 * rounded down to the output's bits: e >= 0 and mult >= 0, never below the offset, so only the upper clamp can
 * act), int16 when wide, int8 otherwise. sh = 2^(31 - right) (0 where right > 31): for 1 <= right <= 31 and
 * x >= 0, SRDHM(x, 2^(31 - right)) = (x + 2^(right - 1)) >> right, TFLM's rounding division, and VQRDMLASH
 * (x * sh doubled, plus the offset in the high half, rounded) adds the offset in the same instruction. */
TSLM_ALWAYS_INLINE void rev_out(const int8_t *in, int32_t n, const int32_t *at, int32_t mult, int32_t sh,
                                int32_t offset, int32_t hi, void *out, const int wide, const int clamp)
{
    register int32_t lr __asm__("lr") = n;
    const int32x4_t vsh = vdupq_n_s32(sh);
#define TSLM_REV_OUT(MIN, STORE)                             \
    "wlstp.32 lr, lr, 2f\n"                                  \
    "1:\n\t"                                                 \
    "vldrb.s32 q0, [%[in]], #4\n\t"                          \
    "vldrw.u32 q1, [%[at], q0, uxtw #2]\n\t"                 \
    "vqrdmulh.s32 q1, q1, %[mult]\n\t"                       \
    "vqrdmlash.s32 q1, %q[sh], %[offset]\n\t"              \
    MIN                                                      \
    STORE "\n\t"                                             \
    "letp lr, 1b\n"                                          \
    "2:"
#define TSLM_REV_OUT_ASM(MIN, STORE)                                                                            \
    __asm__ volatile(TSLM_REV_OUT(MIN, STORE)                                                                  \
                     : [in] "+l"(in), [out] "+l"(out), "+r"(lr)                                                \
                     : [at] "r"(at), [mult] "r"(mult), [sh] "w"(vsh), [offset] "r"(offset), [hi] "w"(vhi)      \
                     : "q0", "q1", "memory")
    if (clamp) {
        const int32x4_t vhi = vdupq_n_s32(hi);
        if (wide) {
            TSLM_REV_OUT_ASM("vmin.s32 q1, q1, %q[hi]\n\t", "vstrh.32 q1, [%[out]], #8");
        } else {
            TSLM_REV_OUT_ASM("vmin.s32 q1, q1, %q[hi]\n\t", "vstrb.32 q1, [%[out]], #4");
        }
    } else {
        const int32x4_t vhi = vsh; /* (unused) */
        if (wide) {
            TSLM_REV_OUT_ASM("", "vstrh.32 q1, [%[out]], #8");
        } else {
            TSLM_REV_OUT_ASM("", "vstrb.32 q1, [%[out]], #4");
        }
    }
#undef TSLM_REV_OUT_ASM
#undef TSLM_REV_OUT
}

/* Four rows at a time: their maxima and sums, then on four lanes their reciprocals (mult), the shifts'
 * multipliers 2^(31 - right) (right = 12 - clz(sum) + 31 - bits, so 31 - right = clz(sum) - 4 for int8 and
 * clz(sum) + 4 for int16; VSHL by a negative count gives 0 where right > 31, every output then the offset, as
 * TFLM's) and a bound on each row's outputs, RoundingDivideByPOT(mult, right) (SRDHM(e, mult) <= mult for
 * 0 <= e < 2^31 and both steps are monotonic): a row whose bound fits the output's bits takes the loop
 * without the clamp. Rows shorter than 8,192 (checked by the caller): each sum is then at most
 * 8,191 x 2^19 < 2^32 and at least 2^19 (the row's maximum, exp 0), so 15 <= right <= 35. */
TSLM_ALWAYS_INLINE void rev_rows(const tslm_softmax_params *p, const int8_t *input, void *output, const int wide)
{
    const int32_t depth = p->depth;
    const size_t size = wide ? 2 : 1;
    const int32_t offset = wide ? -32768 : -128, hi = wide ? 32767 : 127, top = wide ? 65535 : 255;
    const int8_t *in = input;
    char *out = (char *)output;
    for (int32_t r = 0; r < p->rows; r += 4) {
        const int32_t nb = p->rows - r < 4 ? p->rows - r : 4;
#if !defined(TSLM_OPTIMIZE_SIZE) /* (fewer instructions a row in the speed build, more in the size build) */
        in = input + r * depth;
        out = (char *)output + (size_t)(r * depth) * size;
#endif
        const int32_t *at[4];
        int32_t v[3][4]; /* each row's multiplier, shift's multiplier and bound */
        vstrwq_u32((uint32_t *)v[0], vdupq_n_u32(1));
        const int8_t *row = in;
        for (int32_t i = 0; i < nb; ++i) {
            at[i] = p->exp_table + 255 - rev_max(row, depth);
            v[0][i] = (int32_t)rev_sum(row, depth, at[i]);
            row += depth;
        }
        const uint32x4_t s = vldrwq_u32((const uint32_t *)v[0]);
        const int32x4_t m = reciprocal4(s);
        const int32x4_t k = vaddq_n_s32(vreinterpretq_s32_u32(vclzq_u32(s)), wide ? 4 : -4);
        const int32x4_t shv = vshlq_s32(vdupq_n_s32(1), k);
        vstrwq_s32(v[0], m);
        vstrwq_s32(v[1], shv);
        vstrwq_s32(v[2], vqrdmulhq_s32(m, shv));
        for (int32_t i = 0; i < nb; ++i) {
            if (v[2][i] > top) {
                rev_out(in, depth, at[i], v[0][i], v[1][i], offset, hi, out, wide, 1);
            } else {
                rev_out(in, depth, at[i], v[0][i], v[1][i], offset, hi, out, wide, 0);
            }
            in += depth;
            out += (size_t)depth * size;
        }
    }
}

void tslm_mve_softmax_s8(const tslm_softmax_params *p, const int8_t *input, int8_t *output)
{
    /* (the compiler reverses the table for this kernel; a row of 8,192 or more may wrap its sum) */
    if ((p->reversed ^ 1) | (p->depth >> 13)) {
        tslm_softmax_s8(p, input, output);
        return;
    }
    rev_rows(p, input, output, 0);
}

void tslm_mve_softmax_s8_s16(const tslm_softmax_params *p, const int8_t *input, int16_t *output)
{
    if ((p->reversed ^ 1) | (p->depth >> 13)) {
        tslm_softmax_s8_s16(p, input, output);
        return;
    }
    rev_rows(p, input, output, 1);
}
