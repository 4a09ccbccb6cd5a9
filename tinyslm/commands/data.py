"""`tinyslm data kws|anomaly|lm|features|frontend`: synthetic datasets, features, the C frontend."""

from __future__ import annotations

from pathlib import Path

import click

PROFILES = click.Choice(["quick", "default"])


def _echo_report(kind: str, report, detail) -> None:
    verb = "already there" if report.reused else f"written in {report.seconds:.1f} s"
    click.echo(f"{kind}: {report.total} clips in {report.out_dir}/ ({verb})")
    for split, counts in report.counts.items():
        click.echo(f"  {split:5s} {sum(counts):5d}  ({detail(counts)})")


@click.group("data")
def data_cmd() -> None:
    """Generate synthetic datasets and compute features."""


@data_cmd.command("kws")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write (Speech Commands layout).")
@click.option("--profile", type=PROFILES, default="default", show_default=True,
              help="quick: 312 clips (tests, seconds); default: 7,120 clips (about 2 minutes on 2 cores).")
@click.option("--seed", default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--force", is_flag=True, help="Write into a non-empty folder.")
def kws_cmd(out_dir: Path, profile: str, seed: int, workers: int, force: bool) -> None:
    """Synthesize the 12-class keyword-spotting dataset with espeak-ng."""
    from ..data import make_kws_dataset

    r = make_kws_dataset(out_dir, profile, seed, workers=workers, overwrite=force)
    _echo_report("keyword spotting", r, lambda c: f"{min(c)}..{max(c)} per class, {len(c)} classes")
    click.echo("  test split: voices and noise types never used in training (see dataset.json)")


@data_cmd.command("anomaly")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write (DCASE 2020 Task 2 layout).")
@click.option("--profile", type=PROFILES, default="default", show_default=True,
              help="quick: a few dozen short clips (tests); default: 4 machines x 110 clips of 4 s.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--force", is_flag=True, help="Write into a non-empty folder.")
def anomaly_cmd(out_dir: Path, profile: str, seed: int, workers: int, force: bool) -> None:
    """Synthesize rotating-machine sound with bearing, imbalance, misalignment and looseness faults."""
    from ..data import make_ad_dataset

    r = make_ad_dataset(out_dir, profile, seed, workers=workers, overwrite=force)
    _echo_report("anomaly detection", r, lambda c: f"{c[0]} normal, {c[1]} anomalous")


@data_cmd.command("lm")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write (train/val/test/test_fresh .txt, log2 p per document, dataset.json).")
@click.option("--profile", type=PROFILES, default="default", show_default=True,
              help="quick: 1,500 training documents; default: 20,000.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder.")
def lm_cmd(out_dir: Path, profile: str, seed: int, force: bool) -> None:
    """Sample smart-home dialogues from a grammar whose entropy rate is known exactly."""
    from ..data.lm_corpus import make_lm_corpus

    r = make_lm_corpus(out_dir, profile, seed, overwrite=force)
    verb = "already there" if r.reused else f"written in {r.seconds:.1f} s"
    click.echo(f"language model: {sum(r.counts.values())} documents in {r.out_dir}/ ({verb})")
    click.echo("  " + ", ".join(f"{k} {v}" for k, v in r.counts.items()))
    click.echo(f"  source entropy rate: {r.entropy_rate:.4f} bits per character (exact; see dataset.json)")


@data_cmd.command("features")
@click.argument("data_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--task", type=click.Choice(["auto", "kws", "anomaly"]), default="auto", show_default=True)
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the int8 features to this .npz file.")
@click.option("--machine-type", default=None, help="Anomaly data: which machine type (if several).")
@click.option("--resample", is_flag=True, help="Anomaly data: resample WAVs that are not 16 kHz.")
@click.option("--mfcc", type=click.IntRange(1, 40), default=None,
              help="KWS data: cepstra per frame (default: the MLPerf frontend's 10; tinyslm tune searches 8, 10, 13).")
def features_cmd(data_dir: Path, task: str, out_file: Path | None, machine_type: str | None,
                 resample: bool, mfcc: int | None) -> None:
    """Load a dataset folder and compute its int8 features with the reference frontend."""
    import dataclasses
    import json

    import numpy as np

    from ..data import AdFrontend, KwsFrontend, ad_windows, load_ad, load_kws
    from ..errors import DataError

    if task == "auto":
        task = _guess_task(data_dir)
    if mfcc is not None and task != "kws":
        raise DataError(f"--mfcc sets the keyword-spotting frontend, and {data_dir} is read as {task} data",
                        hint="leave --mfcc out for anomaly data (its frontend is log-mel), or pass --task kws")
    if task == "kws":
        from ..data.frontend import FrontendConfig

        fe = KwsFrontend(None if mfcc is None else dataclasses.replace(FrontendConfig.kws(), num_mfcc=mfcc))
        data = load_kws(data_dir, progress=True)
        arrays = {}
        for split in ("train", "val", "test"):
            s = data.split(split)
            arrays[f"x_{split}"], arrays[f"y_{split}"] = fe(s.audio), s.labels
            click.echo(f"{split:5s} {len(s):6d} clips -> int8 {arrays[f'x_{split}'].shape}, per class {s.counts()}")
    else:
        fe = AdFrontend()
        ad = load_ad(data_dir, machine_type, allow_resample=resample)
        w = ad_windows(ad, fe)
        arrays = {"x_train": w.x_train, "x_val": w.x_val, "x_test": w.x_test, "y_test": w.y_test,
                  "val_groups": w.val_groups, "test_groups": w.test_groups, "test_clip_labels": ad.test.labels}
        click.echo(f"{ad.machine_type} ({ad.layout} layout): train {len(ad.train)} / val {len(ad.val)} normal "
                   f"clips, test {len(ad.test)} clips ({int(ad.test.labels.sum())} anomalous)")
        click.echo(f"windows: train {w.x_train.shape}, val {w.x_val.shape}, test {w.x_test.shape} (int8)")
    if out_file is not None:
        try:
            np.savez_compressed(out_file, frontend=np.array(fe.config.to_json()), **arrays)
        except OSError as e:
            raise DataError(f"cannot write {out_file}: {e}") from None
        click.echo(f"wrote {out_file} (frontend config under 'frontend': {json.loads(fe.config.to_json())['kind']})")


def _guess_task(data_dir: Path) -> str:
    from ..data.speech_commands import KEYWORDS

    if any((data_dir / k).is_dir() for k in KEYWORDS):
        return "kws"
    return "anomaly"


@data_cmd.command("frontend")
@click.option("--task", type=click.Choice(["kws", "anomaly"]), default="kws", show_default=True)
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def frontend_cmd(task: str, out_dir: Path) -> None:
    """Write the C frontend (engine + generated tables) for a task's default frontend into a folder."""
    import shutil

    from ..data.frontend_c import PRESETS, engine_sources, write_frontend_tables

    out_dir.mkdir(parents=True, exist_ok=True)
    for src in engine_sources():
        shutil.copyfile(src, out_dir / src.name)
    name = "kws" if task == "kws" else "ad"
    paths = write_frontend_tables(PRESETS[name], name, out_dir)
    click.echo(f"wrote {len(paths) + len(engine_sources())} files to {out_dir}/ "
               f"(config: tslm_frontend_{name} in {paths[0].name})")
