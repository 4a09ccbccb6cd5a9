"""Anomaly detection on machine sound: a synthetic rotating-machine generator with faults, or a DCASE /
MIMII / ToyADMOS folder, log-mel windows, a distilled transformer autoencoder trained on normal sound;
quality is the ROC AUC of the reconstruction error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..errors import DataError
from . import AudioTask

if TYPE_CHECKING:
    from ..pipeline import BuildConfig


def data(cfg: BuildConfig, folder: Path) -> dict:
    from ..data import make_ad_dataset

    if cfg.data is not None:
        return {"root": str(Path(cfg.data).resolve()), "source": "user folder"}
    make_ad_dataset(folder / "machines", profile=cfg.profile, seed=cfg.seed)
    return {"root": str((folder / "machines").resolve()), "source": "synthetic (rotating machine)"}


def features(data: dict, folder: Path) -> dict:
    from ..data import AdFrontend, ad_windows, load_ad

    d = load_ad(data["root"])
    w = ad_windows(d, AdFrontend())
    if len(w.x_train) == 0 or len(w.x_test) == 0:
        raise DataError("no training or test windows", where=data["root"])
    np.savez_compressed(folder / "features.npz", x_train=w.x_train, x_val=w.x_val, x_test=w.x_test, y_test=w.y_test,
                        val_groups=w.val_groups, test_groups=w.test_groups)
    return {"n_train": int(len(w.x_train)), "n_val": int(len(w.x_val)), "n_test": int(len(w.x_test)),
            "n_train_clips": len(d.train.labels) if hasattr(d.train, "labels") else None,
            "n_test_clips": len(d.test.labels) if hasattr(d.test, "labels") else None,
            "shape": list(w.x_train.shape[1:])}


def train_profile(quick: bool):
    from ..train import ADTrainConfig

    return ADTrainConfig.quick() if quick else ADTrainConfig()


def size(budget, quick: bool):
    from ..train import size_autoencoder

    return size_autoencoder(budget, base=train_profile(quick).student)


def train(cfg: BuildConfig, sizing: dict, folder: Path, say: Callable[[str], None]) -> dict:
    import dataclasses

    from ..data import AdFrontend
    from ..train import train_anomaly
    from ..train.models import TransformerAEConfig

    f = np.load(folder.parent / "features" / "features.npz")
    fe = AdFrontend()
    deq = fe.dequantize
    tc = TASK.profile(cfg)
    tc = dataclasses.replace(tc, student=TransformerAEConfig(**{k: v for k, v in sizing["student"].items()
                                                               if k != "kind"}),
                             quant=dataclasses.replace(tc.quant, input_range=fe.config.float_range))
    tc = tc.with_shape(*f["x_train"].shape[1:])
    r = train_anomaly(deq(f["x_train"]), deq(f["x_val"]), deq(f["x_test"]), f["y_test"], tc, seed=cfg.seed,
                      test_groups=f["test_groups"], val_groups=f["val_groups"], log=say)
    (folder / "model.tflite").write_bytes(r.tflite)
    for k, b in r.float_students.items():  # the paired float students, measured again on the fresh test set
        (folder / FLOAT_STUDENT.format(k)).write_bytes(b)
    (folder / "train.json").write_text(json.dumps(r.to_dict(), indent=1, default=float))
    return {"quality": r.quality, "facts": r.to_dict()["facts"], "threshold": r.threshold,
            "decision": r.decision, "summary": r.summary()}


def device_quality(cfg: "BuildConfig", out: Path, dev: np.ndarray, x_dev: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC of the scores computed from the device's reconstructions, over the windows it ran."""
    from ..data import AdFrontend
    from ..train.metrics import roc_auc

    fe = AdFrontend()
    x = fe.dequantize(x_dev).reshape(len(dev), -1)
    recon_q = dev.reshape(len(dev), -1)
    meta = json.loads((out / "firmware" / "project" / "firmware.json").read_text())["outputs"][0]
    recon = (recon_q.astype(np.float64) - meta["zero_point"]) * float(meta["scale"])
    scores = np.mean((recon - x) ** 2, axis=1)
    if len(set(labels.tolist())) < 2:
        return float("nan")
    return float(roc_auc(labels, scores))


FRESH_SEED_OFFSET = 1000  # the fresh test sets: clips (and, for the other machines, machines) of seed + this


