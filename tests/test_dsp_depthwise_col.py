"""The DSP depthwise kernel's column layout (firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c): each of
its four epilogues bit-exact with TFLM. The op zoo's relu/relu6 cases take the folded one the compiler picks
(EPI_SAT); here the records are rewritten to the others, which are exact for any output (FAST, EXACT) or for
outputs clamped at or above the zero point (FOLD, as these cases are), and the host build is checked."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.compiler import analyze
from tinyslm.compiler.lowering import Call
from tinyslm.runners.verify import verify_host


def _forced(mode: str):
    def records(rec: np.ndarray, fast: bool, zp: int, lo: int, hi: int) -> tuple[np.ndarray, int]:
        assert fast and lo >= zp, "the cases below have fast records and outputs clamped at the zero point"
        rows = rec.reshape(-1, 4).copy()
        if mode == "exact":  # TFLM's {bias, multiplier, shift, 0}
            return np.stack([rows[:, 0] // 2, rows[:, 1], -rows[:, 2], 0 * rows[:, 0]], axis=1).reshape(-1), 3
        if mode == "fast":
            return rows.reshape(-1), 2
        rows[:, 3] = (1 << (rows[:, 2] - 1)) + (zp - lo) * (1 << rows[:, 2])  # fold
        return rows.reshape(-1), 1
    return records


@pytest.mark.parametrize("name,mode", [("depthwise_temporal_9x1_c13_relu", "fold"),
                                       ("depthwise_temporal_9x1_c13_relu", "exact"),
                                       ("depthwise_5x2_c9_stride2_relu", "fast")])
def test_column_layout_epilogues_bit_exact(name, mode, zoo, monkeypatch):
    import tinyslm.compiler.ops.conv as conv

    model = zoo(name)
    monkeypatch.setattr(conv, "depthwise_column_records", _forced(mode))
    _, plan = analyze(model, "cortex-m-dsp")
    dw = [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert [c.params["requant_fast"] for c in dw] == [16 + {"fold": 1, "fast": 2, "exact": 3}[mode]]
    report = verify_host(model, n_inputs=6, seed=9, target="cortex-m-dsp")
    assert report.ok, report.lines()


def test_stride2_3x3_layers_take_their_own_entry(zoo):
    """3x3 at stride 2 in the column layout goes to tslm_dsp_depthwise_conv_3x3s2_s8, the only entry that reaches
    the stride-2 passes (17 KB at -O2), so a model without such layers (MLPerf KWS) links none of them (a model
    whose depthwise layers all have epilogue 0, as this relu one: its sat twin)."""
    for name, func in (("depthwise_3x3_c16_stride2_relu", "tslm_dsp_depthwise_conv_3x3s2_sat_s8"),
                       ("depthwise_3x3", "tslm_dsp_depthwise_conv_s8")):
        _, plan = analyze(zoo(name), "cortex-m-dsp")
        dw = [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
        assert len(dw) == 1 and dw[0].params["requant_fast"] >= 16 and dw[0].func == func, name


def test_temporal_depthwise_takes_the_column_layout(zoo):
    _, plan = analyze(zoo("depthwise_temporal_4x1_c7"), "cortex-m-dsp")
    dw = [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert len(dw) == 1 and dw[0].func == "tslm_dsp_depthwise_conv_s8" and dw[0].params["requant_fast"] >= 16


@pytest.mark.parametrize("name", ["depthwise_3x3", "depthwise_temporal_4x1_c7"])
def test_outputs_without_activation_take_the_assembly_epilogue(name, zoo):
    """No activation (outputs below the zero point): epilogue 4, the zero point in the rounding term and TFLM's -1
    kept, run by the 3x3 and K x 1 Thumb-2 loops; these op-zoo cases check it against TFLM in QEMU
    (test_qemu_bench.py, -O2, and depthwise_3x3 in the size build)."""
    _, plan = analyze(zoo(name), "cortex-m-dsp")
    dw = [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert [c.params["requant_fast"] for c in dw] == [16 + 4]


# shapes the op zoo leaves out of the drivers' paths (3x3 and 5x5 at stride 1 and 2, K x 1 with K = 2..5 at stride 1
# and K = 2, 3 at stride 2): fewer than four output rows (all in C), a last block of two or three rows (C after the
# driver), one row after the blocks (in the driver), several output columns, a partial group of channels, with and
# without an activation
# per-channel weight scales: right shifts inside and outside the copies (r = 6..15 with the layers below)
W1_SHIFTS = tuple(0.8 ** k for k in range(12)) + (0.003, 0.001)
DRIVER_CASES = {
    "dw3x3_rows3_c6_relu": dict(k=(3, 3), cin=6, act="relu", hw=(3, 5)),
    "dw3x3_rows7_c8": dict(k=(3, 3), cin=8, act=None, hw=(7, 4)),
    "dw3x3_rows13_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(13, 3)),
    "dw3x1_rows13_c12_relu": dict(k=(3, 1), cin=12, act="relu", hw=(13, 1)),
    "dw3x1_rows3_c4": dict(k=(3, 1), cin=4, act=None, hw=(3, 1)),
    "dw5x1_rows10_c9": dict(k=(5, 1), cin=9, act=None, hw=(10, 2)),
    "dw2x1_rows8_c4_relu": dict(k=(2, 1), cin=4, act="relu", hw=(8, 3)),
    "dw4x1_rows9_c8_relu": dict(k=(4, 1), cin=8, act="relu", hw=(9, 1)),
    "dw3x3s2_rows7_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(13, 6), stride=2),
    "dw3x3s2_rows3_c5": dict(k=(3, 3), cin=5, act=None, hw=(6, 5), stride=2),
    # 3x3 at stride 2 with a last two rows after the full blocks: one more driver pass overlapping them
    "dw3x3s2_rows6_c8": dict(k=(3, 3), cin=8, act=None, hw=(12, 5), stride=2),
    "dw3x3s2_rows6_c6_relu": dict(k=(3, 3), cin=6, act="relu", hw=(11, 3), stride=2),
    # fewer than four rows at stride 2 (col_3x3s2_rows): two with relu, one without an activation
    "dw3x3s2_rows2_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(4, 5), stride=2),
    "dw3x3s2_rows1_c8": dict(k=(3, 3), cin=8, act=None, hw=(2, 6), stride=2),
    "dw3x3s2_rows9_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(18, 4), stride=2),
    "dw3x3s2_valid_rows9_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(19, 5), stride=2, padding="VALID"),
    # VALID: the last row's taps all inside the image (with SAME its last tap is the padding)
    "dw3x3_valid_rows13_c4": dict(k=(3, 3), cin=4, act=None, hw=(15, 4), padding="VALID"),
    "dw3x1_valid_rows13_c4_relu": dict(k=(3, 1), cin=4, act="relu", hw=(15, 1), padding="VALID"),
    "dw5x1_valid_rows9_c4_relu": dict(k=(5, 1), cin=4, act="relu", hw=(13, 1), padding="VALID"),
    "dw4x1_valid_rows9_c4": dict(k=(4, 1), cin=4, act=None, hw=(12, 1), padding="VALID"),
    "dw5x5_valid_rows9_c4_relu": dict(k=(5, 5), cin=4, act="relu", hw=(13, 7), padding="VALID"),
    "dw5x5_rows8_c6": dict(k=(5, 5), cin=6, act=None, hw=(8, 6)),
    "dw5x5_rows5_c4_relu": dict(k=(5, 5), cin=4, act="relu", hw=(5, 5)),
    "dw5x5_valid_rows7_c4_relu": dict(k=(5, 5), cin=4, act="relu", hw=(11, 6), padding="VALID"),
    "dw5x5_rows3_c4": dict(k=(5, 5), cin=4, act=None, hw=(3, 5)),
    "dw5x5s2_valid_rows5_c4_relu": dict(k=(5, 5), cin=4, act="relu", hw=(13, 7), stride=2, padding="VALID"),
    "dw5x5s2_rows6_c5": dict(k=(5, 5), cin=5, act=None, hw=(12, 6), stride=2),
    "dw3x1s2_valid_rows9_c8_relu": dict(k=(3, 1), cin=8, act="relu", hw=(19, 1), stride=2, padding="VALID"),
    "dw3x1s2_rows7_c6": dict(k=(3, 1), cin=6, act=None, hw=(13, 1), stride=2),
    "dw2x1s2_rows4_c4_relu": dict(k=(2, 1), cin=4, act="relu", hw=(8, 2), stride=2),
    # width 1, 3 x 1 at stride 1 (col_w1k3, no widening): every tail (none, one output reading the padding or the
    # last input, two outputs) and loop entry (blocks % 4), partial groups of channels, SAME and VALID; two steps
    # (no whole block) take the column layout
    "w1_3x1_rows12_c5": dict(k=(3, 1), cin=5, act=None, hw=(12, 1)),
    "w1_3x1_rows7_c3_relu": dict(k=(3, 1), cin=3, act="relu", hw=(7, 1)),
    "w1_3x1_rows9_c9": dict(k=(3, 1), cin=9, act=None, hw=(9, 1)),
    "w1_3x1_rows4_c6_relu": dict(k=(3, 1), cin=6, act="relu", hw=(4, 1)),
    "w1_3x1_rows5_c1": dict(k=(3, 1), cin=1, act=None, hw=(5, 1)),
    "w1_3x1_rows2_c4_relu": dict(k=(3, 1), cin=4, act="relu", hw=(2, 1)),
    "w1_3x1_valid_rows12_c7": dict(k=(3, 1), cin=7, act=None, hw=(14, 1), padding="VALID"),
    "w1_3x1_valid_rows3_c4_relu": dict(k=(3, 1), cin=4, act="relu", hw=(5, 1), padding="VALID"),
    "w1_3x1_rows49_c40": dict(k=(3, 1), cin=40, act=None, hw=(49, 1)),
    # the slow loop's eight-block turn (right shifts outside the copies) entered at 1 and at 6 with a second turn
    "w1_3x1_rows15_c2": dict(k=(3, 1), cin=2, act=None, hw=(15, 1)),
    "w1_3x1_rows21_c3_relu": dict(k=(3, 1), cin=3, act="relu", hw=(21, 1)),
    # channels whose right shift falls in each copy and outside them (weights scaled down), stride 1 and 2, with
    # and without an activation
    "w1_3x1_rows21_c14_shifts_relu": dict(k=(3, 1), cin=14, act="relu", hw=(21, 1), wscale=W1_SHIFTS),
    "w1_3x1_rows13_c14_shifts": dict(k=(3, 1), cin=14, act=None, hw=(13, 1), wscale=W1_SHIFTS),
    "w1s2_3x1_rows12_c14_shifts_relu": dict(k=(3, 1), cin=14, act="relu", hw=(24, 1), stride=2, wscale=W1_SHIFTS),
    "w1s2_3x1_rows9_c14_shifts": dict(k=(3, 1), cin=14, act=None, hw=(17, 1), stride=2, wscale=W1_SHIFTS),
    # 3x3 at stride 2 with at most eight output rows: passes of 4, 3, 2 or 1 rows across the columns
    # (col_3x3s2c_channels); the cases above add 4 + 3, 4 + 2, 3, 2 and 1 rows
    "s2c_rows5_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(10, 3), stride=2),
    "s2c_rows8_c12": dict(k=(3, 3), cin=12, act=None, hw=(16, 4), stride=2),
    "s2c_rows4_c7_relu": dict(k=(3, 3), cin=7, act="relu", hw=(8, 7), stride=2),
    "s2c_valid_rows3_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(7, 7), stride=2, padding="VALID"),
    "s2c_rows1_c5_relu": dict(k=(3, 3), cin=5, act="relu", hw=(1, 3), stride=2),
    # columns of exactly three and four row pairs widened without the inner loop
    "s2c_rows3_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(6, 6), stride=2),
    "s2c_rows4_c8": dict(k=(3, 3), cin=8, act=None, hw=(8, 8), stride=2),
    # width 1, 3 x 1 at stride 2 (col_w1k3s2): pad_h 1 and 0, tails none, one output (its last tap padding or the
    # last input), two outputs (the second's last tap padding); loop entries 0..3
    "w1s2_3x1_rows25_c8_relu": dict(k=(3, 1), cin=8, act="relu", hw=(49, 1), stride=2),
    "w1s2_3x1_rows9_c3": dict(k=(3, 1), cin=3, act=None, hw=(18, 1), stride=2),
    "w1s2_3x1_rows12_c5_relu": dict(k=(3, 1), cin=5, act="relu", hw=(24, 1), stride=2),
    "w1s2_3x1_valid_rows6_c4": dict(k=(3, 1), cin=4, act=None, hw=(13, 1), stride=2, padding="VALID"),
    "w1s2_3x1_rows6_c6": dict(k=(3, 1), cin=6, act=None, hw=(12, 1), stride=2),
    "w1s2_3x1_rows3_c4_relu": dict(k=(3, 1), cin=4, act="relu", hw=(5, 1), stride=2),
    # col_widen4's two-pairs-a-step loop (TSLM_WIDEN_COLS2, five or more image pairs a column, none above or below the
    # image): 5, 6, 7 pairs (an odd pair, an odd step, both) with J = 9 > pairs, 10 pairs at stride 1 (VALID), and
    # MobileNetV1-0.25 (96x96) stride-2 layers in the compiler's bands of 8 rows (9 pairs, J = 9: no step between
    # columns; the last band 8 or 4 pairs), relu6, relu and no activation
    "s2c_rows5_c8_relu6": dict(k=(3, 3), cin=8, act="relu6", hw=(10, 7), stride=2),
    "s2c_rows6_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(12, 6), stride=2),
    "s2c_rows7_c8": dict(k=(3, 3), cin=8, act=None, hw=(14, 5), stride=2),
    "dw3x3_valid_rows18_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(20, 5), padding="VALID"),
    "s2_48x48_c16_relu6": dict(k=(3, 3), cin=16, act="relu6", hw=(48, 48), stride=2),
    "s2_24x24_c32_relu": dict(k=(3, 3), cin=32, act="relu", hw=(24, 24), stride=2),
    "s2_24x24_c16": dict(k=(3, 3), cin=16, act=None, hw=(24, 24), stride=2),
    # 3x3 at stride 2 over 9..12 output rows, the passes over columns of 13 words (col_3x3s2j_channels's jsel 3, 4, each
    # channel's passes of four rows in one call: TSLM_S2J_ROWS), the widening's 12 pairs with the zero-point pair
    # below (wmode 20: odd and even columns; a partial group: col_pad writes it), the pad row above, the last one to
    # three rows in col_3x3s2c_channels, right shifts in and outside the copies
    "s2j13_rows12_c14_shifts_relu": dict(k=(3, 3), cin=14, act="relu", hw=(24, 10), stride=2, wscale=W1_SHIFTS),
    "s2j13_rows12_even_c14_shifts": dict(k=(3, 3), cin=14, act=None, hw=(24, 12), stride=2, wscale=W1_SHIFTS),
    "s2j13_rows12_top_c8_relu6": dict(k=(3, 3), cin=8, act="relu6", hw=(23, 11), stride=2),
    "s2j13_rows11_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(22, 7), stride=2),
    "s2j13_rows10_c12": dict(k=(3, 3), cin=12, act=None, hw=(20, 9), stride=2),
    "s2j13_rows9_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(17, 6), stride=2),
    # ... and the compiler's bands of 12 rows (48 rows: 12 + 12, the second band wmode 20) with an odd count of columns
    "s2_48x45_c6_relu6": dict(k=(3, 3), cin=6, act="relu6", hw=(48, 45), stride=2),
    # passes of four rows with J = 9 or 5 (col_3x3s2j_channels): right shifts in the copies (5..8) and outside them
    # (the loop with r in a register), relu, relu6 and no activation, a partial group
    "s2j_rows8_c14_shifts_relu": dict(k=(3, 3), cin=14, act="relu", hw=(16, 6), stride=2, wscale=W1_SHIFTS),
    "s2j_rows8_even_c14_shifts_relu6": dict(k=(3, 3), cin=14, act="relu6", hw=(16, 8), stride=2, wscale=W1_SHIFTS),
    "s2j_rows4_c14_shifts_relu6": dict(k=(3, 3), cin=14, act="relu6", hw=(8, 5), stride=2, wscale=W1_SHIFTS),
    "s2j_rows8_c14_shifts": dict(k=(3, 3), cin=14, act=None, hw=(15, 4), stride=2, wscale=W1_SHIFTS),
    "s2j_rows4_c8": dict(k=(3, 3), cin=8, act=None, hw=(7, 9), stride=2),
    "s2j_rows4_c14_shifts": dict(k=(3, 3), cin=14, act=None, hw=(8, 40), stride=2, wscale=W1_SHIFTS),
    # six output rows in one pass (col_3x3s2six_channels, from the small images' entry): shifts in the copies and
    # outside, relu6, relu (above: s2c_rows6_c8_relu), no activation, pad_h 0 and 1; shifts outside the copies before
    # those inside (the copy with r in a register puts 3 ostep back in the record's r slot for the next channel)
    "s2six_rows6_c14_shifts_relu6": dict(k=(3, 3), cin=14, act="relu6", hw=(12, 10), stride=2, wscale=W1_SHIFTS),
    "s2six_rows6_c14_shifts_down_relu": dict(k=(3, 3), cin=14, act="relu", hw=(12, 12), stride=2,
                                             wscale=W1_SHIFTS[::-1]),
    "s2six_rows6_c14_shifts": dict(k=(3, 3), cin=14, act=None, hw=(11, 9), stride=2, wscale=W1_SHIFTS),
    "s2six_rows6_c8": dict(k=(3, 3), cin=8, act=None, hw=(12, 5), stride=2),
    # three output rows in one pass, the weights in registers (col_3x3s2t_channels, EPI_SAT; above:
    # s2c_rows3_c8_relu, s2c_valid_rows3_c4_relu): three output columns unrolled, other widths in its loop (1, 2, 4,
    # 5 columns), pad_h 0 and 1, shifts in the copies (5..8) and outside them, partial groups
    "s2t_rows3_c14_shifts_relu6": dict(k=(3, 3), cin=14, act="relu6", hw=(6, 6), stride=2, wscale=W1_SHIFTS),
    "s2t_rows3_w5_c14_shifts_relu": dict(k=(3, 3), cin=14, act="relu", hw=(6, 10), stride=2, wscale=W1_SHIFTS),
    "s2t_rows3_w3_c7_relu": dict(k=(3, 3), cin=7, act="relu", hw=(5, 5), stride=2),
    "s2t_rows3_w2_c5_relu6": dict(k=(3, 3), cin=5, act="relu6", hw=(5, 4), stride=2),
    "s2t_rows3_w1_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(6, 1), stride=2),
    "s2t_valid_rows3_w4_c6_relu": dict(k=(3, 3), cin=6, act="relu", hw=(7, 9), stride=2, padding="VALID"),
}


def _driver_model(tf, rng, cases=None):
    """Every DRIVER_CASES layer (or those of `cases`) in one model (one input and output each), so one conversion
    and one QEMU run."""
    import opzoo

    cases = DRIVER_CASES if cases is None else cases
    layers = []
    for spec in cases.values():
        kh, kw = spec["k"]
        scale = np.asarray(spec.get("wscale", 1.0), np.float32).reshape(-1, 1)
        w = tf.constant(opzoo._w(rng, kh, kw, spec["cin"], 1) * scale)
        b = tf.constant(opzoo._w(rng, spec["cin"], scale=0.1))
        layers.append((w, b, spec["act"], spec.get("stride", 1), spec.get("padding", "SAME"), spec.get("dil", 1)))

    def fn(*xs):
        outs = []
        for x, (w, b, act, st, pad, dil) in zip(xs, layers):
            y = tf.nn.depthwise_conv2d(x, w, [1, st, st, 1], pad, dilations=[dil, dil] if dil > 1 else None) + b
            outs.append(tf.nn.relu(y) if act == "relu" else (tf.nn.relu6(y) if act == "relu6" else y))
        return tuple(outs)

    return fn, [(1, *spec["hw"], spec["cin"]) for spec in cases.values()]


def _driver_run(monkeypatch, name, cases, opt="-O2"):
    import shutil

    import opzoo

    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
    build = (lambda tf, rng: _driver_model(tf, rng, cases))
    monkeypatch.setitem(opzoo.CASES, name, opzoo.Case(build, expect_ops=("DEPTHWISE_CONV_2D",)))
    model = opzoo.convert(name)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=4, opt=opt)
    dw = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    # each layer in the column layout with the drivers' epilogue: 0 with relu, 4 without an activation
    assert sorted(c.params["requant_fast"] for c in dw) == sorted(
        16 + (0 if spec["act"] else 4) for spec in cases.values())
    # 3x3 at stride 2 with three output rows and an activation or four or six rows: the small images' entry
    # (col_run_3x3s2t, col_run_3x3s2six); other 3x3 at stride 2: the stride-2 entry
    # one clamp (every layer epilogue 0): each entry's sat twin (pass dsp_depthwise_one_clamp)
    one_clamp = all(spec["act"] for spec in cases.values())
    sat = "_sat" if one_clamp else ""
    for c in dw:
        q = c.params
        if not c.func.endswith(tuple(f"_{e}{sat}_s8" for e in ("3x3s2", "3x3s2t", "small", "k7", "k1", "k2", "cols",
                                                              "px", "dilated"))):  # the main entry
            assert c.func == f"tslm_dsp_depthwise_conv{sat}_s8", c.note
        if q["filter_h"] == q["filter_w"] == 3 and q["stride_h"] == 2:
            t = (q["output_h"] == 3 and q["requant_fast"] == 16) or (q["output_h"] in (4, 6) and q["stride_w"] == 2)
            assert c.func == f"tslm_dsp_depthwise_conv_3x3s2{'t' if t else ''}{sat}_s8", c.note
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3 and len(cm.outputs) == len(cases)
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
    return dw


def test_driver_row_counts_bit_exact_on_cortex_m4(monkeypatch):
    _driver_run(monkeypatch, "dw_driver_rows", DRIVER_CASES)


def test_width1_register_shift_loops_bit_exact_on_cortex_m4(monkeypatch):
    """The width-1 3 x 1 routines (col_w1k3, col_w1k3s2) built with TSLM_DSP_DW_W1_SLOW, which sends every
    channel to the loop with r in a register (the one channels whose right shift falls outside the per-shift
    copies take): every entry of its turn, the tails, stride 1 and 2."""
    cases = {k: v for k, v in DRIVER_CASES.items() if k.startswith("w1")}
    _driver_run(monkeypatch, "dw_w1_slow", cases, opt="-O2 -DTSLM_DSP_DW_W1_SLOW")



# every DRIVER_CASES layer with an activation (epilogue 0) that the main entry takes (not 3x3 at stride 2 nor 3x3 over
# at most six output rows: entries of their own), and K x 1 with 4..8 pairs (col_k1_blocks): in one model they all
# go to tslm_dsp_depthwise_conv_sat_s8 (pass dsp_depthwise_one_clamp)
SAT_CASES = {k: v for k, v in DRIVER_CASES.items()
             if v["act"] and not (v["k"] == (3, 3) and (v.get("stride", 1) == 2 or v["hw"][0] <= 8))}
SAT_CASES.update({"dw9x1_rows11_c5_relu": dict(k=(9, 1), cin=5, act="relu", hw=(11, 2)),
                  "dw14x1_rows13_c4_relu6": dict(k=(14, 1), cin=4, act="relu6", hw=(13, 1), wscale=W1_SHIFTS[:4])})

@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_one_clamp_entry_bit_exact_on_cortex_m4(monkeypatch, opt):
    """A model whose depthwise calls all have epilogue 0 takes tslm_dsp_depthwise_conv_sat_s8 (col_dispatch's EPI_SAT
    paths alone: 3x3, K x 1 at stride 1 and 2, 5x5 at stride 1 and 2, width-1 3 x 1 at stride 1 and 2, right shifts
    in the copies and outside them); with a layer of another epilogue (DRIVER_CASES) every call keeps its entry."""
    _driver_run(monkeypatch, "dw_one_clamp", SAT_CASES, opt=opt)


# A MobileNet-like mix of depthwise entries, every layer with epilogue 0 (relu, relu6): 3x3 at stride 2 over a large
# image (in bands) and a medium one (tslm_dsp_depthwise_conv_3x3s2_s8), over 6x6 and 8x8 (three and four output rows:
# ..._3x3s2t_s8; 12x12, six rows, too), 3x3 at stride 1 over at most six output rows (..._small_s8: 3x3 and 2x2 images
# SAME, four, five and six rows, VALID), 7x7 (..._k7_s8), the main entry's 3x3, 5x5 at stride 2 and 3 x 1, K x 1 at
# stride 2 (K = 4, 5, 8) and dilated (..._k1_s8), 3 x 1 over columns of width 3 (..._cols_s8), a 1x1 image (..._px_s8),
# a dilated 3x3 (..._dilated_s8) and 2 x 1 at stride 2 and 1 (..._k2_s8)
MIXED_SAT_CASES = {
    "mx_s2_bands_c16_relu6": dict(k=(3, 3), cin=16, act="relu6", hw=(48, 48), stride=2),
    "mx_s2_c6_relu": dict(k=(3, 3), cin=6, act="relu", hw=(13, 11), stride=2),
    "mx_s2t_rows3_c12_relu6": dict(k=(3, 3), cin=12, act="relu6", hw=(6, 6), stride=2),
    "mx_s2t_rows4_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(8, 8), stride=2),
    "mx_s2six_rows6_c6_relu6": dict(k=(3, 3), cin=6, act="relu6", hw=(12, 12), stride=2),
    "mx_small6_c8_relu6": dict(k=(3, 3), cin=8, act="relu6", hw=(6, 6)),
    "mx_small4_c6_relu": dict(k=(3, 3), cin=6, act="relu", hw=(4, 6)),
    "mx_small5_valid_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(7, 5), padding="VALID"),
    "mx_small3_c12_relu6": dict(k=(3, 3), cin=12, act="relu6", hw=(3, 3)),
    "mx_small2_c8_relu": dict(k=(3, 3), cin=8, act="relu", hw=(2, 2)),
    "mx_k7_c4_relu": dict(k=(7, 7), cin=4, act="relu", hw=(10, 9)),
    "mx_main3x3_c8_relu6": dict(k=(3, 3), cin=8, act="relu6", hw=(12, 10)),
    "mx_main5x5s2_c4_relu": dict(k=(5, 5), cin=4, act="relu", hw=(11, 9), stride=2),
    "mx_main3x1_c5_relu": dict(k=(3, 1), cin=5, act="relu", hw=(9, 1)),
    "mx_k1_5x1s2_c6_relu": dict(k=(5, 1), cin=6, act="relu", hw=(17, 1), stride=2),
    "mx_k1_4x1s2_c4_relu6": dict(k=(4, 1), cin=4, act="relu6", hw=(14, 1), stride=2),
    "mx_k1_8x1s2_c4_relu": dict(k=(8, 1), cin=4, act="relu", hw=(21, 2), stride=2),
    "mx_k1_dil3x1_c4_relu": dict(k=(3, 1), cin=4, act="relu", hw=(15, 1), dil=2),
    "mx_cols3x1_c8_relu": dict(k=(3, 1), cin=8, act="relu", hw=(11, 3), padding="VALID"),
    "mx_px_c9_relu6": dict(k=(3, 3), cin=9, act="relu6", hw=(1, 1)),
    "mx_dil3x3_c4_relu": dict(k=(3, 3), cin=4, act="relu", hw=(10, 10), dil=2),
    "mx_k2_2x1s2_c6_relu": dict(k=(2, 1), cin=6, act="relu", hw=(17, 1), stride=2),
    "mx_k2_2x1_c4_relu": dict(k=(2, 1), cin=4, act="relu", hw=(13, 1)),
}


@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_one_clamp_every_entry_bit_exact_on_cortex_m4(monkeypatch, opt):
    """A model whose depthwise layers all have epilogue 0 but take several entries (3x3 at stride 2, small images,
    7x7, the main entry): every call goes to its entry's sat twin (pass dsp_depthwise_one_clamp), whose fallback is
    tslm_dsp_depthwise_conv_sat_s8, so the model links one clamp's copies; bit-exact with TFLM in both builds."""
    dw = _driver_run(monkeypatch, "dw_one_clamp_mixed", MIXED_SAT_CASES, opt=opt)
    funcs = sorted(c.func.removeprefix("tslm_dsp_depthwise_conv_") for c in dw)
    assert funcs == sorted(["3x3s2_sat_s8"] * 2 + ["3x3s2t_sat_s8"] * 3 + ["small_sat_s8"] * 5 + ["k7_sat_s8"]
                           + ["sat_s8"] * 3 + ["k1_sat_s8"] * 4 + ["cols_sat_s8", "px_sat_s8", "dilated_sat_s8"]
                           + ["k2_sat_s8"] * 2), funcs
    assert sum(0 < c.params["band_h"] < c.params["output_h"] for c in dw) == 1  # the large image in bands
