"""Average pools and global means on the DSP target: AVERAGE_POOL_2D (tslm_dsp_avg_pool_s8) and MEAN over the
pixels of each channel (tslm_dsp_mean_s8's column sums) add four channels per pixel with two SXTAB16
(tslm_dsp.h: tslm_dsp_sum_columns, flushed every 256 pixels). Checked against TFLM on the host under the
sanitizers (the intrinsics' C equivalents) and on the Cortex-M4 in QEMU (the instructions)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.compiler.lowering import Call

# name: ("avg", input (h, w), channels, window, stride, padding, relu6) or ("mean", input (h, w), channels, keepdims)
CASES = {
    "avg_global_25x5_c64": ("avg", (25, 5), 64, (25, 5), (25, 5), "VALID", False),
    "avg_3x3_s2_same_c70": ("avg", (9, 11), 70, (3, 3), (2, 2), "SAME", False),  # 64 + 6: a second block
    "avg_2x2_c13_relu6": ("avg", (6, 7), 13, (2, 2), (2, 2), "VALID", True),  # a 1-column tail
    "avg_rows_24x12_c8": ("avg", (24, 12), 8, (24, 12), (1, 1), "VALID", False),  # 288 pixels: a flush
    "mean_6x6_c128": ("mean", (6, 6), 128, False),
    "mean_20x17_c6": ("mean", (20, 17), 6, True),  # 340 pixels: a flush; 6 channels: a 2-column tail
    "mean_3x4_c5": ("mean", (3, 4), 5, False),
}


def _model(tf, rng):
    def fn(*xs):
        outs = []
        for x, spec in zip(xs, CASES.values()):
            if spec[0] == "avg":
                _, _, _, window, stride, pad, relu6 = spec
                y = tf.nn.avg_pool2d(x, window, stride, pad)
                outs.append(tf.nn.relu6(y) if relu6 else y)
            else:
                outs.append(tf.reduce_mean(x, axis=[1, 2], keepdims=spec[3]))
        return tuple(outs)

    return fn, [(1, *spec[1], spec[2]) for spec in CASES.values()]


@pytest.fixture(scope="module")
def pool_model():
    import opzoo

    return opzoo.convert_case("dsp_pools", opzoo.Case(_model, expect_ops=("AVERAGE_POOL_2D", "MEAN")))


def test_pools_take_the_dsp_kernels_and_match_tflm_on_the_host(pool_model):
    from tinyslm.compiler import analyze
    from tinyslm.runners.verify import verify_host

    calls = [s for s in analyze(pool_model, "cortex-m-dsp")[1].steps if isinstance(s, Call)]
    # windows of at most 256 pixels, four channels or more and more than one output pixel: the one-pass kernel
    small = {"avg_3x3_s2_same_c70", "avg_2x2_c13_relu6"}
    assert sorted(c.func for c in calls) == sorted(
        ("tslm_dsp_avg_pool_small_s8" if name in small else "tslm_dsp_avg_pool_s8") if spec[0] == "avg"
        else "tslm_dsp_mean_s8" for name, spec in CASES.items())
    # and the extremes, where a lane left unflushed past 256 pixels would wrap (288 and 340 pixels above)
    shapes = [(1, *spec[1], spec[2]) for spec in CASES.values()]
    extremes = [[np.full(s, v, np.int8) for s in shapes] for v in (-128, 127)]
    report = verify_host(pool_model, n_inputs=8, seed=11, target="cortex-m-dsp", sanitize=True, real_inputs=extremes)
    assert report.ok and report.bytes_compared > 0 and report.runs == 10, report.lines()


def test_pools_bit_exact_on_cortex_m4(pool_model):
    import opzoo

    cm = opzoo.qemu_matches_tflm(pool_model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=12)
    assert len(cm.outputs) == len(CASES)
