"""Would a stronger KWS teacher make distillation pay? A paired study on the validation split only.

Issue 17 asks for a visible distillation gain (distilled - alone >= +1 point). With the default DS-CNN
teacher (c=64, 20 epochs) the teacher is barely above the KWT student it teaches, so this study trains
other teachers on a build's features and measures, per training seed:

- each teacher's float accuracy on the **validation** split, and its training time;
- for the teachers asked for (``--distill``), the *paired* gain of the build's student: trained alone and
  distilled from that teacher from the same initial weights on the same batches, exactly as
  :func:`~tinyslm.train.api.train_kws` seeds them (teacher ``seed``, student init ``seed + 1``, data order
  ``seed + 2``), float validation accuracy.

The test split of the features file is never loaded (numpy's ``.npz`` reads arrays on access; only
``x_train``, ``y_train``, ``x_val``, ``y_val`` are read). Teachers (see :data:`TEACHERS`)::

    base   DS-CNN c=64, 20 epochs (the build's default)
    wide   DS-CNN c=128, 30 epochs
    mix    DS-CNN c=64, 30 epochs, mixup 0.3
    ens2   the average of the logits of two `base` teachers (seeds s and s + 1000)

Commands behind ``KWSTrainConfig``'s teacher (seeds 0 and 1 ran as two processes of one TF thread each, seed 2
with two threads: the thread count changes the float results, so pairs are compared within one run)::

    F=runs/q17b-kws-s0/features/features.npz  # a default `tinyslm build kws` (seed 0)
    TINYSLM_TF_THREADS=1 python -m tinyslm.train.kws_teacher_study $F --teachers base,ens2,wide \\
        --distill ens2,wide --seeds 0 --out s0.json       # and --seeds 1 --out s1.json
    python -m tinyslm.train.kws_teacher_study $F --teachers wide --distill wide --seeds 2 --out s2.json
    python -m tinyslm.train.kws_teacher_study $F --teachers ens2 --distill ens2 --seeds 2 --out s2e.json

Results are written after every model, so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .api import KWSTrainConfig
from .fit import FitConfig, fit
from .metrics import accuracy
from .models import DSCNNConfig, Normalization


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher: one DS-CNN trained with `fit`, or an ensemble (average of logits) of `members`."""

    name: str
    model: DSCNNConfig = DSCNNConfig()
    fit: FitConfig = FitConfig(epochs=20, lr=3e-3)
    members: tuple[tuple[str, int], ...] = ()  # (teacher name, seed offset) per member of an ensemble

    def describe(self) -> str:
        """
        >>> TEACHERS["wide"].describe()
        'DS-CNN c=128 blocks=4, 30 epochs'
        >>> TEACHERS["ens2"].describe()
        'mean logits of base@+0, base@+1000'
        """
        if self.members:
            return "mean logits of " + ", ".join(f"{n}@+{o}" for n, o in self.members)
        return f"{self.model.describe()}, {self.fit.epochs} epochs" + (f", mixup {self.fit.mixup}"
                                                                          if self.fit.mixup else "")


TEACHERS: dict[str, TeacherSpec] = {t.name: t for t in (
    TeacherSpec("base"),
    TeacherSpec("wide", DSCNNConfig(channels=128), FitConfig(epochs=30, lr=3e-3)),
    TeacherSpec("mix", DSCNNConfig(), FitConfig(epochs=30, lr=3e-3, mixup=0.3)),
    TeacherSpec("ens2", members=(("base", 0), ("base", 1000))),
)}


@dataclass
class StudyResult:
    """What was measured; `rows` are JSON-able dicts, one per model trained, the distilled ones named by their
    `key` field ("teacher" here; kws_distill_study's rows: "config")."""

    features: str
    student: dict
    rows: list[dict] = field(default_factory=list)
    key: str = "teacher"

    def paired(self) -> list[dict]:
        """Per (key, seed): distilled - alone on validation, where both were measured."""
        alone = {r["seed"]: r["val"] for r in self.rows if r["kind"] == "alone"}
        return [{self.key: r[self.key], "seed": r["seed"], "alone": alone[r["seed"]], "distilled": r["val"],
                 "gain": r["val"] - alone[r["seed"]]}
                for r in self.rows if r["kind"] == "distilled" and r["seed"] in alone]

    def to_dict(self) -> dict:
        return {"features": self.features, "student": self.student, "rows": self.rows, "paired": self.paired()}


