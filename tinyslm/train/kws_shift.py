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

A training-speech recipe is compared on the same clips: ``vocode`` copies a build's train/val clips with the
training words that the vocoder draw of kws_synth picks (probability P) made again through the vocoder
(tinyslm/data/vocoder.py), exactly what a build with ``VOCODER_PROBABILITY = P`` would have made::

    python -m tinyslm.train.kws_shift vocode runs/q17-kws-s0/data/speech runs/kws-voc30 --p 0.3
    python -m tinyslm.train.kws_shift run runs/kws-voc30 runs/kws-dev
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


def _remake(args: tuple) -> tuple[str, bytes]:
    from ..data.kws_synth import synth_clip

    task, espeak = args
    recipe, pcm = synth_clip(task, espeak)
    return json.dumps(dataclasses.asdict(recipe)), pcm.astype(np.int16).tobytes()


def vocode(data_root: str | Path, out: str | Path, p: float, voices: tuple[str, ...] = (ESPEAK, "kal_diphone",
           "ked_diphone"), workers: int = 2, check: int = 2) -> Path:
    """`data_root`'s train/val clips into `out`, the training words of `voices` that kws_synth's vocoder draw
    picks at probability `p` made again through the vocoder, every other clip hard-linked. `check` unpicked
    clips per engine are made again without the vocoder and must equal their files (the recipe is the build's)."""
    import multiprocessing
    import os

    from ..data import CLASSES
    from ..data.audio import read_wav, write_wav
    from ..data.espeak import espeak_binary
    from ..data.kws_synth import SAMPLE_RATE, ClipTask, vocoder_draw

    src, out = Path(data_root), Path(out)
    info = json.loads((src / "dataset.json").read_text())
    with open(src / "clips.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] in ("train", "val")]
    if out.exists() and any(out.iterdir()):
        raise DataError("output folder is not empty", where=str(out), hint="choose a new folder")

    def task(r: dict, prob: float, tables: tuple = ()) -> ClipTask:
        return ClipTask("train", CLASSES.index(r["label"]), int(r["path"].split("_nohash_")[1][:-4]), info["seed"],
                        tuple(info["variants"]["train"]), tables=tables, vocoder=prob)

    def voice(r: dict) -> str:
        return ESPEAK if r["engine"] == "espeak-ng" else r["voice"].split(":")[-1]

    words = [r for r in rows if r["split"] == "train" and r["engine"]]
    picked = {r["path"] for r in words if voice(r) in voices and vocoder_draw(task(r, p)) is not None}
    checks = [r for e in sorted({r["engine"] for r in words})
              for r in [w for w in words if w["engine"] == e and w["path"] not in picked][:check]]
    fest = sorted({r["word"] for r in words if r["engine"] != "espeak-ng" and (r["path"] in picked or r in checks)})
    tables: tuple = ()
    if fest:
        from ..data.festival import FestivalTable

        tables = (("festival-diphone", str(FestivalTable.build("festival-diphone", fest,
                                                                out / "festival-diphone.npz").path)),)
    for r in rows:
        if r["path"] not in picked:
            (out / r["path"]).parent.mkdir(parents=True, exist_ok=True)
            os.link(src / r["path"], out / r["path"])
    espeak = espeak_binary()
    jobs = [(task(r, 0.0, tables), espeak) for r in checks] + [(task(r, 1.0, tables), espeak) for r in words
                                                              if r["path"] in picked]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        made = pool.map(_remake, jobs, chunksize=8)
    for r, (recipe, pcm) in zip(checks, made[:len(checks)]):
        if pcm != read_wav(src / r["path"]).astype(np.int16).tobytes():
            raise DataError("a clip made again differs from its file: this code is not the build's recipe",
                            where=str(src / r["path"]), hint="vocode a folder made by this version of kws_synth")
    new = {}
    for recipe, pcm in made[len(checks):]:
        rec = json.loads(recipe)
        write_wav(out / rec["path"], np.frombuffer(pcm, np.int16), SAMPLE_RATE)
        new[rec["path"]] = rec
    fields = list(rows[0]) + (["vocoder"] if "vocoder" not in rows[0] else [])
    with open(out / "clips.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "vocoder": r.get("vocoder", False), **({k: new[r["path"]][k] for k in fields}
                                                                    if r["path"] in new else {})})
    (out / "dataset.json").write_text(json.dumps({**info, "vocoded_from": str(src), "vocoder_probability_train": p,
                                                  "vocoded_voices": list(voices), "splits": ["train", "val"]},
                                                 indent=1) + "\n")
    return out


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
    v = sub.add_parser("vocode", help="a build's train/val clips, training words through the vocoder at --p")
    v.add_argument("data_root")
    v.add_argument("out")
    v.add_argument("--p", type=float, required=True)
    v.add_argument("--voices", default=f"{ESPEAK},kal_diphone,ked_diphone")
    a = p.parse_args(argv)
    if a.cmd == "make-dev":
        print(make_dev_set(a.out, a.per_class))
        return
    if a.cmd == "vocode":
        print(vocode(a.data_root, a.out, a.p, tuple(a.voices.split(","))))
        return
    print(json.dumps(run(a.data_root, a.dev_root, tuple(a.train_voices.split(",")), tuple(a.dev_voices.split(",")),
                         a.seed, a.epochs, a.fest_weight)))


if __name__ == "__main__":
    main()
