"""Where the non-Python parts of tinyslm live (templates/, firmware/, boards/).

In a source checkout they are top-level folders beside the package; in an
installed wheel they travel inside it as ``tinyslm/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _root(name: str) -> Path:
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tinyslm installation is incomplete: no '{name}' folder near {_PKG}")


def templates_dir() -> Path:
    return _root("templates")


def firmware_dir() -> Path:
    return _root("firmware")


def boards_dir() -> Path:
    return _root("boards")
