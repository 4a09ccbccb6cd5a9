/* tslm_lstm.c - portable C99 UNIDIRECTIONAL_SEQUENCE_LSTM (float32), TFLM's reference arithmetic. */
#include <math.h>

#include "tslm_lstm.h"

enum { GATE_INPUT = 0, GATE_FORGET, GATE_CELL, GATE_OUTPUT };

/* TFLM's reference Logistic (its cut-offs) and the clamp its float FC and Mul apply with no activation. */
static float sigmoid(float x)
{
    return x > 16.619047164916992188f ? 1.0f : (x < -9.0f ? expf(x) : 1.0f / (1.0f + expf(-x)));
}

/* One gate for one batch row: (x . W + b) + (h . R + 0), then its activation, into gate[units]. */
static void gate(const tslm_lstm_params *p, const float *x, const float *h, const float *w, const float *r,
                 const float *b, int activation_tanh, float *gate_out)
{
    for (int32_t u = 0; u < p->units; ++u) {
        float from_input = 0.0f;
        for (int32_t k = 0; k < p->input_size; ++k) {
            from_input += x[k] * w[u * p->input_size + k];
        }
        float from_hidden = 0.0f;
        for (int32_t k = 0; k < p->units; ++k) {
            from_hidden += h[k] * r[u * p->units + k];
        }
        const float sum = tslm_activation_f32(from_input + (b != NULL ? b[u] : 0.0f), TSLM_ACT_NONE) +
                          tslm_activation_f32(from_hidden + 0.0f, TSLM_ACT_NONE);
        gate_out[u] = activation_tanh ? tanhf(sum) : sigmoid(sum);
    }
}

void tslm_lstm_f32(const tslm_lstm_params *p, float cell_clip, const float *input, const void *const weights[4],
                   const void *const recurrent[4], const void *const bias[4], float *hidden, float *cell,
                   float *output, float *scratch)
{
    float *forget = scratch;
    float *in_gate = scratch + p->units;
    float *cell_gate = scratch + 2 * p->units;
    float *out_gate = scratch + 3 * p->units;
    float *new_hidden = scratch + 4 * p->units;
#define W(g) ((const float *)weights[g])
#define R(g) ((const float *)recurrent[g])
#define B(g) ((const float *)bias[g])
    for (int32_t t = 0; t < p->time_steps; ++t) {
        for (int32_t b = 0; b < p->batches; ++b) {
            const int32_t row = p->time_major ? t * p->batches + b : b * p->time_steps + t;
            const float *x = input + row * p->input_size;
            float *h = hidden + b * p->units;
            float *c = cell + b * p->units;
            gate(p, x, h, W(GATE_FORGET), R(GATE_FORGET), B(GATE_FORGET), 0, forget);
            gate(p, x, h, W(GATE_INPUT), R(GATE_INPUT), B(GATE_INPUT), 0, in_gate);
            gate(p, x, h, W(GATE_CELL), R(GATE_CELL), B(GATE_CELL), p->cell_tanh, cell_gate);
            for (int32_t u = 0; u < p->units; ++u) { /* forget x cell + input x cell gate, clipped */
                const float kept = tslm_activation_f32(forget[u] * c[u], TSLM_ACT_NONE);
                const float added = tslm_activation_f32(in_gate[u] * cell_gate[u], TSLM_ACT_NONE);
                float v = kept + added;
                if (cell_clip > 0.0f) {
                    v = v < cell_clip ? v : cell_clip;
                    v = v > -cell_clip ? v : -cell_clip;
                }
                c[u] = v;
            }
            gate(p, x, h, W(GATE_OUTPUT), R(GATE_OUTPUT), B(GATE_OUTPUT), 0, out_gate);
            for (int32_t u = 0; u < p->units; ++u) {
                new_hidden[u] = tslm_activation_f32(tanhf(c[u]) * out_gate[u], TSLM_ACT_NONE);
            }
            for (int32_t u = 0; u < p->units; ++u) {
                h[u] = new_hidden[u];
                output[row * p->units + u] = new_hidden[u];
            }
        }
    }
#undef W
#undef R
#undef B
}

int32_t tslm_lstm_f32_get_buffer_size(const tslm_lstm_params *p)
{
    return 5 * p->units * (int32_t)sizeof(float);
}
