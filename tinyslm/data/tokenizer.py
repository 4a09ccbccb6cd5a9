"""Character-level tokenizer: id 0 marks a document boundary, ids 1.. are the corpus's characters.

The model sees ``0 c1 c2 ... cn`` and learns to predict ``c1 ... cn 0``: every document costs its
characters plus one end-of-document symbol, the unit in which bits per character are counted here
and in the source's entropy rate. The decoding table (``chars``) is what the firmware holds.

>>> tok = CharTokenizer.fit(["ab", "ba c"])
>>> tok.chars, tok.vocab_size
(' abc', 5)
>>> tok.encode("cab").tolist(), tok.decode([3, 2, 0, 4])
([4, 2, 3], 'ba')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import DataError

EOS = 0  # end of one document, start of the next (the generation prompt's first token)
MAX_CHARS = 126  # with EOS, a vocabulary of at most 127 symbols


@dataclass(frozen=True)
class CharTokenizer:
    chars: str  # id i + 1 decodes to chars[i]

    @classmethod
    def fit(cls, texts: Iterable[str]) -> "CharTokenizer":
        chars = sorted(set().union(*(set(t) for t in texts)))
        if len(chars) > MAX_CHARS:
            raise DataError(f"the corpus uses {len(chars)} distinct characters; at most {MAX_CHARS} are supported",
                            hint="normalize the text (e.g. lowercase, ASCII) before training")
        if "\x00" in chars:
            raise DataError("the corpus contains NUL characters", hint="remove them")
        return cls("".join(chars))

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 1

    def encode(self, text: str, where: str = "text") -> np.ndarray:
        index = {c: i + 1 for i, c in enumerate(self.chars)}
        try:
            return np.array([index[c] for c in text], np.int32)
        except KeyError as e:
            raise DataError(f"character {e.args[0]!r} is not in the tokenizer's vocabulary", where=where,
                            hint=f"use only these characters: {self.chars!r}") from None

    def decode(self, ids: Iterable[int]) -> str:
        """Text up to the first end-of-document id."""
        out = []
        for i in ids:
            if int(i) == EOS:
                break
            out.append(self.chars[int(i) - 1] if int(i) <= len(self.chars) else "?")
        return "".join(out)

    def to_json(self) -> str:
        return json.dumps({"kind": "char", "eos": EOS, "chars": self.chars})

    @classmethod
    def from_json(cls, text: str) -> "CharTokenizer":
        return cls(json.loads(text)["chars"])

    def save(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n")

    @classmethod
    def load(cls, path: Path) -> "CharTokenizer":
        return cls.from_json(Path(path).read_text())

    def c_table(self) -> str:
        """The decoding table as a C string literal body (index id - 1)."""
        out = []
        for c in self.chars:
            o = ord(c)
            out.append(c if 32 <= o < 127 and c not in '"\\?' else f"\\{o:03o}")
        return "".join(out)
