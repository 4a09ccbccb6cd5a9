"""Training side of tinyslm: teacher, distilled/pruned student, int8 conversion, hardware-aware sizing.

Importing ``tinyslm.train`` is cheap: TensorFlow is only loaded when one of the
names below is first used (they live in modules that import it).

Main entry points (see :mod:`tinyslm.train.api`)::

    from tinyslm.train import train_kws, KWSTrainConfig
    result = train_kws(x_train, y_train, x_val, y_val, x_test, y_test, KWSTrainConfig(), seed=0)
    result.quality, result.tflite, result.histories

    from tinyslm.train import train_anomaly, ADTrainConfig
    result = train_anomaly(x_train_normal, x_val_normal, x_test, y_test, ADTrainConfig(), seed=0)

    from tinyslm.train import size_student, Budget
    choice = size_student(Budget(flash_bytes=256 * 1024, ram_bytes=16 * 1024))
"""

from __future__ import annotations

import importlib

_LAZY = {
    "train_kws": "api", "train_anomaly": "api", "KWSTrainConfig": "api", "ADTrainConfig": "api",
    "KWSResult": "api", "ADResult": "api",
    "KWTConfig": "models", "DSCNNConfig": "models", "TransformerAEConfig": "models", "DenseAEConfig": "models",
    "DistillConfig": "distill", "PruneConfig": "prune", "QuantConfig": "quantize", "FitConfig": "fit",
    "Budget": "sizing", "SizingResult": "sizing", "size_student": "sizing", "size_autoencoder": "sizing",
    "convert_int8": "quantize", "run_int8": "quantize", "run_tflm": "quantize",
    "read_tflite": "tflite_info",
    "accuracy": "metrics", "confusion_matrix": "metrics", "roc_auc": "metrics", "roc_curve": "metrics",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
