"""`tinyslm boards`: the boards tinyslm builds for."""

from __future__ import annotations

import click


@click.command("boards")
@click.option("--verbose", "-v", is_flag=True, help="Also the UART, memory origins and the board file.")
def boards_cmd(verbose: bool) -> None:
    """List the boards (boards/*.toml): CPU, memory, clock, timer, how they are flashed or emulated."""
    from ..boards import list_boards

    click.echo(f"{'board':<17} {'cpu':<11} {'kernels':<13} {'flash':>7} {'RAM':>6} {'clock':>8}  {'timer':<10} "
               f"{'flash with':<10} emulators")
    for b in list_boards():
        emus = ([f"qemu:{b.emulator.qemu_machine}"] if b.emulator.qemu_machine else []) + \
               (["renode"] if b.emulator.renode_platform else [])
        runner = b.runner.kind if b.runner.kind != "qemu" else "(emulated)"
        click.echo(f"{b.name:<17} {b.cpu:<11} {b.kernel_target:<13} {b.memory.flash_bytes // 1024:>5}KB "
                   f"{b.memory.ram_bytes // 1024:>4}KB {b.clock_hz / 1e6:>5g}MHz  {b.timer:<10} {runner:<10} "
                   f"{', '.join(emus) or '-'}")
        if verbose:
            click.echo(f"    {b.description}")
            click.echo(f"    flash 0x{b.memory.flash_origin:08X}, RAM 0x{b.memory.ram_origin:08X}, stack "
                       f"{b.stack_bytes} B; UART {b.uart.driver} at 0x{b.uart.base:08X}, {b.uart.baud} baud"
                       f"{' (' + b.uart.pins + ')' if b.uart.pins else ''}; {b.path}")
