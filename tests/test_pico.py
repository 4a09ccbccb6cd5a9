"""SVOX Pico (tinyslm/data/pico.py): HMM-based synthesis from the py-nanotts wheel, a candidate training engine of
the KWS set (issue 17). With CI set its absence fails the run."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinyslm.data import CLASSES, KEYWORDS, KwsProfile, make_kws_dataset
from tinyslm.data import pico
from tinyslm.data.kws_synth import FESTIVAL_TRAIN_PROBABILITY, ClipTask, engine_draw, synth_clip
from tinyslm.errors import DataError

pytestmark = pytest.mark.usefixtures("needs_pico")


def test_a_word_in_every_voice_speed_and_pitch_is_audible_speech_at_16_khz():
    out = pico.synthesize_words(["seven"])
    assert set(out) == {pico.key(v, "seven", s, p) for v in pico.VOICES for s in pico.SPEEDS for p in pico.PITCHES}
    for k, x in out.items():
        seconds = x.size / pico.RATE
        assert 0.25 < seconds < 1.0, (k, seconds)  # trimmed of silence; Pico says "seven" in ~0.5..0.7 s
        assert 0.1 < np.abs(x).max() < 1.0 and np.sqrt(np.mean(x ** 2)) > 0.02, k  # below full scale: no clipping
    us = {s: out[pico.key("en-US", "seven", s, 1.0)].size for s in pico.SPEEDS}
    assert us[1.2] < us[1.0] < us[0.85]  # speed above 1 is quicker speech
    a, b = out[pico.key("en-US", "seven", 1.0, 1.0)], out[pico.key("en-GB", "seven", 1.0, 1.0)]
    assert a.shape != b.shape or not np.allclose(a, b)  # the voices differ
    low, high = out[pico.key("en-US", "seven", 1.0, 0.7)], out[pico.key("en-US", "seven", 1.0, 1.2)]
    assert low.shape != high.shape or not np.allclose(low, high)


def test_same_words_same_audio_in_any_order():
    a = pico.synthesize_words(["yes", "no", "marvin"], voices=("en-GB",), speeds=(1.0,), pitches=(0.85,))
    b = pico.synthesize_words(["marvin", "no", "yes"], voices=("en-GB",), speeds=(1.0,), pitches=(0.85,))
    assert len(a) == 3 and a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_the_child_refuses_to_speak_without_the_fixed_mmap_threshold(tmp_path):
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"voice": "en-US", "text": "yes", "speed": 1.0, "pitch": 1.0}]))
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    r = subprocess.run([sys.executable, "-m", "tinyslm.data.pico_say", str(jobs), str(tmp_path / "o.npz")], env=env,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "MALLOC_MMAP_THRESHOLD_" in r.stderr and not (tmp_path / "o.npz").exists()


def test_table_and_clip(tmp_path):
    table = pico.PicoTable.build(list(KEYWORDS), tmp_path / "pico.npz")
    rate, x = pico.PicoTable(tmp_path / "pico.npz").get("en-GB", "yes", 0.85, 0.7)
    assert rate == 16000 and np.array_equal(x, table.get("en-GB", "yes", 0.85, 0.7)[1])
    tables = (("pico", str(table.path)),)
    # a training word whose engine draw falls in Pico's share (above festival's; GnuSpeech's is 0) is spoken by it
    task = next(t for i in range(200) for t in [ClipTask("train", CLASSES.index("left"), i, 0, tables=tables, pico=0.3, gnuspeech=0.0,
                                                         vocoder=0.0)]
                if FESTIVAL_TRAIN_PROBABILITY <= engine_draw(t) < FESTIVAL_TRAIN_PROBABILITY + 0.3)
    recipe, pcm = synth_clip(task)
    assert recipe.engine == "pico" and recipe.voice.startswith("pico:") and recipe.speed in (118, 100, 83)
    assert recipe.pitch in (70, 85, 100, 120)
    assert pcm.dtype == np.int16 and pcm.shape == (16000,) and np.abs(pcm.astype(np.int32)).max() > 300
    assert np.array_equal(synth_clip(task)[1], pcm)


def test_dataset_with_pico_in_training_is_deterministic(tmp_path):
    tiny = KwsProfile("tiny", 4, 1, 1)
    a = make_kws_dataset(tmp_path / "a", tiny, seed=3, progress=False, pico=0.5, vocoder_copies=0).out_dir
    b = make_kws_dataset(tmp_path / "b", tiny, seed=3, progress=False, pico=0.5, vocoder_copies=0, workers=1).out_dir
    rows = list(csv.DictReader((a / "clips.csv").open()))
    assert "pico" in {r["engine"] for r in rows if r["split"] == "train"}
    assert {r["engine"] for r in rows if r["split"] != "train" and r["word"]} == {"espeak-ng"}
    assert json.loads((a / "dataset.json").read_text())["pico_train"] == 0.5

    def digest(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.wav"))}

    da = digest(a)
    assert {r["path"] for r in rows} <= da.keys() and da == digest(b)  # every clip written, the same bytes


def test_shares_that_overlap_festival_or_gnuspeech_are_refused(tmp_path):
    with pytest.raises(DataError, match="pico share"):
        make_kws_dataset(tmp_path / "a", KwsProfile("tiny", 1, 1, 1), progress=False, pico=0.7)
    with pytest.raises(DataError, match="pico share"):
        make_kws_dataset(tmp_path / "b", KwsProfile("tiny", 1, 1, 1), progress=False, gnuspeech=0.4, pico=0.3)


def test_missing_wheel_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pico, "installed_version", lambda: None)
    with pytest.raises(DataError) as e:
        pico.synthesize_words(["yes"])
    assert "not installed" in e.value.what and pico.PACKAGE in e.value.what and ".ci/setup" in e.value.hint
    with pytest.raises(DataError, match="not installed"):  # before any clip is made
        make_kws_dataset(tmp_path / "out", KwsProfile("tiny", 1, 1, 1), progress=False, pico=0.2)
    assert not (tmp_path / "out" / "clips.csv").exists()
