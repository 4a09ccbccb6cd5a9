/*
 * tslm_mve_batch_matmul.c - BATCH_MATMUL (int8) with Helium.
 *
 * Dot products (depth >= 4): per batch the rhs is packed once into scratch as the FULLY_CONNECTED layout, each
 * output column's depth values contiguous, columns in groups of four interleaved by 16 bytes, zero-padded to
 * 16 (an adj_y rhs: 16-byte copies; a depth x cols rhs: 16-bit gather loads down its columns), and each pair of
 * lhs rows meets each group in tslm_mve.h's two-row routine (tslm_mve_dot2x4: VMLADAVA.S8, 16 MACs per
 * instruction, eight per 16 bytes of depth, the sums in the eight even registers). The zero points come out
 * of the sums: sum (x + a)(w + b) = sum x w + a sum_k w[k][j] + depth a b (per column, taken while packing)
 * + b sum_k x[r][k] (per row, VADDVA).
 *
 * Outer products (depth 1..3, where a 16-byte dot product would be mostly padding): a block of four output rows
 * by four columns is four int32 vectors, and each step k adds lhs[r][k] (a scalar per row) times
 * rhs[k][j..j+3] (one widening load) to them; an adj_y rhs is copied transposed to scratch first.
 * A transposed lhs (adj_x) takes the portable kernel.
 *
 * tslm_mve_batch_matmul_pairs_s8 (at the end): the dot products of depth 4..64 with a right shift, two rows against
 * every group in one assembly routine; whatever else by calling tslm_mve_batch_matmul_s8.
 */
#include <stddef.h>

#include "tslm_mve_batch_matmul.h"
#include "tslm_mve.h"

/* Where batch (b0, b1, b2)'s outputs start (each row's cols outputs contiguous, output_row_stride apart). */
static inline int32_t out_at(const tslm_batch_matmul_params *p, int32_t b0, int32_t b1, int32_t b2)
{
    return b0 * p->output_batch_strides[0] + b1 * p->output_batch_strides[1] + b2 * p->output_batch_strides[2];
}

/* Whether the rhs is depth x cols rows as it is (contiguous rows: not adj_y, nor read through a TRANSPOSE). */
static int rhs_as_rows(const tslm_batch_matmul_params *p)
{
    return p->rhs_col_stride == 1 && (p->rhs_depth_stride == p->cols || p->depth == 1);
}

/* rhs as depth x cols rows: as it is, or copied from its strides (adj_y, a folded TRANSPOSE) into `to`. */
static const int8_t *depth_rows(const tslm_batch_matmul_params *p, const int8_t *rhs, int8_t *to)
{
    if (rhs_as_rows(p)) {
        return rhs;
    }
    for (int32_t k = 0; k < p->depth; ++k) {
        for (int32_t j = 0; j < p->cols; ++j) {
            to[k * p->cols + j] = rhs[j * p->rhs_col_stride + k * p->rhs_depth_stride];
        }
    }
    return to;
}

static void outer_products(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                           int8_t *output, int32_t *scratch)
{
    const int32_t cols4 = (p->cols + 3) & ~3;
    int32_t *col_terms = scratch;                  /* a sum_k w[k][j] + depth a b, per column */
    int8_t *transposed = (int8_t *)(scratch + cols4); /* depth x cols, for an adj_y rhs */
    const int32_t shift[1] = {p->shift};
    const int right_only = tslm_mve_right_only(shift, 1);
    const int32x4_t m = vdupq_n_s32(p->multiplier), s = vdupq_n_s32(p->shift);
    const int32_t a = p->lhs_offset, b = p->rhs_offset, d = p->depth, n = p->cols, os = p->output_row_stride;
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                const int8_t *w = depth_rows(p, rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                                    b2 * p->rhs_batch_strides[2], transposed);
                int8_t *out = output + out_at(p, b0, b1, b2);
                for (int32_t j = 0; j < n; j += 4) { /* the columns' constant terms */
                    const mve_pred16_t pj = vctp32q((uint32_t)(n - j));
                    int32x4_t sum = vdupq_n_s32(0);
                    for (int32_t k = 0; k < d; ++k) {
                        sum = vaddq_s32(sum, vldrbq_z_s32(w + k * n + j, pj));
                    }
                    vstrwq_s32(col_terms + j, vaddq_n_s32(vmulq_n_s32(sum, a), d * a * b));
                }
                for (int32_t i = 0; i < p->rows; i += 4, out += 4 * os) {
                    /* four lhs rows (past the last: the last again, computed and not stored) */
                    const int32_t last = p->rows - 1;
                    const int8_t *x0 = l + i * p->lhs_row_stride;
                    const int8_t *x1 = l + (i + 1 <= last ? i + 1 : last) * p->lhs_row_stride;
                    const int8_t *x2 = l + (i + 2 <= last ? i + 2 : last) * p->lhs_row_stride;
                    const int8_t *x3 = l + (i + 3 <= last ? i + 3 : last) * p->lhs_row_stride;
                    int32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0; /* b sum_k x[r][k] */
                    for (int32_t k = 0; k < d; ++k) {
                        r0 += x0[k], r1 += x1[k], r2 += x2[k], r3 += x3[k];
                    }
                    r0 *= b, r1 *= b, r2 *= b, r3 *= b;
                    for (int32_t j = 0; j < n; j += 4) {
                        const mve_pred16_t pj = vctp32q((uint32_t)(n - j));
                        const int32x4_t t = vldrwq_s32(col_terms + j);
                        int32x4_t c0 = vaddq_n_s32(t, r0), c1 = vaddq_n_s32(t, r1);
                        int32x4_t c2 = vaddq_n_s32(t, r2), c3 = vaddq_n_s32(t, r3);
                        const int8_t *wk = w + j;
                        for (int32_t k = 0; k < d; ++k, wk += n) {
                            const int32x4_t v = vldrbq_z_s32(wk, pj);
                            c0 = vmlaq_n_s32(c0, v, x0[k]);
                            c1 = vmlaq_n_s32(c1, v, x1[k]);
                            c2 = vmlaq_n_s32(c2, v, x2[k]);
                            c3 = vmlaq_n_s32(c3, v, x3[k]);
                        }
                        tslm_mve_out4(out + j, c0, m, s, right_only, p->output_offset, p->act_min, p->act_max, pj);
                        if (i + 1 <= last) {
                            tslm_mve_out4(out + os + j, c1, m, s, right_only, p->output_offset, p->act_min,
                                          p->act_max, pj);
                        }
                        if (i + 2 <= last) {
                            tslm_mve_out4(out + 2 * os + j, c2, m, s, right_only, p->output_offset, p->act_min,
                                          p->act_max, pj);
                        }
                        if (i + 3 <= last) {
                            tslm_mve_out4(out + 3 * os + j, c3, m, s, right_only, p->output_offset, p->act_min,
                                          p->act_max, pj);
                        }
                    }
                }
            }
        }
    }
}

