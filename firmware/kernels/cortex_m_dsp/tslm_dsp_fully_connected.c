/*
 * tslm_fully_connected.c - FULLY_CONNECTED (int8) for the Cortex-M DSP extension.
 *
 * With constant symmetric weights the compiler folds the input offset into
 * the bias and hands over per-feature requantization records (requant) and
 * the weights with each pair of output features interleaved by fours
 * (tslm_dsp.h). Rows of the input are widened to int16 once, two at a time,
 * and every weight load then serves two rows: 2 rows x 2 features per block,
 * eight SMLADs per four k. Anything else (non-constant weights) takes TFLM's
 * loop as it is.
 * Rows longer than depth_chunk are widened a chunk at a time, so the scratch
 * stays small whatever the depth.
 * scratch: 16 bytes per four input features of a chunk (two widened rows), 8 for a
 * single row; chunked, + 8 bytes per output feature (the sums of two rows).
 */
#include "tslm_dsp_fully_connected.h"
#include "tslm_dsp.h"

/* Rows longer than depth_chunk: widened a chunk at a time, the sums kept in scratch
 * (after the widened chunk) until the last chunk. */
TSLM_ALWAYS_INLINE void chunked(const tslm_fully_connected_params *p, const int8_t *input, const int32_t *weights,
                                int8_t *output, int32_t *x, const int fast, const int full)
{
    const int32_t depth = p->accum_depth, n4 = (depth + 3) / 4, od = p->output_depth;
    const int32_t chunk = p->depth_chunk;
    for (int32_t b = 0; b < p->batches; b += 2) {
        const int two = b + 1 < p->batches;
        int32_t *acc = x + (two ? 4 : 2) * (chunk / 4); /* acc[2 * o + row] */
        for (int32_t i = 0; i < 2 * od; ++i) {
            acc[i] = 0;
        }
        for (int32_t k0 = 0; k0 < depth; k0 += chunk) {
            const int32_t len = depth - k0 < chunk ? depth - k0 : chunk, n = (len + 3) / 4;
            const int8_t *row0 = input + b * depth + k0;
            if (two) {
                tslm_dsp_widen2(row0, row0 + depth, len, x);
            } else {
                tslm_dsp_widen1(row0, len, x);
            }
            int32_t o = 0;
            for (; o + 2 <= od; o += 2) {
                const int32_t *w = weights + o * n4 + 2 * (k0 / 4);
                int32_t *a = acc + 2 * o;
                if (two) {
                    tslm_dsp_mac_2x2(w, x, n, &a[0], &a[2], &a[1], &a[3]);
                } else {
                    tslm_dsp_mac_1x2(w, x, n, &a[0], &a[2]);
                }
            }
            if (o < od) {
                const int32_t *w = weights + o * n4 + k0 / 4;
                int32_t *a = acc + 2 * o;
                if (two) {
                    tslm_dsp_mac_2x1(w, x, n, &a[0], &a[1]);
                } else {
                    a[0] += tslm_dsp_mac_1x1(w, x, n);
                }
            }
        }
        for (int32_t o = 0; o < od; ++o) {
            int8_t o1;
            tslm_dsp_out2(acc[2 * o], acc[2 * o + 1], p->requant + 4 * o, p->output_offset, p->act_min, p->act_max,
                          fast, full, &output[b * od + o], two ? &output[(b + 1) * od + o] : &o1);
        }
    }
}

TSLM_ALWAYS_INLINE void rows(const tslm_fully_connected_params *p, const int8_t *input, const int32_t *weights,
                             int8_t *output, int32_t *x, const int fast, const int full)
{
    const int32_t depth = p->accum_depth, n4 = (depth + 3) / 4, od = p->output_depth;
    if (p->depth_chunk < depth) {
        chunked(p, input, weights, output, x, fast, full);
        return;
    }
    int32_t b = 0;
    for (; b + 2 <= p->batches; b += 2) {
        tslm_dsp_widen2(input + b * depth, input + (b + 1) * depth, depth, x);
        tslm_dsp_gemm_rows(x, weights, p->requant, n4, od, output + b * od, output + (b + 1) * od,
                           p->output_offset, p->act_min, p->act_max, fast, full);
    }
    if (b < p->batches) {
        tslm_dsp_widen1(input + b * depth, depth, x);
        tslm_dsp_gemm_rows(x, weights, p->requant, n4, od, output + b * od, NULL, p->output_offset, p->act_min,
                           p->act_max, fast, full);
    }
}

/* Offset pairs (requant_fast == 2, tslm_dsp.h): two rows widened, then each pair of features a 2x2
 * block of two SMLAD per four MACs and one SXTB16 per weight word; a last row alone takes four
 * features at a time. The compiler gives this layout only to depths of one chunk. */
TSLM_ALWAYS_INLINE void rows_offset_pairs(const tslm_fully_connected_params *p, const int8_t *input,
                                          const int32_t *weights, int8_t *output, int32_t *x, const int full)
{
    const int32_t depth = p->accum_depth, n4 = (depth + 3) / 4, od = p->output_depth;
    int32_t b = 0;
#if defined(TSLM_DSP_OP_QUADS)
    /* the assembly's job set up once for every pair of rows; the channels past its fours in C */
    tslm_dsp_op_job job;
    const int32_t fours = p->batches > 1 ? tslm_dsp_op_job_init(&job, x, weights, p->requant, n4, od, p->act_min,
                                                                p->act_max, full, 1, od)
                                         : 0;
    if (fours > 0 && fours == od && (depth & 3) == 0) { /* every pair of rows in the assembly, widening too */
        job.in = input, job.pairs = p->batches / 2;
        tslm_dsp_op_job_run(&job, output);
        b = p->batches & ~1;
    }
#else
    const int32_t fours = 0;
#endif
    for (; b + 2 <= p->batches; b += 2) {
        int8_t *const o0 = output + b * od;
        tslm_dsp_op_widen2(input + b * depth, input + (b + 1) * depth, depth, x);
#if defined(TSLM_DSP_OP_QUADS)
        if (fours > 0) {
            tslm_dsp_op_job_run(&job, o0);
        }
#endif
        if (fours < od) {
            /* (the job's conditions hold for od - fours channels as for od: no four of them in the assembly) */
            tslm_dsp_op_gemm_rows_(x, weights + fours * n4, p->requant + 4 * fours, n4, od - fours, o0 + fours,
                                   o0 + od + fours, p->act_min, p->act_max, full, 1);
        }
    }
    if (b < p->batches) {
        tslm_dsp_op_widen1(input + b * depth, depth, x);
        tslm_dsp_op_gemm_rows(x, weights, p->requant, n4, od, output + b * od, NULL, p->act_min, p->act_max, full);
    }
}

/*
 * One row read as it is (raw_row: offset pairs, batches == 1, depth a multiple of 8, few output channels or
 * more than one chunk): no widened copy, no scratch; each group of four inputs is widened by two SXTB16 in
 * registers where it is used. Rows of more than one chunk (depth_chunk < accum_depth): s1 - s2 = 256 A is
 * exact only while |A| < 2^23, so A is taken out of s1 - s2 after every chunk (A += (s1 - s2) >> 8, then
 * s1 = s2) into a 32-bit sum; the compiler sizes the chunks so that this holds (dsp_offset_pairs.py). The
 * chunks: the first n4 - (nch - 1) L groups, then nch - 1 of L (L = depth_chunk / 4, a multiple of 16 when
 * nch > 1). Must match fc_raw_row in tinyslm/compiler/dsp_layout.py.
 */
#define TSLM_DSP_FC_RAW_OD 16 /* up to three fours of channels: the widening of the row would cost more */
TSLM_ALWAYS_INLINE int raw_row(const tslm_fully_connected_params *p)
{
    return p->batches == 1 && (p->accum_depth & 7) == 0 &&
           (p->output_depth < TSLM_DSP_FC_RAW_OD || p->depth_chunk < p->accum_depth);
}

