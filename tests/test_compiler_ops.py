"""Every op and option the compiler supports, on models built with TensorFlow, against TFLM."""

from __future__ import annotations

import opzoo
import pytest

from tinyslm.compiler import read_model
from tinyslm.runners.verify import verify_host


@pytest.mark.parametrize("name", list(opzoo.CASES))
def test_op_bit_exact_with_tflm(name, zoo):
    model = zoo(name)
    ops = {op.opcode for op in read_model(model).operators}
    missing = set(opzoo.CASES[name].expect_ops) - ops
    assert not missing, f"the converter did not emit {missing} (got {sorted(ops)}): the case tests nothing"
    report = verify_host(model, n_inputs=30, seed=3)
    assert report.ok, report.lines()


@pytest.mark.parametrize("name", opzoo.DSP_CASES)
def test_dsp_kernels_bit_exact_with_tflm(name, zoo):
    """The Cortex-M DSP kernel sources, built for the host through their portable SIMD equivalents,
    under ASan and UBSan."""
    report = verify_host(zoo(name), n_inputs=30, seed=5, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.parametrize("name", ["transformer_cls", "softmax_long", "mean_hw_keepdims", "batch_matmul_broadcast",
                                  "strided_slice_negative", "padv2", "concat_axis1", "quantize_dequantize",
                                  "depthwise_mult2_stride2", "conv_dilation2_relu6"])
def test_clean_under_sanitizers(name, zoo):
    report = verify_host(zoo(name), n_inputs=5, seed=4, sanitize=True)
    assert report.ok, report.lines()


def test_transformer_uses_the_converter_ops_for_an_encoder(zoo):
    ops = {op.opcode for op in read_model(zoo("transformer_cls")).operators}
    assert {"FULLY_CONNECTED", "BATCH_MATMUL", "SOFTMAX", "RSQRT", "MEAN", "SUB", "MUL", "ADD", "TRANSPOSE",
            "RESHAPE", "CONCATENATION", "STRIDED_SLICE"} <= ops


@pytest.mark.parametrize("name", ["conv_3x3_same", "conv_1x1_stride2_odd", "depthwise_3x3_c6_stride2",
                                  "depthwise_mult2_stride2", "dense_long_rows", "transformer_cls"])
def test_dsp_lowering_uses_the_optimized_paths(name, zoo):
    """The DSP cases above really reach the fast kernels: requantization records instead of
    bias/multiplier/shift (a model whose layers fell back to TFLM's loops would test nothing)."""
    from tinyslm.compiler import analyze
    from tinyslm.compiler.lowering import Call, Ref

    _, plan = analyze(zoo(name), "cortex-m-dsp")
    calls = [s for s in plan.steps if isinstance(s, Call)
             and s.family in ("tslm_conv", "tslm_depthwise_conv", "tslm_fully_connected")]
    assert calls
    assert all(c.func.startswith("tslm_dsp_") and c.variant for c in calls), [c.func for c in calls]
    from tinyslm.compiler.dsp_layout import fc_raw_row

    for c in calls:
        assert isinstance(c.params["requant"], Ref) and c.params["multiplier"] is None, (c.func, c.note)
        p = c.params
        raw = c.func == "tslm_dsp_fully_connected_s8" and p["requant_fast"] == 2 and fc_raw_row(
            p["batches"], p["accum_depth"], p["output_depth"], p["depth_chunk"])  # one row read as it is
        assert (c.scratch_bytes > 0) != raw, (c.func, c.note)
    chunks = [c.params["depth_chunk"] for c in calls if c.func == "tslm_dsp_fully_connected_s8"]
    assert name != "dense_long_rows" or chunks[0] < calls[0].params["accum_depth"]  # the chunked path


@pytest.mark.parametrize("name", ["mul_const_scalar", "add_const_scalar_relu", "sub_const_scalar", "mul_self",
                                  "add_self_relu"])
def test_constant_scalar_operand_becomes_a_table(name, zoo):
    """ADD/SUB/MUL with one constant single-valued operand, or of a tensor with itself, lower to a 256-entry
    lookup on every target (bit-exactness is checked by the op zoo tests above and in QEMU)."""
    from tinyslm.compiler import analyze
    from tinyslm.compiler.lowering import Call

    for target in ("portable", "cortex-m-dsp"):
        _, plan = analyze(zoo(name), target)
        funcs = [s.func for s in plan.steps if isinstance(s, Call)]
        lut = "tslm_lut_s8" if target == "portable" else "tslm_dsp_lut_s8"  # (the DSP drop-in: passes.py)
        assert lut in funcs and not {f"tslm_{d}{o}_s8" for d in ("", "dsp_") for o in ("add", "sub", "mul")} & set(
            funcs), funcs
