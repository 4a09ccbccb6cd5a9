"""More op-zoo cases: the TFLM builtins added for issue 13 (item 3), built with TensorFlow in the tests.

Each case groups a few ops into one small model (each conversion costs a TensorFlow run) and lists
the ops the converter must emit, so a case the converter lowered differently fails instead of
testing nothing. `convert(name)` quantizes to full int8 with a representative dataset
(deterministic for the case); `mode="float"` keeps the model in float32.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from opzoo import convert_fn


@dataclass
class Case:
    build: Callable  # (tf, rng) -> (fn(x...) -> y or a tuple of outputs, [input shapes])
    expect_ops: tuple[str, ...]
    # "float": a float32 model; "int16x8": int16 activations; "ids": int8 with int32 inputs (token ids);
    # "dynamic": int8, None dims
    mode: str = "int8"


def _w(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def space_depth():
    def build(tf, rng):
        def fn(x, z):
            return tf.nn.depth_to_space(x, 2), tf.nn.space_to_depth(z, 2)

        return fn, [(1, 3, 4, 8), (1, 4, 6, 3)]

    return Case(build, ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"))


def batch_space():
    """Crops; SPACE_TO_BATCH_ND without paddings (TFLM leaves padding unset, so it is refused)."""
    def build(tf, rng):
        def fn(x, z):
            a = tf.compat.v1.batch_to_space_nd(x, [2, 2], [[0, 1], [1, 0]])
            b = tf.space_to_batch_nd(z, [2, 3], [[0, 0], [0, 0]])
            return a, b

        return fn, [(4, 3, 4, 2), (2, 4, 6, 3)]

    return Case(build, ("BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND"))


def reverse_broadcast_gather():
    def build(tf, rng):
        def fn(x, z):
            r = tf.reverse(x, axis=[1, 2])
            g = tf.gather(x, [3, 0, 0, 2], axis=1)
            g2 = tf.gather(x, [[0, 2], [3, 1]], axis=2)  # not a sum of per-axis terms: a full table
            return r, g, g2, tf.broadcast_to(z, (2, 4, 6, 3))

        return fn, [(1, 4, 6, 3), (1, 1, 6, 1)]

    return Case(build, ("REVERSE_V2", "GATHER", "BROADCAST_TO"))


def mirror_resize():
    def build(tf, rng):
        def fn(x):
            a = tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]], mode="REFLECT")
            b = tf.pad(x, [[0, 0], [2, 0], [0, 3], [0, 0]], mode="SYMMETRIC")
            c = tf.image.resize(x, (7, 9), method="nearest")  # half-pixel centers
            d = tf.compat.v1.image.resize_nearest_neighbor(x, (9, 4), align_corners=True)
            return a, b, c, d

        return fn, [(1, 4, 5, 3)]

    return Case(build, ("MIRROR_PAD", "RESIZE_NEAREST_NEIGHBOR"))


def split_pack():
    def build(tf, rng):
        def fn(x, z):
            s = tf.split(x, 3, axis=-1)
            v = tf.split(x, [1, 3, 2], axis=2)
            u = tf.unstack(z, axis=1)
            return (tf.stack([s[0], s[2], s[1]], axis=1), v[0], v[1], v[2], u[0], u[2],
                    tf.gather_nd(x, [[0, 1], [0, 3], [0, 1]]))

        return fn, [(1, 4, 6, 3), (2, 3, 5)]

    return Case(build, ("SPLIT", "SPLIT_V", "UNPACK", "PACK", "GATHER_ND"))


CASES: dict[str, Case] = {
    "space_depth": space_depth(),
    "batch_space": batch_space(),
    "reverse_broadcast_gather": reverse_broadcast_gather(),
    "mirror_resize": mirror_resize(),
    "split_pack": split_pack(),
}


VOCAB = 50  # token_embedding's table rows


def token_embedding():
    """GATHER with indices that are a model input (token ids into an embedding table), then a use."""
    def build(tf, rng):
        table = tf.constant(_w(rng, VOCAB, 8))
        w = tf.constant(_w(rng, 8, 4, scale=0.3))

        def fn(ids):
            e = tf.gather(table, ids, axis=0)  # 1 x 7 x 8
            return e, tf.matmul(e, w)

        return fn, [(1, 7)]

    return Case(build, ("GATHER",), mode="ids")


def token_ids(rng: np.random.Generator, n: int) -> list[list[np.ndarray]]:
    """Valid inputs for token_embedding (TFLM stops with an error on an id outside the table)."""
    return [[rng.integers(0, VOCAB, size=(1, 7)).astype(np.int32)] for _ in range(n)]


def _convert_ids(tf, fn, shapes, seed: int) -> bytes:
    """Full int8 with int32 model inputs (token ids)."""
    tfn = tf.function(fn, input_signature=[tf.TensorSpec(s, tf.int32) for s in shapes])
    conv = tf.lite.TFLiteConverter.from_concrete_functions([tfn.get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    rep_rng = np.random.default_rng(seed)
    conv.representative_dataset = lambda: ([rep_rng.integers(0, VOCAB, size=s).astype(np.int32) for s in shapes]
                                           for _ in range(32))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_output_type = tf.int8
    return conv.convert()


def dynamic_batch():
    """A batch dimension left open in the signature: the converter keeps SHAPE, ZEROS_LIKE and FILL."""
    def build(tf, rng):
        def fn(x):
            r = tf.reshape(x, [tf.shape(x)[0], 2, 3]) * 2.0
            return r, tf.concat([x, tf.zeros_like(x)], -1), tf.fill([2, 3], x[0, 1])

        return fn, [(None, 6)]

    return Case(build, ("SHAPE", "ZEROS_LIKE", "FILL"), mode="dynamic")


def _convert_dynamic(tf, fn, shapes, seed: int) -> bytes:
    """Full int8, the None dimensions of the signature 1 in the representative data."""
    tfn = tf.function(fn, input_signature=[tf.TensorSpec(s, tf.float32) for s in shapes])
    conv = tf.lite.TFLiteConverter.from_concrete_functions([tfn.get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    rep_rng = np.random.default_rng(seed)
    conv.representative_dataset = lambda: ([rep_rng.standard_normal([d or 1 for d in s]).astype(np.float32)
                                            for s in shapes] for _ in range(32))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


CASES["token_embedding"] = token_embedding()
CASES["dynamic_batch"] = dynamic_batch()


def convert(name: str, seed: int = 0) -> bytes:
    import tensorflow as tf

    case = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()) + seed)
    tf.random.set_seed(seed)
    fn, shapes = case.build(tf, rng)
    if case.mode == "ids":
        return _convert_ids(tf, fn, shapes, seed)
    if case.mode == "dynamic":
        return _convert_dynamic(tf, fn, shapes, seed)
    return convert_fn(fn, shapes, mode=case.mode, seed=seed)


def compare_select():
    """Every comparison (bool tensors inside the model), logical ops, SELECT_V2 with broadcasting."""
    def build(tf, rng):
        def fn(x, y):
            ys = y * 0.7
            c1, c2 = x > y, tf.less_equal(x, 0.3)
            c3, c4 = tf.equal(x, ys), tf.not_equal(x, ys)
            c5, c6 = x < y, x >= 0.1
            m = tf.logical_or(tf.logical_and(c1, c2), tf.logical_not(tf.logical_and(c5, c6)))
            n = tf.logical_or(tf.logical_and(c3, c5), c4)
            return tf.where(m, x, y), tf.where(n, y, x), tf.maximum(x, y), tf.minimum(x, 0.2)

        return fn, [(1, 4, 6, 3), (1, 4, 6, 1)]

    return Case(build, ("GREATER", "LESS_EQUAL", "EQUAL", "NOT_EQUAL", "LESS", "GREATER_EQUAL", "LOGICAL_AND",
                        "LOGICAL_OR", "LOGICAL_NOT", "SELECT_V2", "MAXIMUM", "MINIMUM"))


def reductions():
    def build(tf, rng):
        def fn(x):
            return (tf.reduce_sum(x, axis=[1]), tf.reduce_sum(x, axis=[1, 2], keepdims=True),
                    tf.reduce_max(x, axis=[1, 2]), tf.reduce_min(x, axis=[-1]),
                    tf.argmax(x, axis=-1, output_type=tf.int32), tf.argmin(x, axis=1, output_type=tf.int32),
                    tf.cast(tf.reduce_all(x > -2.0, axis=-1), tf.float32))  # true and false both occur

        return fn, [(1, 5, 6, 4)]

    return Case(build, ("SUM", "REDUCE_MAX", "REDUCE_MIN", "ARG_MAX", "ARG_MIN", "REDUCE_ALL"))


CASES.update({
    "compare_select": compare_select(),
    "reductions": reductions(),
})


def float_math():
    """The ops the converter leaves in float32 inside an int8 model (DEQUANTIZE ... QUANTIZE around them)."""
    def build(tf, rng):
        def fn(x, y):
            return (-x, tf.square(y), tf.nn.elu(x), tf.math.add_n([x, y, x]), tf.cumsum(x, axis=2),
                    tf.cumsum(y, axis=1, exclusive=True, reverse=True), tf.abs(x))

        return fn, [(1, 4, 6, 3), (1, 4, 6, 3)]

    return Case(build, ("NEG", "SQUARE", "ELU", "ADD_N", "CUMSUM", "ABS"))


def update_slice():
    """DYNAMIC_UPDATE_SLICE (float32 inside an int8 model), constant starts, one clamped; in place and not."""
    def build(tf, rng):
        from tensorflow.compiler.tf2xla.python import xla

        def fn(x, u):
            a = xla.dynamic_update_slice(x, u, tf.constant([0, 2, 1], tf.int32))
            b = xla.dynamic_update_slice(x * 0.5, u, tf.constant([0, 4, 9], tf.int32))  # clamped to 3, 3
            c = xla.dynamic_update_slice(x, u * 2.0, tf.constant([0, 0, 0], tf.int32))  # x read twice: a copy
            return a, b, c

        return fn, [(1, 5, 6), (1, 2, 3)]

    return Case(build, ("DYNAMIC_UPDATE_SLICE",))


def int16_moves():
    """16x8 quantization (int16 activations): byte movers TFLM runs in int16 (not GATHER, GATHER_ND,
    RESIZE_*, BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND, MIRROR_PAD: TFLM refuses or fails them in int16),
    MAXIMUM, MINIMUM and ABS."""
    def build(tf, rng):
        def fn(x, z):
            s = tf.split(x, 3, axis=-1)
            u = tf.unstack(z, axis=1)
            return (tf.stack([s[2], s[0]], axis=1), u[1], tf.reverse(x, axis=[2]),
                    tf.broadcast_to(z[:, :1], (2, 3, 5)), tf.maximum(x, s[1]), tf.minimum(x, 0.3), tf.abs(x))

        return fn, [(1, 4, 6, 3), (2, 3, 5)]

    return Case(build, ("SPLIT", "PACK", "UNPACK", "REVERSE_V2", "BROADCAST_TO", "MAXIMUM", "MINIMUM", "ABS"),
                mode="int16x8")


def float_model():
    """A float32 model: the functions TFLM runs only in float."""
    def build(tf, rng):
        def fn(x):
            a = tf.abs(x)
            return (tf.floor(x), tf.math.ceil(x), tf.round(x), tf.sqrt(a), tf.exp(x), tf.math.log(a), tf.sin(x),
                    tf.cos(x), tf.cast(x > 0.2, tf.float32), tf.cast(tf.cast(x, tf.int32), tf.float32))

        return fn, [(2, 5, 7)]

    return Case(build, ("FLOOR", "CEIL", "ROUND", "SQRT", "EXP", "LOG", "SIN", "COS", "ABS", "GREATER", "CAST"),
                mode="float")


def resize_bilinear():
    def build(tf, rng):
        def fn(x):
            return (tf.image.resize(x, (7, 9), method="bilinear"),  # half-pixel centers
                    tf.compat.v1.image.resize_bilinear(x, (9, 4), align_corners=True),
                    tf.compat.v1.image.resize_bilinear(x, (3, 11)))

        return fn, [(2, 4, 5, 3)]

    return Case(build, ("RESIZE_BILINEAR",))


def divide_prelu():
    def build(tf, rng):
        prelu = tf.keras.layers.PReLU(alpha_initializer=tf.constant_initializer(_w(rng, 5, scale=0.3)),
                                      shared_axes=[1, 2])
        prelu.build((1, 4, 6, 5))

        def fn(x, y):
            return x / (tf.abs(y) + 0.5), x / (y[:, :1] * y[:, :1] + 0.25), prelu(x)

        return fn, [(1, 4, 6, 5), (1, 4, 6, 5)]

    return Case(build, ("DIV", "PRELU"))


def float_arith():
    def build(tf, rng):
        def fn(x, y):
            return x / y, tf.math.floordiv(x, y), tf.math.floormod(x, y)

        return fn, [(3, 5), (3, 5)]

    return Case(build, ("DIV", "FLOOR_DIV", "FLOOR_MOD"), mode="float")


def l2_normalization():
    def build(tf, rng):
        def fn(x, z):
            return tf.math.l2_normalize(x, axis=-1), tf.math.l2_normalize(z * 0.05, axis=-1)

        return fn, [(1, 4, 6, 7), (3, 40)]

    return Case(build, ("L2_NORMALIZATION",))


def log_softmax():
    def build(tf, rng):
        def fn(x, z):
            return tf.nn.log_softmax(x), tf.nn.log_softmax(z * 4.0)

        return fn, [(1, 3, 10), (2, 37)]

    return Case(build, ("LOG_SOFTMAX",))



def float_cnn():
    """A float32 CNN: CONV_2D (SAME, dilated VALID, strided), DEPTHWISE_CONV_2D with a depth multiplier, both
    pools, FULLY_CONNECTED and SOFTMAX, with fused activations (TFLM's float kernels)."""
    def build(tf, rng):
        k1, b1 = tf.constant(_w(rng, 3, 3, 3, 8, scale=0.5)), tf.constant(_w(rng, 8))
        k2 = tf.constant(_w(rng, 3, 2, 3, 4, scale=0.5))
        kd, bd = tf.constant(_w(rng, 3, 3, 8, 2, scale=0.5)), tf.constant(_w(rng, 16))
        w, bw = tf.constant(_w(rng, 4 * 5 * 16, 10, scale=0.1)), tf.constant(_w(rng, 10))

        def fn(x):
            h = tf.nn.relu(tf.nn.conv2d(x, k1, 1, "SAME") + b1)
            dil = tf.nn.conv2d(x, k2, [1, 2, 1, 1], "VALID", dilations=[1, 1, 2, 1])
            h = tf.nn.relu6(tf.nn.depthwise_conv2d(h, kd, [1, 2, 2, 1], "SAME") + bd)
            avg = tf.nn.avg_pool2d(h, [2, 3], 1, "SAME")
            mx = tf.nn.max_pool2d(h, 3, 2, "VALID")
            logits = tf.reshape(avg, (1, -1)) @ w + bw
            return tf.nn.softmax(logits * 1.5), mx, dil

        return fn, [(1, 8, 10, 3)]

    return Case(build, ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "FULLY_CONNECTED",
                        "SOFTMAX"), mode="float")


