/*
 * tslm_mve_binary.c - ADD, SUB, MUL (int8) with Helium: TFLM's integer steps on four int32 lanes
 * (tslm_mve.h's requantization, bit for bit), along the innermost dimension when each input walks it
 * contiguously or is broadcast along it (one value for the whole row); the outer five dimensions as the
 * portable kernel walks them.
 */
#include "tslm_mve_binary.h"
#include "tslm_mve.h"

enum { OP_ADD, OP_SUB, OP_MUL };

/* A requantization with one multiplier and shift for all lanes, as scalar operands (no vector registers
 * held across the loop): tslm_mve_requant's steps, the round-half-away fixup applied when the shift is a
 * right shift (`fix` 1) and not otherwise (`fix` 0). */
typedef struct {
    int32_t multiplier, left, right, fix;
} scalar_requant;

static scalar_requant requant_of(int32_t multiplier, int32_t shift)
{
    const scalar_requant q = {multiplier, shift > 0 ? shift : 0, shift < 0 ? shift : 0, shift < 0};
    return q;
}

TSLM_ALWAYS_INLINE int32x4_t requant(int32x4_t x, const scalar_requant q)
{
    x = vqrdmulhq_n_s32(vshlq_r_s32(x, q.left), q.multiplier);
    x = vqaddq_s32(x, vmulq_n_s32(vshrq_n_s32(x, 31), q.fix));
    return vrshlq_n_s32(x, q.right);
}

/* One row of n outputs. s1 and s2 (constants in each caller): 1 if that input walks the row contiguously,
 * 0 if it holds one value for the row, rescaled once here. Every parameter is read into a local first:
 * the int8 stores may alias anything, so GCC would otherwise reload them on every iteration. */
TSLM_ALWAYS_INLINE void row(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                            int32_t n, const int op, const int s1, const int s2)
{
    const scalar_requant q1 = requant_of(p->in1_multiplier, p->in1_shift);
    const scalar_requant q2 = requant_of(p->in2_multiplier, p->in2_shift);
    const scalar_requant qo = requant_of(p->output_multiplier, p->output_shift);
    const int32_t ls = p->left_shift, o1 = p->in1_offset, o2 = p->in2_offset, zp = p->output_offset;
    const int32_t lo = p->act_min, hi = p->act_max;
    /* a broadcast input's term, once: its rescaled value (ADD, SUB) or its offset value (MUL) */
    int32x4_t a_once = vdupq_n_s32(0), b_once = vdupq_n_s32(0);
    if (!s1) {
        a_once = vdupq_n_s32(in1[0] + o1);
        a_once = op == OP_MUL ? a_once : requant(vshlq_r_s32(a_once, ls), q1);
    }
    if (!s2) {
        b_once = vdupq_n_s32(in2[0] + o2);
        b_once = op == OP_MUL ? b_once : requant(vshlq_r_s32(b_once, ls), q2);
    }
    for (int32_t i = 0; i < n; i += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        int32x4_t a = a_once, b = b_once;
        if (s1) {
            a = vaddq_n_s32(vldrbq_z_s32(in1 + i, pr), o1);
            a = op == OP_MUL ? a : requant(vshlq_r_s32(a, ls), q1);
        }
        if (s2) {
            b = vaddq_n_s32(vldrbq_z_s32(in2 + i, pr), o2);
            b = op == OP_MUL ? b : requant(vshlq_r_s32(b, ls), q2);
        }
        const int32x4_t acc = op == OP_MUL ? vmulq_s32(a, b) : (op == OP_ADD ? vaddq_s32(a, b) : vsubq_s32(a, b));
        int32x4_t v = vaddq_n_s32(requant(acc, qo), zp);
        v = vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi));
        vstrbq_p_s32(out + i, v, pr);
    }
}

/* 1 when the innermost dimension is one this kernel walks (each input contiguous or broadcast there). */
static int vectorizable(const tslm_binary_params *p)
{
    return (p->in1_strides[5] == 0 || p->in1_strides[5] == 1) && (p->in2_strides[5] == 0 || p->in2_strides[5] == 1);
}