/* Whether the dot products take p: an lhs with its depth contiguous, depth >= 4, (a depth x cols rhs) its
 * column's gather offsets within 16 bits, and the whole int8 range as the activation range (TFLM's int8 BATCH_MATMUL
 * has no fused activation). */
static int dots(const tslm_batch_matmul_params *p)
{
    return p->lhs_depth_stride == 1 && p->depth >= 4 && (p->rhs_depth_stride == 1 || p->rhs_depth_stride < 8192) &&
           p->act_min == -128 && p->act_max == 127;
}

/* The rhs w[k][j] = rhs[k * ks + j * js] packed for the dot products (see the top), and per column
 * a sum_k w[k][j] + depth a b. */
static void pack(const tslm_batch_matmul_params *p, const int8_t *rhs, int8_t *packed, int32_t *col_terms)
{
    const int32_t d = p->depth, n = p->cols, d16 = (d + 15) & ~15, n4 = (n + 3) & ~3;
    const int32_t ks = p->rhs_depth_stride, js = p->rhs_col_stride;
    if (ks == 1) { /* adj_y: each column's values contiguous, copied 16 bytes at a time (the last zero-padded) */
        const int32_t full = d & ~15;
        const mve_pred16_t tail = vctp8q((uint32_t)(d - full));
        for (int32_t j = 0; j < n; ++j) {
            const int8_t *src = rhs + j * js;
            int8_t *dst = packed + (j >> 2) * 4 * d16 + (j & 3) * 16;
            int32_t sum = 0, k = 0;
            for (; k < full; k += 16, dst += 64) {
                const int8x16_t v = vldrbq_s8(src + k);
                vstrbq_s8(dst, v);
                sum = vaddvaq_s8(sum, v);
            }
            if (k < d) {
                const int8x16_t v = vldrbq_z_s8(src + k, tail);
                vstrbq_s8(dst, v);
                sum = vaddvaq_s8(sum, v);
            }
            col_terms[j] = sum;
        }
        for (int32_t j = n; j < n4; ++j) { /* the last group's missing columns */
            int8_t *dst = packed + (j >> 2) * 4 * d16 + (j & 3) * 16;
            for (int32_t k = 0; k < d16; k += 16, dst += 64) {
                vstrbq_s8(dst, vdupq_n_s8(0));
            }
            col_terms[j] = 0;
        }
    } else { /* depth x cols: down each column eight values per 16-bit gather, into zeros */
        tslm_mve_fill(packed, 0, n4 * d16);
        const uint16x8_t off = vmulq_n_u16(vidupq_n_u16(0, 1), (uint16_t)ks); /* k = 0..7 down a column */
        const int32_t full = d & ~7;
        const mve_pred16_t tail = vctp16q((uint32_t)(d - full));
        for (int32_t j = 0; j < n4; ++j) {
            const int8_t *src = rhs + j * js;
            int8_t *dst = packed + (j >> 2) * 4 * d16 + (j & 3) * 16;
            int32_t sum = 0, k = 0;
            for (; j < n && k < full; k += 8, src += 8 * ks, dst += k % 16 == 0 ? 56 : 8) {
                const int16x8_t v = vldrbq_gather_offset_s16(src, off);
                vstrbq_s16(dst, v);
                sum = vaddvaq_s16(sum, v);
            }
            if (j < n && k < d) {
                const int16x8_t v = vldrbq_gather_offset_z_s16(src, off, tail);
                vstrbq_s16(dst, v);
                sum = vaddvaq_s16(sum, v);
            }
            col_terms[j] = sum;
        }
    }
    const int32_t dab = d * p->lhs_offset * p->rhs_offset;
    for (int32_t j = 0; j < n4; j += 4) {
        vstrwq_s32(col_terms + j, vaddq_n_s32(vmulq_n_s32(vldrwq_s32(col_terms + j), p->lhs_offset), dab));
    }
}

/* b sum_k x[k] over one lhs row. */
static int32_t row_term(const int8_t *x, int32_t d, int32_t b, const mve_pred16_t tail)
{
    int32_t s = 0, k = 0;
    for (; k + 16 <= d; k += 16) {
        s = vaddvaq_s8(s, vldrbq_s8(x + k));
    }
    if (k < d) {
        s = vaddvaq_s8(s, vldrbq_z_s8(x + k, tail));
    }
    return b * s;
}

/* A block's four sums (the zero-point terms added) requantized, + zero point, saturated to int8 (the activation
 * range is the whole int8 range: dots() checks it) by a saturating shift left by 24 and back. */
TSLM_ALWAYS_INLINE int32x4_t out_of(int32x4_t acc, int32x4_t m, int32x4_t s, int32_t zp, const int right_only)
{
    if (right_only) { /* a right shift of 1 or more: the -1 of a negative value from its sign alone (VQRDMULH by a
                       * multiplier below 2^31 never gives INT32_MIN, so the sum cannot wrap) */
        acc = vqrdmulhq_s32(acc, m);
        acc = vrshlq_s32(vaddq_s32(acc, vshrq_n_s32(acc, 31)), s);
    } else {
        acc = tslm_mve_requant(acc, m, s);
    }
    return vshrq_n_s32(vqshlq_n_s32(vaddq_n_s32(acc, zp), 24), 24);
}

/* Rows x0 and x1 against one group of four columns (j..j+3), stored where pj holds when pred; returns the next
 * group. */
TSLM_ALWAYS_INLINE const int8_t *group(const int8_t *x0, const int8_t *x1, int32_t d, const int8_t *w,
                                      const int32_t *ct, int32_t t0, int32_t t1, int8_t *y0, int8_t *y1, int32x4_t m,
                                      int32x4_t s, int32_t zp, const int right_only, const int pred,
                                      const mve_pred16_t pj)
{
    int32x4_t s0, s1;
    w = tslm_mve_dot2x4(x0, x1, d, w, &s0, &s1);
    const int32x4_t c = vldrwq_s32(ct);
    const int32x4_t v0 = out_of(vaddq_n_s32(vaddq_s32(s0, c), t0), m, s, zp, right_only);
    const int32x4_t v1 = out_of(vaddq_n_s32(vaddq_s32(s1, c), t1), m, s, zp, right_only);
    if (pred) {
        vstrbq_p_s32(y0, v0, pj);
        vstrbq_p_s32(y1, v1, pj);
    } else {
        vstrbq_s32(y0, v0);
        vstrbq_s32(y1, v1);
    }
    return w;
}

/* Rows x0 and x1 (the same row when one is left: then y1 is y0, which takes the same values twice) against
 * every group of the packed rhs (the size build: every group under a predicate, one copy of the routine). */
TSLM_ALWAYS_INLINE void row_pair(const int8_t *x0, const int8_t *x1, int32_t d, int32_t n, const int8_t *w,
                                 const int32_t *col_terms, int32_t t0, int32_t t1, int8_t *y0, int8_t *y1, int32x4_t m,
                                 int32x4_t s, int32_t zp, const int right_only)
{
    int32_t j = 0;
#if !defined(__OPTIMIZE_SIZE__)
    for (; j + 4 <= n; j += 4) {
        w = group(x0, x1, d, w, col_terms + j, t0, t1, y0 + j, y1 + j, m, s, zp, right_only, 0, 0xFFFF);
    }
#endif
    for (; j < n; j += 4) {
        w = group(x0, x1, d, w, col_terms + j, t0, t1, y0 + j, y1 + j, m, s, zp, right_only, 1,
                  vctp32q((uint32_t)(n - j)));
    }
}

