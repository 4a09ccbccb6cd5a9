"""`tinyslm flash OUT --board B [--probe ID] [--dry-run]`"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("flash")
@click.argument("firmware_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--board", "-b", required=True, help="The board connected (must match the firmware).")
@click.option("--probe", default=None, help="Debug probe unique ID (pyocd --uid).")
@click.option("--mount", type=click.Path(path_type=Path), default=None, help="UF2 drive mount point.")
@click.option("--dry-run", is_flag=True, help="Print the exact command or action, do nothing.")
def flash_cmd(firmware_dir: Path, board: str, probe: str | None, mount: Path | None, dry_run: bool) -> None:
    """Write firmware to a board (pyocd or UF2); for emulated boards, run the emulator."""
    import shlex

    from ..boards import get_board
    from ..device.flash import QemuRunner, check_image, runner_for
    from ..errors import TinyslmError
    from ..firmware import load_metadata

    meta = load_metadata(firmware_dir)
    b = get_board(board)
    if meta["board"] != b.name:
        raise TinyslmError(f"refusing to flash: this firmware was built for {meta['board']}, not {b.name}",
                           where=str(firmware_dir), hint=f"rebuild it: tinyslm firmware MODEL --board {b.name} -o OUT")
    check_image(firmware_dir, b)  # the tag inside the image must name this board too
    runner = runner_for(b, probe, mount)
    plan = runner.plan(firmware_dir)
    if dry_run:
        click.echo(f"{b.name}: {plan.description}")
        for cmd in plan.commands or []:
            click.echo(shlex.join(cmd))
        return
    if isinstance(runner, QemuRunner):
        from .emulate import emulate_cmd

        click.get_current_context().invoke(emulate_cmd, firmware=firmware_dir, board=b.name, emulator="qemu",
                                           port=None, seconds=None)
        return
    click.echo(runner.flash(firmware_dir))
