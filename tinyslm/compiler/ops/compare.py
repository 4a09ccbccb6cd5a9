"""Comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL -> bool), MAXIMUM,
MINIMUM, LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT and SELECT_V2, with broadcasting (tslm_compare).

int8 comparisons follow TFLM's comparisons.cc: each input is offset by its zero point, shifted
left by 8 and multiplied by its own scale as a Q31 multiplier (QuantizeMultiplierSmallerThanOneExp),
and the rescaled values are compared; the compiler tabulates that value for the 256 bytes of
each input. MAXIMUM and MINIMUM (int8, int16) compare the raw values, as TFLM's reference kernel does.

float32 arithmetic with broadcasting lives here too (`float_arith`, tslm_arith_f32, on the same walk):
ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, PRELU, FLOOR_DIV, FLOOR_MOD, whose family
modules call it for float32 operands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import fixedpoint as fx
from ..ir import Operator, Tensor
from ..lowering import MAX_DIMS, Call, ConstArray, KernelParams, Lit, Lowering, Ref, Step, T
from ..quantization import quantize_multiplier_smaller_than_one
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "EQUAL": "int8 float32 | int32: bool output",
    "FLOOR_DIV": "float32: broadcasting",
    "FLOOR_MOD": "float32: broadcasting",
    "GREATER": "int8 float32 | int32: bool output",
    "GREATER_EQUAL": "int8 float32 | int32: bool output",
    "LESS": "int8 float32 | int32: bool output",
    "LESS_EQUAL": "int8 float32 | int32: bool output",
    "LOGICAL_AND": "| bool",
    "LOGICAL_NOT": "| bool",
    "LOGICAL_OR": "| bool",
    "MAXIMUM": "int8 int16 float32",
    "MINIMUM": "int8 int16 float32",
    "NOT_EQUAL": "int8 float32 | int32: bool output",
    "SELECT_V2": "int8 int16 float32 | int32 bool: broadcasting",
}


# TSLM_ARITH_* in tslm_compare.h: float32 arithmetic with broadcasting
ARITH_CODE = {"DIV": 10, "FLOOR_DIV": 11, "FLOOR_MOD": 12, "ADD": 13, "SUB": 14, "MUL": 15, "SQUARED_DIFFERENCE": 16,
              "MAXIMUM": 17, "MINIMUM": 18, "PRELU": 19}
CMP = {"EQUAL": 0, "NOT_EQUAL": 1, "LESS": 2, "LESS_EQUAL": 3, "GREATER": 4, "GREATER_EQUAL": 5,
       "MAXIMUM": 6, "MINIMUM": 7, "LOGICAL_AND": 8, "LOGICAL_OR": 9}


@dataclass
class CompareParams(KernelParams):
    C_TYPE: ClassVar[str] = "tslm_compare_params"
    dims: list[int]
    strides0: list[int]
    strides1: list[int]
    strides2: list[int]
    op: int
    elem_size: int = 0
    table0: Ref | None = None
    table1: Ref | None = None
    activation: int = 0


def collapse_dims(dims: list[int], *strides: list[int]) -> tuple[list[int], ...]:
    """The fewest dimensions that walk the same elements: size-1 dimensions dropped, and a
    dimension merged into the next inner one wherever every input steps through both as one
    (stride = inner stride x inner size; broadcast dimensions have stride 0). Right-aligned
    to the same length again, so a kernel's innermost loop is as long as it can be.

    >>> collapse_dims([1, 1, 1, 2, 3, 4], [0, 0, 0, 12, 4, 1], [0, 0, 0, 0, 0, 1])
    ([1, 1, 1, 1, 6, 4], [0, 0, 0, 0, 4, 1], [0, 0, 0, 0, 0, 1])
    >>> collapse_dims([1, 1, 1, 5, 4, 3], [0, 0, 0, 12, 3, 1], [0, 0, 0, 12, 3, 1])
    ([1, 1, 1, 1, 1, 60], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1])
    """
    kept = [d for d in range(len(dims)) if dims[d] != 1]
    out_d: list[int] = []
    out_s: list[list[int]] = [[] for _ in strides]
    for d in reversed(kept):
        if out_d and all(st[d] == os[0] * out_d[0] for st, os in zip(strides, out_s)):
            out_d[0] *= dims[d]
            continue
        out_d.insert(0, dims[d])
        for st, os in zip(strides, out_s):
            os.insert(0, st[d])
    n = len(dims)
    pad = n - len(out_d)
    return ([1] * pad + out_d, *([0] * pad + os for os in out_s))


def broadcast(lw: Lowering, op: Operator, ins: list[Tensor], y: Tensor) -> tuple[list[int], list[list[int]]]:
    """The output's dims and each input's strides over them (0 where broadcast), collapsed."""
    rank = max(len(t.shape) for t in ins + [y])
    lw.need(rank <= MAX_DIMS, op, f"more than {MAX_DIMS} dimensions")
    shapes = [lw.right_align(t.shape, rank) for t in ins]
    out = []
    for d in range(rank):
        sizes = {s[d] for s in shapes} - {1}
        lw.need(len(sizes) <= 1, op, "shapes " + ", ".join(lw.shape_str(t.shape) for t in ins) + " do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    lw.need(lw.right_align(y.shape, rank) == out, op,
            f"output {lw.shape_str(y.shape)} is not the broadcast shape {lw.shape_str(out)}")
    dims = lw.right_align(out)
    strides = []
    for s in shapes:
        p = lw.right_align(s)
        st = lw.strides(p)
        strides.append([0 if p[d] == 1 else st[d] for d in range(MAX_DIMS)])
    dims, *strides = collapse_dims(dims, *strides)
    return dims, [list(s) for s in strides]


def rescaled(t: Tensor, what: str) -> np.ndarray:
    """TFLM's rescaled value of each int8 byte -128..127 for comparisons."""
    m, s = quantize_multiplier_smaller_than_one(float(t.scale), what)
    return np.array([fx.mbqm(fx.wrap32((q - t.zero_point) << 8), m, s) for q in range(-128, 128)], dtype=np.int64)


