"""A layer norm's int8 chain fused into one kernel call (``tslm_layer_norm_s8``), after lowering.

The TFLite converter writes Keras' LayerNormalization as separate int8 operators over the last axis:

    m = MEAN(x)            d = SUB(x, m)          s = MUL(d, d)      (a table: passes.tables_for_...)
    v = MEAN(s)            r = RSQRT(ADD(v, eps)) (tables, on one value per row)
    n = MUL(d, r)          [g = MUL(n, gamma)     [y = ADD(g, beta)]]

:func:`fuse_layer_norms` finds that chain where nothing else reads d, s, v, the per-row tables' values
or g (n may have other readers: the converter folds gamma and beta into a following FULLY_CONNECTED
for some of its readers), and none of them is a graph output, and replaces it with one call that
computes every intermediate int8 value with the same kernels' integer steps, one row at a time
(firmware/kernels/tslm_layer_norm.c calls the element-wise kernels per row; the Cortex-M DSP kernel
keeps them in registers). The per-row scalar tables (ADD eps, RSQRT) compose into one table.

For the Cortex-M DSP kernel the compiler also looks for two steps in a cheaper exact form, each found by
checking every int8 input against TFLM's integer arithmetic (no fold, no change: the kernel's general
loops): the SUB of a row's mean as ssat8((x A + B) >> 22) with B from the row's term by one 64-bit product
(:func:`fold_sub`, all 256 x 256 (mean, x) pairs), and beta's ADD per channel as ssat8((v A + B) >> 16)
(:func:`fold_gamma_beta`, records in flash in place of the kernel's per-call setup and its scratch). The MULs
(the row's scale, gamma) keep their rounding: with output shifts of a few bits their ties round away from
zero on both sides, which no floor of one affine map reproduces. The Helium kernel takes the same folds (its
records laid out per four channels: helium_records; beta's ADD with one A for every channel, common_beta_slope, or
no records); both kernels take, where it holds, the SUB's B straight from
the int8 mean as m P + Q (:func:`fold_sub_linear`, the same exhaustive check; fold_sub's form where it finds none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..fixedpoint import mbqm_np
from ..ir import Operator
from ..lowering import MAX_DIMS, Call, ConstArray, KernelParams, Lit, Lowering, Ref, Scratch, Step, T

# Row length bounds of the Cortex-M DSP kernel's own loops (longer rows: the portable kernel).
DSP_MAX_COLS = 1024
ALIGN = 4
# The folded beta ADD (fold_gamma_beta): ssat8((v A + B) >> FOLD_SHIFT), the DSP kernel's
# TSLM_LN_FOLD_SHIFT (tslm_dsp_layer_norm.h).
FOLD_SHIFT = 16
DIFF_SHIFT = 22  # the folded SUB's (fold_sub): TSLM_LN_DIFF_SHIFT


@dataclass
class LayerNormParams(KernelParams):
    C_TYPE = "tslm_layer_norm_params"
    rows: int
    cols: int
    mean: dict[str, Any]  # tslm_reduce_params of one row of the input
    var: dict[str, Any]  # tslm_reduce_params of one row of squares
    sub: dict[str, Any]  # tslm_binary_params: one row minus its mean
    scale: dict[str, Any]  # one row of differences times the row's scale
    gamma: dict[str, Any]  # one row times gamma (steps >= 1)
    beta: dict[str, Any]  # one row plus beta (steps == 2)
    square: Ref
    scale_table: Ref
    steps: int
    folded: Ref | None = None  # steps == 2, DSP: per channel {K, C, A, B} (fold_gamma_beta); None: NULL
    diff_fold: list[int] | None = None  # DSP, Helium: {A, P, Q, -1} (fold_sub_linear) or {A, E low, E high, L}
    # (fold_sub); zeros: none
    mve_rows: Ref | None = None  # Helium: the kernel's per-call record (mve_rows_record); None: NULL


def scratch_bytes(rows: int, cols: int, dsp: bool, steps: int = 2, folded: bool = False, mve: bool = False) -> int:
    """tslm_layer_norm_s8_get_buffer_size (and the DSP kernel's, which adds three int32 per channel for gamma
    and beta unless the compiler gave it their records; the Helium kernel's always, and two more rows of
    differences: it takes rows four at a time)."""
    portable = 8 + 2 * _up(cols)
    return portable + (12 * cols if dsp and steps >= 1 and not folded else 0) + (2 * _up(cols) if mve else 0)


_V = np.arange(-128, 128)


def _clamped(v: int, p: dict[str, Any]) -> int:
    return min(max(v, p["act_min"]), p["act_max"])


def _mul_map(p: dict[str, Any], other: int) -> np.ndarray:
    """TFLM's int8 MUL of every int8 chain value (input 1) by one constant value (input 2)."""
    from ..fixedpoint import mbqm
    return np.array([_clamped(mbqm((int(v) + p["in1_offset"]) * (other + p["in2_offset"]), p["output_multiplier"],
                                   p["output_shift"]) + p["output_offset"], p) for v in _V], dtype=np.int64)


