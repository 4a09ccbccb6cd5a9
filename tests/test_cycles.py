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
    for that invoke, less the timer reads around it that icount also counts (about 50 instructions) and up to a
    tick either way (40): the blocks QEMU left before their first instruction at each refill of its instruction
    decrementer ("Stopped execution of TB chain") count nothing (before, ad01 traced 597 instructions too many).
    Its price is above one cycle per instruction (loads and taken branches cost more)."""
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
    assert -40 <= counted - mix.instructions <= 100, (counted, mix.instructions)
    assert sum(mix.by_class.values()) == mix.instructions
    assert mix.by_class["dsp"] > mix.instructions / 4  # the DSP kernels' SMLADs are what ran
    assert mix.instructions < mix.cycles < 3 * mix.instructions
    assert mix.cycles == sum(mix.cycles_by_class.values())


def test_op_counts_from_a_trace_leave_the_profile_points_out(tmp_path):
    """A hand-written trace of an invoke with two steps, each followed by a profile point: each step's count holds
    its own instructions only (not the hook's body, its call or the move of the operator index into r0), the
    first step holds the invoke's entry, and a hook that is never reached fails loudly."""
    from tinyslm.cycles import Insn, op_instructions_from_trace

    def ins(addr: int, mn: str, ops: str = "", size: int = 2) -> Insn:
        from tinyslm.cycles import classify

        return Insn(addr, size, mn, ops, classify(mn, ops))

    hook = 0x2000
    insns = {i.addr: i for i in [
        ins(0x1000, "push", "{r4, lr}"), ins(0x1002, "bl", "3000 <kernel_a>", 4), ins(0x1006, "movs", "r0, #5"),
        ins(0x1008, "bl", "2000 <bench_profile>", 4),                       # step 1 ends: its point
        ins(0x100c, "bl", "3100 <kernel_b>", 4), ins(0x1010, "movs", "r0, #7"),
        ins(0x1012, "bl", "2000 <bench_profile>", 4),                       # step 2 ends
        ins(0x1016, "pop", "{r4, pc}"),                                      # epilogue
        ins(0x2000, "ldr", "r3, [pc, #8]"), ins(0x2002, "bx", "lr"),         # the hook
        ins(0x3000, "adds", "r0, #1"), ins(0x3002, "adds", "r0, #1"), ins(0x3004, "bx", "lr"),  # kernel_a: 3
        ins(0x3100, "adds", "r0, #1"), ins(0x3102, "bx", "lr"),              # kernel_b: 2
    ]}
    blocks = {0x1000: [0x1000, 0x1002], 0x3000: [0x3000, 0x3002, 0x3004], 0x1006: [0x1006, 0x1008],
              0x2000: [0x2000, 0x2002], 0x100c: [0x100c], 0x3100: [0x3100, 0x3102], 0x1010: [0x1010, 0x1012],
              0x1016: [0x1016], 0x4000: []}
    run = [0x1000, 0x3000, 0x1006, 0x2000, 0x100c, 0x3100, 0x1010, 0x2000, 0x1016, 0x4000]
    lines, seen = [], set()
    for pc in run:
        if pc not in seen:
            seen.add(pc)
            lines += ["IN: f"] + [f"0x{a:08x}:  insn" for a in blocks[pc]] + [""]
        lines.append(f"Trace 0: 0x7f0000 [00000000/{pc:08x}/00000000/ff000000] f")
    log = tmp_path / "trace.log"
    log.write_text("\n".join(lines) + "\n")
    counts = op_instructions_from_trace(log, insns, 0x1000, 0x4000, [(hook, hook + 4)], [5, 7])
    assert counts == {5: 2 + 3, 7: 1 + 2}  # push + bl kernel_a + kernel_a; bl kernel_b + kernel_b
    with pytest.raises(ValueError, match="2 profile points, the model has 3"):
        op_instructions_from_trace(log, insns, 0x1000, 0x4000, [(hook, hook + 4)], [5, 7, 9])
