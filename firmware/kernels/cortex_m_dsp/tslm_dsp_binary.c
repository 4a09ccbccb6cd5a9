/*
 * tslm_binary.c - ADD, SUB, MUL, SQUARED_DIFFERENCE (int8) for the Cortex-M DSP extension.
 *
 * The compiler collapses the broadcast into the fewest dimensions, so the
 * innermost loop is long and each input steps through it by 1 (or 0: one
 * value broadcast along it). That loop is specialized for each op and step
 * pattern, and every requantization in it is one SMMLAR plus a correction
 * (tslm_dsp.h):
 *   SRDHM(x, m) = floor((x * m + 2^30) / 2^31) = SMMLAR(2x, m, 0), exact while 2x fits in
 *   int32, and TFLM's round-half-away division of s by 2^r (r >= 1) is
 *   floor((v - [v <= 0]) / 2^r) with v = s + 2^(r-1) added by the same SMMLAR.
 * The input offsets and left shift fold into one ADD with a shifted operand.
 * Exact whenever 2x cannot overflow: left_shift <= 20 (|x| < 2^29 for inputs,
 * |sum| < 2^29, |product| <= 255^2), for SQUARED_DIFFERENCE left_shift <= 7 with
 * input multipliers <= 1/2 (TFLM's; |diff|^2 < 2^30), and every shift a right
 * shift or none; otherwise the portable arithmetic, element by element.
 * The usual transformer shapes (TFLM's ADD/SUB scheme with a stepping input at
 * multiplier 1/2, MUL with a right shift) go first through run_path(): one
 * Thumb-2 loop per run, the zero point inside SMMLAR's rounding term (rq_z()).
 */
#include "tslm_dsp_binary.h"

#include <string.h>
#include "tslm_dsp.h"

/* One requantization: x2 = 2x, the multiplier m, right shift r with round = 2^(r-1) and
 * neg = -1 (or r = 0, round = 0, neg = 0). */
typedef struct {
    int32_t m, r, round, neg;
} rq_t;

TSLM_ALWAYS_INLINE int32_t rq(int32_t x2, const rq_t q)
{
    int32_t v = tslm_smmlar(x2, q.m, q.round);
    v += ((v - 1) >> 31) & q.neg;
    return v >> q.r;
}

static rq_t make_rq(int32_t multiplier, int32_t shift)
{
    rq_t q;
    q.m = multiplier;
    q.r = -shift;
    q.round = shift < 0 ? (INT32_C(1) << (-shift - 1)) : 0;
    q.neg = shift < 0 ? -1 : 0;
    return q;
}

/* For each run of the innermost dimension (d[5] elements; `out` steps by STEP after each): a and b, the
 * two inputs' first bytes of that run (strides TA, TB over the outer five dimensions), then BODY. */
