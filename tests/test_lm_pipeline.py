"""`tinyslm build lm --quick`, end to end in QEMU, then `tinyslm generate` on its firmware."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-system-arm", "arm-none-eabi-gcc")),
    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")]


def tinyslm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm.cli", *args], capture_output=True, text=True, timeout=1200)


def test_build_lm_quick_end_to_end(tmp_path):
    from tinyslm.resources import sources_digest

    digest = sources_digest()
    out = tmp_path / "lm"
    r = tinyslm("build", "lm", "--quick", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    rep = json.loads((out / "report.json").read_text())
    q = rep["quality"]
    stages = ("teacher", "student_alone", "student_distilled", "pruned")
    assert all(0 < q[k] < 8 for k in stages)
    assert 0.1 < q["source_entropy_rate"] < q["teacher"]  # the limit, below every model
    assert abs(q["source_on_test"] - q["source_entropy_rate"]) < 0.05
    s8 = q["int8_subset"]
    assert s8["documents"] > 0 and abs(s8["int8_host"] - s8["pruned_float"]) < 0.5 * s8["pruned_float"]
    v = rep["verify_host_vs_tflm"]
    assert v["ok"] and v["prompts"] == 10 and v["steps"] == 10 * (13 + 63) == v["identical_steps"]
    d = rep["device"]
    assert d["runs"] == 9 and d["identical"] == 9 and d["agreement_with_host"] == 1.0
    assert 1e4 < d["instructions_per_token"] < 4e6
    m = rep["memory"]
    assert m["kv_cache_bytes"] == 2 * 2 * 128 * 32 and m["arena_plus_kv_cache_and_io_bytes"] > m["kv_cache_bytes"]
    assert 0 < m["int8_weights_bytes"] <= 128 * 1024
    assert all(s["device"] == s["host"] for s in rep["samples"])
    assert (out / "report.html").read_text().count("<tr>") > 10
    # again: every step (data, sizing, train, firmware, verify, device) is found done; the firmware step and
    # the ones after it run again only if firmware/, templates/ or boards/ changed in between
    r2 = tinyslm("build", "lm", "--quick", "--out", str(out))
    assert r2.returncode == 0 and "[train] done earlier" in r2.stdout, r2.stdout[-2000:]
    if sources_digest() == digest:
        assert r2.stdout.count("done earlier") == 6, r2.stdout[-2000:]
    assert json.loads((out / "report.json").read_text())["quality"] == q
    # the firmware from the command line
    g = tinyslm("generate", str(out), "> turn on", "-n", "20")
    assert g.returncode == 0, g.stderr
    assert g.stdout.startswith("> turn on") and "instructions per step" in g.stderr
    bad = tinyslm("generate", str(out), "> TURN")
    assert bad.returncode == 2 and "not in the vocabulary" in bad.stderr and "Traceback" not in bad.stderr