TSLM_ALWAYS_INLINE void walk(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                             const int op)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4, out += d[5]) {
                        const int32_t a = i0 * t1[0] + i1 * t1[1] + i2 * t1[2] + i3 * t1[3] + i4 * t1[4];
                        const int32_t b = i0 * t2[0] + i1 * t2[1] + i2 * t2[2] + i3 * t2[3] + i4 * t2[4];
                        if (t1[5] && t2[5]) {
                            row(p, in1 + a, in2 + b, out, d[5], op, 1, 1);
                        } else if (t1[5]) {
                            row(p, in1 + a, in2 + b, out, d[5], op, 1, 0);
                        } else if (t2[5]) {
                            row(p, in1 + a, in2 + b, out, d[5], op, 0, 1);
                        } else {
                            row(p, in1 + a, in2 + b, out, d[5], op, 0, 0);
                        }
                    }
                }
            }
        }
    }
}

/* ---- ADD/SUB of two contiguous inputs of TFLM's int8 scheme (left shift 20, one input A at
 * multiplier 1/2): A's rescaled value (a + offset_A) << 19 is exact, so the sum before the output's
 * requantization is a << 19 plus a term of B's byte alone (offset_A << 19 +- B's rescaled value).
 * The 256 terms are made once per call (1 KB of stack) with row()'s arithmetic, and each four
 * elements read theirs with one gather: a residual add in a third of row()'s instructions. */

#define LUT_MIN 512 /* elements per call from which the table pays for itself */

/* out[i] = clamp(requant(lut[(uint8_t)b[i]] + k a[i]) + zp) for i < n, k = +-2^19; the output's requantization
 * a right shift r = -output_shift > 0 (requant()'s steps without its left shift and with the sign fix-up). One
 * tail-predicated loop in assembly (WLSTP/LETP: the last partial vector's lanes switched off by the loop, no
 * remainder code; the same instructions in the size build), 12 instructions per four elements: the rounding shift
 * and the zero point are one VQRDMLASH (sh = 2^(31 - r) in every lane, 0 where r > 31: for 1 <= r <= 31,
 * (y 2^(32 - r) + zp 2^32 + 2^31) >> 32 = zp + (y + 2^(r - 1)) >> r, VRSHL's rounding; past 31 both give zp).
 * lut_row_up(): the same without the sign fix-up (one off where the product is negative: rounding half up), 10 per
 * four, for the compiler's moved terms (tslm_mve_add_terms_up_s8). */
#define TSLM_LUT_ROW(FIX)                                                                                     \
    register int32_t lr __asm__("lr") = n;                                                                    \
    __asm__ volatile("wlstp.32 lr, lr, 2f\n"                                                                  \
                     "1:\n\t"                                                                                 \
                     "vldrb.u32 q0, [%[b]], #4\n\t"                                                           \
                     "vldrb.s32 q1, [%[a]], #4\n\t"                                                           \
                     "vldrw.u32 q2, [%[lut], q0, uxtw #2]\n\t"                                                \
                     "vmla.s32 q2, q1, %[k]\n\t"                                                              \
                     "vqrdmulh.s32 q2, q2, %[m]\n\t"                                                          \
                     FIX                                                                                      \
                     "vqrdmlash.s32 q2, %q[sh], %[zp]\n\t"                                                   \
                     "vmax.s32 q2, q2, %q[lo]\n\t"                                                            \
                     "vmin.s32 q2, q2, %q[hi]\n\t"                                                            \
                     "vstrb.32 q2, [%[out]], #4\n\t"                                                          \
                     "letp lr, 1b\n"                                                                          \
                     "2:"                                                                                     \
                     : [a] "+l"(a), [b] "+l"(b), [out] "+l"(out), "+r"(lr)                                    \
                     : [lut] "r"(lut), [k] "r"(k), [m] "r"(m), [sh] "w"(sh), [zp] "r"(zp), [lo] "w"(lo),      \
                       [hi] "w"(hi)                                                                           \
                     : "q0", "q1", "q2", "memory")
static void lut_row(const int8_t *a, const uint8_t *b, const int32_t *lut, int8_t *out, int32_t n, int32_t k,
                    int32_t m, int32x4_t sh, int32_t zp, int32x4_t lo, int32x4_t hi)
{
    TSLM_LUT_ROW("vshr.s32 q1, q2, #31\n\t"
                 "vqadd.s32 q2, q2, q1\n\t");
}

static void lut_row_up(const int8_t *a, const uint8_t *b, const int32_t *lut, int8_t *out, int32_t n, int32_t k,
                       int32_t m, int32x4_t sh, int32_t zp, int32x4_t lo, int32x4_t hi)
{
    TSLM_LUT_ROW("");
}
#undef TSLM_LUT_ROW

