"""READ_VARIABLE and ASSIGN_VARIABLE: copies out of and into a variable's bytes in the state area. The reader
has already turned each resource variable into a variable tensor and dropped VAR_HANDLE and CALL_ONCE
(compiler/variables.py), so here the first input is the variable itself."""

from __future__ import annotations

from ..ir import Operator
from ..lowering import Call, Lit, Lowering, Step, T
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "ASSIGN_VARIABLE": "int8 int16 float32 | int32 bool: a copy into the variable's bytes in the state area",
    "READ_VARIABLE": "int8 int16 float32 | int32 bool: a copy of the variable's bytes",
}


def _variable(lw: Lowering, op: Operator) -> int:
    lw.need(bool(op.inputs) and op.inputs[0] >= 0 and lw.t(op.inputs[0]).is_variable, op,
            "its first input is not a resource variable's handle")
    return op.inputs[0]


@register("READ_VARIABLE")
def read_variable(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 1)
    v, y = lw.t(_variable(lw, op)), lw.t(op.outputs[0])
    lw.need(v.dtype == y.dtype and v.nbytes == y.nbytes, op,
            f"reads {y.describe()} from variable '{v.name}', which holds {v.describe()}", tensor=y.index)
    return Call(op, "memcpy", "", [T(y.index), T(v.index), Lit(str(y.nbytes))], note=f"variable '{v.name}'",
                reads=[v.index], writes=[y.index])


@register("ASSIGN_VARIABLE")
def assign_variable(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 2, 0)
    v, x = lw.t(_variable(lw, op)), lw.t(op.inputs[1])
    lw.need(v.dtype == x.dtype and v.nbytes == x.nbytes, op,
            f"assigns {x.describe()} to variable '{v.name}', which holds {v.describe()}", tensor=x.index)
    return Call(op, "memcpy", "", [T(v.index), T(x.index), Lit(str(x.nbytes))], note=f"variable '{v.name}'",
                reads=[x.index], writes=[v.index])
