"""Width-1 depthwise layers on the Cortex-M4 DSP kernel that the column layout's fast paths gained in issue 15's
fifth round: K x 1 at stride 2 with K = 5..10 (col_run_k1s2n: the widened column, four output rows a block, the
loop copy per right shift; 4 x 1, 5 x 1 and 6 x 1 at width 1 in col_w1k4s2 and col_w1k5s2, the time pairs in
registers), K = 2 as 3 x 1 with a zero first tap (stride 1 and 2; its own entry, tslm_dsp_depthwise_conv_k2_s8:
the width-1 3 x 1 routines' copies with one MAC instruction a block fewer), and dilated K x 1 at stride 1
(col_dilated: one stride-1 pass per phase t = p, p + d, ..., rows d x C bytes apart). One model with every layer,
one conversion, checked bit-exactly against TFLM in QEMU (-O2 and the size build). The stride-2 K >= 4 and dilated
layers take their own entry, tslm_dsp_depthwise_conv_k1_s8 (~25 KB of routines at -O2 only they link)."""

from __future__ import annotations

import pytest

from tinyslm.compiler.lowering import Call

# weight scales per channel whose right shifts fall inside and outside the per-shift loop copies (r = 5..8)
SHIFTS = tuple(0.8 ** k for k in range(12)) + (0.003, 0.001)

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation, [weight scales]
CASES = {
    # K x 1 at stride 2, K = 5..10: full blocks and 0..3 rows after them, no full block, SAME and VALID
    "k5s2_rows25_c8_relu": ((5, 1), 8, "relu", (49, 1), 2, "SAME", 1),
    "k5s2_rows12_c5": ((5, 1), 5, None, (24, 1), 2, "SAME", 1),
    "k5s2_rows7_c4_relu6": ((5, 1), 4, "relu6", (13, 1), 2, "SAME", 1),
    "k5s2_rows3_c6_relu": ((5, 1), 6, "relu", (5, 1), 2, "SAME", 1),
    "k5s2_valid_rows8_c3": ((5, 1), 3, None, (20, 1), 2, "VALID", 1),
    "k5s2_rows10_c7_relu": ((5, 1), 7, "relu", (19, 1), 2, "SAME", 1),
    # 5 x 1 (col_w1k5s2, pairs in registers): pad_h 0, 1, 2, loop entries 0, 1, 2, one or two outputs after the
    # loop (a half pair), shifts in and outside the loop copies (r = 5..10)
    "k5s2_rows8_c6_relu": ((5, 1), 6, "relu", (15, 1), 2, "SAME", 1),
    "k5s2_rows8_c5": ((5, 1), 5, None, (16, 1), 2, "SAME", 1),
    "k5s2_valid_rows9_c4": ((5, 1), 4, None, (21, 1), 2, "VALID", 1),
    "k5s2_valid_rows9_c3_relu": ((5, 1), 3, "relu", (22, 1), 2, "VALID", 1),
    "k5s2_rows12_c14_shifts": ((5, 1), 14, None, (24, 1), 2, "SAME", 1, SHIFTS),
    "k5s2_rows4_c14_shifts_relu": ((5, 1), 14, "relu", (7, 1), 2, "SAME", 1, SHIFTS),
    # 4 x 1 (col_w1k4s2, one carried pair): pad_h 0 and 1, loop entries 0..3, after the loop none, a half pair or
    # the zero-point pair, shifts in and outside the copies
    "k4s2_rows25_c8_relu": ((4, 1), 8, "relu", (49, 1), 2, "SAME", 1),
    "k4s2_rows12_c5": ((4, 1), 5, None, (24, 1), 2, "SAME", 1),
    "k4s2_valid_rows9_c4_relu": ((4, 1), 4, "relu", (20, 1), 2, "VALID", 1),
    "k4s2_valid_rows8_c3": ((4, 1), 3, None, (19, 1), 2, "VALID", 1),
    "k4s2_rows6_c6_relu": ((4, 1), 6, "relu", (12, 1), 2, "SAME", 1),
    "k4s2_rows11_c7_relu": ((4, 1), 7, "relu", (22, 1), 2, "SAME", 1),
    "k4s2_rows2_c4": ((4, 1), 4, None, (3, 1), 2, "SAME", 1),
    "k4s2_rows6_c5_relu6": ((4, 1), 5, "relu6", (11, 1), 2, "SAME", 1),
    "k4s2_rows10_c14_shifts_relu": ((4, 1), 14, "relu", (20, 1), 2, "SAME", 1, SHIFTS),
    "k4s2_rows7_c14_shifts": ((4, 1), 14, None, (14, 1), 2, "SAME", 1, SHIFTS),
    "k6s2_rows15_c6_relu": ((6, 1), 6, "relu", (30, 1), 2, "SAME", 1),
    "k6s2_valid_rows9_c4": ((6, 1), 4, None, (22, 1), 2, "VALID", 1),
    "k6s2_rows15_c5": ((6, 1), 5, None, (29, 1), 2, "SAME", 1),
    "k6s2_rows7_c4_relu6": ((6, 1), 4, "relu6", (13, 1), 2, "SAME", 1),
    "k6s2_rows12_c14_shifts_relu": ((6, 1), 14, "relu", (24, 1), 2, "SAME", 1, SHIFTS),
    "k6s2_rows9_c14_shifts": ((6, 1), 14, None, (17, 1), 2, "SAME", 1, SHIFTS),
    "k7s2_rows9_c5": ((7, 1), 5, None, (17, 1), 2, "SAME", 1),
    "k7s2_valid_rows7_c6_relu": ((7, 1), 6, "relu", (20, 1), 2, "VALID", 1),
    "k8s2_rows13_c4_relu": ((8, 1), 4, "relu", (26, 1), 2, "SAME", 1),
    "k9s2_rows25_c8_relu": ((9, 1), 8, "relu", (49, 1), 2, "SAME", 1),
    "k9s2_valid_rows7_c5": ((9, 1), 5, None, (22, 1), 2, "VALID", 1),
    "k9s2_rows6_c3_relu6": ((9, 1), 3, "relu6", (12, 1), 2, "SAME", 1),
    "k10s2_rows12_c4": ((10, 1), 4, None, (23, 1), 2, "SAME", 1),
    "k5s2_rows13_c14_shifts_relu": ((5, 1), 14, "relu", (25, 1), 2, "SAME", 1, SHIFTS),
    "k7s2_rows11_c14_shifts": ((7, 1), 14, None, (21, 1), 2, "SAME", 1, SHIFTS),
    "k9s2_rows9_c14_shifts_relu": ((9, 1), 14, "relu", (18, 1), 2, "SAME", 1, SHIFTS),
    # Keras Conv1D's layout (1 x K over a row of height 1), given to the kernel as K x 1
    "row1x5s2_c6_relu": ((1, 5), 6, "relu", (1, 23), 2, "SAME", 1),
    "row1x9s2_c5": ((1, 9), 5, None, (1, 31), 2, "SAME", 1),
    # K = 2: as 3 x 1 with a zero first tap, stride 1 and 2
    "k2s2_rows25_c8_relu": ((2, 1), 8, "relu", (49, 1), 2, "SAME", 1),
    "k2s2_rows12_c5": ((2, 1), 5, None, (24, 1), 2, "SAME", 1),
    "k2s2_valid_rows6_c4_relu6": ((2, 1), 4, "relu6", (12, 1), 2, "VALID", 1),
    "k2s2_valid_rows7_c3": ((2, 1), 3, None, (15, 1), 2, "VALID", 1),
    "k2s2_rows9_c14_shifts_relu": ((2, 1), 14, "relu", (17, 1), 2, "SAME", 1, SHIFTS),
    "k2_rows17_c6_relu": ((2, 1), 6, "relu", (17, 1), 1, "SAME", 1),
    "k2_rows16_c5": ((2, 1), 5, None, (16, 1), 1, "SAME", 1),
    "k2_valid_rows8_c4_relu": ((2, 1), 4, "relu", (9, 1), 1, "VALID", 1),
    # K = 2 at stride 1 in the one-SMLAD copies: entries 2 and 3 (0 and 1 above), shifts in and outside the copies
    "k2_rows13_c7_relu": ((2, 1), 7, "relu", (13, 1), 1, "SAME", 1),
    "k2_rows12_c14_shifts": ((2, 1), 14, None, (12, 1), 1, "SAME", 1, SHIFTS),
    "row1x2s2_c6": ((1, 2), 6, None, (1, 21), 2, "SAME", 1),
    # K = 2 at stride 2 in the one-SMLAD copies (every first tap zero): entry 3 with two outputs after the loop
    # (T = 4k + 3), entry 3 with one (4k + 1) and shifts in and outside the copies, entry 0 with two, no activation
    "k2s2_rows12_c6_relu": ((2, 1), 6, "relu", (23, 1), 2, "SAME", 1),
    "k2s2_rows11_c14_shifts": ((2, 1), 14, None, (21, 1), 2, "SAME", 1, SHIFTS),
    "k2s2_rows10_c7": ((2, 1), 7, None, (19, 1), 2, "SAME", 1),
    # dilation (stride 1): T divisible by d and not, SAME and VALID, K = 3 (col_w1k3 per phase), 4, 5
    "k3d2_rows49_c8_relu": ((3, 1), 8, "relu", (49, 1), 1, "SAME", 2),
    "k3d2_rows20_c5": ((3, 1), 5, None, (20, 1), 1, "SAME", 2),
    "k3d2_valid_rows16_c4_relu": ((3, 1), 4, "relu", (20, 1), 1, "VALID", 2),
    "k3d3_rows16_c6": ((3, 1), 6, None, (16, 1), 1, "SAME", 3),
    "k3d3_valid_rows11_c4_relu6": ((3, 1), 4, "relu6", (17, 1), 1, "VALID", 3),
    "k3d3_rows3_c5_relu": ((3, 1), 5, "relu", (3, 1), 1, "SAME", 3),
    "k3d4_rows6_c3": ((3, 1), 3, None, (6, 1), 1, "SAME", 4),
    "k5d2_rows21_c6_relu": ((5, 1), 6, "relu", (21, 1), 1, "SAME", 2),
    "k5d3_rows23_c5": ((5, 1), 5, None, (23, 1), 1, "SAME", 3),
    "k5d2_valid_rows11_c4_relu": ((5, 1), 4, "relu", (19, 1), 1, "VALID", 2),
    "k4d2_rows15_c5_relu": ((4, 1), 5, "relu", (15, 1), 1, "SAME", 2),
    "k2d3_rows14_c4": ((2, 1), 4, None, (14, 1), 1, "SAME", 3),
    "k3d2_rows25_c14_shifts_relu": ((3, 1), 14, "relu", (25, 1), 1, "SAME", 2, SHIFTS),
    "k3d3_rows22_c14_shifts": ((3, 1), 14, None, (22, 1), 1, "SAME", 3, SHIFTS),
    "row1x3d2_c7_relu": ((1, 3), 7, "relu", (1, 21), 1, "SAME", 2),
}


