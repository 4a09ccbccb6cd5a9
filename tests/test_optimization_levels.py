"""The kernels compile at the optimization levels users build with, not only our -O2 and -Os.

A model's C goes into other people's projects (STM32CubeIDE's Debug configuration builds at -O0, its Release at
-Os; CMake's Release at -O3), with their flags and without our TSLM_OPTIMIZE_SIZE. Inline assembly is what breaks
there: at -O0 GCC finds no registers for many operands, and a loop that names r7 cannot be inlined into a function
where GCC keeps r7 as the frame pointer. The DSP kernels fall back to their C at -O0 (the same bytes out: every host
test runs that C); the Helium kernels stop at -O0 with one clear #error instead of GCC's register errors.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tinyslm.toolchain import WARN_FLAGS

KERNELS = Path(__file__).resolve().parent.parent / "firmware" / "kernels"


def _gcc() -> str:
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.fail("arm-none-eabi-gcc is required (apt-get install gcc-arm-none-eabi)")
    return gcc


def _compile(gcc: str, cpu: str, opt: str, src: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([gcc, f"-mcpu={cpu}", "-mthumb", "-mfloat-abi=hard", "-mfpu=auto", opt, *WARN_FLAGS,
                           "-I", str(KERNELS), "-I", str(src.parent), "-c", str(src), "-o", str(out)],
                          capture_output=True, text=True)


def _failures(cpu: str, opt: str, sources: list[Path], tmp_path: Path) -> list[str]:
    gcc = _gcc()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda s: (s, _compile(gcc, cpu, opt, s, tmp_path / (s.stem + ".o"))), sources))
    return [f"{s.name}: {r.stderr.strip()[-600:]}" for s, r in results if r.returncode != 0]


@pytest.mark.parametrize("opt", ["-O0", "-Og", "-O1", "-O3", "-Os"])
def test_dsp_kernels_compile_at_every_level(opt, tmp_path):
    sources = sorted((KERNELS / "cortex_m_dsp").glob("tslm_dsp_*.c"))
    assert len(sources) >= 10, "no DSP kernel sources found"
    bad = _failures("cortex-m4", opt, sources, tmp_path)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("opt", ["-Og", "-O1", "-O3", "-Os"])
def test_helium_kernels_compile_with_optimization(opt, tmp_path):
    sources = sorted((KERNELS / "helium").glob("tslm_mve_*.c"))
    assert len(sources) >= 10, "no Helium kernel sources found"
    bad = _failures("cortex-m55", opt, sources, tmp_path)
    assert not bad, "\n".join(bad)


def test_helium_kernels_at_O0_stop_with_one_clear_error(tmp_path):
    r = _compile(_gcc(), "cortex-m55", "-O0", KERNELS / "helium" / "tslm_mve_layer_norm.c", tmp_path / "ln.o")
    assert r.returncode != 0
    errors = [line for line in r.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "need optimization (-Og, -O1 or more)" in errors[0], r.stderr[-2000:]
