/*
 * tslm_reduce.c - MEAN (int8) for the Cortex-M DSP extension.
 *
 * Same sums and requantization as the portable kernel (TFLM's
 * QuantizedMeanOrSum). Where the innermost dimension is reduced (a layer
 * norm's mean over the features, the usual case once the compiler has
 * collapsed the shape), its run of int8 is summed eight at a time on the M4:
 * one LDRD and four SXTAB16 into int16 lanes, added up with SMLAD by (1, 1)
 * (four at a time in C elsewhere). Where the innermost run is kept and the axis
 * above it reduced (a global average pool: the mean over the pixels of each
 * channel), four channels at a time go through two SXTAB16 per pixel
 * (tslm_dsp_sum_columns).
 */
#include "tslm_dsp.h"
#include "tslm_dsp_reduce.h"
#include "tslm_simd.h"

#if defined(TSLM_DSP_ASM)
/* Sum of n int8 (n >= 8): the bytes before a word boundary, then eight per turn (one LDRD, four SXTAB16 into two pairs of int16 lanes),
 * the lanes added up with SMLAD every 1024 bytes, before a lane (256 bytes, at most 256 * 128 =
 * 2^15 in magnitude) could overflow. */
static int32_t sum_run_asm(const int8_t *in, int32_t n)
{
    const int32_t ones = 0x00010001;
    int32_t acc = 0;
    for (; ((uintptr_t)in & 3u) != 0; ++in, --n) { /* LDRD needs a word-aligned address */
        acc += *in;
    }
    while (n >= 8) {
        const int32_t len = n < 1024 ? n & ~7 : 1024;
        const int8_t *end = in + len;
        int32_t p = 0, q = 0, u, v;
        __asm__("1:\n\t"
                "ldrd %[u], %[v], [%[in]], #8\n\t"
                "sxtab16 %[p], %[p], %[u]\n\t"
                "sxtab16 %[q], %[q], %[u], ror #8\n\t"
                "sxtab16 %[p], %[p], %[v]\n\t"
                "sxtab16 %[q], %[q], %[v], ror #8\n\t"
                "cmp %[in], %[end]\n\t"
                "bne 1b"
                : [in] "+r"(in), [p] "+r"(p), [q] "+r"(q), [u] "=&r"(u), [v] "=&r"(v)
                : [end] "r"(end)
                : "cc", "memory");
        acc = tslm_smlad(p, ones, tslm_smlad(q, ones, acc));
        n -= len;
    }
    for (int32_t i = 0; i < n; ++i) {
        acc += in[i];
    }
    return acc;
}
#endif

/* Sum of n int8. */
static int32_t sum_run(const int8_t *in, int32_t n)
{
#if defined(TSLM_DSP_ASM)
    if (n >= 8) {
        return sum_run_asm(in, n);
    }
#endif
    const int32_t ones = 0x00010001;
    int32_t acc = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int32_t w = tslm_read32(in + i);
        acc = tslm_smlad(tslm_sadd16(tslm_sxtb16(w), tslm_sxtb16_ror8(w)), ones, acc);
    }
    for (; i < n; ++i) {
        acc += in[i];
    }
    return acc;
}

void tslm_dsp_mean_s8(const tslm_reduce_params *p, const int8_t *input, int8_t *output, int32_t *scratch)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    for (int32_t i = 0; i < p->output_count; ++i) {
        scratch[i] = 0;
    }
    const int8_t *in = input;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                /* a global average pool: each channel's sum over the d[3] x d[4] pixels */
                if (s[5] == 1 && s[4] == 0 && s[3] == 0) {
                    tslm_dsp_sum_columns(in, d[3] * d[4], d[5], d[5], scratch + i0 * s[0] + i1 * s[1] + i2 * s[2]);
                    in += d[3] * d[4] * d[5];
                    continue;
                }
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    if (s[5] == 1 && s[4] == 0) { /* the same over one row of d[4] pixels */
                        int32_t *acc = scratch + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3];
                        tslm_dsp_sum_columns(in, d[4], d[5], d[5], acc);
                        in += d[4] * d[5];
                        continue;
                    }
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        int32_t *acc = scratch + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        if (s[5] == 0) { /* the run is reduced */
                            *acc += sum_run(in, d[5]);
                            in += d[5];
                        } else {
                            for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                                acc[i5 * s[5]] += *in++;
                            }
                        }
                    }
                }
            }
        }
    }
    const int32_t zero_sum = p->input_zero_point * p->reduce_count;
    if (p->shift <= -1 && p->shift >= -22 && p->reduce_count < (INT32_C(1) << 20)) {
        /* |2 (sum - zero_sum)| < 2^30: TFLM's MultiplyByQuantizedMultiplier plus the zero point as
         * SMMLAR(2x, m, 2^(r-1) + z 2^r - [x < 0]) >> r (tslm_dsp.h's offset-pair records) */
        const int32_t r = -p->shift, m = p->multiplier;
        const int32_t rz = (int32_t)((UINT32_C(1) << (r - 1)) + ((uint32_t)p->output_zero_point << r));
        for (int32_t i = 0; i < p->output_count; ++i) {
            const int32_t x2 = (int32_t)((uint32_t)(scratch[i] - zero_sum) << 1);
            output[i] = (int8_t)tslm_ssat8(tslm_smmlar(x2, m, (int32_t)((uint32_t)rz + (uint32_t)(x2 >> 31))) >> r);
        }
        return;
    }
    for (int32_t i = 0; i < p->output_count; ++i) {
        const int32_t v = tslm_requantize(scratch[i] - zero_sum, p->multiplier, p->shift) + p->output_zero_point;
        output[i] = (int8_t)tslm_clamp_i32(v, -128, 127);
    }
}

int32_t tslm_dsp_mean_s8_get_buffer_size(const tslm_reduce_params *p)
{
    return tslm_mean_s8_get_buffer_size(p);
}
