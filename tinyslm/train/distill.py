"""Knowledge distillation, teacher -> student, and the same training loop without a teacher.

Classification (KWS), Hinton et al. 2015::

    loss = (1 - alpha) * CE(y, student)  +  alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T))

``alpha`` is the weight of the soft (teacher) term; ``alpha = 0`` is ordinary
training on the labels, which is how the "student alone" baseline is trained
(same loop, same augmentation, same seed: the only difference is the loss).
The T^2 factor keeps the soft term's gradient scale independent of T.

Decoupled knowledge distillation (``DistillConfig.dkd_beta``; Zhao et al. 2022, "Decoupled Knowledge
Distillation"): the KL term above splits exactly into a *target* part and a *non-target* part,

    KL = TCKD + (1 - p_t[y]) * NCKD

TCKD is the KL between the binary distributions (p[y], 1 - p[y]) of teacher and student; NCKD the KL between their
distributions over the other classes alone (softmax of the non-target logits). The weight (1 - p_t[y]) makes the
non-target "dark knowledge" vanish wherever the teacher is confident; DKD replaces it by a constant beta::

    loss = (1 - alpha) * CE(y, student)  +  alpha * T^2 * (TCKD + beta * NCKD)

A schedule (``DistillConfig.temperature_end`` / ``alpha_end``): T and alpha move linearly from their start
values to the end values over the steps of one fit (step k of n: start + (end - start) * k / (n - 1)). Without
end values (the default) both stay constant, exactly as before.

Mixup (``FitConfig.mixup`` = a > 0, classification; off by default): per batch, after augmentation, each example
is mixed with another of the batch, x = lam·x_i + (1 - lam)·x_j, lam ~ Beta(a, a); the hard term mixes the two
labels' cross-entropies and the teacher's logits are computed on the mixed batch in the step, so teacher and
student see the same input (function matching, Beyer et al. 2022). The draws come before the teacher's forward
pass, so the student alone and the distilled one of the same seed train on the same mixed batches
(tinyslm.train.kws_distill_study measures it: not adopted).

Anomaly detection (reconstruction): the student matches the input *and* the
teacher's reconstruction::

    loss = (1 - alpha) * MSE(x, student(x))  +  alpha * MSE(teacher(x), student(x))

The teacher (a wider dense autoencoder trained on normal data only) gives a
smoother target than the raw frames: the student is pulled towards what a
model of normal data reconstructs, not towards the noise of each frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ._tf import keras, tf


@dataclass(frozen=True)
class DistillConfig:
    alpha: float = 0.5  # weight of the soft (teacher) loss; 1 - alpha on the hard labels / the input
    temperature: float = 4.0
    # schedule over one fit's steps (linear from the start value to this; None: constant, the default)
    temperature_end: float | None = None
    alpha_end: float | None = None
    # decoupled KD: the soft term is TCKD + dkd_beta * NCKD instead of the KL (None: the classic KL, the default)
    dkd_beta: float | None = None

    def __post_init__(self) -> None:
        for a in (self.alpha, self.alpha_end):
            if a is not None and not 0.0 <= a <= 1.0:
                raise ValueError(f"alpha must be in [0, 1], not {a}")
        for t in (self.temperature, self.temperature_end):
            if t is not None and t <= 0:
                raise ValueError(f"temperature must be > 0, not {t}")
        if self.dkd_beta is not None and self.dkd_beta < 0:
            raise ValueError(f"dkd_beta must be >= 0, not {self.dkd_beta}")

    @property
    def scheduled(self) -> bool:
        return self.temperature_end is not None or self.alpha_end is not None

    def at(self, frac: float) -> tuple[float, float]:
        """(alpha, temperature) at `frac` (0..1) of a fit's steps.

        >>> DistillConfig(alpha=0.5, temperature=4.0, temperature_end=1.0).at(0.5)
        (0.5, 2.5)
        >>> DistillConfig(alpha=0.9, temperature=2.0, alpha_end=0.1).at(1.0)
        (0.1, 2.0)
        """
        f = min(max(float(frac), 0.0), 1.0)
        a1 = self.alpha if self.alpha_end is None else self.alpha_end
        t1 = self.temperature if self.temperature_end is None else self.temperature_end
        return self.alpha * (1.0 - f) + a1 * f, self.temperature * (1.0 - f) + t1 * f

    def final(self) -> "DistillConfig":
        """The constant config of the schedule's end (what a later fine-tune, e.g. pruning, continues with)."""
        a, t = self.at(1.0)
        return DistillConfig(alpha=a, temperature=t, dkd_beta=self.dkd_beta)

    def describe(self) -> str:
        """
        >>> DistillConfig(alpha=0.5, temperature=2.0).describe()
        'alpha 0.5, T 2'
        >>> DistillConfig(alpha=0.5, temperature=8.0, temperature_end=1.0).describe()
        'alpha 0.5, T 8->1'
        >>> DistillConfig(alpha=0.5, temperature=4.0, dkd_beta=8.0).describe()
        'alpha 0.5, T 4, DKD beta 8'
        """
        arrow = lambda a, b: f"{a:g}" if b is None else f"{a:g}->{b:g}"  # noqa: E731
        dkd = "" if self.dkd_beta is None else f", DKD beta {self.dkd_beta:g}"
        return f"alpha {arrow(self.alpha, self.alpha_end)}, T {arrow(self.temperature, self.temperature_end)}{dkd}"


