"""The reference feature frontend: int16 PCM -> float features -> int8, in numpy.

Every parameter lives in :class:`FrontendConfig`, a frozen dataclass that
round-trips through JSON (it is stored in the model's metadata). The C
frontend in ``firmware/frontend/`` runs the same maths from tables that
:mod:`tinyslm.data.frontend_c` generates from the same config.

Two presets:

* :meth:`FrontendConfig.kws` -- the MLPerf Tiny keyword-spotting MFCC
  (``benchmark/training/keyword_spotting/get_dataset.py`` in mlcommons/tiny):
  the clip (zero-padded to 16000 samples) is divided by its maximum sample
  value; STFT with a 480-sample periodic Hann window, 320-sample stride,
  512-point FFT, no end padding (49 frames); magnitude spectrum; 40 triangular
  HTK-mel bands from 20 to 4000 Hz (TensorFlow's
  ``linear_to_mel_weight_matrix``: the DC bin excluded, no area
  normalisation); natural log of (mel + 1e-6); DCT-II scaled by sqrt(2/40)
  (``tf.signal.mfccs_from_log_mel_spectrograms``); the first 10 coefficients.
  Output 49 x 10, quantized with the shared MLPerf model's input parameters
  (scale 0.5847029, zero point 83).
* :meth:`FrontendConfig.anomaly` -- log-mel frames for machine sound:
  16 kHz, 1024-sample periodic Hann window and FFT (64 ms), 512-sample hop
  (32 ms), power spectrum, 64 HTK-mel bands from 0 to 8000 Hz,
  10*log10(mel + 1e-8) in dB of full scale; PCM scaled by 1/32768 (no
  normalisation: loudness matters for anomalies). Windows of 32 frames
  (about 1 s) go to the model.

Quantization is ``q = clamp(round_half_away(x / scale) + zero_point, -128, 127)``
(TFLite's QUANTIZE rounding).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import DataError

# The MLPerf Tiny KWS reference model's input quantization (read from its .tflite).
MLPERF_KWS_SCALE = 0.5847029089927673
MLPERF_KWS_ZERO_POINT = 83


@dataclass(frozen=True)
class FrontendConfig:
    kind: str  # "mfcc" (cepstra) or "logmel" (log mel energies)
    sample_rate: int = 16000  # Hz
    clip_samples: int | None = 16000  # pad/cut every clip to this many samples (None: any length)
    frame_length: int = 480  # samples per analysis window
    frame_step: int = 320  # samples between window starts
    fft_size: int = 512  # power of two >= frame_length; the frame is zero-padded at the end
    window: str = "hann"  # periodic Hann: 0.5 - 0.5 cos(2 pi n / frame_length)
    spectrum: str = "magnitude"  # "magnitude" |X| or "power" |X|^2
    num_mels: int = 40
    mel_low_hz: float = 20.0
    mel_high_hz: float = 4000.0  # HTK mel: 1127 ln(1 + f / 700)
    log: str = "ln"  # "ln": ln(mel + offset); "db": 10 log10(mel + offset)
    log_offset: float = 1e-6
    num_mfcc: int = 10  # cepstra kept (kind="mfcc"); 0 for log-mel
    normalize: str = "peak"  # "peak": divide by the clip's largest sample; "fullscale": divide by 32768
    scale: float = MLPERF_KWS_SCALE  # int8 quantization of the features
    zero_point: int = MLPERF_KWS_ZERO_POINT
    window_frames: int | None = None  # frames per model input window (log-mel; None: the whole clip)
    window_hop: int | None = None  # frames between model input windows

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in ("mfcc", "logmel"):
            problems.append(f"kind must be 'mfcc' or 'logmel', not {self.kind!r}")
        if self.fft_size & (self.fft_size - 1) or self.fft_size < self.frame_length:
            problems.append(f"fft_size={self.fft_size} must be a power of two >= frame_length={self.frame_length}")
        if not 0 < self.frame_step <= self.frame_length:
            problems.append(f"frame_step={self.frame_step} must be in 1..frame_length")
        if self.window != "hann" or self.spectrum not in ("magnitude", "power") or self.log not in ("ln", "db"):
            problems.append("window must be 'hann', spectrum 'magnitude'|'power', log 'ln'|'db'")
        if self.normalize not in ("peak", "fullscale"):
            problems.append(f"normalize must be 'peak' or 'fullscale', not {self.normalize!r}")
        if not 0 <= self.mel_low_hz < self.mel_high_hz <= self.sample_rate / 2:
            problems.append("need 0 <= mel_low_hz < mel_high_hz <= sample_rate / 2")
        if self.kind == "mfcc" and not 0 < self.num_mfcc <= self.num_mels:
            problems.append(f"num_mfcc={self.num_mfcc} must be in 1..num_mels")
        if not (self.scale > 0 and -128 <= self.zero_point <= 127):
            problems.append("scale must be > 0 and zero_point in -128..127")
        if problems:
            raise ValueError("; ".join(problems))

    # ------------------------------------------------------------ presets
    @classmethod
    def kws(cls, scale: float = MLPERF_KWS_SCALE, zero_point: int = MLPERF_KWS_ZERO_POINT) -> "FrontendConfig":
        """The MLPerf Tiny KWS MFCC (49 frames x 10 coefficients)."""
        return cls(kind="mfcc", scale=scale, zero_point=zero_point)

    @classmethod
    def anomaly(cls, scale: float = 0.4, zero_point: int = -3) -> "FrontendConfig":
        """Log-mel frames for machine sound (64 bands per 32 ms hop, 32-frame windows).

        The default int8 range, -50 .. +52 dB re full scale in 0.4 dB steps, holds the
        synthetic machines (about -13 .. +35 dB) with room for louder and quieter
        recordings; :meth:`Frontend.calibrated` fits it to other data.
        """
        return cls(kind="logmel", clip_samples=None, frame_length=1024, frame_step=512, fft_size=1024,
                   spectrum="power", num_mels=64, mel_low_hz=0.0, mel_high_hz=8000.0, log="db", log_offset=1e-8,
                   num_mfcc=0, normalize="fullscale", scale=scale, zero_point=zero_point,
                   window_frames=32, window_hop=16)

    # ------------------------------------------------------------ derived sizes
    @property
    def num_out(self) -> int:
        """Features per frame (MFCCs or mel bands)."""
        return self.num_mfcc if self.kind == "mfcc" else self.num_mels

    def num_frames(self, n_samples: int | None = None) -> int:
        """Frames from a clip of n samples (default: clip_samples); no end padding.

        >>> FrontendConfig.kws().num_frames(), FrontendConfig.anomaly().num_frames(16000)
        (49, 30)
        """
        n = self.clip_samples if n_samples is None else n_samples
        if n is None:
            raise ValueError("this frontend takes clips of any length: give n_samples")
        if self.clip_samples is not None:
            n = self.clip_samples
        return 0 if n < self.frame_length else 1 + (n - self.frame_length) // self.frame_step

    @property
    def float_range(self) -> tuple[float, float]:
        """The float interval int8 features can represent: ((-128 - zp) * s, (127 - zp) * s)."""
        return ((-128 - self.zero_point) * self.scale, (127 - self.zero_point) * self.scale)

    # ------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        return {"frontend": "tinyslm", "version": 1, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "FrontendConfig":
        """The inverse of :meth:`to_dict` (unknown keys are an error, missing ones take defaults).

        >>> c = FrontendConfig.anomaly()
        >>> FrontendConfig.from_dict(json.loads(c.to_json())) == c
        True
        """
        d = dict(d)
        d.pop("frontend", None)
        if d.pop("version", 1) != 1:
            raise DataError("frontend config has an unknown version", hint="upgrade tinyslm")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise DataError(f"frontend config has unknown fields {sorted(unknown)}")
        return cls(**d)


# ---------------------------------------------------------------- helpers (shared with the C table emitter)
def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """HTK mel scale as TensorFlow writes it: 1127 ln(1 + f / 700).

    >>> round(float(hz_to_mel(700.0)), 4)
    781.1769
    """
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)


def hann_window(n: int) -> np.ndarray:
    """Periodic Hann window (tf.signal.hann_window's default).

    >>> np.round(hann_window(4), 12).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def mel_matrix(cfg: FrontendConfig) -> np.ndarray:
    """(fft_size/2 + 1, num_mels) triangular weights, TensorFlow's linear_to_mel_weight_matrix."""
    n_bins = cfg.fft_size // 2 + 1
    freqs = np.linspace(0.0, cfg.sample_rate / 2.0, n_bins)[1:]  # the DC bin gets no weight
    bin_mel = hz_to_mel(freqs)[:, None]
    edges = np.linspace(hz_to_mel(cfg.mel_low_hz), hz_to_mel(cfg.mel_high_hz), cfg.num_mels + 2)
    lower, center, upper = edges[:-2][None, :], edges[1:-1][None, :], edges[2:][None, :]
    w = np.maximum(0.0, np.minimum((bin_mel - lower) / (center - lower), (upper - bin_mel) / (upper - center)))
    return np.concatenate([np.zeros((1, cfg.num_mels)), w], axis=0)


def dct_matrix(num_out: int, num_in: int) -> np.ndarray:
    """(num_out, num_in) DCT-II scaled by sqrt(2 / num_in), as tf.signal.mfccs_from_log_mel_spectrograms.

    >>> np.round(dct_matrix(2, 2), 4).tolist()
    [[1.0, 1.0], [0.7071, -0.7071]]
    """
    k = np.arange(num_out)[:, None]
    n = np.arange(num_in)[None, :]
    return np.cos(np.pi * k * (2 * n + 1) / (2.0 * num_in)) * np.sqrt(2.0 / num_in)


def quantize_features(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Float features to int8: clamp(round_half_away(x / scale) + zero_point, -128, 127).

    >>> quantize_features(np.array([0.0, 0.25, -0.25, 0.75, 1e9]), 0.5, 3).tolist()
    [3, 4, 2, 5, 127]
    """
    v = np.asarray(x, np.float64) / scale
    r = np.sign(v) * np.floor(np.abs(v) + 0.5)
    return np.clip(r + zero_point, -128, 127).astype(np.int8)


def dequantize_features(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int8 features back to float32: (q - zero_point) * scale.

    >>> dequantize_features(np.array([3, 5], np.int8), 0.5, 3).tolist()
    [0.0, 1.0]
    """
    return ((np.asarray(q, np.float32) - np.float32(zero_point)) * np.float32(scale)).astype(np.float32)


# ---------------------------------------------------------------- the frontend
class Frontend:
    """int16 PCM (n,) or (N, n) -> features (frames, num_out) or (N, frames, num_out)."""

    def __init__(self, config: FrontendConfig):
        self.config = config

    @cached_property
    def window(self) -> np.ndarray:
        return hann_window(self.config.frame_length)

    @cached_property
    def mel(self) -> np.ndarray:
        return mel_matrix(self.config)

    @cached_property
    def dct(self) -> np.ndarray | None:
        c = self.config
        return dct_matrix(c.num_mfcc, c.num_mels) if c.kind == "mfcc" else None

    # ---- float features
    def gain(self, pcm: np.ndarray) -> np.ndarray:
        """The multiplier from int16 samples to the float signal, per clip (shape pcm.shape[:-1] + (1,)).

        "peak": 1 / max(sample) -- MLPerf divides by tf.reduce_max of the clip; a clip whose
        largest sample is <= 0 (digital silence) uses 1/32768 instead of dividing by zero.
        "fullscale": 1/32768.
        """
        if self.config.normalize == "peak":
            m = pcm.max(axis=-1, keepdims=True).astype(np.float64)
            return np.where(m > 0, 1.0 / np.maximum(m, 1.0), 1.0 / 32768.0)
        return np.full(pcm.shape[:-1] + (1,), 1.0 / 32768.0)

    def float_features(self, pcm: np.ndarray, batch: int = 128) -> np.ndarray:
        """float32 features before quantization."""
        pcm = self._check(pcm)
        if pcm.ndim == 1:
            return self._compute(pcm[None])[0]
        parts = [self._compute(pcm[i:i + batch]) for i in range(0, len(pcm), batch)]
        if not parts:
            return np.zeros((0, self.config.num_frames(pcm.shape[-1]), self.config.num_out), np.float32)
        return np.concatenate(parts)

    def _check(self, pcm: np.ndarray) -> np.ndarray:
        pcm = np.asarray(pcm)
        if pcm.dtype != np.int16:
            raise TypeError(f"the frontend takes int16 PCM, got {pcm.dtype} (use tinyslm.data.audio.to_int16)")
        if pcm.ndim not in (1, 2):
            raise ValueError(f"PCM must be (n,) or (N, n), got shape {pcm.shape}")
        c = self.config
        if c.clip_samples is not None and pcm.shape[-1] != c.clip_samples:
            pad = [(0, 0)] * (pcm.ndim - 1)
            pcm = pcm[..., :c.clip_samples]
            pcm = np.pad(pcm, pad + [(0, c.clip_samples - pcm.shape[-1])])
        if pcm.shape[-1] < c.frame_length:
            raise DataError(f"audio of {pcm.shape[-1]} samples is shorter than one {c.frame_length}-sample frame")
        return pcm

    def _compute(self, pcm: np.ndarray) -> np.ndarray:
        c = self.config
        x = pcm.astype(np.float64) * self.gain(pcm)
        n_frames = c.num_frames(x.shape[-1])
        idx = np.arange(n_frames)[:, None] * c.frame_step + np.arange(c.frame_length)[None, :]
        frames = x[:, idx] * self.window  # (N, frames, frame_length)
        spec = np.abs(np.fft.rfft(frames, n=c.fft_size, axis=-1))  # (N, frames, fft/2 + 1)
        if c.spectrum == "power":
            spec = spec * spec
        mel = spec @ self.mel  # (N, frames, mels)
        feat = np.log(mel + c.log_offset) if c.log == "ln" else 10.0 * np.log10(mel + c.log_offset)
        if self.dct is not None:
            feat = feat @ self.dct.T  # (N, frames, mfcc)
        return feat.astype(np.float32)

    # ---- int8 features
    def quantize(self, x: np.ndarray) -> np.ndarray:
        return quantize_features(x, self.config.scale, self.config.zero_point)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return dequantize_features(q, self.config.scale, self.config.zero_point)

    def __call__(self, pcm: np.ndarray) -> np.ndarray:
        """int8 features: what the device computes and the model takes."""
        return self.quantize(self.float_features(pcm))

    def calibrated(self, x: np.ndarray, low: float = 0.0005, high: float = 0.9995) -> "Frontend":
        """The same frontend with (scale, zero_point) fitted to float features x: the [low, high]
        quantiles of x span the int8 range."""
        lo, hi = (float(v) for v in np.quantile(np.asarray(x, np.float64), [low, high]))
        if not hi > lo:
            hi = lo + 1.0
        scale = (hi - lo) / 255.0
        zp = int(np.clip(round(-128 - lo / scale), -128, 127))
        return type(self)(dataclasses.replace(self.config, scale=scale, zero_point=zp))


class KwsFrontend(Frontend):
    """The MLPerf Tiny KWS MFCC frontend: int16 (16000,) -> int8 (49, 10)."""

    def __init__(self, config: FrontendConfig | None = None):
        super().__init__(config or FrontendConfig.kws())


class AdFrontend(Frontend):
    """Log-mel frontend for machine sound: int16 (n,) -> (frames, 64); :meth:`windows` cuts model inputs."""

    def __init__(self, config: FrontendConfig | None = None):
        super().__init__(config or FrontendConfig.anomaly())

    def windows(self, feats: np.ndarray) -> np.ndarray:
        """(frames, bands) -> (n_windows, window_frames, bands), windows every window_hop frames.

        >>> AdFrontend().windows(np.zeros((64, 64))).shape
        (3, 32, 64)
        """
        c = self.config
        w, hop = c.window_frames or len(feats), c.window_hop or c.window_frames or len(feats)
        if len(feats) < w:
            raise DataError(f"clip gives {len(feats)} frames, fewer than one {w}-frame window",
                            hint=f"use clips of at least {(w - 1) * c.frame_step + c.frame_length} samples")
        starts = range(0, len(feats) - w + 1, hop)
        return np.stack([feats[s:s + w] for s in starts])
