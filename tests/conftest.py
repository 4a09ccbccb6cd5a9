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

# What CI must have: with the environment variable CI set, a missing one fails the run at its start (with the
# reason) instead of turning the tests that need it into skips; README "Tests that may skip" lists them.
CI_TOOLS = {"qemu-system-arm": "qemu-system-arm", "arm-none-eabi-gcc": "gcc-arm-none-eabi libnewlib-arm-none-eabi",
            "espeak-ng": "espeak-ng", "node": "nodejs npm"}


def ci_missing(which=None) -> list[str]:
    """Why a CI run cannot run every test here (empty when it can)."""
    import shutil

    which = which or shutil.which
    missing = []
    if not sorted(shared_models_dir().glob("*.tflite")):
        missing.append(f"no external models (*.tflite) in {shared_models_dir()}: put them there "
                       "or set TINYSLM_SHARED_MODELS to their folder")
    missing += [f"'{tool}' not found (apt-get install {pkg}, or run ./.ci/setup)"
                for tool, pkg in CI_TOOLS.items() if which(tool) is None]
    return missing


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not getattr(session.config.option, "collectonly", False):
        missing = ci_missing()
        if missing:
            pytest.exit("CI is set and this machine cannot run every test:\n  " + "\n  ".join(missing), returncode=1)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """With CI set, a skipped test fails the run: a skip is never counted as a pass there."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"CI is set: {len(skipped)} skipped test(s) fail the run (see the skip reasons "
                                    "above; README 'Tests that may skip')", red=True)
        terminalreporter._session.exitstatus = pytest.ExitCode.TESTS_FAILED


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


@pytest.fixture()
def needs_gnuspeech() -> None:
    """GnuSpeech (node and its npm package, installed by ./.ci/setup) must be here: a skip elsewhere, a failure with
    CI set (never a skip counted as a pass)."""
    from tinyslm.data import gnuspeech

    if not gnuspeech.engine_available():
        why = (f"GnuSpeech is not installed (node, and {gnuspeech.PACKAGE}@{gnuspeech.VERSION} in "
               f"{gnuspeech.package_dir()}): ./.ci/setup")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture()
def needs_pico() -> None:
    """SVOX Pico (the py-nanotts wheel, a dependency of the train extra installed by ./.ci/setup) must be here: a
    skip elsewhere, a failure with CI set."""
    from tinyslm.data import pico

    if not pico.engine_available():
        why = f"SVOX Pico is not installed ({pico.PACKAGE}=={pico.VERSION}): ./.ci/setup"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
