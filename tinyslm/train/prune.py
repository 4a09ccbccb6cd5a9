"""Magnitude pruning of the student's Dense layers with tensorflow-model-optimization.

Only ``Dense`` layers are wrapped (``clone_model`` with a clone function):
they hold almost all of a tiny transformer's weights, and tfmot cannot wrap
the custom attention/norm layers anyway. Sparsity follows tfmot's polynomial
schedule from 0 to the target during fine-tuning (with the distillation loss
still on), with a mask update every ``frequency`` steps; the default frequency
is a quarter of an epoch so short runs still reach the target.

What is reported is the *actual* fraction of zero int8 weights in the final
.tflite (:func:`tinyslm.train.tflite_info.TfliteInfo.sparsity`), which also
counts weights that int8 quantization rounded to zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._tf import keras


@dataclass(frozen=True)
class PruneConfig:
    target_sparsity: float = 0.5  # fraction of zero weights in each pruned Dense kernel
    epochs: int = 4  # fine-tuning epochs while pruning
    lr_scale: float = 0.25  # fine-tuning learning rate = training lr * lr_scale
    end_fraction: float = 0.7  # the target is reached after this fraction of the fine-tuning steps
    frequency: int | None = None  # steps between mask updates (default: a quarter of an epoch)
    skip: tuple[str, ...] = ()  # Dense layer names left dense
    min_weights: int = 64  # Dense kernels smaller than this are left dense

    def __post_init__(self) -> None:
        if not 0.0 <= self.target_sparsity < 1.0:
            raise ValueError(f"target_sparsity must be in [0, 1), not {self.target_sparsity}")


def prunable(layer: keras.layers.Layer, cfg: PruneConfig) -> bool:
    if not isinstance(layer, keras.layers.Dense) or layer.name in cfg.skip:
        return False
    return int(np.prod(layer.kernel.shape)) >= cfg.min_weights


def wrap_for_pruning(model: keras.Model, cfg: PruneConfig, steps_per_epoch: int) -> keras.Model:
    """A copy of `model` (same weights) whose Dense layers are tfmot PruneLowMagnitude wrappers."""
    import tensorflow_model_optimization as tfmot

    sp = tfmot.sparsity.keras
    total = max(1, cfg.epochs * steps_per_epoch)
    end = max(1, int(total * cfg.end_fraction))
    freq = min(cfg.frequency or max(1, steps_per_epoch // 4), end)
    end = end // freq * freq  # tfmot only updates masks on multiples of the frequency: end on one
    schedule = sp.PolynomialDecay(initial_sparsity=0.0, final_sparsity=cfg.target_sparsity, begin_step=0,
                                  end_step=end, frequency=freq)

    def clone(layer):
        new = layer.__class__.from_config(layer.get_config())
        return sp.prune_low_magnitude(new, pruning_schedule=schedule) if prunable(layer, cfg) else new

    wrapped = keras.models.clone_model(model, clone_function=clone)
    wrapped.set_weights(_weights_in_wrapped_order(model, wrapped))
    return wrapped


def _weights_in_wrapped_order(model: keras.Model, wrapped: keras.Model) -> list[np.ndarray]:
    """Map the original's weights onto the wrapped model (wrappers add mask/threshold/step variables)."""
    out = []
    for src, dst in zip(model.layers, wrapped.layers):
        if hasattr(dst, "pruning_obj") or type(dst).__name__ == "PruneLowMagnitude":
            by_name = {w.name.split("/")[-1]: v for w, v in zip(src.weights, src.get_weights())}
            for w in dst.weights:
                short = w.name.split("/")[-1]
                out.append(by_name[short] if short in by_name else keras.backend.get_value(w))
        else:
            out.extend(src.get_weights())
    return out


def pruning_callbacks() -> list[keras.callbacks.Callback]:
    import tensorflow_model_optimization as tfmot

    return [tfmot.sparsity.keras.UpdatePruningStep()]


def strip(model: keras.Model) -> keras.Model:
    """The plain model (pruned weights baked in, wrappers removed)."""
    import tensorflow_model_optimization as tfmot

    return tfmot.sparsity.keras.strip_pruning(model)


def dense_sparsity(model: keras.Model) -> float:
    """Fraction of exactly-zero float weights over all Dense kernels of a (stripped) model."""
    kernels = [layer.get_weights()[0] for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    n = sum(k.size for k in kernels)
    return float(sum(int(np.count_nonzero(k == 0)) for k in kernels) / n) if n else 0.0
