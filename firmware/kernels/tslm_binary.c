/*
 * tslm_binary.c - portable C99 elementwise binary ops (int8) with broadcasting.
 * Each op's arithmetic follows TFLM's reference integer kernels step by step.
 */
#include "tslm_binary.h"

typedef int32_t (*elem_fn)(const tslm_binary_params *p, int32_t a, int32_t b);

static int32_t rescaled(const tslm_binary_params *p, int32_t x, int32_t offset, int32_t mult, int32_t shift)
{
    return tslm_requantize(tslm_shl_wrap(x + offset, (int)p->left_shift), mult, shift);
}

static int32_t add_elem(const tslm_binary_params *p, int32_t a, int32_t b)
{
    const int32_t sum = rescaled(p, a, p->in1_offset, p->in1_multiplier, p->in1_shift) +
                        rescaled(p, b, p->in2_offset, p->in2_multiplier, p->in2_shift);
    return tslm_requantize(sum, p->output_multiplier, p->output_shift) + p->output_offset;
}

static int32_t sub_elem(const tslm_binary_params *p, int32_t a, int32_t b)
{
    const int32_t diff = rescaled(p, a, p->in1_offset, p->in1_multiplier, p->in1_shift) -
                         rescaled(p, b, p->in2_offset, p->in2_multiplier, p->in2_shift);
    return tslm_requantize(diff, p->output_multiplier, p->output_shift) + p->output_offset;
}

static int32_t mul_elem(const tslm_binary_params *p, int32_t a, int32_t b)
{
    const int32_t prod = (a + p->in1_offset) * (b + p->in2_offset);
    return tslm_requantize(prod, p->output_multiplier, p->output_shift) + p->output_offset;
}

static int32_t squared_difference_elem(const tslm_binary_params *p, int32_t a, int32_t b)
{
    const int32_t diff = rescaled(p, a, p->in1_offset, p->in1_multiplier, p->in1_shift) -
                         rescaled(p, b, p->in2_offset, p->in2_multiplier, p->in2_shift);
    const int32_t sq = (int32_t)((uint32_t)diff * (uint32_t)diff); /* fits: |diff| < 2^15 */
    return tslm_requantize(sq, p->output_multiplier, p->output_shift) + p->output_offset;
}

/* Walk the 6-D output in order; each input advances by its own strides. */
static void broadcast_apply(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                            int8_t *out, elem_fn fn)
{
    const int32_t *d = p->dims;
    const int32_t *s1 = p->in1_strides;
    const int32_t *s2 = p->in2_strides;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        const int32_t o1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] + i4 * s1[4];
                        const int32_t o2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] + i4 * s2[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            const int32_t v = fn(p, in1[o1 + i5 * s1[5]], in2[o2 + i5 * s2[5]]);
                            *out++ = (int8_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                        }
                    }
                }
            }
        }
    }
}

void tslm_add_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    broadcast_apply(p, in1, in2, out, add_elem);
}

void tslm_sub_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    broadcast_apply(p, in1, in2, out, sub_elem);
}

void tslm_mul_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    broadcast_apply(p, in1, in2, out, mul_elem);
}

void tslm_squared_difference_s8(const tslm_binary_params *p, const int8_t *in1, const int8_t *in2,
                                int8_t *out)
{
    broadcast_apply(p, in1, in2, out, squared_difference_elem);
}

/* int16 (TFLM's general-scale int16 ADD/SUB: left_shift 15; MUL as for int8). */
static void broadcast_apply_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2,
                                int16_t *out, elem_fn fn)
{
    const int32_t *d = p->dims;
    const int32_t *s1 = p->in1_strides;
    const int32_t *s2 = p->in2_strides;
    for (int32_t i0 = 0; i0 < d[0]; ++i0) {
        for (int32_t i1 = 0; i1 < d[1]; ++i1) {
            for (int32_t i2 = 0; i2 < d[2]; ++i2) {
                for (int32_t i3 = 0; i3 < d[3]; ++i3) {
                    for (int32_t i4 = 0; i4 < d[4]; ++i4) {
                        const int32_t o1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] + i4 * s1[4];
                        const int32_t o2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] + i4 * s2[4];
                        for (int32_t i5 = 0; i5 < d[5]; ++i5) {
                            const int32_t v = fn(p, in1[o1 + i5 * s1[5]], in2[o2 + i5 * s2[5]]);
                            *out++ = (int16_t)tslm_clamp_i32(v, p->act_min, p->act_max);
                        }
                    }
                }
            }
        }
    }
}

void tslm_add_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out)
{
    broadcast_apply_s16(p, in1, in2, out, add_elem);
}

void tslm_sub_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out)
{
    broadcast_apply_s16(p, in1, in2, out, sub_elem);
}

void tslm_mul_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out)
{
    broadcast_apply_s16(p, in1, in2, out, mul_elem);
}

void tslm_squared_difference_s16(const tslm_binary_params *p, const int16_t *in1, const int16_t *in2, int16_t *out)
{
    broadcast_apply_s16(p, in1, in2, out, squared_difference_elem);
}
