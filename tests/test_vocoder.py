"""Vocoder resynthesis of training words (tinyslm/data/vocoder.py) and its hook in the KWS clip recipe."""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil

import numpy as np
import pytest

from tinyslm.data.vocoder import VocoderParams, lpc, pitch_track, resynthesize

RATE = 16000.0


def vowel(f0: float = 120.0, n: int = 8000, seed: int = 0) -> np.ndarray:
    """A pulse train at f0 through two formant resonators, with a little noise: a crude voiced vowel."""
    from scipy.signal import lfilter

    x = np.zeros(n)
    x[::int(RATE / f0)] = 1.0
    for fc, bw in ((700.0, 80.0), (1200.0, 100.0)):
        r = np.exp(-np.pi * bw / RATE)
        x = lfilter([1.0], [1.0, -2 * r * np.cos(2 * np.pi * fc / RATE), r * r], x)
    return x / np.abs(x).max() * np.hanning(n) + 1e-3 * np.random.default_rng(seed).standard_normal(n)


def test_same_seed_same_output_other_seed_other_output():
    x = vowel()
    a, b = resynthesize(x, np.random.default_rng(3)), resynthesize(x, np.random.default_rng(3))
    assert a.tobytes() == b.tobytes()
    assert not np.allclose(a, resynthesize(x, np.random.default_rng(4)))


@pytest.mark.parametrize("seed", range(6))
def test_length_and_level_kept_waveform_changed(seed):
    x = vowel(seed=seed)
    y = resynthesize(x, np.random.default_rng(seed))
    assert y.shape == x.shape and np.all(np.isfinite(y))
    assert np.sqrt(np.mean(y ** 2)) == pytest.approx(np.sqrt(np.mean(x ** 2)), rel=1e-9)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.9  # another excitation: not the same waveform


def test_spectral_envelope_kept():
    """The long-term spectrum's shape (where the formants are) survives; the waveform does not."""
    x = vowel()
    for seed in range(4):
        y = resynthesize(x, np.random.default_rng(seed))

        def bands(s: np.ndarray) -> np.ndarray:
            p = np.abs(np.fft.rfft(s)) ** 2
            return 10 * np.log10(np.add.reduceat(p, np.arange(0, p.size - 1, 250)) + 1e-12)

        bx, by = bands(x), bands(y)
        assert np.corrcoef(bx, by)[0, 1] > 0.8, seed  # 16 bands of 250 Hz


def test_every_envelope_and_extreme_parameters():
    x = vowel()
    for env in ("lpc", "cepstrum"):
        for p in (VocoderParams(env, 10, 80, 1, 0.9, 0.0, -0.3, 0.0),
                  VocoderParams(env, 24, 160, 7, 1.03, 0.03, 0.7, 0.3)):
            y = resynthesize(x, np.random.default_rng(0), params=p)
            assert y.shape == x.shape and np.all(np.isfinite(y)) and not np.allclose(x, y)
    with pytest.raises(ValueError, match="unknown envelope"):
        resynthesize(x, np.random.default_rng(0), params=VocoderParams("mfcc", 10, 80, 1, 1.0, 0.0, 0.0, 0.0))


def test_silence_stays_silence():
    assert not resynthesize(np.zeros(4000), np.random.default_rng(0)).any()
    assert resynthesize(np.zeros(0), np.random.default_rng(0)).size == 0


def test_lpc_recovers_an_ar2_process():
    from scipy.signal import lfilter

    a_true = np.array([1.0, -1.3, 0.8])
    e = np.random.default_rng(1).standard_normal(20000)
    x = lfilter([1.0], a_true, e)
    a, err = lpc(x[None, :], 2)
    np.testing.assert_allclose(a[0], a_true, atol=0.03)
    assert err[0] / len(x) == pytest.approx(1.0, rel=0.1)  # the innovation's power


def test_pitch_track_finds_f0_and_unvoiced_noise():
    for f0 in (100.0, 180.0, 250.0):
        track = pitch_track(vowel(f0), RATE, 160, 50)
        voiced = track[track > 0]
        assert voiced.size > 20 and np.median(voiced) == pytest.approx(f0, rel=0.05), f0
    noise = np.random.default_rng(0).standard_normal(8000)
    assert np.mean(pitch_track(noise, RATE, 160, 50) > 0) < 0.2


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng (.ci/setup)")


