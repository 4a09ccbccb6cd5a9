"""The DSP offset-pair layout (tinyslm/compiler/dsp_offset_pairs.py): the kernels' integer arithmetic
(tslm_dsp.h: SMLAD of the raw weight word and of its SXTB16, sums wrapping modulo 2^32, the records'
SMMLAR requantization) replayed in Python on the layout and records the compiler writes, against TFLM's
requantization of the exact dot products; edge values (weights and inputs at -128, biases and sums at the
bounds the compiler enforces) included. The kernels themselves run in QEMU below (hand-built FULLY_CONNECTED
and 1x1 CONV_2D shapes for their assembly and C paths) and in the op zoo."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tflbuild import conv2d_model
from tinyslm.compiler.dsp_offset_pairs import (A_LIMIT, B_LIMIT, chunk_bounds, offset_pair_chunk, offset_pair_records,
                                               offset_pair_weights)
from tinyslm.compiler.fixedpoint import mbqm, wrap32


def _lanes(word: np.ndarray) -> tuple[int, int]:
    """A 4-byte group as SMLAD's two int16 lanes (little-endian)."""
    b = word.astype(np.int64) & 0xFF
    lo, hi = int(b[0] | (b[1] << 8)), int(b[2] | (b[3] << 8))
    return (lo - 65536 if lo >= 32768 else lo), (hi - 65536 if hi >= 32768 else hi)


def _smlad(w: tuple[int, int], x: tuple[int, int], acc: int) -> int:
    return wrap32(acc + w[0] * x[0] + w[1] * x[1])


def _sxtb16(word: np.ndarray) -> tuple[int, int]:
    b = ((word.astype(np.int64) & 0xFF) ^ 0x80) - 0x80
    return int(b[0]), int(b[2])


def _requant(v: int, rec: np.ndarray, lo: int, hi: int) -> int:
    """tslm_dsp_op_out1: SMMLAR(v, m, rz - [v < 0]) >> r, then SSAT or USAT + lo and the clamp at hi."""
    m, r, rz = int(rec[1]), int(rec[2]), int(rec[3])
    t = (rz + (-1 if v < 0 else 0)) << 32
    s = wrap32((t + v * m + (1 << 31)) >> 32) >> r
    if (lo, hi) == (-128, 127):
        return max(-128, min(127, s))
    return min(max(0, min(255, s)) + lo, hi)


