"""The DSP kernels' SMMLAR requantization against TFLM's two-step arithmetic, on the host and on the M4.

tests/c/dsp_requant_check.c runs rounding ties of every right shift, the bound
the compiler enforces, and 200,000 pseudo-random records; its exit code is the
verdict. On the host the C form runs, in QEMU the Thumb-2 assembly.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tinyslm import __version__
from tinyslm.boards import get_board
from tinyslm.compiler.emit import _env
from tinyslm.compiler.hostrun import SANITIZE_FLAGS, WARN_FLAGS
from tinyslm.resources import firmware_dir

CHECK = Path(__file__).parent / "c" / "dsp_requant_check.c"
KERNELS = firmware_dir() / "kernels"


def test_fast_requantization_on_the_host(tmp_path):
    exe = tmp_path / "check"
    subprocess.run(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1", "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS),
                    str(CHECK), "-o", str(exe)], check=True)
    assert subprocess.run([str(exe)]).returncode == 0


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
def test_fast_requantization_in_assembly_on_cortex_m4(tmp_path):
    b = get_board("mps2-an386")
    (tmp_path / "bench.ld").write_text(_env().get_template("bench.ld.j2").render(
        version=__version__, machine=b.name, code_origin=b.memory.flash_origin, code_size=b.memory.flash_bytes,
        ram_origin=b.memory.ram_origin, ram_size=b.memory.ram_bytes))
    bench = firmware_dir() / "bench"
    elf = tmp_path / "check.elf"
    subprocess.run(["arm-none-eabi-gcc", *b.cflags, *WARN_FLAGS, "-O2", "-I", str(KERNELS / "cortex_m_dsp"),
                    "-I", str(KERNELS), "-I", str(bench), str(CHECK), str(bench / "startup.c"), str(bench / "semihost.c"),
                    "-nostartfiles", "--specs=nano.specs", "-T", str(tmp_path / "bench.ld"), "-lc", "-lgcc",
                    "-o", str(elf)], check=True)
    disasm = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True, text=True).stdout
    assert "smmlar" in disasm  # the assembly is what runs
    r = subprocess.run(["qemu-system-arm", "-M", b.emulator.qemu_machine, "-nographic", "-monitor", "none",
                        "-serial", "none", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
