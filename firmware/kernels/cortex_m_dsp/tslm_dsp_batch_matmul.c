/*
 * tslm_batch_matmul.c - BATCH_MATMUL (int8 x int8 -> int8) for the Cortex-M DSP extension.
 *
 * Both operands are activations, so neither zero point can be folded into a
 * constant bias. Instead both are widened to int16 with their offsets added
 * (l + lhs_offset, r + rhs_offset, each in [-255, 255]) and SMLAD multiplies
 * them directly: the accumulator is TFLM's sum exactly, with no correction.
 * Per batch, the rhs columns are widened once (two columns interleaved, the
 * order tslm_dsp_widen2 gives rows); then each pair of lhs rows is widened
 * and meets every pair of columns: 2 x 2 outputs, eight SMLADs per four k.
 * Depth is padded to a multiple of four with zeros (pairs of lines: with the
 * zero point's bytes, which widen to 0, so one SXTAB16 widens two values).
 * Fast path (right shifts of 1..22, depth <= 8192): the lhs rows widened
 * doubled, so the sums are 2 acc and each output is one SMMLAR with the zero
 * point in its rounding term, a shift and SSAT; per four k of a 2 x 2 block
 * one LDM, two LDRD and eight SMLAD (Thumb-2 assembly); over the whole int8
 * range with depth <= 68 (attention's), bm_row_pair_jump: one LDM of the rows,
 * one of the columns, eight SMLAD, the depth unrolled and entered part-way.
 *
 * scratch: 4 words per four k for two lhs rows, 2 per four k for each rhs column.
 */
#include "tslm_dsp_batch_matmul.h"
#include "tslm_dsp.h"
#include "tslm_dsp_lut.h"

static inline int32_t pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}

/* Four values of one strided line, + offset, as (v0, v2) and (v1, v3); zeros past len. twice: the
 * values doubled (lhs rows for the fast path, whose sums are then 2 acc). */
TSLM_ALWAYS_INLINE void widen4(const int8_t *src, int32_t k, int32_t len, int32_t stride, int32_t offset, int32_t *dst,
                               const int twice)
{
    int32_t v[4];
    for (int32_t t = 0; t < 4; ++t) {
        v[t] = k + t < len ? ((int32_t)src[(k + t) * stride] + offset) * (twice ? 2 : 1) : 0;
    }
    dst[0] = pack16(v[0], v[2]);
    dst[1] = pack16(v[1], v[3]);
}

/* One line of len values, + offset, 2 words per four (n4 groups, one every step words).
 * Contiguous lines take one word load, two SXTB16 and two SADD16 per four values. */
TSLM_ALWAYS_INLINE void widen_line_by(const int8_t *src, int32_t len, int32_t stride, int32_t offset, int32_t n4,
                                      int32_t step, int32_t *dst, const int twice)
{
    int32_t g = 0;
    if (stride == 1) {
        const int32_t off2 = pack16(offset, offset);
        for (; 4 * g + 4 <= len; ++g, dst += step) {
            const int32_t v = tslm_read32(src + 4 * g);
            const int32_t a = tslm_sadd16(tslm_sxtb16(v), off2), b = tslm_sadd16(tslm_sxtb16_ror8(v), off2);
            dst[0] = twice ? tslm_sadd16(a, a) : a;
            dst[1] = twice ? tslm_sadd16(b, b) : b;
        }
    }
    for (; g < n4; ++g, dst += step) {
        widen4(src, 4 * g, len, stride, offset, dst, twice);
    }
}

static void widen_line(const int8_t *src, int32_t len, int32_t stride, int32_t offset, int32_t n4, int32_t step,
                       int32_t *dst)
{
    widen_line_by(src, len, stride, offset, n4, step, dst, 0);
}

/* The same, each value doubled. */
static void widen_line2(const int8_t *src, int32_t len, int32_t stride, int32_t offset, int32_t n4, int32_t step,
                        int32_t *dst)
{
    widen_line_by(src, len, stride, offset, n4, step, dst, 1);
}

/* Four values (one word of bytes v) widened: (v0, v2), (v1, v3) + offset, both halves of off2 the offset;
 * twice: the values doubled, off2 then twice the offset. One SXTAB16 per word (two doubled). */
TSLM_TINY_INLINE void widen_word(int32_t v, int32_t off2, int32_t *d, const int twice)
{
    int32_t a = tslm_sxtab16(off2, v), b = tslm_sxtab16_ror8(off2, v);
    if (twice) {
        a = tslm_sxtab16(a, v);
        b = tslm_sxtab16_ror8(b, v);
    }
    d[0] = a;
    d[1] = b;
}

/* Two words u, v of bytes (a0, b0, a2, b2), (a1, b1, a3, b3) widened as widen_word would, line a's
 * words first: (a0, a2), (a1, a3), (b0, b2), (b1, b3). */
TSLM_TINY_INLINE void widen_word_pair(int32_t u, int32_t v, int32_t off2, int32_t *d, const int twice)
{
    int32_t a = tslm_sxtab16(off2, u), b = tslm_sxtab16(off2, v);
    int32_t c = tslm_sxtab16_ror8(off2, u), e = tslm_sxtab16_ror8(off2, v);
    if (twice) {
        a = tslm_sxtab16(a, u);
        b = tslm_sxtab16(b, v);
        c = tslm_sxtab16_ror8(c, u);
        e = tslm_sxtab16_ror8(e, v);
    }
    d[0] = a;
    d[1] = b;
    d[2] = c;
    d[3] = e;
}

TSLM_TINY_INLINE int32_t widen_off2(int32_t offset, const int twice)
{
    return twice ? pack16(2 * offset, 2 * offset) : pack16(offset, offset);
}

/* A last group's padding: the zero point (-offset), whose bytes widen to 0, four times; 0 where it is no
 * int8 value (callers then take widen_line; an int8 tensor's zero point always is one). */
static uint32_t zp_bytes(int32_t offset)
{
    return -offset >= -128 && -offset <= 127 ? (uint32_t)(uint8_t)(int8_t)(-offset) * 0x01010101u : 0;
}

/* The last rem (1..3) values of a contiguous line as one word, its other bytes those of zp4. */
TSLM_TINY_INLINE int32_t tail_word(const int8_t *src, int32_t rem, uint32_t zp4)
{
    uint32_t v = (uint8_t)src[0];
    if (rem > 1) {
        v |= (uint32_t)(uint8_t)src[1] << 8;
    }
    if (rem > 2) {
        v |= (uint32_t)(uint8_t)src[2] << 16;
    }
    return (int32_t)(v | (zp4 << (8 * rem)));
}

/* Two contiguous lines a, b of len values, + offset (doubled with twice), laid out as widen_line(..., 4, ...)
 * of each: a word load and one SXTAB16 per two values (two doubled), a last group of 1..3 padded with the
 * zero point's bytes. off2 = widen_off2(offset, twice) and zp4 = zp_bytes(offset) (an int8 zero point's)
 * from the caller, which inlines this in its loop over row or column pairs. */
TSLM_ALWAYS_INLINE void widen_rows_zp(const int8_t *a, const int8_t *b, int32_t len, int32_t off2, uint32_t zp4,
                                      int32_t *dst, const int twice)
{
    for (int32_t g = len >> 2; g > 0; --g, a += 4, b += 4, dst += 4) {
        widen_word(tslm_read32(a), off2, dst, twice);
        widen_word(tslm_read32(b), off2, dst + 2, twice);
    }
    if ((len & 3) != 0) {
        widen_word(tail_word(a, len & 3, zp4), off2, dst, twice);
        widen_word(tail_word(b, len & 3, zp4), off2, dst + 2, twice);
    }
}

/* The last rem (1..3) values of a contiguous line of len >= 4 as one word, its other bytes those of zp4: one
 * (unaligned) word load ending at the line's end, shifted down by sh = 32 - 8 rem, and zpw = zp4 << 8 rem. */
TSLM_TINY_INLINE int32_t tail_word4(const int8_t *end, int32_t sh, uint32_t zpw)
{
    return (int32_t)(((uint32_t)tslm_read32(end - 4) >> sh) | zpw);
}

/* widen_rows_zp for the fast path's row pairs and column pairs (len >= 4): the whole groups by one loop of
 * two word loads, four SXTAB16 (eight doubled) and one STM per four k (Thumb-2), the last group by
 * tail_word4 (sh, zpw as there; rem = len & 3). */
TSLM_ALWAYS_INLINE void widen_rows_fast(const int8_t *a, const int8_t *b, int32_t len, int32_t off2, int32_t sh,
                                        uint32_t zpw, int32_t *dst, const int twice)
{
#if defined(TSLM_DSP_ASM)
    /* (b's word loaded into r8 and widened in place, a's into r5 too where it is not doubled: few registers of
     * GCC's, and not r7, the frame pointer where GCC -Os keeps one: the loop compiles wherever it is inlined) */
    int32_t n = len >> 2, u;
    if (twice) {
        __asm__ volatile("1:\n\t"
                         "ldr %[u], [%[a]], #4\n\t"
                         "ldr r8, [%[b]], #4\n\t"
                         "sxtab16 r4, %[o], %[u]\n\t"
                         "sxtab16 r5, %[o], %[u], ror #8\n\t"
                         "sxtab16 r4, r4, %[u]\n\t"
                         "sxtab16 r5, r5, %[u], ror #8\n\t"
                         "sxtab16 r6, %[o], r8\n\t"
                         "sxtab16 %[u], %[o], r8, ror #8\n\t"
                         "sxtab16 r6, r6, r8\n\t"
                         "sxtab16 r8, %[u], r8, ror #8\n\t"
                         "stmia %[d]!, {r4-r6, r8}\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b"
                         : [a] "+r"(a), [b] "+r"(b), [d] "+r"(dst), [n] "+r"(n), [u] "=&r"(u)
                         : [o] "r"(off2)
                         : "r4", "r5", "r6", "r8", "cc", "memory");
    } else {
        __asm__ volatile("1:\n\t"
                         "ldr r5, [%[a]], #4\n\t"
                         "ldr r8, [%[b]], #4\n\t"
                         "sxtab16 r4, %[o], r5\n\t"
                         "sxtab16 r5, %[o], r5, ror #8\n\t"
                         "sxtab16 r6, %[o], r8\n\t"
                         "sxtab16 r8, %[o], r8, ror #8\n\t"
                         "stmia %[d]!, {r4-r6, r8}\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b"
                         : [a] "+r"(a), [b] "+r"(b), [d] "+r"(dst), [n] "+r"(n)
                         : [o] "r"(off2)
                         : "r4", "r5", "r6", "r8", "cc", "memory");
    }
#else
    for (int32_t g = len >> 2; g > 0; --g, a += 4, b += 4, dst += 4) {
        widen_word(tslm_read32(a), off2, dst, twice);
        widen_word(tslm_read32(b), off2, dst + 2, twice);
    }
#endif
    if (sh != 32) {
        const int32_t k = len & 3;
        widen_word(tail_word4(a + k, sh, zpw), off2, dst, twice);
        widen_word(tail_word4(b + k, sh, zpw), off2, dst + 2, twice);
    }
}

