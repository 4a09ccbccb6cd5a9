"""Keyword-spotting data: the espeak-ng synthesizer (determinism, balance, held-out voices and noise)
and the Speech Commands loader (real layout, bad folders)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tinyslm.cli import main
from tinyslm.data import CLASSES, KEYWORDS, KWS_PROFILES, KwsProfile, load_kws, make_kws_dataset
from tinyslm.data.audio import write_wav
from tinyslm.data.kws_synth import ClipTask, TEST_VARIANTS, TRAIN_VARIANTS, VAL_VARIANTS, synth_clip
from tinyslm.data.noise import TEST_NOISES, TRAIN_NOISES
from tinyslm.errors import DataError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None and shutil.which("espeak") is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> Path:
    """The quick profile, made through the CLI as a user would."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    out = tmp_path_factory.mktemp("kws") / "quick"
    assert main(["data", "kws", "--out", str(out), "--profile", "quick", "--seed", "3"]) == 0
    return out


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "dataset.json"}


# ---------------------------------------------------------------- generator
@needs_espeak
def test_same_seed_same_bytes_whatever_the_worker_count(tmp_path):
    tiny = KwsProfile("tiny", 1, 1, 1)
    a = make_kws_dataset(tmp_path / "a", tiny, seed=5, workers=1, progress=False)
    b = make_kws_dataset(tmp_path / "b", tiny, seed=5, workers=2, progress=False)
    assert a.total == b.total == 3 * len(CLASSES)
    da, db = _tree_digest(tmp_path / "a"), _tree_digest(tmp_path / "b")
    assert len(da) > 3 * len(CLASSES) and da == db
    # a finished folder is not redone; another seed gives other audio
    again = make_kws_dataset(tmp_path / "a", tiny, seed=5, progress=False)
    assert again.reused
    c = make_kws_dataset(tmp_path / "c", tiny, seed=6, workers=1, progress=False)
    assert not c.reused and _tree_digest(tmp_path / "c") != da


@needs_espeak
def test_clips_vary_and_are_one_second_of_16_bit_audio():
    recipes, clips = zip(*(synth_clip(ClipTask("train", c, i, 0)) for c in (0, 9, 11) for i in range(3)))
    assert all(x.dtype == np.int16 and x.shape == (16000,) for x in clips)
    assert len({r.voice for r in recipes}) > 3 and len({r.speed for r in recipes}) > 3
    for r, x in zip(recipes, clips):
        assert np.abs(x.astype(np.int32)).max() > 300, r  # a word is audible
    assert recipes[6].label == "_unknown_" and recipes[6].word not in KEYWORDS


def test_quick_dataset_is_balanced_and_in_the_speech_commands_layout(quick):
    for name in ("validation_list.txt", "testing_list.txt", "clips.csv", "dataset.json", "_background_noise_"):
        assert (quick / name).exists(), name
    data = load_kws(quick)
    info = json.loads((quick / "dataset.json").read_text())
    assert data.source == "tinyslm-synthetic" and data.classes == CLASSES
    copies = np.bincount([CLASSES.index(r["label"]) for r in csv.DictReader((quick / "clips.csv").open())
                          if r["path"].endswith("_voc.wav")], minlength=len(CLASSES))  # kws_synth.VOCODER_COPIES
    assert copies.sum() == info.get("vocoder_copies", 0) and not copies[CLASSES.index("_silence_")]
    for split in ("train", "val", "test"):
        s = data.split(split)
        assert s.audio.dtype == np.int16 and s.audio.shape == (len(s), 16000)
        own = np.array(s.counts()) - (copies if split == "train" else 0)  # the vocoded copies are training clips
        assert own.tolist() == info["counts"][split] and len(set(own.tolist())) == 1
    assert len(data.train) == 32 * 12 + copies.sum() and len(data.test) == 8 * 12


