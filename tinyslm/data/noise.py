"""Generated background noises, SNR mixing and a simple room reverberation.

Every noise is float64 with unit RMS, a deterministic function of its numpy
Generator. Keyword-spotting training uses :data:`TRAIN_NOISES`; the test split
uses :data:`TEST_NOISES`, which training never sees:

* white  -- flat spectrum
* pink   -- 1/f power (equal energy per octave)
* brown  -- 1/f^2 power (rumble), high-passed at 20 Hz
* hum    -- 50 or 60 Hz mains fundamental and odd/even harmonics over faint white noise
* babble -- 4 to 7 "talkers": speech-shaped noise with two formant peaks each,
  gated by syllable-rate (3 to 6 Hz) envelopes
* colored -- stationary noise with a random smooth spectral envelope (+-20 dB over 6 log-spaced points)
* bursts -- non-stationary noise: colored noise switched by a random smooth envelope (2 to 20 Hz),
  like passing events, footsteps or handling
* whine  -- 1 to 4 steady tones between 500 Hz and 6 kHz with slow vibrato (electronics, motors) over faint noise
* fan    -- (test) low-passed rumble plus a blade-pass tone (90 to 300 Hz) and harmonics with slow wobble
* crackle -- (test) rain/vinyl-like random clicks (each a short decaying burst) over a faint pink bed
* tap    -- (test) running water: band-passed hiss with a fast flutter and bubbles (short rising chirps)
* music  -- background music: sustained chords of harmonic tones (generated, but in no split: as a
  "silence" background it is too word-like for a 49x10 MFCC to learn without hearing it)
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Rng = np.random.Generator
TRAIN_NOISES: tuple[str, ...] = ("white", "pink", "brown", "hum", "babble", "colored", "whine", "bursts")
TEST_NOISES: tuple[str, ...] = ("fan", "crackle", "tap")


def _unit(x: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(x * x))
    return x / rms if rms > 0 else x


def shaped(rng: Rng, n: int, rate: float, gain: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """White noise filtered in the frequency domain by amplitude gain(f), unit RMS.

    >>> x = shaped(np.random.default_rng(0), 4000, 16000, lambda f: (f < 1000).astype(float))
    >>> s = np.abs(np.fft.rfft(x)); bool(s[300:].max() < 1e-9 < s[1:240].min())
    True
    """
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate)
    return _unit(np.fft.irfft(spec * gain(f), n))


def _tones(t: np.ndarray, f0: float, amps: np.ndarray, rng: Rng, speed: np.ndarray | None = None) -> np.ndarray:
    """Harmonics k*f0 (k = 1..len(amps)) with random phases; `speed` scales f0 per sample."""
    cycles = f0 * t if speed is None else f0 * np.cumsum(speed) * (t[1] - t[0])
    phase = 2 * np.pi * cycles
    return sum(a * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k, a in enumerate(amps, start=1))


def white(rng: Rng, n: int, rate: float) -> np.ndarray:
    return _unit(rng.standard_normal(n))


def pink(rng: Rng, n: int, rate: float) -> np.ndarray:
    return shaped(rng, n, rate, lambda f: 1.0 / np.sqrt(np.maximum(f, 20.0)))


def brown(rng: Rng, n: int, rate: float) -> np.ndarray:
    return shaped(rng, n, rate, lambda f: np.where(f < 20.0, 0.0, 1.0 / np.maximum(f, 20.0)))


def hum(rng: Rng, n: int, rate: float) -> np.ndarray:
    t = np.arange(n) / rate
    f0 = 50.0 if rng.random() < 0.5 else 60.0
    amps = rng.uniform(0.05, 1.0, 8) / np.arange(1, 9) ** rng.uniform(0.3, 1.0)
    return _unit(_unit(_tones(t, f0, amps, rng)) + 0.05 * rng.standard_normal(n))


def babble(rng: Rng, n: int, rate: float) -> np.ndarray:
    t = np.arange(n) / rate
    out = np.zeros(n)
    for _ in range(int(rng.integers(4, 8))):
        f1, f2 = rng.uniform(300, 900), rng.uniform(900, 2500)

        def gain(f: np.ndarray, f1: float = f1, f2: float = f2) -> np.ndarray:
            return (1.0 / np.sqrt(1 + (f / 500.0) ** 2) * (1 + 2 * np.exp(-((f - f1) / 150) ** 2)
                                                           + np.exp(-((f - f2) / 250) ** 2)))

        talker = shaped(rng, n, rate, gain)
        syl = rng.uniform(3.0, 6.0)
        env = np.maximum(0.0, np.sin(2 * np.pi * syl * t + rng.uniform(0, 2 * np.pi))
                         + 0.5 * np.sin(2 * np.pi * syl * 0.37 * t + rng.uniform(0, 2 * np.pi)))
        out += talker * env * rng.uniform(0.5, 1.0)
    return _unit(out)


def fan(rng: Rng, n: int, rate: float) -> np.ndarray:
    t = np.arange(n) / rate
    bpf = rng.uniform(90, 300)
    wobble = 1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t)
    tone = _unit(_tones(t, bpf, rng.uniform(0.2, 1.0, 4) / np.arange(1, 5), rng, wobble))
    corner = rng.uniform(200, 600)
    rumble = shaped(rng, n, rate, lambda f: 1.0 / (1 + (f / corner) ** 2))
    return _unit(rumble + rng.uniform(0.3, 1.0) * tone)


def crackle(rng: Rng, n: int, rate: float) -> np.ndarray:
    clicks = np.zeros(n)
    count = rng.poisson(rng.uniform(20, 200) * n / rate)
    pos = rng.integers(0, n, count)
    np.add.at(clicks, pos, rng.standard_normal(count) * rng.pareto(2.0, count))
    tau = rng.uniform(0.0003, 0.002) * rate
    burst = rng.standard_normal(int(6 * tau) + 1) * np.exp(-np.arange(int(6 * tau) + 1) / tau)
    spec = np.fft.rfft(clicks, 2 * n) * np.fft.rfft(burst, 2 * n)
    return _unit(_unit(np.fft.irfft(spec, 2 * n)[:n]) + 0.1 * pink(rng, n, rate))


def colored(rng: Rng, n: int, rate: float) -> np.ndarray:
    points = np.geomspace(50.0, rate / 2, 6)
    db = rng.uniform(-20.0, 0.0, points.size)
    return shaped(rng, n, rate, lambda f: 10 ** (np.interp(np.log(np.maximum(f, 1.0)), np.log(points), db) / 20))


def bursts(rng: Rng, n: int, rate: float) -> np.ndarray:
    cutoff = rng.uniform(2.0, 20.0)
    env = shaped(rng, n, rate, lambda f: (f < cutoff).astype(float))
    env = np.maximum(0.0, env - rng.uniform(-0.5, 1.0)) ** rng.uniform(1.0, 2.0)
    return _unit(colored(rng, n, rate) * env + 0.02 * rng.standard_normal(n))


def whine(rng: Rng, n: int, rate: float) -> np.ndarray:
    t = np.arange(n) / rate
    out = np.zeros(n)
    for _ in range(int(rng.integers(1, 5))):
        vibrato = 1 + 0.005 * np.sin(2 * np.pi * rng.uniform(0.2, 3.0) * t + rng.uniform(0, 2 * np.pi))
        out += rng.uniform(0.2, 1.0) * _tones(t, rng.uniform(500, 6000), np.ones(1), rng, vibrato)
    return _unit(_unit(out) + 0.05 * rng.standard_normal(n))


def tap(rng: Rng, n: int, rate: float) -> np.ndarray:
    fc = rng.uniform(3000.0, 6000.0)  # water hiss sits high
    hiss = shaped(rng, n, rate, lambda f: np.exp(-np.log(np.maximum(f, 1.0) / fc) ** 2 / (2 * 0.6 ** 2)))
    flutter = 1 + 0.3 * shaped(rng, n, rate, lambda f: (f < 30.0).astype(float))
    bubbles = np.zeros(n)
    for _ in range(rng.poisson(rng.uniform(10, 40) * n / rate)):
        m = int(rng.uniform(0.005, 0.02) * rate)
        start = int(rng.integers(0, max(1, n - m)))
        t = np.arange(min(m, n - start)) / rate
        f0 = rng.uniform(400, 2500)
        sweep = f0 * (1 + rng.uniform(0.2, 0.8) * t / max(t[-1], 1e-9)) if t.size else t
        bubbles[start:start + t.size] += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * np.cumsum(sweep) / rate) * \
            np.exp(-t / (m / rate / 3))
    return _unit(_unit(hiss * flutter) + 0.25 * _unit(bubbles) if bubbles.any() else hiss * flutter)


def music(rng: Rng, n: int, rate: float) -> np.ndarray:
    out = np.zeros(n)
    start = 0
    while start < n:
        length = int(rng.uniform(0.25, 0.8) * rate)
        seg = np.arange(min(length, n - start)) / rate
        env = np.minimum(1.0, seg / 0.03) * np.exp(-seg / rng.uniform(0.3, 1.5))
        for _ in range(int(rng.integers(2, 4))):  # a chord
            f0 = 110.0 * 2 ** (rng.integers(0, 30) / 12)
            out[start:start + seg.size] += env * _tones(seg, f0, rng.uniform(0.1, 1, 4) / np.arange(1, 5) ** 2, rng)
        start += length
    return _unit(out + 1e-3 * rng.standard_normal(n))


NOISES: dict[str, Callable[[Rng, int, float], np.ndarray]] = {
    "white": white, "pink": pink, "brown": brown, "hum": hum, "babble": babble, "colored": colored,
    "whine": whine, "bursts": bursts, "fan": fan, "crackle": crackle, "tap": tap, "music": music,
}


def make_noise(kind: str, rng: Rng, n: int, rate: float = 16000.0) -> np.ndarray:
    """Unit-RMS noise of a kind in :data:`NOISES`.

    >>> x = make_noise("pink", np.random.default_rng(1), 1600)
    >>> x.shape, round(float(np.sqrt(np.mean(x ** 2))), 6)
    ((1600,), 1.0)
    """
    return NOISES[kind](rng, n, rate)


def power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, np.float64) ** 2))


def scale_for_snr(signal_power: float, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` scaled so that signal_power / power(noise) = 10^(snr_db / 10).

    >>> y = scale_for_snr(1.0, np.ones(10), 20.0); round(power(y), 6)
    0.01
    """
    p = power(noise)
    return noise * np.sqrt(signal_power / (p * 10 ** (snr_db / 10))) if p > 0 else noise


def reverberate(x: np.ndarray, rng: Rng, rate: float, rt60: float, drr_db: float) -> np.ndarray:
    """Convolve with a synthetic room response: a direct path and an exponentially decaying
    noise tail (-60 dB after rt60 seconds) drr_db below it in energy. Same length as x."""
    m = max(1, int(rt60 * rate))
    tail = rng.standard_normal(m) * np.exp(-6.9078 * np.arange(m) / m)
    tail[0] = 0.0
    tail *= np.sqrt(10 ** (-drr_db / 10) / max(power(tail) * m, 1e-30))
    h = tail
    h[0] = 1.0
    size = 1 << int(np.ceil(np.log2(x.size + m)))
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[:x.size]
    return y
