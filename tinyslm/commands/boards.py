"""`tinyslm boards`: the boards tinyslm builds for."""

from __future__ import annotations

import click


@click.command("boards")
def boards_cmd() -> None:
    """List the boards (boards/*.toml): CPU, memory, UART, how they are flashed or emulated."""
    from ..boards import list_boards

    click.echo(f"{'board':<18} {'cpu':<11} {'kernels':<13} {'flash':>8} {'RAM':>8}  {'runner':<7} emulator")
    for b in list_boards():
        emu = b.emulator.qemu_machine and f"qemu {b.emulator.qemu_machine}" or "-"
        if b.emulator.renode_platform:
            emu += ", renode"
        click.echo(f"{b.name:<18} {b.cpu:<11} {b.kernel_target:<13} {b.memory.flash_bytes // 1024:>6}KB "
                   f"{b.memory.ram_bytes // 1024:>6}KB  {b.runner.kind:<7} {emu}")
