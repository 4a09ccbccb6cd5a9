"""`tinyslm tune kws|anomaly|lm --board B`: hardware-aware search for the best student, on Ray Tune."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("tune")
@click.argument("task", type=click.Choice(["kws", "anomaly", "lm"]))
@click.option("--board", "-b", default="mps2-an386", show_default=True, help="Target board (see `tinyslm boards`).")
@click.option("--trials", default=20, show_default=True, type=click.IntRange(1, 10000), help="Trials to run.")
@click.option("--budget-minutes", type=click.FloatRange(0.1, None), default=None,
              help="Stop starting trials after this many minutes (default: no limit).")
@click.option("--ray-address", default=None,
              help="A running Ray cluster (e.g. 10.0.0.5:6379 after `ray start --head` there); default: start a "
                   "local Ray on this machine's cores.")
@click.option("--cpus-per-trial", default=2, show_default=True, type=click.IntRange(1, 256),
              help="CPUs Ray reserves for each trial (and TensorFlow threads it uses).")
@click.option("--num-cpus", default=None, type=click.IntRange(1, 4096),
              help="Local Ray only: CPUs to use (default: all of this machine's).")
@click.option("--quick", is_flag=True, help="Small data, short training and a small space: for tests and demos.")
@click.option("--seed", default=0, show_default=True)
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Dataset folder (as for `tinyslm build`; lm: a corpus folder); default: the synthetic one.")
@click.option("--dev-data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="anomaly with --data: labelled development machines to validate on (never the test split).")
@click.option("--no-measure", is_flag=True, help="Do not measure the front's instructions in QEMU.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder (run again with the same settings to resume an interrupted search).")
def tune_cmd(task: str, board: str, trials: int, budget_minutes: float | None, ray_address: str | None,
             cpus_per_trial: int, num_cpus: int | None, quick: bool, seed: int, data: Path | None,
             dev_data: Path | None, no_measure: bool, out: Path) -> None:
    """Search the student (width, depth, heads, MLP, stem, tokens, pruning) under the board's flash and RAM:
    validation quality vs instructions per inference (lm: validation bits per character of the int8 step
    model vs instructions per generated token); writes OUT/tune.json and OUT/tune.html."""
    from ..tune.run import TuneSettings, run_tune

    run_tune(TuneSettings(task=task, board=board, out=out, trials=trials, budget_minutes=budget_minutes,
                          ray_address=ray_address, quick=quick, seed=seed, data=data, dev_data=dev_data,
                          cpus_per_trial=cpus_per_trial, num_cpus=num_cpus, measure=not no_measure),
             say=click.echo)
