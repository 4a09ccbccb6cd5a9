/*
 * tslm_mve_fully_connected.c - FULLY_CONNECTED (int8) with Helium: each input row against four
 * weight rows at a time, 16 MACs per VMLADAVA.S8, one load of the input serving four rows.
 * The weights are the model's own layout (output_depth x accum_depth), no copy. The compiler
 * folds input_offset * (sum of a row's weights) into the bias (input_offset 0 here); CMSIS-NN
 * computes those sums on the device before the first inference. An input offset that was not
 * folded is handled with the row sums taken on the fly (VADDVA); asymmetric weights
 * (filter_offset != 0) and the DSP records take the portable kernel.
 */
#include "tslm_mve_fully_connected.h"
#include "tslm_mve.h"

static void rows(const tslm_fully_connected_params *p, const int8_t *input, const int8_t *weights,
                 const tslm_mve_epilogue *e, int8_t *output)
{
    const tslm_mve_pixels px = {1, 1, p->batches, 0, 0, p->accum_depth};
    tslm_mve_gemm_impl(input, &px, weights, p->accum_depth, p->output_depth, e, output);
}

static void rows_offset(const tslm_fully_connected_params *p, const int8_t *input, const int8_t *weights,
                        const tslm_mve_epilogue *e, int8_t *output)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        tslm_mve_rows_impl(input + b * p->accum_depth, weights, p->accum_depth, p->output_depth, e,
                           output + b * p->output_depth, 1);
    }
}

/*
 * Two rows x0, x1 of at most 96 bytes (C = 1..6 chunks of 16) against the first `groups` full groups of four
 * features: the whole walk over the groups in one assembly loop. x0's first four chunks stay in q4..q7 for the whole
 * walk (its last chunk loaded under the predicate of the row's tail, so zeros past the row; chunks 5 and 6 are loaded
 * per group from x0 + 64, held in r11, the loop count then on the stack), x1's chunks are loaded at immediate offsets
 * (the last one under the same predicate, which stays in P0 for the whole loop), each 16 bytes of weights serve both
 * rows: 13 instructions per 128 MACs (14 past 64 bytes), no loop counter inside a group. The epilogue is
 * tslm_mve_group2_fix's requantization (bias, VQRDMULH, the sign fix-up, VRSHL), the zero point, then the clamp: for
 * the range [-128, 127] (full) a saturation to int8 as VQSHL #24 then VSHR #24 (no registers for the bounds; fix 2:
 * every shift <= -1, so the fix is -1 for every negative value, no mask; fix 0: none, for a relu), else
 * VMAX/VMIN with the bounds VDUPed from the stack. The eight sums are in the eight even registers (r0-r12, lr); the
 * zero point and the bounds ride on the stack (pushed and popped inside the assembly).
 */
#define TSLM_FC2_CHUNK(I, A)                                        \
    "vldrb.8 q1, [%[w]], #16\n\t"                                   \
    "vmladav" A ".s8 %[a0], q" #I ", q1\n\t"                        \
    "vmladav" A ".s8 %[b0], q0, q1\n\t"                             \
    "vldrb.8 q1, [%[w]], #16\n\t"                                   \
    "vmladav" A ".s8 %[a1], q" #I ", q1\n\t"                        \
    "vmladav" A ".s8 %[b1], q0, q1\n\t"                             \
    "vldrb.8 q1, [%[w]], #16\n\t"                                   \
    "vmladav" A ".s8 %[a2], q" #I ", q1\n\t"                        \
    "vmladav" A ".s8 %[b2], q0, q1\n\t"                             \
    "vldrb.8 q1, [%[w]], #16\n\t"                                   \
    "vmladav" A ".s8 %[a3], q" #I ", q1\n\t"                        \
    "vmladav" A ".s8 %[b3], q0, q1\n\t"

