"""The M55's residual ADD/SUB with the compiler's half-up terms (issue 15: ``tslm_mve_add_terms_up_s8``/
``tslm_mve_sub_terms_up_s8``, ``ops.elementwise.residual_terms_up_mve``: TFLM's sum at a = 0 moved so that the
Helium loop without TFLM's rounding correction gives its outputs): tests/c/dsp_terms_up_check.c built with
-DTERMS_UP_MVE against the portable kernels on all 65,536 input pairs of each case (ADD and SUB, A as input 1 and as
input 2, SUB with A subtracted, tables with moved terms, runs of 256 and 253 elements, a clamped range: the Helium loop
keeps its clamp), in QEMU on mps3-an547 at -O2 and -Os; and the numpy model against TFLM's arithmetic on 40 random
scales. Seen failing on a deliberately broken kernel and on unmoved terms (see PERFORMANCE.md's thirteenth round)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyslm.compiler.ops.elementwise import (binary_all_pairs, residual_terms, residual_terms_up_mve,
                                              residual_terms_up_mve_outputs)

from terms_cases import cases_header, random_params

C = Path(__file__).parent / "c"
OPTS = {"speed": ["-O2"], "size": ["-Os", "-DTSLM_OPTIMIZE_SIZE"]}
QEMU = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                          reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


def test_the_helium_half_up_terms_give_tflms_outputs_on_every_pair():
    """residual_terms_up_mve(): the Helium loop without TFLM's correction, modelled in numpy, on all 65,536 pairs
    equals binary_all_pairs() wherever a table is given (a broken one, every other term off by one where that moves
    an output, does not), each term within 64 of TFLM's; TFLM's own terms in the half-up loop differ somewhere on
    the scales where a term moves."""
    rng = np.random.default_rng(15)
    given = moved = 0
    for _ in range(40):
        p = random_params(rng)
        for op in ("ADD", "SUB"):
            t = residual_terms_up_mve(op, p)
            if t is None:
                continue
            given += 1
            want = binary_all_pairs(op, p)
            assert np.array_equal(residual_terms_up_mve_outputs(op, p, t), want)
            tflm = residual_terms(op, p, False)
            assert np.abs(t - tflm).max() <= 64
            if not np.array_equal(t, tflm):
                moved += 1
                assert not np.array_equal(residual_terms_up_mve_outputs(op, p, tflm), want)
            broken = t.copy()
            broken[::2] += 1 << 18
            assert not np.array_equal(residual_terms_up_mve_outputs(op, p, broken), want)
    assert given >= 60 and moved >= 1


def _cases() -> list[tuple[dict, str, np.ndarray]]:
    """8 cases with a Helium half-up table (ADD and SUB, A as either input; at least one with moved terms) and one
    with a clamped range (its own table)."""
    rng = np.random.default_rng(1515)
    out: list[tuple[dict, str, np.ndarray]] = []
    kinds: set[tuple[str, bool]] = set()
    moved = False
    while len(out) < 8 or not moved:
        p = random_params(rng)
        a_is_in1 = p["in1_multiplier"] == 1 << 30
        op = "SUB" if rng.integers(2) else "ADD"
        t = residual_terms_up_mve(op, p)
        if t is None:
            continue
        m = not np.array_equal(t, residual_terms(op, p, False))
        if len(out) >= 7 and not moved and not m:
            continue
        if (op, a_is_in1) in kinds and len(kinds) < 4 and not m:
            continue
        kinds.add((op, a_is_in1))
        moved |= m
        out.append((p, op, t))
    assert len(kinds) == 4 and moved
    p, op, _t = next(c for c in out if not np.array_equal(c[2], residual_terms(c[1], c[0], False)))
    pc = dict(p, act_min=p["output_offset"], act_max=min(127, p["output_offset"] + 100))
    out.append((pc, op, residual_terms_up_mve(op, pc)))
    return out


def _header(tmp: Path) -> list[str]:
    (tmp / "terms_up_cases.h").write_text(cases_header(_cases()))
    return ["-DTERMS_UP_MVE", "-I", str(tmp), "-I", str(C)]


@QEMU
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_mve_terms_up_on_every_pair_on_cortex_m55(tmp_path, opt):
    from test_helium import build_m55, run_m55

    elf = build_m55(tmp_path, C / "dsp_terms_up_check.c", [*_header(tmp_path), *OPTS[opt]], families=("binary",))
    d = subprocess.run(["arm-none-eabi-objdump", "-d", "-marmv8.1-m.main", str(elf)], capture_output=True,
                       text=True).stdout
    assert "vqrdmlash.s32" in d  # the Helium loops are what runs
    r = run_m55(elf)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "terms_up_check: all agree" in out, out
    assert int(re.search(r"^calls (\d+)$", out, re.M).group(1)) == 9 * 1024, out


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
