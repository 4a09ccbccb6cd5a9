"""The DSP ADD/SUB's residual path with the output at the larger input's scale (issue 15: TFLM's output multiplier
2^30, shift -18, out = clamp(a +- H[b]) four bytes per word with QADD8/QSUB8), tests/c/dsp_add_check.c against the
portable kernels: on the host (the C forms, under ASan/UBSan) and on the Cortex-M4 (mps2-an386, the Thumb-2
assembly) built for speed (-O2) and for size (-Os). 2,500 calls, hundreds on the path (relu and two-sided ranges,
SUB with A subtracted, unaligned starts with tails), the rest (ties, H outside int8, B at 1/2 too, under 512
elements) on the table loop and the general ones. Seen failing on a deliberately broken kernel (the tie test
dropped from the table fill; QADD8 made a wrapping SADD8; the upper clamp's SEL operands swapped)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tinyslm.resources import firmware_dir
from tinyslm.runners.host import SANITIZE_FLAGS, WARN_FLAGS

from m4check import QEMU, disassembly, m4_cc, m4_runtime, run_m4

C = __import__("pathlib").Path(__file__).parent / "c"
KERNELS = firmware_dir() / "kernels"
SOURCES = [str(C / "dsp_add_check.c"), str(KERNELS / "cortex_m_dsp" / "tslm_dsp_binary.c"),
           str(KERNELS / "tslm_binary.c")]
INCLUDES = ["-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), "-I", str(C)]
OPTS = {"speed": ["-O2"], "size": ["-Os", "-DTSLM_OPTIMIZE_SIZE"]}


def _verdict(out: str) -> None:
    assert "dsp_add_check: all agree" in out, out
    counts = {k: int(v) for k, v in re.findall(r"^(path|relu|sub2|odd) (\d+)$", out, re.M)}
    assert counts["path"] >= 500 and counts["relu"] >= 200 and counts["sub2"] >= 50 and counts["odd"] >= 200, out


def test_dsp_residual_add_at_the_inputs_scale_on_the_host(tmp_path):
    exe = tmp_path / "check"
    subprocess.run(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1", *INCLUDES, *SOURCES, "-lm", "-o", str(exe)],
                   check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    _verdict(r.stdout)


@QEMU
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_dsp_residual_add_at_the_inputs_scale_on_cortex_m4(tmp_path, opt):
    elf = tmp_path / "check.elf"
    subprocess.run([*m4_cc(*OPTS[opt]), *INCLUDES, *SOURCES, *m4_runtime(tmp_path), "-o", str(elf)], check=True)
    d = disassembly(elf)
    assert "qadd8" in d and "qsub8" in d  # the assembly is what runs
    r = run_m4(elf)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out
    _verdict(out)
