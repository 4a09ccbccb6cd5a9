"""Words spoken once by an engine for a whole dataset, saved as one .npz and read by every worker process
(:class:`~tinyslm.data.gnuspeech.GnuSpeechTable`, :class:`~tinyslm.data.pico.PicoTable`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError


def check_words(words: list[str], engine: str) -> None:
    """Refuse what an engine's command line or script should not be handed: only letters, spaces, ' and -.

    >>> check_words(["yes", "don't"], "Pico")
    >>> check_words(["yes; rm"], "Pico")
    Traceback (most recent call last):
    ...
    tinyslm.errors.DataError: cannot pass 'yes; rm' to Pico
    """
    for w in words:
        if not w or not all(c.isalpha() or c in " '-" for c in w):
            raise DataError(f"cannot pass {w!r} to {engine}", hint="use plain words")


@dataclass
class WordTable:
    """An .npz of float audio, one entry per spoken word and setting (entry names like ``voice|word|setting``)."""

    path: Path
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @staticmethod
    def save(path: Path, entries: dict[str, np.ndarray]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **{k: x.astype(np.float32) for k, x in entries.items()})

    def entry(self, name: str) -> np.ndarray:
        """One entry's audio (float64); the file is read on first use."""
        if not self._cache:
            with np.load(self.path) as z:
                self._cache.update({k: z[k].astype(np.float64) for k in z.files})
        return self._cache[name]
