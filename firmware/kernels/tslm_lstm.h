/*
 * tslm_lstm.h - UNIDIRECTIONAL_SEQUENCE_LSTM (float32), TFLM's LstmStep in its
 * order: per time step the forget, input and cell gates (input FC + bias, then
 * recurrent FC, added, then sigmoid / tanh), the cell update (forget x cell +
 * input x cell gate, clipped), the output gate, the new hidden state
 * tanh(cell) x output gate, copied to the output.
 *
 * The hidden and cell states are the model's variable tensors (batches x
 * units): they persist across invocations and NAME_reset() clears them.
 */
#ifndef TSLM_LSTM_H
#define TSLM_LSTM_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t time_steps;
    int32_t input_size;
    int32_t units;
    int32_t time_major;  /* input and output are time x batches x features (else batches x time x features) */
    int32_t cell_tanh;   /* the cell gate's activation: 1 tanh (TFLM's default), 0 sigmoid */
} tslm_lstm_params;

/* weights[g], recurrent[g], bias[g] for the gates g = input, forget, cell, output (TFLM's tensor order):
 * units x input_size, units x units, units floats. cell_clip > 0 clips the cell state to +-cell_clip.
 * scratch: tslm_lstm_f32_get_buffer_size bytes. */
void tslm_lstm_f32(const tslm_lstm_params *p, float cell_clip, const float *input, const void *const weights[4],
                   const void *const recurrent[4], const void *const bias[4], float *hidden, float *cell,
                   float *output, float *scratch);
/* Scratch bytes: five gate-sized float vectors (units each). */
int32_t tslm_lstm_f32_get_buffer_size(const tslm_lstm_params *p);

#endif /* TSLM_LSTM_H */
