"""Firmware in QEMU, driven through the MLPerf Tiny serial protocol by the host tool."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.boards import get_board
from tinyslm.runners.oracle import Oracle, random_inputs
from tinyslm.device.emulator import QemuEmulator
from tinyslm.device.protocol import DutClient
from tinyslm.device.verify import verify_on_device
from tinyslm.errors import DeviceError, ToolchainError
from tinyslm.firmware import build

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
KWS = next((p for p in SHARED_MODELS if "kws" in p.name), None)
HELLO = next((p for p in SHARED_MODELS if "hello_world" in p.name), None)


@pytest.mark.parametrize("board", ["mps2-an386", "netduinoplus2"])
@pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])
def test_shared_models_bit_exact_on_emulated_boards(model_path, board, tmp_path):
    report = verify_on_device(model_path, board, n_inputs=20, seed=3, work=tmp_path)
    assert report.runs == 20
    assert report.device_vs_host == 20 and report.device_vs_tflm == 20, report.lines()
    assert report.instructions and min(report.instructions) > 0


def test_microbit_runs_hello_world_bit_exact(tmp_path):
    report = verify_on_device(HELLO, "microbit", n_inputs=20, seed=4, work=tmp_path)
    assert report.ok, report.lines()


@pytest.fixture(scope="module")
def kws_firmware(tmp_path_factory):
    if KWS is None:
        pytest.skip("needs the shared KWS model")
    return build(KWS, "mps2-an386", tmp_path_factory.mktemp("fw") / "kws")


def test_protocol_commands(kws_firmware):
    board = get_board("mps2-an386")
    with QemuEmulator(board, kws_firmware.elf) as emu, DutClient(emu.url, timeout=20) as c:
        c.sync()
        assert c.command("name").value("m-name-") == "dut-[tinyslm]"
        assert c.command("profile").value("m-profile-") == "[tinyslm-1.0]"
        assert any("infer N" in line for line in c.command("help").lines)
        assert c.command("timestamp").value("m-lap-us-").isdigit()
        info = c.info()
        assert info["board"] == "mps2-an386" and info["build_id"] == kws_firmware.build_id
        assert info["inputs"][0]["shape"] == (1, 49, 10, 1) and abs(info["inputs"][0]["scale"] - 0.5847029) < 1e-6
        data = bytes(range(256)) + bytes(234)
        c.load(data)
        lines = c.command("db print 8 0").lines
        assert lines == ["m-buffer-00-01-02-03-04-05-06-07"]
        r = c.infer(3, 1)
        assert "m-infer-done" in r.lines and r.value("m-results-[")
        ticks, n, hz = c.ticks()
        assert n == 3 and hz == 25_000_000 and ticks > 0
        # tinyslm-bin: the same bytes raw ('%' = 0x25 among them), the same buffer and results
        c.load(bytes(490), binary=True)
        c.load(data, binary=True)
        assert c.binary_load is True
        assert c.command("db print 8 0").lines == lines and c.command("db print 4 37").lines == ["m-buffer-25-26-27-28"]
        assert c.infer(3, 1).value("m-results-[") == r.value("m-results-[")


def test_stalled_binary_load_times_out_and_the_device_keeps_serving(kws_firmware):
    board = get_board("mps2-an386")
    with QemuEmulator(board, kws_firmware.elf) as emu, DutClient(emu.url, timeout=30) as c:
        c.sync()
        assert c.command("tinyslm-bin 490").lines == ["m-[Expecting 490 raw bytes]"]
        c.send_raw(bytes(10))
        assert c.wait_ready(timeout=60) == ["e-[tinyslm-bin: no data for 100 ms, got 10 of 490 bytes]"]
        assert c.command("name").value("m-name-") == "dut-[tinyslm]"
        assert c.command("infer 1 0", check=False).errors == ["e-[input not loaded: 0 of 490 bytes]"]


class _LateData(DutClient):
    """Holds the next raw data write until the device's binary window has closed, as a host
    descheduled under load does; the device's stall reply goes back to the client unread."""

    hold = True

    def send_raw(self, data: bytes) -> None:
        if self.hold and not data.endswith(b"%"):
            self.hold = False
            deadline = time.monotonic() + 60
            seen = []
            while not (seen and seen[-1].startswith("e-[tinyslm-bin")):
                seen.append(self._readline(deadline))
            self.buffer = "".join(line + "\r\n" for line in seen).encode() + self.buffer
        super().send_raw(data)


