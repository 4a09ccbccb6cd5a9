"""Depthwise convolutions in Keras' Conv1D layout (a 1 x K filter over a row of height 1) on the DSP target: the
compiler gives the kernel the transposed geometry (K x 1 over a column of width 1: the same bytes in NHWC), so
they take the column layout's width-1 paths. Checked bit-exactly against TFLM on the Cortex-M4 in QEMU."""

from __future__ import annotations

import shutil

import pytest

from tinyslm.compiler.lowering import Call

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation
CASES = {
    "1x3_c20_relu6": ((1, 3), 20, "relu6", (1, 30), 1, "SAME", 1),
    "1x3_c8_s2_relu": ((1, 3), 8, "relu", (1, 25), 2, "SAME", 1),
    "1x5_c6_valid": ((1, 5), 6, None, (1, 17), 1, "VALID", 1),
    "1x4_c5_s2": ((1, 4), 5, None, (1, 20), 2, "SAME", 1),
    "1x9_c13_relu": ((1, 9), 13, "relu", (1, 23), 1, "SAME", 1),
    "1x3_c4_dilation2": ((1, 3), 4, None, (1, 16), 1, "SAME", 2),
    # height > 1: stays as it is (not a Conv1D row)
    "1x3_c4_rows3_relu": ((1, 3), 4, "relu", (3, 11), 1, "SAME", 1),
}


def _model(tf, rng):
    import opzoo

    layers = []
    for (kh, kw), c, act, _, st, pad, dil in CASES.values():
        w = tf.constant(opzoo._w(rng, kh, kw, c, 1))
        b = tf.constant(opzoo._w(rng, c, scale=0.1))
        layers.append((w, b, act, st, pad, dil))

    def fn(*xs):
        outs = []
        for x, (w, b, act, st, pad, dil) in zip(xs, layers):
            y = tf.nn.depthwise_conv2d(x, w, [1, st, st, 1], pad, dilations=[dil, dil]) + b
            outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
        return tuple(outs)

    return fn, [(1, *hw, c) for (_, c, _, hw, _, _, _) in CASES.values()]


@pytest.fixture(scope="module")
def conv1d_model():
    import opzoo

    opzoo.CASES["dw_conv1d_rows"] = opzoo.Case(_model, expect_ops=("DEPTHWISE_CONV_2D",))
    try:
        yield opzoo.convert("dw_conv1d_rows")
    finally:
        del opzoo.CASES["dw_conv1d_rows"]


def _depthwise_calls(plan) -> list[Call]:
    return [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]


def test_height1_rows_are_given_as_width1_columns(conv1d_model):
    from tinyslm.compiler import analyze

    calls = _depthwise_calls(analyze(conv1d_model, "cortex-m-dsp")[1])
    assert len(calls) == len(CASES)
    by_input = {c.params["input_h"] * c.params["input_w"] * c.params["input_c"]: c for c in calls}
    for name, ((kh, kw), c, _, (h, w), st, _, dil) in CASES.items():
        call = by_input[h * w * c]
        p = call.params
        if h == 1:  # transposed: K x 1 over a column of width 1, the stride and dilation along it
            assert (p["input_h"], p["input_w"], p["filter_h"], p["filter_w"]) == (w, 1, kw, 1), name
            assert (p["stride_h"], p["dilation_h"], p["output_w"]) == (st, dil, 1), name
            assert "over a column of width 1" in call.note, name
        else:
            assert (p["input_h"], p["input_w"], p["filter_h"], p["filter_w"]) == (h, w, kh, kw), name
            assert "over a column of width 1" not in call.note, name
    # the portable kernel keeps TFLM's geometry
    portable = _depthwise_calls(analyze(conv1d_model, "portable")[1])
    assert all(c.params["input_h"] in (1, 3) and c.params["filter_h"] == 1 for c in portable)


def test_height1_rows_bit_exact_on_cortex_m4(conv1d_model):
    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
    cm, batches, run = measure(conv1d_model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=5)
    # the undilated width-1 rows take the column layout (requant_fast 16 + epilogue), as K x 1 layers do
    assert all(c.params["requant_fast"] >= 16 for c in _depthwise_calls(cm.plan)
               if c.params["input_w"] == 1 and c.params["dilation_h"] == 1)
    oracle = Oracle(conv1d_model)
    assert len(run.outputs) == len(batches) == 3 and len(cm.outputs) == len(CASES)
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
