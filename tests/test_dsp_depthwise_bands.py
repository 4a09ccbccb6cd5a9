"""The DSP depthwise kernel's column layout in bands of output rows (col_bands in
firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c; the compiler's choice in tinyslm/compiler/dsp_bands.py):
which calls take it, and banded shapes bit-exact with TFLM on the host (ASan/UBSan) and in QEMU. The op zoo's
depthwise_3x3_c8_bands_relu runs the compiler's own bands (test_qemu_bench.py, test_compiler_ops.py); here small
shapes are forced into short bands so that every kind of band boundary shows: a last band of one, two or three
rows, the 3x3 Thumb-2 drivers at stride 1 and 2, the K x 1 loop, channels not a multiple of
four, no activation; and the 3x3 layout's last two rows in QEMU."""

from __future__ import annotations

import shutil

import pytest

from tinyslm.compiler import analyze
from tinyslm.compiler.lowering import Call
from tinyslm.runners.verify import verify_host


def _dw_calls(model: bytes) -> list[Call]:
    _, plan = analyze(model, "cortex-m-dsp")
    return [s for s in plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]


def test_large_image_takes_bands_not_in_place(zoo):
    from tinyslm.compiler.dsp_bands import DW_BAND_SCRATCH, band_scratch

    (dw,) = _dw_calls(zoo("depthwise_3x3_c8_bands_relu"))
    p = dw.params
    assert p["requant_fast"] == 16 and p["band_h"] == 20 and p["output_h"] == 42
    assert dw.scratch_bytes == band_scratch(8, p["ring_w"], 20, 3, 1) <= DW_BAND_SCRATCH
    assert dw.inplace == []  # a band overwrites input rows the next band reads


def test_3x3_stride2_takes_the_driver_or_the_row_window(zoo, monkeypatch):
    import tinyslm.compiler.ops.conv as conv
    from test_dsp_depthwise_col import _forced

    model = zoo("depthwise_3x3_c16_stride2_relu")
    (dw,) = _dw_calls(model)  # relu: the stride-2 driver's epilogue 0
    # (its one depthwise layer, epilogue 0: the entry's sat twin, pass dsp_depthwise_one_clamp)
    assert dw.func == "tslm_dsp_depthwise_conv_3x3s2_sat_s8" and dw.params["requant_fast"] == 16
    assert dw.params["stride_h"] == 2
    assert dw.params["band_h"] == 0  # one call, no bands
    monkeypatch.setattr(conv, "depthwise_column_records", _forced("fast"))  # epilogue 2: the column layout's C loops
    (dw,) = _dw_calls(model)
    assert dw.params["stride_h"] == 2 and dw.params["requant_fast"] in (0, 1)  # so the row window


def test_3x3_stride2_bands_of_12_rows_and_whole_images(monkeypatch):
    """3x3 at stride 2: 48x48x16 in bands of 12 rows (columns of 13 words, 10,192 bytes: within DW_BAND_SCRATCH_S2,
    where bands of 8 fit DW_BAND_SCRATCH), 24x24x32 as one call (12 rows, 5,200 bytes) rather than bands of 8 + 4;
    stride 1 keeps bands of at most DW_BAND_SCRATCH."""
    import opzoo

    from tinyslm.compiler.dsp_bands import DW_BAND_SCRATCH, DW_BAND_SCRATCH_S2, band_scratch

    for name, spec, band, scratch in (
            ("b12_s2_48x48x16", dict(k=(3, 3), cin=16, stride=2, act=opzoo.relu6, hw=(48, 48)), 12, 10192),
            ("b12_s2_24x24x32", dict(k=(3, 3), cin=32, stride=2, act=opzoo.relu6, hw=(24, 24)), 0, 5200),
            ("b12_s1_48x48x8", dict(k=(3, 3), cin=8, stride=1, act=opzoo.relu6, hw=(48, 48)), 16, None)):
        monkeypatch.setitem(opzoo.CASES, name, opzoo.depthwise(**spec))
        (dw,) = _dw_calls(opzoo.convert(name))
        p = dw.params
        assert p["band_h"] == band and p["requant_fast"] == 16, name
        if scratch is not None:
            assert dw.scratch_bytes == scratch <= DW_BAND_SCRATCH_S2, name
            assert dw.func == "tslm_dsp_depthwise_conv_3x3s2_sat_s8", name
        else:
            assert dw.scratch_bytes == band_scratch(8, p["ring_w"], band, 3, 1) <= DW_BAND_SCRATCH, name


