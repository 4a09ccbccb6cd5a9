/* tslm_minmax.c - portable C99 REDUCE_MAX/REDUCE_MIN (int8, float32) and ARG_MAX/ARG_MIN (int8, float32). */
#include "tslm_minmax.h"

void tslm_reduce_minmax_s8(const tslm_reduce_minmax_params *p, const int8_t *input, int8_t *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    const int8_t init = p->is_max ? (int8_t)-128 : (int8_t)127;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = init;
    }
    const int8_t *in = input;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        int8_t *o = output + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5, ++in) {
                            int8_t *t = o + i5 * s[5];
                            if (p->is_max ? *in > *t : *in < *t) {
                                *t = *in;
                            }
                        }
                    }
                }
            }
        }
    }
}

void tslm_reduce_minmax_f32(const tslm_reduce_minmax_params *p, const float *input, float *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    const float init = p->is_max ? -FLT_MAX : FLT_MAX;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = init;
    }
    const float *in = input;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        float *o = output + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5, ++in) {
                            float *t = o + i5 * s[5];
                            if (p->is_max ? *in > *t : *in < *t) {
                                *t = *in;
                            }
                        }
                    }
                }
            }
        }
    }
}

void tslm_reduce_all(const tslm_reduce_minmax_params *p, const bool *input, bool *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->out_strides;
    for (int32_t i = 0; i < p->output_count; ++i) {
        output[i] = true;
    }
    const bool *in = input;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        bool *o = output + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5, ++in) {
                            o[i5 * s[5]] = o[i5 * s[5]] && *in;
                        }
                    }
                }
            }
        }
    }
}

void tslm_arg_minmax_s8(const tslm_arg_minmax_params *p, const int8_t *input, int32_t *output)
{
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->inner; ++i) {
            const int8_t *in = input + (size_t)o * (size_t)p->axis_size * (size_t)p->inner + i;
            int8_t best = in[0];
            int32_t at = 0;
            for (int32_t k = 1; k < p->axis_size; ++k) {
                const int8_t v = in[(size_t)k * (size_t)p->inner];
                if (p->is_max ? v > best : v < best) {
                    best = v;
                    at = k;
                }
            }
            output[o * p->inner + i] = at;
        }
    }
}

void tslm_arg_minmax_f32(const tslm_arg_minmax_params *p, const float *input, int32_t *output)
{
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->inner; ++i) {
            const float *in = input + (size_t)o * (size_t)p->axis_size * (size_t)p->inner + i;
            float best = in[0];
            int32_t at = 0;
            for (int32_t k = 1; k < p->axis_size; ++k) {
                const float v = in[(size_t)k * (size_t)p->inner];
                if (p->is_max ? v > best : v < best) {
                    best = v;
                    at = k;
                }
            }
            output[o * p->inner + i] = at;
        }
    }
}