TSLM_ALWAYS_INLINE void dot_products_of(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                        int8_t *output, int32_t *scratch, const int right_only)
{
    const int32_t d = p->depth, n = p->cols, n4 = (n + 3) & ~3;
    int32_t *col_terms = scratch;
    int8_t *packed = (int8_t *)(scratch + n4);
    const int32x4_t m = vdupq_n_s32(p->multiplier), s = vdupq_n_s32(p->shift);
    const int32_t zp = p->output_offset;
    const mve_pred16_t tail = vctp8q((uint32_t)(d & 15));
    const int32_t os = p->output_row_stride;
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                int8_t *out = output + out_at(p, b0, b1, b2);
                const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                pack(p, rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                            b2 * p->rhs_batch_strides[2], packed, col_terms);
                for (int32_t r = 0; r < p->rows; r += 2) {
                    const int two = r + 1 < p->rows;
                    const int8_t *x0 = l + r * p->lhs_row_stride;
                    const int8_t *x1 = two ? x0 + p->lhs_row_stride : x0;
                    int8_t *y0 = out + r * os;
                    row_pair(x0, x1, d, n, packed, col_terms, row_term(x0, d, p->rhs_offset, tail),
                             row_term(x1, d, p->rhs_offset, tail), y0, two ? y0 + os : y0, m, s, zp, right_only);
                }
            }
        }
    }
}

static void dot_products(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                         int32_t *scratch)
{
#if defined(__OPTIMIZE_SIZE__) /* the size build: one copy, the general requantization (a left shift of 0 too) */
    dot_products_of(p, lhs, rhs, output, scratch, 0);
#else
    if (p->shift < 0) {
        dot_products_of(p, lhs, rhs, output, scratch, 1);
    } else {
        dot_products_of(p, lhs, rhs, output, scratch, 0);
    }
#endif
}

void tslm_mve_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                              int8_t *output, int32_t *scratch)
{
    if (p->lhs_depth_stride != 1) {
        tslm_batch_matmul_s8(p, lhs, rhs, output, scratch); /* the portable kernel */
    } else if (dots(p)) {
        dot_products(p, lhs, rhs, output, scratch);
    } else {
        outer_products(p, lhs, rhs, output, scratch);
    }
}

int32_t tslm_mve_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    const int32_t terms = 4 * ((p->cols + 3) & ~3);
    if (dots(p)) {
        return terms + ((p->cols + 3) & ~3) * ((p->depth + 15) & ~15);
    }
    return terms + (rhs_as_rows(p) ? 0 : p->cols * p->depth);
}

/*
 * tslm_mve_batch_matmul_pairs_s8: the dot products of depth 4..64 with every shift a right shift and the whole
 * int8 range (an attention's QK^T and its weights times V). The rhs packed per batch as above (pack_pairs: an adj_y
 * rhs by 16-byte loads, four columns a turn; a depth x cols one by 16-bit gathers down each column; the column
 * terms from the same loads), with what no output reads left unwritten: the lanes past the depth (the lhs rows'
 * lanes there are zeros) and the last group's columns past cols. Two lhs rows against every group of four columns
 * in one assembly routine: both rows loaded (predicated past the depth), their b sum_k x[r][k] taken, at depth
 * <= 16 held in q0 and q1 for the whole walk, at depth 17..32 in q0, q1, q5 and q7 (the store's column predicate
 * then a VCTP.16 of twice the columns left instead of a compare with q7: four loads a group fewer for one VPST), deeper
 * rows copied zero-padded to the stack and reloaded per group at immediate offsets; per group the eight sums (VMLADAV.S8 into the eight even registers), the column and row terms
 * added, VQRDMULH, the rounding fix (-1 for a negative value: every shift <= -1), VRSHL, then both rows narrowed
 * into one vector (VQMOVNB/VQMOVNT to int16, + zero point by VQADD, VQMOVNB to int8: the saturation to the int8
 * range) and stored by one byte scatter (offsets 0, os, 1, os + 1, ...), never predicated: a cols % 4 != 0 walk's
 * last group is the last four columns (packed so, stored 4 - cols % 4 columns back: those again with the same values;
 * cols >= 4), so no VCTP/VPST a group; an odd last row has os 0: its values twice.
 */

/* What the routine reads through r7 (multiplier to zp ldm'd with t0 and t1 into r0-r8 per group). */
typedef struct {
    int32_t t0, t1, multiplier, shift, zp;
    int32_t tail, b;     /* bytes of the last 16-byte chunk (1..16), rhs_offset */
    const int8_t *w;     /* the packed rhs */
    const int32_t *ct;   /* the column terms */
    int32_t n;           /* the groups' count-down, 4 a group (see pairs_of) */
    int32_t n2;          /* the same, 8 a group (C == 2) */
    int32_t pad;         /* cols % 4 - 4: from past the last whole group to the last four columns */
    int16_t offsets[8];  /* the scatter's offsets (q6) */
    int32_t rq[4];       /* (C != 2) the right shift r as VQRDMLASH's multiplier (q7): 2^(15 - r) in each int16 lane
                          * where the walk requantizes in int16 (R16), else 2^(31 - r) in each int32 lane */
    const int8_t *x;     /* the next pair's first row */
    int32_t lrs;         /* lhs_row_stride (0: one row, as row 1 too) */
    int32_t next;        /* 2 os - 4 groups: the output pointer from past a pair's last group to the next pair */
    const int8_t *end;   /* the output pointer at which the walk stops */
    int8_t fold[16];     /* lanes 14 and 15 of both rows where the column terms are folded in: 1, -128 */
} pairs_consts;
/* (the routine's offsets into it) */
typedef char pairs_consts_offsets[offsetof(pairs_consts, tail) == 20 && offsetof(pairs_consts, w) == 28 &&
                                          offsetof(pairs_consts, n) == 36 && offsetof(pairs_consts, n2) == 40 &&
                                          offsetof(pairs_consts, offsets) == 48 &&
                                          offsetof(pairs_consts, rq) == 64 && offsetof(pairs_consts, x) == 80 &&
                                          offsetof(pairs_consts, next) == 88 && offsetof(pairs_consts, end) == 92 &&
                                          offsetof(pairs_consts, fold) == 96
                                      ? 1
                                      : -1];

/* `groups` whole groups of four adj_y columns from c0 (columns js apart) packed to dst (per 16 bytes of depth the
 * four columns' 16 bytes; the last chunk's bytes past the depth loaded as zeros), and their column terms a sum + dab
 * to ct, in one assembly loop (every register: the four column pointers, the four sums). */
