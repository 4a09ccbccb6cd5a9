"""MLPerf Tiny submitter firmware (`tinyslm firmware --mlperf kws01|ad01|ic01|vww01`), driven as the official
MLPerf Tiny runner drives a device, with results compared with the reference submissions' semantics computed
from TFLM.

The client below behaves as the runner's DUT / SerialDevice classes do (mlcommons/tiny, benchmark/runner):
each command is written followed by '%'; the reply is every line up to the one containing "m-ready" (CR and
NUL dropped); `db load N` then `db HEX` chunks of 31 bytes, each awaiting its m-ready; `infer 1 0` per input
in accuracy mode, `infer N W` after one download in performance mode; results parsed with the runner's
regular expressions (`^m-results-\\[([^]]+)\\]$`, empty items skipped; the first m-lap-us- line is the start
time, the second the end). The reference semantics, from the reference submissions:
- kws01: int8 features as sent; each output dequantized in float ((q - zero_point) * scale) and printed as
  "0." + (int)(x*10) + (int)(x*100) % 10 + (int)(x*1000) % 10, products in float: truncated, not rounded;
- ad01: float32 values, quantized with round(x / scale) + zero_point (halves away from zero, clamped);
  one score printed "%0.3f": the mean over the window of (dequantized output - input)^2, summed in float;
- ic01 and vww01: image bytes 0..255, minus 128 as int8; each output dequantized and printed "%0.3f"
  (vww01 with a comma after every value, as the reference's loop puts one).
The host build of the firmware app (the same main.c and firmware/app) runs every benchmark; QEMU runs ad01,
whose float maths is the part the board's FPU must agree on, and checks the time stamps.
"""

from __future__ import annotations

import math
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.runners.oracle import Oracle
from tinyslm.compiler.reader import read_model
from tinyslm.firmware import build_host_app

KWS = next((p for p in SHARED_MODELS if "kws_ref" in p.name), None)
AD01 = next((p for p in SHARED_MODELS if "ad01" in p.name), None)

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs a host gcc")

# the runner's performance scripts (tests_performance.yaml): infer N W
PERF = {"kws01": (70, 10), "ad01": (1500, 10), "ic01": (20, 5), "vww01": (20, 5)}


class RunnerLikeDut:
    """The runner's DUT over its SerialDevice: 'cmd%' out, lines in until one contains m-ready."""

    MAX_BYTES = 31  # bytes per `db` chunk (the runner's, without a power manager)

    def __init__(self, write: Callable[[bytes], None], read: Callable[[], bytes], timeout: float = 30.0):
        self._write, self._read, self.timeout = write, read, timeout
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_loop, daemon=True).start()

    def _read_loop(self) -> None:
        msg = ""
        while True:
            try:
                data = self._read()
            except Exception:  # the port closed under the reader
                return
            if not data:
                return
            for ch in data.decode(errors="replace"):
                if ch == "\n":
                    self._lines.put(msg)
                    msg = ""
                elif ch not in "\r\0":
                    msg += ch

    def drain(self, quiet: float = 0.5) -> None:
        while True:
            try:
                self._lines.get(timeout=quiet)
            except queue.Empty:
                return

    def read_reply(self) -> list[str]:
        lines = []
        while True:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                raise AssertionError(f"no m-ready within {self.timeout} s; got {lines}") from None
            if line:
                lines.append(line)
            if "m-ready" in line:
                return lines

    def send(self, command: str) -> list[str]:
        self._write(command.encode() + b"%")
        return self.read_reply()

    def name(self) -> str | None:
        for line in self.send("name"):
            m = re.match(r"^m-(name)-dut-\[([^]]+)]$", line)
            if m:
                return m.group(2)
        return None

    def profile(self) -> dict[str, str]:
        found = {}
        for line in self.send("profile"):
            m = re.match(r"^m-(model|profile)-\[([^]]+)]$", line)
            if m:
                found[m.group(1)] = m.group(2)
        return found

    def load(self, data: bytes, command: str = "db load") -> list[str]:
        replies = [self.send(f"{command} {len(data)}")]
        for i in range(0, len(data), self.MAX_BYTES):
            replies.append(self.send("db " + data[i:i + self.MAX_BYTES].hex()))
        return [line for r in replies for line in r]

    def infer(self, n: int, w: int) -> dict:
        lines = self.send(f"infer {n} {w}")
        result: dict = {"lines": lines}
        for line in lines:
            m = re.match(r"^m-results-\[([^]]+)\]$", line)
            if m:
                result["text"] = m.group(1)
                result["results"] = [float(x) for x in m.group(1).split(",") if x.strip()]
                continue
            m = re.match(r"^m-lap-us-([0-9]+)$", line)
            if m:
                result["end_time" if "start_time" in result else "start_time"] = int(m.group(1))
        if "start_time" in result and "end_time" in result:
            result["elapsed_time"] = result["end_time"] - result["start_time"]
        return result