/* One pair's v = 2 (acc + bias) of both channels over the row, its words `stride` apart per group. */
__attribute__((noinline)) static void raw_pair(const int8_t *x, const int32_t *w, int32_t stride,
                                               const int32_t *rq, int32_t n4, int32_t first, int32_t len,
                                               int32_t *va, int32_t *vb)
{
    int32_t s1 = rq[0], s2 = rq[1], a = 0;
    for (int32_t g = 0, end = first;; end += len) {
        for (; g < end; ++g, w += stride) {
            const int32_t v = tslm_read32(x + 4 * g), xa = tslm_sxtb16(v), xb = tslm_sxtb16_ror8(v);
            s1 = tslm_smlad(w[1], xb, tslm_smlad(w[0], xa, s1));
            s2 = tslm_smlad(tslm_sxtb16(w[1]), xb, tslm_smlad(tslm_sxtb16(w[0]), xa, s2));
        }
        a += (int32_t)((uint32_t)s1 - (uint32_t)s2) >> 8; /* exact: |A| of a chunk < 2^23 */
        s1 = s2;
        if (g == n4) {
            break;
        }
    }
    *va = (int32_t)((uint32_t)a << 1);
    *vb = tslm_dsp_op_second(s2);
}

#if !defined(TSLM_DSP_OP_QUADS)
/* n groups of a stored four (its two pairs: s1, s2 of pair 0, of pair 1 in s), the row's words widened once for
 * both; a function of its own so that the sums stay in registers. */
__attribute__((noinline)) static void raw_groups4(const int8_t *x, const int32_t *w, int32_t n, int32_t *s)
{
    int32_t s1 = s[0], s2 = s[1], t1 = s[2], t2 = s[3];
    for (const int8_t *end = x + 4 * n; x < end; x += 4, w += 4) {
        const int32_t u = tslm_read32(x), xa = tslm_sxtb16(u), xb = tslm_sxtb16_ror8(u);
        s1 = tslm_smlad(w[1], xb, tslm_smlad(w[0], xa, s1));
        s2 = tslm_smlad(tslm_sxtb16(w[1]), xb, tslm_smlad(tslm_sxtb16(w[0]), xa, s2));
        t1 = tslm_smlad(w[3], xb, tslm_smlad(w[2], xa, t1));
        t2 = tslm_smlad(tslm_sxtb16(w[3]), xb, tslm_smlad(tslm_sxtb16(w[2]), xa, t2));
    }
    s[0] = s1, s[1] = s2, s[2] = t1, s[3] = t2;
}

/* A stored four over the row in its chunks (A taken out after each, as raw_pair): v = 2 (acc + bias) of its
 * four channels in order. */
__attribute__((noinline)) static void raw_four(const int8_t *x, const int32_t *w, const int32_t *rq, int32_t n4,
                                               int32_t first, int32_t len, int32_t *v)
{
    int32_t s[4] = {rq[0], rq[1], rq[8], rq[9]}, a = 0, b = 0;
    for (int32_t g = 0, n = first;; n = len) {
        raw_groups4(x + 4 * g, w + 4 * g, n, s);
        g += n;
        a += (int32_t)((uint32_t)s[0] - (uint32_t)s[1]) >> 8;
        b += (int32_t)((uint32_t)s[2] - (uint32_t)s[3]) >> 8;
        s[0] = s[1], s[2] = s[3];
        if (g == n4) {
            break;
        }
    }
    v[0] = (int32_t)((uint32_t)a << 1), v[1] = tslm_dsp_op_second(s[1]);
    v[2] = (int32_t)((uint32_t)b << 1), v[3] = tslm_dsp_op_second(s[3]);
}
#endif

/* tslm_dsp_op_out1 called, not inlined (a rare remainder). */
__attribute__((noinline)) static int8_t raw_out(int32_t v, const int32_t *rq, int32_t lo, int32_t hi)
{
    return lo == -128 && hi == 127 ? tslm_dsp_op_out1(v, rq, lo, hi, 1) : tslm_dsp_op_out1(v, rq, lo, hi, 0);
}

/* The channels from c (a multiple of four) on of one raw row, in C: the stored fours (in the speed build only
 * those clamped below 127), a pair alone, a single row. */
__attribute__((noinline)) static void raw_row_c(const tslm_fully_connected_params *p, const int8_t *x,
                                                const int32_t *w, const int32_t *rq, int8_t *out, int32_t c,
                                                int32_t first)
{
    const int32_t n4 = p->accum_depth >> 2, od = p->output_depth, len = p->depth_chunk >> 2;
    const int32_t lo = p->act_min, hi = p->act_max, fours = od & ~3;
    int32_t v[4];
#if defined(TSLM_DSP_OP_QUADS) /* fours clamped below 127 only: by pairs, the code of the pair alone */
    for (; c < fours; c += 2) {
        raw_pair(x, w + (c & ~3) * n4 + (c & 2), 4, rq + 4 * c, n4, first, len, &v[0], &v[1]);
        out[c] = raw_out(v[0], rq + 4 * c + 1, lo, hi);
        out[c + 1] = raw_out(v[1], rq + 4 * c + 4, lo, hi);
    }
#else /* the size build: a four at once */
    for (; c < fours; c += 4) {
        raw_four(x, w + c * n4, rq + 4 * c, n4, first, len, v);
        out[c] = raw_out(v[0], rq + 4 * c + 1, lo, hi);
        out[c + 1] = raw_out(v[1], rq + 4 * c + 4, lo, hi);
        out[c + 2] = raw_out(v[2], rq + 4 * c + 9, lo, hi);
        out[c + 3] = raw_out(v[3], rq + 4 * c + 12, lo, hi);
    }
#endif
    if (c + 2 <= od) {
        raw_pair(x, w + c * n4, 2, rq + 4 * c, n4, first, len, &v[0], &v[1]);
        out[c] = raw_out(v[0], rq + 4 * c + 1, lo, hi);
        out[c + 1] = raw_out(v[1], rq + 4 * c + 4, lo, hi);
        c += 2;
    }
    if (c < od) { /* a single row: s2 only, no bound but B's */
        int32_t s = rq[4 * c];
        w += c * n4;
        for (int32_t g = 0; g < n4; ++g) {
            const int32_t u = tslm_read32(x + 4 * g);
            s = tslm_smlad(tslm_sxtb16(w[g]), tslm_sxtb16(u), s);
            s = tslm_smlad(tslm_sxtb16_ror8(w[g]), tslm_sxtb16_ror8(u), s);
        }
        out[c] = raw_out(tslm_dsp_op_second(s), rq + 4 * c, lo, hi);
    }
}

#if defined(TSLM_DSP_OP_QUADS)
/*
 * The whole fours of a raw row in assembly (outputs clamped at most at act_min), straight from the params.
 * Per two groups of four inputs: one LDRD of the row, two LDM of the four's weight words, four SXTB16 of
 * the row, four of the weights and sixteen SMLAD (31 instructions, 32 MACs). r0 row, r1 weights, r2
 * passes, r3 r4 s1 s2 of pair 0, r5 r6 of pair 1, r7-r10 weight words, r11 r12 row words, lr a widened
 * pair. The loop is unrolled 16 groups and entered part-way for the first chunk; at the end of a chunk of
 * a row of several, A is taken out (raw_pair). The frame (13 words): row, passes of the first chunk, -,
 * records, out, the first chunk's entry, A of pair 0, of pair 1, the chunk counter (nch with several
 * chunks, else 0), nch, the end of the fours' records, act_min, passes of a later chunk.
 */
#define TSLM_RAW_GROUP(XR)                                 \
    "ldmia r1!, {r7, r8, r9, r10}\n\t"                   \
    "sxtb16 lr, " XR "\n\t"                              \
    "sxtb16 " XR ", " XR ", ror #8\n\t"                  \
    "smlad r3, r7, lr, r3\n\t"                           \
    "sxtb16 r7, r7\n\t"                                  \
    "smlad r4, r7, lr, r4\n\t"                           \
    "smlad r3, r8, " XR ", r3\n\t"                       \
    "sxtb16 r8, r8\n\t"                                  \
    "smlad r4, r8, " XR ", r4\n\t"                       \
    "smlad r5, r9, lr, r5\n\t"                           \
    "sxtb16 r9, r9\n\t"                                  \
    "smlad r6, r9, lr, r6\n\t"                           \
    "smlad r5, r10, " XR ", r5\n\t"                      \
    "sxtb16 r10, r10\n\t"                                \
    "smlad r6, r10, " XR ", r6\n\t"
