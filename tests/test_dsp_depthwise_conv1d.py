"""1-D depthwise convolutions: a 1 x K filter over a row of height 1 (Keras' Conv1D layout) and a K x 1 filter over
a column of width 1 are the same bytes in NHWC, so the compiler gives each kernel the geometry its fast paths take:
the DSP kernel columns of width 1 (the column layout's width-1 routines), the Helium kernel rows of height 1 (one
row of columns instead of a ring refilled per one-pixel row). Checked bit-exactly against TFLM on the Cortex-M4
and the Cortex-M55 in QEMU."""

from __future__ import annotations

import pytest

from tinyslm.compiler.lowering import Call

# name: filter (h, w), channels, activation, input (h, w), stride (h, w), padding, dilation (h, w): a Conv1D's
# stride and dilation are 1 across the row or column
CASES = {
    "1x3_c20_relu6": ((1, 3), 20, "relu6", (1, 30), (1, 1), "SAME", (1, 1)),
    "1x3_c8_s2_relu": ((1, 3), 8, "relu", (1, 25), (1, 2), "SAME", (1, 1)),
    "1x5_c6_valid": ((1, 5), 6, None, (1, 17), (1, 1), "VALID", (1, 1)),
    "1x4_c5_s2": ((1, 4), 5, None, (1, 20), (1, 2), "SAME", (1, 1)),
    "1x9_c13_relu": ((1, 9), 13, "relu", (1, 23), (1, 1), "SAME", (1, 1)),
    "1x3_c4_dilation2": ((1, 3), 4, None, (1, 16), (1, 1), "SAME", (1, 2)),
    # K x 1 over a column of width 1 (Helium takes these as rows)
    "3x1_c16_w1_relu": ((3, 1), 16, "relu", (21, 1), (1, 1), "SAME", (1, 1)),
    "5x1_c6_w1_s2": ((5, 1), 6, None, (19, 1), (2, 1), "SAME", (1, 1)),
    "2x1_c9_w1_valid_relu6": ((2, 1), 9, "relu6", (12, 1), (1, 1), "VALID", (1, 1)),
    "3x1_c5_w1_dilation3": ((3, 1), 5, None, (15, 1), (1, 1), "SAME", (3, 1)),
    # height and width > 1: stay as they are
    "1x3_c4_rows3_relu": ((1, 3), 4, "relu", (3, 11), (1, 1), "SAME", (1, 1)),
    "3x1_c4_cols2": ((3, 1), 4, None, (9, 2), (2, 1), "SAME", (1, 1)),
}


@pytest.fixture(scope="module")
def conv1d_model():
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(CASES.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    return opzoo.convert_case("dw_conv1d_rows", layers)


def _depthwise_calls(plan) -> list[Call]:
    return [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]


@pytest.mark.parametrize("target", ["cortex-m-dsp", "helium", "portable"])
def test_each_target_gets_the_orientation_its_kernel_takes(conv1d_model, target):
    from tinyslm.compiler import analyze

    calls = _depthwise_calls(analyze(conv1d_model, target)[1])
    assert len(calls) == len(CASES)
    by_input = {c.params["input_h"] * c.params["input_w"] * c.params["input_c"]: c for c in calls}
    assert len(by_input) == len(CASES)
    for name, ((kh, kw), c, _, (h, w), st, _, dil) in CASES.items():
        call = by_input[h * w * c]
        p = call.params
        geometry = (p["input_h"], p["input_w"], p["filter_h"], p["filter_w"], p["stride_h"], p["stride_w"],
                    p["dilation_h"], p["dilation_w"])
        if target == "cortex-m-dsp" and h == 1:  # K x 1 over a column of width 1, stride and dilation along it
            assert geometry == (w, 1, kw, 1, st[1], st[0], dil[1], dil[0]) and p["output_w"] == 1, name
            assert "over a column of width 1" in call.note, name
        elif target == "helium" and w == 1:  # 1 x K over a row of height 1
            assert geometry == (1, h, 1, kh, st[1], st[0], dil[1], dil[0]) and p["output_h"] == 1, name
            assert "over a row of height 1" in call.note, name
        elif target == "cortex-m-dsp" and w == 1 and kh == 2 and dil[0] == 1:  # 2 x 1: as 3 x 1, zero first tap
            assert geometry == (h, w, 3, kw, *st, *dil) and "zero first tap" in call.note, name
        else:  # as TFLM has it
            assert geometry == (h, w, kh, kw, *st, *dil), name
            assert "over a column" not in call.note and "over a row" not in call.note, name


def test_height1_rows_bit_exact_on_cortex_m4(conv1d_model):
    _bit_exact(conv1d_model, "mps2-an386", "cortex-m-dsp")


def test_width1_columns_bit_exact_on_cortex_m55(conv1d_model):
    _bit_exact(conv1d_model, "mps3-an547", "helium")


def _bit_exact(model: bytes, board: str, target: str) -> None:
    import opzoo

    cm = opzoo.qemu_matches_tflm(model, board, target, n_inputs=3, seed=5)
    assert len(cm.outputs) == len(CASES)
    if target == "cortex-m-dsp":  # the undilated width-1 columns take the column layout (requant_fast 16 + epilogue)
        assert all(c.params["requant_fast"] >= 16 for c in _depthwise_calls(cm.plan)
                   if c.params["input_w"] == 1 and c.params["dilation_h"] == 1 and c.params["stride_h"] <= 2)
