"""3x3 stride-1 depthwise layers over small images on the Cortex-M4 DSP kernel (issue 15, MobileNetV1's 6x6 and
3x3 tails): at most six output rows take their own entry, tslm_dsp_depthwise_conv_small_s8 (a whole output column
per pass: per group of four channels each padded column widened once as (H + 3) / 2 pair words, per channel and
output column three LDMs and two instructions per row and filter column). One model with every layer, one
conversion, checked bit-exactly against TFLM in QEMU (-O2, and the size build, where the entry calls the column
layout's C loops); a 3x3 or 2x2 image (SAME, clamped to int8) there runs every channel in straight-line code from the
input bytes (sm_img3_channels, sm_img2_channels); larger images keep the column layout's entry. A 1x1 image (any
filter, padding, stride or dilation) the compiler gives as the 1x1 filter of its one tap on the pixel (the other
taps' share out of the records' bias) to tslm_dsp_depthwise_conv_px_s8, the channels streamed in both builds. 7x7 at stride 1 takes tslm_dsp_depthwise_conv_k7_s8 (the column layout's loop
with the filter's shape as constants). The drivers are generated (gen_depthwise_small.py): the header must be the
generator's output."""

from __future__ import annotations

import pytest

from tinyslm.compiler.lowering import Call

# weight scales per channel whose right shifts spread over a range
SHIFTS = tuple(0.8 ** k for k in range(12)) + (0.003, 0.001)

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation, [weight scales]
CASES = {
    "s6x6_c128_relu6": ((3, 3), 128, "relu6", (6, 6), 1, "SAME", 1),
    "s3x3_c256_relu6": ((3, 3), 256, "relu6", (3, 3), 1, "SAME", 1),
    "s6x6_c36_relu": ((3, 3), 36, "relu", (6, 6), 1, "SAME", 1),
    "s5x5_c36_none": ((3, 3), 36, None, (5, 5), 1, "SAME", 1),
    "s4x4_c7_relu6": ((3, 3), 7, "relu6", (4, 4), 1, "SAME", 1),
    "s3x3_c5_none": ((3, 3), 5, None, (3, 3), 1, "SAME", 1),
    "s3x3_c7_relu6": ((3, 3), 7, "relu6", (3, 3), 1, "SAME", 1),
    "s3x3_c3_relu": ((3, 3), 3, "relu", (3, 3), 1, "SAME", 1),
    "s2x2_c6_relu": ((3, 3), 6, "relu", (2, 2), 1, "SAME", 1),
    "s2x2_c64_relu6": ((3, 3), 64, "relu6", (2, 2), 1, "SAME", 1),
    "s2x2_c3_none": ((3, 3), 3, None, (2, 2), 1, "SAME", 1),
    "s2x2_c14_shifts_relu6": ((3, 3), 14, "relu6", (2, 2), 1, "SAME", 1, SHIFTS),
    "s1x1_c9_relu6": ((3, 3), 9, "relu6", (1, 1), 1, "SAME", 1),
    "s1x1_c4_none": ((3, 3), 4, None, (1, 1), 1, "SAME", 1),
    "s1x1_c14_shifts_relu": ((3, 3), 14, "relu", (1, 1), 1, "SAME", 1, SHIFTS),
    "s6x3_c8_relu": ((3, 3), 8, "relu", (6, 3), 1, "SAME", 1),
    "s3x11_c12_none": ((3, 3), 12, None, (3, 11), 1, "SAME", 1),
    "s5x2_c2_relu6": ((3, 3), 2, "relu6", (5, 2), 1, "SAME", 1),
    "s6x6_c14_shifts": ((3, 3), 14, None, (6, 6), 1, "SAME", 1, SHIFTS),
    "s3x3_c14_shifts_relu": ((3, 3), 14, "relu", (3, 3), 1, "SAME", 1, SHIFTS),
    # a 1x1 image (any filter; the compiler's one-tap form, tslm_dsp_depthwise_conv_px_s8): channel counts that are
    # and are not even, every epilogue (relu: 0; relu6: 1; none: 4; the shifts' r > 21: 2), 5x5, 2x2 (its tap the
    # top left), dilation 2, stride 2, a 1x1 VALID filter
    "s1x1_c64_relu": ((3, 3), 64, "relu", (1, 1), 1, "SAME", 1),
    "s1x1_c13_relu6_k5": ((5, 5), 13, "relu6", (1, 1), 1, "SAME", 1),
    "s1x1_c28_shifts_none": ((3, 3), 28, None, (1, 1), 1, "SAME", 1, SHIFTS * 2),
    "s1x1_c5_relu6_k2": ((2, 2), 5, "relu6", (1, 1), 1, "SAME", 1),
    "s1x1_c6_relu_d2": ((3, 3), 6, "relu", (1, 1), 1, "SAME", 2),
    "s1x1_c8_none_s2": ((3, 3), 8, None, (1, 1), 2, "SAME", 1),
    "v1x1_c10_relu6_k1": ((1, 1), 10, "relu6", (1, 1), 1, "VALID", 1),
    "s1x1_c255_none": ((3, 3), 255, None, (1, 1), 1, "SAME", 1),  # (enough outputs below zero for TFLM's -1 to show)
    "s1x1_c3_tiny_relu": ((3, 3), 3, "relu", (1, 1), 1, "SAME", 1, (1e-6, 1.0, 0.5)),
    # VALID: output 1..6 rows from 3..8
    "v8x8_c36_relu6": ((3, 3), 36, "relu6", (8, 8), 1, "VALID", 1),
    "v7x5_c8_none": ((3, 3), 8, None, (7, 5), 1, "VALID", 1),
    "v6x6_c12_relu": ((3, 3), 12, "relu", (6, 6), 1, "VALID", 1),
    "v5x4_c3_none": ((3, 3), 3, None, (5, 4), 1, "VALID", 1),
    "v4x4_c16_relu6": ((3, 3), 16, "relu6", (4, 4), 1, "VALID", 1),
    "v3x3_c20_relu": ((3, 3), 20, "relu", (3, 3), 1, "VALID", 1),
    "v3x7_c4_none": ((3, 3), 4, None, (3, 7), 1, "VALID", 1),
    "v8x6_c14_shifts_relu": ((3, 3), 14, "relu", (8, 6), 1, "VALID", 1, SHIFTS),
    # larger images: the column layout's entry
    "s7x7_c8_relu6": ((3, 3), 8, "relu6", (7, 7), 1, "SAME", 1),
    "s12x12_c16_relu6": ((3, 3), 16, "relu6", (12, 12), 1, "SAME", 1),
    # 7x7 at stride 1: tslm_dsp_depthwise_conv_k7_s8 (the column layout's loop, the shape constant)
    "k7_12x12_c32_relu": ((7, 7), 32, "relu", (12, 12), 1, "SAME", 1),
    "k7_9x9_c5_none": ((7, 7), 5, None, (9, 9), 1, "SAME", 1),
    "k7_v11x10_c12_relu6": ((7, 7), 12, "relu6", (11, 10), 1, "VALID", 1),
    "k7_4x5_c8_none": ((7, 7), 8, None, (4, 5), 1, "SAME", 1),
    "k7_10x10_c14_shifts_relu": ((7, 7), 14, "relu", (10, 10), 1, "SAME", 1, SHIFTS),
}


