/* tslm_compare.c - portable C99 comparisons, MAXIMUM/MINIMUM, logical ops, SELECT_V2. */
#include <string.h>

#include "tslm_compare.h"

/* Walks the output in order; calls BODY with the three inputs' element offsets o0, o1, o2. */
#define TSLM_BCAST_WALK(p, BODY)                                                                   \
    do {                                                                                           \
        const int32_t *d_ = (p)->dims;                                                             \
        int32_t i_[TSLM_MAX_DIMS] = {0, 0, 0, 0, 0, 0};                                            \
        int32_t o0 = 0, o1 = 0, o2 = 0, k = 0;                                                     \
        int32_t n_ = 1;                                                                            \
        for (int d = 0; d < TSLM_MAX_DIMS; ++d) {                                                  \
            n_ *= d_[d];                                                                           \
        }                                                                                          \
        for (k = 0; k < n_; ++k) {                                                                 \
            BODY;                                                                                  \
            for (int d = TSLM_MAX_DIMS - 1; d >= 0; --d) {                                         \
                o0 += (p)->strides0[d];                                                            \
                o1 += (p)->strides1[d];                                                            \
                o2 += (p)->strides2[d];                                                            \
                if (++i_[d] < d_[d]) {                                                             \
                    break;                                                                         \
                }                                                                                  \
                o0 -= (p)->strides0[d] * d_[d];                                                    \
                o1 -= (p)->strides1[d] * d_[d];                                                    \
                o2 -= (p)->strides2[d] * d_[d];                                                    \
                i_[d] = 0;                                                                         \
            }                                                                                      \
        }                                                                                          \
        (void)o2;                                                                                  \
    } while (0)

static bool tslm_cmp(int32_t op, int32_t a, int32_t b)
{
    switch (op) {
    case TSLM_CMP_EQ: return a == b;
    case TSLM_CMP_NE: return a != b;
    case TSLM_CMP_LT: return a < b;
    case TSLM_CMP_LE: return a <= b;
    case TSLM_CMP_GT: return a > b;
    default: return a >= b;
    }
}

void tslm_compare_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, bool *out)
{
    const int32_t *ta = p->table0 + 128;
    const int32_t *tb = p->table1 + 128;
    TSLM_BCAST_WALK(p, out[k] = tslm_cmp(p->op, ta[a[o0]], tb[b[o1]]));
}

/* Float comparisons without an int32 round trip (a float compares as itself). */
static bool tslm_cmp_f32(int32_t op, float a, float b)
{
    switch (op) {
    case TSLM_CMP_EQ: return a == b;
    case TSLM_CMP_NE: return a != b;
    case TSLM_CMP_LT: return a < b;
    case TSLM_CMP_LE: return a <= b;
    case TSLM_CMP_GT: return a > b;
    default: return a >= b;
    }
}

void tslm_compare_f32(const tslm_compare_params *p, const float *a, const float *b, bool *out)
{
    TSLM_BCAST_WALK(p, out[k] = tslm_cmp_f32(p->op, a[o0], b[o1]));
}

void tslm_compare_s32(const tslm_compare_params *p, const int32_t *a, const int32_t *b, bool *out)
{
    TSLM_BCAST_WALK(p, out[k] = tslm_cmp(p->op, a[o0], b[o1]));
}

void tslm_maxmin_s8(const tslm_compare_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    if (p->op == TSLM_CMP_MAX) {
        TSLM_BCAST_WALK(p, out[k] = a[o0] > b[o1] ? a[o0] : b[o1]);
    } else {
        TSLM_BCAST_WALK(p, out[k] = a[o0] < b[o1] ? a[o0] : b[o1]);
    }
}

void tslm_logical(const tslm_compare_params *p, const bool *a, const bool *b, bool *out)
{
    if (p->op == TSLM_CMP_AND) {
        TSLM_BCAST_WALK(p, out[k] = a[o0] && b[o1]);
    } else {
        TSLM_BCAST_WALK(p, out[k] = a[o0] || b[o1]);
    }
}

void tslm_logical_not(int32_t n, const bool *in, bool *out)
{
    for (int32_t i = 0; i < n; ++i) {
        out[i] = !in[i];
    }
}

void tslm_select(const tslm_compare_params *p, const bool *cond, const void *x, const void *y, void *out)
{
    const uint8_t *xs = (const uint8_t *)x;
    const uint8_t *ys = (const uint8_t *)y;
    uint8_t *o = (uint8_t *)out;
    const size_t es = (size_t)p->elem_size;
    TSLM_BCAST_WALK(p, memcpy(o + (size_t)k * es, cond[o0] ? xs + (size_t)o1 * es : ys + (size_t)o2 * es, es));
}
