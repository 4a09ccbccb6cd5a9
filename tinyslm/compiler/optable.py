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

# TFLM's signal library (signal/micro/kernels): custom operators ("CUSTOM:<name>" opcodes here) that
# audio front ends exported as .tflite use; the oracle's op resolver registers them too.
SIGNAL_OPS = (
    "SignalDelay SignalEnergy SignalFftAutoScale SignalFilterBank SignalFilterBankLog "
    "SignalFilterBankSpectralSubtraction SignalFilterBankSquareRoot SignalFramer SignalIrfft SignalOverlapAdd "
    "SignalPCAN SignalRfft SignalStacker SignalWindow"
).split()

COLUMNS = ("int8", "int16", "float32")


def support() -> dict[str, str]:
    """Every registered opcode's declaration: the SUPPORT dict of the op module that registers it
    ("<types of the columns> | <other types>: note")."""
    import importlib

    from .ops import registry

    from . import control_flow, variables

    out: dict[str, str] = {**variables.SUPPORT, **control_flow.SUPPORT}  # resolved by the reader, never lowered
    for opcode, fn in registry().items():
        declared = getattr(importlib.import_module(fn.__module__), "SUPPORT", {})
        if opcode in declared:
            out[opcode] = declared[opcode]
    return out


# Why a TFLM builtin is not compiled (the default: not yet).
NOT_YET = "not compiled yet"
REASONS: dict[str, str] = {}


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
    if opcode not in TFLM_BUILTINS and not opcode.startswith("CUSTOM:"):
        extra = "TFLM does not register it" + (f"; {note}" if note else "")
    return f"| {opcode} | {marks} | {', '.join(other)} | {extra} |"


def table() -> str:
    """The Markdown table: every TFLM builtin and every opcode tinyslm registers, alphabetically."""
    from .ops import registry

    registered = registry()
    SUPPORT = support()
    missing = sorted(set(registered) - set(SUPPORT))
    if missing:
        raise RuntimeError(f"registered opcodes without a SUPPORT entry in their op module: {missing}")
    signal = [f"CUSTOM:{name}" for name in SIGNAL_OPS]
    internal = {op for op in registered if op.startswith("TSLM_")}  # made by the compiler, never in a .tflite
    ops = sorted(set(TFLM_BUILTINS) | set(registered) - set(signal) - internal)
    compiled = [op for op in TFLM_BUILTINS if op in SUPPORT]
    lines = [f"{len(compiled)} of the {len(TFLM_BUILTINS)} builtins TFLM registers compile. ✓: the types "
             "tinyslm compiles (ops that only move bytes take any element type); the op-zoo tests check every "
             "compiled op bit-exact with TFLM on int8 models (the byte movers TFLM runs in int16 also on a 16x8 "
             "model), and every float32 kernel on float32 tensors (float32 models, or the float32 islands the "
             "converter leaves in int8 ones); the stateful ones (SVDF, LSTM, resource variables) over sequences of "
             "invocations with resets (tests/test_stateful.py); WHILE and IF on loops and branches made with "
             "TensorFlow (tests/test_control_flow.py).", "",
             "| builtin | int8 | int16 | float32 | other types | notes |",
             "| --- | :-: | :-: | :-: | --- | --- |"]
    lines += [row(op, SUPPORT.get(op)) for op in ops]
    done = [op for op in signal if op in SUPPORT]
    lines += ["", f"TFLM's signal library (custom operators, options in a flexbuffer map; "
              f"tests/test_signal_*.py): {len(done)} of its {len(signal)} operators compile.", "",
              "| signal op | int8 | int16 | float32 | other types | notes |",
              "| --- | :-: | :-: | :-: | --- | --- |"]
    lines += [row(op, SUPPORT.get(op)).replace("| CUSTOM:", "| ", 1) for op in signal]
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
