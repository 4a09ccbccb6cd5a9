"""Magnitude pruning reaches its target; the sparsity survives int8 conversion."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow_model_optimization")

from train_toy import toy_kws  # noqa: E402

from tinyslm.train._tf import keras, seed_everything  # noqa: E402
from tinyslm.train.fit import FitConfig, fit  # noqa: E402
from tinyslm.train.models import KWTConfig, build_kwt, with_softmax  # noqa: E402
from tinyslm.train.prune import PruneConfig, dense_sparsity, pruning_callbacks, strip, wrap_for_pruning  # noqa: E402
from tinyslm.train.quantize import convert_int8, keep_zeros_callback, qat_model  # noqa: E402
from tinyslm.train.tflite_info import read_tflite  # noqa: E402


def test_pruning_reaches_target_and_survives_int8():
    x, y = toy_kws(512, 0)
    seed_everything(0)
    model = build_kwt(KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=7))
    before = [w.copy() for w in model.get_weights()]
    cfg = PruneConfig(target_sparsity=0.6, epochs=2, skip=("logits",))
    wrapped = wrap_for_pruning(model, cfg, steps_per_epoch=8)
    assert sum("prune_low_magnitude" in layer.name for layer in wrapped.layers) == 7  # embed + 6 in the block
    # wrapping keeps the trained weights
    np.testing.assert_array_equal(wrapped.get_layer("prune_low_magnitude_embed").get_weights()[0], before[0])
    fit(wrapped, x, y, cfg=FitConfig(epochs=2, batch_size=64, augment=False), callbacks=pruning_callbacks(),
        verbose=False)
    pruned = strip(wrapped)
    assert not any("prune" in layer.name for layer in pruned.layers)
    kernels = {layer.name: layer.get_weights()[0] for layer in pruned.layers if isinstance(layer, keras.layers.Dense)}
    for name, k in kernels.items():
        frac = float(np.mean(k == 0))
        if name == "logits":
            assert frac < 0.05  # skipped
        else:
            assert abs(frac - 0.6) < 0.02, (name, frac)
    assert dense_sparsity(pruned) > 0.5
    info = read_tflite(convert_int8(with_softmax(pruned), x, n_calib=16))
    assert info.sparsity() >= 0.5  # zeros stay zeros in int8 (and int8 rounding adds a few)

    # QAT after pruning keeps the zeros (re-zeroed after each step)
    qat = qat_model(pruned)
    fit(qat, x, y, cfg=FitConfig(epochs=1, batch_size=64, augment=False), callbacks=[keep_zeros_callback(pruned, qat)],
        verbose=False)
    info = read_tflite(convert_int8(with_softmax(qat), x, n_calib=16))
    assert info.sparsity() >= 0.5


def test_prune_config_bounds():
    with pytest.raises(ValueError):
        PruneConfig(target_sparsity=1.0)
