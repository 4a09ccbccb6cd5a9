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
    r.to_dict()


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
