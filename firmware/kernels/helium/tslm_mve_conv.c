/*
 * tslm_mve_conv.c - CONV_2D (int8, groups 1) with Helium. Each output pixel's patch is one row
 * of filter_h * filter_w * input_c int8: read where it lies in the input when that is one
 * contiguous run (1x1, and K x 1 over a width-1 input), otherwise copied to scratch (im2col)
 * with the taps outside the image set to the input zero point. The row then meets every output
 * channel's weights (the model's layout, output_c x patch) four channels at a time, 16 MACs per
 * VMLADAVA.S8 (tslm_mve.h). With the input offset folded into the bias (bias_folded), a tap
 * outside the image holding the zero point z contributes w * z = -input_offset * w, exactly what
 * the folded bias must lose for it; without folding the row sums are taken on the fly.
 * With constant weights the compiler hands over its layout (tslm_mve.h: groups of four channels
 * interleaved by 16 bytes, records of folded bias, multipliers and right shifts in `requant`)
 * and the row meets it in assembly, requantization included. Grouped convolutions take the
 * portable kernel.
 */
#include "tslm_mve_conv.h"
#include "tslm_mve.h"

/* The patch of output pixel (y0, x0) (top-left tap) as one row: in place in the input, or in col. */
static const int8_t *patch(const tslm_conv_params *p, const int8_t *in_b, int32_t y0, int32_t x0, int8_t *col)
{
    const int32_t ic = p->input_c, fh = p->filter_h, fw = p->filter_w;
    const int32_t y_last = y0 + p->dilation_h * (fh - 1), x_last = x0 + p->dilation_w * (fw - 1);
    const int inside = y0 >= 0 && x0 >= 0 && y_last < p->input_h && x_last < p->input_w;
    if (inside && (fw == 1 || p->dilation_w == 1)) {
        if (fh == 1 || (x0 == 0 && fw == p->input_w && p->dilation_h == 1)) {
            return in_b + (y0 * p->input_w + x0) * ic;
        }
    }
    const int8_t zp = (int8_t)-p->input_offset;
    const int32_t row_len = fw * ic, row_step = p->dilation_h * p->input_w * ic;
    int8_t *dst = col;
    if (p->dilation_w == 1) { /* per row, taps [lo, hi) in the image: one run, the same for every row */
        const int32_t lo = x0 < 0 ? (-x0 < fw ? -x0 : fw) : 0;
        int32_t hi = p->input_w - x0 < fw ? p->input_w - x0 : fw;
        hi = hi < lo ? lo : hi;
        const int32_t pre = lo * ic, run = (hi - lo) * ic, post = (fw - hi) * ic;
        const int8_t *src = in_b + (y0 * p->input_w + x0 + lo) * ic;
        if (row_len <= 16) { /* short rows (few input channels): one predicated copy per row */
            const mve_pred16_t whole = vctp8q((uint32_t)row_len), part = vctp8q((uint32_t)run);
            const int8x16_t zv = vdupq_n_s8(zp);
            for (int32_t fy = 0, iy = y0; fy < fh; ++fy, iy += p->dilation_h, src += row_step, dst += row_len) {
                if (iy < 0 || iy >= p->input_h || run == 0) {
                    vstrbq_p_s8(dst, zv, whole);
                    continue;
                }
                if (pre > 0 || post > 0) {
                    vstrbq_p_s8(dst, zv, whole);
                }
                vstrbq_p_s8(dst + pre, vldrbq_z_s8(src, part), part);
            }
            return col;
        }
        for (int32_t fy = 0, iy = y0; fy < fh; ++fy, iy += p->dilation_h, src += row_step, dst += row_len) {
            if (iy < 0 || iy >= p->input_h) {
                tslm_mve_fill(dst, zp, row_len);
                continue;
            }
            if (pre > 0) {
                tslm_mve_fill(dst, zp, pre);
            }
            tslm_mve_copy(dst + pre, src, run);
            if (post > 0) {
                tslm_mve_fill(dst + pre + run, zp, post);
            }
        }
        return col;
    }
    for (int32_t fy = 0; fy < fh; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        if (iy < 0 || iy >= p->input_h) {
            tslm_mve_fill(dst, zp, row_len);
            dst += row_len;
            continue;
        }
        const int8_t *row = in_b + iy * p->input_w * ic;
        for (int32_t fx = 0; fx < fw; ++fx, dst += ic) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (ix < 0 || ix >= p->input_w) {
                tslm_mve_fill(dst, zp, ic);
            } else {
                tslm_mve_copy(dst, row + ix * ic, ic);
            }
        }
    }
    return col;
}