def test_input_that_comes_after_the_binary_window_is_loaded_again_as_hex(kws_firmware):
    """The firmware reads the late input bytes as commands ('%' ends one, and this input spells
    some); the client gets past their replies, loads the input as hex, and every reply after is
    its own command's."""
    board = get_board("mps2-an386")
    data = (b"db load 9%infer 1 0%%name%tinyslm-ticks%" + bytes(range(256)) + bytes(490))[:490]
    with QemuEmulator(board, kws_firmware.elf) as emu:
        with DutClient(emu.url, timeout=30) as c:
            c.sync()
            c.load(data, binary=True)
            assert c.binary_load is True
            want = c.infer(1, 0).value("m-results-[")
            ticks = c.ticks()
        with _LateData(emu.url, timeout=30) as c:
            c.sync()
            c.load(data, binary=True)
            assert c.binary_load is False and not c.hold
            assert c.command("db print 4 0").lines == ["m-buffer-64-62-20-6c"]
            assert c.infer(1, 0).value("m-results-[") == want
            assert c.ticks()[1:] == ticks[1:]
            assert c.command("name").value("m-name-") == "dut-[tinyslm]"


def _malformed(rng: np.random.Generator, i: int, loading: bool) -> bytes:
    """One malformed command (or a storm of them): every '%' in it ends one command the device must refuse."""
    kind = i % 11
    if kind == 0:
        return b"x" + bytes(rng.integers(33, 127, int(rng.integers(1, 40)), dtype=np.uint8).tolist()).replace(b"%", b"") + b"%"
    if kind == 1:
        return b"db " + b"zz" * int(rng.integers(1, 20)) + b"%"
    if kind == 2:
        return f"db load {int(rng.integers(100000, 10**9))}%".encode()
    if kind == 3:
        return f"infer {int(rng.integers(-5, 0))}%".encode()
    if kind == 4:
        return b"a" * int(rng.integers(300, 600)) + b"%"  # over-long line
    if kind == 5:  # binary garbage, then a terminator
        return bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tolist()).replace(b"%", b"") + b"%"
    if kind == 6:
        return b"db 123%"  # odd number of hex digits
    if kind == 7:
        return b"\0" * int(rng.integers(1, 32)) + b"%"  # NUL bytes
    if kind == 8:
        return b"%" * int(rng.integers(2, 12))  # a storm of empty commands
    if kind == 9:  # valid hex but no 'db load' in progress; while one is, hex cut short instead
        return b"db 0%" if loading else b"db " + b"0f" * int(rng.integers(1, 16)) + b"%"
    return b"infer 1 2 3 4%"  # too many arguments


# malformed lines sent: 2,000 in the suite; the long run sets TINYSLM_FUZZ_UART_LINES (README: >= 10,000)
N_UART_LINES = int(os.environ.get("TINYSLM_FUZZ_UART_LINES", "2000"))


def test_fuzz_malformed_commands_then_still_bit_exact(kws_firmware):
    """Malformed commands, half of them with no load in progress and half while a 'db load' waits for data:
    each gets an error and m-ready, the device never resets or hangs, and the next inference is bit-exact."""
    board = get_board("mps2-an386")
    rng = np.random.default_rng(2024)
    oracle = Oracle(KWS.read_bytes())
    with QemuEmulator(board, kws_firmware.elf) as emu, DutClient(emu.url, timeout=20) as c:
        c.sync()
        loading = False
        for i in range(N_UART_LINES):
            if i == N_UART_LINES // 2:
                c.command("db load 490")  # a load in progress must survive the garbage too
                loading = True
            msg = _malformed(rng, i, loading)
            c.send_raw(msg)
            for _ in range(msg.count(b"%")):
                lines = c.wait_ready(timeout=20)  # never hangs: every command ends with m-ready
                assert any(line.startswith("e-[") for line in lines), (i, msg[:40], lines)
                assert "m-init-done" not in lines, (i, lines)  # no reset: the boot banner never comes back
        # the device kept serving: a valid inference is still bit-exact
        x = random_inputs([type("S", (), dict(dtype="int8", shape=(1, 49, 10, 1)))()], np.random.default_rng(1))[0]
        c.load(x.tobytes())
        c.infer(1, 0)
        got = np.frombuffer(c.raw_outputs()[0], dtype=np.int8)
        assert np.array_equal(got, oracle.run([x])[0].reshape(-1))
        assert c.command("name").value("m-name-")  # no reset happened: still the same session


