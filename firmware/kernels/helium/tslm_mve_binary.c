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

void tslm_mve_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (!vectorizable(p)) {
        tslm_add_s8(p, in1, in2, out); /* the portable kernel */
        return;
    }
    walk(p, in1, in2, out, OP_ADD);
}

void tslm_mve_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (!vectorizable(p)) {
        tslm_sub_s8(p, in1, in2, out);
        return;
    }
    walk(p, in1, in2, out, OP_SUB);
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