def _pair(lw: Lowering, op: Operator, types: tuple[str, ...]) -> tuple[Tensor, Tensor, Tensor]:
    lw.io(op, 2)
    a = lw.dtype(op, op.inputs[0], types, "input 1")
    b = lw.dtype(op, op.inputs[1], types, "input 2")
    lw.need(a.dtype == b.dtype, op, f"inputs of types {a.dtype} and {b.dtype}")
    return a, b, lw.t(op.outputs[0])


def _note(lw: Lowering, ins: list[Tensor]) -> str:
    shapes = [lw.shape_str(t.shape) for t in ins]
    return " and ".join(shapes) + (" (broadcast)" if len(set(shapes)) > 1 else "")


@register('EQUAL', 'NOT_EQUAL', 'LESS', 'LESS_EQUAL', 'GREATER', 'GREATER_EQUAL')
def comparison(lw: Lowering, op: Operator) -> Step:
    a, b, y = _pair(lw, op, ("int8", "int32", "float32"))
    lw.need(y.dtype == "bool", op, f"output type {y.dtype}, not bool", tensor=y.index)
    dims, (s0, s1) = broadcast(lw, op, [a, b], y)
    args = [T(a.index), T(b.index), T(y.index)]
    note = _note(lw, [a, b])
    if a.dtype != "int8":  # TFLM compares float32 and int32 values as they are
        params = CompareParams(dims, s0, s1, [0] * MAX_DIMS, CMP[op.opcode], a.itemsize)
        return Call(op, "tslm_compare_f32" if a.dtype == "float32" else "tslm_compare_s32", "tslm_compare", args,
                    params=params, note=f"{note}, {a.dtype}", reads=[a.index, b.index], writes=[y.index])
    for t, role in ((a, "input 1"), (b, "input 2")):
        lw.per_tensor(op, t, role)
        lw.need(0 < t.scale < 1, op, f"{role} has scale {t.scale}: TFLM needs a multiplier below one", tensor=t.index)
    what = f"{op.opcode} op {op.index}"
    t0 = ConstArray(lw.name(op, "rescaled1"), "int32_t", rescaled(a, what), "input 1 rescaled, for bytes -128..127")
    t1 = ConstArray(lw.name(op, "rescaled2"), "int32_t", rescaled(b, what), "input 2 rescaled, for bytes -128..127")
    params = CompareParams(dims, s0, s1, [0] * MAX_DIMS, CMP[op.opcode], 1, Ref(t0.name), Ref(t1.name))
    return Call(op, "tslm_compare_s8", "tslm_compare", args, params=params, consts=[t0, t1], note=note,
                reads=[a.index, b.index], writes=[y.index])


