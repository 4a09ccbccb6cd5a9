"""Full-integer int8 conversion (post-training or QAT) and int8 inference on the host.

:func:`convert_int8` turns a Keras model into a .tflite whose input, output,
weights and activations are all int8, with batch size 1 and static shapes
(what TFLM and tinyslm's compiler need). Calibration uses a representative
subset of the training features chosen deterministically (evenly spaced
indices), so the same model and data give the same bytes; see
:func:`check_deterministic`.

Determinism (measured with TF 2.21): converting the same model twice with the
same representative data gives identical bytes. The converter only differs
between runs if the *weights* differ, so end-to-end reproducibility rests on
training being deterministic (``seed_everything``: seeds plus
``enable_op_determinism``).

Host inference: :func:`run_int8` uses the TFLM Python runtime (the bit-exact
oracle for the generated C, and fast enough: ~2 ms per KWT inference) and
falls back to ai-edge-litert, whose int8 kernels are *not* bit-exact with
TFLM's (MEAN/RSQRT/SOFTMAX round differently).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ._tf import keras, tf
from .tflite_info import read_tflite


@dataclass(frozen=True)
class QuantConfig:
    representative: int = 256  # calibration samples (evenly spaced over the training set)
    qat: bool = False  # always quantization-aware fine-tuning before conversion (Dense layers only)
    qat_epochs: int = 2
    input_range: tuple[float, float] | None = None  # pin the input's float range (e.g. the frontend's int8 range)
    # classification: where post-training quantization loses more than this many points of validation accuracy,
    # try QAT too and keep whichever int8 model is better on validation (QuantChoice); None: never by itself
    qat_above: float | None = 0.5


@dataclass(frozen=True)
class QuantChoice:
    """How a build's int8 model was made, and the validation accuracies the choice was made on (classification).

    >>> QuantChoice.decide(0.95, 0.947, None, 0.5).method  # lost 0.3 points: post-training quantization stays
    'ptq'
    >>> c = QuantChoice.decide(0.95, 0.940, 0.948, 0.5); c.method, round(c.ptq_points_lost, 2)
    ('qat', 1.0)
    >>> c.why
    'post-training quantization lost 1.00 validation points (> 0.5); QAT 94.80% against 94.00% on validation: QAT kept'
    >>> c = QuantChoice.decide(0.95, 0.940, 0.940, 0.5); c.method  # QAT no better on validation: not kept
    'ptq'
    >>> c.why.endswith("94.00% against 94.00% on validation: not kept")
    True
    >>> QuantChoice.decide(0.95, 0.940, None, 0.5)  # PTQ lost more than 0.5 points and QAT was not run
    Traceback (most recent call last):
    ...
    ValueError: post-training quantization lost 1.00 points (> 0.5): QAT's accuracy is needed
    """

    method: str  # "ptq" or "qat": the int8 model the build keeps
    why: str
    float_val: float | None = None  # the float model's validation accuracy (pruned, normalization folded)
    ptq_val: float | None = None  # post-training quantization's int8 validation accuracy
    qat_val: float | None = None  # QAT's, where it ran

    @property
    def ptq_points_lost(self) -> float | None:
        return None if self.float_val is None or self.ptq_val is None else 100.0 * (self.float_val - self.ptq_val)

    @classmethod
    def decide(cls, float_val: float, ptq_val: float, qat_val: float | None, above: float) -> "QuantChoice":
        """The rule of QuantConfig.qat_above; `qat_val` is None where QAT was not run (PTQ lost `above` or less)."""
        lost = 100.0 * (float_val - ptq_val)
        if lost <= above:
            return cls("ptq", f"post-training quantization lost {lost:.2f} validation points (<= {above:g}): no QAT",
                       float_val, ptq_val)
        if qat_val is None:
            raise ValueError(f"post-training quantization lost {lost:.2f} points (> {above:g}): "
                             "QAT's accuracy is needed")
        kept = qat_val > ptq_val
        return cls("qat" if kept else "ptq",
                   f"post-training quantization lost {lost:.2f} validation points (> {above:g}); QAT "
                   f"{100 * qat_val:.2f}% against {100 * ptq_val:.2f}% on validation: "
                   + ("QAT kept" if kept else "not kept"), float_val, ptq_val, qat_val)


def representative_indices(n_total: int, n: int) -> np.ndarray:
    """Evenly spaced, deterministic indices.

    >>> representative_indices(10, 4).tolist()
    [0, 2, 5, 7]
    >>> representative_indices(3, 8).tolist()
    [0, 1, 2]
    """
    n = min(n, n_total)
    return (np.arange(n) * n_total // n).astype(np.int64)


def _calibration(x: np.ndarray, n: int, input_range: tuple[float, float] | None) -> list[np.ndarray]:
    sel = np.asarray(x[representative_indices(len(x), n)], dtype=np.float32)
    samples = [s[None] for s in sel]
    if input_range is not None:
        # One extra sample (a copy of the first) carrying the range's ends, so the input tensor's
        # quantization spans exactly [lo, hi].
        lo, hi = input_range
        extra = samples[0].copy().reshape(-1)
        extra[0], extra[-1] = lo, hi
        samples.append(extra.reshape(samples[0].shape))
    return samples


def convert_int8(model: keras.Model, x_calib: np.ndarray, n_calib: int = 256,
                 input_range: tuple[float, float] | None = None) -> bytes:
    """All-int8 .tflite of `model` at batch 1, calibrated on `x_calib` (float features)."""
    shape = (1, *model.input_shape[1:])

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def serve(x):
        return model(x, training=False)

    samples = _calibration(x_calib, n_calib, input_range)

    def rep() -> Iterable[list[np.ndarray]]:
        for s in samples:
            yield [s]

    conv = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())


def check_deterministic(make: Callable[[], bytes]) -> bytes:
    """Run a conversion twice; raise if the bytes differ (returns them otherwise)."""
    a, b = make(), make()
    if a != b:
        diff = next(i for i, (p, q) in enumerate(zip(a, b)) if p != q) if len(a) == len(b) else min(len(a), len(b))
        raise RuntimeError(f"the converter is not deterministic: {len(a)} vs {len(b)} bytes, first difference "
                           f"at byte {diff}")
    return a


# ---------------------------------------------------------------- QAT
def qat_model(model: keras.Model) -> keras.Model:
    """Quantization-aware copy of `model` with only its Dense layers annotated (tfmot).

    After pruning, train it with :func:`keep_zeros_callback` so the pruned weights stay zero (tfmot's own
    prune-preserving scheme refuses models with custom layers).
    """
    import tensorflow_model_optimization as tfmot

    from .models import CUSTOM_OBJECTS

    q = tfmot.quantization.keras

    def annotate(layer):
        if isinstance(layer, keras.layers.Dense):
            return q.quantize_annotate_layer(layer.__class__.from_config(layer.get_config()))
        return layer.__class__.from_config(layer.get_config())

    annotated = keras.models.clone_model(model, clone_function=annotate)
    annotated.set_weights(model.get_weights())
    with q.quantize_scope(CUSTOM_OBJECTS):
        return q.quantize_apply(annotated)


class _KeepZeros(keras.callbacks.Callback):
    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs

    def on_train_batch_end(self, batch, logs=None):
        for var, mask in self.pairs:
            var.assign(var * mask)


def keep_zeros_callback(source: keras.Model, qat: keras.Model) -> keras.callbacks.Callback:
    """Re-zero, after every step, the Dense weights of `qat` that are exactly zero in `source` (its pruned
    original)."""
    pairs = []
    for layer in source.layers:
        if not isinstance(layer, keras.layers.Dense):
            continue
        mask = (layer.get_weights()[0] != 0).astype("float32")
        if mask.all():
            continue
        wrapper = qat.get_layer("quant_" + layer.name)
        kernel = next(w for w in wrapper.trainable_weights if w.name.split("/")[-1].startswith("kernel"))
        pairs.append((kernel, tf.constant(mask)))
    return _KeepZeros(pairs)


# ---------------------------------------------------------------- int8 inference on the host
def quantize_input(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float -> int8 with the tensor's parameters (round half away from zero like TFLite's QUANTIZE).

    >>> quantize_input(np.array([0.0, 0.5, -0.5, 100.0]), 0.5, -1).tolist()
    [-1, 0, -2, 127]
    """
    q = np.round(np.asarray(x, np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int8 -> float32.

    >>> dequantize(np.array([-128, 0, 127], np.int8), 1 / 256, -128).tolist()
    [0.0, 0.5, 0.99609375]
    """
    return ((q.astype(np.float32) - zero_point) * scale).astype(np.float32)


def _litert_interpreter(model_bytes: bytes):
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:  # pragma: no cover - fall back to TensorFlow's own
        return tf.lite.Interpreter(model_content=model_bytes, num_threads=1,
                                   experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    return Interpreter(model_content=model_bytes, num_threads=1,
                       experimental_op_resolver_type=OpResolverType.BUILTIN_REF)


def _prepare(model_bytes: bytes, x: np.ndarray, quantized: bool) -> np.ndarray:
    i = read_tflite(model_bytes).inputs[0]
    return np.asarray(x, np.int8) if quantized else quantize_input(x, i.scale, i.zero_point)


def run_tflm(model_bytes: bytes, x: np.ndarray, arena_size: int = 512 * 1024, quantized: bool = False) -> np.ndarray:
    """int8 outputs of the model on every row of `x` (float features, or int8 when `quantized`), computed by
    TensorFlow Lite Micro's reference kernels: the bit-exact oracle for the generated C."""
    from tflite_micro import runtime

    xq = _prepare(model_bytes, x, quantized)
    interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_size)
    outs = []
    for n in range(len(xq)):
        interp.set_input(xq[n][None], 0)
        interp.invoke()
        outs.append(np.array(interp.get_output(0))[0])
    return np.stack(outs).astype(np.int8)


def run_litert(model_bytes: bytes, x: np.ndarray, quantized: bool = False) -> np.ndarray:
    """The same with ai-edge-litert's reference kernels. NOT bit-exact with TFLM (its MEAN, RSQRT and
    SOFTMAX round differently): measured up to 17 LSB apart on a KWT, so use it only where TFLM is missing."""
    xq = _prepare(model_bytes, x, quantized)
    it = _litert_interpreter(model_bytes)
    it.allocate_tensors()
    ii, oi = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    outs = []
    for n in range(len(xq)):
        it.set_tensor(ii, xq[n][None])
        it.invoke()
        outs.append(it.get_tensor(oi)[0].copy())
    return np.stack(outs).astype(np.int8)


def run_int8(model_bytes: bytes, x: np.ndarray, quantized: bool = False) -> np.ndarray:
    """Host int8 inference: TFLM when installed (bit-exact with the device; ~2 ms per KWT inference),
    else ai-edge-litert."""
    try:
        import tflite_micro  # noqa: F401
    except ImportError:
        return run_litert(model_bytes, x, quantized)
    return run_tflm(model_bytes, x, quantized=quantized)


def output_float(model_bytes: bytes, out_int8: np.ndarray) -> np.ndarray:
    o = read_tflite(model_bytes).outputs[0]
    return dequantize(out_int8, o.scale, o.zero_point)