#define TSLM_FOR_RUNS(d, INA, TA, INB, TB, out, STEP, ...)                                                     \
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {                                                                     \
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {                                                                 \
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {                                                             \
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {                                                         \
                    for (int32_t i4 = 0; i4 < d[4]; ++i4, out += STEP) {                                        \
                        const int8_t *a = INA + i0 * TA[0] + i1 * TA[1] + i2 * TA[2] + i3 * TA[3] + i4 * TA[4]; \
                        const int8_t *b = INB + i0 * TB[0] + i1 * TB[1] + i2 * TB[2] + i3 * TB[3] + i4 * TB[4]; \
                        __VA_ARGS__                                                                             \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

enum { OP_ADD, OP_SUB, OP_MUL, OP_SQDIFF };

typedef struct {
    rq_t q1, q2, qo;
    int32_t off1, off2; /* ADD/SUB/SQDIFF: (offset << (left_shift + 1)); MUL: the offsets */
    int32_t ls1;        /* left_shift + 1 */
    int32_t zp, lo, hi;
} fast_t;

TSLM_ALWAYS_INLINE int8_t element(const fast_t *f, int32_t a, int32_t b, const int op, const int full)
{
    int32_t acc;
    if (op == OP_MUL) {
        acc = (a + f->off1) * (b + f->off2);
    } else {
        const int32_t r1 = rq((int32_t)((uint32_t)a << f->ls1) + f->off1, f->q1);
        const int32_t r2 = rq((int32_t)((uint32_t)b << f->ls1) + f->off2, f->q2);
        acc = op == OP_ADD ? r1 + r2 : r1 - r2;
        if (op == OP_SQDIFF) {
            acc *= acc;
        }
    }
    int32_t v = tslm_ssat8(rq(acc * 2, f->qo) + f->zp);
    if (!full) {
        v = v < f->lo ? f->lo : (v > f->hi ? f->hi : v);
    }
    return (int8_t)v;
}

/* The innermost run of n outputs; s1, s2: the inputs' steps (0 or 1). */
TSLM_ALWAYS_INLINE void run(const fast_t *f, const int8_t *in1, const int8_t *in2, int8_t *out, int32_t n,
                            const int s1, const int s2, const int op, const int full)
{
    if (s1 && s2) {
        for (int32_t i = 0; i < n; ++i) {
            out[i] = element(f, in1[i], in2[i], op, full);
        }
    } else if (s1) {
        const int32_t b = *in2;
        for (int32_t i = 0; i < n; ++i) {
            out[i] = element(f, in1[i], b, op, full);
        }
    } else {
        const int32_t a = *in1;
        for (int32_t i = 0; i < n; ++i) {
            out[i] = element(f, a, in2[i], op, full);
        }
    }
}

TSLM_ALWAYS_INLINE void walk(const tslm_binary_params *p, const fast_t *f, const int8_t *in1, const int8_t *in2,
                             int8_t *out, const int op, const int full)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    const int32_t n = d[5];
    const int s1 = t1[5] != 0, s2 = t2[5] != 0;
    TSLM_FOR_RUNS(d, in1, t1, in2, t2, out, n,
        if (s1 && s2) {
            run(f, a, b, out, n, 1, 1, op, full);
        } else if (s1) {
            run(f, a, b, out, n, 1, 0, op, full);
        } else if (s2) {
            run(f, a, b, out, n, 0, 1, op, full);
        } else {
            run(f, a, b, out, n, 0, 0, op, full);
        })
}

/* ---- ADD/SUB with TFLM's int8 scheme: left_shift 20, one input (or both) at multiplier 1/2 ----
 * TFLM gives the input with the larger scale the multiplier 1/2 exactly (2^30, shift 0): its
 * rescaled value SRDHM((a + offset) << 20, 2^30) is (a + offset) << 19, no rounding at all.
 * Twice it, (a + offset) << 20, is one ADD with a shifted operand. The other input takes one
 * rounded rescale (r >= 1), the sum one more. Every rounded step is rq_z() below: three
 * instructions, the output zero point inside the rounding term. */

/* TFLM's RoundingDivideByPOT(SRDHM(x, m), r) + z for r >= 1, from x2 = 2x:
 * SMMLAR(x2, m, 2^(r-1) + z 2^r - [x2 < 0]) >> r, rz = 2^(r-1) + z 2^r. SMMLAR(x2, m, 0) is SRDHM
 * exactly while x2 fits; taking one off where x < 0 (rather than where SRDHM + 2^(r-1) <= 0) gives
 * the same floor, since SRDHM of a negative x lies in (-2^(r-1), 0] or already below -2^(r-1) + 1;
 * z 2^r moves the floor by z. The caller bounds r and |SRDHM| so nothing overflows (r <= 22,
 * |x2| < 2^30). */
TSLM_ALWAYS_INLINE int32_t rq_z(int32_t x2, const int32_t m, const int32_t rz, const int32_t r)
{
    return tslm_smmlar(x2, m, (int32_t)((uint32_t)rz + (uint32_t)(x2 >> 31))) >> r;
}

TSLM_ALWAYS_INLINE int32_t make_rz(int32_t r, int32_t z)
{
    return (int32_t)((UINT32_C(1) << (r - 1)) + ((uint32_t)z << r));
}

enum { IN_HALF, IN_RESCALE };

typedef struct {
    int32_t m, rz, r; /* r >= 1; rz = 2^(r-1) (inputs) or make_rz(r, zero point) (the output) */
} rq1_t;

/* Twice an input's rescaled value. off: offset << 20 (IN_HALF) or offset << 21 (IN_RESCALE). */
TSLM_ALWAYS_INLINE int32_t twice_rescaled(int32_t a, int32_t off, const int kind, const rq1_t q)
{
    if (kind == IN_HALF) {
        return off + (int32_t)((uint32_t)a << 20);
    }
    return (int32_t)((uint32_t)rq_z(off + (int32_t)((uint32_t)a << 21), q.m, q.rz, q.r) << 1);
}

TSLM_ALWAYS_INLINE int8_t half_out(int32_t a, int32_t b, const int op, const rq1_t qo)
{
    return (int8_t)tslm_ssat8(rq_z(op == OP_ADD ? a + b : a - b, qo.m, qo.rz, qo.r));
}

TSLM_ALWAYS_INLINE void half_run(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t n, const int s1,
                                 const int s2, const int op, const int k1, const int k2, const int32_t off1,
                                 const int32_t off2, const rq1_t q1, const rq1_t q2, const rq1_t qo)
{
    if (s1 && s2) {
        for (int32_t i = 0; i < n; ++i) {
            out[i] = half_out(twice_rescaled(in1[i], off1, k1, q1), twice_rescaled(in2[i], off2, k2, q2), op, qo);
        }
    } else if (s1) {
        const int32_t b = twice_rescaled(*in2, off2, k2, q2);
        for (int32_t i = 0; i < n; ++i) {
            out[i] = half_out(twice_rescaled(in1[i], off1, k1, q1), b, op, qo);
        }
    } else {
        const int32_t a = twice_rescaled(*in1, off1, k1, q1);
        for (int32_t i = 0; i < n; ++i) {
            out[i] = half_out(a, twice_rescaled(in2[i], off2, k2, q2), op, qo);
        }
    }
}

TSLM_ALWAYS_INLINE void half_walk(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                  const int op, const int k1, const int k2)
{
    const rq1_t q1 = {p->in1_multiplier, k1 == IN_RESCALE ? INT32_C(1) << (-p->in1_shift - 1) : 0, -p->in1_shift};
    const rq1_t q2 = {p->in2_multiplier, k2 == IN_RESCALE ? INT32_C(1) << (-p->in2_shift - 1) : 0, -p->in2_shift};
    const rq1_t qo = {p->output_multiplier, make_rz(-p->output_shift, p->output_offset), -p->output_shift};
    const int32_t off1 = (int32_t)((uint32_t)p->in1_offset << (k1 == IN_HALF ? 20 : 21));
    const int32_t off2 = (int32_t)((uint32_t)p->in2_offset << (k2 == IN_HALF ? 20 : 21));
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    const int32_t n = d[5];
    const int s1 = t1[5] != 0, s2 = t2[5] != 0;
    TSLM_FOR_RUNS(d, in1, t1, in2, t2, out, n,
        if (s1 && s2) {
            half_run(a, b, out, n, 1, 1, op, k1, k2, off1, off2, q1, q2, qo);
        } else if (s1) {
            half_run(a, b, out, n, 1, 0, op, k1, k2, off1, off2, q1, q2, qo);
        } else {
            half_run(a, b, out, n, 0, 1, op, k1, k2, off1, off2, q1, q2, qo);
        })
}

/* ADD/SUB through half_walk, if the parameters are TFLM's int8 scheme; 0 otherwise. Twice a sum
 * stays below 2^30 (|(a + offset) << 20| <= 2^28 per input); the output's rz fits for r <= 22. */
static int half_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out, const int op)
{
    const int half1 = p->in1_multiplier == (INT32_C(1) << 30) && p->in1_shift == 0;
    const int half2 = p->in2_multiplier == (INT32_C(1) << 30) && p->in2_shift == 0;
    if (p->left_shift != 20 || p->act_min != -128 || p->act_max != 127 || p->output_shift > -1 ||
        p->output_shift < -22 || (!half1 && !half2) || (!half1 && (p->in1_shift > -1 || p->in1_shift < -30)) ||
        (!half2 && (p->in2_shift > -1 || p->in2_shift < -30)) ||
        (p->in1_strides[5] == 0 && p->in2_strides[5] == 0)) {
        return 0;
    }
    const int k1 = half1 ? IN_HALF : IN_RESCALE, k2 = half2 ? IN_HALF : IN_RESCALE;
    if (op == OP_ADD) {
        if (k1 == IN_HALF && k2 == IN_HALF) {
            half_walk(p, in1, in2, out, OP_ADD, IN_HALF, IN_HALF);
        } else if (k1 == IN_HALF) {
            half_walk(p, in1, in2, out, OP_ADD, IN_HALF, IN_RESCALE);
        } else {
            half_walk(p, in1, in2, out, OP_ADD, IN_RESCALE, IN_HALF);
        }
    } else {
        if (k1 == IN_HALF && k2 == IN_HALF) {
            half_walk(p, in1, in2, out, OP_SUB, IN_HALF, IN_HALF);
        } else if (k1 == IN_HALF) {
            half_walk(p, in1, in2, out, OP_SUB, IN_HALF, IN_RESCALE);
        } else {
            half_walk(p, in1, in2, out, OP_SUB, IN_RESCALE, IN_HALF);
        }
    }
    return 1;
}

/* ---- MUL (every int8 MUL with a full activation range) ----
 * Twice the product, 2 (a + o1)(b + o2), is one multiply by 2 (b + o2) where b is broadcast along
 * the run. A right shift (r in [1, 22]) is rq_z() with the zero point inside; a left shift s <= 14
 * (an output scale below the product's: x * rsqrt(var) in a layer norm) goes into that factor,
 * 2^(s + 1) (b + o2), exact since |product| < 2^16, and SMMLAR alone is TFLM's SRDHM. */

TSLM_ALWAYS_INLINE int32_t mul_rq(int32_t x2, const rq1_t q, const int32_t zp, const int left)
{
    return left ? tslm_smmlar(x2, q.m, zp) : rq_z(x2, q.m, q.rz, q.r);
}

TSLM_ALWAYS_INLINE void mul_run(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t n, const int s1,
                                const int s2, const int32_t o1, const int32_t o2, const rq1_t q, const int32_t zp,
                                const int left)
{
    const int32_t up = left ? q.r : 1; /* left: q.r holds s + 1 */
    int32_t i = 0;
    if (s1 && s2) {
        for (; i < n; ++i) {
            const int32_t x2 = (int32_t)((uint32_t)((in1[i] + o1) * (in2[i] + o2)) << up);
            out[i] = (int8_t)tslm_ssat8(mul_rq(x2, q, zp, left));
        }
    } else {
        const int8_t *v = s1 ? in1 : in2;
        const int32_t ov = s1 ? o1 : o2;
        const int32_t k2 = (int32_t)((uint32_t)(s1 ? *in2 + o2 : *in1 + o1) << up); /* the broadcast factor */
        for (; i + 2 <= n; i += 2) {
            const int32_t x0 = (v[i] + ov) * k2, x1 = (v[i + 1] + ov) * k2;
            out[i] = (int8_t)tslm_ssat8(mul_rq(x0, q, zp, left));
            out[i + 1] = (int8_t)tslm_ssat8(mul_rq(x1, q, zp, left));
        }
        if (i < n) {
            out[i] = (int8_t)tslm_ssat8(mul_rq((v[i] + ov) * k2, q, zp, left));
        }
    }
}

/* MUL through mul_run, for a full activation range and a shift from 22 right to 14 left; 0 otherwise. */
static int mul_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (p->act_min != -128 || p->act_max != 127 || p->output_shift > 14 || p->output_shift < -22 ||
        (p->in1_strides[5] == 0 && p->in2_strides[5] == 0)) {
        return 0;
    }
    const int left = p->output_shift >= 0;
    const rq1_t q = {p->output_multiplier, left ? 0 : make_rz(-p->output_shift, p->output_offset),
                     left ? p->output_shift + 1 : -p->output_shift};
    const int32_t o1 = p->in1_offset, o2 = p->in2_offset, zp = p->output_offset;
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    const int32_t n = d[5];
    const int s1 = t1[5] != 0, s2 = t2[5] != 0;
    TSLM_FOR_RUNS(d, in1, t1, in2, t2, out, n,
        if (left) {
            if (s1 && s2) {
                mul_run(a, b, out, n, 1, 1, o1, o2, q, zp, 1);
            } else if (s1) {
                mul_run(a, b, out, n, 1, 0, o1, o2, q, zp, 1);
            } else {
                mul_run(a, b, out, n, 0, 1, o1, o2, q, zp, 1);
            }
        } else if (s1 && s2) {
            mul_run(a, b, out, n, 1, 1, o1, o2, q, zp, 0);
        } else if (s1) {
            mul_run(a, b, out, n, 1, 0, o1, o2, q, zp, 0);
        } else {
            mul_run(a, b, out, n, 0, 1, o1, o2, q, zp, 0);
        })
    return 1;
}

/* ---- Runs in one loop: ADD/SUB of TFLM's scheme with a stepping input at multiplier 1/2, and
 * MUL with a right shift (the layer norms and residual adds of a transformer) ----
 * The stepping input A at 1/2 enters as a << 20; everything else about a run is folded into a term
 * t (one per run where the other input B is broadcast along it, else one per element, computed
 * into a small buffer and kept while the next run reads the same B: a constant row such as a layer
 * norm's beta is rescaled once). ADD/SUB: x = t + a << 20 (or t - a << 20), t = +-offset_A << 20 +-
 * twice B's rescaled value. MUL: x = a k + c with k = 2 (b + o_B), c = o_A k. Then rq_z() and SSAT:
 * per element one byte load, (a term load,) one shifted add or MLA, four instructions of
 * requantization, the store and the loop's compare and branch. The values are the ones half_run()
 * and mul_run() compute, only summed in another order. */

#define RUN_CHUNK 64 /* elements per buffer of terms (256 bytes of stack; MUL: 512) */

#if defined(TSLM_DSP_ASM)
#define TSLM_RUN_OUT                                       \
    "add %[t], %[rz], %[x], asr #31\n\t"                  \
    "smmlar %[x], %[x], %[m], %[t]\n\t"                   \
    "asr %[x], %[x], %[r]\n\t"                            \
    "ssat %[x], #8, %[x]\n\t"                             \
    "strb %[x], [%[o]], #1\n\t"
/* n >= 1 elements of BODY (one output each): an odd first one, then two per turn */
#define TSLM_RUN_LOOP(BODY)                                \
    "tst %[n], #1\n\t"                                    \
    "beq 2f\n\t"                                          \
    BODY                                                  \
    "2:\n\t"                                              \
    "cmp %[o], %[end]\n\t"                                \
    "beq 3f\n"                                            \
    "1:\n\t"                                              \
    BODY BODY                                             \
    "cmp %[o], %[end]\n\t"                                \
    "bne 1b\n"                                            \
    "3:"
#endif

/* o[i] = out(t[i] +- (a[i] << 20)), i < n (n >= 1) */
TSLM_ALWAYS_INLINE void sum_vec(const int8_t *a, const int32_t *t, int8_t *o, int32_t n, const rq1_t q,
                                const int minus)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n;
    int32_t x, u;
    if (minus) {
        __asm__ volatile(TSLM_RUN_LOOP("ldrsb %[x], [%[a]], #1\n\t"
                                       "ldr %[t], [%[tp]], #4\n\t"
                                       "sub %[x], %[t], %[x], lsl #20\n\t" TSLM_RUN_OUT)
                         : [a] "+r"(a), [tp] "+r"(t), [o] "+r"(o), [x] "=&r"(x), [t] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r)
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_RUN_LOOP("ldrsb %[x], [%[a]], #1\n\t"
                                       "ldr %[t], [%[tp]], #4\n\t"
                                       "add %[x], %[t], %[x], lsl #20\n\t" TSLM_RUN_OUT)
                         : [a] "+r"(a), [tp] "+r"(t), [o] "+r"(o), [x] "=&r"(x), [t] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r)
                         : "cc", "memory");
    }
