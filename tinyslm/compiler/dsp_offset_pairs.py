"""The DSP kernels' "offset pairs" GEMM layout (requant_fast = 2 in tslm_dsp_fully_connected.c and
tslm_dsp_conv.c; the C side is described in firmware/kernels/cortex_m_dsp/tslm_dsp.h): the weights of
two output channels a, b share each word as int16 lanes exactly 256 a + b (b's byte, then a - [b < 0]),
so one SMLAD of the raw word and one of its SXTB16 give both channels' sums for a pixel, with nothing to
correct. Computed at compile time, with the bounds that keep it exact; None where they do not hold (the
plain layout then)."""

from __future__ import annotations

from typing import Any

import numpy as np

A_LIMIT = 1 << 23  # |bias| + 128 sum|w| of a pair's first channel: 256 times it fits an int32
B_LIMIT = 1 << 30  # of the second channel or a single one: 2 (acc + bias) fits


def pairs_fit(rows: np.ndarray) -> bool:
    """Whether every pair's high bytes a - [b < 0] fit int8 (no a = -128 beside a negative b).

    >>> pairs_fit(np.array([[-128, 5], [3, -1], [-128, 0]])), pairs_fit(np.array([[-128], [-1]]))
    (True, False)
    """
    oc = rows.shape[0] - rows.shape[0] % 2
    a, b = rows[0:oc:2].astype(np.int64), rows[1:oc:2].astype(np.int64)
    return not bool(np.any((a == -128) & (b < 0)))