TSLM_TINY_INLINE uint32_t read16(const int8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return h;
}

/* Lines j and j + 1 that sit side by side (columns of a row-major rhs, rows of an adj_x lhs) in runs
 * stride apart, laid out as widen_rows_zp(line j, line j + 1): per four k, four halfword loads, two
 * packs and four SXTAB16 (eight doubled); a last group's missing runs the zero point's bytes. */
TSLM_ALWAYS_INLINE void widen_adjacent(const int8_t *src, int32_t len, int32_t stride, int32_t offset, uint32_t zp4,
                                       int32_t *dst, const int twice)
{
    const int32_t off2 = widen_off2(offset, twice), rem = len & 3;
    for (int32_t g = len >> 2; g > 0; --g, src += 4 * stride, dst += 4) {
        /* bytes (a0, b0, a2, b2) and (a1, b1, a3, b3): line j in the even bytes */
        const int32_t u = (int32_t)(read16(src) | read16(src + 2 * stride) << 16);
        const int32_t v = (int32_t)(read16(src + stride) | read16(src + 3 * stride) << 16);
        widen_word_pair(u, v, off2, dst, twice);
    }
    if (rem != 0) {
        uint32_t h[4];
        for (int32_t t = 0; t < 4; ++t) {
            h[t] = t < rem ? read16(src + t * stride) : zp4 & 0xFFFFu;
        }
        widen_word_pair((int32_t)(h[0] | h[2] << 16), (int32_t)(h[1] | h[3] << 16), off2, dst, twice);
    }
}

static void widen_adjacent2(const int8_t *src, int32_t len, int32_t stride, int32_t offset, uint32_t zp4, int32_t *dst)
{
    widen_adjacent(src, len, stride, offset, zp4, dst, 1);
}

static void widen_adjacent1(const int8_t *src, int32_t len, int32_t stride, int32_t offset, uint32_t zp4, int32_t *dst)
{
    widen_adjacent(src, len, stride, offset, zp4, dst, 0);
}

/* Four columns side by side (j..j+3: one word per k of a row-major rhs), n groups of four k, as two pairs'
 * whole groups laid out as widen_adjacent1's (d0: columns j, j + 1; d1: j + 2, j + 3): per four k four word
 * loads, four PKHBT/PKHTB, eight SXTAB16. */