#else
    for (int32_t i = 0; i < n; ++i) {
        const int32_t a20 = (int32_t)((uint32_t)a[i] << 20);
        o[i] = (int8_t)tslm_ssat8(rq_z(minus ? t[i] - a20 : t[i] + a20, q.m, q.rz, q.r));
    }
#endif
}

/* o[i] = out(t +- (a[i] << 20)), i < n (n >= 1) */
TSLM_ALWAYS_INLINE void sum_scalar(const int8_t *a, int32_t t, int8_t *o, int32_t n, const rq1_t q, const int minus)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n;
    int32_t x, u;
    if (minus) {
        __asm__ volatile(TSLM_RUN_LOOP("ldrsb %[x], [%[a]], #1\n\t"
                                       "sub %[x], %[tv], %[x], lsl #20\n\t" TSLM_RUN_OUT)
                         : [a] "+r"(a), [o] "+r"(o), [x] "=&r"(x), [t] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [tv] "r"(t), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r)
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_RUN_LOOP("ldrsb %[x], [%[a]], #1\n\t"
                                       "add %[x], %[tv], %[x], lsl #20\n\t" TSLM_RUN_OUT)
                         : [a] "+r"(a), [o] "+r"(o), [x] "=&r"(x), [t] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [tv] "r"(t), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r)
                         : "cc", "memory");
    }
#else
    for (int32_t i = 0; i < n; ++i) {
        const int32_t a20 = (int32_t)((uint32_t)a[i] << 20);
        o[i] = (int8_t)tslm_ssat8(rq_z(minus ? t - a20 : t + a20, q.m, q.rz, q.r));
    }
#endif
}

/* o[i] = out(a[i] kc[2i] + kc[2i + 1]), i < n (n >= 1) */
TSLM_ALWAYS_INLINE void prod_vec(const int8_t *a, const int32_t *kc, int8_t *o, int32_t n, const rq1_t q)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n;
    int32_t x, u, k, c;
    __asm__ volatile(TSLM_RUN_LOOP("ldrsb %[x], [%[a]], #1\n\t"
                                   "ldrd %[k], %[c], [%[kc]], #8\n\t"
                                   "mla %[x], %[x], %[k], %[c]\n\t" TSLM_RUN_OUT)
                     : [a] "+r"(a), [kc] "+r"(kc), [o] "+r"(o), [x] "=&r"(x), [t] "=&r"(u), [k] "=&r"(k),
                       [c] "=&r"(c)
                     : [n] "r"(n), [end] "r"(end), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r)
                     : "cc", "memory");
#else
    for (int32_t i = 0; i < n; ++i) {
        o[i] = (int8_t)tslm_ssat8(rq_z(a[i] * kc[2 * i] + kc[2 * i + 1], q.m, q.rz, q.r));
    }
#endif
}

/* o[i] = out(a[i] k + c), i < n (n >= 1) */
TSLM_ALWAYS_INLINE void prod_scalar(const int8_t *a, int32_t k, int32_t c, int8_t *o, int32_t n, const rq1_t q)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n;
    int32_t x, u;
    __asm__ volatile(TSLM_RUN_LOOP("ldrsb %[x], [%[a]], #1\n\t"
                                   "mla %[x], %[x], %[k], %[c]\n\t" TSLM_RUN_OUT)
                     : [a] "+r"(a), [o] "+r"(o), [x] "=&r"(x), [t] "=&r"(u)
                     : [n] "r"(n), [end] "r"(end), [k] "r"(k), [c] "r"(c), [m] "r"(q.m), [rz] "r"(q.rz),
                       [r] "r"(q.r)
                     : "cc", "memory");
#else
    for (int32_t i = 0; i < n; ++i) {
        o[i] = (int8_t)tslm_ssat8(rq_z(a[i] * k + c, q.m, q.rz, q.r));
    }
#endif
}

/* What one run needs besides the stepping input A's bytes. */
typedef struct {
    int op;                 /* OP_ADD, OP_SUB, OP_MUL */
    int a_is_in1;           /* A is input 1 (else input 2) */
    int minus;              /* ADD/SUB: x = t - a << 20 */
    int32_t sa_off;         /* ADD/SUB: +-offset_A << 20; MUL: offset_A */
    int32_t sb;             /* ADD/SUB: the sign of B's term, +1 or -1 */
    int kb;                 /* ADD/SUB: B's kind (IN_HALF, IN_RESCALE) */
    int32_t off_b;          /* ADD/SUB: offset_B << 20 (IN_HALF) or << 21; MUL: offset_B */
    rq1_t qb, qo;
} run_t;

/* ADD/SUB: the term for one value of B. MUL: k and c for it. */
TSLM_ALWAYS_INLINE int32_t sum_term(const run_t *r, int32_t b)
{
    const int32_t tb = twice_rescaled(b, r->off_b, r->kb, r->qb);
    return (int32_t)((uint32_t)r->sa_off + (uint32_t)(r->sb > 0 ? tb : -tb));
}

/* buf[i] = sum_term(r, b[i]) for B at IN_RESCALE, i < n (n >= 1): sa_off +- twice the rescaled b[i]. */
TSLM_ALWAYS_INLINE void rescale_terms(const int8_t *b, int32_t *buf, int32_t n, const run_t *r, const int minus)
{
#if defined(TSLM_DSP_ASM)
    const int32_t *end = buf + n;
    int32_t x, u;
#define TSLM_TERM(OP)                                      \
    "ldrsb %[x], [%[b]], #1\n\t"                          \
    "add %[x], %[off], %[x], lsl #21\n\t"                 \
    "add %[t], %[rz], %[x], asr #31\n\t"                  \
    "smmlar %[x], %[x], %[m], %[t]\n\t"                   \
    "asr %[x], %[x], %[r]\n\t"                            \
    OP " %[x], %[sa], %[x], lsl #1\n\t"                   \
    "str %[x], [%[o]], #4\n\t"
    if (minus) {
        __asm__ volatile(TSLM_RUN_LOOP(TSLM_TERM("sub"))
                         : [b] "+r"(b), [o] "+r"(buf), [x] "=&r"(x), [t] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [off] "r"(r->off_b), [m] "r"(r->qb.m), [rz] "r"(r->qb.rz),
                           [r] "r"(r->qb.r), [sa] "r"(r->sa_off)
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_RUN_LOOP(TSLM_TERM("add"))
                         : [b] "+r"(b), [o] "+r"(buf), [x] "=&r"(x), [t] "=&r"(u)
                         : [n] "r"(n), [end] "r"(end), [off] "r"(r->off_b), [m] "r"(r->qb.m), [rz] "r"(r->qb.rz),
                           [r] "r"(r->qb.r), [sa] "r"(r->sa_off)
                         : "cc", "memory");
    }
#undef TSLM_TERM
#else
    for (int32_t i = 0; i < n; ++i) {
        const int32_t tb = (int32_t)((uint32_t)rq_z(r->off_b + (int32_t)((uint32_t)b[i] << 21), r->qb.m, r->qb.rz,
                                                    r->qb.r) << 1);
        buf[i] = (int32_t)((uint32_t)r->sa_off + (uint32_t)(minus ? -tb : tb));
    }
#endif
}

