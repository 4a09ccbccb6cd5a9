"""End to end on toy features: teacher, student alone, distilled, pruned, int8 (quick profiles)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tensorflow_model_optimization")

from train_toy import toy_ad, toy_kws  # noqa: E402

import tinyslm.train.api as api  # noqa: E402
from tinyslm.train import ADTrainConfig, KWSTrainConfig, train_anomaly, train_kws  # noqa: E402
from tinyslm.train.quantize import run_tflm  # noqa: E402
from tinyslm.train.tflite_info import STUDENT_OPS, read_tflite  # noqa: E402


def _record_fits_and_test_reads(monkeypatch) -> list[str]:
    """Events in order: "fit" for every training run, "read" for every read of the test split."""
    events: list[str] = []
    fit, read = api.fit, api.HeldOut.read

    def recording_fit(*args, **kwargs):
        events.append("fit")
        return fit(*args, **kwargs)

    def recording_read(self):
        events.append("read")
        return read(self)

    monkeypatch.setattr(api, "fit", recording_fit)
    monkeypatch.setattr(api.HeldOut, "read", recording_read)
    return events


def _test_split_read_once_at_the_end(events: list[str]) -> None:
    assert events.count("fit") >= 4  # teacher, alone, distilled, pruning fine-tune
    assert events.count("read") == 1 and events[-1] == "read"


@pytest.mark.slow
def test_train_kws_quick(monkeypatch):
    x, y = toy_kws(1024, 0)
    xv, yv = toy_kws(256, 1)
    xt, yt = toy_kws(384, 2)
    events = _record_fits_and_test_reads(monkeypatch)
    r = train_kws(x, y, xv, yv, xt, yt, KWSTrainConfig.quick(), seed=0, verbose=False)
    _test_split_read_once_at_the_end(events)
    q = r.quality
    assert set(q) == {"teacher_float", "student_alone_float", "student_distilled_float", "student_pruned_float",
                      "student_int8"}
    assert q["student_int8"] > 0.6  # chance is 1/12
    assert abs(q["student_int8"] - q["student_pruned_float"]) < 0.1
    assert read_tflite(r.tflite).op_set <= STUDENT_OPS
    assert 0.25 <= r.facts.sparsity < 0.5
    assert r.confusion_int8.sum() == len(yt) and np.trace(r.confusion_int8) / len(yt) == q["student_int8"]
    # the reported int8 predictions are TFLM's
    assert np.array_equal(run_tflm(r.tflite, xt[:20]).argmax(1), r.predictions_int8[:20])
    assert {"teacher", "student_alone", "student_distilled", "prune"} <= set(r.histories)
    assert len(r.histories["student_distilled"]["curves"]["val_acc"]) == KWSTrainConfig.quick().student_fit.epochs
    # post-training quantization unless it lost more than QuantConfig.qat_above validation points
    c = r.quant
    assert c is not None and r.quality_val["student_int8"] == (c.qat_val if c.method == "qat" else c.ptq_val)
    assert ("qat" in r.histories) == (c.ptq_points_lost > KWSTrainConfig.quick().quant.qat_above)
    assert r.to_dict()["quantization"]["method"] == c.method


@pytest.mark.slow
def test_qat_kept_when_validation_says_so(monkeypatch):
    """Where PTQ loses more than QuantConfig.qat_above points, QAT runs; the int8 model kept is the chosen one."""
    x, y = toy_kws(512, 0)
    xv, yv = toy_kws(128, 1)
    q = KWSTrainConfig.quick()
    cfg = dataclasses.replace(q, train_alone=False, quant=dataclasses.replace(q.quant, qat_above=-100.0))
    made: list[bytes] = []  # every int8 conversion, in order: post-training, then QAT's
    convert = api.convert_int8
    monkeypatch.setattr(api, "convert_int8", lambda *a, **k: made.append(convert(*a, **k)) or made[-1])
    # validation prefers QAT here (QuantChoice.decide's own rule is its doctest)
    monkeypatch.setattr(api.QuantChoice, "decide", classmethod(lambda cls, f, p, qv, above: cls("qat", "", f, p, qv)))
    r = train_kws(x, y, xv, yv, xv, yv, cfg, seed=0, verbose=False)
    assert "qat" in r.histories and len(made) == 2 and made[0] != made[1]
    assert r.quant.method == "qat" and r.tflite == made[1]
    assert r.quality_val["student_int8"] == r.quant.qat_val


@pytest.mark.slow
def test_train_anomaly_quick(monkeypatch):
    x, xv = toy_ad(512, 0), toy_ad(128, 1)
    xt = np.concatenate([toy_ad(96, 2), toy_ad(96, 3, anomalous=True)])
    yt = np.r_[np.zeros(96), np.ones(96)]
    groups = np.repeat(np.arange(48), 4)  # 4 windows per clip
    events = _record_fits_and_test_reads(monkeypatch)
    r = train_anomaly(x, xv, xt, yt, ADTrainConfig.quick(), seed=0, test_groups=groups, verbose=False)
    _test_split_read_once_at_the_end(events)
    assert len(r.scores_int8) == 48 and len(r.labels) == 48
    assert r.quality["teacher_float"] > 0.8
    assert r.quality["student_int8"] > 0.8
    assert read_tflite(r.tflite).op_set <= STUDENT_OPS
    assert 0 <= r.decision["fpr"] <= 1 and r.threshold > 0


@pytest.mark.slow
def test_student_fit_ema_leaves_pruning_its_zeros():
    """An averaged student fit (FitConfig.ema) must not average the pruning fine-tune: that would refill zeros."""
    x, y = toy_kws(512, 0)
    xv, yv = toy_kws(128, 1)
    q = KWSTrainConfig.quick()
    cfg = dataclasses.replace(q, student_fit=dataclasses.replace(q.student_fit, epochs=4, ema=0.9), train_alone=False)
    r = train_kws(x, y, xv, yv, xv, yv, cfg, seed=0, verbose=False)
    assert 0.25 <= r.facts.sparsity < 0.5
