"""The Cortex-M4 cycle estimate (tinyslm/cycles.py): classes and prices, and the traced instruction mix
against QEMU's own instruction count of the same invoke."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.cycles import COST, Insn, _block_cost, classify


def test_classes_and_prices_follow_the_m4_table():
    assert [classify(m) for m in ("ldrb.w", "strh", "smlad", "sxtb16", "mla", "udiv", "beq.n", "cbz", "bx",
                                  "pop", "ldrd", "itete", "vmla.f32")] == [
        "load", "store", "dsp", "dsp", "mul", "div", "branch", "branch", "call", "multiple", "load_double", "it",
        "fp_mac"]
    assert COST["load"] == 2 and COST["dsp"] == 1 and COST["mul"] == 1 and COST["branch_taken"] == 3
    # a load behind a load pipelines (1 cycle), one behind an ALU op does not; POP {r4-r6, pc}: 1 + 4 + refill
    block = [Insn(0, 2, "ldr", "r0, [r1]", "load"), Insn(2, 2, "ldr", "r2, [r1, #4]", "load"),
             Insn(4, 2, "adds", "r0, r0, r2", "alu"), Insn(6, 2, "ldr", "r3, [r1]", "load"),
             Insn(8, 2, "pop", "{r4, r5, r6, pc}", "multiple"), Insn(10, 2, "bne.n", "0", "branch")]
    costs, last = _block_cost(block)
    assert [c for _, c in costs] == [2, 1, 1, 2, 1 + 4 + 2, 0] and last is block[-1]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.skipif(not SHARED_MODELS, reason="needs ../shared/models (TINYSLM_SHARED_MODELS)")
def test_traced_mix_counts_what_qemu_counts(tmp_path):
    """The trace between the invoke's entry and its return holds as many instructions as QEMU's icount measured
    for that invoke, to within 0.3% (icount also counts the timer reads around the invoke; the trace runs a
    little over it on long runs: ad01 +107 of 403,640 and micro_speech portable +1,504 of 10.7M with the older
    kernels; ad01 +617 of 252,280 with the offset-pair block routines, whose blocks are all translated once at
    one length and known to objdump: the excess is not explained yet), and its price is above one cycle per
    instruction (loads and taken branches cost more)."""
    from tinyslm.boards import get_board
    from tinyslm.compiler import compile_model
    from tinyslm.cycles import m4_mix
    from tinyslm.runners.qemu import build_qemu, run_qemu

    model = next(p for p in SHARED_MODELS if "ad01" in p.name)
    b = get_board("mps2-an386")
    cm = compile_model(model, tmp_path / "model", name="model", target="cortex-m-dsp")
    rng = np.random.default_rng(5)
    inputs = [rng.integers(-128, 128, t.shape).astype(t.dtype) for t in cm.inputs]
    elf = build_qemu(cm, tmp_path / "build", b)
    counted = run_qemu(elf, cm, [inputs], b).instructions[0]
    mix = m4_mix(elf, b.emulator.qemu_machine, inputs, "model_invoke")
    assert abs(counted - mix.instructions) <= 100 + counted // 330, (counted, mix.instructions)
    assert sum(mix.by_class.values()) == mix.instructions
    assert mix.by_class["dsp"] > mix.instructions / 4  # the DSP kernels' SMLADs are what ran
    assert mix.instructions < mix.cycles < 3 * mix.instructions
    assert mix.cycles == sum(mix.cycles_by_class.values())
