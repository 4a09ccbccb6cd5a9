"""Distillation loss edge cases and a short teacher -> student run."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tf_keras")

from tinyslm.train._tf import tf  # noqa: E402
from tinyslm.train.distill import DistillConfig, distillation_loss, reconstruction_distillation_loss  # noqa: E402

rng = np.random.default_rng(0)
Y = tf.constant(rng.integers(0, 5, 8))
S = tf.constant(rng.standard_normal((8, 5)).astype(np.float32))
T = tf.constant(rng.standard_normal((8, 5)).astype(np.float32) * 3)


def ce(y, logits):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def kl(t_logits, s_logits, temp):
    def logsm(v):
        z = v / temp
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    lt, ls = logsm(t_logits), logsm(s_logits)
    return float((np.exp(lt) * (lt - ls)).sum(axis=1).mean())


def test_alpha_zero_is_cross_entropy():
    want = ce(Y.numpy(), S.numpy())
    assert float(distillation_loss(Y, S, T, alpha=0.0)) == pytest.approx(want, rel=1e-5)
    assert float(distillation_loss(Y, S, None, alpha=0.7)) == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("alpha,temp", [(0.5, 4.0), (1.0, 1.0), (0.3, 10.0)])
def test_mix_matches_hinton_formula(alpha, temp):
    want = (1 - alpha) * ce(Y.numpy(), S.numpy()) + alpha * temp ** 2 * kl(T.numpy(), S.numpy(), temp)
    assert float(distillation_loss(Y, S, T, alpha, temp)) == pytest.approx(want, rel=1e-4)


def test_student_equal_to_teacher_has_no_soft_loss():
    assert float(distillation_loss(Y, T, T, alpha=1.0, temperature=3.0)) == pytest.approx(0.0, abs=1e-5)
    half = float(distillation_loss(Y, T, T, alpha=0.5, temperature=3.0))
    assert half == pytest.approx(0.5 * ce(Y.numpy(), T.numpy()), rel=1e-5)


def test_soft_loss_pulls_student_to_teacher_and_not_teacher():
    s = tf.Variable(S)
    t = tf.Variable(T)
    with tf.GradientTape(persistent=True) as tape:
        loss = distillation_loss(Y, s, t, alpha=1.0, temperature=2.0)
    assert tape.gradient(loss, t) is None  # the teacher is frozen (stop_gradient)
    g = tape.gradient(loss, s).numpy()
    # gradient of T^2 KL wrt student logits = T (p_s - p_t) / batch
    ps, pt = tf.nn.softmax(S / 2.0).numpy(), tf.nn.softmax(T / 2.0).numpy()
    np.testing.assert_allclose(g, 2.0 * (ps - pt) / len(g), rtol=1e-4, atol=1e-6)


def test_reconstruction_loss():
    x = tf.zeros((2, 3, 4))
    s, t = tf.ones((2, 3, 4)), tf.fill((2, 3, 4), 3.0)
    assert float(reconstruction_distillation_loss(x, s, None)) == pytest.approx(1.0)
    assert float(reconstruction_distillation_loss(x, s, t, alpha=0.25)) == pytest.approx(0.75 * 1 + 0.25 * 4)


def test_config_bounds():
    with pytest.raises(ValueError):
        DistillConfig(alpha=1.5)
    with pytest.raises(ValueError):
        DistillConfig(temperature=0)