#define TSLM_RAW_DGROUP "ldrd r11, r12, [r0], #8\n\t" TSLM_RAW_GROUP("r11") TSLM_RAW_GROUP("r12")
#define TSLM_RAW_DGROUP4 TSLM_RAW_DGROUP TSLM_RAW_DGROUP TSLM_RAW_DGROUP TSLM_RAW_DGROUP
#define TSLM_RAW_RQ(V, M, R, Z, T)                         \
    "add " T ", " Z ", " V ", asr #31\n\t"               \
    "smmlar " V ", " V ", " M ", " T "\n\t"              \
    "asr " V ", " V ", " R "\n\t"
#define TSLM_RAW_CLAMP1(V) "usat " V ", #8, " V "\n\tadd " V ", " V ", r0\n\tssat " V ", #8, " V "\n\t"

__attribute__((naked, noinline, aligned(4))) static void raw_fours(const tslm_fully_connected_params *p,
                                                                   const int8_t *x, const int32_t *w, int8_t *out)
{
    (void)p, (void)x, (void)w, (void)out;
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "sub sp, sp, #52\n\t"
        "str r1, [sp]\n\t"
        "str r3, [sp, #16]\n\t"
        "mov r1, r2\n\t"
        "ldr r7, [r0, #44]\n\t"      /* requant */
        "ldr r5, [r0, #8]\n\t"       /* output_depth */
        "ldr r6, [r0, #36]\n\t"      /* act_min */
        "bic r5, r5, #3\n\t"
        "add r5, r7, r5, lsl #4\n\t"
        "strd r5, r6, [sp, #40]\n\t" /* the fours' records end, act_min */
        "ldr r4, [r0, #4]\n\t"
        "ldr r5, [r0, #52]\n\t"
        "lsr r4, r4, #2\n\t"         /* n4 */
        "lsr r5, r5, #2\n\t"         /* groups per chunk */
        "movs r6, #0\n\t"
        "strd r6, r6, [sp, #24]\n\t"
        "cmp r5, r4\n\t"
        "bge 1f\n\t"
        "add r6, r4, r5\n\t"         /* several chunks: nch, the first one's groups */
        "sub r6, r6, #1\n\t"
        "udiv r6, r6, r5\n\t"
        "sub r8, r6, #1\n\t"
        "mls r4, r8, r5, r4\n\t"
        "lsr r8, r5, #4\n\t"
        "str r8, [sp, #48]\n\t"
        "str r6, [sp, #36]\n"
        "1:\n\t"
        "str r6, [sp, #32]\n\t"
        "add r6, r4, #15\n\t"
        "lsr r6, r6, #4\n\t"
        "str r6, [sp, #4]\n\t"       /* passes of the first chunk */
        "rsb r4, r4, #0\n\t"
        "ubfx r4, r4, #1, #3\n\t"    /* the double groups it skips */
        "rsb r4, r4, r4, lsl #5\n\t"
        "adr r6, 5f + 1\n\t"
        "add r6, r6, r4, lsl #2\n\t" /* x 124 bytes */
        "str r6, [sp, #20]\n"
        "2:\n\t" /* a four: s1 and s2 from the records */
        "ldrd r3, r4, [r7]\n\t"
        "ldrd r5, r6, [r7, #32]\n\t"
        "str r7, [sp, #12]\n\t"
        "ldrd r0, r2, [sp]\n\t"
        "ldr pc, [sp, #20]\n"
        "5:\n\t"
        TSLM_RAW_DGROUP4 TSLM_RAW_DGROUP4
        "subs r2, r2, #1\n\t"
        "bne 5b\n\t"
        "ldr r2, [sp, #32]\n\t"
        "cbz r2, 6f\n\t"
        /* the end of a chunk of several: A out of s1 - s2 */
        "ldrd r7, r8, [sp, #24]\n\t"
        "sub r9, r3, r4\n\t"
        "add r7, r7, r9, asr #8\n\t"
        "sub r9, r5, r6\n\t"
        "add r8, r8, r9, asr #8\n\t"
        "subs r2, r2, #1\n\t"
        "beq 9f\n\t"
        "str r2, [sp, #32]\n\t"
        "strd r7, r8, [sp, #24]\n\t"
        "mov r3, r4\n\t"
        "mov r5, r6\n\t"
        "ldr r2, [sp, #48]\n\t"
        "b 5b\n"
        "9:\n\t" /* the last chunk: v = 2 A, 2 s2; A and the counter reset for the next four */
        "lsl r3, r7, #1\n\t"
        "lsl r5, r8, #1\n\t"
        "lsl r4, r4, #1\n\t"
        "lsl r6, r6, #1\n\t"
        "movs r7, #0\n\t"
        "strd r7, r7, [sp, #24]\n\t"
        "ldr r7, [sp, #36]\n\t"
        "str r7, [sp, #32]\n\t"
        "b 7f\n"
        "6:\n\t"
        "sub r3, r3, r4\n\t"
        "sub r5, r5, r6\n\t"
        "asr r3, r3, #7\n\t"
        "asr r5, r5, #7\n\t"
        "lsl r4, r4, #1\n\t"
        "lsl r6, r6, #1\n"
        "7:\n\t"
        "ldr r7, [sp, #12]\n\t"
        "ldmia r7!, {r0, r2, r8, r9, r10, r11, r12, lr}\n\t"
        TSLM_RAW_RQ("r3", "r8", "r9", "r10", "r0") TSLM_RAW_RQ("r4", "r11", "r12", "lr", "r0")
        "ldmia r7!, {r0, r2, r8, r9, r10, r11, r12, lr}\n\t"
        TSLM_RAW_RQ("r5", "r8", "r9", "r10", "r0") TSLM_RAW_RQ("r6", "r11", "r12", "lr", "r0")
        "ldr r0, [sp, #44]\n\t"
        "cmn r0, #128\n\t"
        "bne 10f\n\t"
        "ssat r3, #8, r3\n\t"
        "ssat r4, #8, r4\n\t"
        "ssat r5, #8, r5\n\t"
        "ssat r6, #8, r6\n"
        "11:\n\t"
        "ldr r0, [sp, #16]\n\t"
        "strb r3, [r0], #1\n\t"
        "strb r4, [r0], #1\n\t"
        "strb r5, [r0], #1\n\t"
        "strb r6, [r0], #1\n\t"
        "str r0, [sp, #16]\n\t"
        "ldr r2, [sp, #40]\n\t"
        "cmp r7, r2\n\t"
        "bne 2b\n\t"
        "add sp, sp, #52\n\t"
        "pop {r4-r11, pc}\n"
        "10:\n\t" /* clamped at act_min (r0): USAT, + act_min, SSAT */
        TSLM_RAW_CLAMP1("r3") TSLM_RAW_CLAMP1("r4") TSLM_RAW_CLAMP1("r5") TSLM_RAW_CLAMP1("r6")
        "b 11b\n\t");
}
#undef TSLM_RAW_GROUP
#undef TSLM_RAW_DGROUP
#undef TSLM_RAW_DGROUP4
#undef TSLM_RAW_RQ
#undef TSLM_RAW_CLAMP1
#endif

__attribute__((noinline)) static void rows_raw(const tslm_fully_connected_params *p, const int8_t *input,
                                               const int32_t *w, int8_t *output)
{
    int32_t c = 0;
#if defined(TSLM_DSP_OP_QUADS)
    if (p->output_depth >= 4 && p->act_max == 127) {
        raw_fours(p, input, w, output);
        c = p->output_depth & ~3;
        if (c == p->output_depth) {
            return;
        }
    }
#endif
    const int32_t n4 = p->accum_depth >> 2, len = p->depth_chunk >> 2;
    const int32_t nch = len < n4 ? (n4 + len - 1) / len : 1;
    raw_row_c(p, input, w, p->requant, output, c, n4 - (nch - 1) * len);
}

/*
 * The wide row (requant_fast == 3; the compiler's fc_wide_row in tinyslm/compiler/dsp_layout.py: one row, depth a
 * multiple of 8, few weights): the weights are int16 in flash, doubled (fc_wide_weights), so an SMLAD takes a
 * weight word as it is loaded. The row is widened once into scratch (SXTB16: k0 k2, then ROR 8: k1 k3); per four
 * output channels and eight k, one LDM of the row's four words, four LDM of the channels' and sixteen SMLAD (21
 * instructions, 32 MACs). Records per four: the channels' 2 bias, then m, r, rz of each (tslm_dsp_op_out1's form
 * but for the init; a part last four padded with channels that give 0). The assembly is in the size build too (it
 * is small; the C form is for the host and the rare cases it does not take).
 */
