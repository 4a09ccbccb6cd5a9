"""Distillation loss edge cases and a short teacher -> student run."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tf_keras")

from tinyslm.train._tf import tf  # noqa: E402
from tinyslm.train.distill import (DistillConfig, decoupled_kl, distillation_loss,  # noqa: E402
                                  reconstruction_distillation_loss)

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


def tiny_kws_config(epochs: int):
    """KWSTrainConfig.quick() with an 8-channel one-block teacher and `epochs` for both fits, no pruning: the
    smallest study/build the distillation tests train."""
    import dataclasses

    from tinyslm.train import KWSTrainConfig
    from tinyslm.train.fit import FitConfig
    from tinyslm.train.models import DSCNNConfig

    q = KWSTrainConfig.quick()
    return dataclasses.replace(q, teacher=DSCNNConfig(channels=8, blocks=1),
                               teacher_fit=FitConfig(epochs=epochs, lr=3e-3),
                               student_fit=dataclasses.replace(q.student_fit, epochs=epochs), prune=None)


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


def _numpy_dkd(y, t_logits, s_logits, temp, beta):
    """TCKD + beta * NCKD per the DKD paper, written out in numpy (per example, then the mean)."""
    def sm(v):
        e = np.exp(v - v.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    pt, ps = sm(t_logits / temp), sm(s_logits / temp)
    rows = np.arange(len(y))
    bt = np.stack([pt[rows, y], 1 - pt[rows, y]], 1)
    bs = np.stack([ps[rows, y], 1 - ps[rows, y]], 1)
    tckd = (bt * np.log(bt / bs)).sum(1)
    keep = np.ones_like(pt, bool)
    keep[rows, y] = False
    qt = pt[keep].reshape(len(y), -1)
    qs = ps[keep].reshape(len(y), -1)
    qt, qs = qt / qt.sum(1, keepdims=True), qs / qs.sum(1, keepdims=True)
    nckd = (qt * np.log(qt / qs)).sum(1)
    return float((tckd + beta * nckd).mean())


@pytest.mark.parametrize("temp,beta", [(4.0, 8.0), (2.0, 2.0), (1.0, 0.0)])
def test_dkd_matches_the_papers_decomposition(temp, beta):
    want = 0.5 * ce(Y.numpy(), S.numpy()) + 0.5 * temp ** 2 * _numpy_dkd(Y.numpy(), T.numpy(), S.numpy(), temp, beta)
    got = float(distillation_loss(Y, S, T, 0.5, temp, dkd_beta=beta))
    assert got == pytest.approx(want, rel=1e-4)
    assert got != pytest.approx(float(distillation_loss(Y, S, T, 0.5, temp)), rel=1e-3)  # not the plain KL


def test_dkd_with_the_teachers_own_weight_is_the_kl():
    """KL = TCKD + (1 - p_t[y]) NCKD exactly: with that per-example beta the decoupled form is the plain KL."""
    temp = 3.0
    log_ps = tf.nn.log_softmax(S / temp, axis=-1)
    log_pt = tf.nn.log_softmax(T / temp, axis=-1)
    beta = 1.0 - tf.gather(tf.exp(log_pt), Y, batch_dims=1)
    got = float(tf.reduce_mean(decoupled_kl(Y, log_ps, log_pt, beta)))
    assert got == pytest.approx(kl(T.numpy(), S.numpy(), temp), rel=1e-4)
    # a student equal to the teacher has no decoupled loss either
    assert float(tf.reduce_mean(decoupled_kl(Y, log_pt, log_pt, 8.0))) == pytest.approx(0.0, abs=1e-6)


def test_dkd_config():
    with pytest.raises(ValueError, match="dkd_beta"):
        DistillConfig(dkd_beta=-1.0)
    assert DistillConfig(alpha=0.5, temperature=4.0, dkd_beta=8.0).final().dkd_beta == 8.0


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


def test_schedule_config():
    d = DistillConfig(alpha=0.5, temperature=8.0, temperature_end=2.0)
    assert d.scheduled and not DistillConfig(alpha=0.5, temperature=2.0).scheduled
    assert d.at(0.0) == (0.5, 8.0) and d.at(1.0) == (0.5, 2.0) and d.at(0.5) == (0.5, 5.0)
    assert d.final() == DistillConfig(alpha=0.5, temperature=2.0)
    with pytest.raises(ValueError):
        DistillConfig(alpha_end=1.2)
    with pytest.raises(ValueError):
        DistillConfig(temperature_end=0.0)


def test_scheduled_loss_takes_tensors():
    """A schedule's values arrive as tensors: the loss is the Hinton formula at those values."""
    want = 0.3 * ce(Y.numpy(), S.numpy()) + 0.7 * 5.0 ** 2 * kl(T.numpy(), S.numpy(), 5.0)
    got = distillation_loss(Y, S, T, tf.constant(0.7), tf.constant(5.0))
    assert float(got) == pytest.approx(want, rel=1e-4)


