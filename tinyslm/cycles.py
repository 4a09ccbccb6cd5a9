"""Cycle estimate for the Cortex-M4: the executed instruction mix of one invoke, priced per class.

Instructions are not cycles: on a Cortex-M4 a load takes two cycles and SMLAD one, so a kernel could
"win" on instructions by trading cheap ones for expensive ones. This module runs the bench ELF once
more in QEMU with its execution trace (``-d in_asm,exec,nochain``: every translated block's guest
addresses, then every execution of a block), keeps the blocks executed between the model's invoke
entry and its return, reads each executed address's instruction from ``arm-none-eabi-objdump``, and
prices it with COST below. The estimate is exact about what ran and approximate about timing (zero
wait states, no bus contention, the stated choices for ranges).

COST follows the ARM Cortex-M4 Technical Reference Manual (ARM DDI 0439, section 3.3.1 "Cortex-M4
instructions", Table 3-1 "Processor instruction set summary", zero wait states): data processing,
MUL/MLA/MLS, long multiplies and every DSP-extension instruction 1 cycle; LDR/STR (byte, half, word) 2,
and 1 when directly behind another single load or store (the TRM: neighbouring loads and stores
pipeline their address and data phases); LDRD/STRD 3; LDM/STM/PUSH/POP 1 + N registers; branches
1 + P when taken, P (pipeline refill, 1 to 3 in the TRM) taken as 2, so 3, and 1 when not taken;
BL/BX/BLX 1 + P; TBB/TBH 2 + P; SDIV/UDIV 2 to 12, taken as 7; FPU data processing 1, VMLA/VFMA 3,
VDIV/VSQRT 14, VLDR/VSTR 2, VLDM/VSTM/VPUSH/VPOP 1 + N; IT 1 (not folded).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

P = 2  # pipeline refill cycles of a taken branch (TRM: 1 to 3)
DIV = 7  # SDIV/UDIV (TRM: 2 to 12, early termination on the operands)
COST = {"alu": 1, "it": 1, "mul": 1, "dsp": 1, "div": DIV, "load": 2, "store": 2, "load_pipelined": 1,
        "store_pipelined": 1, "load_double": 3, "store_double": 3, "branch_taken": 1 + P, "branch_not_taken": 1,
        "call": 1 + P, "table_branch": 2 + P, "fp": 1, "fp_mac": 3, "fp_div": 14, "fp_load": 2, "other": 1}
# LDM/STM/PUSH/POP and VLDM/VSTM/VPUSH/VPOP: 1 + N (class "multiple", priced per instance)

_ALU = {"mov", "movs", "movw", "movt", "mvn", "mvns", "add", "adds", "addw", "adc", "adcs", "sub", "subs", "subw",
        "sbc", "sbcs", "rsb", "rsbs", "and", "ands", "orr", "orrs", "orn", "orns", "eor", "eors", "bic", "bics", "lsl",
        "lsls", "lsr", "lsrs", "asr", "asrs", "ror", "rors", "rrx", "rrxs", "cmp", "cmn", "tst", "teq", "adr", "neg",
        "negs", "sxtb", "sxth", "uxtb", "uxth", "ubfx", "sbfx", "bfi", "bfc", "clz", "rev", "rev16", "revsh", "rbit",
        "nop", "mul", "muls"}
_MUL = {"mla", "mls", "smull", "umull", "smlal", "umlal", "umaal", "smmul", "smmulr", "smmla", "smmlar", "smmls",
        "smmlsr"}
_BRANCH_COND = re.compile(r"^(b|cbz|cbnz)(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?$")


def classify(mnemonic: str, operands: str = "") -> str:
    """The cost class of one instruction as objdump prints it.

    >>> [classify(m) for m in ("ldr.w", "smlad", "sdiv", "bne.n", "bl", "push", "vldr", "vdiv.f32", "itt")]
    ['load', 'dsp', 'div', 'branch', 'call', 'multiple', 'fp_load', 'fp_div', 'it']
    """
    m = mnemonic.split(".")[0].lower()
    if re.fullmatch(r"it[te]{0,3}", m):
        return "it"
    if m in _ALU:
        return "alu"
    if m in _MUL:
        return "mul"
    if m in ("sdiv", "udiv"):
        return "div"
    if m in ("ldrd", "strd"):
        return "load_double" if m == "ldrd" else "store_double"
    if m.startswith("ldr"):  # ldr, ldrb, ldrh, ldrsb, ldrsh, ldrex and conditional forms
        return "load"
    if m.startswith("str"):
        return "store"
    if m.startswith(("ldm", "stm", "push", "pop", "vldm", "vstm", "vpush", "vpop")):
        return "multiple"
    if m in ("tbb", "tbh"):
        return "table_branch"
    if m in ("bl", "blx", "bx") or (m.startswith("bx") and len(m) == 4):
        return "call"
    if _BRANCH_COND.match(m):
        return "branch"
    if m in ("vldr", "vstr"):
        return "fp_load"
    if m in ("vdiv", "vsqrt"):
        return "fp_div"
    if m in ("vmla", "vmls", "vfma", "vfms", "vnmla", "vnmls", "vfnma", "vfnms"):
        return "fp_mac"
    if m.startswith("v"):
        return "fp"
    if m.startswith(("s", "u", "q", "pkh", "sel")):  # DSP extension: SMLAD, SXTB16, SSAT, QADD, UADD8 ...
        return "dsp"
    return "other"


def _registers(operands: str) -> int:
    """Registers in a register list ({r4, r5, lr} or {d8-d15}: ranges counted)."""
    inner = operands[operands.find("{") + 1:operands.find("}")] if "{" in operands else ""
    n = 0
    for part in filter(None, (p.strip() for p in inner.split(","))):
        if "-" in part:
            lo, hi = part.split("-")
            n += int(re.sub(r"\D", "", hi)) - int(re.sub(r"\D", "", lo)) + 1
        else:
            n += 1
    return max(n, 1)


@dataclass
class Insn:
    addr: int
    size: int
    mnemonic: str
    operands: str
    cls: str


def disassemble(elf: Path) -> dict[int, Insn]:
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    rows: list[tuple[int, str, str]] = []
    for line in out.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m and not m.group(2).startswith("."):
            rows.append((int(m.group(1), 16), m.group(2), m.group(3)))
    insns = {}
    for i, (a, mn, ops) in enumerate(rows):
        size = (rows[i + 1][0] - a) if i + 1 < len(rows) and rows[i + 1][0] - a in (2, 4) else 4
        insns[a] = Insn(a, size, mn, ops, classify(mn, ops))
    return insns


@dataclass
class Mix:
    """What one invoke executed: instructions per cost class and the estimated Cortex-M4 cycles."""

    instructions: int = 0
    cycles: int = 0
    by_class: dict[str, int] = field(default_factory=dict)  # instructions
    cycles_by_class: dict[str, int] = field(default_factory=dict)


def _block_cost(block: list[Insn]) -> tuple[list[tuple[str, int]], Insn | None]:
    """(class, cycles) of each instruction of a straight-line block except the branch cost of its last,
    which depends on where execution went next."""
    costs = []
    prev_mem = False
    for ins in block:
        c = ins.cls
        if c in ("load", "store"):
            cyc = COST[c + "_pipelined"] if prev_mem else COST[c]
            c = c + "_pipelined" if prev_mem else c
            prev_mem = True
        else:
            prev_mem = False
            if c == "multiple":
                n = _registers(ins.operands)
                cyc = 1 + n + (P if "pc" in ins.operands and ins.mnemonic.startswith(("pop", "ldm")) else 0)
            elif c == "branch":
                cyc = 0  # decided by the next block
            else:
                cyc = COST[c]
        costs.append((c, cyc))
    last = block[-1] if block and block[-1].cls == "branch" else None
    return costs, last


def block_runs(log: Path, insns: dict[int, Insn], start: int, stop: int
               ) -> Iterator[tuple[tuple[int, int], list[Insn], int, str]]:
    """Each block executed from the first execution of `start` until `stop`, in order: (its key, its
    instructions, how many of them ran, how it left: "taken" / "not" for a final conditional branch, else "").

    Blocks are keyed by address and QEMU's compile flags: under -icount, a block started when the
    instruction budget runs out (a timer due) exits before its first instruction and is retranslated at
    the same address with an instruction limit (the low bits of the flags); a block that reaches an I/O
    access is cut before it the same way. A limited block whose address lies inside the previous block
    therefore means the previous one ran only up to there. Each time QEMU refills its 16-bit instruction
    decrementer (every 65,535 instructions, or at a timer's deadline) the block about to run finds too few
    instructions left, leaves before its first one and runs again, unlimited: QEMU logs "Stopped execution of TB
    chain before" that block, which therefore ran nothing (before this was read, the trace counted one block too
    many per refill: ad01 +597 instructions over QEMU's icount)."""
    blocks: dict[tuple[int, int], list[Insn]] = {}
    trans: list[int] | None = None
    active = False
    prev: tuple[int, int] | None = None
    aborted: set[tuple[int, int]] = set()  # the block just logged left before its first instruction
    pat = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/([0-9a-f]+)\]")

    def leave(key: tuple[int, int], next_key: tuple[int, int], limited: bool
              ) -> tuple[tuple[int, int], list[Insn], int, str]:
        block = blocks.get(key, [])
        next_pc = next_key[0]
        ran = len(block)
        if limited:
            ran = next((i for i, ins in enumerate(block) if ins.addr == next_pc), ran)
        if key in aborted:
            ran = 0
        last = block[ran - 1] if 0 < ran == len(block) and block[-1].cls == "branch" else None
        how = "" if last is None else ("taken" if next_pc != last.addr + last.size else "not")
        return key, block, ran, how

    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                trans = []
            elif trans is not None and line.startswith("0x"):
                trans.append(int(line.split(":", 1)[0], 16))
            elif line.startswith("Stopped execution of TB chain") and prev is not None:
                aborted.add(prev)
            elif line.startswith("Trace"):
                m = pat.search(line)
                if not m:
                    continue
                pc, cflags = int(m.group(1), 16), int(m.group(2), 16)
                key = (pc, cflags)
                if trans is not None:
                    blocks[key] = [insns[a] for a in trans if a in insns]
                    trans = None
                if not active:
                    if pc != start:
                        continue
                    active = True
                if prev is not None:
                    yield leave(prev, key, bool(cflags & 0x1FF))
                    aborted.clear()
                if pc == stop:
                    return
                prev = key


