"""The Helium SOFTMAX's reversed-table path, ADD/SUB's residual table loop and its sixteen-lane path (issue 15:
the transformers' softmax and elementwise adds on the Cortex-M55), against the portable kernels and TFLM, in QEMU
on mps3-an547, built for speed (-O2) and for size (-Os): tests/c/mve_softmax_check.c (every row length 1..48 and
longer, int8 and int16 outputs), tests/c/dsp_binary_check.c with the Helium kernels (-DBINARY_MVE),
tests/c/mve_add_check.c, and op-zoo softmaxes and adds through the compiler (which now gives the Helium softmax its
table reversed) against TFLM. Each check was seen failing on a deliberately broken kernel (a softmax with its clamp,
its sum's rounding or its maximum's stride changed; the ADD table loop with its sign fix-up or its lower clamp
dropped or one element too many; the sixteen-lane ADD with its tie or range test dropped, a wrapping add or no
lower clamp)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from test_helium import C, _bit_exact_on_m55, build_m55, run_m55

from tinyslm.firmware import opt_flag

OPTS = {"speed": ["-O2"], "size": ["-Os", "-DTSLM_OPTIMIZE_SIZE"]}

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


def _disasm(elf) -> str:
    return subprocess.run(["arm-none-eabi-objdump", "-d", "-marmv8.1-m.main", str(elf)], capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_softmax_reversed_table_matches_the_portable_kernel(tmp_path, opt):
    elf = build_m55(tmp_path, C / "mve_softmax_check.c", ["-I", str(C), *OPTS[opt]], families=("softmax",))
    assert "wlstp.32" in _disasm(elf)  # the tail-predicated loops are what runs
    r = run_m55(elf)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "mve_softmax_check: all agree" in out, out
    assert int(re.search(r"^rows (\d+)$", out, re.M).group(1)) >= 5000, out


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_softmax_through_the_compiler_bit_exact(zoo, opt):
    """The compiler's Helium softmax call gets the reversed table (params.reversed) and matches TFLM."""
    for name in ("softmax", "softmax_beta", "softmax_long", "transformer_cls"):
        cm = _bit_exact_on_m55(zoo(name), 2, 5, opt_flag(opt))
        calls = [s for s in cm.plan.steps if getattr(s, "func", "").startswith("tslm_mve_softmax")]
        assert calls and all(s.params["reversed"] == 1 for s in calls), name


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_residual_add_loop_matches_the_portable_kernel(tmp_path, opt):
    """tests/c/dsp_binary_check.c with the Helium ADD/SUB/MUL (6,000 random cases; every fifth long enough for the
    residual add's table, 100..400-element rows of 1..5, so every tail of four), built for speed and for size: the
    table loop is one tail-predicated assembly loop in both."""
    elf = build_m55(tmp_path, C / "dsp_binary_check.c", ["-DBINARY_MVE", "-I", str(C), *OPTS[opt]],
                    families=("binary",))
    d = _disasm(elf)
    assert "wlstp.32" in d and "uxtw #2]" in d
    r = run_m55(elf)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_residual_add_at_the_inputs_scale_matches_the_portable_kernel(tmp_path, opt):
    """tests/c/mve_add_check.c: 3,000 ADD/SUB calls with the output at the larger input's scale (TFLM's output
    multiplier 2^30, shift -18), hundreds of them on the sixteen-lane path, the rest (ties, large H, under 512
    elements, SUB with input 2 at 1/2) on the general loops."""
    elf = build_m55(tmp_path, C / "mve_add_check.c", ["-I", str(C), *OPTS[opt]], families=("binary",))
    assert "wlstp.8" in _disasm(elf)
    r = run_m55(elf)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "mve_add_check: all agree" in out, out
    assert int(re.search(r"^path (\d+)$", out, re.M).group(1)) >= 400, out


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_adds_through_the_compiler_bit_exact(zoo, opt, monkeypatch):
    """The op zoo's residual adds and subs (the table path) and broadcast adds against TFLM; without the compiler's
    tables (passes.residual_add_tables, tests/test_residual_tables.py): the kernel's own paths."""
    from tinyslm.compiler import passes

    monkeypatch.setattr(passes, "residual_table", lambda opcode, p: None)
    monkeypatch.setattr(passes, "residual_terms", lambda opcode, p, dsp: None)
    monkeypatch.setattr(passes, "residual_terms_up_mve", lambda opcode, p: None)
    for name in ("add_residual_relu", "sub_residual_long", "add_broadcast_rows", "add"):
        cm = _bit_exact_on_m55(zoo(name), 2, 6, opt_flag(opt))
        assert any(getattr(s, "func", "") in ("tslm_mve_add_s8", "tslm_mve_sub_s8") for s in cm.plan.steps), name