TSLM_ALWAYS_INLINE void widen_adjacent_quad(const int8_t *src, int32_t n, int32_t stride, int32_t off2, int32_t *d0,
                                            int32_t *d1, const int twice)
{
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
    /* Thumb-2: per four k four word loads (two pointer steps of 2 stride), four PKHBT/PKHTB, the SXTAB16s and four
     * STRD (32 instructions doubled, 24 not; GCC's C below: 41 doubled, two of them stack reloads) */
#define BM_Q_WIDEN(U, V, D)                                \
    "sxtab16 %[w2], %[o], %[" U "]\n\t"                  \
    "sxtab16 %[w3], %[o], %[" V "]\n\t"                  \
    BM_Q_TWICE("w2", U, "") BM_Q_TWICE("w3", V, "")       \
    "strd %[w2], %[w3], [%[" D "]], #8\n\t"              \
    "sxtab16 %[w2], %[o], %[" U "], ror #8\n\t"          \
    "sxtab16 %[w3], %[o], %[" V "], ror #8\n\t"          \
    BM_Q_TWICE("w2", U, ", ror #8") BM_Q_TWICE("w3", V, ", ror #8") \
    "strd %[w2], %[w3], [%[" D "]], #8\n\t"
#define BM_Q_LOOP                                          \
    "1:\n\t"                                             \
    "ldr %[w0], [%[s]]\n\t"                              \
    "ldr %[w1], [%[s], %[st]]\n\t"                       \
    "ldr %[w2], [%[s], %[st], lsl #1]\n\t"               \
    "add %[s], %[s], %[st], lsl #1\n\t"                  \
    "ldr %[w3], [%[s], %[st]]\n\t"                       \
    "add %[s], %[s], %[st], lsl #1\n\t"                  \
    "pkhbt %[a], %[w0], %[w2], lsl #16\n\t"              \
    "pkhbt %[b], %[w1], %[w3], lsl #16\n\t"              \
    "pkhtb %[w0], %[w2], %[w0], asr #16\n\t"             \
    "pkhtb %[w1], %[w3], %[w1], asr #16\n\t"             \
    BM_Q_WIDEN("a", "b", "d0")                            \
    "sxtab16 %[a], %[o], %[w0]\n\t"                      \
    "sxtab16 %[b], %[o], %[w1]\n\t"                      \
    BM_Q_TWICE("a", "w0", "") BM_Q_TWICE("b", "w1", "")   \
    "strd %[a], %[b], [%[d1]], #8\n\t"                   \
    "sxtab16 %[a], %[o], %[w0], ror #8\n\t"              \
    "sxtab16 %[b], %[o], %[w1], ror #8\n\t"              \
    BM_Q_TWICE("a", "w0", ", ror #8") BM_Q_TWICE("b", "w1", ", ror #8") \
    "strd %[a], %[b], [%[d1]], #8\n\t"                   \
    "subs %[n], %[n], #1\n\t"                            \
    "bne 1b"
    if (n > 0) {
        int32_t w0, w1, w2, w3, a, b;
        if (twice) {
#define BM_Q_TWICE(A, U, ROR) "sxtab16 %[" A "], %[" A "], %[" U "]" ROR "\n\t"
            __asm__ volatile(BM_Q_LOOP
                             : [s] "+r"(src), [d0] "+r"(d0), [d1] "+r"(d1), [n] "+r"(n), [w0] "=&r"(w0),
                               [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [a] "=&r"(a), [b] "=&r"(b)
                             : [st] "r"(stride), [o] "r"(off2)
                             : "cc", "memory");
#undef BM_Q_TWICE
        } else {
#define BM_Q_TWICE(A, U, ROR)
            __asm__ volatile(BM_Q_LOOP
                             : [s] "+r"(src), [d0] "+r"(d0), [d1] "+r"(d1), [n] "+r"(n), [w0] "=&r"(w0),
                               [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [a] "=&r"(a), [b] "=&r"(b)
                             : [st] "r"(stride), [o] "r"(off2)
                             : "cc", "memory");
#undef BM_Q_TWICE
        }
    }
#undef BM_Q_WIDEN
#undef BM_Q_LOOP
#else
    for (; n > 0; --n, src += 4 * stride, d0 += 4, d1 += 4) {
        const int32_t w0 = tslm_read32(src), w1 = tslm_read32(src + stride);
        const int32_t w2 = tslm_read32(src + 2 * stride), w3 = tslm_read32(src + 3 * stride);
#if defined(TSLM_DSP_ASM) /* (GCC builds these from shifts and masks, two instructions each) */
        int32_t u0, v0, u1, v1;
        __asm__("pkhbt %[u0], %[w0], %[w2], lsl #16\n\t"
                "pkhbt %[v0], %[w1], %[w3], lsl #16\n\t"
                "pkhtb %[u1], %[w2], %[w0], asr #16\n\t"
                "pkhtb %[v1], %[w3], %[w1], asr #16"
                : [u0] "=&r"(u0), [v0] "=&r"(v0), [u1] "=&r"(u1), [v1] "=r"(v1)
                : [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [w3] "r"(w3));
#else
        const int32_t u0 = (int32_t)(((uint32_t)w0 & 0xFFFFu) | ((uint32_t)w2 << 16));
        const int32_t v0 = (int32_t)(((uint32_t)w1 & 0xFFFFu) | ((uint32_t)w3 << 16));
        const int32_t u1 = (int32_t)(((uint32_t)w2 & 0xFFFF0000u) | ((uint32_t)w0 >> 16));
        const int32_t v1 = (int32_t)(((uint32_t)w3 & 0xFFFF0000u) | ((uint32_t)w1 >> 16));
#endif
        widen_word_pair(u0, v0, off2, d0, twice);
        widen_word_pair(u1, v1, off2, d1, twice);
    }
#endif
}

#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE)
/* widen_adjacent_quad doubled and not, out of line (the pairs entry's). */
__attribute__((noinline)) static void widen_quad2(const int8_t *src, int32_t n, int32_t stride, int32_t off2,
                                                  int32_t *d0, int32_t *d1)
{
    widen_adjacent_quad(src, n, stride, off2, d0, d1, 1);
}

__attribute__((noinline)) static void widen_quad1(const int8_t *src, int32_t n, int32_t stride, int32_t off2,
                                                  int32_t *d0, int32_t *d1)
{
    widen_adjacent_quad(src, n, stride, off2, d0, d1, 0);
}
#endif

/* All rhs columns of one batch: for each pair of columns and each four k, 2 words of the
 * first, 2 of the second; an odd last column alone, 2 words per four k. Pairs of contiguous
 * (adj_y) or side-by-side columns where the zero point pads a last group (any int8 one), by
 * widen_rows_zp and widen_adjacent; otherwise, and the odd column, widen_line. */
static void widen_rhs(const tslm_batch_matmul_params *p, const int8_t *r, int32_t n4, int32_t *dst)
{
    const int32_t cs = p->rhs_col_stride, ds = p->rhs_depth_stride;
    const uint32_t zp4 = zp_bytes(p->rhs_offset);
    const int zp = zp4 != 0 || p->rhs_offset == 0;
    int32_t j = 0;
    if (zp && ds == 1) { /* the pairs' loop inline */
        const int32_t off2 = widen_off2(p->rhs_offset, 0), depth = p->depth, sh = 32 - 8 * (depth & 3);
        const uint32_t zpw = (depth & 3) != 0 ? zp4 << (8 * (depth & 3)) : 0;
        for (; j + 2 <= p->cols; j += 2, dst += 4 * n4) {
            if (depth >= 4) {
                widen_rows_fast(r + j * cs, r + (j + 1) * cs, depth, off2, sh, zpw, dst, 0);
            } else {
                widen_rows_zp(r + j * cs, r + (j + 1) * cs, depth, off2, zp4, dst, 0);
            }
        }
    }
    for (; j + 2 <= p->cols; j += 2, dst += 4 * n4) {
        if (zp && cs == 1) {
            widen_adjacent1(r + j, p->depth, ds, p->rhs_offset, zp4, dst);
        } else {
            widen_line(r + j * cs, p->depth, ds, p->rhs_offset, n4, 4, dst);
            widen_line(r + (j + 1) * cs, p->depth, ds, p->rhs_offset, n4, 4, dst + 2);
        }
    }
    if (j < p->cols) {
        widen_line(r + j * cs, p->depth, ds, p->rhs_offset, n4, 2, dst);
    }
}

/* Two lhs rows of the fast path (doubled), as widen_line2 of each with steps of 4 words; row1 NULL: one
 * (steps of 2). */
static void widen_lhs2(const tslm_batch_matmul_params *p, const int8_t *row0, const int8_t *row1, int32_t n4,
                       int32_t *x)
{
    const int32_t s = p->lhs_depth_stride;
    const uint32_t zp4 = zp_bytes(p->lhs_offset);
    if (row1 != NULL && (zp4 != 0 || p->lhs_offset == 0)) {
        if (s == 1) {
            widen_rows_zp(row0, row1, p->depth, widen_off2(p->lhs_offset, 1), zp4, x, 1);
            return;
        }
        if (row1 == row0 + 1) {
            widen_adjacent2(row0, p->depth, s, p->lhs_offset, zp4, x);
            return;
        }
    }
    widen_line2(row0, p->depth, s, p->lhs_offset, n4, row1 != NULL ? 4 : 2, x);
    if (row1 != NULL) {
        widen_line2(row1, p->depth, s, p->lhs_offset, n4, 4, x + 2);
    }
}

/* One or two lhs rows (row1 NULL: one), interleaved like tslm_dsp_widen2 (or widen1). */
static void widen_lhs(const tslm_batch_matmul_params *p, const int8_t *row0, const int8_t *row1, int32_t n4,
                      int32_t *dst)
{
    const int32_t s = p->lhs_depth_stride;
    if (row1 == NULL) {
        widen_line(row0, p->depth, s, p->lhs_offset, n4, 2, dst);
        return;
    }
    widen_line(row0, p->depth, s, p->lhs_offset, n4, 4, dst);
    widen_line(row1, p->depth, s, p->lhs_offset, n4, 4, dst + 2);
}

/* s<row><col> += two widened rows (x: 4 words per four k) . two widened columns (w: 4 words). */
TSLM_ALWAYS_INLINE void mac16_2x2(const int32_t *x, const int32_t *w, int32_t n4, int32_t *s)
{
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    for (int32_t g = 0; g < n4; ++g, x += 4, w += 4) {
        const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        s00 = tslm_smlad(x0, w0, s00);
        s10 = tslm_smlad(x2, w0, s10);
        s00 = tslm_smlad(x1, w1, s00);
        s10 = tslm_smlad(x3, w1, s10);
        s01 = tslm_smlad(x0, w2, s01);
        s11 = tslm_smlad(x2, w2, s11);
        s01 = tslm_smlad(x1, w3, s01);
        s11 = tslm_smlad(x3, w3, s11);
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* Dot product of widened lines with their own steps (words) between groups of four k. */
TSLM_ALWAYS_INLINE int32_t mac16_1x1(const int32_t *x, int32_t xstep, const int32_t *w, int32_t wstep, int32_t n4)
{
    int32_t s = 0;
    for (int32_t g = 0; g < n4; ++g, x += xstep, w += wstep) {
        s = tslm_smlad(x[0], w[0], s);
        s = tslm_smlad(x[1], w[1], s);
    }
    return s;
}

TSLM_ALWAYS_INLINE int8_t out1(const tslm_batch_matmul_params *p, int32_t acc, const int32_t *rq, const int fast,
                               const int full)
{
    return tslm_dsp_out(acc, rq, p->output_offset, p->act_min, p->act_max, fast, full);
}

/* Where batch (b0, b1, b2)'s outputs start. */
static inline int32_t out_at(const tslm_batch_matmul_params *p, int32_t b0, int32_t b1, int32_t b2)
{
    return b0 * p->output_batch_strides[0] + b1 * p->output_batch_strides[1] + b2 * p->output_batch_strides[2];
}

/* rows x cols outputs of one batch (rows output_row_stride apart) from widened rhs (wr) and scratch for two lhs
 * rows (x). */
TSLM_ALWAYS_INLINE void one_batch(const tslm_batch_matmul_params *p, const int8_t *l, const int32_t *wr, int32_t *x,
                                  const int32_t *rq, int8_t *out, const int fast, const int full)
{
    const int32_t n4 = (p->depth + 3) / 4, cols = p->cols, os = p->output_row_stride;
    int32_t i = 0;
    for (; i + 2 <= p->rows; i += 2) {
        widen_lhs(p, l + i * p->lhs_row_stride, l + (i + 1) * p->lhs_row_stride, n4, x);
        int8_t *o0 = out + i * os, *o1 = o0 + os;
        const int32_t *w = wr;
        int32_t j = 0;
        for (; j + 2 <= cols; j += 2, w += 4 * n4) {
            int32_t s[4];
            mac16_2x2(x, w, n4, s);
            o0[j] = out1(p, s[0], rq, fast, full);
            o0[j + 1] = out1(p, s[1], rq, fast, full);
            o1[j] = out1(p, s[2], rq, fast, full);
            o1[j + 1] = out1(p, s[3], rq, fast, full);
        }
        if (j < cols) { /* odd last column: 2 words per four k */
            o0[j] = out1(p, mac16_1x1(x, 4, w, 2, n4), rq, fast, full);
            o1[j] = out1(p, mac16_1x1(x + 2, 4, w, 2, n4), rq, fast, full);
        }
    }
    if (i < p->rows) { /* odd last row: 2 words per four k */
        widen_lhs(p, l + i * p->lhs_row_stride, NULL, n4, x);
        int8_t *o0 = out + i * os;
        const int32_t *w = wr;
        int32_t j = 0;
        for (; j + 2 <= cols; j += 2, w += 4 * n4) {
            o0[j] = out1(p, mac16_1x1(x, 2, w, 4, n4), rq, fast, full);
            o0[j + 1] = out1(p, mac16_1x1(x, 2, w + 2, 4, n4), rq, fast, full);
        }
        if (j < cols) {
            o0[j] = out1(p, mac16_1x1(x, 2, w, 2, n4), rq, fast, full);
        }
    }
}

/* ---- The fast path: lhs rows widened doubled, so the sums are v = 2 acc, and each output is
 * SMMLAR(v, m, rz - [v < 0]) >> r with rz = 2^(r-1) + z 2^r: TFLM's MultiplyByQuantizedMultiplier
 * (r >= 1) plus z, the rounding as in tslm_dsp.h's offset-pair records. Full range: z = the output
 * zero point, then SSAT; clamped: z = zero point - act_min, USAT #8, + act_min, the clamp at act_max.
 * Exact while |v| < 2^30 (depth <= 8192) and r <= 22 (rz and the sum fit in int32). ---- */

typedef struct {
    int32_t m, rz, r, lo, hi;
} bm_rq;

TSLM_ALWAYS_INLINE int8_t bm_out(int32_t v, const bm_rq *q, const int full)
{
    int32_t y = tslm_smmlar(v, q->m, (int32_t)((uint32_t)q->rz + (uint32_t)(v >> 31))) >> q->r;
    if (full) {
        return (int8_t)tslm_ssat8(y);
    }
    y = (y < 0 ? 0 : (y > 255 ? 255 : y)) + q->lo;
    return (int8_t)(y > q->hi ? q->hi : y);
}

#if defined(TSLM_DSP_ASM)
/* Four k of two widened rows (r8-r11) against two widened columns (two LDRDs of w): the 2x2 block's
 * eight SMLADs, in bm_mac_2x2 and in the row-pair loop below. */
#define TSLM_BM_GROUP                                      \
    "ldmia %[x]!, {r8, r9, r10, r11}\n\t"                \
    "ldrd %[wa], %[wb], [%[w]], #8\n\t"                  \
    "smlad %[a0], r8, %[wa], %[a0]\n\t"                  \
    "smlad %[b0], r10, %[wa], %[b0]\n\t"                 \
    "smlad %[a0], r9, %[wb], %[a0]\n\t"                  \
    "smlad %[b0], r11, %[wb], %[b0]\n\t"                 \
    "ldrd %[wa], %[wb], [%[w]], #8\n\t"                  \
    "smlad %[a1], r8, %[wa], %[a1]\n\t"                  \
    "smlad %[b1], r10, %[wa], %[b1]\n\t"                 \
    "smlad %[a1], r9, %[wb], %[a1]\n\t"                  \
    "smlad %[b1], r11, %[wb], %[b1]\n\t"
#endif

/* s[0..3] = (row 0, col 0), (row 0, col 1), (row 1, col 0), (row 1, col 1) of two widened rows x (4 words
 * per four k) and two widened columns w (4 words). Per four k: one LDM, two LDRD, eight SMLAD. */
TSLM_ALWAYS_INLINE void bm_mac_2x2(const int32_t *x, const int32_t *w, int32_t n, int32_t *s)
{
#if defined(TSLM_DSP_ASM)
    int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0, wa, wb;
    __asm__(TSLM_OP_LOOP(TSLM_BM_GROUP)
            : [w] "+r"(w), [x] "+r"(x), [n] "+r"(n), [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1),
              [wa] "=&r"(wa), [wb] "=&r"(wb)
            :
            : "r8", "r9", "r10", "r11", "cc", "memory");
    s[0] = a0, s[1] = a1, s[2] = b0, s[3] = b1;
#else
    mac16_2x2(x, w, n, s);
#endif
}

/* A 2x2 block's outputs: o0[0], o0[1] from s[0], s[1]; o1[0], o1[1] from s[2], s[3]. */
TSLM_ALWAYS_INLINE void bm_out4(const int32_t *s, const bm_rq *q, int8_t *o0, int8_t *o1, const int full)
{
#if defined(TSLM_DSP_ASM)
    if (full) {
        int32_t a0 = s[0], a1 = s[1], b0 = s[2], b1 = s[3], m, rz, r, t;
#define TSLM_BM_OUT(A, O, OFF)                             \
    "add %[t], %[rz], %[" #A "], asr #31\n\t"             \
    "smmlar %[" #A "], %[" #A "], %[m], %[t]\n\t"        \
    "asr %[" #A "], %[" #A "], %[r]\n\t"                  \
    "ssat %[" #A "], #8, %[" #A "]\n\t"                   \
    "strb %[" #A "], [%[" #O "], #" #OFF "]\n\t"
        /* volatile: the stores are its only effect */
        __asm__ volatile("ldrd %[m], %[rz], [%[q]]\n\t"
                         "ldr %[r], [%[q], #8]\n\t"
                         TSLM_BM_OUT(a0, o0, 0) TSLM_BM_OUT(a1, o0, 1) TSLM_BM_OUT(b0, o1, 0) TSLM_BM_OUT(b1, o1, 1)
                         : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [m] "=&r"(m),
                           [rz] "=&r"(rz), [r] "=&r"(r), [t] "=&r"(t)
                         : [q] "r"(q), [o0] "r"(o0), [o1] "r"(o1)
                         : "memory");
#undef TSLM_BM_OUT
        return;
    }
#endif
    o0[0] = bm_out(s[0], q, full);
    o0[1] = bm_out(s[1], q, full);
    o1[0] = bm_out(s[2], q, full);
    o1[1] = bm_out(s[3], q, full);
}

#if defined(TSLM_DSP_ASM)
/* Full range: the 2x2 blocks of one pair of widened lhs rows x against every pair of widened columns w
 * (cols >= 2; an odd last column is the caller's), outputs o0[j], o0[j + 1] and the same of the next
 * row (os further). One loop in Thumb-2: the block's MACs as bm_mac_2x2, its outputs as bm_out4, the
 * values it needs between blocks read from the stack (no spills around the asm). */
static void bm_row_pair(const int32_t *x, const int32_t *w, int32_t n4, const bm_rq *q, int8_t *o0, int32_t cols,
                        int32_t os)
{
    const int32_t *const xb = x;
    const int32_t m = q->m, rz = q->rz, r = q->r, d1 = os;
    int8_t *const oend = o0 + (cols & ~1);
    int8_t *const ob = o0;
    int32_t n, a0, a1, b0, b1, wa, wb;
#define TSLM_BM_REQ(A)                                     \
    "add r9, %[wb], %[" #A "], asr #31\n\t"               \
    "smmlar %[" #A "], %[" #A "], %[wa], r9\n\t"         \
    "asr %[" #A "], %[" #A "], r8\n\t"                    \
    "ssat %[" #A "], #8, %[" #A "]\n\t"
    /* lr: the output pointer of row 0; x, n reloaded per block, w runs on through every column pair */
    __asm__ volatile("ldr lr, %[ob]\n"
                     "7:\n\t"
                     "movs %[a0], #0\n\t"
                     "movs %[a1], #0\n\t"
                     "movs %[b0], #0\n\t"
                     "movs %[b1], #0\n\t"
                     "ldr %[x], %[xb]\n\t"
                     "ldr %[n], %[n4]\n\t"
                     TSLM_OP_LOOP(TSLM_BM_GROUP)
                     "\n\t"
                     "ldr %[wa], %[m]\n\t"
                     "ldr %[wb], %[rz]\n\t"
                     "ldr r8, %[r]\n\t"
                     TSLM_BM_REQ(a0) TSLM_BM_REQ(a1) TSLM_BM_REQ(b0) TSLM_BM_REQ(b1)
                     "ldr r10, %[d1]\n\t"
                     "add r10, lr, r10\n\t"
                     "strb %[a0], [lr]\n\t"
                     "strb %[a1], [lr, #1]\n\t"
                     "strb %[b0], [r10]\n\t"
                     "strb %[b1], [r10, #1]\n\t"
                     "adds lr, lr, #2\n\t"
                     "ldr r11, %[oend]\n\t"
                     "cmp lr, r11\n\t"
                     "bne 7b"
                     : [w] "+r"(w), [x] "=&r"(x), [n] "=&r"(n), [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0),
                       [b1] "=&r"(b1), [wa] "=&r"(wa), [wb] "=&r"(wb)
                     : [ob] "m"(ob), [xb] "m"(xb), [n4] "m"(n4), [m] "m"(m), [rz] "m"(rz), [r] "m"(r), [d1] "m"(d1),
                       [oend] "m"(oend)
                     : "r8", "r9", "r10", "r11", "lr", "cc", "memory");
#undef TSLM_BM_REQ
}
#endif

#if defined(TSLM_DSP_ASM)
/*
 * The same row pair with the depth loop unrolled and entered part-way (depth <= 4 BM_JUMP_MAX + 4), in a
 * naked routine that owns all fourteen registers: per four k one LDM of the two rows' words, one LDM of
 * the two columns' and eight SMLAD (ten instructions per 16 MACs); per 2x2 block the first group by
 * SMUAD (no zeroing), `ldr pc` into the unrolled groups (each ten 32-bit instructions, 40 bytes, so the
 * entry is their start + the skipped groups' bytes), one LDM of the requantization values, the output
 * row's offset, the end, the output pointer and the tail's address (into pc: the jump to the tail), four
 * requantizations, four stores.
 * r0 x, r1 w, r2 r3 (row 0, columns 0 and 1), r4 r5 (row 1), r6 r7 r12 lr the columns' words, r8-r11 the
 * rows' words. The job (copied to the stack on entry, the tail's and the skip's bytes turned into
 * addresses): x, m, rz, r, the output row stride, the end of row 0's column pairs, row 0's output, the groups'
 * bytes to skip, w, the tail (the frame: BM_J_PROLOGUE_0; the _lut routines' with the map after r); x first, so the LDM of the requantization values
 * rewinds x too (no load of it per block).
 * The tails (the requantizations, the stores and the loop's end): the general one (ASR by the register r), and
 * in the speed build one per right shift BM_TAIL_R0..BM_TAIL_R1 with the shift SSAT's immediate (ASR #r: the
 * same arithmetic, three instructions an output, not four); job.tail: bm_tail(r, h), the chosen one's bytes
 * from the general one's start. In the speed build each tail ends with a copy of the first group and the jump
 * into the unrolled ones (no branch back to the block's start: as many taken branches a block as with one tail
 * that the groups fall into).
 */
#define BM_JUMP_MAX 16 /* unrolled groups: the first group + up to 16, depth <= 68 */
#define BM_JUMP_GROUP_BYTES 40
#if !defined(TSLM_OPTIMIZE_SIZE)
#define BM_TAIL_R0 5 /* the right shifts with a tail of their own */
#define BM_TAIL_R1 10
#else /* the size build: the general tail only */
#define BM_TAIL_R0 1
#define BM_TAIL_R1 0
#endif
/* the tails' bytes (speed build): the general one's, then each shift's, with a first group of f bytes */
#define BM_TAIL_GEN_BYTES(f) (96 + (f))
#define BM_TAIL_R_BYTES(f) (80 + (f))
#define BM_FIRST_BYTES 40 /* bm_row_pair_jump's first group, bm_row_pair_jump_h's half group */
#define BM_HALF_BYTES 24
typedef struct {
    const int32_t *x;
    int32_t m, rz, r, os; /* os: from row 0's outputs to row 1's */
    int8_t *oend;
    int8_t *o0;
    int32_t skip;
    const int32_t *w;
#if !defined(TSLM_OPTIMIZE_SIZE)
    int32_t tail; /* bm_tail(r, h, lut) (the speed build's: BM_JOB_TAIL in the initializers) */
#endif
    const int8_t *map; /* the _lut routines' output map, its entry for 0 (table + 128); unused by the others */
} bm_jump_job;
/* (where the _lut routines' prologue reads job->map: BM_J_MAP_OFF) */
#if !defined(TSLM_OPTIMIZE_SIZE)
#define BM_J_MAP_OFF "40"
typedef char bm_job_map_at_40[offsetof(bm_jump_job, map) == 40 ? 1 : -1];
#else
#define BM_J_MAP_OFF "36"
typedef char bm_job_map_at_36[offsetof(bm_jump_job, map) == 36 ? 1 : -1];
#endif
/* the bytes a tail's output map adds (BM_J_LMAP_1: four LDRB.W) */
#define BM_LUT_BYTES 16
#if !defined(TSLM_OPTIMIZE_SIZE)
#define BM_JOB_TAIL(r, h) , bm_tail(r, h, 0)
#else
#define BM_JOB_TAIL(r, h)
#endif

/* The tail for a right shift r: its bytes from the general tail's start (h: bm_row_pair_jump_h's; lut: the _lut
 * routines', whose tails are BM_LUT_BYTES longer). */
static inline int32_t bm_tail(int32_t r, int h, int lut)
{
    const int32_t f = (h ? BM_HALF_BYTES : BM_FIRST_BYTES) + (lut ? BM_LUT_BYTES : 0);
    return r >= BM_TAIL_R0 && r <= BM_TAIL_R1 ? BM_TAIL_GEN_BYTES(f) + BM_TAIL_R_BYTES(f) * (r - BM_TAIL_R0) : 0;
}

#define BM_J_MACS(FIRST)                                   \
    "ldmia r0!, {r8-r11}\n\t"                            \
    "ldmia r1!, {r6, r7, r12, lr}\n\t"                   \
    FIRST("r2", "r8", "r6") FIRST("r4", "r10", "r6")     \
    BM_J_MLA("r2", "r9", "r7") BM_J_MLA("r4", "r11", "r7") \
    FIRST("r3", "r8", "r12") FIRST("r5", "r10", "r12")   \
    BM_J_MLA("r3", "r9", "lr") BM_J_MLA("r5", "r11", "lr")
#define BM_J_MLA(A, X, W) "smlad " A ", " X ", " W ", " A "\n\t"
#define BM_J_FIRST(A, X, W) "smuad " A ", " X ", " W "\n\t"
#define BM_J_GROUP BM_J_MACS(BM_J_MLA)
#define BM_J_GROUP4 BM_J_GROUP BM_J_GROUP BM_J_GROUP BM_J_GROUP
/* (T: the rounding's temporary, r9; lr in the _lut routines, whose r9 holds the map) */
#define BM_J_REQ(A, T)                                     \
    "add.w " T ", r7, " A ", asr #31\n\t"               \
    "smmlar " A ", " A ", r6, " T "\n\t"                \
    "asr.w " A ", " A ", r8\n\t"                         \
    "ssat " A ", #8, " A "\n\t"
/* (the shift an immediate: SSAT's ASR) */
#define BM_J_REQ_R(A, R, T)                                \
    "add.w " T ", r7, " A ", asr #31\n\t"               \
    "smmlar " A ", " A ", r6, " T "\n\t"                \
    "ssat " A ", #8, " A ", asr #" #R "\n\t"
#define BM_J_T_0 "r9"
#define BM_J_T_1 "lr"
/* The stores, the next block's output pointer and the loop: in the speed build the next block's first group
 * (FIRST) and the jump into the others (the routine's end at 9), in the size build the branch to the block's
 * start 7 (the end falls through). */
#define BM_J_STORES(O0)                                    \
    "strb.w r4, [r12, r10]\n\t"                          \
    "strb r2, [r12], #1\n\t"                             \
    "strb.w r5, [r12, r10]\n\t"                          \
    "strb r3, [r12], #1\n\t"                             \
    "str.w r12, [sp, #" O0 "]\n\t"                       \
    "cmp.w r12, r11\n\t"
#define BM_J_TAIL_R(R, FIRST, L) BM_J_REQ_R("r2", R, BM_J_T_##L) BM_J_REQ_R("r3", R, BM_J_T_##L)              \
    BM_J_REQ_R("r4", R, BM_J_T_##L) BM_J_REQ_R("r5", R, BM_J_T_##L) BM_J_LMAP_##L BM_J_STORES(BM_J_O0_##L)      \
    BM_J_NEXT(FIRST, L)
/* The _lut routines (L 1): the job's map in the frame after r (BM_J_PROLOGUE_1), into r9 by the LDM that jumps to
 * the tail, each output mapped through it between its requantization and its store; L 0: neither. */
#define BM_J_LMAP_0
#define BM_J_LMAP_1                                        \
    "ldrb.w r2, [r9, r2]\n\t"                            \
    "ldrb.w r3, [r9, r3]\n\t"                            \
    "ldrb.w r4, [r9, r4]\n\t"                            \
    "ldrb.w r5, [r9, r5]\n\t"
#define BM_J_LB_0 "0"
#define BM_J_LB_1 BM_J_XSTR(BM_LUT_BYTES)
/* the frame's offsets of o0 and the groups' entry (and the frame's bytes), each form's */
#define BM_J_O0_0 "24"
#define BM_J_O0_1 "28"
#if !defined(TSLM_OPTIMIZE_SIZE)
#define BM_J_NEXT(FIRST, L) "beq.w 9f\n\t" FIRST BM_J_ENTER_##L "\n\t"
#define BM_J_TAILS_R(FIRST, L)                                                                                \
    BM_J_TAIL_R(5, FIRST, L) BM_J_TAIL_R(6, FIRST, L) BM_J_TAIL_R(7, FIRST, L) BM_J_TAIL_R(8, FIRST, L)       \
    BM_J_TAIL_R(9, FIRST, L) BM_J_TAIL_R(10, FIRST, L)
/* The job's words into r1-r10 (x, m, rz, r, os, oend, o0, skip, w, tail), the tail's and the skip's bytes
 * turned into addresses, pushed as the frame x, m, rz, r, os, oend, o0, the tail's address, the groups' entry;
 * the jump to the tail: the LDM's last word into pc. */
#define BM_J_PROLOGUE_0                                    \
    "ldm r0, {r1-r10}\n\t"                              \
    "adr r11, 6f + 1\n\t"                               \
    "add r11, r11, r8\n\t"                              \
    "adr r12, 5f + 1\n\t"                               \
    "add r8, r12, r10\n\t"                              \
    "push {r1-r8, r11}\n\t"
/* (the _lut form: the map (lr) after r, so the LDM to the tail fills r9 with it) */
#define BM_J_PROLOGUE_1                                    \
    "ldr.w lr, [r0, #" BM_J_MAP_OFF "]\n\t"             \
    "ldm r0, {r1-r10}\n\t"                              \
    "adr r11, 6f + 1\n\t"                               \
    "add r11, r11, r8\n\t"                              \
    "adr r12, 5f + 1\n\t"                               \
    "add r8, r12, r10\n\t"                              \
    "push {r5-r8, r11}\n\t"                             \
    "push {r1-r4, lr}\n\t"
#define BM_J_ENTER_0 "ldr.w pc, [sp, #32]"
#define BM_J_ENTER_1 "ldr.w pc, [sp, #36]"
#define BM_J_FRAME_POP_0 "add.w sp, sp, #36"
#define BM_J_FRAME_POP_1 "add.w sp, sp, #40"
#define BM_J_TO_TAIL_0 "ldm sp, {r0, r6, r7, r8, r10, r11, r12, pc}\n"
#define BM_J_TO_TAIL_1 "ldm sp, {r0, r6, r7, r8, r9, r10, r11, r12, pc}\n"
#define BM_J_GEN_BYTES(F, L) "(96 + " F " + " BM_J_LB_##L ")"
#define BM_J_R_BYTES(F, L) "(80 + " F " + " BM_J_LB_##L ")"
#else /* the size build: the general tail only, reached by falling through (job.tail unused) */
#define BM_J_NEXT(FIRST, L) "bne.w 7b\n\t"
#define BM_J_TAILS_R(FIRST, L)
/* (the frame as the speed build's without the tail: the groups' entry after o0) */
#define BM_J_PROLOGUE_0                                    \
    "ldm r0, {r1-r9}\n\t"                               \
    "adr r10, 6f + 1\n\t"                               \
    "add r8, r10, r8\n\t"                               \
    "push {r1-r8}\n\t"
#define BM_J_PROLOGUE_1                                    \
    "ldr.w lr, [r0, #" BM_J_MAP_OFF "]\n\t"             \
    "ldm r0, {r1-r9}\n\t"                               \
    "adr r10, 6f + 1\n\t"                               \
    "add r8, r10, r8\n\t"                               \
    "push {r5-r8}\n\t"                                  \
    "push {r1-r4, lr}\n\t"
#define BM_J_ENTER_0 "ldr.w pc, [sp, #28]"
#define BM_J_ENTER_1 "ldr.w pc, [sp, #32]"
#define BM_J_FRAME_POP_0 "add.w sp, sp, #32"
#define BM_J_FRAME_POP_1 "add.w sp, sp, #36"
#define BM_J_TO_TAIL_0 "ldm sp, {r0, r6, r7, r8, r10, r11, r12}\n"
#define BM_J_TO_TAIL_1 "ldm sp, {r0, r6, r7, r8, r9, r10, r11, r12}\n"
#define BM_J_GEN_BYTES(F, L) "(92 + " BM_J_LB_##L ")"
#define BM_J_R_BYTES(F, L) "0"
#endif
#define BM_J_STR(X) #X
#define BM_J_XSTR(X) BM_J_STR(X)

/* The routine's body, FIRST its first group's code (by SMUAD: no zeroing) and the group of r0's x, r1's w
 * it leaves next, F its bytes (a string); NAME its assembler name for the size checks; L 1: each output through
 * job->map (the _lut routines), 0: stored as requantized. (BM_J_LB: L's bytes a tail, in the byte checks.) */
#define BM_J_BODY(FIRST, F, NAME, L)                                                                               \
    __asm__ volatile("push {r4-r11, lr}\n\t"                                                                    \
                     BM_J_PROLOGUE_##L                                                                          \
                     "mov r0, r1\n\t"                                                                           \
                     "mov r1, r9\n"                                                                             \
                     "7:\n\t"                                                                                   \
                     FIRST                                                                                      \
                     BM_J_ENTER_##L "\n"                                                                        \
                     "6:\n\t"                                                                                   \
                     BM_J_GROUP4 BM_J_GROUP4 BM_J_GROUP4 BM_J_GROUP4                                            \
                     ".if . - 6b - 16 * 40\n\t" /* BM_JUMP_GROUP_BYTES, which the entry assumes */              \
                     ".error \"" NAME ": a group is not 40 bytes\"\n\t"                                         \
                     ".endif\n\t"                                                                               \
                     BM_J_TO_TAIL_##L                                                                           \
                     "5:\n\t"                                                                                   \
                     BM_J_REQ("r2", BM_J_T_##L) BM_J_REQ("r3", BM_J_T_##L) BM_J_REQ("r4", BM_J_T_##L)           \
                     BM_J_REQ("r5", BM_J_T_##L) BM_J_LMAP_##L BM_J_STORES(BM_J_O0_##L)                          \
                     BM_J_NEXT(FIRST, L)                                                                        \
                     ".if . - 5b - " BM_J_GEN_BYTES(F, L) "\n\t" /* BM_TAIL_GEN_BYTES, which bm_tail assumes */    \
                     ".error \"" NAME ": the general tail is not BM_TAIL_GEN_BYTES\"\n\t"                       \
                     ".endif\n\t"                                                                               \
                     BM_J_TAILS_R(FIRST, L)                                                                     \
                     ".if . - 5b - " BM_J_GEN_BYTES(F, L) " - " BM_J_R_BYTES(F, L) " * (" BM_J_XSTR(BM_TAIL_R1)       \
                     " + 1 - " BM_J_XSTR(BM_TAIL_R0) ")\n\t"                                                    \
                     ".error \"" NAME ": a shift's tail is not BM_TAIL_R_BYTES\"\n\t"                           \
                     ".endif\n"                                                                                 \
                     "9:\n\t"                                                                                   \
                     BM_J_FRAME_POP_##L "\n\t"                                                                  \
                     "pop.w {r4-r11, pc}")

__attribute__((naked, noinline, aligned(4))) static void bm_row_pair_jump(const bm_jump_job *job)
{
    (void)job;
    BM_J_BODY(BM_J_MACS(BM_J_FIRST), BM_J_XSTR(BM_FIRST_BYTES), "bm_row_pair_jump", 0);
}

/* The same, each output mapped through job->map before its store (tslm_dsp_batch_matmul_pairs_lut_s8). */
__attribute__((naked, noinline, aligned(4))) static void bm_row_pair_jump_lut(const bm_jump_job *job)
{
    (void)job;
    BM_J_BODY(BM_J_MACS(BM_J_FIRST), BM_J_XSTR(BM_FIRST_BYTES), "bm_row_pair_jump_lut", 1);
}

/* The same with a half group first (depth % 4 of 1 or 2, the pairs entry's layout below): per line one word
 * (v[d-2], v[d-1]) (or (v[d-1], 0)), x's two rows' and w's two columns' by one LDM each, four SMUAD; then the
 * whole groups as above (n4 - 1 of them, the same entry: skip = 40 (17 - n4)). */
#define BM_J_HALF                                          \
    "ldmia r0!, {r8, r10}\n\t"                           \
    "ldmia r1!, {r6, r12}\n\t"                           \
    "smuad r2, r8, r6\n\t"                               \
    "smuad r4, r10, r6\n\t"                              \
    "smuad r3, r8, r12\n\t"                              \
    "smuad r5, r10, r12\n\t"

__attribute__((naked, noinline, aligned(4))) static void bm_row_pair_jump_h(const bm_jump_job *job)
{
    (void)job;
    BM_J_BODY(BM_J_HALF, BM_J_XSTR(BM_HALF_BYTES), "bm_row_pair_jump_h", 0);
}

__attribute__((naked, noinline, aligned(4))) static void bm_row_pair_jump_h_lut(const bm_jump_job *job)
{
    (void)job;
    BM_J_BODY(BM_J_HALF, BM_J_XSTR(BM_HALF_BYTES), "bm_row_pair_jump_h_lut", 1);
}
#undef BM_J_HALF
#undef BM_J_BODY
#undef BM_J_MACS
#undef BM_J_MLA
#undef BM_J_FIRST
#undef BM_J_GROUP
#undef BM_J_GROUP4
#undef BM_J_REQ
#undef BM_J_REQ_R
#undef BM_J_STORES
#undef BM_J_NEXT
#undef BM_J_GEN_BYTES
#undef BM_J_R_BYTES
#undef BM_J_TAIL_R
#undef BM_J_TAILS_R
#undef BM_J_PROLOGUE_0
#undef BM_J_PROLOGUE_1
#undef BM_J_ENTER_0
#undef BM_J_ENTER_1
#undef BM_J_FRAME_POP_0
#undef BM_J_FRAME_POP_1
#undef BM_J_LMAP_0
#undef BM_J_LMAP_1
#undef BM_J_LB_0
#undef BM_J_LB_1
#undef BM_J_T_0
#undef BM_J_T_1
#undef BM_J_O0_0
#undef BM_J_O0_1
#undef BM_J_MAP_OFF
#undef BM_J_TO_TAIL_0
#undef BM_J_TO_TAIL_1
#undef BM_J_STR
#undef BM_J_XSTR
#endif

#if defined(TSLM_DSP_ASM)
/* Full range, contiguous lhs rows (lhs_depth_stride 1, zp4 exact), cols >= 2, n4 <= BM_JUMP_MAX + 1: the
 * row pairs of one batch (i < rows - 1), each widened (widen_rows_zp) and its 2x2 blocks by
 * bm_row_pair_jump (job: the row pair's fields set here), an odd last column by mac16_1x1. A small
 * function of its own, so the loop keeps its values in registers. */
static void bm_jump_rows(const tslm_batch_matmul_params *p, const int8_t *l, const int32_t *wr, int32_t *x,
                         const bm_rq *q, int8_t *out, int32_t off2, uint32_t zp4, bm_jump_job *job)
{
    const int32_t cols = p->cols, rs = p->lhs_row_stride, depth = p->depth, n4 = (depth + 3) / 4;
    const int32_t *const wlast = wr + 2 * n4 * (cols & ~1);
    const int32_t sh = 32 - 8 * (depth & 3);
    const uint32_t zpw = (depth & 3) != 0 ? zp4 << (8 * (depth & 3)) : 0;
    for (int32_t i = 0; i + 2 <= p->rows; i += 2, l += 2 * rs, out += 2 * job->os) { /* (job->os: a register
                                                                                     * less) */
        if (depth >= 4) {
            widen_rows_fast(l, l + rs, depth, off2, sh, zpw, x, 1);
        } else {
            widen_rows_zp(l, l + rs, depth, off2, zp4, x, 1);
        }
        job->o0 = out;
        job->oend = out + (cols & ~1);
        bm_row_pair_jump(job);
        if (cols & 1) {
            out[cols - 1] = bm_out(mac16_1x1(x, 4, wlast, 2, n4), q, 1);
            out[job->os + cols - 1] = bm_out(mac16_1x1(x + 2, 4, wlast, 2, n4), q, 1);
        }
    }
}
#endif

TSLM_ALWAYS_INLINE void bm_fast_batch(const tslm_batch_matmul_params *p, const int8_t *l, const int32_t *wr,
                                      int32_t *x, const bm_rq *q, int8_t *out, const int full)
{
    const int32_t n4 = (p->depth + 3) / 4, cols = p->cols, os = p->output_row_stride;
    int32_t i = 0;
#if defined(TSLM_DSP_ASM)
    bm_jump_job job = {x,    q->m, q->rz, q->r, os, NULL, NULL, BM_JUMP_GROUP_BYTES * (BM_JUMP_MAX + 1 - n4),
                       wr BM_JOB_TAIL(q->r, 0), NULL};
#endif
    const int32_t off2 = widen_off2(p->lhs_offset, 1);
    const uint32_t zp4 = zp_bytes(p->lhs_offset);
    const int rows_zp = p->lhs_depth_stride == 1 && (zp4 != 0 || p->lhs_offset == 0);
#if defined(TSLM_DSP_ASM)
    if (full && rows_zp && cols >= 2 && n4 <= BM_JUMP_MAX + 1) {
        bm_jump_rows(p, l, wr, x, q, out, off2, zp4, &job);
        i = p->rows & ~1;
    }
#endif
    for (; i + 2 <= p->rows; i += 2) {
        const int8_t *a = l + i * p->lhs_row_stride;
        if (rows_zp) {
            widen_rows_zp(a, a + p->lhs_row_stride, p->depth, off2, zp4, x, 1);
        } else {
            widen_lhs2(p, a, a + p->lhs_row_stride, n4, x);
        }
        int8_t *o0 = out + i * os, *o1 = o0 + os;
        const int32_t *w = wr;
        int32_t j = 0;
#if defined(TSLM_DSP_ASM)
        if (full && cols >= 2 && n4 <= BM_JUMP_MAX + 1) { /* every 2x2 block, the depth unrolled */
            job.o0 = o0;
            job.oend = o0 + (cols & ~1);
            bm_row_pair_jump(&job);
            j = cols & ~1;
            w += 2 * n4 * j;
        } else if (full && cols >= 2) { /* every 2x2 block of the row pair in one loop */
            bm_row_pair(x, w, n4, q, o0, cols, os);
            j = cols & ~1;
            w += 2 * n4 * j;
        }
#endif
        for (; j + 2 <= cols; j += 2, w += 4 * n4) {
            int32_t acc[4];
            bm_mac_2x2(x, w, n4, acc);
            bm_out4(acc, q, o0 + j, o1 + j, full);
        }
        if (j < cols) { /* odd last column: 2 words per four k */
            o0[j] = bm_out(mac16_1x1(x, 4, w, 2, n4), q, full);
            o1[j] = bm_out(mac16_1x1(x + 2, 4, w, 2, n4), q, full);
        }
    }
    if (i < p->rows) { /* odd last row: 2 words per four k */
        widen_lhs2(p, l + i * p->lhs_row_stride, NULL, n4, x);
        int8_t *o0 = out + i * os;
        const int32_t *w = wr;
        int32_t j = 0;
        for (; j + 2 <= cols; j += 2, w += 4 * n4) {
            o0[j] = bm_out(mac16_1x1(x, 2, w, 4, n4), q, full);
            o0[j + 1] = bm_out(mac16_1x1(x, 2, w + 2, 4, n4), q, full);
        }
        if (j < cols) {
            o0[j] = bm_out(mac16_1x1(x, 2, w, 2, n4), q, full);
        }
    }
}

TSLM_ALWAYS_INLINE void bm_fast(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                int8_t *output, int32_t *scratch, const bm_rq *q, const int full)
{
    const int32_t n4 = (p->depth + 3) / 4;
    int32_t *x = scratch, *wr = scratch + 4 * n4;
    const int8_t *widened = NULL; /* the rhs batch now in wr */
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                const int8_t *r = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                  b2 * p->rhs_batch_strides[2];
                if (r != widened) {
                    widen_rhs(p, r, n4, wr);
                    widened = r;
                }
                bm_fast_batch(p, l, wr, x, q, output + out_at(p, b0, b1, b2), full);
            }
        }
    }
}

TSLM_ALWAYS_INLINE void run(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                            int32_t *scratch, const int32_t *rq, const int fast, const int full)
{
    const int32_t n4 = (p->depth + 3) / 4;
    int32_t *x = scratch, *wr = scratch + 4 * n4;
    const int8_t *widened = NULL; /* the rhs batch now in wr */
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                const int8_t *r = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                  b2 * p->rhs_batch_strides[2];
                if (r != widened) { /* a broadcast rhs is widened once */
                    widen_rhs(p, r, n4, wr);
                    widened = r;
                }
                one_batch(p, l, wr, x, rq, output + out_at(p, b0, b1, b2), fast, full);
            }
        }
    }
}

void tslm_dsp_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                          int32_t *scratch)
{
    if (p->shift <= -1 && p->shift >= -22 && p->depth <= 8192) {
        const int full = p->act_min == -128 && p->act_max == 127;
        bm_rq q;
        q.m = p->multiplier;
        q.r = -p->shift;
        q.rz = (int32_t)((UINT32_C(1) << (q.r - 1)) +
                         ((uint32_t)(full ? p->output_offset : p->output_offset - p->act_min) << q.r));
        q.lo = p->act_min;
        q.hi = p->act_max;
        if (full) {
            bm_fast(p, lhs, rhs, output, scratch, &q, 1);
        } else {
            bm_fast(p, lhs, rhs, output, scratch, &q, 0);
        }
        return;
    }
    /* Otherwise the fast requantization of tslm_dsp.h where it is exact (the multiplier shifts right,
     * 2 * acc cannot overflow: |acc| <= depth * 255 * 255 < 2^30), else TFLM's. */
    const int fast = p->shift <= -1 && p->depth < 16384;
    int32_t rq[4];
    if (fast) {
        rq[0] = 0;
        rq[1] = p->multiplier;
        rq[2] = -p->shift;
        rq[3] = INT32_C(1) << (-p->shift - 1);
    } else {
        rq[0] = 0;
        rq[1] = p->multiplier;
        rq[2] = p->shift;
        rq[3] = 0;
    }
    const int full = p->act_min == -128 && p->act_max == 127;
    if (fast && full) {
        run(p, lhs, rhs, output, scratch, rq, 1, 1);
    } else {
        run(p, lhs, rhs, output, scratch, rq, fast, 0);
    }
}

int32_t tslm_dsp_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    const int32_t n4 = (p->depth + 3) / 4;
    return 4 * (4 * n4 + 2 * n4 * p->cols);
}

