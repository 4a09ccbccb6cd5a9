"""CONV_2D on the Cortex-M4 DSP kernel's wide layout over receptive fields widened where they lie
(tslm_dsp_conv_wide_win_s8; the compiler's dsp_layout.conv_wide_win): a ResNet's 3x3 body (K > 36, input channels
a multiple of four) and its 1x1 shortcuts at a stride. One model with a layer per spec (each its own input and
output: one conversion, one QEMU run), bit-exact against TFLM at -O2, in the size build and at -Os; single layers
whose outputs are clamped at act_min above -128 and at the zero point (no TFLM -1), and with the -1; the C form
on the host under ASan and UBSan; and which layers the compiler gives the new entry (odd outputs, few input
channels, relu6 clamped at act_max, 1x1 at stride 1 and dilated filters keep their paths)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tflbuild import conv2d_model
from tinyslm.compiler.lowering import Call

# name: filter (h, w), channels in, out, activation, input (h, w), stride, padding, dilation (h, w)
CASES = {
    "k3_s1_10x10_c16_o16_relu": ((3, 3), 16, 16, "relu", (10, 10), 1, "SAME", (1, 1)),  # ResNet-8's body, smaller
    "k3_s2_9x9_c16_o32_relu": ((3, 3), 16, 32, "relu", (9, 9), 2, "SAME", (1, 1)),  # odd sizes, stride 2
    "k3_s1_5x5_c32_o32_none": ((3, 3), 32, 32, None, (5, 5), 1, "SAME", (1, 1)),  # an odd pixel count
    "k3_s1_7x6_c12_o6_relu6": ((3, 3), 12, 6, "relu6", (7, 6), 1, "VALID", (1, 1)),
    "k3_s1_6x7_c8_o10_none": ((3, 3), 8, 10, None, (6, 7), 1, "SAME", (1, 1)),  # K = 72: an even n4
    "k3_s1_3x3_c32_o32_relu": ((3, 3), 32, 32, "relu", (3, 3), 1, "SAME", (1, 1)),  # every pixel at the border
    "k5_s1_8x7_c12_o2_relu": ((5, 5), 12, 2, "relu", (8, 7), 1, "SAME", (1, 1)),  # K = 300, one pair
    "k3_d2x1_9x8_c16_o8_none": ((3, 3), 16, 8, None, (9, 8), 1, "SAME", (2, 1)),  # dilated along y
    "k2_s2_9x10_c20_o14_relu": ((2, 2), 20, 14, "relu", (9, 10), 2, "VALID", (1, 1)),
    "k5_s2_8x8_c4_o4_none": ((5, 5), 4, 4, None, (8, 8), 2, "SAME", (1, 1)),  # four channels: five groups a row
    "k1_s2_8x8_c16_o32_none": ((1, 1), 16, 32, None, (8, 8), 2, "SAME", (1, 1)),  # ResNet-8's shortcut
    "k1_s2_7x7_c32_o64_relu": ((1, 1), 32, 64, "relu", (7, 7), 2, "VALID", (1, 1)),
    "k1_s2_9x9_c8_o6_none": ((1, 1), 8, 6, None, (9, 9), 2, "SAME", (1, 1)),  # K = 8: a lone group pair
    "k1_s3_10x10_c12_o4_relu": ((1, 1), 12, 4, "relu", (10, 10), 3, "SAME", (1, 1)),  # odd n4
    "k1_s2_5x9_c4_o2_none": ((1, 1), 4, 2, None, (5, 9), 2, "VALID", (1, 1)),  # K = 4: not the new entry
    # not the new entry: odd outputs, three channels, 1x1 at stride 1, dilated along x
    "k3_s1_6x6_c16_o15_relu": ((3, 3), 16, 15, "relu", (6, 6), 1, "SAME", (1, 1)),
    "k3_s1_6x6_c6_o8_none": ((3, 3), 6, 8, None, (6, 6), 1, "SAME", (1, 1)),
    "k1_s1_4x4_c64_o16_none": ((1, 1), 64, 16, None, (4, 4), 1, "SAME", (1, 1)),
    "k3_d2_8x8_c16_o8_relu": ((3, 3), 16, 8, "relu", (8, 8), 1, "SAME", (2, 2)),
    "k3_s1_4x4_c64_o64_relu": ((3, 3), 64, 64, "relu", (4, 4), 1, "SAME", (1, 1)),  # over CONV_WIDE_WIN_MAX weights
}
NOT_WIN = {"k1_s2_5x9_c4_o2_none", "k3_s1_6x6_c16_o15_relu", "k3_s1_6x6_c6_o8_none", "k1_s1_4x4_c64_o16_none",
           "k3_d2_8x8_c16_o8_relu", "k3_s1_4x4_c64_o64_relu"}


def conv_layers(specs: list[tuple]):
    """A Case builder of one model holding a CONV_2D per spec, each with its own input and output."""
    import opzoo

    def build(tf, rng):
        layers = []
        for (kh, kw), cin, cout, act, _, st, pad, dil in specs:
            layers.append((tf.constant(opzoo._w(rng, kh, kw, cin, cout)), tf.constant(opzoo._w(rng, cout, scale=0.1)),
                           act, st, pad, dil))

        def fn(*xs):
            outs = []
            for x, (w, b, act, st, pad, dil) in zip(xs, layers):
                y = tf.nn.conv2d(x, w, strides=st, padding=pad, dilations=list(dil)) + b
                outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
            return tuple(outs)

        return fn, [(1, *hw, cin) for (_, cin, _, _, hw, *_rest) in specs]

    return build


@pytest.fixture(scope="module")
def win_model():
    import opzoo

    return opzoo.convert_case("conv_wide_win", opzoo.Case(conv_layers(list(CASES.values())),
                                                          expect_ops=("CONV_2D",)))


def _by_name(model: bytes) -> dict[str, Call]:
    from tinyslm.compiler import analyze

    calls = [s for s in analyze(model, "cortex-m-dsp")[1].steps if isinstance(s, Call) and s.family == "tslm_conv"]
    key = {(s.params["input_h"], s.params["input_w"], s.params["input_c"], s.params["output_c"]): s for s in calls}
    assert len(calls) == len(key) == len(CASES)
    return {name: key[(hw[0], hw[1], cin, cout)] for name, (_, cin, cout, _, hw, *_r) in CASES.items()}


def test_paths_the_compiler_gives(win_model):
    """Every layer the new entry may take takes it (wide stream, requant_fast 3, its scratch); the others keep theirs."""
    from tinyslm.compiler.dsp_layout import conv_wide_win_scratch

    for name, call in _by_name(win_model).items():
        p = call.params
        if name in NOT_WIN:
            assert call.func != "tslm_dsp_conv_wide_win_s8", name
            continue
        k = p["filter_h"] * p["filter_w"] * p["filter_c"]
        assert call.func == "tslm_dsp_conv_wide_win_s8" and p["requant_fast"] == 3, name
        assert call.scratch_bytes == conv_wide_win_scratch(k, p["output_c"], p["filter_h"] * p["filter_w"] == 1) and not call.inplace, name


def _bit_exact(model: bytes, opt: str, n_inputs: int = 3) -> None:
    import opzoo

    opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=n_inputs, seed=4, opt=opt)


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("optimize", ["speed", "size", "-Os"])
def test_layers_bit_exact_on_cortex_m4(win_model, optimize):
    from tinyslm.firmware import opt_flag

    _bit_exact(win_model, optimize if optimize.startswith("-") else opt_flag(optimize))


# act: 0 none (TFLM's -1 for negative sums), 1 relu: at the zero point -128 (no -1), clamped at act_min above -128
# (the zero point: no -1) and relu at a zero point below act_min's... (act_min = zp always for relu)
SINGLE = {"k3_s1_relu_zp-20": ((6, 5), (3, 3), 16, 8, 1, "SAME", 1, -20, 0.4, 1),
          "k3_s2_relu_zp5": ((7, 7), (3, 3), 24, 6, 2, "SAME", 1, 5, 0.3, 2),
          "k3_s1_none_zp3": ((5, 6), (3, 3), 16, 12, 1, "VALID", 0, 3, 0.5, 3),
          "k1_s2_relu_zp-60": ((6, 7), (1, 1), 24, 10, 2, "VALID", 1, -60, 0.2, 4),
          "k1_s2_none_zp-128": ((8, 8), (1, 1), 16, 16, 2, "SAME", 0, -128, 0.3, 5)}


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("name", SINGLE)
def test_clamps_bit_exact_on_cortex_m4(name):
    from tinyslm.compiler import analyze

    model = conv2d_model(*SINGLE[name])
    calls = [s for s in analyze(model, "cortex-m-dsp")[1].steps if isinstance(s, Call)]
    assert [c.func for c in calls] == ["tslm_dsp_conv_wide_win_s8"]
    _bit_exact(model, "-O2", n_inputs=4)


@pytest.mark.parametrize("name", ["k3_s1_relu_zp-20", "k1_s2_none_zp-128"])
def test_c_form_bit_exact_on_the_host(name):
    """The C form (no assembly: the host, under ASan and UBSan) reads the same stream."""
    from tinyslm.runners.verify import verify_host

    report = verify_host(conv2d_model(*SINGLE[name]), n_inputs=10, seed=5, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


def test_scratch_equals_get_buffer_size(win_model, tmp_path):
    """The compiler's scratch for every layer equals tslm_dsp_conv_wide_win_s8_get_buffer_size (the host)."""
    from test_scratch_sizes import _check

    got = _check(win_model, "cortex-m-dsp", tmp_path)
    assert sum(f == "tslm_dsp_conv_wide_win_s8" for f, _, _ in got) == len(CASES) - len(NOT_WIN)
    assert all(ours == theirs for _, ours, theirs in got), got
