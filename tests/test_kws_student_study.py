"""The KWS student-shape study: its `today` student is train_kws's distilled student, its other shapes change only
the student, and its rule needs every pair."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("tensorflow_model_optimization")

from train_toy import toy_kws  # noqa: E402

from tinyslm.train import KWSTrainConfig, train_kws  # noqa: E402
from tinyslm.train.fit import FitConfig  # noqa: E402
from tinyslm.train.kws_student_study import STUDENTS, decide, run_study  # noqa: E402
from tinyslm.train.models import DSCNNConfig  # noqa: E402


def _cfg() -> KWSTrainConfig:
    q = KWSTrainConfig.quick()
    return dataclasses.replace(q, teacher=DSCNNConfig(channels=8, blocks=1), teacher_fit=FitConfig(epochs=1, lr=3e-3),
                               student_fit=dataclasses.replace(q.student_fit, epochs=1), prune=None)


@pytest.mark.slow  # a teacher and two students of one epoch each, and train_kws's conversion to int8
def test_today_is_train_kws_distilled_student_and_shapes_differ(monkeypatch):
    x, y = toy_kws(192, 0)
    xv, yv = toy_kws(64, 1)
    cfg = _cfg()
    monkeypatch.setitem(STUDENTS, "wide", {"dim": cfg.student.dim + cfg.student.heads})
    r = run_study(x, y, xv, yv, ["today", "wide"], [0], cfg)
    rows = {row["student"]: row for row in r.rows if row["kind"] == "distilled"}
    assert rows["wide"]["params"] > rows["today"]["params"]
    assert rows["wide"]["weight_bytes"] > rows["today"]["weight_bytes"] > rows["today"]["params"]
    b = train_kws(x, y, xv, yv, xv[:24], yv[:24], cfg, seed=0, verbose=False)
    assert rows["today"]["val"] == b.quality_val["student_distilled_float"]


def test_rule_refuses_a_missing_pair_and_the_budget():
    rows = [{"student": n, "seed": s, "val": v / 100, "weight_bytes": 40000} for n, vs in
            {"today": (90, 90, 90, 90), "m48": (92, 92, 92, 92)}.items() for s, v in zip((1, 3, 2, 4), vs)]
    assert decide(rows)["adopt"]
    assert not decide(rows[:-1])["adopt"]  # m48 on the fourth pair missing
    assert not decide([dict(r, weight_bytes=50000) if r["student"] == "m48" else r for r in rows])["adopt"]
    worse = [dict(r, val=0.885) if (r["student"], r["seed"]) == ("m48", 4) else r for r in rows]
    assert not decide(worse)["adopt"]  # 1.5 points below today on one pair