TSLM_ALWAYS_INLINE void wide_widen(const int8_t *in, int32_t depth, int32_t *x)
{
    for (int32_t k = 0; k < depth; k += 4) {
        const int32_t v = tslm_read32(in + k);
        *x++ = tslm_sxtb16(v);
        *x++ = tslm_sxtb16_ror8(v);
    }
}

#if defined(TSLM_DSP_ASM)
#define TSLM_WIDE_U 8 /* steps of eight k per pass; 84 bytes each */
#define TSLM_WIDE_CH(ACC)                                  \
    "ldmia.w r1!, {r7, r8, r9, r10}\n\t"                 \
    "smlad " ACC ", r7, r2, " ACC "\n\t"                 \
    "smlad " ACC ", r8, r11, " ACC "\n\t"                \
    "smlad " ACC ", r9, r12, " ACC "\n\t"                \
    "smlad " ACC ", r10, lr, " ACC "\n\t"
#define TSLM_WIDE_STEP                                     \
    "ldmia.w r0!, {r2, r11, r12, lr}\n\t"                \
    TSLM_WIDE_CH("r3") TSLM_WIDE_CH("r4") TSLM_WIDE_CH("r5") TSLM_WIDE_CH("r6")
#define TSLM_WIDE_STEP4 TSLM_WIDE_STEP TSLM_WIDE_STEP TSLM_WIDE_STEP TSLM_WIDE_STEP
#define TSLM_WIDE_RQ(V, M, R, Z, T)                        \
    "add " T ", " Z ", " V ", asr #31\n\t"               \
    "smmlar " V ", " V ", " M ", " T "\n\t"              \
    "asr " V ", " V ", " R "\n\t"
#define TSLM_WIDE_CLAMP1(V) "usat " V ", #8, " V "\n\tadd " V ", " V ", r0\n\tssat " V ", #8, " V "\n\t"
#define TSLM_WIDE_W16(A, B)                                \
    "sxtb16 r7, " A "\n\t"                               \
    "sxtb16 r8, " A ", ror #8\n\t"                       \
    "sxtb16 r9, " B "\n\t"                               \
    "sxtb16 r10, " B ", ror #8\n\t"                      \
    "stmia r4!, {r7, r8, r9, r10}\n\t"

/* After a four's MACs: its outputs stored, the next four's sums from the records (r2; the compiler pads the
 * records by four words), on to it or the end. */
#define TSLM_WIDE_TAIL                                     \
    "ldr r0, [sp, #12]\n\t"                              \
    "strb r3, [r0], #1\n\t"                              \
    "strb r4, [r0], #1\n\t"                              \
    "strb r5, [r0], #1\n\t"                              \
    "strb r6, [r0], #1\n\t"                              \
    "str r0, [sp, #12]\n\t"                              \
    "ldmia r2!, {r3, r4, r5, r6}\n\t"                    \
    "str r2, [sp, #8]\n\t"                               \
    "ldr r0, [sp, #16]\n\t"                              \
    "cmp r2, r0\n\t"                                     \
    "bne 1b\n\t"                                         \
    "add sp, sp, #36\n\t"                                \
    "pop {r4-r11, pc}\n"
/*
 * The arguments as tslm_dsp_fully_connected_s8's (bias unused). The row widened (depth / 16 LDM of four words, eight SXTB16 and two STM each, then an LDRD of a last eight)
 * into x, then the whole fours of channels from w and the records, their outputs at out (outputs clamped at
 * most at act_min: the caller checks act_max == 127 and output_depth >= 4). r0 row, r1 weights, r2 records,
 * r3-r6 the four sums, r7-r10 weight words, r2 r11 r12 lr row words. The loop over the steps is unrolled
 * TSLM_WIDE_U times and entered part-way. The frame: x, x's end, records (past the current four's sums), out,
 * the end of the fours' records (past the sums of the four after them), the loop's entry, the tail's, act_min.
 */
__attribute__((naked, noinline, used, aligned(4))) static void wide_fours(const tslm_fully_connected_params *p,
                                                                    const int8_t *in, const int8_t *w,
                                                                    const int32_t *bias, int8_t *out,
                                                                    int16_t *x)
{
    (void)p, (void)in, (void)w, (void)bias, (void)out, (void)x;
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "ldrd r3, r4, [sp, #36]\n\t" /* out, x */
        "sub sp, sp, #36\n\t"
        "ldr r5, [r0, #4]\n\t"       /* depth */
        "ldr r6, [r0, #8]\n\t"       /* output_depth */
        "ldr r11, [r0, #44]\n\t"     /* requant */
        "ldr r8, [r0, #36]\n\t"      /* act_min */
        "bic r6, r6, #3\n\t"
        "add r6, r11, r6, lsl #4\n\t"
        "add r6, r6, #16\n\t"
        "add r9, r4, r5, lsl #1\n\t"
        "strd r4, r9, [sp]\n\t"
        "str r3, [sp, #12]\n\t"
        "str r6, [sp, #16]\n\t"
        "str r8, [sp, #28]\n\t"
        "cmn r8, #128\n\t"
        "ite eq\n\t"
        "adreq.w r9, 6f + 1\n\t"
        "adrne.w r9, 7f + 1\n\t"
        "str r9, [sp, #24]\n\t"
        "lsr r6, r5, #3\n\t"         /* steps */
        "rsb r6, r6, #0\n\t"
        "and r6, r6, #7\n\t"         /* the steps the first pass skips */
        "mov r9, #84\n\t"
        "adr r10, 5f + 1\n\t"
        "mla r6, r6, r9, r10\n\t"
        "str r6, [sp, #20]\n\t"
        "mov r0, r2\n\t"
        "lsrs r12, r5, #4\n\t"       /* sixteens */
        "beq 4f\n"
        "3:\n\t"
        "ldmia r1!, {r2, r3, r6, lr}\n\t"
        TSLM_WIDE_W16("r2", "r3") TSLM_WIDE_W16("r6", "lr")
        "subs r12, r12, #1\n\t"
        "bne 3b\n"
        "4:\n\t"
        "tst r5, #8\n\t"             /* a last eight */
        "beq 2f\n\t"
        "ldrd r2, r3, [r1]\n\t"
        TSLM_WIDE_W16("r2", "r3")
        "2:\n\t"
        "mov r1, r0\n\t"
        "ldmia r11!, {r3, r4, r5, r6}\n\t" /* the first four's sums */
        "str r11, [sp, #8]\n"
        "1:\n\t" /* a four */
        "ldr r0, [sp]\n\t"
        "ldr pc, [sp, #20]\n\t"
        ".p2align 2\n"
        "5:\n\t"
        TSLM_WIDE_STEP4 TSLM_WIDE_STEP4
        "ldr r2, [sp, #4]\n\t"
        "cmp r0, r2\n\t"
        "bne 5b\n\t"
        "ldr r2, [sp, #8]\n\t"
        "ldmia r2!, {r7, r8, r9, r10, r11, r12}\n\t"
        TSLM_WIDE_RQ("r3", "r7", "r8", "r9", "r0") TSLM_WIDE_RQ("r4", "r10", "r11", "r12", "r0")
        "ldmia r2!, {r7, r8, r9, r10, r11, r12}\n\t"
        TSLM_WIDE_RQ("r5", "r7", "r8", "r9", "r0") TSLM_WIDE_RQ("r6", "r10", "r11", "r12", "r0")
        "ldr pc, [sp, #24]\n\t"
        ".p2align 2\n"
        "6:\n\t" /* the whole int8 range: SSAT */
        "ssat r3, #8, r3\n\t"
        "ssat r4, #8, r4\n\t"
        "ssat r5, #8, r5\n\t"
        "ssat r6, #8, r6\n\t"
        TSLM_WIDE_TAIL
        "7:\n\t" /* clamped at act_min: USAT, + act_min, SSAT */
        "ldr r0, [sp, #28]\n\t"
        TSLM_WIDE_CLAMP1("r3") TSLM_WIDE_CLAMP1("r4") TSLM_WIDE_CLAMP1("r5") TSLM_WIDE_CLAMP1("r6")
        TSLM_WIDE_TAIL);
}
#undef TSLM_WIDE_CH
#undef TSLM_WIDE_STEP
#undef TSLM_WIDE_STEP4
#undef TSLM_WIDE_RQ
#undef TSLM_WIDE_CLAMP1
#undef TSLM_WIDE_W16
#undef TSLM_WIDE_TAIL
#endif

