"""`tinyslm build kws|anomaly --board B`: from data to firmware answering on the device."""

from __future__ import annotations

from pathlib import Path

import click

from ..tasks import names


@click.command("build")
@click.argument("task", type=click.Choice(names()), required=False)
@click.option("--board", "-b", default="mps2-an386", show_default=True, help="Target board (see `tinyslm boards`).")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=None,
              help="Dataset folder (Speech Commands layout for kws, DCASE/MIMII/ToyADMOS for anomaly; lm: a "
                   "`tinyslm data lm` folder or a UTF-8 text file, documents separated by blank lines); "
                   "default: generate a synthetic one.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: runs/<task>-<board>).")
@click.option("--quick", is_flag=True, help="Small data and short training: for tests and demos.")
@click.option("--seed", default=0, show_default=True)
@click.option("--port", default=None, help="Serial port of a flashed board; default: the board's emulator.")
@click.option("--emulator", type=click.Choice(["qemu", "renode"]), default="qemu", show_default=True)
@click.option("--device-examples", "device_clips", default=None, type=click.IntRange(1, 100000),
              help="Test examples to run on the device (default 200; 40 with --quick).")
@click.option("--mlperf", type=click.Choice(["kws01"]), default=None,
              help="kws: the firmware also answers as the MLPerf Tiny kws01 benchmark (see `tinyslm firmware "
                   "--mlperf`).")
@click.option("--from-tune", "from_tune", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A `tinyslm tune` folder: build one point of its Pareto front (task, board, data, profile and "
                   "seed come from the search).")
@click.option("--pick", default=None, type=int, help="With --from-tune: the front's point (0 = cheapest).")
def build_cmd(task: str | None, board: str, data: Path | None, out: Path | None, quick: bool, seed: int,
              port: str | None, emulator: str, device_clips: int | None, from_tune: Path | None,
              pick: int | None, mlperf: str | None) -> None:
    """Data -> features -> teacher -> distilled, pruned int8 student -> C -> firmware -> device -> report."""
    from ..pipeline import BuildConfig, run_build

    if from_tune is not None or pick is not None:
        from ..tune.build import build_from_tune

        build_from_tune(from_tune, pick, task, out, port, emulator, device_clips, say=click.echo)
        return
    if task is None:
        raise click.UsageError("give the task (kws, anomaly or lm), or --from-tune DIR --pick N")
    if data is not None and data.is_file() and task != "lm":
        raise click.UsageError(f"--data {data}: {task} takes a dataset folder, not a file")
    if mlperf is not None and task != "kws":  # the anomaly transformer reads 32x64 log-mel, not ad01's 640 values
        raise click.UsageError(f"--mlperf {mlperf} is for kws: the {task} model's input is not the benchmark's")

    cfg = BuildConfig(task=task, board=board, out=out or Path("runs") / f"{task}-{board}", data=data, quick=quick,
                      seed=seed, port=port, emulator=emulator,
                      device_clips=device_clips or (40 if quick else 200), mlperf=mlperf)
    run_build(cfg, say=click.echo)
