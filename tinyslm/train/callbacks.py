"""Training progress (tqdm bar, one tick per batch) and recorded curves for the report."""

from __future__ import annotations

import sys
import time

from ._tf import keras


class History(keras.callbacks.Callback):
    """Per-epoch metrics (`loss`, `acc`/`mse`, `val_*`) and wall time, as plain lists for JSON.

    ``curves`` maps metric name -> list of floats, one per epoch.
    """

    def __init__(self, label: str = "train"):
        super().__init__()
        self.label = label
        self.curves: dict[str, list[float]] = {}
        self._t0 = 0.0

    def on_train_begin(self, logs=None):
        self._t0 = time.time()

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            self.curves.setdefault(k, []).append(float(v))
        self.curves.setdefault("seconds", []).append(round(time.time() - self._t0, 3))

    def last(self, key: str, default: float | None = None) -> float | None:
        v = self.curves.get(key)
        return v[-1] if v else default

    def to_dict(self) -> dict:
        return {"label": self.label, "curves": self.curves}


class _Progress(keras.callbacks.Callback):
    def __init__(self, label: str, epochs: int, steps: int):
        super().__init__()
        self.label, self.epochs, self.steps = label, epochs, steps
        self.bar = None

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.epochs * self.steps, desc=self.label, unit="batch", file=sys.stderr,
                        dynamic_ncols=True, leave=True)

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        shown = {k: f"{v:.4g}" for k, v in (logs or {}).items()}
        self.bar.set_postfix(epoch=f"{epoch + 1}/{self.epochs}", **shown)

    def on_train_end(self, logs=None):
        self.bar.close()


class _Lines(keras.callbacks.Callback):
    """One line per epoch when tqdm is missing."""

    def __init__(self, label: str, epochs: int):
        super().__init__()
        self.label, self.epochs = label, epochs

    def on_epoch_end(self, epoch, logs=None):
        shown = " ".join(f"{k}={v:.4g}" for k, v in (logs or {}).items())
        print(f"{self.label}: epoch {epoch + 1}/{self.epochs} {shown}", file=sys.stderr, flush=True)


def progress_callback(label: str, epochs: int, steps: int) -> keras.callbacks.Callback:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return _Lines(label, epochs)
    return _Progress(label, epochs, steps)
