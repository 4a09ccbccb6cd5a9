"""Rewrites of the lowered steps that are not one operator's Prepare maths, each a function you can name,
run in order by :func:`run` (``driver.lower_graph``) and tested on its own (tests/test_passes.py).

- :func:`tables_for_one_byte_functions`: an int8 ADD/SUB/MUL/SQUARED_DIFFERENCE whose output depends on
  one int8 value only (the other operand a constant with a single value, or both operands the same
  tensor, like a layer norm's square) becomes a 256-entry table computed with the kernel's own integer
  steps (``tslm_lut_s8``): one load per element instead of two rescales.

- :func:`grouped_conv_for_depth_multipliers`: a DEPTHWISE_CONV_2D with a depth multiplier > 1 becomes a
  grouped CONV_2D (one input channel per group) on the targets whose conv kernel runs it faster: Cortex-M
  DSP (its im2col GEMM with requantization records) and Helium (one input channel, its GEMM layout). The
  portable target keeps TFLM's depthwise loop. (ops/conv.py: ``as_grouped_conv``.)

- :func:`fused_layer_norms`: a layer norm's int8 chain (MEAN, SUB, the square's table, MEAN, the eps and
  RSQRT tables, MUL, optionally MUL gamma and ADD beta) whose intermediates nothing else reads becomes one
  ``tslm_dsp_layer_norm_s8`` call with the same int8 steps, one row at a time, on the DSP targets (Helium:
  ``tslm_mve_layer_norm_s8``); the portable target keeps the separate ops (ops/layer_norm.py). Runs after the tables, whose
  values it reuses.

- :func:`dsp_strided_copies`: on the DSP targets (Helium included) a strided copy (TRANSPOSE, STRIDED_SLICE,
  SLICE, GATHER with constant indices...) calls ``tslm_dsp_strided_copy``, which copies contiguous runs a
  word at a time (a transformer's head split and merge) and hands every other walk to the portable kernel
  (Helium: ``tslm_mve_strided_copy``, a run of up to 16 bytes in one predicated load and store);
  the 256-entry int8 tables (``tslm_lut_s8``) call ``tslm_dsp_lut_s8``, four bytes per word (Helium:
  ``tslm_mve_lut_s8``, sixteen per gather load).

- :func:`transposes_into_batch_matmul`: on the Cortex-M DSP and Helium targets a TRANSPOSE whose output only one
  int8 BATCH_MATMUL reads (a transformer's head split of Q, K and V) is not copied: the BATCH_MATMUL reads the
  transpose's input where it lies, through the permuted strides (its params are strides already, and
  ``tslm_dsp_batch_matmul_s8`` widens every operand into scratch, so the strides cost nothing there;
  ``tslm_mve_batch_matmul_s8`` packs its rhs into scratch from any strides and reads lhs rows with any row
  stride: on Helium a fold that would send the lhs to the portable kernel, or grow the scratch, is skipped).
  Likewise a TRANSPOSE that is the only reader of a BATCH_MATMUL's output and keeps its last dimension last
  (the heads' merge) is folded into the output strides (``output_batch_strides``, ``output_row_stride``), the
  BATCH_MATMUL then running in the TRANSPOSE's place. A fold that would grow the arena is skipped (plans
  compared per BATCH_MATMUL; the DSP target's first folds, the head splits, excepted).

- :func:`helium_batch_matmul_pairs`: on Helium an int8 BATCH_MATMUL whose final params (after the folds above)
  the two-row entry runs itself (``ops.batch_matmul.mve_pairs``: depth 4..64, a right shift, no activation) calls
  ``tslm_mve_batch_matmul_pairs_s8`` (same params and scratch), so the linker leaves the general entry's
  dot-product paths out of models with only such matmuls.

- :func:`dsp_batch_matmul_pairs`: on the Cortex-M DSP target an int8 BATCH_MATMUL whose final params the
  row-pair entry runs itself (``ops.batch_matmul.dsp_pairs``: a right shift, the whole int8 range, lhs rows
  contiguous, depth 4..68, two columns or more, an rhs with its depth or columns contiguous: attention's) calls
  ``tslm_dsp_batch_matmul_pairs_s8`` (same params; scratch for one more column pair where the columns are odd):
  depth % 4 of 1 or 2 as a half group, odd last rows and columns by the unrolled routine too.

- :func:`batch_matmul_output_maps`: on the Cortex-M DSP target an int8 BATCH_MATMUL on the row-pair entry whose
  output only a 256-entry table reads (``tslm_dsp_lut_s8``: attention's scores times a constant, a MUL the tables
  pass made one) calls ``tslm_dsp_batch_matmul_pairs_lut_s8`` with that table, writing the table's output: each
  output is the table's entry for the very int8 the BATCH_MATMUL would have stored (one LDRB at its store), so the
  outputs are the same bytes, and the intermediate tensor leaves the plan. It runs where the table ran (nothing
  between may write its operands); a fold that would grow the arena is skipped.

- :func:`residual_add_tables`: on the DSP targets (Helium included) an int8 ADD/SUB of two inputs that step along
  the innermost dimension together, with the output at one input's scale (a transformer's residual add), calls
  ``tslm_dsp_add_table_s8`` (Helium: ``tslm_mve_add_table_s8``; SUB alike) with the 256-byte table H of
  ``ops.elementwise.residual_table`` in flash, where out = clamp(a + H[b]) holds on all 65,536 input pairs: the
  kernel no longer makes H on every call. Other residual adds of TFLM's scheme (an input at multiplier 1/2) call
  ``tslm_dsp_add_terms_s8`` (``tslm_mve_add_terms_s8``) with the kernel's int32 table of B's terms
  (``ops.elementwise.residual_terms``, 1 KB); where both rows are contiguous and moved terms let the loop round half
  up (``residual_terms_up``, ``residual_terms_up_mve`` on Helium), ``tslm_dsp_add_terms_up_s8``
  (``tslm_mve_add_terms_up_s8``) with those. Runs after the others but one (the layer norm fusion takes its ADDs first).
- :func:`dsp_depthwise_one_clamp`: on Cortex-M DSP (not Helium), where every depthwise call of the model is the column
  layout with epilogue 0 (relu: outputs clamped at or above the zero point) through the main entry or one with a sat
  twin (every column-layout entry: 3x3 at stride 2, small images, 7x7, dilated, K x 1, columns, a 1x1 image), the
  calls go to the twins (``tslm_dsp_depthwise_conv_sat_s8``,
  ``..._3x3s2_sat_s8``, ...), which reach only that clamp's routines and fall back into ``..._sat_s8``, so the
  linker leaves the other clamp's copies and the row and patch layouts out (MLPerf KWS: kernels ``.text`` -35 KB at
  -O2, same instructions).

Aliasing and in-place decisions are the planner's passes (planner.py: ``resolve_aliases``,
``choose_in_place``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from typing import Callable

import numpy as np

from .lowering import Call, ConstArray, Lowering, Ref, Step, T
from .ops.batch_matmul import dsp_pairs, dsp_pairs_scratch, mve_pairs, mve_scratch
from .ops.conv import as_grouped_conv
from .ops.elementwise import (binary_element, residual_table, residual_terms, residual_terms_up,
                               residual_terms_up_mve)
from .ops.layer_norm import fuse_layer_norms

BINARY = ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE")


def _each_call(lw: Lowering, steps: list[Step], rewrite: Callable[[Lowering, Call], Call | None]) -> list[Step]:
    """Every kernel call replaced by what `rewrite` makes of it (None: left as it is)."""
    out: list[Step] = []
    for s in steps:
        new = rewrite(lw, s) if isinstance(s, Call) else None
        out.append(new if new is not None else s)
    return out


def tables_for_one_byte_functions(lw: Lowering, steps: list[Step]) -> list[Step]:
    return _each_call(lw, steps, _as_table)


def _as_table(lw: Lowering, s: Call) -> Call | None:
    op = s.op
    if op.opcode not in BINARY or s.family != "tslm_binary" or not s.func.endswith("_s8"):
        return None
    a, b, y = lw.t(op.inputs[0]), lw.t(op.inputs[1]), lw.t(op.outputs[0])
    p = dict(s.param_items())
    for var, const, first in ((a, b, False), (b, a, True)):
        if const.is_const and list(var.shape) == list(y.shape) and np.unique(const.data).size == 1:
            c = int(np.asarray(const.data).reshape(-1)[0])
            fn: Callable[[int], int] = ((lambda q: binary_element(op.opcode, p, c, q)) if first
                                        else (lambda q: binary_element(op.opcode, p, q, c)))
            return lw.lut(op, fn, f"{s.note}: the constant is {c}, so a table of the 256 inputs", x=var)
    if a.index == b.index and list(a.shape) == list(y.shape):
        return lw.lut(op, lambda q: binary_element(op.opcode, p, q, q),
                      f"{s.note}: both inputs are one tensor, so a table of the 256 inputs", x=a)
    return None


def grouped_conv_for_depth_multipliers(lw: Lowering, steps: list[Step]) -> list[Step]:
    return _each_call(lw, steps, as_grouped_conv)


def fused_layer_norms(lw: Lowering, steps: list[Step]) -> list[Step]:
    # the DSP targets only (Helium: its own kernel, tslm_mve_layer_norm_s8): on the portable target the fused kernel, the
    # element-wise kernels called per row, measured 0.3% slower than TFLM's separate ops (KWS transformer)
    return fuse_layer_norms(lw, steps) if lw.target.dsp else steps


def dsp_strided_copies(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.dsp:
        return steps
    families = {"tslm_strided_copy": "copy", "tslm_lut_s8": "lut"}
    return _each_call(lw, steps, lambda lw, s: lw.target_kernel(replace(s), families[s.func])
                      if s.func in families and s.variant is None else None)


def transposes_into_batch_matmul(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.dsp:
        return steps
    func = "tslm_mve_batch_matmul_s8" if lw.target.mve else "tslm_dsp_batch_matmul_s8"
    readers: Counter[int] = Counter()
    producer: dict[int, int] = {}
    for k, s in enumerate(steps):
        if isinstance(s, Call):
            readers.update(set(s.reads))
            producer.update((w, k) for w in s.writes)
        else:
            readers[s.src] += 1
    out, gone = list(steps), set()
    moved: dict[int, int] = {}  # a folded output TRANSPOSE's index -> its BATCH_MATMUL's, which takes its place

    def assemble(out: list[Step], gone: set[int], moved: dict[int, int]) -> list[Step]:
        # the BATCH_MATMUL whose output a TRANSPOSE merged runs where that TRANSPOSE ran (its output then lives
        # no longer than the copy's did; nothing between the two writes its operands, _fold_output_transpose
        # checks)
        return [out[moved[k]] if k in moved else s for k, s in enumerate(out)
                if k not in gone and k not in moved.values()]

    bmms = [k for k, s in enumerate(steps)
            if isinstance(s, Call) and s.func == func and s.op.inputs[0] != s.op.inputs[1]]
    if not lw.target.mve:  # the DSP target's head-split folds as they were first made (branch bmm4), unchecked:
        # on the KWS transformer they cost 128 B of arena (8,512 -> 8,640)
        for k in bmms:
            for slot in (0, 1):
                folded = _fold_transpose(lw, out[k], k, slot, steps, producer, readers, gone)
                if folded is not None:
                    out[k], kt = folded
                    gone.add(kt)
    # Each BATCH_MATMUL's other folds (its lhs, rhs, output) as the most of them that leave the arena no larger
    # than without them (a fold changes live ranges: a split's input lives on to the BATCH_MATMUL, the merged
    # output from the BATCH_MATMUL on; where the planner's first fit places them is another matter)
    arena = _arena(lw, assemble(out, gone, moved))
    done: set[int] = set()
    for k in bmms + bmms:  # twice: a BATCH_MATMUL's folds may fit once a later one's have moved its tensors
        if k in done:
            continue
        best = None
        for which in sorted(itertools.product((1, 0), repeat=3), key=lambda w: -sum(w)):
            if not any(which) or (best is not None and sum(which) < best[0]):
                break
            bmm, g2, m2 = out[k], set(gone), dict(moved)
            for slot in (0, 1):
                folded = _fold_transpose(lw, bmm, k, slot, steps, producer, readers, g2 | set(m2)) \
                    if which[slot] else None
                if which[slot] and folded is None:
                    break
                if folded is not None:
                    bmm, _ = folded
                    g2.add(folded[1])
            else:
                folded = _fold_output_transpose(lw, bmm, k, steps, readers) if which[2] else None
                if which[2] and (folded is None or folded[1] in g2):
                    continue
                if folded is not None:
                    bmm, m2[folded[1]] = folded[0], k
                trial = out[:k] + [bmm] + out[k + 1:]
                a = _arena(lw, assemble(trial, g2, m2))
                if a <= arena and (best is None or a < best[1]):
                    best = (sum(which), a, trial, g2, m2)
        if best is not None:
            out, gone, moved = best[2], best[3], best[4]
            done.add(k)
    return assemble(out, gone, moved)


def helium_batch_matmul_pairs(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.mve:
        return steps
    return _each_call(lw, steps, lambda lw, s: replace(s, func="tslm_mve_batch_matmul_pairs_s8")
                      if s.func == "tslm_mve_batch_matmul_s8" and mve_pairs(dict(s.param_items())) else None)


def dsp_batch_matmul_pairs(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.dsp or lw.target.mve:
        return steps
    return _each_call(lw, steps, lambda lw, s: replace(s, func="tslm_dsp_batch_matmul_pairs_s8",
                                                       scratch_bytes=dsp_pairs_scratch(dict(s.param_items())))
                      if s.func == "tslm_dsp_batch_matmul_s8" and dsp_pairs(dict(s.param_items())) else None)


def batch_matmul_output_maps(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.dsp or lw.target.mve:
        return steps
    out = list(steps)
    for k in range(len(steps)):
        s = out[k]
        if not isinstance(s, Call) or s.func != "tslm_dsp_batch_matmul_pairs_s8":
            continue
        folded = _fold_output_map(lw, s, k, out)
        if folded is None:
            continue
        call, kt = folded
        trial = out[:k] + [None] + out[k + 1:kt] + [call] + out[kt + 1:]
        trial = [t for t in trial if t is not None]
        if _arena(lw, trial) <= _arena(lw, [t for t in out if t is not None]):
            out[kt], out[k] = call, None  # type: ignore[call-overload]
    return [t for t in out if t is not None]


def _fold_output_map(lw: Lowering, bmm: Call, k: int, steps: list) -> tuple[Call, int] | None:
    """bmm storing each output through the 256-entry table that is its output's only reader, in that table's
    place, and the table's index; or None."""
    z = bmm.op.outputs[0]
    if bmm.writes != [z] or z in lw.g.outputs or lw.t(z).is_variable or lw.t(z).dtype != "int8":
        return None
    users = [j for j, s in enumerate(steps) if s is not None and j != k and z in _reads(s)]
    if len(users) != 1 or users[0] < k:
        return None
    kt = users[0]
    t = steps[kt]
    if not isinstance(t, Call) or t.func != "tslm_dsp_lut_s8" or t.reads != [z] or len(t.writes) != 1:
        return None
    y = t.writes[0]
    n, tab, x_arg, y_arg = t.args
    if not (isinstance(x_arg, T) and x_arg.index == z and isinstance(y_arg, T) and y_arg.index == y
            and int(n.text) == lw.t(z).numel and len(t.consts) == 1 and isinstance(tab, Ref)
            and tab.name == t.consts[0].name and len(t.consts[0].values) == 256):
        return None
    yt = lw.t(y)
    if yt.dtype != "int8" or yt.is_variable or y in bmm.reads or list(yt.shape) != list(lw.t(z).shape):
        return None
    # the operands must not change between the BATCH_MATMUL and the table's place, where it will run now
    between = [s for s in steps[k + 1:kt] if s is not None]
    written = {w for s in between if isinstance(s, Call) for w in s.writes} | \
              {s.dst for s in between if not isinstance(s, Call)}
    if written & set(bmm.reads) or any(y in _reads(s) for s in between) or y in written:
        return None
    args = [T(y) if isinstance(a, T) and a.index == z else a for a in bmm.args] + [tab]
    note = f"{bmm.note}; each output through {t.op.opcode} op {t.op.index}'s table ({t.note})"
    return replace(bmm, func="tslm_dsp_batch_matmul_pairs_lut_s8", args=args, writes=[y],
                   consts=list(bmm.consts) + list(t.consts), note=note), kt