def mix_from_trace(log: Path, insns: dict[int, Insn], start: int, stop: int) -> Mix:
    """The instruction mix of the blocks executed from the first execution of `start` until `stop`
    (:func:`block_runs`)."""
    priced: dict[tuple[tuple[int, int], int], tuple[list[tuple[str, int]], Insn | None]] = {}
    counts: Counter[tuple[tuple[int, int], int, str]] = Counter()  # (block, instructions run, how it left)
    blocks: dict[tuple[int, int], list[Insn]] = {}
    for key, block, ran, how in block_runs(log, insns, start, stop):
        blocks[key] = block
        counts[(key, ran, how)] += 1
    mix = Mix()
    by, cyc = Counter(), Counter()
    for (key, ran, how), n in counts.items():
        if (key, ran) not in priced:
            priced[(key, ran)] = _block_cost(blocks[key][:ran])
        costs, _ = priced[(key, ran)]
        for c, k in costs:
            by[c] += n
            cyc[c] += k * n
        mix.instructions += n * len(costs)
        if how:
            cls = "branch_taken" if how == "taken" else "branch_not_taken"
            cyc[cls] += COST[cls] * n
    mix.by_class, mix.cycles_by_class = dict(by), dict(cyc)
    mix.cycles = sum(cyc.values())
    return mix