static inline __attribute__((always_inline)) void pack_rows_loop(const int8_t *c0, int32_t js, int8_t *dst,
                                                                 int32_t *ct, int32_t a, int32_t dab,
                                                                 int32_t groups, int32_t tail, const int C,
                                                                 const int F)
{
    register int32_t s0 __asm__("r0") = tail;
    register int32_t s1 __asm__("r2");
    register int32_t s2 __asm__("r4");
    register int32_t s3 __asm__("r6");
    register const int8_t *p0 __asm__("r1") = c0;
    register const int8_t *p1 __asm__("r3");
    register const int8_t *p2 __asm__("r5");
    register const int8_t *p3 __asm__("r7");
    register int32_t rjs __asm__("r8") = js;
    register int8_t *rd __asm__("r9") = dst;
    register int32_t *rct __asm__("r10") = ct;
    register int32_t ra __asm__("r11") = a;
    register int32_t rdab __asm__("r12") = dab;
    register int32_t n __asm__("lr") = groups;
#define TSLM_BMM2_PACKL(c, A)                                    \
    ".if %c[C] > " #c " + 1\n\t"                                 \
    "vldrb.8 q0, [%[p0]], #16\n\t"                               \
    "vldrb.8 q1, [%[p1]], #16\n\t"                               \
    "vldrb.8 q2, [%[p2]], #16\n\t"                               \
    "vldrb.8 q3, [%[p3]], #16\n\t"                               \
    ".elseif %c[C] == " #c " + 1\n\t"                            \
    "vpstttt\n\t"                                                \
    "vldrbt.8 q0, [%[p0]]\n\t"                                   \
    "vldrbt.8 q1, [%[p1]]\n\t"                                   \
    "vldrbt.8 q2, [%[p2]]\n\t"                                   \
    "vldrbt.8 q3, [%[p3]]\n\t"                                   \
    ".endif\n\t"                                                 \
    ".if %c[C] > " #c "\n\t"                                     \
    "vstrb.8 q0, [%[d]], #16\n\t"                                \
    "vstrb.8 q1, [%[d]], #16\n\t"                                \
    "vstrb.8 q2, [%[d]], #16\n\t"                                \
    "vstrb.8 q3, [%[d]], #16\n\t"                                \
    "vaddv" A ".s8 %[s0], q0\n\t"                                \
    "vaddv" A ".s8 %[s1], q1\n\t"                                \
    "vaddv" A ".s8 %[s2], q2\n\t"                                \
    "vaddv" A ".s8 %[s3], q3\n\t"                                \
    ".endif\n\t"
    __asm__ volatile("vctp.8 %[s0]\n\t"
                     ".if %c[F]\n\t" /* q4: 127 in each lane; q5: lane 14 of each column, 14 + 16 j; q6: lane 15 */
                     "vmov.i32 q4, #127\n\t"
                     "movs %[s1], #14\n\t"
                     "movs %[s2], #46\n\t"
                     "vmov q5[2], q5[0], %[s1], %[s2]\n\t"
                     "movs %[s1], #30\n\t"
                     "movs %[s2], #62\n\t"
                     "vmov q5[3], q5[1], %[s1], %[s2]\n\t"
                     "movs %[s1], #1\n\t"
                     "vadd.i32 q6, q5, %[s1]\n\t"
                     ".endif\n\t"
                     "wls lr, lr, 2f\n"
                     "1:\n\t"
                     "add %[p1], %[p0], %[js]\n\t"
                     "add %[p2], %[p1], %[js]\n\t"
                     "add %[p3], %[p2], %[js]\n\t"
                     TSLM_BMM2_PACKL(0, "")
                     TSLM_BMM2_PACKL(1, "a")
                     TSLM_BMM2_PACKL(2, "a")
                     TSLM_BMM2_PACKL(3, "a")
                     "vmov q0[2], q0[0], %[s0], %[s2]\n\t"
                     "vmov q0[3], q0[1], %[s1], %[s3]\n\t"
                     "vmul.i32 q0, q0, %[a]\n\t"
                     "vadd.i32 q0, q0, %[dab]\n\t"
                     "vstrw.32 q0, [%[ct]], #16\n\t"
                     ".if %c[F]\n\t" /* the column terms into lanes 14 and 15: (t & 127) + -128 (-(t >> 7)) */
                     "vshr.s32 q1, q0, #7\n\t"
                     "vand q2, q0, q4\n\t"
                     "vneg.s32 q1, q1\n\t"
                     "sub %[s0], %[d], #64\n\t"
                     "vstrb.32 q2, [%[s0], q5]\n\t"
                     "vstrb.32 q1, [%[s0], q6]\n\t"
                     ".endif\n\t"
                     "add %[p0], %[p3], %[js]\n\t" /* the next group's first column */
                     ".if %c[C] > 1\n\t"
                     "sub %[p0], %[p0], #(16 * (%c[C] - 1))\n\t"
                     ".endif\n\t"
                     "le lr, 1b\n"
                     "2:"
                     : [p0] "+r"(p0), [p1] "=r"(p1), [p2] "=r"(p2), [p3] "=r"(p3), [d] "+r"(rd), [ct] "+r"(rct),
                       [s0] "+r"(s0), [s1] "=r"(s1), [s2] "=r"(s2), [s3] "=r"(s3), "+r"(n)
                     : [js] "r"(rjs), [a] "r"(ra), [dab] "r"(rdab), [C] "i"(C), [F] "i"(F)
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "memory", "p0");
#undef TSLM_BMM2_PACKL
}

/* `groups` groups of four columns from c0..c3 (each column's values ks apart: a depth x cols rhs, or an adj_y one;
 * after the first group the columns c1 - c0 apart) packed to dst by 16-bit gathers (offsets k ks, k = 0..7, in o0,
 * 8..15 in o1; the last chunk's two predicated on the values left, the second skipped where none are), and their
 * column terms a sum + dab to ct (va, vdab: a and dab in each lane), in one assembly loop (every core register:
 * the four column pointers, the four sums; js taken back from the pointers, the whole chunks (C - 1) and the last
 * chunk's values (1..16) from tlw = (C - 1) << 5 | tail). (It replaces a C loop around a four-column routine that
 * kept its variables on the stack: ~117 instructions per group of a 24-deep rhs, now ~70.) */