/* not inlined: inside run_path() its assembly would run out of registers */
__attribute__((noinline)) static void one_run(const run_t *r, const int8_t *a, const int8_t *b, int32_t sb_step,
                                              int8_t *out, int32_t n, int32_t *buf, const int8_t **cached)
{
    if (!sb_step) { /* B broadcast along the run */
        if (r->op == OP_MUL) {
            const int32_t k = (int32_t)((uint32_t)(*b + r->off_b) << 1);
            prod_scalar(a, k, r->sa_off * k, out, n, r->qo);
        } else if (r->minus) {
            sum_scalar(a, sum_term(r, *b), out, n, r->qo, 1);
        } else {
            sum_scalar(a, sum_term(r, *b), out, n, r->qo, 0);
        }
        return;
    }
    for (int32_t i0 = 0; i0 < n; i0 += RUN_CHUNK, a += RUN_CHUNK, b += RUN_CHUNK, out += RUN_CHUNK) {
        const int32_t len = n - i0 < RUN_CHUNK ? n - i0 : RUN_CHUNK;
        if (b != *cached) { /* a run of one chunk whose B the buffer already holds is not recomputed */
            if (r->op == OP_MUL) {
                for (int32_t i = 0; i < len; ++i) {
                    const int32_t k = (int32_t)((uint32_t)(b[i] + r->off_b) << 1);
                    buf[2 * i] = k;
                    buf[2 * i + 1] = r->sa_off * k;
                }
            } else if (r->kb == IN_RESCALE && r->sb > 0) {
                rescale_terms(b, buf, len, r, 0);
            } else if (r->kb == IN_RESCALE) {
                rescale_terms(b, buf, len, r, 1);
            } else {
                for (int32_t i = 0; i < len; ++i) {
                    buf[i] = sum_term(r, b[i]);
                }
            }
            *cached = n <= RUN_CHUNK ? b : NULL;
        }
        if (r->op == OP_MUL) {
            prod_vec(a, buf, out, len, r->qo);
        } else if (r->minus) {
            sum_vec(a, buf, out, len, r->qo, 1);
        } else {
            sum_vec(a, buf, out, len, r->qo, 0);
        }
    }
}

/* ADD/SUB's run_t for TFLM's scheme with a stepping input A at multiplier 1/2 (s1, s2: the inputs
 * step along the run); 0 if the parameters are not that scheme. The output's fields (qo) are the
 * caller's. */
static int sum_setup(const tslm_binary_params *p, const int s1, const int s2, const int op, run_t *rp)
{
    run_t r = *rp;
    const int half1 = p->in1_multiplier == (INT32_C(1) << 30) && p->in1_shift == 0;
    const int half2 = p->in2_multiplier == (INT32_C(1) << 30) && p->in2_shift == 0;
    if (p->left_shift != 20 || !((s1 && half1) || (s2 && half2))) {
        return 0;
    }
    r.op = op;
    r.a_is_in1 = s1 && half1;
    const int32_t mb = r.a_is_in1 ? p->in2_multiplier : p->in1_multiplier;
    const int32_t shb = r.a_is_in1 ? p->in2_shift : p->in1_shift;
    const int bhalf = r.a_is_in1 ? half2 : half1;
    if (!bhalf && (shb > -1 || shb < -30)) {
        return 0;
    }
    r.kb = bhalf ? IN_HALF : IN_RESCALE;
    r.qb.m = mb;
    r.qb.r = -shb;
    r.qb.rz = bhalf ? 0 : INT32_C(1) << (-shb - 1);
    r.off_b = (int32_t)((uint32_t)(r.a_is_in1 ? p->in2_offset : p->in1_offset) << (bhalf ? 20 : 21));
    /* x = in1's term +- in2's: A's sign is - only for SUB with A = input 2 */
    r.minus = op == OP_SUB && !r.a_is_in1;
    r.sa_off = (int32_t)((uint32_t)(r.a_is_in1 ? p->in1_offset : p->in2_offset) << 20);
    r.sa_off = r.minus ? -r.sa_off : r.sa_off;
    r.sb = (op == OP_SUB && r.a_is_in1) ? -1 : 1;
    *rp = r;
    return 1;
}

/* ADD/SUB/MUL through one_run() where the parameters allow it; 0 otherwise (nothing written). */
static int run_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out, const int op)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    const int s1 = t1[5] != 0, s2 = t2[5] != 0;
    if (p->act_min != -128 || p->act_max != 127 || p->output_shift > -1 || p->output_shift < -22 || (!s1 && !s2) ||
        d[5] < 1) {
        return 0;
    }
    run_t r;
    r.op = op;
    r.qo.m = p->output_multiplier;
    r.qo.r = -p->output_shift;
    r.qo.rz = make_rz(r.qo.r, p->output_offset);
    if (op == OP_MUL) {
        r.a_is_in1 = s1;
        r.sa_off = r.a_is_in1 ? p->in1_offset : p->in2_offset;
        r.off_b = r.a_is_in1 ? p->in2_offset : p->in1_offset;
        r.minus = 0, r.sb = 1, r.kb = IN_HALF;
        r.qb = r.qo;
    } else if (!sum_setup(p, s1, s2, op, &r)) {
        return 0;
    }
    const int8_t *ina = r.a_is_in1 ? in1 : in2, *inb = r.a_is_in1 ? in2 : in1;
    const int32_t *ta = r.a_is_in1 ? t1 : t2, *tb = r.a_is_in1 ? t2 : t1;
    const int32_t n = d[5], b_step = tb[5];
    int32_t buf[2 * RUN_CHUNK];
    const int8_t *cached = NULL;
    TSLM_FOR_RUNS(d, ina, ta, inb, tb, out, n,
        one_run(&r, a, b, b_step, out, n, buf, &cached);)
    return 1;
}

/* ---- ADD/SUB of two stepping inputs (a residual add) of TFLM's scheme: B's term from a table ----
 * B's whole share of x, t(b) = +-offset_A << 20 +- twice B's rescaled value, depends on its byte
 * alone, so the 256 terms are made once per call (on the stack, 1 KB) and each element is a byte
 * load of each input, a table load, one shifted add and the output's requantization: the values
 * of one_run(), in about half its instructions once a call has more elements than the table. An
 * activation range [lo, 127] (a fused relu) takes zp - lo into the rounding term instead of zp,
 * then USAT #8 and + lo: clamp(v + zp, lo, lo + 255), and SSAT #8 cuts that at 127. */

#define LUT_MIN 512 /* elements per call from which the table pays for itself */

/* o[i] = out(lut[(uint8_t)b[i]] +- (a[i] << 20)), i < n (n >= 1); lo: the activation's minimum
 * (-128: full range, SSAT alone) with q.rz = make_rz(r, zp - lo) where lo > -128 */
TSLM_ALWAYS_INLINE void lut_run(const int8_t *a, const int8_t *b, const int32_t *lut, int8_t *o, int32_t n,
                                const rq1_t q, const int32_t lo, const int minus, const int clamp)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n;
    int32_t x, u, t;
#define TSLM_LUT_IN(OP)                                    \
    "ldrsb %[x], [%[a]], #1\n\t"                          \
    "ldrb %[u], [%[b]], #1\n\t"                           \
    "ldr %[u], [%[lut], %[u], lsl #2]\n\t"                \
    OP " %[x], %[u], %[x], lsl #20\n\t"                   \
    "add %[t], %[rz], %[x], asr #31\n\t"                  \
    "smmlar %[x], %[x], %[m], %[t]\n\t"                   \
    "asr %[x], %[x], %[r]\n\t"
#define TSLM_LUT_SAT                                       \
    "ssat %[x], #8, %[x]\n\t"                             \
    "strb %[x], [%[o]], #1\n\t"