def op_instructions_from_trace(log: Path, insns: dict[int, Insn], start: int, stop: int,
                               hook: list[tuple[int, int]], order: list[int]) -> dict[int, int]:
    """Exact instructions per operator of one invoke of a profile build, whose model calls the profile hook after
    each step (`hook`: the address ranges of the hook and of the functions it calls), `order` giving the steps'
    operator indices. A step's count runs from the previous hook's return to its own hook call; the profile point
    itself is left out: the hook's code, the call into it, and the move of an immediate (the operator index) into
    r0 just before that call. The first step also holds the invoke's prologue; the epilogue after the last hook is
    not counted."""

    def in_hook(pc: int) -> bool:
        return any(lo <= pc < hi for lo, hi in hook)

    per: Counter[int] = Counter()
    step, inside = 0, False
    last: tuple[int, list[Insn]] | None = None  # the last step block that ran something: (operator, what ran)
    for key, block, ran, _ in block_runs(log, insns, start, stop):
        if in_hook(key[0]):
            if not inside:  # entering the hook: the block before ended with the call
                inside = True
                step += 1
                if last is not None:
                    op, ins = last
                    call = ins[-1].cls == "call"
                    arg = (call and len(ins) > 1 and re.match(r"movs?(\.w)?$|movw$", ins[-2].mnemonic) is not None
                           and ins[-2].operands.startswith("r0, #"))
                    per[op] -= int(call) + int(arg)
                last = None
            continue
        inside = False
        if step >= len(order) or ran == 0:
            continue  # the invoke's epilogue, or a block that ran nothing
        per[order[step]] += ran
        last = (order[step], block[:ran])
    if step != len(order):
        raise ValueError(f"the trace holds {step} profile points, the model has {len(order)}")
    return dict(per)


