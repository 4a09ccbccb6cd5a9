"""int8 TRANSPOSE_CONV on the DSP targets as one convolution per phase of the stride (tinyslm/compiler/ops/
transpose_conv.py: _phases_dsp; firmware/kernels/cortex_m_dsp/tslm_dsp_transpose_conv.c on the Cortex-M4,
helium/tslm_mve_transpose_conv.c on the M55), checked byte for byte against TFLM on the host (the DSP kernel's C
form, ASan/UBSan) and in QEMU (the assembly; M4 and M55), speed and size builds: SAME/VALID, output sizes that are
not multiples of the stride, strides 1, 3, (2, 1) and (1, 2), filters smaller than the stride (phases without taps:
the bias alone), no bias, odd channel counts (input channels not a multiple of four: the gathered copy), batch 2,
per-channel scales, both kinds of the DSP kernel's records (a layer that would need TFLM's, or has a left shift,
keeps the portable kernel); and 24 random layers (seeded) on the host and both CPUs."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import opzoo
from opzoo import Case, _w
from tinyslm.compiler.lowering import Call

# name: (input (h, w), filter (h, w), in channels, out channels, stride (h, w), padding, output (h, w) or None for
# the usual size, bias, activation, batch)
LAYERS = {
    "k3s2_same": ((5, 4), (3, 3), 16, 8, (2, 2), "SAME", None, True, "relu", 1),
    "k3s2_same_odd_out": ((5, 4), (3, 3), 8, 6, (2, 2), "SAME", (9, 7), True, None, 1),
    "k3s2_valid": ((4, 5), (3, 3), 4, 5, (2, 2), "VALID", None, True, None, 1),
    "k3s2_valid_plus1": ((4, 5), (3, 3), 8, 4, (2, 2), "VALID", (10, 12), True, "relu", 1),
    "k3s1_same": ((6, 5), (3, 3), 12, 7, (1, 1), "SAME", None, True, "relu6", 1),
    "k3s3_same": ((4, 3), (3, 3), 8, 4, (3, 3), "SAME", None, True, None, 1),
    "k5s3_valid": ((3, 4), (5, 5), 4, 6, (3, 3), "VALID", None, True, "relu", 1),
    "k5x1s21": ((12, 1), (5, 1), 16, 8, (2, 1), "SAME", None, True, "relu", 1),
    "k1x4s12": ((3, 6), (1, 4), 8, 3, (1, 2), "VALID", None, True, None, 1),
    "k1s2_bias_only_phases": ((4, 4), (1, 1), 8, 4, (2, 2), "SAME", None, True, None, 1),
    "k2s3_same": ((3, 4), (2, 2), 4, 5, (3, 3), "SAME", None, True, "relu", 1),
    "k3s2_no_bias": ((4, 4), (3, 3), 8, 8, (2, 2), "SAME", None, False, None, 1),
    "k3s2_ic3_oc5": ((5, 5), (3, 3), 3, 5, (2, 2), "SAME", None, True, None, 1),
    "k4s2_same": ((4, 4), (4, 4), 8, 4, (2, 2), "SAME", None, True, "relu", 1),
    "k5s2_c64": ((3, 3), (5, 5), 64, 16, (2, 2), "SAME", None, True, "relu", 1),
    "k3s2_batch2": ((3, 4), (3, 3), 4, 4, (2, 2), "SAME", None, True, None, 2),
}


def _out(spec) -> tuple[int, int]:
    hw, k, _, _, s, pad, out, *_ = spec
    if out is not None:
        return out
    return tuple(hw[d] * s[d] if pad == "SAME" else (hw[d] - 1) * s[d] + k[d] for d in range(2))  # type: ignore


def layers_case(names: list[str]) -> Case:
    """One model holding a TRANSPOSE_CONV per named layer, each with its own input and output."""

    def build(tf, rng):
        made = []
        for n in names:
            hw, k, cin, cout, s, pad, _, bias, act, batch = LAYERS[n]
            made.append((tf.constant(_w(rng, *k, cout, cin)), tf.constant(_w(rng, cout, scale=0.1)), bias, act,
                         (batch, *_out(LAYERS[n]), cout), s, pad))

        def fn(*xs):
            outs = []
            for x, (w, b, bias, act, shape, s, pad) in zip(xs, made):
                y = tf.nn.conv2d_transpose(x, w, shape, [1, *s, 1], pad)
                y = y + b if bias else y
                outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
            return tuple(outs)

        return fn, [(LAYERS[n][9], *LAYERS[n][0], LAYERS[n][2]) for n in names]

    return Case(build, expect_ops=("TRANSPOSE_CONV",))


ALL = list(LAYERS)


@pytest.fixture(scope="module")
def model() -> bytes:
    pytest.importorskip("tensorflow")
    return opzoo.convert_case("tconv_phases", layers_case(ALL))


def _calls(model: bytes, target: str) -> list[Call]:
    from tinyslm.compiler import analyze

    return [s for s in analyze(model, target)[1].steps if isinstance(s, Call) and s.op.opcode == "TRANSPOSE_CONV"]


def test_phase_taps_cover_every_tap_once():
    from tinyslm.compiler.ops.transpose_conv import phase_taps

    for s in range(1, 5):
        for f in range(1, 8):
            for pad in range(0, 4):
                taps = sorted(t for a in range(s) for t in phase_taps(a, pad, s, f))
                assert taps == list(range(f)), (s, f, pad)


@pytest.mark.parametrize("target", ["cortex-m-dsp", "helium"])
def test_int8_layers_take_the_phase_kernel(model, target):
    calls = _calls(model, target)
    assert len(calls) == len(ALL)
    portable = _calls(model, "portable")
    prefix = "mve" if target == "helium" else "dsp"
    folder = "helium" if target == "helium" else "cortex_m_dsp"
    for c, p in zip(calls, portable):
        assert c.func == f"tslm_{prefix}_transpose_conv_s8"
        assert c.variant == f"{folder}/tslm_{prefix}_transpose_conv.c"
        assert p.func == "tslm_transpose_conv_s8" and p.variant is None and p.params.requant is None
        assert c.macs == p.macs  # every tap of every input pixel, as before
        sh, sw, oc = c.params.stride_h, c.params.stride_w, c.params.output_c
        rec = next(a for a in c.consts if a.name.endswith("_requant")).values
        if target == "helium":
            assert c.params.requant_fast is None and len(rec) == 12 * -(-oc // 4) * sh * sw
            continue
        fast = next(a for a in c.consts if a.name.endswith("requant_fast")).values
        assert len(fast) == sh * sw and len(rec) == 4 * oc * sh * sw
    if target != "helium":
        modes = {int(v) for c in calls for v in next(a for a in c.consts if a.name.endswith("requant_fast")).values}
        assert 2 in modes  # the offset pairs where they are exact


@pytest.mark.parametrize("target", ["cortex-m-dsp", "helium"])
def test_a_left_shift_keeps_the_portable_kernel(model, monkeypatch, target):
    """Neither kernel's records take a left shift (TFLM's records, kind 0, are the portable kernel's): such a layer
    keeps tslm_transpose_conv_s8 (routing only)."""
    from tinyslm.compiler.lowering import Lowering

    real = Lowering.requant_arrays

    def left(self, op, reals):
        m, s = real(self, op, reals)
        s.values = s.values.copy()
        s.values[0] = 1
        return m, s

    monkeypatch.setattr(Lowering, "requant_arrays", left)
    calls = _calls(model, target)
    assert {(c.func, c.variant, c.params.requant) for c in calls} == {("tslm_transpose_conv_s8", None, None)}


def test_int16x8_and_float32_stay_portable():
    pytest.importorskip("tensorflow")
    m16 = opzoo.convert_case("tconv_phases_s16", opzoo.s16(opzoo.transpose_conv()))
    assert [c.func for c in _calls(m16, "cortex-m-dsp")] == ["tslm_transpose_conv_s16"]
    case = layers_case(["k3s2_same"])
    from tinyslm.fuzz.convert import convert_fn

    import tensorflow as tf

    fn, shapes = case.build(tf, np.random.default_rng(0))
    mf = convert_fn(fn, shapes, "float", 0)
    assert [c.func for c in _calls(mf, "cortex-m-dsp")] == ["tslm_transpose_conv_f32"]


def _force(monkeypatch) -> None:
    """Every phase on the plain layout's fast records (kind 1), as where the offset pairs do not fit."""
    from tinyslm.compiler.ops import transpose_conv as tc

    monkeypatch.setattr(tc, "offset_pair_records", lambda *a, **k: None)