def _kernel(x: np.ndarray, w: np.ndarray, recs: np.ndarray, lo: int, hi: int, groups: int | None = None) -> list[int]:
    """One pixel through the layout: per group of four k the words of each channel pair (or single row); with
    `groups` (the one-row kernel's chunks, raw_pair in tslm_dsp_fully_connected.c), A taken out of s1 - s2 at
    the end of each chunk into a 32-bit sum and s1 set to s2."""
    oc, k = w.shape
    n4 = -(-k // 4)
    xp = np.zeros(4 * n4, dtype=np.int64)
    xp[:k] = x
    flat = offset_pair_weights(w).astype(np.int64)
    xs = [((int(xp[4 * g]), int(xp[4 * g + 2])), (int(xp[4 * g + 1]), int(xp[4 * g + 3]))) for g in range(n4)]
    out, fours = [], oc - oc % 4
    for ch in range(0, oc - oc % 2, 2):
        if ch < fours:  # pair (ch % 4) // 2 of a stored four: 16 bytes per group, its 8 at 8 * that
            at = [16 * n4 * (ch // 4) + 16 * g + 8 * (ch % 4 // 2) + 4 * j for g in range(n4) for j in range(2)]
        else:  # a pair alone: 8 bytes per group
            at = [4 * n4 * ch + 8 * g + 4 * j for g in range(n4) for j in range(2)]
        base = 4 * ch  # the pair's records: init_a, init_b, then m, r, rz of a, of b
        s1, s2 = int(recs[base]), int(recs[base + 1])
        ends = {g1 for _, g1 in chunk_bounds(n4, groups or n4)}
        big_a = 0
        for i, a in enumerate(at):
            word, xv = flat[a: a + 4], xs[i // 2][i % 2]
            s1, s2 = _smlad(_lanes(word), xv, s1), _smlad(_sxtb16(word), xv, s2)
            if i % 2 and i // 2 + 1 in ends:
                big_a = wrap32(big_a + (wrap32(s1 - s2) >> 8))
                s1 = s2
        out.append(_requant(wrap32(big_a << 1), np.concatenate([[0], recs[base + 2: base + 5]]), lo, hi))
        out.append(_requant(wrap32(s2 << 1), np.concatenate([[0], recs[base + 5: base + 8]]), lo, hi))
    if oc % 2:  # a single row as it is (SXTB16 and SXTB16 ROR 8 of each word)
        ch = oc - 1
        s2 = int(recs[4 * ch])
        for g in range(n4):
            word = flat[4 * n4 * ch + 4 * g: 4 * n4 * ch + 4 * g + 4]
            s2 = _smlad(_sxtb16(word), xs[g][0], s2)
            s2 = _smlad(_sxtb16(np.roll(word, -1)), xs[g][1], s2)
        out.append(_requant(wrap32(s2 << 1), recs[4 * ch: 4 * ch + 4], lo, hi))
    return out


def _tflm(x: np.ndarray, w: np.ndarray, bias: np.ndarray, mult: list[int], shift: list[int], zp: int, lo: int,
          hi: int) -> list[int]:
    acc = w.astype(np.int64) @ x.astype(np.int64) + bias
    return [min(max(mbqm(int(a), m, s) + zp, lo), hi) for a, m, s in zip(acc, mult, shift)]


@pytest.mark.parametrize("oc,k,act", [(11, 37, "relu"), (8, 64, "none"), (7, 13, "relu6"), (1, 5, "none"),
                                      (6, 128, "relu")])
def test_layout_and_records_reproduce_tflm(oc, k, act):
    rng = np.random.default_rng(oc * 1000 + k)
    checked = inside = 0
    for trial in range(12):
        w = rng.integers(-128, 128, size=(oc, k))
        w[0:oc - oc % 2:2][(w[0:oc - oc % 2:2] == -128) & (w[1::2][: oc // 2] < 0)] = -127  # pairs_fit
        if trial == 0:  # the extremes: every input at -128, weights at -128 wherever the layout takes them
            w[:] = -128
            w[0:oc - oc % 2:2] = -127
        # shifts that keep most outputs inside int8 (so rounding, not saturation, decides them), one
        # channel's bias large in one trial
        typical = int(np.log2(128 * 74 * np.sqrt(k)))
        shift = [int(s) for s in rng.integers(-typical + 3, -typical + 6, size=oc)]
        mult = [int(m) for m in rng.integers(1 << 30, (1 << 31) - 1, size=oc)]
        bias = rng.integers(-(1 << 12), 1 << 12, size=oc)
        if trial == 1:
            bias[0] = 1 << 20
        zp = int(rng.integers(-128, 128))
        lo, hi = {"none": (-128, 127), "relu": (max(zp, -128), 127), "relu6": (max(zp, -128), min(zp + 40, 127))}[act]
        offset = zp if (lo, hi) == (-128, 127) else zp - lo
        recs = offset_pair_records(bias, mult, shift, w, offset)
        assert recs is not None, "these bounds are inside the layout's"
        for _ in range(3):
            x = np.full(k, -128) if trial == 0 else rng.integers(-128, 128, size=k)
            ours, ref = _kernel(x, w, recs, lo, hi), _tflm(x, w, bias, mult, shift, zp, lo, hi)
            assert ours == ref
            inside += sum(lo < v < hi for v in ref)
            checked += 1
    assert checked == 36 and inside > 6 * oc  # most outputs decided by the arithmetic, not the clamps


@pytest.mark.parametrize("k,act", [(4000, "none"), (1000, "relu"), (520, "none")])
def test_rows_in_chunks_reproduce_tflm(k, act):
    """Rows whose first channels' A = a.x + bias_a would leave 256 A outside int32 (inputs at +-127/-128 by
    the sign of channel 0's weights): in chunks (offset_pair_chunk) with A taken out after each they match
    TFLM; the same records without the chunks do not (what the chunks are for)."""
    rng = np.random.default_rng(k)
    oc = 7
    w = rng.integers(-127, 128, size=(oc, k))
    w[0] = np.where(rng.random(k) < 0.5, 127, -127)  # |a.x| up to 127.5 * 127 k
    bias = rng.integers(-(1 << 14), 1 << 14, size=oc)
    groups = offset_pair_chunk(bias, w, 256 if k > 1024 else -(-k // 4), True)
    assert groups is not None and groups % 16 == 0 and groups < -(-k // 4)
    assert offset_pair_chunk(bias, w, -(-k // 4), False) is None or k > 1024  # one chunk would not be exact
    for i, (g0, g1) in enumerate(chunk_bounds(-(-k // 4), groups)):
        assert 128 * np.abs(w[0, 4 * g0: 4 * g1]).sum() + (abs(int(bias[0])) if i == 0 else 0) < A_LIMIT
    typical = int(np.log2(128 * 127 * k))
    shift = [int(s) for s in rng.integers(-typical + 2, -typical + 4, size=oc)]
    mult = [int(m) for m in rng.integers(1 << 30, (1 << 31) - 1, size=oc)]
    zp = int(rng.integers(-60, 60))
    lo, hi = (-128, 127) if act == "none" else (zp, 127)
    recs = offset_pair_records(bias, mult, shift, w, zp if act == "none" else zp - lo, groups)
    assert recs is not None
    assert offset_pair_records(bias, mult, shift, w, zp, None) is None  # unchunked: refused
    wrong = 0
    for x in (np.where(w[0] >= 0, 127, -128), np.where(w[0] >= 0, -128, 127), rng.integers(-128, 128, size=k)):
        ref = _tflm(x, w, bias, mult, shift, zp, lo, hi)
        assert _kernel(x, w, recs, lo, hi, groups) == ref
        wrong += _kernel(x, w, recs, lo, hi, None) != ref
    assert wrong >= 1  # (relu clamps the negative extreme either way)


def test_pairs_that_do_not_fit_are_refused():
    """a = -128 beside a negative b would need a high byte of -129: the plain layout then."""
    w = np.array([[-128, 3], [-1, 4], [-128, 5]])
    assert offset_pair_records(np.array([0, 0, 0]), [1 << 30] * 3, [-3] * 3, w, 0) is None
    w[1, 0] = 0  # b >= 0: a - [b < 0] = -128 fits
    assert offset_pair_records(np.array([0, 0, 0]), [1 << 30] * 3, [-3] * 3, w, 0) is not None
    assert offset_pair_weights(w)[:4].tolist() == [0, -128, 0, 0]


def test_records_refused_outside_the_bounds():
    w = np.full((2, 4), 127)
    ok = offset_pair_records(np.array([0, 0]), [1 << 30] * 2, [-3, -3], w, 0)
    assert ok is not None
    sums = 128 * 4 * 127
    assert offset_pair_records(np.array([A_LIMIT - sums, 0]), [1 << 30] * 2, [-3, -3], w, 0) is None
    assert offset_pair_records(np.array([A_LIMIT - sums - 1, 0]), [1 << 30] * 2, [-3, -3], w, 0) is not None
    assert offset_pair_records(np.array([0, B_LIMIT - sums]), [1 << 30] * 2, [-3, -3], w, 0) is None
    assert offset_pair_records(np.array([0, 0]), [1 << 30] * 2, [0, -3], w, 0) is None  # a left shift
    assert offset_pair_records(np.array([0, 0]), [1 << 30] * 2, [-24, -3], w, 255) is None  # rz overflows


def test_requantization_with_folded_zero_point_on_every_rounding_tie():
    """SMMLAR(2 acc, m, 2^(r-1) + z 2^r - [acc < 0]) >> r = TFLM's requantization of acc + z, every residue
    of acc modulo 2^(r+1) around zero and far from it, for right shifts 1..10 (the records' arithmetic)."""
    rng = np.random.default_rng(3)
    compared = 0
    for r in range(1, 11):
        for m in (1 << 30, int(rng.integers(1 << 30, 1 << 31))):
            z = int(rng.integers(-128, 128))
            rec = np.array([0, m, r, (1 << (r - 1)) + z * (1 << r)])
            for centre in (0, int(rng.integers(-(1 << 24), 1 << 24))):
                for acc in range(centre - (3 << (r + 1)), centre + (3 << (r + 1))):
                    t = (int(rec[3]) + (-1 if acc < 0 else 0)) << 32
                    ours = wrap32((t + 2 * acc * m + (1 << 31)) >> 32) >> r
                    assert ours == mbqm(acc, m, -r) + z, (r, m, z, acc)
                    compared += 1
    assert compared == sum(4 * 6 << (r + 1) for r in range(1, 11))


def _fc_model(rows: int, depth: int, out: int, act: int, zp_out: int, seed: int) -> bytes:
    from tflbuild import OpDesc, TDesc, build_model, fc_options

    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (out, depth)).astype(np.int8)
    w[1, : depth // 2] = -128  # a pair's second channel at the edge of int8
    w[0, depth // 2:] = -128  # the first one beside non-negative seconds
    w[1, depth // 2:] = np.abs(w[1, depth // 2:])
    ws = list(rng.uniform(0.002, 0.01, out))
    bias = rng.integers(-3000, 3000, out).astype(np.int32)
    return build_model([TDesc((rows, depth), "int8", [0.05], [7]), TDesc((out, depth), "int8", ws, [0] * out, 0, w),
                        TDesc((out,), "int32", [0.05 * s for s in ws], [0] * out, 0, bias),
                        TDesc((rows, out), "int8", [0.08], [zp_out])],
                       [OpDesc("FULLY_CONNECTED", [0, 1, 2], [3], "FullyConnectedOptions", fc_options(act))], [0], [3])


def _conv1x1_model(hw: tuple[int, int], cin: int, cout: int, act: int, zp_out: int, seed: int) -> bytes:
    from tflbuild import OpDesc, TDesc, build_model, conv2d_options

    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (cout, 1, 1, cin)).astype(np.int8)
    ws = list(rng.uniform(0.002, 0.01, cout))
    bias = rng.integers(-3000, 3000, cout).astype(np.int32)
    return build_model([TDesc((1, *hw, cin), "int8", [0.05], [-9]),
                        TDesc((cout, 1, 1, cin), "int8", ws, [0] * cout, 0, w),
                        TDesc((cout,), "int32", [0.05 * s for s in ws], [0] * cout, 0, bias),
                        TDesc((1, *hw, cout), "int8", [0.08], [zp_out])],
                       [OpDesc("CONV_2D", [0, 1, 2], [3], "Conv2DOptions", conv2d_options(activation=act))], [0], [3])


# the DSP kernels' assembly over whole fours of channels (outputs unclamped or clamped at act_min only; depths
# that enter the unrolled loops at every kind of place) for one and two rows or pixels, then the C tails (a pair, a single channel, an odd row,
# relu6's clamp at act_max); act: 0 none, 1 relu, 3 relu6
OFFSET_PAIR_CASES = {"fc_rows3_d48_o11_none": lambda: _fc_model(3, 48, 11, 0, 5, 1),
                     "fc_rows3_d48_o11_relu": lambda: _fc_model(3, 48, 11, 1, -20, 2),
                     "fc_row1_d64_o10_relu": lambda: _fc_model(1, 64, 10, 1, -3, 3),
                     "fc_row1_d32_o9_relu6": lambda: _fc_model(1, 32, 9, 3, -100, 4),
                     "fc_rows2_d80_o8_relu6": lambda: _fc_model(2, 80, 8, 3, -100, 5),
                     "conv1x1_15px_c32_o10_relu": lambda: _conv1x1_model((3, 5), 32, 10, 1, -30, 6),
                     "conv1x1_4px_c16_o7_none": lambda: _conv1x1_model((2, 2), 16, 7, 0, 12, 7),
                     "fc_rows3_d37_o6_none": lambda: _fc_model(3, 37, 6, 0, 3, 8),
                     "fc_rows2_d68_o4_none": lambda: _fc_model(2, 68, 4, 0, -7, 10),
                     "fc_rows2_d100_o8_relu": lambda: _fc_model(2, 100, 8, 1, -40, 11),
                     "fc_row1_d100_o8_none": lambda: _fc_model(1, 100, 8, 0, 20, 12),
                     "conv1x1_5px_c20_o9_relu": lambda: _conv1x1_model((1, 5), 20, 9, 1, -60, 9),
                     # every pair of pixels (rows) in the assembly, widening included (all channels in fours, k % 4
                     # == 0): several pairs and an odd last one, an odd and an even number of groups, both clamps
                     "conv1x1_9px_c24_o8_none": lambda: _conv1x1_model((3, 3), 24, 8, 0, 9, 13),
                     "conv1x1_14px_c20_o12_relu": lambda: _conv1x1_model((2, 7), 20, 12, 1, -50, 14),
                     "fc_rows5_d40_o8_relu": lambda: _fc_model(5, 40, 8, 1, -30, 15),
                     "fc_rows6_d36_o4_none": lambda: _fc_model(6, 36, 4, 0, 11, 16),
                     "conv1x1_9px_c64_o8_none": lambda: _conv1x1_model((3, 3), 64, 8, 0, 9, 17),
                     # one pass of the loop (n4 - 1 <= 16: tslm_dsp_op_quads2s): a transformer's rows (every pair
                     # in the assembly), 17 groups (the pass entered at its start) with an odd last row, a last part
                     # four in C (a job per pair of rows), and 18 groups (two passes: the looped routine)
                     "fc_rows24_d56_o56_none": lambda: _fc_model(24, 56, 56, 0, -5, 32),
                     "fc_rows7_d68_o12_relu": lambda: _fc_model(7, 68, 12, 1, -20, 33),
                     "fc_rows5_d44_o10_relu": lambda: _fc_model(5, 44, 10, 1, -70, 34),
                     "fc_rows4_d72_o12_none": lambda: _fc_model(4, 72, 12, 0, 6, 35),
                     # three rows a block (fc_triples: tslm_dsp_op_quads3s): rows % 3 of 0, 1 and 2 (the last one or
                     # two rows by the one- and two-row routines), both clamps, the pass entered at its start (25
                     # groups), in its middle and near its end (2 groups), the anomaly model's 32x96 . 96x48, and 26
                     # groups (past the pass: the two-row routines)
                     "fc_rows9_d100_o8_relu": lambda: _fc_model(9, 100, 8, 1, -60, 36),
                     "fc_rows10_d56_o12_none": lambda: _fc_model(10, 56, 12, 0, 4, 37),
                     "fc_rows8_d48_o16_relu": lambda: _fc_model(8, 48, 16, 1, -25, 38),
                     "fc_rows6_d8_o4_relu": lambda: _fc_model(6, 8, 4, 1, -10, 39),
                     "fc_rows32_d96_o48_none": lambda: _fc_model(32, 96, 48, 0, -3, 40),
                     "fc_rows4_d104_o8_none": lambda: _fc_model(4, 104, 8, 0, 2, 41),
                     # three pixels a block (conv_triples: tslm_dsp_conv_rows3_s8): 1x1 at stride 1 (the pixels one
                     # after the other, in place) with pixels % 3 of 1 and 2, and one output row of a 1x3 window over
                     # 32 channels (fields 64 or 32 bytes apart: KWS's) with pixels % 3 of 0, 1 and 2; two output
                     # rows of a window (the general entry)
                     "conv1x1_10px_c64_o12_relu": lambda: _conv1x1_model((2, 5), 64, 12, 1, -40, 42),
                     "conv1x1_14px_c56_o8_none": lambda: _conv1x1_model((2, 7), 56, 8, 0, 6, 43),
                     "conv1x3_win_s2_1x23x32_o8_none": lambda: conv2d_model((1, 23), (1, 3), 32, 8, 2, "VALID", 0, 3,
                                                                           0.08, 44),
                     "conv1x3_win_s1_1x17x32_o12_relu": lambda: conv2d_model((1, 17), (1, 3), 32, 12, 1, "VALID", 1,
                                                                            -50, 0.08, 45),
                     "conv1x3_win_s2_1x21x32_o16_none": lambda: conv2d_model((1, 21), (1, 3), 32, 16, 2, "VALID", 0,
                                                                            -2, 0.08, 46),
                     "conv1x3_win_s1_2x9x32_o8_none": lambda: conv2d_model((2, 9), (1, 3), 32, 8, 1, "VALID", 0, 1,
                                                                          0.08, 47),
                     # the wide pointwise layout (int16 weights, dsp_layout.conv_wide): one group in the loop and
                     # several passes, a lone last pixel, both clamps in the assembly, relu6 in C
                     "conv1x1_wide_8px_c8_o4_none": lambda: _conv1x1_model((2, 4), 8, 4, 0, 5, 18),
                     "conv1x1_wide_7px_c40_o16_relu": lambda: _conv1x1_model((1, 7), 40, 16, 1, -40, 19),
                     "conv1x1_wide_6px_c48_o6_relu6": lambda: _conv1x1_model((2, 3), 48, 6, 3, -100, 20),
                     "conv1x1_wide_10px_c32_o32_relu": lambda: _conv1x1_model((2, 5), 32, 32, 1, -128, 21),
                     # the wide layout over im2col columns (dsp_layout.conv_wide_cols: an image CNN's first layer):
                     # 3x3 over three channels at stride 2 and 1, SAME padding at every border, passes of 16
                     # columns and a lone last pixel (25, 63 pixels), an odd K / 4 (27 -> 7 groups) and an even one
                     # (3x3x4, 2x2x2), relu6 over the whole range (zero point -128: no -1 for negative sums), relu
                     # (clamped at the zero point), no activation (TFLM's -1), relu6 clamped at act_max (C)
                     "conv3x3_wide_s2_9x9x3_o8_relu6": lambda: conv2d_model((9, 9), (3, 3), 3, 8, 2, "SAME", 3, -128,
                                                                           6 / 255, 22),
                     "conv3x3_wide_s1_7x9x3_o6_none": lambda: conv2d_model((7, 9), (3, 3), 3, 6, 1, "SAME", 0, 7,
                                                                          0.08, 23),
                     "conv3x3_wide_s2_12x11x4_o10_relu": lambda: conv2d_model((12, 11), (3, 3), 4, 10, 2, "SAME", 1,
                                                                             -40, 0.08, 24),
                     "conv2x2_wide_s1_6x5x2_o4_none": lambda: conv2d_model((6, 5), (2, 2), 2, 4, 1, "VALID", 0, -3,
                                                                          0.08, 25),
                     "conv3x3_wide_s2_10x9x3_o8_relu6c": lambda: conv2d_model((10, 9), (3, 3), 3, 8, 2, "SAME", 3,
                                                                             -100, 0.03, 26),
                     # the RGB layer (3x3 over three channels, widened straight from the image): passes of 32 pixels
                     # and a short last one (72 = 32 + 32 + 8), runs inside the image that start on a pair's second
                     # pixel (odd rows of 9), VALID with a lone last pixel (5 x 7 = 35), 12 channels
                     "conv3x3_rgb_s1_9x9x3_o6_relu": lambda: conv2d_model((8, 9), (3, 3), 3, 6, 1, "SAME", 1, -60,
                                                                         0.08, 27),
                     "conv3x3_rgb_s1_7x9x3_o12_none_valid": lambda: conv2d_model((7, 9), (3, 3), 3, 12, 1, "VALID", 0,
                                                                                4, 0.08, 28),
                     # eight input channels into fours over the whole int8 range (dsp_layout.conv_wide_quad8): an
                     # even and an odd number of fours (the loop's two entries), without TFLM's -1 (relu6, relu at
                     # zero point -128) and with it (no activation)
                     "conv1x1_wide_quad8_15px_o16_relu6": lambda: conv2d_model((3, 5), (1, 1), 8, 16, 1, "VALID", 3,
                                                                              -128, 6 / 255, 29),
                     "conv1x1_wide_quad8_9px_o12_none": lambda: conv2d_model((3, 3), (1, 1), 8, 12, 1, "VALID", 0, 5,
                                                                            0.08, 30),
                     "conv1x1_wide_quad8_4px_o8_relu": lambda: conv2d_model((2, 2), (1, 1), 8, 8, 1, "VALID", 1, -128,
                                                                           0.08, 31)}

# the cases fc_triples / conv_triples give three rows a block: tslm_dsp_fully_connected_rows3_s8,
# tslm_dsp_conv_rows3_s8
ROWS3_CASES = {"fc_rows6_d36_o4_none", "fc_rows5_d40_o8_relu", "fc_rows24_d56_o56_none", "fc_rows7_d68_o12_relu",
               "fc_rows4_d72_o12_none", "fc_rows9_d100_o8_relu", "fc_rows10_d56_o12_none", "fc_rows8_d48_o16_relu",
               "fc_rows6_d8_o4_relu", "fc_rows32_d96_o48_none", "conv1x1_14px_c20_o12_relu", "conv1x1_9px_c64_o8_none",
               "conv1x1_10px_c64_o12_relu", "conv1x1_14px_c56_o8_none", "conv1x3_win_s2_1x23x32_o8_none",
               "conv1x3_win_s1_1x17x32_o12_relu", "conv1x3_win_s2_1x21x32_o16_none"}


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("name,optimize", [(n, "speed") for n in OFFSET_PAIR_CASES] +
                         [(n, "size") for n in ("fc_rows3_d48_o11_relu", "fc_row1_d32_o9_relu6",
                                                "conv1x1_5px_c20_o9_relu", "conv1x1_wide_7px_c40_o16_relu",
                                                "conv1x1_wide_6px_c48_o6_relu6", "conv3x3_wide_s2_9x9x3_o8_relu6",
                                                "conv3x3_wide_s1_7x9x3_o6_none", "conv3x3_rgb_s1_9x9x3_o6_relu",
                                                "conv1x1_wide_quad8_9px_o12_none")] +
                         [(n, "size") for n in ("fc_rows10_d56_o12_none", "fc_rows8_d48_o16_relu",
                                                "conv1x1_10px_c64_o12_relu", "conv1x3_win_s2_1x23x32_o8_none")] +
                         [(n, "-Os") for n in ("fc_rows9_d100_o8_relu", "fc_rows10_d56_o12_none",
                                               "fc_rows8_d48_o16_relu", "fc_rows24_d56_o56_none",
                                               "conv1x1_14px_c56_o8_none", "conv1x3_win_s1_1x17x32_o12_relu",
                                               "fc_row1_d64_o10_relu", "conv1x1_9px_c24_o8_none",
                                               "fc_rows7_d68_o12_relu", "conv1x1_wide_8px_c8_o4_none",
                                               "conv3x3_wide_s2_12x11x4_o10_relu",
                                               "conv3x3_rgb_s1_7x9x3_o12_none_valid",
                                               "conv1x1_wide_quad8_15px_o16_relu6")])
def test_offset_pair_kernels_bit_exact_on_cortex_m4(name, optimize):
    """The speed build (assembly for whole fours) and the size build (the C forms) against TFLM; and the assembly
    built -Os (functions 2-byte aligned: the routines' computed entries need their own 4-byte alignment)."""
    from tinyslm.compare import compare_outputs
    from tinyslm.firmware import opt_flag
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    model = OFFSET_PAIR_CASES[name]()
    opt = optimize if optimize.startswith("-") else opt_flag(optimize)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=9, opt=opt)
    fast = [p.get("requant_fast") if isinstance(p, dict) else getattr(p, "requant_fast", None)
            for p in (getattr(s, "params", None) for s in cm.plan.steps)]
    if "wide" in name:
        assert 3 in fast, "the wide pointwise layout was chosen"
    else:  # (few weights, a 1x1 conv's k a multiple of 8 up to 48 or one row: the wide layouts)
        assert 2 in fast or 3 in fast, "the offset-pair (or wide) layout was chosen"
    rows3 = [getattr(s, "func", "").endswith("_rows3_s8") for s in cm.plan.steps]
    assert any(rows3) == (name in ROWS3_CASES), "three rows a block where fc_triples holds"
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 4
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem


def _fc_signed_model(depth: int, out: int, act: int, zp_out: int, seed: int,
                     per_channel: bool = True) -> tuple[bytes, np.ndarray]:
    """One row: channel 0's weights all +-127, the others random; with the inputs that make |A| largest."""
    from tflbuild import OpDesc, TDesc, build_model, fc_options

    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (out, depth)).astype(np.int8)
    w[0] = np.where(rng.random(depth) < 0.5, 127, -127)
    ws = list(rng.uniform(0.0005, 0.002, out)) if per_channel else [float(rng.uniform(0.0005, 0.002))]
    bias = rng.integers(-3000, 3000, out).astype(np.int32)
    model = build_model([TDesc((1, depth), "int8", [0.05], [3]),
                         TDesc((out, depth), "int8", ws, [0] * len(ws), 0, w),
                         TDesc((out,), "int32", [0.05 * s for s in ws], [0] * len(ws), 0, bias),
                         TDesc((1, out), "int8", [0.5], [zp_out])],
                        [OpDesc("FULLY_CONNECTED", [0, 1, 2], [3], "FullyConnectedOptions", fc_options(act))], [0], [3])
    return model, w[0]


# one row read as it is (raw_row in tslm_dsp_fully_connected.c): (depth, outputs, act, chunked); the assembly's
# fours (both clamps, several chunks and one), the C pair and single channel, relu6's fours in C
RAW_ROW_CASES = {"raw_d4000_o4_none": (4000, 4, 0, True), "raw_d1000_o7_relu": (1000, 7, 1, True),
                 "raw_d520_o11_none": (520, 11, 0, True), "raw_d48_o12_relu": (48, 12, 1, False),
                 "raw_d64_o10_relu6": (64, 10, 3, False), "raw_d1032_o6_relu6": (1032, 6, 3, True),
                 # few weights: the wide row (int16 weights, fc_wide_row): its assembly's fours (both clamps, one
                 # pass and several, the first entered part-way, a last eight widened alone), a last part four in C
                 "wide_d64_o12_none": (64, 12, 0, False), "wide_d128_o8_relu": (128, 8, 1, False),
                 "wide_d40_o6_none": (40, 6, 0, False), "wide_d136_o16_none": (136, 16, 0, False),
                 "wide_d8_o5_relu": (8, 5, 1, False), "wide_d72_o6_relu": (72, 6, 1, False),
                 "wide_d80_o3_none": (80, 3, 0, False)}


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("name,optimize", [(n, "speed") for n in RAW_ROW_CASES] +
                         [(n, "size") for n in ("raw_d4000_o4_none", "raw_d1000_o7_relu", "wide_d40_o6_none",
                                                "wide_d128_o8_relu")] +
                         [("raw_d48_o12_relu", "-Os"), ("wide_d136_o16_none", "-Os")])
def test_one_row_read_as_it_is_bit_exact_on_cortex_m4(name, optimize, tmp_path):
    """The one-row kernels against TFLM (without scratch; with few weights the wide row), on inputs that drive the
    first channel's A past what one chunk holds (+-127 by its weights' signs) and on random ones."""
    from tinyslm.compare import compare_outputs
    from tinyslm.compiler import compile_model
    from tinyslm.compiler.dsp_layout import fc_wide_row, fc_wide_short
    from tinyslm.firmware import opt_flag
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import build_qemu, run_qemu

    depth, out, act, chunked = RAW_ROW_CASES[name]
    model, w0 = _fc_signed_model(depth, out, act, -5, depth + out)
    cm = compile_model(model, tmp_path / "model", name="model", target="cortex-m-dsp")
    (call,) = [s for s in cm.plan.steps if getattr(s, "func", "").startswith("tslm_dsp_fully_connected")]
    wide = fc_wide_row(1, depth, out)
    short = fc_wide_short(1, depth, out, 6 if act == 3 else 127)  # (relu6's act_max here: 6 / 0.5 - 5 = 7)
    part = -(-out // 4) * 4 if out % 4 and not short else 0  # the wide row's outputs of a last part four
    assert call.params["requant_fast"] == (3 if wide else 2) and call.scratch_bytes == (2 * depth + part if wide else 0)
    assert call.func.endswith("wide_short_s8") == short
    assert (call.params["depth_chunk"] < depth) == chunked
    elf = build_qemu(cm, tmp_path / "build", "mps2-an386", optimize if optimize.startswith("-") else opt_flag(optimize))
    rng = np.random.default_rng(1)
    batches = [[np.where(w0 >= 0, 127, -128).astype(np.int8).reshape(1, depth)],
               [np.where(w0 >= 0, -128, 127).astype(np.int8).reshape(1, depth)],
               [rng.integers(-128, 128, (1, depth)).astype(np.int8)],
               [rng.integers(-128, 128, (1, depth)).astype(np.int8)]]
    run = run_qemu(elf, cm, batches, "mps2-an386")
    oracle = Oracle(model)
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == out, c.problem


# the short wide row (dsp_layout.fc_wide_short: depth <= 64, act_max 127; weights and records in one stream):
# (depth, outputs, act, output zero point, per-channel): fours, a last two (od % 4 of 1, 2), a padded four (3, and
# od < 4), depths 8..64 (the unrolled steps and the widening entered at each point), relu clamped at act_min > -128
# and relu whose act_min is -128 (the SSAT tails), per-channel and per-tensor
SHORT_ROW_CASES = {"short_d8_o1_relu_pt": (8, 1, 1, -5, False), "short_d16_o2_none_pc": (16, 2, 0, 3, True),
                   "short_d24_o3_relu_pc": (24, 3, 1, -128, True), "short_d32_o5_none_pt": (32, 5, 0, -5, False),
                   "short_d32_o10_relu_pc": (32, 10, 1, 0, True), "short_d40_o6_relu_pt": (40, 6, 1, -5, False),
                   "short_d48_o12_none_pc": (48, 12, 0, -5, True), "short_d56_o7_relu_pc": (56, 7, 1, -128, True),
                   "short_d64_o16_relu_pt": (64, 16, 1, -5, False), "short_d64_o13_none_pc": (64, 13, 0, 7, True),
                   "short_d8_o9_none_pt": (8, 9, 0, -5, False), "short_d16_o14_relu_pc": (16, 14, 1, -5, True),
                   "short_d64_o4_relu_pc": (64, 4, 1, -128, True)}



def _one_row_bit_exact_in_qemu(model: bytes, w0: np.ndarray, cm, optimize: str, tmp_path) -> None:
    """Build the compiled one-row FC for mps2-an386 (`optimize`: speed, size or raw flags such as -Os) and compare
    it with TFLM on inputs that drive channel 0's sum to both extremes (by the signs of its weights `w0`) and on
    four random rows; every output byte must be identical."""
    from tinyslm.compare import compare_outputs
    from tinyslm.firmware import opt_flag
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import build_qemu, run_qemu

    depth, out = w0.size, int(np.prod(cm.outputs[0].shape))
    elf = build_qemu(cm, tmp_path / "build", "mps2-an386", optimize if optimize.startswith("-") else opt_flag(optimize))
    rng = np.random.default_rng(2)
    batches = [[np.where(w0 >= 0, 127, -128).astype(np.int8).reshape(1, depth)],
               [np.where(w0 >= 0, -128, 127).astype(np.int8).reshape(1, depth)]] + \
              [[rng.integers(-128, 128, (1, depth)).astype(np.int8)] for _ in range(4)]
    run = run_qemu(elf, cm, batches, "mps2-an386")
    oracle = Oracle(model)
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == out, c.problem


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("name,optimize", [(n, "speed") for n in SHORT_ROW_CASES] +
                         [(n, "size") for n in ("short_d40_o6_relu_pt", "short_d64_o13_none_pc", "short_d8_o9_none_pt",
                                                "short_d16_o14_relu_pc")] + [("short_d32_o10_relu_pc", "-Os")])
def test_short_wide_row_bit_exact_on_cortex_m4(name, optimize, tmp_path):
    """The short wide row's assembly against TFLM, on inputs that drive channel 0's sum to its extremes and on
    random ones."""
    from tinyslm.compiler import compile_model

    depth, out, act, zp_out, per_channel = SHORT_ROW_CASES[name]
    model, w0 = _fc_signed_model(depth, out, act, zp_out, depth * 7 + out, per_channel)
    cm = compile_model(model, tmp_path / "model", name="model", target="cortex-m-dsp")
    (call,) = [s for s in cm.plan.steps if getattr(s, "func", "").startswith("tslm_dsp_fully_connected")]
    assert call.func == "tslm_dsp_fully_connected_wide_short_s8" and call.scratch_bytes == 2 * depth
    _one_row_bit_exact_in_qemu(model, w0, cm, optimize, tmp_path)


# the short row in fives of channels (dsp_layout.fc_wide_five: outputs a multiple of 5 from 10 that fours do not
# tile, nothing clamped): (depth, outputs, act, output zero point, per-channel): two fives (the first widens the row
# onto the stack, the second reads it there), three and more (a later five jumps back), depths 8..64 (each TBH
# entry into the 16 unrolled steps), relu whose act_min is -128, per-channel and per-tensor
FIVE_ROW_CASES = {"five_d32_o10_none_pc": (32, 10, 0, 0, True), "five_d8_o10_none_pt": (8, 10, 0, -5, False),
                  "five_d64_o15_none_pc": (64, 15, 0, 7, True), "five_d16_o25_none_pt": (16, 25, 0, -5, False),
                  "five_d48_o10_relu_pc": (48, 10, 1, -128, True), "five_d40_o30_none_pc": (40, 30, 0, 3, True),
                  "five_d24_o35_none_pt": (24, 35, 0, 0, False), "five_d56_o10_none_pc": (56, 10, 0, -2, True)}


@pytest.mark.parametrize("cases,name,seed_step", [(SHORT_ROW_CASES, n, 7) for n in (
    "short_d8_o1_relu_pt", "short_d32_o10_relu_pc", "short_d40_o6_relu_pt", "short_d56_o7_relu_pc",
    "short_d16_o14_relu_pc", "short_d64_o13_none_pc")] + [(FIVE_ROW_CASES, n, 5) for n in (
    "five_d32_o10_none_pc", "five_d64_o15_none_pc", "five_d24_o35_none_pt", "five_d48_o10_relu_pc")],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_one_row_c_form_bit_exact_on_the_host(cases, name, seed_step, tmp_path):
    """The short row's and the fives' C forms (the host, under ASan and UBSan) read the same streams as their
    assembly."""
    from tinyslm.runners.verify import verify_host

    depth, out, act, zp_out, per_channel = cases[name]
    model, _ = _fc_signed_model(depth, out, act, zp_out, depth * seed_step + out, per_channel)
    report = verify_host(model, n_inputs=20, seed=5, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("name,optimize", [(n, "speed") for n in FIVE_ROW_CASES] +
                         [(n, "size") for n in ("five_d32_o10_none_pc", "five_d64_o15_none_pc")] +
                         [("five_d16_o25_none_pt", "-Os")])
def test_five_row_bit_exact_on_cortex_m4(name, optimize, tmp_path):
    """The five-channel short row's assembly against TFLM, on inputs that drive channel 0's sum to its extremes and
    on random ones; its call takes (input, output, stream) and no scratch."""
    from tinyslm.compiler import compile_model
    from tinyslm.compiler.dsp_layout import fc_wide_five

    depth, out, act, zp_out, per_channel = FIVE_ROW_CASES[name]
    assert fc_wide_five(1, depth, out, -128, 127)
    model, w0 = _fc_signed_model(depth, out, act, zp_out, depth * 5 + out, per_channel)
    cm = compile_model(model, tmp_path / "model", name="model", target="cortex-m-dsp")
    (call,) = [s for s in cm.plan.steps if getattr(s, "func", "").startswith("tslm_dsp_fully_connected")]
    assert call.func == "tslm_dsp_fully_connected_wide_five_s8" and call.scratch_bytes == 0
    assert "tslm_dsp_fully_connected_wide_five_s8(in0, out0, " in (tmp_path / "model" / "model.c").read_text()
    _one_row_bit_exact_in_qemu(model, w0, cm, optimize, tmp_path)