def fresh(cfg: BuildConfig, folder: Path, say: Callable[[str], None] = print) -> dict:
    """ROC AUC (per clip: mean window error) of the int8 model (TFLM) on two test sets generated with another
    seed, made and read once at the end of the build:

    - ``test_fresh``: new recordings of the same machines (the build's machines, every clip drawn anew: load,
      speed drift, faults, background, level), as a DCASE evaluation set holds;
    - ``test_other_machines``: other machines of the same types and ids (their shaft speed, harmonics,
      resonances and level drawn again): a domain shift an autoencoder of one set of machines is not built
      for, reported beside it.

    ``distill_fresh`` / ``distill_other_machines``: the paired float students the build kept (alone and
    distilled: same initial weights and batches), their ROC AUC on the same clips and distilled - alone."""
    import dataclasses

    from ..data.ad_synth import AD_PROFILES, _tasks

    if cfg.data is not None:
        return {"skipped": "a user dataset (--data): no generator to draw a fresh test set from"}
    seed = cfg.seed + FRESH_SEED_OFFSET
    prof = dataclasses.replace(AD_PROFILES[cfg.profile], train_normal=0)
    model = (folder.parent / "train" / "model.tflite").read_bytes()
    students = float_students(folder.parent / "train")
    same = _auc_on(model, [t for t in _tasks(prof, seed, machine_seed=cfg.seed) if t.split == "test"], students)
    other = _auc_on(model, [t for t in _tasks(prof, seed) if t.split == "test"], students)
    say(f"fresh test set (new clips of the same machines, seed {seed}): int8 ROC AUC {same[0]:.4f} on {same[1]} "
        f"clips; other machines (seed {seed}): {other[0]:.4f}")
    out = {"test_fresh": same[0], "n_fresh": same[1], "fresh_seed": seed,
           "fresh_what": "new test clips of the build's machines (drawn with another seed)",
           "test_other_machines": other[0], "n_other_machines": other[1],
           "other_machines_what": "test clips of other machines (same types and ids, drawn with another seed)"}
    if set(students) == {"alone", "distilled"}:
        for key, (_, n, auc) in (("distill_fresh", same), ("distill_other_machines", other)):
            out[key] = {**auc, "gain": auc["distilled"] - auc["alone"], "n": n}
        p = out["distill_fresh"]
        say(f"fresh test set, float students: alone {p['alone']:.4f}, distilled {p['distilled']:.4f}, "
            f"distilled - alone {p['gain']:+.4f} AUC")
    return out


FLOAT_STUDENT = "student_{}_float.tflite"  # in the train folder: "alone" and "distilled", float32, raw windows in


def float_students(train: Path) -> dict[str, bytes]:
    """The train folder's paired float students (alone, distilled) that the build kept; {} for an older build."""
    return {k: (train / FLOAT_STUDENT.format(k)).read_bytes() for k in ("alone", "distilled")
            if (train / FLOAT_STUDENT.format(k)).is_file()}


def _auc_on(model: bytes, tasks: list, floats: dict[str, bytes] | None = None) -> tuple[float, int, dict]:
    """(int8 ROC AUC with TFLM, clips, {name: ROC AUC} of the float AEs in `floats`) on synthesized test clips;
    every score is the clip's mean window error against the dequantized int8 window."""
    from ..data import AdFrontend
    from ..data.ad_synth import synth_ad_clip
    from ..runners.oracle import Oracle
    from ..train.metrics import roc_auc

    floats = floats or {}
    if floats:
        from ..train.api import run_float
    fe = AdFrontend()
    oracle = Oracle(model)
    det_in, det_out = oracle.interp.get_input_details(0), oracle.interp.get_output_details(0)
    qp = det_out["quantization_parameters"]
    s_out, z_out = float(qp["scales"][0]), int(qp["zero_points"][0])
    scores, labels = [], []
    float_scores: dict[str, list[float]] = {k: [] for k in floats}
    for task in tasks:
        recipe, pcm = synth_ad_clip(task)
        w = fe.windows(fe(pcm))
        recon = np.stack([oracle.run([x.astype(det_in["dtype"]).reshape(det_in["shape"])])[0].reshape(-1)
                          for x in w])
        xf = fe.dequantize(w)
        err = np.mean(((recon.astype(np.float64) - z_out) * s_out - xf.reshape(len(w), -1)) ** 2, axis=1)
        scores.append(float(np.mean(err)))
        labels.append(int(recipe.label))
        for k, m in floats.items():
            r = run_float(m, xf).reshape(len(w), -1).astype(np.float64)
            float_scores[k].append(float(np.mean(np.mean((r - xf.reshape(len(w), -1)) ** 2, axis=1))))
    y = np.array(labels)
    return (float(roc_auc(y, np.array(scores))), len(labels),
            {k: float(roc_auc(y, np.array(v))) for k, v in float_scores.items()})


TASK = AudioTask("anomaly", metric="roc_auc", frontend=None, data=data, features=features,
                 train_profile=train_profile, size=size, train=train, device_quality=device_quality,
                 fresh=fresh)
