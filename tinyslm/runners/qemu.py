"""Run a compiled model bare-metal on an emulated Cortex-M (QEMU) and count instructions.

The measurement path of `tinyslm bench` and of the on-target kernel tests:
the model plus the bench runtime (firmware/bench/) is linked for a QEMU
machine, inputs and outputs move through semihosting files, and with
``-icount shift=0`` the SysTick ticks around each invoke give an exact,
repeatable instruction count.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import __version__
from ..compiler import CompiledModel
from ..errors import ToolchainError
from ..resources import firmware_dir
from ..templating import template_env
from ..toolchain import WARN_FLAGS, find_tool

if TYPE_CHECKING:
    from ..boards import Board


def _board(board: "str | Board") -> "Board":
    from ..boards import get_board

    b = get_board(board) if isinstance(board, str) else board
    if not b.emulated or b.timer != "systick":
        raise ToolchainError(f"board {b.name} cannot run the bench runtime",
                             hint="benchmark on an emulated board with SysTick, e.g. mps2-an386")
    return b


def build_qemu(cm: CompiledModel, work: Path, board: "str | Board" = "mps2-an386", opt: str = "-O2",
               profile: bool = False) -> Path:
    """Link the compiled model with the bench runtime into an ELF for the board's QEMU machine.

    With `profile`, the model times each operator (a few instructions per
    operator more); without it the count is the plain invoke's."""
    m = _board(board)
    gcc = find_tool("arm-none-eabi-gcc")
    work.mkdir(parents=True, exist_ok=True)
    env = template_env()
    buffers = [dict(kind="input", pos=i, var=f"in{i}", nbytes=t.nbytes) for i, t in enumerate(cm.inputs)]
    buffers += [dict(kind="output", pos=i, var=f"out{i}", nbytes=t.nbytes) for i, t in enumerate(cm.outputs)]
    (work / "bench_main.c").write_text(env.get_template("bench_main.c.j2").render(
        version=__version__, name=cm.name, buffers=buffers, n_in=len(cm.inputs), n_out=len(cm.outputs),
        n_ops=len(cm.graph.operators)))
    (work / "bench.ld").write_text(env.get_template("bench.ld.j2").render(
        version=__version__, machine=m.name, code_origin=m.memory.flash_origin, code_size=m.memory.flash_bytes,
        ram_origin=m.memory.ram_origin, ram_size=m.memory.ram_bytes))
    bench = firmware_dir() / "bench"
    elf = work / f"{cm.name}_{m.name}.elf"
    cmd = [gcc, *m.cflags, *WARN_FLAGS, *opt.split(), "-ffunction-sections", "-fdata-sections", "-I", str(cm.out_dir),
           "-I", str(bench), str(work / "bench_main.c"), str(bench / "startup.c"), str(bench / "semihost.c"),
           *map(str, cm.sources), *(["-include", str(bench / "profile.h")] if profile else []), "-nostartfiles", "--specs=nano.specs", "-T", str(work / "bench.ld"),
           "-Wl,--gc-sections", "-lc", "-lm", "-lgcc", "-o", str(elf)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolchainError(f"the bench firmware did not build for {m.name}:\n{r.stderr.strip()[:4000]}",
                             where=str(work))
    return elf


@dataclass
class QemuRun:
    outputs: list[list[np.ndarray]]
    instructions: list[int]  # per invoke
    op_instructions: dict[int, int] | None  # per operator index, first input (profile builds)


def run_qemu(elf: Path, cm: CompiledModel, batches: list[list[np.ndarray]], board: "str | Board" = "mps2-an386",
             timeout: float = 600) -> QemuRun:
    """Run every input set on the emulated board."""
    m = _board(board)
    qemu = find_tool("qemu-system-arm")
    with tempfile.TemporaryDirectory(prefix="tinyslm-qemu-") as tmp:
        d = Path(tmp)
        (d / "inputs.bin").write_bytes(b"".join(np.ascontiguousarray(a).tobytes() for row in batches for a in row))
        cmd = [qemu, "-M", m.emulator.qemu_machine, "-nographic", "-monitor", "none", "-serial", "none",
               "-semihosting-config", "enable=on,target=native", "-icount", "shift=0", "-kernel", str(elf)]
        try:
            r = subprocess.run(cmd, cwd=d, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"QEMU ({m.name}) did not finish within {timeout:.0f} s", where=str(elf)) from None
        if r.returncode != 0:
            raise ToolchainError(f"the bench firmware failed in QEMU ({m.name}, exit {r.returncode}): "
                                 f"{(r.stdout + r.stderr).decode(errors='replace').strip()[:2000]}", where=str(elf))
        data = (d / "outputs.bin").read_bytes()
        prof = (d / "profile.bin").read_bytes() if (d / "profile.bin").exists() else b""
    per = sum(t.nbytes for t in cm.outputs) + 8
    if len(data) != per * len(batches):
        raise ToolchainError(f"QEMU run returned {len(data)} bytes, expected {per * len(batches)}", where=str(elf))
    outs, counts, off = [], [], 0
    for _ in batches:
        row = []
        for t in cm.outputs:
            row.append(np.frombuffer(data[off:off + t.nbytes], dtype=np.dtype(t.dtype)).reshape(t.shape))
            off += t.nbytes
        ticks = int.from_bytes(data[off:off + 8], "little")
        off += 8
        outs.append(row)
        counts.append(m.ticks_to_instructions(ticks))
    per_op = None
    if prof and any(prof):
        ticks = np.frombuffer(prof, dtype="<u8")
        per_op = {i: m.ticks_to_instructions(int(t)) for i, t in enumerate(ticks) if t}
    return QemuRun(outs, counts, per_op)


def measure(model: str | Path | bytes, board: "str | Board" = "mps2-an386", target: str | None = None,
            n_inputs: int = 3, seed: int = 0, work: Path | None = None, profile: bool = False, opt: str = "-O2"):
    """Compile, run n random inputs in QEMU (built with the compiler flags `opt`); returns (CompiledModel,
    inputs, QemuRun)."""
    from ..compiler import compile_model
    from .oracle import random_inputs

    with tempfile.TemporaryDirectory(prefix="tinyslm-bench-") as tmp:
        root = Path(work) if work else Path(tmp)
        b = _board(board)
        cm = compile_model(model, root / "model", name="model", target=target or b.kernel_target)
        elf = build_qemu(cm, root / "build", b, opt, profile=profile)
        rng = np.random.default_rng(seed)
        batches = [random_inputs(cm.inputs, rng) for _ in range(n_inputs)]
        run = run_qemu(elf, cm, batches, b)
    return cm, batches, run