def float_arith(lw: Lowering, op: Operator) -> Step:
    """A float32 binary op with broadcasting (tslm_arith_f32): TFLM's reference float kernels, the fused
    activation applied after ADD, SUB, MUL and DIV as they apply it."""
    lw.io(op, 2)
    a = lw.dtype(op, op.inputs[0], ("float32",), "input 1")
    b = lw.dtype(op, op.inputs[1], ("float32",), "input 2")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    act, act_note = lw.float_activation(op)
    lw.need(act == 0 or op.opcode in ("ADD", "SUB", "MUL", "DIV"), op, "a fused activation on this op")
    dims, (s0, s1) = broadcast(lw, op, [a, b], y)
    params = CompareParams(dims, s0, s1, [0] * MAX_DIMS, ARITH_CODE[op.opcode], 4, activation=act)
    inplace = [(t.index, y.index) for t in (a, b) if list(t.shape) == list(y.shape)]
    return Call(op, "tslm_arith_f32", "tslm_compare", [T(a.index), T(b.index), T(y.index)], params=params,
                note=_note(lw, [a, b]) + ", float32" + act_note, inplace=inplace, reads=[a.index, b.index],
                writes=[y.index])


register('FLOOR_DIV', 'FLOOR_MOD')(float_arith)


@register('MAXIMUM', 'MINIMUM')
def maximum_minimum(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        return float_arith(lw, op)
    a, b, y = _pair(lw, op, ("int8", "int16"))
    lw.need(y.dtype == a.dtype, op, f"output type {y.dtype}, not {a.dtype}", tensor=y.index)
    dims, (s0, s1) = broadcast(lw, op, [a, b], y)
    params = CompareParams(dims, s0, s1, [0] * MAX_DIMS, CMP[op.opcode], a.itemsize)
    inplace = [(t.index, y.index) for t in (a, b) if list(t.shape) == list(y.shape)]
    func = "tslm_maxmin_s8" if a.dtype == "int8" else "tslm_maxmin_s16"
    return Call(op, func, "tslm_compare", [T(a.index), T(b.index), T(y.index)], params=params,
                note=_note(lw, [a, b]) + f": raw {a.dtype} values, as TFLM", inplace=inplace,
                reads=[a.index, b.index], writes=[y.index])


@register('LOGICAL_AND', 'LOGICAL_OR')
def logical(lw: Lowering, op: Operator) -> Step:
    a, b, y = _pair(lw, op, ("bool",))
    lw.need(y.dtype == "bool", op, f"output type {y.dtype}, not bool", tensor=y.index)
    dims, (s0, s1) = broadcast(lw, op, [a, b], y)
    params = CompareParams(dims, s0, s1, [0] * MAX_DIMS, CMP[op.opcode], 1)
    inplace = [(t.index, y.index) for t in (a, b) if list(t.shape) == list(y.shape)]
    return Call(op, "tslm_logical", "tslm_compare", [T(a.index), T(b.index), T(y.index)], params=params,
                note=_note(lw, [a, b]), inplace=inplace, reads=[a.index, b.index], writes=[y.index])


@register('LOGICAL_NOT')
def logical_not(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    x = lw.dtype(op, op.inputs[0], ("bool",), "input")
    y = lw.dtype(op, op.outputs[0], ("bool",), "output")
    lw.need(x.shape == y.shape, op, "input and output shapes differ")
    return Call(op, "tslm_logical_not", "tslm_compare", [Lit(str(x.numel)), T(x.index), T(y.index)],
                inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])


@register('SELECT_V2')
def select_v2(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 3)
    c = lw.dtype(op, op.inputs[0], ("bool",), "condition")
    x = lw.dtype(op, op.inputs[1], ("int8", "int16", "int32", "float32", "bool"), "input 1")
    z = lw.dtype(op, op.inputs[2], ("int8", "int16", "int32", "float32", "bool"), "input 2")
    y = lw.t(op.outputs[0])
    for t in (x, z):
        lw.same_quant(op, t, y)  # TFLM copies the chosen bytes unchanged
    dims, (s0, s1, s2) = broadcast(lw, op, [c, x, z], y)
    params = CompareParams(dims, s0, s1, s2, 0, y.itemsize)
    return Call(op, "tslm_select", "tslm_compare", [T(c.index), T(x.index), T(z.index), T(y.index)],
                params=params, note=_note(lw, [c, x, z]), reads=[c.index, x.index, z.index], writes=[y.index])
