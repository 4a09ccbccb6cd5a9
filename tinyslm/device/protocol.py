"""Host side of the MLPerf Tiny / EEMBC DUT protocol (what firmware/app/ speaks).

Works on a serial device (`/dev/ttyACM0`, `COM3`) or any pyserial URL such as
`socket://127.0.0.1:4321` (an emulator's UART). Every wait is bounded.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

import numpy as np

from ..errors import DeviceError

DB_CHUNK = 120  # bytes per `db HEX` command (240 hex digits, under the device's 256-character line)


@dataclass
class Reply:
    command: str
    lines: list[str]

    @property
    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith("e-")]

    def value(self, prefix: str) -> str | None:
        """The first `m-<prefix>...` line's text after the prefix."""
        for line in self.lines:
            if line.startswith(prefix):
                return line[len(prefix):]
        return None


class DutClient:
    def __init__(self, port: str, baud: int = 115200, timeout: float = 10.0):
        import serial  # pyserial

        self.port = port
        self.timeout = timeout
        try:
            self.ser = serial.serial_for_url(port, baudrate=baud, timeout=0.05)
        except (serial.SerialException, ValueError, OSError) as e:
            raise DeviceError(f"cannot open serial port {port}: {e}",
                              hint="check the port name (e.g. /dev/ttyACM0, COM3 or socket://host:port) and that "
                                   "no other program holds it") from None
        self.buffer = b""
        self.binary_load: bool | None = None  # whether the firmware takes `tinyslm-bin` (None: not tried)
        self.hex_load: bool | None = None  # whether it takes `tinyslm-load` (None: not tried)
        sock = getattr(self.ser, "_socket", None)  # socket:// ports: no Nagle delay on short commands
        if sock is not None:
            import socket

            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        try:
            self.ser.close()
        except Exception:
            pass

    def __enter__(self) -> "DutClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _readline(self, deadline: float) -> str:
        while b"\n" not in self.buffer:
            if time.monotonic() > deadline:
                raise DeviceError(f"no answer from the device on {self.port} within {self.timeout:.0f} s",
                                  hint="check that the firmware runs, the port and the baud rate")
            try:  # block for the first byte (up to the port timeout), then take what has arrived
                chunk = self.ser.read(1)
                if chunk:
                    chunk += self.ser.read(self.ser.in_waiting)
            except Exception as e:
                raise DeviceError(f"serial port {self.port} failed: {e}") from None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace").strip()

    def wait_ready(self, timeout: float | None = None) -> list[str]:
        deadline = time.monotonic() + (timeout or self.timeout)
        lines = []
        while True:
            line = self._readline(deadline)
            if line == "m-ready":
                return lines
            if line:
                lines.append(line)

    def send_raw(self, data: bytes) -> None:
        try:
            self.ser.write(data)
            self.ser.flush()
        except Exception as e:
            raise DeviceError(f"cannot write to {self.port}: {e}") from None

    def command(self, cmd: str, timeout: float | None = None, check: bool = True) -> Reply:
        self.send_raw(cmd.encode() + b"%")
        reply = Reply(cmd, self.wait_ready(timeout))
        if check and reply.errors:
            raise DeviceError(f"device refused '{cmd[:40]}': {reply.errors[0]}")
        return reply

    # ----------------------------------------------------------- high level
    def drain(self, quiet: float = 0.15, limit: float = 2.0) -> bytes:
        """Read and drop input until the line has been silent for `quiet` seconds (at most `limit`)."""
        dropped = self.buffer
        self.buffer = b""
        end = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < end and time.monotonic() - last < quiet:
            try:
                chunk = self.ser.read(max(1, self.ser.in_waiting))
            except Exception as e:
                raise DeviceError(f"serial port {self.port} failed: {e}") from None
            if chunk:
                dropped += chunk
                last = time.monotonic()
        return dropped

    def sync(self, attempts: int = 3) -> None:
        """Drop anything pending (boot banner, half-sent replies) and check the device answers `name`.

        Replies still on their way (a boot banner's, or those of bytes the device read as commands)
        end in m-ready as every reply does, and may even hold an `m-name-` line. So each attempt
        sends `%sync-<random>%name%`: the first '%' ends whatever partial command the device holds,
        the unknown command's echo marks where this attempt's replies start (anything before it is
        stale), and `name` checks the device speaks the protocol."""
        for _ in range(attempts):
            self.drain()
            mark = "sync-" + os.urandom(4).hex()
            self.send_raw(f"%{mark}%name%".encode())
            deadline = time.monotonic() + min(self.timeout, 5.0)
            try:
                while mark not in self._readline(deadline):
                    pass
                while not self._readline(deadline).startswith("m-name-"):
                    pass
                while self._readline(deadline) != "m-ready":
                    pass
                return
            except DeviceError:
                continue
        raise DeviceError(f"the device on {self.port} does not answer the protocol",
                          hint="is tinyslm firmware running there? (tinyslm flash / tinyslm emulate)")

    def info(self) -> dict:
        r = self.command("tinyslm-info")
        info: dict = {"inputs": [], "outputs": []}
        for line in r.lines:
            m = re.match(r"m-model-\[(.*)\]-\[(.*)\]", line)
            if m:
                info["model"], info["model_sha256"] = m.group(1), m.group(2)
            m = re.match(r"m-board-\[(.*)\]-\[build (.*)\]", line)
            if m:
                info["board"], info["build_id"] = m.group(1), m.group(2)
            m = re.match(r"m-arena-\[(\d+)\]", line)
            if m:
                info["arena_bytes"] = int(m.group(1))
            m = re.match(r"m-(input|output)-(\d+)-\[(\w+),([\dx]+),scale_bits=0x([0-9a-f]+),zero_point=(-?\d+),"
                         r"bytes=(\d+)\]", line)
            if m:
                scale = float(np.frombuffer(int(m.group(5), 16).to_bytes(4, "little"), dtype="<f4")[0])
                info[m.group(1) + "s"].append(dict(dtype=m.group(3), shape=tuple(int(d) for d in m.group(4).split("x")),
                                                   scale=scale, zero_point=int(m.group(6)), bytes=int(m.group(7))))
        return info

    def load(self, data: bytes, binary: bool = False) -> None:
        """Fill the device's db buffer with input tensor bytes: `tinyslm-load N` (or `db load N`) + `db HEX` chunks
        (the EEMBC way), or with `binary`,
        tinyslm's `tinyslm-bin N` followed by the bytes themselves (half the characters on the line; an
        emulated UART costs the same per character whatever it carries). Firmware without tinyslm-bin
        gets the hex commands."""
        if binary and self.binary_load is not False:
            r = self.command(f"tinyslm-bin {len(data)}", check=False)
            if not r.errors:
                self.binary_load = True
                self.send_raw(data)
                done = self.wait_ready()
                if "m-load-done" in done and not any(line.startswith("e-") for line in done):
                    return
                # the line stalled: the device gave up after 100 ms without a byte and reads whatever of
                # `data` still comes as commands. Get past their replies; the line is too slow for the
                # binary window, so this load and every later one go as hex
                self.binary_load = False
                self.sync()
            elif r.errors[0].startswith("e-[Unknown command"):
                self.binary_load = False  # firmware without tinyslm-bin: hex from now on
            else:
                raise DeviceError(f"device refused 'tinyslm-bin {len(data)}': {r.errors[0]}")
        # `tinyslm-load N` takes tensor bytes also in MLPerf firmware (whose `db load` takes the benchmark's
        # input); firmware without it gets `db load`
        if self.hex_load is not False:
            r = self.command(f"tinyslm-load {len(data)}", check=False)
            if r.errors and r.errors[0].startswith("e-[Unknown command"):
                self.hex_load = False
            elif r.errors:
                raise DeviceError(f"device refused 'tinyslm-load {len(data)}': {r.errors[0]}")
            else:
                self.hex_load = True
        if self.hex_load is False:
            self.command(f"db load {len(data)}")
        for i in range(0, len(data), DB_CHUNK):
            self.command("db " + data[i:i + DB_CHUNK].hex())

    def infer(self, n: int = 1, warmup: int = 0, timeout: float | None = None) -> Reply:
        return self.command(f"infer {n} {warmup}", timeout=timeout or max(self.timeout, 60.0))

    def raw_outputs(self) -> list[bytes]:
        r = self.command("tinyslm-raw")
        outs = []
        for line in r.lines:
            m = re.match(r"m-raw-(\d+)-\[([0-9a-f]*)\]", line)
            if m:
                outs.append(bytes.fromhex(m.group(2)))
        return outs

    def ticks(self) -> tuple[int, int, int]:
        """(ticks of the last infer, inferences, tick rate in Hz)."""
        v = self.command("tinyslm-ticks").value("m-ticks-")
        m = re.match(r"\[(\d+)\]-\[(\d+)\]-\[(\d+)\]", v or "")
        if not m:
            raise DeviceError(f"unexpected tick report: {v!r}")
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
