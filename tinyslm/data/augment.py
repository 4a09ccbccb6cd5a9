"""Waveform augmentations of the synthetic KWS training clips (reverberation lives in noise.py).

* :func:`channel_colour`: a microphone and channel of unknown response: a high-pass roll-off
  (50..300 Hz), a low-pass (3.5..7.5 kHz) and two or three random peaks/dips of +-8 dB, applied as a
  smooth gain curve over one FFT of the clip.

>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal(16000)
>>> y = channel_colour(x, rng)
>>> y.shape == x.shape and not np.allclose(x, y)
True
"""

from __future__ import annotations

import numpy as np


def channel_gain(freqs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random microphone/channel magnitude response (linear gain) at `freqs` Hz."""
    f = np.maximum(freqs, 1.0)
    hp, lp = float(rng.uniform(50.0, 300.0)), float(rng.uniform(3500.0, 7500.0))
    order_hp, order_lp = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    g = 1.0 / np.sqrt(1.0 + (hp / f) ** (2 * order_hp)) / np.sqrt(1.0 + (f / lp) ** (2 * order_lp))
    db = np.zeros_like(f)
    for _ in range(int(rng.integers(2, 4))):
        centre = float(np.exp(rng.uniform(np.log(200.0), np.log(6000.0))))
        width = float(rng.uniform(0.2, 0.8))  # in octaves-ish (log2 units)
        db += float(rng.uniform(-8.0, 8.0)) * np.exp(-0.5 * (np.log2(f / centre) / width) ** 2)
    return g * 10 ** (db / 20)


def channel_colour(x: np.ndarray, rng: np.random.Generator, rate: float = 16000.0) -> np.ndarray:
    """`x` through a random channel response (same length; the level is set again later by the caller)."""
    spec = np.fft.rfft(x)
    gain = channel_gain(np.fft.rfftfreq(len(x), 1.0 / rate), rng)
    return np.fft.irfft(spec * gain, n=len(x))