def float_activations():
    """float32 activations and elementwise ops with broadcasting (TFLM's float kernels; PRELU, which the
    converter takes apart in float, in a hand-built model: tests/test_compiler_ops_more.py)."""
    def build(tf, rng):
        def fn(x, z):
            return (tf.sigmoid(x * 6.0), tf.tanh(x * 2.0), tf.nn.relu(x), tf.nn.relu6(x), tf.nn.relu6(z * 4.0),
                    x * tf.nn.relu6(x + 3.0) * (1.0 / 6.0), tf.nn.leaky_relu(x, 0.15),
                    tf.math.rsqrt(tf.abs(x) + 0.1), x + z[:, :, :1], x - z, tf.nn.relu(x * z),
                    tf.math.squared_difference(x, z), tf.maximum(x, z[:1]), tf.minimum(x, 0.25))

        return fn, [(1, 3, 4, 5), (1, 3, 4, 5)]

    return Case(build, ("LOGISTIC", "TANH", "RELU", "RELU6", "HARD_SWISH", "LEAKY_RELU", "RSQRT", "ADD",
                        "SUB", "MUL", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"), mode="float")


def float_elu():
    """float32 ELU (expm1f from the C library) over enough values that newlib's rounding shows on a Cortex-M4."""
    def build(tf, rng):
        def fn(x):
            return tf.nn.elu(x * 3.0)

        return fn, [(4, 64)]

    return Case(build, ("ELU",), mode="float")


def pad_fill():
    """float32 PADV2 with a constant that is not zero (tslm_pad fills with four-byte copies) and with TFLM's own
    padding on every side of a 4-D tensor, kept apart from any conv by the multiply after it."""
    def build(tf, rng):
        def fn(x):
            return (tf.pad(x, [[0, 0], [2, 1], [0, 3], [1, 0]], constant_values=1.5) * 2.0,
                    tf.pad(x, [[1, 0], [0, 0], [1, 1], [0, 2]]) * 3.0)

        return fn, [(1, 5, 7, 3)]

    return Case(build, ("PADV2", "PAD"), mode="float")


def float_reductions():
    def build(tf, rng):
        def fn(x):
            return (tf.reduce_mean(x, axis=[1, 2], keepdims=True), tf.reduce_mean(x, axis=-1),
                    tf.reduce_sum(x, axis=[0, 2]), tf.reduce_max(x, axis=1), tf.reduce_min(x, axis=[1, 3]))

        return fn, [(2, 5, 6, 7)]

    return Case(build, ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"), mode="float")


def float_attention_upsample():
    """float32: attention (BATCH_MATMUL, adjoint and broadcast batches, SOFTMAX with beta) and TRANSPOSE_CONV
    (strided SAME with a bias and a fused RELU, VALID without)."""
    def build(tf, rng):
        wq = tf.constant(_w(rng, 3, 3, 4, 6, scale=0.5))  # (h, w, out, in) for conv2d_transpose
        bq = tf.constant(_w(rng, 4))
        wv = tf.constant(_w(rng, 2, 3, 3, 6, scale=0.5))

        def fn(x, q, k):
            att = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * 0.7)
            out = tf.matmul(att, k[:1])
            up = tf.nn.relu(tf.nn.conv2d_transpose(x, wq, (1, 8, 10, 4), 2, "SAME") + bq)
            up2 = tf.nn.conv2d_transpose(x, wv, (1, 5, 7, 3), 1, "VALID")
            return out, up, up2

        return fn, [(1, 4, 5, 6), (2, 5, 8), (2, 7, 8)]

    return Case(build, ("BATCH_MATMUL", "SOFTMAX", "TRANSPOSE_CONV"), mode="float")


def float_rows():
    """float32 ops over rows and positions: L2_NORMALIZATION, LOG_SOFTMAX, ARG_MAX/ARG_MIN, RESIZE_BILINEAR
    (all three coordinate modes)."""
    def build(tf, rng):
        def fn(x, z):
            return (tf.math.l2_normalize(x, axis=-1), tf.nn.log_softmax(z * 3.0), tf.argmax(z, -1, output_type=tf.int32),
                    tf.argmin(x, 1, output_type=tf.int32), tf.image.resize(x, (7, 9), method="bilinear"),
                    tf.compat.v1.image.resize_bilinear(x, (9, 4), align_corners=True),
                    tf.compat.v1.image.resize_bilinear(x, (3, 11)))

        return fn, [(2, 4, 5, 3), (3, 17)]

    return Case(build, ("L2_NORMALIZATION", "LOG_SOFTMAX", "ARG_MAX", "ARG_MIN", "RESIZE_BILINEAR"), mode="float")

CASES.update({
    "log_softmax": log_softmax(),
    "l2_normalization": l2_normalization(),
    "divide_prelu": divide_prelu(),
    "float_arith": float_arith(),
    "resize_bilinear": resize_bilinear(),
    "update_slice": update_slice(),
    "int16_moves": int16_moves(),
    "float_math": float_math(),
    "float_model": float_model(),
    "float_cnn": float_cnn(),
    "float_activations": float_activations(),
    "float_elu": float_elu(),
    "pad_fill": pad_fill(),
    "float_reductions": float_reductions(),
    "float_attention_upsample": float_attention_upsample(),
    "float_rows": float_rows(),
})