def decoupled_kl(y: tf.Tensor, log_ps: tf.Tensor, log_pt: tf.Tensor, beta: float | tf.Tensor) -> tf.Tensor:
    """Per example TCKD + beta·NCKD (module docstring) from log-probabilities at temperature T; `y` class indices.
    With beta = 1 - p_t[y] per example it is the plain KL(p_t || p_s)."""
    mask = tf.one_hot(y, tf.shape(log_ps)[-1], dtype=log_ps.dtype)
    big = 1e9 * mask
    # log p[y] and log(1 - p[y]) = logsumexp of the other classes' log-probabilities (stable for confident models)
    def binary(lp: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return tf.reduce_sum(lp * mask, -1), tf.reduce_logsumexp(lp - big, -1)
    (ts, ns), (tt, nt) = binary(log_ps), binary(log_pt)
    tckd = tf.exp(tt) * (tt - ts) + tf.exp(nt) * (nt - ns)
    # the distributions over the non-target classes: renormalised, the target's share dropped
    log_qs = tf.nn.log_softmax(log_ps - big, axis=-1)
    log_qt = tf.nn.log_softmax(log_pt - big, axis=-1)
    nckd = tf.reduce_sum(tf.exp(log_qt) * (1.0 - mask) * (log_qt - log_qs), -1)
    return tckd + beta * nckd


def distillation_loss(y: tf.Tensor, student_logits: tf.Tensor, teacher_logits: tf.Tensor | None,
                      alpha: float | tf.Tensor = 0.5, temperature: float | tf.Tensor = 4.0,
                      dkd_beta: float | None = None) -> tf.Tensor:
    """Mean over the batch of (1-alpha)·CE(y, s) + alpha·T²·KL(p_t^T || p_s^T); `y` holds class indices.
    `alpha` and `temperature` may be scalar tensors (a schedule's values at this step). With `dkd_beta` the KL is
    replaced by decoupled KD's TCKD + dkd_beta·NCKD (:func:`decoupled_kl`)."""
    y = tf.cast(tf.reshape(y, [-1]), tf.int32)
    hard = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=student_logits))
    if teacher_logits is None or (not tf.is_tensor(alpha) and alpha == 0.0):
        return hard
    t = temperature if tf.is_tensor(temperature) else float(temperature)
    log_ps = tf.nn.log_softmax(student_logits / t, axis=-1)
    log_pt = tf.nn.log_softmax(tf.stop_gradient(teacher_logits) / t, axis=-1)
    if dkd_beta is not None:
        kl = tf.reduce_mean(decoupled_kl(y, log_ps, log_pt, float(dkd_beta)))
        return (1.0 - alpha) * hard + alpha * t * t * kl
    kl = tf.reduce_mean(tf.reduce_sum(tf.exp(log_pt) * (log_pt - log_ps), axis=-1))
    return (1.0 - alpha) * hard + alpha * t * t * kl


def reconstruction_distillation_loss(x: tf.Tensor, student_out: tf.Tensor, teacher_out: tf.Tensor | None,
                                     alpha: float = 0.5) -> tf.Tensor:
    """(1-alpha)·MSE(x, s) + alpha·MSE(teacher, s)."""
    own = tf.reduce_mean(tf.square(x - student_out))
    if teacher_out is None or (not tf.is_tensor(alpha) and alpha == 0.0):
        return own
    return (1.0 - alpha) * own + alpha * tf.reduce_mean(tf.square(tf.stop_gradient(teacher_out) - student_out))


