/*
 * tslm_gather.h - data movement by constant index tables: DEPTH_TO_SPACE,
 * SPACE_TO_DEPTH, BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND, REVERSE_V2,
 * BROADCAST_TO, GATHER (constant indices), MIRROR_PAD, RESIZE_NEAREST_NEIGHBOR;
 * and SPLIT / SPLIT_V / UNPACK (one input, several outputs). Any element size.
 */
#ifndef TSLM_GATHER_H
#define TSLM_GATHER_H

#include "tslm_common.h"

typedef struct {
    /* Output shape right-aligned to 6 dimensions. For each output dimension d,
     * dims[d] input element offsets (the tables of all dimensions one after
     * another, outermost first): output element (i0..i5) is input element
     * offsets[i0] + offsets[dims[0] + i1] + ... */
    int32_t dims[TSLM_MAX_DIMS];
    const int32_t *offsets;
    int32_t elem_size; /* bytes per element */
} tslm_index_gather_params;

void tslm_index_gather(const tslm_index_gather_params *p, const void *input, void *output);

typedef struct {
    int32_t outer;         /* product of the dimensions before the axis */
    int32_t count;         /* number of outputs */
    const int32_t *bytes;  /* per output: bytes per outer step (axis size x inner x elem size) */
} tslm_split_params;

/* The inverse of tslm_concatenation. The generated code passes the outputs as an
 * array of const pointers (the shape of every tensor-list argument); each is an
 * output buffer the kernel writes. */
void tslm_split(const tslm_split_params *p, const void *input, const void *const outputs[]);

typedef struct {
    int32_t outer;        /* product of the dimensions before the axis */
    int32_t axis_size;    /* the input's size along the axis */
    int32_t inner_bytes;  /* bytes of one slice (product of the dimensions after the axis x elem size) */
    int32_t count;        /* number of indices */
    int32_t index_int64;  /* 1: int64 indices, 0: int32 */
} tslm_gather_rows_params;

/* GATHER with indices known only at run time: for every outer step, the slices the indices name,
 * in order. TFLM stops with an error on an index outside 0..axis_size-1; here its slice is zeros. */
void tslm_gather_rows(const tslm_gather_rows_params *p, const void *input, const void *indices, void *output);

/* EMBEDDING_LOOKUP of an int8 table into float32 rows (TFLM's hybrid path: value x scale, zero point 0). */
void tslm_embedding_lookup_s8_f32(int32_t count, const int32_t *ids, int32_t rows, int32_t columns,
                                  const int8_t *table, float scale, float *output);

typedef struct {
    int32_t dims[TSLM_MAX_DIMS];         /* the operand's (and output's) shape, right-aligned to 6 */
    int32_t update_dims[TSLM_MAX_DIMS];  /* the update's shape, right-aligned to 6 */
    int32_t rank;                        /* entries in the start indices (the operand's rank) */
    int32_t elem_size;
    int32_t index_int64;                 /* 1: int64 start indices, 0: int32 */
} tslm_update_slice_params;

/* DYNAMIC_UPDATE_SLICE: output = operand with update written from the start indices on, each start
 * clamped to 0..dim - update dim (as TFLM). The output may be the operand's buffer (in place). */
void tslm_dynamic_update_slice(const tslm_update_slice_params *p, const void *operand, const void *update,
                               const void *indices, void *output);

#endif /* TSLM_GATHER_H */
