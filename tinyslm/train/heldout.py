"""The test split as an object that can be read once.

Every modelling choice is made on the validation split (or on development sets of other seeds); the
test split is read once, at the end of a build, after every model is trained. The training functions
wrap their test arrays in :class:`HeldOut` on entry and read them in one final evaluation block: a
second read (a stage peeking at the test split to decide something) raises instead of passing quietly.

>>> t = HeldOut(np.zeros((2, 3)), np.array([0, 1]))
>>> x, y = t.read()
>>> x.shape, t.was_read
((2, 3), True)
>>> t.read()
Traceback (most recent call last):
...
tinyslm.train.heldout.HeldOutReadTwice: the test split was already read once (a build reads it once, at the end, after every choice is made)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class HeldOutReadTwice(RuntimeError):
    """A second read of a held-out split: a programming error, never a user error."""


@dataclass
class HeldOut:
    x: np.ndarray  # features, as the training function was given them
    y: np.ndarray  # labels (class indices, or 0 normal / 1 anomalous per window)
    name: str = "test"
    _read: bool = field(default=False, repr=False)

    @property
    def was_read(self) -> bool:
        return self._read

    def __len__(self) -> int:
        return len(self.y)

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y), once; the second call raises :class:`HeldOutReadTwice`."""
        if self._read:
            raise HeldOutReadTwice(f"the {self.name} split was already read once (a build reads it once, at the "
                                   "end, after every choice is made)")
        self._read = True
        return self.x, self.y


__all__ = ["HeldOut", "HeldOutReadTwice"]