@needs_espeak
def test_clip_hook_changes_only_the_word_sound():
    from tinyslm.data.kws_synth import ClipTask, synth_clip, vocoder_draw

    task = ClipTask("train", 2, 5, 0, vocoder=1.0)
    r1, a1 = synth_clip(task)
    r0, a0 = synth_clip(dataclasses.replace(task, vocoder=0.0))
    assert r1.vocoder and not r0.vocoder
    assert dataclasses.replace(r1, vocoder=False) == r0  # every other draw (voice, noise, level, ...) is the same
    assert a1.shape == a0.shape and not np.array_equal(a1, a0)
    assert synth_clip(task)[1].tobytes() == a1.tobytes()
    # only training words: never validation/test clips or silence
    assert vocoder_draw(ClipTask("val", 2, 5, 0, vocoder=1.0)) is None
    assert vocoder_draw(ClipTask("test", 2, 5, 0, vocoder=1.0)) is None
    assert vocoder_draw(ClipTask("train", 10, 5, 0, vocoder=1.0)) is None  # _silence_
    picked = [vocoder_draw(ClipTask("train", 0, i, 0, vocoder=0.3)) is not None for i in range(200)]
    assert 0.2 < np.mean(picked) < 0.4


def read_rows(root) -> dict[str, dict]:
    with open(root / "clips.csv", newline="") as f:
        return {r["path"]: r for r in csv.DictReader(f)}


@pytest.mark.slow
@needs_espeak
def test_vocode_copy_remakes_exactly_the_picked_words(tmp_path):
    from tinyslm.data import KwsProfile, make_kws_dataset
    from tinyslm.train.kws_shift import vocode

    src = make_kws_dataset(tmp_path / "src", KwsProfile("tiny", 4, 1, 0), seed=3, progress=False,
                           splits=("train", "val"), workers=1, vocoder_copies=0).out_dir
    out = vocode(src, tmp_path / "voc", 0.5, voices=("espeak",), workers=1)
    rows, old = read_rows(out), read_rows(src)
    assert set(rows) == set(old)
    picked = [p for p, r in rows.items() if r["vocoder"] == "True"]
    assert picked and all(rows[p]["engine"] == "espeak-ng" and rows[p]["split"] == "train" for p in picked)
    for p, r in rows.items():
        same_file = os.stat(src / p).st_ino == os.stat(out / p).st_ino
        assert same_file != (p in picked), p
        assert {k: v for k, v in r.items() if k != "vocoder"} == {k: v for k, v in old[p].items() if k != "vocoder"}
    # what a build with the vocoder at 0.5 makes: the same clip files
    made = make_kws_dataset(tmp_path / "built", KwsProfile("tiny", 4, 1, 0), seed=3, progress=False,
                            splits=("train", "val"), workers=1, vocoder=0.5).out_dir
    built = read_rows(made)
    for p in picked:
        if rows[p]["engine"] == "espeak-ng":
            assert (made / p).read_bytes() == (out / p).read_bytes(), p
            assert built[p]["vocoder"] == "True"


@needs_espeak
def test_vocoded_copy_is_the_replacing_clip_under_a_new_name():
    from tinyslm.data import KwsProfile, make_kws_dataset
    from tinyslm.data.kws_synth import ClipTask, clip_index, copy_picked, synth_clip
    from tinyslm.errors import DataError

    task = ClipTask("train", 2, 5, 0, vocoder=0.0)
    r0, a0 = synth_clip(task)
    rv, av = synth_clip(dataclasses.replace(task, vocoder=1.0))
    rc, ac = synth_clip(dataclasses.replace(task, copy=True))
    assert rc.path == r0.path[:-4] + "_voc.wav" and clip_index(rc.path) == clip_index(r0.path) == 5
    assert rc.vocoder and dataclasses.replace(rc, path=rv.path) == rv and ac.tobytes() == av.tobytes()
    assert not np.array_equal(ac, a0)
    # the copies are the words the replacing recipe picks at the same probability
    tasks = [ClipTask("train", 0, i, 0) for i in range(50)]
    assert [copy_picked(t, 0.4) for t in tasks] == [vocoder_draw_picks(t, 0.4) for t in tasks]
    assert not copy_picked(ClipTask("val", 0, 1, 0), 1.0) and not copy_picked(ClipTask("train", 10, 1, 0), 1.0)
    with pytest.raises(DataError, match="only a training word"):
        synth_clip(ClipTask("val", 2, 5, 0, copy=True))
    with pytest.raises(DataError, match="exclusive"):
        make_kws_dataset("unused", KwsProfile("tiny", 1, 1, 0), vocoder=0.3, vocoder_copies=0.3, progress=False)