TSLM_ALWAYS_INLINE void pixels(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                               const tslm_mve_epilogue *e, int8_t *output, int8_t *col, const int with_offset)
{
    const int32_t depth = p->filter_h * p->filter_w * p->filter_c;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->input_h * p->input_w * p->input_c;
        for (int32_t oy = 0; oy < p->output_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ++ox, out += p->output_c) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int8_t *x = patch(p, in_b, y0, x0, col);
                if (p->in_place) { /* the outputs overwrite this pixel while it is read: keep a copy */
                    tslm_mve_copy(col, x, p->input_c);
                    x = col;
                }
                tslm_mve_rows_impl(x, weights, depth, p->output_c, e, out, with_offset);
            }
        }
    }
}

static void pixels_folded(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                          const tslm_mve_epilogue *e, int8_t *output, int8_t *col)
{
    pixels(p, input, weights, e, output, col, 0);
}

static void pixels_offset(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                          const tslm_mve_epilogue *e, int8_t *output, int8_t *col)
{
    pixels(p, input, weights, e, output, col, 1);
}

/* The output pixels in order, their coordinates carried from one to the next (no division per pixel). */
typedef struct {
    int32_t b, oy, ox;
} pixel_at;

/* The patch of the pixel at *at (buf: where to build or copy it when it cannot be read in place); *at moves on.
 * direct: every patch is its pixel's input channels where they lie (1x1 without padding); short: a filter row is
 * at most 16 bytes and undilated, so a patch inside the image is one predicated copy per filter row (an image
 * CNN's stem: 3x3 over three channels, 9-byte rows), the others built by patch(). */
TSLM_ALWAYS_INLINE const int8_t *next_patch(const tslm_conv_params *p, const int8_t *input, pixel_at *at,
                                            int8_t *buf, const int direct, const int short_rows)
{
    const int8_t *in_b = input + at->b * p->input_h * p->input_w * p->input_c;
    const int32_t y0 = at->oy * p->stride_h - p->pad_h, x0 = at->ox * p->stride_w - p->pad_w;
    const int8_t *x;
    if (direct) {
        x = in_b + (y0 * p->input_w + x0) * p->input_c;
    } else if (short_rows && y0 >= 0 && x0 >= 0 && y0 + p->dilation_h * (p->filter_h - 1) < p->input_h &&
               x0 + p->filter_w <= p->input_w) {
        const int32_t row_len = p->filter_w * p->input_c, row_step = p->dilation_h * p->input_w * p->input_c;
        const mve_pred16_t whole = vctp8q((uint32_t)row_len);
        const int8_t *src = in_b + (y0 * p->input_w + x0) * p->input_c;
        int8_t *dst = buf;
        for (int32_t fy = 0; fy < p->filter_h; ++fy, src += row_step, dst += row_len) {
            vstrbq_p_s8(dst, vldrbq_z_s8(src, whole), whole);
        }
        x = buf;
    } else {
        x = patch(p, in_b, y0, x0, buf);
    }
    if (p->in_place && x != buf) { /* the outputs overwrite this pixel while it is read: keep a copy */
        tslm_mve_copy(buf, x, p->input_c);
        x = buf;
    }
    if (++at->ox == p->output_w) {
        at->ox = 0;
        if (++at->oy == p->output_h) {
            at->oy = 0;
            ++at->b;
        }
    }
    return x;
}

/* The compiler's layout (tslm_mve.h): weights in groups of four channels, records with the bias; two
 * pixels at a time, each weight load serving both (scratch: two patches). The patch's kind (next_patch) is a
 * test per pixel, so the GEMM routine is inlined once (a copy per kind cost ~5 KB). */
