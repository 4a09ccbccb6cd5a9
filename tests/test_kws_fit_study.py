"""FitConfig.ema swaps the averaged weights in when fit ends, and the fit study's candidates change only the fit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tensorflow_model_optimization")

from train_toy import toy_kws  # noqa: E402

from tinyslm.train import KWSTrainConfig  # noqa: E402
from tinyslm.train._tf import keras, seed_everything  # noqa: E402
from tinyslm.train.fit import FitConfig, fit  # noqa: E402
from tinyslm.train.kws_fit_study import FITS, main  # noqa: E402
from tinyslm.train.kws_student_study import run_study  # noqa: E402
from tinyslm.train.models import DSCNNConfig  # noqa: E402


def _fit_toy(ema: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    seed_everything(0)
    m = keras.Sequential([keras.Input((4, 3)), keras.layers.Flatten(), keras.layers.Dense(3)])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(256, 4, 3)).astype(np.float32), rng.integers(0, 3, 256)
    start = [w.copy() for w in m.get_weights()]
    fit(m, x, y, cfg=FitConfig(epochs=3, lr=1e-2, augment=False, ema=ema), seed=1, verbose=False)
    return start, m.get_weights()


def test_ema_weights_are_swapped_in():
    start, plain = _fit_toy(0.0)
    _, slow = _fit_toy(0.999999)  # an average that barely leaves the first step's weights
    _, fast = _fit_toy(1e-9)  # an "average" of the last step only: the plain fit's weights
    moved = sum(float(np.abs(p - s).sum()) for p, s in zip(plain, start))
    assert moved > 0.5
    assert sum(float(np.abs(w - s).sum()) for w, s in zip(slow, start)) < 0.05 * moved
    for w, p in zip(fast, plain):
        np.testing.assert_allclose(w, p, atol=1e-6)


@pytest.mark.slow  # a one-epoch teacher and two one-epoch students
def test_candidates_change_only_the_fit(monkeypatch):
    import tinyslm.train.kws_student_study as study

    x, y = toy_kws(192, 0)
    xv, yv = toy_kws(64, 1)
    q = KWSTrainConfig.quick()
    cfg = dataclasses.replace(q, teacher=DSCNNConfig(channels=8, blocks=1), teacher_fit=FitConfig(epochs=1, lr=3e-3),
                              student_fit=dataclasses.replace(q.student_fit, epochs=1), prune=None)
    seen: list[FitConfig] = []
    monkeypatch.setattr(study, "fit", lambda *a, **k: seen.append(a[5]) or fit(*a, **k))
    r = run_study(x, y, xv, yv, ["today", "ema", "wd"], [0], cfg, shapes={n: {} for n in FITS}, fits=FITS)
    rows = {row["student"]: row for row in r.rows if row["kind"] == "distilled"}
    assert rows["today"]["params"] == rows["ema"]["params"] == rows["wd"]["params"]
    assert seen == [cfg.student_fit, dataclasses.replace(cfg.student_fit, ema=0.999),
                    dataclasses.replace(cfg.student_fit, weight_decay=0.05)]


def test_unknown_candidate_and_missing_features(tmp_path, capsys):
    assert main([str(tmp_path / "none.npz")]) == 2
    assert "no features file" in capsys.readouterr().out
