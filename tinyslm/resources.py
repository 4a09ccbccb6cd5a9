"""Where the non-Python parts of tinyslm live (templates/, firmware/, boards/).

In a source checkout they are top-level folders beside the package; in an
installed wheel they travel inside it as ``tinyslm/_data/``. ``TINYSLM_RESOURCES``
names another folder holding all three (e.g. a copy with your own kernels).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _root(name: str) -> Path:
    override = os.environ.get("TINYSLM_RESOURCES")
    if override:
        path = Path(override) / name
        if not path.is_dir():
            raise FileNotFoundError(f"TINYSLM_RESOURCES={override} has no '{name}' folder")
        return path
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


@functools.lru_cache(maxsize=1)
def package_digest() -> str:
    """A hash of tinyslm's own Python code (every .py and .mjs under the package): it joins every build step's key,
    so a step made by other code (a training default or a data recipe changed without a version bump) runs
    again instead of being reused from an earlier build."""
    return code_digest(Path(__file__).resolve().parent)


def code_digest(root: Path, suffixes: tuple[str, ...] = (".py", ".mjs")) -> str:
    """A hash of the names and bytes of the files under `root` with these suffixes."""
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in suffixes and "__pycache__" not in p.parts):
        h.update(f"{f.relative_to(root).as_posix()}\0".encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def sources_digest() -> str:
    """A hash of every file under templates/, firmware/ and boards/: what generated projects are made of, so
    that a build step whose output depends on them runs again when one changes (the compiler's own code is in
    every step's key already: package_digest)."""
    h = hashlib.sha256()
    for root in (templates_dir(), firmware_dir(), boards_dir()):
        for f in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                        and p.suffix != ".pyc"):
            h.update(f"{root.name}/{f.relative_to(root).as_posix()}\0".encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]