static inline __attribute__((always_inline)) void
fc2_short(const int8_t *x0, const int8_t *x1, int32_t len, const int8_t *w, const int32_t *rq, int32_t groups,
          int32_t zp, int32_t lo, int32_t hi, int8_t *out0, int8_t *out1, const int C, const int full, const int fix)
{
    register int32_t a0 __asm__("r0") = zp;
    register int32_t a1 __asm__("r2") = len - 16 * (C - 1); /* bytes in the last chunk: 1..16 */
    register const int8_t *a2 __asm__("r4") = x0; /* x0 until its chunks are loaded, then a sum */
    register int32_t a3 __asm__("r6") = lo;
    register int32_t b0 __asm__("r8") = hi;
    register int32_t b1 __asm__("r10");
    register int32_t b2 __asm__("r12") = groups; /* (the count when C > 4) */
    register int32_t b3 __asm__("lr");
    register const int8_t *p1 __asm__("r1") = x1;
    register int8_t *o0 __asm__("r3") = out0; /* (VSTRB.32 takes a low base register) */
    register const int8_t *pw __asm__("r5") = w;
    register int8_t *o1 __asm__("r7") = out1;
    register const int32_t *pr __asm__("r9") = rq;
    register int32_t n __asm__("r11") = groups;
    __asm__ volatile("push {r0, r6, r8, r12}\n\t" /* [sp]: zp, [sp, #4]: lo, [sp, #8]: hi, [sp, #12]: groups */
                     "vctp.8 r2\n\t"
                     ".if %c[C] == 1\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q4, [%[a2]]\n\t"
                     ".elseif %c[C] == 2\n\t"
                     "vldrb.8 q4, [%[a2]]\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q5, [%[a2], #16]\n\t"
                     ".elseif %c[C] == 3\n\t"
                     "vldrb.8 q4, [%[a2]]\n\t"
                     "vldrb.8 q5, [%[a2], #16]\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q6, [%[a2], #32]\n\t"
                     ".else\n\t"
                     "vldrb.8 q4, [%[a2]]\n\t"
                     "vldrb.8 q5, [%[a2], #16]\n\t"
                     "vldrb.8 q6, [%[a2], #32]\n\t"
                     ".if %c[C] == 4\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q7, [%[a2], #48]\n\t"
                     ".else\n\t" /* the chunks past 64 bytes are loaded per group from x0 + 64 (in r11) */
                     "vldrb.8 q7, [%[a2], #48]\n\t"
                     "add %[n], %[a2], #64\n\t"
                     ".endif\n\t"
                     ".endif\n"
                     "1:\n\t"
                     ".if %c[C] == 1\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q0, [%[x1]]\n\t"
                     ".else\n\t"
                     "vldrb.8 q0, [%[x1]]\n\t"
                     ".endif\n\t"
                     TSLM_FC2_CHUNK(4, "")
                     ".if %c[C] >= 2\n\t"
                     ".if %c[C] == 2\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q0, [%[x1], #16]\n\t"
                     ".else\n\t"
                     "vldrb.8 q0, [%[x1], #16]\n\t"
                     ".endif\n\t"
                     TSLM_FC2_CHUNK(5, "a")
                     ".endif\n\t"
                     ".if %c[C] >= 3\n\t"
                     ".if %c[C] == 3\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q0, [%[x1], #32]\n\t"
                     ".else\n\t"
                     "vldrb.8 q0, [%[x1], #32]\n\t"
                     ".endif\n\t"
                     TSLM_FC2_CHUNK(6, "a")
                     ".endif\n\t"
                     ".if %c[C] >= 4\n\t"
                     ".if %c[C] == 4\n\t"
                     "vpst\n\t"
                     "vldrbt.8 q0, [%[x1], #48]\n\t"
                     ".else\n\t"
                     "vldrb.8 q0, [%[x1], #48]\n\t"
                     ".endif\n\t"
                     TSLM_FC2_CHUNK(7, "a")
                     ".endif\n\t"
                     ".if %c[C] >= 5\n\t"
                     ".if %c[C] == 5\n\t"
                     "vpstt\n\t"
                     "vldrbt.8 q2, [%[n]]\n\t"
                     "vldrbt.8 q0, [%[x1], #64]\n\t"
                     ".else\n\t"
                     "vldrb.8 q2, [%[n]]\n\t"
                     "vldrb.8 q0, [%[x1], #64]\n\t"
                     ".endif\n\t"
                     TSLM_FC2_CHUNK(2, "a")
                     ".endif\n\t"
                     ".if %c[C] >= 6\n\t"
                     "vpstt\n\t"
                     "vldrbt.8 q2, [%[n], #16]\n\t"
                     "vldrbt.8 q0, [%[x1], #80]\n\t"
                     TSLM_FC2_CHUNK(2, "a")
                     ".endif\n\t"
                     "vmov q2[2], q2[0], %[a0], %[a2]\n\t"
                     "vmov q2[3], q2[1], %[a1], %[a3]\n\t"
                     "vmov q3[2], q3[0], %[b0], %[b2]\n\t"
                     "vmov q3[3], q3[1], %[b1], %[b3]\n\t"
                     "vldrw.32 q0, [%[rq]], #16\n\t" /* bias */
                     "vadd.i32 q2, q2, q0\n\t"
                     "vadd.i32 q3, q3, q0\n\t"
                     "vldrw.32 q0, [%[rq]], #16\n\t" /* multipliers */
                     "vqrdmulh.s32 q2, q2, q0\n\t"
                     "vqrdmulh.s32 q3, q3, q0\n\t"
                     "vldrw.32 q1, [%[rq]], #16\n\t" /* right shifts (<= 0) */
                     ".if %c[fix] == 1\n\t"
                     "vand q0, q2, q1\n\t"
                     "vshr.s32 q0, q0, #31\n\t"
                     "vqadd.s32 q2, q2, q0\n\t"
                     "vand q0, q3, q1\n\t"
                     "vshr.s32 q0, q0, #31\n\t"
                     "vqadd.s32 q3, q3, q0\n\t"
                     ".elseif %c[fix] == 2\n\t" /* every shift <= -1: the fix is -1 for every negative value */
                     "vshr.s32 q0, q2, #31\n\t"
                     "vqadd.s32 q2, q2, q0\n\t"
                     "vshr.s32 q0, q3, #31\n\t"
                     "vqadd.s32 q3, q3, q0\n\t"
                     ".endif\n\t"
                     "vrshl.s32 q2, q2, q1\n\t"
                     "vrshl.s32 q3, q3, q1\n\t"
                     ".if %c[full]\n\t"
                     "ldr %[a0], [sp]\n\t"
                     "vadd.i32 q2, q2, %[a0]\n\t"
                     "vadd.i32 q3, q3, %[a0]\n\t"
                     "vqshl.s32 q2, q2, #24\n\t" /* saturated to [-128, 127] */
                     "vqshl.s32 q3, q3, #24\n\t"
                     "vshr.s32 q2, q2, #24\n\t"
                     "vshr.s32 q3, q3, #24\n\t"
                     ".else\n\t"
                     "ldrd %[a0], %[a1], [sp]\n\t"
                     "vadd.i32 q2, q2, %[a0]\n\t"
                     "vadd.i32 q3, q3, %[a0]\n\t"
                     "vdup.32 q0, %[a1]\n\t"
                     "ldr %[a0], [sp, #8]\n\t"
                     "vmax.s32 q2, q2, q0\n\t"
                     "vmax.s32 q3, q3, q0\n\t"
                     "vdup.32 q0, %[a0]\n\t"
                     "vmin.s32 q2, q2, q0\n\t"
                     "vmin.s32 q3, q3, q0\n\t"
                     ".endif\n\t"
                     "vstrb.32 q2, [%[o0]], #4\n\t"
                     "vstrb.32 q3, [%[o1]], #4\n\t"
                     ".if %c[C] > 4\n\t" /* the count on the stack (r11 holds x0 + 64) */
                     "ldr %[a1], [sp, #12]\n\t"
                     "subs %[a1], %[a1], #1\n\t"
                     "str %[a1], [sp, #12]\n\t"
                     ".else\n\t"
                     "subs %[n], %[n], #1\n\t"
                     ".endif\n\t"
                     "bne 1b\n\t"
                     "add sp, sp, #16"
                     : [x1] "+r"(p1), [n] "+r"(n), [w] "+r"(pw), [rq] "+r"(pr), [o0] "+r"(o0), [o1] "+r"(o1),
                       [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "=r"(b1),
                       [b2] "+r"(b2), [b3] "=r"(b3)
                     : [C] "i"(C), [full] "i"(full), [fix] "i"(fix)
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "memory", "cc", "p0");
}
#undef TSLM_FC2_CHUNK

/* One row against n_out features of the layout (weights and records from w, rq) by the general entry. */
static __attribute__((noinline)) void one_row(const tslm_fully_connected_params *p, const int8_t *x, const int8_t *w,
                                              const int32_t *rq, int32_t n_out, int8_t *out)
{
    tslm_fully_connected_params q = *p;
    q.batches = 1, q.output_depth = n_out, q.requant = rq;
    tslm_mve_fully_connected_s8(&q, x, w, NULL, out, NULL);
}

/* In place: rows x0, x1 (d bytes each) copied to copy, copy + d (kept out of the pair loop, whose registers the
 * assembly takes). */
static __attribute__((noinline)) const int8_t *copy_pair(int8_t *copy, const int8_t *x0, const int8_t *x1, int32_t d)
{
    tslm_mve_copy(copy, x0, d);
    tslm_mve_copy(copy + d, x1, d);
    return copy;
}

/* The last 1-3 features of a pair's rows x0, x1: the general entry, one row at a time. */
static __attribute__((noinline)) void pair_tail(const tslm_fully_connected_params *p, const int8_t *x0,
                                                const int8_t *x1, const int8_t *weights, int32_t groups, int8_t *o0)
{
    const int32_t od = p->output_depth, chunks = (p->accum_depth + 15) / 16;
    const int8_t *w_part = weights + groups * 64 * chunks;
    const int32_t *rq_part = p->requant + groups * 12;
    one_row(p, x0, w_part, rq_part, od - groups * 4, o0 + groups * 4);
    one_row(p, x1, w_part, rq_part, od - groups * 4, o0 + od + groups * 4);
}

/* Every pair of rows through fc2_short with one form (C, full, fix): the loop inside the form, so no dispatch per
 * pair. Row b is input + b * xs; copy: NULL, or where each pair's rows are copied first. */
static inline __attribute__((always_inline)) void pairs(const tslm_fully_connected_params *p, const int8_t *input,
                                                        int32_t xs, const int8_t *weights, int8_t *output,
                                                        int8_t *copy, int32_t groups, const int C, const int full,
                                                        const int fix)
{
    const int32_t d = p->accum_depth, od = p->output_depth;
    const int8_t *x = input;
    int8_t *o = output;
    for (int32_t n = p->batches >> 1; n > 0; --n, x += 2 * xs, o += 2 * od) {
        const int8_t *x0 = x, *x1 = x + xs;
        if (copy != NULL) {
            x0 = copy_pair(copy, x0, x1, d), x1 = copy + d;
        }
        fc2_short(x0, x1, d, weights, p->requant, groups, p->output_offset, p->act_min, p->act_max, o, o + od, C,
                  full, fix);
        if (od > groups * 4) {
            pair_tail(p, x0, x1, weights, groups, o);
        }
    }
}

/* An odd last row (row b of input, rows xs apart): the general entry, through copy when set. */
static __attribute__((noinline)) void last_row(const tslm_fully_connected_params *p, const int8_t *input, int32_t xs,
                                               const int8_t *weights, int8_t *output, int8_t *copy)
{
    const int32_t b = p->batches & ~1;
    const int8_t *x = input + b * xs;
    if (copy != NULL) {
        tslm_mve_copy(copy, x, p->accum_depth);
        x = copy;
    }
    one_row(p, x, weights, p->requant, p->output_depth, output + b * p->output_depth);
}

#if defined(TSLM_OPTIMIZE_SIZE)
/* The size build: the clamp by VMAX/VMIN and the rounding fix always, one loop over the pairs around the six forms
 * (a loop inside each form: 906 B more for 0.2% fewer instructions on the anomaly transformer). chunks a constant
 * (a form entry): that form only. */
static inline __attribute__((always_inline)) void size_pairs(const tslm_fully_connected_params *p,
                                                             const int8_t *input, int32_t xs, const int8_t *weights,
                                                             int8_t *output, int8_t *copy, int32_t chunks)
{
    const int32_t d = p->accum_depth, od = p->output_depth, groups = od / 4;
    const int8_t *xr = input;
    int8_t *orow = output;
    for (int32_t n = p->batches >> 1; n > 0; --n, xr += 2 * xs, orow += 2 * od) {
        const int8_t *x0 = xr, *x1 = xr + xs;
        if (copy != NULL) {
            x0 = copy_pair(copy, x0, x1, d), x1 = copy + d;
        }
#define TSLM_FC2(C)                                                                                               \
    fc2_short(x0, x1, d, weights, p->requant, groups, p->output_offset, p->act_min, p->act_max, orow, orow + od, C, \
              0, 1)
        switch (chunks) {
        case 1: TSLM_FC2(1); break;
        case 2: TSLM_FC2(2); break;
        case 3: TSLM_FC2(3); break;
        case 4: TSLM_FC2(4); break;
        case 5: TSLM_FC2(5); break;
        default: TSLM_FC2(6); break;
        }
#undef TSLM_FC2
        if (od > groups * 4) {
            pair_tail(p, x0, x1, weights, groups, orow);
        }
    }
}
#endif

/* Rows two at a time through fc2_short (accum_depth <= 96, at least one full group): the last partial group of each
 * pair and an odd last row by the general entry. Row b is input + b * xs (xs = accum_depth for FULLY_CONNECTED;
 * a convolution's pixels may overlap or leave gaps). copy: NULL, or 2 * accum_depth bytes where each pair's rows
 * are copied first (in place: the outputs overwrite the rows while they are read). The form picked at run time
 * (every form linked); the size build has only the VMAX/VMIN clamp with the rounding fix. */
static __attribute__((noinline)) void rows_records_short(const tslm_fully_connected_params *p, const int8_t *input,
                                                         int32_t xs, const int8_t *weights, int8_t *output,
                                                         int8_t *copy)
{
    const int32_t chunks = (p->accum_depth + 15) / 16;
#if defined(TSLM_OPTIMIZE_SIZE)
    size_pairs(p, input, xs, weights, output, copy, chunks);
#else
    const int32_t groups = p->output_depth / 4;
    /* 2: a relu (act_min >= the zero point): no rounding fix (every negative value ends at act_min either way);
     * 1: no activation and every shift <= -1: the clamp a saturation, the fix without the mask; 0: VMAX/VMIN and
     * the fix (helium_layout.fc_pairs_form makes the same choice at compile time) */
    int mode = p->act_min >= p->output_offset ? 2 : 0;
    if (mode == 0 && p->act_min == -128 && p->act_max == 127) {
        int32x4_t top = vdupq_n_s32(INT32_MIN);
        for (int32_t g = 0; g < groups; ++g) {
            top = vmaxq_s32(top, vldrwq_s32(p->requant + 12 * g + 8));
        }
        mode = vmaxvq_s32(INT32_MIN, top) <= -1 ? 1 : 0;
    }
#define TSLM_FC2(C, FULL, FIX) pairs(p, input, xs, weights, output, copy, groups, C, FULL, FIX)
    switch (chunks + 8 * mode) { /* (past 64 bytes: no relu variant, the general clamp and fix) */
    case 1: TSLM_FC2(1, 0, 1); break;
    case 2: TSLM_FC2(2, 0, 1); break;
    case 3: TSLM_FC2(3, 0, 1); break;
    case 4: TSLM_FC2(4, 0, 1); break;
    case 5: case 21: TSLM_FC2(5, 0, 1); break;
    case 6: case 22: TSLM_FC2(6, 0, 1); break;
    case 9: TSLM_FC2(1, 1, 2); break;
    case 10: TSLM_FC2(2, 1, 2); break;
    case 11: TSLM_FC2(3, 1, 2); break;
    case 12: TSLM_FC2(4, 1, 2); break;
    case 13: TSLM_FC2(5, 1, 2); break;
    case 14: TSLM_FC2(6, 1, 2); break;
    case 17: TSLM_FC2(1, 0, 0); break;
    case 18: TSLM_FC2(2, 0, 0); break;
    case 19: TSLM_FC2(3, 0, 0); break;
    default: TSLM_FC2(4, 0, 0); break;
    }
#undef TSLM_FC2
#endif
    if (p->batches & 1) { /* an odd last row: the general entry */
        last_row(p, input, xs, weights, output, copy);
    }
}

/* The compiler's layout (tslm_mve.h): weights in groups of four features, records with the bias. */
static void rows_records(const tslm_fully_connected_params *p, const int8_t *input, const int8_t *weights,
                         int8_t *output)
{
    const tslm_mve_clamp c = {vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max), p->output_offset};
    const int32_t d = p->accum_depth, od = p->output_depth;
    int32_t b = 0;
    for (; b + 2 <= p->batches; b += 2) { /* two rows at a time: each weight load serves both */
        tslm_mve_row2_groups(input + b * d, input + (b + 1) * d, d, weights, p->requant, od, &c, output + b * od,
                             output + (b + 1) * od);
    }
    if (b < p->batches) {
        tslm_mve_row_groups(input + b * d, d, weights, p->requant, od, &c, output + b * od);
    }
}

