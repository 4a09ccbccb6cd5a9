"""The lowering context: what every op module returns, and the checks and Prepare helpers they share.

Each operator family lives in its own module under ``ops/`` and registers a handler per opcode
(``@register("CONV_2D")``). A handler receives the :class:`Lowering` context and the operator,
checks what it is given the way TFLM's Prepare would, computes everything TFLM computes at
Prepare time, and returns a :class:`Call` (one kernel call: function, params, tensor arguments,
constants, scratch) or an :class:`Alias` (the output is the input's bytes, no code).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, ClassVar

import numpy as np

from ..errors import UnsupportedError
from . import fixedpoint as fx
from .dsp_layout import dsp_requant
from .ir import Graph, Operator, Tensor
from .quantization import ScaleError, quantize_multiplier
from .targets import Target, get_target

MAX_DIMS = 6


@dataclass
class ConstArray:
    """A constant C array the generated code needs (multipliers, tables...)."""

    name: str
    ctype: str
    values: np.ndarray
    comment: str = ""
    role: str = ""  # what the generated comments call it: "bias" (folded bias), "requant" (DSP records), ...


@dataclass(frozen=True)
class T:
    """A kernel argument that is a tensor's buffer."""

    index: int


@dataclass(frozen=True)
class Ref:
    """A kernel argument (or params field) that is a ConstArray (cast: the C type the kernel takes, if another)."""

    name: str
    cast: str | None = None


@dataclass(frozen=True)
class Lit:
    """A literal C expression."""

    text: str


@dataclass(frozen=True)
class TList:
    """A kernel argument that is an array of several tensors' buffers."""

    indices: tuple[int, ...]


PARAMS = Lit("&PARAMS")  # where the params struct goes when it is not the first argument


@dataclass(frozen=True)
class Scratch:
    """The op's scratch buffer in the arena."""

    ctype: str


@dataclass
class KernelParams:
    """A kernel's constant parameters: subclasses mirror one C struct of ``firmware/kernels/*.h``,
    field for field in the same order (``tests/test_kernel_params.py`` parses the headers and
    fails on any difference). Values are ints, lists of ints, or :class:`Ref` / ``None`` (NULL)
    for pointers to constant arrays; never C text."""

    C_TYPE: ClassVar[str] = ""

    def items(self) -> list[tuple[str, Any]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


@dataclass
class Call:
    op: Operator
    func: str
    family: str  # kernel file stem, e.g. "tslm_conv"
    args: list[Any]
    params_type: str | None = None
    params: dict[str, Any] | KernelParams | None = None
    consts: list[ConstArray] = field(default_factory=list)
    scratch_bytes: int = 0
    macs: int = 0
    note: str = ""
    # (input tensor, output tensor) pairs that may share storage, because the
    # kernel has read every input byte it still needs before it writes over it
    # (elementwise ops; the DSP 1x1 CONV_2D, which copies each pair of input
    # pixels to scratch before writing their outputs, when outputs are no
    # wider than inputs).
    inplace: list[tuple[int, int]] = field(default_factory=list)
    # what running in place costs: extra scratch bytes, and params to set
    inplace_scratch: int = 0
    inplace_params: dict[str, Any] = field(default_factory=dict)
    reads: list[int] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)
    # a target's drop-in kernel source (relative to firmware/kernels) that `func` lives in; None: the
    # family's portable kernel file
    variant: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.params, KernelParams):
            self.params_type = self.params_type or self.params.C_TYPE

    def param_items(self) -> list[tuple[str, Any]]:
        """The params struct's fields in order (dict params keep their insertion order)."""
        if self.params is None:
            return []
        return self.params.items() if isinstance(self.params, KernelParams) else list(self.params.items())

    def set_params(self, **changes: Any) -> None:
        """Change params fields of this call (for the lowering, before planning)."""
        self.params = self.with_params(**changes).params

    def with_params(self, **changes: Any) -> "Call":
        """A copy of this call with some params fields changed (this one is left as it is)."""
        if isinstance(self.params, KernelParams):
            params: Any = replace(self.params, **changes)
        else:
            params = None if self.params is None else {**self.params, **changes}
        return replace(self, params=params)

    def in_place(self) -> "Call":
        """This call writing its output over the input it names in `inplace`: its extra scratch and params."""
        return replace(self.with_params(**self.inplace_params), scratch_bytes=self.scratch_bytes + self.inplace_scratch)


