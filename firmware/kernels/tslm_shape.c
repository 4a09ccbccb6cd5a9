/* tslm_shape.c - portable C99 BROADCAST_ARGS. */
#include "tslm_shape.h"

#define TSLM_BROADCAST_ARGS_BODY                                          \
    for (int32_t i = 0; i < n_out; ++i) {                                 \
        const int32_t i1 = i - n_out + n1;                                \
        const int32_t i2 = i - n_out + n2;                                \
        if (i1 >= 0 && i2 >= 0) {                                         \
            out[i] = s1[i1] == 1 ? s2[i2] : s1[i1];                       \
        } else {                                                          \
            out[i] = i1 >= 0 ? s1[i1] : s2[i2];                           \
        }                                                                 \
    }

void tslm_broadcast_args_s32(int32_t n1, const int32_t *s1, int32_t n2, const int32_t *s2, int32_t n_out, int32_t *out)
{
    TSLM_BROADCAST_ARGS_BODY
}

void tslm_broadcast_args_s64(int32_t n1, const int64_t *s1, int32_t n2, const int64_t *s2, int32_t n_out, int64_t *out)
{
    TSLM_BROADCAST_ARGS_BODY
}
