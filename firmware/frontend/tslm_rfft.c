/* tslm_rfft.c - see tslm_rfft.h. Portable C99, float32 only. */
#include "tslm_rfft.h"

#include <math.h>

/* In-place radix-2 decimation-in-time FFT of m complex values (re, im pairs).
 * The twiddle table is for size 2m: W_m^j = twiddle[2 * (2j)] + i twiddle[2 * (2j) + 1]. */
static void complex_fft(float *z, size_t m, const float *twiddle)
{
    /* bit-reversal permutation */
    for (size_t i = 1, j = 0; i < m; i++) {
        size_t bit = m >> 1;
        for (; j & bit; bit >>= 1) {
            j ^= bit;
        }
        j ^= bit;
        if (i < j) {
            const float re = z[2 * i], im = z[2 * i + 1];
            z[2 * i] = z[2 * j];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = re;
            z[2 * j + 1] = im;
        }
    }
    /* butterflies: blocks of len values, twiddle W_len^j = W_2m^(j * 2m / len) */
    for (size_t len = 2; len <= m; len <<= 1) {
        const size_t half = len >> 1;
        const size_t step = 2 * m / len; /* in entries of the size-2m table */
        for (size_t start = 0; start < m; start += len) {
            for (size_t j = 0; j < half; j++) {
                const float wr = twiddle[2 * j * step], wi = twiddle[2 * j * step + 1];
                float *a = z + 2 * (start + j);
                float *b = z + 2 * (start + j + half);
                const float vr = b[0] * wr - b[1] * wi;
                const float vi = b[0] * wi + b[1] * wr;
                b[0] = a[0] - vr;
                b[1] = a[1] - vi;
                a[0] += vr;
                a[1] += vi;
            }
        }
    }
}

static float finish(float re, float im, int power)
{
    const float p = re * re + im * im;
    return power ? p : sqrtf(p);
}

void tslm_rfft_magnitude(float *buf, size_t n, const float *twiddle, int power)
{
    const size_t m = n / 2; /* complex FFT size */
    complex_fft(buf, m, twiddle);

    /* Split step. With Z = FFT of the packed signal, for 0 < k < m:
     *   E = (Z[k] + conj(Z[m-k])) / 2,  O = -i (Z[k] - conj(Z[m-k])) / 2,  W = exp(-2 pi i k / n)
     *   X[k] = E + W O,   |X[m-k]| = |E - W O|.
     * Pairs (k, m-k) only read their own two slots, so each magnitude is stored in the
     * real slot of its bin (buf[2k]) and compacted afterwards. */
    const float dc = buf[0] + buf[1];
    const float nyquist = buf[0] - buf[1];
    for (size_t k = 1; k <= m / 2; k++) {
        float *zk = buf + 2 * k;
        float *zc = buf + 2 * (m - k);
        const float er = 0.5f * (zk[0] + zc[0]), ei = 0.5f * (zk[1] - zc[1]);
        const float or_ = 0.5f * (zk[1] + zc[1]), oi = -0.5f * (zk[0] - zc[0]);
        const float wr = twiddle[2 * k], wi = twiddle[2 * k + 1];
        const float tr = wr * or_ - wi * oi, ti = wr * oi + wi * or_;
        const float mk = finish(er + tr, ei + ti, power);
        const float mc = finish(er - tr, -(ei - ti), power);
        zk[0] = mk;
        zc[0] = mc;
    }
    for (size_t k = 1; k < m; k++) {
        buf[k] = buf[2 * k];
    }
    buf[0] = power ? dc * dc : fabsf(dc);
    buf[m] = power ? nyquist * nyquist : fabsf(nyquist);
}
