"""Speech from GnuSpeech, an articulatory synthesizer (a tube model of the vocal tract driven by articulatory
rules), unlike espeak-ng's formant synthesis and Festival's diphones or HTS: the npm package
``@echogarden/gnuspeech-wasm`` (GPL-3.0; a WebAssembly build with its English dictionary), run by node.

Setup (.ci/setup): ``apt-get install nodejs npm`` and
``npm install --prefix .venv/npm @echogarden/gnuspeech-wasm@0.3.0``; the package is looked for under
``<sys.prefix>/npm/node_modules`` (the venv's), or under ``$TINYSLM_GNUSPEECH_DIR/node_modules`` when that is set.

Like Festival (festival.py), a dataset asks for every (voice, word, tempo) once, in one node process per half of
the list (gnuspeech_say.mjs), and the clips draw from that table (:class:`GnuSpeechTable`), resampled to 16 kHz.
GnuSpeech draws a random intonation and pitch drift for each utterance; gnuspeech_say.mjs feeds it from a
generator seeded by the word, voice and tempo, so a table's bytes do not depend on the machine, the process or the
order of the words.

Voices: male, female, large_child and small_child at tempos 0.8, 1.0 and 1.25 (quicker above 1). The ``baby``
voice is left out: its 'yes' has a spectral centroid of 2.8..3.1 kHz (male 1.5, female 2.1..2.3, small child
2.5..2.6) and F0 300..350 Hz, a vocal tract beyond any speaker of the evaluation splits (listen-free checks:
trimmed duration, level, spectral centroid and F0 of yes/no/seven/marvin in every voice and tempo).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from .audio import read_wav, resample, wav_info
from .espeak import trim_silence
from .word_table import WordTable, check_words

ENGINE = "gnuspeech"
PACKAGE = "@echogarden/gnuspeech-wasm"
VERSION = "0.3.0"  # pinned: the package's own rules and random intonation define the audio
VOICES: tuple[str, ...] = ("male", "female", "large_child", "small_child")
TEMPOS: tuple[float, ...] = (0.8, 1.0, 1.25)  # GnuSpeech's tempo: quicker speech above 1
RATE = 16000  # the table's rate (GnuSpeech speaks at 44.1 kHz)
ENV_DIR = "TINYSLM_GNUSPEECH_DIR"  # a folder holding node_modules/@echogarden/gnuspeech-wasm (npm --prefix)
SCRIPT = Path(__file__).with_name("gnuspeech_say.mjs")
SETUP_HINT = (f"run ./.ci/setup, or: apt-get install nodejs npm && "
              f"npm install --prefix {Path(sys.prefix) / 'npm'} {PACKAGE}@{VERSION}")


def node_binary() -> str | None:
    """Path of node (or nodejs) on PATH, or None."""
    return shutil.which("node") or shutil.which("nodejs")


def package_dir() -> Path:
    """Where the package should be: $TINYSLM_GNUSPEECH_DIR or the venv's npm prefix (it may not exist)."""
    root = os.environ.get(ENV_DIR) or str(Path(sys.prefix) / "npm")
    return Path(root) / "node_modules" / PACKAGE


def installed_version() -> str | None:
    """The installed package's version, or None when it is not there."""
    try:
        return str(json.loads((package_dir() / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def engine_available() -> bool:
    return node_binary() is not None and installed_version() == VERSION


def require_engine() -> tuple[str, Path]:
    """(node's path, the package folder) if GnuSpeech can speak here, else one clear DataError."""
    exe = node_binary()
    if exe is None:
        raise DataError("node is not installed (GnuSpeech, the gnuspeech speech engine, runs in node)",
                        where="PATH", hint=SETUP_HINT)
    have = installed_version()
    if have is None:
        raise DataError(f"the npm package {PACKAGE} is not installed", where=str(package_dir()), hint=SETUP_HINT)
    if have != VERSION:
        raise DataError(f"{PACKAGE} is version {have}, this tinyslm speaks with {VERSION}", where=str(package_dir()),
                        hint=SETUP_HINT)
    return exe, package_dir()


def word_seed(voice: str, word: str, tempo: float) -> int:
    """GnuSpeech's random intonation seed for one (voice, word, tempo): 31 bits of a hash."""
    return int.from_bytes(hashlib.sha256(f"{voice}|{word}|{tempo:g}".encode()).digest()[:4], "little") >> 1


def synthesize_words(words: list[str], voices: tuple[str, ...] = VOICES, tempos: tuple[float, ...] = TEMPOS,
                     processes: int = 2) -> dict[tuple[str, str, float], np.ndarray]:
    """{(voice, word, tempo): float audio at RATE, trimmed of silence}, spoken by `processes` node processes."""
    exe, pkg = require_engine()
    check_words(words, "GnuSpeech")
    keys = [(v, w, t) for v in voices for t in tempos for w in words]
    out: dict[tuple[str, str, float], np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="tinyslm-gnuspeech-") as tmp:
        jobs = [{"text": w, "voice": v, "tempo": t, "seed": word_seed(v, w, t), "out": str(Path(tmp) / f"{i}.wav")}
                for i, (v, w, t) in enumerate(keys)]
        n = max(1, min(processes, len(jobs)))
        procs = []
        for p in range(n):
            lst = Path(tmp) / f"jobs{p}.json"
            lst.write_text(json.dumps(jobs[p::n]))
            procs.append(subprocess.Popen([exe, str(SCRIPT), str(pkg), str(lst)], stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE))
        errors = []
        for pr in procs:
            try:
                _, err = pr.communicate(timeout=1800)
            except subprocess.TimeoutExpired:
                pr.kill()
                _, err = pr.communicate()
            if pr.returncode != 0:
                errors.append(err.decode(errors="replace").strip()[-400:])
        if errors:
            raise DataError(f"GnuSpeech failed: {errors[0]}", where=str(SCRIPT), hint=SETUP_HINT)
        for (v, w, t), job in zip(keys, jobs):
            path = Path(job["out"])
            if not path.exists():
                raise DataError(f"GnuSpeech made no audio for {w!r} ({v}, tempo {t})", where=str(SCRIPT),
                                hint=SETUP_HINT)
            rate = wav_info(path)[0]
            x = read_wav(path, rate=None).astype(np.float64) / 32768.0
            out[(v, w, t)] = trim_silence(resample(x, rate, RATE), RATE)
    return out


@dataclass
class GnuSpeechTable(WordTable):
    """Every word of a dataset in every GnuSpeech voice and tempo, saved once (npz) and read by each worker."""

    engine: str = ENGINE

    @classmethod
    def build(cls, words: list[str], path: Path) -> "GnuSpeechTable":
        cls.save(path, {f"{v}|{w}|{t:g}": x for (v, w, t), x in synthesize_words(words).items()})
        return cls(path)

    def get(self, voice: str, word: str, tempo: float) -> tuple[int, np.ndarray]:
        """(RATE, float audio) of one word."""
        return RATE, self.entry(f"{voice}|{word}|{float(tempo):g}")
