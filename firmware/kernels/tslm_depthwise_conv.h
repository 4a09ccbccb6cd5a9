/* tslm_depthwise_conv.h - DEPTHWISE_CONV_2D, int8, per-channel weights, NHWC. */
#ifndef TSLM_DEPTHWISE_CONV_H
#define TSLM_DEPTHWISE_CONV_H

#include "tslm_common.h"

typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;    /* input: batches x input_h x input_w x input_c */
    int32_t filter_h, filter_w;           /* weights: 1 x filter_h x filter_w x output_c */
    int32_t depth_multiplier;             /* output_c = input_c * depth_multiplier */
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t input_offset;                 /* -input zero point */
    int32_t output_offset;                /* output zero point */
    const int32_t *multiplier;            /* per output channel */
    const int32_t *shift;                 /* per output channel */
    int32_t act_min, act_max;
    /* 1: bias[oc] already holds input_offset * (sum of channel oc's weights);
     * see tslm_conv.h. */
    int32_t bias_folded;
    /* > 0: output and input are the same buffer (stride 1, depth multiplier 1,
     * same shape). Before output row y is written, input row y is copied to a
     * ring of cache_rows = pad_h + 1 rows in scratch; taps on rows <= y read
     * the ring, taps below read the buffer, which is not yet overwritten. */
    int32_t cache_rows;
    /* The Cortex-M DSP kernels' per-output-channel requantization records
     * (cortex_m_dsp/tslm_dsp.h), which then replace bias, multiplier and
     * shift (NULL); NULL for the portable kernels. requant_fast: the records
     * are in the SMMLAR form. */
    const int32_t *requant;
    int32_t requant_fast;
    /* DSP kernel: columns of its window of widened input rows (from -pad_w) */
    int32_t ring_w;
    /* DSP kernel's column layout: > 0, output rows per band (a multiple of four; the image's columns
     * widened one band at a time, scratch for one band); 0: the whole image at once */
    int32_t band_h;
} tslm_depthwise_conv_params;

/* scratch: cache_rows * input_w * input_c bytes when in place, else unused (may be NULL). */
void tslm_depthwise_conv_s8(const tslm_depthwise_conv_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output, int8_t *scratch);
/* Scratch bytes tslm_depthwise_conv_s8 needs for p: the ring of cache_rows input rows when in place. */
int32_t tslm_depthwise_conv_s8_get_buffer_size(const tslm_depthwise_conv_params *p);

/* Input row `iy` of batch `in_b` while output row `oy` is computed (in place: from the ring). */
static inline const int8_t *tslm_dw_row(const tslm_depthwise_conv_params *p, const int8_t *in_b,
                                        const int8_t *scratch, int32_t iy, int32_t oy)
{
    const int32_t row_bytes = p->input_w * p->input_c;
    if (p->cache_rows > 0 && iy <= oy) {
        return scratch + (iy % p->cache_rows) * row_bytes;
    }
    return in_b + iy * row_bytes;
}

/* In place, before output row oy: save input row oy into the ring. */
static inline void tslm_dw_save_row(const tslm_depthwise_conv_params *p, const int8_t *in_b, int8_t *scratch,
                                    int32_t oy)
{
    const int32_t row_bytes = p->input_w * p->input_c;
    if (p->cache_rows > 0) {
        const int8_t *src = in_b + oy * row_bytes;
        int8_t *dst = scratch + (oy % p->cache_rows) * row_bytes;
        for (int32_t i = 0; i < row_bytes; ++i) {
            dst[i] = src[i];
        }
    }
}

/* DEPTHWISE_CONV_2D int16x8: int16 activations (zero points 0), int8 per-channel weights,
 * 64-bit accumulator and bias (TFLM's 16x8 depthwise kernel has no int32 variant). */
typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;
    int32_t filter_h, filter_w;           /* weights: 1 x filter_h x filter_w x output_c */
    int32_t depth_multiplier;
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    const int32_t *multiplier;            /* per output channel */
    const int32_t *shift;                 /* per output channel */
    int32_t act_min, act_max;
} tslm_depthwise_conv_s16_params;

void tslm_depthwise_conv_s16(const tslm_depthwise_conv_s16_params *p, const int16_t *input,
                             const int8_t *weights, const int64_t *bias, int16_t *output);

/* DEPTHWISE_CONV_2D float32: TFLM's reference DepthwiseConv, sums in its order (filter row, column),
 * then the bias (0.0f without one), then the fused activation (TSLM_ACT_*). */
typedef struct {
    int32_t batches;
    int32_t input_h, input_w, input_c;
    int32_t filter_h, filter_w;
    int32_t depth_multiplier;
    int32_t output_h, output_w, output_c;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t activation;
} tslm_depthwise_conv_f32_params;

void tslm_depthwise_conv_f32(const tslm_depthwise_conv_f32_params *p, const float *input, const float *weights,
                             const float *bias, float *output);

#endif /* TSLM_DEPTHWISE_CONV_H */