#define TSLM_LUT_CLAMP                                     \
    "usat %[x], #8, %[x]\n\t"                             \
    "add %[x], %[x], %[lo]\n\t"                           \
    "ssat %[x], #8, %[x]\n\t"                             \
    "strb %[x], [%[o]], #1\n\t"
/* an odd first element, then two per turn (BODY: one element) */
#define TSLM_LUT_LOOP(BODY)                                \
    "sub %[t], %[end], %[o]\n\t"                          \
    "tst %[t], #1\n\t"                                    \
    "beq 2f\n\t"                                          \
    BODY                                                  \
    "2:\n\t"                                              \
    "cmp %[o], %[end]\n\t"                                \
    "beq 3f\n"                                            \
    "1:\n\t"                                              \
    BODY BODY                                             \
    "cmp %[o], %[end]\n\t"                                \
    "bne 1b\n"                                            \
    "3:"
#define TSLM_LUT_ASM(BODY)                                                                                     \
    __asm__ volatile(TSLM_LUT_LOOP(BODY)                                                                       \
                     : [a] "+r"(a), [b] "+r"(b), [o] "+r"(o), [x] "=&r"(x), [u] "=&r"(u), [t] "=&r"(t)         \
                     : [end] "r"(end), [lut] "r"(lut), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r), [lo] "r"(lo) \
                     : "cc", "memory")
    if (clamp) {
        if (minus) {
            TSLM_LUT_ASM(TSLM_LUT_IN("sub") TSLM_LUT_CLAMP);
        } else {
            TSLM_LUT_ASM(TSLM_LUT_IN("add") TSLM_LUT_CLAMP);
        }
    } else if (minus) {
        TSLM_LUT_ASM(TSLM_LUT_IN("sub") TSLM_LUT_SAT);
    } else {
        TSLM_LUT_ASM(TSLM_LUT_IN("add") TSLM_LUT_SAT);
    }
#undef TSLM_LUT_ASM
#undef TSLM_LUT_LOOP
#undef TSLM_LUT_CLAMP
#undef TSLM_LUT_SAT
#undef TSLM_LUT_IN
#else
    for (int32_t i = 0; i < n; ++i) {
        const int32_t a20 = (int32_t)((uint32_t)a[i] << 20), tb = lut[(uint8_t)b[i]];
        const int32_t v = rq_z(minus ? tb - a20 : tb + a20, q.m, q.rz, q.r);
        o[i] = (int8_t)(clamp ? tslm_ssat8((v < 0 ? 0 : (v > 255 ? 255 : v)) + lo) : tslm_ssat8(v));
    }
#endif
}

/* Every byte value in table order: every_byte[i] = (int8_t)i. */
static const int8_t every_byte[256] = {
    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,
    16,   17,   18,   19,   20,   21,   22,   23,   24,   25,   26,   27,   28,   29,   30,   31,
    32,   33,   34,   35,   36,   37,   38,   39,   40,   41,   42,   43,   44,   45,   46,   47,
    48,   49,   50,   51,   52,   53,   54,   55,   56,   57,   58,   59,   60,   61,   62,   63,
    64,   65,   66,   67,   68,   69,   70,   71,   72,   73,   74,   75,   76,   77,   78,   79,
    80,   81,   82,   83,   84,   85,   86,   87,   88,   89,   90,   91,   92,   93,   94,   95,
    96,   97,   98,   99,   100,  101,  102,  103,  104,  105,  106,  107,  108,  109,  110,  111,
    112,  113,  114,  115,  116,  117,  118,  119,  120,  121,  122,  123,  124,  125,  126,  127,
    -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113,
    -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99,  -98,  -97,
    -96,  -95,  -94,  -93,  -92,  -91,  -90,  -89,  -88,  -87,  -86,  -85,  -84,  -83,  -82,  -81,
    -80,  -79,  -78,  -77,  -76,  -75,  -74,  -73,  -72,  -71,  -70,  -69,  -68,  -67,  -66,  -65,
    -64,  -63,  -62,  -61,  -60,  -59,  -58,  -57,  -56,  -55,  -54,  -53,  -52,  -51,  -50,  -49,
    -48,  -47,  -46,  -45,  -44,  -43,  -42,  -41,  -40,  -39,  -38,  -37,  -36,  -35,  -34,  -33,
    -32,  -31,  -30,  -29,  -28,  -27,  -26,  -25,  -24,  -23,  -22,  -21,  -20,  -19,  -18,  -17,
    -16,  -15,  -14,  -13,  -12,  -11,  -10,  -9,   -8,   -7,   -6,   -5,   -4,   -3,   -2,   -1};

/* ADD/SUB through lut_run() where both inputs step along the run, the scheme is TFLM's, the
 * activation's maximum is 127 and the call has LUT_MIN elements or more (`given`: the compiler's table, any
 * number of elements, copied to the stack: with the table a pointer lut_run()'s assembly ran out of registers at -O2
 * and -Os; NULL: the table made here); 0 otherwise. */
static int lut_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out, const int op,
                    const int32_t *given)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    int32_t total = 1;
    for (int i = 0; i < TSLM_MAX_DIMS; ++i) {
        total *= d[i];
    }
    run_t r;
    if (t1[5] == 0 || t2[5] == 0 || (total < LUT_MIN && given == NULL) || p->act_max != 127 || p->output_shift > -1 ||
        p->output_shift < -22 || !sum_setup(p, 1, 1, op, &r)) {
        return 0;
    }
    const int clamp = p->act_min > -128;
    r.qo.m = p->output_multiplier;
    r.qo.r = -p->output_shift;
    r.qo.rz = make_rz(r.qo.r, p->output_offset - (clamp ? p->act_min : 0));
    int32_t lut[256];
    if (given != NULL) {
        memcpy(lut, given, sizeof lut);
    } else if (r.kb == IN_RESCALE) {
        rescale_terms(every_byte, lut, 256, &r, r.sb < 0);
    } else {
        for (int32_t i = 0; i < 256; ++i) {
            lut[i] = sum_term(&r, every_byte[i]);
        }
    }
    const int8_t *ina = r.a_is_in1 ? in1 : in2, *inb = r.a_is_in1 ? in2 : in1;
    const int32_t *ta = r.a_is_in1 ? t1 : t2, *tb = r.a_is_in1 ? t2 : t1;
    const int32_t n = d[5];
    TSLM_FOR_RUNS(d, ina, ta, inb, tb, out, n,
        if (clamp) {
            lut_run(a, b, lut, out, n, r.qo, p->act_min, r.minus, 1);
        } else {
            lut_run(a, b, lut, out, n, r.qo, -128, r.minus, 0);
        })
    return 1;
}

/* ---- ADD/SUB of two stepping inputs with the output at A's scale (TFLM's output multiplier 2^30, shift -18:
 * the transformers' residual adds that keep the stream's scale) ----
 * With x the sum before the output's requantization at a = 0 (B's term alone; x(a) = x +- a 2^19),
 * SRDHM(x(a), 2^30) = floor((x(a) + 1) / 2) = x' +- a 2^18 (x' = floor((x + 1) / 2)), and TFLM's rounding shift
 * by 18 of that is x''s +- a, its sign fix-up aside, which only acts on a tie (x' = 2^17 modulo 2^18): without
 * a tie among B's 256 values the output is exactly clamp(a + H[b]) (clamp(H[b] - a) where A is subtracted),
 * H[b] = floor((x' + 2^17) / 2^18) + zp (the Helium kernel's unit_row(), helium/tslm_mve_binary.c). Where every
 * H fits int8, four elements are one word load of A, four byte loads of B, four table loads packed into a
 * word, one QADD8 (QSUB8) and one word store: saturating at int8 then clamping to [lo, hi] is clamping the
 * int32 sum; an activation range other than int8's adds SSUB8 + SEL for each bound. Words may be unaligned
 * (LDR/STR on the M4). 30 instructions per eight elements in the full range (the size build: 16 per four), 11
 * per table entry (unit_fill(); the size build 12). A tie, an H outside int8 or B at 1/2 too: lut_path() (the
 * size build: a clamped range too). */

/* o[i] = clamp(a[i] + h[b[i]]) (minus: clamp(h[b[i]] - a[i])), i < n (n >= 1); clamp: the activation range
 * [lo, hi] is not int8's (lo4, hi4: its bounds in each byte; a relu's [lo, 127] too: its upper SEL a no-op).
 * Out of line, one call per run: the loop nest once, the four loops in one place. */
__attribute__((noinline)) static void unit_run(const int8_t *a, const uint8_t *b, const int8_t *h, int8_t *o,
                                               int32_t n, uint32_t lo4, uint32_t hi4, int32_t lo, int32_t hi,
                                               int minus, int clamp)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n, *end4 = o + (n & ~3);
    uint32_t t0, t1, t2, t3;
    (void)lo, (void)hi;
