"""GnuSpeech (tinyslm/data/gnuspeech.py): an articulatory synthesizer run by node, a training engine of the KWS set
(issue 17). Needs node and the npm package (./.ci/setup); with CI set their absence fails the run."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest

from tinyslm.data import KwsProfile, make_kws_dataset
from tinyslm.data import gnuspeech as gs
from tinyslm.data.kws_synth import FESTIVAL_TRAIN_PROBABILITY, ClipTask, engine_draw, synth_clip
from tinyslm.errors import DataError


pytestmark = pytest.mark.usefixtures("needs_gnuspeech")


def test_a_word_in_every_voice_and_tempo_is_audible_speech_at_16_khz():
    out = gs.synthesize_words(["seven"])
    assert set(out) == {(v, "seven", t) for v in gs.VOICES for t in gs.TEMPOS}
    for (v, _, t), x in out.items():
        seconds = x.size / gs.RATE
        assert 0.25 < seconds < 1.0, (v, t, seconds)  # trimmed of silence; GnuSpeech says "seven" in ~0.4..0.7 s
        assert 0.1 < np.abs(x).max() <= 1.0 and np.sqrt(np.mean(x ** 2)) > 0.05, (v, t)
    # tempo above 1 is quicker speech; the voices differ
    assert out[("male", "seven", 1.25)].size < out[("male", "seven", 1.0)].size < out[("male", "seven", 0.8)].size
    assert out[("male", "seven", 1.0)].shape != out[("female", "seven", 1.0)].shape or not np.allclose(
        out[("male", "seven", 1.0)], out[("female", "seven", 1.0)])


def test_same_words_same_audio_in_any_process_and_order():
    a = gs.synthesize_words(["yes", "no"], voices=("female",), tempos=(1.0,), processes=1)
    b = gs.synthesize_words(["no", "yes"], voices=("female",), tempos=(1.0,), processes=2)
    assert len(a) == 2 and a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_table_and_clip(tmp_path):
    table = gs.GnuSpeechTable.build(["yes"], tmp_path / "gs.npz")
    rate, x = gs.GnuSpeechTable(tmp_path / "gs.npz").get("small_child", "yes", 0.8)
    assert rate == 16000 and np.array_equal(x, table.get("small_child", "yes", 0.8)[1])
    tables = (("gnuspeech", str(table.path)),)
    # a training word whose engine draw falls in GnuSpeech's share above festival's is spoken by it
    task = next(t for i in range(200) for t in [ClipTask("train", 9, i, 0, tables=tables, gnuspeech=0.3, vocoder=0.0)]
                if FESTIVAL_TRAIN_PROBABILITY <= engine_draw(t) < FESTIVAL_TRAIN_PROBABILITY + 0.3)
    recipe, pcm = synth_clip(task)
    assert recipe.engine == "gnuspeech" and recipe.voice.startswith("gnuspeech:") and recipe.speed in (80, 100, 125)
    assert pcm.dtype == np.int16 and pcm.shape == (16000,) and np.abs(pcm.astype(np.int32)).max() > 300
    assert np.array_equal(synth_clip(task)[1], pcm)


def test_dataset_with_gnuspeech_in_training_is_deterministic(tmp_path):
    tiny = KwsProfile("tiny", 4, 1, 1)
    a = make_kws_dataset(tmp_path / "a", tiny, seed=3, progress=False, gnuspeech=0.5, vocoder_copies=0).out_dir
    b = make_kws_dataset(tmp_path / "b", tiny, seed=3, progress=False, gnuspeech=0.5, vocoder_copies=0,
                         workers=1).out_dir
    rows = list(csv.DictReader((a / "clips.csv").open()))
    assert "gnuspeech" in {r["engine"] for r in rows if r["split"] == "train"}
    assert {r["engine"] for r in rows if r["split"] != "train" and r["word"]} == {"espeak-ng"}

    def digest(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.wav"))}

    da = digest(a)
    assert {r["path"] for r in rows} <= da.keys() and da == digest(b)  # every clip written, the same bytes


def test_missing_package_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(gs.ENV_DIR, str(tmp_path))  # an empty npm prefix
    assert not gs.engine_available()
    with pytest.raises(DataError) as e:
        gs.synthesize_words(["yes"])
    assert "not installed" in e.value.what and gs.PACKAGE in e.value.what and ".ci/setup" in e.value.hint
    assert str(tmp_path) in e.value.where
    with pytest.raises(DataError, match="not installed"):  # before any clip is made
        make_kws_dataset(tmp_path / "out", KwsProfile("tiny", 1, 1, 1), progress=False, gnuspeech=0.2)
    assert not (tmp_path / "out" / "clips.csv").exists()


def test_missing_node_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DataError) as e:
        gs.require_engine()
    assert "node is not installed" in e.value.what and "nodejs npm" in e.value.hint
