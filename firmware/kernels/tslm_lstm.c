/* tslm_lstm.c - portable C99 UNIDIRECTIONAL_SEQUENCE_LSTM (float32, int8), TFLM's reference arithmetic. */
#include <math.h>

#include "tslm_lstm.h"
#include "tslm_lut.h" /* TFLM's int16 sigmoid and tanh */

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

static int16_t saturate16(int32_t v)
{
    return (int16_t)tslm_clamp_i32(v, -32768, 32767);
}

/* One gate's pre-activation for one batch row, Q3.12: the input FC (+ bias) and the recurrent FC, each
 * requantized and saturated to int16, added saturating. */
static void gate_s8(const tslm_lstm_s8_params *p, int g, const int8_t *x, const int8_t *h, const int8_t *w,
                    const int8_t *r, const int32_t *b, int16_t *pre)
{
    for (int32_t u = 0; u < p->units; ++u) {
        int32_t acc = 0;
        for (int32_t k = 0; k < p->input_size; ++k) {
            acc += (int32_t)w[u * p->input_size + k] * ((int32_t)x[k] + p->input_offset);
        }
        if (b != NULL) {
            acc += b[u];
        }
        int32_t rec = 0;
        for (int32_t k = 0; k < p->units; ++k) {
            rec += (int32_t)r[u * p->units + k] * ((int32_t)h[k] + p->hidden_offset);
        }
        const int16_t from_input = saturate16(tslm_requantize(acc, p->input_multiplier[g], p->input_shift[g]));
        const int16_t from_hidden = saturate16(tslm_requantize(rec, p->recurrent_multiplier[g],
                                                               p->recurrent_shift[g]));
        pre[u] = saturate16((int32_t)from_input + (int32_t)from_hidden);
    }
}

void tslm_lstm_s8(const tslm_lstm_s8_params *p, const int8_t *input, const void *const weights[4],
                  const void *const recurrent[4], const void *const bias[4], int8_t *hidden, int16_t *cell,
                  int8_t *output, int16_t *scratch)
{
    int16_t *forget = scratch;
    int16_t *in_gate = scratch + p->units;
    int16_t *cell_gate = scratch + 2 * p->units;
    int16_t *out_gate = scratch + 3 * p->units;
    int16_t *tmp = scratch + 4 * p->units;
    /* the gates' Q3.12 onto the table (3 x 2^12 steps per unit); the cell state's own scale for its tanh */
    const tslm_sigmoid_s16_params gate_act = {p->units, 3, 0};
    const tslm_sigmoid_s16_params cell_act = {p->units, p->cell_tanh_multiplier, p->cell_tanh_shift};
#define W(g) ((const int8_t *)weights[g])
#define R(g) ((const int8_t *)recurrent[g])
#define B(g) ((const int32_t *)bias[g])
    for (int32_t t = 0; t < p->time_steps; ++t) {
        for (int32_t b = 0; b < p->batches; ++b) {
            const int32_t row = p->time_major ? t * p->batches + b : b * p->time_steps + t;
            const int8_t *x = input + row * p->input_size;
            int8_t *h = hidden + b * p->units;
            int16_t *c = cell + b * p->units;
            gate_s8(p, GATE_FORGET, x, h, W(GATE_FORGET), R(GATE_FORGET), B(GATE_FORGET), tmp);
            tslm_logistic_s16(&gate_act, tmp, forget);
            gate_s8(p, GATE_INPUT, x, h, W(GATE_INPUT), R(GATE_INPUT), B(GATE_INPUT), tmp);
            tslm_logistic_s16(&gate_act, tmp, in_gate);
            gate_s8(p, GATE_CELL, x, h, W(GATE_CELL), R(GATE_CELL), B(GATE_CELL), tmp);
            if (p->cell_tanh) {
                tslm_tanh_s16(&gate_act, tmp, cell_gate);
            } else {
                tslm_logistic_s16(&gate_act, tmp, cell_gate);
            }
            for (int32_t u = 0; u < p->units; ++u) { /* forget x cell + input x cell gate, clipped */
                const int16_t kept = saturate16(tslm_requantize((int32_t)forget[u] * c[u], p->forget_cell_multiplier,
                                                                p->forget_cell_shift));
                const int16_t added = saturate16(tslm_requantize((int32_t)in_gate[u] * cell_gate[u],
                                                                 p->input_cell_multiplier, p->input_cell_shift));
                int32_t v = saturate16((int32_t)kept + (int32_t)added);
                if (p->cell_clip > 0) {
                    v = tslm_clamp_i32(v, -p->cell_clip, p->cell_clip);
                }
                c[u] = (int16_t)v;
            }
            gate_s8(p, GATE_OUTPUT, x, h, W(GATE_OUTPUT), R(GATE_OUTPUT), B(GATE_OUTPUT), tmp);
            tslm_logistic_s16(&gate_act, tmp, out_gate);
            tslm_tanh_s16(&cell_act, c, tmp);
            for (int32_t u = 0; u < p->units; ++u) {
                const int32_t v = tslm_requantize((int32_t)tmp[u] * out_gate[u], p->hidden_multiplier, p->hidden_shift) +
                                  p->hidden_zero_point;
                h[u] = (int8_t)tslm_clamp_i32(v, -128, 127);
                output[row * p->units + u] = h[u];
            }
        }
    }
#undef W
#undef R
#undef B
}

int32_t tslm_lstm_s8_get_buffer_size(const tslm_lstm_s8_params *p)
{
    return 5 * p->units * (int32_t)sizeof(int16_t);
}
