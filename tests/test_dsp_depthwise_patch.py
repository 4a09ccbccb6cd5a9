"""The DSP depthwise kernel's patch layout (one input channel, depth multiplier > 1, as micro_speech's 10x8
stride-2 layer; firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c): which calls take it, and each of
its epilogues bit-exact with TFLM. The op zoo's cases run it in QEMU (test_qemu_bench.py, -O2: relu's folded
zero point and no activation's, 0 and 4); here the records are rewritten to the other epilogues (host build),
and the size build (-Os, TSLM_OPTIMIZE_SIZE) runs in QEMU once."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tinyslm.compiler import analyze
from tinyslm.compiler.lowering import Call
from tinyslm.runners.verify import verify_host

RELU_CASE = "depthwise_c1_mult8_10x8_stride2_relu"


def _depthwise_calls(model: bytes) -> list[Call]:
    _, plan = analyze(model, "cortex-m-dsp")
    return [s for s in plan.steps if isinstance(s, Call) and s.op.opcode == "DEPTHWISE_CONV_2D"]


@pytest.mark.parametrize("name,epi", [(RELU_CASE, 0), ("depthwise_c1_mult3_4x9_stride2", 4)])
def test_one_input_channel_takes_the_patch_layout(name, epi, zoo):
    calls = _depthwise_calls(zoo(name))
    assert [(c.func, c.params["requant_fast"], c.scratch_bytes > 0) for c in calls] == [
        ("tslm_dsp_depthwise_conv_patch_s8", 32 + epi, True)]


def test_several_input_channels_with_a_multiplier_stay_a_grouped_conv(zoo):
    calls = _depthwise_calls(zoo("depthwise_mult2_stride2"))  # 3 input channels: the grouped CONV_2D
    assert [c.func for c in calls] == ["tslm_dsp_conv_s8"]


def _forced(mode: str):
    def records(rec: np.ndarray, fast: bool, zp: int, lo: int, hi: int) -> tuple[np.ndarray, int]:
        assert fast and lo >= zp, "the relu case has fast records and outputs clamped at the zero point"
        rows = rec.reshape(-1, 4).copy()
        if mode == "exact":  # TFLM's {bias, multiplier, shift, 0}
            return np.stack([rows[:, 0] // 2, rows[:, 1], -rows[:, 2], 0 * rows[:, 0]], axis=1).reshape(-1), 3
        if mode == "fast":
            return rows.reshape(-1), 2
        rows[:, 3] = (1 << (rows[:, 2] - 1)) + (zp - lo) * (1 << rows[:, 2])  # fold
        return rows.reshape(-1), 1
    return records


@pytest.mark.parametrize("mode,epi", [("fold", 1), ("fast", 2), ("exact", 3)])
def test_patch_layout_epilogues_bit_exact(mode, epi, zoo, monkeypatch):
    import tinyslm.compiler.ops.conv as conv

    model = zoo(RELU_CASE)
    monkeypatch.setattr(conv, "depthwise_column_records", _forced(mode))
    assert [c.params["requant_fast"] for c in _depthwise_calls(model)] == [32 + epi]
    report = verify_host(model, n_inputs=6, seed=9, target="cortex-m-dsp")
    assert report.ok, report.lines()


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
def test_patch_layout_size_build_bit_exact_on_cortex_m4(zoo):
    from tinyslm.compare import compare_outputs
    from tinyslm.firmware import opt_flag
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    model = zoo("depthwise_c1_mult3_4x9_stride2")
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=5, opt=opt_flag("size"))
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
