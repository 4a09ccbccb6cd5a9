"""`tinyslm build --quick`, end to end in QEMU: every step, the report, resuming, determinism."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-system-arm", "arm-none-eabi-gcc", "espeak-ng")),
    reason="needs qemu-system-arm, gcc-arm-none-eabi and espeak-ng (installed by .ci/setup)")

REPORT_KEYS = {
    "dataset": {"source", "n_train", "n_test"},
    "model": {"params", "macs", "ops", "sparsity"},
    "quality": {"teacher_float", "student_alone_float", "student_distilled_float", "student_int8",
                "student_int8_device", "test_fresh"},
    "memory": {"flash_bytes", "weights_bytes", "code_bytes", "arena_bytes", "ram_bytes"},
    "device": {"instructions_per_inference", "agreement_with_host"},
    "tflm": {"arena_bytes"},
}


def build(task: str, out, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm.cli", "build", task, "--quick", "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One quick build per task, shared by the tests below."""
    done = {}

    def get(task: str):
        if task not in done:
            out = tmp_path_factory.mktemp(task) / "run"
            done[task] = (out, build(task, out))
        return done[task]

    return get


@pytest.mark.parametrize("task", ["kws", "anomaly"])
def test_quick_build_end_to_end_in_qemu(task, runs):
    out, r = runs(task)
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == task and report["board"] == "mps2-an386"
    for section, keys in REPORT_KEYS.items():
        assert keys <= set(report[section]), (section, set(report[section]))
    assert report["device"]["agreement_with_host"] == 1.0  # the firmware's outputs are the host's, byte for byte
    # the host C of the int8 model is TFLM's, byte for byte, on every example of the test split
    assert report["quality"]["tflm_agreement"] == 1.0 and report["quality"]["tflm_examples"] == report["dataset"]["n_test"]
    assert report["device"]["instructions_per_inference"] > 0
    assert report["memory"]["arena_bytes"] < report["tflm"]["arena_bytes"]
    assert report["dataset"]["n_train"] > 0 and report["dataset"]["n_test"] > 0
    # the model's int8 input is the frontend's own quantization: its bytes go in unchanged
    from tinyslm.compiler import read_model
    from tinyslm.data import AdFrontend, KwsFrontend

    g = read_model(out / "train" / "model.tflite")
    fe = (KwsFrontend() if task == "kws" else AdFrontend()).config
    q = g.tensors[g.inputs[0]].quant
    assert q.zero_point[0] == fe.zero_point and abs(q.scale[0] - fe.scale) < 1e-6 * fe.scale
    # a floor under the quick profile's quality that a broken trainer cannot pass. Measured with
    # `tinyslm build TASK --quick --seed S` for S = 0, 1, 2: KWS int8 test accuracy 0.208, 0.375, 0.375 (teacher
    # 0.292, 0.323, 0.333; chance 1/12 = 0.083, and a constant answer scores exactly that). The anomaly quick
    # profile's 24 test clips make its AUC noise (int8: 0.597, 0.736, 0.465), so its floor is the training
    # itself: the distilled student's reconstruction error fell to 0.66, 0.61, 0.66 of its first epoch's,
    # where an untrained or broken trainer stays near 1.
    q = report["quality"]
    if task == "kws":
        assert q["student_int8"] >= 0.17 and q["teacher_float"] >= 0.17, q
    else:
        mse = json.loads((out / "train" / "train.json").read_text())["histories"]["student_distilled"]["curves"]["mse"]
        assert len(mse) >= 10 and mse[-1] <= 0.8 * mse[0], mse
    # a fresh test set (another seed) read once at the end: its own clips, scored with the int8 model
    assert 0.0 <= report["quality"]["test_fresh"] <= 1.0 and report["fresh"]["n_fresh"] >= 16, report["fresh"]
    # and the paired float students (alone, distilled) measured again there
    pair = report["fresh"]["distill_fresh"]
    assert pair["n"] == report["fresh"]["n_fresh"] and pair["gain"] == pytest.approx(pair["distilled"] - pair["alone"])
    assert (out / "train" / "student_alone_float.tflite").is_file()
    if task == "kws":  # and the speech engine that training never heard
        assert 0.0 <= report["quality"]["test_other_engine"] <= 1.0 and report["fresh"]["n_other_engine"] > 20
    else:  # new clips of the build's machines, and other machines of the same types and ids
        fresh = report["fresh"]
        assert 0.0 <= report["quality"]["test_other_machines"] <= 1.0 and fresh["n_other_machines"] >= 16
        assert "build's machines" in fresh["fresh_what"]
    if task == "kws":  # raw audio: PCM over serial, features computed by the C frontend on the device
        raw = report["raw_audio"]
        assert raw["clips"] >= 20 and raw["top1_agreement"] >= 0.95, raw
        assert raw["frontend_instructions"] > 0
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 5 and 'id="summary"' in html and "<script" not in html  # self-contained SVG
    assert "| trust" in r.stdout and "| speed" in r.stdout  # the same summary as the terminal's last lines
    # resumable: a second run skips every finished step and writes the same report
    again = build(task, out)
    assert again.returncode == 0 and again.stdout.count("skipped") >= 6
    assert json.loads((out / "report.json").read_text())["quality"] == report["quality"]