@pytest.mark.parametrize("mode", [None, 1])
def test_bit_exact_on_the_host(model, monkeypatch, mode):
    """The C form (no assembly), ASan and UBSan, each kind of records."""
    if shutil.which("gcc") is None:
        pytest.skip("needs a host gcc")
    from tinyslm.runners.verify import verify_host

    if mode is not None:
        _force(monkeypatch)
        assert {int(v) for c in _calls(model, "cortex-m-dsp") for a in c.consts if a.name.endswith("requant_fast")
                for v in a.values} == {mode}
    report = verify_host(model, n_inputs=4, seed=7, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


QEMU = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                          reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


@QEMU
@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
@pytest.mark.parametrize("optimize", ["speed", "size"])
def test_bit_exact_in_qemu(model, board, target, optimize):
    from tinyslm.firmware import opt_flag

    opzoo.qemu_matches_tflm(model, board, target, n_inputs=2, seed=5, opt=opt_flag(optimize))


@QEMU
def test_plain_records_bit_exact_on_cortex_m4(model, monkeypatch):
    _force(monkeypatch)
    opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=2, seed=6)


@pytest.mark.parametrize("target", ["cortex-m-dsp", "helium"])
def test_scratch_equals_get_buffer_size(model, target, tmp_path):
    """The compiler's scratch of every layer equals tslm_dsp_transpose_conv_s8_get_buffer_size (host) and
    tslm_mve_transpose_conv_s8_get_buffer_size (the M55 in QEMU)."""
    if target == "helium" and (shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None):
        pytest.skip("needs qemu-system-arm and gcc-arm-none-eabi")
    from test_scratch_sizes import _check

    got = _check(model, target, tmp_path)
    prefix = "mve" if target == "helium" else "dsp"
    assert [f for f, _, _ in got] == [f"tslm_{prefix}_transpose_conv_s8"] * len(ALL)
    assert all(ours == theirs for _, ours, theirs in got), got


