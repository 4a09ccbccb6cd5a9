"""MAX_POOL_2D on the DSP and Helium targets: tslm_dsp_max_pool_s8 / _s16 (SSUB8 or SSUB16 then SEL over words of
four int8 or two int16 channels, the windows wholly in the image with their loads unrolled for 1..3 by 1..3, the
borders clipped as TFLM clips them) and tslm_mve_max_pool_s8 / _s16 (VMAX over 16 or 8 lanes, a predicated tail).
One model (int8, and again with int16 activations) holds a layer per case (windows 1x1..5x5, Kx1 and 1xK, strides 1..3, SAME and VALID, 1..32 channels, relu and relu6 fused, batch
2), checked against TFLM on the host under the sanitizers (the intrinsics' C equivalents) and in QEMU on the
Cortex-M4 (mps2-an386) and the Cortex-M55 (mps3-an547), each in the speed and the size build."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.compiler.lowering import Call

# name: (window (h, w), stride (h, w), padding, input (h, w), channels, activation None | "relu" | "relu6", batch)
CASES = {
    "1x1_s1_c4": ((1, 1), (1, 1), "VALID", (3, 4), 4, None, 1),
    "1x1_s2_c17": ((1, 1), (2, 2), "SAME", (5, 4), 17, None, 1),
    "2x2_s2_c8": ((2, 2), (2, 2), "VALID", (8, 6), 8, None, 1),
    "2x2_s2_same_c5": ((2, 2), (2, 2), "SAME", (7, 9), 5, None, 1),  # the last row and column clipped
    "2x2_s1_valid_c32_relu6": ((2, 2), (1, 1), "VALID", (4, 5), 32, "relu6", 1),
    "2x2_s2_same_c16_b2_relu": ((2, 2), (2, 2), "SAME", (5, 6), 16, "relu", 2),
    "2x3_s1_valid_c3": ((2, 3), (1, 1), "VALID", (4, 6), 3, None, 1),
    "2x2_s2_c3_relu6": ((2, 2), (2, 2), "VALID", (6, 6), 3, "relu6", 1),
    "3x2_s2_same_c1": ((3, 2), (2, 2), "SAME", (7, 5), 1, None, 1),
    "3x3_s1_same_c16": ((3, 3), (1, 1), "SAME", (6, 7), 16, None, 1),  # every border clipped
    "3x3_s2_same_c17_relu": ((3, 3), (2, 2), "SAME", (9, 8), 17, "relu", 1),
    "3x3_s3_same_c8": ((3, 3), (3, 3), "SAME", (16, 3), 8, None, 1),  # magic_wand's, smaller
    "3x3_s2_valid_c4_b2": ((3, 3), (2, 2), "VALID", (7, 7), 4, None, 2),
    "3x3_s1_valid_c5": ((3, 3), (1, 1), "VALID", (5, 6), 5, None, 1),
    "3x3_s1_same_over_2x2_c8": ((3, 3), (1, 1), "SAME", (2, 2), 8, None, 1),  # clipped on both sides
    "2x3_s2_valid_c8": ((2, 3), (2, 2), "VALID", (7, 9), 8, None, 1),
    "3x2_s1_same_c5_relu": ((3, 2), (1, 1), "SAME", (5, 6), 5, "relu", 1),
    "2x1_s2x1_valid_c4": ((2, 1), (2, 1), "VALID", (8, 3), 4, None, 1),
    "1x2_s1_valid_c16_relu6": ((1, 2), (1, 1), "VALID", (3, 5), 16, "relu6", 1),
    "3x1_s3x1_c16": ((3, 1), (3, 1), "SAME", (13, 1), 16, None, 1),
    "1x3_s1x2_c4": ((1, 3), (1, 2), "VALID", (3, 9), 4, None, 1),
    "4x2_s3x1_same_c17": ((4, 2), (3, 1), "SAME", (10, 4), 17, None, 1),
    "4x4_s2_same_c8": ((4, 4), (2, 2), "SAME", (9, 9), 8, None, 1),  # over 3x3: the loops
    "5x5_s3_same_c32_relu6": ((5, 5), (3, 3), "SAME", (11, 10), 32, "relu6", 1),
    "5x5_s1_same_c4": ((5, 5), (1, 1), "SAME", (6, 6), 4, None, 1),
    "5x5_valid_global_c16": ((5, 5), (1, 1), "VALID", (5, 5), 16, None, 1),
    "5x1_s1_valid_c4": ((5, 1), (1, 1), "VALID", (9, 3), 4, None, 1),
    "1x5_s2_same_c5": ((1, 5), (2, 2), "SAME", (4, 11), 5, "relu", 1),
}


def _model(tf, rng):
    def fn(*xs):
        outs = []
        for x, (window, stride, pad, _, _, act, _) in zip(xs, CASES.values()):
            if act == "relu6":  # a range past 6 (a MUL before the pool), so that relu6 clamps below 127
                x = x * 4.0
            y = tf.nn.max_pool2d(x, list(window), list(stride), pad)
            outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
        return tuple(outs)

    return fn, [(spec[6], *spec[3], spec[4]) for spec in CASES.values()]


@pytest.fixture(scope="module", params=["int8", "int16x8"])
def pool_model(request):
    import opzoo

    case = opzoo.Case(_model, expect_ops=("MAX_POOL_2D",), mode=request.param)
    return opzoo.convert_case("target_max_pools" + ("_s16" if request.param != "int8" else ""), case)


def _sfx(model: bytes) -> str:
    from tinyslm.compiler import analyze

    return "s8" if analyze(model, "portable")[0].tensors[0].dtype == "int8" else "s16"


def _calls(model: bytes, target: str) -> list[Call]:
    from tinyslm.compiler import analyze

    return [s for s in analyze(model, target)[1].steps if isinstance(s, Call) and s.op.opcode == "MAX_POOL_2D"]


def test_max_pools_take_the_target_kernels(pool_model):
    sfx = _sfx(pool_model)
    dsp, mve = _calls(pool_model, "cortex-m-dsp"), _calls(pool_model, "helium")
    assert len(dsp) == len(mve) == len(CASES)
    for call, mcall in zip(dsp, mve):
        fh, fw, c = call.params["filter_h"], call.params["filter_w"], call.params["channels"]
        shape = f"{fh}x{fw}_" if fh <= 3 and fw <= 3 else ""  # a window up to 3x3: its shape's entry
        # one int16 channel: the portable kernel (the DSP one takes two int16 a word); int8 pixels of 1..3
        # channels: the narrow entry (a word per window pixel)
        want = ("tslm_max_pool_s16" if sfx == "s16" and c == 1 else
                "tslm_dsp_max_pool_narrow_s8" if c * (1 if sfx == "s8" else 2) < 4 else
                f"tslm_dsp_max_pool_{shape}{sfx}")
        assert call.func == want, call.note
        assert mcall.func == (f"tslm_mve_max_pool_{shape}s8" if sfx == "s8" else "tslm_mve_max_pool_s16"), mcall.note
    assert {c.func for c in _calls(pool_model, "portable")} == {f"tslm_max_pool_{sfx}"}
    # the fused activations reached the kernels (zero points: the clamp is not the type's whole range)
    lo_t, hi_t = (-128, 127) if sfx == "s8" else (-32768, 32767)
    clamps = [(c.params["act_min"], c.params["act_max"]) for c in dsp]
    assert sum(lo > lo_t for lo, _ in clamps) >= 5 and sum(hi < hi_t for _, hi in clamps) >= 2
    assert {c.params["batches"] for c in dsp} == {1, 2}


def test_max_pools_match_tflm_on_the_host(pool_model):
    from tinyslm.runners.verify import verify_host

    shapes = [(spec[6], *spec[3], spec[4]) for spec in CASES.values()]
    t = np.int8 if _sfx(pool_model) == "s8" else np.int16
    extremes = [[np.full(s, v, t) for s in shapes] for v in (np.iinfo(t).min, np.iinfo(t).max)]
    report = verify_host(pool_model, n_inputs=6, seed=21, target="cortex-m-dsp", sanitize=True,
                         real_inputs=extremes)
    assert report.ok and report.bytes_compared > 0 and report.runs == 8, report.lines()


@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_max_pools_bit_exact_in_qemu(pool_model, board, target, opt):
    import opzoo

    cm = opzoo.qemu_matches_tflm(pool_model, board, target, n_inputs=3, seed=22, opt=opt)
    assert len(cm.outputs) == len(CASES)
    sfx = _sfx(pool_model)
    funcs = {s.func for s in cm.plan.steps if isinstance(s, Call) and s.op.opcode == "MAX_POOL_2D"}
    assert (f"tslm_dsp_max_pool_3x3_{sfx}" if target == "cortex-m-dsp" else f"tslm_mve_max_pool_{sfx}") in funcs


# AVERAGE_POOL_2D: windows of at most 256 pixels and more than one output pixel take tslm_dsp_avg_pool_small_s8 (at
# least four channels; one SXTAB16 pass per word of four) and tslm_mve_avg_pool_small_s8 (the division a vector
# multiply-high); the rest tslm_dsp_avg_pool_s8 / tslm_mve_avg_pool_s8.
# name: (window (h, w), stride (h, w), padding, input (h, w), channels, activation, batch)
AVG_CASES = {
    "avg_2x2_s2_c8": ((2, 2), (2, 2), "VALID", (8, 6), 8, None, 1),
    "avg_3x3_s3_same_c5": ((3, 3), (3, 3), "SAME", (10, 8), 5, None, 1),  # clipped windows: other counts
    "avg_3x3_s1_same_c17_relu6": ((3, 3), (1, 1), "SAME", (5, 6), 17, "relu6", 1),
    "avg_3x3_s2_valid_c4_b2_relu": ((3, 3), (2, 2), "VALID", (7, 7), 4, "relu", 2),
    "avg_1x3_s1x2_c16": ((1, 3), (1, 2), "SAME", (3, 9), 16, None, 1),
    "avg_4x4_s2_same_c8": ((4, 4), (2, 2), "SAME", (9, 9), 8, None, 1),
    "avg_5x1_s1_valid_c32": ((5, 1), (1, 1), "VALID", (9, 2), 32, None, 1),
    "avg_16x16_valid_c4": ((16, 16), (1, 1), "VALID", (17, 16), 4, None, 1),  # 256 pixels: the int16 lanes' edge
    "avg_17x16_valid_c4": ((17, 16), (1, 1), "VALID", (18, 16), 4, None, 1),  # 272: tslm_dsp_avg_pool_s8
    "avg_2x2_s2_c3": ((2, 2), (2, 2), "VALID", (6, 6), 3, None, 1),  # 3 channels: tslm_dsp_avg_pool_s8
    "avg_global_5x5_c8": ((5, 5), (1, 1), "VALID", (5, 5), 8, None, 1),  # one output: tslm_dsp_avg_pool_s8
}


def _avg_model(tf, rng):
    def fn(*xs):
        outs = []
        for x, (window, stride, pad, _, _, act, _) in zip(xs, AVG_CASES.values()):
            if act == "relu6":
                x = x * 4.0
            y = tf.nn.avg_pool2d(x, list(window), list(stride), pad)
            outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
        return tuple(outs)

    return fn, [(spec[6], *spec[3], spec[4]) for spec in AVG_CASES.values()]


@pytest.fixture(scope="module")
def avg_model():
    import opzoo

    return opzoo.convert_case("target_avg_pools", opzoo.Case(_avg_model, expect_ops=("AVERAGE_POOL_2D",)))


def test_avg_pools_take_the_small_window_kernel(avg_model):
    from tinyslm.compiler import analyze

    calls = [s for s in analyze(avg_model, "cortex-m-dsp")[1].steps
             if isinstance(s, Call) and s.op.opcode == "AVERAGE_POOL_2D"]
    assert len(calls) == len(AVG_CASES)
    for c in calls:
        p = c.params
        small = p["filter_h"] * p["filter_w"] <= 256 and p["channels"] >= 4 and p["output_h"] * p["output_w"] > 1
        assert c.func == ("tslm_dsp_avg_pool_small_s8" if small else "tslm_dsp_avg_pool_s8"), c.note
    assert sum(c.func == "tslm_dsp_avg_pool_small_s8" for c in calls) == 8
    # Helium: tslm_mve_avg_pool_small_s8 (the division a vector multiply-high) for any channel count
    for c in [s for s in analyze(avg_model, "helium")[1].steps if isinstance(s, Call) and s.op.opcode == "AVERAGE_POOL_2D"]:
        p = c.params
        small = p["filter_h"] * p["filter_w"] <= 256 and p["output_h"] * p["output_w"] > 1
        assert c.func == ("tslm_mve_avg_pool_small_s8" if small else "tslm_mve_avg_pool_s8"), c.note


def test_avg_pools_match_tflm_on_the_host(avg_model):
    from tinyslm.runners.verify import verify_host

    shapes = [(spec[6], *spec[3], spec[4]) for spec in AVG_CASES.values()]
    extremes = [[np.full(s, v, np.int8) for s in shapes] for v in (-128, 127)]
    report = verify_host(avg_model, n_inputs=6, seed=23, target="cortex-m-dsp", sanitize=True, real_inputs=extremes)
    assert report.ok and report.bytes_compared > 0 and report.runs == 8, report.lines()


@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_avg_pools_bit_exact_in_qemu(avg_model, board, target, opt):
    import opzoo

    cm = opzoo.qemu_matches_tflm(avg_model, board, target, n_inputs=3, seed=24, opt=opt)
    assert len(cm.outputs) == len(AVG_CASES)
