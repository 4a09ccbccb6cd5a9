"""The paired distillation study: its pairs are the build's own students, and its CLI reads features files."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow_model_optimization")

from train_toy import toy_ad  # noqa: E402

from tinyslm.data import AdFrontend  # noqa: E402
from tinyslm.train import ADTrainConfig, train_anomaly  # noqa: E402
from tinyslm.train.study import ad_distillation_study, main, summarize  # noqa: E402


def _toy_set(seed: int) -> dict[str, np.ndarray]:
    xt = np.concatenate([toy_ad(64, seed + 2), toy_ad(64, seed + 3, anomalous=True)])
    return {"x_train": toy_ad(384, seed), "x_val": toy_ad(64, seed + 1), "x_test": xt,
            "y_test": np.r_[np.zeros(64), np.ones(64)], "test_groups": np.repeat(np.arange(32), 4)}


@pytest.mark.slow
def test_study_pairs_are_the_builds_students():
    d = _toy_set(10)
    cfg = ADTrainConfig.quick()
    epochs, alpha = cfg.teacher_fit.epochs, cfg.distill.alpha
    runs = ad_distillation_study({"toy": d}, cfg, seeds=2, teacher_epochs=(epochs, epochs + 2),
                                 alphas=(alpha,), log=lambda _: None)
    assert len(runs) == 2 * 2
    # seed 0 with the profile's own teacher epochs and alpha is exactly what train_anomaly reports
    r = train_anomaly(d["x_train"], d["x_val"], d["x_test"], d["y_test"], cfg, seed=0,
                      test_groups=d["test_groups"], verbose=False)
    same = [x for x in runs if (x.teacher_epochs, x.alpha, x.seed) == (epochs, alpha, 0)]
    assert len(same) == 1
    assert same[0].teacher == r.quality["teacher_float"]
    assert same[0].alone == r.quality["student_alone_float"]
    assert same[0].distilled == r.quality["student_distilled_float"]
    s = summarize(runs)
    assert [(x["pairs"]) for x in s] == [2, 2]
    assert all(x["min_gain"] <= x["mean_gain"] <= x["max_gain"] for x in s)
    assert [x["min_gain"] for x in s] == sorted((x["min_gain"] for x in s), reverse=True)


@pytest.mark.slow
def test_cli_on_a_features_file(tmp_path, capsys):
    fe = AdFrontend()
    d = _toy_set(20)
    f = tmp_path / "dev.npz"
    np.savez(f, **{k: fe.quantize(d[k]) for k in ("x_train", "x_val", "x_test")}, y_test=d["y_test"],
             test_groups=d["test_groups"])
    out = tmp_path / "study.json"
    assert main([str(f), "--quick", "--seeds", "1", "--teacher-epochs", "2", "--alpha", "0.5",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "dev: teacher 2 epochs, alpha 0.5, seed 0" in text and "min gain" in text
    import json

    j = json.loads(out.read_text())
    assert len(j["runs"]) == 1 and j["summary"][0]["pairs"] == 1
    assert j["runs"][0]["gain"] == pytest.approx(j["runs"][0]["distilled"] - j["runs"][0]["alone"])


def test_cli_bad_inputs(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "missing.npz")])
    assert e.value.code == 2
    assert "not an anomaly features file" in capsys.readouterr().err
    np.savez(tmp_path / "kws.npz", x_train=np.zeros((2, 3), np.int8))
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "kws.npz")])
    assert e.value.code == 2 and "x_val" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "kws.npz"), "--alpha", "0.5,1.5"])
    assert e.value.code == 2 and "alpha must be in [0, 1]" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "kws.npz"), "--seeds", "0"])
    assert e.value.code == 2 and "must be >= 1" in capsys.readouterr().err
