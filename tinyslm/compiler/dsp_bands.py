"""Bands of the DSP depthwise kernel's column layout (col_bands in
firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c): a large image's output rows in horizontal bands so the
widened columns of one band, not of the whole image, sit in scratch."""

from __future__ import annotations

from .dsp_layout import depthwise_column_words

DW_BAND_SCRATCH = 8192  # bytes a band's widened columns may take (where the row window's take less)
# 3x3 at stride 2: bands of 12 rows where those of 8 fit 8 KB and 12 fit this (48x48x16: 7,056 -> 10,192 bytes), the
# kernel's passes over columns of 13 words (per band the last pair's first row is widened once more: 9 pairs for 8
# rows, 13 for 12)
DW_BAND_SCRATCH_S2 = 10240


def band_scratch(channels: int, ring_w: int, band_h: int, filter_h: int, stride_h: int) -> int:
    """Scratch bytes of the column layout over band_h output rows (one band, or a whole image as one):
    `min(4, channels)` channels' padded columns of the band's words.

    >>> band_scratch(8, 50, 8, 3, 1)
    4000
    """
    return min(4, channels) * ring_w * depthwise_column_words(band_h, filter_h, stride_h) * 4


def column_band(channels: int, ring_w: int, output_h: int, filter_h: int, stride_h: int, limit: int) -> int:
    """The tallest band (a multiple of four output rows, fewer than output_h) whose scratch fits `limit` bytes;
    0 where even four rows do not fit or one band would hold the whole image.

    >>> column_band(8, 50, 48, 3, 1, 4096), column_band(32, 26, 24, 3, 1, 4096)
    (8, 16)
    >>> column_band(8, 50, 48, 3, 1, 1000), column_band(8, 10, 4, 3, 1, 4096)
    (0, 0)
    """
    best = 0
    for h in range(4, output_h, 4):
        if band_scratch(channels, ring_w, h, filter_h, stride_h) > limit:
            break
        best = h
    return best
