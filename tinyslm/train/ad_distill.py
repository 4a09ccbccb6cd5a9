"""Relational distillation of the autoencoder's bottleneck: what the anomaly student lacks.

Matching the teacher's *reconstruction* gives the transformer AE student almost nothing: the dense AE
teacher does not memorize its training windows (its error on them is the same as on held-out normal
windows), so ``x = teacher(x) + r`` with a residual ``r`` the student cannot model either, and
``MSE(teacher(x), s)`` has the same expected gradient as ``MSE(x, s)``. Measured on development sets
(seed 22): with alpha = 1 the student ends as far from the teacher (mean squared difference 0.0106) as the
student trained alone (0.0107).

This module tries the teacher's *code* instead: how the teacher arranges windows in its 8-value bottleneck.
Within each batch the pairwise cosine similarities of the codes (centred over the batch) of student and
teacher are matched (similarity-preserving distillation, Tung & Mori 2019)::

    G(z) = n(z - mean_batch(z)) n(z - mean_batch(z))^T       (n: each row to unit length)
    loss += relation * mean((G(z_student) - G(z_teacher))^2)

No projection between the two codes is learned (a learned linear map to the teacher's code made the student
worse on the development sets), and the codes may differ in width.

It is not a gain that holds, so it is off by default (``ADTrainConfig.relation = 0``): paired gains at weight 1,
development sets of seeds 21 and 22 (two student seeds each) +0.0034, -0.0044, +0.0016, +0.0010 (the default
objective: +0.0006, +0.0009, +0.0003, +0.0003); the test splits of seeds 0, 1, 2 (weight fixed beforehand):
-0.0009, +0.0069, -0.0010.

The term rides on Keras' layer losses: :func:`with_relation` returns a training model that shares every
layer of the student, computes the teacher's code of the same batch and adds the term with ``add_loss``;
:class:`~tinyslm.train.distill.Distiller` adds a student's layer losses to its loss. Only the distilled run
uses it, so "alone" and "distilled" still start from the same weights and see the same batches.
"""

from __future__ import annotations

from ._tf import keras, tf


def relation_loss(z_student: tf.Tensor, z_teacher: tf.Tensor) -> tf.Tensor:
    """Mean squared difference of the batch's centred cosine-similarity matrices (B x B) of two codes."""

    def gram(z: tf.Tensor) -> tf.Tensor:
        z = tf.reshape(tf.cast(z, tf.float32), (tf.shape(z)[0], -1))
        z = tf.math.l2_normalize(z - tf.reduce_mean(z, axis=0, keepdims=True), axis=1)
        return tf.matmul(z, z, transpose_b=True)

    return tf.reduce_mean(tf.square(gram(z_student) - gram(tf.stop_gradient(z_teacher))))


def code_output(model: keras.Model) -> tf.Tensor:
    """The bottleneck code of an autoencoder: the output of its layer named ``latent`` (the transformer AE's
    Dense + ReLU), through the batch norm and activation that follow it in the dense AE."""
    layers = list(model.layers)
    idx = [i for i, layer in enumerate(layers) if layer.name == "latent"]
    if not idx:
        raise ValueError(f"model {model.name!r} has no layer named 'latent' (its bottleneck)")
    i = idx[0]
    out = layers[i].output
    for nxt in layers[i + 1:i + 3]:
        if isinstance(nxt, (keras.layers.BatchNormalization, keras.layers.ReLU, keras.layers.Activation)) \
                and nxt.input is out:
            out = nxt.output
        else:
            break
    return out


@keras.utils.register_keras_serializable("tinyslm")
class RelationLoss(keras.layers.Layer):
    """Passes the reconstruction through and adds ``weight * relation_loss(z_student, z_teacher)``."""

    def __init__(self, weight: float, **kw):
        super().__init__(**kw)
        self.weight = float(weight)

    def call(self, inputs):
        recon, z_student, z_teacher = inputs
        self.add_loss(self.weight * relation_loss(z_student, z_teacher))
        return recon

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


def with_relation(student: keras.Model, teacher: keras.Model, weight: float) -> keras.Model:
    """A model for training `student` (its layers, shared: training it trains the student) whose output is the
    student's reconstruction and whose layer losses hold the relational term against the frozen `teacher`."""
    s_code = keras.Model(student.inputs, [code_output(student), student.outputs[0]], name="student_code")
    t_code = keras.Model(teacher.inputs, code_output(teacher), name="teacher_code")
    t_code.trainable = False
    x = keras.Input(student.inputs[0].shape[1:], name="x")
    zs, recon = s_code(x)
    zt = t_code(x, training=False)
    return keras.Model(x, RelationLoss(weight, name="relation")([recon, zs, zt]), name=student.name + "_rkd")


__all__ = ["RelationLoss", "code_output", "relation_loss", "with_relation"]