/* A four's sums over n8 steps of eight k (a function of its own so that they stay in registers). */
__attribute__((noinline)) static void wide_four_c(const int32_t *x, const int32_t *w, int32_t n8, int32_t *s)
{
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (; n8 > 0; --n8, x += 4, w += 16) {
        const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        s0 = tslm_smlad(w[3], x3, tslm_smlad(w[2], x2, tslm_smlad(w[1], x1, tslm_smlad(w[0], x0, s0))));
        s1 = tslm_smlad(w[7], x3, tslm_smlad(w[6], x2, tslm_smlad(w[5], x1, tslm_smlad(w[4], x0, s1))));
        s2 = tslm_smlad(w[11], x3, tslm_smlad(w[10], x2, tslm_smlad(w[9], x1, tslm_smlad(w[8], x0, s2))));
        s3 = tslm_smlad(w[15], x3, tslm_smlad(w[14], x2, tslm_smlad(w[13], x1, tslm_smlad(w[12], x0, s3))));
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
}

/* The fours of channels from c (a multiple of four) on in C (without the assembly, e.g. on the host; with it a last
 * part four and act_max < 127): 4 outputs of each, fewer in a last part four. */
__attribute__((noinline)) static void wide_c(const tslm_fully_connected_params *p, const int32_t *x,
                                             const int16_t *w, const int32_t *rq, int8_t *out, int32_t c)
{
    const int32_t depth = p->accum_depth, od = p->output_depth, lo = p->act_min, hi = p->act_max;
    const int full = lo == -128 && hi == 127;
    const int32_t *wd = (const int32_t *)(const void *)w + c * (depth >> 1); /* 4 channels x depth / 2 words */
    for (rq += 4 * c; c < od; c += 4, rq += 16, wd += 2 * depth) {
        int32_t s[4] = {rq[0], rq[1], rq[2], rq[3]};
        wide_four_c(x, wd, depth >> 3, s);
        for (int32_t j = 0; j < 4 && c + j < od; ++j) { /* m, r, rz of channel j at rq + 4 + 3 j: out1's [1..3] */
            out[c + j] = full ? tslm_dsp_op_out1(s[j], rq + 3 + 3 * j, lo, hi, 1)
                              : tslm_dsp_op_out1(s[j], rq + 3 + 3 * j, lo, hi, 0);
        }
    }
}

/* The wide row in C (without the assembly; act_max < 127 or fewer than four channels with it). */
__attribute__((noinline)) static void wide_row(const tslm_fully_connected_params *p, const int8_t *input,
                                               const int16_t *w, int8_t *output, int32_t *x)
{
    wide_widen(input, p->accum_depth, x);
    wide_c(p, x, w, p->requant, output, 0);
}

/* Everything but the raw row, with the records. */
__attribute__((noinline)) static void with_records(const tslm_fully_connected_params *p, const int8_t *input,
                                                   const int8_t *weights, int8_t *output, int16_t *scratch)
{
    const int32_t *w = (const int32_t *)(const void *)weights; /* word-aligned by the compiler */
    int32_t *x = (int32_t *)(void *)scratch;
    if (p->requant_fast == 2) {
        if (p->act_min == -128 && p->act_max == 127) {
            rows_offset_pairs(p, input, w, output, x, 1);
        } else {
            rows_offset_pairs(p, input, w, output, x, 0);
        }
    } else if (!p->requant_fast) {
        rows(p, input, w, output, x, 0, 0);
    } else if (p->act_min == -128 && p->act_max == 127) {
        rows(p, input, w, output, x, 1, 1);
    } else {
        rows(p, input, w, output, x, 1, 0);
    }
}

/* The wide row but for whole fours with nothing clamped below 127 (with the assembly: a last part four there too,
 * all fours (the records' padded channels give 0) into scratch after the row, then the outputs copied). */
__attribute__((noinline, used)) static void wide_rest(const tslm_fully_connected_params *p, const int8_t *input,
                                                      const int8_t *weights, const int32_t *bias, int8_t *output,
                                                      int16_t *scratch)
{
#if defined(TSLM_DSP_ASM)
    if (p->act_max == 127) {
        tslm_fully_connected_params q = *p;
        int8_t *tmp = (int8_t *)(scratch + p->accum_depth);
        q.output_depth = (p->output_depth + 3) & ~3;
        wide_fours(&q, input, weights, bias, tmp, scratch);
        memcpy(output, tmp, (size_t)p->output_depth);
        return;
    }
#else
    (void)bias;
#endif
    wide_row(p, input, (const int16_t *)(const void *)weights, output, (int32_t *)(void *)scratch);
}

#if defined(TSLM_DSP_ASM)
/* The wide row: whole fours with nothing clamped below 127 straight to the assembly (a naked entry, so that the
 * arguments stay where they are), the rest to wide_rest. */
__attribute__((naked, noinline)) void tslm_dsp_fully_connected_wide_s8(const tslm_fully_connected_params *p,
                                                                       const int8_t *input, const int8_t *weights,
                                                                       const int32_t *bias, int8_t *output,
                                                                       int16_t *scratch)
{
    (void)p, (void)input, (void)weights, (void)bias, (void)output, (void)scratch;
    __asm__ volatile("ldr ip, [r0, #40]\n\t" /* act_max */
                     "cmp ip, #127\n\t"
                     "bne 1f\n\t"
                     "ldr ip, [r0, #8]\n\t"  /* output_depth */
                     "tst ip, #3\n\t"
                     "bne 1f\n\t"
                     "b.w wide_fours\n"
                     "1:\n\t"
                     "b.w wide_rest\n\t");
}
#else
void tslm_dsp_fully_connected_wide_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                      const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    wide_rest(p, input, weights, bias, output, scratch);
}
#endif

/*
 * The short wide row (the compiler's fc_wide_short in tinyslm/compiler/dsp_layout.py: the wide row with depth at
 * most 64 (FC_WIDE_SHORT_MAX: one pass of the 8 unrolled steps) and act_max 127). One int32 stream (weights argument,
 * fc_wide_short_stream) holds everything: a header {84 steps, 24 steps (the byte offsets of the entries into the
 * unrolled code, back from its end), act_min}, then tile after tile: a four of channels {its 4 sums (2 bias), per
 * step of eight k its 16 weight words (fc_wide_weights' order), m r rz of channels 0 1, m r rz of channels 2 3 and
 * a tail code k}, or a last two (od % 4 of 1 or 2 from 5 channels) {2 sums, 44 steps, per step 8 words, m r rz of
 * both, k}. k: for a four 0 = another four follows, 1 = a two follows, 2..5 = the last, with k - 1 outputs; for a
 * two 0, 1 = the last with k + 1 outputs; + 6 (a two: + 2) where outputs are clamped below at act_min > -128.
 * Padded channels have weights 0 and are not stored. So per four of channels the assembly has no loop control but
 * one LDM that reloads x's base and jumps into the unrolled steps, and one TBB on k.
 */
#if defined(TSLM_DSP_ASM)
#define TSLM_WS_CH(ACC)                                    \
    "ldmia.w r2!, {r7, r8, r9, r10}\n\t"                 \
    "smlad " ACC ", r7, r1, " ACC "\n\t"                 \
    "smlad " ACC ", r8, r11, " ACC "\n\t"                \
    "smlad " ACC ", r9, r12, " ACC "\n\t"                \
    "smlad " ACC ", r10, lr, " ACC "\n\t"
#define TSLM_WS_X "ldmia.w r0!, {r1, r11, r12, lr}\n\t"
#define TSLM_WS_STEP4 TSLM_WS_X TSLM_WS_CH("r3") TSLM_WS_CH("r4") TSLM_WS_CH("r5") TSLM_WS_CH("r6")
#define TSLM_WS_STEP2 TSLM_WS_X TSLM_WS_CH("r3") TSLM_WS_CH("r4")
#define TSLM_WS_RQ(V, M, R, Z)                             \
    "add r1, " Z ", " V ", asr #31\n\t"                  \
    "smmlar " V ", " V ", " M ", r1\n\t"                 \
    "asr " V ", " V ", " R "\n\t"