# name: (depthwise spec, forced band height)
BAND_CASES = {
    "bands4_3x3_c8_relu_rows13": (dict(k=(3, 3), cin=8, act="relu", hw=(13, 7)), 4),  # last band 1 row
    "bands8_3x3_c6_rows10": (dict(k=(3, 3), cin=6, act=None, hw=(10, 5)), 8),  # 2 rows, a partial group
    "bands4_3x3_c4_relu_rows11": (dict(k=(3, 3), cin=4, act="relu", hw=(11, 6)), 4),  # 3 rows
    "bands4_5x1_c5_relu_rows19": (dict(k=(5, 1), cin=5, act="relu", hw=(19, 3)), 4),  # K x 1, pad 2
    "bands8_4x3_c9_rows17": (dict(k=(4, 3), cin=9, act=None, hw=(17, 4)), 8),  # even K: the C loops
    "bands4_3x3s2_c6_rows9": (dict(k=(3, 3), cin=6, stride=2, act=None, hw=(17, 9)), 4),  # stride 2: 4, 4, 1 rows
    # width 1, 3 x 1 (col_w1k3): each band with its own pad and tail (stride 2's last one-row band: the column layout)
    "bands4_w1_3x1_c6_relu_rows13": (dict(k=(3, 1), cin=6, act="relu", hw=(13, 1)), 4),
    # col_widen4's two-pairs-a-step loop where a band's pairs fill its columns (J == pairs, after the first band):
    # stride 1, J = 6 and 8 (an odd and an even count of steps); stride 2, J = 9 (an odd pair)
    "bands8_3x3_c8_relu_rows30": (dict(k=(3, 3), cin=8, act="relu", hw=(30, 5)), 8),
    "bands12_3x3_c4_rows40": (dict(k=(3, 3), cin=4, act=None, hw=(40, 4)), 12),
    "bands8_3x3s2_c8_relu_rows20": (dict(k=(3, 3), cin=8, stride=2, act="relu", hw=(40, 6)), 8),
    # ... and 4 x 3 at stride 2 (J = 9, 9 pairs), whose last pair's second row is read (not TSLM_WIDEN_HALF)
    "bands8_4x3s2_c8_rows20": (dict(k=(4, 3), cin=8, stride=2, act=None, hw=(40, 5)), 8),
    "bands4_w1_3x1s2_c5_rows9": (dict(k=(3, 1), cin=5, stride=2, act=None, hw=(17, 1)), 4),
}


def _forced_band_model(name: str, monkeypatch) -> bytes:
    import opzoo

    import tinyslm.compiler.ops.conv as conv

    spec, band = BAND_CASES[name]
    spec = dict(spec)
    spec["act"] = opzoo.relu if spec["act"] == "relu" else None
    monkeypatch.setitem(opzoo.CASES, name, opzoo.depthwise(**spec))
    model = opzoo.convert(name)
    monkeypatch.setattr(conv, "DW_COL_MIN_SCRATCH", 0)
    monkeypatch.setattr(conv, "DW_BAND_SCRATCH", 0)  # (3x3 at stride 2 over <= 12 rows: not one whole call)
    monkeypatch.setattr(conv, "column_band", lambda ic, ring_w, oh, fh, s, limit: band if band < oh else 0)
    (dw,) = _dw_calls(model)
    assert dw.params["requant_fast"] >= 16 and dw.params["band_h"] == band and dw.inplace == []
    return model


@pytest.mark.parametrize("name", sorted(BAND_CASES))
def test_forced_bands_bit_exact_on_host_under_sanitizers(name, monkeypatch):
    model = _forced_band_model(name, monkeypatch)
    report = verify_host(model, n_inputs=4, seed=11, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.parametrize("name", ["bands4_3x3_c8_relu_rows13", "bands4_5x1_c5_relu_rows19", "bands4_3x3s2_c6_rows9",
                                  "bands4_w1_3x1_c6_relu_rows13", "bands4_w1_3x1s2_c5_rows9",
                                  "bands8_3x3_c8_relu_rows30", "bands12_3x3_c4_rows40", "bands8_3x3s2_c8_relu_rows20",
                                  "bands8_4x3s2_c8_rows20"])
def test_forced_bands_bit_exact_on_cortex_m4(name, monkeypatch):
    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
    model = _forced_band_model(name, monkeypatch)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=6)
    (dw,) = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert dw.params["band_h"] == BAND_CASES[name][1]
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem


# the 3x3 column layout's last rows (col_3x3_rest at stride 1: two or three rows per column in col_3x3_rows) after a full block
# and alone, both epilogues of the Thumb-2 path
REST_CASES = {
    "rest2_3x3_c12_rows6": dict(k=(3, 3), cin=12, act=None, hw=(6, 5)),
    "rest2_3x3_c5_relu_rows2": dict(k=(3, 3), cin=5, act="relu", hw=(2, 6)),
}


@pytest.mark.parametrize("name", sorted(REST_CASES))
def test_last_rows_bit_exact_on_cortex_m4(name, monkeypatch):
    import opzoo

    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
    spec = dict(REST_CASES[name])
    spec["act"] = opzoo.relu if spec["act"] == "relu" else None
    monkeypatch.setitem(opzoo.CASES, name, opzoo.depthwise(**spec))
    model = opzoo.convert(name)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=8)
    (dw,) = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert dw.params["requant_fast"] == 16 + (0 if REST_CASES[name]["act"] else 4) and dw.params["band_h"] == 0
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
