"""C checks on the emulated Cortex-M4 (mps2-an386): the bench runtime's startup and semihosting, a linker script
for the board, and a QEMU run whose exit code is the check's verdict. Shared by the DSP kernel tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tinyslm import __version__
from tinyslm.boards import get_board
from tinyslm.resources import firmware_dir
from tinyslm.runners.host import WARN_FLAGS
from tinyslm.templating import template_env

BOARD = "mps2-an386"
QEMU = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                          reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


def m4_cc(*flags: str) -> list[str]:
    """arm-none-eabi-gcc for the board's CPU with the project's warnings as errors, then `flags`."""
    return ["arm-none-eabi-gcc", *get_board(BOARD).cflags, *WARN_FLAGS, *flags]


def m4_runtime(tmp: Path) -> list[str]:
    """The arguments that link a check against the bench runtime (its linker script written into `tmp`)."""
    b = get_board(BOARD)
    (tmp / "bench.ld").write_text(template_env().get_template("bench.ld.j2").render(
        version=__version__, machine=b.name, code_origin=b.memory.flash_origin, code_size=b.memory.flash_bytes,
        ram_origin=b.memory.ram_origin, ram_size=b.memory.ram_bytes))
    bench = firmware_dir() / "bench"
    return ["-I", str(bench), str(bench / "startup.c"), str(bench / "semihost.c"), "-nostartfiles",
            "--specs=nano.specs", "-T", str(tmp / "bench.ld"), "-lc", "-lm", "-lgcc"]


def disassembly(elf: Path) -> str:
    return subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True, text=True).stdout


def run_m4(elf: Path) -> subprocess.CompletedProcess:
    """The check in QEMU, semihosting on: its exit code comes back as QEMU's."""
    return subprocess.run(["qemu-system-arm", "-M", get_board(BOARD).emulator.qemu_machine, "-nographic",
                           "-monitor", "none", "-serial", "none", "-semihosting-config", "enable=on,target=native",
                           "-kernel", str(elf)], capture_output=True, timeout=300)