#define TSLM_WS_CLAMP(V) "usat " V ", #8, " V "\n\tadd " V ", " V ", r0\n\t"
#define TSLM_WS_W8                                         \
    "ldrd r11, lr, [r1], #8\n\t"                         \
    "sxtb16 r8, r11\n\t"                                 \
    "sxtb16 r9, r11, ror #8\n\t"                         \
    "sxtb16 r10, lr\n\t"                                 \
    "sxtb16 r12, lr, ror #8\n\t"                         \
    "stmia.w r0!, {r8, r9, r10, r12}\n\t"
#if !defined(TSLM_OPTIMIZE_SIZE)
#define TSLM_WS_EXIT "add sp, sp, #16\n\tpop {r4-r11, pc}\n\t"
#else
#define TSLM_WS_EXIT "add sp, sp, #20\n\tpop {r4-r11, pc}\n\t"
#endif
#if !defined(TSLM_OPTIMIZE_SIZE) /* the steps unrolled, entered part-way: no loop control */
#define TSLM_WS_HEAD                                       \
    "push {r4-r11, lr}\n\t"                              \
    "ldrd r8, r0, [sp, #36]\n\t" /* out, x */            \
    "ldmia r2!, {r3, r6, r10}\n\t" /* the header */      \
    "adr.w r5, 5f + 1\n\t"                               \
    "sub r5, r5, r3\n\t" /* the four's entry */          \
    "push {r0, r5, r8, r10}\n\t" /* the frame */         \
    "adr.w r12, 4f + 1\n\t"                              \
    "sub r12, r12, r6\n\t" /* the widening's entry */    \
    "ldmia r2!, {r3, r4, r5, r6}\n\t" /* the sums */     \
    "bx r12\n\t"                                         \
    ".p2align 2\n"                                        \
    "3:\n\t"                                             \
    TSLM_WS_W8 TSLM_WS_W8 TSLM_WS_W8 TSLM_WS_W8 TSLM_WS_W8 TSLM_WS_W8 TSLM_WS_W8 TSLM_WS_W8 \
    "4:\n\t"                                             \
    "ldm sp, {r0, pc}\n"
#define TSLM_WS_BLOCK4                                     \
    ".p2align 2\n"                                        \
    "1:\n\t"                                             \
    TSLM_WS_STEP4 TSLM_WS_STEP4 TSLM_WS_STEP4 TSLM_WS_STEP4 \
    TSLM_WS_STEP4 TSLM_WS_STEP4 TSLM_WS_STEP4 TSLM_WS_STEP4 \
    "5:\n\t"
#define TSLM_WS_NEXT4 "ldm sp, {r0, pc}\n"
#define TSLM_WS_NEXT2 "adr.w r1, 6f + 1\n\tsub r1, r1, r9\n\tldr r0, [sp]\n\tbx r1\n"
#define TSLM_WS_BLOCK2                                     \
    ".p2align 2\n"                                        \
    "7:\n\t" /* a two: 44 bytes per step */              \
    TSLM_WS_STEP2 TSLM_WS_STEP2 TSLM_WS_STEP2 TSLM_WS_STEP2 \
    TSLM_WS_STEP2 TSLM_WS_STEP2 TSLM_WS_STEP2 TSLM_WS_STEP2 \
    "6:\n\t"
#else /* the size build: two steps in a loop (entered at the second for an odd number), the frame's last word x's end */
#define TSLM_WS_HEAD                                       \
    "push {r4-r11, lr}\n\t"                              \
    "ldr r5, [r0, #4]\n\t" /* depth */                   \
    "ldrd r8, r0, [sp, #36]\n\t" /* out, x */            \
    "ldmia r2!, {r3, r6, r10}\n\t" /* the header */      \
    "add r11, r0, r5, lsl #1\n\t" /* x's end */          \
    "adr.w r6, 1f + 1\n\t"                               \
    "tst r5, #8\n\t"                                     \
    "it ne\n\t"                                          \
    "addne r6, r6, #84\n\t" /* the four's entry */       \
    "push {r0, r6, r8, r10, r11}\n\t" /* the frame */    \
    "mov r3, r11\n"                                       \
    "3:\n\t"                                             \
    TSLM_WS_W8                                            \
    "cmp r0, r3\n\t"                                     \
    "bne 3b\n\t"                                         \
    "ldmia r2!, {r3, r4, r5, r6}\n\t" /* the sums */     \
    "ldm sp, {r0, pc}\n"
#define TSLM_WS_BLOCK4                                     \
    ".p2align 2\n"                                        \
    "1:\n\t"                                             \
    TSLM_WS_STEP4 TSLM_WS_STEP4                           \
    "ldr r7, [sp, #16]\n\t"                              \
    "cmp r0, r7\n\t"                                     \
    "bne 1b\n"                                            \
    "5:\n\t"
#define TSLM_WS_NEXT4 "ldm sp, {r0, pc}\n"
#define TSLM_WS_NEXT2 "adr.w r1, 7f + 1\n\ttst r9, #4\n\tit ne\n\taddne r1, r1, #44\n\tldr r0, [sp]\n\tbx r1\n"
#define TSLM_WS_BLOCK2                                     \
    ".p2align 2\n"                                        \
    "7:\n\t"                                             \
    TSLM_WS_STEP2 TSLM_WS_STEP2                           \
    "ldr r7, [sp, #16]\n\t"                              \
    "cmp r0, r7\n\t"                                     \
    "bne 7b\n"                                            \
    "6:\n\t"
#endif

/*
 * The arguments as tslm_dsp_fully_connected_s8's (weights: the stream, bias unused). r0 x, r2 the stream, r3-r6
 * sums, r7-r10 weight words, r1 r11 r12 lr x words. The frame (pushed): x, the four's entry, out, act_min. The
 * row is widened 8 k at a time (LDRD, 4 SXTB16, STM; 24 bytes, entered part-way); a step is 84 bytes in the
 * four's unrolled steps, 44 in the two's. The size build has two steps of each in a loop (3 instructions more per
 * two steps, ~0.9 KB less).
 */
