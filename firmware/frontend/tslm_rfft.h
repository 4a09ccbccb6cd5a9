/*
 * tslm_rfft.h - spectrum magnitudes of a real signal, float32, radix-2, in place.
 *
 * An n-point real FFT is computed as an n/2-point complex FFT of the even/odd
 * samples packed as (re, im) pairs, followed by the usual split step. Only
 * the magnitudes |X[k]| (or powers |X[k]|^2), k = 0..n/2, are kept: that is
 * all a mel filterbank needs. No allocation, no tables built at run time.
 */
#ifndef TSLM_RFFT_H
#define TSLM_RFFT_H

#include <stddef.h>

/*
 * buf:     [n] floats in: the real signal x[0..n-1];
 *          out: buf[k] = |X[k]| (power = 0) or |X[k]|^2 (power = 1) for k = 0..n/2;
 *          buf[n/2 + 1 .. n-1] is left undefined (free for the caller).
 * n:       FFT size, a power of two >= 4.
 * twiddle: [n] floats: cos(2 pi k / n), -sin(2 pi k / n) interleaved, k = 0..n/2-1
 *          (exp(-2 pi i k / n)); generated as const data by tinyslm.
 */
void tslm_rfft_magnitude(float *buf, size_t n, const float *twiddle, int power);

#endif /* TSLM_RFFT_H */
