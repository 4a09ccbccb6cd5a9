/* tslm_cast.h - CAST between bool, int8, int16, int32, int64 and float32 (C conversions, as TFLM's static_cast). */
#ifndef TSLM_CAST_H
#define TSLM_CAST_H

#include <stdbool.h>

#include "tslm_common.h"

enum { TSLM_T_BOOL = 0, TSLM_T_INT8, TSLM_T_INT16, TSLM_T_INT32, TSLM_T_INT64, TSLM_T_FLOAT32 };

void tslm_cast(int32_t n, int32_t from, int32_t to, const void *input, void *output);

#endif /* TSLM_CAST_H */
