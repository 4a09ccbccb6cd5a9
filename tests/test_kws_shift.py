"""The KWS domain-shift dev split (issue 17): built from training-side data only, never the test split or the
held-out engine; the dev voices are left out of training."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from tinyslm.data import KwsProfile, make_kws_dataset
from tinyslm.data.festival import engine_available
from tinyslm.errors import DataError
from tinyslm.train.kws_shift import engine_copies, load_clips, make_dev_set, run, speak_engine

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


def test_cmn_run_scores_a_second_dev_set_with_the_same_model(roots):
    """``run --cmn --dev2``: the cepstral-mean-normalized student, scored on a second dev set too; the second dev
    set's voices are kept out of training as well."""
    r = run(*roots, train_voices=("espeak",), dev_voices=("ked_diphone",), epochs=1, quick=True, cmn=True,
            dev2_root=roots[1], dev2_voices=("kal_diphone",))
    assert r["cmn"] and r["dev_voices"] == ["ked_diphone"] and r["dev2_voices"] == ["kal_diphone"]
    assert 0 < r["n_dev2"] < 24 and 0.0 <= r["dev2"] <= 1.0
    with pytest.raises(DataError, match="both training and dev"):
        run(*roots, train_voices=("espeak", "kal_diphone"), dev_voices=("ked_diphone",), epochs=1, quick=True,
            dev2_root=roots[1], dev2_voices=("kal_diphone",))


def _digests(root):
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.wav"))}


def test_gnuspeech_copy_is_the_build_with_gnuspeech(roots, tmp_path, needs_gnuspeech):
    """`speak_engine` of a build = the train/val clips of a build made with that GnuSpeech share."""
    out = speak_engine(roots[0], tmp_path / "gs", p=0.6)
    direct = make_kws_dataset(tmp_path / "direct", KwsProfile("tiny", 3, 1, 1), seed=0, progress=False,
                              gnuspeech=0.6).out_dir
    clips = load_clips(out, ("train", "val"))
    assert "gnuspeech" in set(clips.voice[clips.split == "train"]) and "gnuspeech" not in set(clips.voice[clips.split
                                                                                                        == "val"])
    want = {k: v for k, v in _digests(direct).items() if k.split("/")[0] != "_background_noise_"}
    got = _digests(out)
    test = set((direct / "testing_list.txt").read_text().split())
    assert got == {k: v for k, v in want.items() if k not in test}
    with pytest.raises(DataError, match="already holds GnuSpeech"):
        speak_engine(out, tmp_path / "again", p=0.2)


def test_gnuspeech_dev_set(tmp_path, needs_gnuspeech):
    dev = load_clips(make_dev_set(tmp_path / "gsdev", per_class=1, engine="gnuspeech"), ("val",))
    assert len(dev.y) == 12 and set(dev.voice) - {""} == {"gnuspeech"}
    with pytest.raises(DataError, match="no dev set"):
        make_dev_set(tmp_path / "x", per_class=1, engine="festival-hts")


def test_pico_copies_are_the_build_with_pico_copies(roots, tmp_path, needs_pico):
    """`engine_copies` of a build = the train/val clips of a build made with that PICO_COPIES, the originals
    untouched (the copies are new files beside them)."""
    out = engine_copies(roots[0], tmp_path / "pc", p=0.5)
    direct = make_kws_dataset(tmp_path / "direct", KwsProfile("tiny", 3, 1, 1), seed=0, progress=False,
                              pico_copies=0.5).out_dir
    clips = load_clips(out, ("train", "val"))
    assert "pico" in set(clips.voice[clips.split == "train"]) and "pico" not in set(clips.voice[clips.split == "val"])
    want = {k: v for k, v in _digests(direct).items() if k.split("/")[0] != "_background_noise_"}
    test = set((direct / "testing_list.txt").read_text().split())
    got = _digests(out)
    assert got == {k: v for k, v in want.items() if k not in test}
    copies = [k for k in got if k.endswith("_pico.wav")]
    assert copies and all(got[k] == _digests(roots[0])[k] for k in got if k in _digests(roots[0]))
    with pytest.raises(DataError, match="already holds GnuSpeech or Pico"):
        engine_copies(out, tmp_path / "again", p=0.2)
