"""Speech from espeak-ng (the Debian/Ubuntu package ``espeak-ng``), as float audio at 16 kHz.

One process per utterance (about 10 ms each); the output is a deterministic
function of (voice, variant, speed, pitch, text).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from .audio import resample

ESPEAK_RATE = 22050  # espeak-ng always synthesizes at 22.05 kHz


def espeak_binary() -> str:
    """Path of espeak-ng (or espeak) on PATH, else a DataError naming the package."""
    for name in ("espeak-ng", "espeak"):
        path = shutil.which(name)
        if path:
            return path
    raise DataError("espeak-ng is not installed (needed to synthesize the keyword-spotting dataset)",
                    where="PATH", hint="install it: `sudo apt-get install espeak-ng` (Debian/Ubuntu), "
                    "`brew install espeak-ng` (macOS), or pass --data with a Speech Commands folder")


@dataclass(frozen=True)
class Voice:
    accent: str  # espeak-ng language voice, e.g. "en-us"
    variant: str  # espeak-ng voice variant (voices/!v), e.g. "m3"

    @property
    def name(self) -> str:
        return f"{self.accent}+{self.variant}"


def _pcm_from_wav_bytes(data: bytes) -> np.ndarray:
    """Samples after the 'data' chunk header (espeak-ng streams WAV with placeholder sizes)."""
    pos = data.find(b"data", 12)
    if data[:4] != b"RIFF" or pos < 0:
        raise DataError("espeak-ng did not return WAV audio", hint="check `espeak-ng --stdout hello | file -`")
    body = data[pos + 8:]
    return np.frombuffer(body[:len(body) // 2 * 2], dtype="<i2")


def speak(text: str, voice: Voice, *, speed: int = 175, pitch: int = 50, rate: float = 16000.0,
          binary: str | None = None) -> np.ndarray:
    """Float audio in [-1, 1] of `text` spoken by `voice`, resampled to `rate` Hz (leading and
    trailing silence trimmed)."""
    exe = binary or espeak_binary()
    cmd = [exe, "-v", voice.name, "-s", str(int(speed)), "-p", str(int(pitch)), "-z", "--stdout", text]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
    except OSError as e:
        raise DataError(f"cannot run espeak-ng ({e})", where=exe, hint="reinstall the espeak-ng package") from None
    if r.returncode != 0 or len(r.stdout) < 100:
        raise DataError(f"espeak-ng failed for voice {voice.name!r}: {r.stderr.decode(errors='replace').strip()}",
                        where=" ".join(cmd), hint="check that the voice exists: `espeak-ng --voices=en`")
    x = _pcm_from_wav_bytes(r.stdout).astype(np.float64) / 32768.0
    x = trim_silence(x, ESPEAK_RATE)
    return resample(x, ESPEAK_RATE, rate)


def trim_silence(x: np.ndarray, rate: float, threshold_db: float = -45.0, frame_ms: float = 10.0) -> np.ndarray:
    """Cut leading/trailing 10 ms frames quieter than threshold_db below the loudest frame.

    >>> x = np.concatenate([np.zeros(1000), np.ones(500), np.zeros(1000)])
    >>> len(trim_silence(x, 16000))
    640
    """
    n = max(1, int(rate * frame_ms / 1000))
    frames = len(x) // n
    if frames == 0:
        return x
    energy = (x[:frames * n].reshape(frames, n) ** 2).mean(axis=1)
    if energy.max() <= 0:
        return x[:0]
    loud = np.flatnonzero(energy >= energy.max() * 10 ** (threshold_db / 10))
    return x[loud[0] * n:(loud[-1] + 1) * n]
