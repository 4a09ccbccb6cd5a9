"""ADD, SUB, MUL, SQUARED_DIFFERENCE with broadcasting (TFLM's add.cc/sub.cc/mul.cc Prepare).
A constant single-valued operand, or a tensor combined with itself, becomes a 256-entry table."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator
from ..lowering import MAX_DIMS, Call, Lowering, Step, T
from ..quantization import (
    QRANGE,
    activation_range,
    f32,
    quantize_multiplier,
    quantize_multiplier_smaller_than_one,
)
from . import register
from .compare import collapse_dims, float_arith

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "ADD": "int8 int16 float32: broadcasting up to 6-D; int16: TFLM's general scales (16x8)",
    "MUL": "int8 int16 float32: broadcasting up to 6-D; int16 with zero points 0 (16x8)",
    "SQUARED_DIFFERENCE": "int8 int16 float32",
    "SUB": "int8 int16 float32: broadcasting up to 6-D; int16: TFLM's general scales (16x8)",
}



def binary_element(opcode: str, p: dict[str, Any], a: int, b: int) -> int:
    """One output of ADD, SUB, MUL or SQUARED_DIFFERENCE for int8 inputs a and b, with the
    parameters of tslm_binary_params, the integer steps of TFLM's reference kernels.

    >>> p = dict(in1_offset=0, in2_offset=0, output_offset=0, left_shift=0, output_multiplier=1 << 30,
    ...          output_shift=1, act_min=-128, act_max=127)
    >>> binary_element("MUL", p, 5, -7), binary_element("MUL", p, 100, 100)
    (-35, 127)
    """
    if opcode == "MUL":
        acc = (a + p["in1_offset"]) * (b + p["in2_offset"])
    else:
        ls = p["left_shift"]
        r1 = fx.mbqm(fx.wrap32((a + p["in1_offset"]) << ls), p["in1_multiplier"], p["in1_shift"])
        r2 = fx.mbqm(fx.wrap32((b + p["in2_offset"]) << ls), p["in2_multiplier"], p["in2_shift"])
        acc = r1 + r2 if opcode == "ADD" else r1 - r2
        if opcode == "SQUARED_DIFFERENCE":
            acc = fx.wrap32(acc * acc)
    v = fx.mbqm(acc, p["output_multiplier"], p["output_shift"]) + p["output_offset"]
    return max(p["act_min"], min(p["act_max"], v))


@register('ADD', 'SUB', 'MUL', 'SQUARED_DIFFERENCE')
def binary(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_arith(lw, op)
    lw.io(op, 2)
    s16 = op.inputs[0] >= 0 and lw.t(op.inputs[0]).dtype == "int16"
    dt = ("int16",) if s16 else ("int8",)
    a = lw.dtype(op, op.inputs[0], dt, "input 1")
    b = lw.dtype(op, op.inputs[1], dt, "input 2")
    y = lw.dtype(op, op.outputs[0], dt, "output")
    for t, role in ((a, "input 1"), (b, "input 2"), (y, "output")):
        lw.per_tensor(op, t, role)
        # int16 MUL: (a - zp) * (b - zp) must fit int32, as it does with the converter's zero points 0
        lw.need(not s16 or op.opcode != "MUL" or t.zero_point == 0, op, f"int16 {role} has zero point "
                f"{t.zero_point}; int16 MUL needs zero point 0 (symmetric int16x8 quantization)", tensor=t.index)
    rank = max(len(a.shape), len(b.shape))
    lw.need(rank <= MAX_DIMS, op, f"more than {MAX_DIMS} dimensions")
    sa, sb = lw.right_align(a.shape, rank), lw.right_align(b.shape, rank)
    out = []
    for da, db in zip(sa, sb):
        lw.need(da == db or da == 1 or db == 1, op,
                  f"shapes {lw.shape_str(a.shape)} and {lw.shape_str(b.shape)} do not broadcast")
        out.append(max(da, db))
    lw.need(lw.right_align(y.shape, rank) == out and y.numel == int(np.prod(out)), op,
              f"output {lw.shape_str(y.shape)} is not the broadcast shape {lw.shape_str(out)}")
    dims = lw.right_align(out)
    pa, pb = lw.right_align(sa), lw.right_align(sb)
    st_a, st_b = lw.strides(pa), lw.strides(pb)
    st_a = [0 if pa[d] == 1 and dims[d] != 1 else st_a[d] for d in range(MAX_DIMS)]
    st_b = [0 if pb[d] == 1 and dims[d] != 1 else st_b[d] for d in range(MAX_DIMS)]
    dims, st_a, st_b = collapse_dims(dims, st_a, st_b)
    act = op.options.get("fused_activation_function", "NONE")
    lo, hi = activation_range(act, y.scale, y.zero_point, dt[0])
    p: dict[str, Any] = dict(dims=dims, in1_strides=st_a, in2_strides=st_b, in1_offset=-a.zero_point,
                             in2_offset=-b.zero_point, output_offset=y.zero_point, left_shift=0,
                             in1_multiplier=0, in1_shift=0, in2_multiplier=0, in2_shift=0,
                             output_multiplier=0, output_shift=0, act_min=lo, act_max=hi)
    sa_, sb_, sy = float(a.scale), float(b.scale), float(y.scale)
    what = f"{op.opcode} op {op.index}"
    # TFLM: 15 for int16 (65535 << 15 still fits int32), 20 for int8; TFLM Micro takes this general path for
    # int16 whatever the model's pot_scale_int16 says
    ls = 15 if s16 else 20
    if op.opcode == "ADD":
        p["left_shift"] = ls
        twice_max = 2 * max(sa_, sb_)
        m1 = quantize_multiplier_smaller_than_one(sa_ / twice_max, what)
        m2 = quantize_multiplier_smaller_than_one(sb_ / twice_max, what)
        mo = quantize_multiplier_smaller_than_one(twice_max / ((1 << ls) * sy), what)
    elif op.opcode == "SUB":  # sub_common.cc: the largest scale doubled in float32, the ratios in double
        p["left_shift"] = ls
        tm = float(f32(2) * max(f32(sa_), f32(sb_)))
        m1 = quantize_multiplier_smaller_than_one(sa_ / tm, what)
        m2 = quantize_multiplier_smaller_than_one(sb_ / tm, what)
        mo = quantize_multiplier_smaller_than_one(tm / ((1 << ls) * sy), what)
    elif op.opcode == "SQUARED_DIFFERENCE":  # left shift 7 for int8, 0 for int16
        p["left_shift"] = sq_shift = 0 if s16 else 7
        twice_max = 2 * max(sa_, sb_)
        m1 = quantize_multiplier_smaller_than_one(sa_ / twice_max, what)
        m2 = quantize_multiplier_smaller_than_one(sb_ / twice_max, what)
        mo = quantize_multiplier((twice_max * twice_max) / float(f32(1 << (2 * sq_shift)) * f32(sy)))
        p["act_min"], p["act_max"] = QRANGE[dt[0]]
    else:  # MUL
        m1 = m2 = (0, 0)
        mo = quantize_multiplier(sa_ * sb_ / sy)
    p.update(in1_multiplier=m1[0], in1_shift=m1[1], in2_multiplier=m2[0], in2_shift=m2[1],
             output_multiplier=mo[0], output_shift=mo[1])
    func = {"ADD": "tslm_add_s8", "SUB": "tslm_sub_s8", "MUL": "tslm_mul_s8",
            "SQUARED_DIFFERENCE": "tslm_squared_difference_s8"}[op.opcode]
    if s16:
        func = func.replace("_s8", "_s16")
    bcast = list(a.shape) != list(b.shape)
    note = (f"{lw.shape_str(a.shape)} {'with' if bcast else 'and'} {lw.shape_str(b.shape)}"
            + (" (broadcast)" if bcast else "") + (f", {act.lower()}" if act != "NONE" else ""))
    # (an int8 result of one int8 value only becomes a table after lowering: passes.py)
    inplace = [(i.index, y.index) for i in (a, b) if list(i.shape) == list(y.shape)]
    call = Call(op, func, "tslm_binary", [T(a.index), T(b.index), T(y.index)], "tslm_binary_params", p,
                note=note, inplace=inplace, reads=[a.index, b.index], writes=[y.index],
                macs=y.numel if op.opcode in ("MUL", "SQUARED_DIFFERENCE") else 0)
    return lw.target_kernel(call, "binary") if lw.target.dsp and not s16 else call


def binary_all_pairs(opcode: str, p: dict[str, Any]) -> np.ndarray:
    """ADD's or SUB's output for every pair of int8 inputs, [in1 + 128, in2 + 128] (TFLM's integer steps, as
    binary_element() takes them one at a time).

    >>> p = dict(in1_offset=3, in2_offset=-7, output_offset=5, left_shift=20, in1_multiplier=1 << 30,
    ...          in1_shift=0, in2_multiplier=1500000000, in2_shift=-1, output_multiplier=1 << 30,
    ...          output_shift=-18, act_min=-128, act_max=127)
    >>> y = binary_all_pairs("ADD", p)
    >>> all(int(y[a + 128, b + 128]) == binary_element("ADD", p, a, b) for a in range(-128, 128, 7)
    ...     for b in range(-128, 128, 5))
    True
    """
    acc = binary_sums(opcode, p)
    v = fx.mbqm_np(acc, p["output_multiplier"], p["output_shift"]) + p["output_offset"]
    return np.clip(v, p["act_min"], p["act_max"])


def binary_sums(opcode: str, p: dict[str, Any]) -> np.ndarray:
    """ADD's or SUB's int32 sum before the output's requantization for every pair of int8 inputs, [in1 + 128,
    in2 + 128] (TFLM's rescaled inputs added or subtracted)."""
    q = np.arange(-128, 128, dtype=np.int64)
    ls = p["left_shift"]

    def term(off: int, m: int, s: int) -> np.ndarray:
        return fx.mbqm_np((((q + off) << ls) + (1 << 31) & 0xFFFFFFFF) - (1 << 31), m, s)

    r1 = term(p["in1_offset"], p["in1_multiplier"], p["in1_shift"])
    r2 = term(p["in2_offset"], p["in2_multiplier"], p["in2_shift"])
    acc = r1[:, None] + r2[None, :] if opcode == "ADD" else r1[:, None] - r2[None, :]
    return ((acc + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def residual_table(opcode: str, p: dict[str, Any]) -> np.ndarray | None:
    """The byte table H of an int8 ADD/SUB of TFLM's scheme whose output is at the scale of its input A (output
    multiplier 2^30, shift -18; A the input at multiplier 1/2, input 1 where both are): out = clamp(a + H[b]) for
    every pair of bytes (a of A, b of the other input B; clamp: saturating to int8, then the activation range),
    H[byte] for b = byte as int8 (0..127, then -128..-1), as the Cortex-M DSP and Helium kernels'
    ``*_add_table_s8``/``*_sub_table_s8`` entries read it. None where that is not exact: a rounding tie among B's
    values, an H outside int8, a subtracted A, another scheme (checked on all 65,536 pairs against
    binary_all_pairs(), TFLM's arithmetic).

    >>> p = dict(in1_offset=3, in2_offset=-7, output_offset=5, left_shift=20, in1_multiplier=1 << 30,
    ...          in1_shift=0, in2_multiplier=1500000000, in2_shift=-1, output_multiplier=1 << 30,
    ...          output_shift=-18, act_min=-128, act_max=127)
    >>> h = residual_table("ADD", p)
    >>> int(h[0]), int(h[1]), int(h[255])
    (3, 4, 2)
    >>> residual_table("SUB", dict(p, in1_multiplier=1500000000, in1_shift=-1, in2_multiplier=1 << 30, in2_shift=0))
    """
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    half2 = p["in2_multiplier"] == 1 << 30 and p["in2_shift"] == 0
    if (opcode not in ("ADD", "SUB") or p["left_shift"] != 20 or not (half1 or half2)
            or p["output_multiplier"] != 1 << 30 or p["output_shift"] != -18):
        return None
    y = binary_all_pairs(opcode, p)  # [in1, in2]
    y = y if half1 else y.T  # [a, b]
    free = binary_all_pairs(opcode, dict(p, act_min=-(1 << 31), act_max=(1 << 31) - 1))
    h = (free if half1 else free.T)[128]  # the output at a = 0, unclamped
    if h.min() < -128 or h.max() > 127:
        return None
    q = np.arange(-128, 128, dtype=np.int64)
    fast = np.clip(np.clip(q[:, None] + h[None, :], -128, 127), p["act_min"], p["act_max"])
    if not np.array_equal(fast, y):
        return None
    return np.concatenate([h[128:], h[:128]])  # byte order


def residual_terms(opcode: str, p: dict[str, Any], dsp: bool) -> np.ndarray | None:
    """The int32 table of an int8 ADD/SUB of TFLM's scheme (left shift 20, an input A at multiplier 1/2: input 1
    where both are) for the DSP and Helium kernels' ``*_add_terms_s8``/``*_sub_terms_s8`` entries: T[byte] = the sum
    before the output's requantization at a = 0 for b = byte as int8 (0..127, then -128..-1), so that the sum is
    T[b] +- a 2^19 (- where SUB subtracts A) on all 65,536 pairs (checked against binary_sums(), TFLM's steps);
    twice T for the Cortex-M DSP kernel (`dsp`: its lut_run() works on twice the sum). None where the kernel
    would not take it (`dsp`: an activation maximum under 127, an output shift outside -22..-1, B's shift outside
    -30..-1; Helium: an output shift >= 0) or the identity fails.

    >>> p = dict(in1_offset=3, in2_offset=-7, output_offset=5, left_shift=20, in1_multiplier=1500000000,
    ...          in1_shift=-1, in2_multiplier=1 << 30, in2_shift=0, output_multiplier=1200000000,
    ...          output_shift=-18, act_min=-128, act_max=127)
    >>> t = residual_terms("SUB", p, False)
    >>> int(t[7]) == binary_sums("SUB", p)[135, 128] and int(residual_terms("SUB", p, True)[7]) == 2 * int(t[7])
    True
    """
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    half2 = p["in2_multiplier"] == 1 << 30 and p["in2_shift"] == 0
    if opcode not in ("ADD", "SUB") or p["left_shift"] != 20 or not (half1 or half2) or p["output_shift"] >= 0:
        return None
    shb = p["in2_shift"] if half1 else p["in1_shift"]
    if dsp and (p["act_max"] != 127 or p["output_shift"] < -22 or
                (not (half1 and half2) and not -30 <= shb <= -1)):
        return None
    acc = binary_sums(opcode, p)
    acc = acc if half1 else acc.T  # [a, b]
    t = acc[128]  # a = 0
    sign = -1 if opcode == "SUB" and not half1 else 1
    q = np.arange(-128, 128, dtype=np.int64)
    if not np.array_equal(acc, t[None, :] + sign * (q[:, None] << 19)):
        return None
    t = 2 * t if dsp else t
    if t.min() < -(1 << 31) or t.max() >= 1 << 31:
        return None
    return np.concatenate([t[128:], t[:128]])  # byte order


def residual_terms_up(opcode: str, p: dict[str, Any], span: int = 64) -> np.ndarray | None:
    """The Cortex-M DSP kernel's table for ``tslm_dsp_add_terms_up_s8``/``tslm_dsp_sub_terms_up_s8``: its loop drops
    TFLM's rounding correction (one off where the sum is negative) and rounds every output half up,
    out = clamp(((T[b] +- a 2^20) m + 2^31) >> 32 + rz) >> r) with rz = 2^(r-1) + (zp - lo) 2^r as the kernel's SMMLAR
    and USAT/SSAT compute it (int32 wrap included), so each T[b] is twice TFLM's sum at a = 0 moved by the smallest
    |delta| <= span that gives TFLM's output for all 256 a (checked on all 65,536 pairs against binary_all_pairs());
    byte order. None where residual_terms() gives none, the range is clamped or some b has no such delta.

    >>> p = dict(in1_offset=3, in2_offset=-7, output_offset=5, left_shift=20, in1_multiplier=1 << 30,
    ...          in1_shift=0, in2_multiplier=1500000000, in2_shift=-1, output_multiplier=1200000000,
    ...          output_shift=-18, act_min=-128, act_max=127)
    >>> t = residual_terms_up("ADD", p)
    >>> t is not None and np.array_equal(residual_terms_up_outputs("ADD", p, t), binary_all_pairs("ADD", p))
    True
    """
    t = residual_terms(opcode, p, True)
    if t is None or p["act_min"] != -128:  # (the kernel's loop: the full range only)
        return None
    return _moved_terms(opcode, p, t, _terms_up_run, span)


def _moved_terms(opcode: str, p: dict[str, Any], t: np.ndarray,
                 run: Callable[[str, dict[str, Any], np.ndarray], np.ndarray], span: int) -> np.ndarray | None:
    """Each entry of the terms table t (byte order) moved by the smallest |delta| <= span for which the kernel
    model `run` gives TFLM's output (binary_all_pairs()) for all 256 values of the other input; byte order, or
    None where some entry has no such delta."""
    t = np.concatenate([t[128:], t[:128]]).astype(np.int64)  # value order
    want = binary_all_pairs(opcode, p)
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    want = want if half1 else want.T  # [a, b]
    best = np.zeros(256, dtype=np.int64)
    found = np.zeros(256, dtype=bool)
    for d in sorted(range(-span, span + 1), key=abs):
        ok = np.all(run(opcode, p, t + d) == want, axis=0) & ~found
        best[ok] = d
        found |= ok
        if found.all():
            break
    if not found.all():
        return None
    t = t + best
    return np.concatenate([t[128:], t[:128]])  # byte order


def _terms_up_run(opcode: str, p: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """The up kernel's outputs [a + 128, b + 128] for terms t in value order (int64; outside int32: -1000)."""
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    sign = -1 if opcode == "SUB" and not half1 else 1
    q = np.arange(-128, 128, dtype=np.int64)
    x = t[None, :] + sign * (q[:, None] << 20)
    bad = (x < -(1 << 31)) | (x >= 1 << 31) | (t[None, :] < -(1 << 31)) | (t[None, :] >= 1 << 31)

    def wrap(v: np.ndarray) -> np.ndarray:
        return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)

    r = -p["output_shift"]
    lo = p["act_min"]
    clamp = lo > -128
    rz = wrap(np.int64((1 << (r - 1)) + ((p["output_offset"] - (lo if clamp else 0)) << r)))
    s = (wrap(x) * p["output_multiplier"] + (1 << 31)) >> 32
    v = wrap(s + rz) >> r
    out = np.clip(np.clip(v, 0, 255) + lo, -128, 127) if clamp else np.clip(v, -128, 127)
    return np.where(bad, -1000, out)


def residual_terms_up_mve(opcode: str, p: dict[str, Any], span: int = 64) -> np.ndarray | None:
    """The Helium kernel's table for ``tslm_mve_add_terms_up_s8``/``tslm_mve_sub_terms_up_s8``: its loop (lut_row_up()
    in helium/tslm_mve_binary.c) drops TFLM's rounding correction (one off where the product is negative) and rounds
    every output half up, out = clamp(zp + (VQRDMULH(T[b] +- a 2^19, m) + 2^(r-1)) >> r) as the kernel computes it
    (int32 wrap of the sum included), so each T[b] is TFLM's sum at a = 0 (residual_terms()'s, not doubled) moved by
    the smallest |delta| <= span that gives TFLM's output for all 256 a (checked on all 65,536 pairs against
    binary_all_pairs()); byte order. Any activation range (the loop keeps its clamp). None where residual_terms()
    gives none or some b has no such delta.

    >>> p = dict(in1_offset=3, in2_offset=-7, output_offset=5, left_shift=20, in1_multiplier=1 << 30,
    ...          in1_shift=0, in2_multiplier=1500000000, in2_shift=-1, output_multiplier=1200000000,
    ...          output_shift=-18, act_min=-128, act_max=127)
    >>> t = residual_terms_up_mve("ADD", p)
    >>> t is not None and np.array_equal(residual_terms_up_mve_outputs("ADD", p, t), binary_all_pairs("ADD", p))
    True
    """
    t = residual_terms(opcode, p, False)
    if t is None:
        return None
    return _moved_terms(opcode, p, t, _terms_up_mve_run, span)


def _terms_up_mve_run(opcode: str, p: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """lut_row_up()'s outputs [a + 128, b + 128] for terms t in value order (int64; a term outside int32: -1000)."""
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    sign = -1 if opcode == "SUB" and not half1 else 1
    q = np.arange(-128, 128, dtype=np.int64)
    bad = (t < -(1 << 31)) | (t >= 1 << 31)
    x = ((t[None, :] + sign * (q[:, None] << 19) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)  # VMLA wraps
    y = (x * p["output_multiplier"] + (1 << 30)) >> 31  # VQRDMULH (m > 0: no saturation)
    r = -p["output_shift"]
    v = (y + (1 << (r - 1))) >> r if r <= 31 else np.zeros_like(y)  # VQRDMLASH by 2^(31 - r)
    out = np.clip(v + p["output_offset"], p["act_min"], p["act_max"])
    return np.where(bad[None, :], -1000, out)


def residual_terms_up_mve_outputs(opcode: str, p: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """lut_row_up()'s outputs for the byte-order table t, [in1 + 128, in2 + 128] as binary_all_pairs() gives them."""
    t = np.asarray(t, dtype=np.int64)
    y = _terms_up_mve_run(opcode, p, np.concatenate([t[128:], t[:128]]))
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    return y if half1 else y.T


def residual_terms_up_outputs(opcode: str, p: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """The up kernel's outputs for the byte-order table t, [in1 + 128, in2 + 128] as binary_all_pairs() gives them."""
    t = np.asarray(t, dtype=np.int64)
    y = _terms_up_run(opcode, p, np.concatenate([t[128:], t[:128]]))
    half1 = p["in1_multiplier"] == 1 << 30 and p["in1_shift"] == 0
    return y if half1 else y.T