def test_same_seed_same_model_and_firmware(runs, tmp_path):
    a, first = runs("kws")
    assert first.returncode == 0
    r = build("kws", tmp_path / "b")  # same (default) seed, another folder
    assert r.returncode == 0, r.stderr[-3000:]
    b = tmp_path / "b"
    assert (a / "train" / "model.tflite").read_bytes() == (b / "train" / "model.tflite").read_bytes()
    fa = a / "firmware" / "project" / "build" / "firmware.bin"
    fb = b / "firmware" / "project" / "build" / "firmware.bin"
    assert fa.read_bytes() == fb.read_bytes()


def test_quick_build_on_the_helium_board(tmp_path):
    """mps3-an547 runs the Helium kernels, which build only for the Cortex-M55: the device step's host reference
    is the same model on the kernels Helium falls back to (the same bytes by contract), and the firmware's outputs
    equal it on every example sent (the build stopped at its device step before)."""
    out = tmp_path / "m55"
    r = build("kws", out, "--board", "mps3-an547")
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["board"] == "mps3-an547" and "tslm_mve_" in (out / "firmware" / "project" / "model" / "kws.c"
                                                               ).read_text()
    dev = report["device"]
    assert dev["examples"] > 0 and dev["identical"] == dev["examples"] == dev["host_identical_to_tflm"]


def test_bad_inputs_give_clear_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = build("kws", tmp_path / "run", "--data", str(empty))
    assert r.returncode == 2 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    r = build("kws", tmp_path / "run2", "--board", "nucleo-f446re")
    assert r.returncode == 2 and "not emulated" in r.stderr and "--port" in r.stderr
    r = build("kws", tmp_path / "run3", "--board", "no-such-board")
    assert r.returncode == 2 and "unknown board" in r.stderr


def test_a_kernel_edit_rebuilds_the_firmware(runs, tmp_path):
    """The firmware step's cache key holds a hash of templates/, firmware/ and boards/: after a kernel edit
    the same build runs the firmware step (and what follows) again, while data and training stay done."""
    import os

    from tinyslm.resources import boards_dir, firmware_dir, templates_dir

    out, first = runs("anomaly")
    assert first.returncode == 0
    res = tmp_path / "resources"
    for src in (templates_dir(), firmware_dir(), boards_dir()):
        shutil.copytree(src, res / src.name)
    kernel = res / "firmware" / "kernels" / "tslm_fully_connected.c"
    kernel.write_text(kernel.read_text() + "\n/* edited */\n")
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "build", "anomaly", "--quick", "--out", str(out)],
                       capture_output=True, text=True, timeout=1200, env={**os.environ, "TINYSLM_RESOURCES": str(res)})
    assert r.returncode == 0, r.stderr[-3000:]
    assert "[train] done earlier" in r.stdout and "[firmware] done earlier" not in r.stdout
    assert "[firmware] done in" in r.stdout and "[device] done in" in r.stdout
