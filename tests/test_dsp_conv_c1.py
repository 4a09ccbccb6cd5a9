"""CONV_2D with one input channel on the Cortex-M4 DSP kernels (tslm_dsp_conv_wide_c1_s8; the compiler's
dsp_layout.conv_wide_c1): the first layer of a CNN over a grayscale image or a spectrogram (person_detection's 3x3
stride-2 stem, magic_wand's 4x3, micro_speech-like filters). One model with a layer per spec (each its own input and
output: one conversion, one QEMU run), bit-exact against TFLM at -O2, in the size build and at -Os; a batch of two;
single layers clamped at act_min above -128, at the zero point and with TFLM's -1; the C form on the host under ASan
and UBSan; the compiler's scratch against the kernel's get_buffer_size; and which layers the compiler gives the new
entry (odd outputs, K under 5, more groups than K / 4 with rows of four taps or more, over 36 taps with more than
1,024 weights, dilation keep their paths)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tflbuild import conv2d_model
from tinyslm.compiler.lowering import Call

# name: filter (h, w), outputs, activation, input (h, w), stride (h, w), padding, batch
CASES = {
    "k3_s2_24x24_o8_relu": ((3, 3), 8, "relu", (24, 24), (2, 2), "SAME"),  # person_detection's stem, smaller
    "k3_s2_23x25_o16_relu6": ((3, 3), 16, "relu6", (23, 25), (2, 2), "SAME"),  # odd sizes; relu6: the C epilogue
    "k3_s2_21x19_o32_none": ((3, 3), 32, None, (21, 19), (2, 2), "VALID"),
    "k3_s1_9x7_o8_none": ((3, 3), 8, None, (9, 7), (1, 1), "SAME"),  # an odd pixel count
    "k4x3_s1_20x3_o8_relu": ((4, 3), 8, "relu", (20, 3), (1, 1), "SAME"),  # magic_wand: by columns, strips
    "k4x3_s1_17x5_o8_relu": ((4, 3), 8, "relu", (17, 5), (1, 1), "VALID"),
    "k5x3_s1_12x11_o8_relu": ((5, 3), 8, "relu", (12, 11), (1, 1), "SAME"),  # rows under four taps: five groups
    "k3x1_s1_13x6_o64_none": ((3, 1), 64, None, (13, 6), (1, 1), "SAME"),  # K 3 (not the new entry)
    "k2x4_s2_15x16_o6_relu": ((2, 4), 6, "relu", (15, 16), (2, 2), "SAME"),
    "k4x4_s3_17x16_o10_none": ((4, 4), 10, None, (17, 16), (3, 3), "SAME"),  # stride 3
    "k3x3_s1x2_11x40_o2_relu": ((3, 3), 2, "relu", (11, 40), (1, 2), "SAME"),  # one pair, rows wider than a pass
    # one output row a strip (32 pixels or more): the rows inside the image read where they lie, the sides from the band
    "k3_s1_7x33_o8_none": ((3, 3), 8, None, (7, 33), (1, 1), "SAME"),
    "k3_s2_9x70_o16_relu": ((3, 3), 16, "relu", (9, 70), (2, 2), "VALID"),
    "k3_s1_10x34_o6_relu": ((3, 3), 6, "relu", (10, 34), (1, 1), "SAME"),  # three pairs: the loop entered at its second
    "k6x2_s2x1_19x7_o8_none": ((6, 2), 8, None, (19, 7), (2, 1), "VALID"),  # two groups a filter column
    "k10x8_s2_25x20_o8_relu": ((10, 8), 8, "relu", (25, 20), (2, 2), "SAME"),  # micro_speech-like: K 80, 6 a pass
    "k8x10_s1x2_14x31_o4_none": ((8, 10), 4, None, (14, 31), (1, 2), "VALID"),  # three groups a row
    # not the new entry: odd outputs, K under 8 or over 36 (the wide layout's bounds), 1x1, dilated
    "k3_s2_12x12_o3_relu": ((3, 3), 3, "relu", (12, 12), (2, 2), "SAME"),
    "k3_s1_8x8_o1_none": ((3, 3), 1, None, (8, 8), (1, 1), "SAME"),
    "k2x2_s1_9x9_o64_relu": ((2, 2), 64, "relu", (9, 9), (1, 1), "SAME"),
    "k1x1_s1_6x6_o16_none": ((1, 1), 16, None, (6, 6), (1, 1), "SAME"),
    "k10x4_s2_20x10_o64_relu": ((10, 4), 64, "relu", (20, 10), (2, 2), "SAME"),  # MLPerf KWS's stem: 2,560 weights
    "k5x5_s1_10x9_o8_none": ((5, 5), 8, None, (10, 9), (1, 1), "SAME"),  # ten groups over seven: wide_s8's
}
NOT_C1 = {"k3x1_s1_13x6_o64_none", "k3_s2_12x12_o3_relu", "k3_s1_8x8_o1_none", "k2x2_s1_9x9_o64_relu",
          "k1x1_s1_6x6_o16_none", "k10x4_s2_20x10_o64_relu", "k5x5_s1_10x9_o8_none"}
DILATED = ((3, 3), 8, "relu", (10, 10), (1, 1), "SAME")  # (dilations 2: keeps its path)


def conv_layers(specs: list[tuple], batch: int = 1, dilation: int = 1):
    """A Case builder of one model holding a CONV_2D over one input channel per spec, each with its own input and
    output."""
    import opzoo

    def build(tf, rng):
        layers = []
        for (kh, kw), cout, act, _, st, pad in specs:
            layers.append((tf.constant(opzoo._w(rng, kh, kw, 1, cout)), tf.constant(opzoo._w(rng, cout, scale=0.1)),
                           act, st, pad))

        def fn(*xs):
            outs = []
            for x, (w, b, act, st, pad) in zip(xs, layers):
                y = tf.nn.conv2d(x, w, strides=list(st), padding=pad, dilations=dilation) + b
                outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
            return tuple(outs)

        return fn, [(batch, *hw, 1) for (_, _, _, hw, *_rest) in specs]

    return build


@pytest.fixture(scope="module")
def c1_model():
    import opzoo

    return opzoo.convert_case("conv_c1", opzoo.Case(conv_layers(list(CASES.values())), expect_ops=("CONV_2D",)))


def _calls(model: bytes) -> list[Call]:
    from tinyslm.compiler import analyze

    return [s for s in analyze(model, "cortex-m-dsp")[1].steps if isinstance(s, Call) and s.family == "tslm_conv"]


def _by_name(model: bytes) -> dict[str, Call]:
    calls = _calls(model)
    key = {(s.params["input_h"], s.params["input_w"], s.params["output_c"]): s for s in calls}
    assert len(calls) == len(key) == len(CASES)
    return {name: key[(hw[0], hw[1], cout)] for name, (_, cout, _, hw, *_r) in CASES.items()}


def test_paths_the_compiler_gives(c1_model):
    """Every layer the new entry may take takes it (wide stream, requant_fast 3, its scratch); the others keep theirs."""
    from tinyslm.compiler.dsp_layout import conv_wide_c1_scratch

    for name, call in _by_name(c1_model).items():
        p = call.params
        if name in NOT_C1:
            assert call.func != "tslm_dsp_conv_wide_c1_s8", name
            continue
        assert call.func == "tslm_dsp_conv_wide_c1_s8" and p["requant_fast"] == 3, name
        assert call.scratch_bytes == conv_wide_c1_scratch(p["filter_h"], p["filter_w"], p["stride_h"], p["stride_w"],
                                                          p["output_h"], p["output_w"], p["output_c"]), name
        assert not call.inplace, name


def _bit_exact(model: bytes, opt: str, n_inputs: int = 3) -> None:
    import opzoo

    opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=n_inputs, seed=4, opt=opt)


needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


@needs_qemu
@pytest.mark.parametrize("optimize", ["speed", "size", "-Os"])
def test_layers_bit_exact_on_cortex_m4(c1_model, optimize):
    from tinyslm.firmware import opt_flag

    _bit_exact(c1_model, optimize if optimize.startswith("-") else opt_flag(optimize))


@needs_qemu
def test_batch_of_two_and_dilated_bit_exact_on_cortex_m4():
    """A batch of two (the band and pixels per image) in the new entry; a dilated filter keeps its path."""
    import opzoo

    specs = [CASES["k3_s2_23x25_o16_relu6"], CASES["k4x3_s1_20x3_o8_relu"], CASES["k10x8_s2_25x20_o8_relu"]]
    model = opzoo.convert_case("conv_c1_b2", opzoo.Case(conv_layers(specs, batch=2), expect_ops=("CONV_2D",)))
    assert [c.func for c in _calls(model)] == ["tslm_dsp_conv_wide_c1_s8"] * 3
    assert all(c.params["batches"] == 2 for c in _calls(model))
    _bit_exact(model, "-O2", n_inputs=2)
    dilated = opzoo.convert_case("conv_c1_d2", opzoo.Case(conv_layers([DILATED], dilation=2),
                                                          expect_ops=("CONV_2D",)))
    assert [c.func for c in _calls(dilated)] != ["tslm_dsp_conv_wide_c1_s8"]
    _bit_exact(dilated, "-O2", n_inputs=2)


# hw, filter, cin, cout, stride, padding, act (0 none: TFLM's -1 for negative sums, 1 relu, 2 relu_n1_to_1, 3 relu6),
# output zero point, scale, seed (3x3 and 4x3: the M4's pixel-at-a-time assembly, its four epilogues)
SINGLE = {"k3_s2_relu_zp-128": ((19, 20), (3, 3), 1, 8, 2, "SAME", 1, -128, 0.4, 1),
          "k3_s1_relu_zp-20": ((9, 10), (3, 3), 1, 8, 1, "SAME", 1, -20, 0.4, 2),
          "k4x3_s1_none_zp5": ((16, 3), (4, 3), 1, 8, 1, "SAME", 0, 5, 0.5, 3),
          "k5x3_s2_none_zp-128": ((13, 12), (5, 3), 1, 16, 2, "VALID", 0, -128, 0.3, 4),
          "k3_s2_relu6_zp-60": ((11, 11), (3, 3), 1, 4, 2, "SAME", 3, -60, 0.02, 5),
          # RELU_N1_TO_1 at zero point 90, scale 0.02: act_min 40 (above -128, below the zero point: TFLM's -1), act_max 127
          "k3_s1_relun1to1_zp90": ((9, 8), (3, 3), 1, 8, 1, "SAME", 2, 90, 0.02, 7),
          "k3_s2_relu_zp-20_wide": ((7, 66), (3, 3), 1, 8, 2, "SAME", 1, -20, 0.4, 8),
          # relu6 at scale 0.1: act_max 0 (under 127: the C epilogue, c1_pixels_x)
          "k3_s1_relu6_actmax0": ((9, 8), (3, 3), 1, 8, 1, "SAME", 3, -60, 0.1, 9)}


@needs_qemu
@pytest.mark.parametrize("name", SINGLE)
def test_clamps_bit_exact_on_cortex_m4(name):
    model = conv2d_model(*SINGLE[name])
    assert [c.func for c in _calls(model)] == ["tslm_dsp_conv_wide_c1_s8"]
    _bit_exact(model, "-O2", n_inputs=4)


@pytest.mark.parametrize("name", ["k3_s1_relu_zp-20", "k4x3_s1_none_zp5", "k3_s1_relu6_actmax0"])
def test_c_form_bit_exact_on_the_host(name):
    """The C form (no assembly: the host, under ASan and UBSan) reads the same stream and band."""
    from tinyslm.runners.verify import verify_host

    report = verify_host(conv2d_model(*SINGLE[name]), n_inputs=10, seed=5, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


def test_scratch_equals_get_buffer_size(c1_model, tmp_path):
    """The compiler's scratch for every layer equals tslm_dsp_conv_wide_c1_s8_get_buffer_size (the host)."""
    from test_scratch_sizes import _check

    got = _check(c1_model, "cortex-m-dsp", tmp_path)
    assert sum(f == "tslm_dsp_conv_wide_c1_s8" for f, _, _ in got) == len(CASES) - len(NOT_C1)
    assert all(ours == theirs for _, ours, theirs in got), got


