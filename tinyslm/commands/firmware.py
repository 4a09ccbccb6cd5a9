"""`tinyslm firmware MODEL.tflite --board B -o OUT`"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("firmware")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--board", "-b", default="mps2-an386", show_default=True, help="Board name (see `tinyslm boards`).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Project folder to write and build.")
@click.option("--name", default="model", show_default=True, help="C name of the model.")
def firmware_cmd(model: Path, board: str, out_dir: Path, name: str) -> None:
    """Generate and build the firmware project for a board; print its size report."""
    from ..firmware import build

    fw = build(model, board, out_dir, name=name)
    click.echo(f"{model} -> {fw.elf} (board {fw.board.name}, build {fw.build_id})")
    for line in fw.size.lines():
        click.echo("  " + line)