class Distiller(keras.Model):
    """Trains `student` (optionally against a frozen `teacher`) with :func:`distillation_loss`.

    ``task="classify"``: data is (x, y) with integer labels, metrics loss/acc.
    ``task="reconstruct"``: data is x (or (x, x)), metric loss = the student's own MSE on x.
    `augment` (a function of a batch, training only) is applied once per batch and both models
    see the same augmented batch.
    """

    def __init__(self, student: keras.Model, teacher: keras.Model | None = None, distill: DistillConfig | None = None,
                 task: str = "classify", augment: Callable[[tf.Tensor], tf.Tensor] | None = None,
                 mixup: float = 0.0, given_targets: bool = False, total_steps: int | None = None, **kw):
        super().__init__(**kw)
        self.student, self.teacher, self.mixup = student, teacher, float(mixup)
        # given_targets: the data is (x, y, teacher logits per example), computed beforehand (a teacher that reads
        # other features of the same clips, tinyslm.train.clip_teacher); `teacher` is then None
        self.given_targets = bool(given_targets)
        self.distill = distill or DistillConfig(alpha=0.0)
        self.task, self.augment = task, augment
        # the schedule's length (``distill.scheduled``): the fit's optimizer steps
        self.total_steps = total_steps
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.acc_tracker = keras.metrics.SparseCategoricalAccuracy(name="acc")
        self.mse_tracker = keras.metrics.Mean(name="mse")

    @property
    def metrics(self):
        return [self.loss_tracker, self.acc_tracker] if self.task == "classify" else [self.loss_tracker,
                                                                                      self.mse_tracker]

    def call(self, x, training=False):
        return self.student(x, training=training)

    def _split(self, data):
        if isinstance(data, tuple):
            return data[0], (data[1] if len(data) > 1 else data[0])
        return data, data

    def _alpha_t(self):
        """(alpha, temperature) for this step: the config's floats, or a schedule's values as tensors."""
        d = self.distill
        if not d.scheduled:
            return d.alpha, d.temperature
        n = max(1, int(self.total_steps or 1) - 1)
        f = tf.minimum(tf.cast(self.optimizer.iterations, tf.float32) / float(n), 1.0)
        a1, t1 = d.at(1.0)
        return d.alpha * (1.0 - f) + a1 * f, d.temperature * (1.0 - f) + t1 * f

    def _loss(self, x, y, out, teacher_out):
        a, t = self._alpha_t()
        a = a if self.teacher is not None or self.given_targets else 0.0
        if self.task == "classify":
            return distillation_loss(y, out, teacher_out, a, t, self.distill.dkd_beta)
        return reconstruction_distillation_loss(x, out, teacher_out, a)

    def train_step(self, data):
        x, y = self._split(data)
        given = data[2] if self.given_targets else None
        if self.augment is not None:
            x = self.augment(x)
            if self.task != "classify":
                y = x
        mix = None
        if self.mixup > 0 and self.task == "classify":
            # mixup: x = lam * x + (1 - lam) * x[perm]; the hard loss mixes the two labels' cross-entropies,
            # the teacher simply sees the mixed input (its answer is the soft target).
            n = tf.shape(x)[0]
            g1 = tf.random.gamma((n,), self.mixup)
            g2 = tf.random.gamma((n,), self.mixup)
            lam = g1 / (g1 + g2 + 1e-12)
            perm = tf.random.shuffle(tf.range(n))
            lb = tf.reshape(lam, (-1,) + (1,) * (len(x.shape) - 1))
            x = lb * x + (1.0 - lb) * tf.gather(x, perm)
            mix = (lam, tf.gather(tf.reshape(y, [-1]), perm))
            if given is not None:  # given logits mix like the inputs
                given = lam[:, None] * given + (1.0 - lam[:, None]) * tf.gather(given, perm)
        use_teacher = (self.teacher is not None or given is not None) and max(self.distill.at(0.0)[0],
                                                                              self.distill.at(1.0)[0]) > 0
        teacher_out = (given if given is not None else self.teacher(x, training=False)) if use_teacher else None
        with tf.GradientTape() as tape:
            out = self.student(x, training=True)
            if mix is None:
                loss = self._loss(x, y, out, teacher_out)
            else:
                lam, y2 = mix
                a, t = self._alpha_t()
                a = a if use_teacher else 0.0
                ce1 = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(tf.reshape(y, [-1]), tf.int32),
                                                                     logits=out)
                ce2 = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(y2, tf.int32), logits=out)
                hard = tf.reduce_mean(lam * ce1 + (1.0 - lam) * ce2)
                loss = hard if teacher_out is None else (1.0 - a) * hard + a * (
                    distillation_loss(y, out, teacher_out, 1.0, t, self.distill.dkd_beta))
            if self.student.losses:
                loss = loss + tf.add_n(self.student.losses)
        variables = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return self._update(x, y, out, loss)

    def test_step(self, data):
        x, y = self._split(data)
        out = self.student(x, training=False)
        if self.task == "classify":
            loss = distillation_loss(y, out, None)
        else:
            loss = reconstruction_distillation_loss(x, out, None)
        return self._update(x, y, out, loss)

    def _update(self, x, y, out, loss):
        self.loss_tracker.update_state(loss)
        if self.task == "classify":
            self.acc_tracker.update_state(y, out)
        else:
            self.mse_tracker.update_state(tf.reduce_mean(tf.square(x - out)))
        return {m.name: m.result() for m in self.metrics}