/* The table entries of four consecutive bytes: sa + sign x B's rescaled value of b, b + ob counted up from *x
 * (VIDUP, *x advanced by four); (b + ob) << 20 << left as one shift (both wrap alike). */
TSLM_TINY_INLINE int32x4_t b_terms(uint32_t *x, int32_t shift, int32_t mb, int32_t fix, int32_t rb, int32_t sa,
                                   int32_t sign)
{
    int32x4_t sb = vqrdmulhq_n_s32(vshlq_r_s32(vreinterpretq_s32_u32(vidupq_wb_u32(x, 1)), shift), mb);
    sb = vrshlq_n_s32(vqaddq_s32(sb, vmulq_n_s32(vshrq_n_s32(sb, 31), fix)), rb);
    return vaddq_n_s32(vmulq_n_s32(sb, sign), sa);
}

/* lut[byte] = sa -+ B's rescaled value of b (- when `minus`): the bytes 0..127 (b = byte) then 128..255
 * (b = byte - 256), from ob and from ob - 128. */
static void lut_fill(int32_t *lut, int32_t sa, int32_t ob, const scalar_requant qb, int minus)
{
    const int32_t shift = 20 + qb.left, mb = qb.multiplier, rb = qb.right, fix = qb.fix, sign = minus ? -1 : 1;
    for (int32_t half = 0; half < 2; ++half) {
        uint32_t x = (uint32_t)(ob - 128 * half);
        int32_t *dst = lut + 128 * half;
        for (int32_t i = 0; i < 32; ++i, dst += 4) {
            vst1q_s32(dst, b_terms(&x, shift, mb, fix, rb, sa, sign));
        }
    }
}

/* ---- ADD/SUB with the output at A's scale (TFLM's output multiplier 2^30, shift -18: the residual stream
 * keeps its scale): x = lut[b] + a 2^19, VQRDMULH(x, 2^30) = floor((x + 1) / 2) = x'(b) + a 2^18 exactly (no
 * overflow: |lut| < 2^29), so the output before its zero point is a + floor((x'(b) + 2^17) / 2^18), TFLM's
 * sign fix-up aside, which only acts on a tie of x'(b) modulo 2^18. Without ties, out = clamp(a + H[b]) with
 * H[b] = that floor + zp: sixteen int8 lanes, H as two byte tables of the same sign (H1 = H clamped to int8,
 * H2 = the rest, clamped: for H <= -256 every output is -128 either way), each a 16-byte gather and a
 * saturating add (saturating twice in one direction is saturating once); H >= 255 needs a third: not this
 * path. 10 instructions per sixteen elements. */
static void unit_row(const int8_t *a, const uint8_t *b, const int8_t *h, int8_t *out, int32_t n, int8x16_t lo,
                     int8x16_t hi)
{
    register int32_t lr __asm__("lr") = n;
    __asm__ volatile("wlstp.8 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.u8 q0, [%[b]], #16\n\t"
                     "vldrb.u8 q1, [%[a]], #16\n\t"
                     "vldrb.u8 q2, [%[h1], q0]\n\t"
                     "vqadd.s8 q1, q1, q2\n\t"
                     "vldrb.u8 q2, [%[h2], q0]\n\t"
                     "vqadd.s8 q1, q1, q2\n\t"
                     "vmax.s8 q1, q1, %q[lo]\n\t"
                     "vmin.s8 q1, q1, %q[hi]\n\t"
                     "vstrb.8 q1, [%[out]], #16\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [a] "+r"(a), [b] "+r"(b), [out] "+r"(out), "+r"(lr)
                     : [h1] "r"(h), [h2] "r"(h + 256), [lo] "w"(lo), [hi] "w"(hi)
                     : "q0", "q1", "q2", "memory");
}

/* unit_row()'s tables h[byte], h[256 + byte] from the table entries (lut_fill's, in the same order); 0 when an
 * entry is on a tie (x' = 2^17 modulo 2^18: x' << 14 is INT32_MIN) or its H is 255 or more (not this path), 1
 * otherwise. Out of line: inlined into the loop nest GCC spilled its registers. */
