"""Emulators the firmware runs in: QEMU (always), Renode (where installed).

An emulator is a context manager that starts the machine with the board's
UART on a local TCP port and stops it cleanly; `url` is what DutClient opens.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..boards import Board
from ..errors import DeviceError, ToolchainError
from ..resources import templates_dir


def _die_with_parent() -> None:
    """In the emulator's child process, before exec: on Linux, have the kernel stop it (SIGTERM) when the
    tinyslm process that started it dies, even of a signal that skips every cleanup (a killed `tinyslm
    build` left two QEMUs running at full speed before this). Elsewhere, a no-op."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float, log=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log() if log else (proc.stderr.read().decode(errors="replace") if proc.stderr else "")
            raise DeviceError(f"the emulator exited at start (code {proc.returncode}): {err.strip()[:500]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise DeviceError(f"the emulator did not open its UART port within {timeout:.0f} s")


class QemuEmulator:
    """qemu-system-arm -M <machine> -icount shift=0, UART0 on a TCP port (or a pty: serial="pty")."""

    def __init__(self, board: Board, elf: Path, port: int | None = None, icount: bool = True, serial: str = "tcp"):
        if serial not in ("tcp", "pty"):
            raise DeviceError(f"unknown serial transport '{serial}'", hint="use tcp or pty")
        if not board.emulator.qemu_machine:
            raise DeviceError(f"board {board.name} has no QEMU machine",
                              hint="emulated boards: those with [emulator] qemu_machine in boards/")
        self.qemu = shutil.which("qemu-system-arm")
        if self.qemu is None:
            raise ToolchainError("qemu-system-arm not found: cannot emulate the board",
                                 hint="install it (Debian/Ubuntu: apt-get install qemu-system-arm)")
        self.board, self.elf = board, Path(elf)
        self.port = port or free_port()
        self.icount = icount
        self.serial = serial
        self.pty: str | None = None  # /dev/pts/N once started with serial="pty"
        self.proc: subprocess.Popen | None = None
        self._log = None  # QEMU's stderr goes to a file: a pipe nobody reads could fill and stall it

    @property
    def command(self) -> list[str]:
        chardev = "pty" if self.serial == "pty" else f"tcp:127.0.0.1:{self.port},server=on,wait=off,nodelay=on"
        cmd = [self.qemu or "qemu-system-arm", "-M", self.board.emulator.qemu_machine, "-nographic",
               "-monitor", "none", "-serial", chardev, "-kernel", str(self.elf)]
        if self.icount:
            cmd[1:1] = ["-icount", "shift=0"]
        return cmd

    @property
    def url(self) -> str:
        """What DutClient opens: socket://127.0.0.1:PORT, or the pty's device path."""
        if self.serial == "pty":
            return self.pty or ""
        return f"socket://127.0.0.1:{self.port}"

    def log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def start(self, timeout: float = 20.0) -> "QemuEmulator":
        if not self.elf.exists():
            raise DeviceError(f"firmware not found: {self.elf}", hint="build it with `tinyslm firmware`")
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self._log,  # (pty name)
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        try:
            if self.serial == "pty":
                self._wait_pty(timeout)
            else:
                _wait_port(self.port, self.proc, timeout, self.log)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_pty(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"redirected to (/dev/\S+)", self.log())
            if m:
                self.pty = m.group(1)
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise DeviceError(f"the emulator exited at start (code {self.proc.returncode}): "
                                  f"{self.log().strip()[:500]}")
            time.sleep(0.05)
        raise DeviceError(f"the emulator did not open its UART pty within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "QemuEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def renode_script(board: Board, elf: Path, port: int) -> str:
    """A Renode .resc that loads the firmware with the board's UART on a TCP port."""
    from ..templating import template_env

    return template_env().get_template("renode.resc.j2").render(board=board, elf=str(Path(elf).resolve()), port=port)


class RenodeEmulator:
    """Renode, for boards whose [emulator] names a renode_platform, when `renode` is installed."""

    def __init__(self, board: Board, elf: Path, port: int | None = None, workdir: Path | None = None):
        if not board.emulator.renode_platform:
            raise DeviceError(f"board {board.name} has no Renode platform",
                              hint="use --emulator qemu, or a board with [emulator] renode_platform")
        self.renode = shutil.which("renode")
        if self.renode is None:
            raise ToolchainError("renode is not installed: cannot use --emulator renode",
                                 hint="install Renode (https://renode.io) or use --emulator qemu")
        self.board, self.elf = board, Path(elf)
        self.port = port or free_port()
        self.workdir = Path(workdir or self.elf.parent)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "RenodeEmulator":
        script = self.workdir / f"{self.board.name}.resc"
        script.write_text(renode_script(self.board, self.elf, self.port))
        self.proc = subprocess.Popen([self.renode or "renode", "--disable-xwt", "--console", "-e", f"i @{script}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=_die_with_parent)
        _wait_port(self.port, self.proc, timeout)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def __enter__(self) -> "RenodeEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def emulator_for(board: Board, elf: Path, kind: str = "qemu"):
    if kind == "qemu":
        return QemuEmulator(board, elf)
    if kind == "renode":
        return RenodeEmulator(board, elf)
    raise DeviceError(f"unknown emulator '{kind}'", hint="use qemu or renode")


__all__ = ["QemuEmulator", "RenodeEmulator", "emulator_for", "renode_script", "templates_dir"]