static void pixels_records(const tslm_conv_params *p, const int8_t *input, const int8_t *weights, int8_t *output,
                           int8_t *col)
{
    const int32_t depth = p->filter_h * p->filter_w * p->filter_c, oc = p->output_c;
    const int32_t n = p->batches * p->output_h * p->output_w;
    const int direct = p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0;
    const int short_rows = !direct && p->filter_w * p->input_c <= 16 && p->dilation_w == 1;
    const tslm_mve_clamp c = {vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max), p->output_offset};
    pixel_at at = {0, 0, 0};
    int32_t i = 0;
    /* 1x1 at stride 1, not in place: pixel i's patch is input + i * depth */
    const int in_order = direct && p->stride_h == 1 && p->stride_w == 1 && !p->in_place;
    for (; i + 2 <= n; i += 2) {
        const int8_t *x0 = in_order ? input + i * depth : next_patch(p, input, &at, col, direct, short_rows);
        const int8_t *x1 = in_order ? x0 + depth : next_patch(p, input, &at, col + depth, direct, short_rows);
        tslm_mve_row2_groups(x0, x1, depth, weights, p->requant, oc, &c, output + i * oc, output + (i + 1) * oc);
    }
    if (i < n) {
        const int8_t *x = in_order ? input + i * depth : next_patch(p, input, &at, col, direct, short_rows);
        tslm_mve_row_groups(x, depth, weights, p->requant, oc, &c, output + i * oc);
    }
}

void tslm_mve_conv_s8(const tslm_conv_params *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, int8_t *output, int16_t *scratch)
{
    if (p->filter_c != p->input_c) {
        tslm_conv_s8(p, input, weights, bias, output, scratch); /* the portable kernel */
        return;
    }
    if (p->requant != NULL) {
        pixels_records(p, input, weights, output, (int8_t *)(void *)scratch);
        return;
    }
    const int with_offset = !p->bias_folded && p->input_offset != 0;
    const tslm_mve_epilogue e = {bias, p->multiplier, p->shift, 1, tslm_mve_right_only(p->shift, p->output_c),
                                 with_offset ? p->input_offset : 0, p->output_offset, p->act_min, p->act_max};
    int8_t *col = (int8_t *)(void *)scratch;
    if (!with_offset && !p->in_place && p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0) {
        /* every pixel is its own patch: the loop over pixels inside the loop over channel groups */
        const int32_t ic = p->input_c;
        const tslm_mve_pixels px = {p->batches, p->output_h, p->output_w, p->input_h * p->input_w * ic,
                                    p->stride_h * p->input_w * ic, p->stride_w * ic};
        tslm_mve_gemm_impl(input, &px, weights, ic, p->output_c, &e, output);
        return;
    }
    if (with_offset) {
        pixels_offset(p, input, weights, &e, output, col);
    } else {
        pixels_folded(p, input, weights, &e, output, col);
    }
}

/* Whether some output pixel's patch is not one contiguous run of the input (so it goes through im2col). */
static int needs_im2col(const tslm_conv_params *p)
{
    for (int32_t oy = 0; oy < p->output_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        for (int32_t ox = 0; ox < p->output_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            const int inside = y0 >= 0 && x0 >= 0 && y0 + p->dilation_h * (p->filter_h - 1) < p->input_h &&
                               x0 + p->dilation_w * (p->filter_w - 1) < p->input_w;
            const int direct = inside && (p->filter_w == 1 || p->dilation_w == 1) &&
                               (p->filter_h == 1 || (x0 == 0 && p->filter_w == p->input_w && p->dilation_h == 1));
            if (!direct) {
                return 1;
            }
        }
    }
    return 0;
}

int32_t tslm_mve_conv_s8_get_buffer_size(const tslm_conv_params *p)
{
    if (p->filter_c != p->input_c) {
        return tslm_conv_s8_get_buffer_size(p);
    }
    const int32_t pixels = p->requant != NULL ? 2 : 1; /* the layout path takes two pixels at a time */
    const int32_t k = p->filter_h * p->filter_w * p->filter_c;
    return (needs_im2col(p) ? pixels * k : 0) + (p->in_place ? pixels * p->input_c : 0);
}
