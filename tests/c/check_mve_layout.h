/* check_mve_layout.h - the Helium kernels' constant layouts as the compiler lays them out
 * (tinyslm/compiler/helium_layout.py), for the checks that build them from random weights.
 * Each returns 0 when the given buffers are too small (a failure of the check, not a skip). */
#ifndef CHECK_MVE_LAYOUT_H
#define CHECK_MVE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* GEMM (gemm_weights, gemm_records): rows of `depth` weights, n_out of them, in groups of four
 * interleaved by 16 bytes; per group the four biases, multipliers and shifts. */
static inline int mve_gemm_layout(int8_t *lay_w, size_t w_bytes, int32_t *lay_rq, size_t rq_words,
                                  const int8_t *w, int32_t n_out, int32_t depth, const int32_t *b,
                                  const int32_t *mult, const int32_t *shft, int per_channel)
{
    const int32_t k16 = (depth + 15) / 16 * 16, groups = (n_out + 3) / 4;
    if ((size_t)(groups * 4 * k16) > w_bytes || (size_t)(groups * 12) > rq_words) {
        return 0;
    }
    for (int32_t g = 0; g < groups; ++g) {
        for (int32_t j = 0; j < k16 / 16; ++j) {
            for (int32_t r = 0; r < 4; ++r) {
                for (int32_t i = 0; i < 16; ++i) {
                    const int32_t o = 4 * g + r, k = 16 * j + i;
                    lay_w[((g * (k16 / 16) + j) * 4 + r) * 16 + i] = o < n_out && k < depth ? w[o * depth + k] : 0;
                }
            }
        }
        for (int32_t r = 0; r < 4; ++r) {
            const int32_t o = 4 * g + r, c = per_channel ? o : 0;
            lay_rq[12 * g + r] = o < n_out && b != NULL ? b[o] : 0;
            lay_rq[12 * g + 4 + r] = o < n_out ? mult[c] : 0;
            lay_rq[12 * g + 8 + r] = o < n_out ? shft[c] : 0;
        }
    }
    return 1;
}

/* Depthwise (dw_weights, dw_records): int16 weights per block of eight channels per tap (`w` is
 * [taps][ch]); per block the records of the even channels, then the odd ones. */
static inline int mve_dw_layout(int16_t *w16, size_t w_bytes, int32_t *lay_rq, size_t rq_words, const int8_t *w,
                                int32_t ch, int32_t taps, const int32_t *b, const int32_t *mult, const int32_t *shft)
{
    const int32_t blocks = (ch + 7) / 8;
    if ((size_t)(blocks * 8 * taps * 2) > w_bytes || (size_t)(blocks * 24) > rq_words) {
        return 0;
    }
    for (int32_t blk = 0; blk < blocks; ++blk) {
        for (int32_t t = 0; t < taps; ++t) {
            for (int32_t i = 0; i < 8; ++i) {
                const int32_t o = 8 * blk + i;
                w16[(blk * taps + t) * 8 + i] = o < ch ? w[t * ch + o] : 0;
            }
        }
        for (int32_t h = 0; h < 2; ++h) {
            for (int32_t j = 0; j < 4; ++j) {
                const int32_t o = 8 * blk + 2 * j + h;
                int32_t *r = lay_rq + 24 * blk;
                r[4 * h + j] = o < ch && b != NULL ? b[o] : 0;
                r[8 + 4 * h + j] = o < ch ? mult[o] : 0;
                r[16 + 4 * h + j] = o < ch ? shft[o] : 0;
            }
        }
    }
    return 1;
}

#endif /* CHECK_MVE_LAYOUT_H */
