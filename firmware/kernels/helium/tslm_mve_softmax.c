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

/* The table reversed (p->reversed): an input x's exp is (exp_table + 255 - max)[x], one gather with the
 * sign-extended byte as the offset (the address wraps modulo 2^32: at - 4 * 128 .. at + 4 * 127, all inside the
 * table). Each pass over a row is one tail-predicated loop (WLSTP/LETP: no remainder code, the last partial
 * vector's lanes switched off by the loop itself), and each group of up to four rows takes two assembly blocks,
 * each with its own loop over the rows (no per-row reloads of the constants, no spills around the loops): the
 * first gives each row its maximum (VMAXV, sixteen bytes a turn), its table pointer and its sum (VADDVA of the
 * rounded exps, four a turn); the second its outputs (four a turn). A row's state is one 16-byte record
 * (tslm_smx_row: the table pointer, then the multiplier, the shift's multiplier and the bound, taken by one LDM);
 * the pointers run on from row to row, stepped back by the last turn's padding ((-depth) & 3: a turn's write-back
 * is not predicated). */
typedef struct {
    const int32_t *at; /* exp_table + 255 - the row's maximum */
    int32_t mult;      /* the sum (first block), then the reciprocal */
    int32_t sh;        /* 2^(31 - right), 0 where right > 31 */
    int32_t bound;     /* RoundingDivideByPOT(mult, right): the largest output before the offset */
} tslm_smx_row;

/* The first block: rows nb >= 1 of depth n >= 1 from in; their records' at and (in mult) the sums. */
#define TSLM_SMX_SUMS                                                                                         \
    "1:\n\t"                                                                                                  \
    "mov lr, %[n]\n\t"                                                                                        \
    "mvn r8, #127\n\t"                                                                                        \
    "mov %[p], %[in]\n\t"                                                                                     \
    "wlstp.8 lr, lr, 3f\n"                                                                                    \
    "2:\n\t"                                                                                                  \
    "vldrb.8 q0, [%[p]], #16\n\t"                                                                             \
    "vmaxv.s8 r8, q0\n\t"                                                                                     \
    "letp lr, 2b\n"                                                                                           \
    "3:\n\t"                                                                                                  \
    "sxtb r8, r8\n\t"                                                                                         \
    "sub r8, %[top], r8, lsl #2\n\t"                                                                          \
    "str r8, [%[rc]], #16\n\t"                                                                                \
    "mov lr, %[n]\n\t"                                                                                        \
    "movs r10, #0\n\t"                                                                                        \
    "wlstp.32 lr, lr, 5f\n"                                                                                   \
    "4:\n\t"                                                                                                  \
    "vldrb.s32 q0, [%[in]], #4\n\t"                                                                           \
    "vldrw.u32 q1, [r8, q0, uxtw #2]\n\t"                                                                     \
    "vrshr.s32 q1, q1, #12\n\t"                                                                               \
    "vaddva.u32 r10, q1\n\t"                                                                                  \
    "letp lr, 4b\n"                                                                                           \
    "5:\n\t"                                                                                                  \
    "str r10, [%[rc], #-12]\n\t"                                                                              \
    "sub %[in], %[in], %[pad]\n\t"                                                                            \
    "subs %[nb], %[nb], #1\n\t"                                                                               \
    "bne 1b"

/* The second block: the nb rows' outputs, RoundingDivideByPOT(SRDHM(e, mult), right) + offset, clamped to hi
 * in rows whose bound reaches TOP = 2^bits (exp x scale rounded down to the output's bits: e >= 0 and mult >= 0, never
 * below the offset, so only the upper clamp can act). For 1 <= right <= 31 and x >= 0, SRDHM(x, 2^(31 - right))
 * = (x + 2^(right - 1)) >> right, TFLM's rounding division, and VQRDMLASH (x * sh doubled, plus the offset in the
 * high half, rounded) adds the offset in the same instruction. The rows without the clamp fall through. */
#define TSLM_SMX_OUT_LOOP(L, MIN, STORE)                                                                      \
    "wlstp.32 lr, lr, 5f\n"                                                                                   \
    L ":\n\t"                                                                                                 \
    "vldrb.s32 q0, [%[in]], #4\n\t"                                                                           \
    "vldrw.u32 q1, [r8, q0, uxtw #2]\n\t"                                                                     \
    "vqrdmulh.s32 q1, q1, r9\n\t"                                                                             \
    "vqrdmlash.s32 q1, q2, %[offset]\n\t"                                                                     \
    MIN STORE "\n\t"                                                                                          \
    "letp lr, " L "b\n"
