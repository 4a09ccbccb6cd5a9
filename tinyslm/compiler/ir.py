"""The compiler's small typed IR: what a .tflite subgraph says, nothing more.

A :class:`Graph` holds tensors (shape, dtype, quantization, constant data) and
operators (builtin code name, tensor indices, builtin options as a dict), in
the order the model runs them. Passes add facts on top in their own
structures; the IR itself stays a faithful image of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# .tflite TensorType -> (name, numpy dtype, C type). Only the types a tinyslm
# kernel can read or write; others are refused by the reader with their name.
DTYPES: dict[str, tuple[type, str]] = {
    "float32": (np.float32, "float"),
    "int8": (np.int8, "int8_t"),
    "uint8": (np.uint8, "uint8_t"),
    "int16": (np.int16, "int16_t"),
    "int32": (np.int32, "int32_t"),
    "int64": (np.int64, "int64_t"),
    # TFLM's signal ops (energy, filter bank) pass unsigned sums between them
    "uint32": (np.uint32, "uint32_t"),
    "uint64": (np.uint64, "uint64_t"),
    "bool": (np.bool_, "bool"),
    # a resource handle (VAR_HANDLE's output; TFLM keeps the variable's id in it): the reader resolves every
    # handle to its variable (variables.py), so none is ever given storage
    "resource": (np.int32, "int32_t"),
}


@dataclass(frozen=True)
class Quant:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per channel."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    def describe(self) -> str:
        """Short text for comments.

        >>> Quant((0.5,), (-3,)).describe()
        's=0.5 zp=-3'
        >>> Quant((0.25, 0.5, 0.125), (0, 0, 0), 0).describe()
        'per-channel(3, axis 0) s=0.125..0.5'
        """
        if not self.per_channel:
            return f"s={self.scale[0]:.6g} zp={self.zero_point[0]}"
        return (f"per-channel({len(self.scale)}, axis {self.axis}) "
                f"s={min(self.scale):.6g}..{max(self.scale):.6g}")


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quant | None = None
    data: np.ndarray | None = None  # constant data (already in `dtype`, `shape`)
    is_variable: bool = False
    # a variable's value before the first invocation (a resource variable's, set by the model's CALL_ONCE
    # init subgraph); None: TFLM's reset value
    initial: np.ndarray | None = None

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def itemsize(self) -> int:
        return np.dtype(DTYPES[self.dtype][0]).itemsize

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize

    @property
    def ctype(self) -> str:
        return DTYPES[self.dtype][1]

    @property
    def scale(self) -> float:
        """Per-tensor scale (as the float32 the file stores, widened to double)."""
        assert self.quant is not None
        return self.quant.scale[0]

    @property
    def zero_point(self) -> int:
        assert self.quant is not None
        return self.quant.zero_point[0]

    def describe(self) -> str:
        shape = "x".join(str(d) for d in self.shape) or "scalar"
        q = f" {self.quant.describe()}" if self.quant else ""
        return f"{self.dtype} {shape}{q}"


@dataclass
class Operator:
    index: int
    opcode: str  # builtin operator name, e.g. "CONV_2D"
    inputs: list[int]  # tensor indices; -1 marks an omitted optional input
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)
    version: int = 1


@dataclass
class Graph:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    sha256: str
    description: str = ""
    source: str = "<bytes>"  # file name, for messages
    subgraphs: dict[int, "Graph"] = field(default_factory=dict)  # the other subgraphs it runs, by index

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

    def consumers(self, index: int) -> list[Operator]:
        return [op for op in self.operators if index in op.inputs]

    def producer(self, index: int) -> Operator | None:
        for op in self.operators:
            if index in op.outputs:
                return op
        return None