static inline __attribute__((always_inline)) void pack_cols_loop(const int8_t *c0, const int8_t *c1,
                                                                 const int8_t *c2, const int8_t *c3, int32_t ks16,
                                                                 int8_t *dst, int32_t *ct, int32x4_t va,
                                                                 int32x4_t vdab, int32_t groups, int32_t tlw,
                                                                 uint16x8_t o0, uint16x8_t o1)
{
    register int32_t s0 __asm__("r8");
    register int32_t s1 __asm__("r10");
    register int32_t s2 __asm__("r12");
    register int32_t s3 __asm__("lr");
    register int8_t *rd __asm__("r0") = dst; /* (the VSTRB.16 base: a low register) */
    register const int8_t *p0 __asm__("r1") = c0;
    register const int8_t *p1 __asm__("r2") = c1;
    register const int8_t *p2 __asm__("r3") = c2;
    register const int8_t *p3 __asm__("r4") = c3;
    register int32_t rks __asm__("r5") = ks16;
    register int32_t rtlw __asm__("r6") = tlw;
    register int32_t *rct __asm__("r7") = ct;
    register int32_t g __asm__("r9") = groups;
    register int32_t cc __asm__("r11");
#define TSLM_BMM2_CHALF(h, O)                                    \
    "vldrb.s16 q0, [%[p0], %q[" O "]]\n\t"                       \
    "vldrb.s16 q1, [%[p1], %q[" O "]]\n\t"                       \
    "vldrb.s16 q2, [%[p2], %q[" O "]]\n\t"                       \
    "vldrb.s16 q3, [%[p3], %q[" O "]]\n\t"                       \
    "vstrb.16 q0, [%[dst], #(" #h " * 8)]\n\t"                   \
    "vstrb.16 q1, [%[dst], #(16 + " #h " * 8)]\n\t"              \
    "vstrb.16 q2, [%[dst], #(32 + " #h " * 8)]\n\t"              \
    "vstrb.16 q3, [%[dst], #(48 + " #h " * 8)]\n\t"              \
    "vaddva.s16 %[s0], q0\n\t"                                   \
    "vaddva.s16 %[s1], q1\n\t"                                   \
    "vaddva.s16 %[s2], q2\n\t"                                   \
    "vaddva.s16 %[s3], q3\n\t"
#define TSLM_BMM2_CLAST(h, O)                                    \
    "vpstttt\n\t"                                                \
    "vldrbt.s16 q0, [%[p0], %q[" O "]]\n\t"                      \
    "vldrbt.s16 q1, [%[p1], %q[" O "]]\n\t"                      \
    "vldrbt.s16 q2, [%[p2], %q[" O "]]\n\t"                      \
    "vldrbt.s16 q3, [%[p3], %q[" O "]]\n\t"                      \
    "vstrb.16 q0, [%[dst], #(" #h " * 8)]\n\t"                   \
    "vstrb.16 q1, [%[dst], #(16 + " #h " * 8)]\n\t"              \
    "vstrb.16 q2, [%[dst], #(32 + " #h " * 8)]\n\t"              \
    "vstrb.16 q3, [%[dst], #(48 + " #h " * 8)]\n\t"              \
    "vaddva.s16 %[s0], q0\n\t"                                   \
    "vaddva.s16 %[s1], q1\n\t"                                   \
    "vaddva.s16 %[s2], q2\n\t"                                   \
    "vaddva.s16 %[s3], q3\n\t"
    __asm__ volatile("1:\n\t"
                     "movs %[s0], #0\n\t"
                     "movs %[s1], #0\n\t"
                     "movs %[s2], #0\n\t"
                     "movs %[s3], #0\n\t"
                     "lsrs %[cc], %[tlw], #5\n\t" /* the whole chunks */
                     "beq 3f\n"
                     "2:\n\t"
                     TSLM_BMM2_CHALF(0, "o0")
                     TSLM_BMM2_CHALF(1, "o1")
                     "add %[p0], %[p0], %[ks16]\n\t"
                     "add %[p1], %[p1], %[ks16]\n\t"
                     "add %[p2], %[p2], %[ks16]\n\t"
                     "add %[p3], %[p3], %[ks16]\n\t"
                     "add %[dst], %[dst], #64\n\t"
                     "subs %[cc], %[cc], #1\n\t"
                     "bne 2b\n"
                     "3:\n\t"
                     "and %[cc], %[tlw], #31\n\t" /* the last chunk's values */
                     "vctp.16 %[cc]\n\t"
                     TSLM_BMM2_CLAST(0, "o0")
                     "subs %[cc], %[cc], #8\n\t" /* (none past the first eight: nothing any output reads) */
                     "ble 4f\n\t"
                     "vctp.16 %[cc]\n\t"
                     TSLM_BMM2_CLAST(1, "o1")
                     "4:\n\t"
                     "vmov q0[2], q0[0], %[s0], %[s2]\n\t"
                     "vmov q0[3], q0[1], %[s1], %[s3]\n\t"
                     "vmul.i32 q0, q0, %q[va]\n\t"
                     "vadd.i32 q0, q0, %q[vdab]\n\t"
                     "vstrw.32 q0, [%[ct]], #16\n\t"
                     "add %[dst], %[dst], #64\n\t"
                     "sub %[p1], %[p1], %[p0]\n\t" /* js */
                     "add %[p0], %[p3], %[p1]\n\t"
                     "lsrs %[cc], %[tlw], #5\n\t"
                     "mls %[p0], %[cc], %[ks16], %[p0]\n\t" /* the next group's first column */
                     "add %[p2], %[p0], %[p1], lsl #1\n\t"
                     "add %[p3], %[p2], %[p1]\n\t"
                     "add %[p1], %[p0], %[p1]\n\t"
                     "subs %[g], %[g], #1\n\t"
                     "bne 1b"
                     : [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2), [p3] "+r"(p3), [dst] "+r"(rd), [ct] "+r"(rct),
                       [g] "+r"(g), [s0] "=r"(s0), [s1] "=r"(s1), [s2] "=r"(s2), [s3] "=r"(s3), [cc] "=r"(cc)
                     : [ks16] "r"(rks), [tlw] "r"(rtlw), [o0] "w"(o0), [o1] "w"(o1), [va] "w"(va), [vdab] "w"(vdab)
                     : "q0", "q1", "q2", "q3", "memory", "cc", "p0");
#undef TSLM_BMM2_CHALF
#undef TSLM_BMM2_CLAST
}

/* What packing a batch's rhs takes, set once per call. */
typedef struct {
    uint16x8_t o0, o1;      /* the gathers' offsets: k ks, k = 0..7 and 8..15 */
    int32x4_t va, vdab;     /* a and depth a b in each lane */
    int32_t ks, js, n, C;   /* rhs_depth_stride, rhs_col_stride, cols, chunks */
    int32_t a, dab, tail;   /* lhs_offset, depth a b, values in the last chunk (1..16) */
    int32_t fold;           /* fold_terms() */
} pack_setup;

static __attribute__((noinline)) void pack_cols(const int8_t *c0, const int8_t *c1, const int8_t *c2,
                                                const int8_t *c3, const pack_setup *q, int8_t *dst, int32_t *ct,
                                                int32_t groups)
{
    pack_cols_loop(c0, c1, c2, c3, 16 * q->ks, dst, ct, q->va, q->vdab, groups, (q->C - 1) << 5 | q->tail, q->o0,
                   q->o1);
}

/* The rhs packed for the pairs: per group of four columns, per 16 bytes of depth (C chunks), the four columns' 16
 * bytes (a last group's columns past cols: the last column again, never stored); the column terms a sum_k w[k][j] +
 * depth a b in ct. An adj_y rhs of depth <= 16 by pack_rows_loop, any other (and such a rhs's last partial group) by
 * pack_cols_loop (a function of its own: in the one with the pairs' routine, which takes every register, GCC kept its
 * loop's variables on the stack). */
