"""Anomaly-detection data: the machine-sound synthesizer (determinism, faults that are physically
there) and the DCASE / MIMII / ToyADMOS loaders (real layouts, bad folders)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest

from tinyslm.cli import main
from tinyslm.data import AdFrontend, ad_windows, load_ad, make_ad_dataset
from tinyslm.data.ad_synth import ANOMALIES, AdProfile, AdTask, Machine, synth_ad_clip, synth_machine_clip
from tinyslm.data.audio import write_wav
from tinyslm.errors import DataError

RATE = 16000


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ad") / "quick"
    assert main(["data", "anomaly", "--out", str(out), "--profile", "quick"]) == 0
    return out


# ---------------------------------------------------------------- generator
def test_quick_dataset_layout_and_loader(quick):
    assert sorted(p.name for p in (quick / "fan").iterdir()) == ["test", "train"]
    assert all(p.name.startswith("normal_id_") for p in (quick / "fan" / "train").iterdir())
    data = load_ad(quick)
    assert (data.machine_type, data.layout, data.source) == ("fan", "dcase", "tinyslm-synthetic")
    assert len(data.train) + len(data.val) == 24 and len(data.val) >= 2 and not data.train.labels.any()
    assert sorted(set(data.test.ids)) == ["id_00", "id_02"]
    assert data.test.labels.sum() == 12 and (data.test.labels == 0).sum() == 12
    assert all(a.dtype == np.int16 and a.shape == (2 * RATE,) for a in data.test.audio)
    win = ad_windows(data)
    assert win.x_train.dtype == np.int8 and win.x_train.shape[1:] == (32, 64)
    assert len(win.y_test) == len(win.test_groups) == len(win.x_test)
    assert np.array_equal(win.y_test, data.test.labels[win.test_groups])
    assert win.dequantized(win.x_train).dtype == np.float32


def test_same_seed_same_bytes(tmp_path):
    prof = AdProfile("tiny", ("pump",), (1,), 2, 1, 2, 1.5)
    digests = []
    for name, workers in (("a", 1), ("b", 2)):
        make_ad_dataset(tmp_path / name, prof, seed=4, workers=workers, progress=False)
        digests.append({str(p.relative_to(tmp_path / name)): hashlib.sha1(p.read_bytes()).hexdigest()
                        for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})
    assert len(digests[0]) == 7 and digests[0] == digests[1]
    other = synth_ad_clip(AdTask("pump", 1, "train", "normal", 0, 0, 5, 1.5))[1]
    mine = synth_ad_clip(AdTask("pump", 1, "train", "normal", 0, 0, 4, 1.5))[1]
    assert not np.array_equal(other, mine)


def test_every_fault_kind_and_severity_reaches_the_test_split(quick, tmp_path):
    rows = list(csv.DictReader((quick / "clips.csv").open()))
    assert {r["kind"] for r in rows if r["split"] == "train"} == {"normal"}
    prof = AdProfile("grid", ("motor",), (0,), 1, 1, 15, 1.0)
    make_ad_dataset(tmp_path / "g", prof, seed=0, progress=False)
    grid = {(r["kind"], r["severity"]) for r in csv.DictReader((tmp_path / "g" / "clips.csv").open())
            if r["kind"] != "normal"}
    assert grid == {(k, str(s)) for k in ANOMALIES for s in (1, 2, 3)}


# Each fault must leave its physical signature, already at the mildest severity.
MACHINE = Machine.make("fan", 0, 0)


def _spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mag = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    f = np.fft.rfftfreq(x.size, 1 / RATE)
    return f, mag / np.median(mag[(f > 1000) & (f < 4000)])  # relative to the broadband floor


def _order(x: np.ndarray, order: float) -> float:
    """Largest spectral line near order x shaft speed (speed varies by load and between clips)."""
    f, mag = _spectrum(x)
    lo, hi = 0.93 * order * MACHINE.shaft_hz, 1.04 * order * MACHINE.shaft_hz
    return float(mag[(f >= lo) & (f <= hi)].max())


def _envelope_line(x: np.ndarray, per_rev: float) -> float:
    """Envelope spectrum (around the bearing resonance) at the defect rate: classic bearing diagnosis."""
    spec = np.fft.fft(x)
    f = np.abs(np.fft.fftfreq(x.size, 1 / RATE))
    keep = (f > MACHINE.ring_hz - 1000) & (f < MACHINE.ring_hz + 1000) & (np.arange(x.size) < x.size // 2)
    env = np.abs(np.fft.ifft(np.where(keep, 2 * spec, 0)))
    e = np.abs(np.fft.rfft((env - env.mean()) * np.hanning(env.size)))
    fe = np.fft.rfftfreq(env.size, 1 / RATE)
    target = per_rev * MACHINE.shaft_hz
    return float(e[(fe > 0.9 * target) & (fe < 1.06 * target)].max() / np.median(e[(fe > 5) & (fe < 500)]))


BPFO = MACHINE.balls / 2 * (1 - MACHINE.ball_ratio)
BPFI = MACHINE.balls / 2 * (1 + MACHINE.ball_ratio)


@pytest.mark.parametrize("kind, metric", [
    ("imbalance", lambda x: _order(x, 1)),
    ("misalignment", lambda x: _order(x, 2)),
    ("looseness", lambda x: sum(_order(x, o) for o in (1.5, 2.5, 3.5))),
    ("bearing_outer", lambda x: _envelope_line(x, BPFO)),
    ("bearing_inner", lambda x: _envelope_line(x, BPFI)),
])
def test_faults_leave_their_physical_signature(kind, metric):
    normal = [metric(synth_machine_clip(MACHINE, "normal", 0, 2.0, np.random.default_rng([2, i]))[0])
              for i in range(5)]
    faulty = [metric(synth_machine_clip(MACHINE, kind, 1, 2.0, np.random.default_rng([1, i]))[0])
              for i in range(5)]
    assert np.median(faulty) > 1.5 * np.median(normal), (kind, faulty, normal)
    strong = [metric(synth_machine_clip(MACHINE, kind, 3, 2.0, np.random.default_rng([1, i]))[0])
              for i in range(5)]
    assert np.median(strong) > np.median(faulty)


# ---------------------------------------------------------------- loaders on the real layouts
def _noise(seed: int, n: int = RATE * 2, channels: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((n, channels)) * 2000).astype(np.int16).squeeze()


def _multichannel_wav(path: Path, pcm: np.ndarray, rate: int = RATE) -> None:
    import wave

    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())


def test_mimii_layout_with_multichannel_files(tmp_path):
    root = tmp_path / "-6_dB_valve"
    for mid in ("id_00", "id_04"):
        for k in range(6):
            _multichannel_wav(root / "valve" / mid / "normal" / f"{k:08d}.wav", _noise(k, channels=8))
        for k in range(2):
            _multichannel_wav(root / "valve" / mid / "abnormal" / f"{k:08d}.wav", _noise(50 + k, channels=8))
    data = load_ad(root, channel=3, val_fraction=0.25)
    assert (data.machine_type, data.layout) == ("valve", "mimii")
    # per id: 2 anomalies + 2 normals to test, 4 normals left: 1 validation, 3 training
    assert len(data.test) == 8 and data.test.labels.sum() == 4
    assert len(data.train) == 6 and len(data.val) == 2
    for path, audio in zip(data.train.files, data.train.audio):  # channel 3 of the file written above
        assert np.array_equal(audio, _noise(int(Path(path).stem), channels=8)[:, 3])


def test_toyadmos_layout_needs_resampling_permission(tmp_path):
    root = tmp_path / "ToyCar"
    for case in ("case1", "case2"):
        for k in range(4):
            for ch in (1, 2):
                write_wav(root / case / "NormalSound_IND" / f"ab_{case}_ch{ch}_{k}.wav", _noise(k + ch, 48000), 48000)
        write_wav(root / case / "AnomalousSound_IND" / f"ab_{case}_ch1_9.wav", _noise(9, 48000), 48000)
        write_wav(root / case / "AnomalousSound_IND" / f"ab_{case}_ch2_9.wav", _noise(9, 48000), 48000)
    with pytest.raises(DataError) as e:
        load_ad(root)
    assert "48000 Hz" in e.value.what and "resample=True" in e.value.hint
    data = load_ad(root, allow_resample=True, val_fraction=0)
    assert data.layout == "toyadmos" and sorted(set(data.test.ids)) == ["case1", "case2"]
    assert all("_ch1_" in f for f in data.train.files + data.test.files)  # one microphone
    assert all(a.shape == (RATE,) for a in data.train.audio)  # 1 s at 48 kHz -> 16000 samples


@pytest.mark.parametrize("build, message", [
    (lambda r: None, "no machine-sound clips"),
    (lambda r: (write_wav(r / "fan" / "train" / "anomaly_id_00_0.wav", _noise(0), RATE)),
     "training folder holds an anomalous clip"),
    (lambda r: (write_wav(r / "fan" / "train" / "normal_id_00_0.wav", _noise(0), RATE),
                write_wav(r / "fan" / "test" / "id_00_0.wav", _noise(1), RATE)), "neither normal nor anomaly"),
    (lambda r: (write_wav(r / "fan" / "train" / "normal_id_00_0.wav", _noise(0), RATE),
                write_wav(r / "fan" / "test" / "normal_id_00_1.wav", _noise(1), RATE)),
     "need both normal and anomalous"),
    (lambda r: (write_wav(r / "fan" / "train" / "normal_id_00_0.wav", _noise(0), RATE),
                write_wav(r / "pump" / "train" / "normal_id_00_0.wav", _noise(0), RATE)), "several machine types"),
])
def test_bad_folders_are_clear_data_errors(tmp_path, build, message):
    root = tmp_path / "ad"
    root.mkdir()
    build(root)
    with pytest.raises(DataError) as e:
        load_ad(root)
    assert message in e.value.render()


def test_clip_shorter_than_a_window_is_named(tmp_path):
    root = tmp_path / "ad" / "fan"
    write_wav(root / "train" / "normal_id_00_0.wav", _noise(0, RATE // 2), RATE)  # 0.5 s < one 32-frame window
    write_wav(root / "test" / "normal_id_00_1.wav", _noise(1), RATE)
    write_wav(root / "test" / "anomaly_id_00_2.wav", _noise(2), RATE)
    with pytest.raises(DataError) as e:
        ad_windows(load_ad(tmp_path / "ad"), AdFrontend())
    assert "fewer than one 32-frame window" in e.value.what and "normal_id_00_0.wav" in e.value.where


def test_features_cli_writes_npz(quick, tmp_path):
    out = tmp_path / "f.npz"
    assert main(["data", "features", str(quick), "-o", str(out)]) == 0
    z = np.load(out)
    assert z["x_train"].dtype == np.int8 and z["x_test"].shape[1:] == (32, 64)
    assert '"kind": "logmel"' in str(z["frontend"])


def test_fresh_clips_of_the_same_machines():
    """The anomaly build's fresh test set: clips drawn with another seed, of the build's own machines (a machine
    seed); without it, another seed's clips are of other machines."""
    from tinyslm.data.ad_synth import AD_PROFILES, _tasks

    prof = AD_PROFILES["quick"]
    mt, mid = prof.machine_types[0], prof.ids[0]
    fresh = [t for t in _tasks(prof, 1000, machine_seed=0) if t.split == "test"][:2]
    main_ = [t for t in _tasks(prof, 0) if t.split == "test"][:2]
    other = [t for t in _tasks(prof, 1000) if t.split == "test"][:2]
    assert all(t.machine_seed == 0 for t in fresh) and all(t.machine_seed is None for t in main_ + other)
    assert Machine.make(mt, mid, 0) != Machine.make(mt, mid, 1000)  # another seed: another machine
    clips = {name: [synth_ad_clip(t)[1] for t in ts] for name, ts in (("fresh", fresh), ("main", main_),
                                                                      ("other", other))}
    for a, b in zip(clips["fresh"], clips["main"]):
        assert not np.array_equal(a, b)  # new recordings
    # a fresh clip is seed 0's machine driven by seed 1000's draws; an other-machines clip is seed 1000's machine
    from dataclasses import replace

    t = fresh[0]
    as_seed0 = Machine.make(t.machine_type, t.machine_id, 0)
    import tinyslm.data.ad_synth as ad

    made = []
    real_make = ad.Machine.make
    try:
        ad.Machine.make = classmethod(lambda cls, *a: made.append(a) or real_make(*a))  # type: ignore[method-assign]
        synth_ad_clip(t)
        synth_ad_clip(replace(t, machine_seed=None))
    finally:
        ad.Machine.make = real_make  # type: ignore[method-assign]
    assert made == [(t.machine_type, t.machine_id, 0), (t.machine_type, t.machine_id, 1000)]
    assert real_make(*made[0]) == as_seed0