/*
 * tslm_dsp_batch_matmul_pairs_s8: the whole-range attention shapes (what passes.dsp_batch_matmul_pairs routes
 * here: a right shift of 1..22, no clamp, lhs rows contiguous, depth 4..68, at least two columns, an rhs with
 * its depth or its columns contiguous), every output by the unrolled row-pair routine:
 * - depth % 4 of 1 or 2: a half group first (bm_row_pair_jump_h): the last two (or one) k of each line as one
 *   word (v[d-2], v[d-1]) in front of its whole groups, so depth 14 costs 3.5 groups a block, not 4 (the speed
 *   build; the size build pads the last group, as the general entry does);
 * - an odd last row paired with itself (its outputs stored twice to the same bytes: os 0);
 * - an odd last column as the pair (cols - 2, cols - 1) after the others, one block more per row pair (its
 *   first output stored again with the same value);
 * - the widening of both operands by word loads, SXTAB16 and STM, the last group from one word load ending
 *   at the line's end.
 * Everything else: tslm_dsp_batch_matmul_s8. Scratch: tslm_dsp_batch_matmul_pairs_s8_get_buffer_size.
 */
#if defined(TSLM_DSP_ASM)
#if !defined(TSLM_OPTIMIZE_SIZE)
/* (out of line: the entry's and each loop's registers allocated apart) */
#define BM_SPEED_NOINLINE __attribute__((noinline))
#define PAIRS_HALF 1
#else /* the size build: the plain layout only (bm_row_pair_jump_h and the half words left out) */
#define BM_SPEED_NOINLINE
#define PAIRS_HALF 0
#endif

