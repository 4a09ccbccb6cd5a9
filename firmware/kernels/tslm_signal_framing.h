/* tslm_signal_framing.h - TFLM's signal library: windowing and delay of int16 sample rows. */
#ifndef TSLM_SIGNAL_FRAMING_H
#define TSLM_SIGNAL_FRAMING_H

#include "tslm_common.h"

typedef struct {
    int32_t rows;   /* input samples / size */
    int32_t size;   /* window length */
    int32_t shift;  /* the window is Q(shift) */
} tslm_signal_window_params;

/* output[r][i] = saturate_int16((input[r][i] * window[i]) >> shift): SignalWindow. */
void tslm_signal_window_s16(const tslm_signal_window_params *p, const int16_t *input, const int16_t *window,
                            int16_t *output);

typedef struct {
    int32_t rows;          /* product of the outer dimensions */
    int32_t frame_size;    /* samples per row and invocation */
    int32_t delay_length;  /* samples of delay; the state holds that many per row */
} tslm_signal_delay_params;

/* Each row's samples delayed by delay_length: output = (state, input)[0 : frame_size], state = the last
 * delay_length samples of (state, input). state: int16[rows][delay_length], zeros after reset (TFLM's
 * zero prefill); NULL when delay_length is 0. SignalDelay. */
void tslm_signal_delay_s16(const tslm_signal_delay_params *p, const int16_t *input, int16_t *state,
                           int16_t *output);

#endif /* TSLM_SIGNAL_FRAMING_H */
