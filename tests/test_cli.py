"""The command line: instant help, compile/inspect/verify on a real model."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import SHARED_MODELS

KWS = next((p for p in SHARED_MODELS if "kws" in p.name), None)


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_help_lists_commands_and_imports_no_heavy_library():
    code = ("import sys; from tinyslm.cli import main; rc = main(['--help']); "
            "heavy = [m for m in ('tensorflow', 'tflite_micro', 'numpy', 'jinja2') if m in sys.modules]; "
            "print('HEAVY', heavy); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    for cmd in ("compile", "inspect", "verify"):
        assert cmd in r.stdout
    assert "HEAVY []" in r.stdout


@pytest.fixture
def kws():
    if KWS is None:
        pytest.skip("needs the shared MLPerf Tiny KWS model")
    return KWS


def test_compile_writes_self_contained_folder(kws, tmp_path):
    r = run("compile", str(kws), "-o", str(tmp_path / "out"), "--name", "kws")
    assert r.returncode == 0, r.stderr
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"kws.h", "kws.c", "tslm_common.h", "tslm_conv.c", "tslm_softmax.c"} <= names
    # compiling every .c with -I OUT (plus a caller) builds, no other sources or flags
    main = tmp_path / "main.c"
    main.write_text('#include "kws.h"\nstatic KWS_INPUT0_TYPE in[KWS_INPUT0_ELEMENTS];\n'
                    "static KWS_OUTPUT0_TYPE out[KWS_OUTPUT0_ELEMENTS];\n"
                    "int main(void) { const void *i[] = {in}; void *o[] = {out};\n"
                    "  return kws_invoke(i, o) == 0 && kws_invoke(0, o) == -1 ? 0 : 1; }\n")
    srcs = [str(p) for p in (tmp_path / "out").glob("*.c")]
    b = subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", str(tmp_path / "out"), str(main),
                        *srcs, "-lm", "-o", str(tmp_path / "a.out")], capture_output=True, text=True)
    assert b.returncode == 0, b.stderr
    assert subprocess.run([str(tmp_path / "a.out")]).returncode == 0


def test_inspect_shows_our_arena_next_to_tflm(kws):
    r = run("inspect", str(kws))
    assert r.returncode == 0, r.stderr
    assert "TFLM arena for the same model" in r.stdout and "arena 8,640 B" in r.stdout
    assert "CONV_2D" in r.stdout and "2,656,768 MACs" in r.stdout


def test_verify_reports_bit_exact(kws):
    r = run("verify", str(kws), "--inputs", "20")
    assert r.returncode == 0, r.stderr
    assert "20/20 identical to TFLM" in r.stdout and "verify: OK" in r.stdout


def test_verify_of_a_target_the_host_cannot_build_says_so(kws):
    """The Helium kernels are MVE code: a host check of them is refused with the reason and what to do."""
    r = run("verify", str(kws), "--inputs", "2", "--target", "helium")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "build only for their CPU" in r.stderr and "--board" in r.stderr


def test_python_dash_m_tinyslm_is_the_tinyslm_command():
    r = subprocess.run([sys.executable, "-m", "tinyslm", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "compile" in r.stdout and "Usage: tinyslm" in r.stdout
    bad = subprocess.run([sys.executable, "-m", "tinyslm", "no-such-command"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