def test_layout_rows():
    """K in groups of four taps along filter rows, or along columns where that takes fewer groups."""
    from tinyslm.compiler.dsp_layout import conv_wide_c1_groups, conv_wide_c1_rows

    w = np.arange(1, 13).reshape(1, 4, 3)  # 4x3: three columns of four taps
    assert conv_wide_c1_groups(4, 3) == (True, 3)
    assert conv_wide_c1_rows(w).tolist() == [[1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]]
    w = np.arange(1, 11).reshape(1, 2, 5)  # 2x5: two rows of two groups (by columns: five)
    assert conv_wide_c1_groups(2, 5) == (False, 4)
    assert conv_wide_c1_rows(w).tolist() == [[1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 8, 9, 10, 0, 0, 0]]


# ---------------------------------------------------------------- Helium (Cortex-M55): tslm_mve_conv_short_c1_s8
def test_helium_paths(c1_model):
    """On Helium, a one-channel layer with a short patch (K <= 32, rows of at most 16 taps, undilated) and at least one
    pixel in eight over the image's border takes the band entry with its scratch; the others keep theirs."""
    from tinyslm.compiler import analyze
    from tinyslm.compiler.helium_layout import conv_short_c1

    calls = [s for s in analyze(c1_model, "helium")[1].steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert len(calls) == len(CASES)
    by = {(c.params["input_h"], c.params["input_w"], c.params["output_c"]): c for c in calls}
    band = {name for name, (_, cout, _, hw, *_r) in CASES.items()
            if by[(hw[0], hw[1], cout)].func == "tslm_mve_conv_short_c1_s8"}
    assert {"k4x3_s1_20x3_o8_relu", "k3_s1_9x7_o8_none", "k5x3_s1_12x11_o8_relu"} <= band
    assert not band & {"k3_s2_21x19_o32_none", "k4x3_s1_17x5_o8_relu", "k10x8_s2_25x20_o8_relu"}  # VALID, K 80
    for c in calls:
        p = c.params
        k = p["filter_h"] * p["filter_w"]
        if 1 < k <= 32 and conv_short_c1(p):
            assert c.func == "tslm_mve_conv_short_c1_s8", p
            strip = min(p["output_h"], 1 if p["output_w"] >= 32 else 32 // p["output_w"])
            n = p["output_h"] * p["output_w"]
            batch = n + (n & 1) if n < 32 else 32
            rows = ((strip - 1) * p["stride_h"] + p["filter_h"]) * ((p["output_w"] - 1) * p["stride_w"] + p["filter_w"])
            assert c.scratch_bytes == batch * k + rows, p
        else:
            assert c.func != "tslm_mve_conv_short_c1_s8", p


@needs_qemu
@pytest.mark.parametrize("optimize", ["speed", "size"])
def test_layers_bit_exact_on_cortex_m55(c1_model, optimize):
    import opzoo

    from tinyslm.firmware import opt_flag

    opzoo.qemu_matches_tflm(c1_model, "mps3-an547", "helium", n_inputs=3, seed=4, opt=opt_flag(optimize))


@needs_qemu
def test_batch_of_two_and_clamps_bit_exact_on_cortex_m55():
    import opzoo

    specs = [CASES["k3_s2_23x25_o16_relu6"], CASES["k4x3_s1_20x3_o8_relu"], CASES["k5x3_s1_12x11_o8_relu"]]
    model = opzoo.convert_case("conv_c1_b2", opzoo.Case(conv_layers(specs, batch=2), expect_ops=("CONV_2D",)))
    opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=2, seed=4)
    for name in SINGLE:
        opzoo.qemu_matches_tflm(conv2d_model(*SINGLE[name]), "mps3-an547", "helium", n_inputs=2, seed=6)


def test_helium_scratch_equals_get_buffer_size(c1_model, tmp_path):
    """The compiler's scratch for every layer equals the Helium kernels' get_buffer_size (on the emulated M55)."""
    from test_scratch_sizes import _check

    got = _check(c1_model, "helium", tmp_path)
    assert sum(f == "tslm_mve_conv_short_c1_s8" for f, _, _ in got) >= 5
    assert all(ours == theirs for _, ours, theirs in got), got
