"""WAV files in and out: 16-bit PCM, mono, at a known sample rate.

Only the standard library's :mod:`wave` and numpy. Everything a user can get
wrong (rate, channels, bit depth, length, a file that is not a WAV) becomes a
:class:`~tinyslm.errors.DataError` naming the file and the fix.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "a.wav")
>>> write_wav(p, np.array([0, 1000, -1000], np.int16), 16000)
>>> read_wav(p).tolist()
[0, 1000, -1000]
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from ..errors import DataError

PathLike = str | Path


def read_wav(path: PathLike, *, rate: int | None = 16000, max_samples: int | None = None,
             channel: int | None = None) -> np.ndarray:
    """Samples of a 16-bit PCM WAV as int16, shape (n,).

    `rate`: the sample rate the file must have (None: any). `max_samples`: the most samples allowed.
    `channel`: which channel of a multi-channel file to keep (None: the file must be mono).
    """
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, fs, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(n)
    except FileNotFoundError:
        raise DataError("WAV file not found", where=str(path)) from None
    except (wave.Error, EOFError, OSError) as e:
        raise DataError(f"not a readable PCM WAV file ({e})", where=str(path),
                        hint="convert it to 16-bit PCM WAV, e.g. `sox IN -b 16 -e signed-integer OUT.wav`") from None
    if width != 2:
        raise DataError(f"WAV has {8 * width}-bit samples; tinyslm reads 16-bit PCM", where=str(path),
                        hint="convert it: `sox IN -b 16 OUT.wav` (or ffmpeg -c:a pcm_s16le)")
    if rate is not None and fs != rate:
        raise DataError(f"WAV sample rate is {fs} Hz, expected {rate} Hz", where=str(path),
                        hint=f"resample the folder to {rate} Hz (e.g. `sox IN -r {rate} OUT.wav`)")
    pcm = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    if pcm.size % channels:
        raise DataError("WAV data is truncated (odd number of samples for its channels)", where=str(path))
    if channels != 1:
        if channel is None:
            raise DataError(f"WAV has {channels} channels; expected mono", where=str(path),
                            hint="mix or pick one channel (`sox IN OUT.wav remix 1`)")
        if not 0 <= channel < channels:
            raise DataError(f"channel {channel} asked for, but the WAV has {channels} channels", where=str(path))
        pcm = pcm.reshape(-1, channels)[:, channel].copy()
    if pcm.size == 0:
        raise DataError("WAV file holds no samples", where=str(path), hint="remove the empty file")
    if max_samples is not None and pcm.size > max_samples:
        raise DataError(f"WAV is {pcm.size / (rate or fs):.3f} s long ({pcm.size} samples), at most "
                        f"{max_samples} samples expected", where=str(path),
                        hint="cut the clip to length (e.g. `sox IN OUT.wav trim 0 1`)")
    return pcm


def wav_info(path: PathLike) -> tuple[int, int, int, int]:
    """(sample rate, channels, bytes per sample, frames) of a WAV, without reading its data."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
    except (wave.Error, EOFError, OSError) as e:
        raise DataError(f"not a readable PCM WAV file ({e})", where=str(path)) from None


def write_wav(path: PathLike, pcm: np.ndarray, rate: int) -> None:
    """Write int16 samples (n,) as a mono 16-bit PCM WAV (same samples, same bytes)."""
    pcm = np.asarray(pcm)
    if pcm.dtype != np.int16 or pcm.ndim != 1:
        raise ValueError(f"write_wav wants a 1-D int16 array, got {pcm.dtype} {pcm.shape}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())


def to_int16(x: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] to int16 (scaled by 32767, rounded, clipped).

    >>> to_int16(np.array([0.0, 0.5, 1.0, -2.0])).tolist()
    [0, 16384, 32767, -32768]
    """
    return np.clip(np.round(np.asarray(x, np.float64) * 32767.0), -32768, 32767).astype(np.int16)


def to_float(pcm: np.ndarray) -> np.ndarray:
    """int16 samples to float64 in [-1, 1).

    >>> to_float(np.array([-32768, 16384], np.int16)).tolist()
    [-1.0, 0.5]
    """
    return np.asarray(pcm, np.float64) / 32768.0


def resample(x: np.ndarray, rate_in: int, rate_out: float) -> np.ndarray:
    """Band-limited resampling by zero-padding/truncating the spectrum (whole signal, one FFT).

    The output has round(len(x) * rate_out / rate_in) samples; content above the lower
    Nyquist frequency is dropped. Deterministic and exact for a pure tone on the bin grid.

    >>> y = resample(np.sin(2 * np.pi * 1000 * np.arange(441) / 22050), 22050, 16000)
    >>> len(y), bool(np.allclose(y, np.sin(2 * np.pi * 1000 * np.arange(320) / 16000), atol=1e-9))
    (320, True)
    """
    x = np.asarray(x, np.float64)
    n_in = x.size
    n_out = int(round(n_in * rate_out / rate_in))
    if n_out == n_in or n_in == 0:
        return x.copy()
    spec = np.fft.rfft(x)
    k = min(spec.size, n_out // 2 + 1)
    out = np.zeros(n_out // 2 + 1, np.complex128)
    out[:k] = spec[:k]
    if n_out < n_in and n_out % 2 == 0:  # the new Nyquist bin must be real
        out[-1] = out[-1].real
    return np.fft.irfft(out, n_out) * (n_out / n_in)


def fit_length(x: np.ndarray, n: int) -> np.ndarray:
    """Zero-pad at the end (or cut) to exactly n samples.

    >>> fit_length(np.array([1, 2, 3]), 5).tolist(), fit_length(np.array([1, 2, 3]), 2).tolist()
    ([1, 2, 3, 0, 0], [1, 2])
    """
    x = np.asarray(x)
    if x.size >= n:
        return x[:n]
    return np.concatenate([x, np.zeros(n - x.size, x.dtype)])
