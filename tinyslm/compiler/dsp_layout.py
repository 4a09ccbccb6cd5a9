"""Weight layouts, requantization records and scratch sizes of the Cortex-M DSP kernels
(firmware/kernels/cortex_m_dsp/), computed at compile time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def interleave_pairs(rows: np.ndarray, per_group: int) -> np.ndarray:
    """Weights for the DSP GEMM kernels (firmware/kernels/cortex_m_dsp/tslm_dsp.h): each row
    padded with zeros to a multiple of four; within each group, every pair of output channels
    stored four bytes of one, four of the other; an odd last channel of a group keeps its row.

    >>> interleave_pairs(np.arange(12).reshape(2, 6) + 1, 2).tolist()
    [1, 2, 3, 4, 7, 8, 9, 10, 5, 6, 0, 0, 11, 12, 0, 0]
    >>> interleave_pairs(np.arange(3).reshape(3, 1) + 1, 3).tolist()
    [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]
    """
    oc, k = rows.shape
    k4 = -(-k // 4) * 4
    padded = np.zeros((oc, k4), dtype=rows.dtype)
    padded[:, :k] = rows
    out = []
    for g0 in range(0, oc, per_group):
        c = g0
        while c + 2 <= g0 + per_group:
            out.append(np.stack([padded[c].reshape(-1, 4), padded[c + 1].reshape(-1, 4)], axis=1).reshape(-1))
            c += 2
        if c < g0 + per_group:
            out.append(padded[c])
    return np.concatenate(out)


def widen_depthwise(w: np.ndarray) -> np.ndarray:
    """Depthwise weights (taps x channels, int8) for the DSP kernel: channels padded to a
    multiple of four; for each group of four channels and each tap, the int16 pairs (c0, c2)
    and (c1, c3), the order SXTB16 gives the activations.

    >>> widen_depthwise(np.array([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])).tolist()
    [1, 3, 2, 4, 6, 8, 7, 9, 5, 0, 0, 0, 10, 0, 0, 0]
    """
    taps, c = w.shape
    c4 = -(-c // 4) * 4
    padded = np.zeros((taps, c4), dtype=np.int64)
    padded[:, :c] = w
    groups = padded.reshape(taps, c4 // 4, 4).transpose(1, 0, 2)  # group x tap x 4
    return groups[:, :, [0, 2, 1, 3]].reshape(-1)


DW_MAX_SPAN = 64  # rows a depthwise filter may span in the DSP kernel (TSLM_DSP_DW_MAX_SPAN in tslm_dsp.h)
DW_COL_MIN_SCRATCH = 4096  # the depthwise column layout's scratch may exceed the row window's up to this
FC_DEPTH_CHUNK = 1024  # input features the DSP FULLY_CONNECTED widens at a time (scratch: 4 or 8 KB at most)
FC_RAW_OD = 16  # TSLM_DSP_FC_RAW_OD in tslm_dsp_fully_connected.c


def fc_raw_row(batches: int, depth: int, out_depth: int, depth_chunk: int) -> bool:
    """Whether the DSP FULLY_CONNECTED with offset pairs reads its one row as it is, without scratch (raw_row in
    tslm_dsp_fully_connected.c): one row, depth a multiple of 8, fewer than FC_RAW_OD outputs or a row of more
    than one chunk.

    >>> fc_raw_row(1, 64, 12, 64), fc_raw_row(1, 64, 16, 64), fc_raw_row(1, 4000, 16, 1024), fc_raw_row(2, 64, 4, 64)
    (True, False, True, False)
    """
    return batches == 1 and depth % 8 == 0 and (out_depth < FC_RAW_OD or depth_chunk < depth)


def fc_triples(batches: int, depth: int, out_depth: int, hi: int) -> bool:
    """Whether the DSP FULLY_CONNECTED with offset pairs takes three rows a block (triples in
    tslm_dsp_fully_connected.c; its scratch then holds three widened rows, 24 bytes per group of four inputs):
    three rows or more, every output in fours, depth a multiple of 4 of 2..25 groups, nothing clamped below 127.

    >>> fc_triples(24, 56, 56, 127), fc_triples(32, 96, 48, 127), fc_triples(2, 56, 56, 127)
    (True, True, False)
    >>> fc_triples(24, 104, 56, 127)
    False
    >>> fc_triples(24, 56, 54, 127), fc_triples(24, 54, 56, 127), fc_triples(24, 56, 56, 6)
    (False, False, False)
    """
    return batches >= 3 and depth % 4 == 0 and 8 <= depth <= 100 and out_depth % 4 == 0 and hi == 127


def conv_triples(p: dict, in_hw: tuple[int, int], out_hw: tuple[int, int], fc: int, ic: int, oc: int) -> bool:
    """Whether the DSP CONV_2D with offset pairs takes three pixels a block (conv_triples in tslm_dsp_conv.c, through
    tslm_dsp_conv_rows3_s8; its scratch then holds three widened pixels, 24 bytes per group of four taps): one group,
    every output in fours, K a multiple of 4 of 8..100, nothing clamped below 127, three pixels or more; 1x1 at
    stride 1 with no padding, or one output row of a window (one filter row over all input channels, no padding,
    no dilation along x: the fields lie stride_w ic bytes apart). p: the conv's params (filter, stride, dilation,
    padding, activation).

    >>> q = dict(filter_h=1, filter_w=3, stride_h=1, stride_w=2, dilation_w=1, pad_h=0, pad_w=0, act_max=127)
    >>> conv_triples(q, (1, 49), (1, 24), 32, 32, 64), conv_triples(q, (2, 49), (2, 24), 32, 32, 64)
    (True, False)
    >>> q.update(filter_w=1, stride_w=1)
    >>> conv_triples(q, (25, 5), (25, 5), 64, 64, 64), conv_triples(q, (25, 5), (25, 5), 64, 64, 62)
    (True, False)
    """
    fh, fw = p["filter_h"], p["filter_w"]
    k = fh * fw * fc
    if not (fc == ic and k % 4 == 0 and 8 <= k <= 100 and oc % 4 == 0 and p["act_max"] == 127
            and out_hw[0] * out_hw[1] >= 3):
        return False
    if (fh, fw, p["stride_h"], p["stride_w"], p["pad_h"], p["pad_w"]) == (1, 1, 1, 1, 0, 0) and in_hw == out_hw:
        return True
    return (out_hw[0] == 1 and fh == 1 and p["dilation_w"] == 1 and p["pad_h"] == 0 and p["pad_w"] == 0
            and (out_hw[1] - 1) * p["stride_w"] + fw <= in_hw[1])


def conv_dsp_scratch(k: int, im2col: bool) -> int:
    """Scratch of the DSP CONV_2D: two pixels widened (16 bytes per group of four k), and with
    im2col their two int8 columns (k rounded up to a multiple of four)."""
    return 16 * (-(-k // 4)) + (8 * (-(-k // 4)) if im2col else 0)


def dsp_requant(bias: np.ndarray, multipliers: list[int], shifts: list[int],
                abs_weight_sums: np.ndarray) -> tuple[np.ndarray, bool]:
    """Per-channel requantization records for the DSP kernels (4 int32 each, see tslm_dsp.h).

    Fast records {2 * bias, multiplier, r, 2^(r-1)} when every channel shifts right (r >= 1)
    and 2 * (accumulator + bias) cannot overflow for any int8 input (|bias| + 128 * sum |w|
    < 2^30); otherwise TFLM's {bias, multiplier, shift, 0}.

    >>> rec, fast = dsp_requant(np.array([-5, 7]), [1 << 30, 1 << 30], [-3, -1], np.array([10, 20]))
    >>> fast, rec.tolist()
    (True, [-10, 1073741824, 3, 4, 14, 1073741824, 1, 1])
    >>> dsp_requant(np.array([0]), [1 << 30], [0], np.array([1]))[1]
    False
    """
    fast = all(s <= -1 for s in shifts) and all(
        abs(int(b)) + 128 * int(a) < (1 << 30) for b, a in zip(bias, abs_weight_sums))
    if fast:
        rows = [[2 * int(b), m, -s, 1 << (-s - 1)] for b, m, s in zip(bias, multipliers, shifts)]
    else:
        rows = [[int(b), m, s, 0] for b, m, s in zip(bias, multipliers, shifts)]
    return np.array(rows, dtype=np.int64).reshape(-1), fast


def depthwise_column_pairs(w: np.ndarray, stride_h: int) -> np.ndarray:
    """Depthwise weights (filter_h x filter_w x channels, int8) for the DSP kernel's column layout
    (taps paired along y, firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c): per channel and
    filter column, n int16 pairs (2 w[2j], 2 w[2j + 1]), zeros past filter_h, doubled so the
    accumulator is 2 x (bias + sum) as the fast requantization takes it; n = filter_h // 2 + 1 at
    stride 1 (the odd rows' pairs (w[2j - 1], w[2j]) are made from these), (filter_h + 1) // 2 at 2.

    >>> depthwise_column_pairs(np.array([[[1, 2]], [[3, 4]], [[5, 6]]]), 1).tolist()
    [2, 6, 10, 0, 4, 8, 12, 0]
    >>> depthwise_column_pairs(np.array([[[1]], [[3]], [[5]]]), 2).tolist()
    [2, 6, 10, 0]
    """
    fh, fw, c = w.shape
    n = fh // 2 + 1 if stride_h == 1 else (fh + 1) // 2
    padded = np.zeros((2 * n, fw, c), dtype=np.int64)
    padded[:fh] = 2 * w.astype(np.int64)
    return padded.transpose(2, 1, 0).reshape(-1)


def depthwise_column_words(output_h: int, filter_h: int, stride_h: int) -> int:
    """Words per padded input column of the column layout: the four-row blocks' reach (col_words in
    tslm_dsp_depthwise_conv.c)."""
    blocks = -(-output_h // 4)
    if stride_h == 1:
        return 2 * (blocks - 1) + filter_h // 2 + 2
    return 4 * (blocks - 1) + 3 + (filter_h + 1) // 2


@dataclass(frozen=True)
class DilatedStack:
    """A dilated depthwise layer's phases x[py::d_h, px::d_w] one below another (py, then px), each ceil(W / d_w)
    columns wide, pad_h / d_h rows of zero points between two (tslm_dsp_depthwise_conv_dilated_s8 in
    tslm_dsp_depthwise_conv.c, whose dilated_stack computes the same)."""

    ws: int  # the stack's input width (pixels)
    ows: int  # the stack call's output width
    rows: int  # the stack's rows
    out_rows: int  # the stack call's output rows
    fits: bool  # every phase's outputs read only its own rows and zero points (never the next phase's)


def dilated_stack(ih: int, iw: int, oh: int, ow: int, fh: int, dh: int, dw: int, pad_h: int) -> DilatedStack:
    """The stack of a stride-1 layer whose pad_h is a multiple of d_h.

    >>> s = dilated_stack(12, 12, 12, 12, 3, 2, 2, 2)  # 3x3, dilation 2, SAME: four 6x6 phases, one row between
    >>> (s.ws, s.ows, s.rows, s.out_rows, s.fits)
    (6, 6, 27, 27, True)
    >>> dilated_stack(9, 7, 5, 3, 3, 2, 2, 0)  # VALID: phases of 5 and 4 rows, 3 and 2 output rows
    DilatedStack(ws=4, ows=2, rows=18, out_rows=16, fits=True)
    """
    qh, off, out_rows, fits = pad_h // dh, 0, 0, True
    for py in range(dh):
        hs, ohs = -(-(ih - py) // dh), -(-(oh - py) // dh)
        for px in range(dw):
            last = py == dh - 1 and px == dw - 1
            fits &= last or ohs - 1 - qh + fh - 1 < hs + qh  # the lowest row the last output reads
            out_rows = off + ohs
            off += hs + qh
    return DilatedStack(-(-iw // dw), -(-ow // dw), off - qh, out_rows, fits)


def depthwise_column_records(rec: np.ndarray, fast: bool, zp: int, lo: int, hi: int) -> tuple[np.ndarray, int]:
    """The column layout's records and epilogue (TSLM_DSP_DW_COL + 0..4 in tslm_dsp_depthwise_conv.h):
    where the output clamps at or above its zero point (lo >= zp; TFLM's -1 for negative values then never
    shows) and every right shift r <= 21, the zero point (and lo) go into the rounding term; where instead
    the output spans the whole int8 range (no activation) and r <= 21, the zero point goes there too and the
    kernel keeps TFLM's -1 (4); otherwise the records as they are (2: fast, 3: exact).

    >>> r, e = depthwise_column_records(np.array([4, 99, 3, 4]), True, -128, -128, 127); e, r.tolist()
    (0, [4, 99, 3, -1020])
    >>> r, e = depthwise_column_records(np.array([4, 99, 3, 4]), True, -5, 0, 127); e, r.tolist()
    (1, [4, 99, 3, -36])
    >>> depthwise_column_records(np.array([4, 99, 3, 4]), True, 5, 0, 127)[1]
    2
    >>> r, e = depthwise_column_records(np.array([4, 99, 3, 4]), True, 5, -128, 127); e, r.tolist()
    (4, [4, 99, 3, 44])
    >>> depthwise_column_records(np.array([4, 99, 22, 1 << 21]), True, 5, -128, 127)[1]
    2
    """
    if not fast:
        return rec.copy(), 3
    rows = rec.reshape(-1, 4).copy()
    if int(rows[:, 2].max()) > 21:
        return rows.reshape(-1), 2
    if lo < zp:
        if lo != -128 or hi != 127:
            return rows.reshape(-1), 2
        rows[:, 3] = (1 << (rows[:, 2] - 1)) + zp * (1 << rows[:, 2])
        return rows.reshape(-1), 4
    full = lo == -128 and hi == 127
    offset = zp if full else zp - lo
    rows[:, 3] = (1 << (rows[:, 2] - 1)) + offset * (1 << rows[:, 2])
    return rows.reshape(-1), 0 if full else 1


def depthwise_patch_words(filter_h: int, filter_w: int) -> int:
    """Words of one patch in the DSP depthwise kernel's patch layout (one input channel, depth multiplier
    > 1): two per four filter columns per filter row, rounded up to a multiple of eight
    (tslm_dsp_depthwise_conv_patch_words).

    >>> depthwise_patch_words(10, 8), depthwise_patch_words(3, 3), depthwise_patch_words(1, 9)
    (40, 8, 8)
    """
    w = filter_h * 2 * (-(-filter_w // 4))
    return -(-w // 8) * 8


def depthwise_patch_weights(w: np.ndarray) -> np.ndarray:
    """Depthwise weights (filter_h x filter_w x channels, int8; one input channel) for the DSP kernel's
    patch layout (firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c), as int16: per channel, each
    filter row's columns padded with zeros to a multiple of four, each group of four in SXTB16's order
    (c0, c2, c1, c3), doubled, zeros up to depthwise_patch_words; per pair of channels four words (eight
    int16) of one, four of the other; an odd last channel keeps its row.

    >>> depthwise_patch_weights(np.array([[[1, 2], [3, 4], [5, 6]]])).reshape(-1, 8)[:4].tolist()
    [[2, 10, 6, 0, 0, 0, 0, 0], [4, 12, 8, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]
    >>> depthwise_patch_weights(np.ones((1, 1, 3), dtype=np.int8)).reshape(-1, 8)[:, 0].tolist()
    [2, 2, 0, 0, 2, 0]
    """
    fh, fw, c = w.shape
    fw4 = -(-fw // 4) * 4
    padded = np.zeros((fh, fw4, c), dtype=np.int64)
    padded[:, :fw] = 2 * w.astype(np.int64)
    rows = padded.reshape(fh, fw4 // 4, 4, c)[:, :, [0, 2, 1, 3], :].reshape(fh * fw4, c).T  # channels x int16
    n16 = 2 * depthwise_patch_words(fh, fw)
    full = np.zeros((c, n16), dtype=np.int64)
    full[:, :fh * fw4] = rows
    out = []
    for a in range(0, c - 1, 2):
        out.append(np.stack([full[a].reshape(-1, 8), full[a + 1].reshape(-1, 8)], axis=1).reshape(-1))
    if c % 2:
        out.append(full[c - 1])
    return np.concatenate(out)


FC_WIDE_MAX = 4096  # weights of a one-row FULLY_CONNECTED stored as int16 at most (8 KB; TSLM_DSP_FC_WIDE)


def fc_wide_row(batches: int, depth: int, out_depth: int) -> bool:
    """Whether a DSP FULLY_CONNECTED may take the wide row (requant_fast == 3, wide_row in
    tslm_dsp_fully_connected.c): one row, depth a multiple of 8, at most FC_WIDE_MAX weights. Its weights are
    int16 in flash (fc_wide_weights), so each SMLAD needs only a share of a load.

    >>> fc_wide_row(1, 64, 12), fc_wide_row(1, 60, 12), fc_wide_row(2, 64, 12), fc_wide_row(1, 640, 128)
    (True, False, False, False)
    """
    return batches == 1 and depth % 8 == 0 and depth * out_depth <= FC_WIDE_MAX


def fc_wide_weights(rows: np.ndarray) -> np.ndarray:
    """Weights (channels x k, int8; k a multiple of 8) for the wide row, as int16, doubled (so the sum is 2 (acc +
    bias) as the records take it): channels padded with zero rows to a multiple of four; per four channels and
    step of eight k, each channel's eight in the order the widened row's words hold them (SXTB16: k0, k2, then
    ROR 8: k1, k3, then k4, k6, k5, k7).

    >>> fc_wide_weights(np.arange(8).reshape(1, 8))[:8].tolist()
    [0, 4, 2, 6, 8, 12, 10, 14]
    >>> fc_wide_weights(np.arange(16).reshape(1, 16)).reshape(2, 4, 8)[1, 0].tolist()
    [16, 20, 18, 22, 24, 28, 26, 30]
    """
    oc, k = rows.shape
    oc4 = -(-oc // 4) * 4
    padded = np.zeros((oc4, k), dtype=np.int64)
    padded[:oc] = 2 * rows.astype(np.int64)
    order = [0, 2, 1, 3, 4, 6, 5, 7]
    steps = padded.reshape(oc4 // 4, 4, k // 8, 8)[:, :, :, order]  # four x channel x step x 8
    return steps.transpose(0, 2, 1, 3).reshape(-1)


def _wide_channel_records(bias, multipliers, shifts, rows: np.ndarray, offset: int) -> list[list[int]] | None:
    """Per output channel [2 x bias, multiplier, shift, rounding + zero point] (the wide layouts' doubled sums),
    each checked exactly as `offset_pair_records` checks a single channel; None where one is not exact."""
    from .dsp_offset_pairs import offset_pair_records

    oc = rows.shape[0]
    mult = [int(v) for v in np.broadcast_to(np.asarray(multipliers), (oc,))]
    shift = [int(v) for v in np.broadcast_to(np.asarray(shifts), (oc,))]
    recs = []
    for c in range(oc):
        r = offset_pair_records(np.asarray(bias[c:c + 1]), [mult[c]], [shift[c]], rows[c:c + 1], offset)
        if r is None:
            return None
        recs.append([2 * int(r[0]), int(r[1]), int(r[2]), int(r[3])])
    return recs


def fc_wide_records(bias: np.ndarray, multipliers, shifts, rows: np.ndarray, offset: int) -> np.ndarray | None:
    """The wide row's records: per four channels {2 bias of each, then multiplier, r, 2^(r-1) + offset 2^r of
    each} (a last part four padded with channels that give 0; four words of 0 at the end), with offset_pair_records' bounds for single
    channels (2 (acc + bias) fits, r >= 1, ...); None where one does not hold.

    >>> fc_wide_records(np.array([3, -5]), [1 << 30] * 2, [-2, -1], np.array([[1, 2], [3, 4]]), -1).tolist()[:8]
    [6, -10, 0, 0, 1073741824, 2, -2, 1073741824]
    """
    recs = _wide_channel_records(bias, multipliers, shifts, rows, offset)
    if recs is None:
        return None
    oc = rows.shape[0]
    recs += [[0, 0, 1, 0]] * (-oc % 4)
    out = []
    for c in range(0, len(recs), 4):
        four = recs[c:c + 4]
        out += [f[0] for f in four]
        for f in four:
            out += f[1:]
    return np.array(out + [0] * 4, dtype=np.int64)  # the assembly reads a next four's sums after the last


FC_WIDE_SHORT_MAX = 64  # depth of the short wide row at most (one pass of its 8 unrolled steps of 8 inputs)


def fc_wide_short(batches: int, depth: int, out_depth: int, act_max: int) -> bool:
    """Whether a wide-row FULLY_CONNECTED takes the short form (tslm_dsp_fully_connected_wide_short_s8: weights,
    sums and records in one stream, fc_wide_short_stream): depth at most FC_WIDE_SHORT_MAX, nothing clamped
    below 127.

    >>> fc_wide_short(1, 32, 10, 127), fc_wide_short(1, 128, 8, 127), fc_wide_short(1, 48, 12, 6)
    (True, False, False)
    """
    return fc_wide_row(batches, depth, out_depth) and depth <= FC_WIDE_SHORT_MAX and act_max == 127


def fc_wide_short_tiles(out_depth: int) -> list[int]:
    """The short wide row's tiles of channels: fours, a last two where out_depth % 4 is 1 or 2 (3: a padded four;
    the first is always a four, padded where out_depth < 4).

    >>> fc_wide_short_tiles(10), fc_wide_short_tiles(12), fc_wide_short_tiles(7), fc_wide_short_tiles(1)
    ([4, 4, 2], [4, 4, 4], [4, 4], [4])
    """
    rem = out_depth % 4
    if out_depth < 4:
        return [4]
    return [4] * (out_depth // 4) + ([2] if rem in (1, 2) else [4] if rem == 3 else [])


def fc_wide_short_stream(bias: np.ndarray, multipliers, shifts, rows: np.ndarray, offset: int,
                         clamp: bool, act_min: int = -128) -> np.ndarray | None:
    """The short wide row's int32 stream: a header {84 steps, 24 steps (byte offsets of the kernel's entries into
    its unrolled code), act_min}, then tile after tile (fc_wide_short_tiles): a four {4 sums (2 bias), per step of
    eight k the 16 words of fc_wide_weights' order, m r rz of channels 0 and 1, of 2 and 3, then k}, a two {2 sums,
    44 steps, per step 8 words, m r rz of both, k}. k of a four: 0 another four next, 1 a two next, 2..5 the last with
    k - 1 outputs; of a two: k + 1 outputs; + 6 (a two: + 2) when `clamp` (act_min > -128). Padded channels: weights
    and bias 0, m 0, r 1, rz 0. None where a record is not exact (_wide_channel_records).

    >>> st = fc_wide_short_stream(np.array([3, -5]), [1 << 30] * 2, [-2, -1], np.array([[1] * 8, [2] * 8]), -1, False)
    >>> st[:7].tolist(), st[7:11].tolist()
    ([84, 24, -128, 6, -10, 0, 0], [131074, 131074, 131074, 131074])
    >>> st[-13:].tolist()  # m r rz of the two channels, of the two padded ones, then the tail code (2 outputs)
    [1073741824, 2, -2, 1073741824, 1, -1, 0, 1, 0, 0, 1, 0, 3]
    """
    recs = _wide_channel_records(bias, multipliers, shifts, rows, offset)
    if recs is None:
        return None
    oc, k = rows.shape
    tiles = fc_wide_short_tiles(oc)
    steps = k // 8
    out: list[int] = [84 * steps, 24 * steps, act_min]
    c = 0
    for t, size in enumerate(tiles):
        chans = list(range(c, c + size))
        four = [recs[j] if j < oc else [0, 0, 1, 0] for j in chans]
        block = np.zeros((size, k), dtype=np.int64)
        valid = [j for j in chans if j < oc]
        block[:len(valid)] = 2 * rows[valid].astype(np.int64)
        w = block.reshape(size, k // 8, 8)[:, :, [0, 2, 1, 3, 4, 6, 5, 7]].transpose(1, 0, 2).reshape(-1, 2)
        out += [f[0] for f in four] + ([44 * steps] if size == 2 else [])
        out += [int(lo & 0xFFFF) | (int(hi) << 16) for lo, hi in w.tolist()]  # int16 pairs, little endian
        for f in four:
            out += f[1:]
        n = min(size, oc - c)
        last = t == len(tiles) - 1
        if size == 4:
            code = n + 1 if last else (1 if tiles[t + 1] == 2 else 0)
            code += 6 if clamp else 0
        else:
            code = n - 1 + (2 if clamp else 0)
        out.append(code)
        c += size
    words = np.array(out, dtype=np.int64)
    return np.where(words >= 1 << 31, words - (1 << 32), words)



def fc_wide_five(batches: int, depth: int, out_depth: int, act_min: int, act_max: int) -> bool:
    """Whether a short wide row takes tiles of five channels (tslm_dsp_fully_connected_wide_five_s8, stream
    fc_wide_five_stream): out_depth a multiple of 5 from 10 that fours do not tile (10, 15, 25, ...), nothing
    clamped (act_min -128, act_max 127). Per four inputs a five is 13 instructions for 20 MACs (a four 21 per 32);
    32 -> 10 takes two tiles instead of 4 + 4 + 2.

    >>> fc_wide_five(1, 32, 10, -128, 127), fc_wide_five(1, 32, 20, -128, 127), fc_wide_five(1, 32, 10, 0, 127)
    (True, False, False)
    """
    return (fc_wide_short(batches, depth, out_depth, act_max) and act_min == -128 and out_depth % 5 == 0
            and out_depth % 4 != 0 and out_depth >= 10)


def fc_wide_five_stream(bias: np.ndarray, multipliers, shifts, rows: np.ndarray, offset: int) -> np.ndarray | None:
    """The five-channel short row's int32 stream: a header {the first five's 5 sums (2 bias), t = 16 - s (s = depth /
    4 steps of four inputs: the kernel enters its 16 unrolled steps at step t)}, then per five of channels: (from the
    second) its 5 sums, per step the 5 words (2 w[k0], 2 w[k2]) then the 5 words (2 w[k1], 2 w[k3]) (int16 pairs
    against the widened x words SXTB16 x, SXTB16 x ror 8), m r rz of channels 0..3, m of 4, a tail code (t + 1:
    another five follows; 0: the last), r rz of 4. None where a record is not exact (_wide_channel_records).

    >>> st = fc_wide_five_stream(np.arange(10), [1 << 30] * 10, [-2] * 10, np.ones((10, 8), dtype=np.int64), 0)
    >>> st[:6].tolist(), st[6:8].tolist(), len(st)
    ([0, 2, 4, 6, 8, 14], [131074, 131074], 83)
    >>> st[26:32].tolist(), int(st[39]), int(st[-3])  # m r rz of channels 0, 1; the tail codes
    ([1073741824, 2, 2, 1073741824, 2, 2], 15, 0)
    """
    recs = _wide_channel_records(bias, multipliers, shifts, rows, offset)
    if recs is None:
        return None
    oc, k = rows.shape
    steps = k // 4
    out: list[int] = []
    for c in range(0, oc, 5):
        out += [recs[j][0] for j in range(c, c + 5)] + ([16 - steps] if c == 0 else [])
        block = 2 * rows[c:c + 5].astype(np.int64).reshape(5, steps, 4)[:, :, [0, 2, 1, 3]].reshape(5, steps, 2, 2)
        w = block.transpose(1, 2, 0, 3).reshape(-1, 2)  # step, x word, channel, (lo, hi)
        out += [int(lo & 0xFFFF) | (int(hi) << 16) for lo, hi in w.tolist()]
        for j in range(c, c + 4):
            out += recs[j][1:]
        m, r, rz = recs[c + 4][1:]
        out += [m, 0 if c + 5 == oc else 17 - steps, r, rz]  # (the kernel's LDM puts the tail code in a low register)
    words = np.array(out, dtype=np.int64)
    return np.where(words >= 1 << 31, words - (1 << 32), words)

CONV_WIDE_MAX_K = 48  # input channels of a wide pointwise conv at most (from 64 the offset pairs are <= 1 instr/MAC)
CONV_WIDE_MAX = 8192  # its weights at most (16 KB as int16)


def conv_wide(pointwise: bool, k: int, oc: int) -> bool:
    """Whether a DSP CONV_2D may take the wide pointwise layout (requant_fast == 3, wide_pointwise in
    tslm_dsp_conv.c): 1x1 at stride 1 over one group (pointwise), k a multiple of 8 from 8 to CONV_WIDE_MAX_K,
    an even number of output channels, at most CONV_WIDE_MAX weights.

    >>> conv_wide(True, 32, 64), conv_wide(True, 64, 64), conv_wide(True, 32, 7), conv_wide(False, 32, 8)
    (True, False, False, False)
    """
    return pointwise and k % 8 == 0 and 8 <= k <= CONV_WIDE_MAX_K and oc % 2 == 0 and k * oc <= CONV_WIDE_MAX


CONV_WIDE_COLS = 16  # im2col columns the wide layout builds per pass (TSLM_CW_COLS in tslm_dsp_conv.c)
CONV_WIDE_RGB = 32  # RGB pixels the wide layout widens per pass (TSLM_CW_RGB)
CONV_WIDE_COLS_MAX_K = 36  # K (filter_h x filter_w x filter_c, rounded up to a multiple of 4) of a wide im2col conv:
# 3x3 over 3-4 channels; not MLPerf KWS's 10x4x1 (K = 40: 1.6% fewer instructions there, but +2.5 KB of weights,
# +5.9 KB of kernels linked and +0.09% estimated cycles)


def conv_wide_cols(taps: int, groups: int, k: int, oc: int) -> bool:
    """Whether a DSP CONV_2D with a filter wider than one pixel (taps = filter_h x filter_w > 1) may take the wide
    layout over im2col columns (an image CNN's first layer): one group, K = k rounded up to a multiple of 4 from 8
    to CONV_WIDE_COLS_MAX_K, an even number of output channels, at most CONV_WIDE_MAX weights.

    >>> conv_wide_cols(9, 1, 27, 8), conv_wide_cols(9, 1, 27, 7), conv_wide_cols(9, 1, 144, 16)
    (True, False, False)
    >>> conv_wide_cols(1, 1, 8, 8), conv_wide_cols(40, 1, 40, 64)
    (False, False)
    """
    k4 = -(-k // 4) * 4
    return taps > 1 and groups == 1 and 8 <= k4 <= CONV_WIDE_COLS_MAX_K and oc % 2 == 0 and k4 * oc <= CONV_WIDE_MAX


# weights of a wide window conv at most (18 KB as int16): the layout stores weights as int16, so every layer it
# takes costs its weight count again in flash, in the size build too; ResNet-8's layers up to 32 -> 32 take it
# (+21 KB of weights, 84 -> 105 KB), its two 64-channel layers (+55 KB for 5% fewer instructions) do not
CONV_WIDE_WIN_MAX = 9216


def conv_wide_win(fh: int, fw: int, fc: int, groups: int, stride: int, pointwise: bool, oc: int, dilation_w: int,
                  act_max: int) -> bool:
    """Whether a DSP CONV_2D takes the wide layout over receptive fields widened where they lie (requant_fast == 3,
    tslm_dsp_conv_wide_win_s8 in tslm_dsp_conv.c): one group, filter_c a multiple of four (each filter row whole
    groups of four k), not along x dilated, an even number of outputs, act_max 127 (the assembly), at most
    CONV_WIDE_WIN_MAX weights; either a filter wider than one pixel whose K is over CONV_WIDE_COLS_MAX_K and that is
    not a 1 x K window at stride 1 read where it lies (a ResNet's 3x3 body), or a 1x1 filter at a stride (its
    shortcuts; stride 1 is conv_wide's or the offset pairs' direct path).

    >>> conv_wide_win(3, 3, 16, 1, 1, False, 16, 1, 127), conv_wide_win(1, 1, 16, 1, 2, False, 32, 1, 127)
    (True, True)
    >>> conv_wide_win(3, 3, 3, 1, 1, False, 16, 1, 127), conv_wide_win(3, 3, 16, 1, 1, False, 15, 1, 127)
    (False, False)
    >>> conv_wide_win(10, 4, 1, 1, 2, False, 64, 1, 127), conv_wide_win(1, 1, 16, 1, 1, True, 16, 1, 127)
    (False, False)
    >>> conv_wide_win(3, 3, 16, 1, 1, False, 16, 1, 6), conv_wide_win(3, 3, 64, 1, 1, False, 64, 1, 127)
    (False, False)
    """
    k = fh * fw * fc
    if groups != 1 or fc % 4 or oc % 2 or dilation_w != 1 or act_max != 127 or k * oc > CONV_WIDE_WIN_MAX:
        return False
    if fh * fw == 1:
        return not pointwise and stride > 1 and k >= 8
    return k > CONV_WIDE_COLS_MAX_K and fh > 1


def conv_wide_win_scratch(k: int, oc: int, pointwise: bool = False) -> int:
    """Scratch of tslm_dsp_conv_wide_win_s8: two pixels widened (16 bytes per four k), then output_c bytes; a 1x1
    filter at a stride: output_c bytes rounded up to a word, then CONV_WIDE_WIN_COLS input pixels gathered.

    >>> conv_wide_win_scratch(144, 16), conv_wide_win_scratch(16, 30, True)
    (592, 352)
    """
    if pointwise:
        return 16 * (-(-k // 4)) + -(-oc // 4) * 4 + CONV_WIDE_WIN_COLS * k
    return 16 * (-(-k // 4)) + oc


CONV_WIDE_WIN_COLS = 16  # 1x1 at a stride: input pixels gathered per pass (TSLM_CW_WIN_COLS in tslm_dsp_conv.c)


def conv_wide_rgb(fh: int, fw: int, fc: int) -> bool:
    """Whether a wide im2col conv is an RGB image's first layer (3x3 over three channels), whose K the kernel takes in
    conv_wide_rgb_order, widened straight from the image (wide_rgb in tslm_dsp_conv.c)."""
    return (fh, fw, fc) == (3, 3, 3)


def conv_wide_rgb_order() -> list[int]:
    """The RGB layer's K order: each filter row's bytes 0-3 and 4-7, then the rows' ninth bytes (a zero after them).

    >>> conv_wide_rgb_order()[:9], conv_wide_rgb_order()[-3:]
    ([0, 1, 2, 3, 4, 5, 6, 7, 9], [8, 17, 26])
    """
    return [r * 9 + i for r in range(3) for i in range(8)] + [8, 17, 26]


def conv_wide_scratch(k: int, im2col: bool, oc: int, rgb: bool = False) -> int:
    """Scratch of the wide layout: two pixels widened (16 bytes per four k), CONV_WIDE_COLS im2col columns of k
    rounded up to a multiple of 4 (filters wider than one pixel), then output_c bytes (tslm_dsp_conv_wide_s8); the
    RGB layer: CONV_WIDE_RGB pixels widened, one column, output_c bytes.

    >>> conv_wide_scratch(32, False, 64), conv_wide_scratch(27, True, 8), conv_wide_scratch(27, True, 8, True)
    (192, 568, 1828)
    """
    n4 = -(-k // 4)
    if rgb:
        return CONV_WIDE_RGB * 8 * n4 + 4 * n4 + oc
    return 16 * n4 + (CONV_WIDE_COLS * 4 * n4 if im2col else 0) + oc


def conv_wide_weights(rows: np.ndarray) -> np.ndarray:
    """Weights (channels x k, int8; an even number of channels) for the wide layout, as int16, doubled: per pair
    of channels (a, b) and group of four k, a's (k0, k2, k1, k3), then b's; k padded with zeros to a multiple of 4.

    >>> conv_wide_weights(np.array([[1, 2, 3, 4], [5, 6, 7, 8]])).tolist()
    [2, 6, 4, 8, 10, 14, 12, 16]
    >>> conv_wide_weights(np.array([[1, 2, 3], [5, 6, 7]])).tolist()
    [2, 6, 4, 0, 10, 14, 12, 0]
    """
    oc, k = rows.shape
    if k % 4:
        rows = np.concatenate([rows, np.zeros((oc, -k % 4), dtype=rows.dtype)], axis=1)
        k = rows.shape[1]
    g = 2 * rows.astype(np.int64).reshape(oc // 2, 2, k // 4, 4)[:, :, :, [0, 2, 1, 3]]  # pair x ch x group x 4
    return g.transpose(0, 2, 1, 3).reshape(-1)


def conv_wide_stream(records: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The wide layout's one stream (int32, in the order the kernel reads it with one pointer): per pair of channels
    {2 bias of a, of b, its wide weights (as int32: the first int16 in the low half), m r rz of a, of b}, then the two
    words of 0 after the last (conv_wide_records' order), from conv_wide_records and conv_wide_weights.

    >>> rec = conv_wide_records(np.arange(2), [1 << 30] * 2, [-1] * 2, np.ones((2, 4), dtype=np.int64), 0)
    >>> conv_wide_stream(rec, conv_wide_weights(np.array([[1, 2, 3, -4], [5, 6, 7, 8]]))).tolist()
    [0, 2, 393218, -524284, 917514, 1048588, 1073741824, 1, 1, 1073741824, 1, 1, 0, 0]
    """
    pairs = (len(records) - 2) // 8
    rec = np.asarray(records, dtype=np.int64)[:-2].reshape(pairs, 8)
    w = np.asarray(weights, dtype=np.int64).reshape(pairs, -1)
    words = (w[:, 0::2] & 0xFFFF) | (w[:, 1::2] << 16)
    out = np.concatenate([rec[:, :2], words, rec[:, 2:]], axis=1).reshape(-1)
    return np.concatenate([out, [0, 0]]).astype(np.int64)


def conv_wide_quad8(pointwise: bool, k: int, oc: int, act_min: int, act_max: int) -> bool:
    """Whether a wide pointwise conv takes the stream of fours (conv_wide_quad8_stream; wide_quad8 in
    tslm_dsp_conv.c): eight input channels, outputs a multiple of four over the whole int8 range.

    >>> conv_wide_quad8(True, 8, 16, -128, 127), conv_wide_quad8(True, 8, 16, -40, 127)
    (True, False)
    >>> conv_wide_quad8(True, 16, 16, -128, 127), conv_wide_quad8(True, 8, 6, -128, 127)
    (False, False)
    """
    return conv_wide(pointwise, k, oc) and k == 8 and oc % 4 == 0 and (act_min, act_max) == (-128, 127)


def conv_wide_quad8_stream(records: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The stream of fours: per four channels 32 int32 {2 bias of each, the wide weights of its two pairs (as int32:
    the first int16 in the low half), m r rz of each}, from conv_wide_records and conv_wide_weights.

    >>> rec = conv_wide_records(np.arange(4), [1 << 30] * 4, [-1] * 4, np.ones((4, 8), dtype=np.int64), 0)
    >>> st = conv_wide_quad8_stream(rec, conv_wide_weights(np.arange(32).reshape(4, 8)))
    >>> st[:4].tolist(), st[4:6].tolist(), st[20:23].tolist(), len(st)
    ([0, 2, 4, 6], [262144, 393218], [1073741824, 1, 1], 32)
    """
    oc = (len(records) - 2) // 4
    rec = np.asarray(records, dtype=np.int64)[:-2].reshape(oc // 2, 8)
    w = np.asarray(weights, dtype=np.int64).reshape(oc // 2, 16)
    words = (w[:, 0::2] & 0xFFFF) | (w[:, 1::2] << 16)  # pair x 8 words
    out = []
    for q in range(oc // 4):
        a, b = rec[2 * q], rec[2 * q + 1]
        out += [a[0], a[1], b[0], b[1], *words[2 * q], *words[2 * q + 1], *a[2:5], *a[5:8], *b[2:5], *b[5:8]]
    v = np.array(out, dtype=np.int64)
    return np.where(v >= 1 << 31, v - (1 << 32), v)


def conv_wide_records(bias: np.ndarray, multipliers, shifts, rows: np.ndarray, offset: int) -> np.ndarray | None:
    """The wide pointwise layout's records: per pair of channels {2 bias of a, of b, then multiplier, r, 2^(r-1) +
    offset 2^r of a, of b}, two words of 0 after the last, with offset_pair_records' bounds for single channels;
    None where one does not hold.

    >>> conv_wide_records(np.array([3, -5]), [1 << 30] * 2, [-2, -1], np.array([[1, 2], [3, 4]]), -1).tolist()
    [6, -10, 1073741824, 2, -2, 1073741824, 1, -1, 0, 0]
    """
    recs = _wide_channel_records(bias, multipliers, shifts, rows, offset)
    if recs is None:
        return None
    oc = rows.shape[0]
    out = []
    for c in range(0, oc, 2):
        out += [recs[c][0], recs[c + 1][0], *recs[c][1:], *recs[c + 1][1:]]
    return np.array(out + [0, 0], dtype=np.int64)


CONV_WIDE_C1_PIX = 32  # pixels tslm_dsp_conv_wide_c1_s8 widens per pass at most (TSLM_C1_PIX in tslm_dsp_conv.c)
CONV_WIDE_C1_X = 1024  # bytes of those pixels widened at most, but one pair (TSLM_C1_X)


CONV_WIDE_C1_MAX_K = 80  # taps in groups of four (4 n4) at most: micro_speech's 10x8
# over CONV_WIDE_COLS_MAX_K only with at most CONV_WIDE_C1_LONG weights (the int16 copy at most 2 KB): MLPerf KWS's
# 10x4 stem over 64 channels (2,560) keeps its path: there -2.8% instructions (1.14 -> 0.89 per MAC on its stem) and
# -1.1% estimated cycles, but +2.5 KB of weights, +3.5 KB of kernels .text and +1.2 KB of arena
CONV_WIDE_C1_LONG = 1024


def conv_wide_c1(fh: int, fw: int, fc: int, ic: int, groups: int, dilation: tuple[int, int], oc: int) -> bool:
    """Whether a DSP CONV_2D takes the wide layout's entry for one input channel (tslm_dsp_conv_wide_c1_s8): one group
    of one channel, no dilation, an even number of outputs, K = filter_h x filter_w from 5 (as conv_wide_cols), at
    most CONV_WIDE_C1_MAX_K taps in its groups of four (conv_wide_c1_groups) and CONV_WIDE_MAX weights (over
    CONV_WIDE_COLS_MAX_K taps, CONV_WIDE_C1_LONG); and no more
    groups than K rounded up to four takes, or filter rows under four taps (which the im2col of
    tslm_dsp_conv_wide_s8 copies a byte at a time).

    >>> conv_wide_c1(3, 3, 1, 1, 1, (1, 1), 8), conv_wide_c1(4, 3, 1, 1, 1, (1, 1), 8)
    (True, True)
    >>> conv_wide_c1(3, 3, 3, 3, 1, (1, 1), 8), conv_wide_c1(3, 3, 1, 1, 1, (2, 1), 8), conv_wide_c1(3, 3, 1, 1, 1, (1, 1), 7)
    (False, False, False)
    >>> conv_wide_c1(5, 5, 1, 1, 1, (1, 1), 8), conv_wide_c1(6, 2, 1, 1, 1, (1, 1), 8), conv_wide_c1(2, 2, 1, 1, 1, (1, 1), 8)
    (False, True, False)
    >>> conv_wide_c1(10, 8, 1, 1, 1, (1, 1), 8), conv_wide_c1(10, 4, 1, 1, 1, (1, 1), 64)
    (True, False)
    """
    if fc != 1 or ic != 1 or groups != 1 or dilation != (1, 1) or fh * fw == 1 or oc % 2:
        return False
    n4, dense = conv_wide_c1_groups(fh, fw)[1], -(-fh * fw // 4)
    return (dense >= 2 and 4 * n4 <= CONV_WIDE_C1_MAX_K and 4 * n4 * oc <= CONV_WIDE_MAX
            and (4 * n4 <= CONV_WIDE_COLS_MAX_K or 4 * n4 * oc <= CONV_WIDE_C1_LONG)
            and (n4 <= dense or fw < 4))


def conv_wide_c1_groups(fh: int, fw: int) -> tuple[bool, int]:
    """(by columns, groups of four taps) of the one-channel layout: groups along filter rows (fh x ceil(fw / 4)) or,
    where fewer, along filter columns (fw x ceil(fh / 4)) (c1_geo_init in tslm_dsp_conv.c).

    >>> conv_wide_c1_groups(3, 3), conv_wide_c1_groups(4, 3), conv_wide_c1_groups(10, 8), conv_wide_c1_groups(4, 1)
    ((False, 3), (True, 3), (False, 20), (True, 1))
    """
    by_rows, by_cols = fh * -(-fw // 4), fw * -(-fh // 4)
    return (by_cols < by_rows), min(by_rows, by_cols)


def conv_wide_c1_rows(w: np.ndarray) -> np.ndarray:
    """The filter (channels x fh x fw) as rows of 4 n4 taps in the one-channel layout's K order: per group of four,
    taps (fy, 4q .. 4q + 3) of a row, or by columns (4q .. 4q + 3, fx); zeros past the filter's edge.

    >>> conv_wide_c1_rows(np.arange(1, 10).reshape(1, 3, 3)).tolist()
    [[1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0]]
    >>> conv_wide_c1_rows(np.arange(1, 5).reshape(1, 4, 1)).tolist()
    [[1, 2, 3, 4]]
    """
    oc, fh, fw = w.shape
    by_cols, n4 = conv_wide_c1_groups(fh, fw)
    if by_cols:
        w = w.transpose(0, 2, 1)  # channels x fw x fh: a filter column a line
    lines, n = w.shape[1], w.shape[2]
    per = -(-n // 4)
    out = np.zeros((oc, lines, 4 * per), dtype=w.dtype)
    out[:, :, :n] = w
    assert lines * per == n4
    return out.reshape(oc, 4 * n4)


def conv_wide_c1_scratch(fh: int, fw: int, sh: int, sw: int, oh: int, ow: int, oc: int) -> int:
    """Scratch of tslm_dsp_conv_wide_c1_s8: pix pixels widened (16 bytes per four taps a pair; CONV_WIDE_C1_PIX, fewer
    where they would take over CONV_WIDE_C1_X bytes, at least two), output_c bytes rounded up to a word, the band of
    input rows of a strip of output rows (as many as make pix pixels, at least one), each line 3 bytes longer, and 3
    bytes.

    >>> conv_wide_c1_scratch(3, 3, 2, 2, 48, 48, 8), conv_wide_c1_scratch(10, 8, 2, 2, 25, 20, 8)
    (1079, 1461)
    """
    by_cols, n4 = conv_wide_c1_groups(fh, fw)
    pix = min(CONV_WIDE_C1_PIX, max(2, 2 * (CONV_WIDE_C1_X // (16 * n4))))
    strip = min(oh, 1 if ow >= pix else pix // ow)
    rows, cols = (strip - 1) * sh + fh, (ow - 1) * sw + fw
    band = cols * (rows + 3) if by_cols else rows * (cols + 3)
    return pix // 2 * 16 * n4 + -(-oc // 4) * 4 + band + 3