def test_unanswering_device_fails_within_bounded_time():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    t0 = time.monotonic()
    with DutClient(f"socket://127.0.0.1:{port}", timeout=1.0) as c:
        with pytest.raises(DeviceError) as e:
            c.sync(attempts=2)
    assert time.monotonic() - t0 < 15 and "does not answer" in e.value.what
    server.close()


def test_wrong_port_is_one_clear_message():
    with pytest.raises(DeviceError) as e:
        DutClient("/dev/ttyDOESNOTEXIST0", timeout=1)
    assert "cannot open serial port" in e.value.what and e.value.hint
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "console", "/dev/ttyDOESNOTEXIST0"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("error: cannot open serial port") and "Traceback" not in r.stderr


def test_missing_emulator_is_one_clear_message(kws_firmware, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolchainError) as e:
        QemuEmulator(get_board("mps2-an386"), kws_firmware.elf)
    assert "qemu-system-arm not found" in e.value.what and "apt-get install qemu-system-arm" in e.value.hint


def test_renode_missing_is_said_clearly(kws_firmware, tmp_path):
    if shutil.which("renode"):
        pytest.skip("renode is installed here")
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "emulate", str(kws_firmware.out_dir), "--board",
                        "mps2-an386", "--emulator", "renode"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "renode" in r.stderr.lower() and "Traceback" not in r.stderr


def test_flash_dry_run_and_board_mismatch(kws_firmware):
    run = lambda *a: subprocess.run([sys.executable, "-m", "tinyslm.cli", *a], capture_output=True, text=True,  # noqa
                                    timeout=60)
    r = run("flash", str(kws_firmware.out_dir), "--board", "mps2-an386", "--dry-run")
    assert r.returncode == 0 and "qemu-system-arm -icount shift=0 -M mps2-an386" in r.stdout
    r = run("flash", str(kws_firmware.out_dir), "--board", "nucleo-f446re", "--dry-run")
    assert r.returncode == 2 and "built for mps2-an386, not nucleo-f446re" in r.stderr


def test_pyocd_and_uf2_plans(tmp_path):
    if HELLO is None:
        pytest.skip("needs the shared models")
    from tinyslm.device.flash import bin_to_uf2, runner_for

    fw = build(HELLO, "nucleo-f446re", tmp_path / "nuc")
    plan = runner_for(fw.board, probe="066DFF").plan(fw.out_dir)
    cmd = " ".join(plan.commands[0])
    assert "pyocd" in cmd and " flash " in cmd and "--target stm32f446retx" in cmd
    assert "--uid" in plan.commands[0] and "savemem 0x8000000" in " ".join(plan.commands[1])
    fw2 = build(HELLO, "feather-nrf52840", tmp_path / "feather")
    mount = tmp_path / "FTHR840BOOT"
    mount.mkdir()
    msg = runner_for(fw2.board, mount=mount).flash(fw2.out_dir)
    uf2 = (mount / "firmware.uf2").read_bytes()
    assert "copied" in msg and uf2 == bin_to_uf2(fw2.bin.read_bytes(), 0x26000, 0xADA52840)
    assert len(uf2) % 512 == 0 and int.from_bytes(uf2[12:16], "little") == 0x26000


def test_the_emulator_dies_with_the_process_that_started_it(tmp_path):
    """A `tinyslm` process killed with SIGKILL (no cleanup runs) leaves no QEMU behind."""
    import signal

    from tinyslm.firmware import build

    fw = build(next(p for p in SHARED_MODELS if "hello_world" in p.stem), "mps2-an386", tmp_path / "fw")
    script = ("import sys, time\n"
              "from tinyslm.boards import get_board\n"
              "from tinyslm.device.emulator import QemuEmulator\n"
              f"emu = QemuEmulator(get_board('mps2-an386'), {str(fw.elf)!r}).start()\n"
              "print(emu.proc.pid, flush=True)\n"
              "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    qemu_pid = int(parent.stdout.readline())
    assert _alive(qemu_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _alive(qemu_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(qemu_pid), "QEMU outlived the tinyslm process that started it"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