def saver(out: Path) -> Callable[[StudyResult], None]:
    """A study's `on_row`: the whole result written to `out` after every model (an interrupted run keeps what it
    measured), and the new row printed."""
    def save(r: StudyResult) -> None:
        out.write_text(json.dumps(r.to_dict(), indent=1))
        print(json.dumps(r.rows[-1]), flush=True)

    return save


def exit_code(run: Callable[[], object]) -> int:
    """A study CLI's exit status: 0 when `run` finishes, 2 with its one-line error when it refuses its arguments (an
    unknown candidate, features of the wrong shape).

    >>> exit_code(lambda: None)
    0
    >>> exit_code(lambda: int("x"))
    error: invalid literal for int() with base 10: 'x'
    2
    """
    try:
        run()
    except ValueError as e:
        print(f"error: {e}")
        return 2
    return 0


def short_fits(cfg: KWSTrainConfig, epochs: int) -> KWSTrainConfig:
    """`cfg` with the teacher's and the student's fits cut to `epochs` (smoke runs only; 0 leaves it as it is).

    >>> short_fits(KWSTrainConfig(), 2).student_fit.epochs, short_fits(KWSTrainConfig(), 0) == KWSTrainConfig()
    (2, True)
    """
    if not epochs:
        return cfg
    return dataclasses.replace(cfg, teacher_fit=dataclasses.replace(cfg.teacher_fit, epochs=epochs),
                               student_fit=dataclasses.replace(cfg.student_fit, epochs=epochs))


