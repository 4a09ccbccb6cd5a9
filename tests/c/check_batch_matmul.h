/* check_batch_matmul.h - what the transformer checks draw alike for a random BATCH_MATMUL: its batches
 * (broadcast or not, outputs contiguous or laid out as a folded head merge leaves them) and its zero
 * points and requantization. Include after check_random.h and tslm_batch_matmul.h. */
#ifndef CHECK_BATCH_MATMUL_H
#define CHECK_BATCH_MATMUL_H

/* 1..3 batches of lhs `lsize` and rhs `rsize` bytes each; one operand broadcast a third of the time each;
 * outputs [batches, rows, cols], or [rows, batches, cols] one time in three. */
static inline void bmm_draw_batches(tslm_batch_matmul_params *p, int32_t lsize, int32_t rsize)
{
    p->batch_dims[0] = p->batch_dims[1] = 1;
    p->batch_dims[2] = between(1, 3);
    const int bcast = (int)(next() % 3); /* 0: none, 1: lhs broadcast, 2: rhs broadcast */
    p->lhs_batch_strides[2] = bcast == 1 ? 0 : lsize;
    p->rhs_batch_strides[2] = bcast == 2 ? 0 : rsize;
    const int heads_o = (int)(next() % 3 == 0);
    p->output_batch_strides[2] = heads_o ? p->cols : p->rows * p->cols;
    p->output_row_stride = heads_o ? p->batch_dims[2] * p->cols : p->cols;
}

/* Every zero point, a multiplier from check_random.h, the given shift; the whole int8 range, or a clamp
 * one time in `clamp_one_in`. */
static inline void bmm_draw_requant(tslm_batch_matmul_params *p, int32_t shift, uint32_t clamp_one_in)
{
    p->lhs_offset = between(-127, 128);
    p->rhs_offset = between(-127, 128);
    p->output_offset = between(-128, 127);
    p->multiplier = multiplier();
    p->shift = shift;
    p->act_min = -128;
    p->act_max = 127;
    if (next() % clamp_one_in == 0) {
        p->act_min = between(-128, 0);
        p->act_max = between(p->act_min, 127);
    }
}

#endif /* CHECK_BATCH_MATMUL_H */
