/* tslm_signal_fft.h - TFLM's signal library FFTs: SignalRfft, SignalIrfft (int16, int32, float32) and
 * SignalFftAutoScale, with the arithmetic of the KissFFT that TFLM builds them on (fixed-point stages
 * scaled down by their radix, products rounded to nearest; float stages in its operation order). */
#ifndef TSLM_SIGNAL_FFT_H
#define TSLM_SIGNAL_FFT_H

#include "tslm_common.h"

#define TSLM_FFT_MAX_STAGES 16

typedef struct {
    int32_t rows;        /* transforms per call (product of the outer dimensions) */
    int32_t fft_length;  /* real samples per transform; n = fft_length / 2 complex points */
    int32_t in_length;   /* rfft: samples per input row (<= fft_length, zero-padded); irfft: complex values
                          * per input row (>= n + 1, the first n + 1 used) */
    int32_t out_stride;  /* output scalars per row: rfft 2 * (n + 1), irfft fft_length */
    int32_t stages;      /* the complex FFT's stages, outermost first */
    int32_t factors[2 * TSLM_FFT_MAX_STAGES];  /* per stage: radix p, then what is left m (n = p * m) */
    /* the type's table (int16_t / int32_t / float): the forward transform's n complex twiddles
     * exp(-2 pi i k / n), then its n / 2 complex real-split twiddles, as (re, im) pairs rounded as KissFFT
     * rounds them; an inverse transform's own table, or the forward one read conjugated (conj) */
    const void *table;
    int32_t conj;        /* 1: negate the table's imaginary parts (an irfft sharing the rfft's table) */
} tslm_signal_fft_params;

/* output[r] = the fft_length/2 + 1 complex bins (re, im) of input row r zero-padded to fft_length:
 * SignalRfft. scratch: fft_length scalars when in_length < fft_length, else unused (may be NULL). */
void tslm_signal_rfft_s16(const tslm_signal_fft_params *p, const int16_t *input, int16_t *output,
                          int16_t *scratch);
void tslm_signal_rfft_s32(const tslm_signal_fft_params *p, const int32_t *input, int32_t *output,
                          int32_t *scratch);
void tslm_signal_rfft_f32(const tslm_signal_fft_params *p, const float *input, float *output, float *scratch);

/* output[r] = the fft_length real samples whose spectrum is input row r (fixed point: scaled down by
 * fft_length / 2 as KissFFT scales; float: divided by fft_length): SignalIrfft. scratch: fft_length
 * scalars. */
void tslm_signal_irfft_s16(const tslm_signal_fft_params *p, const int16_t *input, int16_t *output,
                           int16_t *scratch);
void tslm_signal_irfft_s32(const tslm_signal_fft_params *p, const int32_t *input, int32_t *output,
                           int32_t *scratch);
void tslm_signal_irfft_f32(const tslm_signal_fft_params *p, const float *input, float *output, float *scratch);

/* output[i] = input[i] << s for the first `size` samples, *scale_bits = s: the left shift that brings the
 * largest magnitude up to bit 14 (TFLM's MaxAbs16 and MostSignificantBit32, quirks included): SignalFftAutoScale. */
void tslm_signal_fft_auto_scale_s16(int32_t size, const int16_t *input, int16_t *output, int32_t *scale_bits);

#endif /* TSLM_SIGNAL_FFT_H */
