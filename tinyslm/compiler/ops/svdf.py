"""SVDF: TFLM's integer SVDF (int8 input and output, int16 time weights and state) -> tslm_svdf_s8. The state
input is a variable tensor: the planner keeps it in the model's state area across invocations."""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import Operator, Tensor
from ..lowering import Call, KernelParams, Lowering, Scratch, Step, T
from ..quantization import quantize_multiplier
from . import register

# What this module compiles, per opcode: "<types of the int8/int16/float32 columns> | <other types>: note"
# (python -m tinyslm.compiler.optable lays it out in README.md).
SUPPORT: dict[str, str] = {
    "SVDF": "int8 float32: state a variable tensor kept across invocations, any rank; int8: int16 time weights and "
            "state",
}


@dataclass
class SvdfParams(KernelParams):
    C_TYPE = "tslm_svdf_params"
    batches: int
    input_size: int
    filters: int
    rank: int
    memory: int
    input_zero_point: int
    state_zero_point: int
    output_zero_point: int
    multiplier_1: int
    shift_1: int
    multiplier_2: int
    shift_2: int


def _shapes(lw: Lowering, op: Operator, x: Tensor, wf: Tensor, wt: Tensor, st: Tensor, y: Tensor
            ) -> tuple[int, int, int, int, int, int]:
    """The checks both types share: (batches, input size, filters, rank, memory, units)."""
    lw.need(st.is_variable, op, "the state (input 4) must be a variable tensor", tensor=st.index)
    rank = int(op.options.get("rank", 1))
    lw.need(len(x.shape) == 2 and len(wf.shape) == 2 and len(wt.shape) == 2, op,
            "input, feature weights and time weights must be 2-D")
    batches, input_size = x.shape
    filters, memory = wt.shape
    lw.need(rank >= 1 and filters % rank == 0, op, f"{filters} filters are not a multiple of rank {rank}")
    units = filters // rank
    lw.need(tuple(wf.shape) == (filters, input_size), op,
            f"feature weights {lw.shape_str(wf.shape)} are not {filters}x{input_size}", tensor=wf.index)
    lw.need(st.numel == batches * filters * memory, op,
            f"state {lw.shape_str(st.shape)} does not hold {batches}x{filters}x{memory} values", tensor=st.index)
    lw.need(y.numel == batches * units, op, f"output {lw.shape_str(y.shape)} does not hold {batches}x{units} values")
    return batches, input_size, filters, rank, memory, units


@register("SVDF")
def svdf(lw: Lowering, op: Operator) -> Step:
    lw.io(op, 5)
    if lw.is_float(op):
        return _svdf_f32(lw, op)
    x = lw.dtype(op, op.inputs[0], ("int8",), "input")
    wf = lw.dtype(op, op.inputs[1], ("int8",), "feature weights")
    wt = lw.dtype(op, op.inputs[2], ("int16",), "time weights")
    st = lw.dtype(op, op.inputs[4], ("int16",), "state")
    y = lw.dtype(op, op.outputs[0], ("int8",), "output")
    for t, role in ((x, "input"), (wf, "feature weights"), (wt, "time weights"), (st, "state"), (y, "output")):
        lw.per_tensor(op, t, role)
    batches, input_size, filters, rank, memory, units = _shapes(lw, op, x, wf, wt, st, y)
    bias_idx = op.inputs[3]
    # (TFLM's interpreter crashes on an integer SVDF without one: nothing to be bit-exact with)
    lw.need(bias_idx >= 0, op, "an SVDF without a bias, on which TFLM's kernel crashes",
            "give the SVDF a bias (zeros)")
    b = lw.dtype(op, bias_idx, ("int32",), "bias")
    lw.need(b.numel == units, op, f"bias has {b.numel} values for {units} units", tensor=bias_idx)
    act = op.options.get("fused_activation_function", "NONE")
    m1, s1 = quantize_multiplier(float(x.scale) * float(wf.scale) / float(st.scale))
    m2, s2 = quantize_multiplier(float(st.scale) * float(wt.scale) / float(y.scale))
    params = SvdfParams(batches, input_size, filters, rank, memory, x.zero_point, st.zero_point, y.zero_point,
                        m1, s1, m2, s2)
    return Call(op, "tslm_svdf_s8", "tslm_svdf",
                [T(x.index), T(wf.index), T(wt.index), T(bias_idx), T(st.index),
                 T(y.index), Scratch("int32_t")], params=params,
                macs=batches * filters * (input_size + memory),
                note=f"{units} units x rank {rank}, memory {memory}, {input_size} inputs"
                     + (f" (activation {act} as TFLM's integer kernel: not applied)" if act != "NONE" else ""),
                reads=[x.index, wf.index, wt.index, st.index, bias_idx],
                writes=[st.index, y.index], scratch_bytes=4 * batches * (filters + units))


@dataclass
class SvdfF32Params(KernelParams):
    C_TYPE = "tslm_svdf_f32_params"
    batches: int
    input_size: int
    filters: int
    rank: int
    memory: int
    activation: int


ACTIVATION_CODES = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4}  # (the schema has no sigmoid)


def _svdf_f32(lw: Lowering, op: Operator) -> Call:
    """float32: TFLM's EvalFloatSvdf."""
    x = lw.dtype(op, op.inputs[0], ("float32",), "input")
    wf = lw.dtype(op, op.inputs[1], ("float32",), "feature weights")
    wt = lw.dtype(op, op.inputs[2], ("float32",), "time weights")
    st = lw.dtype(op, op.inputs[4], ("float32",), "state")
    y = lw.dtype(op, op.outputs[0], ("float32",), "output")
    batches, input_size, filters, rank, memory, units = _shapes(lw, op, x, wf, wt, st, y)
    bias_idx = op.inputs[3]
    lw.need(bias_idx >= 0, op, "an SVDF without a bias, on which TFLM's kernel crashes", "give the SVDF a bias (zeros)")
    lw.dtype(op, bias_idx, ("float32",), "bias")
    lw.need(lw.t(bias_idx).numel == units, op, f"bias does not hold {units} values", tensor=bias_idx)
    act = op.options.get("fused_activation_function", "NONE")
    lw.need(act in ACTIVATION_CODES, op, f"activation {act} is not supported")
    params = SvdfF32Params(batches, input_size, filters, rank, memory, ACTIVATION_CODES[act])
    return Call(op, "tslm_svdf_f32", "tslm_svdf",
                [T(x.index), T(wf.index), T(wt.index), T(bias_idx), T(st.index), T(y.index), Scratch("float")], params=params, macs=batches * filters * (input_size + memory),
                note=f"float32, {units} units x rank {rank}, memory {memory}, {input_size} inputs"
                     + (f", {act.lower()}" if act != "NONE" else ""),
                reads=[x.index, wf.index, wt.index, st.index, bias_idx], writes=[st.index, y.index],
                scratch_bytes=4 * batches * filters)
