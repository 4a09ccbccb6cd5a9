"""Every op and option the compiler supports, on models built with TensorFlow, against TFLM."""

from __future__ import annotations

import opzoo
import pytest

from tinyslm.compiler import read_model
from tinyslm.compiler.verify import verify_host


@pytest.mark.parametrize("name", list(opzoo.CASES))
def test_op_bit_exact_with_tflm(name, zoo):
    model = zoo(name)
    ops = {op.opcode for op in read_model(model).operators}
    missing = set(opzoo.CASES[name].expect_ops) - ops
    assert not missing, f"the converter did not emit {missing} (got {sorted(ops)}): the case tests nothing"
    report = verify_host(model, n_inputs=30, seed=3)
    assert report.ok, report.lines()


DSP_CASES = [n for n, c in opzoo.CASES.items() if {"CONV_2D", "FULLY_CONNECTED", "DEPTHWISE_CONV_2D"} & set(c.expect_ops)
             or n.startswith(("transformer", "grouped"))]


@pytest.mark.parametrize("name", DSP_CASES)
def test_dsp_kernels_bit_exact_with_tflm(name, zoo):
    """The Cortex-M DSP kernel sources, built for the host through their portable SIMD equivalents."""
    report = verify_host(zoo(name), n_inputs=30, seed=5, target="cortex-m-dsp")
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
