/* check_residual_add.h - the residual ADD/SUB draws the DSP and Helium same-scale path checks share
 * (dsp_add_check.c, mve_add_check.c): TFLM's int8 scheme (left shift 20) with one input at 1/2 of the sum's
 * scale, drawn first or second, and the other input's multiplier and shift; offsets near a residual add's, or
 * over the whole range in a quarter of the draws; for shape 3 one input a single row broadcast along the rows
 * (a positional embedding's). The caller sets dims (rows in dims[4], their length in dims[5]) first, and the
 * output requantization and activation range after. Include check_random.h first. Returns the op (0 ADD,
 * 1 SUB); *a1 tells whether input 1 is the one at 1/2. */
#ifndef CHECK_RESIDUAL_ADD_H
#define CHECK_RESIDUAL_ADD_H

#include "tslm_binary.h"

static inline int draw_residual_add(tslm_binary_params *p, int shape, int *a1)
{
    p->in1_strides[5] = p->in2_strides[5] = 1;
    p->in1_strides[4] = p->in2_strides[4] = p->dims[5];
    if (shape == 3) { /* one input a single row for all rows (a positional embedding's broadcast) */
        if (next() % 2) {
            p->in1_strides[4] = 0;
        } else {
            p->in2_strides[4] = 0;
        }
    }
    const int op = (int)(next() % 2); /* 0 ADD, 1 SUB */
    const int wide = next() % 4 == 0; /* offsets over the whole range, otherwise near a residual add's */
    p->in1_offset = wide ? between(-127, 128) : between(-20, 20);
    p->in2_offset = wide ? between(-127, 128) : between(-20, 20);
    p->output_offset = wide ? between(-128, 127) : between(-20, 20);
    p->left_shift = 20;
    *a1 = next() % 2;
    p->in1_multiplier = *a1 ? (1 << 30) : multiplier();
    p->in1_shift = *a1 ? 0 : between(-3, -1);
    p->in2_multiplier = *a1 ? multiplier() : (1 << 30);
    p->in2_shift = *a1 ? between(-3, -1) : 0;
    return op;
}

#endif
