/*
 * tslm_mve_batch_matmul.c - BATCH_MATMUL (int8) with Helium, as outer products: a block of four output rows
 * by four columns is four int32 vectors, and each step k adds lhs[r][k] (a scalar per row) times
 * rhs[k][j..j+3] (one widening load) to them: 4 VMLA per 16 MACs, whatever the depth (attention heads have
 * 8-32, too short for the row-dot kernels' 16-byte VMLADAV). The rhs must be depth x cols (row k
 * contiguous): an adj_y rhs is copied transposed to scratch first. The zero points come out of the loop:
 * sum (x + a)(w + b) = sum x w + a sum_k w[k][j] (per column, computed once per rhs) + b sum_k x[r][k]
 * (per row) + depth a b. A transposed lhs (adj_x) takes the portable kernel.
 */
#include "tslm_mve_batch_matmul.h"
#include "tslm_mve.h"

/* rhs as depth x cols rows: as it is, or transposed from cols x depth (adj_y) into `to`. */
static const int8_t *depth_rows(const tslm_batch_matmul_params *p, const int8_t *rhs, int8_t *to)
{
    if (p->rhs_col_stride == 1) {
        return rhs;
    }
    for (int32_t k = 0; k < p->depth; ++k) {
        for (int32_t j = 0; j < p->cols; ++j) {
            to[k * p->cols + j] = rhs[j * p->rhs_col_stride + k];
        }
    }
    return to;
}

void tslm_mve_batch_matmul_s8(const tslm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                              int8_t *output, int32_t *scratch)
{
    if (p->lhs_depth_stride != 1) {
        tslm_batch_matmul_s8(p, lhs, rhs, output, scratch); /* the portable kernel */
        return;
    }
    const int32_t cols4 = (p->cols + 3) & ~3;
    int32_t *col_terms = scratch;                  /* a sum_k w[k][j] + depth a b, per column */
    int8_t *transposed = (int8_t *)(scratch + cols4); /* depth x cols, for an adj_y rhs */
    const int32_t shift[1] = {p->shift};
    const int right_only = tslm_mve_right_only(shift, 1);
    const int32x4_t m = vdupq_n_s32(p->multiplier), s = vdupq_n_s32(p->shift);
    const int32_t a = p->lhs_offset, b = p->rhs_offset, d = p->depth, n = p->cols;
    int8_t *out = output;
    for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int8_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                const int8_t *w = depth_rows(p, rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                                    b2 * p->rhs_batch_strides[2], transposed);
                for (int32_t j = 0; j < n; j += 4) { /* the columns' constant terms */
                    const mve_pred16_t pj = vctp32q((uint32_t)(n - j));
                    int32x4_t sum = vdupq_n_s32(0);
                    for (int32_t k = 0; k < d; ++k) {
                        sum = vaddq_s32(sum, vldrbq_z_s32(w + k * n + j, pj));
                    }
                    vstrwq_s32(col_terms + j, vaddq_n_s32(vmulq_n_s32(sum, a), d * a * b));
                }
                for (int32_t i = 0; i < p->rows; i += 4, out += 4 * n) {
                    /* four lhs rows (past the last: the last again, computed and not stored) */
                    const int32_t last = p->rows - 1;
                    const int8_t *x0 = l + i * p->lhs_row_stride;
                    const int8_t *x1 = l + (i + 1 <= last ? i + 1 : last) * p->lhs_row_stride;
                    const int8_t *x2 = l + (i + 2 <= last ? i + 2 : last) * p->lhs_row_stride;
                    const int8_t *x3 = l + (i + 3 <= last ? i + 3 : last) * p->lhs_row_stride;
                    int32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0; /* b sum_k x[r][k] */
                    for (int32_t k = 0; k < d; ++k) {
                        r0 += x0[k], r1 += x1[k], r2 += x2[k], r3 += x3[k];
                    }
                    r0 *= b, r1 *= b, r2 *= b, r3 *= b;
                    for (int32_t j = 0; j < n; j += 4) {
                        const mve_pred16_t pj = vctp32q((uint32_t)(n - j));
                        const int32x4_t t = vldrwq_s32(col_terms + j);
                        int32x4_t c0 = vaddq_n_s32(t, r0), c1 = vaddq_n_s32(t, r1);
                        int32x4_t c2 = vaddq_n_s32(t, r2), c3 = vaddq_n_s32(t, r3);
                        const int8_t *wk = w + j;
                        for (int32_t k = 0; k < d; ++k, wk += n) {
                            const int32x4_t v = vldrbq_z_s32(wk, pj);
                            c0 = vmlaq_n_s32(c0, v, x0[k]);
                            c1 = vmlaq_n_s32(c1, v, x1[k]);
                            c2 = vmlaq_n_s32(c2, v, x2[k]);
                            c3 = vmlaq_n_s32(c3, v, x3[k]);
                        }
                        tslm_mve_out4(out + j, c0, m, s, right_only, p->output_offset, p->act_min, p->act_max, pj);
                        if (i + 1 <= last) {
                            tslm_mve_out4(out + n + j, c1, m, s, right_only, p->output_offset, p->act_min,
                                          p->act_max, pj);
                        }
                        if (i + 2 <= last) {
                            tslm_mve_out4(out + 2 * n + j, c2, m, s, right_only, p->output_offset, p->act_min,
                                          p->act_max, pj);
                        }
                        if (i + 3 <= last) {
                            tslm_mve_out4(out + 3 * n + j, c3, m, s, right_only, p->output_offset, p->act_min,
                                          p->act_max, pj);
                        }
                    }
                }
                out -= 4 * n * ((p->rows + 3) / 4) - p->rows * n; /* the last block's rows past the end */
            }
        }
    }
}

int32_t tslm_mve_batch_matmul_s8_get_buffer_size(const tslm_batch_matmul_params *p)
{
    const int32_t terms = 4 * ((p->cols + 3) & ~3);
    return terms + (p->rhs_col_stride == 1 ? 0 : p->cols * p->depth);
}
