/* tslm_shape.h - BROADCAST_ARGS: the broadcast of two shapes read at run time (int32 or int64). */
#ifndef TSLM_SHAPE_H
#define TSLM_SHAPE_H

#include "tslm_common.h"

/* Shapes of n1 and n2 dimensions, right-aligned; the output has n_out = max(n1, n2). A dimension of 1
 * takes the other's (TFLM stops with an error on two different sizes, neither 1: here the first wins). */
void tslm_broadcast_args_s32(int32_t n1, const int32_t *s1, int32_t n2, const int32_t *s2, int32_t n_out, int32_t *out);
void tslm_broadcast_args_s64(int32_t n1, const int64_t *s1, int32_t n2, const int64_t *s2, int32_t n_out, int64_t *out);

#endif /* TSLM_SHAPE_H */
