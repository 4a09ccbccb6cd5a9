"""A TensorFlow function to .tflite with the TFLite converter (full int8 by default), on random representative
data. Shared by the fuzzer and the test suite's op zoo (tests/opzoo.py)."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def representative(shapes: Sequence[tuple[int, ...]], seed: int, n: int = 32,
                   scales: Sequence[float] | None = None, offsets: Sequence[float] | None = None):
    """A generator factory of `n` float sample lists (N(offset, scale) per input; N(0, 1) by default)."""
    scales = list(scales) if scales is not None else [1.0] * len(shapes)
    offsets = list(offsets) if offsets is not None else [0.0] * len(shapes)

    rng = np.random.default_rng(seed)  # one stream for every call (as the op zoo always drew it)

    def rep():
        for _ in range(n):
            yield [(rng.standard_normal(s) * sc + off).astype(np.float32)
                   for s, sc, off in zip(shapes, scales, offsets)]

    return rep


def convert_fn(fn: Callable, shapes: Sequence[tuple[int, ...]], mode: str = "int8", seed: int = 0,
               rep: Callable | None = None) -> bytes:
    """Convert `fn` (float inputs of `shapes`): mode is int8 | float | hybrid | int16x8. `rep` overrides the
    representative data (default: 32 samples of N(0, 1) from `seed`)."""
    import tensorflow as tf

    sig = [tf.TensorSpec(s, tf.float32) for s in shapes]
    tfn = tf.function(fn, input_signature=sig)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([tfn.get_concrete_function()])
    rep = rep or representative(shapes, seed)
    if mode in ("hybrid", "int8", "int16x8"):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "int8":
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    if mode == "int16x8":
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    return conv.convert()
