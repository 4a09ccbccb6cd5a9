"""Does distillation help the anomaly student, and with which settings? A paired study on development sets.

For every dataset, student seed and setting (teacher epochs x alpha), the student is trained alone and
distilled from the same initial weights on the same batches (:func:`~tinyslm.train.api.train_ad_student`),
so the paired gain ``distilled - alone`` (float ROC AUC per clip on the test split) measures the teacher
and nothing else. A setting is judged by its *smallest* gain over all pairs: distillation should help on
every dataset and seed, not on average.

Development sets are synthetic datasets made with other seeds (other machines) than the build's, so the
build's test split stays out of the choice::

    tinyslm data anomaly --out runs/dev1 --seed 1 && tinyslm data features runs/dev1 -o runs/dev1.npz
    tinyslm data anomaly --out runs/dev2 --seed 2 && tinyslm data features runs/dev2 -o runs/dev2.npz
    python -m tinyslm.train.study runs/dev1.npz runs/dev2.npz --seeds 3 --teacher-epochs 30,100 --alpha 0.5,0.8

(about 20 s per student on 2 cores with the default profile). The figures behind ``ADTrainConfig``'s
defaults came from this command.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .api import ADTrainConfig, _clip_labels, ad_auc, ad_normalization, train_ad_student, train_ad_teacher
from .distill import DistillConfig


@dataclass(frozen=True)
class PairedRun:
    dataset: str
    teacher_epochs: int
    alpha: float
    seed: int
    teacher: float  # float AUC of the teacher
    alone: float  # the student trained alone (same seed: same for every setting)
    distilled: float
    relation: float = 0.0  # weight of the relational bottleneck term (ADTrainConfig.relation)

    @property
    def gain(self) -> float:
        return self.distilled - self.alone


def summarize(runs: Sequence[PairedRun]) -> list[dict]:
    """Per setting (teacher epochs, alpha, relation): pairs, smallest / mean / largest gain, how many gained; best
    (largest smallest gain) first.

    >>> r = [PairedRun("a", 30, 0.5, 0, 0.9, 0.80, 0.81), PairedRun("a", 30, 0.5, 1, 0.9, 0.82, 0.815),
    ...      PairedRun("a", 100, 0.5, 0, 0.9, 0.80, 0.805)]
    >>> [(s["teacher_epochs"], round(s["min_gain"], 3), s["gained"], s["pairs"]) for s in summarize(r)]
    [(100, 0.005, 1, 1), (30, -0.005, 1, 2)]
    """
    settings = sorted({(r.teacher_epochs, r.alpha, r.relation) for r in runs})
    rows = []
    for epochs, alpha, relation in settings:
        g = np.array([r.gain for r in runs if (r.teacher_epochs, r.alpha, r.relation) == (epochs, alpha, relation)])
        rows.append({"teacher_epochs": epochs, "alpha": alpha, "relation": relation, "pairs": int(g.size),
                     "min_gain": float(g.min()),
                     "mean_gain": float(g.mean()), "max_gain": float(g.max()), "gained": int((g > 0).sum())})
    return sorted(rows, key=lambda s: -s["min_gain"])


def ad_distillation_study(datasets: dict[str, dict[str, np.ndarray]], cfg: ADTrainConfig = ADTrainConfig(),
                          seeds: int = 3, teacher_epochs: Sequence[int] = (30, 100),
                          alphas: Sequence[float] = (0.5, 0.8), log: Callable[[str], None] = print,
                          relations: Sequence[float] | None = None) -> list[PairedRun]:
    """Paired runs on each dataset: ``{name: {"x_train", "x_val", "x_test", "y_test", "test_groups"}}`` with
    float features (N, frames, mels). Teachers are trained with seed 0, students with seeds 0..seeds-1.
    `relations`: weights of the relational bottleneck term to try (default: the profile's own)."""
    relations = (cfg.relation,) if relations is None else tuple(relations)
    runs: list[PairedRun] = []
    for name, d in datasets.items():
        frames, mels = d["x_train"].shape[1:]
        base = cfg.with_shape(frames, mels)
        norm = ad_normalization(base, d["x_train"])
        x_train, x_val, x_test = (d[k] if norm is None else norm.apply(d[k]) for k in ("x_train", "x_val", "x_test"))
        groups = d.get("test_groups")
        labels = _clip_labels(d["y_test"], groups)
        alone = {}
        for s in range(seeds):
            model, _ = train_ad_student(base, x_train, x_val, s)
            alone[s] = ad_auc(model, x_test, labels, groups)
            log(f"{name}: student alone, seed {s}: AUC {alone[s]:.4f}")
        for epochs in teacher_epochs:
            tcfg = dataclasses.replace(base, teacher_fit=dataclasses.replace(base.teacher_fit, epochs=epochs))
            teacher, _ = train_ad_teacher(tcfg, x_train, x_val, 0)
            t_auc = ad_auc(teacher, x_test, labels, groups)
            log(f"{name}: teacher {epochs} epochs: AUC {t_auc:.4f}")
            for alpha in alphas:
                for rel in relations:
                    scfg = dataclasses.replace(tcfg, distill=dataclasses.replace(tcfg.distill, alpha=alpha),
                                               relation=rel)
                    for s in range(seeds):
                        model, _ = train_ad_student(scfg, x_train, x_val, s, teacher)
                        r = PairedRun(name, epochs, alpha, s, t_auc, alone[s],
                                      ad_auc(model, x_test, labels, groups), rel)
                        runs.append(r)
                        log(f"{name}: teacher {epochs} epochs, alpha {alpha}, seed {s}, relation {rel:g}: AUC "
                            f"{r.distilled:.4f} (alone {r.alone:.4f}, gain {r.gain:+.4f})")
    return runs


def load_features(path: Path) -> dict[str, np.ndarray]:
    """A ``tinyslm data features`` .npz (or a build's features/features.npz) as float features."""
    from ..data import AdFrontend
    from ..errors import DataError

    try:
        z = np.load(path)
        fe = AdFrontend()
        d = {k: fe.dequantize(z[k]) for k in ("x_train", "x_val", "x_test")}
        d["y_test"] = z["y_test"]
        d["test_groups"] = z["test_groups"] if "test_groups" in z.files else None
    except (OSError, ValueError, KeyError) as e:
        raise DataError(f"not an anomaly features file: {e}", where=str(path),
                        hint="make one with `tinyslm data features DATA_DIR -o FILE.npz`") from None
    return d


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from ..errors import TinyslmError

    p = argparse.ArgumentParser(prog="python -m tinyslm.train.study", description=__doc__.split("\n\n")[0])
    p.add_argument("features", nargs="+", type=Path, help="anomaly features .npz files (development sets)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--teacher-epochs", default="30,100", help="comma-separated")
    p.add_argument("--alpha", default="0.5,0.8", help="comma-separated soft-loss weights")
    p.add_argument("--relation", default=None,
                   help="comma-separated weights of the relational bottleneck term (default: the profile's)")
    p.add_argument("--quick", action="store_true", help="the quick training profile (tests)")
    p.add_argument("--json", type=Path, help="write every paired run and the summary here")
    a = p.parse_args(argv)
    try:
        epochs = [int(v) for v in a.teacher_epochs.split(",")]
        alphas = [DistillConfig(alpha=float(v)).alpha for v in a.alpha.split(",")]
        relations = None if a.relation is None else [float(v) for v in a.relation.split(",")]
        if a.seeds < 1 or min(epochs) < 1:
            raise ValueError("--seeds and every teacher epoch count must be >= 1")
        if relations is not None and min(relations) < 0:
            raise ValueError("every --relation weight must be >= 0")
    except ValueError as e:
        p.exit(2, f"error: --seeds / --teacher-epochs / --alpha: {e}\n")
    try:
        names = [f.stem for f in a.features]
        if len(set(names)) < len(names):  # e.g. several builds' features/features.npz
            names = [str(f) for f in a.features]
        data = {n: load_features(f) for n, f in zip(names, a.features)}
    except TinyslmError as e:
        p.exit(2, e.render() + "\n")
    runs = ad_distillation_study(data, ADTrainConfig.quick() if a.quick else ADTrainConfig(), a.seeds, epochs,
                                 alphas, relations=relations)
    summary = summarize(runs)
    print(f"{'teacher epochs':>14s} {'alpha':>5s} {'relation':>8s} {'pairs':>5s} {'gained':>6s} {'min gain':>9s} "
          f"{'mean gain':>9s} {'max gain':>9s}")
    for s in summary:
        print(f"{s['teacher_epochs']:14d} {s['alpha']:5.2f} {s['relation']:8g} {s['pairs']:5d} {s['gained']:6d} "
              f"{s['min_gain']:+9.4f} {s['mean_gain']:+9.4f} {s['max_gain']:+9.4f}")
    if a.json:
        a.json.write_text(json.dumps({"runs": [{**dataclasses.asdict(r), "gain": r.gain} for r in runs],
                                      "summary": summary}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
