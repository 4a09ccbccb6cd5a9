/* tslm_layer_norm.c - portable C99 fused layer norm (int8): the element-wise kernels on one row at a time. */
#include "tslm_layer_norm.h"
#include "tslm_binary.h" /* (named here too: the compiler copies the kernel files a .c includes) */
#include "tslm_lut.h"
#include "tslm_reduce.h"

#define TSLM_LN_UP4(n) (((n) + 3) / 4 * 4)

void tslm_layer_norm_s8(const tslm_layer_norm_params *p, const int8_t *input, const int8_t *gamma,
                        const int8_t *beta, int8_t *normalized, int8_t *output, int32_t *scratch)
{
    const int32_t cols = p->cols;
    int32_t *acc = scratch;
    int8_t *one = (int8_t *)(scratch + 1); /* [0]: the row's mean, [1]: its variance, [2]: its scale */
    int8_t *d = one + 4;
    int8_t *t = d + TSLM_LN_UP4(cols);
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * cols;
        int8_t *y = output + r * cols;
        tslm_mean_s8(&p->mean, x, &one[0], acc);
        tslm_sub_s8(&p->sub, x, &one[0], d);
        tslm_lut_s8(cols, p->square, d, t);
        tslm_mean_s8(&p->var, t, &one[1], acc);
        one[2] = p->scale_table[one[1] + 128];
        int8_t *n = p->steps == 0 ? y : (normalized != NULL ? normalized + r * cols : t);
        tslm_mul_s8(&p->scale, d, &one[2], n);
        if (p->steps >= 1) {
            int8_t *g = p->steps == 1 ? y : d; /* the differences are no longer needed */
            tslm_mul_s8(&p->gamma, n, gamma, g);
            if (p->steps == 2) {
                tslm_add_s8(&p->beta, g, beta, y);
            }
        }
    }
}

int32_t tslm_layer_norm_s8_get_buffer_size(const tslm_layer_norm_params *p)
{
    return 8 + 2 * TSLM_LN_UP4(p->cols);
}