#define TSLM_UNIT_ADD "qadd8 %[t0], %[t1], %[t0]\n\t"
#define TSLM_UNIT_SUB "qsub8 %[t0], %[t0], %[t1]\n\t"
#define TSLM_UNIT_NONE ""
#define TSLM_UNIT_CLAMP                                    \
    "ssub8 %[t1], %[t0], %[lo]\n\t"                       \
    "sel %[t0], %[t0], %[lo]\n\t"                         \
    "ssub8 %[t1], %[t0], %[hi]\n\t"                       \
    "sel %[t0], %[hi], %[t0]\n\t"
/* four elements: h[b] packed into t0, A's word in t1, then OP and CLAMP */
#define TSLM_UNIT_W4(OP, CLAMP)                            \
    "ldrb %[t0], [%[b]], #4\n\t"                          \
    "ldrb %[t1], [%[b], #-3]\n\t"                         \
    "ldrb %[t2], [%[b], #-2]\n\t"                         \
    "ldrb %[t3], [%[b], #-1]\n\t"                         \
    "ldrb %[t0], [%[h], %[t0]]\n\t"                       \
    "ldrb %[t1], [%[h], %[t1]]\n\t"                       \
    "ldrb %[t2], [%[h], %[t2]]\n\t"                       \
    "ldrb %[t3], [%[h], %[t3]]\n\t"                       \
    "orr %[t0], %[t0], %[t1], lsl #8\n\t"                 \
    "orr %[t0], %[t0], %[t2], lsl #16\n\t"                \
    "orr %[t0], %[t0], %[t3], lsl #24\n\t"                \
    "ldr %[t1], [%[a]], #4\n\t"                           \
    OP CLAMP                                              \
    "str %[t0], [%[o]], #4\n\t"
#define TSLM_UNIT_W1(OP, CLAMP)                            \
    "ldrb %[t0], [%[b]], #1\n\t"                          \
    "ldrb %[t0], [%[h], %[t0]]\n\t"                       \
    "ldrb %[t1], [%[a]], #1\n\t"                          \
    OP CLAMP                                              \
    "strb %[t0], [%[o]], #1\n\t"
#if defined(TSLM_OPTIMIZE_SIZE) /* four per turn */
#define TSLM_UNIT_W4S(OP, CLAMP)                                                                               \
    "cmp %[o], %[end4]\n\t"                                                                                    \
    "beq 3f\n"                                                                                                 \
    "1:\n\t" TSLM_UNIT_W4(OP, CLAMP)                                                                           \
    "cmp %[o], %[end4]\n\t"                                                                                    \
    "bne 1b\n"
#else /* an odd block of four, then eight per turn */
#define TSLM_UNIT_W4S(OP, CLAMP)                                                                               \
    "sub %[t0], %[end4], %[o]\n\t"                                                                             \
    "tst %[t0], #4\n\t"                                                                                        \
    "beq 2f\n\t" TSLM_UNIT_W4(OP, CLAMP) "2:\n\t"                                                              \
    "cmp %[o], %[end4]\n\t"                                                                                    \
    "beq 3f\n"                                                                                                 \
    "1:\n\t" TSLM_UNIT_W4(OP, CLAMP) TSLM_UNIT_W4(OP, CLAMP)                                                   \
    "cmp %[o], %[end4]\n\t"                                                                                    \
    "bne 1b\n"
#endif
/* the blocks of four, then the last n % 4 one by one */
#define TSLM_UNIT_ASM(OP, CLAMP)                                                                               \
    __asm__ volatile(TSLM_UNIT_W4S(OP, CLAMP)                                                                  \
                     "3:\n\t"                                                                                  \
                     "cmp %[o], %[end]\n\t"                                                                    \
                     "beq 5f\n"                                                                                \
                     "4:\n\t" TSLM_UNIT_W1(OP, CLAMP)                                                          \
                     "cmp %[o], %[end]\n\t"                                                                    \
                     "bne 4b\n"                                                                                \
                     "5:"                                                                                      \
                     : [a] "+r"(a), [b] "+r"(b), [o] "+r"(o), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), \
                       [t3] "=&r"(t3)                                                                          \
                     : [end] "r"(end), [end4] "r"(end4), [h] "r"(h), [lo] "r"(lo4), [hi] "r"(hi4)              \
                     : "cc", "memory")
#if defined(TSLM_OPTIMIZE_SIZE) /* the full range only (unit_path()) */
    (void)lo4, (void)hi4, (void)clamp;
    if (minus) {
        TSLM_UNIT_ASM(TSLM_UNIT_SUB, TSLM_UNIT_NONE);
    } else {
        TSLM_UNIT_ASM(TSLM_UNIT_ADD, TSLM_UNIT_NONE);
    }
#else
    if (minus) {
        if (clamp) {
            TSLM_UNIT_ASM(TSLM_UNIT_SUB, TSLM_UNIT_CLAMP);
        } else {
            TSLM_UNIT_ASM(TSLM_UNIT_SUB, TSLM_UNIT_NONE);
        }
    } else if (clamp) {
        TSLM_UNIT_ASM(TSLM_UNIT_ADD, TSLM_UNIT_CLAMP);
    } else {
        TSLM_UNIT_ASM(TSLM_UNIT_ADD, TSLM_UNIT_NONE);
    }
#endif
#undef TSLM_UNIT_ASM
#undef TSLM_UNIT_W4S
#undef TSLM_UNIT_W1
#undef TSLM_UNIT_W4
#undef TSLM_UNIT_CLAMP
#undef TSLM_UNIT_NONE
#undef TSLM_UNIT_SUB
#undef TSLM_UNIT_ADD
#else
    (void)lo4, (void)hi4;
    for (int32_t i = 0; i < n; ++i) {
        int32_t v = tslm_ssat8(minus ? h[b[i]] - a[i] : a[i] + h[b[i]]);
        if (clamp) {
            v = v < lo ? lo : (v > hi ? hi : v);
        }
        o[i] = (int8_t)v;
    }
#endif
}

/* H(b) + the byte b's share of u below: B's rescaled value as twice_rescaled() makes it, x0 = off_b + b << 21 */
TSLM_ALWAYS_INLINE int32_t unit_u(int32_t x0, const run_t *r, int32_t sac, const int minus)
{
    const int32_t tb = (int32_t)((uint32_t)rq_z(x0, r->qb.m, r->qb.rz, r->qb.r) << 1);
    return (int32_t)((uint32_t)sac + (uint32_t)(minus ? -tb : tb));
}

/* h[i] = (int8_t)H(b) for b = b0 + i, i < 128 (x0: off_b + b0 << 21), and 32 into *bad where an x' is on a tie.
 * H from the output's requantization at a = 0, folded: with x2 lut_path()'s term (twice the sum) and
 * u = x2 + sac - sa_off = x2 + 2 + 2^19 + zp 2^20: x' = floor((x2 / 2 + 1) / 2) = (x2 + 2) >> 2, so
 * H = ((x' + 2^17) >> 18) + zp = u >> 20, and x' is on a tie (x' + 2^17 = 0 modulo 2^18) where bits 2..19 of
 * u are 0: their count of leading zeros is 32 there, at most 31 otherwise. (H is monotonic in b: its range
 * is that of its two ends, unit_path()'s test.) */
TSLM_ALWAYS_INLINE void unit_fill(int8_t *h, int32_t x0, const run_t *r, int32_t sac, uint32_t *bad, const int minus)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = h + 128;
    int32_t t, v;
    uint32_t acc = *bad;
#define TSLM_UNIT_ENTRY(OP)                                \
    "add %[t], %[rz], %[x], asr #31\n\t"                  \
    "smmlar %[v], %[x], %[m], %[t]\n\t"                   \
    "add %[x], %[x], #0x200000\n\t"                       \
    "asr %[v], %[v], %[r]\n\t"                            \
    OP " %[v], %[sac], %[v], lsl #1\n\t"                  \
    "asr %[t], %[v], #20\n\t"                             \
    "strb %[t], [%[h]], #1\n\t"                           \
    "ubfx %[v], %[v], #2, #18\n\t"                        \
    "clz %[v], %[v]\n\t"                                  \
    "orr %[bad], %[bad], %[v]\n\t"