__attribute__((noinline)) static int unit_fill(int8_t *h, int32_t sa, int32_t ob, const scalar_requant qb, int minus,
                                               int32_t zp)
{
    const int32_t shift = 20 + qb.left, mb = qb.multiplier, rb = qb.right, fix = qb.fix, sign = minus ? -1 : 1;
    int32x4_t ties = vdupq_n_s32(0), most = vdupq_n_s32(-256); /* (scalar operands: no constant vectors to spill) */
    for (int32_t half = 0; half < 2; ++half) {
        uint32_t x = (uint32_t)(ob - 128 * half);
        int8_t *h1 = h + 128 * half;
        for (int32_t i = 0; i < 32; ++i, h1 += 4) {
            /* the output's requantization at a = 0 up to its rounding shift: x' = VQRDMULH(entry, 2^30) */
            const int32x4_t xp = vqrdmulhq_n_s32(b_terms(&x, shift, mb, fix, rb, sa, sign), INT32_C(1) << 30);
            const int32x4_t big = vaddq_n_s32(vrshrq_n_s32(xp, 18), zp);
            ties = vminq_s32(ties, vshlq_n_s32(xp, 14));
            most = vmaxq_s32(most, big);
            const int32x4_t h1v = vshrq_n_s32(vqshlq_n_s32(big, 24), 24); /* clamped to int8 */
            vstrbq_s32(h1, h1v);
            vstrbq_s32(h1 + 256, vshrq_n_s32(vqshlq_n_s32(vsubq_s32(big, h1v), 24), 24));
        }
    }
    return vminvq_s32(INT32_MAX, ties) != INT32_MIN && vmaxvq_s32(INT32_MIN, most) <= 254;
}

/* Every row of the call: unit_row() with the byte tables h (`unit` 1, a constant in each caller) or lut_row() with
 * lut and k. A's rows at ina, B's at inb (strides ta, tb); the innermost loop steps its row pointers with its
 * invariants in registers (the assembly's memory clobber would reload what lives in *p). */
TSLM_ALWAYS_INLINE void table_rows(const tslm_binary_params *p, const int8_t *ina, const int8_t *inb, const int32_t *ta,
                                   const int32_t *tb, int8_t *out, const int unit, const int8_t *h,
                                   const int32_t *lut, int32_t k, const int up)
{
    const int32_t *d = p->dims;
    const int32_t n = d[5], d4 = d[4], ta4 = ta[4], tb4 = tb[4];
    const int32_t m = p->output_multiplier, zp = p->output_offset;
    const int32x4_t sh = vshlq_s32(vdupq_n_s32(1), vdupq_n_s32(31 + p->output_shift)); /* 0 past 31 */
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int8x16_t lo8 = vdupq_n_s8((int8_t)p->act_min), hi8 = vdupq_n_s8((int8_t)p->act_max);
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    const int8_t *a = ina + i0 * ta[0] + i1 * ta[1] + i2 * ta[2] + i3 * ta[3];
                    const uint8_t *b = (const uint8_t *)inb + i0 * tb[0] + i1 * tb[1] + i2 * tb[2] + i3 * tb[3];
                    for (int32_t i4 = 0; i4 < d4; ++i4, a += ta4, b += tb4, out += n) {
                        if (unit) {
                            unit_row(a, b, h, out, n, lo8, hi8);
                        } else if (up) {
                            lut_row_up(a, b, lut, out, n, k, m, sh, zp, lo, hi);
                        } else {
                            lut_row(a, b, lut, out, n, k, m, sh, zp, lo, hi);
                        }
                    }
                }
            }
        }
    }
}

/* ADD/SUB through lut_row() (`unit` 0) or unit_row() (`unit` 1: where the output is at A's scale, without ties
 * and large H) where both inputs walk the row, the scheme is TFLM's and the call has LUT_MIN elements or more; 0
 * otherwise (nothing written). */