def function_ranges(elf: Path, name: str, insns: dict[int, Insn]) -> list[tuple[int, int]]:
    """The address ranges of function `name` and of every function it calls directly, transitively (nm sizes)."""
    funcs: dict[int, int] = {}
    names: dict[str, int] = {}
    for line in subprocess.run(["arm-none-eabi-nm", "-S", str(elf)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTW":
            lo = int(parts[0], 16) & ~1
            funcs[lo] = lo + int(parts[1], 16)
            names[parts[3]] = lo
    if name not in names:
        raise ValueError(f"{elf} has no function {name}")
    todo, seen = [names[name]], set()
    while todo:
        lo = todo.pop()
        if lo in seen or lo not in funcs:
            continue
        seen.add(lo)
        todo += [t for a, i in insns.items() if lo <= a < funcs[lo] and i.cls == "call"
                 for t in [_target(i.operands)] if t is not None]
    return sorted((lo, funcs[lo]) for lo in seen)


def _symbol(elf: Path, name: str) -> int | None:
    for line in subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16) & ~1
    return None


def invoke_bounds(elf: Path, insns: dict[int, Insn], invoke: str) -> tuple[int, int]:
    """(entry of `invoke`, the return address of its call in main)."""
    entry = _symbol(elf, invoke)
    if entry is None:
        raise ValueError(f"{elf} has no function {invoke}")
    calls = [i for i in insns.values() if i.mnemonic.startswith("bl") and f"<{invoke}>" in i.operands]
    if len(calls) != 1:
        raise ValueError(f"expected one call of {invoke} in {elf}, found {len(calls)}")
    return entry, calls[0].addr + calls[0].size


def _target(operands: str) -> int | None:
    """The address a direct branch goes to, as objdump prints it ("8a4c <name>").

    >>> hex(_target("8a4c <bench_profile>")), _target("r3")
    ('0x8a4c', None)
    """
    try:
        return int(operands.split()[0], 16)
    except (ValueError, IndexError):
        return None


def _trace(elf: Path, machine: str, inputs: list[np.ndarray], d: Path, timeout: float) -> Path:
    """Run the bench ELF on one input set in QEMU with its execution trace (in folder `d`); the trace's path."""
    (d / "inputs.bin").write_bytes(b"".join(np.ascontiguousarray(a).tobytes() for a in inputs))
    subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
                    "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
                    "-d", "in_asm,exec,nochain", "-D", str(d / "trace.log"), "-kernel", str(elf)],
                   cwd=d, capture_output=True, timeout=timeout, check=True)
    return d / "trace.log"


def profile_op_instructions(elf: Path, machine: str, inputs: list[np.ndarray], invoke: str, order: list[int],
                            hook: str = "bench_profile", timeout: float = 600) -> dict[int, int]:
    """Exact instructions per operator of one invoke of a profile build (:func:`op_instructions_from_trace`)."""
    insns = disassemble(elf)
    start, stop = invoke_bounds(elf, insns, invoke)
    ranges = function_ranges(elf, hook, insns)
    with tempfile.TemporaryDirectory(prefix="tinyslm-opcount-") as tmp:
        return op_instructions_from_trace(_trace(elf, machine, inputs, Path(tmp), timeout), insns, start, stop,
                                          ranges, order)


def m4_mix(elf: Path, machine: str, inputs: list[np.ndarray], invoke: str, timeout: float = 600) -> Mix:
    """Run the bench ELF on one input set in QEMU with its execution trace; the invoke's mix and cycles."""
    insns = disassemble(elf)
    start, stop = invoke_bounds(elf, insns, invoke)
    with tempfile.TemporaryDirectory(prefix="tinyslm-cycles-") as tmp:
        return mix_from_trace(_trace(elf, machine, inputs, Path(tmp), timeout), insns, start, stop)
