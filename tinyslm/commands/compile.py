"""`tinyslm compile MODEL.tflite -o OUT [--name NAME]`"""

from __future__ import annotations

from pathlib import Path

import click

from ..compiler.targets import target_names


@click.command("compile")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write NAME.h, NAME.c and the kernels into.")
@click.option("--name", default="model", show_default=True, help="C name of the model (prefix of its API).")
@click.option("--target", default="portable", show_default=True, type=click.Choice(target_names()),
              help="Kernel set: portable C99, or a CPU's optimized drop-in kernels (see tinyslm boards).")
def compile_cmd(model: Path, out_dir: Path, name: str, target: str) -> None:
    """Compile an int8 .tflite model into dependency-free C99."""
    from ..compiler import compile_model

    cm = compile_model(model, out_dir, name=name, target=target)
    click.echo(f"{model} -> {out_dir}/ ({len(cm.files)} files)")
    click.echo(f"  {name}_invoke(): {len(cm.graph.operators)} ops, {cm.macs:,} MACs")
    click.echo(f"  arena {cm.arena_bytes:,} B + input/output buffers {cm.io_bytes:,} B; "
               f"weights and tables {cm.weights_bytes:,} B")