def offset_pair_weights(rows: np.ndarray) -> np.ndarray:
    """Weights (channels x k, int8; pairs_fit) in the offset-pair layout, as int8: rows padded with zeros
    to a multiple of four k; channels by fours (per group of four k: pair 0's two words, pair 1's), then
    a pair (its two words per group), then a single row as it is. A pair (a, b)'s words for k0..k3:
    bytes (b0, a0', b2, a2') and (b1, a1', b3, a3'), a' = a - [b < 0]: int16 lanes 256 a + b.

    >>> offset_pair_weights(np.array([[1, 2, 3, 4], [-1, -2, 3, 4]])).tolist()
    [-1, 0, 3, 3, -2, 1, 4, 4]
    >>> offset_pair_weights(np.array([[5, -128]])).tolist()
    [5, -128, 0, 0]
    """
    oc, k = rows.shape
    k4 = -(-k // 4) * 4
    padded = np.zeros((oc, k4), dtype=np.int64)
    padded[:, :k] = rows
    fours, out = oc - oc % 4, []

    def pair(c: int) -> np.ndarray:  # (groups, 2 words, 4 bytes)
        b = padded[c + 1].reshape(-1, 4)
        a = padded[c].reshape(-1, 4) - (b < 0)
        w1 = np.stack([b[:, 0], a[:, 0], b[:, 2], a[:, 2]], axis=1)
        w2 = np.stack([b[:, 1], a[:, 1], b[:, 3], a[:, 3]], axis=1)
        return np.stack([w1, w2], axis=1)

    for c in range(0, fours, 4):
        out.append(np.concatenate([pair(c), pair(c + 2)], axis=1).reshape(-1))
    c = fours
    if c + 2 <= oc:
        out.append(pair(c).reshape(-1))
        c += 2
    if c < oc:
        out.append(padded[c])
    return np.concatenate(out).astype(np.int64)


def chunk_bounds(n4: int, groups: int) -> list[tuple[int, int]]:
    """The chunks of a row of n4 groups of four in chunks of `groups` (the kernels' order: the first one
    the rest, n4 - (nch - 1) groups, then whole ones).

    >>> chunk_bounds(10, 4), chunk_bounds(8, 8), chunk_bounds(8, 16)
    ([(0, 2), (2, 6), (6, 10)], [(0, 8)], [(0, 8)])
    """
    nch = max(1, -(-n4 // groups))
    first = n4 - (nch - 1) * groups
    return [(0, first)] + [(first + i * groups, first + (i + 1) * groups) for i in range(nch - 1)]


def _a_fits(bias: np.ndarray, rows: np.ndarray, groups: int) -> bool:
    """Whether every pair's first channel keeps |A| < A_LIMIT within each chunk of `groups` (its bias in the
    first chunk): the kernels take A out of s1 - s2 after each."""
    oc, k = rows.shape
    firsts = list(range(0, oc - oc % 2, 2))
    if not firsts:
        return True
    n4 = -(-k // 4)
    a = np.zeros((len(firsts), 4 * n4), dtype=np.int64)
    a[:, :k] = np.abs(rows[firsts].astype(np.int64))
    cum = np.concatenate([np.zeros((len(firsts), 1), dtype=np.int64), np.cumsum(a.reshape(len(firsts), n4, 4).sum(2),
                                                                               axis=1)], axis=1)
    for i, (g0, g1) in enumerate(chunk_bounds(n4, groups)):
        sums = 128 * (cum[:, g1] - cum[:, g0]) + (np.abs(bias[firsts].astype(np.int64)) if i == 0 else 0)
        if np.any(sums >= A_LIMIT):
            return False
    return True


def offset_pair_chunk(bias: np.ndarray, rows: np.ndarray, max_groups: int, chunks: bool) -> int | None:
    """Groups of four inputs per chunk of the offset-pair kernels (depth_chunk / 4): the whole row where
    that is at most max_groups and exact; else, where chunks are allowed (the one-row kernel, raw_row in
    tslm_dsp_fully_connected.c), the longest multiple of 16 groups up to max_groups whose chunks keep A
    exact (_a_fits); None where none does.

    >>> w = np.full((2, 1024), 127)
    >>> offset_pair_chunk(np.zeros(2), w, 256, True), offset_pair_chunk(np.zeros(2), w, 256, False)
    (128, None)
    """
    n4 = -(-rows.shape[1] // 4)
    if n4 <= max_groups and _a_fits(bias, rows, n4):
        return n4
    if not chunks:
        return None
    for groups in range(min(max_groups, n4 - 1) // 16 * 16, 0, -16):
        if _a_fits(bias, rows, groups):
            return groups
    return None


def offset_pair_records(bias: np.ndarray, multipliers: Any, shifts: Any, rows: np.ndarray,
                        offset: int, chunk_groups: int | None = None) -> np.ndarray | None:
    """Records per pair {init_a, init_b, then multiplier, r, 2^(r-1) + offset 2^r of a, of b} and for a
    single last channel {init, multiplier, r, rz} (multipliers and shifts: one per channel or one for
    all; init_a = bias_b + 256 bias_a, init_b and a single one's: its own bias), or None where the
    layout would not be exact: a pair that does not fit (pairs_fit), a left shift (r < 1), a negative
    multiplier, a channel over its limit (A_LIMIT, B_LIMIT), or a requantization sum that could leave
    the int32 range. With chunk_groups less than the row's groups, the first channels' A is bounded per
    chunk instead (_a_fits; the kernels sum it in 32 bits) and its whole sum by B_LIMIT.

    >>> offset_pair_records(np.array([3, -5]), [1 << 30] * 2, [-2, -1], np.array([[1, 2], [3, 4]]), -1).tolist()
    [763, -5, 1073741824, 2, -2, 1073741824, 1, -1]
    >>> offset_pair_records(np.array([3]), [1 << 30], [0], np.array([[1]]), 0) is None
    True
    """
    oc = rows.shape[0]
    if not pairs_fit(rows):
        return None
    multipliers = [int(v) for v in np.broadcast_to(np.asarray(multipliers), (oc,))]
    shifts = [int(v) for v in np.broadcast_to(np.asarray(shifts), (oc,))]
    sums = np.abs(rows.astype(np.int64)).sum(axis=1)
    bounds = [abs(int(b)) + 128 * int(s) for b, s in zip(bias, sums)]
    first = [c % 2 == 0 and c + 1 < oc for c in range(oc)]
    chunked = chunk_groups is not None and chunk_groups < -(-rows.shape[1] // 4)
    if chunked and not _a_fits(np.asarray(bias), rows, int(chunk_groups)):  # type: ignore[arg-type]
        return None
    recs = []
    for c in range(oc):
        r, m = -int(shifts[c]), int(multipliers[c])
        if r < 1 or m < 0 or bounds[c] >= (A_LIMIT if first[c] and not chunked else B_LIMIT):
            return None
        rz = (1 << (r - 1)) + offset * (1 << r)
        # |SMMLAR result| <= bound + 1, plus the rounding term and the sign correction
        if bounds[c] + 2 + abs(rz) >= 1 << 31:
            return None
        init = int(bias[c + 1]) + 256 * int(bias[c]) if first[c] else int(bias[c])
        init = (init + (1 << 31)) % (1 << 32) - (1 << 31)  # the kernel's sums wrap modulo 2^32 anyway
        recs.append([init, m, r, rz])
    out = []
    for c in range(0, oc - oc % 2, 2):
        a, b = recs[c], recs[c + 1]
        out += [a[0], b[0], *a[1:], *b[1:]]
    if oc % 2:
        out += recs[-1]
    return np.array(out, dtype=np.int64)


def offset_pair_consts(lw: Any, op: Any, consts: list[Any], rows: np.ndarray, zero_point: int, lo: int, hi: int,
                       tensor: int, chunk_groups: int | None = None) -> tuple[Any, Any] | None:
    """The records and weights ConstArrays of an op whose folded bias, multipliers and shifts are among
    `consts` (named as Lowering names them), rows: its weights as channels x k, [lo, hi] its output clamp;
    None where offset_pair_records refuses. Outputs over the whole int8 range fold the zero point into
    the rounding term (the kernel then saturates), clamped ones zero point - lo (the kernel's USAT #8
    clamps at lo, then adds it back)."""
    from .lowering import ConstArray

    named = {c.name: c for c in consts}
    mult, shift, fb = named[lw.name(op, "multiplier")], named[lw.name(op, "shift")], named[lw.name(op, "bias")]
    offset = zero_point if (lo, hi) == (-128, 127) else zero_point - lo
    recs = offset_pair_records(fb.values, mult.values, shift.values, rows, offset, chunk_groups)
    if recs is None:
        return None
    rec = ConstArray(lw.name(op, "requant"), "int32_t", recs,
                     "offset-pair records per output channel: init, multiplier (Q31), right shift, rounding + "
                     "zero point (bias includes the input offset)", role="requant")
    wt = ConstArray(lw.name(op, "filter"), "int8_t", offset_pair_weights(rows),
                    f"tensor {tensor}, output channel pairs as int16 lanes 256 a + b for the DSP kernel")
    return rec, wt
