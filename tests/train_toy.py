"""Tiny synthetic feature sets for the training tests (no audio, no data module needed).

KWS: 12 classes, each a fixed random smooth MFCC-like pattern (49 x 10), shifted
in time, scaled and noised per example. AD: harmonic log-mel "machine" frames;
anomalies add broadband bursts in a few frames.
"""

from __future__ import annotations

import numpy as np


def toy_kws(n: int, seed: int, classes: int = 12, noise: float = 0.8, frames: int = 49, feats: int = 10):
    protos = np.random.default_rng(1234).standard_normal((classes, frames + 8, feats))
    kernel = np.ones(5) / 5
    protos = 2.0 * np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), 1, protos)
    r = np.random.default_rng(seed)
    y = r.integers(0, classes, n)
    shift = r.integers(0, 9, n)
    x = np.stack([protos[c, s:s + frames] for c, s in zip(y, shift)])
    x = x * r.uniform(0.7, 1.3, (n, 1, 1)) + noise * r.standard_normal(x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def toy_ad(n: int, seed: int, frames: int = 16, mels: int = 32, anomalous: bool = False) -> np.ndarray:
    r = np.random.default_rng(seed)
    f = np.arange(mels)
    x = np.empty((n, frames, mels), np.float32)
    for i in range(n):
        base = r.uniform(3, 5)
        spec = sum(np.exp(-0.5 * ((f - k * base) / 1.0) ** 2) * r.uniform(0.5, 1.0) for k in range(1, 8))
        x[i] = np.log(spec + 0.1)[None] + 0.2 * r.standard_normal((frames, mels))
        if anomalous:
            t = r.integers(0, frames, 4)
            x[i, t] += r.uniform(1.5, 3.0) * np.exp(-0.5 * ((f - r.uniform(8, 28)) / 5) ** 2)
    return x
