"""Synthetic rotating-machine sound with physically motivated faults, in the DCASE 2020 Task 2 layout.

A machine (type + id) is a shaft turning at f_r (1500..3000 rpm), heard as:

* shaft harmonics k * f_r (k = 1..12, amplitudes falling as k^-alpha, per id),
* a blade/vane-pass tone n_blades * f_r and its harmonics (fan, pump) or the
  electrical 2 x mains line (motor),
* broadband flow/aerodynamic noise coloured by three structural resonances,
  modulated once per revolution,
* a factory background (rumble, mains hum, distant impacts) at 6..15 dB SNR.

Normal clips vary the way real ones do: speed +-1% between clips and a slow
wander within a clip, a load (0..1) that slows the shaft (slip) and scales the
harmonics, and in 30% of clips a load step part-way through.

Anomalies (test split only; training is normal data only), each at severity 1..3:

* ``imbalance`` -- the 1x harmonic grows (x2.5, x4, x6),
* ``misalignment`` -- 2x and 3x grow (x3, x5, x8 and half that),
* ``looseness`` -- many harmonics up to 20x and half-order subharmonics
  (0.5x, 1.5x, ...) appear, with rattling impacts once per revolution,
* ``bearing_outer`` -- impacts at the outer-race defect rate
  BPFO = n_b/2 (1 - d/D) f_r, each ringing a 2..5 kHz structural resonance,
* ``bearing_inner`` -- impacts at BPFI = n_b/2 (1 + d/D) f_r, amplitude
  modulated once per revolution (the defect passes through the load zone).

Files: ``<type>/train/normal_id_XX_NNNNNNNN.wav``,
``<type>/test/{normal,anomaly}_id_XX_NNNNNNNN.wav`` (16 kHz mono int16),
``clips.csv`` (each clip's recipe: id, kind, severity, speed, load, SNR) and
``dataset.json`` (written last). Same profile and seed: same bytes.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from .audio import to_int16, write_wav
from .noise import brown, hum, scale_for_snr, shaped
from .output import SynthReport, prepare_output_dir, write_csv

SAMPLE_RATE = 16000
MACHINE_TYPES: tuple[str, ...] = ("fan", "pump", "motor")
ANOMALIES: tuple[str, ...] = ("imbalance", "misalignment", "looseness", "bearing_outer", "bearing_inner")
SEVERITIES: tuple[int, ...] = (1, 2, 3)


@dataclass(frozen=True)
class AdProfile:
    name: str
    machine_types: tuple[str, ...]
    ids: tuple[int, ...]
    train_normal: int  # per id
    test_normal: int  # per id
    test_anomaly: int  # per id
    clip_seconds: float

    @property
    def total(self) -> int:
        return len(self.machine_types) * len(self.ids) * (self.train_normal + self.test_normal + self.test_anomaly)


AD_PROFILES: dict[str, AdProfile] = {
    "default": AdProfile("default", ("fan",), (0, 2, 4, 6), 60, 25, 25, 4.0),
    "quick": AdProfile("quick", ("fan",), (0, 2), 12, 6, 6, 2.0),
}


@dataclass(frozen=True)
class Machine:
    """The fixed character of one machine (type + id)."""

    machine_type: str
    machine_id: int
    shaft_hz: float
    harmonics: tuple[float, ...]  # amplitude of k * f_r, k = 1..12
    blades: int  # blade/vane count (0: none)
    blade_amp: float
    line_hz: float  # mains frequency (motor: 2 x line tone)
    resonances: tuple[tuple[float, float], ...]  # (Hz, bandwidth Hz) of the structure
    ring_hz: float  # resonance excited by bearing impacts
    balls: int  # rolling elements
    ball_ratio: float  # ball diameter / pitch diameter (d/D)
    broadband: float  # flow noise RMS relative to the tonal part
    slip: float  # fractional speed drop at full load
    gain: float  # output RMS of the normal machine (about -20 dBFS, +-5 dB between machines)

    @property
    def tonal_rms(self) -> float:
        """RMS of the normal tonal part at nominal torque (the unit of every other level)."""
        tones = sum(a * a for a in self.harmonics) + (sum((self.blade_amp / h) ** 2 for h in (1, 2, 3))
                                                      if self.blades else self.blade_amp ** 2)
        return float(np.sqrt(tones / 2))

    @classmethod
    def make(cls, machine_type: str, machine_id: int, seed: int) -> "Machine":
        rng = np.random.default_rng([seed, MACHINE_TYPES.index(machine_type), machine_id, 7])
        alpha = rng.uniform(0.7, 1.4)
        harm = tuple(float(v) for v in rng.lognormal(0.0, 0.3, 12) / np.arange(1, 13) ** alpha)
        blades = {"fan": int(rng.integers(5, 10)), "pump": int(rng.integers(5, 8)), "motor": 0}[machine_type]
        res = tuple((float(rng.uniform(lo, hi)), float(rng.uniform(80, 400)))
                    for lo, hi in ((300, 900), (900, 2500), (2500, 6000)))
        return cls(machine_type, machine_id, float(rng.uniform(25.0, 50.0)), harm, blades,
                   float(rng.uniform(0.3, 1.0)), 50.0 if rng.random() < 0.5 else 60.0, res,
                   float(rng.uniform(2000, 5000)), int(rng.integers(8, 13)), float(rng.uniform(0.18, 0.3)),
                   float(rng.uniform(0.3, 0.8)) * (1.5 if machine_type == "fan" else 1.0),
                   float(rng.uniform(0.01, 0.04)), float(rng.uniform(0.05, 0.15)))


@dataclass
class AdClipRecipe:
    path: str
    machine_type: str
    machine_id: int
    split: str
    label: int  # 0 normal, 1 anomalous
    kind: str  # "normal" or one of ANOMALIES
    severity: int
    speed_hz: float
    load: float
    load_step: float  # load change part-way through (0: none)
    snr_db: float


def _impacts(rng: np.random.Generator, phase_rev: np.ndarray, rate_per_rev: float, ring_hz: float,
             decay_s: float, jitter: float = 0.01) -> np.ndarray:
    """Unit impacts `rate_per_rev` times per revolution (timing jitter: a fraction of the period),
    each ringing at ring_hz with an exponential decay."""
    n = phase_rev.size
    events = phase_rev * rate_per_rev
    idx = np.flatnonzero(np.diff(np.floor(events)) > 0) + 1
    period = float(np.median(np.diff(idx))) if idx.size > 1 else float(n)  # samples between impacts
    idx = np.clip(idx + np.round(rng.normal(0.0, jitter * period, idx.size)).astype(int), 0, n - 1)
    train = np.zeros(n)
    np.add.at(train, idx, 1.0 + 0.1 * rng.standard_normal(idx.size))
    m = int(6 * decay_s * SAMPLE_RATE)
    t = np.arange(m) / SAMPLE_RATE
    ring = np.exp(-t / decay_s) * np.sin(2 * np.pi * ring_hz * t)
    size = 1 << int(np.ceil(np.log2(n + m)))
    return np.fft.irfft(np.fft.rfft(train, size) * np.fft.rfft(ring, size), size)[:n]


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x)))


def synth_machine_clip(machine: Machine, kind: str, severity: int, seconds: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """float audio (n,) of one clip and its drawn parameters."""
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    load = float(rng.uniform(0.0, 1.0))
    step = float(rng.choice([-0.3, 0.3])) if rng.random() < 0.3 else 0.0
    at = rng.uniform(0.2, 0.8) * seconds
    load_t = np.clip(load + step * np.clip((t - at) / 0.3, 0.0, 1.0), 0.0, 1.0)
    speed = machine.shaft_hz * (1 + rng.normal(0.0, 0.01)) * (1 - machine.slip * load_t)
    speed = speed * (1 + 0.003 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 2 * np.pi)))
    rev = np.cumsum(speed) / SAMPLE_RATE  # shaft angle in revolutions
    torque = 0.8 + 0.4 * load_t

    amps = np.array(machine.harmonics) * rng.lognormal(0.0, 0.1, 12)
    extra: list[tuple[float, float]] = []  # (order, amplitude) for non-integer or high orders
    g = {1: 0, 2: 1, 3: 2}[severity] if kind != "normal" else 0
    if kind == "imbalance":
        amps[0] *= (2.5, 4.0, 6.0)[g]
    elif kind == "misalignment":
        amps[1] *= (3.0, 5.0, 8.0)[g]
        amps[2] *= (1.5, 2.5, 4.0)[g]
    elif kind == "looseness":
        level = amps[0] * (0.25, 0.4, 0.6)[g]
        amps = np.maximum(amps, level)
        extra += [(k + 0.5, level * 0.6) for k in range(0, 12)] + [(float(k), level * 0.7) for k in range(13, 21)]

    x = np.zeros(n)
    for k, a in enumerate(amps, start=1):
        x += a * torque * np.sin(2 * np.pi * k * rev + rng.uniform(0, 2 * np.pi))
    for order, a in extra:
        x += a * np.sin(2 * np.pi * order * rev + rng.uniform(0, 2 * np.pi))
    if machine.blades:
        for h in (1, 2, 3):
            x += machine.blade_amp / h * torque * np.sin(2 * np.pi * h * machine.blades * rev + rng.uniform(0, 6.3))
    else:
        x += machine.blade_amp * np.sin(2 * np.pi * 2 * machine.line_hz * t + rng.uniform(0, 6.3))
    base = machine.tonal_rms

    def colour(f: np.ndarray) -> np.ndarray:
        g_ = 0.3 / np.sqrt(1 + (f / 2000.0) ** 2)
        for fc, bw in machine.resonances:
            g_ = g_ + 1.0 / (1 + ((f - fc) / bw) ** 2)
        return g_

    flow = shaped(rng, n, SAMPLE_RATE, colour) * (1 + 0.2 * np.sin(2 * np.pi * rev))
    x = x + flow * machine.broadband * base * rng.lognormal(0.0, 0.05)

    if kind == "looseness":
        x += _impacts(rng, rev, 1.0, rng.uniform(500, 1500), 0.004, 0.03) * base * (1.0, 1.6, 2.4)[g]
    if kind in ("bearing_outer", "bearing_inner"):
        sign = -1.0 if kind == "bearing_outer" else 1.0
        rate = machine.balls / 2 * (1 + sign * machine.ball_ratio)
        imp = _impacts(rng, rev, rate, machine.ring_hz, 0.0015)
        if kind == "bearing_inner":
            imp *= 0.5 * (1 + np.cos(2 * np.pi * rev))
        x += imp * base * (0.8, 1.5, 3.0)[g]

    snr = float(rng.uniform(6.0, 15.0))
    bg = brown(rng, n, SAMPLE_RATE) + 0.3 * hum(rng, n, SAMPLE_RATE)
    bg += 0.5 * _impacts(rng, t * rng.uniform(0.5, 2.0), 1.0, rng.uniform(200, 800), 0.02, 0.3)
    normal_power = base * base * (1 + machine.broadband ** 2)  # faults add energy; the background does not know
    x = x + scale_for_snr(normal_power, bg, snr)
    level = machine.gain / np.sqrt(normal_power) * rng.lognormal(0.0, 0.05)  # same microphone, +-0.4 dB
    return x * level, {"speed_hz": round(float(np.mean(speed)), 3), "load": round(load, 3),
                       "load_step": step, "snr_db": round(snr, 2)}


@dataclass(frozen=True)
class AdTask:
    machine_type: str
    machine_id: int
    split: str
    kind: str
    severity: int
    index: int  # per (type, id, split, normal/anomaly)
    seed: int
    seconds: float
    machine_seed: int | None = None  # whose machines these are (None: `seed`'s); the clip itself is `seed`'s


def synth_ad_clip(task: AdTask) -> tuple[AdClipRecipe, np.ndarray]:
    machine = Machine.make(task.machine_type, task.machine_id,
                           task.seed if task.machine_seed is None else task.machine_seed)
    label = int(task.kind != "normal")
    rng = np.random.default_rng([task.seed, MACHINE_TYPES.index(task.machine_type), task.machine_id,
                                 ("train", "test").index(task.split), label, task.index])
    x, params = synth_machine_clip(machine, task.kind, task.severity, task.seconds, rng)
    name = f"{'anomaly' if label else 'normal'}_id_{task.machine_id:02d}_{task.index:08d}.wav"
    recipe = AdClipRecipe(f"{task.machine_type}/{task.split}/{name}", task.machine_type, task.machine_id,
                          task.split, label, task.kind, task.severity, **params)
    return recipe, to_int16(x)


def _work(args: tuple[AdTask, str]) -> dict:
    task, out_dir = args
    recipe, pcm = synth_ad_clip(task)
    write_wav(Path(out_dir) / recipe.path, pcm, SAMPLE_RATE)
    return asdict(recipe)


def _tasks(prof: AdProfile, seed: int, machine_seed: int | None = None) -> list[AdTask]:
    """Every clip of a profile drawn with `seed`; machine_seed: the machines of another seed's dataset
    (new recordings of the same machines, as a DCASE evaluation set holds)."""
    tasks = []
    for mt in prof.machine_types:
        if mt not in MACHINE_TYPES:
            raise DataError(f"unknown machine type {mt!r}", hint=f"use {', '.join(MACHINE_TYPES)}")
        for mid in prof.ids:
            tasks += [AdTask(mt, mid, "train", "normal", 0, i, seed, prof.clip_seconds, machine_seed)
                      for i in range(prof.train_normal)]
            tasks += [AdTask(mt, mid, "test", "normal", 0, i, seed, prof.clip_seconds, machine_seed)
                      for i in range(prof.test_normal)]
            # anomalies cycle through every kind x severity, in a seeded order
            combos = [(k, s) for k in ANOMALIES for s in SEVERITIES]
            order = np.random.default_rng([seed, MACHINE_TYPES.index(mt), mid, 3]).permutation(len(combos))
            tasks += [AdTask(mt, mid, "test", *combos[order[i % len(combos)]], i, seed, prof.clip_seconds,
                             machine_seed) for i in range(prof.test_anomaly)]
    return tasks


def make_ad_dataset(out_dir: str | Path, profile: str | AdProfile = "default", seed: int = 0, *,
                    workers: int = 2, progress: bool = True, overwrite: bool = False) -> SynthReport:
    """Synthesize machine sound into out_dir (DCASE 2020 Task 2 layout). Same profile and seed: same bytes.

    The report's counts are per split: [normal clips, anomalous clips].
    """
    t0 = time.time()
    if isinstance(profile, str):
        if profile not in AD_PROFILES:
            raise DataError(f"unknown anomaly profile {profile!r}", hint=f"use one of {', '.join(AD_PROFILES)}")
        profile = AD_PROFILES[profile]
    out_dir = Path(out_dir)
    stamp = {"generator": "tinyslm.data.ad_synth", "format": 1, "profile": asdict(profile), "seed": seed}
    tasks = _tasks(profile, seed)
    counts = {s: [sum(1 for t in tasks if t.split == s and t.kind == "normal"),
                  sum(1 for t in tasks if t.split == s and t.kind != "normal")] for s in ("train", "test")}
    if prepare_output_dir(out_dir, stamp, overwrite):
        return SynthReport(out_dir, counts, time.time() - t0, True)
    from tqdm import tqdm

    rows: list[dict] = []
    with tqdm(total=len(tasks), desc="machine clips", unit="clip", disable=not progress) as bar:
        jobs = [(t, str(out_dir)) for t in tasks]
        if workers > 1 and len(jobs) > 32:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for row in pool.imap(_work, jobs, chunksize=4):
                    rows.append(row)
                    bar.update(1)
        else:
            for j in jobs:
                rows.append(_work(j))
                bar.update(1)
    write_csv(out_dir / "clips.csv", rows)
    machines = {f"{mt}/id_{mid:02d}": asdict(Machine.make(mt, mid, seed))
                for mt in profile.machine_types for mid in profile.ids}
    info = {**stamp, "layout": "dcase2020", "sample_rate": SAMPLE_RATE, "anomalies": list(ANOMALIES),
            "severities": list(SEVERITIES), "machines": machines, "counts": counts}
    (out_dir / "dataset.json").write_text(json.dumps(info, indent=1) + "\n")
    return SynthReport(out_dir, counts, time.time() - t0, False)
