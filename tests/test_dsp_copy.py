"""The DSP targets' strided copy and table lookup (passes.dsp_strided_copies; cortex_m_dsp/tslm_dsp_copy.c,
tslm_dsp_lut.c): the op-zoo cases that lower to strided copies (contiguous runs, stepping and reversed inner
axes, int16 elements) and to 256-entry tables (lengths with and without a tail of 1..3 bytes, in place) bit-exact
with TFLM on the host under the sanitizers and on the emulated Cortex-M4."""

from __future__ import annotations

import shutil

import pytest

from tinyslm.compiler import read_model
from tinyslm.compiler.driver import lower_graph
from tinyslm.compiler.lowering import Call
from tinyslm.runners.verify import verify_host

CASES = ["transpose", "transpose_3d", "strided_slice", "strided_slice_shrink", "strided_slice_negative", "slice",
         "slice_op", "s16_transpose", "logistic", "tanh", "relu", "mul_const_scalar", "mul_self", "add_self_relu"]


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp", "helium"])
def test_copies_and_tables_take_the_targets_kernel(zoo, target):
    for name, func in (("transpose", "strided_copy"), ("logistic", "lut_s8")):
        steps = lower_graph(read_model(zoo(name)), target)
        funcs = [s.func for s in steps if isinstance(s, Call)]
        prefix = {"portable": "tslm_", "cortex-m-dsp": "tslm_dsp_", "helium": "tslm_mve_"}[target]  # (Helium: its own)
        assert funcs == [f"{prefix}{func}"], funcs


@pytest.mark.parametrize("name", CASES)
def test_dsp_copy_and_lut_bit_exact_on_the_host(zoo, name):
    report = verify_host(zoo(name), n_inputs=20, seed=6, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("name", ["transpose", "strided_slice_negative", "s16_transpose", "logistic", "mul_self"])
def test_dsp_copy_and_lut_bit_exact_on_cortex_m4(zoo, name):
    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    model = zoo(name)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=2)
    assert any(isinstance(s, Call) and s.func in ("tslm_dsp_strided_copy", "tslm_dsp_lut_s8") for s in cm.plan.steps)
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