@dataclass
class Alias:
    """The output tensor is the input tensor's bytes under another shape."""

    op: Operator
    src: int
    dst: int


Step = Call | Alias



class Lowering:
    """One graph being lowered for one target: the handlers' shared checks and helpers."""

    def __init__(self, graph: Graph, target: str | Target = "portable"):
        from .ops import registry

        self.g = graph
        self.target = get_target(target)
        self.handlers = registry()

    def target_kernel(self, call: Call, family: str) -> Call:
        """Make `call` call this target's drop-in kernel for it (same params struct and arguments)
        instead of the portable one: tslm_<op> -> tslm_<prefix>_<op> from its own source file."""
        k = self.target.kernel(family, call.func.removeprefix("tslm_"))
        call.func, call.variant = k.func, k.file
        return call

    def t(self, index: int) -> Tensor:
        return self.g.tensors[index]

    def fail(self, op: Operator, what: str, hint: str | None = None, tensor: int | None = None) -> UnsupportedError:
        tname = ""
        if tensor is not None and tensor >= 0:
            tname = f", tensor {tensor} '{self.t(tensor).name}'"
        elif op.outputs:
            tname = f", output tensor {op.outputs[0]} '{self.t(op.outputs[0]).name}'"
        return UnsupportedError(f"{op.opcode} (op {op.index}): {what}",
                                where=f"{self.g.source}, op {op.index}{tname}", hint=hint)

    def need(self, cond: bool, op: Operator, what: str, hint: str | None = None, tensor: int | None = None) -> None:
        if not cond:
            raise self.fail(op, what, hint, tensor)

    def dtype(self, op: Operator, index: int, allowed: tuple[str, ...], role: str) -> Tensor:
        self.need(index >= 0, op, f"missing {role} tensor")
        t = self.t(index)
        if t.dtype not in allowed:
            hint = "quantize the whole model to int8 (full integer quantization)"
            types = {self.t(i).dtype for i in op.inputs if i >= 0}
            if t.dtype in ("float32", "int8") and {"float32", "int8"} <= types:
                what = (f"{role} is {t.dtype} in an op with float32 activations and int8 weights: a hybrid "
                        "(dynamic range) quantized model, which TFLM's kernel for this op does not run either")
                raise self.fail(op, what, hint, index)
            raise self.fail(op, f"{role} has type {t.dtype}; this op supports {'/'.join(allowed)}", hint, index)
        if t.dtype in ("int8", "int16", "uint8") and t.quant is None:
            raise self.fail(op, f"{role} is {t.dtype} without quantization parameters", tensor=index)
        return t

    def raw(self, op: Operator, index: int, allowed: tuple[str, ...], role: str) -> Tensor:
        """A tensor of one of these types, its values taken as they are (TFLM's signal ops: int16 samples,
        uint32 energies; no quantization parameters needed)."""
        self.need(index >= 0, op, f"missing {role} tensor")
        t = self.t(index)
        self.need(t.dtype in allowed, op, f"{role} has type {t.dtype}; this op supports {'/'.join(allowed)}",
                  tensor=index)
        return t

    def state(self, op: Operator, what: str, dtype: str, shape: tuple[int, ...]) -> int:
        """A buffer this op keeps from one invocation to the next (what TFLM allocates as a persistent buffer
        and clears in the op's Reset): a new variable tensor, so it lives in the model's state area and
        NAME_reset() sets it to zero bytes. The kernel's layout of it must make all-zero bytes mean TFLM's
        state after Reset (keep a 'primed' flag in it when TFLM's reset state is not zeros)."""
        index = len(self.g.tensors)
        self.g.tensors.append(Tensor(index, f"op{op.index}_{what}", tuple(int(d) for d in shape), dtype,
                                     is_variable=True))
        return index

    def const(self, op: Operator, index: int, role: str) -> np.ndarray:
        self.need(index >= 0 and self.t(index).is_const, op, f"{role} must be a constant tensor",
                  "tinyslm needs shapes, axes and permutations known at compile time", index)
        return self.t(index).data  # type: ignore[return-value]

    def per_tensor(self, op: Operator, t: Tensor, role: str) -> None:
        self.need(t.quant is not None and not t.quant.per_channel, op,
                  f"{role} must be quantized per tensor", tensor=t.index)

    def io(self, op: Operator, n_in: int, n_out: int = 1) -> None:
        self.need(len([i for i in op.inputs]) >= n_in and len(op.outputs) == n_out, op,
                  f"expected {n_in} inputs and {n_out} outputs, got {len(op.inputs)} and {len(op.outputs)}")

    @staticmethod
    def shape_str(shape: tuple[int, ...] | list[int]) -> str:
        return "x".join(str(d) for d in shape) or "scalar"

    @staticmethod
    def right_align(shape: tuple[int, ...] | list[int], n: int = MAX_DIMS) -> list[int]:
        return [1] * (n - len(shape)) + list(shape)

    @staticmethod
    def strides(shape: list[int]) -> list[int]:
        out = [0] * len(shape)
        s = 1
        for d in range(len(shape) - 1, -1, -1):
            out[d] = s
            s *= shape[d]
        return out

    def name(self, op: Operator, what: str) -> str:
        return f"op{op.index}_{what}"

    def folded_bias(self, op: Operator, w: Tensor, bias_idx: int, offset: int, out_axis: int,
                    filter_offset: int = 0) -> ConstArray:
        """bias + offset * sum of each output's weights (+ filter offset), wrapped to int32.

        sum_k (w + fo) (x + io) + b == sum_k (w + fo) x + [b + io * sum_k (w + fo)]: the bracket is a
        compile-time constant, so the kernel's inner loop no longer adds the input offset. The
        identity holds exactly in int32 arithmetic (both sides wrap the same way).
        """
        wd = w.data.astype(np.int64) + filter_offset  # type: ignore[union-attr]
        axes = tuple(a for a in range(wd.ndim) if a != out_axis)
        sums = wd.sum(axis=axes)
        bias = self.t(bias_idx).data.astype(np.int64).reshape(-1) if bias_idx >= 0 else np.zeros_like(sums)
        folded = np.array([fx.wrap32(int(b) + offset * int(s)) for b, s in zip(bias, sums)], dtype=np.int64)
        return ConstArray(self.name(op, "bias"), "int32_t", folded,
                          f"bias + input offset ({offset}) x sum of weights, per output channel", role="bias")

    def requant_arrays(self, op: Operator, reals: list[float]) -> tuple[ConstArray, ConstArray]:
        pairs = [quantize_multiplier(r) for r in reals]
        m = ConstArray(self.name(op, "multiplier"), "int32_t", np.array([p[0] for p in pairs], dtype=np.int64),
                       "requantization multipliers (Q31)")
        s = ConstArray(self.name(op, "shift"), "int32_t", np.array([p[1] for p in pairs], dtype=np.int64),
                       "requantization shifts (power of two)")
        return m, s

    def dsp_records(self, op: Operator, bias: ConstArray, mult: ConstArray, shift: ConstArray,
                    rows: np.ndarray) -> tuple[ConstArray, bool]:
        """The DSP kernels' requantization records (replacing bias, multipliers and shifts);
        rows: each output channel's weights (channels x k)."""
        n = rows.shape[0]
        m = np.broadcast_to(mult.values, (n,)) if len(mult.values) == 1 else mult.values
        sh = np.broadcast_to(shift.values, (n,)) if len(shift.values) == 1 else shift.values
        rec, fast = dsp_requant(bias.values, [int(v) for v in m], [int(v) for v in sh],
                                np.abs(rows.astype(np.int64)).sum(axis=1))
        kind = ("2 x bias, multiplier (Q31), right shift, rounding 2^(shift-1)" if fast
                else "bias, multiplier (Q31), shift, 0")
        return ConstArray(self.name(op, "requant"), "int32_t", rec,
                          f"requantization per output channel: {kind} (bias includes the input offset)",
                          role="requant"), fast

    def padding(self, op: Operator, in_size: int, filt: int, stride: int, dilation: int, out_size: int,
                 axis: str) -> int:
        """ComputePaddingHeightWidth for one axis; checks the output size."""
        self.need(stride >= 1 and dilation >= 1, op, f"stride and dilation must be >= 1 ({axis})")
        # TFLM's ConvParams/DepthwiseParams hold them as int16: larger values run truncated (a mutant with
        # dilation 524288 ran with 0 there)
        self.need(stride <= 32767 and dilation <= 32767, op,
                  f"stride {stride} / dilation {dilation} ({axis}) over 32767, which TFLM keeps in 16 bits")
        eff = (filt - 1) * dilation + 1
        padding = op.options.get("padding", "VALID")
        if padding == "SAME":
            expect = (in_size + stride - 1) // stride
        elif padding == "VALID":
            expect = (in_size + stride - eff) // stride
        else:
            raise self.fail(op, f"padding {padding} is not supported")
        self.need(expect == out_size, op,
                  f"output {axis} {out_size} does not match {padding} padding ({expect} expected)")
        total = max((out_size - 1) * stride + eff - in_size, 0)
        return total // 2

    FLOAT_ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU6": 2, "RELU_N1_TO_1": 3}  # TSLM_ACT_* in tslm_common.h

    def float_activation(self, op: Operator) -> tuple[int, str]:
        """A float32 op's fused activation as its TSLM_ACT_* code, and the note's suffix for it."""
        act = op.options.get("fused_activation_function", "NONE")
        self.need(act in self.FLOAT_ACTIVATIONS, op, f"fused activation {act} is not supported",
                  "use NONE, RELU, RELU6 or RELU_N1_TO_1")
        return self.FLOAT_ACTIVATIONS[act], (f", {act.lower()}" if act != "NONE" else "")

    def is_float(self, op: Operator, input_index: int = 0) -> bool:
        """Whether the op's input (its first by default) is float32: the float32 kernels' case."""
        return len(op.inputs) > input_index and op.inputs[input_index] >= 0 and \
            self.t(op.inputs[input_index]).dtype == "float32"

    def lut(self, op: Operator, fn: Callable[[int], int], note: str, x: Tensor | None = None) -> Call:
        x, y = x or self.t(op.inputs[0]), self.t(op.outputs[0])
        self.need(x.shape == y.shape, op, "input and output shapes differ")
        table = np.array([max(-128, min(127, fn(q))) for q in range(-128, 128)], dtype=np.int64)
        tab = ConstArray(self.name(op, "table"), "int8_t", table, f"{op.opcode.lower()} for inputs -128..127")
        return Call(op, "tslm_lut_s8", "tslm_lut", [Lit(str(x.numel)), Ref(tab.name), T(x.index), T(y.index)],
                    consts=[tab], note=note, inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])

    def unary_int8(self, op: Operator) -> tuple[Tensor, Tensor]:
        self.io(op, 1)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        self.per_tensor(op, x, "input")
        self.per_tensor(op, y, "output")
        return x, y

    def same_quant(self, op: Operator, x: Tensor, y: Tensor) -> None:
        self.need(x.dtype == y.dtype, op, f"input {x.dtype} and output {y.dtype} types differ")
        if x.quant and y.quant:
            self.need(x.quant.scale == y.quant.scale and x.quant.zero_point == y.quant.zero_point, op,
                      "input and output quantization differ (TFLM copies the bytes unchanged)")

    def gather_call(self, op: Operator, x: Tensor, y: Tensor, dims: list[int], in_strides: list[int],
                     start: int, note: str) -> Call:
        self.need(len(dims) <= MAX_DIMS, op, f"more than {MAX_DIMS} dimensions")
        self.need(int(np.prod(dims)) == y.numel, op,
                  f"output {self.shape_str(y.shape)} does not match the computed {self.shape_str(dims)}")
        params = dict(dims=self.right_align(dims), in_strides=[0] * (MAX_DIMS - len(dims)) + in_strides,
                      in_start=start, elem_size=x.itemsize)
        return Call(op, "tslm_strided_copy", "tslm_copy", [T(x.index), T(y.index)], "tslm_gather_params", params,
                    note=note, reads=[x.index], writes=[y.index])

    def lower(self, op: Operator) -> Step:
        handler = self.handlers.get(op.opcode)
        if handler is None:
            supported = ", ".join(sorted(self.handlers))
            raise self.fail(op, "operator not supported by tinyslm",
                            f"use only operators tinyslm compiles: {supported}")
        try:
            return handler(self, op)
        except ScaleError as e:  # raised with no op in hand: say which
            raise self.fail(op, e.what, "re-export the model (its scales come from a broken or edited file)") from None
