/* tslm_signal_fft.c - portable C99 SignalRfft / SignalIrfft / SignalFftAutoScale (TFLM's signal library).
 *
 * TFLM computes its real FFTs with KissFFT: a complex FFT of n = fft_length / 2 points (the real samples
 * taken as n complex pairs), decimation in time, stages of radix 4 while 4 divides what is left, then 2,
 * 3 and 5 (its generic radix is left out: TFLM's build crashes on it); then a split pass that turns the n complex bins into the n + 1 bins of the real signal. To match it bit
 * for bit the fixed-point types redo its arithmetic exactly:
 *   - every butterfly input is first "divided" by the radix p as x * (MAX / p) rounded (MAX = INT16_MAX
 *     or INT32_MAX: not an exact division),
 *   - products are (a * b + 2^(F-1)) >> F with F = 15 (int16) or 31 (int32), in 32 / 64-bit,
 *   - sums and differences wrap to the type (KissFFT stores them back into the type),
 *   - the split pass halves a + b with an arithmetic shift: int16 sums in 32 bits, int32 sums wrapped to
 *     32 bits first (what TFLM's build computes; found against the oracle with full-scale square waves).
 * The float path keeps KissFFT's order of operations (built without contraction, -std=c99), so the host
 * build gives the bytes the float KissFFT gives. The twiddle tables come from the compiler (computed in
 * double precision and rounded as KissFFT rounds them), one per FFT length and type where the inverse
 * twiddles are the forward ones conjugated (conj).
 *
 * Overflow: the fixed-point sums wrap on purpose; they are computed through unsigned (int32) or int32
 * (int16) arithmetic so that no signed overflow happens in C. */
#include "tslm_signal_fft.h"

#include <string.h>

/* ---- scalar arithmetic of each type ------------------------------------------------------------- */

static inline int16_t s16_round(int32_t x) { return (int16_t)((x + (1 << 14)) >> 15); }
#define s16_ADD(a, b) ((int16_t)((int32_t)(a) + (int32_t)(b)))
#define s16_SUB(a, b) ((int16_t)((int32_t)(a) - (int32_t)(b)))
#define s16_NEG(a) ((int16_t)(-(int32_t)(a)))
#define s16_MULSUB(a, b, c, d) s16_round((int32_t)(a) * (b) - (int32_t)(c) * (d))
#define s16_MULADD(a, b, c, d) s16_round((int32_t)(a) * (b) + (int32_t)(c) * (d))
#define s16_DIV(x, p) s16_round((int32_t)(x) * (INT16_MAX / (p)))
#define s16_HALF_ADD(a, b) ((int16_t)(((int32_t)(a) + (int32_t)(b)) >> 1))
#define s16_HALF_SUB(a, b) ((int16_t)(((int32_t)(a) - (int32_t)(b)) >> 1))
#define s16_HALF(a) ((int16_t)((a) >> 1))
#define s16_SMUL(a, b) s16_round((int32_t)(a) * (b))

static inline int32_t s32_round(int64_t x) { return (int32_t)((x + (1 << 30)) >> 31); }
#define s32_ADD(a, b) ((int32_t)((uint32_t)(a) + (uint32_t)(b)))
#define s32_SUB(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)))
#define s32_NEG(a) ((int32_t)(0u - (uint32_t)(a)))
#define s32_MULSUB(a, b, c, d) s32_round((int64_t)(a) * (b) - (int64_t)(c) * (d))
#define s32_MULADD(a, b, c, d) s32_round((int64_t)(a) * (b) + (int64_t)(c) * (d))
#define s32_DIV(x, p) s32_round((int64_t)(x) * (INT32_MAX / (p)))
#define s32_HALF_ADD(a, b) (s32_ADD(a, b) >> 1)
#define s32_HALF_SUB(a, b) (s32_SUB(a, b) >> 1)
#define s32_HALF(a) ((a) >> 1)
#define s32_SMUL(a, b) s32_round((int64_t)(a) * (b))