TSLM_TINY_INLINE int pairs_ok(const tslm_batch_matmul_params *p)
{
    const int lzp = zp_bytes(p->lhs_offset) != 0 || p->lhs_offset == 0;
    const int rzp = zp_bytes(p->rhs_offset) != 0 || p->rhs_offset == 0;
    return p->shift <= -1 && p->shift >= -22 && p->act_min == -128 && p->act_max == 127 && p->lhs_depth_stride == 1 &&
           p->depth >= 4 && p->depth <= 68 && p->cols >= 2 && p->rows >= 1 && lzp && rzp &&
           (p->rhs_depth_stride == 1 || p->rhs_col_stride == 1);
}

/* The half group of a contiguous line ending at end, + offset (doubled with twice): (v[d-2], v[d-1]) (rem 2,
 * sh 16, zpw 0) or (v[d-1], the zero point's byte, which widens to 0) (rem 1, sh 24, zpw that byte << 16).
 * One word load ending at end; its bytes (c, d) moved to bytes 0 and 2 by one ORR. */
TSLM_TINY_INLINE int32_t half_word(const int8_t *end, int32_t sh, uint32_t zpw, int32_t off2, const int twice)
{
    uint32_t u = (uint32_t)tslm_read32(end - 4) >> sh;
    u |= (u << 8) | zpw;
    const int32_t a = tslm_sxtab16(off2, (int32_t)u);
    return twice ? tslm_sxtab16(a, (int32_t)u) : a;
}

