"""One trial of a search, as Ray Tune runs it: train the point's student, measure it on the board, report.

Everything a trial needs travels with it through Ray's object store (:class:`Job`: int8 features, the shared
teacher's weights, the settings), so a trial runs on any node that has tinyslm installed, with no shared
file system. What it reports, by the ``step`` counter the ASHA scheduler reads:

- steps 1..E: the float student's validation quality after each distillation epoch, then after each pruning
  epoch (ASHA stops the weak trials at its rungs);
- the last step (``max_step``): the int8 student's validation quality (TFLM, bit-exact with the device), its
  exact arena/RAM/flash from the compiler's plan, estimated instructions per inference, and the artifacts
  (``model.tflite``, ``trial.json``) as the trial's checkpoint.

A point whose model cannot fit the board is measured first (random weights, the compiler's plan, ~2-3 s) and
reported at once with ``fits: False``, without training.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

UNFIT_QUALITY = -1.0  # the quality a point that does not fit reports (below any accuracy or AUC)


@dataclass
class Job:
    task: str
    quick: bool
    seed: int
    board: str
    threads: int  # TensorFlow threads per trial (= CPUs per trial)
    arrays: dict[str, np.ndarray]  # int8 features: x_train, y_train, x_val, y_val (kws) / x_train, x_val,
    #                                 x_dev, y_dev, dev_groups, val_groups (anomaly)
    teacher_weights: list[np.ndarray] = field(default_factory=list)
    # kws: x_train / x_val of every other frontend of the space (space.frontend_tag -> arrays), and the shared
    # teacher's logits per clip ("train", "val"; computed on the default features) that their students distil from
    frontends: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    teacher_logits: dict[str, np.ndarray] = field(default_factory=dict)

    def arrays_for(self, point: dict[str, Any]) -> dict[str, np.ndarray]:
        """The trial's int8 features: the point's frontend's (KWS), the labels and other arrays shared."""
        if self.task != "kws":
            return self.arrays
        from .space import default_frontend, frontend_tag

        if default_frontend(point):
            return self.arrays
        tag = frontend_tag(point)
        if tag not in self.frontends:
            raise ValueError(f"no features for frontend {tag} (the search computed {sorted(self.frontends)})")
        return {**self.arrays, **self.frontends[tag]}

    def max_step(self) -> int:
        """The step of the final report: every distillation and pruning epoch, plus one."""
        from .space import base_train_config

        cfg = base_train_config(self.task, self.quick)
        return cfg.student_fit.epochs + (cfg.prune.epochs if cfg.prune is not None else 0) + 1


def frontend(task: str, point: dict[str, Any] | None = None) -> Any:
    """The task's frontend (KWS: the point's MFCC frontend, default the MLPerf one)."""
    from ..data import AdFrontend, KwsFrontend

    if task == "kws":
        from .space import frontend_config

        return KwsFrontend(frontend_config(point or {}))
    return AdFrontend()


def clip_teacher(job: Job, tc: Any, deq: Any, a: dict[str, np.ndarray]) -> Any:
    """The shared teacher as its logits per clip, for a student on another frontend (features `a`)."""
    from ..train.clip_teacher import ClipTeacher
    from ..train.models import Normalization

    t = ClipTeacher(job.teacher_logits["train"])
    x_val = deq(a["x_val"])
    if tc.normalize:
        x_val = Normalization.fit(deq(a["x_train"])).apply(x_val)
    t.add(x_val, job.teacher_logits["val"])
    return t


def teacher_model(job: Job) -> Any:
    """The shared teacher, rebuilt from its weights (the same architecture the build trains)."""
    from ..train.models import build_dense_ae, build_dscnn
    from .space import base_train_config

    cfg = base_train_config(job.task, job.quick)
    if job.task == "kws":
        import dataclasses

        a = job.arrays
        n_classes = int(max(a["y_train"].max(), a["y_val"].max()) + 1)
        classes = max(cfg.student.classes, n_classes)
        tcfg = dataclasses.replace(cfg.teacher, frames=a["x_train"].shape[1], feats=a["x_train"].shape[2],
                                   classes=classes)
        model = build_dscnn(tcfg)
    else:
        cfg = cfg.with_shape(*job.arrays["x_train"].shape[1:])
        model = build_dense_ae(cfg.teacher)
    model.set_weights(job.teacher_weights)
    model.trainable = False
    return model


def _reporter(job: Job, quality_fn: Any) -> Any:
    """A Keras callback reporting the float student's validation quality after every epoch."""
    from ray import tune

    from ..train._tf import keras

    class Report(keras.callbacks.Callback):
        step = 0

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            Report.step += 1
            tune.report({"step": Report.step, "quality": float(quality_fn(self.model, logs or {})), "final": False,
                         "fits": True})

    return Report()