RESIDUAL_MIN = 64  # elements per call from which a table's flash (H 256 B, the terms 1 KB) is spent


def residual_add_tables(lw: Lowering, steps: list[Step]) -> list[Step]:
    if not lw.target.dsp:
        return steps
    funcs = {f"tslm_{k}_{o}_s8": f"tslm_{k}_{o}_table_s8" for k in ("dsp", "mve") for o in ("add", "sub")}

    def rewrite(lw: Lowering, s: Call) -> Call | None:
        if s.func not in funcs:
            return None
        p = dict(s.param_items())
        inner = (p["in1_strides"][-1], p["in2_strides"][-1])
        # (Helium: both rows contiguous; the DSP kernel: any stride but 0)
        if (0 in inner or (lw.target.mve and inner != (1, 1))
                or int(np.prod(p["dims"])) < RESIDUAL_MIN):
            return None
        h = residual_table(s.op.opcode, p)
        if h is not None:
            tab = ConstArray(lw.name(s.op, "residual"), "int8_t", h,
                             "H[b] for b = 0..127, -128..-1: out = clamp(a + H[b]) (all 65,536 pairs checked)")
            return replace(s, func=funcs[s.func], args=list(s.args) + [Ref(tab.name)], consts=list(s.consts) + [tab],
                           note=f"{s.note}, H in flash")
        if inner == (1, 1):
            # the DSP (Helium) kernel's half-up loop, where moved terms give TFLM's outputs on all pairs
            t = residual_terms_up_mve(s.op.opcode, p) if lw.target.mve else residual_terms_up(s.op.opcode, p)
            if t is not None:
                tab = ConstArray(lw.name(s.op, "terms"), "int32_t", t,
                                 f"{'the' if lw.target.mve else 'twice the'} sum at a = 0 for b = 0..127, -128..-1, "
                                 "moved so that rounding half up gives TFLM's output (all 65,536 pairs checked)")
                return replace(s, func=funcs[s.func].replace("_table_", "_terms_up_"),
                               args=list(s.args) + [Ref(tab.name)], consts=list(s.consts) + [tab],
                               note=f"{s.note}, B's terms (half up) in flash")
        t = residual_terms(s.op.opcode, p, not lw.target.mve)
        if t is None:
            return None
        tab = ConstArray(lw.name(s.op, "terms"), "int32_t", t,
                         f"{'twice ' if not lw.target.mve else ''}the sum at a = 0 for b = 0..127, -128..-1 "
                         "(the sum is this +- a 2^19 on all 65,536 pairs)")
        return replace(s, func=funcs[s.func].replace("_table_", "_terms_"), args=list(s.args) + [Ref(tab.name)],
                       consts=list(s.consts) + [tab], note=f"{s.note}, B's terms in flash")

    return _each_call(lw, steps, rewrite)


