"""The training loop every model here goes through: data pipeline, augmentation, schedule, progress.

One loop for teachers, students alone and distilled students (a
:class:`~tinyslm.train.distill.Distiller` with or without a teacher), so the
"distilled vs alone" comparison differs only in the loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._tf import keras, seed_everything, tf
from .callbacks import History, progress_callback
from .distill import DistillConfig, Distiller


@dataclass(frozen=True)
class FitConfig:
    epochs: int = 20
    batch_size: int = 64
    lr: float = 2e-3
    warmup_epochs: float = 1.0
    weight_decay: float = 0.0  # decoupled (AdamW) when > 0
    augment: bool = True  # time shift + time/frequency masking (KWS features)
    time_shift: int = 3  # frames
    time_mask: int = 6  # frames, at most
    freq_mask: int = 2  # coefficients/bands, at most
    noise: float = 0.0  # Gaussian noise std (in feature units) added when augmenting
    mixup: float = 0.0  # Beta(a, a) mixup of examples (classification); 0 = off
    ema: float = 0.0  # momentum of an exponential moving average of the weights, swapped in when fit ends; 0 = off


@dataclass
class FitResult:
    model: keras.Model  # the trained student (or teacher)
    history: History = field(default_factory=History)
    seconds: float = 0.0


def spec_augment(cfg: FitConfig) -> Callable[[tf.Tensor], tf.Tensor]:
    """Batch augmentation on (B, T, F) features: circular time shift (per batch), one time mask and one
    frequency mask per example (zeros), optional Gaussian noise."""

    def aug(x: tf.Tensor) -> tf.Tensor:
        shape = tf.shape(x)
        b, t, f = shape[0], shape[1], shape[2]
        if cfg.time_shift:
            x = tf.roll(x, tf.random.uniform((), -cfg.time_shift, cfg.time_shift + 1, tf.int32), axis=1)
        if cfg.time_mask:
            start = tf.random.uniform((b, 1), 0, t, tf.int32)
            width = tf.random.uniform((b, 1), 0, cfg.time_mask + 1, tf.int32)
            r = tf.range(t)[None, :]
            keep = tf.cast(~((r >= start) & (r < start + width)), x.dtype)
            x = x * keep[:, :, None]
        if cfg.freq_mask:
            start = tf.random.uniform((b, 1), 0, f, tf.int32)
            width = tf.random.uniform((b, 1), 0, cfg.freq_mask + 1, tf.int32)
            r = tf.range(f)[None, :]
            keep = tf.cast(~((r >= start) & (r < start + width)), x.dtype)
            x = x * keep[:, None, :]
        if cfg.noise:
            x = x + tf.random.normal(shape, stddev=cfg.noise, dtype=x.dtype)
        return x

    return aug


def _optimizer(cfg: FitConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    total = max(1, cfg.epochs * steps_per_epoch)
    warm = min(int(cfg.warmup_epochs * steps_per_epoch), total - 1)
    sched = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.lr / 10 if warm else cfg.lr, decay_steps=total - warm, alpha=0.01,
        warmup_target=cfg.lr if warm else None, warmup_steps=warm)
    ema = {"use_ema": True, "ema_momentum": cfg.ema} if cfg.ema else {}
    if cfg.weight_decay:
        return keras.optimizers.AdamW(sched, weight_decay=cfg.weight_decay, **ema)
    return keras.optimizers.Adam(sched, **ema)


def dataset(x: np.ndarray, y: np.ndarray | None, batch: int, shuffle: bool, seed: int,
            targets: np.ndarray | None = None) -> tf.data.Dataset:
    """(x, y) batches, or (x, y, targets) with per-example teacher logits given beforehand."""
    ds = tf.data.Dataset.from_tensor_slices((x, y, targets) if targets is not None else (x, y) if y is not None
                                            else x)
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch).prefetch(2)


def fit(student: keras.Model, x: np.ndarray, y: np.ndarray | None, x_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None, cfg: FitConfig = FitConfig(), teacher: keras.Model | None = None,
        distill: DistillConfig | None = None, task: str = "classify", seed: int = 0, label: str = "train",
        callbacks: list | None = None, verbose: bool = True, compile_only: bool = False) -> FitResult:
    """Train `student` in place; `teacher` + `distill` make it knowledge distillation.

    For ``task="reconstruct"`` pass ``y=None`` (targets are the inputs).
    """
    import time

    seed_everything(seed)
    x = np.asarray(x, np.float32)
    steps = int(np.ceil(len(x) / cfg.batch_size))
    # a teacher given as logits per training example (tinyslm.train.clip_teacher.ClipTeacher): no forward pass
    given = getattr(teacher, "clip_logits", None)
    if given is not None and len(given) != len(x):
        raise ValueError(f"the teacher's logits cover {len(given)} examples, the training set has {len(x)}")
    trainer = Distiller(student, None if given is not None else teacher, distill, task=task,
                        augment=spec_augment(cfg) if cfg.augment else None, mixup=cfg.mixup,
                        given_targets=given is not None, total_steps=cfg.epochs * steps)
    trainer.compile(optimizer=_optimizer(cfg, steps))
    history = History(label)
    if compile_only:
        return FitResult(student, history)
    val = None
    if x_val is not None:
        val = dataset(np.asarray(x_val, np.float32), y_val, 256, False, seed)
    cbs = [history, *(callbacks or [])]
    if verbose:
        cbs.append(progress_callback(label, cfg.epochs, steps))
    t0 = time.time()
    trainer.fit(dataset(x, y, cfg.batch_size, True, seed, given), validation_data=val, epochs=cfg.epochs, verbose=0,
                callbacks=cbs)
    return FitResult(student, history, time.time() - t0)