/* Two contiguous lines a, b (len >= 4) in the pairs layout: h (len % 4 of 1 or 2): the two half words, then
 * the whole groups; else widen_rows_fast's. sh = 32 - 8 (len % 4); zph: the zero point's byte << 16 where len
 * % 4 is 1; zpw: as widen_rows_fast's. */
TSLM_ALWAYS_INLINE void pairs_widen_lines(const int8_t *a, const int8_t *b, int32_t len, int32_t off2, int32_t sh,
                                          uint32_t zpw, uint32_t zph, int32_t *dst, const int h, const int twice)
{
    if (h) {
        dst[0] = half_word(a + len, sh, zph, off2, twice);
        dst[1] = half_word(b + len, sh, zph, off2, twice);
        widen_rows_fast(a, b, len & ~3, off2, 32, 0, dst + 2, twice);
    } else {
        widen_rows_fast(a, b, len, off2, sh, zpw, dst, twice);
    }
}

/* One call's layout: where the widened operands go and how a line's last group is widened. */
typedef struct {
    int32_t depth, off2, sh; /* off2: the operand's offset pair (doubled for the lhs), sh = 32 - 8 (depth % 4) */
    uint32_t zpw, zph;        /* widen_rows_fast's zpw, half_word's for depth % 4 of 1 */
    int32_t *dst;
    int twice; /* the operand doubled (the one with fewer lines to widen: the sums are 2 acc either way) */
} pairs_lines;

