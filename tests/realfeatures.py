"""Real feature inputs for the shared models: features of synthetic clips, the kind of input each model was
trained on, instead of uniform random bytes (which saturate most of the MLPerf KWS model's outputs).

* MLPerf KWS: the MLPerf MFCC (tinyslm's `FrontendConfig.kws()`, exact) of synthetic spoken keywords.
* micro_speech: 40 log-mel bands per 30 ms window, 20 ms hop, of the same clips (49 x 40), mapped linearly onto
  the model's input range (its own frontend is TFLM's, with noise reduction and PCAN; the shape of the
  features, not their exact values, is what matters for a stronger oracle test).
* MLPerf AD01: 128 log-mel bands (1024-point FFT, 512 hop, dB) of synthetic machine clips, 5 consecutive
  frames flattened to 640, mapped linearly onto the model's input range.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tinyslm.data.frontend import Frontend, FrontendConfig


def _to_range(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Float features mapped linearly so their 0.5 .. 99.5 percentiles span the int8 input range."""
    lo, hi = np.percentile(x, [0.5, 99.5])
    f_lo, f_hi = (-128 - zero_point) * scale, (127 - zero_point) * scale
    y = (x - lo) / max(hi - lo, 1e-9) * (f_hi - f_lo) + f_lo
    return np.clip(np.round(y / scale) + zero_point, -128, 127).astype(np.int8)


@lru_cache(maxsize=None)
def keyword_clips(n: int, seed: int = 5) -> np.ndarray:
    """(n, 16000) int16: synthetic clips of every class in turn (test-split voices)."""
    from tinyslm.data.kws_synth import ClipTask, synth_clip
    from tinyslm.data.speech_commands import CLASSES

    return np.stack([synth_clip(ClipTask("test", k % len(CLASSES), k, seed))[1] for k in range(n)])


def kws_inputs(n: int) -> list[list[np.ndarray]]:
    """MLPerf KWS: (1, 49, 10, 1) int8 MFCC per clip."""
    q = Frontend(FrontendConfig.kws())(keyword_clips(n))
    return [[x.reshape(1, 49, 10, 1)] for x in q]


def micro_speech_inputs(n: int, scale: float = 0.10171568393707275, zero_point: int = -128) -> list[list[np.ndarray]]:
    """TFLM micro_speech: (1, 1960) int8, 49 frames x 40 log-mel bands per clip."""
    cfg = FrontendConfig(kind="logmel", num_mels=40, num_mfcc=0, mel_low_hz=125.0, mel_high_hz=7500.0,
                         log="ln", log_offset=1e-3)
    x = Frontend(cfg).float_features(keyword_clips(n))
    return [[v.reshape(1, 1960)] for v in _to_range(x, scale, zero_point)]


def ad01_inputs(n: int, scale: float = 0.3910152316093445, zero_point: int = 89, seed: int = 5
                ) -> list[list[np.ndarray]]:
    """MLPerf AD01: (1, 640) int8, 5 frames x 128 log-mel bands, from normal and faulty synthetic machines."""
    from tinyslm.data.ad_synth import ANOMALIES, MACHINE_TYPES, AdTask, synth_ad_clip

    cfg = FrontendConfig(kind="logmel", clip_samples=None, frame_length=1024, frame_step=512, fft_size=1024,
                         spectrum="power", num_mels=128, mel_low_hz=0.0, mel_high_hz=8000.0, log="db",
                         log_offset=1e-10, num_mfcc=0, normalize="fullscale")
    windows = []
    k = 0
    while len(windows) < n:
        kind = "normal" if k % 2 == 0 else ANOMALIES[(k // 2) % len(ANOMALIES)]
        task = AdTask(MACHINE_TYPES[k % len(MACHINE_TYPES)], k % 4, "test", kind, 2, k, seed, 1.0)
        feats = Frontend(cfg).float_features(synth_ad_clip(task)[1])  # (30, 128)
        windows += [feats[j:j + 5].reshape(-1) for j in range(0, feats.shape[0] - 4, 5)]
        k += 1
    q = _to_range(np.stack(windows[:n]), scale, zero_point)
    return [[v.reshape(1, 640)] for v in q]
