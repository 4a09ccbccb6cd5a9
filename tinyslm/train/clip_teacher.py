"""One KWS teacher for students on other frontends: its logits per clip, computed on the teacher's own features.

`tinyslm tune kws` searches the MFCC frontend's size (coefficients, frames) with one shared teacher, the DS-CNN
the default build trains on the MLPerf frontend (49 x 10). A student on, say, 33 x 8 features cannot show the
teacher its input, so the teacher's logits are computed once per clip, on that clip's default features, and
distillation reads them per training example (:func:`tinyslm.train.fit.fit` takes a :class:`ClipTeacher` as its
teacher: the batches then carry the logits; augmentation changes the student's view only, mixup mixes the
logits like the inputs). ``train_kws(..., teacher=ClipTeacher)`` trains exactly as with a Keras teacher
otherwise; its ``teacher_float`` figures are the teacher's accuracy on its own features of the same clips.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _digest(x: np.ndarray) -> str:
    x = np.ascontiguousarray(np.asarray(x, np.float32))
    return hashlib.sha256(repr(x.shape).encode() + x.tobytes()).hexdigest()


@dataclass
class ClipTeacher:
    """The teacher's logits per training clip (in the training set's order) and, for its figures, per clip of
    other splits, known by the exact feature array the student's training code evaluates it on."""

    clip_logits: np.ndarray  # (N train, classes) float32
    known: dict[str, np.ndarray] = field(default_factory=dict)  # digest of a feature array -> its logits
    trainable: bool = False

    def add(self, x: np.ndarray, logits: np.ndarray) -> None:
        """`predict(x)` answers `logits` (x: the student's features of those clips, as train_kws passes them)."""
        self.known[_digest(x)] = np.asarray(logits, np.float32)

    def predict(self, x: np.ndarray, **_: Any) -> np.ndarray:
        got = self.known.get(_digest(x))
        if got is None:
            raise ValueError("ClipTeacher: no logits for these features (only for the splits it was given)")
        return got


def teacher_logits(teacher: Any, x: np.ndarray) -> np.ndarray:
    """The teacher's logits of (normalized) features, in batches of 256 (as train_kws evaluates models)."""
    return np.asarray(teacher.predict(np.asarray(x, np.float32), batch_size=256, verbose=0), np.float32)


def train_kws_teacher(cfg: Any, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                      seed: int, classes: int, verbose: bool = False) -> tuple[Any, Any]:
    """The DS-CNN teacher exactly as ``train_kws`` trains its own (same seed, normalization, epochs) on float
    features; returns (frozen model, the features' Normalization or None)."""
    import dataclasses

    from ._tf import seed_everything
    from .fit import fit
    from .models import Normalization, build_dscnn

    norm = Normalization.fit(x_train) if cfg.normalize else None
    if norm is not None:
        x_train, x_val = norm.apply(x_train), norm.apply(x_val)
    tcfg = dataclasses.replace(cfg.teacher, frames=x_train.shape[1], feats=x_train.shape[2], classes=classes)
    seed_everything(seed)
    teacher = build_dscnn(tcfg)
    fit(teacher, x_train, y_train, x_val, y_val, cfg.teacher_fit, seed=seed, label="teacher", verbose=verbose)
    teacher.trainable = False
    return teacher, norm


def clip_teacher(teacher: Any, teacher_norm: Any, teacher_x: dict[str, np.ndarray], student_x: dict[str, np.ndarray],
                 normalize: bool) -> ClipTeacher:
    """A :class:`ClipTeacher` from a trained teacher: `teacher_x` / `student_x` hold the same clips' float
    features on the teacher's and the student's frontends, per split ("train" first; "val", "test" for its
    figures); `normalize`: whether train_kws standardizes the student's features (its config's ``normalize``)."""
    from .models import Normalization

    tn = (lambda x: x) if teacher_norm is None else teacher_norm.apply
    sn = Normalization.fit(student_x["train"]) if normalize else None
    ct = ClipTeacher(teacher_logits(teacher, tn(teacher_x["train"])))
    for split, x in student_x.items():
        if len(x) != len(teacher_x[split]):
            raise ValueError(f"{split}: {len(x)} student clips, {len(teacher_x[split])} teacher clips")
        if split != "train":
            ct.add(x if sn is None else sn.apply(x), teacher_logits(teacher, tn(teacher_x[split])))
    return ct