def _arena(lw: Lowering, steps: list[Step]) -> int:
    """The arena these steps need (a fold must not grow it: the live ranges change)."""
    from .planner import plan

    return plan(lw.g, steps).arena_bytes


def _fold_output_transpose(lw: Lowering, bmm: Call, k: int, steps: list[Step],
                           readers: Counter[int]) -> tuple[Call, int] | None:
    """bmm writing straight into the layout of the TRANSPOSE that is its output's only reader (output strides:
    each output row's values stay contiguous, so the TRANSPOSE must keep the last dimension last), and that
    TRANSPOSE's index; or None."""
    z = bmm.op.outputs[0]
    if readers[z] != 1 or z in lw.g.outputs or bmm.writes != [z]:
        return None
    kt = next((j for j in range(k + 1, len(steps)) if z in _reads(steps[j])), None)
    if kt is None:
        return None
    t = steps[kt]
    if not isinstance(t, Call) or t.op.opcode != "TRANSPOSE" or t.reads != [z] or len(t.writes) != 1:
        return None
    y = t.writes[0]
    zt, yt = lw.t(z), lw.t(y)
    if zt.dtype != yt.dtype or zt.is_variable or yt.is_variable or y in bmm.reads:
        return None
    # the operands must not change between the BATCH_MATMUL and the TRANSPOSE's place, where it will run now
    written = {w for s in steps[k + 1:kt] if isinstance(s, Call) for w in s.writes} | \
              {s.dst for s in steps[k + 1:kt] if not isinstance(s, Call)}
    if written & set(bmm.reads) or any(y in _reads(s) for s in steps[k + 1:kt]):
        return None
    perm = [int(v) for v in np.asarray(lw.t(t.op.inputs[1]).data).reshape(-1)]
    n = len(perm)
    if n != len(zt.shape) or n < 2 or perm[-1] != n - 1 or [zt.shape[p] for p in perm] != list(yt.shape):
        return None
    yst = lw.strides(list(yt.shape))
    zst = [0] * n  # z's dimension d lands where perm puts it in y
    for i, p in enumerate(perm):
        zst[p] = yst[i]
    dims = lw.right_align(list(zt.shape), 5)
    st = [0] * (5 - n) + zst
    change = dict(output_batch_strides=[0 if dims[d] == 1 else st[d] for d in range(3)], output_row_stride=st[3])
    args = [T(y) if isinstance(a, T) and a.index == z else a for a in bmm.args]
    note = f"{bmm.note}; output written as TRANSPOSE op {t.op.index}'s perm {perm}"
    return replace(bmm.with_params(**change), args=args, writes=[y], note=note), kt


