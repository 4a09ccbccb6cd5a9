"""FitConfig.ema swaps the averaged weights in when fit ends, and the fit study's candidates change only the fit."""

from __future__ import annotations

import dataclasses
import json

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


def test_frontend_study_wants_its_cepstra_and_compares_today_with_mfcc13(tmp_path, capsys):
    from tinyslm.train import kws_frontend_study as fe

    x = np.zeros((4, 49, 10), np.int8)
    np.savez(tmp_path / "f10.npz", x_train=x, y_train=np.zeros(4, int), x_val=x, y_val=np.zeros(4, int))
    assert fe.main([str(tmp_path / "f10.npz")]) == 2
    assert "has 10 coefficients a frame, not 13" in capsys.readouterr().out
    rows = [{"kind": "distilled", "student": n, "seed": s, "val": v / 100, "weight_bytes": 49080}
            for n, vs in {"today": (95, 95, 96, 96), "ema": (99, 99, 99, 99), "mfcc13": (96, 95.5, 96.5, 96)}.items()
            for s, v in zip((1, 3, 2, 4), vs)]
    for i, part in enumerate((rows[:8], rows[8:])):
        (tmp_path / f"r{i}.json").write_text(json.dumps({"rows": part}))
    assert fe.main(["--decide", str(tmp_path / "r0.json"), str(tmp_path / "r1.json")]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["best"] == "mfcc13" and d["adopt"] and round(d["delta"], 3) == 0.5  # ema's rows are not the rule's
