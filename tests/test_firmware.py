"""Firmware: builds for every board without warnings, fits or is refused with numbers, is deterministic."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest
from conftest import SHARED_MODELS

from tinyslm.boards import list_boards
from tinyslm.firmware import FitError, build

HELLO = next((p for p in SHARED_MODELS if "hello_world" in p.name), None)
AD01 = next((p for p in SHARED_MODELS if "ad01" in p.name), None)

needs_models = pytest.mark.skipif(HELLO is None or AD01 is None, reason="needs the shared models")
needs_toolchain = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs gcc-arm-none-eabi")


@needs_models
@needs_toolchain
@pytest.mark.parametrize("board", [b.name for b in list_boards()])
def test_every_board_builds_without_warnings(board, tmp_path):
    fw = build(HELLO, board, tmp_path / "fw")  # the Makefile uses -Wall -Wextra -Werror
    assert fw.elf.exists() and fw.bin.stat().st_size > 0 and fw.hex.exists()
    assert 0 < fw.size.flash_bytes < fw.size.flash_capacity
    assert fw.size.weights_bytes > 0 and fw.size.code_bytes > 0
    assert (tmp_path / "fw" / "Makefile").exists() and (tmp_path / "fw" / "CMakeLists.txt").exists()


@needs_models
@needs_toolchain
def test_makefile_builds_outside_tinyslm_and_is_deterministic(tmp_path):
    fw = build(HELLO, "mps2-an386", tmp_path / "a")
    first = hashlib.sha256(fw.bin.read_bytes()).hexdigest()
    again = build(HELLO, "mps2-an386", tmp_path / "b")
    assert hashlib.sha256(again.bin.read_bytes()).hexdigest() == first  # same inputs, same firmware bytes
    subprocess.run(["make", "-C", str(tmp_path / "a"), "clean"], check=True, capture_output=True)
    subprocess.run(["make", "-C", str(tmp_path / "a")], check=True, capture_output=True)
    assert hashlib.sha256(fw.bin.read_bytes()).hexdigest() == first


@needs_models
def test_model_too_big_is_refused_with_numbers(tmp_path, zoo):
    with pytest.raises(FitError) as e:
        build(AD01, "microbit", tmp_path / "fw")  # 265 KB of weights, 256 KB of flash
    assert "needs about" in e.value.what and "KB flash, board has 256.0 KB" in e.value.what
    fw = build(zoo("conv_3x3_same"), "microbit", tmp_path / "fw2")  # a small model fits: the check is not blanket
    assert fw.size.ram_bytes <= 16 * 1024


@needs_models
def test_ram_refusal_names_the_numbers(tmp_path):
    from tflbuild import OpDesc, TDesc, build_model

    # a 40 KB activation chain: fine on mps2-an386, too big for the micro:bit's 16 KB
    model = build_model([TDesc((1, 40000), "int8", [0.1], [0]), TDesc((1, 40000), "int8", [0.2], [3]),
                         TDesc((1, 40000), "int8", [0.1], [0])],
                        [OpDesc("QUANTIZE", [0], [1]), OpDesc("QUANTIZE", [1], [2])], [0], [2])
    with pytest.raises(FitError) as e:
        build(model, "microbit", tmp_path / "fw")
    assert "KB RAM, board has 16.0 KB" in e.value.what


def test_cli_firmware_refusal_is_one_message(tmp_path):
    if AD01 is None:
        pytest.skip("needs the shared models")
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "firmware", str(AD01), "--board", "microbit", "-o",
                        str(tmp_path / "fw")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("error: model does not fit microbit")
    assert "Traceback" not in r.stderr


@needs_models
@needs_toolchain
def test_cmake_project_builds_the_same_bytes(tmp_path):
    if shutil.which("cmake") is None:
        pytest.skip("needs cmake")
    fw = build(HELLO, "netduinoplus2", tmp_path / "fw")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    for cmd in (["cmake", "-S", str(fw.out_dir), "-B", str(tmp_path / "cm"), *gen], ["cmake", "--build", str(tmp_path / "cm")]):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "cm" / "firmware.bin").read_bytes() == fw.bin.read_bytes()


@needs_models
@needs_toolchain
def test_size_build_is_smaller_and_chosen_when_only_it_fits(tmp_path):
    """--optimize size: less flash for the same C (same outputs: test_qemu_bench); build_fitting (what `tinyslm
    build` calls) keeps the speed build when it fits and takes the size build when only that one does."""
    from dataclasses import replace

    from tinyslm.boards import get_board
    from tinyslm.firmware import build_fitting

    speed = build(AD01, "mps2-an386", tmp_path / "speed")
    size = build(AD01, "mps2-an386", tmp_path / "size", optimize="size")
    assert (speed.optimize, size.optimize) == ("speed", "size")
    assert "-Os" in (tmp_path / "size" / "Makefile").read_text()
    assert size.size.code_bytes < speed.size.code_bytes - 4096  # the DSP kernels' inlined specialisations
    b = get_board("mps2-an386")
    between = replace(b, memory=replace(b.memory, flash_bytes=(size.size.flash_bytes + speed.size.flash_bytes) // 2))
    with pytest.raises(FitError) as e:
        build(AD01, between, tmp_path / "tight")
    assert e.value.flash and "--optimize size" in (e.value.hint or "")
    fw, why = build_fitting(AD01, between, tmp_path / "tight")
    assert fw.optimize == "size" and "does not fit" in why
    fw, why = build_fitting(AD01, b, tmp_path / "roomy")
    assert fw.optimize == "speed" and why == ""