def test_profiles():
    default, quick = KWS_PROFILES["default"], KWS_PROFILES["quick"]
    assert default.counts("test") == [100] * 12 and default.counts("val") == [60] * 12
    assert default.counts("train")[CLASSES.index("_unknown_")] == 800 and default.counts("train")[0] == 400
    assert default.total == 7120 and quick.total == 552


def test_test_voices_and_noises_are_never_heard_in_training(quick):
    rows = list(csv.DictReader((quick / "clips.csv").open()))
    by_split = {s: [r for r in rows if r["split"] == s] for s in ("train", "val", "test")}
    variants = {s: {r["voice"].split("+")[1] for r in v if r["engine"] == "espeak-ng"} for s, v in by_split.items()}
    # festival's voices speak only training clips (tests/test_quality_fresh.py checks the held-out engine)
    assert {r["engine"] for r in by_split["val"] + by_split["test"] if r["word"]} == {"espeak-ng"}
    noises = {s: {n for r in v for n in r["noise"].split("+") if n} for s, v in by_split.items()}
    assert variants["test"] and variants["test"] <= set(TEST_VARIANTS)
    assert variants["train"] <= set(TRAIN_VARIANTS) and variants["val"] <= set(VAL_VARIANTS)
    assert not set(TEST_VARIANTS) & (set(TRAIN_VARIANTS) | set(VAL_VARIANTS))
    assert noises["test"] and noises["test"] <= set(TEST_NOISES) and noises["train"] <= set(TRAIN_NOISES)
    assert not set(TEST_NOISES) & set(TRAIN_NOISES)
    background = {p.stem.replace("_noise", "") for p in (quick / "_background_noise_").glob("*.wav")}
    assert background == set(TRAIN_NOISES)
    test_list = set((quick / "testing_list.txt").read_text().split())
    assert test_list == {r["path"] for r in by_split["test"]}


def test_cli_refuses_a_non_empty_folder(quick, tmp_path, capsys):
    (tmp_path / "x.txt").write_text("mine")
    assert main(["data", "kws", "--out", str(tmp_path), "--profile", "quick"]) == 2
    assert "not empty" in capsys.readouterr().err


@needs_espeak
def test_gnuspeech_share_leaves_festival_its_words(tmp_path):
    # GnuSpeech's share of the training words lies above festival's in the one engine draw (kws_synth.engine_draw)
    with pytest.raises(DataError, match="gnuspeech share"):
        make_kws_dataset(tmp_path / "out", KwsProfile("tiny", 1, 1, 1), progress=False, gnuspeech=0.7)


def test_missing_espeak_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DataError) as e:
        make_kws_dataset(tmp_path / "out", "quick", progress=False)
    assert "espeak-ng is not installed" in e.value.what and "apt-get install espeak-ng" in e.value.hint


# ---------------------------------------------------------------- loader on the real layout
def _clip(seed: int, n: int = 16000) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * 1000).astype(np.int16)


def _speech_commands(root: Path, lists: bool = True) -> Path:
    """A tiny real-layout folder: 3 keywords, 2 other words, background noise, split lists."""
    files = []
    for w, word in enumerate(["yes", "no", "left", "marvin", "bed"]):
        for spk in range(5):
            rel = f"{word}/{spk:08x}_nohash_0.wav"
            write_wav(root / rel, _clip(10 * w + spk, 16000 if spk else 12000), 16000)  # one short clip
            files.append(rel)
    write_wav(root / "_background_noise_" / "white_noise.wav", _clip(99, 16000 * 30), 16000)
    if lists:
        (root / "validation_list.txt").write_text("".join(f + "\n" for f in files if f.startswith(("yes/00000003",
                                                                                                    "no/00000003"))))
        (root / "testing_list.txt").write_text("".join(f + "\n" for f in files if "/00000004" in f))
    return root


