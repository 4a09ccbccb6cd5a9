"""2-D dilated depthwise layers on the Cortex-M4 DSP kernel (tslm_dsp_depthwise_conv_dilated_s8): the d_h x d_w
phases x[py::d_h, px::d_w] stacked one below another in scratch, zero-point rows between them, run as one
undilated stride-1 call of the column layout, the outputs copied back to their places. One model with every
layer, one conversion, checked bit-exactly against TFLM in QEMU (-O2 and the size build): sizes divisible by the
dilation and not (phases of different heights and widths), SAME and VALID, dilations 2, 3 and (2, 1), 3x3 and
5x5, channel counts that are and are not multiples of four, a batch of layers the stack would make too big for
scratch (the row window's path instead)."""

from __future__ import annotations

import pytest

from tinyslm.compiler.dsp_layout import dilated_stack
from tinyslm.compiler.lowering import Call

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation
CASES = {
    "k3d2_12x12_c32_relu": ((3, 3), 32, "relu", (12, 12), 1, "SAME", 2),
    "k3d2_11x9_c8": ((3, 3), 8, None, (11, 9), 1, "SAME", 2),
    "k3d2_valid_10x9_c6_relu6": ((3, 3), 6, "relu6", (10, 9), 1, "VALID", 2),
    "k3d3_13x10_c5_relu": ((3, 3), 5, "relu", (13, 10), 1, "SAME", 3),
    "k3d2x1_9x8_c12": ((3, 3), 12, None, (9, 8), 1, "SAME", (2, 1)),
    "k5d2_12x11_c4_relu": ((5, 5), 4, "relu", (12, 11), 1, "SAME", 2),
    "k3d2_4x5_c7_relu6": ((3, 3), 7, "relu6", (4, 5), 1, "SAME", 2),
    "k3d2_48x48_c32_big": ((3, 3), 32, "relu", (48, 48), 1, "SAME", 2),  # the stack: > 16 KB of scratch
}


@pytest.fixture(scope="module")
def dil_model():
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(CASES.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    return opzoo.convert_case("dw_dilated_2d", layers)


def test_paths_the_compiler_gives(dil_model):
    """Every stackable layer takes the stacked entry (never in place, ring_w the stack call's); the one too big
    for scratch keeps the row window."""
    from tinyslm.compiler import analyze

    calls = [s for s in analyze(dil_model, "cortex-m-dsp")[1].steps
             if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    by_shape = {(s.params["input_h"], s.params["input_w"], s.params["input_c"]): s for s in calls}
    assert len(calls) == len(by_shape) == len(CASES)
    for name, ((kh, kw), c, _, (h, w), _, pad, dil) in CASES.items():
        call = by_shape[(h, w, c)]
        p = call.params
        dh, dw = dil if isinstance(dil, tuple) else (dil, dil)
        assert (p["dilation_h"], p["dilation_w"]) == (dh, dw), name
        if name.endswith("_big"):
            assert call.func == "tslm_dsp_depthwise_conv_s8" and p["requant_fast"] < 16, name
            continue
        st = dilated_stack(h, w, p["output_h"], p["output_w"], kh, dh, dw, p["pad_h"])
        assert call.func == "tslm_dsp_depthwise_conv_dilated_s8" and p["requant_fast"] >= 16, name
        assert st.fits and p["ring_w"] == st.ows + kw - 1 and not call.inplace, name
        assert f"phases stacked ({st.rows} x {st.ws} pixels)" in call.note, name


def _bit_exact(model: bytes, opt: str) -> None:
    import opzoo

    cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=7, opt=opt)
    assert len(cm.outputs) == len(CASES)


def test_bit_exact_on_cortex_m4(dil_model):
    _bit_exact(dil_model, "-O2")


def test_bit_exact_on_cortex_m4_size_build(dil_model):
    _bit_exact(dil_model, "-Os -DTSLM_OPTIMIZE_SIZE")