def _reads(s: Step) -> list[int]:
    return s.reads if isinstance(s, Call) else [s.src]


def _fold_transpose(lw: Lowering, bmm: Call, k: int, slot: int, steps: list[Step], producer: dict[int, int],
                    readers: Counter[int], gone: set[int]) -> tuple[Call, int] | None:
    """bmm (steps[k], or what an earlier fold made of it) reading its operand `slot` through the TRANSPOSE that
    made it (and that step's index), or None."""
    ti = bmm.op.inputs[slot]
    kt = producer.get(ti)
    if kt is None or kt in gone or readers[ti] != 1 or ti in lw.g.outputs:
        return None
    t = steps[kt]
    if not isinstance(t, Call) or t.op.opcode != "TRANSPOSE" or t.writes != [ti] or len(t.reads) != 1:
        return None
    x, y = lw.t(t.op.inputs[0]), lw.t(ti)
    if x.dtype != y.dtype or x.is_const or x.is_variable:
        return None
    if any(isinstance(s, Call) and x.index in s.writes for s in steps[kt + 1:k]):
        return None  # (the transpose's input written again before the BATCH_MATMUL would read it)
    perm = [int(v) for v in np.asarray(lw.t(t.op.inputs[1]).data).reshape(-1)]
    xst = lw.strides(list(x.shape))
    dims, st = lw.right_align([x.shape[p] for p in perm], 5), [0] * (5 - len(perm)) + [xst[p] for p in perm]
    if dims != lw.right_align(list(y.shape), 5):
        return None
    bstr = [0 if dims[d] == 1 else st[d] for d in range(3)]
    o = bmm.op.options
    if slot == 0:
        adj = bool(o.get("adj_x", False))
        change = dict(lhs_batch_strides=bstr, lhs_row_stride=st[4] if adj else st[3],
                      lhs_depth_stride=st[3] if adj else st[4])
    else:
        adj = bool(o.get("adj_y", False))
        change = dict(rhs_batch_strides=bstr, rhs_depth_stride=st[4] if adj else st[3],
                      rhs_col_stride=st[3] if adj else st[4])
    args = [T(x.index) if isinstance(a, T) and a.index == ti else a for a in bmm.args]
    reads = [x.index if r == ti else r for r in bmm.reads]
    note = f"{bmm.note}; {('lhs', 'rhs')[slot]} read through TRANSPOSE op {t.op.index}'s perm {perm}"
    folded = replace(bmm.with_params(**change), args=args, reads=reads, note=note)
    if lw.target.mve:  # Helium: only where the kernel keeps its path (a strided lhs depth takes the portable
        # kernel) and its scratch does not grow (an rhs that is not depth x cols rows is copied)
        scratch = mve_scratch(dict(folded.params))
        if (folded.params["lhs_depth_stride"] != 1 and bmm.params["lhs_depth_stride"] == 1) or \
                scratch > bmm.scratch_bytes:
            return None
        folded = replace(folded, scratch_bytes=scratch)
    return folded, kt


