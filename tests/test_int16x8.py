"""int16x8 (int16 activations, int8 weights) and the quantization quirks TFLM tolerates, on models written
by hand, against the TFLM oracle; the op-zoo's s16_* cases (tests/opzoo.py) cover each op converted by
TensorFlow. Also: int16 ops on the Cortex-M DSP target call the portable kernels."""

from __future__ import annotations

import numpy as np
import pytest
from tflbuild import OpDesc, TDesc, build_model, conv2d_options, fc_options

from tinyslm.compiler import analyze, read_model
from tinyslm.compiler.lowering import Call
from tinyslm.errors import UnsupportedError
from tinyslm.runners.verify import verify_host


def check(model: bytes, n: int = 40, target: str = "portable") -> None:
    report = verify_host(model, n_inputs=n, seed=11, target=target, sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.parametrize("src,dst,in_q,out_q", [
    ("int16", "int32", (0.001, 0), (0.0002, 7)),
    ("int8", "int32", (0.05, -3), (0.5, -100)),
    ("int32", "int8", (0.0004, 11), (0.05, 4)),
    ("int32", "int16", (0.00003, -5), (0.002, 0)),
])
def test_quantize_to_and_from_int32(src, dst, in_q, out_q):
    """TFLM's QUANTIZE requantizes int8/int16 -> int32 and int32 -> int8/int16 (full int32 range in)."""
    model = build_model([TDesc((1, 24), src, [in_q[0]], [in_q[1]]), TDesc((1, 24), dst, [out_q[0]], [out_q[1]])],
                        [OpDesc("QUANTIZE", [0], [1])], [0], [1])
    check(model)


def _conv_with_bias_axis(bias_axis: int) -> bytes:
    rng = np.random.default_rng(2)
    w = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
    ws = [0.01, 0.02, 0.015, 0.03]
    bias = rng.integers(-3000, 3000, 4).astype(np.int32)
    return build_model([TDesc((1, 6, 5, 3), "int8", [0.05], [2]),
                        TDesc((4, 3, 3, 3), "int8", ws, [0] * 4, 0, w),
                        TDesc((4,), "int32", [0.05 * s for s in ws], [0] * 4, bias_axis, bias),
                        TDesc((1, 4, 3, 4), "int8", [0.2], [-5])],
                       [OpDesc("CONV_2D", [0, 1, 2], [3], "Conv2DOptions", conv2d_options())], [0], [3])


def test_bias_with_per_channel_quantization_on_an_out_of_range_axis():
    """An older converter's 1-D bias declares its per-channel scales on axis 3 (the filter's); TFLM runs it."""
    model = _conv_with_bias_axis(3)
    g = read_model(model)
    assert g.tensors[2].quant.axis == 0 and g.tensors[2].quant.per_channel
    check(model)


def test_fully_connected_16x8_with_int32_bias_accumulates_in_32_bits():
    """TFLM picks its accumulator by the bias type: int32 bias -> int32 sums (wrapping), int64 -> int64;
    a large int32 bias makes the two schemes round differently, so the oracle tells them apart."""
    rng = np.random.default_rng(4)
    w = rng.integers(-127, 128, (6, 40)).astype(np.int8)
    bias = rng.integers(-(1 << 24), 1 << 24, 6).astype(np.int32)
    model = build_model([TDesc((2, 40), "int16", [0.0005], [0]), TDesc((6, 40), "int8", [0.01], [0], 0, w),
                         TDesc((6,), "int32", [0.000005], [0], 0, bias), TDesc((2, 6), "int16", [0.02], [0])],
                        [OpDesc("FULLY_CONNECTED", [0, 1, 2], [3], "FullyConnectedOptions", fc_options())], [0], [3])
    _, plan = analyze(model)
    calls = [s for s in plan.steps if isinstance(s, Call)]
    assert calls[0].func == "tslm_fully_connected_s16" and calls[0].params.acc32 == 1
    check(model)


@pytest.mark.parametrize("name", ["s16_conv_3x3_same_relu", "s16_depthwise_mult2_stride2", "s16_dense_rows_relu",
                                  "s16_add_broadcast_relu", "s16_leaky_relu"])
def test_int16_ops_take_the_portable_kernels_on_every_target(name, zoo):
    from tinyslm.compiler.targets import TARGETS

    assert len(TARGETS) >= 2
    for target in TARGETS:  # portable, cortex-m-dsp, helium...
        _, plan = analyze(zoo(name), target)
        funcs = [s.func for s in plan.steps if isinstance(s, Call)]
        assert funcs and all(f.startswith("tslm_") and f.endswith("_s16") and "dsp" not in f and "mve" not in f
                             for f in funcs), (target, funcs)


@pytest.mark.parametrize("opcode", ["ADD", "SUB"])
def test_int16_add_sub_with_zero_points_and_no_options(opcode):
    """TFLM Micro takes the general int16 path (left shift 15) for any zero points, and ignores
    pot_scale_int16 (here: no options table at all, whose default says power-of-two scales)."""
    model = build_model([TDesc((1, 3, 8), "int16", [0.0007], [120]), TDesc((1, 1, 8), "int16", [0.0003], [-45]),
                         TDesc((1, 3, 8), "int16", [0.001], [7])],
                        [OpDesc(opcode, [0, 1], [2])], [0, 1], [2])
    check(model)


def _transpose_conv_options(stride: int, padding: str, activation: int):
    import tflite

    def make(b):
        tflite.TransposeConvOptionsStart(b)
        tflite.TransposeConvOptionsAddPadding(b, getattr(tflite.Padding, padding))
        tflite.TransposeConvOptionsAddStrideW(b, stride)
        tflite.TransposeConvOptionsAddStrideH(b, stride)
        tflite.TransposeConvOptionsAddFusedActivationFunction(b, activation)
        return tflite.TransposeConvOptionsEnd(b)

    return make


@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_transpose_conv_fused_relu_with_zero_point_0(dtype):
    """A fused RELU that clamps (output zero point 0, so half the sums are negative): older TFLM ignored the
    activation of a quantized TRANSPOSE_CONV, the oracle applies it; the int16 case also takes an int64 bias."""
    rng = np.random.default_rng(1)
    w = rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8)
    bias = rng.integers(-500, 500, 3).astype(np.int32 if dtype == "int8" else np.int64)
    s8 = dtype == "int8"
    model = build_model([TDesc((4,), "int32", data=np.array([1, 8, 8, 3], np.int32)),
                         TDesc((3, 3, 3, 2), "int8", [0.02, 0.03, 0.01], [0, 0, 0], 0, w),
                         TDesc((1, 4, 4, 2), dtype, [0.05 if s8 else 0.0005], [3 if s8 else 0]),
                         TDesc((3,), "int32" if s8 else "int64", [0.001, 0.0015, 0.0005], [0, 0, 0], 0, bias),
                         TDesc((1, 8, 8, 3), dtype, [0.04 if s8 else 0.0004], [0])],
                        [OpDesc("TRANSPOSE_CONV", [0, 1, 2, 3], [4], "TransposeConvOptions",
                                _transpose_conv_options(2, "SAME", 1))], [2], [4])
    check(model, n=10)


