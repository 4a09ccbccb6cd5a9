"""RESHAPE, SQUEEZE, EXPAND_DIMS: no code, the output aliases the input's bytes."""

from __future__ import annotations

from ..ir import Operator
from ..lowering import Alias, Lowering, Step
from . import ANY, register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "EXPAND_DIMS": ANY + ": no code",
    "RESHAPE": ANY + ": no code",
    "SQUEEZE": ANY + ": no code",
}



@register('RESHAPE', 'SQUEEZE', 'EXPAND_DIMS')
def reshape(lw: Lowering, op: Operator) -> Step:
    lw.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expected one data input and one output")
    x, y = lw.t(op.inputs[0]), lw.t(op.outputs[0])
    lw.need(x.dtype == y.dtype and x.numel == y.numel, op,
              f"cannot view {x.describe()} as {y.describe()}")
    if x.quant and y.quant:
        lw.need(x.quant.scale == y.quant.scale and x.quant.zero_point == y.quant.zero_point, op,
                  "input and output quantization differ, so a reshape would change values")
    return Alias(op, x.index, y.index)