static void pairs_set(pairs_lines *c, int32_t depth, int32_t offset, const int twice, int32_t *dst)
{
    const int32_t rem = depth & 3;
    const uint32_t zp4 = zp_bytes(offset);
    c->depth = depth;
    c->off2 = widen_off2(offset, twice);
    c->sh = 32 - 8 * rem;
    c->zpw = rem != 0 ? zp4 << (8 * rem) : 0;
    c->zph = rem == 1 ? (zp4 & 0xFFu) << 16 : 0;
    c->dst = dst;
    c->twice = twice;
}

/* Two contiguous lines a, b into c->dst: lhs rows or rhs columns, in the h layout or the plain one, doubled or
 * not. */
typedef void pairs_widen_fn(const int8_t *a, const int8_t *b, const pairs_lines *c);
#define PAIRS_WIDEN(NAME, H, TWICE)                                                                    \
    static void NAME(const int8_t *a, const int8_t *b, const pairs_lines *c)                           \
    {                                                                                                  \
        pairs_widen_lines(a, b, c->depth, c->off2, c->sh, c->zpw, c->zph, c->dst, H, TWICE);           \
    }
PAIRS_WIDEN(pairs_lines_h2, 1, 1)
PAIRS_WIDEN(pairs_lines_2, 0, 1)
PAIRS_WIDEN(pairs_lines_h1, 1, 0)
PAIRS_WIDEN(pairs_lines_1, 0, 0)
#undef PAIRS_WIDEN