def test_16x8_nonzero_int16_zero_points_as_tflm_treats_them():
    """TFLM runs 16x8 models whose int16 zero points are not 0 (the converter never writes one): its CONV_2D
    ignores them (no activation offsets; the output zero point only moves the fused activation's range), its
    FULLY_CONNECTED applies them, per tensor and per channel alike."""
    rng = np.random.default_rng(2)
    w = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
    conv = build_model([TDesc((1, 6, 5, 3), "int16", [0.0005], [11]), TDesc((4, 3, 3, 3), "int8", [0.01], [0], 0, w),
                        TDesc((4,), "int64", [0.000005], [0], 0, rng.integers(-3000, 3000, 4).astype(np.int64)),
                        TDesc((1, 4, 3, 4), "int16", [0.002], [-7])],
                       [OpDesc("CONV_2D", [0, 1, 2], [3], "Conv2DOptions", conv2d_options(activation=1))], [0], [3])
    check(conv, n=10)
    no_bias = build_model([TDesc((1, 6, 5, 3), "int16", [0.0005], [0]), TDesc((4, 3, 3, 3), "int8", [0.01], [0], 0, w),
                           TDesc((1, 4, 3, 4), "int16", [0.002], [0])],
                          [OpDesc("CONV_2D", [0, 1], [2], "Conv2DOptions", conv2d_options())], [0], [2])
    check(no_bias, n=10)  # no bias and no quantized_bias_type: TFLM's 64-bit accumulator
    wd = rng.integers(-127, 128, (5, 12)).astype(np.int8)
    for scales in ([0.01], [0.01, 0.02, 0.005, 0.01, 0.03]):  # per tensor, per channel
        dense = build_model([TDesc((2, 12), "int16", [0.0005], [-20]),
                             TDesc((5, 12), "int8", scales, [0] * len(scales), 0, wd),
                             TDesc((2, 5), "int16", [0.001], [9])],
                            [OpDesc("FULLY_CONNECTED", [0, 1], [2], "FullyConnectedOptions", fc_options(1))], [0], [2])
        check(dense, n=10)