/* Whether the column terms go into the packed rhs's lanes 14 and 15 (against 1 and -128 in the rows' lanes there;
 * the routine then adds none: three instructions a group fewer): the speed build, an adj_y rhs of depth <= 14 in
 * whole groups, every column term within [-16256, 16256] (|a| 128 depth + depth |a b| at most). */
static int fold_terms(const tslm_batch_matmul_params *p)
{
#if defined(TSLM_OPTIMIZE_SIZE) /* (the size build: without, one routine and packing loop less) */
    (void)p;
    return 0;
#endif
    const int32_t a = p->lhs_offset < 0 ? -p->lhs_offset : p->lhs_offset;
    const int32_t b = p->rhs_offset < 0 ? -p->rhs_offset : p->rhs_offset;
    return p->rhs_depth_stride == 1 && p->depth <= 14 && p->cols % 4 == 0 &&
           a * 128 * p->depth + p->depth * a * b <= 16256;
}

static __attribute__((noinline)) void pack_pairs(const pack_setup *q, const int8_t *rhs, int8_t *packed,
                                                 int32_t *ct)
{
    const int32_t n = q->n, js = q->js, C = q->C;
    int32_t j = 0;
    if (q->ks == 1 && C == 1) { /* the whole groups in one loop */
        j = n & ~3;
#if !defined(TSLM_OPTIMIZE_SIZE)
        if (q->fold) {
            pack_rows_loop(rhs, js, packed, ct, q->a, q->dab, n >> 2, q->tail, 1, 1);
        } else
#endif
        {
            pack_rows_loop(rhs, js, packed, ct, q->a, q->dab, n >> 2, q->tail, 1, 0);
        }
        packed += (n >> 2) * 64 * C, ct += n & ~3;
    }
    /* any other rhs's whole groups in one turn, and a last partial group (its columns past cols the last again) */
    const int32_t whole = (n - j) >> 2;
    if (whole > 0) {
        pack_cols(rhs, rhs + js, rhs + 2 * js, rhs + 3 * js, q, packed, ct, whole);
    }
    if (n & 3) {
        const int8_t *c0 = rhs + (n - 4) * js; /* the last four columns (n >= 4: the walk stores them all) */
        pack_cols(c0, c0 + js, c0 + 2 * js, c0 + 3 * js, q, packed + whole * 64 * C, ct + 4 * whole, 1);
    }
}

/* chunk c (1..C-1) of both rows from the stack copy, then its dot products */
#define TSLM_BMM2_MORE(c)                                 \
    ".if %c[C] > " #c "\n\t"                              \
    ".if %c[C] != 2\n\t"                                  \
    "vldrb.8 q0, [%[xb], #(16 * " #c ")]\n\t"             \
    "vldrb.8 q1, [%[xb], #(16 * (%c[C] + " #c "))]\n\t"   \
    TSLM_MVE_G2_CHUNK("a")                                  \
    ".endif\n\t"                                          \
    ".endif\n\t"
/* the rows' chunk c (0..C-2, whole) to the stack copy, summed into r4 and r6 */
#define TSLM_BMM2_COPY(c, A)                              \
    ".if %c[C] > " #c " + 1\n\t"                          \
    "vldrb.8 q0, [%[w], #(16 * " #c ")]\n\t"              \
    "vldrb.8 q1, [%[ct], #(16 * " #c ")]\n\t"             \
    ".if %c[C] != 2\n\t"                                  \
    "vstrb.8 q0, [%[xb], #(16 * " #c ")]\n\t"             \
    "vstrb.8 q1, [%[xb], #(16 * (%c[C] + " #c "))]\n\t"   \
    ".endif\n\t"                                          \
    "vaddv" A ".s8 %[a2], q0\n\t"                         \
    "vaddv" A ".s8 %[a3], q1\n\t"                         \
    ".endif\n\t"

/* Row pairs from k->x (rows k->lrs apart) against every group of the packed rhs (k: w, ct, n), outputs from out
 * (row 1 at out + os: k->offsets; the next pair's at out + 2 os) until k->end; xb: 32 C bytes of stack for the
 * rows' copy when C > 1. Per pair: both rows loaded (the last chunk predicated), copied to xb (C > 1), their
 * b sum_k x[r][k] to k->t0 and k->t1; then the walk over the groups. */
