"""L2_NORMALIZATION over the last axis, int8 (TFLM's L2Normalization: per row, 1/sqrt of the sum of
squares by GetInvSqrtQuantizedMultiplierExp at run time; tslm_l2norm_s8)."""

from __future__ import annotations

import numpy as np

from ..ir import Operator
from ..lowering import Call, Lit, Lowering, Step, T
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "L2_NORMALIZATION": "int8 float32: last axis; int8: output scale 1/128",
}



@register('L2_NORMALIZATION')
def l2_normalization(lw: Lowering, op: Operator) -> Step:
    if lw.is_float(op):
        lw.io(op, 1)
        x = lw.dtype(op, op.inputs[0], ("float32",), "input")
        y = lw.dtype(op, op.outputs[0], ("float32",), "output")
        lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
        act = op.options.get("fused_activation_function", "NONE")
        lw.need(act == "NONE", op, f"fused activation {act} is not supported")
        depth = x.shape[-1]
        return Call(op, "tslm_l2norm_f32", "tslm_l2norm", [Lit(str(x.numel // depth)), Lit(str(depth)), T(x.index),
                    T(y.index)], note=f"float32, {x.numel // depth} rows of {depth}", reads=[x.index], writes=[y.index])
    x, y = lw.unary_int8(op)
    lw.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
    lw.need(y.zero_point == 0 and abs(float(y.scale) * 128 - 1) < 1e-6, op,
            f"output must have scale 1/128 and zero point 0 (TFLM's kernel assumes it), has {y.quant.describe()}",  # type: ignore[union-attr]
            tensor=y.index)
    act = op.options.get("fused_activation_function", "NONE")
    lw.need(act == "NONE", op, f"fused activation {act} is not supported")
    depth = x.shape[-1]
    rows = int(np.prod(x.shape[:-1])) if len(x.shape) > 1 else 1
    return Call(op, "tslm_l2norm_s8", "tslm_l2norm", [Lit(str(rows)), Lit(str(depth)), Lit(str(x.zero_point)),
                T(x.index), T(y.index)], note=f"{rows} rows of {depth}", reads=[x.index], writes=[y.index])
