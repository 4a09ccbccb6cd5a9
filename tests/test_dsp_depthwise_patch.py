"""The DSP depthwise kernel's patch layout (one input channel, depth multiplier > 1, as micro_speech's 10x8
stride-2 layer; firmware/kernels/cortex_m_dsp/tslm_dsp_depthwise_conv.c): which calls take it, and each of
its epilogues bit-exact with TFLM. The op zoo's cases run it in QEMU (test_qemu_bench.py, -O2: relu's folded
zero point and no activation's, 0 and 4; and the size build, -Os, in its SIZE_CASES); here the records are
rewritten to the other epilogues (host build)."""

from __future__ import annotations

import pytest

from tinyslm.compiler import analyze
from tinyslm.compiler.lowering import Call
from tinyslm.runners.verify import verify_host

from test_dsp_depthwise_col import _forced  # noqa: E402  (the records rewritten to one epilogue)

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


@pytest.mark.parametrize("mode,epi", [("fold", 1), ("fast", 2), ("exact", 3)])
def test_patch_layout_epilogues_bit_exact(mode, epi, zoo, monkeypatch):
    import tinyslm.compiler.ops.conv as conv

    model = zoo(RELU_CASE)
    monkeypatch.setattr(conv, "depthwise_column_records", _forced(mode))
    assert [c.params["requant_fast"] for c in _depthwise_calls(model)] == [32 + epi]
    report = verify_host(model, n_inputs=6, seed=9, target="cortex-m-dsp")
    assert report.ok, report.lines()
