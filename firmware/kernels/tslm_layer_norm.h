/* tslm_layer_norm.h - a layer norm's int8 chain in one call, every intermediate as TFLM's kernels round it.
 *
 * The converter writes LayerNormalization as MEAN, SUB, MUL (d * d), MEAN, ADD (eps), RSQRT, MUL and,
 * optionally, MUL (gamma) and ADD (beta), over the last axis. The compiler (tinyslm/compiler/ops/
 * layer_norm.py) fuses the chain when nothing else reads its intermediates: this kernel runs the same
 * int8 steps one row at a time (the element-wise kernels on one row each), keeping a row's
 * intermediates in scratch instead of whole tensors in the arena. */
#ifndef TSLM_LAYER_NORM_H
#define TSLM_LAYER_NORM_H

#include "tslm_common.h"
#include "tslm_binary.h"
#include "tslm_reduce.h"

typedef struct {
    int32_t rows, cols;       /* the input is rows x cols, normalized over each row */
    tslm_reduce_params mean;  /* MEAN of one row of the input */
    tslm_reduce_params var;   /* MEAN of one row of squares */
    tslm_binary_params sub;   /* one row (input 1) minus its mean (input 2, one value) */
    tslm_binary_params scale; /* one row of differences (input 1) times the row's scale (input 2, one value) */
    tslm_binary_params gamma; /* one row (input 1) times gamma (input 2, a row); steps >= 1 */
    tslm_binary_params beta;  /* one row (input 1) plus beta (input 2, a row); steps == 2 */
    const int8_t *square;     /* d * d for d = -128..127 (the square's MUL as a table) */
    const int8_t *scale_table; /* a row's scale for its variance -128..127 (ADD eps and RSQRT composed) */
    int32_t steps;            /* after the scale: 0, 1 (gamma) or 2 (gamma, beta) */
    /* steps == 2: per channel {K, C, A, B} the compiler computed for the Cortex-M DSP kernel (gamma's MUL from
     * K and C, beta's ADD as ssat8((v A + B) >> 16), checked on every int8 v; for the Helium kernel beta's one A
     * for every channel, then per four channels {K[4], B[4]}, K halved); NULL: none (the portable kernel ignores it) */
    const int32_t *folded;
    /* the Cortex-M DSP kernel's SUB of a row's mean as ssat8((x A + B) >> 22), B = (t M + E) >> L from its row
     * term t and the SUB's output multiplier M, checked by the compiler on every int8 mean and x: {A, E's low
     * word, E's high word, L}; or (both kernels) {A, P, Q, -1}: B = m P + Q from the int8 mean m;
     * L == 0: none (the portable kernel ignores it) */
    int32_t diff_fold[4];
    /* the Helium kernel's per-call record for its compiler's forms (the SUB folded; the scale alone or gamma's and
     * beta's records), the compiler's (layer_norm.py: mve_rows_record); NULL: none (the other kernels ignore it) */
    const int32_t *mve_rows;
} tslm_layer_norm_params;

/* output: the last step's values; normalized: the scale step's values as well (NULL: not needed; unused
 * when steps == 0); gamma, beta: NULL when absent. scratch: tslm_layer_norm_s8_get_buffer_size bytes. */
void tslm_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                        const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch);
/* One int32 accumulator, a word for the row's mean, variance and scale, two rows of int8 (rounded up to words). */
int32_t tslm_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p);

#endif /* TSLM_LAYER_NORM_H */
