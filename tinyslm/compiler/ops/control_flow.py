"""IF's output chosen at run time (TSLM_SELECT_BYTES, made by compiler/control_flow.py when an IF's
condition is computed from the input: both branches ran, the condition's byte picks whose bytes become the
output, as TFLM's IF copies the branch it ran)."""

from __future__ import annotations

from ..control_flow import SELECT_BYTES
from ..ir import Operator
from ..lowering import Call, Lit, Lowering, Step, T
from . import ANY, register

SUPPORT: dict[str, str] = {SELECT_BYTES: ANY + ": IF's output, from the branch its run-time condition names"}


@register(SELECT_BYTES)
def select_bytes(lw: Lowering, op: Operator) -> Step:
    c, a, b = (lw.t(i) for i in op.inputs)
    y = lw.t(op.outputs[0])
    lw.need(c.dtype == "bool" and a.nbytes == b.nbytes == y.nbytes, op,
            "the IF's branches give outputs of different sizes")
    return Call(op, "tslm_select_bytes", "tslm_copy", [Lit(str(y.nbytes)), T(c.index), T(a.index), T(b.index),
                T(y.index)], note="IF: the branch the condition names", reads=[c.index, a.index, b.index],
                writes=[y.index])
