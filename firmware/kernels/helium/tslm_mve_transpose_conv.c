/* tslm_mve_transpose_conv.c - int8 TRANSPOSE_CONV as one convolution per phase of the stride (see the header), on
 * tslm_mve.h's group kernels. */
#include "tslm_mve_transpose_conv.h"
#include "tslm_mve.h"

/* Pixel (i, j)'s patch: per tap row ty, the input columns j + dx - nx + 1 .. j + dx ascending (one copy where
 * they all lie inside), the zero point outside; with a single tap row inside the image, the input itself (no copy):
 * the patch's address. */
static const int8_t *gather(const tslm_transpose_conv_params *p, const tslm_tconv_phase *g, const int8_t *in_b,
                            int32_t i, int32_t j, int8_t *dst)
{
    const int32_t c = p->input_c, run = g->nx * c;
    const int8_t zp = (int8_t)(-p->input_offset);
    const int32_t x0 = j + g->dx - g->nx + 1;
    const int cols_inside = x0 >= 0 && x0 + g->nx <= p->input_w;
    if (g->ny == 1 && cols_inside && i + g->dy >= 0 && i + g->dy < p->input_h) {
        return in_b + ((i + g->dy) * p->input_w + x0) * c;
    }
    int8_t *const patch = dst;
    for (int32_t ty = 0; ty < g->ny; ++ty, dst += run) {
        const int32_t iy = i + g->dy - ty;
        if (iy < 0 || iy >= p->input_h) {
            tslm_mve_fill(dst, zp, run);
        } else if (cols_inside) {
            tslm_mve_copy(dst, in_b + (iy * p->input_w + x0) * c, run);
        } else {
            for (int32_t t = 0; t < g->nx; ++t) {
                const int32_t ix = x0 + t;
                if (ix < 0 || ix >= p->input_w) {
                    tslm_mve_fill(dst + t * c, zp, c);
                } else {
                    tslm_mve_copy(dst + t * c, in_b + (iy * p->input_w + ix) * c, c);
                }
            }
        }
    }
    return patch;
}

static void phase_run(const tslm_transpose_conv_params *p, const tslm_tconv_phase *g, const int8_t *in_b,
                      const int8_t *w, const int32_t *rq, int8_t *out_b, int8_t *scratch, const tslm_mve_clamp *cl)
{
    const int32_t oc = p->output_c, k = g->ny * g->nx * p->input_c, len = k > 0 ? k : 1;
    int8_t *const s0 = scratch, *const s1 = scratch + len;
    const int8_t *x0 = s0, *x1 = s1;
    if (k == 0) { /* no taps: one zero byte against the zero row, the bias alone */
        s0[0] = 0, s1[0] = 0;
    }
    const int32_t row_step = p->stride_h * p->output_w * oc, col_step = p->stride_w * oc;
    int8_t *const base = out_b + (g->a * p->output_w + g->b) * oc;
    const int32_t n = g->rows * g->cols;
    int32_t i = 0, j = 0;
    for (int32_t done = 0; done < n; done += 2) {
        const int32_t i0 = i, j0 = j;
        if (++j == g->cols) {
            j = 0, ++i;
        }
        int8_t *o0 = base + i0 * row_step + j0 * col_step;
        if (k > 0) {
            x0 = gather(p, g, in_b, i0, j0, s0);
        }
        if (done + 1 < n) {
            int8_t *o1 = base + i * row_step + j * col_step;
            if (k > 0) {
                x1 = gather(p, g, in_b, i, j, s1);
            }
            if (++j == g->cols) {
                j = 0, ++i;
            }
            tslm_mve_row2_groups(x0, x1, len, w, rq, oc, cl, o0, o1);
        } else {
            tslm_mve_row_groups(x0, len, w, rq, oc, cl, o0);
        }
    }
}

void tslm_mve_transpose_conv_s8(const tslm_transpose_conv_params *p, const int8_t *input, const int8_t *weights,
                                const int32_t *bias, int8_t *output, int8_t *scratch)
{
    if (p->requant == NULL) {
        tslm_transpose_conv_s8(p, input, weights, bias, output);
        return;
    }
    tslm_mve_clamp cl;
    cl.lo = vdupq_n_s32(p->act_min), cl.hi = vdupq_n_s32(p->act_max), cl.zp = p->output_offset;
    const int32_t groups = (p->output_c + 3) / 4;
    const int32_t in_size = p->input_h * p->input_w * p->input_c, out_size = p->output_h * p->output_w * p->output_c;
    for (int32_t batch = 0; batch < p->batches; ++batch) {
        const int8_t *w = weights;
        const int32_t *rq = p->requant;
        for (int32_t a = 0; a < p->stride_h; ++a) {
            for (int32_t b = 0; b < p->stride_w; ++b, rq += 12 * groups) {
                const tslm_tconv_phase g = tslm_tconv_phase_of(p, a, b);
                const int32_t k = g.ny * g.nx * p->input_c;
                if (g.rows > 0 && g.cols > 0) {
                    phase_run(p, &g, input + batch * in_size, w, rq, output + batch * out_size, scratch, &cl);
                }
                w += groups * 4 * (((k > 0 ? k : 1) + 15) & ~15); /* the phase's rows, 16-byte padded */
            }
        }
    }
}

int32_t tslm_mve_transpose_conv_s8_get_buffer_size(const tslm_transpose_conv_params *p)
{
    if (p->requant == NULL) {
        return 0;
    }
    const int32_t k = (p->filter_h + p->stride_h - 1) / p->stride_h * ((p->filter_w + p->stride_w - 1) / p->stride_w) *
                      p->input_c;
    return 2 * (k > 0 ? k : 1);
}
