"""Speech from SVOX Pico, the small HMM-based synthesizer of Android's early text-to-speech: the PyPI wheel
``py-nanotts`` (Apache-2.0), which ships the engine and its English voices (en-US ``lh0``, en-GB ``kh0``, both
female speakers).

Pico is statistical parametric synthesis, like festival's held-out HTS voice (kws_synth.OTHER_ENGINE), but another
implementation with other speakers, other training recordings and its own text front end; it is a training engine
candidate of issue 17, adopted or not on the dev splits of kws_shift.py (its docstring holds the rule), never on
the held-out engine.

Pico reads memory it did not initialise: in one process the same text gives other bytes once glibc reuses a freed
heap block. :func:`synthesize_words` therefore speaks in a child process (``python -m tinyslm.data.pico_say``)
started with ``MALLOC_MMAP_THRESHOLD_`` fixed, so that every engine's 2.5 MB pool is fresh (zeroed) pages; the
child speaks its first word twice and fails if the two differ. A table's bytes then depend only on the words.

Voices and variation (fixed before any measurement): both voices at speeds 0.85, 1.0 and 1.2 (quicker above 1)
and pitch factors 0.7, 0.85, 1.0 and 1.2 (Pico's own F0 is about 200 Hz: 0.7 puts it near 140 Hz), volume 0.4
(at Pico's default volume a word's peaks clip at full scale). kws_synth's tract factor then moves the formants.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from ..errors import DataError
from .espeak import trim_silence
from .word_table import WordTable, check_words

ENGINE = "pico"
PACKAGE = "py-nanotts"
VERSION = "0.1.1"  # pinned: the wheel holds the engine and the voices, so the version defines the audio
VOICES: tuple[str, ...] = ("en-US", "en-GB")
SPEEDS: tuple[float, ...] = (0.85, 1.0, 1.2)  # Pico's speed factor: quicker speech above 1
PITCHES: tuple[float, ...] = (0.7, 0.85, 1.0, 1.2)  # factors of the voice's own F0
VOLUME = 0.4
RATE = 16000  # Pico speaks 16 kHz, 16-bit mono
MMAP_THRESHOLD = "131072"  # glibc: allocations of 128 KiB and more are fresh mmap'd pages, never reused heap
SETUP_HINT = f"run ./.ci/setup, or: pip install '{PACKAGE}=={VERSION}' (a Linux x86_64 wheel)"


def installed_version() -> str | None:
    """The installed py-nanotts version, or None when it is not there."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def engine_available() -> bool:
    return installed_version() == VERSION


def require_engine() -> None:
    """Nothing if Pico can speak here, else one clear DataError."""
    have = installed_version()
    if have is None:
        raise DataError(f"{PACKAGE} (SVOX Pico, the pico speech engine) is not installed", where=sys.prefix,
                        hint=SETUP_HINT)
    if have != VERSION:
        raise DataError(f"{PACKAGE} is version {have}, this tinyslm speaks with {VERSION}", where=sys.prefix,
                        hint=SETUP_HINT)


def key(voice: str, word: str, speed: float, pitch: float) -> str:
    """A table entry's name.

    >>> key("en-US", "yes", 1.0, 0.85)
    'en-US|yes|1|0.85'
    """
    return f"{voice}|{word}|{speed:g}|{pitch:g}"


def synthesize_words(words: list[str], voices: tuple[str, ...] = VOICES, speeds: tuple[float, ...] = SPEEDS,
                     pitches: tuple[float, ...] = PITCHES) -> dict[str, np.ndarray]:
    """{key(voice, word, speed, pitch): float audio at RATE, trimmed of silence}, spoken in one child process."""
    require_engine()
    check_words(words, "Pico")
    jobs = [{"voice": v, "text": w, "speed": s, "pitch": p} for v in voices for s in speeds for p in pitches
            for w in words]
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}
    with tempfile.TemporaryDirectory(prefix="tinyslm-pico-") as tmp:
        lst, out = Path(tmp) / "jobs.json", Path(tmp) / "pcm.npz"
        lst.write_text(json.dumps(jobs))
        try:
            r = subprocess.run([sys.executable, "-m", "tinyslm.data.pico_say", str(lst), str(out)], env=env,
                               capture_output=True, text=True, timeout=1800, check=False)
        except subprocess.TimeoutExpired:
            raise DataError("Pico took over 30 minutes", where="tinyslm.data.pico_say", hint=SETUP_HINT) from None
        if r.returncode != 0 or not out.exists():
            raise DataError(f"Pico failed: {(r.stderr or r.stdout).strip()[-400:] or 'no output'}",
                            where="tinyslm.data.pico_say", hint=SETUP_HINT)
        with np.load(out) as z:
            pcm = {k: z[k] for k in z.files}
    spoken: dict[str, np.ndarray] = {}
    for j in jobs:
        k = key(j["voice"], j["text"], j["speed"], j["pitch"])
        x = pcm.get(k)
        if x is None or not np.any(x):
            raise DataError(f"Pico made no audio for {j['text']!r} ({j['voice']}, speed {j['speed']:g}, pitch "
                            f"{j['pitch']:g})", where="tinyslm.data.pico_say", hint=SETUP_HINT)
        spoken[k] = trim_silence(x.astype(np.float64) / 32768.0, RATE)
    return spoken


@dataclass
class PicoTable(WordTable):
    """Every word of a dataset in every Pico voice, speed and pitch, saved once (npz) and read by each worker."""

    engine: str = ENGINE

    @classmethod
    def build(cls, words: list[str], path: Path) -> "PicoTable":
        cls.save(path, synthesize_words(words))
        return cls(path)

    def get(self, voice: str, word: str, speed: float, pitch: float) -> tuple[int, np.ndarray]:
        """(RATE, float audio) of one word."""
        return RATE, self.entry(key(voice, word, speed, pitch))
