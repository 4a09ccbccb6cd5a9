"""`tinyslm bench MODEL... [--board B]`: instructions per inference, deterministic (QEMU icount)."""

from __future__ import annotations

from pathlib import Path

import click

from ..compiler.targets import target_names


@click.command("bench")
@click.argument("models", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--board", "-b", "boards", multiple=True, default=["mps2-an386"], show_default=True,
              help="Emulated board to count on; repeat for several.")
@click.option("--via", type=click.Choice(["runtime", "firmware"]), default="runtime", show_default=True,
              help="runtime: bare-metal bench runtime (semihosting, per-op profile, SysTick boards); firmware: the "
                   "serial-protocol firmware in QEMU (every emulated board, e.g. microbit).")
@click.option("--target", type=click.Choice(["auto", *target_names()]), default="auto", show_default=True,
              help="Kernel set (auto: what the board's CPU supports).")
@click.option("--optimize", "optimize", multiple=True, type=click.Choice(["speed", "size"]), default=["speed"],
              show_default=True, help="Compile the kernels for speed (-O2) or size (-Os); repeat for both rows.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--readme", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Also put the Markdown between this file's '<!-- tinyslm bench: begin/end -->' markers.")
@click.option("--per-op/--no-per-op", default=False, help="Print the per-operator breakdown.")
def bench_cmd(models: tuple[Path, ...], boards: tuple[str, ...], via: str, target: str, optimize: tuple[str, ...],
              json_path: Path | None, md_path: Path | None, readme: Path | None, per_op: bool) -> None:
    """Count instructions per inference in QEMU (-icount shift=0): same count on every run.

    MODELS: .tflite files or `tinyslm build` output folders; none: every model in ../shared/models ($TINYSLM_SHARED_MODELS) and the
    transformers `tinyslm build` left in runs/*/train/model.tflite.
    """
    from ..bench import (
        bench_firmware,
        bench_model,
        default_models,
        markdown,
        save,
        update_readme,
    )
    from ..errors import TinyslmError
    from ..firmware import FitError

    if via == "firmware" and target != "auto":
        raise TinyslmError("--via firmware uses the board's own kernel set", hint="drop --target, or use --via runtime")
    if via == "firmware" and set(optimize) != {"speed"}:
        raise TinyslmError("--via firmware counts the speed build", hint="drop --optimize, or use --via runtime")
    named = [_named(m) for m in models] or default_models()
    if not named:
        raise TinyslmError("no models to benchmark: none given, none in ../shared/models and no runs/*/train/model.tflite",
                           hint="name .tflite files, set TINYSLM_SHARED_MODELS, or run `tinyslm build` first")
    results = []
    pairs = [(m, label, board, goal) for m, label in named for board in boards for goal in optimize]
    for m, label, board, goal in pairs:
        click.echo(f"bench {label or m.name} on {board}{' (-Os)' if goal == 'size' else ''} ...", err=True)
        try:
            r = (bench_firmware(m, board, label) if via == "firmware" else
                 bench_model(m, board, None if target == "auto" else target, label, goal))
        except FitError as e:  # one model too big for one board does not stop the others
            click.echo(f"skipped {m.name} on {board}: {e.what}", err=True)
            continue
        results.append(r)
        if per_op:
            click.echo(f"{m.name} on {r.board} ({r.target}):")
            for o in r.per_op:
                ratio = f"{o['instructions'] / o['macs']:.2f} instr/MAC" if o["macs"] else ""
                click.echo(f"  op {o['op']:>3} {o['opcode']:<18} {o['instructions']:>12,}  {ratio:<16} {o['detail']}")
    click.echo(markdown(results, per_op=False), nl=False)
    save(results, json_path, md_path)
    if readme:
        note = f"\nPer operator type: {md_path}.\n" if md_path else ""
        update_readme(readme, markdown(results, per_op=False) + note)


def _named(path: Path) -> tuple[Path, str]:
    """A .tflite as given, or a build folder's trained student with its pipeline label."""
    from ..bench import pipeline_label
    from ..errors import TinyslmError

    if path.is_dir():
        model = path / "train" / "model.tflite"
        if not model.is_file():
            raise TinyslmError(f"{path} is a folder without train/model.tflite",
                               hint="give a .tflite, or the --out folder of a finished `tinyslm build`")
        return model, pipeline_label(path)
    return path, ""
