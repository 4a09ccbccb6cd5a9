"""Domain-shift development splits for the synthetic KWS set (issue 17), built only from what training may use.

The held-out engine (kws_synth.OTHER_ENGINE) and every test split stay unread: choices about the training
speech are made on the validation split and on one of these dev splits instead.

* engine-out: train on a build's espeak-ng training clips only; dev = festival's diphone voices speaking
  every class under validation conditions (:func:`make_dev_set`), a synthesizer the model never heard;
* voice-out: train on espeak-ng + one diphone voice (``--train-voices espeak,kal_diphone``); dev = the other
  diphone voice (``--dev-voices ked_diphone``).

One run trains the default KWT student alone (float) and prints validation and dev accuracy::

    python -m tinyslm.train.kws_shift make-dev runs/kws-dev
    python -m tinyslm.train.kws_shift run runs/q17-kws-s0/data/speech runs/kws-dev \\
        --train-voices espeak,kal_diphone --dev-voices ked_diphone --seed 0
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError

DEV_SEED = 5000  # the dev set's seed: none of the builds' (0..), fresh (1000+) or held-out engine (2000+) seeds
ESPEAK = "espeak"  # the voice name of every espeak-ng clip in :func:`load_clips`


def make_dev_set(out: str | Path, per_class: int = 60, seed: int = DEV_SEED) -> Path:
    """Festival's diphone voices speaking every class under validation conditions (the "val" split only)."""
    from ..data.kws_synth import KwsProfile, make_kws_dataset

    return make_kws_dataset(out, KwsProfile("dev", 0, per_class, 0), seed=seed, splits=("val",),
                            engine="festival-diphone", progress=False).out_dir


@dataclass
class Clips:
    x: np.ndarray  # dequantized int8 MFCCs (N, 49, 10), what a build trains on
    y: np.ndarray  # class indices
    split: np.ndarray  # "train" | "val"
    voice: np.ndarray  # "espeak", a festival voice name, or "" (silence)


def load_clips(root: str | Path, splits: tuple[str, ...]) -> Clips:
    """Features of a generated folder's clips of `splits` ("train" and/or "val"; the test split is refused)."""
    from ..data import CLASSES, KwsFrontend
    from ..data.audio import fit_length, read_wav

    if "test" in splits or not set(splits) <= {"train", "val"}:
        raise DataError(f"a dev split reads train/val clips only, not {splits}",
                        hint="the test split is read once, by the build")
    root = Path(root)
    if not (root / "clips.csv").exists():
        raise DataError("not a generated KWS folder (no clips.csv)", where=str(root))
    with open(root / "clips.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] in splits]
    fe = KwsFrontend()
    audio = np.stack([fit_length(read_wav(root / r["path"]), 16000) for r in rows]).astype(np.int16)
    voice = [("" if not r["engine"] else ESPEAK if r["engine"] == "espeak-ng" else r["voice"].split(":")[-1])
             for r in rows]
    return Clips(fe.dequantize(fe(audio)), np.array([CLASSES.index(r["label"]) for r in rows]),
                 np.array([r["split"] for r in rows]), np.array(voice))


def run(data_root: str | Path, dev_root: str | Path, train_voices: tuple[str, ...], dev_voices: tuple[str, ...],
        seed: int = 0, epochs: int = 20, fest_weight: int = 1, quick: bool = False) -> dict:
    """Train the student alone on `data_root`'s training clips of `train_voices` (and silence); accuracy on its
    validation split and on `dev_root`'s clips of `dev_voices` (and silence). `fest_weight`: festival clips
    repeated this many times in training."""
    from ..data import CLASSES
    from . import KWSTrainConfig
    from ._tf import seed_everything
    from .fit import fit
    from .models import Normalization, build_kwt

    overlap = set(train_voices) & set(dev_voices)
    if overlap:
        raise DataError(f"voices {sorted(overlap)} are in both training and dev", hint="leave them out of training")
    main, dev = load_clips(data_root, ("train", "val")), load_clips(dev_root, ("val",))
    tr = (main.split == "train") & np.isin(main.voice, [*train_voices, ""])
    xtr, ytr, vtr = main.x[tr], main.y[tr], main.voice[tr]
    fest = ~np.isin(vtr, [ESPEAK, ""])
    xtr = np.concatenate([xtr] + [xtr[fest]] * (fest_weight - 1))
    ytr = np.concatenate([ytr] + [ytr[fest]] * (fest_weight - 1))
    dk = np.isin(dev.voice, [*dev_voices, ""])
    va = main.split == "val"
    norm = Normalization.fit(xtr)
    cfg = KWSTrainConfig.quick() if quick else KWSTrainConfig()
    scfg = dataclasses.replace(cfg.student, frames=xtr.shape[1], feats=xtr.shape[2], classes=len(CLASSES))
    seed_everything(seed + 1)
    model = build_kwt(scfg)
    fit(model, norm.apply(xtr), ytr, None, None, dataclasses.replace(cfg.student_fit, epochs=epochs), seed=seed + 2,
        verbose=False)

    def acc(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(model.predict(norm.apply(x), verbose=0, batch_size=256).argmax(1) == y))

    return {"train_voices": sorted(set(vtr.tolist()) - {""}),
            "dev_voices": sorted(set(dev.voice[dk].tolist()) - {""}),
            "n_train": int(len(ytr)), "n_val": int(va.sum()), "n_dev": int(dk.sum()), "seed": seed,
            "val": acc(main.x[va], main.y[va]), "dev": acc(dev.x[dk], dev.y[dk])}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m tinyslm.train.kws_shift", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-dev", help="generate the festival-diphone dev set (validation conditions)")
    m.add_argument("out")
    m.add_argument("--per-class", type=int, default=60)
    r = sub.add_parser("run", help="train the student alone; validation and dev accuracy")
    r.add_argument("data_root", help="a generated KWS folder (a build's data/speech)")
    r.add_argument("dev_root", help="a folder from make-dev")
    r.add_argument("--train-voices", default=ESPEAK, help="comma list: espeak, kal_diphone, ked_diphone")
    r.add_argument("--dev-voices", default="kal_diphone,ked_diphone")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--epochs", type=int, default=20)
    r.add_argument("--fest-weight", type=int, default=1)
    a = p.parse_args(argv)
    if a.cmd == "make-dev":
        print(make_dev_set(a.out, a.per_class))
        return
    print(json.dumps(run(a.data_root, a.dev_root, tuple(a.train_voices.split(",")), tuple(a.dev_voices.split(",")),
                         a.seed, a.epochs, a.fest_weight)))


if __name__ == "__main__":
    main()