@pytest.mark.parametrize("opcode", ["LOGISTIC", "TANH"])
def test_int16_logistic_tanh_on_every_input(opcode):
    """int16 LOGISTIC and TANH interpolate TFLM's sigmoid table (tslm_lut.c): all 65,536 inputs against TFLM, for
    power-of-two input scales (TFLM's fixed 3 << shift, and the scales CheckedLog2 rounds to one), others,
    and one large enough to saturate."""
    from tinyslm.runners.oracle import Oracle

    everything = np.arange(-32768, 32768, dtype=np.int16).reshape(1, -1)
    for scale in (2.0 ** -12, 2.0 ** -11, 2.0 ** -12 * 1.0004, 2.0 ** -13, 0.00036834238562732935, 8.594655810156837e-05,
                  1e-6, 0.0123):
        tensors = [TDesc((1, 65536), "int16", [scale], [0], name="x"),
                   TDesc((1, 65536), "int16", [1 / 32768], [0], name="y")]
        m = build_model(tensors, [OpDesc(opcode, [0], [1])], inputs=[0], outputs=[1])
        report = verify_host(m, n_inputs=0, real_inputs=[[everything]])
        assert report.ok, (scale, report.lines())
        assert np.unique(Oracle(m).run([everything])[0]).size > 200, "the scale leaves too few distinct outputs to test"


@pytest.mark.parametrize("opcode,in_q,out_q", [("RELU", (0.001, 0), (0.0007, 0)), ("RELU", (0.0005, 0), (0.002, 0)),
                                               ("RELU6", (0.0005, 0), (0.0005, 0)), ("RELU6", (0.0001, 0), (0.0001, 0))])
def test_int16_relu_rescales_and_relu6_clamps(opcode, in_q, out_q):
    """int16 RELU rescales to the output's scale before clamping at 0; RELU6 clamps in the input's units,
    6 / scale past int16's range included (scale 0.0001), against TFLM on random int16 inputs."""
    tensors = [TDesc((2, 50), "int16", [in_q[0]], [in_q[1]], name="x"),
               TDesc((2, 50), "int16", [out_q[0]], [out_q[1]], name="y")]
    check(build_model(tensors, [OpDesc(opcode, [0], [1])], inputs=[0], outputs=[1]))


def test_int16_relu_refuses_zero_points_as_tflm_does():
    tensors = [TDesc((2, 50), "int16", [0.001], [0], name="x"), TDesc((2, 50), "int16", [0.002], [-3], name="y")]
    with pytest.raises(UnsupportedError, match="RELU .*int16 output has zero point -3 .TFLM requires 0"):
        analyze(build_model(tensors, [OpDesc("RELU", [0], [1])], inputs=[0], outputs=[1]))


@pytest.mark.parametrize("in_q,out_q", [((0.0005, 0), (0.0002, 0)), ((0.01, 0), (0.001, 0)), ((0.0001, 0), (0.01, 0))])
def test_int16_rsqrt_on_every_positive_input(in_q, out_q):
    """int16 RSQRT (layer norms in 16x8 models): TFLM's fixed-point 1/sqrt at run time, against TFLM on every
    input from the zero point up (TFLM refuses the ones below at run time)."""
    everything = np.arange(in_q[1], 32768, dtype=np.int16).reshape(1, -1)
    tensors = [TDesc(everything.shape, "int16", [in_q[0]], [in_q[1]], name="x"),
               TDesc(everything.shape, "int16", [out_q[0]], [out_q[1]], name="y")]
    m = build_model(tensors, [OpDesc("RSQRT", [0], [1])], inputs=[0], outputs=[1])
    report = verify_host(m, n_inputs=0, real_inputs=[[everything]], sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.parametrize("dtype,in_q,out_q", [("int8", (0.0006195626920089126, 0), (0.06101229786872864, 0)),
                                              ("int8", (0.0005057482048869133, 0), (0.13301979005336761, 0)),
                                              ("int16", (0.00020112085621804, 0), (6.992020644247532e-05, 0))])
def test_rsqrt_multiplier_ties(dtype, in_q, out_q):
    """Scales where RSQRT's output multiplier taken in float32 (as tinyslm did) and in double (as TFLM does)
    round a value differently (found by the int16x8 fuzzer: graph 79 of seed 12), on every non-negative input."""
    top = 128 if dtype == "int8" else 32768
    everything = np.arange(0, top, dtype=dtype).reshape(1, -1)
    tensors = [TDesc(everything.shape, dtype, [in_q[0]], [in_q[1]], name="x"),
               TDesc(everything.shape, dtype, [out_q[0]], [out_q[1]], name="y")]
    m = build_model(tensors, [OpDesc("RSQRT", [0], [1])], inputs=[0], outputs=[1])
    report = verify_host(m, n_inputs=0, real_inputs=[[everything]])
    assert report.ok, report.lines()