#define TSLM_SMX_OUT(TOP, STORE)                                                                              \
    "1:\n\t"                                                                                                  \
    "ldm %[rc]!, {r8, r9, r10, r11}\n\t"                                                                      \
    "vdup.32 q2, r10\n\t"                                                                                     \
    "mov lr, %[n]\n\t"                                                                                        \
    "cmp r11, #" TOP "\n\t"                                                                                   \
    "blt 3f\n\t"                                                                                              \
    TSLM_SMX_OUT_LOOP("2", "vmin.s32 q1, q1, %q[hi]\n\t", STORE)                                              \
    "b 5f\n"                                                                                                  \
    "3:\n\t"                                                                                                  \
    TSLM_SMX_OUT_LOOP("4", "", STORE)                                                                         \
    "5:\n\t"                                                                                                  \
    "sub %[in], %[in], %[pad]\n\t"                                                                            \
    "sub %[out], %[out], %[padout]\n\t"                                                                       \
    "subs %[nb], %[nb], #1\n\t"                                                                               \
    "bne 1b"

/* Four rows at a time: their maxima and sums (the first block), then on four lanes their reciprocals (mult), the
 * shifts' multipliers 2^(31 - right) (right = 12 - clz(sum) + 31 - bits, so 31 - right = clz(sum) - 4 for int8 and
 * clz(sum) + 4 for int16; VSHL by a negative count gives 0 where right > 31, every output then the offset, as
 * TFLM's) and a bound on each row's outputs, RoundingDivideByPOT(mult, right) (SRDHM(e, mult) <= mult for
 * 0 <= e < 2^31 and both steps are monotonic): a row whose bound fits the output's bits takes the loop
 * without the clamp. Rows shorter than 8,192 (checked by the caller): each sum is then at most
 * 8,191 x 2^19 < 2^32 and at least 2^19 (the row's maximum, exp 0), so 15 <= right <= 35. The records' lanes past
 * a last group's rows keep an earlier group's values (or the first sums of 1): computed, never used. */
TSLM_ALWAYS_INLINE void rev_rows(const tslm_softmax_params *p, const int8_t *input, void *output, const int wide)
{
    const int32_t n = p->depth, pad = (-n) & 3, padout = wide ? 2 * pad : pad;
    const int32_t offset = wide ? -32768 : -128;
    const int32x4_t vhi = vdupq_n_s32(wide ? 32767 : 127);
    const int32_t *const top = p->exp_table + 255;
    const uint32x4_t idx = vidupq_n_u32(0, 4); /* the records' words 0, 4, 8, 12 */
    tslm_smx_row rc[4];
    vstrwq_scatter_shifted_offset_s32(&rc[0].mult, idx, vdupq_n_s32(1));
    const int8_t *in1 = input, *in3 = input;
    char *out = (char *)output;
    for (int32_t r = p->rows; r > 0; r -= 4) {
        const int32_t nb = r < 4 ? r : 4;
        tslm_smx_row *rp = rc;
        int32_t c = nb;
        const int8_t *pm; /* the maximum's pointer */
        __asm__ volatile(TSLM_SMX_SUMS
                         : [in] "+l"(in1), [rc] "+r"(rp), [nb] "+r"(c), [p] "=&r"(pm)
                         : [n] "r"(n), [top] "r"(top), [pad] "r"(pad)
                         : "r8", "r10", "lr", "q0", "q1", "memory", "cc");
        const uint32x4_t s = vreinterpretq_u32_s32(vldrwq_gather_shifted_offset_s32(&rc[0].mult, idx));
        const int32x4_t m = reciprocal4(s);
        const int32x4_t k = vaddq_n_s32(vreinterpretq_s32_u32(vclzq_u32(s)), wide ? 4 : -4);
        const int32x4_t shv = vshlq_s32(vdupq_n_s32(1), k);
        vstrwq_scatter_shifted_offset_s32(&rc[0].mult, idx, m);
        vstrwq_scatter_shifted_offset_s32(&rc[0].sh, idx, shv);
        vstrwq_scatter_shifted_offset_s32(&rc[0].bound, idx, vqrdmulhq_s32(m, shv));
        rp = rc;
        c = nb;
        if (wide) {
            __asm__ volatile(TSLM_SMX_OUT("65536", "vstrh.32 q1, [%[out]], #8")
                             : [in] "+l"(in3), [out] "+l"(out), [rc] "+r"(rp), [nb] "+r"(c)
                             : [n] "r"(n), [offset] "r"(offset), [pad] "r"(pad), [padout] "r"(padout),
                               [hi] "w"(vhi)
                             : "r8", "r9", "r10", "r11", "lr", "q0", "q1", "q2", "memory", "cc");
        } else {
            __asm__ volatile(TSLM_SMX_OUT("256", "vstrb.32 q1, [%[out]], #4")
                             : [in] "+l"(in3), [out] "+l"(out), [rc] "+r"(rp), [nb] "+r"(c)
                             : [n] "r"(n), [offset] "r"(offset), [pad] "r"(pad), [padout] "r"(padout),
                               [hi] "w"(vhi)
                             : "r8", "r9", "r10", "r11", "lr", "q0", "q1", "q2", "memory", "cc");
        }
    }
}
#undef TSLM_SMX_OUT
#undef TSLM_SMX_OUT_LOOP
#undef TSLM_SMX_SUMS

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