@pytest.fixture(scope="module")
def small_model():
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(CASES.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    return opzoo.convert_case("dw_small_3x3", layers)


def _calls(plan) -> list[Call]:
    return [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]


def test_paths_the_compiler_gives(small_model):
    """Up to six output rows with epilogue 0 or 4 (the Thumb-2 drivers'): the small entry; the rest the column
    layout's entry."""
    from tinyslm.compiler import analyze

    calls = _calls(analyze(small_model, "cortex-m-dsp")[1])
    assert len(calls) == len(CASES)
    small = 0
    # (a 1x1 image's layer runs as the 1x1 filter of its one tap: keyed by its channels)
    by_key = {(1 if s.params["input_h"] == s.params["input_w"] == 1 else s.params["filter_h"], s.params["input_h"],
               s.params["input_w"], s.params["input_c"]): s for s in calls}
    assert len(by_key) == len(CASES)
    px = 0
    for name, ((k, _), c, _, (h, w), _, pad, *_r) in CASES.items():
        one = h == w == 1
        call = by_key[(1 if one else k, h, w, c)]
        p = call.params
        oh = h if pad == "SAME" else h - k + 1
        assert p["output_h"] == oh and p["requant_fast"] >= 16 and not p["band_h"], name
        if one:  # the tap on the pixel as a 1x1 filter; epilogues 0, 1, 2 and 4 take the streamed channels
            assert p["filter_h"] == p["filter_w"] == 1 and p["pad_h"] == p["pad_w"] == 0, name
            want = ("tslm_dsp_depthwise_conv_px_s8" if p["requant_fast"] in (16, 17, 18, 20)
                    else "tslm_dsp_depthwise_conv_s8")
            px += want == "tslm_dsp_depthwise_conv_px_s8"
            assert call.func == want, name
            continue
        assert p["pad_h"] == ((k - 1) // 2 if pad == "SAME" else 0), name
        fast = p["requant_fast"] in (16, 20)
        small += fast and k == 3 and oh <= 6
        want = ("tslm_dsp_depthwise_conv_small_s8" if fast and k == 3 and oh <= 6 else
                "tslm_dsp_depthwise_conv_k7_s8" if fast and k == 7 else "tslm_dsp_depthwise_conv_s8")
        assert call.func == want, name
    assert px == 12
    epis = {by_key[(1, 1, 1, c)].params["requant_fast"] for c in (64, 13, 28, 5, 6, 8, 10, 9, 4, 14, 3, 255)}
    assert epis >= {16, 18, 20}
    assert small >= 17


def _bit_exact(model: bytes, opt: str) -> None:
    import opzoo

    cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=6, opt=opt)
    assert len(cm.outputs) == len(CASES)


def test_bit_exact_on_cortex_m4(small_model):
    _bit_exact(small_model, "-O2")


def test_bit_exact_on_cortex_m4_size_build(small_model):
    _bit_exact(small_model, "-Os -DTSLM_OPTIMIZE_SIZE")


def test_generated_drivers_are_the_generators_output():
    """The entry's Thumb-2 drivers (tslm_dsp_depthwise_small_drivers.h) are exactly what their generator writes, so
    nobody edits the header by hand and the generator never drifts from the code that is tested."""
    import subprocess
    import sys

    from tinyslm.resources import firmware_dir

    gen = firmware_dir() / "kernels" / "cortex_m_dsp" / "gen_depthwise_small.py"
    r = subprocess.run([sys.executable, str(gen), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout
