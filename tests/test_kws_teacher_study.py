"""The KWS teacher study: its pairs are train_kws's own students, its ensemble averages logits, and it never
reads a test split."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tensorflow_model_optimization")

from train_toy import toy_kws  # noqa: E402

from tinyslm.train import KWSTrainConfig, train_kws  # noqa: E402
from tinyslm.train.fit import FitConfig  # noqa: E402
from tinyslm.train.kws_teacher_study import TeacherSpec, load_train_val, main, run_study  # noqa: E402
from tinyslm.train.models import DSCNNConfig  # noqa: E402


def _cfg() -> KWSTrainConfig:
    q = KWSTrainConfig.quick()
    return dataclasses.replace(q, teacher=DSCNNConfig(channels=8, blocks=1), teacher_fit=FitConfig(epochs=1, lr=3e-3),
                               student_fit=dataclasses.replace(q.student_fit, epochs=1), prune=None)


@pytest.mark.slow  # a few teachers and students of one epoch each, and train_kws's conversion to int8
def test_pairs_are_train_kws_students():
    x, y = toy_kws(192, 0)
    xv, yv = toy_kws(64, 1)
    cfg = _cfg()
    specs = {"base": TeacherSpec("base", cfg.teacher, cfg.teacher_fit),
             "ens2": TeacherSpec("ens2", members=(("base", 0), ("base", 1000)))}
    r = run_study(x, y, xv, yv, ["base", "ens2"], ["base"], [0], cfg, specs=specs)
    teachers = {(row["teacher"], row["seed"]): row["val"] for row in r.rows if row["kind"] == "teacher"}
    assert set(teachers) == {("base", 0), ("base", 1000), ("ens2", 0)}
    [pair] = r.paired()
    assert pair["gain"] == pair["distilled"] - pair["alone"]
    # the same seed through the build's own training gives the same teacher and the same two students
    b = train_kws(x, y, xv, yv, xv[:24], yv[:24], cfg, seed=0, verbose=False)
    assert teachers["base", 0] == b.quality_val["teacher_float"]
    assert pair["alone"] == b.quality_val["student_alone_float"]
    assert pair["distilled"] == b.quality_val["student_distilled_float"]


def test_ensemble_is_the_mean_of_its_members_logits():
    from tinyslm.train.kws_teacher_study import _ensemble
    from tinyslm.train.models import build_dscnn

    cfg = DSCNNConfig(channels=4, blocks=1)
    a, b = build_dscnn(cfg, name="a"), build_dscnn(cfg, name="b")
    x = toy_kws(8, 3)[0]
    e = _ensemble([a, b], 49, 10)
    want = (a.predict(x, verbose=0) + b.predict(x, verbose=0)) / 2
    got = e.predict(x, verbose=0)
    assert np.abs(want).max() > 0 and np.allclose(got, want, atol=1e-6)


def test_only_train_and_val_are_read(tmp_path, capsys):
    x, y = toy_kws(16, 0)
    q = np.clip(np.round(x), -128, 127).astype(np.int8)
    np.savez(tmp_path / "f.npz", x_train=q, y_train=y, x_val=q[:4], y_val=y[:4])  # no test arrays at all
    xt, _, xv, _ = load_train_val(tmp_path / "f.npz")
    assert xt.shape == (16, 49, 10) and xv.shape == (4, 49, 10) and xt.dtype == np.float32
    assert main([str(tmp_path / "missing.npz")]) == 2
    assert "no features file" in capsys.readouterr().out
    assert main([str(tmp_path / "f.npz"), "--teachers", "nope", "--out", str(tmp_path / "o.json")]) == 2
    assert "unknown teacher 'nope'" in capsys.readouterr().out