def _add_map(p: dict[str, Any], other: int) -> np.ndarray:
    """TFLM's int8 ADD of every int8 chain value (input 1) and one constant value (input 2)."""
    from ..fixedpoint import mbqm, wrap32

    def rescaled(v: int, i: int) -> int:
        return mbqm(wrap32((v + p[f"in{i}_offset"]) << p["left_shift"]), p[f"in{i}_multiplier"], p[f"in{i}_shift"])

    r2 = rescaled(other, 2)
    return np.array([_clamped(mbqm(wrap32(rescaled(int(v), 1) + r2), p["output_multiplier"], p["output_shift"])
                              + p["output_offset"], p) for v in _V], dtype=np.int64)


def fit_affine(f: np.ndarray, shift: int = FOLD_SHIFT, width: int = 4096) -> tuple[int, int] | None:
    """(A, B) with ssat8(floor((v A + B) / 2^shift)) == f[v + 128] for every int8 v, v A + B within int32; None
    when no A within `width` of the least-squares slope gives one (every v checked: exact or nothing)."""
    f = np.asarray(f, dtype=np.int64)
    one = 1 << shift
    lo = np.where(f == -128, -(1 << 31), f * one)
    hi = np.where(f == 127, (1 << 31) - 1, np.where(f == -128, -127 * one - 1, (f + 1) * one - 1))
    inner = (f > -128) & (f < 127)
    slope = np.polyfit(_V[inner], f[inner], 1)[0] if inner.sum() >= 2 else 0.0
    a = np.round(slope * one) + np.arange(-width, width + 1)
    a = a[np.argsort(np.abs(a - slope * one), kind="stable")]
    b_lo = (lo[None, :] - a[:, None] * _V[None, :]).max(axis=1)
    b_hi = (hi[None, :] - a[:, None] * _V[None, :]).min(axis=1)
    ok = np.nonzero(b_lo <= b_hi)[0]
    if not len(ok):
        return None
    k = ok[0]
    A, B = int(a[k]), int((b_lo[k] + b_hi[k]) // 2)
    y = _V * A + B
    assert np.all(np.clip(y >> shift, -128, 127) == f) and np.all(np.abs(y) < 1 << 31)
    return A, B


def _sub_map(p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """TFLM's int8 SUB of every int8 mean m (input 2) from every int8 x (input 1): out[m + 128, x + 128]; and
    the DSP kernel's row term t(m) = (offset 1 << 20) - 2 R(m) (R: input 2's rescaled value)."""
    def rescaled(v: np.ndarray, i: int) -> np.ndarray:
        return mbqm_np((v + p[f"in{i}_offset"]) << p["left_shift"], p[f"in{i}_multiplier"], p[f"in{i}_shift"])

    r1, r2 = rescaled(_V.astype(np.int64), 1), rescaled(_V.astype(np.int64), 2)
    out = mbqm_np(r1[None, :] - r2[:, None], p["output_multiplier"], p["output_shift"]) + p["output_offset"]
    return np.clip(out, p["act_min"], p["act_max"]), (p["in1_offset"] << 20) - 2 * r2


def _sub_foldable(p: dict[str, Any]) -> bool:
    """The SUB is the kernels' form: a right shift of 1..22, input 1 at 1/2 with TFLM's left shift 20."""
    return (1 <= -p["output_shift"] <= 22 and p["left_shift"] == 20 and p["in1_multiplier"] == 1 << 30
            and p["in1_shift"] == 0)


def _slopes(p: dict[str, Any], f: np.ndarray, shift: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each slope A near the exact one (nearest first) for which every int8 mean has some B with
    ssat8((x A + B) >> shift) = f[mean, x] for every int8 x: (A, each mean's lowest B, each mean's highest B)."""
    one = 1 << shift
    lo = np.where(f == -128, -(1 << 31), f * one)
    hi = np.where(f == 127, (1 << 31) - 1, np.where(f == -128, -127 * one - 1, (f + 1) * one - 1))
    a0 = round(p["output_multiplier"] * 2.0 ** (20 + shift - 32 + p["output_shift"]))
    for da in sorted(range(-256, 257), key=abs):
        A = a0 + da
        b_lo = (lo - A * _V[None, :]).max(axis=1)  # per mean: B's interval
        b_hi = (hi - A * _V[None, :]).min(axis=1)
        if not np.any(b_lo > b_hi):
            yield A, b_lo, b_hi


def fold_sub(p: dict[str, Any], shift: int = DIFF_SHIFT) -> list[int]:
    """The DSP kernel's SUB of a row's mean m as ssat8((x A + B) >> shift) for every int8 x, B computed per row
    from the kernel's row term t(m) as (t M + E) >> L (M: the SUB's output multiplier, L = 32 + r - shift for
    its right shift r, one 64-bit multiply per row): {A, E low word, E high word, L}, found by checking every
    int8 mean against every int8 x (all 65,536 results of TFLM's SUB); zeros when no A near the exact slope
    and E give them all, or the SUB is not the DSP kernel's form (a right shift, input 1 at 1/2)."""
    if not _sub_foldable(p):
        return [0, 0, 0, 0]
    f, t = _sub_map(p)
    L = 32 - p["output_shift"] - shift
    tm = t * p["output_multiplier"]
    for A, b_lo, b_hi in _slopes(p, f, shift):
        e_lo = max(int(b) * (1 << L) - int(v) for b, v in zip(b_lo, tm))
        e_hi = min((int(b) + 1) * (1 << L) - 1 - int(v) for b, v in zip(b_hi, tm))
        if e_lo > e_hi or not -(1 << 63) <= e_lo <= e_hi < 1 << 63:
            continue
        E = (e_lo + e_hi) // 2
        B = np.array([(int(v) + E) >> L for v in tm], dtype=np.int64)
        y = _V[None, :] * A + B[:, None]
        assert np.all(np.clip(y >> shift, -128, 127) == f) and np.all(np.abs(y) < 1 << 31)
        e = E % (1 << 64)
        lo_w, hi_w = e & 0xFFFFFFFF, e >> 32
        return [A, lo_w - (1 << 32) if lo_w >= 1 << 31 else lo_w, hi_w - (1 << 32) if hi_w >= 1 << 31 else hi_w, L]
    return [0, 0, 0, 0]


def fold_sub_linear(p: dict[str, Any], shift: int = DIFF_SHIFT, tries: int = 16, width: int = 4096) -> list[int]:
    """The DSP and Helium kernels' SUB of a row's mean m as ssat8((x A + B) >> shift) with B = m P + Q straight from the
    int8 mean (no rescaled mean R(m), no 64-bit product per row): {A, P, Q, -1}, found by checking every int8
    mean against every int8 x (all 65,536 results of TFLM's SUB, as fold_sub: for each A near the exact slope,
    each mean's interval of B, then a P within `width` of their slope whose Q fits every mean's interval; the
    first `tries` such A); zeros when none does or the SUB is not the kernel's form."""
    if not _sub_foldable(p):
        return [0, 0, 0, 0]
    f, _ = _sub_map(p)
    for A, b_lo, b_hi in _slopes(p, f, shift):
        tries -= 1
        slope = np.polyfit(_V, (b_lo + b_hi) / 2, 1)[0]
        ps = np.round(slope) + np.arange(-width, width + 1)
        ps = ps[np.argsort(np.abs(ps - slope), kind="stable")].astype(np.int64)
        q_lo = (b_lo[None, :] - ps[:, None] * _V[None, :]).max(axis=1)
        q_hi = (b_hi[None, :] - ps[:, None] * _V[None, :]).min(axis=1)
        ok = np.nonzero(q_lo <= q_hi)[0]
        if len(ok):
            P, Q = int(ps[ok[0]]), int((q_lo[ok[0]] + q_hi[ok[0]]) // 2)
            B = _V * P + Q
            y = _V[None, :] * A + B[:, None]
            assert np.all(np.clip(y >> shift, -128, 127) == f) and np.all(np.abs(y) < 1 << 31)
            assert np.all(np.abs(_V * P) < 1 << 31) and abs(Q) < 1 << 31
            return [A, P, Q, -1]
        if tries == 0:
            break
    return [0, 0, 0, 0]


def fold_gamma_beta(gamma_p: dict[str, Any], beta_p: dict[str, Any], gamma: np.ndarray,
                    beta: np.ndarray) -> np.ndarray | None:
    """The DSP kernel's per-channel records for gamma and beta, {K, C, A, B} per channel c: gamma's MUL is
    out(v K + C) (K = 2 (gamma[c] + offset 2), C = offset 1 times K: the kernel's rounding of twice the
    product), beta's ADD ssat8((v A + B) >> FOLD_SHIFT), exactly TFLM's ADD for every int8 v (one rounding of
    an affine map of v: fit_affine checks all 256); None if a channel's ADD has no such pair (gamma's MUL, a
    right shift of a few bits, often rounds ties in a way no affine map does: it keeps its rounding)."""
    out = np.zeros((len(gamma), 4), dtype=np.int64)
    for c in range(len(gamma)):
        b = fit_affine(_add_map(beta_p, int(beta[c])))
        if b is None:
            return None
        k = 2 * (int(gamma[c]) + gamma_p["in2_offset"])
        out[c] = [k, gamma_p["in1_offset"] * k, *b]
    return out


def common_beta_slope(beta_p: dict[str, Any], beta: np.ndarray, shift: int = FOLD_SHIFT,
                      width: int = 4096) -> tuple[int, np.ndarray] | None:
    """Beta's ADD as ssat8((v A + B[c]) >> shift) with one A for every channel (the Helium kernel's VMLA: B[c] plus v
    times a core register), exactly TFLM's ADD for every int8 v of every channel: (A, B per channel), A the nearest to
    the exact slope (within `width`) for which every channel has an interval of B (fit_affine's check, all channels
    at once); None when no A fits them all."""
    one = 1 << shift
    maps = np.stack([_add_map(beta_p, int(b)) for b in beta])  # channels x 256
    lo = np.where(maps == -128, -(1 << 31), maps * one)
    hi = np.where(maps == 127, (1 << 31) - 1, np.where(maps == -128, -127 * one - 1, (maps + 1) * one - 1))
    inner = (maps > -128) & (maps < 127)
    # the slope within channels (each channel's values about its own means: their intercepts differ)
    n = np.maximum(inner.sum(axis=1, keepdims=True), 1)
    dv = np.where(inner, _V[None, :] - (inner * _V[None, :]).sum(axis=1, keepdims=True) / n, 0.0)
    df = np.where(inner, maps - (inner * maps).sum(axis=1, keepdims=True) / n, 0.0)
    slope = float((dv * df).sum() / (dv * dv).sum()) if (dv * dv).sum() > 0 else 0.0
    a = np.round(slope * one) + np.arange(-width, width + 1)
    a = a[np.argsort(np.abs(a - slope * one), kind="stable")].astype(np.int64)
    ok = np.ones(len(a), dtype=bool)
    for c in range(len(maps)):
        b_lo = (lo[c][None, :] - a[:, None] * _V[None, :]).max(axis=1)
        b_hi = (hi[c][None, :] - a[:, None] * _V[None, :]).min(axis=1)
        ok &= b_lo <= b_hi
    if not ok.any():
        return None
    A = int(a[np.nonzero(ok)[0][0]])
    b_lo = (lo - A * _V[None, :]).max(axis=1)
    b_hi = (hi - A * _V[None, :]).min(axis=1)
    B = (b_lo + b_hi) // 2
    y = _V[None, :] * A + B[:, None]
    assert np.all(np.clip(y >> shift, -128, 127) == maps) and np.all(np.abs(y) < 1 << 31)
    return A, B


def helium_records(f: np.ndarray, a: int, b: np.ndarray) -> np.ndarray:
    """fold_gamma_beta's records {K, C, A, B} per channel as the Helium kernel reads them, with beta's one slope
    (common_beta_slope: a, b per channel): a first, then per group of four channels (zeros past the last) their four
    K / 2 (gamma + its offset: the kernel rounds the product itself, not twice it, and adds gamma's input offset to
    the values, C = offset K not needed), then their four B (two vector loads)."""
    f = np.concatenate([f, np.zeros((_up(len(f)) - len(f), 4), dtype=f.dtype)])
    b = np.concatenate([np.asarray(b, dtype=np.int64), np.zeros(len(f) - len(b), dtype=np.int64)])
    assert np.all(f[:, 0] % 2 == 0)
    recs = np.stack([f[:, 0] // 2, b], axis=1).reshape(-1, 4, 2).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([[a], recs])


# The Helium kernel's output forms (tslm_mve_layer_norm.c's enum): the scale alone, gamma's and beta's records
# (with the normalized values kept).
MVE_LN_SCALED, MVE_LN_FOLDED, MVE_LN_FOLDED_KEEP = 0, 3, 4


def _mve_handles(b: dict[str, Any], half: bool) -> bool:
    """tslm_mve_layer_norm.c's handled(): no clamp, an output shift right by 1..22; half (a SUB/ADD): TFLM's input 1
    at 1/2 after a left shift of 20."""
    ok = b["act_min"] == -128 and b["act_max"] == 127 and -22 <= b["output_shift"] <= -1
    return ok and (not half or (b["left_shift"] == 20 and b["in1_multiplier"] == 1 << 30 and b["in1_shift"] == 0))


def _step_q(b: dict[str, Any]) -> list[int]:
    """The kernel's step_of(): multiplier, rounding c = 2^(r-1) + zp 2^r, left shift 24 - r (r: the right shift)."""
    r = -b["output_shift"]
    return [b["output_multiplier"], (1 << (r - 1)) + b["output_offset"] * (1 << r), 24 - r]


def mve_rows_record(p: LayerNormParams, keep: bool) -> np.ndarray | None:
    """The Helium kernel's per-call record for its compiler's forms (tslm_mve_layer_norm.c's ln_rows, field for
    field: what its compiler_forms() otherwise computes on every call), or None where the kernel would not take
    those forms (no SUB fold; gamma without beta's records; a step its loops do not handle): the kernel's own
    tests, here once. keep: the normalized values are an output too (gamma's and beta's records only)."""
    folded = p.steps == 2 and p.folded is not None
    if p.cols < 1 or not p.diff_fold or p.diff_fold[3] == 0 or not (p.steps == 0 or folded):
        return None
    if not (_mve_handles(p.sub, True) and _mve_handles(p.scale, False) and (p.steps == 0 or _mve_handles(p.gamma, False))):
        return None
    form = MVE_LN_SCALED if p.steps == 0 else MVE_LN_FOLDED_KEEP if keep else MVE_LN_FOLDED
    qs = _step_q(p.scale)
    qg = _step_q(p.gamma) if p.steps >= 1 else [0, 0, 0]

    def reduce(r: dict[str, Any]) -> list[int]:
        return [r["input_zero_point"] * r["reduce_count"], max(r["shift"], 0), r["multiplier"], min(r["shift"], 0),
                r["output_zero_point"]]

    rec = [form, int(p.diff_fold[3] < 0), p.cols, p.cols - _up(p.cols),
           p.diff_fold[0], p.gamma["in1_offset"] if p.steps >= 1 else 0, qg[2],
           *reduce(p.mean), *reduce(p.var),
           p.diff_fold[1], p.diff_fold[2], p.scale["in2_offset"], p.scale["in1_offset"],
           qs[0], qs[1], qs[2], qg[0], qg[1]]
    assert all(-(1 << 31) <= v < 1 << 31 for v in rec), rec
    return np.array(rec, dtype=np.int64)


def _up(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _row_binary(p: dict[str, Any], cols: int, chain_first: bool, other_steps: bool) -> dict[str, Any]:
    """One row's tslm_binary_params with the chain's value as input 1 (ADD and MUL commute exactly: the
    two rescaled terms or factors swap); the other input steps along the row or is one value."""
    q = dict(p)
    if not chain_first:
        for f in ("offset", "multiplier", "shift"):
            q[f"in1_{f}"], q[f"in2_{f}"] = p[f"in2_{f}"], p[f"in1_{f}"]
    q["dims"] = [1] * (MAX_DIMS - 1) + [cols]
    q["in1_strides"] = [0] * (MAX_DIMS - 1) + [1]
    q["in2_strides"] = [0] * (MAX_DIMS - 1) + [1 if other_steps else 0]
    return {k: q[k] for k in p}  # the struct's field order


def _row_reduce(p: dict[str, Any], cols: int) -> dict[str, Any]:
    q = dict(p)
    q.update(dims=[1] * (MAX_DIMS - 1) + [cols], out_strides=[0] * MAX_DIMS, output_count=1, reduce_count=cols)
    return {k: q[k] for k in p}


class _Chain:
    """Matching one chain: the steps by output tensor, each tensor's readers."""

    def __init__(self, lw: Lowering, steps: list[Step]):
        self.lw = lw
        self.by_output: dict[int, int] = {}
        for k, s in enumerate(steps):
            for o in s.op.outputs:
                self.by_output[o] = k
        self.readers: dict[int, set[int]] = {}
        for k, s in enumerate(steps):
            for i in s.reads if isinstance(s, Call) else [s.src]:
                self.readers.setdefault(i, set()).add(k)
        self.steps = steps
        self.outputs = set(lw.g.outputs)

    def only_read_by(self, tensor: int, ks: set[int]) -> bool:
        return tensor not in self.outputs and self.readers.get(tensor, set()) <= ks and not self.lw.t(tensor).is_variable

    def producer(self, tensor: int) -> Call | None:
        k = self.by_output.get(tensor)
        s = self.steps[k] if k is not None else None
        return s if isinstance(s, Call) else None

    def single_reader(self, tensor: int) -> tuple[int, Call] | None:
        ks = self.readers.get(tensor, set())
        if len(ks) != 1 or tensor in self.outputs:
            return None
        k = next(iter(ks))
        s = self.steps[k]
        return (k, s) if isinstance(s, Call) else None


def _binary_s8(s: Call | None, opcode: str) -> bool:
    return (s is not None and s.op.opcode == opcode and s.family == "tslm_binary" and s.func.endswith("_s8")
            and isinstance(s.params, dict))


def _mean_last_axis(lw: Lowering, s: Call | None, x: int) -> bool:
    if s is None or s.op.opcode != "MEAN" or s.family != "tslm_reduce" or s.func not in ("tslm_mean_s8", "tslm_dsp_mean_s8"):
        return False
    t, y = lw.t(x), lw.t(s.op.outputs[0])
    p = dict(s.param_items())
    cols = int(t.shape[-1]) if t.shape else 0
    return (s.op.inputs[0] == x and t.dtype == "int8" and cols > 0 and p["reduce_count"] == cols
            and p["out_strides"][-1] == 0 and y.numel * cols == t.numel
            and list(y.shape) == _keep(t.shape))


def _keep(shape: tuple[int, ...]) -> list[int]:
    """The shape of a MEAN over the last axis with keep_dims (what SUB and MUL broadcast along rows)."""
    return list(shape[:-1]) + [1]


def match(lw: Lowering, c: _Chain, k_mean: int) -> tuple[list[int], Call] | None:
    """The fused call for the chain that starts at steps[k_mean] (a MEAN), with the positions it replaces."""
    mean = c.steps[k_mean]
    if not isinstance(mean, Call) or mean.op.opcode != "MEAN":
        return None
    x = mean.op.inputs[0]
    if not _mean_last_axis(lw, mean, x):
        return None
    xt = lw.t(x)
    cols, rows = int(xt.shape[-1]), xt.numel // int(xt.shape[-1])
    m = mean.op.outputs[0]
    r = c.single_reader(m)
    if r is None or not _binary_s8(r[1], "SUB") or r[1].op.inputs != [x, m]:
        return None
    k_sub, sub = r
    d = sub.op.outputs[0]
    if list(lw.t(d).shape) != list(xt.shape) or lw.t(d).dtype != "int8":
        return None
    readers = c.readers.get(d, set())
    if len(readers) != 2 or d in c.outputs:
        return None
    sq_k = [k for k in readers if isinstance(c.steps[k], Call) and c.steps[k].func == "tslm_lut_s8"
            and c.steps[k].op.opcode == "MUL" and c.steps[k].op.inputs == [d, d]]
    sc_k = [k for k in readers if k not in sq_k]
    if len(sq_k) != 1 or len(sc_k) != 1:
        return None
    k_sq, k_sc = sq_k[0], sc_k[0]
    sq = c.steps[k_sq]
    s = sq.op.outputs[0]
    r = c.single_reader(s)
    if r is None or not _mean_last_axis(lw, r[1], s):
        return None
    k_var, var = r
    # the per-row scalar tables, var -> ... -> the scale, composed
    v = var.op.outputs[0]
    table = np.arange(-128, 128)
    ks = [k_mean, k_sub, k_sq, k_var]
    while True:
        r = c.single_reader(v)
        if r is None:
            return None
        if r[1].func == "tslm_lut_s8" and r[1].reads == [v]:
            lut = np.asarray(next(a for a in r[1].consts).values, dtype=np.int64)
            table = lut[table + 128]
            ks.append(r[0])
            v = r[1].op.outputs[0]
            continue
        break
    k_scale, scale = r
    if k_scale != k_sc or not _binary_s8(scale, "MUL") or sorted(scale.op.inputs) != sorted([d, v]) or d == v:
        return None
    if list(lw.t(v).shape) != _keep(xt.shape) or list(lw.t(scale.op.outputs[0]).shape) != list(xt.shape):
        return None
    ks.append(k_scale)
    n = scale.op.outputs[0]
    # optional MUL by gamma and ADD of beta: constant rows of `cols` values
    extra: list[tuple[Call, int, bool]] = []  # (call, constant tensor, chain value is input 1)
    last = n
    for opcode in ("MUL", "ADD"):
        nxt = [k for k in c.readers.get(last, set()) if _binary_s8(c.steps[k], opcode)]
        if len(nxt) != 1:
            break
        st = c.steps[nxt[0]]
        other = [i for i in st.op.inputs if i != last]
        if len(other) != 1 or not lw.t(other[0]).is_const or lw.t(other[0]).numel != cols \
                or int(lw.t(other[0]).shape[-1]) != cols or list(lw.t(st.op.outputs[0]).shape) != list(xt.shape):
            break
        if last != n and not c.only_read_by(last, {nxt[0]}):
            break
        extra.append((st, other[0], st.op.inputs[0] == last))
        ks.append(nxt[0])
        last = st.op.outputs[0]
    # the intermediates nothing else may read (var's output and the tables': single_reader above)
    private = {m: {k_sub}, d: {k_sq, k_scale}, s: {k_var}}
    for tensor, allowed in private.items():
        if not c.only_read_by(tensor, allowed):
            return None
    n_out = n if extra and (c.readers.get(n, set()) - {ks[-len(extra)]} or n in c.outputs) else None
    return ks, _call(lw, mean, sub, sq, var, scale, extra, table, rows, cols, n_out, last)


def _call(lw: Lowering, mean: Call, sub: Call, sq: Call, var: Call, scale: Call, extra: list[tuple[Call, int, bool]],
          table: np.ndarray, rows: int, cols: int, n_out: int | None, last: int) -> Call:
    x = mean.op.inputs[0]
    d = sub.op.outputs[0]
    blank = _row_binary(dict(scale.param_items()), cols, True, False)
    blank = {k: ([0] * MAX_DIMS if isinstance(v, list) else 0) for k, v in blank.items()}
    steps_p = [_row_binary(dict(st.param_items()), cols, first, True) for st, _, first in extra]
    steps_p += [blank] * (2 - len(steps_p))
    first = mean.op
    name = f"op{first.index}_ln"
    sq_tab = ConstArray(f"{name}_square", "int8_t", np.asarray(sq.consts[0].values), "d * d for d = -128..127")
    sc_tab = ConstArray(f"{name}_scale", "int8_t", np.clip(table, -128, 127),
                        "a row's scale for its variance -128..127 (the eps ADD and RSQRT tables composed)")
    p = LayerNormParams(rows=rows, cols=cols, mean=_row_reduce(dict(mean.param_items()), cols),
                        var=_row_reduce(dict(var.param_items()), cols),
                        sub=_row_binary(dict(sub.param_items()), cols, True, False),
                        scale=_row_binary(dict(scale.param_items()), cols, scale.op.inputs[0] == d, False),
                        gamma=steps_p[0], beta=steps_p[1], square=Ref(sq_tab.name), scale_table=Ref(sc_tab.name),
                        steps=len(extra))
    consts = [e[1] for e in extra]
    folded = None
    fold = lw.target.dsp and (cols <= DSP_MAX_COLS or lw.target.mve)  # (the kernel that reads them)
    if len(extra) == 2 and fold:
        vals = [np.asarray(lw.t(i).data).reshape(-1).astype(np.int64) for i in consts]
        f = fold_gamma_beta(p.gamma, p.beta, vals[0], vals[1])
        what = "per channel {K, C} of the gamma MUL and {A, B} of the beta ADD: ssat8((v A + B) >> 16)"
        if f is not None and lw.target.mve:  # (one A for every channel, else none: the kernel's own steps)
            ab = common_beta_slope(p.beta, vals[1])
            f, what = (None, "") if ab is None else (helium_records(f, *ab), (
                "the beta ADD's A, then per four channels their gamma MUL's K (gamma + offset) and the beta ADD's B: "
                "ssat8((v A + B) >> 16)"))
        if f is not None:
            folded = ConstArray(f"{name}_folded", "int32_t", f.reshape(-1), what)
            p.folded = Ref(folded.name)
    p.diff_fold = [0, 0, 0, 0]
    if fold:  # (both kernels: B from the mean by one multiply-add where it holds)
        p.diff_fold = fold_sub_linear(p.sub)
    if fold and p.diff_fold[3] == 0:
        p.diff_fold = fold_sub(p.sub)
    rows_rec = mve_rows_record(p, n_out is not None) if lw.target.mve else None
    if rows_rec is not None:
        rows_c = ConstArray(f"{name}_rows", "int32_t", rows_rec,
                            "the Helium kernel's per-call record (its ln_rows): form, the SUB fold, the MEANs' and the "
                            "steps' roundings")
        p.mve_rows = Ref(rows_c.name)
    inputs = [x] + consts
    outputs = ([n_out] if n_out is not None else []) + [last]
    op = Operator(first.index, "LAYER_NORM", inputs, outputs)
    args: list[Any] = [T(x)] + [T(i) for i in consts] + [Lit("NULL")] * (2 - len(consts))
    args += [T(n_out) if n_out is not None else Lit("NULL"), T(last), Scratch("int32_t")]
    what = ["MEAN", "SUB", "MUL d*d", "MEAN", "the row's scale", "MUL"] + [e[0].op.opcode for e in extra]
    ops = [mean, sub, sq, var, scale] + [e[0] for e in extra]
    call = Call(op, "tslm_layer_norm_s8", "tslm_layer_norm", args, params=p,
                consts=[sq_tab, sc_tab] + ([folded] if folded is not None else []) + ([rows_c] if rows_rec is not None
                                                                                      else []),
                scratch_bytes=scratch_bytes(rows, cols, lw.target.dsp, len(extra) if not lw.target.mve else 2,
                                            folded is not None, lw.target.mve),
                macs=sum(c.macs for c in ops),
                note=f"{rows} rows of {cols}: {' -> '.join(what)} (ops {', '.join(str(c.op.index) for c in ops)}"
                     " fused, every int8 step kept)",
                reads=[x] + consts, writes=outputs)
    if lw.target.dsp and (cols <= DSP_MAX_COLS or lw.target.mve):  # (the Helium kernel: any row length)
        return lw.target_kernel(call, "layer_norm")
    return call


def fuse_layer_norms(lw: Lowering, steps: list[Step]) -> list[Step]:
    """Each matched chain becomes one call at its first step's place (every input of the chain exists by
    then: x is the first step's input, gamma and beta are constants); its other steps go."""
    out = list(steps)
    gone: set[int] = set()
    c = _Chain(lw, steps)
    for k, s in enumerate(steps):
        if k in gone or not isinstance(s, Call) or s.op.opcode != "MEAN":
            continue
        found = match(lw, c, k)
        if found is None:
            continue
        ks, call = found
        if gone & set(ks):
            continue
        out[k] = call
        gone |= set(ks) - {k}
    return [s for k, s in enumerate(out) if k not in gone]
