"""Flash runners, one small class per way of getting firmware onto a board.

    QemuRunner    emulated boards: "flashing" starts the emulator
    PyocdRunner   CMSIS-DAP / ST-LINK probes through pyocd (writes, then verifies)
    Uf2Runner     boards with a UF2 bootloader: copy a .uf2 to the mounted drive
Each can print the exact command or action (dry run) without touching anything.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board
from ..errors import DeviceError, ToolchainError


def image_board(image: Path) -> tuple[str, str] | None:
    """(board, build id) from the build tag main.c puts in every image, or None if there is none."""
    m = re.search(rb"tinyslm-build:board=([A-Za-z0-9_.-]+);build=([0-9a-f]+);", Path(image).read_bytes())
    return (m.group(1).decode(), m.group(2).decode()) if m else None


def check_image(fw_dir: Path, board: Board) -> None:
    """Refuse an image that was not built for this board (the tag inside it, not only firmware.json)."""
    image = Path(fw_dir) / "build" / "firmware.bin"
    if not image.exists():
        raise DeviceError(f"no firmware image at {image}", hint="build it first: tinyslm firmware MODEL --board "
                          f"{board.name} -o {fw_dir}")
    tag = image_board(image)
    if tag is None:
        raise DeviceError(f"{image} carries no tinyslm build tag: refusing to flash an unknown image",
                          hint="flash only images built by `tinyslm firmware`")
    if tag[0] != board.name:
        raise DeviceError(f"refusing to flash: the image was built for {tag[0]}, not {board.name}",
                          where=str(image), hint=f"rebuild it: tinyslm firmware MODEL --board {board.name} -o OUT")


def pyocd_command() -> list[str]:
    """How to run pyocd: its script if on PATH, else the module of this Python (`pip install tinyslm[device]`)."""
    if shutil.which("pyocd"):
        return ["pyocd"]
    if importlib.util.find_spec("pyocd") is not None:
        return [sys.executable, "-m", "pyocd"]
    return ["pyocd"]


def pyocd_available() -> bool:
    return shutil.which("pyocd") is not None or importlib.util.find_spec("pyocd") is not None


@dataclass
class FlashPlan:
    description: str
    commands: list[list[str]] | None = None  # command lines to run, in order


class PyocdRunner:
    def __init__(self, board: Board, probe: str | None = None):
        self.board, self.probe = board, probe

    def plan(self, fw_dir: Path) -> FlashPlan:
        probe = ["--uid", self.probe] if self.probe else []
        probe.append("--no-wait")  # no probe connected: fail at once instead of waiting for one
        target = ["--target", self.board.runner.pyocd_target]
        image = fw_dir / "build" / "firmware.bin"
        size = image.stat().st_size if image.exists() else 0
        pyocd = pyocd_command()
        write = [*pyocd, "flash", *target, *probe, "--base-address", hex(self.board.memory.flash_origin),
                 "--format", "bin", str(image)]
        readback = [*pyocd, "commander", *target, *probe, "-c",
                    f"savemem {hex(self.board.memory.flash_origin)} {size} {fw_dir / 'build' / 'readback.bin'}",
                    "-c", "reset"]
        return FlashPlan(f"write with pyocd (target {self.board.runner.pyocd_target}), read the flash back and "
                         "compare it with firmware.bin, reset", [write, readback])

    def flash(self, fw_dir: Path, timeout: float = 180) -> str:
        plan = self.plan(fw_dir)
        if not pyocd_available():
            raise ToolchainError("pyocd is not installed: cannot flash over CMSIS-DAP / ST-LINK",
                                 hint="pip install 'tinyslm[device]'  (or: pip install pyocd)")
        for cmd in plan.commands or []:
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise DeviceError(f"pyocd did not finish within {timeout:.0f} s",
                                  hint="check the probe and cable") from None
            if r.returncode != 0:
                text = (r.stderr or r.stdout).strip()
                hint = "is the board connected? list probes with `pyocd list`"
                if "target type" in text.lower() or "not recognized" in text.lower():
                    hint = (f"pyocd has no built-in support for {self.board.runner.pyocd_target}: "
                            f"install its CMSIS pack once with `pyocd pack install {self.board.runner.pyocd_target}`")
                raise DeviceError(f"pyocd failed: {text[-600:]}", where=" ".join(cmd), hint=hint)
        written = (fw_dir / "build" / "firmware.bin").read_bytes()
        readback = (fw_dir / "build" / "readback.bin").read_bytes()
        if readback != written:
            raise DeviceError("verification failed: the flash reads back different from firmware.bin",
                              hint="retry; if it persists, erase the chip (pyocd erase --chip)")
        return f"written, read back and verified ({len(written)} bytes)"


UF2_MAGIC0, UF2_MAGIC1, UF2_MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
UF2_FLAG_FAMILY = 0x00002000


def bin_to_uf2(data: bytes, base: int, family: int) -> bytes:
    """The UF2 container: 512-byte blocks of 256 payload bytes each.

    >>> blocks = bin_to_uf2(bytes(300), 0x26000, 0xADA52840)
    >>> len(blocks), blocks[:4] == (0x0A324655).to_bytes(4, "little")
    (1024, True)
    """
    chunks = [data[i:i + 256] for i in range(0, len(data), 256)] or [b""]
    out = bytearray()
    for n, chunk in enumerate(chunks):
        header = struct.pack("<IIIIIIII", UF2_MAGIC0, UF2_MAGIC1, UF2_FLAG_FAMILY, base + 256 * n, 256, n,
                             len(chunks), family)
        out += header + chunk.ljust(476, b"\0") + struct.pack("<I", UF2_MAGIC_END)
    return bytes(out)


class Uf2Runner:
    def __init__(self, board: Board, mount: Path | None = None):
        self.board, self.mount = board, mount

    def find_volume(self) -> Path | None:
        if self.mount is not None:
            return self.mount
        for root in (Path("/media"), Path("/run/media"), Path("/Volumes")):
            if root.exists():
                for p in list(root.glob(self.board.runner.uf2_volume)) + list(root.glob(f"*/{self.board.runner.uf2_volume}")):
                    return p
        return None

    def plan(self, fw_dir: Path) -> FlashPlan:
        vol = self.find_volume()
        where = str(vol) if vol else f"<the {self.board.runner.uf2_volume} drive>"
        return FlashPlan(f"convert build/firmware.bin to UF2 (family 0x{self.board.runner.uf2_family:08X}, "
                         f"base 0x{self.board.memory.flash_origin:08X}) and copy it to {where}/firmware.uf2")

    def flash(self, fw_dir: Path, timeout: float = 60) -> str:
        vol = self.find_volume()
        if vol is None or not vol.is_dir():
            raise DeviceError(f"the {self.board.runner.uf2_volume} drive is not mounted",
                              hint="double-tap the board's reset button to enter the bootloader, then retry "
                                   "(or pass --mount PATH)")
        uf2 = bin_to_uf2((fw_dir / "build" / "firmware.bin").read_bytes(), self.board.memory.flash_origin,
                         self.board.runner.uf2_family)
        (fw_dir / "build" / "firmware.uf2").write_bytes(uf2)
        shutil.copyfile(fw_dir / "build" / "firmware.uf2", vol / "firmware.uf2")
        return f"copied {len(uf2)} bytes to {vol}"


class QemuRunner:
    def __init__(self, board: Board):
        self.board = board

    def plan(self, fw_dir: Path) -> FlashPlan:
        from .emulator import QemuEmulator

        emu = QemuEmulator(self.board, fw_dir / "build" / "firmware.elf", port=4321)
        return FlashPlan("emulated board: start QEMU with the firmware (UART on a TCP port)", [emu.command])

    def flash(self, fw_dir: Path, timeout: float = 60) -> str:
        raise DeviceError(f"{self.board.name} is emulated: there is nothing to write",
                          hint=f"run it with: tinyslm emulate {fw_dir} --board {self.board.name}")


def runner_for(board: Board, probe: str | None = None, mount: Path | None = None):
    kind = board.runner.kind
    if kind == "pyocd":
        return PyocdRunner(board, probe)
    if kind == "uf2":
        return Uf2Runner(board, mount)
    return QemuRunner(board)