def test_loader_reads_the_real_layout(tmp_path):
    data = load_kws(_speech_commands(tmp_path))
    assert data.source == "speech-commands-folder"
    listed = set((tmp_path / "testing_list.txt").read_text().split())
    assert {f for f in data.test.files if "_nohash_" in f} == listed
    label = {f: int(y) for f, y in zip(data.train.files, data.train.labels)}
    assert label["yes/00000000_nohash_0.wav"] == CLASSES.index("yes") == 9
    assert label["marvin/00000000_nohash_0.wav"] == label["bed/00000001_nohash_0.wav"] == 11
    assert len(data.val) == 2 + data.val.counts()[10] and len(data.test) == 5 + data.test.counts()[10]
    # silence is cut from _background_noise_, about one class's worth per split
    assert 1 <= data.train.counts()[10] <= 3
    assert all(f.startswith("_background_noise_/") for f, y in zip(data.train.files, data.train.labels) if y == 10)
    # the short clip is zero-padded to 1 s
    short = data.train.audio[data.train.files.index("yes/00000000_nohash_0.wav")]
    assert short.shape == (16000,) and not short[12000:].any() and short[:12000].any()


def test_loader_without_lists_splits_by_speaker_hash(tmp_path):
    data = load_kws(_speech_commands(tmp_path, lists=False), max_per_class=2)
    speakers = {s: {f.split("/")[1].split("_")[0] for f in data.split(s).files if "_nohash_" in f}
                for s in ("train", "val", "test")}
    assert not speakers["train"] & speakers["test"] and not speakers["train"] & speakers["val"]
    assert max(data.train.counts()) <= 2


@pytest.mark.parametrize("breakage, message", [
    (lambda r: None, "data folder is empty"),
    (lambda r: write_wav(r / "cat" / "a_nohash_0.wav", _clip(0), 16000), "no keyword folders"),
    (lambda r: write_wav(r / "yes.wav", _clip(0), 16000), "lie directly in the data folder"),
    (lambda r: write_wav(r / "yes" / "a_nohash_0.wav", _clip(0), 8000), "8000 Hz, expected 16000"),
    (lambda r: write_wav(r / "yes" / "a_nohash_0.wav", _clip(0, 24000), 16000), "at most 16000 samples"),
    (lambda r: (write_wav(r / "yes" / "a_nohash_0.wav", _clip(0), 16000),
                (r / "testing_list.txt").write_text("yes/gone_nohash_1.wav\n")), "not in the folder"),
    (lambda r: (r / "yes").mkdir(), "no .wav files"),
])
def test_bad_folders_are_clear_data_errors(tmp_path, breakage, message):
    root = tmp_path / "sc"
    root.mkdir()
    breakage(root)
    with pytest.raises(DataError) as e:
        load_kws(root)
    assert message in e.value.render()


def test_missing_folder_is_a_data_error_through_the_cli(tmp_path, capsys):
    assert main(["data", "features", str(tmp_path / "nowhere"), "--task", "kws"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_features_cli_mfcc_count(quick, tmp_path, capsys):
    """`--mfcc 13` gives 13 cepstra a frame of the same clips, the first 10 the default frontend's (a longer DCT
    leaves the first rows as they were, up to the int8 rounding of one step); anomaly data refuses it."""
    ten, thirteen = tmp_path / "f10.npz", tmp_path / "f13.npz"
    assert main(["data", "features", str(quick), "-o", str(ten)]) == 0
    assert main(["data", "features", str(quick), "-o", str(thirteen), "--mfcc", "13"]) == 0
    a, b = np.load(ten), np.load(thirteen)
    assert a["x_train"].shape[2] == 10 and b["x_train"].shape == a["x_train"].shape[:2] + (13,)
    assert np.array_equal(a["y_val"], b["y_val"])
    assert np.abs(a["x_val"].astype(int) - b["x_val"][..., :10].astype(int)).max() <= 1
    assert json.loads(str(b["frontend"]))["num_mfcc"] == 13
    capsys.readouterr()
    assert main(["data", "features", str(quick), "--task", "anomaly", "--mfcc", "13"]) == 2
    assert "--mfcc sets the keyword-spotting frontend" in capsys.readouterr().err