void tslm_mve_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->requant != NULL) {
        rows_records(p, input, weights, output);
        return;
    }
    if (p->filter_offset != 0) {
        tslm_fully_connected_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    const tslm_mve_epilogue e = {bias, p->multiplier, p->shift, p->per_channel,
                                 tslm_mve_right_only(p->shift, p->per_channel ? p->output_depth : 1),
                                 p->input_offset, p->output_offset, p->act_min, p->act_max};
    if (p->input_offset == 0) {
        rows(p, input, weights, &e, output);
    } else {
        rows_offset(p, input, weights, &e, output);
    }
}

int32_t tslm_mve_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    (void)p;
    return 0;
}

void tslm_mve_fully_connected_pairs_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->requant == NULL || p->accum_depth > 96 || p->output_depth < 4 || p->batches < 2) {
        tslm_mve_fully_connected_s8(p, input, weights, bias, output, scratch); /* (the compiler routes none here) */
        return;
    }
    rows_records_short(p, input, p->accum_depth, weights, output, NULL);
}

/* Rows at a stride one at a time by the general entry (each through copy when set). */
static __attribute__((noinline)) void rows_one_by_one(const tslm_fully_connected_params *p, const int8_t *input,
                                                      int32_t row_stride, const int8_t *weights, int8_t *output,
                                                      int8_t *copy)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * row_stride;
        if (copy != NULL) {
            tslm_mve_copy(copy, x, p->accum_depth);
            x = copy;
        }
        one_row(p, x, weights, p->requant, p->output_depth, output + b * p->output_depth);
    }
}

