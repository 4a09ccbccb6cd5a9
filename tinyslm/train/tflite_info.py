"""Read what the training side needs from a .tflite with the ``tflite`` schema package.

The op set (to check that a model only uses what TFLM runs in int8), the
constant weight tensors (to measure int8 weight bytes and actual sparsity) and
the I/O quantization.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import tflite

_OP_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
_TYPES = {tflite.TensorType.INT8: np.int8, tflite.TensorType.INT16: np.int16, tflite.TensorType.INT32: np.int32,
          tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.UINT8: np.uint8, tflite.TensorType.INT64: np.int64}
_TYPE_NAMES = {v: k.lower() for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}

# Ops whose input 1 is a weight matrix / filter.
WEIGHT_OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "BATCH_MATMUL")

#: Every op the int8 students may contain (all run by TFLM and tinyslm's compiler).
STUDENT_OPS = frozenset({"FULLY_CONNECTED", "CONV_2D", "ADD", "SUB", "MUL", "MEAN", "RSQRT", "BATCH_MATMUL", "SOFTMAX",
                         "TRANSPOSE", "RESHAPE", "CONCATENATION", "STRIDED_SLICE"})


@dataclass
class IOSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int


@dataclass
class TfliteInfo:
    ops: list[str]  # one per operator, in execution order
    inputs: list[IOSpec]
    outputs: list[IOSpec]
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # weight tensors of WEIGHT_OPS, by name
    const_bytes: int = 0  # all constant tensor data (weights, biases, tables)

    @property
    def op_set(self) -> set[str]:
        return set(self.ops)

    @property
    def weight_params(self) -> int:
        return int(sum(w.size for w in self.weights.values()))

    def sparsity(self) -> float:
        """Fraction of exactly-zero values over all weight tensors (int8: zero means the zero point, 0)."""
        n = self.weight_params
        return float(sum(int(np.count_nonzero(w == 0)) for w in self.weights.values()) / n) if n else 0.0


def _op_name(model: "tflite.Model", index: int) -> str:
    oc = model.OperatorCodes(index)
    code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
    if code == tflite.BuiltinOperator.CUSTOM:
        return "CUSTOM:" + (oc.CustomCode() or b"").decode()
    return _OP_NAMES.get(code, f"OP_{code}")


def _io(sub, model, index: int) -> IOSpec:
    t = sub.Tensors(index)
    q = t.Quantization()
    scale = float(q.Scale(0)) if q is not None and q.ScaleLength() else 0.0
    zp = int(q.ZeroPoint(0)) if q is not None and q.ZeroPointLength() else 0
    return IOSpec(t.Name().decode(), tuple(int(d) for d in t.ShapeAsNumpy()), _TYPE_NAMES.get(t.Type(), "?"),
                  scale, zp)


def read_tflite(model_bytes: bytes) -> TfliteInfo:
    """Ops, I/O and weights of subgraph 0."""
    model = tflite.Model.GetRootAsModel(bytearray(model_bytes), 0)
    sub = model.Subgraphs(0)

    def data(ti: int) -> np.ndarray | None:
        t = sub.Tensors(ti)
        buf = model.Buffers(t.Buffer())
        if buf is None or buf.DataLength() == 0 or t.Type() not in _TYPES:
            return None
        return buf.DataAsNumpy().view(_TYPES[t.Type()]).reshape(tuple(t.ShapeAsNumpy()) or ())

    ops, weights = [], {}
    for i in range(sub.OperatorsLength()):
        op = sub.Operators(i)
        name = _op_name(model, op.OpcodeIndex())
        ops.append(name)
        if name in WEIGHT_OPS and op.InputsLength() > 1 and op.Inputs(1) >= 0:
            w = data(op.Inputs(1))
            if w is not None:
                weights[sub.Tensors(op.Inputs(1)).Name().decode()] = w
    const_bytes = 0
    for ti in range(sub.TensorsLength()):
        d = data(ti)
        if d is not None:
            const_bytes += d.nbytes
    return TfliteInfo(ops, [_io(sub, model, sub.Inputs(i)) for i in range(sub.InputsLength())],
                      [_io(sub, model, sub.Outputs(i)) for i in range(sub.OutputsLength())], weights, const_bytes)