def test_distiller_anneals_over_the_fit():
    """The Distiller's (alpha, T) follow the schedule over the fit's optimizer steps; no schedule = the floats."""
    pytest.importorskip("tensorflow_model_optimization")
    from train_toy import toy_kws

    from tinyslm.train.distill import Distiller
    from tinyslm.train.fit import FitConfig, fit
    from tinyslm.train.models import KWTConfig, build_kwt

    x, y = toy_kws(64, 0)
    s = build_kwt(KWTConfig(dim=8, heads=2, blocks=1, mlp=16, patch=2))
    t = build_kwt(KWTConfig(dim=8, heads=2, blocks=1, mlp=16, patch=2))
    d = DistillConfig(alpha=0.9, temperature=4.0, temperature_end=1.0, alpha_end=0.1)
    seen = []

    from tinyslm.train._tf import keras

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            a, temp = trainer._alpha_t()
            seen.append((float(a), float(temp)))

    trainer = Distiller(s, t, d, total_steps=4)
    trainer.compile(optimizer=keras.optimizers.Adam(1e-3))
    trainer.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[Record()])
    assert seen[0] == pytest.approx((0.9, 4.0)) and seen[-1] == pytest.approx((0.1, 1.0))
    assert seen[1] == pytest.approx((0.9 * 2 / 3 + 0.1 / 3, 3.0))
    plain = Distiller(s, t, DistillConfig(alpha=0.5, temperature=2.0), total_steps=4)
    assert plain._alpha_t() == (0.5, 2.0)
    r = fit(build_kwt(KWTConfig(dim=8, heads=2, blocks=1, mlp=16, patch=2)), x, y, cfg=FitConfig(epochs=1),
            teacher=t, distill=d, verbose=False)  # the schedule runs inside fit's compiled train step
    assert np.isfinite(r.history.curves["loss"]).all() and len(r.history.curves["loss"]) == 1


@pytest.mark.slow  # one teacher and three students of one epoch each
def test_distill_study_pairs_and_rule(tmp_path):
    """The schedule study: one alone per seed, one distilled per config, paired on validation; the rule runs."""
    pytest.importorskip("tensorflow_model_optimization")

    from train_toy import toy_kws

    from tinyslm.train.kws_distill_study import decide, run_study

    cfg = tiny_kws_config(1)
    x, y = toy_kws(128, 0)
    xv, yv = toy_kws(48, 1)
    r = run_study(x, y, xv, yv, ["today", "t4to1"], [0], cfg)
    kinds = [row["kind"] for row in r.rows]
    assert kinds == ["teacher", "alone", "distilled", "distilled"]
    paired = r.paired()
    assert {p["config"] for p in paired} == {"today", "t4to1"}
    assert all(p["gain"] == p["distilled"] - p["alone"] for p in paired)
    d = decide(paired)
    assert d["best"] == "t4to1" and d["seeds"] == [0] and isinstance(d["adopt"], bool)


