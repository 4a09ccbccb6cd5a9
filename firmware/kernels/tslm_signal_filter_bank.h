/* tslm_signal_filter_bank.h - TFLM's signal library from spectrum to features: energy, mel-style filter
 * bank, its square root, log and spectral subtraction, and PCAN, with TFLM's integer arithmetic. */
#ifndef TSLM_SIGNAL_FILTER_BANK_H
#define TSLM_SIGNAL_FILTER_BANK_H

#include "tslm_common.h"

typedef struct {
    int32_t start_index;  /* first bin computed */
    int32_t end_index;    /* one past the last */
    int32_t size;         /* output elements */
} tslm_signal_energy_params;

/* output[i] = re[i]^2 + im[i]^2 (as uint32) for i in [start_index, end_index), input: int16 (re, im) pairs.
 * TFLM leaves the other outputs unwritten (whatever its arena held); here they are zeros. SignalEnergy. */
void tslm_signal_energy_u32(const tslm_signal_energy_params *p, const int16_t *input, uint32_t *output);

typedef struct {
    int32_t num_channels;  /* channels; the tables hold num_channels + 1 entries (entry 0 is scratch) */
    int32_t outputs;       /* outputs written, <= num_channels */
} tslm_signal_filter_bank_params;

/* Channel i (0..num_channels) sums weights[ws[i] + j] * input[fs[i] + j] over j < widths[i] into its own
 * accumulator and the unweighted products into the next channel's; output[i] is channel i + 1's sum, all
 * in wrapping uint64 arithmetic (int16 weights sign-extended). SignalFilterBank. */
void tslm_signal_filter_bank_u32(const tslm_signal_filter_bank_params *p, const uint32_t *input,
                                 const int16_t *weights, const int16_t *unweights, const int16_t *freq_starts,
                                 const int16_t *weight_starts, const int16_t *widths, uint64_t *output);

typedef struct {
    int32_t size;  /* elements */
} tslm_signal_filter_bank_sqrt_params;

/* output[i] = rounded sqrt(input[i]) >> *scale_bits (TFLM's Sqrt64: 32-bit path under 2^32).
 * scale_bits is a tensor: a constant, or SignalFftAutoScale's output at run time (0..15); a shift outside
 * 0..31, undefined in TFLM's C++, gives 0 here. SignalFilterBankSquareRoot. */
void tslm_signal_filter_bank_sqrt_u32(const tslm_signal_filter_bank_sqrt_params *p, const uint64_t *input,
                                      const int32_t *scale_bits, uint32_t *output);

typedef struct {
    int32_t size;                   /* elements */
    int32_t input_correction_bits;  /* input << this before the log, 0..31 */
    uint32_t output_scale;          /* the log's multiplier (Q16 result), as TFLM's uint32 */
} tslm_signal_filter_bank_log_params;

/* output[i] = min(Log32(input[i] << input_correction_bits, output_scale), INT16_MAX), 0 where the shifted
 * input is 0 or 1. SignalFilterBankLog. */
void tslm_signal_filter_bank_log_u32(const tslm_signal_filter_bank_log_params *p, const uint32_t *input,
                                     int16_t *output);

typedef struct {
    int32_t num_channels;
    uint32_t smoothing;                      /* even channels' filter coefficient, Q(spectral_subtraction_bits) */
    uint32_t one_minus_smoothing;
    uint32_t alternate_smoothing;            /* odd channels' */
    uint32_t alternate_one_minus_smoothing;
    uint32_t min_signal_remaining;           /* floor of the output as a fraction of the input */
    int32_t smoothing_bits;                  /* extra fraction bits of the estimate, 0..31 */
    int32_t spectral_subtraction_bits;       /* 0..63 */
    int32_t clamping;                        /* nonzero: the estimate follows the signal down */
} tslm_signal_spectral_subtraction_params;

/* The input less a smoothed noise estimate, floored at min_signal_remaining of it. noise: uint32[num_channels],
 * the state kept across invocations (zeros after reset, as TFLM's after Prepare/Reset); noise_out: its copy
 * after this invocation. SignalFilterBankSpectralSubtraction. */
void tslm_signal_spectral_subtraction_u32(const tslm_signal_spectral_subtraction_params *p, const uint32_t *input,
                                          uint32_t *noise, uint32_t *output, uint32_t *noise_out);

typedef struct {
    int32_t size;       /* channels */
    int32_t snr_shift;  /* 0..63 */
} tslm_signal_pcan_params;

/* output[i] = shrink((input[i] * gain(noise[i])) >> snr_shift), gain from TFLM's piecewise quadratic
 * WideDynamicFunction over gain_lut (>= 125 entries). SignalPCAN. */
void tslm_signal_pcan_u32(const tslm_signal_pcan_params *p, const uint32_t *input, const uint32_t *noise,
                          const int16_t *gain_lut, uint32_t *output);

#endif /* TSLM_SIGNAL_FILTER_BANK_H */
