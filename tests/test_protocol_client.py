"""The host's protocol client (tinyslm/device/protocol.py) against a fake device on a slow line.

A loaded machine makes an emulator's UART slow and bursty: the bytes the host writes reach the
firmware late, and the firmware's 100 ms binary-load window (virtual time) can close before the
host's data comes. Those data bytes are then read as commands, and their replies arrive after the
host has stopped listening for them. The client must come out of that with every later reply
paired with its own command (a fuzz run under load once read a stale `m-ready` as the end of
`tinyslm-ticks`' reply).
"""

from __future__ import annotations

import time

import pytest

from tinyslm.device.protocol import DutClient
from tinyslm.errors import DeviceError


class SlowLineDut:
    """firmware/app's line discipline as a pyserial stand-in: '%' ends a command, `tinyslm-bin N`
    takes N raw bytes, every reply ends with m-ready. Bytes written reach the device `latency`
    seconds later, in order; the first `stalls` binary loads time out before any data comes."""

    def __init__(self, latency: float = 0.0, stalls: int = 0):
        self.latency = latency
        self.stalls = stalls
        self.timeout = 0.05
        self.pending: list[tuple[float, bytes]] = []  # (when the device sees them, bytes)
        self.out = bytearray()
        self.line = bytearray()
        self.raw_left = 0
        self.db = bytearray()
        self.db_expected = 0
        self.commands: list[str] = []  # every command the device dispatched, in order

    # pyserial's surface, as DutClient uses it
    def write(self, data: bytes) -> int:
        self.pending.append((time.monotonic() + self.latency, bytes(data)))
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def in_waiting(self) -> int:
        self._arrive()
        return len(self.out)

    def read(self, n: int = 1) -> bytes:
        self._arrive()
        if not self.out:
            time.sleep(self.timeout)
            self._arrive()
        chunk = bytes(self.out[:n])
        del self.out[:n]
        return chunk

    def close(self) -> None:
        pass

    # the device
    def _arrive(self) -> None:
        now = time.monotonic()
        while self.pending and self.pending[0][0] <= now:
            for b in self.pending.pop(0)[1]:
                self._feed(b)

    def _say(self, *lines: str) -> None:
        self.out += "".join(line + "\r\n" for line in (*lines, "m-ready")).encode()

    def _feed(self, b: int) -> None:
        if self.raw_left:
            self.db.append(b)
            self.raw_left -= 1
            if not self.raw_left:
                self._say("m-load-done")
            return
        if b != ord("%"):
            self.line.append(b)
            return
        cmd = self.line.decode("latin-1")
        self.line.clear()
        self.commands.append(cmd)
        tok = cmd.split()
        if not tok:
            self._say("e-[empty command]")
        elif tok == ["name"]:
            self._say("m-name-dut-[tinyslm]")
        elif tok[0] == "tinyslm-bin":
            n = int(tok[1])
            self.db.clear()
            if self.stalls:  # the window closed before the host's first byte
                self.stalls -= 1
                self._say(f"m-[Expecting {n} raw bytes]")
                self._say(f"e-[tinyslm-bin: no data for 100 ms, got 0 of {n} bytes]")
            else:
                self.raw_left = n
                self._say(f"m-[Expecting {n} raw bytes]")
        elif tok[0] == "tinyslm-load" or tok[:2] == ["db", "load"]:
            self.db.clear()
            self.db_expected = int(tok[-1])
            self._say(f"m-[Expecting {self.db_expected} bytes]")
        elif tok[0] == "db" and len(tok) == 2:
            self.db += bytes.fromhex(tok[1])
            self._say(*(["m-load-done"] if len(self.db) == self.db_expected else []))
        elif tok == ["tinyslm-raw"]:
            self._say(f"m-raw-0-[{self.db.hex()}]")
        elif tok == ["tinyslm-ticks"]:
            self._say("m-ticks-[1234]-[1]-[1000]")
        else:
            self._say(f"e-[Unknown command: {cmd[:40]}]")


def client(dut: SlowLineDut) -> DutClient:
    c = DutClient("loop://", timeout=5.0)
    c.ser = dut
    return c


# input bytes with command terminators in them: read as commands, they make replies of their own
DATA = b"db load 9%infer 1 0%" + bytes(range(256)) + b"%%name%"


def test_binary_load_on_a_quick_line():
    dut = SlowLineDut()
    c = client(dut)
    c.sync()
    c.load(DATA, binary=True)
    assert c.raw_outputs() == [DATA] and c.binary_load is True
    assert c.ticks() == (1234, 1, 1000)


@pytest.mark.parametrize("latency", [0.0, 0.4])
def test_a_stalled_binary_load_resynchronises_and_loads_as_hex(latency):
    """The device times out before the data comes, then reads the data as commands; their replies
    come after the host's drain when the line is slow. Every later reply must be its own command's."""
    dut = SlowLineDut(latency=latency, stalls=1)
    c = client(dut)
    c.sync()
    c.load(DATA, binary=True)
    assert c.raw_outputs() == [DATA]  # the hex load after the stall holds the input
    assert c.ticks() == (1234, 1, 1000)
    assert c.command("name").value("m-name-") == "dut-[tinyslm]"
    assert c.binary_load is False  # the line proved too slow for the binary window: hex from now on
    c.load(DATA[::-1], binary=True)
    assert c.raw_outputs() == [DATA[::-1]]
    assert sum(cmd.startswith("tinyslm-bin") for cmd in dut.commands) == 1


def test_sync_skips_replies_that_arrive_late():
    """Stale replies (ending in m-ready) still on their way when sync starts are not taken for its own."""
    dut = SlowLineDut(latency=0.4)
    c = client(dut)
    dut.write(b"bogus%%tinyslm-ticks%")  # three commands whose replies nobody reads
    c.sync()
    assert c.command("tinyslm-raw").value("m-raw-0-") == "[]"


def test_sync_gives_up_with_one_clear_message():
    class Mute(SlowLineDut):
        def _feed(self, b: int) -> None:
            pass

    c = client(Mute())
    c.timeout = 0.3
    t0 = time.monotonic()
    with pytest.raises(DeviceError, match="does not answer the protocol"):
        c.sync(attempts=2)
    assert time.monotonic() - t0 < 10
