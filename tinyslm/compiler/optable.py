"""The README's operator table, generated from the op registry: every builtin TensorFlow Lite Micro
registers, with what tinyslm compiles of it per type.

``python -m tinyslm.compiler.optable`` prints the Markdown table that README.md holds between the
``<!-- optable: begin -->`` and ``<!-- optable: end -->`` markers (``--write`` puts it there);
tests/test_optable.py fails when the two differ, when a registered opcode has no declared types
here, or when a declared one is not registered.

>>> row("ABS", "int8 float32 | bool: a note")
'| ABS | ✓ |  | ✓ | bool | a note |'
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# The builtins TFLM's op resolver can register (the Register_* functions of the tflite-micro
# package used as the oracle, custom and signal ops left out).
TFLM_BUILTINS = (
    "ABS ADD ADD_N ARG_MAX ARG_MIN ASSIGN_VARIABLE AVERAGE_POOL_2D BATCH_MATMUL BATCH_TO_SPACE_ND BROADCAST_ARGS "
    "BROADCAST_TO CALL_ONCE CAST CEIL CONCATENATION CONV_2D COS CUMSUM DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE "
    "DIV DYNAMIC_UPDATE_SLICE ELU EMBEDDING_LOOKUP EQUAL EXP EXPAND_DIMS FILL FLOOR FLOOR_DIV FLOOR_MOD "
    "FULLY_CONNECTED GATHER GATHER_ND GREATER GREATER_EQUAL HARD_SWISH IF L2_NORMALIZATION L2_POOL_2D LEAKY_RELU "
    "LESS LESS_EQUAL LOG LOG_SOFTMAX LOGICAL_AND LOGICAL_NOT LOGICAL_OR LOGISTIC MAX_POOL_2D MAXIMUM MEAN MINIMUM "
    "MIRROR_PAD MUL NEG NOT_EQUAL PACK PAD PADV2 PRELU QUANTIZE READ_VARIABLE REDUCE_ALL REDUCE_MAX REDUCE_MIN "
    "RELU RELU6 RESHAPE RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR REVERSE_V2 ROUND RSQRT SELECT_V2 SHAPE SIN SLICE "
    "SOFTMAX SPACE_TO_BATCH_ND SPACE_TO_DEPTH SPLIT SPLIT_V SQRT SQUARE SQUARED_DIFFERENCE SQUEEZE STRIDED_SLICE "
    "SUB SUM SVDF TANH TRANSPOSE TRANSPOSE_CONV UNIDIRECTIONAL_SEQUENCE_LSTM UNPACK VAR_HANDLE WHILE ZEROS_LIKE"
).split()

COLUMNS = ("int8", "int16", "float32")
ANY = "int8 int16 float32 | int32 bool"  # ops that move bytes without arithmetic

# What each registered handler accepts: "<types of the columns> | <other types>: note".
SUPPORT: dict[str, str] = {
    "ABS": "int8 int16 float32: int8: a 256-entry table",
    "ADD": "int8 int16: broadcasting up to 6-D; int16: TFLM's general scales (16x8)",
    "ADD_N": "float32",
    "ARG_MAX": "int8: int32 indices",
    "ARG_MIN": "int8: int32 indices",
    "AVERAGE_POOL_2D": "int8 int16",
    "BATCH_MATMUL": "int8: adj_x/adj_y, batch broadcasting",
    "BATCH_TO_SPACE_ND": ANY + ": 3-D or 4-D",
    "BROADCAST_ARGS": "| int32 int64: shapes read at run time",
    "BROADCAST_TO": ANY,
    "CAST": "int8 int16 float32 | int32 int64 bool",
    "CEIL": "float32",
    "CONCATENATION": ANY,
    "CONV_2D": "int8 int16: per-channel weights, strides, dilation, SAME/VALID, groups, fused activations; int16 activations with int8 weights and int64/int32 bias (16x8)",
    "COS": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "CUMSUM": "float32: exclusive, reverse",
    "DEPTH_TO_SPACE": ANY,
    "DEPTHWISE_CONV_2D": "int8 int16: per-channel weights, depth multiplier, fused activations; int16 activations with int8 weights (16x8)",
    "DIV": "int8 float32: broadcasting; int8 as TFLM on x86 computes it (its last shift is undefined C++ for small numerators)",
    "DEQUANTIZE": "int8 int16: to float32",
    "DYNAMIC_UPDATE_SLICE": ANY + ": starts clamped as TFLM, in place over a dying operand",
    "ELU": "float32: expm1f from the C library: TFLM's bytes on the host, the device libm's elsewhere",
    "EMBEDDING_LOOKUP": "int8 float32: int32 ids; an int8 table into float32 rows (hybrid) too",
    "EQUAL": "int8 float32 | int32: bool output",
    "EXP": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "EXPAND_DIMS": ANY + ": no code",
    "FILL": ANY + ": constant dims (as TFLM), constant or run-time value",
    "FLOOR": "float32",
    "FLOOR_DIV": "float32: broadcasting",
    "FLOOR_MOD": "float32: broadcasting",
    "FULLY_CONNECTED": "int8 int16: per-tensor or per-channel; int16 activations with int8 weights (16x8)",
    "GATHER": ANY + ": constant or run-time int32/int64 indices (axis, no batch_dims)",
    "GATHER_ND": ANY + ": constant indices",
    "GREATER": "int8 float32 | int32: bool output",
    "GREATER_EQUAL": "int8 float32 | int32: bool output",
    "HARD_SWISH": "int8: a 256-entry table",
    "L2_POOL_2D": "float32: SAME/VALID, strides, fused activations",
    "L2_NORMALIZATION": "int8: last axis, output scale 1/128",
    "LEAKY_RELU": "int8 int16: int8: a 256-entry table",
    "LESS": "int8 float32 | int32: bool output",
    "LESS_EQUAL": "int8 float32 | int32: bool output",
    "LOG": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "LOG_SOFTMAX": "int8: last axis, output scale 1/16 zero point 127",
    "LOGICAL_AND": "| bool",
    "LOGICAL_NOT": "| bool",
    "LOGICAL_OR": "| bool",
    "LOGISTIC": "int8: a 256-entry table; int16 not yet (TFLM interpolates a sigmoid table of its own)",
    "MAX_POOL_2D": "int8 int16",
    "MAXIMUM": "int8 int16",
    "MEAN": "int8: any axes",
    "MINIMUM": "int8 int16",
    "MIRROR_PAD": ANY + ": REFLECT, SYMMETRIC",
    "MUL": "int8 int16: broadcasting up to 6-D; int16 with zero points 0 (16x8)",
    "NEG": "float32",
    "NOT_EQUAL": "int8 float32 | int32: bool output",
    "PACK": ANY,
    "PAD": "int8 int16 float32 | int32",
    "PADV2": "int8 int16 float32 | int32",
    "PRELU": "int8: broadcast alpha",
    "QUANTIZE": "int8 int16 float32 | int32: float32 to int8/int16, int8/int16 to int8/int16/int32, int32 to int8/int16",
    "REDUCE_ALL": "| bool: any axes",
    "REDUCE_MAX": "int8",
    "REDUCE_MIN": "int8",
    "RELU": "int8: a 256-entry table",
    "RELU6": "int8: a 256-entry table",
    "RELU_N1_TO_1": "int8: a 256-entry table",
    "RESHAPE": ANY + ": no code",
    "RESIZE_BILINEAR": "int8: align_corners, half_pixel_centers",
    "RESIZE_NEAREST_NEIGHBOR": ANY + ": align_corners, half_pixel_centers",
    "REVERSE_V2": ANY,
    "ROUND": "float32",
    "RSQRT": "int8: a 256-entry table",
    "SELECT_V2": "int8 int16 float32 | int32 bool: broadcasting",
    "SHAPE": "int8 int16 float32 | int32 bool: int32/int64 output, known at compile time",
    "SIN": "float32: C library call: TFLM's bytes on the host, within 2 ulps on a Cortex-M (newlib)",
    "SLICE": ANY,
    "SOFTMAX": "int8 int16: int8 -> int8 or int16, int16 -> int16 (16x8), any beta",
    "SPACE_TO_BATCH_ND": ANY + ": without paddings (TFLM leaves the padding's value unset)",
    "SPACE_TO_DEPTH": ANY,
    "SPLIT": ANY,
    "SPLIT_V": ANY,
    "SQRT": "float32",
    "SQUARE": "float32",
    "SQUARED_DIFFERENCE": "int8",
    "SQUEEZE": ANY + ": no code",
    "STRIDED_SLICE": ANY + ": no ellipsis or new-axis masks",
    "SUB": "int8 int16: broadcasting up to 6-D; int16: TFLM's general scales (16x8)",
    "SUM": "int8: any axes",
    "TANH": "int8: a 256-entry table; int16 not yet (TFLM interpolates a sigmoid table of its own)",
    "TRANSPOSE": ANY,
    "TRANSPOSE_CONV": "int8 int16: int16 activations with int8 weights (16x8)",
    "UNPACK": ANY,
    "ZEROS_LIKE": "float32 | int32 int64",
}

# Why a TFLM builtin is not compiled (the default: not yet).
NOT_YET = "not compiled yet"
REASONS: dict[str, str] = {
    "ASSIGN_VARIABLE": "resource variables: not compiled yet (stateful models, issue 13 item 4)",
    "READ_VARIABLE": "resource variables: not compiled yet (stateful models, issue 13 item 4)",
    "VAR_HANDLE": "resource variables: not compiled yet (stateful models, issue 13 item 4)",
    "CALL_ONCE": "runs a subgraph: not compiled yet (stateful models, issue 13 item 4)",
    "IF": "control flow between subgraphs: tinyslm compiles one subgraph",
    "WHILE": "control flow between subgraphs: tinyslm compiles one subgraph",
    "SVDF": "stateful: not compiled yet (issue 13 item 4)",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "stateful: not compiled yet (issue 13 item 4)",
}


def parse(spec: str) -> tuple[set[str], list[str], str]:
    """(column types, other types, note) of a SUPPORT entry.

    >>> cols, other, note = parse("int8 float32 | int32: bool output")
    >>> sorted(cols), other, note
    (['float32', 'int8'], ['int32'], 'bool output')
    """
    types, _, note = spec.partition(":")
    cols, _, other = types.partition("|")
    return set(cols.split()), other.split(), note.strip()


def row(opcode: str, spec: str | None) -> str:
    if spec is None:
        why = REASONS.get(opcode, NOT_YET)
        return f"| {opcode} |  |  |  |  | {why} |"
    cols, other, note = parse(spec)
    marks = " | ".join("✓" if c in cols else "" for c in COLUMNS)
    extra = note
    if opcode not in TFLM_BUILTINS:
        extra = "TFLM does not register it" + (f"; {note}" if note else "")
    return f"| {opcode} | {marks} | {', '.join(other)} | {extra} |"


def table() -> str:
    """The Markdown table: every TFLM builtin and every opcode tinyslm registers, alphabetically."""
    from .ops import registry

    registered = registry()
    missing = sorted(set(registered) - set(SUPPORT))
    if missing:
        raise RuntimeError(f"registered opcodes without declared types in optable.SUPPORT: {missing}")
    ops = sorted(set(TFLM_BUILTINS) | set(registered))
    compiled = [op for op in TFLM_BUILTINS if op in registered]
    lines = [f"{len(compiled)} of the {len(TFLM_BUILTINS)} builtins TFLM registers compile. ✓: the types "
             "tinyslm compiles (ops that only move bytes take any element type); the op-zoo tests check every "
             "compiled op bit-exact with TFLM on int8 models (the byte movers TFLM runs in int16 also on a 16x8 "
             "model), and on float32 where float32 is its only type.", "",
             "| builtin | int8 | int16 | float32 | other types | notes |",
             "| --- | :-: | :-: | :-: | --- | --- |"]
    lines += [row(op, SUPPORT.get(op) if op in registered else None) for op in ops]
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- optable: begin -->", "<!-- optable: end -->"


def readme_table(text: str) -> str | None:
    """The part of README text between the markers (None without them)."""
    m = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), text, re.S)
    return m.group(1) if m else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tinyslm.compiler.optable", description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", type=Path, metavar="README", help="replace the table between the markers in this file")
    args = ap.parse_args(argv)
    text = table()
    if args.write is None:
        sys.stdout.write(text)
        return 0
    readme = args.write.read_text()
    if readme_table(readme) is None:
        print(f"{args.write}: no '{BEGIN}' ... '{END}' markers", file=sys.stderr)
        return 1
    start = readme.index(BEGIN) + len(BEGIN) + 1
    args.write.write_text(readme[:start] + text + readme[readme.index(END):])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