__attribute__((naked, noinline)) void tslm_dsp_fully_connected_wide_short_s8(const tslm_fully_connected_params *p,
                                                                             const int8_t *input,
                                                                             const int8_t *weights,
                                                                             const int32_t *bias, int8_t *output,
                                                                             int16_t *scratch)
{
    (void)p, (void)input, (void)weights, (void)bias, (void)output, (void)scratch;
    __asm__ volatile(
        TSLM_WS_HEAD
        TSLM_WS_BLOCK4
        "5:\n\t"
        "ldmia r2!, {r7, r8, r9, r10, r11, r12}\n\t"
        TSLM_WS_RQ("r3", "r7", "r8", "r9") TSLM_WS_RQ("r4", "r10", "r11", "r12")
        "ldmia r2!, {r7, r8, r9, r10, r11, r12, lr}\n\t"
        TSLM_WS_RQ("r5", "r7", "r8", "r9") TSLM_WS_RQ("r6", "r10", "r11", "r12")
        "8:\n\t"
        "tbb [pc, lr]\n"
        "9:\n\t"
        ".byte (20f - 9b) / 2, (21f - 9b) / 2, (22f - 9b) / 2, (23f - 9b) / 2, (24f - 9b) / 2, (25f - 9b) / 2\n\t"
        ".byte (26f - 9b) / 2, (26f - 9b) / 2, (26f - 9b) / 2, (26f - 9b) / 2, (26f - 9b) / 2, (26f - 9b) / 2\n\t"
        ".p2align 1\n"
        "26:\n\t" /* clamped at act_min: USAT, + act_min (the tail's SSAT after) */
        "ldr r0, [sp, #12]\n\t"
        TSLM_WS_CLAMP("r3") TSLM_WS_CLAMP("r4") TSLM_WS_CLAMP("r5") TSLM_WS_CLAMP("r6")
        "sub lr, lr, #6\n\t"
        "b 8b\n"
        "20:\n\t" /* another four */
        "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\tssat r6, #8, r6\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1], #1\n\tstrb r4, [r1], #1\n\tstrb r5, [r1], #1\n\tstrb r6, [r1], #1\n\t"
        "str r1, [sp, #8]\n\t"
        "ldmia r2!, {r3, r4, r5, r6}\n\t"
        TSLM_WS_NEXT4
        "21:\n\t" /* a two next */
        "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\tssat r6, #8, r6\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1], #1\n\tstrb r4, [r1], #1\n\tstrb r5, [r1], #1\n\tstrb r6, [r1], #1\n\t"
        "str r1, [sp, #8]\n\t"
        "ldmia r2!, {r3, r4, r9}\n\t" /* the two's sums, 44 steps */
        TSLM_WS_NEXT2
        "22:\n\t" /* the last: one output */
        "ssat r3, #8, r3\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1]\n\t"
        TSLM_WS_EXIT
        "23:\n\t"
        "ssat r3, #8, r3\n\tssat r4, #8, r4\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1]\n\tstrb r4, [r1, #1]\n\t"
        TSLM_WS_EXIT
        "24:\n\t"
        "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1]\n\tstrb r4, [r1, #1]\n\tstrb r5, [r1, #2]\n\t"
        TSLM_WS_EXIT
        "25:\n\t"
        "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\tssat r6, #8, r6\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1]\n\tstrb r4, [r1, #1]\n\tstrb r5, [r1, #2]\n\tstrb r6, [r1, #3]\n\t"
        TSLM_WS_EXIT
        TSLM_WS_BLOCK2
        "ldmia r2!, {r7, r8, r9, r10, r11, r12, lr}\n\t"
        TSLM_WS_RQ("r3", "r7", "r8", "r9") TSLM_WS_RQ("r4", "r10", "r11", "r12")
        "10:\n\t"
        "tbb [pc, lr]\n"
        "11:\n\t"
        ".byte (30f - 11b) / 2, (31f - 11b) / 2, (32f - 11b) / 2, (32f - 11b) / 2\n\t"
        ".p2align 1\n"
        "32:\n\t"
        "ldr r0, [sp, #12]\n\t"
        TSLM_WS_CLAMP("r3") TSLM_WS_CLAMP("r4")
        "sub lr, lr, #2\n\t"
        "b 10b\n"
        "30:\n\t"
        "ssat r3, #8, r3\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1]\n\t"
        TSLM_WS_EXIT
        "31:\n\t"
        "ssat r3, #8, r3\n\tssat r4, #8, r4\n\t"
        "ldr r1, [sp, #8]\n\t"
        "strb r3, [r1]\n\tstrb r4, [r1, #1]\n\t"
        TSLM_WS_EXIT);
}
#undef TSLM_WS_CH
#undef TSLM_WS_X
#undef TSLM_WS_STEP4
#undef TSLM_WS_STEP2
#undef TSLM_WS_RQ
#undef TSLM_WS_CLAMP
#undef TSLM_WS_W8
#undef TSLM_WS_EXIT
#undef TSLM_WS_HEAD
#undef TSLM_WS_BLOCK4
#undef TSLM_WS_NEXT4
#undef TSLM_WS_NEXT2
#undef TSLM_WS_BLOCK2
#else
/* The same stream in C (the host, builds without the assembly). */
void tslm_dsp_fully_connected_wide_short_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                            const int8_t *weights, const int32_t *bias, int8_t *output,
                                            int16_t *scratch)
{
    const int32_t depth = p->accum_depth, od = p->output_depth, lo = p->act_min;
    const int32_t *s = (const int32_t *)(const void *)weights + 3; /* word-aligned by the compiler; header */
    int32_t *x = (int32_t *)(void *)scratch;
    (void)bias;
    wide_widen(input, depth, x);
    for (int32_t c = 0; c < od;) {
        const int32_t rows = od - c >= 3 || c == 0 ? 4 : 2;
        int32_t acc[4];
        for (int32_t j = 0; j < rows; ++j) {
            acc[j] = *s++;
        }
        s += rows == 2; /* the two's entry offset */
        for (int32_t k = 0; k < depth / 2; k += 4) { /* a step: 4 x words, each row's 4 weight words */
            for (int32_t j = 0; j < rows; ++j, s += 4) {
                for (int32_t i = 0; i < 4; ++i) {
                    acc[j] = tslm_smlad(s[i], x[k + i], acc[j]);
                }
            }
        }
        const int32_t *rec = s;
        const int32_t k = rec[3 * rows];
        const int32_t n = rows == 4 ? (k % 6 >= 2 ? k % 6 - 1 : 4) : k % 2 + 1;
        for (int32_t j = 0; j < n; ++j) { /* m, r, rz at rec + 3 j: out1's [1..3] */
            output[c + j] = lo == -128 ? tslm_dsp_op_out1(acc[j], rec + 3 * j - 1, lo, 127, 1)
                                       : tslm_dsp_op_out1(acc[j], rec + 3 * j - 1, lo, 127, 0);
        }
        s += 3 * rows + 1, c += n;
    }
}
#endif

/*
 * The short row in fives of channels (the compiler's fc_wide_five: outputs a multiple of 5 from 10 that fours do
 * not tile, nothing clamped; stream fc_wide_five_stream): {the first five's 5 sums, t = 16 - s} (s = depth / 4
 * steps of four inputs; the steps are unrolled 16 times and entered at step t through a TBH table), then per five
 * ((from the second) 5 sums, per step 5 + 5 weight words, m r rz of channels 0..3, m of 4, a tail code k (t + 1:
 * another five follows, 0: the last), r rz of 4).
 * Registers: sums r3-r7, weight words r9-r12 lr, x words r1 r8 (SXTB16 x, SXTB16 x ror 8), r2 the stream, r0 x
 * in the first five and out after it. The first five widens the row as it goes (LDR, 2 SXTB16, STRD to the stack
 * at sp + 8 + 8 j for step j), the later fives read it there (LDRD): no x pointer, so nothing is reloaded before
 * the jump (TBH on k) into the next five. Instructions, 32 -> 10 (s = 8): 4 entry (push, header, frame, TBH); 16
 * per step of the first five (LDR, 2 SXTB16, STRD, 2 LDM of weights, 10 SMLAD), 13 per step of the others (LDRD,
 * 2 LDM, 10 SMLAD); per five's end 3 LDM of records and 5 x (ADD, SMMLAR, ASR, SSAT, STRB), then the first five's
 * out (LDR), next sums (LDM) and TBH (31), the last five's CBZ and exit (1 + 2): 4 + 128 + 31 + 104 + 31 = 298.
 * Stack: 136 bytes (out, 128 of widened row) besides the 9 registers; no scratch, no params.
 */
#if defined(TSLM_DSP_ASM) /* the size build too (2,184 bytes of code: no loop, x at fixed stack offsets) */
#define TSLM_W5_MAC(X)                                     \
    "ldmia.w r2!, {r9, r10, r11, r12, lr}\n\t"           \
    "smlad r3, r9, " X ", r3\n\t"                        \
    "smlad r4, r10, " X ", r4\n\t"                       \
    "smlad r5, r11, " X ", r5\n\t"                       \
    "smlad r6, r12, " X ", r6\n\t"                       \
    "smlad r7, lr, " X ", r7\n\t"
/* step J of the first five: 16 instructions, 64 bytes */
#define TSLM_W5_FIRST(J)                                   \
    "ldr.w r1, [r0], #4\n\t"                             \
    "sxtb16 r8, r1, ror #8\n\t"                          \
    "sxtb16 r1, r1\n\t"                                  \
    "strd r1, r8, [sp, #8 + 8 * " #J "]\n\t"             \
    TSLM_W5_MAC("r1") TSLM_W5_MAC("r8")
/* step J of a later five: 13 instructions, 52 bytes */
#define TSLM_W5_NEXT(J) "ldrd r1, r8, [sp, #8 + 8 * " #J "]\n\t" TSLM_W5_MAC("r1") TSLM_W5_MAC("r8")
#define TSLM_W5_RQ(V, M, R, Z)                             \
    "add " Z ", " Z ", " V ", asr #31\n\t"               \
    "smmlar " V ", " V ", " M ", " Z "\n\t"              \
    "asr " V ", " V ", " R "\n\t"
