"""Speech from the Festival synthesizer (Debian packages ``festival``, ``festvox-kallpc16k``,
``festvox-kdlpc16k``, ``festvox-us-slt-hts``): a second and third engine next to espeak-ng.

Festival starts slowly (about a second) but synthesizes a word in milliseconds, so a dataset asks for
every (voice, word, duration stretch) once, in one Festival process per voice (:func:`synthesize_words`),
and the clips draw from that table (:class:`FestivalTable`). Two engines live in the package:

* ``festival-diphone``: concatenated LPC diphones (voices ``kal_diphone``, ``ked_diphone``);
* ``festival-hts``: HMM-based statistical parametric synthesis (``cmu_us_slt_arctic_hts``, hts_engine).

They share Festival's text front end (lexicon, letter-to-sound rules) but make the waveform in
unrelated ways. flite is never used (it is kept as an outside check).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from .audio import read_wav
from .espeak import trim_silence

ENGINES: dict[str, tuple[str, ...]] = {
    "festival-diphone": ("kal_diphone", "ked_diphone"),
    "festival-hts": ("cmu_us_slt_arctic_hts",),
}
STRETCHES: tuple[float, ...] = (0.8, 1.0, 1.25)  # Festival's Duration_Stretch: slower speech above 1
# Target F0 means (Hz) each voice also speaks at (0: the voice's own, about 105 Hz for kal and ked), through
# Festival's linear-regression intonation (int_lr_params): two male diphone speakers become speakers of
# several pitches (the tract factor of kws_synth then moves formants as well). Only the diphone engine:
# the held-out engine keeps its one voice as it is.
PITCHES: dict[str, tuple[float, ...]] = {"festival-diphone": (0.0, 150.0, 200.0), "festival-hts": (0.0,)}
F0_STD_RATIO = 0.14  # target F0 standard deviation / mean (kal_diphone's own: 14 / 105)


def festival_binary() -> str | None:
    """Path of festival on PATH, or None."""
    return shutil.which("festival")


def installed_voices(binary: str | None = None) -> set[str]:
    """The Festival voices on this machine (folders under .../festival/voices/<language>/)."""
    exe = binary or festival_binary()
    if exe is None:
        return set()
    roots = [Path("/usr/share/festival/voices"), Path(exe).resolve().parent.parent / "share" / "festival" / "voices"]
    return {p.name for r in roots if r.is_dir() for lang in r.iterdir() if lang.is_dir() for p in lang.iterdir()
            if p.is_dir()}


def engine_available(engine: str, binary: str | None = None) -> bool:
    return festival_binary() is not None and set(ENGINES[engine]) <= installed_voices(binary)


def require_engine(engine: str) -> str:
    """festival's path if the engine's voices are installed, else one clear DataError."""
    exe = festival_binary()
    if exe is None or not engine_available(engine, exe):
        raise DataError(f"the {engine} engine is not installed (festival and the voices {', '.join(ENGINES[engine])})",
                        where="PATH", hint="install it: `apt-get install festival festvox-kallpc16k "
                        "festvox-kdlpc16k festvox-us-slt-hts` (Debian/Ubuntu), or see .ci/setup")
    return exe


def _quote(text: str) -> str:
    if not all(c.isalnum() or c in " '-" for c in text):
        raise DataError(f"cannot pass {text!r} to Festival", hint="use plain words")
    return text


def synthesize_words(voice: str, words: list[str], stretches: tuple[float, ...] = STRETCHES,
                     binary: str | None = None, f0: float = 0.0) -> dict[tuple[str, float], tuple[int, np.ndarray]]:
    """{(word, stretch): (rate, float audio trimmed of silence)} for one voice, in one Festival run;
    `f0` > 0: intonation moved to that mean F0 in Hz (diphone voices; 0: the voice's own)."""
    exe = binary or festival_binary()
    if exe is None:
        raise DataError("festival is not installed", where="PATH", hint="apt-get install festival")
    out: dict[tuple[str, float], tuple[int, np.ndarray]] = {}
    with tempfile.TemporaryDirectory(prefix="tinyslm-festival-") as tmp:
        lines, names = [f"(voice_{voice})"], {}
        if f0 > 0:
            lines.append(f"(set! int_lr_params '((target_f0_mean {f0:g}) (target_f0_std {F0_STD_RATIO * f0:g}) "
                         "(model_f0_mean 170) (model_f0_std 34)))")
        for si, s in enumerate(stretches):
            lines.append(f"(Parameter.set 'Duration_Stretch {s})")
            for wi, w in enumerate(words):
                path = Path(tmp) / f"{si}_{wi}.wav"
                names[(w, s)] = path
                lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{_quote(w)}")) "{path}" \'riff)')
        script = Path(tmp) / "say.scm"
        script.write_text("\n".join(lines) + "\n")
        r = subprocess.run([exe, "-b", str(script)], capture_output=True, timeout=600, check=False)
        for key, path in names.items():
            if not path.exists():
                raise DataError(f"festival made no audio for {key[0]!r} with voice {voice}: "
                                f"{r.stderr.decode(errors='replace').strip()[:300]}", where=str(script),
                                hint=f"check that the voice is installed: festival -b '(voice_{voice})'")
            pcm, rate = _read_any_rate(path)
            out[key] = (rate, trim_silence(pcm.astype(np.float64) / 32768.0, rate))
    return out


def _read_any_rate(path: Path) -> tuple[np.ndarray, int]:
    from .audio import wav_info

    rate = wav_info(path)[0]
    return read_wav(path, rate=None), rate


@dataclass
class FestivalTable:
    """Every word of a dataset in every voice of an engine, saved once (npz) and read by each worker."""

    engine: str
    path: Path
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, engine: str, words: list[str], path: Path) -> "FestivalTable":
        exe = require_engine(engine)
        arrays: dict[str, np.ndarray] = {}
        for v in ENGINES[engine]:
            for f0 in PITCHES[engine]:
                for (w, s), (rate, x) in synthesize_words(v, words, binary=exe, f0=f0).items():
                    arrays[f"{v}|{w}|{s}|{f0:g}|{rate}"] = x.astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **arrays)
        return cls(engine, path)

    def get(self, voice: str, word: str, stretch: float, f0: float = 0.0) -> tuple[int, np.ndarray]:
        if not self._cache:
            with np.load(self.path) as z:
                for k in z.files:
                    v, w, s, p, rate = k.split("|")
                    self._cache[(v, w, float(s), float(p))] = (int(rate), z[k].astype(np.float64))
        return self._cache[(voice, word, float(stretch), float(f0))]