TSLM_ALWAYS_INLINE int tables(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int op, const int unit)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    int32_t total = 1;
    for (int i = 0; i < TSLM_MAX_DIMS; ++i) {
        total *= d[i];
    }
    const int half1 = p->in1_multiplier == (INT32_C(1) << 30) && p->in1_shift == 0;
    const int half2 = p->in2_multiplier == (INT32_C(1) << 30) && p->in2_shift == 0;
    if (p->left_shift != 20 || t1[5] != 1 || t2[5] != 1 || total < LUT_MIN || (!half1 && !half2) ||
        p->output_shift >= 0) {
        return 0;
    }
    const int a_is_in1 = half1;
    const int32_t oa19 = (int32_t)((uint32_t)(a_is_in1 ? p->in1_offset : p->in2_offset) << 19);
    const int32_t ob = a_is_in1 ? p->in2_offset : p->in1_offset;
    const scalar_requant qb = a_is_in1 ? requant_of(p->in2_multiplier, p->in2_shift)
                                       : requant_of(p->in1_multiplier, p->in1_shift);
    /* x = in1's term +- in2's: A's sign is - only for SUB with A = input 2, B's only for SUB with A = input 1 */
    const int minus_a = op == OP_SUB && !a_is_in1, minus_b = op == OP_SUB && a_is_in1;
    const int32_t sa = minus_a ? -oa19 : oa19;
    const int8_t *ina = a_is_in1 ? in1 : in2, *inb = a_is_in1 ? in2 : in1;
    const int32_t *ta = a_is_in1 ? t1 : t2, *tb = a_is_in1 ? t2 : t1;
    if (unit && !minus_a && p->output_multiplier == (INT32_C(1) << 30) && p->output_shift == -18) {
        int8_t h[512];
        if (unit_fill(h, sa, ob, qb, minus_b, p->output_offset)) {
            table_rows(p, ina, inb, ta, tb, out, 1, h, NULL, 0, 0);
            return 1;
        }
        return 0; /* a tie or a large H: the caller's table path */
    }
    if (unit) {
        return 0;
    }
    int32_t lut[256];
    lut_fill(lut, sa, ob, qb, minus_b);
    table_rows(p, ina, inb, ta, tb, out, 0, NULL, lut, minus_a ? -(INT32_C(1) << 19) : (INT32_C(1) << 19), 0);
    return 1;
}

static int lut_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out, const int op)
{
    return tables(p, in1, in2, out, op, 0);
}

/* The residual add at A's scale, sixteen lanes at a time; 0 where it does not apply (nothing written). */
static int unit_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out, const int op)
{
    return tables(p, in1, in2, out, op, 1);
}

void tslm_mve_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (!vectorizable(p)) {
        tslm_add_s8(p, in1, in2, out); /* the portable kernel */
        return;
    }
    if (!unit_path(p, in1, in2, out, OP_ADD) && !lut_path(p, in1, in2, out, OP_ADD)) {
        walk(p, in1, in2, out, OP_ADD);
    }
}

void tslm_mve_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (!vectorizable(p)) {
        tslm_sub_s8(p, in1, in2, out);
        return;
    }
    if (!unit_path(p, in1, in2, out, OP_SUB) && !lut_path(p, in1, in2, out, OP_SUB)) {
        walk(p, in1, in2, out, OP_SUB);
    }
}

void tslm_mve_mul_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (!vectorizable(p)) {
        tslm_mul_s8(p, in1, in2, out);
        return;
    }
    walk(p, in1, in2, out, OP_MUL);
}

void tslm_mve_squared_difference_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                    int8_t *out)
{
    tslm_squared_difference_s8(p, in1, in2, out); /* the portable kernel */
}

/* ---- The residual add with the compiler's table (passes.residual_add_tables): unit_row() with one table, made by
 * the compiler. h[byte] = H(b) for b = (int8_t)byte, out = clamp(a + H[b]) checked by the compiler on all 65,536
 * pairs (A: input 1 where it is at multiplier 1/2, else input 2; every H an int8): one byte gather and one
 * saturating add per sixteen elements, 8 instructions. Anything else (no table, a row not contiguous, another
 * scheme) calls the kernel without the table, tslm_mve_add_s8() or tslm_mve_sub_s8(). */
static void table_row(const int8_t *a, const uint8_t *b, const int8_t *h, int8_t *out, int32_t n, int8x16_t lo,
                      int8x16_t hi)
{
    register int32_t lr __asm__("lr") = n;
    __asm__ volatile("wlstp.8 lr, lr, 2f\n"
                     "1:\n\t"
                     "vldrb.u8 q0, [%[b]], #16\n\t"
                     "vldrb.u8 q1, [%[a]], #16\n\t"
                     "vldrb.u8 q2, [%[h], q0]\n\t"
                     "vqadd.s8 q1, q1, q2\n\t"
                     "vmax.s8 q1, q1, %q[lo]\n\t"
                     "vmin.s8 q1, q1, %q[hi]\n\t"
                     "vstrb.8 q1, [%[out]], #16\n\t"
                     "letp lr, 1b\n"
                     "2:"
                     : [a] "+r"(a), [b] "+r"(b), [out] "+r"(out), "+r"(lr)
                     : [h] "r"(h), [lo] "w"(lo), [hi] "w"(hi)
                     : "q0", "q1", "q2", "memory");
}