#define f32_ADD(a, b) ((a) + (b))
#define f32_SUB(a, b) ((a) - (b))
#define f32_NEG(a) (-(a))
#define f32_MULSUB(a, b, c, d) ((a) * (b) - (c) * (d))
#define f32_MULADD(a, b, c, d) ((a) * (b) + (c) * (d))
#define f32_DIV(x, p) (x)
#define f32_HALF_ADD(a, b) (((a) + (b)) * 0.5f)
#define f32_HALF_SUB(a, b) (((a) - (b)) * 0.5f)
#define f32_HALF(a) ((a) * 0.5f)
#define f32_SMUL(a, b) ((a) * (b))

/* ---- the complex FFT and the real split, once per type ------------------------------------------
 * Complex values are (re, im) pairs of scalars; tw[2k], tw[2k + 1] is twiddle k, its imaginary part
 * negated when conj is set (an inverse transform reading the forward table: KissFFT's inverse twiddles
 * are the conjugates, which the compiler checks value by value before it shares the table). */

#define TSLM_TW_IM(S, conj, w) ((conj) ? S##_NEG((w)[1]) : (w)[1])

#define TSLM_FFT_DEFINE(S, T)                                                                          \
    /* radix-2 stage: m butterflies, twiddle stride fstride */                                         \
    static void bfly2_##S(T *f, int32_t fstride, const T *tw, int conj, int32_t m)                     \
    {                                                                                                  \
        for (int32_t u = 0; u < m; ++u) {                                                              \
            T *a = f + 2 * u, *b = f + 2 * (u + m);                                                    \
            const T *w = tw + 2 * u * fstride;                                                         \
            const T ar = S##_DIV(a[0], 2), ai = S##_DIV(a[1], 2);                                      \
            const T br = S##_DIV(b[0], 2), bi = S##_DIV(b[1], 2);                                      \
            const T wi = TSLM_TW_IM(S, conj, w);                                                       \
            const T tr = S##_MULSUB(br, w[0], bi, wi);                                                 \
            const T ti = S##_MULADD(br, wi, bi, w[0]);                                                 \
            b[0] = S##_SUB(ar, tr);                                                                    \
            b[1] = S##_SUB(ai, ti);                                                                    \
            a[0] = S##_ADD(ar, tr);                                                                    \
            a[1] = S##_ADD(ai, ti);                                                                    \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    /* radix-4 stage; inverse turns the +-i rotation the other way */                                  \
    static void bfly4_##S(T *f, int32_t fstride, const T *tw, int conj, int32_t m, int inverse)        \
    {                                                                                                  \
        for (int32_t u = 0; u < m; ++u) {                                                              \
            T *y0 = f + 2 * u, *y1 = f + 2 * (u + m), *y2 = f + 2 * (u + 2 * m), *y3 = f + 2 * (u + 3 * m); \
            const T *w1 = tw + 2 * u * fstride, *w2 = tw + 4 * u * fstride, *w3 = tw + 6 * u * fstride; \
            const T x0r = S##_DIV(y0[0], 4), x0i = S##_DIV(y0[1], 4);                                  \
            const T x1r = S##_DIV(y1[0], 4), x1i = S##_DIV(y1[1], 4);                                  \
            const T x2r = S##_DIV(y2[0], 4), x2i = S##_DIV(y2[1], 4);                                  \
            const T x3r = S##_DIV(y3[0], 4), x3i = S##_DIV(y3[1], 4);                                  \
            const T w1i = TSLM_TW_IM(S, conj, w1);                                                     \
            const T p1r = S##_MULSUB(x1r, w1[0], x1i, w1i);                                            \
            const T p1i = S##_MULADD(x1r, w1i, x1i, w1[0]);                                            \
            const T w2i = TSLM_TW_IM(S, conj, w2);                                                     \
            const T p2r = S##_MULSUB(x2r, w2[0], x2i, w2i);                                            \
            const T p2i = S##_MULADD(x2r, w2i, x2i, w2[0]);                                            \
            const T w3i = TSLM_TW_IM(S, conj, w3);                                                     \
            const T p3r = S##_MULSUB(x3r, w3[0], x3i, w3i);                                            \
            const T p3i = S##_MULADD(x3r, w3i, x3i, w3[0]);                                            \
            const T dr = S##_SUB(x0r, p2r), di = S##_SUB(x0i, p2i); /* x0 - x2 w2 */                   \
            const T er = S##_ADD(x0r, p2r), ei = S##_ADD(x0i, p2i); /* x0 + x2 w2 */                   \
            const T sr = S##_ADD(p1r, p3r), si = S##_ADD(p1i, p3i);                                    \
            const T qr = S##_SUB(p1r, p3r), qi = S##_SUB(p1i, p3i);                                    \
            y2[0] = S##_SUB(er, sr);                                                                   \
            y2[1] = S##_SUB(ei, si);                                                                   \
            y0[0] = S##_ADD(er, sr);                                                                   \
            y0[1] = S##_ADD(ei, si);                                                                   \
            if (inverse) {                                                                             \
                y1[0] = S##_SUB(dr, qi);                                                               \
                y1[1] = S##_ADD(di, qr);                                                               \
                y3[0] = S##_ADD(dr, qi);                                                               \
                y3[1] = S##_SUB(di, qr);                                                               \
            } else {                                                                                   \
                y1[0] = S##_ADD(dr, qi);                                                               \
                y1[1] = S##_SUB(di, qr);                                                               \
                y3[0] = S##_SUB(dr, qi);                                                               \
                y3[1] = S##_ADD(di, qr);                                                               \
            }                                                                                          \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    /* radix-3 stage */                                                                                \
    static void bfly3_##S(T *f, int32_t fstride, const T *tw, int conj, int32_t m)                     \
    {                                                                                                  \
        const T e = TSLM_TW_IM(S, conj, tw + 2 * fstride * m); /* sin of the third of a turn */        \
        for (int32_t u = 0; u < m; ++u) {                                                              \
            T *y0 = f + 2 * u, *y1 = f + 2 * (u + m), *y2 = f + 2 * (u + 2 * m);                       \
            const T *w1 = tw + 2 * u * fstride, *w2 = tw + 4 * u * fstride;                            \
            const T x0r = S##_DIV(y0[0], 3), x0i = S##_DIV(y0[1], 3);                                  \
            const T x1r = S##_DIV(y1[0], 3), x1i = S##_DIV(y1[1], 3);                                  \
            const T x2r = S##_DIV(y2[0], 3), x2i = S##_DIV(y2[1], 3);                                  \
            const T w1i = TSLM_TW_IM(S, conj, w1);                                                     \
            const T p1r = S##_MULSUB(x1r, w1[0], x1i, w1i);                                            \
            const T p1i = S##_MULADD(x1r, w1i, x1i, w1[0]);                                            \
            const T w2i = TSLM_TW_IM(S, conj, w2);                                                     \
            const T p2r = S##_MULSUB(x2r, w2[0], x2i, w2i);                                            \
            const T p2i = S##_MULADD(x2r, w2i, x2i, w2[0]);                                            \
            const T sr = S##_ADD(p1r, p2r), si = S##_ADD(p1i, p2i);                                    \
            const T dr = S##_SMUL(S##_SUB(p1r, p2r), e), di = S##_SMUL(S##_SUB(p1i, p2i), e);          \
            const T ar = S##_SUB(x0r, S##_HALF(sr)), ai = S##_SUB(x0i, S##_HALF(si));                  \
            y0[0] = S##_ADD(x0r, sr);                                                                  \
            y0[1] = S##_ADD(x0i, si);                                                                  \
            y2[0] = S##_ADD(ar, di);                                                                   \
            y2[1] = S##_SUB(ai, dr);                                                                   \
            y1[0] = S##_SUB(ar, di);                                                                   \
            y1[1] = S##_ADD(ai, dr);                                                                   \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    /* radix-5 stage: KissFFT's grouping of the terms (s7 = x1 + x4, s10 = x1 - x4, s8 = x2 + x3,      \
     * s9 = x2 - x3 after the twiddles) and its left-to-right sums */                                  \
    static void bfly5_##S(T *f, int32_t fstride, const T *tw, int conj, int32_t m)                     \
    {                                                                                                  \
        const T yar = tw[2 * fstride * m], yai = TSLM_TW_IM(S, conj, tw + 2 * fstride * m);            \
        const T ybr = tw[4 * fstride * m], ybi = TSLM_TW_IM(S, conj, tw + 4 * fstride * m);            \
        for (int32_t u = 0; u < m; ++u) {                                                              \
            T *y[5];                                                                                   \
            T xr[5], xi[5];                                                                            \
            for (int32_t q = 0; q < 5; ++q) {                                                          \
                y[q] = f + 2 * (u + q * m);                                                            \
                xr[q] = S##_DIV(y[q][0], 5);                                                           \
                xi[q] = S##_DIV(y[q][1], 5);                                                           \
            }                                                                                          \
            for (int32_t q = 1; q < 5; ++q) {                                                          \
                const T *w = tw + 2 * q * u * fstride;                                                 \
                const T wi = TSLM_TW_IM(S, conj, w);                                                   \
                const T r = S##_MULSUB(xr[q], w[0], xi[q], wi);                                        \
                xi[q] = S##_MULADD(xr[q], wi, xi[q], w[0]);                                            \
                xr[q] = r;                                                                             \
            }                                                                                          \
            const T s7r = S##_ADD(xr[1], xr[4]), s7i = S##_ADD(xi[1], xi[4]);                          \
            const T s10r = S##_SUB(xr[1], xr[4]), s10i = S##_SUB(xi[1], xi[4]);                        \
            const T s8r = S##_ADD(xr[2], xr[3]), s8i = S##_ADD(xi[2], xi[3]);                          \
            const T s9r = S##_SUB(xr[2], xr[3]), s9i = S##_SUB(xi[2], xi[3]);                          \
            y[0][0] = S##_ADD(xr[0], S##_ADD(s7r, s8r));                                               \
            y[0][1] = S##_ADD(xi[0], S##_ADD(s7i, s8i));                                               \
            const T s5r = S##_ADD(S##_ADD(xr[0], S##_SMUL(s7r, yar)), S##_SMUL(s8r, ybr));             \
            const T s5i = S##_ADD(S##_ADD(xi[0], S##_SMUL(s7i, yar)), S##_SMUL(s8i, ybr));             \
            const T s6r = S##_ADD(S##_SMUL(s10i, yai), S##_SMUL(s9i, ybi));                            \
            const T s6i = S##_SUB(S##_NEG(S##_SMUL(s10r, yai)), S##_SMUL(s9r, ybi));                   \
            y[1][0] = S##_SUB(s5r, s6r);                                                               \
            y[1][1] = S##_SUB(s5i, s6i);                                                               \
            y[4][0] = S##_ADD(s5r, s6r);                                                               \
            y[4][1] = S##_ADD(s5i, s6i);                                                               \
            const T s11r = S##_ADD(S##_ADD(xr[0], S##_SMUL(s7r, ybr)), S##_SMUL(s8r, yar));            \
            const T s11i = S##_ADD(S##_ADD(xi[0], S##_SMUL(s7i, ybr)), S##_SMUL(s8i, yar));            \
            const T s12r = S##_ADD(S##_NEG(S##_SMUL(s10i, ybi)), S##_SMUL(s9i, yai));                  \
            const T s12i = S##_SUB(S##_SMUL(s10r, ybi), S##_SMUL(s9r, yai));                           \
            y[2][0] = S##_ADD(s11r, s12r);                                                             \
            y[2][1] = S##_ADD(s11i, s12i);                                                             \
            y[3][0] = S##_SUB(s11r, s12r);                                                             \
            y[3][1] = S##_SUB(s11i, s12i);                                                             \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    /* out[0..p*m) = the DFT of in[0], in[fstride], in[2 fstride]... (p*m points): each of the p       \
     * interleaved sub-sequences transformed into its block of m, then the stage's butterflies */      \
    static void work_##S(T *out, const T *in, int32_t fstride, const int32_t *factors, const T *tw,    \
                         int conj, int inverse)                                                        \
    {                                                                                                  \
        const int32_t p = factors[0], m = factors[1];                                                  \
        for (int32_t q = 0; q < p; ++q) {                                                              \
            if (m == 1) {                                                                              \
                out[2 * q] = in[2 * q * fstride];                                                      \
                out[2 * q + 1] = in[2 * q * fstride + 1];                                              \
            } else {                                                                                   \
                work_##S(out + 2 * q * m, in + 2 * q * fstride, fstride * p, factors + 2, tw, conj,    \
                         inverse);                                                                     \
            }                                                                                          \
        }                                                                                              \
        switch (p) {                                                                                   \
        case 2: bfly2_##S(out, fstride, tw, conj, m); break;                                           \
        case 3: bfly3_##S(out, fstride, tw, conj, m); break;                                           \
        case 4: bfly4_##S(out, fstride, tw, conj, m, inverse); break;                                  \
        default: bfly5_##S(out, fstride, tw, conj, m); break;                                          \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    void tslm_signal_rfft_##S(const tslm_signal_fft_params *p, const T *input, T *output, T *scratch)  \
    {                                                                                                  \
        const int32_t nfft = p->fft_length, n = nfft / 2;                                              \
        const T *tw = (const T *)p->table, *split = tw + 2 * n;                                        \
        const int conj = p->conj;                                                                      \
        for (int32_t r = 0; r < p->rows; ++r) {                                                        \
            const T *x = input + r * p->in_length;                                                     \
            T *y = output + r * p->out_stride;                                                         \
            if (p->in_length < nfft) { /* zero-padded to fft_length */                                 \
                memcpy(scratch, x, (size_t)p->in_length * sizeof(T));                                  \
                memset(scratch + p->in_length, 0, (size_t)(nfft - p->in_length) * sizeof(T));          \
                x = scratch;                                                                           \
            }                                                                                          \
            work_##S(y, x, 1, p->factors, tw, conj, 0); /* y[0..n): n-point FFT of the sample pairs */ \
            const T dcr = S##_DIV(y[0], 2), dci = S##_DIV(y[1], 2);                                    \
            y[0] = S##_ADD(dcr, dci);                                                                  \
            y[1] = 0;                                                                                  \
            y[2 * n] = S##_SUB(dcr, dci);                                                              \
            y[2 * n + 1] = 0;                                                                          \
            for (int32_t k = 1; k <= n / 2; ++k) { /* bins k and n - k, in place */                    \
                T *a = y + 2 * k, *b = y + 2 * (n - k);                                                \
                const T *w = split + 2 * (k - 1);                                                      \
                const T ar = S##_DIV(a[0], 2), ai = S##_DIV(a[1], 2);                                  \
                const T br = S##_DIV(b[0], 2), bi = S##_DIV(S##_NEG(b[1]), 2);                         \
                const T sr = S##_ADD(ar, br), si = S##_ADD(ai, bi);                                    \
                const T dr = S##_SUB(ar, br), di = S##_SUB(ai, bi);                                    \
                const T wi = TSLM_TW_IM(S, conj, w);                                                   \
                const T tr = S##_MULSUB(dr, w[0], di, wi);                                             \
                const T ti = S##_MULADD(dr, wi, di, w[0]);                                             \
                a[0] = S##_HALF_ADD(sr, tr);                                                           \
                a[1] = S##_HALF_ADD(si, ti);                                                           \
                b[0] = S##_HALF_SUB(sr, tr);                                                           \
                b[1] = S##_HALF_SUB(ti, si);                                                           \
            }                                                                                          \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    static void irfft_row_##S(const tslm_signal_fft_params *p, const T *f, T *y, T *t)                 \
    {                                                                                                  \
        const int32_t n = p->fft_length / 2;                                                           \
        const T *tw = (const T *)p->table, *split = tw + 2 * n;                                        \
        const int conj = p->conj;                                                                      \
        const T t0r = S##_ADD(f[0], f[2 * n]), t0i = S##_SUB(f[0], f[2 * n]);                          \
        t[0] = S##_DIV(t0r, 2);                                                                        \
        t[1] = S##_DIV(t0i, 2);                                                                        \
        for (int32_t k = 1; k <= n / 2; ++k) {                                                         \
            const T *a = f + 2 * k, *b = f + 2 * (n - k), *w = split + 2 * (k - 1);                    \
            const T ar = S##_DIV(a[0], 2), ai = S##_DIV(a[1], 2);                                      \
            const T br = S##_DIV(b[0], 2), bi = S##_DIV(S##_NEG(b[1]), 2);                             \
            const T er = S##_ADD(ar, br), ei = S##_ADD(ai, bi);                                        \
            const T dr = S##_SUB(ar, br), di = S##_SUB(ai, bi);                                        \
            const T wi = TSLM_TW_IM(S, conj, w);                                                       \
            const T orr = S##_MULSUB(dr, w[0], di, wi);                                                \
            const T oi = S##_MULADD(dr, wi, di, w[0]);                                                 \
            t[2 * k] = S##_ADD(er, orr);                                                               \
            t[2 * k + 1] = S##_ADD(ei, oi);                                                            \
            t[2 * (n - k)] = S##_SUB(er, orr);                                                         \
            t[2 * (n - k) + 1] = S##_NEG(S##_SUB(ei, oi));                                             \
        }                                                                                              \
        work_##S(y, t, 1, p->factors, tw, conj, 1);                                                    \
    }

TSLM_FFT_DEFINE(s16, int16_t)
TSLM_FFT_DEFINE(s32, int32_t)
TSLM_FFT_DEFINE(f32, float)

void tslm_signal_irfft_s16(const tslm_signal_fft_params *p, const int16_t *input, int16_t *output,
                           int16_t *scratch)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        irfft_row_s16(p, input + 2 * r * p->in_length, output + r * p->out_stride, scratch);
    }
}

void tslm_signal_irfft_s32(const tslm_signal_fft_params *p, const int32_t *input, int32_t *output,
                           int32_t *scratch)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        irfft_row_s32(p, input + 2 * r * p->in_length, output + r * p->out_stride, scratch);
    }
}

void tslm_signal_irfft_f32(const tslm_signal_fft_params *p, const float *input, float *output, float *scratch)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        float *y = output + r * p->out_stride;
        irfft_row_f32(p, input + 2 * r * p->in_length, y, scratch);
        /* KissFFT's inverse is unscaled; TFLM divides by the real length */
        for (int32_t i = 0; i < p->fft_length; ++i) {
            y[i] /= (float)p->fft_length;
        }
    }
}

void tslm_signal_fft_auto_scale_s16(int32_t size, const int16_t *input, int16_t *output, int32_t *scale_bits)
{
    /* TFLM's MaxAbs16: -32768 does not fit its int16 maximum and wraps to -32768, after which any larger
     * sample replaces it; a negative or zero maximum then counts 32 significant bits, so no shift. */
    int16_t max = 0;
    for (int32_t i = 0; i < size; ++i) {
        const int32_t v = input[i];
        if (v > max) {
            max = (int16_t)v;
        } else if (-v > max) {
            max = (int16_t)-v;
        }
    }
    int32_t bits = 0;
    for (int32_t m = max; m > 0; m >>= 1) {
        ++bits;
    }
    const int32_t shift = max > 0 ? 15 - bits : 0;
    for (int32_t i = 0; i < size; ++i) {
        output[i] = (int16_t)((int32_t)input[i] * (1 << shift));
    }
    *scale_bits = shift;
}