def random_layers(seed: int, n: int) -> list[str]:
    """n random layers (filters 1-5, strides 1-4 per axis, inputs 1-6, 1-9 channels, every output size TF accepts
    for the padding, bias or not, activations, batch 1 or 2), added to LAYERS; their names."""
    import random

    rnd = random.Random(seed)
    names = []
    for i in range(n):
        k = (rnd.randint(1, 5), rnd.randint(1, 5))
        s = (rnd.randint(1, 4), rnd.randint(1, 4))
        hw = (rnd.randint(1, 6), rnd.randint(1, 6))
        pad = rnd.choice(["SAME", "VALID"])
        if pad == "SAME":
            out = tuple(rnd.randint((hw[d] - 1) * s[d] + 1, hw[d] * s[d]) for d in range(2))
        else:
            out = tuple((hw[d] - 1) * s[d] + k[d] + rnd.randint(0, s[d] - 1) for d in range(2))
        name = f"random{seed}_{i}"
        LAYERS[name] = (hw, k, rnd.randint(1, 9), rnd.randint(1, 9), s, pad, out, rnd.random() < 0.8,
                        rnd.choice([None, "relu", "relu6"]), rnd.choice([1, 1, 2]))
        names.append(name)
    return names


@pytest.fixture(scope="module")
def random_model() -> bytes:
    pytest.importorskip("tensorflow")
    return opzoo.convert_case("tconv_phases_random", layers_case(random_layers(1, 24)))


def test_random_layers_bit_exact_on_the_host(random_model):
    if shutil.which("gcc") is None:
        pytest.skip("needs a host gcc")
    from tinyslm.runners.verify import verify_host

    assert {c.func for c in _calls(random_model, "cortex-m-dsp")} == {"tslm_dsp_transpose_conv_s8"}
    report = verify_host(random_model, n_inputs=3, seed=1, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@QEMU
@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
def test_random_layers_bit_exact_in_qemu(random_model, board, target):
    opzoo.qemu_matches_tflm(random_model, board, target, n_inputs=2, seed=1)