def vocoder_draw_picks(task, p: float) -> bool:
    from tinyslm.data.kws_synth import vocoder_draw

    return vocoder_draw(dataclasses.replace(task, vocoder=p)) is not None


@pytest.mark.slow
@needs_espeak
def test_vocode_beside_adds_the_copies_a_build_makes(tmp_path):
    from tinyslm.data import KwsProfile, make_kws_dataset
    from tinyslm.data.kws_synth import VOCODER_COPIES
    from tinyslm.errors import DataError
    from tinyslm.train.kws_shift import vocode

    src = make_kws_dataset(tmp_path / "src", KwsProfile("tiny", 4, 1, 0), seed=3, progress=False,
                           splits=("train", "val"), workers=1, vocoder_copies=0).out_dir
    out = vocode(src, tmp_path / "voc", 0.5, voices=("espeak",), workers=1, beside=True)
    again = vocode(src, tmp_path / "voc2", 0.5, voices=("espeak",), workers=1, beside=True)
    rows, old = read_rows(out), read_rows(src)
    assert read_rows(again) == rows
    assert {p: r for p, r in rows.items() if p in old} == old  # every clean clip kept, as it was
    assert all(os.stat(src / p).st_ino == os.stat(out / p).st_ino for p in old)
    copies = [p for p in rows if p not in old]
    assert copies and all(p.endswith("_voc.wav") for p in copies)
    for p in copies:
        orig = p[:-len("_voc.wav")] + ".wav"
        assert rows[p]["vocoder"] == "True" and old[orig]["engine"] == "espeak-ng" and old[orig]["split"] == "train"
        assert {k: v for k, v in rows[p].items() if k not in ("path", "vocoder")} == \
            {k: v for k, v in old[orig].items() if k not in ("path", "vocoder")}
        assert (out / p).read_bytes() == (again / p).read_bytes()
    with pytest.raises(DataError, match="already holds vocoded clips"):
        vocode(out, tmp_path / "voc3", 0.5, workers=1, beside=True)
    # what a build with vocoded copies at 0.5 makes: the same copies (its festival words' copies besides)
    made = make_kws_dataset(tmp_path / "built", KwsProfile("tiny", 4, 1, 0), seed=3, progress=False,
                            splits=("train", "val"), workers=1, vocoder_copies=0.5).out_dir
    built = read_rows(made)
    assert {p: r for p, r in built.items() if not p.endswith("_voc.wav")} == old
    assert set(copies) == {p for p, r in built.items() if p.endswith("_voc.wav") and r["engine"] == "espeak-ng"}
    for p in copies:
        assert (made / p).read_bytes() == (out / p).read_bytes() and built[p] == rows[p], p
    # the default build (VOCODER_COPIES) holds its copies; a vocoder that replaces words turns them off
    default = read_rows(make_kws_dataset(tmp_path / "default", KwsProfile("tiny", 4, 1, 0), seed=3, progress=False,
                                         splits=("train", "val"), workers=1).out_dir)
    assert (sum(p.endswith("_voc.wav") for p in default) > 0) == (VOCODER_COPIES > 0)
    assert not any(p.endswith("_voc.wav") for p in read_rows(made_replacing(tmp_path)))


def made_replacing(tmp_path):
    from tinyslm.data import KwsProfile, make_kws_dataset

    return make_kws_dataset(tmp_path / "replacing", KwsProfile("tiny", 2, 1, 0), seed=3, progress=False,
                            splits=("train", "val"), workers=1, vocoder=0.5).out_dir