TSLM_ALWAYS_INLINE void table_apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                    const int8_t *h, const int op)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    if (h == NULL || t1[5] != 1 || t2[5] != 1 || p->left_shift != 20 || p->output_multiplier != (INT32_C(1) << 30) ||
        p->output_shift != -18) {
        if (op == OP_ADD) {
            tslm_mve_add_s8(p, in1, in2, out);
        } else {
            tslm_mve_sub_s8(p, in1, in2, out);
        }
        return;
    }
    const int a_is_in1 = p->in1_multiplier == (INT32_C(1) << 30) && p->in1_shift == 0;
    const int8_t *ina = a_is_in1 ? in1 : in2, *inb = a_is_in1 ? in2 : in1;
    const int32_t *ta = a_is_in1 ? t1 : t2, *tb = a_is_in1 ? t2 : t1;
    const int32_t n = d[5], d4 = d[4], ta4 = ta[4], tb4 = tb[4];
    const int8x16_t lo = vdupq_n_s8((int8_t)p->act_min), hi = vdupq_n_s8((int8_t)p->act_max);
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    const int8_t *a = ina + i0 * ta[0] + i1 * ta[1] + i2 * ta[2] + i3 * ta[3];
                    const uint8_t *b = (const uint8_t *)inb + i0 * tb[0] + i1 * tb[1] + i2 * tb[2] + i3 * tb[3];
                    for (int32_t i4 = 0; i4 < d4; ++i4, a += ta4, b += tb4, out += n) {
                        table_row(a, b, h, out, n, lo, hi);
                    }
                }
            }
        }
    }
}

/* The general residual add with the compiler's table of B's terms (passes.residual_add_tables, where H does not
 * apply): tables()'s lut_row() loop without its fill. terms[byte] = TFLM's sum before the output's requantization
 * at a = 0 (A's term at a = 0 plus or minus B's rescaled value of b = (int8_t)byte). Anything else calls the kernel
 * without the table. */
TSLM_ALWAYS_INLINE void terms_apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                    const int32_t *terms, const int op, const int up)
{
    const int32_t *t1 = p->in1_strides, *t2 = p->in2_strides;
    const int half1 = p->in1_multiplier == (INT32_C(1) << 30) && p->in1_shift == 0;
    const int half2 = p->in2_multiplier == (INT32_C(1) << 30) && p->in2_shift == 0;
    if (terms == NULL || p->left_shift != 20 || t1[5] != 1 || t2[5] != 1 || (!half1 && !half2) ||
        p->output_shift >= 0) {
        if (op == OP_ADD) {
            tslm_mve_add_s8(p, in1, in2, out);
        } else {
            tslm_mve_sub_s8(p, in1, in2, out);
        }
        return;
    }
    const int a_is_in1 = half1, minus_a = op == OP_SUB && !a_is_in1;
    table_rows(p, a_is_in1 ? in1 : in2, a_is_in1 ? in2 : in1, a_is_in1 ? t1 : t2, a_is_in1 ? t2 : t1, out, 0, NULL,
               terms, minus_a ? -(INT32_C(1) << 19) : (INT32_C(1) << 19), up);
}

void tslm_mve_add_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms)
{
    terms_apply(p, in1, in2, out, terms, OP_ADD, 0);
}

void tslm_mve_sub_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms)
{
    terms_apply(p, in1, in2, out, terms, OP_SUB, 0);
}

/* The same with the compiler's moved terms (ops.elementwise.residual_terms_up_mve: each of TFLM's sums at a = 0
 * moved by the smallest |delta| <= 64 for which lut_row_up(), rounding half up, gives TFLM's output for all 256 a):
 * the loop without TFLM's rounding correction. Anything else calls the kernel without the table. */
void tslm_mve_add_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms)
{
    terms_apply(p, in1, in2, out, terms, OP_ADD, 1);
}

void tslm_mve_sub_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms)
{
    terms_apply(p, in1, in2, out, terms, OP_SUB, 1);
}

void tslm_mve_add_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h)
{
    table_apply(p, in1, in2, out, h, OP_ADD);
}

void tslm_mve_sub_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h)
{
    table_apply(p, in1, in2, out, h, OP_SUB);
}