#if defined(TSLM_OPTIMIZE_SIZE)
#define TSLM_UNIT_FILL(OP) "1:\n\t" TSLM_UNIT_ENTRY(OP) "cmp %[h], %[end]\n\t" "bne 1b"
#else
#define TSLM_UNIT_FILL(OP) "1:\n\t" TSLM_UNIT_ENTRY(OP) TSLM_UNIT_ENTRY(OP) "cmp %[h], %[end]\n\t" "bne 1b"
#endif
    if (minus) {
        __asm__ volatile(TSLM_UNIT_FILL("sub")
                         : [x] "+r"(x0), [h] "+r"(h), [bad] "+r"(acc), [t] "=&r"(t), [v] "=&r"(v)
                         : [end] "r"(end), [m] "r"(r->qb.m), [rz] "r"(r->qb.rz), [r] "r"(r->qb.r), [sac] "r"(sac)
                         : "cc", "memory");
    } else {
        __asm__ volatile(TSLM_UNIT_FILL("add")
                         : [x] "+r"(x0), [h] "+r"(h), [bad] "+r"(acc), [t] "=&r"(t), [v] "=&r"(v)
                         : [end] "r"(end), [m] "r"(r->qb.m), [rz] "r"(r->qb.rz), [r] "r"(r->qb.r), [sac] "r"(sac)
                         : "cc", "memory");
    }
#undef TSLM_UNIT_FILL
#undef TSLM_UNIT_ENTRY
    *bad = acc & 32u;
#else
    for (int32_t i = 0; i < 128; ++i, x0 += INT32_C(1) << 21) {
        const int32_t u = unit_u(x0, r, sac, minus);
        h[i] = (int8_t)(uint8_t)(uint32_t)(u >> 20);
        *bad |= ((u >> 2) & 0x3FFFF) == 0 ? 32u : 0u;
    }
#endif
}

/* ADD/SUB through unit_run() where lut_path() would run, the output is at A's scale, B is rescaled (not at 1/2)
 * and every H is an int8 off a tie (the size build: and the activation range is int8's); 0 otherwise (nothing
 * written). Out of line: one copy for ADD and SUB. */
__attribute__((noinline)) static int unit_path(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                               int8_t *out, const int op)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    if (p->output_multiplier != (INT32_C(1) << 30) || p->output_shift != -18 || t1[5] == 0 || t2[5] == 0) {
        return 0; /* (first: what most calls fail on) */
    }
    int32_t total = 1;
    for (int i = 0; i < TSLM_MAX_DIMS; ++i) {
        total *= d[i];
    }
    run_t r;
    if (total < LUT_MIN || !sum_setup(p, 1, 1, op, &r) || r.kb != IN_RESCALE) {
        return 0;
    }
    const int32_t lo = p->act_min, hi = p->act_max;
    const uint32_t lo4 = (uint8_t)lo * UINT32_C(0x01010101), hi4 = (uint8_t)hi * UINT32_C(0x01010101);
    const int clamp = lo != -128 || hi != 127;
#if defined(TSLM_OPTIMIZE_SIZE)
    if (clamp) {
        return 0;
    }
#endif
    const int32_t sac = (int32_t)((uint32_t)r.sa_off + 2u + (1u << 19) + ((uint32_t)p->output_offset << 20));
    const int32_t x_lo = (int32_t)((uint32_t)r.off_b - (UINT32_C(128) << 21)); /* b = -128 */
    const int32_t h_lo = unit_u(x_lo, &r, sac, r.sb < 0) >> 20;
    const int32_t h_hi = unit_u((int32_t)((uint32_t)r.off_b + (UINT32_C(127) << 21)), &r, sac, r.sb < 0) >> 20;
    if (h_lo < -128 || h_lo > 127 || h_hi < -128 || h_hi > 127) { /* H outside int8 (monotonic in b) */
        return 0;
    }
    int8_t h[256];
    uint32_t bad = 0;
    for (int32_t half = 0; half < 2; ++half) { /* b = 0 .. 127, then -128 .. -1 */
        unit_fill(h + 128 * half, half ? x_lo : r.off_b, &r, sac, &bad, r.sb < 0);
        if (bad) { /* a tie (seen in the first half: the second not filled) */
            return 0;
        }
    }
    const int8_t *ina = r.a_is_in1 ? in1 : in2, *inb = r.a_is_in1 ? in2 : in1;
    const int32_t *ta = r.a_is_in1 ? t1 : t2, *tb = r.a_is_in1 ? t2 : t1;
    const int32_t n = d[5];
    TSLM_FOR_RUNS(d, ina, ta, inb, tb, out, n,
        unit_run(a, (const uint8_t *)b, h, out, n, lo4, hi4, lo, hi, r.minus, clamp);)
    return 1;
}

/* Inlined into each entry with its op: one op's paths linked per entry used (GCC stopped inlining it by itself once
 * the table entries existed: one 10 KB apply() for every op). */
TSLM_ALWAYS_INLINE void apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int op)
{
    if ((op == OP_ADD || op == OP_SUB) && (unit_path(p, in1, in2, out, op) || lut_path(p, in1, in2, out, op, NULL))) {
        return;
    }
    /* two stepping inputs in a single run (nothing repeats for one_run's cached terms to reuse): mul_run's
     * product per element beats one_run's term per element, 21 -> 14 instructions */
    if (op == OP_MUL && p->in1_strides[5] != 0 && p->in2_strides[5] != 0 &&
        p->dims[0] * p->dims[1] * p->dims[2] * p->dims[3] * p->dims[4] == 1 && mul_path(p, in1, in2, out)) {
        return;
    }
    if (op != OP_SQDIFF && run_path(p, in1, in2, out, op)) {
        return;
    }
    if ((op == OP_ADD || op == OP_SUB) && half_path(p, in1, in2, out, op)) {
        return;
    }
    if (op == OP_MUL && mul_path(p, in1, in2, out)) {
        return;
    }
    /* SQUARED_DIFFERENCE: twice the square below 2^31, i.e. |diff| <= 2 * 255 * 2^(left_shift - 1) at
     * multipliers <= 1/2 (TFLM's: left shift 7, the larger scale at 1/2) */
    const int sq_ok = op != OP_SQDIFF || (p->left_shift <= 7 && p->in1_multiplier <= (INT32_C(1) << 30) &&
                                          p->in2_multiplier <= (INT32_C(1) << 30));
    const int exact = p->output_shift <= 0 && sq_ok &&
                      (op == OP_MUL || (p->left_shift <= 20 && p->in1_shift <= 0 && p->in2_shift <= 0));
    if (!exact) { /* parameters outside the fast path's bounds: the portable kernel */
        switch (op) {
        case OP_ADD: tslm_add_s8(p, in1, in2, out); break;
        case OP_SUB: tslm_sub_s8(p, in1, in2, out); break;
        case OP_MUL: tslm_mul_s8(p, in1, in2, out); break;
        default: tslm_squared_difference_s8(p, in1, in2, out); break;
        }
        return;
    }
    fast_t f;
    f.q1 = make_rq(p->in1_multiplier, p->in1_shift);
    f.q2 = make_rq(p->in2_multiplier, p->in2_shift);
    f.qo = make_rq(p->output_multiplier, p->output_shift);
    f.ls1 = (int32_t)p->left_shift + 1;
    f.off1 = op == OP_MUL ? p->in1_offset : (int32_t)((uint32_t)p->in1_offset << f.ls1);
    f.off2 = op == OP_MUL ? p->in2_offset : (int32_t)((uint32_t)p->in2_offset << f.ls1);
    f.zp = p->output_offset;
    f.lo = p->act_min;
    f.hi = p->act_max;
    if (p->act_min == -128 && p->act_max == 127) {
        switch (op) {
        case OP_ADD: walk(p, &f, in1, in2, out, OP_ADD, 1); break;
        case OP_SUB: walk(p, &f, in1, in2, out, OP_SUB, 1); break;
        case OP_MUL: walk(p, &f, in1, in2, out, OP_MUL, 1); break;
        default: walk(p, &f, in1, in2, out, OP_SQDIFF, 1); break;
        }
    } else {
        switch (op) {
        case OP_ADD: walk(p, &f, in1, in2, out, OP_ADD, 0); break;
        case OP_SUB: walk(p, &f, in1, in2, out, OP_SUB, 0); break;
        case OP_MUL: walk(p, &f, in1, in2, out, OP_MUL, 0); break;
        default: walk(p, &f, in1, in2, out, OP_SQDIFF, 0); break;
        }
    }
}

/* (not inlined into the table entries below, which call it for what they do not run) */
__attribute__((noinline)) void tslm_dsp_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                               int8_t *out)
{
    apply(p, in1, in2, out, OP_ADD);
}

__attribute__((noinline)) void tslm_dsp_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                               int8_t *out)
{
    apply(p, in1, in2, out, OP_SUB);
}

void tslm_dsp_mul_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    apply(p, in1, in2, out, OP_MUL);
}

void tslm_dsp_squared_difference_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                int8_t *out)
{
    apply(p, in1, in2, out, OP_SQDIFF);
}

