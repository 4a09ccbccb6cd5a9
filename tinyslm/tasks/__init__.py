"""Tasks `tinyslm build` knows, one module each: what data it makes or loads, its features, how its
student is sized and trained, how the device's outputs are scored. The build (tinyslm/pipeline.py)
runs the steps in order without knowing the task.

An audio task (keyword spotting, anomaly detection) is an :class:`AudioTask`: the pipeline's shared
steps (sizing, firmware, device, report) call its functions. A task with steps of its own (the
language model) gives ``run(cfg, steps, say) -> report`` instead.

>>> sorted(names())
['anomaly', 'kws', 'lm']
>>> get("kws").metric
'accuracy'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import numpy as np

    from ..pipeline import BuildConfig

# task name -> "module:attribute" (an AudioTask, or a run(cfg, steps, say) function)
REGISTRY = {
    "kws": "tinyslm.tasks.kws:TASK",
    "anomaly": "tinyslm.tasks.anomaly:TASK",
    "lm": "tinyslm.train.lm_task:run_lm_build",
}


@dataclass(frozen=True)
class AudioTask:
    name: str
    metric: str  # what quality means: "accuracy" or "roc_auc"
    frontend: str | None  # the firmware's on-device frontend for raw input, None without one
    data: Callable[["BuildConfig", Path], dict]  # -> data step result (where the dataset is)
    features: Callable[[dict, Path], dict]  # (data result, folder) -> writes features.npz
    train_profile: Callable[[bool], Any]  # quick -> the training config
    size: Callable[[Any, bool], Any]  # (Budget, quick) -> the sizing choice (chosen student or refusal)
    train: Callable[["BuildConfig", dict, Path, Callable[[str], None]], dict]  # -> model.tflite + quality
    device_quality: Callable[["BuildConfig", Path, np.ndarray, np.ndarray, np.ndarray], float]
    raw_audio: Callable[["BuildConfig", dict, Path], dict] | None = None  # PCM through the device frontend
    # quality on held-out sets made at the end of the build (another seed; KWS: a held-out engine):
    # (cfg, folder, say) -> {"test_fresh": ..., ...} or {"skipped": why}
    fresh: Callable[["BuildConfig", Path, Callable[[str], None]], dict] | None = None
    # the build's frontend config when it is not the task's default (a `tinyslm tune` point's), as a dict
    # (FrontendConfig.to_dict); None: the default frontend
    frontend_config: Callable[["BuildConfig"], dict | None] | None = None

    def profile(self, cfg: "BuildConfig") -> Any:
        """The training config of this build: the profile's, or a `tinyslm tune` point's."""
        if cfg.tuned is not None:
            from ..tune.space import train_config

            return train_config(self.name, cfg.tuned, cfg.quick)
        return self.train_profile(cfg.quick)


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> AudioTask | Callable[..., dict]:
    from ..errors import TinyslmError

    if name not in REGISTRY:
        raise TinyslmError(f"unknown task '{name}'", hint=f"use one of: {', '.join(REGISTRY)}")
    module, attr = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), attr)


def device_indices(n_test: int, k: int) -> "np.ndarray":
    """The test examples run on the device: `k` spread evenly over the split (its files come class by class
    or clip by clip, so the first `k` could hold a few classes only, or only normal windows).

    >>> device_indices(10, 4).tolist(), device_indices(3, 200).tolist()
    ([0, 3, 6, 9], [0, 1, 2])
    """
    import numpy as np

    if k >= n_test:
        return np.arange(n_test)
    return np.unique(np.round(np.linspace(0, n_test - 1, k)).astype(np.int64))


def device_examples(out: Path) -> "tuple[np.ndarray, np.ndarray]":
    """(features, labels) of the test examples the device step ran, in its order."""
    import numpy as np

    f = np.load(out / "features" / "features.npz")
    idx = np.load(out / "device" / "device_indices.npy")
    return f["x_test"][idx], f["y_test"][idx]


def meta_elf(folder: Path) -> str:
    return str(folder.parent / "firmware" / "project" / "build" / "firmware.elf")
