"""Held-out sets of issue 17: the held-out speech engine never speaks in train/val/test, festival's diphone
voices do speak in training, a fresh seed gives other clips of the same held-out voices, and the
augmentations (channel colouring) touch training clips only."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from tinyslm.data import CLASSES, KwsProfile, make_kws_dataset
from tinyslm.data.festival import ENGINES, engine_available
from tinyslm.data.kws_synth import OTHER_ENGINE, TEST_VARIANTS, TRAIN_ENGINES, load_test_only

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or not engine_available("festival-diphone") or not engine_available(OTHER_ENGINE),
    reason="needs espeak-ng and festival with festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts (.ci/setup)")

TINY = KwsProfile("tiny", 3, 1, 1)


def _rows(root: Path) -> list[dict]:
    with open(root / "clips.csv", newline="") as f:
        return list(csv.DictReader(f))


def _digests(root: Path, split: str) -> set[str]:
    return {hashlib.sha1((root / r["path"]).read_bytes()).hexdigest() for r in _rows(root) if r["split"] == split}


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("q17")
    make_kws_dataset(base / "main", TINY, seed=0, progress=False)
    make_kws_dataset(base / "fresh", TINY, seed=1000, splits=("test",), progress=False)
    make_kws_dataset(base / "other", TINY, seed=2000, splits=("test",), engine=OTHER_ENGINE, progress=False)
    return {k: base / k for k in ("main", "fresh", "other")}


def test_held_out_engine_never_in_the_main_splits(sets):
    rows = _rows(sets["main"])
    speech = [r for r in rows if r["word"]]
    engines = {s: {r["engine"] for r in speech if r["split"] == s} for s in ("train", "val", "test")}
    assert OTHER_ENGINE not in set().union(*engines.values())
    assert not any(r["voice"].startswith(OTHER_ENGINE) or ENGINES[OTHER_ENGINE][0] in r["voice"] for r in rows)
    # training hears both training engines; validation and test only espeak-ng's held-out variants
    assert engines["train"] == set(TRAIN_ENGINES), engines
    assert engines["val"] == engines["test"] == {"espeak-ng"}
    assert {r["voice"].split("+")[1] for r in speech if r["split"] == "test"} <= set(TEST_VARIANTS)
    # channel colouring is a training augmentation only, and some training clips have it
    assert {r["channel"] for r in rows if r["split"] != "train"} == {"False"}
    assert "True" in {r["channel"] for r in rows if r["split"] == "train"}


def test_other_engine_set_is_all_held_out_engine_and_test_only(sets):
    root = sets["other"]
    rows = _rows(root)
    assert len(rows) == len(CLASSES) and {r["split"] for r in rows} == {"test"}
    speech = [r for r in rows if r["word"]]
    assert speech and {r["engine"] for r in speech} == {OTHER_ENGINE}
    assert {r["voice"] for r in speech} <= {f"{OTHER_ENGINE}:{v}" for v in ENGINES[OTHER_ENGINE]}
    audio, labels = load_test_only(root)
    assert audio.shape == (len(CLASSES), 16000) and sorted(labels.tolist()) == list(range(len(CLASSES)))
    assert not (root / "validation_list.txt").read_text().strip()
    assert np.abs(audio).max() > 1000  # audible speech, not silence


def test_fresh_seed_gives_other_clips_of_the_same_held_out_voices(sets):
    fresh, main = _digests(sets["fresh"], "test"), _digests(sets["main"], "test")
    assert len(fresh) == len(CLASSES) and not fresh & main
    rows = [r for r in _rows(sets["fresh"]) if r["word"]]
    assert {r["split"] for r in _rows(sets["fresh"])} == {"test"}
    assert {r["voice"].split("+")[1] for r in rows} <= set(TEST_VARIANTS)
    assert {r["engine"] for r in rows} == {"espeak-ng"}
    # same seed and splits: the same bytes (the fresh set is a function of its seed)
    again = make_kws_dataset(sets["fresh"].parent / "fresh2", TINY, seed=1000, splits=("test",), progress=False,
                             workers=1)
    assert _digests(again.out_dir, "test") == fresh


@pytest.mark.slow  # a toy train_kws, then the build's fresh step on the tiny sets
def test_fresh_step_measures_the_paired_students(sets, tmp_path, monkeypatch):
    """`tinyslm build kws`'s fresh step reports distilled - alone of the two float students the train step kept,
    each measured on the fresh set (and on the held-out engine's), beside the int8 model's accuracy."""
    pytest.importorskip("tensorflow_model_optimization")
    import dataclasses
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from train_toy import toy_kws

    from tinyslm.data import KwsFrontend, kws_synth
    from tinyslm.pipeline import BuildConfig
    from tinyslm.tasks import kws
    from tinyslm.train import KWSTrainConfig, train_kws
    from tinyslm.train.api import run_float
    from tinyslm.train.fit import FitConfig
    from tinyslm.train.models import DSCNNConfig

    q = KWSTrainConfig.quick()
    cfg = dataclasses.replace(q, teacher=DSCNNConfig(channels=8, blocks=1), teacher_fit=FitConfig(epochs=2, lr=3e-3),
                              student_fit=dataclasses.replace(q.student_fit, epochs=2), prune=None)
    x, y = toy_kws(192, 0)
    xv, yv = toy_kws(64, 1)
    r = train_kws(x, y, xv, yv, xv, yv, cfg, seed=0, verbose=False)
    train = tmp_path / "train"
    train.mkdir()
    (train / "model.tflite").write_bytes(r.tflite)
    for k, b in r.float_students.items():
        (train / kws.FLOAT_STUDENT.format(k)).write_bytes(b)
    real = kws_synth.make_kws_dataset
    # the build's fresh sets at the tiny profile (same seeds, splits and engines)
    monkeypatch.setattr(kws_synth, "make_kws_dataset",
                        lambda out, profile="default", seed=0, **kw: real(out, TINY, seed, **kw))
    out = kws.fresh(BuildConfig("kws", quick=True, out=tmp_path), tmp_path / "fresh", say=lambda s: None)
    fe = KwsFrontend()
    for key, root in (("distill_fresh", tmp_path / "fresh" / "fresh"),
                      ("distill_other_engine", tmp_path / "fresh" / "other_engine")):
        p = out[key]
        audio, labels = load_test_only(root)
        xs = fe.dequantize(fe(audio))
        for k in ("alone", "distilled"):  # each number is that model's own accuracy on that set
            assert p[k] == float(np.mean(run_float(r.float_students[k], xs).argmax(axis=1) == labels)), (key, k)
        assert p["gain"] == p["distilled"] - p["alone"] and p["n"] == len(labels) == out["n_fresh"]
    # a build that kept no float students (an older train step): no pair, the int8 figures as before
    for k in ("alone", "distilled"):
        (train / kws.FLOAT_STUDENT.format(k)).unlink()
    assert "distill_fresh" not in kws.fresh(BuildConfig("kws", quick=True, out=tmp_path), tmp_path / "fresh2",
                                            say=lambda s: None)