/* ---- The residual add with the compiler's table (passes.residual_add_tables): unit_path() without making H ----
 * h[byte] = H(b) for b = (int8_t)byte, out = clamp(a + H[b]) checked by the compiler on all 65,536 pairs (A: input 1
 * where it is at multiplier 1/2, else input 2; no subtracted A); unit_run()'s loop over every run. Anything else (no
 * table, an input not contiguous along the run, another scheme; the size build: a clamped range) calls the kernel
 * without the table, tslm_dsp_add_s8() or tslm_dsp_sub_s8(). */
TSLM_ALWAYS_INLINE void table_apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                    const int8_t *h, const int op)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    const int32_t lo = p->act_min, hi = p->act_max;
    const int clamp = lo != -128 || hi != 127;
#if defined(TSLM_OPTIMIZE_SIZE)
    const int skip = clamp; /* (the size build's unit_run(): the full range only) */
#else
    const int skip = 0;
#endif
    if (h == NULL || skip || t1[5] != 1 || t2[5] != 1 || p->left_shift != 20 ||
        p->output_multiplier != (INT32_C(1) << 30) || p->output_shift != -18) {
        if (op == OP_ADD) {
            tslm_dsp_add_s8(p, in1, in2, out);
        } else {
            tslm_dsp_sub_s8(p, in1, in2, out);
        }
        return;
    }
    const int a_is_in1 = p->in1_multiplier == (INT32_C(1) << 30) && p->in1_shift == 0;
    const uint32_t lo4 = (uint8_t)lo * UINT32_C(0x01010101), hi4 = (uint8_t)hi * UINT32_C(0x01010101);
    const int8_t *ina = a_is_in1 ? in1 : in2, *inb = a_is_in1 ? in2 : in1;
    const int32_t *ta = a_is_in1 ? t1 : t2, *tb = a_is_in1 ? t2 : t1;
    const int32_t n = d[5];
    TSLM_FOR_RUNS(d, ina, ta, inb, tb, out, n,
        unit_run(a, (const uint8_t *)b, h, out, n, lo4, hi4, lo, hi, 0, clamp);)
}

/* The general residual add with the compiler's table of B's terms (passes.residual_add_tables, where H does not
 * apply): lut_path() without its fill. terms[byte] = twice TFLM's sum before the output's requantization at a = 0
 * (A's term at a = 0 plus or minus B's rescaled value of b = (int8_t)byte): lut_run()'s table. Anything else (no
 * table, an input not contiguous along the run, another scheme, an activation maximum under 127) calls the kernel
 * without the table. */
TSLM_ALWAYS_INLINE void terms_apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                    const int32_t *terms, const int op)
{
    if (terms == NULL || p->in1_strides[5] != 1 || p->in2_strides[5] != 1 || !lut_path(p, in1, in2, out, op, terms)) {
        if (op == OP_ADD) {
            tslm_dsp_add_s8(p, in1, in2, out);
        } else {
            tslm_dsp_sub_s8(p, in1, in2, out);
        }
    }
}

void tslm_dsp_add_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms)
{
    terms_apply(p, in1, in2, out, terms, OP_ADD);
}

void tslm_dsp_sub_terms_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int32_t *terms)
{
    terms_apply(p, in1, in2, out, terms, OP_SUB);
}

void tslm_dsp_add_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h)
{
    table_apply(p, in1, in2, out, h, OP_ADD);
}

void tslm_dsp_sub_table_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           const int8_t *h)
{
    table_apply(p, in1, in2, out, h, OP_SUB);
}

/* ---- The residual add with the compiler's half-up terms (passes.residual_add_tables, ops.elementwise.residual_terms_up)
 * terms[byte] = twice TFLM's sum at a = 0 for b = (int8_t)byte, moved by the compiler (a few units) so that the output's
 * requantization without TFLM's correction where the sum is negative, SMMLAR(x, m, rz) >> r with x = terms[b] +- a 2^20,
 * gives TFLM's output on all 65,536 pairs. lut_run()'s loop less that correction: per element two byte loads, the
 * table load, the shifted add, SMMLAR, the shift, SSAT and the store, four a turn;
 * with the correction's register free the table is read in place (no 1 KB copy). Anything else (no table, an input
 * not contiguous along the run, another scheme or bounds, a clamped range: the compiler emits none, and in -Os GCC
 * finds no registers for a fused relu's minimum) calls the kernel without the table. */
TSLM_ALWAYS_INLINE void up_run(const int8_t *a, const int8_t *b, const int32_t *lut, int8_t *o, int32_t n,
                               const rq1_t q, const int minus)
{
#if defined(TSLM_DSP_ASM)
    const int8_t *end = o + n;
    int32_t x, u;
#define TSLM_UP_IN(OP)                                     \
    "ldrsb %[x], [%[a]], #1\n\t"                          \
    "ldrb %[u], [%[b]], #1\n\t"                           \
    "ldr %[u], [%[lut], %[u], lsl #2]\n\t"                \
    OP " %[x], %[u], %[x], lsl #20\n\t"                   \
    "smmlar %[x], %[x], %[m], %[rz]\n\t"                  \
    "asr %[x], %[x], %[r]\n\t"
#define TSLM_UP_SAT                                        \
    "ssat %[x], #8, %[x]\n\t"                             \
    "strb %[x], [%[o]], #1\n\t"
/* single elements until a multiple of four is left, then four per turn (BODY: one element) */
#define TSLM_UP_LOOP(BODY)                                 \
    "0:\n\t"                                              \
    "sub %[u], %[end], %[o]\n\t"                          \
    "tst %[u], #3\n\t"                                    \
    "beq 2f\n\t"                                          \
    BODY                                                  \
    "b 0b\n"                                              \
    "2:\n\t"                                              \
    "cmp %[o], %[end]\n\t"                                \
    "beq 3f\n"                                            \
    "1:\n\t"                                              \
    BODY BODY BODY BODY                                   \
    "cmp %[o], %[end]\n\t"                                \
    "bne 1b\n"                                            \
    "3:"
#define TSLM_UP_ASM(BODY)                                                                                    \
    __asm__ volatile(TSLM_UP_LOOP(BODY)                                                                      \
                     : [a] "+r"(a), [b] "+r"(b), [o] "+r"(o), [x] "=&r"(x), [u] "=&r"(u)                     \
                     : [end] "r"(end), [lut] "r"(lut), [m] "r"(q.m), [rz] "r"(q.rz), [r] "r"(q.r)             \
                     : "cc", "memory")
    if (minus) {
        TSLM_UP_ASM(TSLM_UP_IN("sub") TSLM_UP_SAT);
    } else {
        TSLM_UP_ASM(TSLM_UP_IN("add") TSLM_UP_SAT);
    }
#undef TSLM_UP_ASM
#undef TSLM_UP_LOOP
#undef TSLM_UP_SAT
#undef TSLM_UP_IN
#else
    for (int32_t i = 0; i < n; ++i) {
        const int32_t a20 = (int32_t)((uint32_t)a[i] << 20), tb = lut[(uint8_t)b[i]];
        const int32_t v = tslm_smmlar((int32_t)(minus ? (uint32_t)tb - (uint32_t)a20 : (uint32_t)tb + (uint32_t)a20),
                                      q.m, q.rz) >> q.r;
        o[i] = (int8_t)tslm_ssat8(v);
    }
#endif
}

TSLM_ALWAYS_INLINE void terms_up_apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                                       const int32_t *terms, const int op)
{
    const int32_t *d = p->dims, *t1 = p->in1_strides, *t2 = p->in2_strides;
    run_t r;
    if (terms == NULL || t1[5] != 1 || t2[5] != 1 || p->act_min != -128 || p->act_max != 127 || p->output_shift > -1 ||
        p->output_shift < -22 || !sum_setup(p, 1, 1, op, &r)) {
        if (op == OP_ADD) {
            tslm_dsp_add_s8(p, in1, in2, out);
        } else {
            tslm_dsp_sub_s8(p, in1, in2, out);
        }
        return;
    }
    r.qo.m = p->output_multiplier;
    r.qo.r = -p->output_shift;
    r.qo.rz = make_rz(r.qo.r, p->output_offset);
    const int8_t *ina = r.a_is_in1 ? in1 : in2, *inb = r.a_is_in1 ? in2 : in1;
    const int32_t *ta = r.a_is_in1 ? t1 : t2, *tb = r.a_is_in1 ? t2 : t1;
    const int32_t n = d[5];
    TSLM_FOR_RUNS(d, ina, ta, inb, tb, out, n,
        if (r.minus) {
            up_run(a, b, terms, out, n, r.qo, 1);
        } else {
            up_run(a, b, terms, out, n, r.qo, 0);
        })
}

void tslm_dsp_add_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms)
{
    terms_up_apply(p, in1, in2, out, terms, OP_ADD);
}

void tslm_dsp_sub_terms_up_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                              const int32_t *terms)
{
    terms_up_apply(p, in1, in2, out, terms, OP_SUB);
}
