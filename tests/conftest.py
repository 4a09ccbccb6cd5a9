"""Shared fixtures: the external models, the TF-built op zoo (converted once per run)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/opzoo.py and friends

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def shared_models_dir() -> Path:
    """../shared/models beside the checkout (TINYSLM_SHARED_MODELS overrides)."""
    env = os.environ.get("TINYSLM_SHARED_MODELS")
    return Path(env) if env else ROOT.parent / "shared" / "models"


SHARED_MODELS = sorted(shared_models_dir().glob("*.tflite"))


@pytest.fixture(scope="session")
def shared_models() -> list[Path]:
    if not SHARED_MODELS:  # reported as a skip with its reason, never as a pass
        pytest.skip(f"no external models in {shared_models_dir()} (set TINYSLM_SHARED_MODELS)")
    return SHARED_MODELS


def shared_model_params():
    """Parametrize over the shared models by file name."""
    return pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])


_zoo_cache: dict[str, bytes] = {}


@pytest.fixture(scope="session")
def zoo():
    """zoo(name) -> .tflite bytes of a TF-built op model (converted once per session)."""
    import opzoo

    def get(name: str) -> bytes:
        if name not in _zoo_cache:
            _zoo_cache[name] = opzoo.convert(name)
        return _zoo_cache[name]

    return get
