"""The relational bottleneck term of anomaly distillation (tinyslm.train.ad_distill): the loss, where the codes
come from, and that only the distilled run changes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tf_keras")

from train_toy import toy_ad  # noqa: E402

from tinyslm.train import ADTrainConfig  # noqa: E402
from tinyslm.train._tf import keras, tf  # noqa: E402
from tinyslm.train.ad_distill import code_output, relation_loss, with_relation  # noqa: E402
from tinyslm.train.api import train_ad_student  # noqa: E402
from tinyslm.train.fit import FitConfig  # noqa: E402
from tinyslm.train.models import DenseAEConfig, TransformerAEConfig, build_dense_ae, build_transformer_ae  # noqa: E402

rng = np.random.default_rng(0)
Z = rng.standard_normal((8, 5)).astype(np.float32)


def _gram(z: np.ndarray) -> np.ndarray:
    z = z - z.mean(axis=0, keepdims=True)
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    return z @ z.T


def test_relation_loss_is_the_mean_squared_gram_difference():
    other = rng.standard_normal((8, 3)).astype(np.float32)  # codes of another width
    want = float(np.mean((_gram(Z) - _gram(other)) ** 2))
    assert float(relation_loss(tf.constant(Z), tf.constant(other))) == pytest.approx(want, rel=1e-5)
    assert want > 0.01
    # the same arrangement of the batch (a shift and a positive scale of the code) costs nothing
    assert float(relation_loss(tf.constant(Z), tf.constant(3 * Z + 1))) == pytest.approx(0.0, abs=1e-6)


def test_relation_loss_pulls_the_student_only():
    s, t = tf.Variable(Z), tf.Variable(rng.standard_normal((8, 5)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        loss = relation_loss(s, t)
    assert tape.gradient(loss, t) is None
    assert float(tf.reduce_sum(tf.abs(tape.gradient(loss, s)))) > 0


def test_code_output_of_both_autoencoders():
    dense = build_dense_ae(DenseAEConfig(frames=4, mels=8, hidden=16, layers=1, latent=3))
    code = code_output(dense)
    assert code.shape[-1] == 3 and isinstance(code.node.layer, keras.layers.ReLU)  # after the batch norm
    tae = build_transformer_ae(TransformerAEConfig(frames=4, mels=8, dim=8, heads=2, mlp=8, latent=5))
    assert code_output(tae) is tae.get_layer("latent").output
    x = keras.Input((4,))
    with pytest.raises(ValueError, match="no layer named 'latent'"):
        code_output(keras.Model(x, keras.layers.Dense(2)(x)))


def test_with_relation_shares_the_students_layers():
    student = build_transformer_ae(TransformerAEConfig(frames=4, mels=8, dim=8, heads=2, mlp=8, latent=5))
    teacher = build_dense_ae(DenseAEConfig(frames=4, mels=8, hidden=16, layers=1, latent=3))
    train = with_relation(student, teacher, 2.0)
    x = rng.standard_normal((6, 4, 8)).astype(np.float32)
    np.testing.assert_allclose(train(x).numpy(), student(x).numpy(), rtol=1e-6)
    assert len(train.losses) == 1 and float(train.losses[0]) > 0
    assert {id(v) for v in train.trainable_variables} == {id(v) for v in student.trainable_variables}


def test_the_term_changes_the_distilled_run():
    x, xv = toy_ad(96, 0, frames=8, mels=16), toy_ad(32, 1, frames=8, mels=16)
    cfg = dataclasses.replace(ADTrainConfig.quick().with_shape(8, 16),
                              student_fit=FitConfig(epochs=1, batch_size=32, augment=False))
    teacher = build_dense_ae(cfg.teacher)
    teacher.trainable = False
    rel = dataclasses.replace(cfg, relation=5.0)
    plain = train_ad_student(cfg, x, xv, 0, teacher)[0].get_weights()
    related = train_ad_student(rel, x, xv, 0, teacher)[0].get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(plain, related))
