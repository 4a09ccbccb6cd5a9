"""Lower each .tflite operator to one straight-line kernel call.

Every handler checks what it is given (types, shapes, quantization) the way
TFLM's Prepare would, computes everything TFLM computes at Prepare time
(requantization multipliers and shifts, activation ranges, padding, tables),
and returns a :class:`Call`: which C function, its constant parameters, its
tensor arguments, and the scratch it needs. RESHAPE-like ops become an
:class:`Alias` (the output is the input's storage, no copy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import UnsupportedError
from . import fixedpoint as fx
from .ir import Graph, Operator, Tensor
from .quantization import (QRANGE, activation_range, f32, frexp_multiplier, input_radius,
                           quantize_multiplier, quantize_multiplier_greater_than_one,
                           quantize_multiplier_smaller_than_one, tfl_round)

MAX_DIMS = 6


@dataclass
class ConstArray:
    """A constant C array the generated code needs (multipliers, tables...)."""

    name: str
    ctype: str
    values: np.ndarray
    comment: str = ""


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
class Call:
    op: Operator
    func: str
    family: str  # kernel file stem, e.g. "tslm_conv"
    args: list[Any]
    params_type: str | None = None
    params: dict[str, Any] | None = None
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


TARGETS = ("portable", "cortex-m-dsp")


@dataclass
class Alias:
    """The output tensor is the input tensor's bytes under another shape."""

    op: Operator
    src: int
    dst: int


Step = Call | Alias


