"""Write tiny .tflite files by hand (flatbuffers builder + the tflite schema).

For cases TensorFlow's converter does not produce on demand: an int8 -> int8
QUANTIZE, an int8 -> int16 SOFTMAX, per-channel FULLY_CONNECTED, unusual
quantization parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import flatbuffers
import numpy as np
import tflite

TYPES = {"float32": tflite.TensorType.FLOAT32, "int8": tflite.TensorType.INT8, "int16": tflite.TensorType.INT16,
         "int32": tflite.TensorType.INT32, "int64": tflite.TensorType.INT64, "resource": tflite.TensorType.RESOURCE,
         "uint32": tflite.TensorType.UINT32, "uint64": tflite.TensorType.UINT64, "bool": tflite.TensorType.BOOL}


@dataclass
class TDesc:
    shape: tuple[int, ...]
    dtype: str = "int8"
    scale: list[float] | None = None
    zero_point: list[int] | None = None
    axis: int = 0
    data: np.ndarray | None = None
    name: str = "t"
    variable: bool = False  # a variable tensor (state kept across invocations: SVDF, LSTM)


@dataclass
class OpDesc:
    opcode: str
    inputs: list[int]
    outputs: list[int]
    options_type: str | None = None  # e.g. "SoftmaxOptions"
    options: Callable | None = None  # (builder) -> offset of the options table
    extra: dict = field(default_factory=dict)
    custom_options: bytes | None = None  # a custom op's options ("CUSTOM:Name" opcodes), e.g. flex(shift=12)


def flex(**values: object) -> bytes:
    """A custom op's options as TFLM's signal kernels read them: a flexbuffer map (keys in sorted order)."""
    from flatbuffers import flexbuffers

    return bytes(flexbuffers.Dumps(values))


def _vec(b: flatbuffers.Builder, start: Callable, values: list, prepend: str) -> int:
    start(b, len(values))
    for v in reversed(values):
        getattr(b, prepend)(v)
    return b.EndVector()


def build_model(tensors: list[TDesc], ops: list[OpDesc], inputs: list[int], outputs: list[int]) -> bytes:
    b = flatbuffers.Builder(1024)
    # buffers: 0 is the empty sentinel, then one per tensor
    buf_offsets = []
    for t in [None, *tensors]:
        data = None if t is None or t.data is None else np.ascontiguousarray(t.data).tobytes()
        dvec = None
        if data:
            b.StartVector(1, len(data), 16)
            for byte in reversed(data):
                b.PrependUint8(byte)
            dvec = b.EndVector()
        tflite.BufferStart(b)
        if dvec is not None:
            tflite.BufferAddData(b, dvec)
        buf_offsets.append(tflite.BufferEnd(b))
    t_offsets = []
    for i, t in enumerate(tensors):
        name = b.CreateString(t.name + str(i))
        shape = _vec(b, tflite.TensorStartShapeVector, list(t.shape), "PrependInt32")
        q = None
        if t.scale is not None:
            sc = _vec(b, tflite.QuantizationParametersStartScaleVector, [float(s) for s in t.scale], "PrependFloat32")
            zp = _vec(b, tflite.QuantizationParametersStartZeroPointVector,
                      [int(z) for z in (t.zero_point or [0] * len(t.scale))], "PrependInt64")
            tflite.QuantizationParametersStart(b)
            tflite.QuantizationParametersAddScale(b, sc)
            tflite.QuantizationParametersAddZeroPoint(b, zp)
            tflite.QuantizationParametersAddQuantizedDimension(b, t.axis)
            q = tflite.QuantizationParametersEnd(b)
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, TYPES[t.dtype])
        tflite.TensorAddBuffer(b, i + 1)
        tflite.TensorAddName(b, name)
        if q is not None:
            tflite.TensorAddQuantization(b, q)
        if t.variable:
            tflite.TensorAddIsVariable(b, True)
        t_offsets.append(tflite.TensorEnd(b))
    codes = sorted({o.opcode for o in ops})
    code_offsets = []
    custom_names = {c: b.CreateString(c.split(":", 1)[1]) for c in codes if c.startswith("CUSTOM:")}
    for c in codes:
        if c in custom_names:
            tflite.OperatorCodeStart(b)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
            tflite.OperatorCodeAddBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
            tflite.OperatorCodeAddCustomCode(b, custom_names[c])
            tflite.OperatorCodeAddVersion(b, 1)
            code_offsets.append(tflite.OperatorCodeEnd(b))
            continue
        tflite.OperatorCodeStart(b)
        num = getattr(tflite.BuiltinOperator, c)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(num, 127))
        tflite.OperatorCodeAddBuiltinCode(b, num)
        tflite.OperatorCodeAddVersion(b, 1)
        code_offsets.append(tflite.OperatorCodeEnd(b))
    op_offsets = []
    for o in ops:
        opt = o.options(b) if o.options else None
        copt = _vec(b, tflite.OperatorStartCustomOptionsVector, list(o.custom_options), "PrependUint8") \
            if o.custom_options is not None else None
        ins = _vec(b, tflite.OperatorStartInputsVector, o.inputs, "PrependInt32")
        outs = _vec(b, tflite.OperatorStartOutputsVector, o.outputs, "PrependInt32")
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, codes.index(o.opcode))
        tflite.OperatorAddInputs(b, ins)
        tflite.OperatorAddOutputs(b, outs)
        if opt is not None:
            tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, o.options_type))
            tflite.OperatorAddBuiltinOptions(b, opt)
        if copt is not None:
            tflite.OperatorAddCustomOptions(b, copt)
            tflite.OperatorAddCustomOptionsFormat(b, tflite.CustomOptionsFormat.FLEXBUFFERS)
        op_offsets.append(tflite.OperatorEnd(b))
    tv = _vec(b, tflite.SubGraphStartTensorsVector, t_offsets, "PrependUOffsetTRelative")
    ov = _vec(b, tflite.SubGraphStartOperatorsVector, op_offsets, "PrependUOffsetTRelative")
    iv = _vec(b, tflite.SubGraphStartInputsVector, inputs, "PrependInt32")
    outv = _vec(b, tflite.SubGraphStartOutputsVector, outputs, "PrependInt32")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tv)
    tflite.SubGraphAddOperators(b, ov)
    tflite.SubGraphAddInputs(b, iv)
    tflite.SubGraphAddOutputs(b, outv)
    sg = tflite.SubGraphEnd(b)
    sgv = _vec(b, tflite.ModelStartSubgraphsVector, [sg], "PrependUOffsetTRelative")
    cv = _vec(b, tflite.ModelStartOperatorCodesVector, code_offsets, "PrependUOffsetTRelative")
    bv = _vec(b, tflite.ModelStartBuffersVector, buf_offsets, "PrependUOffsetTRelative")
    desc = b.CreateString("built by tinyslm tests")
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, cv)
    tflite.ModelAddSubgraphs(b, sgv)
    tflite.ModelAddDescription(b, desc)
    tflite.ModelAddBuffers(b, bv)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def softmax_options(beta: float) -> Callable:
    def make(b: flatbuffers.Builder) -> int:
        tflite.SoftmaxOptionsStart(b)
        tflite.SoftmaxOptionsAddBeta(b, beta)
        return tflite.SoftmaxOptionsEnd(b)

    return make


def fc_options(activation: int = 0) -> Callable:
    def make(b: flatbuffers.Builder) -> int:
        tflite.FullyConnectedOptionsStart(b)
        tflite.FullyConnectedOptionsAddFusedActivationFunction(b, activation)
        return tflite.FullyConnectedOptionsEnd(b)

    return make


def conv2d_options(stride: int = 1, padding: str = "VALID", activation: int = 0) -> Callable:
    def make(b: flatbuffers.Builder) -> int:
        tflite.Conv2DOptionsStart(b)
        tflite.Conv2DOptionsAddPadding(b, getattr(tflite.Padding, padding))
        tflite.Conv2DOptionsAddStrideW(b, stride)
        tflite.Conv2DOptionsAddStrideH(b, stride)
        tflite.Conv2DOptionsAddDilationWFactor(b, 1)
        tflite.Conv2DOptionsAddDilationHFactor(b, 1)
        tflite.Conv2DOptionsAddFusedActivationFunction(b, activation)
        return tflite.Conv2DOptionsEnd(b)

    return make


def conv2d_model(hw: tuple[int, int], k: tuple[int, int], cin: int, cout: int, stride: int, padding: str, act: int,
                 zp_out: int, scale_out: float, seed: int) -> bytes:
    """One CONV_2D with random int8 weights, per-channel scales and an int32 bias (seeded), the input's scale 0.05
    and zero point -9, the output's zero point and scale chosen (the scale sets relu6's act_max)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (cout, *k, cin)).astype(np.int8)
    ws = list(rng.uniform(0.002, 0.01, cout))
    bias = rng.integers(-3000, 3000, cout).astype(np.int32)
    if padding == "SAME":
        oh, ow = -(-hw[0] // stride), -(-hw[1] // stride)
    else:
        oh, ow = (hw[0] - k[0]) // stride + 1, (hw[1] - k[1]) // stride + 1
    return build_model([TDesc((1, *hw, cin), "int8", [0.05], [-9]),
                        TDesc((cout, *k, cin), "int8", ws, [0] * cout, 0, w),
                        TDesc((cout,), "int32", [0.05 * s for s in ws], [0] * cout, 0, bias),
                        TDesc((1, oh, ow, cout), "int8", [scale_out], [zp_out])],
                       [OpDesc("CONV_2D", [0, 1, 2], [3], "Conv2DOptions",
                               conv2d_options(stride=stride, padding=padding, activation=act))], [0], [3])
