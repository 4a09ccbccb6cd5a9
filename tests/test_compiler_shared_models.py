"""The external models (MLPerf Tiny, TFLM examples): bit-exact, smaller arena, clean C."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import SHARED_MODELS

from tinyslm.compiler import compile_model
from tinyslm.runners.host import WARN_FLAGS
from tinyslm.runners.oracle import Oracle
from tinyslm.runners.verify import verify_host

models = pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])


def test_shared_models_present(shared_models):
    assert len(shared_models) >= 4


@models
def test_bit_exact_with_tflm_on_100_random_inputs(model_path):
    report = verify_host(model_path, n_inputs=100, seed=1)
    assert report.runs == 100
    for out in report.outputs:
        assert out.exact == out.runs, f"{model_path.name}: {report.lines()}"


@models
@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_clean_under_asan_and_ubsan(model_path, target):
    report = verify_host(model_path, n_inputs=10, seed=2, sanitize=True, target=target)
    assert report.ok, report.lines()


@models
def test_dsp_kernels_bit_exact_on_100_inputs(model_path):
    report = verify_host(model_path, n_inputs=100, seed=6, target="cortex-m-dsp")
    assert report.ok, report.lines()


@models
def test_arena_not_larger_than_tflm(model_path, tmp_path):
    cm = compile_model(model_path, tmp_path / "out", name="m")
    tflm = Oracle(model_path.read_bytes()).arena()
    assert tflm.total > 0
    # Ours holds every intermediate and scratch; TFLM's also holds interpreter
    # structures. Even counting our caller-owned input/output buffers, we are smaller.
    assert cm.arena_bytes + cm.io_bytes <= tflm.total
    assert cm.arena_bytes <= tflm.head


@models
@pytest.mark.parametrize("cpu,target", [("cortex-m4", "portable"), ("cortex-m0", "portable"),
                                        ("cortex-m4", "cortex-m-dsp"), ("cortex-m7", "cortex-m-dsp"),
                                        ("cortex-m33", "cortex-m-dsp")])
def test_compiles_for_cortex_m_with_werror(model_path, cpu, target, tmp_path):
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.fail("arm-none-eabi-gcc is required (apt-get install gcc-arm-none-eabi)")
    cm = compile_model(model_path, tmp_path / "out", name="m", target=target)
    for src in cm.sources:
        r = subprocess.run([gcc, f"-mcpu={cpu}", "-mthumb", "-O2", *WARN_FLAGS, "-I", str(cm.out_dir), "-c",
                            str(src), "-o", str(tmp_path / (src.stem + ".o"))], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
