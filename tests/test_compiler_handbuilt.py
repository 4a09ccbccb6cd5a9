"""Single-op models written by hand, for paths the TF converter does not take on demand."""

from __future__ import annotations

import numpy as np
import pytest
from tflbuild import OpDesc, TDesc, build_model, conv2d_options, fc_options, softmax_options

from tinyslm.runners.verify import verify_host


def check(model: bytes, n: int = 40) -> None:
    report = verify_host(model, n_inputs=n, seed=7)
    assert report.ok, report.lines()


@pytest.mark.parametrize("in_q,out_q", [((0.05, 3), (0.02, -7)), ((0.01, -128), (0.3, 100)), ((0.5, 0), (0.5, 0)),
                                        ((0.004, 20), (0.00392, -128))])
def test_requantize_int8_to_int8(in_q, out_q):
    model = build_model([TDesc((1, 64), "int8", [in_q[0]], [in_q[1]]), TDesc((1, 64), "int8", [out_q[0]], [out_q[1]])],
                        [OpDesc("QUANTIZE", [0], [1])], [0], [1])
    check(model)


@pytest.mark.parametrize("dtype,q", [("int16", (0.001, 0))])
def test_requantize_int8_to_int16_and_back(dtype, q):
    model = build_model([TDesc((1, 32), "int8", [0.05], [4]), TDesc((1, 32), dtype, [q[0]], [q[1]]),
                         TDesc((1, 32), "int8", [0.07], [-2])],
                        [OpDesc("QUANTIZE", [0], [1]), OpDesc("QUANTIZE", [1], [2])], [0], [2])
    check(model)


@pytest.mark.parametrize("beta,scale,depth", [(1.0, 0.1, 10), (0.5, 0.25, 33), (2.0, 0.02, 5)])
def test_softmax_int8_to_int16(beta, scale, depth):
    model = build_model([TDesc((2, depth), "int8", [scale], [-10]), TDesc((2, depth), "int16", [1 / 65536], [-32768])],
                        [OpDesc("SOFTMAX", [0], [1], "SoftmaxOptions", softmax_options(beta))], [0], [1])
    check(model)


def test_fully_connected_per_channel_weights():
    rng = np.random.default_rng(0)
    out_f, in_f = 6, 20
    w = rng.integers(-127, 128, (out_f, in_f)).astype(np.int8)
    ws = list(rng.uniform(0.001, 0.02, out_f))
    bias = rng.integers(-2000, 2000, out_f).astype(np.int32)
    model = build_model([TDesc((1, in_f), "int8", [0.05], [5]),
                         TDesc((out_f, in_f), "int8", ws, [0] * out_f, 0, w),
                         TDesc((out_f,), "int32", [0.05 * s for s in ws], [0] * out_f, 0, bias),
                         TDesc((1, out_f), "int8", [0.1], [-3])],
                        [OpDesc("FULLY_CONNECTED", [0, 1, 2], [3], "FullyConnectedOptions", fc_options(1))], [0], [3])
    check(model)


def test_graph_output_that_is_a_reshaped_input_is_copied(tmp_path):
    """RESHAPE from a graph input straight to a graph output cannot alias: it becomes a copy."""
    model = build_model([TDesc((1, 12), "int8", [0.1], [1]), TDesc((2,), "int32", data=np.array([3, 4], np.int32)),
                         TDesc((3, 4), "int8", [0.1], [1])],
                        [OpDesc("RESHAPE", [0, 1], [2])], [0], [2])
    check(model, 5)


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_pointwise_conv_with_a_runtime_filter_in_place(target):
    """A 1x1 CONV_2D whose filter is a graph input (not a constant) has no DSP weight layout, and its
    input dies there, so the planner runs it in place. The cortex-m-dsp build once handed that call to a
    copy of TFLM's loop inside the DSP kernel that ignored in-place and gave outputs different from TFLM's;
    now every target calls the portable kernel for it, which keeps each input pixel before overwriting it."""
    from tinyslm.compiler import analyze
    from tinyslm.compiler.lowering import Call

    model = build_model([TDesc((1, 5, 3, 8), "int8", [0.05], [3], name="input"),
                         TDesc((6, 1, 1, 8), "int8", [0.02], [0], name="filter"),
                         TDesc((1, 5, 3, 8), "int8", [0.04], [-1], name="x"),  # in the arena, dies at the conv
                         TDesc((1, 5, 3, 6), "int8", [0.08], [-5], name="y"),  # in the arena too
                         TDesc((1, 5, 3, 6), "int8", [0.1], [2], name="output")],
                        [OpDesc("QUANTIZE", [0], [2]), OpDesc("CONV_2D", [2, 1], [3], "Conv2DOptions", conv2d_options()),
                         OpDesc("QUANTIZE", [3], [4])], [0, 1], [4])
    _, plan = analyze(model, target)
    conv = [s for s in plan.steps if isinstance(s, Call)][1]
    assert conv.family == "tslm_conv" and conv.params["in_place"] == 1  # the case in question
    assert conv.func == "tslm_conv_s8"  # the portable kernel on every target: there is no DSP weight layout
    report = verify_host(model, n_inputs=30, seed=11, target=target, sanitize=True)
    assert report.ok, report.lines()