# ------------------------------------------------------------------ the reference semantics, from TFLM
def _quant(model) -> tuple[tuple[float, int], tuple[float, int]]:
    g = read_model(model)
    t_in, t_out = g.tensors[g.inputs[0]], g.tensors[g.outputs[0]]
    return (t_in.scale, t_in.zero_point), (t_out.scale, t_out.zero_point)


def _dequant(q: np.ndarray, scale: float, zp: int) -> np.ndarray:
    """(float)(q - zero_point) * scale, in float32."""
    return (q.astype(np.int32) - zp).astype(np.float32) * np.float32(scale)


def _trunc3(v: np.float32) -> str:
    d = [int(np.float32(v * np.float32(k))) for k in (10, 100, 1000)]  # int() truncates toward zero, as C
    return f"0.{d[0]}{int(math.fmod(d[1], 10))}{int(math.fmod(d[2], 10))}"


def reference(bench: str, model, oracle: Oracle, data: bytes) -> tuple[str, np.ndarray]:
    """What the reference submission prints inside m-results-[...] for this input, and the int8 output."""
    (s_in, z_in), (s_out, z_out) = _quant(model)
    shape = read_model(model).tensors[read_model(model).inputs[0]].shape
    if bench == "ad01":
        x = np.frombuffer(data, "<f4")
        t = (x / np.float32(s_in)).astype(np.float64)  # float32 division, then C's round(): halves away from 0
        q = np.clip(np.sign(t) * np.floor(np.abs(t) + 0.5) + z_in, -128, 127).astype(np.int8)
    elif bench == "kws01":
        q = np.frombuffer(data, np.int8)
    else:  # pixel bytes minus 128
        q = (np.frombuffer(data, np.uint8).astype(np.int16) - 128).astype(np.int8)
    out = oracle.run([q.reshape(shape)])[0].reshape(-1)
    v = _dequant(out, s_out, z_out)
    if bench == "ad01":
        total = np.float32(0.0)
        for d in (v - x).astype(np.float32):
            total = np.float32(total + np.float32(d * d))
        return f"{float(np.float32(total / np.float32(len(v)))):.3f}", out
    if bench == "kws01":
        return ",".join(_trunc3(e) for e in v), out
    text = ",".join(f"{float(e):.3f}" for e in v)
    return (text + ",") if bench == "vww01" else text, out


def make_inputs(bench: str, model, rng: np.random.Generator, n: int) -> list[bytes]:
    if bench == "kws01":
        return [rng.integers(-128, 128, 490, dtype=np.int8).tobytes() for _ in range(n)]
    if bench in ("ic01", "vww01"):
        size = 32 * 32 * 3 if bench == "ic01" else 96 * 96 * 3
        return [rng.integers(0, 256, size, dtype=np.uint8).tobytes() for _ in range(n)]
    (s_in, z_in), _ = _quant(model)
    lo, hi = (-128 - z_in) * s_in, (127 - z_in) * s_in
    out = []
    for k in range(n):  # values over the input range and beyond it (clamped), some on exact halves of a step
        x = rng.uniform(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo), 640).astype(np.float32)
        x[:64] = ((rng.integers(-100, 100, 64) + 0.5) * s_in).astype(np.float32)
        out.append(x.astype("<f4").tobytes())
    return out


# ------------------------------------------------------------------ models
def _image_model(hw: int, classes: int, stride: int, seed: int) -> bytes:
    import opzoo

    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((8, classes)) * 0.5).astype(np.float32)

    def fn(x):
        import tensorflow as tf

        y = tf.nn.relu(tf.nn.conv2d(x, w1, strides=stride, padding="SAME"))
        return tf.nn.softmax(tf.matmul(tf.reduce_mean(y, axis=[1, 2]), w2))

    return opzoo.convert_fn(fn, [(1, hw, hw, 3)], seed=seed)