void tslm_mve_fully_connected_pairs_rows_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                            int32_t row_stride, const int8_t *weights, int8_t *output, int8_t *copy)
{
    if (p->requant != NULL && p->accum_depth <= 96 && p->output_depth >= 4 && p->batches >= 2) {
        rows_records_short(p, input, row_stride, weights, output, copy);
        return;
    }
    rows_one_by_one(p, input, row_stride, weights, output, copy);
}

/* One form (C chunks, full, fix) of the two-row path: that form only (the size build: its VMAX/VMIN form of C
 * chunks), the pair loop and an odd last row; rows the form cannot take (checked: the layout, two rows, four
 * outputs, C = the depth's chunks, the activation range the form's clamp needs; not checked: the shifts of a
 * saturating form) go one at a time by the general entry. */
static inline __attribute__((always_inline)) int form_takes(const tslm_fully_connected_params *p, const int C,
                                                            const int full, const int fix)
{
    return p->requant != NULL && p->output_depth >= 4 && p->batches >= 2 && (p->accum_depth + 15) / 16 == C &&
           (!full || (p->act_min == -128 && p->act_max == 127)) && (fix != 0 || p->act_min >= p->output_offset);
}

static inline __attribute__((always_inline)) void form_rows(const tslm_fully_connected_params *p,
                                                            const int8_t *input, int32_t xs, const int8_t *weights,
                                                            int8_t *output, int8_t *copy, const int C, const int full,
                                                            const int fix)
{
#if defined(TSLM_OPTIMIZE_SIZE)
    (void)full, (void)fix;
    size_pairs(p, input, xs, weights, output, copy, C);
#else
    pairs(p, input, xs, weights, output, copy, p->output_depth / 4, C, full, fix);
#endif
    if (p->batches & 1) {
        last_row(p, input, xs, weights, output, copy);
    }
}

