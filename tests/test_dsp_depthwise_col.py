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
