/*
 * tslm_copy.h - data movement without arithmetic: TRANSPOSE, STRIDED_SLICE,
 * SLICE, CONCATENATION, PAD, and IF's choice of a branch's output. Any
 * element size (int8, int16, int32, float).
 */
#ifndef TSLM_COPY_H
#define TSLM_COPY_H

#include <stdbool.h>

#include "tslm_common.h"

typedef struct {
    /* Output shape right-aligned to 6 dims; for each output dimension the
     * input stride to step (in elements, may be negative) and the input
     * element where the walk starts. */
    int32_t dims[TSLM_MAX_DIMS];
    int32_t in_strides[TSLM_MAX_DIMS];
    int32_t in_start;
    int32_t elem_size; /* bytes per element */
} tslm_gather_params;

/* Walk the output in order, reading input at start + sum(idx[d] * in_strides[d]).
 * TRANSPOSE (permuted strides), STRIDED_SLICE and SLICE are all this. */
void tslm_strided_copy(const tslm_gather_params *p, const void *input, void *output);

typedef struct {
    int32_t outer;         /* product of dimensions before the axis */
    int32_t count;         /* number of inputs */
    const int32_t *bytes;  /* per input: bytes per outer step (axis dim x inner x elem size) */
} tslm_concat_params;

void tslm_concatenation(const tslm_concat_params *p, const void *const inputs[], void *output);

typedef struct {
    int32_t output_bytes;  /* total bytes of the padded output */
    int32_t elem_size;
    /* where the input lands in the output: a strided walk over the input's
     * shape with output strides, starting at the first non-padded element */
    int32_t dims[TSLM_MAX_DIMS];
    int32_t out_strides[TSLM_MAX_DIMS];
    int32_t out_start;
} tslm_pad_params;

/* pad_value: one element (elem_size bytes) filled into the border. */
void tslm_pad(const tslm_pad_params *p, const void *input, const void *pad_value, void *output);

/* output = the then-branch's bytes if *cond, else the else-branch's (IF on a condition computed at run
 * time: both branches ran before). */
void tslm_select_bytes(int32_t nbytes, const bool *cond, const void *then_bytes, const void *else_bytes,
                       void *output);

#endif /* TSLM_COPY_H */