def test_mixup_teacher_sees_the_students_mixed_batch():
    """Function matching: with mixup on, the teacher's logits come from the very (augmented, mixed) batch the
    student trains on, computed in the step; and the mixed batch is not the raw one."""
    from train_toy import toy_kws

    from tinyslm.train._tf import keras
    from tinyslm.train.distill import Distiller
    from tinyslm.train.fit import FitConfig, spec_augment

    seen: dict[str, list] = {"student": [], "teacher": []}

    class Rec(keras.Model):
        def __init__(self, name):
            super().__init__(name=name)
            self.tag, self.d = name, keras.layers.Dense(12)

        def call(self, x, training=False):
            seen[self.tag].append(np.array(x))
            return self.d(tf.reshape(x, (tf.shape(x)[0], -1)))

    x, y = toy_kws(16, 0)
    tr = Distiller(Rec("student"), Rec("teacher"), DistillConfig(alpha=0.5, temperature=2.0),
                   augment=spec_augment(FitConfig()), mixup=0.4)
    tr.compile(optimizer=keras.optimizers.Adam(1e-3), run_eagerly=True)
    tr.train_on_batch(x, y)
    assert len(seen["teacher"]) == 1 and len(seen["student"]) == 1
    np.testing.assert_array_equal(seen["teacher"][0], seen["student"][0])
    assert not np.allclose(seen["student"][0], x)


def test_mixup_pairs_alone_and_distilled_on_the_same_mixed_batches():
    """The paired comparison with mixup: the student alone and the distilled one (same seed) train on the same
    augmented, mixed batches (the draws come before the teacher's forward pass); only the loss differs."""
    from train_toy import toy_kws

    from tinyslm.train._tf import keras
    from tinyslm.train.fit import FitConfig, fit
    from tinyslm.train.models import KWTConfig, build_kwt

    batches: list[np.ndarray] = []

    def recording(model):
        inp = keras.layers.Input((49, 10))
        tapped = keras.layers.Lambda(lambda v: v + 0.0 * tf.reshape(tf.numpy_function(
            lambda a: batches.append(a.copy()) or np.float32(0), [v], tf.float32), []))(inp)
        return keras.Model(inp, model(tapped))

    x, y = toy_kws(48, 0)
    t = build_kwt(KWTConfig(dim=8, heads=2, blocks=1, mlp=16, patch=2))
    cfg = FitConfig(epochs=1, batch_size=16, mixup=0.4)
    runs = []
    for teacher in (None, t):
        batches.clear()
        fit(recording(build_kwt(KWTConfig(dim=8, heads=2, blocks=1, mlp=16, patch=2))), x, y, cfg=cfg,
            teacher=teacher, distill=DistillConfig(alpha=0.5, temperature=2.0) if teacher else None, seed=3,
            verbose=False)
        runs.append([b for b in batches if b.shape[0] > 0])
    assert len(runs[0]) == len(runs[1]) == 3
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow  # one teacher and five students of one or two epochs each
def test_distill_study_function_matching_pairs(tmp_path):
    """The function-matching candidates pair with the student alone of their own pipeline (mixup, longer fit),
    trained once per seed and pipeline, and report the gain against the plain alone too; --rule fm decides."""
    pytest.importorskip("tensorflow_model_optimization")
    import json

    from train_toy import toy_kws

    from tinyslm.train.kws_distill_study import FM_CONFIGS, decide_fm, main, run_study

    cfg = tiny_kws_config(1)
    x, y = toy_kws(96, 0)
    xv, yv = toy_kws(32, 1)
    r = run_study(x, y, xv, yv, ["fm", "today", "fm2x"], [0], cfg)
    got = [(row["kind"], row["config"], row.get("pipeline")) for row in r.rows]
    assert got == [("teacher", None, None), ("alone", None, None), ("alone", None, "alone mixup 0.4"),
                   ("distilled", "fm", "alone mixup 0.4"), ("distilled", "today", None),
                   ("alone", None, "alone mixup 0.4 x2"), ("distilled", "fm2x", "alone mixup 0.4 x2")]
    assert FM_CONFIGS["fm2x"].fit_config(cfg.student_fit).epochs == 2
    val = {(row["kind"], row.get("pipeline", row["config"])): row["val"] for row in r.rows}
    paired = {p["config"]: p for p in r.paired()}
    assert paired["fm"]["gain"] == val["distilled", "alone mixup 0.4"] - val["alone", "alone mixup 0.4"]
    assert paired["fm"]["gain_plain"] == val["distilled", "alone mixup 0.4"] - val["alone", None]
    assert paired["today"]["gain"] == val["distilled", "today"] - val["alone", None] and "gain_plain" not in \
        paired["today"]
    d = decide_fm(r.paired())
    assert d["seeds"] == [0] and d["best"] in ("fm", "fm2x") and isinstance(d["adopt"], bool)
    f = tmp_path / "s0.json"
    f.write_text(json.dumps(r.to_dict()))
    assert main(["--decide", str(f), "--rule", "fm"]) == 0