# The depthwise entries with a sat twin (tslm_dsp_depthwise_conv_<entry>_sat_s8: its EPI_SAT choices alone, the rest
# to tslm_dsp_depthwise_conv_sat_s8 instead of the main entry)
DSP_DW_SAT_TWINS = {f"tslm_dsp_depthwise_conv_{e}s8": f"tslm_dsp_depthwise_conv_{e}sat_s8"
                    for e in ("", "3x3s2_", "3x3s2t_", "small_", "k7_", "dilated_", "k1_", "cols_", "px_", "k2_")}


def dsp_depthwise_one_clamp(lw: Lowering, steps: list[Step]) -> list[Step]:
    """Cortex-M DSP: where every depthwise call of the model goes to the column layout with epilogue 0 (outputs
    clamped to int8, the zero point in the rounding term: requant_fast 16) through an entry with a sat twin
    (DSP_DW_SAT_TWINS: the main entry, 3x3 at stride 2, its small-image entry, small images, 7x7, dilated, K x 1 at
    stride 2 or dilated, 3 x 1 over columns, a 1x1 image: every entry of the column layout), each
    call to its entry's twin, which reaches only that epilogue's routines and falls back into
    tslm_dsp_depthwise_conv_sat_s8, so the linker leaves out the other clamp's copies (MLPerf KWS: ~35 KB of .text
    at -O2). A model with any other depthwise call keeps its entries (the others fall back into the main entry:
    both clamps would link)."""
    if not lw.target.dsp or lw.target.mve:
        return steps
    dw = [s for s in steps if isinstance(s, Call) and "depthwise_conv" in s.func]
    if not dw or any(s.func not in DSP_DW_SAT_TWINS or dict(s.param_items()).get("requant_fast") != 16 for s in dw):
        return steps
    ids = {id(s) for s in dw}
    return [replace(s, func=DSP_DW_SAT_TWINS[s.func]) if id(s) in ids else s for s in steps]


PASSES: tuple[Callable[[Lowering, list[Step]], list[Step]], ...] = (tables_for_one_byte_functions,
                                                                     grouped_conv_for_depth_multipliers,
                                                                     fused_layer_norms, transposes_into_batch_matmul,
                                                                     helium_batch_matmul_pairs, dsp_batch_matmul_pairs,
                                                                     dsp_strided_copies, batch_matmul_output_maps,
                                                                     residual_add_tables,
                                                                     dsp_depthwise_one_clamp)


def run(lw: Lowering, steps: list[Step], passes=PASSES) -> list[Step]:
    for p in passes:
        steps = p(lw, steps)
    return steps
