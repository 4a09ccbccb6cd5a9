"""The generated C on an emulated Cortex-M4 (QEMU mps2-an386): bit-exact, counted, repeatable."""

from __future__ import annotations

import shutil

import numpy as np
import opzoo
import pytest
from conftest import SHARED_MODELS

from tinyslm.compiler.oracle import Oracle
from tinyslm.compiler.qemurun import measure

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
@pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])
def test_bit_exact_on_cortex_m4_in_qemu(model_path, target):
    cm, batches, run = measure(model_path, "mps2-an386", target, n_inputs=5, seed=11)
    oracle = Oracle(model_path.read_bytes())
    for inputs, ours in zip(batches, run.outputs):
        for o, r in zip(ours, oracle.run(inputs)):
            assert np.array_equal(o, r.reshape(o.shape))
    assert all(n > 0 for n in run.instructions)


def test_instruction_counts_repeat_exactly(zoo):
    model = zoo("ds_block_in_place")
    _, _, first = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=1)
    _, _, second = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=1)
    assert first.instructions == second.instructions


@pytest.mark.parametrize("name", [*opzoo.DSP_CASES, "quantize_dequantize", "softmax_long", "mean_hw_keepdims"])
def test_op_zoo_bit_exact_on_cortex_m4(name, zoo):
    """The optimized kernels (Thumb-2 assembly and DSP intrinsics) on the M4, every odd shape of the zoo."""
    model = zoo(name)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=2, profile=True)
    oracle = Oracle(model)
    for inputs, ours in zip(batches, run.outputs):
        for o, r in zip(ours, oracle.run(inputs)):
            assert np.array_equal(o, r.reshape(o.shape))
    assert run.op_instructions and sum(run.op_instructions.values()) > 0
