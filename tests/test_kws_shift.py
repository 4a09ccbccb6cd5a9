"""The KWS domain-shift dev split (issue 17): built from training-side data only, never the test split or the
held-out engine; the dev voices are left out of training."""

from __future__ import annotations

import shutil

import pytest

from tinyslm.data import KwsProfile, make_kws_dataset
from tinyslm.data.festival import engine_available
from tinyslm.errors import DataError
from tinyslm.train.kws_shift import load_clips, make_dev_set, run

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or not engine_available("festival-diphone"),
                                reason="needs espeak-ng and festival's diphone voices (.ci/setup)")


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp("shift")
    main = make_kws_dataset(base / "main", KwsProfile("tiny", 3, 1, 1), seed=0, progress=False).out_dir
    return main, make_dev_set(base / "dev", per_class=2)


def test_dev_set_is_festival_diphone_under_validation_conditions(roots):
    dev = load_clips(roots[1], ("val",))
    assert len(dev.y) == 24 and set(dev.split) == {"val"}
    assert set(dev.voice) - {""} == {"kal_diphone", "ked_diphone"}


def test_voice_out_run_leaves_the_dev_voice_out_of_training(roots):
    r = run(*roots, train_voices=("espeak", "kal_diphone"), dev_voices=("ked_diphone",), epochs=1, quick=True)
    assert "ked_diphone" not in r["train_voices"] and "espeak" in r["train_voices"]
    assert r["dev_voices"] == ["ked_diphone"] and r["n_val"] == 12
    assert 0.0 <= r["val"] <= 1.0 and 0.0 <= r["dev"] <= 1.0


def test_refuses_the_test_split_and_shared_voices(roots):
    with pytest.raises(DataError, match="train/val clips only"):
        load_clips(roots[0], ("test",))
    with pytest.raises(DataError, match="both training and dev"):
        run(*roots, train_voices=("espeak", "ked_diphone"), dev_voices=("ked_diphone",), epochs=1, quick=True)