@pytest.mark.slow  # train_kws and train_anomaly at a few epochs
def test_builds_keep_the_paired_float_students():
    """train_kws / train_anomaly keep the student alone and the distilled one as float .tflite taking raw
    features; on the test split they give the figures the build reports for those two stages."""
    pytest.importorskip("tensorflow_model_optimization")
    import dataclasses

    from train_toy import toy_ad, toy_kws

    from tinyslm.train import ADTrainConfig, train_anomaly, train_kws
    from tinyslm.train.api import _clip_scores, run_float
    from tinyslm.train.metrics import accuracy, roc_auc

    cfg = tiny_kws_config(2)
    x, y = toy_kws(192, 0)
    xv, yv = toy_kws(64, 1)
    xt, yt = toy_kws(96, 2)
    r = train_kws(x, y, xv, yv, xt, yt, cfg, seed=0, verbose=False)
    fs = r.float_students
    assert set(fs) == {"alone", "distilled"} and fs["alone"] != fs["distilled"]
    out = {k: run_float(b, xt) for k, b in fs.items()}
    assert not np.allclose(out["alone"], out["distilled"])  # two models, not one twice
    for k in fs:  # normalization folded in float64: at most one example may flip
        assert accuracy(yt, out[k]) == pytest.approx(r.quality[f"student_{k}_float"], abs=1.01 / len(yt)), k

    a = ADTrainConfig.quick()
    a = dataclasses.replace(a, teacher_fit=dataclasses.replace(a.teacher_fit, epochs=2),
                            student_fit=dataclasses.replace(a.student_fit, epochs=2), prune=None)
    xn = toy_ad(96, 0)
    xa_t = np.concatenate([toy_ad(24, 3), toy_ad(24, 4, anomalous=True)])
    la = np.array([0] * 24 + [1] * 24)
    ad = train_anomaly(xn[:72], xn[72:], xa_t, la, a, seed=0, verbose=False)
    assert set(ad.float_students) == {"alone", "distilled"}
    for k, b in ad.float_students.items():
        rec = run_float(b, xa_t)
        err = np.mean((rec.reshape(len(xa_t), -1) - xa_t.reshape(len(xa_t), -1)) ** 2, axis=1)
        assert roc_auc(la, _clip_scores(err, None)) == pytest.approx(ad.quality[f"student_{k}_float"], abs=0.01), k


def test_seed_table_has_the_paired_gain_rows(tmp_path):
    """`python -m tinyslm.report.seeds`: distilled - alone on the test split and on the fresh test set, per seed
    and as mean ± std; a build without the fresh pair shows "-"."""
    import json

    from tinyslm.report.seeds import load, table

    def fake(seed: int, alone: float, distilled: float, fresh: dict | None):
        d = tmp_path / f"s{seed}"
        d.mkdir()
        (d / "report.json").write_text(json.dumps({
            "task": "kws", "seed": seed, "device": {}, "fresh": {"distill_fresh": fresh} if fresh else {},
            "quality": {"metric": "accuracy", "student_alone_float": alone, "student_distilled_float": distilled}}))
        return load(d)

    t = table([fake(0, 0.90, 0.92, {"alone": 0.88, "distilled": 0.89, "gain": 0.01}),
               fake(1, 0.91, 0.90, {"alone": 0.87, "distilled": 0.90, "gain": 0.03}), fake(2, 0.9, 0.9, None)])
    assert "| distilled - alone (float, test split) | 0.0033 ± 0.0153 (-0.0100-0.0200) | +0.0200 | -0.0100 | " \
           "+0.0000 |" in t
    assert "| distilled - alone (float, fresh test set) | 0.0200 ± 0.0141 (0.0100-0.0300) (2 of 3) | +0.0100 | " \
           "+0.0300 | - |" in t
