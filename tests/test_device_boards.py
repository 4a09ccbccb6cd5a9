"""More emulated boards through the serial protocol (Cortex-M7, Cortex-M55, Cortex-M0 with KWS), the
image build tag, Renode files, and bounded failures of flash tools and toolchains."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.boards import get_board
from tinyslm.errors import DeviceError, ToolchainError
from tinyslm.firmware import build

HAVE_TOOLS = shutil.which("qemu-system-arm") is not None and shutil.which("arm-none-eabi-gcc") is not None
needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason="needs qemu-system-arm and gcc-arm-none-eabi")
KWS = next((p for p in SHARED_MODELS if "kws" in p.name), None)
HELLO = next((p for p in SHARED_MODELS if "hello_world" in p.name), None)
needs_models = pytest.mark.skipif(KWS is None or HELLO is None, reason="needs the shared models")

_built: dict[tuple[str, str], object] = {}


@pytest.fixture(scope="session")
def firmware(tmp_path_factory):
    """firmware(model, board) -> Firmware, built once per session."""

    def get(model: Path, board: str):
        key = (str(model), board)
        if key not in _built:
            _built[key] = build(model, board, tmp_path_factory.mktemp("fw") / f"{Path(model).stem}-{board}")
        return _built[key]

    return get


def _run_through_protocol(fw, model: Path, n: int, seed: int) -> list[int]:
    """n random inputs through the firmware in QEMU; asserts bit-exact with TFLM; returns instructions."""
    from tinyslm.runners.oracle import Oracle
    from tinyslm.device.emulator import QemuEmulator
    from tinyslm.device.protocol import DutClient

    oracle = Oracle(Path(model).read_bytes())
    rng = np.random.default_rng(seed)
    counts = []
    with QemuEmulator(fw.board, fw.elf) as emu, DutClient(emu.url, timeout=60) as c:
        c.sync()
        info = c.info()
        assert info["board"] == fw.board.name and info["build_id"] == fw.build_id
        spec = info["inputs"][0]
        for _ in range(n):
            x = rng.integers(-128, 128, spec["bytes"], dtype=np.int8)
            c.load(x.tobytes())
            c.infer(1, 0)
            got = np.frombuffer(c.raw_outputs()[0], dtype=np.int8)
            want = oracle.run([x.reshape(spec["shape"])])[0].reshape(-1)
            assert np.array_equal(got, want)
            ticks, count, hz = c.ticks()
            assert count == 1 and hz == fw.board.systick_hz
            counts.append(fw.board.ticks_to_instructions(ticks))
    return counts


@needs_tools
@needs_models
@pytest.mark.parametrize("board", ["mps2-an500", "mps3-an547", "microbit"])
def test_kws_bit_exact_on_more_emulated_boards(firmware, board):
    """Cortex-M7, Cortex-M55 and the 16 KB Cortex-M0 micro:bit all run the MLPerf Tiny KWS model
    bit-exactly (on the micro:bit it fits since the in-place depthwise/1x1 plan: 8.6 KB arena)."""
    fw = firmware(KWS, board)
    assert fw.size.ram_bytes <= fw.board.memory.ram_bytes
    counts = _run_through_protocol(fw, KWS, n=20 if board != "microbit" else 5, seed=11)
    assert min(counts) > 2_656_768 / 4  # at least ~1 instruction per 4 MACs: the timer really counts


@needs_tools
@needs_models
def test_instruction_count_repeats_exactly(firmware):
    """The firmware aligns the SysTick phase before timing, so the count does not depend on host timing."""
    from tinyslm.device.emulator import QemuEmulator
    from tinyslm.device.protocol import DutClient

    fw = firmware(KWS, "mps2-an386")
    x = bytes(range(256)) + bytes(234)
    seen = []
    for _ in range(2):  # two QEMU processes, two inferences each: one count
        with QemuEmulator(fw.board, fw.elf) as emu, DutClient(emu.url, timeout=60) as c:
            c.sync()
            c.load(x)
            for _ in range(2):
                c.infer(1, 0)
                seen.append(c.ticks()[0])
    assert len(set(seen)) == 1, seen


@needs_tools
@needs_models
def test_infer_runs_n_times_and_reports_the_total(firmware):
    from tinyslm.device.emulator import QemuEmulator
    from tinyslm.device.protocol import DutClient

    fw = firmware(HELLO, "mps2-an386")
    with QemuEmulator(fw.board, fw.elf) as emu, DutClient(emu.url, timeout=30) as c:
        c.sync()
        c.load(b"\x05")
        c.infer(1, 0)
        one = c.ticks()[0]
        r = c.infer(10, 3)
        assert r.lines[:3] == ["m-warmup-start-3", "m-warmup-done", "m-infer-start-10"]
        ten, n, _ = c.ticks()
        assert n == 10 and 9 * one <= ten <= 11 * one


@needs_models
def test_flash_refuses_an_image_built_for_another_board(firmware, tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("needs gcc-arm-none-eabi")
    from tinyslm.device.flash import check_image, image_board

    nuc = firmware(HELLO, "nucleo-f446re")
    assert image_board(nuc.bin) == ("nucleo-f446re", nuc.build_id)
    check_image(nuc.out_dir, nuc.board)
    fake = tmp_path / "fake"  # firmware.json says nucleo-f446re, the image inside was built for mps2-an386
    shutil.copytree(nuc.out_dir, fake)
    shutil.copyfile(firmware(HELLO, "mps2-an386").bin, fake / "build" / "firmware.bin")
    with pytest.raises(DeviceError) as e:
        check_image(fake, nuc.board)
    assert "built for mps2-an386, not nucleo-f446re" in e.value.what
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "flash", str(fake), "--board", "nucleo-f446re",
                        "--dry-run"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "the image was built for mps2-an386" in r.stderr


@needs_models
def test_pyocd_without_a_probe_fails_fast(firmware):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("needs gcc-arm-none-eabi")
    from tinyslm.device.flash import pyocd_available

    if not pyocd_available():
        pytest.skip("pyocd not installed (pip install tinyslm[device])")
    nuc = firmware(HELLO, "nucleo-f446re")
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "flash", str(nuc.out_dir), "--board", "nucleo-f446re",
                        "--probe", "NOSUCHPROBE"], capture_output=True, text=True, timeout=90)
    assert r.returncode == 2 and r.stderr.startswith("error: pyocd failed") and "Traceback" not in r.stderr


@needs_models
def test_renode_files_for_renode_boards(firmware):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("needs gcc-arm-none-eabi")
    fw = firmware(HELLO, "netduinoplus2")
    resc = (fw.out_dir / "netduinoplus2.resc").read_text()
    robot = (fw.out_dir / "netduinoplus2.robot").read_text()
    assert "platforms/cpus/stm32f4.repl" in resc and "connector Connect sysbus.usart1" in resc
    assert "@$ORIGIN/build/firmware.elf" in resc
    assert "Create Terminal Tester    sysbus.usart1" in robot and "m-name-dut-[tinyslm]" in robot
    assert not list(firmware(HELLO, "mps2-an386").out_dir.glob("*.resc"))  # Renode has no MPS2 platform


def test_emulate_renode_on_a_board_renode_lacks(firmware):
    if HELLO is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("needs the shared models and gcc-arm-none-eabi")
    fw = firmware(HELLO, "mps2-an386")
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "emulate", str(fw.out_dir), "--emulator", "renode"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "renode" in r.stderr.lower() and "Traceback" not in r.stderr


def test_missing_cross_toolchain_is_one_message(tmp_path):
    if HELLO is None:
        pytest.skip("needs the shared models")
    env = dict(os.environ, PATH=str(Path(sys.executable).parent))  # python only: no arm-none-eabi-gcc, no make
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "firmware", str(HELLO), "--board", "mps2-an386", "-o",
                        str(tmp_path / "fw")], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and r.stderr.startswith("error: 'arm-none-eabi-gcc' not found")
    assert "apt-get install gcc-arm-none-eabi" in r.stderr and "Traceback" not in r.stderr


def test_missing_qemu_is_one_message(tmp_path, monkeypatch):
    from tinyslm.device.emulator import QemuEmulator

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError) as e:
        QemuEmulator(get_board("mps3-an547"), tmp_path / "x.elf")
    assert "qemu-system-arm not found" in e.value.what


def test_firmware_that_crashes_is_a_clear_error_not_a_hang(tmp_path):
    """A bad image: QEMU opens the UART, the guest locks up and QEMU quits; the host says so, in bounded time."""
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("needs qemu-system-arm")
    import time

    from tinyslm.device.emulator import QemuEmulator
    from tinyslm.device.protocol import DutClient

    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"not an elf")
    t0 = time.monotonic()
    with pytest.raises(DeviceError) as e:
        with QemuEmulator(get_board("mps2-an386"), bad) as emu, DutClient(emu.url, timeout=3) as c:
            c.sync(attempts=2)
    assert time.monotonic() - t0 < 30
    assert any(w in e.value.what for w in ("exited at start", "does not answer", "serial port", "cannot open"))


@needs_tools
@needs_models
def test_bench_via_firmware_table_and_json(tmp_path):
    """`tinyslm bench --via firmware`: counts from the protocol firmware, on a board the bare-metal bench
    runtime cannot use (micro:bit, TIMER0), plus a model that does not fit, skipped with the numbers."""
    import json

    AD01 = next(p for p in SHARED_MODELS if "ad01" in p.name)
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "bench", str(HELLO), str(AD01), "--via", "firmware",
                        "-b", "microbit", "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "skipped mlperf_tiny_ad01_int8.tflite on microbit: model does not fit microbit" in r.stderr
    rows = json.loads(out.read_text())
    assert len(rows) == 1 and rows[0]["board"] == "microbit" and rows[0]["target"] == "portable"
    assert 1_000 < rows[0]["instructions"] < 100_000 and "| tflm_hello_world_int8 | microbit |" in r.stdout


@needs_tools
@needs_models
def test_protocol_over_a_pty_serial_device(firmware):
    """The client on a real tty device path (QEMU -serial pty), not only socket://."""
    from tinyslm.runners.oracle import Oracle
    from tinyslm.device.emulator import QemuEmulator
    from tinyslm.device.protocol import DutClient

    fw = firmware(HELLO, "netduinoplus2")
    oracle = Oracle(HELLO.read_bytes())
    with QemuEmulator(fw.board, fw.elf, serial="pty") as emu:
        assert emu.url.startswith("/dev/")
        with DutClient(emu.url, timeout=20) as c:
            c.sync()
            for v in (-128, -3, 0, 77, 127):
                c.load(np.int8(v).tobytes())
                c.infer(1, 0)
                assert c.raw_outputs()[0] == oracle.run([np.array([[v]], np.int8)])[0].tobytes()


@needs_tools
@needs_models
def test_run_firmware_api_and_wrong_build_on_port(firmware):
    """run_firmware(): the pipeline's one call; on a port it refuses a device running another build."""
    from tinyslm.runners.oracle import Oracle
    from tinyslm.device.emulator import QemuEmulator
    from tinyslm.device.verify import run_firmware

    fw = firmware(HELLO, "mps2-an386")
    xs = [[np.array([[v]], np.int8)] for v in (-100, 0, 100)]
    run = run_firmware(fw.out_dir, xs)
    oracle = Oracle(HELLO.read_bytes())
    assert [r[0].tobytes() for r in run.outputs] == [oracle.run(x)[0].tobytes() for x in xs]
    assert len(set(run.instructions(fw.board))) >= 1 and min(run.instructions(fw.board)) > 100
    other = firmware(KWS, "mps2-an386")
    with QemuEmulator(other.board, other.elf) as emu:  # a device running the KWS build
        with pytest.raises(DeviceError) as e:
            run_firmware(fw.out_dir, xs, port=emu.url)
    assert f"runs build {other.build_id}" in e.value.what and "tinyslm flash" in e.value.hint
