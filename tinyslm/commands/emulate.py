"""`tinyslm emulate OUT|ELF --board B`: run firmware in QEMU (or Renode) with its UART on TCP."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command("emulate")
@click.argument("firmware", type=click.Path(exists=True, path_type=Path))
@click.option("--board", "-b", default=None, help="Board (default: the one the firmware was built for).")
@click.option("--emulator", type=click.Choice(["qemu", "renode"]), default="qemu", show_default=True)
@click.option("--port", type=int, default=None, help="TCP port for the UART (default: a free one).")
@click.option("--serial", type=click.Choice(["tcp", "pty"]), default="tcp", show_default=True,
              help="QEMU: the UART on a local TCP port, or on a pseudo-terminal (/dev/pts/N).")
@click.option("--seconds", type=float, default=None, help="Stop after this long (default: until Ctrl-C).")
def emulate_cmd(firmware: Path, board: str | None, emulator: str, port: int | None, seconds: float | None,
                serial: str = "tcp") -> None:
    """Start the emulator; connect with `tinyslm console socket://127.0.0.1:PORT`."""
    from ..boards import get_board
    from ..device.emulator import QemuEmulator, RenodeEmulator
    from ..errors import TinyslmError
    from ..firmware import load_metadata

    meta = load_metadata(firmware)
    name = board or meta["board"]
    if name != meta["board"]:
        raise TinyslmError(f"this firmware was built for {meta['board']}, not {name}",
                           hint=f"rebuild it: tinyslm firmware MODEL --board {name} -o OUT")
    b = get_board(name)
    elf = firmware if firmware.is_file() else firmware / "build" / "firmware.elf"
    if emulator == "renode" and serial != "tcp":
        raise TinyslmError("--serial pty is for QEMU; Renode puts the UART on a TCP port")
    emu = QemuEmulator(b, elf, port=port, serial=serial) if emulator == "qemu" else RenodeEmulator(b, elf, port=port)
    with emu:
        click.echo(f"{b.name} running {meta['model']} (build {meta['build_id']}) in {emulator}; UART at {emu.url}")
        click.echo(f"connect with: tinyslm console {emu.url}")
        click.echo("press Ctrl-C to stop" if seconds is None else f"stopping after {seconds:g} s")
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            while deadline is None or time.monotonic() < deadline:
                if emu.proc is not None and emu.proc.poll() is not None:
                    raise TinyslmError(f"the emulator stopped (exit {emu.proc.returncode})")
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
    click.echo("emulator stopped")
