"""3 x 1 depthwise at stride 1 over columns wider than 1 on the Cortex-M4 DSP kernel (issue 15, sixth round):
each output column reads only its own input column, so the kernel runs the width-1 3 x 1 routine once per column
with rows W x C bytes apart (col_w1k3_cols, behind an entry of its own: tslm_dsp_depthwise_conv_cols_s8). One
model with every layer, one conversion, checked bit-exactly against TFLM in QEMU at -O2 and in the size build; a
chained pair of layers runs the second in place (its input an intermediate tensor of its own shape)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.compiler.lowering import Call

SHIFTS = tuple(0.8 ** k for k in range(12)) + (0.003, 0.001)

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation, [weight scales]
CASES = {
    "k3_25x5_c8_relu": ((3, 1), 8, "relu", (25, 5), 1, "SAME", 1),  # MLPerf KWS's feature map, a 3 x 1 over it
    "k3_24x3_c7": ((3, 1), 7, None, (24, 3), 1, "SAME", 1),  # odd channels, even T (a tail of two outputs)
    "k3_13x2_c5_relu6": ((3, 1), 5, "relu6", (13, 2), 1, "SAME", 1),
    "k3_valid_17x4_c6_relu": ((3, 1), 6, "relu", (17, 4), 1, "VALID", 1),  # pad_h 0
    "k3_valid_10x3_c4": ((3, 1), 4, None, (10, 3), 1, "VALID", 1),
    "k3_22x3_c14_shifts_relu": ((3, 1), 14, "relu", (22, 3), 1, "SAME", 1, SHIFTS),  # r in and outside the copies
    "k3_19x2_c14_shifts": ((3, 1), 14, None, (19, 2), 1, "SAME", 1, SHIFTS),
    "k3_2x3_c4_relu": ((3, 1), 4, "relu", (2, 3), 1, "SAME", 1),  # too short for the routine: the column layout
    "k3_140x4_c4_relu": ((3, 1), 4, "relu", (140, 4), 1, "SAME", 1),  # the compiler's bands (per column all the same)
}


def _chain(tf, rng):
    """Two 3 x 1 layers in a row over 21x4x8: the second's input is the first's output (runs in place)."""
    w1, w2 = (tf.constant(opzoo_w(rng, 3, 1, 8, 1)) for _ in range(2))
    b1, b2 = (tf.constant(opzoo_w(rng, 8, scale=0.1)) for _ in range(2))

    def fn(x):
        y = tf.nn.relu(tf.nn.depthwise_conv2d(x, w1, [1, 1, 1, 1], "SAME") + b1)
        return tf.nn.relu6(tf.nn.depthwise_conv2d(y, w2, [1, 1, 1, 1], "SAME") + b2)

    return fn, [(1, 21, 4, 8)]


def opzoo_w(rng, *shape, scale=0.3):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


@pytest.fixture(scope="module")
def cols_model():
    import opzoo

    layers = opzoo.depthwise_layers(list(CASES.values()))

    def build(tf, rng):
        fn, shapes = layers(tf, rng)
        chain, cshape = _chain(tf, rng)

        def both(*xs):
            return (*fn(*xs[:-1]), chain(xs[-1]))

        return both, shapes + cshape

    return opzoo.convert_case("dw_w1cols", opzoo.Case(build, expect_ops=("DEPTHWISE_CONV_2D",)))


def _calls(plan) -> list[Call]:
    return [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]


def test_paths_the_compiler_gives(cols_model):
    """Every 3 x 1 over columns wider than 1 at stride 1 in the column layout behind its own entry; the chained
    second layer in place."""
    from tinyslm.compiler import analyze

    calls = _calls(analyze(cols_model, "cortex-m-dsp")[1])
    assert len(calls) == len(CASES) + 2
    for s in calls:
        p = s.params
        assert p["input_w"] > 1 and p["filter_h"] == 3 and p["filter_w"] == 1 and p["requant_fast"] >= 16
        assert s.func == "tslm_dsp_depthwise_conv_cols_s8", s.note
    assert any(s.inplace for s in calls)
    assert any(s.params["band_h"] for s in calls)


def _bit_exact(model: bytes, opt: str) -> None:
    import opzoo

    cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=6, opt=opt)
    assert len(cm.outputs) == len(CASES) + 1


def test_bit_exact_on_cortex_m4(cols_model):
    _bit_exact(cols_model, "-O2")


def test_bit_exact_size_build(cols_model):
    _bit_exact(cols_model, "-Os -DTSLM_OPTIMIZE_SIZE")


def test_new_entries_with_two_batches_bit_exact_on_cortex_m4():
    """Both of the sixth round's entries with batches of two (each batch's columns, records and weights from the
    start): a 3 x 1 over 13x3 (tslm_dsp_depthwise_conv_cols_s8), a 3x3 at stride 2 over 6x6 with relu6 (three rows,
    col_3x3s2t_channels) and one over 8x7 without an activation (four rows) (tslm_dsp_depthwise_conv_3x3s2t_s8)."""
    import opzoo

    def build(tf, rng):
        ws = [tf.constant(opzoo._w(rng, kh, kw, c, 1)) for kh, kw, c in ((3, 1, 8), (3, 3, 8), (3, 3, 6))]
        bs = [tf.constant(opzoo._w(rng, c, scale=0.1)) for c in (8, 8, 6)]

        def fn(a, b, c):
            ya = tf.nn.relu(tf.nn.depthwise_conv2d(a, ws[0], [1, 1, 1, 1], "SAME") + bs[0])
            yb = tf.nn.relu6(tf.nn.depthwise_conv2d(b, ws[1], [1, 2, 2, 1], "SAME") + bs[1])
            yc = tf.nn.depthwise_conv2d(c, ws[2], [1, 2, 2, 1], "SAME") + bs[2]
            return ya, yb, yc

        return fn, [(2, 13, 3, 8), (2, 6, 6, 8), (2, 8, 7, 6)]

    from tinyslm.compiler import analyze

    model = opzoo.convert_case("dw_new_entries_batch2", opzoo.Case(build, expect_ops=("DEPTHWISE_CONV_2D",)))
    calls = _calls(analyze(model, "cortex-m-dsp")[1])
    assert sorted(c.func for c in calls) == ["tslm_dsp_depthwise_conv_3x3s2t_s8"] * 2 + [
        "tslm_dsp_depthwise_conv_cols_s8"]
    assert all(c.params["batches"] == 2 for c in calls)
    cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=2, seed=1)
    assert len(cm.outputs) == 3
