"""CI cannot go green by skipping, and no test depends on what the working folder holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, ci_missing

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]


def _env(**kw: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TINYSLM_SHARED_MODELS")}
    env.update(kw)
    return env


def test_ci_missing_names_every_missing_prerequisite(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSLM_SHARED_MODELS", str(tmp_path / "nowhere"))
    missing = ci_missing(which=lambda tool: None)
    assert str(tmp_path / "nowhere") in missing[0]
    assert [m.split("'")[1] for m in missing[1:]] == ["qemu-system-arm", "arm-none-eabi-gcc", "espeak-ng", "node"]
    (tmp_path / "nowhere").mkdir()
    (tmp_path / "nowhere" / "m.tflite").write_bytes(b"x")
    assert ci_missing(which=lambda tool: "/usr/bin/" + tool) == []


def test_a_ci_run_without_the_shared_models_fails_naming_the_folder(tmp_path):
    missing = tmp_path / "no-models-here"
    r = subprocess.run([*PYTEST, "tests/test_verify_nothing.py"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env=_env(CI="1", TINYSLM_SHARED_MODELS=str(missing)))
    assert r.returncode != 0
    assert str(missing) in r.stdout + r.stderr and "passed" not in r.stdout


def test_a_ci_run_with_a_skipped_test_fails(tmp_path):
    (tmp_path / "test_one_skip.py").write_text("import pytest\n\ndef test_skips():\n    pytest.skip('no reason')\n\n"
                                               "def test_passes():\n    pass\n")
    cmd = [*PYTEST, "-p", "conftest", str(tmp_path / "test_one_skip.py")]
    env = _env(PYTHONPATH=str(ROOT / "tests"))
    local = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert local.returncode == 0 and "1 skipped" in local.stdout  # on a user's machine a skip is a skip
    ci = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**env, "CI": "1"})
    assert ci.returncode == 1 and "1 skipped test(s) fail the run" in ci.stdout


def test_doctests_pass_from_a_working_folder_holding_a_build(tmp_path):
    """The README's main job writes runs/kws-mps2-an386; the test command run after it in the same folder
    must still pass (the doctests of tinyslm.bench once read the working folder)."""
    build = tmp_path / "runs" / "kws-mps2-an386"
    build.mkdir(parents=True)
    (build / "report.json").write_text(json.dumps({"task": "kws", "model": {"params": 45260}}))
    r = subprocess.run([*PYTEST, "--doctest-modules", str(ROOT / "tinyslm" / "bench.py"),
                        str(ROOT / "tinyslm" / "compare.py")], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env=_env())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "passed" in r.stdout and "failed" not in r.stdout
