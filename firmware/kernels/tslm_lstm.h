/*
 * tslm_lstm.h - UNIDIRECTIONAL_SEQUENCE_LSTM (float32, int8), TFLM's LstmStep in its
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

/*
 * int8 (TFLM's integer LSTM: int8 input, weights and hidden state, int16 cell state and gates): each gate is
 * the input FC (+ bias) and the recurrent FC each requantized to Q3.12 int16, added saturating, then TFLM's
 * int16 sigmoid / tanh (Q0.15); the cell update and the hidden state are requantized int16 products.
 */
typedef struct {
    int32_t batches;
    int32_t time_steps;
    int32_t input_size;
    int32_t units;
    int32_t time_major;
    int32_t cell_tanh;
    int32_t input_offset;               /* -input zero point */
    int32_t hidden_offset;              /* -hidden state zero point (the recurrent FC's input) */
    int32_t hidden_zero_point;
    int32_t input_multiplier[4];        /* per gate (input, forget, cell, output): input x weights -> Q3.12 */
    int32_t input_shift[4];
    int32_t recurrent_multiplier[4];    /* hidden x recurrent weights -> Q3.12 */
    int32_t recurrent_shift[4];
    int32_t forget_cell_multiplier, forget_cell_shift;  /* Q0.15 x cell -> cell */
    int32_t input_cell_multiplier, input_cell_shift;    /* Q0.15 x Q0.15 -> cell */
    int32_t hidden_multiplier, hidden_shift;            /* Q0.15 x Q0.15 -> hidden state */
    int32_t cell_tanh_multiplier, cell_tanh_shift;      /* tanh(cell): the cell scale onto TFLM's table */
    int32_t cell_clip;                                  /* in cell units; 0: no clipping */
} tslm_lstm_s8_params;

/* weights, recurrent: int8 per gate; bias: int32 per gate; hidden: batches x units int8, cell: int16.
 * scratch: tslm_lstm_s8_get_buffer_size bytes. */
void tslm_lstm_s8(const tslm_lstm_s8_params *p, const int8_t *input, const void *const weights[4],
                  const void *const recurrent[4], const void *const bias[4], int8_t *hidden, int16_t *cell,
                  int8_t *output, int16_t *scratch);
/* Scratch bytes: five int16 vectors (units each). */
int32_t tslm_lstm_s8_get_buffer_size(const tslm_lstm_s8_params *p);

#endif /* TSLM_LSTM_H */