static inline __attribute__((always_inline)) void pairs_walk(int8_t *out, pairs_consts *k, int8_t *xb, const int C,
                                                             const int R16, const int F)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r2");
    register int32_t a2 __asm__("r4");
    register int32_t a3 __asm__("r6");
    register int32_t b0 __asm__("r8");
    register int32_t b1 __asm__("r10");
    register int32_t b2 __asm__("r12");
    register int32_t b3 __asm__("lr");
    register const int8_t *pw __asm__("r1");  /* x0, then the packed rhs */
    register int8_t *po __asm__("r3") = out;  /* (a low register: the scatter's base) */
    register int8_t *px __asm__("r5") = xb;
    register pairs_consts *pk __asm__("r7") = k;
    register const int32_t *pc __asm__("r9"); /* x1, then the column terms */
    register int32_t rem __asm__("r11");      /* columns left */
    __asm__ volatile("vldrh.16 q6, [%[k], #48]\n\t"
                     ".if %c[C] != 2\n\t" /* (q7 free: the rounding shift's multiplier) */
                     "vldrw.32 q7, [%[k], #64]\n\t"
                     ".endif\n"
                     "0:\n\t"
                     "ldrd %[w], %[ct], [%[k], #80]\n\t" /* x0, lhs_row_stride */
                     "add %[a0], %[w], %[ct], lsl #1\n\t"
                     "str %[a0], [%[k], #80]\n\t"
                     "add %[ct], %[w], %[ct]\n\t" /* x1 */
                     "ldrd %[a0], %[a1], [%[k], #20]\n\t" /* tail, b */
                     TSLM_BMM2_COPY(0, "")
                     TSLM_BMM2_COPY(1, "a")
                     TSLM_BMM2_COPY(2, "a")
                     "vctp.8 %[a0]\n\t"
                     "vpstt\n\t"
                     ".if %c[C] == 2\n\t" /* the last chunk held in q5 and q7 for the walk */
                     "vldrbt.8 q5, [%[w], #16]\n\t"
                     "vldrbt.8 q7, [%[ct], #16]\n\t"
                     "vaddva.s8 %[a2], q5\n\t"
                     "vaddva.s8 %[a3], q7\n\t"
                     ".else\n\t"
                     "vldrbt.8 q0, [%[w], #(16 * (%c[C] - 1))]\n\t"
                     "vldrbt.8 q1, [%[ct], #(16 * (%c[C] - 1))]\n\t"
                     ".if %c[C] > 1\n\t"
                     "vstrb.8 q0, [%[xb], #(16 * (%c[C] - 1))]\n\t"
                     "vstrb.8 q1, [%[xb], #(16 * (2 * %c[C] - 1))]\n\t"
                     "vaddva.s8 %[a2], q0\n\t"
                     "vaddva.s8 %[a3], q1\n\t"
                     ".else\n\t"
                     "vaddv.s8 %[a2], q0\n\t"
                     "vaddv.s8 %[a3], q1\n\t"
                     ".if %c[F]\n\t" /* (after the sums) 1 and -128 in lanes 14 and 15 */
                     "vldrb.8 q2, [%[k], #96]\n\t"
                     "vorr q0, q0, q2\n\t"
                     "vorr q1, q1, q2\n\t"
                     ".endif\n\t"
                     ".endif\n\t"
                     ".endif\n\t"
                     "muls %[a2], %[a1], %[a2]\n\t"
                     "muls %[a3], %[a1], %[a3]\n\t"
                     "strd %[a2], %[a3], [%[k]]\n\t" /* t0, t1 */
                     "ldrd %[w], %[ct], [%[k], #28]\n\t" /* w, ct */
                     ".if %c[C] == 2\n\t"
                     "ldr %[rem], [%[k], #40]\n\t" /* (8 a group) */
                     ".else\n\t"
                     "ldr %[rem], [%[k], #36]\n\t"
                     ".endif\n"
                     "1:\n\t"
                     ".if %c[C] > 2\n\t"
                     "vldrb.8 q0, [%[xb]]\n\t"
                     "vldrb.8 q1, [%[xb], #(16 * %c[C])]\n\t"
                     ".endif\n\t"
                     TSLM_MVE_G2_CHUNK("")
                     ".if %c[C] == 2\n\t"
                     "vldrb.8 q2, [%[w]], #16\n\t"
                     "vmladava.s8 %[a0], q5, q2\n\t"
                     "vmladava.s8 %[b0], q7, q2\n\t"
                     "vldrb.8 q2, [%[w]], #16\n\t"
                     "vmladava.s8 %[a1], q5, q2\n\t"
                     "vmladava.s8 %[b1], q7, q2\n\t"
                     "vldrb.8 q2, [%[w]], #16\n\t"
                     "vmladava.s8 %[a2], q5, q2\n\t"
                     "vmladava.s8 %[b2], q7, q2\n\t"
                     "vldrb.8 q2, [%[w]], #16\n\t"
                     "vmladava.s8 %[a3], q5, q2\n\t"
                     "vmladava.s8 %[b3], q7, q2\n\t"
                     ".endif\n\t"
                     TSLM_BMM2_MORE(1)
                     TSLM_BMM2_MORE(2)
                     TSLM_BMM2_MORE(3)
                     "vmov q3[2], q3[0], %[a0], %[a2]\n\t"
                     "vmov q3[3], q3[1], %[a1], %[a3]\n\t"
                     "vmov q4[2], q4[0], %[b0], %[b2]\n\t"
                     "vmov q4[3], q4[1], %[b1], %[b3]\n\t"
                     ".if %c[F] == 0\n\t"
                     "vldrw.32 q2, [%[ct]], #16\n\t" /* the column terms */
                     "vadd.i32 q3, q3, q2\n\t"
                     "vadd.i32 q4, q4, q2\n\t"
                     ".endif\n\t"
                     "ldm %[k], {%[a0], %[a1], %[a2], %[a3], %[b0]}\n\t" /* t0, t1, multiplier, shift, zp */
                     "vadd.i32 q3, q3, %[a0]\n\t"
                     "vadd.i32 q4, q4, %[a1]\n\t"
                     "vqrdmulh.s32 q3, q3, %[a2]\n\t"
                     "vqrdmulh.s32 q4, q4, %[a2]\n\t"
                     ".if %c[R16]\n\t" /* a right shift of 1..7: the fix and the shift in int16 lanes */
                     "vqmovnb.s32 q3, q3\n\t"
                     "vqmovnt.s32 q3, q4\n\t"
                     "vshr.s16 q2, q3, #15\n\t"
                     "vqadd.s16 q3, q3, q2\n\t"
                     ".if %c[C] == 2\n\t"
                     "vrshl.s16 q3, %[a3]\n\t"
                     "vqadd.s16 q3, q3, %[b0]\n\t"
                     ".else\n\t" /* zp + (x + 2^(r-1)) >> r in one: 2 x q7 (2^(15 - r)) + zp 2^16, rounded, high half */
                     "vqrdmlash.s16 q3, q7, %[b0]\n\t"
                     ".endif\n\t"
                     ".else\n\t"
                     "vshr.s32 q2, q3, #31\n\t"
                     "vadd.i32 q3, q3, q2\n\t"
                     "vshr.s32 q2, q4, #31\n\t"
                     "vadd.i32 q4, q4, q2\n\t"
                     ".if %c[C] == 2\n\t"
                     "vrshl.s32 q3, %[a3]\n\t"
                     "vrshl.s32 q4, %[a3]\n\t"
                     "vqmovnb.s32 q3, q3\n\t" /* row 0 in the even int16 lanes, row 1 in the odd */
                     "vqmovnt.s32 q3, q4\n\t"
                     "vqadd.s16 q3, q3, %[b0]\n\t"
                     ".else\n\t" /* (q7: 2^(31 - r) in each int32 lane) */
                     "vqrdmlash.s32 q3, q7, %[b0]\n\t"
                     "vqrdmlash.s32 q4, q7, %[b0]\n\t"
                     "vqmovnb.s32 q3, q3\n\t"
                     "vqmovnt.s32 q3, q4\n\t"
                     ".endif\n\t"
                     ".endif\n\t"
                     "vqmovnb.s16 q3, q3\n\t"
                     "vstrb.16 q3, [%[o], q6]\n\t" /* every group whole (a last partial one: the last four columns) */
                     "add %[o], %[o], #4\n\t"
                     ".if %c[C] == 2\n\t"
                     "subs %[rem], %[rem], #8\n\t"
                     ".else\n\t"
                     "subs %[rem], %[rem], #4\n\t"
                     ".endif\n\t"
                     "bgt 1b\n\t"
                     "beq 5f\n\t" /* (0: the partial group left) */
                     "ldrd %[a0], %[a1], [%[k], #88]\n\t" /* next, end */
                     "add %[o], %[o], %[a0]\n\t"
                     "cmp %[o], %[a1]\n\t"
                     "bne 0b\n\t"
                     "b 6f\n"
                     "5:\n\t" /* the last four columns: back by 4 - cols % 4, then no group after it */
                     "ldr %[a0], [%[k], #44]\n\t"
                     "add %[o], %[o], %[a0]\n\t"
                     "mov %[rem], #-1\n\t"
                     "b 1b\n"
                     "6:"
                     : [w] "=r"(pw), [o] "+r"(po), [ct] "=r"(pc), [rem] "=r"(rem), [a0] "=r"(a0), [a1] "=r"(a1),
                       [a2] "=r"(a2), [a3] "=r"(a3), [b0] "=r"(b0), [b1] "=r"(b1), [b2] "=r"(b2), [b3] "=r"(b3)
                     : [k] "r"(pk), [xb] "r"(px), [C] "i"(C), [R16] "i"(R16), [F] "i"(F)
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "memory", "cc", "p0");
}
#undef TSLM_BMM2_MORE
#undef TSLM_BMM2_COPY