#define TSLM_FC_PAIRS_FORM(F, C, FULL, FIX)                                                                               void tslm_mve_fully_connected_pairs_s8_##F(const tslm_fully_connected_params *p, const int8_t *input,                                                           const int8_t *weights, const int32_t *bias, int8_t *output,                                                          int16_t *scratch)                                                         {                                                                                                                        if (!form_takes(p, C, FULL, FIX)) {                                                                                      tslm_mve_fully_connected_s8(p, input, weights, bias, output, scratch);                                                return;                                                                                                          }                                                                                                                    form_rows(p, input, p->accum_depth, weights, output, NULL, C, FULL, FIX);                                        }                                                                                                                    void tslm_mve_fully_connected_pairs_rows_s8_##F(const tslm_fully_connected_params *p, const int8_t *input,                                                           int32_t row_stride, const int8_t *weights, int8_t *output,                                                           int8_t *copy)                                                        {                                                                                                                        if (!form_takes(p, C, FULL, FIX)) {                                                                                      rows_one_by_one(p, input, row_stride, weights, output, copy);                                                        return;                                                                                                          }                                                                                                                    form_rows(p, input, row_stride, weights, output, copy, C, FULL, FIX);                                            }
TSLM_FC_PAIRS_FORM(g1, 1, 0, 1)
TSLM_FC_PAIRS_FORM(g2, 2, 0, 1)
TSLM_FC_PAIRS_FORM(g3, 3, 0, 1)
TSLM_FC_PAIRS_FORM(g4, 4, 0, 1)
TSLM_FC_PAIRS_FORM(g5, 5, 0, 1)
TSLM_FC_PAIRS_FORM(g6, 6, 0, 1)
#if defined(TSLM_OPTIMIZE_SIZE)
/* the size build has the g forms only: the s and r entries call the g entry of their depth (one copy when a model
 * names both: the KWS transformer's s4 and r4) */