def interleave_pairs(rows: np.ndarray, per_group: int) -> np.ndarray:
    """Weights for the DSP GEMM kernels (firmware/kernels/cortex_m_dsp/tslm_dsp.h): each row
    padded with zeros to a multiple of four; within each group, every pair of output channels
    stored four bytes of one, four of the other; an odd last channel of a group keeps its row.

    >>> interleave_pairs(np.arange(12).reshape(2, 6) + 1, 2).tolist()
    [1, 2, 3, 4, 7, 8, 9, 10, 5, 6, 0, 0, 11, 12, 0, 0]
    >>> interleave_pairs(np.arange(3).reshape(3, 1) + 1, 3).tolist()
    [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]
    """
    oc, k = rows.shape
    k4 = -(-k // 4) * 4
    padded = np.zeros((oc, k4), dtype=rows.dtype)
    padded[:, :k] = rows
    out = []
    for g0 in range(0, oc, per_group):
        c = g0
        while c + 2 <= g0 + per_group:
            out.append(np.stack([padded[c].reshape(-1, 4), padded[c + 1].reshape(-1, 4)], axis=1).reshape(-1))
            c += 2
        if c < g0 + per_group:
            out.append(padded[c])
    return np.concatenate(out)


def widen_depthwise(w: np.ndarray) -> np.ndarray:
    """Depthwise weights (taps x channels, int8) for the DSP kernel: channels padded to a
    multiple of four; for each group of four channels and each tap, the int16 pairs (c0, c2)
    and (c1, c3), the order SXTB16 gives the activations.

    >>> widen_depthwise(np.array([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])).tolist()
    [1, 3, 2, 4, 6, 8, 7, 9, 5, 0, 0, 0, 10, 0, 0, 0]
    """
    taps, c = w.shape
    c4 = -(-c // 4) * 4
    padded = np.zeros((taps, c4), dtype=np.int64)
    padded[:, :c] = w
    groups = padded.reshape(taps, c4 // 4, 4).transpose(1, 0, 2)  # group x tap x 4
    return groups[:, :, [0, 2, 1, 3]].reshape(-1)


FC_DEPTH_CHUNK = 1024  # input features the DSP FULLY_CONNECTED widens at a time (scratch: 4 or 8 KB at most)


def conv_dsp_scratch(k: int, im2col: bool) -> int:
    """Scratch of the DSP CONV_2D: two pixels widened (16 bytes per group of four k), and with
    im2col their two int8 columns."""
    return 16 * (-(-k // 4)) + (2 * k if im2col else 0)


def dsp_requant(bias: np.ndarray, multipliers: list[int], shifts: list[int],
                abs_weight_sums: np.ndarray) -> tuple[np.ndarray, bool]:
    """Per-channel requantization records for the DSP kernels (4 int32 each, see tslm_dsp.h).

    Fast records {2 * bias, multiplier, r, 2^(r-1)} when every channel shifts right (r >= 1)
    and 2 * (accumulator + bias) cannot overflow for any int8 input (|bias| + 128 * sum |w|
    < 2^30); otherwise TFLM's {bias, multiplier, shift, 0}.

    >>> rec, fast = dsp_requant(np.array([-5, 7]), [1 << 30, 1 << 30], [-3, -1], np.array([10, 20]))
    >>> fast, rec.tolist()
    (True, [-10, 1073741824, 3, 4, 14, 1073741824, 1, 1])
    >>> dsp_requant(np.array([0]), [1 << 30], [0], np.array([1]))[1]
    False
    """
    fast = all(s <= -1 for s in shifts) and all(
        abs(int(b)) + 128 * int(a) < (1 << 30) for b, a in zip(bias, abs_weight_sums))
    if fast:
        rows = [[2 * int(b), m, -s, 1 << (-s - 1)] for b, m, s in zip(bias, multipliers, shifts)]
    else:
        rows = [[int(b), m, s, 0] for b, m, s in zip(bias, multipliers, shifts)]
    return np.array(rows, dtype=np.int64).reshape(-1), fast


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


def binary_element(opcode: str, p: dict[str, Any], a: int, b: int) -> int:
    """One output of ADD, SUB, MUL or SQUARED_DIFFERENCE for int8 inputs a and b, with the
    parameters of tslm_binary_params, the integer steps of TFLM's reference kernels.

    >>> p = dict(in1_offset=0, in2_offset=0, output_offset=0, left_shift=0, output_multiplier=1 << 30,
    ...          output_shift=1, act_min=-128, act_max=127)
    >>> binary_element("MUL", p, 5, -7), binary_element("MUL", p, 100, 100)
    (-35, 127)
    """
    if opcode == "MUL":
        acc = (a + p["in1_offset"]) * (b + p["in2_offset"])
    else:
        ls = p["left_shift"]
        r1 = fx.mbqm(fx.wrap32((a + p["in1_offset"]) << ls), p["in1_multiplier"], p["in1_shift"])
        r2 = fx.mbqm(fx.wrap32((b + p["in2_offset"]) << ls), p["in2_multiplier"], p["in2_shift"])
        acc = r1 + r2 if opcode == "ADD" else r1 - r2
        if opcode == "SQUARED_DIFFERENCE":
            acc = fx.wrap32(acc * acc)
    v = fx.mbqm(acc, p["output_multiplier"], p["output_shift"]) + p["output_offset"]
    return max(p["act_min"], min(p["act_max"], v))


class Lowering:
    def __init__(self, graph: Graph, target: str = "portable"):
        self.g = graph
        self.dsp = target == "cortex-m-dsp"
        self.handlers: dict[str, Callable[[Operator], Step]] = {
            "FULLY_CONNECTED": self.fully_connected,
            "CONV_2D": self.conv_2d,
            "DEPTHWISE_CONV_2D": self.depthwise_conv_2d,
            "AVERAGE_POOL_2D": self.pool,
            "MAX_POOL_2D": self.pool,
            "SOFTMAX": self.softmax,
            "RESHAPE": self.reshape,
            "SQUEEZE": self.reshape,
            "EXPAND_DIMS": self.reshape,
            "ADD": self.binary,
            "SUB": self.binary,
            "MUL": self.binary,
            "SQUARED_DIFFERENCE": self.binary,
            "MEAN": self.mean,
            "BATCH_MATMUL": self.batch_matmul,
            "TRANSPOSE": self.transpose,
            "CONCATENATION": self.concatenation,
            "STRIDED_SLICE": self.strided_slice,
            "SLICE": self.slice,
            "PAD": self.pad,
            "PADV2": self.pad,
            "LOGISTIC": self.logistic,
            "TANH": self.tanh,
            "RSQRT": self.rsqrt,
            "RELU": self.relu,
            "RELU6": self.relu,
            "RELU_N1_TO_1": self.relu,
            "QUANTIZE": self.quantize,
            "DEQUANTIZE": self.dequantize,
        }

    # ----------------------------------------------------------------- helpers
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
            if t.dtype == "float32" and any(self.t(i).dtype == "int8" for i in op.inputs if i >= 0):
                what = (f"{role} is float32 while weights are int8: this is a hybrid (dynamic range) "
                        "quantized model, which tinyslm does not compile")
                raise self.fail(op, what, hint, index)
            raise self.fail(op, f"{role} has type {t.dtype}; this op supports {'/'.join(allowed)}", hint, index)
        if t.dtype in ("int8", "int16", "uint8") and t.quant is None:
            raise self.fail(op, f"{role} is {t.dtype} without quantization parameters", tensor=index)
        return t

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

    def lower(self, op: Operator) -> Step:
        handler = self.handlers.get(op.opcode)
        if handler is None:
            supported = ", ".join(sorted(self.handlers))
            raise self.fail(op, "operator not supported by tinyslm",
                            f"use only operators tinyslm compiles: {supported}")
        return handler(op)

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
                          f"bias + input offset ({offset}) x sum of weights, per output channel")

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
                          f"requantization per output channel: {kind} (bias includes the input offset)"), fast

    # -------------------------------------------------------------------- ops
    def fully_connected(self, op: Operator) -> Step:
        self.io(op, 2)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        w = self.dtype(op, op.inputs[1], ("int8",), "weights")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
        if bias_idx >= 0:
            self.dtype(op, bias_idx, ("int32",), "bias")
        self.per_tensor(op, x, "input")
        self.per_tensor(op, y, "output")
        self.need(len(w.shape) == 2, op, f"weights must be 2-D, got {self.shape_str(w.shape)}", tensor=w.index)
        out_depth, depth = w.shape
        self.need(x.numel % depth == 0, op,
                  f"input {self.shape_str(x.shape)} is not a whole number of {depth}-long rows", tensor=x.index)
        batches = x.numel // depth
        self.need(y.numel == batches * out_depth, op,
                  f"output {self.shape_str(y.shape)} does not hold {batches}x{out_depth} values", tensor=y.index)
        if bias_idx >= 0:
            self.need(self.t(bias_idx).numel == out_depth, op, "bias length differs from output features",
                      tensor=bias_idx)
        per_channel = w.quant is not None and w.quant.per_channel
        if per_channel:
            self.need(w.quant.axis == 0, op, "per-channel weights must be quantized along axis 0", tensor=w.index)
        wscales = w.quant.scale if per_channel else w.quant.scale[:1]
        reals = [float(x.scale) * float(ws) / float(y.scale) for ws in wscales]
        mult, shift = self.requant_arrays(op, reals)
        act = op.options.get("fused_activation_function", "NONE")
        lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
        fold = w.is_const and (bias_idx < 0 or self.t(bias_idx).is_const)
        consts = [mult, shift]
        bias_arg: Any = T(bias_idx) if bias_idx >= 0 else Lit("NULL")
        if fold:
            fb = self.folded_bias(op, w, bias_idx, -x.zero_point, 0, -w.quant.zero_point[0])
            consts.append(fb)
            bias_arg = Ref(fb.name)
        params = dict(batches=batches, accum_depth=depth, output_depth=out_depth,
                      input_offset=0 if fold else -x.zero_point, filter_offset=-w.quant.zero_point[0],
                      output_offset=y.zero_point, multiplier=Ref(mult.name), shift=Ref(shift.name),
                      per_channel=int(per_channel), act_min=lo, act_max=hi, requant="NULL", requant_fast=0,
                      depth_chunk=0)
        note = f"{batches}x{depth} . {depth}x{out_depth}" + (f", {act.lower()}" if act != "NONE" else "")
        w_arg: Any = T(w.index)
        scratch = 0
        if self.dsp and fold and w.quant.zero_point[0] == 0:
            # DSP: records instead of bias/multiplier/shift, weight pairs interleaved, rows widened in scratch
            rec, fast = self.dsp_records(op, fb, mult, shift, w.data)  # type: ignore[arg-type]
            wt = ConstArray(self.name(op, "filter"), "int8_t", interleave_pairs(w.data, out_depth),  # type: ignore
                            f"tensor {w.index}, output feature pairs interleaved by fours for the DSP kernel")
            consts = [rec, wt]
            chunk = min(-(-depth // 4) * 4, FC_DEPTH_CHUNK)
            params.update(multiplier="NULL", shift="NULL", requant=Ref(rec.name), requant_fast=int(fast),
                          depth_chunk=chunk)
            bias_arg, w_arg = Lit("NULL"), Ref(wt.name)
            scratch = (16 if batches > 1 else 8) * (chunk // 4) + (8 * out_depth if chunk < depth else 0)
        return Call(op, "tslm_fully_connected_s8", "tslm_fully_connected",
                    [T(x.index), w_arg, bias_arg, T(y.index), Scratch("int16_t")],
                    "tslm_fully_connected_params", params, consts, macs=batches * depth * out_depth,
                    note=note, reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                    scratch_bytes=scratch)

    def _padding(self, op: Operator, in_size: int, filt: int, stride: int, dilation: int, out_size: int,
                 axis: str) -> int:
        """ComputePaddingHeightWidth for one axis; checks the output size."""
        self.need(stride >= 1 and dilation >= 1, op, f"stride and dilation must be >= 1 ({axis})")
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

    def _conv_common(self, op: Operator, depthwise: bool) -> tuple[Tensor, Tensor, Tensor, int, dict[str, Any]]:
        self.io(op, 2)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        w = self.dtype(op, op.inputs[1], ("int8",), "filter")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        bias_idx = op.inputs[2] if len(op.inputs) > 2 else -1
        if bias_idx >= 0:
            self.dtype(op, bias_idx, ("int32",), "bias")
        self.per_tensor(op, x, "input")
        self.per_tensor(op, y, "output")
        for t, role in ((x, "input"), (w, "filter"), (y, "output")):
            self.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {self.shape_str(t.shape)}", tensor=t.index)
        self.need(all(z == 0 for z in w.quant.zero_point), op, "int8 filters must be symmetric (zero point 0)",
                  tensor=w.index)
        o = op.options
        sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
        dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
        fh, fw = w.shape[1], w.shape[2]
        pad_h = self._padding(op, x.shape[1], fh, sh, dh, y.shape[1], "height")
        pad_w = self._padding(op, x.shape[2], fw, sw, dw, y.shape[2], "width")
        oc = y.shape[3]
        self.need(x.shape[0] == y.shape[0], op, "batch of input and output differ")
        qaxis = 3 if depthwise else 0
        n_scales = len(w.quant.scale)
        self.need(n_scales in (1, oc) and (n_scales == 1 or w.quant.axis == qaxis), op,
                  f"filter has {n_scales} scales on axis {w.quant.axis}; expected 1 or {oc} on axis {qaxis}",
                  tensor=w.index)
        scales = [w.quant.scale[c if n_scales > 1 else 0] for c in range(oc)]
        reals = [float(x.scale) * float(s) / float(y.scale) for s in scales]
        mult, shift = self.requant_arrays(op, reals)
        act = o.get("fused_activation_function", "NONE")
        lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
        common = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], input_c=x.shape[3],
                      filter_h=fh, filter_w=fw, output_h=y.shape[1], output_w=y.shape[2], output_c=oc,
                      stride_h=sh, stride_w=sw, dilation_h=dh, dilation_w=dw, pad_h=pad_h, pad_w=pad_w,
                      input_offset=-x.zero_point, output_offset=y.zero_point,
                      multiplier=Ref(mult.name), shift=Ref(shift.name), act_min=lo, act_max=hi)
        note = (f"{fh}x{fw} stride {sh}x{sw} dilation {dh}x{dw} {o.get('padding', 'VALID')} "
                f"(pad {pad_h},{pad_w})" + (f", {act.lower()}" if act != "NONE" else ""))
        fold = w.is_const and (bias_idx < 0 or self.t(bias_idx).is_const)
        common["_consts"] = [mult, shift]
        common["bias_folded"] = int(fold)
        common["_bias_arg"] = T(bias_idx) if bias_idx >= 0 else Lit("NULL")
        common["_records"] = None
        if fold:
            fb = self.folded_bias(op, w, bias_idx, -x.zero_point, 3 if depthwise else 0)
            common["_consts"].append(fb)
            common["_bias_arg"] = Ref(fb.name)
            if self.dsp:
                rows = w.data.reshape(-1, oc).T if depthwise else w.data.reshape(oc, -1)  # type: ignore[union-attr]
                common["_records"] = self.dsp_records(op, fb, mult, shift, rows)
        common["requant"], common["requant_fast"] = "NULL", 0
        common["_note"] = note
        return x, w, y, bias_idx, common

    def conv_2d(self, op: Operator) -> Step:
        x, w, y, bias_idx, p = self._conv_common(op, depthwise=False)
        consts, note, bias_arg, records = p.pop("_consts"), p.pop("_note"), p.pop("_bias_arg"), p.pop("_records")
        fc = w.shape[3]
        self.need(fc > 0 and x.shape[3] % fc == 0 and y.shape[3] % (x.shape[3] // fc) == 0, op,
                  f"input channels {x.shape[3]} are not a multiple of filter channels {fc}", tensor=w.index)
        self.need(w.shape[0] == y.shape[3], op, "filter count differs from output channels", tensor=w.index)
        p = {**p, "filter_c": fc}
        order = ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w", "filter_c", "output_h",
                 "output_w", "output_c", "stride_h", "stride_w", "dilation_h", "dilation_w", "pad_h", "pad_w",
                 "input_offset", "output_offset", "multiplier", "shift", "act_min", "act_max", "bias_folded",
                 "in_place", "requant", "requant_fast"]
        p["in_place"] = 0
        macs = y.numel * w.shape[1] * w.shape[2] * fc
        groups = x.shape[3] // fc
        if groups > 1:
            note += f", {groups} groups"
        k_all = w.shape[1] * w.shape[2] * fc
        dsp = records is not None  # the DSP kernel: two pixels widened to int16 at a time
        pointwise = (w.shape[1] == w.shape[2] == 1 and p["stride_h"] == p["stride_w"] == 1 and groups == 1
                     and x.shape[1:3] == y.shape[1:3])
        w_arg: Any = T(w.index)
        if dsp:
            wt = ConstArray(self.name(op, "filter"), "int8_t",
                            interleave_pairs(w.data.reshape(w.shape[0], k_all), y.shape[3] // groups),  # type: ignore
                            f"tensor {w.index}, output channel pairs interleaved by fours for the DSP kernel")
            consts, (rec, fast) = [records[0], wt], records
            p.update(multiplier="NULL", shift="NULL", requant=Ref(rec.name), requant_fast=int(fast))
            w_arg, bias_arg = Ref(wt.name), Lit("NULL")
        return Call(op, "tslm_conv_s8", "tslm_conv",
                    [T(x.index), w_arg, bias_arg, T(y.index), Scratch("int16_t")],
                    "tslm_conv_params", {k: p[k] for k in order}, consts, macs=macs, note=note,
                    reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                    scratch_bytes=conv_dsp_scratch(k_all, w.shape[1] * w.shape[2] > 1) if dsp else 0,
                    inplace=[(x.index, y.index)] if pointwise and y.shape[3] <= x.shape[3] else [],
                    inplace_scratch=0 if dsp else x.shape[3], inplace_params={"in_place": 1})

    def depthwise_conv_2d(self, op: Operator) -> Step:
        x, w, y, bias_idx, p = self._conv_common(op, depthwise=True)
        consts, note, bias_arg, records = p.pop("_consts"), p.pop("_note"), p.pop("_bias_arg"), p.pop("_records")
        self.need(w.shape[0] == 1 and w.shape[3] == y.shape[3], op,
                  f"filter {self.shape_str(w.shape)} must be 1 x H x W x output channels", tensor=w.index)
        ic, oc = x.shape[3], y.shape[3]
        self.need(ic > 0 and oc % ic == 0, op, f"output channels {oc} are not a multiple of input channels {ic}")
        dm = oc // ic
        p = {**p, "depth_multiplier": dm}
        order = ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w", "depth_multiplier",
                 "output_h", "output_w", "output_c", "stride_h", "stride_w", "dilation_h", "dilation_w", "pad_h",
                 "pad_w", "input_offset", "output_offset", "multiplier", "shift", "act_min", "act_max", "bias_folded",
                 "cache_rows", "requant", "requant_fast", "ring_w"]
        p["cache_rows"] = 0
        p["ring_w"] = 0
        in_place_ok = (dm == 1 and p["stride_h"] == p["stride_w"] == 1 and x.shape == y.shape and p["pad_h"] >= 0)
        if dm > 1:
            note += f", depth multiplier {dm}"
            if records is not None:
                return self._depthwise_as_grouped_conv(op, x, w, y, bias_idx, p, consts, note, records)
        w_arg: Any = T(w.index)
        scratch = 0
        fh, fw = w.shape[1], w.shape[2]
        span = (fh - 1) * p["dilation_h"] + 1
        if records is not None and span <= 64:  # the DSP kernel's MAX_SPAN
            # DSP: a window of the filter's span of input rows, zero-point padded and widened to int16
            # (per group of four channels and column, the rows together), read before any output row
            # overwrites them
            ring_w = (y.shape[2] - 1) * p["stride_w"] + (fw - 1) * p["dilation_w"] + 1  # columns -pad_w ...
            scratch = span * ring_w * (-(-ic // 4)) * 8
            wt = ConstArray(self.name(op, "filter"), "int16_t", widen_depthwise(w.data.reshape(fh * fw, oc)),  # type: ignore
                            f"tensor {w.index} widened: per four channels, per tap, the pairs (c0, c2), (c1, c3)")
            consts, (rec, fast) = [records[0], wt], records
            p.update(multiplier="NULL", shift="NULL", requant=Ref(rec.name), requant_fast=int(fast), ring_w=ring_w)
            w_arg, bias_arg = Ref(wt.name, "const int8_t *"), Lit("NULL")
        return Call(op, "tslm_depthwise_conv_s8", "tslm_depthwise_conv",
                    [T(x.index), w_arg, bias_arg, T(y.index), Scratch("int8_t")],
                    "tslm_depthwise_conv_params", {k: p[k] for k in order}, consts,
                    macs=y.numel * fh * fw, note=note,
                    reads=[x.index, w.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                    scratch_bytes=scratch,
                    inplace=[(x.index, y.index)] if in_place_ok else [],
                    inplace_scratch=0 if scratch else (p["pad_h"] + 1) * x.shape[2] * x.shape[3],
                    inplace_params={} if scratch else {"cache_rows": p["pad_h"] + 1})

    def _depthwise_as_grouped_conv(self, op: Operator, x: Tensor, w: Tensor, y: Tensor, bias_idx: int,
                                   p: dict[str, Any], consts: list[ConstArray], note: str,
                                   records: tuple[ConstArray, bool]) -> Call:
        """Depth multiplier > 1 is a grouped CONV_2D with one input channel per group:
        out[oc] = sum_taps w[tap][oc] x[tap][oc // dm] either way. The weights are stored
        transposed (1 x H x W x OC -> OC x H x W x 1) so each output channel is one row for
        the DSP im2col kernel; every quantization constant stays the same."""
        fh, fw, oc = w.shape[1], w.shape[2], w.shape[3]
        rows = np.ascontiguousarray(w.data.reshape(fh, fw, oc).transpose(2, 0, 1)).reshape(oc, fh * fw)  # type: ignore
        wt = ConstArray(self.name(op, "filter"), "int8_t", interleave_pairs(rows, oc // x.shape[3]),
                        f"tensor {w.index} as {oc}x{fh}x{fw}x1 rows, channel pairs interleaved by fours")
        k_all = fh * fw
        params = {k: p[k] for k in ["batches", "input_h", "input_w", "input_c", "filter_h", "filter_w"]}
        params["filter_c"] = 1
        params.update({k: p[k] for k in ["output_h", "output_w", "output_c", "stride_h", "stride_w", "dilation_h",
                                          "dilation_w", "pad_h", "pad_w", "input_offset", "output_offset",
                                          "act_min", "act_max", "bias_folded"]})
        rec, fast = records
        params.update(multiplier="NULL", shift="NULL", in_place=0, requant=Ref(rec.name), requant_fast=int(fast))
        return Call(op, "tslm_conv_s8", "tslm_conv", [T(x.index), Ref(wt.name), Lit("NULL"), T(y.index),
                                                     Scratch("int16_t")],
                    "tslm_conv_params", params, [rec, wt], macs=y.numel * k_all,
                    note=note + f" (as a CONV_2D of {x.shape[3]} groups)",
                    reads=[x.index] + ([bias_idx] if bias_idx >= 0 else []), writes=[y.index],
                    scratch_bytes=conv_dsp_scratch(k_all, k_all > 1))

    def pool(self, op: Operator) -> Step:
        self.io(op, 1)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        for t, role in ((x, "input"), (y, "output")):
            self.need(len(t.shape) == 4, op, f"{role} must be 4-D NHWC, got {self.shape_str(t.shape)}", tensor=t.index)
        self.need(x.shape[0] == y.shape[0] and x.shape[3] == y.shape[3], op, "batch or channels differ")
        o = op.options
        fh, fw = o.get("filter_height", 1), o.get("filter_width", 1)
        sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
        self.need(fh >= 1 and fw >= 1, op, "filter size must be >= 1")
        pad_h = self._padding(op, x.shape[1], fh, sh, 1, y.shape[1], "height")
        pad_w = self._padding(op, x.shape[2], fw, sw, 1, y.shape[2], "width")
        for oy in range(y.shape[1]):  # TFLM fails on a window with no in-image value
            y0 = oy * sh - pad_h
            self.need(max(0, y0) < min(x.shape[1], y0 + fh), op, "a pooling window lies outside the input")
        act = o.get("fused_activation_function", "NONE")
        lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
        params = dict(batches=x.shape[0], input_h=x.shape[1], input_w=x.shape[2], channels=x.shape[3],
                      filter_h=fh, filter_w=fw, output_h=y.shape[1], output_w=y.shape[2], stride_h=sh,
                      stride_w=sw, pad_h=pad_h, pad_w=pad_w, act_min=lo, act_max=hi)
        avg = op.opcode == "AVERAGE_POOL_2D"
        note = f"{fh}x{fw} stride {sh}x{sw} {o.get('padding')}" + (f", {act.lower()}" if act != "NONE" else "")
        return Call(op, "tslm_avg_pool_s8" if avg else "tslm_max_pool_s8", "tslm_pooling",
                    [T(x.index), T(y.index)], "tslm_pool_params", params, note=note,
                    reads=[x.index], writes=[y.index])

    def softmax(self, op: Operator) -> Step:
        self.io(op, 1)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        y = self.dtype(op, op.outputs[0], ("int8", "int16"), "output")
        self.per_tensor(op, x, "input")
        self.need(x.shape == y.shape and len(x.shape) >= 1, op, "input and output shapes differ")
        if y.dtype == "int8":
            self.need(y.zero_point == -128 and abs(y.scale - 1 / 256) < 0.001 / 256, op,
                      "int8 output must have scale 1/256 and zero point -128 (as TFLM requires)", tensor=y.index)
        else:
            self.need(y.zero_point == -32768 and abs(y.scale - 1 / 65536) < 0.001 / 65536, op,
                      "int16 output must have scale 1/65536 and zero point -32768 (as TFLM requires)",
                      tensor=y.index)
        beta = float(op.options.get("beta", 1.0))
        scaled_diff_bits = 5
        real = min(beta * float(x.scale) * (1 << (31 - scaled_diff_bits)), float((1 << 31) - 1))
        mult, left_shift = quantize_multiplier_greater_than_one(real, f"SOFTMAX op {op.index}")
        diff_min = -input_radius(scaled_diff_bits, left_shift)
        table = []
        for d in range(256):
            diff = -d
            if diff >= diff_min:
                rescaled = fx.srdhm(fx.wrap32(diff * (1 << left_shift)), mult)
                table.append(fx.exp_on_negative_values(rescaled, scaled_diff_bits))
            else:
                table.append(0)
        tab = ConstArray(self.name(op, "exp_table"), "int32_t", np.array(table, dtype=np.int64),
                         f"exp(-d * {beta:g} * {x.scale:.6g}) for d = 0..255, Q0.31")
        depth = x.shape[-1]
        params = dict(rows=x.numel // depth, depth=depth, exp_table=Ref(tab.name))
        func = "tslm_softmax_s8" if y.dtype == "int8" else "tslm_softmax_s8_s16"
        return Call(op, func, "tslm_softmax", [T(x.index), T(y.index)], "tslm_softmax_params", params, [tab],
                    note=f"beta {beta:g}, {x.numel // depth} rows of {depth}", reads=[x.index], writes=[y.index])

    def reshape(self, op: Operator) -> Step:
        self.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expected one data input and one output")
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self.need(x.dtype == y.dtype and x.numel == y.numel, op,
                  f"cannot view {x.describe()} as {y.describe()}")
        if x.quant and y.quant:
            self.need(x.quant.scale == y.quant.scale and x.quant.zero_point == y.quant.zero_point, op,
                      "input and output quantization differ, so a reshape would change values")
        return Alias(op, x.index, y.index)

    def binary(self, op: Operator) -> Step:
        self.io(op, 2)
        a = self.dtype(op, op.inputs[0], ("int8",), "input 1")
        b = self.dtype(op, op.inputs[1], ("int8",), "input 2")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        for t, role in ((a, "input 1"), (b, "input 2"), (y, "output")):
            self.per_tensor(op, t, role)
        rank = max(len(a.shape), len(b.shape))
        self.need(rank <= MAX_DIMS, op, f"more than {MAX_DIMS} dimensions")
        sa, sb = self.right_align(a.shape, rank), self.right_align(b.shape, rank)
        out = []
        for da, db in zip(sa, sb):
            self.need(da == db or da == 1 or db == 1, op,
                      f"shapes {self.shape_str(a.shape)} and {self.shape_str(b.shape)} do not broadcast")
            out.append(max(da, db))
        self.need(self.right_align(y.shape, rank) == out and y.numel == int(np.prod(out)), op,
                  f"output {self.shape_str(y.shape)} is not the broadcast shape {self.shape_str(out)}")
        dims = self.right_align(out)
        pa, pb = self.right_align(sa), self.right_align(sb)
        st_a, st_b = self.strides(pa), self.strides(pb)
        st_a = [0 if pa[d] == 1 and dims[d] != 1 else st_a[d] for d in range(MAX_DIMS)]
        st_b = [0 if pb[d] == 1 and dims[d] != 1 else st_b[d] for d in range(MAX_DIMS)]
        dims, st_a, st_b = collapse_dims(dims, st_a, st_b)
        act = op.options.get("fused_activation_function", "NONE")
        lo, hi = activation_range(act, y.scale, y.zero_point, "int8")
        p: dict[str, Any] = dict(dims=dims, in1_strides=st_a, in2_strides=st_b, in1_offset=-a.zero_point,
                                 in2_offset=-b.zero_point, output_offset=y.zero_point, left_shift=0,
                                 in1_multiplier=0, in1_shift=0, in2_multiplier=0, in2_shift=0,
                                 output_multiplier=0, output_shift=0, act_min=lo, act_max=hi)
        sa_, sb_, sy = float(a.scale), float(b.scale), float(y.scale)
        what = f"{op.opcode} op {op.index}"
        if op.opcode == "ADD":
            p["left_shift"] = 20
            twice_max = 2 * max(sa_, sb_)
            m1 = quantize_multiplier_smaller_than_one(sa_ / twice_max, what)
            m2 = quantize_multiplier_smaller_than_one(sb_ / twice_max, what)
            mo = quantize_multiplier_smaller_than_one(twice_max / ((1 << 20) * sy), what)
        elif op.opcode == "SUB":  # TFLM computes these in float32
            p["left_shift"] = 20
            twice_max = f32(2) * max(f32(sa_), f32(sb_))
            m1 = quantize_multiplier_smaller_than_one(float(f32(sa_) / twice_max), what)
            m2 = quantize_multiplier_smaller_than_one(float(f32(sb_) / twice_max), what)
            mo = quantize_multiplier_smaller_than_one(float(twice_max / (f32(1 << 20) * f32(sy))), what)
        elif op.opcode == "SQUARED_DIFFERENCE":
            p["left_shift"] = 7
            twice_max = 2 * max(sa_, sb_)
            m1 = quantize_multiplier_smaller_than_one(sa_ / twice_max, what)
            m2 = quantize_multiplier_smaller_than_one(sb_ / twice_max, what)
            mo = quantize_multiplier((twice_max * twice_max) / float(f32(1 << 14) * f32(sy)))
            p["act_min"], p["act_max"] = QRANGE["int8"]
        else:  # MUL
            m1 = m2 = (0, 0)
            mo = quantize_multiplier(sa_ * sb_ / sy)
        p.update(in1_multiplier=m1[0], in1_shift=m1[1], in2_multiplier=m2[0], in2_shift=m2[1],
                 output_multiplier=mo[0], output_shift=mo[1])
        func = {"ADD": "tslm_add_s8", "SUB": "tslm_sub_s8", "MUL": "tslm_mul_s8",
                "SQUARED_DIFFERENCE": "tslm_squared_difference_s8"}[op.opcode]
        bcast = list(a.shape) != list(b.shape)
        note = (f"{self.shape_str(a.shape)} {'with' if bcast else 'and'} {self.shape_str(b.shape)}"
                + (" (broadcast)" if bcast else "") + (f", {act.lower()}" if act != "NONE" else ""))
        for var, const, first in ((a, b, False), (b, a, True)):
            # One operand a constant with a single value: the op is a function of one int8, a table.
            if const.is_const and list(var.shape) == list(y.shape) and np.unique(const.data).size == 1:
                c = int(np.asarray(const.data).reshape(-1)[0])
                return self._lut(op, lambda q: binary_element(op.opcode, p, c, q) if first
                                 else binary_element(op.opcode, p, q, c),
                                 f"{note}: the constant is {c}, so a table of the 256 inputs", x=var)
        if a.index == b.index and list(a.shape) == list(y.shape):  # x op x (a layer norm's square): one int8 too
            return self._lut(op, lambda q: binary_element(op.opcode, p, q, q),
                             f"{note}: both inputs are one tensor, so a table of the 256 inputs", x=a)
        inplace = [(i.index, y.index) for i in (a, b) if list(i.shape) == list(y.shape)]
        return Call(op, func, "tslm_binary", [T(a.index), T(b.index), T(y.index)], "tslm_binary_params", p,
                    note=note, inplace=inplace, reads=[a.index, b.index], writes=[y.index],
                    macs=y.numel if op.opcode in ("MUL", "SQUARED_DIFFERENCE") else 0)

    def _axes(self, op: Operator, index: int, rank: int) -> list[int]:
        axes = [int(v) for v in np.atleast_1d(self.const(op, index, "axis"))]
        out: list[int] = []
        for ax in axes:
            a = ax + rank if ax < 0 else ax
            self.need(0 <= a < rank, op, f"axis {ax} out of range for rank {rank}")
            if a not in out:
                out.append(a)
        return out

    def mean(self, op: Operator) -> Step:
        self.io(op, 2)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        self.per_tensor(op, x, "input")
        self.per_tensor(op, y, "output")
        rank = len(x.shape)
        self.need(1 <= rank <= MAX_DIMS, op, f"input rank {rank} not supported")
        axes = self._axes(op, op.inputs[1], rank)
        kept = [x.shape[d] for d in range(rank) if d not in axes]
        count = int(np.prod([x.shape[d] for d in axes])) if axes else 1
        self.need(y.numel == int(np.prod(kept)) if kept else y.numel == 1, op,
                  f"output {self.shape_str(y.shape)} does not match reducing axes {axes}")
        dims = self.right_align(x.shape)
        out_full = [1 if d in axes else x.shape[d] for d in range(rank)]
        ost = self.strides(out_full)
        ost = [0 if d in axes else ost[d] for d in range(rank)]
        out_strides = [0] * (MAX_DIMS - rank) + ost
        mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
        # QuantizedMeanOrSum folds 1/count into the multiplier.
        s = min(count.bit_length() - 1, 32, 31 + shift)
        mult = (mult << s) // count
        shift = shift - s
        params = dict(dims=dims, out_strides=out_strides, output_count=y.numel, reduce_count=count,
                      input_zero_point=x.zero_point, output_zero_point=y.zero_point, multiplier=mult, shift=shift)
        return Call(op, "tslm_mean_s8", "tslm_reduce", [T(x.index), T(y.index), Scratch("int32_t")],
                    "tslm_reduce_params", params, scratch_bytes=4 * y.numel,
                    note=f"over axes {axes} of {self.shape_str(x.shape)} ({count} values each)",
                    reads=[x.index], writes=[y.index])

    def batch_matmul(self, op: Operator) -> Step:
        self.io(op, 2)
        a = self.dtype(op, op.inputs[0], ("int8",), "lhs")
        b = self.dtype(op, op.inputs[1], ("int8",), "rhs")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        for t, role in ((a, "lhs"), (b, "rhs"), (y, "output")):
            self.per_tensor(op, t, role)
            self.need(2 <= len(t.shape) <= 5, op, f"{role} rank must be 2..5, got {len(t.shape)}", tensor=t.index)
        adj_x, adj_y = bool(op.options.get("adj_x", False)), bool(op.options.get("adj_y", False))
        la, lb = self.right_align(a.shape, 5), self.right_align(b.shape, 5)
        rows, depth = (la[4], la[3]) if adj_x else (la[3], la[4])
        depth_b, cols = (lb[4], lb[3]) if adj_y else (lb[3], lb[4])
        self.need(depth == depth_b, op, f"inner dimensions differ ({depth} vs {depth_b})")
        batch = []
        for d in range(3):
            self.need(la[d] == lb[d] or la[d] == 1 or lb[d] == 1, op, "batch dimensions do not broadcast")
            batch.append(max(la[d], lb[d]))
        self.need(self.right_align(y.shape, 5) == batch + [rows, cols], op,
                  f"output {self.shape_str(y.shape)} is not {self.shape_str(batch + [rows, cols])}")

        def bstrides(shape: list[int]) -> list[int]:
            st = self.strides(shape)[:3]
            return [0 if shape[d] == 1 else st[d] for d in range(3)]

        mult, shift = quantize_multiplier(float(a.scale) * float(b.scale) / float(y.scale))
        lo, hi = QRANGE["int8"]
        params = dict(batch_dims=batch, lhs_batch_strides=bstrides(la), rhs_batch_strides=bstrides(lb),
                      rows=rows, cols=cols, depth=depth,
                      lhs_row_stride=1 if adj_x else depth, lhs_depth_stride=rows if adj_x else 1,
                      rhs_depth_stride=1 if adj_y else cols, rhs_col_stride=depth if adj_y else 1,
                      lhs_offset=-a.zero_point, rhs_offset=-b.zero_point, output_offset=y.zero_point,
                      multiplier=mult, shift=shift, act_min=lo, act_max=hi)
        nb = int(np.prod(batch))
        note = f"{nb} x ({rows}x{depth} . {depth}x{cols})" + (" adj_x" if adj_x else "") + (" adj_y" if adj_y else "")
        n4 = -(-depth // 4)
        scratch = 4 * (4 * n4 + 2 * n4 * cols) if self.dsp else 0  # DSP: two lhs rows, all rhs columns widened
        return Call(op, "tslm_batch_matmul_s8", "tslm_batch_matmul",
                    [T(a.index), T(b.index), T(y.index), Scratch("int32_t")],
                    "tslm_batch_matmul_params", params, macs=nb * rows * cols * depth, note=note,
                    reads=[a.index, b.index], writes=[y.index], scratch_bytes=scratch)

    def _gather_call(self, op: Operator, x: Tensor, y: Tensor, dims: list[int], in_strides: list[int],
                     start: int, note: str) -> Call:
        self.need(len(dims) <= MAX_DIMS, op, f"more than {MAX_DIMS} dimensions")
        self.need(int(np.prod(dims)) == y.numel, op,
                  f"output {self.shape_str(y.shape)} does not match the computed {self.shape_str(dims)}")
        params = dict(dims=self.right_align(dims), in_strides=[0] * (MAX_DIMS - len(dims)) + in_strides,
                      in_start=start, elem_size=x.itemsize)
        return Call(op, "tslm_strided_copy", "tslm_copy", [T(x.index), T(y.index)], "tslm_gather_params", params,
                    note=note, reads=[x.index], writes=[y.index])

    def _same_quant(self, op: Operator, x: Tensor, y: Tensor) -> None:
        self.need(x.dtype == y.dtype, op, f"input {x.dtype} and output {y.dtype} types differ")
        if x.quant and y.quant:
            self.need(x.quant.scale == y.quant.scale and x.quant.zero_point == y.quant.zero_point, op,
                      "input and output quantization differ (TFLM copies the bytes unchanged)")

    def transpose(self, op: Operator) -> Step:
        self.io(op, 2)
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self._same_quant(op, x, y)
        perm = [int(v) for v in self.const(op, op.inputs[1], "permutation")]
        rank = len(x.shape)
        self.need(sorted(perm) == list(range(rank)), op, f"permutation {perm} is not a permutation of {rank} axes")
        st = self.strides(list(x.shape))
        dims = [x.shape[p] for p in perm]
        self.need(list(y.shape) == dims, op, f"output {self.shape_str(y.shape)} is not {self.shape_str(dims)}")
        return self._gather_call(op, x, y, dims, [st[p] for p in perm], 0, f"perm {perm}")

    def strided_slice(self, op: Operator) -> Step:
        self.io(op, 4)
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self._same_quant(op, x, y)
        rank = len(x.shape)
        begin = [int(v) for v in self.const(op, op.inputs[1], "begin")]
        end = [int(v) for v in self.const(op, op.inputs[2], "end")]
        strides = [int(v) for v in self.const(op, op.inputs[3], "strides")]
        o = op.options
        self.need(o.get("ellipsis_mask", 0) == 0 and o.get("new_axis_mask", 0) == 0, op,
                  "ellipsis and new-axis masks are not supported")
        self.need(len(begin) == len(end) == len(strides) <= rank, op, "begin/end/strides lengths differ from rank")
        n = len(begin)
        begin += [0] * (rank - n)
        end += [0] * (rank - n)
        strides += [1] * (rank - n)
        bm, em, sm = o.get("begin_mask", 0), o.get("end_mask", 0), o.get("shrink_axis_mask", 0)
        bm |= sum(1 << d for d in range(n, rank))
        em |= sum(1 << d for d in range(n, rank))
        if o.get("offset", False):
            end = [b + e for b, e in zip(begin, end)]
        ist = self.strides(list(x.shape))
        dims, in_strides, start_off, kept = [], [], 0, []
        for d in range(rank):
            size, step = x.shape[d], strides[d]
            self.need(step != 0, op, "stride 0")
            lo_i, hi_i = -(1 << 31), (1 << 31) - 1
            start = begin[d]
            if bm & (1 << d):
                start = lo_i if step > 0 else hi_i
            if start < 0:
                start += size
            start = min(max(start, 0), size) if step > 0 else min(max(start, -1), size - 1)
            if sm & (1 << d):
                stop = start + 1
            else:
                stop = end[d]
                if em & (1 << d):
                    stop = hi_i if step > 0 else lo_i
                if stop < 0:
                    stop += size
                stop = min(max(stop, 0), size) if step > 0 else min(max(stop, -1), size - 1)
            count = max(0, math.ceil((stop - start) / step))
            if sm & (1 << d):
                self.need(count == 1, op, f"shrunk axis {d} selects no element")
            start_off += max(start, 0) * ist[d] if count else 0
            if not sm & (1 << d):
                kept.append(count)
            dims.append(count)
            in_strides.append(step * ist[d])
        self.need(list(y.shape) == kept, op, f"output {self.shape_str(y.shape)} is not {self.shape_str(kept)}")
        return self._gather_call(op, x, y, dims, in_strides, start_off,
                                 f"begin {begin[:n]} end {end[:n]} strides {strides[:n]}")

    def slice(self, op: Operator) -> Step:
        self.io(op, 3)
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self._same_quant(op, x, y)
        begin = [int(v) for v in self.const(op, op.inputs[1], "begin")]
        size = [int(v) for v in self.const(op, op.inputs[2], "size")]
        rank = len(x.shape)
        self.need(len(begin) == len(size) == rank, op, "begin/size lengths differ from rank")
        size = [x.shape[d] - begin[d] if size[d] == -1 else size[d] for d in range(rank)]
        for d in range(rank):
            self.need(0 <= begin[d] and begin[d] + size[d] <= x.shape[d], op, f"slice out of range on axis {d}")
        ist = self.strides(list(x.shape))
        return self._gather_call(op, x, y, size, ist, sum(b * s for b, s in zip(begin, ist)),
                                 f"begin {begin} size {size}")

    def concatenation(self, op: Operator) -> Step:
        self.need(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "expected inputs and one output")
        y = self.t(op.outputs[0])
        xs = [self.t(i) for i in op.inputs]
        rank = len(y.shape)
        axis = int(op.options.get("axis", 0))
        axis = axis + rank if axis < 0 else axis
        self.need(0 <= axis < rank, op, f"axis {op.options.get('axis')} out of range")
        self.need(op.options.get("fused_activation_function", "NONE") == "NONE", op,
                  "fused activation on CONCATENATION is not supported")
        total = 0
        for x in xs:
            self.need(x.dtype == y.dtype and len(x.shape) == rank, op, f"input {x.describe()} does not match output")
            for d in range(rank):
                if d != axis:
                    self.need(x.shape[d] == y.shape[d], op, f"input {self.shape_str(x.shape)} differs off-axis")
            total += x.shape[axis]
        self.need(total == y.shape[axis], op, "inputs do not add up to the output along the axis")
        outer = int(np.prod(y.shape[:axis])) if axis else 1
        inner = int(np.prod(y.shape[axis + 1:])) if axis + 1 < rank else 1
        sizes = ConstArray(self.name(op, "bytes"), "int32_t",
                           np.array([x.shape[axis] * inner * x.itemsize for x in xs], dtype=np.int64),
                           "bytes each input contributes per outer step")
        params = dict(outer=outer, count=len(xs), bytes=Ref(sizes.name))
        return Call(op, "tslm_concatenation", "tslm_copy", [TList(tuple(x.index for x in xs)), T(y.index)], "tslm_concat_params",
                    params, [sizes], note=f"{len(xs)} inputs on axis {axis}",
                    reads=[x.index for x in xs], writes=[y.index])

    def pad(self, op: Operator) -> Step:
        self.io(op, 2)
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self._same_quant(op, x, y)
        self.need(x.dtype in ("int8", "int16", "float32", "int32"), op, f"type {x.dtype} not supported")
        rank = len(x.shape)
        pads = np.asarray(self.const(op, op.inputs[1], "paddings")).reshape(-1, 2)
        self.need(pads.shape[0] == rank and (pads >= 0).all(), op, "paddings must be non-negative, one pair per axis")
        dims = [int(x.shape[d] + pads[d, 0] + pads[d, 1]) for d in range(rank)]
        self.need(list(y.shape) == dims, op, f"output {self.shape_str(y.shape)} is not {self.shape_str(dims)}")
        if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
            value = np.asarray(self.const(op, op.inputs[2], "constant value")).reshape(-1)[0]
        else:
            value = y.zero_point if y.quant is not None else 0
        ctype = x.ctype
        pv = ConstArray(self.name(op, "pad_value"), ctype, np.array([value]), "value of the border")
        ost = self.strides(dims)
        params = dict(output_bytes=y.nbytes, elem_size=x.itemsize, dims=self.right_align(x.shape),
                      out_strides=[0] * (MAX_DIMS - rank) + ost,
                      out_start=int(sum(int(pads[d, 0]) * ost[d] for d in range(rank))))
        return Call(op, "tslm_pad", "tslm_copy", [T(x.index), Ref(pv.name), T(y.index)], "tslm_pad_params", params,
                    [pv], note=f"paddings {pads.tolist()} value {value}", reads=[x.index], writes=[y.index])

    # --------------------------------------------------- elementwise via LUT
    def _lut(self, op: Operator, fn: Callable[[int], int], note: str, x: Tensor | None = None) -> Call:
        x, y = x or self.t(op.inputs[0]), self.t(op.outputs[0])
        self.need(x.shape == y.shape, op, "input and output shapes differ")
        table = np.array([max(-128, min(127, fn(q))) for q in range(-128, 128)], dtype=np.int64)
        tab = ConstArray(self.name(op, "table"), "int8_t", table, f"{op.opcode.lower()} for inputs -128..127")
        return Call(op, "tslm_lut_s8", "tslm_lut", [Lit(str(x.numel)), Ref(tab.name), T(x.index), T(y.index)],
                    consts=[tab], note=note, inplace=[(x.index, y.index)], reads=[x.index], writes=[y.index])

    def _unary_int8(self, op: Operator) -> tuple[Tensor, Tensor]:
        self.io(op, 1)
        x = self.dtype(op, op.inputs[0], ("int8",), "input")
        y = self.dtype(op, op.outputs[0], ("int8",), "output")
        self.per_tensor(op, x, "input")
        self.per_tensor(op, y, "output")
        return x, y

    def _q4_table(self, op: Operator, scale_denominator: int, zero_point: int, fn: Callable[[int], int],
                  note: str) -> Step:
        """LOGISTIC and TANH: TFLM rescales (x - zp) to Q4.27 with a multiplier from frexp, saturates
        beyond the input radius, and evaluates gemmlowp's fixed-point function; `fn` maps the Q4.27
        value to the int8 output."""
        x, y = self._unary_int8(op)
        self.need(y.zero_point == zero_point and abs(y.scale * scale_denominator - 1) < 1e-3, op,
                  f"int8 output must have scale 1/{scale_denominator} and zero point {zero_point}", tensor=y.index)
        bits = 4
        mult, left_shift = frexp_multiplier(float(x.scale) * (1 << (31 - bits)))
        radius = input_radius(bits, left_shift)

        def f(q: int) -> int:
            v = q - x.zero_point
            if v <= -radius:
                return -128
            if v >= radius:
                return 127
            return fn(fx.mbqm(v, mult, left_shift))

        return self._lut(op, f, note)

    def logistic(self, op: Operator) -> Step:
        return self._q4_table(op, 256, -128, lambda v: fx.rdbpot(fx.logistic(v, 4), 23) - 128, "sigmoid")

    def tanh(self, op: Operator) -> Step:
        return self._q4_table(op, 128, 0, lambda v: fx.rdbpot(fx.tanh(v, 4), 24), "tanh")

    def rsqrt(self, op: Operator) -> Step:
        x, y = self._unary_int8(op)
        # 1 / (sqrt(s_in) * s_out): sqrt and product in float32, reciprocal in double.
        mult, shift = quantize_multiplier(1.0 / float(np.sqrt(f32(x.scale)) * f32(y.scale)))
        k_shift = 20

        def f(q: int) -> int:
            v = q - x.zero_point
            if v <= 0:  # TFLM refuses negative inputs at run time; 0 maps to the maximum
                return 127
            inv_m, inv_s = fx.inv_sqrt_quantized_multiplier_exp(v, -1)
            data = fx.mbqm(1, inv_m, inv_s + k_shift)
            return fx.mbqm(data, mult, shift - k_shift) + y.zero_point

        return self._lut(op, f, "1/sqrt(x)")

    def relu(self, op: Operator) -> Step:
        x, y = self._unary_int8(op)
        if op.opcode == "RELU6":
            zero = x.zero_point
            six = x.zero_point + tfl_round(float(f32(6.0) / f32(x.scale)))
            return self._lut(op, lambda q: min(max(q, zero), six), "relu6")
        mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
        lo_real, hi_real = (0.0, None) if op.opcode == "RELU" else (-1.0, 1.0)
        lo = max(-128, y.zero_point + tfl_round(float(f32(lo_real) / f32(y.scale))))
        hi = 127 if hi_real is None else min(127, y.zero_point + tfl_round(float(f32(hi_real) / f32(y.scale))))

        def f(q: int) -> int:
            v = y.zero_point + fx.mbqm(q - x.zero_point, mult, shift)
            return min(max(v, lo), hi)

        return self._lut(op, f, op.opcode.lower())

    def quantize(self, op: Operator) -> Step:
        self.io(op, 1)
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self.need(x.shape == y.shape, op, "input and output shapes differ")
        self.need(y.dtype in ("int8", "int16") and y.quant is not None, op,
                  f"output type {y.dtype} not supported (int8 or int16)", tensor=y.index)
        self.per_tensor(op, y, "output")
        if x.dtype == "float32":
            func = "tslm_quantize_f32_s8" if y.dtype == "int8" else "tslm_quantize_f32_s16"
            return Call(op, func, "tslm_quantize",
                        [Lit(str(x.numel)), T(x.index), Lit(repr(float(y.scale))), Lit(str(y.zero_point)), T(y.index)],
                        note="float32 -> " + y.dtype, reads=[x.index], writes=[y.index])
        self.need(x.dtype in ("int8", "int16") and x.quant is not None, op,
                  f"input type {x.dtype} not supported", tensor=x.index)
        self.per_tensor(op, x, "input")
        mult, shift = quantize_multiplier(float(x.scale) / float(y.scale))
        if x.dtype == "int8" and y.dtype == "int8":
            return self._lut(op, lambda q: fx.mbqm(q - x.zero_point, mult, shift) + y.zero_point,
                             f"requantize s={x.scale:.6g} zp={x.zero_point} -> s={y.scale:.6g} zp={y.zero_point}")
        params = dict(input_zero_point=x.zero_point, output_zero_point=y.zero_point, multiplier=mult, shift=shift)
        func = {("int8", "int16"): "tslm_requantize_s8_s16", ("int16", "int8"): "tslm_requantize_s16_s8",
                ("int16", "int16"): "tslm_requantize_s16_s16"}[(x.dtype, y.dtype)]
        return Call(op, func, "tslm_quantize", [Lit(str(x.numel)), PARAMS, T(x.index), T(y.index)],
                    "tslm_requantize_params", params, note=f"{x.dtype} -> {y.dtype}",
                    reads=[x.index], writes=[y.index])

    def dequantize(self, op: Operator) -> Step:
        self.io(op, 1)
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        self.need(y.dtype == "float32" and x.dtype in ("int8", "int16") and x.quant is not None, op,
                  f"{x.dtype} -> {y.dtype} is not supported (int8/int16 -> float32)")
        self.per_tensor(op, x, "input")
        func = "tslm_dequantize_s8_f32" if x.dtype == "int8" else "tslm_dequantize_s16_f32"
        return Call(op, func, "tslm_quantize",
                    [Lit(str(x.numel)), T(x.index), Lit(repr(float(f32(x.scale))) + "f"), Lit(str(x.zero_point)),
                     T(y.index)], note=f"{x.dtype} -> float32", reads=[x.index], writes=[y.index])