@pytest.fixture(scope="module")
def w1_model():
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(CASES.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    return opzoo.convert_case("dw_w1s2_dilated", layers)


def _calls(plan) -> list[Call]:
    return [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]


def test_paths_the_compiler_gives(w1_model):
    """Every layer in the column layout; K = 2 as 3 x 1 (pad_h one more), dilated ones per phase and never in
    place; the MACs those of the model's filter."""
    from tinyslm.compiler import analyze

    calls = _calls(analyze(w1_model, "cortex-m-dsp")[1])
    assert len(calls) == len(CASES)

    def key(t, c, st, dil, macs):
        return (t, c, st, dil, macs)

    by_key = {key(s.params["input_h"], s.params["input_c"], s.params["stride_h"], s.params["dilation_h"], s.macs): s
              for s in calls}
    assert len(by_key) == len(CASES)
    for name, ((kh, kw), c, _, hw, st, pad, dil, *_s) in CASES.items():
        k, t = kh * kw, max(hw)
        oh = -(-t // st) if pad == "SAME" else -(-(t - (k - 1) * dil) // st)
        call = by_key[key(t, c, st, dil, oh * c * k)]
        p = call.params
        assert p["input_w"] == 1 and p["output_h"] == oh, name
        assert p["requant_fast"] >= 16, name  # the column layout
        if k == 2 and dil == 1:
            top = 0 if pad == "VALID" else max(0, (oh - 1) * st + 2 - t) // 2
            assert p["filter_h"] == 3 and p["pad_h"] == top + 1 and "zero first tap" in call.note, name
        else:
            assert p["filter_h"] == k, name
        if dil > 1:
            assert "per phase of dilation" in call.note and not call.inplace, name
        # the routines of stride 2 with K >= 4 and of dilation sit behind an entry of their own, so a model without
        # such layers links none of them
        own = (st == 2 and k >= 4) or dil > 1
        # K = 2 (undilated) behind one of its own too, its copies with one MAC instruction a block fewer
        func = ("tslm_dsp_depthwise_conv_k1_s8" if own else
                "tslm_dsp_depthwise_conv_k2_s8" if k == 2 and dil == 1 else "tslm_dsp_depthwise_conv_s8")
        assert call.func == func, name


def _bit_exact(model: bytes, opt: str) -> None:
    import opzoo

    cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=6, opt=opt)
    assert len(cm.outputs) == len(CASES)


def test_bit_exact_on_cortex_m4(w1_model):
    _bit_exact(w1_model, "-O2")


def test_bit_exact_on_cortex_m4_size_build(w1_model):
    _bit_exact(w1_model, "-Os -DTSLM_OPTIMIZE_SIZE")