@pytest.fixture(scope="module")
def models() -> dict:
    if KWS is None or AD01 is None:
        pytest.skip("needs the shared KWS and ad01 models (../shared/models)")
    return {"kws01": KWS, "ad01": AD01, "ic01": _image_model(32, 10, 2, 1), "vww01": _image_model(96, 2, 4, 2)}


def host_dut(exe: Path) -> tuple[subprocess.Popen, RunnerLikeDut]:
    proc = subprocess.Popen([str(exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def write(b: bytes) -> None:
        proc.stdin.write(b)  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]

    return proc, RunnerLikeDut(write, lambda: proc.stdout.read1(4096), timeout=60)  # type: ignore[union-attr]


def accuracy_and_performance(dut: RunnerLikeDut, bench: str, model, inputs: list[bytes], perf: tuple[int, int]):
    """The runner's accuracy loop (download, infer 1 0) and performance loop (download, infer N W) on `inputs`;
    every printed result compared with the reference's. Returns the performance runs' results."""
    oracle = Oracle(Path(model).read_bytes() if isinstance(model, Path) else model)
    assert dut.name() == "tinyslm"
    assert dut.profile() == {"profile": "tinyslm-1.0", "model": bench}
    for data in inputs:
        load = dut.load(data)
        assert load[0] == f"m-[Expecting {len(data)} bytes]" and load[-2:] == ["m-load-done", "m-ready"]
        r = dut.infer(1, 0)
        expect, _ = reference(bench, model, oracle, data)
        assert r["text"] == expect, (bench, r["lines"])
        assert r["results"] == [float(e) for e in expect.split(",") if e]
        assert len(r["results"]) == (1 if bench == "ad01" else {"kws01": 12, "ic01": 10, "vww01": 2}[bench])
        assert r["elapsed_time"] >= 0
    runs = []
    for data in inputs[:2]:  # the runner loops download + infer N W
        dut.load(data)
        r = dut.infer(*perf)
        n, w = perf
        assert r["lines"][:3] == [f"m-warmup-start-{w}", "m-warmup-done", f"m-infer-start-{n}"]
        assert r["lines"][-3] == "m-infer-done" and r["text"] == reference(bench, model, oracle, data)[0]
        assert r["elapsed_time"] > 0
        runs.append(r)
    return runs


@pytest.mark.parametrize("bench", ["kws01", "ad01", "ic01", "vww01"])
def test_runner_drives_the_host_app(bench, models, tmp_path):
    model = models[bench]
    exe = build_host_app(model, tmp_path / "app", name="net", mlperf=bench)
    proc, dut = host_dut(exe)
    try:
        boot = dut.read_reply()
        assert boot[0] == "m-timestamp-mode-performance" and re.fullmatch(r"m-lap-us-\d+", boot[1])
        assert boot[2:] == ["m-init-done", "m-ready"]
        inputs = make_inputs(bench, model, np.random.default_rng(len(bench)), 4)
        accuracy_and_performance(dut, bench, model, inputs, PERF[bench])
        # tinyslm's own commands beside the benchmark's: tensor bytes as they are, outputs raw, bit-exact
        info = dut.send("tinyslm-info")
        (s_in, z_in), _ = _quant(model)
        size = {"kws01": 490, "ad01": 2560, "ic01": 3072, "vww01": 27648}[bench]
        assert f"m-mlperf-[{bench}]-[bytes={size}]" in info
        q = np.random.default_rng(5).integers(-128, 128, size // (4 if bench == "ad01" else 1), dtype=np.int8)
        assert dut.load(q.tobytes(), command="tinyslm-load")[-2] == "m-load-done"
        r = dut.infer(1, 0)
        assert "m-infer-done" in r["lines"]
        raw = dut.send("tinyslm-raw")[0]
        oracle = Oracle(Path(model).read_bytes() if isinstance(model, Path) else model)
        shape = read_model(model).tensors[read_model(model).inputs[0]].shape
        out = oracle.run([q.reshape(shape)])[0]
        assert raw == f"m-raw-0-[{out.tobytes().hex()}]"
        # a benchmark load of the wrong size is refused at infer, and the device keeps serving
        dut.load(bytes(size - 1))
        assert dut.infer(1, 0)["lines"][0] == f"e-[input not loaded: {size - 1} of {size} bytes]"
        assert dut.name() == "tinyslm"
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_profile_names_the_model_without_mlperf(models, tmp_path):
    model = tmp_path / "tiny_image_net.tflite"
    model.write_bytes(models["ic01"])
    exe = build_host_app(model, tmp_path / "app", name="net")
    proc, dut = host_dut(exe)
    try:
        assert dut.read_reply() == ["m-init-done", "m-ready"]  # no MLPerf boot lines
        assert dut.profile() == {"profile": "tinyslm-1.0", "model": "tiny_image_net"}  # the file's name, not the C one
        assert not any(line.startswith("m-mlperf") for line in dut.send("tinyslm-info"))
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=30)


def test_mlperf_refuses_a_model_of_another_benchmark(models, tmp_path):
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "firmware", str(KWS), "-o", str(tmp_path / "fw"),
                        "--mlperf", "ic01"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "MLPerf Tiny ic01 sends a 32x32x3 image" in r.stderr and "int8 1x49x10x1" in r.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
                    reason="needs gcc-arm-none-eabi and qemu-system-arm")
def test_runner_drives_ad01_in_qemu_on_a_pty(tmp_path):
    """ad01 built by the CLI for mps2-an386, in QEMU on a pty opened as the runner opens a port; m-lap-us- is
    the instruction count at the board's 25 MHz clock (one instruction per cycle)."""
    import serial

    from tinyslm.boards import get_board

    if AD01 is None:
        pytest.skip("needs the shared ad01 model (../shared/models)")
    from tinyslm.device.emulator import QemuEmulator

    fw = tmp_path / "fw"
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "firmware", str(AD01), "-o", str(fw), "--mlperf", "ad01"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    board = get_board("mps2-an386")
    with QemuEmulator(board, fw / "build" / "firmware.elf", serial="pty") as emu:
        port = serial.Serial(emu.url, 115200, timeout=0.1)
        try:
            def read() -> bytes:  # as the runner reads: a byte at a time, 0.1 s timeout (here: then what waits)
                while port.is_open:
                    data = port.read(1)
                    if data:
                        return data + port.read(port.in_waiting)
                return b""

            dut = RunnerLikeDut(port.write, read, timeout=60)
            dut.drain()  # what the boot left on the line, if the pty kept it (start the runner after the boot)
            inputs = make_inputs("ad01", AD01, np.random.default_rng(11), 2)
            runs = accuracy_and_performance(dut, "ad01", AD01, inputs, (5, 1))
            ticks = dut.send("tinyslm-ticks")[0]
            total, n, hz = map(int, re.fullmatch(r"m-ticks-\[(\d+)\]-\[(\d+)\]-\[(\d+)\]", ticks).groups())
            assert n == 5 and hz == 25_000_000
            instructions = board.ticks_to_instructions(total)
            assert 200_000 * 5 < instructions < 600_000 * 5  # the bench counts 274,040 per inference (M4 DSP)
            elapsed = runs[-1]["elapsed_time"]  # microseconds = instructions / 25 MHz, plus the time stamp's own
            assert instructions / 25 <= elapsed + 2 < instructions / 25 * 1.01 + 100
        finally:
            port.close()


def test_time_stamps_are_instructions_at_the_board_clock_under_qemu():
    """m-lap-us = ticks * num / den: in QEMU (-icount shift=0, 1 instruction per virtual ns) the instructions at the
    board's clock, one per cycle; on a board run for real, its timer's microseconds."""
    from tinyslm.boards import get_board
    from tinyslm.firmware import lap_fraction

    for name in ("mps2-an386", "mps3-an547", "netduinoplus2", "nucleo-l4r5zi", "microbit"):
        b = get_board(name)
        num, den, what = lap_fraction(b)
        ticks = 10 * b.systick_hz  # ten seconds of the timer
        if b.runner.kind == "qemu":
            instructions = b.ticks_to_instructions(ticks)  # 1e10
            assert ticks * num // den == instructions * 1_000_000 // b.clock_hz and "one instruction per cycle" in what
        else:
            assert ticks * num // den == 10_000_000  # the timer's own microseconds
    assert lap_fraction(get_board("mps2-an386"))[:2] == (8, 5)  # 40 instructions per tick, 25 per microsecond