TSLM_ALWAYS_INLINE pairs_widen_fn *pairs_widen_for(int h, const pairs_lines *c)
{
    h = h && PAIRS_HALF;
    return h ? (c->twice ? pairs_lines_h2 : pairs_lines_h1) : (c->twice ? pairs_lines_2 : pairs_lines_1);
}

/* Every pair of rhs columns of one batch in the pairs layout (pw words each), then for an odd count the pair
 * (cols - 2, cols - 1). */
BM_SPEED_NOINLINE static void pairs_widen_rhs(const tslm_batch_matmul_params *p, const int8_t *r, pairs_lines *c,
                                              int32_t pw, int h)
{
    const int32_t cs = p->rhs_col_stride, ds = p->rhs_depth_stride, depth = p->depth, cols = p->cols;
    int32_t *const dst0 = c->dst;
    h = h && PAIRS_HALF;
    if (ds == 1) {
        pairs_widen_fn *const widen = pairs_widen_for(h, c);
        for (int32_t j = 0; j < cols; j += 2, c->dst += pw) {
            const int32_t j0 = j + 2 <= cols ? j : cols - 2;
            widen(r + j0 * cs, r + (j0 + 1) * cs, c);
        }
        c->dst = dst0;
        return;
    }
    /* columns side by side (cs 1): by fours while four remain (pairs j, j + 1 and j + 2, j + 3), then by pairs */
    const uint32_t zp4 = zp_bytes(p->rhs_offset);
    const int32_t hw = h ? 2 : 0, n = depth >> 2;
    int32_t *dst = dst0;
    for (int32_t j = 0; j < cols; j += 2, dst += pw) {
        const int8_t *src = r + (j + 2 <= cols ? j : cols - 2);
        if (h) { /* the half words from two halfword loads */
            const uint32_t hi = read16(src + (depth - 1) * ds);
            const uint32_t u = (depth & 3) == 2 ? read16(src + (depth - 2) * ds) | hi << 16
                                                : hi | (zp4 & 0xFFFFu) << 16;
            widen_word((int32_t)u, c->off2, dst, c->twice);
        }
        if (j + 4 <= cols && (h || (depth & 3) == 0)) { /* this pair's whole groups and the next pair's */
#if defined(TSLM_DSP_ASM) && !defined(TSLM_OPTIMIZE_SIZE) /* (out of line: its asm's registers) */
            (c->twice ? widen_quad2 : widen_quad1)(src, n, ds, c->off2, dst + hw, dst + pw + hw);
#else
            if (c->twice) {
                widen_adjacent_quad(src, n, ds, c->off2, dst + hw, dst + pw + hw, 1);
            } else {
                widen_adjacent_quad(src, n, ds, c->off2, dst + hw, dst + pw + hw, 0);
            }
#endif
            if (h) {
                j += 2, dst += pw, src += 2;
                const uint32_t hi2 = read16(src + (depth - 1) * ds);
                const uint32_t u2 = (depth & 3) == 2 ? read16(src + (depth - 2) * ds) | hi2 << 16
                                                     : hi2 | (zp4 & 0xFFFFu) << 16;
                widen_word((int32_t)u2, c->off2, dst, c->twice);
            } else {
                j += 2, dst += pw;
            }
        } else {
            (c->twice ? widen_adjacent2 : widen_adjacent1)(src, depth - (depth & 3) * h, ds, p->rhs_offset, zp4,
                                                           dst + hw);
        }
    }
}

/* The row pairs of one batch (an odd last row paired with itself), each widened and its blocks by routine
 * (an odd last column: one call more, the pair at wodd). */
BM_SPEED_NOINLINE static void pairs_batch(const tslm_batch_matmul_params *p, const int8_t *l, int8_t *out,
                                          const pairs_lines *c, pairs_widen_fn *widen, bm_jump_job *job,
                                          void (*routine)(const bm_jump_job *), const int32_t *wodd)
{
    const int32_t rs = p->lhs_row_stride, os = p->output_row_stride, cols2 = p->cols & ~1;
    const int32_t *const wr = job->w;
    for (int32_t n = (p->rows + 1) >> 1; n > 0; --n, l += 2 * rs, out += 2 * os) {
        if (n == 1 && (p->rows & 1)) {
            widen(l, l, c);
            job->os = 0;
        } else {
            widen(l, l + rs, c);
        }
        job->o0 = out;
        job->oend = out + cols2;
        routine(job);
        if (wodd != NULL) {
            job->o0 = out + cols2 - 1;
            job->oend = out + cols2 + 1;
            job->w = wodd;
            routine(job);
            job->w = wr;
        }
    }
    job->os = os;
}
#endif

#if defined(TSLM_DSP_ASM)
/* The pairs entry's work where pairs_ok(p): map NULL, the outputs as requantized (bm_row_pair_jump, _h); else
 * each through map, its entry for 0 (table + 128; bm_row_pair_jump_lut, _h_lut). */
TSLM_ALWAYS_INLINE void pairs_run(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                  int8_t *output, int32_t *scratch, const int8_t *map)
{
    {
        const int32_t n4 = (p->depth + 3) / 4, rem = p->depth & 3;
        const int h = PAIRS_HALF && (rem == 1 || rem == 2);
        const int32_t pw = h ? 4 * n4 - 2 : 4 * n4, r = -p->shift;
        int32_t *x = scratch, *wr = scratch + 4 * n4;
        bm_jump_job job = {x,
                           p->multiplier,
                           (int32_t)((UINT32_C(1) << (r - 1)) + ((uint32_t)p->output_offset << r)),
                           r,
                           p->output_row_stride,
                           NULL,
                           NULL,
                           BM_JUMP_GROUP_BYTES * (BM_JUMP_MAX + 1 - n4),
                           wr BM_JOB_TAIL(r, h),
                           map};
#if !defined(TSLM_OPTIMIZE_SIZE)
        if (map != NULL) {
            job.tail = bm_tail(r, h, 1);
        }
#endif
        void (*const routine)(const bm_jump_job *) = map != NULL ? (h ? bm_row_pair_jump_h_lut : bm_row_pair_jump_lut)
                                                                 : (h ? bm_row_pair_jump_h : bm_row_pair_jump);
        pairs_lines cl, cr;
        const int dbl_rhs = p->cols < p->rows; /* double the operand with fewer lines */
        pairs_set(&cl, p->depth, p->lhs_offset, !dbl_rhs, x);
        pairs_set(&cr, p->depth, p->rhs_offset, dbl_rhs, wr);
        const int32_t *const wodd = (p->cols & 1) ? wr + pw * (p->cols >> 1) : NULL;
        const int8_t *widened = NULL; /* the rhs batch now in wr */
        for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
            for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
                for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                    const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                      b2 * p->lhs_batch_strides[2];
                    const int8_t *rb = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                       b2 * p->rhs_batch_strides[2];
                    if (rb != widened) { /* a broadcast rhs is widened once */
                        pairs_widen_rhs(p, rb, &cr, pw, h);
                        widened = rb;
                    }
                    pairs_batch(p, l, output + out_at(p, b0, b1, b2), &cl, pairs_widen_for(h, &cl), &job,
                                routine, wodd);
                }
            }
        }
    }
}
#endif

void tslm_dsp_batch_matmul_pairs_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                    int8_t *output, int32_t *scratch)
{
#if defined(TSLM_DSP_ASM)
    if (pairs_ok(p)) {
        pairs_run(p, lhs, rhs, output, scratch, NULL);
        return;
    }
#endif
    tslm_dsp_batch_matmul_s8(p, lhs, rhs, output, scratch);
}

/* tslm_dsp_batch_matmul_pairs_s8 with every output y stored as table[y + 128] (a MUL's 256-entry table folded
 * in by the compiler: passes.batch_matmul_output_maps): where pairs_ok, by the row-pair routines' _lut forms
 * (one LDRB an output); anything else by tslm_dsp_batch_matmul_pairs_s8, then tslm_dsp_lut_s8 over each output
 * row in place. */
void tslm_dsp_batch_matmul_pairs_lut_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                                        int8_t *output, int32_t *scratch, const int8_t table[256])
{
#if defined(TSLM_DSP_ASM)
    if (pairs_ok(p)) {
        pairs_run(p, lhs, rhs, output, scratch, table + 128);
        return;
    }
#endif
    tslm_dsp_batch_matmul_pairs_s8(p, lhs, rhs, output, scratch);
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                int8_t *o = output + out_at(p, b0, b1, b2);
                for (int32_t i = 0; i < p->rows; ++i, o += p->output_row_stride) {
                    tslm_dsp_lut_s8(p->cols, table, o, o);
                }
            }
        }
    }
}

int32_t tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    const int32_t n4 = (p->depth + 3) / 4;
    return 4 * (4 * n4 + 2 * n4 * (p->cols + (p->cols & 1)));
}

int32_t tslm_dsp_batch_matmul_pairs_lut_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    return tslm_dsp_batch_matmul_pairs_s8_get_buffer_size(p);
}
