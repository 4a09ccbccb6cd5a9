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
@click.option("--mlperf", type=click.Choice(["kws01", "ad01", "ic01", "vww01"]), default=None,
              help="Also answer as this MLPerf Tiny benchmark's reference submission does (profile, db load, "
                   "results), for the official MLPerf Tiny runner.")
@click.option("--optimize", type=click.Choice(["speed", "size"]), default="speed", show_default=True,
              help="speed: -O2; size: -Os (same outputs, less flash, more instructions).")
@click.option("--label", default=None,
              help="The model's name in `profile` without --mlperf (default: the model file's name).")
def firmware_cmd(model: Path, board: str, out_dir: Path, name: str, mlperf: str | None, optimize: str,
                 label: str | None) -> None:
    """Generate and build the firmware project for a board; print its size report."""
    from ..firmware import build

    fw = build(model, board, out_dir, name=name, optimize=optimize, mlperf=mlperf, label=label)
    click.echo(f"{model} -> {fw.elf} (board {fw.board.name}, build {fw.build_id}, optimized for {optimize}, "
               f"profile m-model-[{fw.profile_name}])")
    for line in fw.size.lines():
        click.echo("  " + line)
