/* tslm_cast.c - portable C99 CAST. */
#include "tslm_cast.h"

#define TSLM_CAST_TO(T_OUT)                                                          \
    do {                                                                             \
        T_OUT *o = (T_OUT *)output;                                                  \
        for (int32_t i = 0; i < n; ++i) {                                            \
            switch (from) {                                                          \
            case TSLM_T_BOOL: o[i] = (T_OUT)((const bool *)input)[i]; break;         \
            case TSLM_T_INT8: o[i] = (T_OUT)((const int8_t *)input)[i]; break;       \
            case TSLM_T_INT16: o[i] = (T_OUT)((const int16_t *)input)[i]; break;     \
            case TSLM_T_INT32: o[i] = (T_OUT)((const int32_t *)input)[i]; break;     \
            case TSLM_T_INT64: o[i] = (T_OUT)((const int64_t *)input)[i]; break;     \
            default: o[i] = (T_OUT)((const float *)input)[i]; break;                 \
            }                                                                        \
        }                                                                            \
    } while (0)

void tslm_cast(int32_t n, int32_t from, int32_t to, const void *input, void *output)
{
    switch (to) {
    case TSLM_T_BOOL: TSLM_CAST_TO(bool); break;
    case TSLM_T_INT8: TSLM_CAST_TO(int8_t); break;
    case TSLM_T_INT16: TSLM_CAST_TO(int16_t); break;
    case TSLM_T_INT32: TSLM_CAST_TO(int32_t); break;
    case TSLM_T_INT64: TSLM_CAST_TO(int64_t); break;
    default: TSLM_CAST_TO(float); break;
    }
}