def run_trial(config: dict[str, Any], job: Job) -> None:
    """Ray Tune's function trainable."""
    os.environ["TINYSLM_TF_THREADS"] = str(job.threads)
    import dataclasses

    from ray import tune

    from ..boards import get_board
    from ..train.models import config_dict
    from .cost import need_of, random_int8
    from .space import describe, train_config

    t0 = time.time()
    board = get_board(job.board)
    point = {k: v for k, v in config.items()}
    tc = train_config(job.task, point, job.quick)
    fe = frontend(job.task, point)
    tc = dataclasses.replace(tc, train_alone=False, quant=dataclasses.replace(tc.quant,
                                                                              input_range=fe.config.float_range))
    a = job.arrays_for(point)
    shape = a["x_train"].shape[1:]
    student = (dataclasses.replace(tc.student, frames=shape[0], feats=shape[1]) if job.task == "kws"
               else dataclasses.replace(tc.student, frames=shape[0], mels=shape[1]))
    base = {"describe": describe(job.task, point, job.quick), "student": config_dict(student)}
    pre = None if _clearly_fits(student, board) else need_of(random_int8(student, job.seed), board)
    if pre is not None and not pre.fits:
        tune.report({"step": job.max_step(), "quality": UNFIT_QUALITY, "final": True, "fits": False,
                     "why": pre.why(), **base, **_flat(pre.to_dict()), "seconds": time.time() - t0})
        return
    deq = fe.dequantize
    from .space import default_frontend

    teacher = teacher_model(job) if job.task != "kws" or default_frontend(point) else clip_teacher(job, tc, deq, a)
    if job.task == "kws":
        from ..train import train_kws

        callback = _reporter(job, lambda m, logs: logs.get("val_acc", float("nan")))
        r = train_kws(deq(a["x_train"]), a["y_train"], deq(a["x_val"]), a["y_val"], deq(a["x_val"]), a["y_val"],
                      tc, seed=job.seed, verbose=False, teacher=teacher, callbacks=[callback])
        quality = float(r.quality_val["student_int8"])
        stages = {k: float(v) for k, v in r.quality_val.items()}
    else:
        from ..train.api import _clip_labels, ad_auc, ad_normalization, train_anomaly

        cfg = tc.with_shape(*shape)
        norm = ad_normalization(cfg, deq(a["x_train"]))
        x_dev = deq(a["x_dev"]) if norm is None else norm.apply(deq(a["x_dev"]))
        labels = _clip_labels(a["y_dev"], a["dev_groups"])
        callback = _reporter(job, lambda m, logs: ad_auc(m.student, x_dev, labels, a["dev_groups"]))
        r = train_anomaly(deq(a["x_train"]), deq(a["x_val"]), deq(a["x_dev"]), a["y_dev"], cfg, seed=job.seed,
                          test_groups=a["dev_groups"], val_groups=a["val_groups"], verbose=False, teacher=teacher,
                          callbacks=[callback])
        quality = float(r.quality["student_int8"])  # ROC AUC on the development machines
        stages = {k: float(v) for k, v in r.quality.items() if not k.startswith("teacher")}
    need = need_of(r.tflite, board)
    metrics = {"step": job.max_step(), "quality": quality, "final": True, "fits": need.fits, "why": need.why(),
               **base, **_flat(need.to_dict()), "params": r.facts.params, "int8_sparsity": r.facts.sparsity,
               "stages": stages, "seconds": time.time() - t0}
    with tempfile.TemporaryDirectory(prefix="tinyslm-trial-") as tmp:
        d = Path(tmp)
        (d / "model.tflite").write_bytes(r.tflite)
        (d / "trial.json").write_text(json.dumps({"point": point, "metrics": metrics,
                                                  "train": r.to_dict()}, indent=1, default=float))
        tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(str(d)))


def _clearly_fits(student: Any, board: Any, margin: float = 1.5) -> bool:
    """Whether the instant analytic estimate fits with room to spare (it overestimates the planner's arena by
    ~20%): then the exact check before training is skipped (the trained model's plan is checked after)."""
    from ..firmware import APP_STATIC_RAM, CODE_ESTIMATE
    from ..train.sizing import analytic_estimator

    n = analytic_estimator(student)
    ram = margin * (n.arena_bytes + n.io_bytes) + board.stack_bytes + APP_STATIC_RAM
    flash = margin * n.weights_bytes + CODE_ESTIMATE
    return ram <= board.memory.ram_bytes and flash <= board.memory.flash_bytes


def _flat(need: dict) -> dict:
    return {k: (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for k, v in need.items()}