#define TSLM_FC_PAIRS_ALIAS(F, G)                                                                                     \
    void tslm_mve_fully_connected_pairs_s8_##F(const tslm_fully_connected_params *p, const int8_t *input,            \
                                               const int8_t *weights, const int32_t *bias, int8_t *output,           \
                                               int16_t *scratch)                                                     \
    {                                                                                                                \
        tslm_mve_fully_connected_pairs_s8_##G(p, input, weights, bias, output, scratch);                             \
    }                                                                                                                \
    void tslm_mve_fully_connected_pairs_rows_s8_##F(const tslm_fully_connected_params *p, const int8_t *input,       \
                                                    int32_t row_stride, const int8_t *weights, int8_t *output,       \
                                                    int8_t *copy)                                                    \
    {                                                                                                                \
        tslm_mve_fully_connected_pairs_rows_s8_##G(p, input, row_stride, weights, output, copy);                     \
    }
TSLM_FC_PAIRS_ALIAS(s1, g1)
TSLM_FC_PAIRS_ALIAS(s2, g2)
TSLM_FC_PAIRS_ALIAS(s3, g3)
TSLM_FC_PAIRS_ALIAS(s4, g4)
TSLM_FC_PAIRS_ALIAS(s5, g5)
TSLM_FC_PAIRS_ALIAS(s6, g6)
TSLM_FC_PAIRS_ALIAS(r1, g1)
TSLM_FC_PAIRS_ALIAS(r2, g2)
TSLM_FC_PAIRS_ALIAS(r3, g3)
TSLM_FC_PAIRS_ALIAS(r4, g4)
#undef TSLM_FC_PAIRS_ALIAS
#else
TSLM_FC_PAIRS_FORM(s1, 1, 1, 2)
TSLM_FC_PAIRS_FORM(s2, 2, 1, 2)
TSLM_FC_PAIRS_FORM(s3, 3, 1, 2)
TSLM_FC_PAIRS_FORM(s4, 4, 1, 2)
TSLM_FC_PAIRS_FORM(s5, 5, 1, 2)
TSLM_FC_PAIRS_FORM(s6, 6, 1, 2)
TSLM_FC_PAIRS_FORM(r1, 1, 0, 0)
TSLM_FC_PAIRS_FORM(r2, 2, 0, 0)
TSLM_FC_PAIRS_FORM(r3, 3, 0, 0)
TSLM_FC_PAIRS_FORM(r4, 4, 0, 0)
#endif
#undef TSLM_FC_PAIRS_FORM

int32_t tslm_mve_fully_connected_pairs_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    (void)p;
    return 0;
}
