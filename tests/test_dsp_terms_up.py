"""The M4's residual ADD/SUB with the compiler's half-up terms (issue 15: ``tslm_dsp_add_terms_up_s8``/
``tslm_dsp_sub_terms_up_s8``, ``ops.elementwise.residual_terms_up``: TFLM's sum at a = 0 moved so that the loop
without TFLM's rounding correction gives its outputs): tests/c/dsp_terms_up_check.c against the portable kernels on
all 65,536 input pairs of each case (ADD and SUB, A as input 1 and as input 2, SUB with A subtracted, tables with
moved terms, runs of 256 and 253 elements; a clamped range: the entry's fallback), on the host (the C form, under
ASan/UBSan) and on the Cortex-M4 (mps2-an386, the Thumb-2 assembly) at -O2 and -Os. Seen failing on a deliberately
broken kernel (one added to every output) and on unmoved terms (TFLM's own table in the half-up loop)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyslm.compiler.ops.elementwise import residual_terms, residual_terms_up
from tinyslm.resources import firmware_dir
from tinyslm.runners.host import SANITIZE_FLAGS, WARN_FLAGS

from m4check import QEMU, disassembly, m4_cc, m4_runtime, run_m4
from terms_cases import cases_header

C = Path(__file__).parent / "c"
KERNELS = firmware_dir() / "kernels"
SOURCES = [str(C / "dsp_terms_up_check.c"), str(KERNELS / "cortex_m_dsp" / "tslm_dsp_binary.c"),
           str(KERNELS / "tslm_binary.c")]
OPTS = {"speed": ["-O2"], "size": ["-Os", "-DTSLM_OPTIMIZE_SIZE"]}


def _cases() -> list[tuple[dict, str, np.ndarray]]:
    """Up to 8 cases with a half-up table (ADD and SUB, A as either input; at least one with moved terms) and one
    with a clamped range (its table from the same parameters unclamped: the entry must not use it)."""
    rng = np.random.default_rng(1515)
    # (one in about 25 random cases moves a term: this one does)
    p = dict(in1_offset=78, in2_offset=99, output_offset=98, left_shift=20, in1_multiplier=1 << 30, in1_shift=0,
             in2_multiplier=1251654979, in2_shift=-1, output_multiplier=2134103690, output_shift=-17, act_min=-128,
             act_max=127)
    out: list[tuple[dict, str, np.ndarray]] = [(p, "ADD", residual_terms_up("ADD", p))]
    kinds: set[tuple[str, bool]] = {("ADD", True)}
    moved = not np.array_equal(out[0][2], residual_terms("ADD", p, True))
    while len(out) < 8:
        p = dict(in1_offset=int(rng.integers(-128, 128)), in2_offset=int(rng.integers(-128, 128)),
                 output_offset=int(rng.integers(-128, 128)), left_shift=20, in1_multiplier=1 << 30, in1_shift=0,
                 in2_multiplier=int(rng.integers(1 << 30, 1 << 31)), in2_shift=int(rng.integers(-4, 0)),
                 output_multiplier=int(rng.integers(1 << 30, 1 << 31)), output_shift=int(rng.integers(-20, -16)),
                 act_min=-128, act_max=127)
        a_is_in1 = bool(rng.integers(2))
        if not a_is_in1:
            p.update(in1_multiplier=p["in2_multiplier"], in1_shift=p["in2_shift"], in2_multiplier=1 << 30, in2_shift=0)
        op = "SUB" if rng.integers(2) else "ADD"
        t = residual_terms_up(op, p)
        if t is None or ((op, a_is_in1) in kinds and len(kinds) < 4):
            continue
        kinds.add((op, a_is_in1))
        moved |= not np.array_equal(t, residual_terms(op, p, True))
        out.append((p, op, t))
    assert len(kinds) == 4 and moved
    p, op, t = out[0]
    out.append((dict(p, act_min=p["output_offset"]), op, t))
    return out


def _header(tmp: Path) -> list[str]:
    (tmp / "terms_up_cases.h").write_text(cases_header(_cases()))
    return ["-I", str(tmp), "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), "-I", str(C)]


def _verdict(out: str) -> None:
    assert "terms_up_check: all agree" in out and "calls 9216" in out, out


def test_dsp_terms_up_on_every_pair_on_the_host(tmp_path):
    exe = tmp_path / "check"
    subprocess.run(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1", *_header(tmp_path), *SOURCES, "-lm", "-o", str(exe)],
                   check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    _verdict(r.stdout)


@QEMU
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_dsp_terms_up_on_every_pair_on_cortex_m4(tmp_path, opt):
    elf = tmp_path / "check.elf"
    subprocess.run([*m4_cc(*OPTS[opt]), *_header(tmp_path), *SOURCES, *m4_runtime(tmp_path), "-o", str(elf)],
                   check=True)
    assert "smmlar" in disassembly(elf)  # the assembly is what runs
    r = run_m4(elf)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out
    _verdict(out)


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