/* a five's end (28 instructions): its outputs at r0 (r0 += 5), the tail code k left in r1 */
#define TSLM_W5_OUT                                        \
    "ldmia r2!, {r1, r8, r9, r10, r11, r12}\n\t"         \
    TSLM_W5_RQ("r3", "r1", "r8", "r9") TSLM_W5_RQ("r4", "r10", "r11", "r12") \
    "ldmia r2!, {r1, r8, r9, r10, r11, r12, lr}\n\t"     \
    TSLM_W5_RQ("r5", "r1", "r8", "r9") TSLM_W5_RQ("r6", "r10", "r11", "r12") \
    "ldmia r2!, {r1, r8, r9}\n\t"                        \
    TSLM_W5_RQ("r7", "lr", "r8", "r9")                   \
    "ssat r3, #8, r3\n\tssat r4, #8, r4\n\tssat r5, #8, r5\n\tssat r6, #8, r6\n\tssat r7, #8, r7\n\t" \
    "strb r3, [r0], #1\n\tstrb r4, [r0], #1\n\tstrb r5, [r0], #1\n\tstrb r6, [r0], #1\n\tstrb r7, [r0], #1\n\t"
#define TSLM_W5_16(STEP)                                   \
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) \
    STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
/* TBH tables: step t of a block at B (S bytes a step), from the table at T */
#define TSLM_W5_TBH(T, B, S) ".hword (" B " + " S " * \\t - " T ") / 2\n\t"
#define TSLM_W5_TABLE(T, B, S)                             \
    ".irp t, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t" TSLM_W5_TBH(T, B, S) ".endr\n\t"

__attribute__((naked, noinline)) void tslm_dsp_fully_connected_wide_five_s8(const int8_t *input, int8_t *output,
                                                                            const int32_t *stream)
{
    (void)input, (void)output, (void)stream;
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "ldmia r2!, {r3, r4, r5, r6, r7, r9}\n\t" /* the first five's sums, t */
        "str r1, [sp, #-136]!\n\t" /* the frame: out, 4 free, 128 of widened row (16 steps at most) */
        "tbh [pc, r9, lsl #1]\n"
        "8:\n\t"
        TSLM_W5_TABLE("8b", "7f", "64")
        ".p2align 2\n"
        "7:\n\t"
        TSLM_W5_16(TSLM_W5_FIRST)
        "1:\n\t"
        ".if (1b - 7b) != 16 * 64\n\t.error \"a first five's step is not 64 bytes\"\n\t.endif\n\t"
        "ldr r0, [sp]\n\t" /* out */
        TSLM_W5_OUT
        "5:\n\t"
        "ldmia r2!, {r3, r4, r5, r6, r7}\n\t" /* the next five's sums */
        "tbh [pc, r1, lsl #1]\n" /* into the later fives' step t (k = t + 1) */
        "6:\n\t"
        ".hword 0\n\t"
        TSLM_W5_TABLE("6b", "3f", "52")
        ".p2align 2\n"
        "3:\n\t"
        TSLM_W5_16(TSLM_W5_NEXT)
        "2:\n\t"
        ".if (2b - 3b) != 16 * 52\n\t.error \"a later five's step is not 52 bytes\"\n\t.endif\n\t"
        TSLM_W5_OUT
        "cbz r1, 4f\n\t"
        "b 5b\n"
        "4:\n\t"
        "add sp, sp, #136\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef TSLM_W5_MAC
#undef TSLM_W5_FIRST
#undef TSLM_W5_NEXT
#undef TSLM_W5_RQ
#undef TSLM_W5_OUT
#undef TSLM_W5_16
#undef TSLM_W5_TBH
#undef TSLM_W5_TABLE
#else
/* The same stream in C (the host). */
void tslm_dsp_fully_connected_wide_five_s8(const int8_t *input, int8_t *output, const int32_t *stream)
{
    const int32_t steps = 16 - stream[5];
    const int32_t *sums = stream, *s = stream + 6;
    int32_t x[32]; /* the row widened: depth <= 64 */
    wide_widen(input, 4 * steps, x);
    for (;;) {
        int32_t acc[5];
        for (int32_t j = 0; j < 5; ++j) {
            acc[j] = sums[j];
        }
        for (int32_t k = 0; k < 2 * steps; ++k, s += 5) { /* per x word, the five's weight words */
            for (int32_t j = 0; j < 5; ++j) {
                acc[j] = tslm_smlad(s[j], x[k], acc[j]);
            }
        }
        const int32_t rec4[4] = {0, s[12], s[14], s[15]}; /* channel 4's m r rz around the tail code */
        for (int32_t j = 0; j < 4; ++j) {
            *output++ = tslm_dsp_op_out1(acc[j], s + 3 * j - 1, -128, 127, 1);
        }
        *output++ = tslm_dsp_op_out1(acc[4], rec4, -128, 127, 1);
        const int32_t last = s[13] == 0;
        s += 16;
        if (last) {
            break;
        }
        sums = s, s += 5;
    }
}
#endif

int32_t tslm_dsp_fully_connected_wide_short_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    return 2 * p->accum_depth;
}

void tslm_dsp_fully_connected_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->requant_fast == 2 && raw_row(p)) { /* (records with requant_fast == 2) */
        rows_raw(p, input, (const int32_t *)(const void *)weights, output);
    } else if (p->requant == NULL) { /* weights not constant: no records, no layout */
        tslm_fully_connected_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
    } else {
        with_records(p, input, weights, output, scratch);
    }
}

int32_t tslm_dsp_fully_connected_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    if (p->requant == NULL) {
        return tslm_fully_connected_s8_get_buffer_size(p);
    }
    if (p->requant_fast == 2 && raw_row(p)) {
        return 0;
    }
    return (p->batches > 1 ? 16 : 8) * (p->depth_chunk / 4) +
           (p->depth_chunk < p->accum_depth ? 8 * p->output_depth : 0);
}

int32_t tslm_dsp_fully_connected_wide_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    return 2 * p->accum_depth + ((p->output_depth & 3) ? (p->output_depth + 3) & ~3 : 0);
}

/* Three rows a block in the assembly (tslm_dsp_op_quads3s; the compiler calls tslm_dsp_fully_connected_rows3_s8
 * for them alone, so that other models link neither routine): offset pairs, three rows or more, every channel in
 * fours, depth a multiple of 4 of 2..25 groups (one pass), nothing clamped below 127; the scratch then holds three
 * widened rows (24 bytes a group). Must match fc_triples in tinyslm/compiler/dsp_layout.py. */
static int triples(const tslm_fully_connected_params *p)
{
    return p->requant_fast == 2 && p->requant != NULL && p->batches >= 3 && (p->accum_depth & 3) == 0 &&
           p->accum_depth >= 8 && p->accum_depth <= 100 && (p->output_depth & 3) == 0 && p->output_depth >= 4 &&
           p->act_max == 127;
}

#if !defined(TSLM_DSP_OP_TRIPLES) && defined(__GNUC__) && defined(__ELF__)
/* the size build (no assembly): the general entry itself */
void tslm_dsp_fully_connected_rows3_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
    __attribute__((alias("tslm_dsp_fully_connected_s8")));
#else
void tslm_dsp_fully_connected_rows3_s8(const tslm_fully_connected_params *p, const int8_t *input,
                                       const int8_t *weights, const int32_t *bias, int8_t *output, int16_t *scratch)
{
#if defined(TSLM_DSP_OP_TRIPLES)
    if (triples(p)) { /* the last one or two rows by the general entry */
        const int32_t depth = p->accum_depth, od = p->output_depth, done = p->batches / 3 * 3;
        tslm_dsp_op_job3_run((int32_t *)(void *)scratch, (const int32_t *)(const void *)weights, p->requant,
                             depth / 4, od, p->act_min, input, depth, output, p->batches / 3,
                             p->act_min == -128);
        if (done < p->batches) {
            tslm_fully_connected_params q = *p;
            q.batches = p->batches - done;
            tslm_dsp_fully_connected_s8(&q, input + done * depth, weights, bias, output + done * od, scratch);
        }
        return;
    }
#endif
    tslm_dsp_fully_connected_s8(p, input, weights, bias, output, scratch);
}
#endif

int32_t tslm_dsp_fully_connected_rows3_s8_get_buffer_size(const tslm_fully_connected_params *p)
{
    return triples(p) ? 24 * (p->depth_chunk / 4) : tslm_dsp_fully_connected_s8_get_buffer_size(p);
}