def load_train_val(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dequantized training and validation features of a build's features.npz (the test arrays stay unread)."""
    from ..data import KwsFrontend

    deq = KwsFrontend().dequantize
    f = np.load(path)
    return deq(f["x_train"]), f["y_train"], deq(f["x_val"]), f["y_val"]


def _ensemble(members: Sequence, frames: int, feats: int):
    from ._tf import keras

    inp = keras.layers.Input((frames, feats))
    return keras.Model(inp, keras.layers.Average()([m(inp, training=False) for m in members]), name="ensemble")


def prepare(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, cfg: KWSTrainConfig,
            result: StudyResult):
    """The build's student config for these features (recorded in `result`) and the features normalized as
    train_kws normalizes them: (student config, x_train, x_val)."""
    frames, feats = x_train.shape[1:]
    classes = max(cfg.student.classes, int(max(y_train.max(), y_val.max()) + 1))
    scfg = dataclasses.replace(cfg.student, frames=frames, feats=feats, classes=classes)
    result.student = dataclasses.asdict(scfg)
    if cfg.normalize:
        norm = Normalization.fit(x_train)
        x_train, x_val = norm.apply(x_train), norm.apply(x_val)
    return scfg, x_train, x_val


def study_hooks(result: StudyResult, on_row: Callable[[StudyResult], None], x_val: np.ndarray, y_val: np.ndarray
                ) -> tuple[Callable, Callable[[dict], None]]:
    """A study loop's two helpers: a model's float accuracy on the validation split, and a row recorded in
    `result` (then `on_row`, which saves the file)."""
    def val_acc(m) -> float:
        return accuracy(y_val, m.predict(np.asarray(x_val, np.float32), batch_size=256, verbose=0))

    def add(row: dict) -> None:
        result.rows.append(row)
        on_row(result)

    return val_acc, add


def build_teacher(x_train: np.ndarray, y_train: np.ndarray, cfg: KWSTrainConfig, scfg, seed: int,
                  verbose: bool = False):
    """The build's DS-CNN teacher for a student config's features, seeded and trained as train_kws trains it,
    frozen: (model, training seconds)."""
    from ._tf import seed_everything
    from .models import build_dscnn

    seed_everything(seed)
    teacher = build_dscnn(dataclasses.replace(cfg.teacher, frames=scfg.frames, feats=scfg.feats,
                                              classes=scfg.classes))
    r = fit(teacher, x_train, y_train, None, None, cfg.teacher_fit, seed=seed, label="teacher", verbose=verbose)
    teacher.trainable = False
    return teacher, r.seconds


def run_study(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
              teachers: Sequence[str], distill: Sequence[str], seeds: Sequence[int],
              cfg: KWSTrainConfig = KWSTrainConfig(), result: StudyResult | None = None,
              on_row: Callable[[StudyResult], None] = lambda r: None, verbose: bool = False,
              specs: dict[str, TeacherSpec] | None = None) -> StudyResult:
    """Teachers' validation accuracy and the build's student's paired validation gain (see the module doc);
    `specs`: the teachers by name (default :data:`TEACHERS`)."""
    from ._tf import seed_everything
    from .models import build_dscnn, build_kwt

    specs = TEACHERS if specs is None else specs
    for name in (*teachers, *distill):
        if name not in specs:
            raise ValueError(f"unknown teacher {name!r}; known: {', '.join(specs)}")
    result = result or StudyResult("", {})
    scfg, x_train, x_val = prepare(x_train, y_train, x_val, y_val, cfg, result)
    frames, feats, classes = scfg.frames, scfg.feats, scfg.classes

    val_acc, add = study_hooks(result, on_row, x_val, y_val)

    for seed in seeds:
        trained: dict[tuple[str, int], object] = {}
        spent: dict[tuple[str, int], float] = {}  # training seconds per teacher

        def teacher(name: str, s: int):
            if (name, s) in trained:
                return trained[name, s]
            spec = specs[name]
            t0 = time.time()
            if spec.members:
                model = _ensemble([teacher(n, s + o) for n, o in spec.members], frames, feats)
            else:
                seed_everything(s)
                model = build_dscnn(dataclasses.replace(spec.model, frames=frames, feats=feats, classes=classes),
                                    name=f"dscnn_{name}_{s}")
                fit(model, x_train, y_train, None, None, spec.fit, seed=s, label=f"teacher {name}", verbose=verbose)
            model.trainable = False
            trained[name, s] = model
            # an ensemble's time is its members' (each trained once per seed, shared with the teachers they are)
            sec = sum(spent[n, s + o] for n, o in spec.members) if spec.members else time.time() - t0
            spent[name, s] = sec
            add({"kind": "teacher", "teacher": name, "describe": spec.describe(), "seed": s, "val": val_acc(model),
                 "seconds": sec})
            return model

        for name in teachers:
            teacher(name, seed)

        def student(t, label: str) -> tuple[float, float]:
            seed_everything(seed + 1)  # the same initial weights for every student of this seed
            s = build_kwt(scfg)
            r = fit(s, x_train, y_train, None, None, cfg.student_fit, teacher=t,
                    distill=cfg.distill if t is not None else None, seed=seed + 2, label=label, verbose=verbose)
            return val_acc(s), r.seconds

        if distill:
            v, sec = student(None, "student alone")
            add({"kind": "alone", "teacher": None, "seed": seed, "val": v, "seconds": sec})
        for name in distill:
            t = teacher(name, seed)
            v, sec = student(t, f"student distilled ({name})")
            add({"kind": "distilled", "teacher": name, "seed": seed, "val": v, "seconds": sec})
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinyslm.train.kws_teacher_study", description=__doc__.split("\n")[0])
    p.add_argument("features", type=Path, help="a build's features/features.npz (only train and val are read)")
    p.add_argument("--teachers", default="base,wide,ens2", help="teachers whose validation accuracy to measure")
    p.add_argument("--distill", default="", help="teachers to distil the student from (paired with it alone)")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--epochs", type=int, default=0, help="override every fit's epochs (smoke runs only)")
    p.add_argument("--out", type=Path, default=Path("kws-teacher-study.json"))
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args(argv)
    if not a.features.is_file():
        print(f"error: no features file at {a.features} (run `tinyslm build kws` first; it is "
              f"<run>/features/features.npz)")
        return 2
    names = lambda s: [n for n in s.split(",") if n]  # noqa: E731
    cfg, specs = KWSTrainConfig(), TEACHERS
    if a.epochs:
        specs = {k: dataclasses.replace(t, fit=dataclasses.replace(t.fit, epochs=a.epochs)) for k, t in specs.items()}
        cfg = dataclasses.replace(cfg, student_fit=dataclasses.replace(cfg.student_fit, epochs=a.epochs))
    xt, yt, xv, yv = load_train_val(a.features)

    return exit_code(lambda: run_study(xt, yt, xv, yv, names(a.teachers), names(a.distill),
                                       [int(s) for s in a.seeds.split(",")], cfg, StudyResult(str(a.features), {}),
                                       saver(a.out), a.verbose, specs))


if __name__ == "__main__":
    raise SystemExit(main())