/* The routine for each chunk count C and requantization (R16: in int16 lanes), a function each. */
typedef void pairs_walk_fn(int8_t *out, pairs_consts *k, int8_t *xb);
#define TSLM_BMM2_WALK(C, R16, F)                                                                         \
    static __attribute__((noinline)) void pairs_walk_##C##_##R16##F(int8_t *out, pairs_consts *k,          \
                                                                    int8_t *xb)                            \
    {                                                                                                      \
        pairs_walk(out, k, xb, C, R16, F);                                                                 \
    }
TSLM_BMM2_WALK(1, 0, 0)
TSLM_BMM2_WALK(2, 0, 0)
TSLM_BMM2_WALK(3, 0, 0)
TSLM_BMM2_WALK(4, 0, 0)
TSLM_BMM2_WALK(1, 1, 0)
TSLM_BMM2_WALK(2, 1, 0)
#if !defined(TSLM_OPTIMIZE_SIZE)
TSLM_BMM2_WALK(1, 0, 1)
TSLM_BMM2_WALK(1, 1, 1)
#endif
#undef TSLM_BMM2_WALK

static void pairs_of(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                     int32_t *scratch, pairs_walk_fn *walk, int fold)
{
    const int C = (p->depth + 15) >> 4;
    const int32_t n4 = (p->cols + 3) & ~3, os = p->output_row_stride, rows = p->rows, lrs = p->lhs_row_stride;
    int32_t *col_terms = scratch;
    int8_t *packed = (int8_t *)(scratch + n4);
    int8_t xb[2 * 16 * 4] __attribute__((aligned(16)));
    pairs_consts k __attribute__((aligned(16)));
    k.multiplier = p->multiplier, k.shift = p->shift, k.zp = p->output_offset;
    k.tail = p->depth - 16 * (C - 1), k.b = p->rhs_offset, k.w = packed, k.ct = col_terms;
    /* the groups' count-down (4 a group, 8 at C == 2): to 0 before a partial last group (cols >= 4: pairs()), which
     * is stored 4 - cols % 4 columns back (k.pad), past 0 after the last whole one */
    const int32_t g = n4 >> 2, r = p->cols & 3;
    k.n = r ? 4 * (g - 1) : 4 * g - 2, k.n2 = r ? 8 * (g - 1) : 8 * g - 4, k.pad = r - 4;
    k.next = 2 * os - p->cols;
    static const int8_t fold_lanes[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -128};
    vstrbq_s8(k.fold, vldrbq_s8(fold_lanes));
    /* lane i stores column lane[i] of row i & 1: offset lane[i] + (i & 1) os */
    const uint16x8_t lane = vshrq_n_u16(vidupq_n_u16(0, 1), 1);
    const uint16x8_t two_rows = vmlaq_n_u16(lane, vandq_u16(vidupq_n_u16(0, 1), vdupq_n_u16(1)), (uint16_t)os);
    const int32_t right = -p->shift; /* 1..31: pairs(); the int16 walks are those of a shift of 1..7 at C <= 2 */
    vstrwq_s32(k.rq, right <= 7 && C <= 2 ? vreinterpretq_s32_s16(vdupq_n_s16((int16_t)(1 << (15 - right))))
                                          : vdupq_n_s32((int32_t)(UINT32_C(1) << (31 - right))));
    pack_setup q;
    q.ks = p->rhs_depth_stride, q.js = p->rhs_col_stride, q.n = p->cols, q.C = C, q.fold = fold;
    q.a = p->lhs_offset, q.dab = p->depth * p->lhs_offset * p->rhs_offset, q.tail = k.tail;
    q.o0 = vmulq_n_u16(vidupq_n_u16(0, 1), (uint16_t)q.ks), q.o1 = vaddq_n_u16(q.o0, (uint16_t)(8 * q.ks));
    q.va = vdupq_n_s32(q.a), q.vdab = vdupq_n_s32(q.dab);
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                int8_t *out = output + out_at(p, b0, b1, b2);
                const int8_t *x = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                pack_pairs(&q, rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                   b2 * p->rhs_batch_strides[2], packed, col_terms);
                const int32_t pairs = rows >> 1;
                k.x = x, k.lrs = lrs;
                if (pairs > 0) {
                    vstrhq_u16((uint16_t *)k.offsets, two_rows);
                    k.end = out + pairs * 2 * os;
                    walk(out, &k, xb);
                }
                if (rows & 1) { /* an odd last row: as row 1 too (lrs 0), its values stored twice */
                    vstrhq_u16((uint16_t *)k.offsets, lane);
                    k.lrs = 0, k.end = out + (pairs + 1) * 2 * os;
                    walk(out + pairs * 2 * os, &k, xb);
                }
            }
        }
    }
}

/* Whether the pairs entry takes p (else it calls the general entry): as dots(), depth <= 64, 4 columns or more (a
 * partial last group is stored as the last four columns, three of them again with the same values), a depth x cols rhs's
 * gather offsets (15 x its depth stride) within 16 bits, every shift a right shift, and output rows apart (the walk
 * stops at an output pointer) with the byte scatter's offsets within 16 bits. */
static int pairs(const tslm_batch_matmul_params *p)
{
    return dots(p) && p->depth <= 64 && p->cols >= 4 && (p->rhs_depth_stride == 1 || p->rhs_depth_stride <= 4369) &&
           p->shift <= -1 && p->shift >= -31 && (p->output_row_stride >= 1 || p->rows == 1) &&
           p->output_row_stride <= 65532;
}

void tslm_mve_batch_matmul_pairs_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                    int8_t *output, int32_t *scratch)
{
    if (!pairs(p)) {
        tslm_mve_batch_matmul_s8(p, lhs, rhs, output, scratch); /* (the compiler routes none here) */
        return;
    }
    static pairs_walk_fn *const walks[] = {pairs_walk_1_00, pairs_walk_2_00, pairs_walk_3_00, pairs_walk_4_00,
                                           pairs_walk_1_10, pairs_walk_2_10, pairs_walk_3_00, pairs_walk_4_00};
    /* a right shift of 1..7 has the rounding fix and the shift after the narrowing to int16 (a
     * value it saturates is at least 2^15 / 2^7 = 256 away from zero after the shift, so saturated by the final
     * narrowing either way, the zero point added), at depth <= 32 (an attention's heads); the size build too (its two
     * routines +0.5 KB: an attention's matmuls ~600 instructions a call fewer) */
    const int r16 = p->shift >= -7;
    pairs_walk_fn *walk = walks[4 * r16 + ((p->depth + 15) >> 4) - 1];
    const int fold = fold_terms(p);
#if !defined(TSLM_OPTIMIZE_SIZE)
    if (fold) { /* the column terms folded into the packed rhs (pack_pairs) */
        walk = r16 ? pairs_walk_1_11 : pairs_walk_1_01;
    }
#endif
    pairs_of(p, lhs, rhs, output, scratch, walk, fold);
}

int32_t tslm_mve_batch_matmul_pairs_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    return tslm_mve_batch_matmul_s8_get_buffer_size(p);
}
