"""A zoo of small int8 models, built with TensorFlow in the tests.

Each case is one op (or a small pattern) with one setting of its options:
strides, padding, dilation, depth multiplier, per-channel weights, fused
activations, broadcasting, axes. `convert(name)` builds the model with random
weights, quantizes it to full int8 with TensorFlow's converter and a random
representative dataset (deterministic for the case), and returns the .tflite.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@dataclass
class Case:
    build: Callable  # (tf, rng) -> (fn(x...) -> y, [input shapes])
    float_io: bool = False  # keep float32 model inputs/outputs (QUANTIZE/DEQUANTIZE ops)
    expect_ops: tuple[str, ...] = ()  # ops the converted model must contain
    # int8 | int16x8 (int16 activations, int8 weights, int64 bias) | int16x8_bias32 (the same with
    # int32 bias, which TFLM accumulates in 32 bits)
    mode: str = "int8"


def s16(case: Case, bias32: bool = False) -> Case:
    """The case converted with int16 activations and int8 weights (TFLM's 16x8 kernels)."""
    return Case(case.build, case.float_io, case.expect_ops, "int16x8_bias32" if bias32 else "int16x8")


def _w(rng: np.random.Generator, *shape: int, scale: float = 0.3) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def conv(k=(3, 3), cin=4, cout=6, stride=1, padding="SAME", dilation=1, act=None, hw=(9, 9)):
    def build(tf, rng):
        w = tf.constant(_w(rng, *k, cin, cout))
        b = tf.constant(_w(rng, cout, scale=0.1))

        def fn(x):
            y = tf.nn.conv2d(x, w, strides=stride, padding=padding, dilations=dilation) + b
            return act(tf, y) if act else y

        return fn, [(1, *hw, cin)]

    return Case(build, expect_ops=("CONV_2D",))


def depthwise(k=(3, 3), cin=4, mult=1, stride=1, padding="SAME", dilation=1, act=None, hw=(9, 8)):
    def build(tf, rng):
        w = tf.constant(_w(rng, *k, cin, mult))
        b = tf.constant(_w(rng, cin * mult, scale=0.1))

        def fn(x):
            y = tf.nn.depthwise_conv2d(x, w, strides=[1, stride, stride, 1], padding=padding,
                                       dilations=[dilation, dilation]) + b
            return act(tf, y) if act else y

        return fn, [(1, *hw, cin)]

    return Case(build, expect_ops=("DEPTHWISE_CONV_2D",))


def dense(din=16, dout=10, rows=1, bias=True, act=None):
    def build(tf, rng):
        w = tf.constant(_w(rng, din, dout))
        b = tf.constant(_w(rng, dout, scale=0.1))

        def fn(x):
            y = tf.matmul(x, w)
            if bias:
                y = y + b
            return act(tf, y) if act else y

        return fn, [(rows, din)]

    return Case(build, expect_ops=("FULLY_CONNECTED",))


def pool(kind="avg", k=2, stride=2, padding="VALID", hw=(9, 7), c=3):
    def build(tf, rng):
        def fn(x):
            f = tf.nn.avg_pool2d if kind == "avg" else tf.nn.max_pool2d
            return f(x, ksize=k, strides=stride, padding=padding)

        return fn, [(1, *hw, c)]

    return Case(build, expect_ops=("AVERAGE_POOL_2D" if kind == "avg" else "MAX_POOL_2D",))


def binary(op="add", a=(1, 4, 6), b=(1, 4, 6), const_b=False, act=None, self_b=False):
    """self_b: the op of the input with itself (x * x of a layer norm's variance)."""
    def build(tf, rng):
        cb = tf.constant(_w(rng, *b, scale=1.0))
        f = {"add": tf.add, "sub": tf.subtract, "mul": tf.multiply,
             "sqdiff": tf.math.squared_difference}[op]

        def fn(x, y=None):
            y = x if self_b else (cb if const_b else y)
            z = f(x, y)
            return act(tf, z) if act else z

        return fn, [a] if const_b or self_b else [a, b]

    names = {"add": "ADD", "sub": "SUB", "mul": "MUL", "sqdiff": "SQUARED_DIFFERENCE"}
    return Case(build, expect_ops=(names[op],))


def unary(fname, shape=(1, 5, 12)):
    def build(tf, rng):
        def fn(x):
            if fname == "rsqrt":
                return tf.math.rsqrt(x * x + 0.5)
            if fname in ("relu", "relu6"):  # after a reshape so the activation cannot fuse
                r = tf.reshape(x, (shape[0], -1))
                return tf.nn.relu(r) if fname == "relu" else tf.nn.relu6(r)
            return {"sigmoid": tf.sigmoid, "tanh": tf.tanh}[fname](x)

        return fn, [shape]

    ops = {"rsqrt": "RSQRT", "sigmoid": "LOGISTIC", "tanh": "TANH", "relu": "RELU", "relu6": "RELU6"}
    return Case(build, expect_ops=(ops[fname],))


def transpose_conv(k=(3, 3), cin=4, cout=5, stride=2, padding="SAME", hw=(4, 5), bias=True, act=None):
    """tf.nn.conv2d_transpose (+ bias): TRANSPOSE_CONV."""
    def build(tf, rng):
        w = tf.constant(_w(rng, *k, cout, cin))
        b = tf.constant(_w(rng, cout, scale=0.1))
        out = [hw[d] * stride if padding == "SAME" else (hw[d] - 1) * stride + k[d] for d in range(2)]

        def fn(x):
            y = tf.nn.conv2d_transpose(x, w, output_shape=(1, *out, cout), strides=stride, padding=padding)
            y = y + b if bias else y
            return act(tf, y) if act else y

        return fn, [(1, *hw, cin)]

    return Case(build, expect_ops=("TRANSPOSE_CONV",))


def hard_swish(shape=(1, 5, 12), gain=3.0):
    def build(tf, rng):
        def fn(x):
            z = x * gain
            return z * tf.nn.relu6(z + 3.0) * (1.0 / 6.0)

        return fn, [shape]

    return Case(build, expect_ops=("HARD_SWISH",))


def leaky_relu(alpha=0.2, shape=(1, 5, 12)):
    def build(tf, rng):
        def fn(x):
            return tf.nn.leaky_relu(x * 2.0, alpha=alpha)

        return fn, [shape]

    return Case(build, expect_ops=("LEAKY_RELU",))


def softmax(shape=(1, 3, 10), beta=1.0):
    def build(tf, rng):
        def fn(x):
            return tf.nn.softmax(x * beta if beta != 1.0 else x)

        return fn, [shape]

    return Case(build, expect_ops=("SOFTMAX",))


def mean(axes=(1,), keepdims=False, shape=(1, 6, 5, 4), total=False):
    """total: SUM instead of MEAN."""
    def build(tf, rng):
        def fn(x):
            return (tf.reduce_sum if total else tf.reduce_mean)(x, axis=list(axes), keepdims=keepdims)

        return fn, [shape]

    return Case(build, expect_ops=("SUM" if total else "MEAN",))


def batch_matmul(a=(1, 2, 4, 6), b=(1, 2, 6, 3), adj_x=False, adj_y=False):
    def build(tf, rng):
        def fn(x, y):
            return tf.linalg.matmul(x, y, adjoint_a=adj_x, adjoint_b=adj_y)

        return fn, [a, b]

    return Case(build, expect_ops=("BATCH_MATMUL",))


def transpose(perm=(0, 2, 1, 3), shape=(1, 3, 4, 5)):
    def build(tf, rng):
        def fn(x):
            return tf.transpose(x, perm)

        return fn, [shape]

    return Case(build, expect_ops=("TRANSPOSE",))


def concat(axis=-1, shapes=((1, 4, 3), (1, 4, 5))):
    def build(tf, rng):
        def fn(*xs):
            return tf.concat(list(xs), axis=axis)

        return fn, list(shapes)

    return Case(build, expect_ops=("CONCATENATION",))


def strided_slice(kind="range", shape=(1, 8, 6)):
    def build(tf, rng):
        def fn(x):
            if kind == "range":
                return x[:, 1:7:2, :]
            if kind == "shrink":
                return x[:, 0, :]
            if kind == "negative":
                return x[:, -3:, ::-2]
            return x[:, 2:5, 1:4]

        return fn, [shape]

    return Case(build, expect_ops=("STRIDED_SLICE",))


def pad(v2=False, shape=(1, 5, 4, 3)):
    def build(tf, rng):
        def fn(x):
            p = [[0, 0], [1, 2], [2, 0], [0, 1]]
            return tf.pad(x, p, constant_values=0.5 if v2 else 0.0)

        return fn, [shape]

    return Case(build, expect_ops=("PADV2",) if v2 else ("PAD",))


def slice_op(shape=(1, 6, 5)):
    def build(tf, rng):
        def fn(x):
            return tf.slice(x, [0, 1, 0], [1, 3, -1])

        return fn, [shape]

    return Case(build, expect_ops=("SLICE",))


def requantize(shape=(1, 4, 6)):
    """Concatenating tensors of different ranges makes the converter requantize (int8 -> int8 QUANTIZE)."""

    def build(tf, rng):
        def fn(x, y):
            return tf.concat([x, y * 4.0 + 1.0], axis=-1)

        return fn, [shape, shape]

    return Case(build, expect_ops=("CONCATENATION",))


def grouped_conv(groups=2, cin=4, cout=6):
    def build(tf, rng):
        w = tf.constant(_w(rng, 3, 3, cin // groups, cout))
        b = tf.constant(_w(rng, cout, scale=0.1))

        def fn(x):
            return tf.nn.conv2d(x, w, strides=1, padding="SAME") + b

        return fn, [(1, 6, 6, cin)]

    return Case(build, expect_ops=("CONV_2D",))


def squeeze_expand(shape=(1, 4, 1, 6)):
    def build(tf, rng):
        def fn(x):
            y = tf.squeeze(x, axis=2) * 2.0
            return tf.expand_dims(y, 1) + 1.0

        return fn, [shape]

    return Case(build)


def ds_block(dilation=1, k=(3, 3), c=8):
    """conv -> depthwise -> 1x1 conv -> depthwise: intermediates the planner may overwrite in place."""

    def build(tf, rng):
        w0, b0 = tf.constant(_w(rng, 3, 3, 2, c)), tf.constant(_w(rng, c, scale=0.1))
        d1, e1 = tf.constant(_w(rng, *k, c, 1)), tf.constant(_w(rng, c, scale=0.1))
        w2, b2 = tf.constant(_w(rng, 1, 1, c, c)), tf.constant(_w(rng, c, scale=0.1))
        d3, e3 = tf.constant(_w(rng, 5, 3, c, 1)), tf.constant(_w(rng, c, scale=0.1))

        def fn(x):
            h = tf.nn.relu(tf.nn.conv2d(x, w0, 1, "SAME") + b0)
            h = tf.nn.relu(tf.nn.depthwise_conv2d(h, d1, [1, 1, 1, 1], "SAME", dilations=[dilation, dilation]) + e1)
            h = tf.nn.relu(tf.nn.conv2d(h, w2, 1, "SAME") + b2)
            h = tf.nn.depthwise_conv2d(h, d3, [1, 1, 1, 1], "SAME") + e3
            return tf.reduce_mean(h, axis=[1, 2])

        return fn, [(1, 10, 6, 2)]

    return Case(build, expect_ops=("DEPTHWISE_CONV_2D", "CONV_2D"))


def quant_io(shape=(1, 12)):
    def build(tf, rng):
        w = tf.constant(_w(rng, shape[-1], 8))

        def fn(x):
            return tf.matmul(x, w)

        return fn, [shape]

    return Case(build, float_io=True, expect_ops=("QUANTIZE", "DEQUANTIZE"))


# ---------------------------------------------------------------- transformer
def _layer_norm(tf, x, gamma, beta, eps=1e-3):
    mu = tf.reduce_mean(x, axis=-1, keepdims=True)
    d = x - mu
    var = tf.reduce_mean(d * d, axis=-1, keepdims=True)
    return d * tf.math.rsqrt(var + eps) * gamma + beta


def transformer(frames=49, feats=10, patch=7, d=32, heads=2, blocks=2, mlp=64, classes=12, pool="cls"):
    """A KWT-style encoder classifier: the model family the pipeline trains."""

    def build(tf, rng):
        n_tok = frames // patch
        seq = n_tok + (1 if pool == "cls" else 0)
        dh = d // heads
        c = lambda *s, scale=0.3: tf.constant(_w(rng, *s, scale=scale))  # noqa: E731
        emb_w, emb_b = c(patch * feats, d), c(d, scale=0.05)
        cls_tok, pos = c(1, 1, d), c(1, seq, d, scale=0.1)
        layers = []
        for _ in range(blocks):
            layers.append(dict(
                g1=tf.constant(1 + _w(rng, d, scale=0.1)), b1=c(d, scale=0.05),
                wq=c(d, d), wk=c(d, d), wv=c(d, d), wo=c(d, d), bq=c(d, scale=0.05), bo=c(d, scale=0.05),
                g2=tf.constant(1 + _w(rng, d, scale=0.1)), b2=c(d, scale=0.05),
                w1=c(d, mlp), bm1=c(mlp, scale=0.05), w2=c(mlp, d, scale=0.2), bm2=c(d, scale=0.05)))
        wc, bc = c(d, classes), c(classes, scale=0.05)

        def fn(x):  # x: 1 x frames x feats
            t = tf.reshape(x[:, : n_tok * patch, :], (1, n_tok, patch * feats))
            h = tf.matmul(t, emb_w) + emb_b
            if pool == "cls":
                h = tf.concat([cls_tok, h], axis=1)
            h = h + pos
            for L in layers:
                a = _layer_norm(tf, h, L["g1"], L["b1"])
                q = tf.matmul(a, L["wq"]) + L["bq"]
                k = tf.matmul(a, L["wk"])
                v = tf.matmul(a, L["wv"])
                split = lambda z: tf.transpose(tf.reshape(z, (1, seq, heads, dh)), (0, 2, 1, 3))  # noqa: E731
                q, k, v = split(q), split(k), split(v)
                att = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * (1.0 / dh ** 0.5))
                o = tf.reshape(tf.transpose(tf.matmul(att, v), (0, 2, 1, 3)), (1, seq, d))
                h = h + tf.matmul(o, L["wo"]) + L["bo"]
                m = _layer_norm(tf, h, L["g2"], L["b2"])
                m = tf.nn.relu(tf.matmul(m, L["w1"]) + L["bm1"])
                h = h + tf.matmul(m, L["w2"]) + L["bm2"]
            z = h[:, 0, :] if pool == "cls" else tf.reduce_mean(h, axis=1)
            return tf.nn.softmax(tf.matmul(z, wc) + bc)

        return fn, [(1, frames, feats)]

    return Case(build, expect_ops=("BATCH_MATMUL", "SOFTMAX", "RSQRT", "MEAN", "TRANSPOSE"))


relu = lambda tf, y: tf.nn.relu(y)  # noqa: E731
relu6 = lambda tf, y: tf.nn.relu6(y)  # noqa: E731

CASES: dict[str, Case] = {
    "conv_3x3_same": conv(),
    "conv_3x3_valid_stride2": conv(stride=2, padding="VALID"),
    "conv_1x1": conv(k=(1, 1), cin=8, cout=8),
    "conv_5x3_stride2_same_relu": conv(k=(5, 3), stride=2, act=relu, hw=(10, 7)),
    "conv_dilation2_relu6": conv(dilation=2, act=relu6, cin=3, cout=5),
    "conv_odd_channels": conv(cin=3, cout=7, hw=(6, 5)),
    "conv_1x1_stride2_odd": conv(k=(1, 1), cin=5, cout=7, stride=2, hw=(5, 5)),  # 9 pixels, K % 4 = 1
    # an image CNN's first layer (the DSP kernel's im2col columns copied a word at a time inside the image, K = 27
    # widened as 28): 3 input channels, stride 2, 25 pixels (a last one alone), a four and a pair of channels
    "conv_c3_stride2_odd_pixels_relu6": conv(cin=3, cout=6, stride=2, act=relu6, hw=(9, 9)),
    # the DSP kernel's wide RGB layer (3x3 over three channels widened straight from the image), taps 2 apart
    "conv_rgb_dilation2_relu6": conv(dilation=2, act=relu6, cin=3, cout=6, hw=(11, 10)),
    "depthwise_3x3": depthwise(),
    "depthwise_mult2_stride2": depthwise(mult=2, stride=2, cin=3),
    "depthwise_dilation2_valid": depthwise(dilation=2, padding="VALID", act=relu),
    "depthwise_5x1_relu6": depthwise(k=(5, 1), act=relu6, cin=5),
    # the DSP kernel's 3x3 path: stride 2, channels not a multiple of four, clamped and full-range outputs
    "depthwise_3x3_c6_stride2": depthwise(cin=6, stride=2, hw=(9, 7)),
    "depthwise_3x3_c5_valid_relu6": depthwise(cin=5, padding="VALID", act=relu6, hw=(6, 7)),
    # the DSP kernel's column layout (taps paired along y): 1-D temporal (K x 1 over time, width 1) with odd
    # channel counts, odd and even K (unrolled and looped), output rows not a multiple of four, stride 2;
    # relu/relu6 take the zero point folded into the rounding, no activation TFLM's rounding
    # (tests/test_dsp_depthwise_col.py forces the other epilogues)
    "depthwise_temporal_9x1_c13_relu": depthwise(k=(9, 1), cin=13, act=relu, hw=(23, 1)),
    "depthwise_temporal_4x1_c7": depthwise(k=(4, 1), cin=7, hw=(14, 1)),
    "depthwise_temporal_15x1_c3_relu6": depthwise(k=(15, 1), cin=3, act=relu6, hw=(19, 1)),
    "depthwise_5x2_c9_stride2_relu": depthwise(k=(5, 2), cin=9, stride=2, act=relu, hw=(13, 5)),
    # a large image's column layout in bands of output rows (42 rows: bands of 20, 20 and 2), and 3x3 at stride 2
    # with whole groups of four on the row window (odd width: a padding column on the right)
    "depthwise_3x3_c8_bands_relu": depthwise(cin=8, act=relu, hw=(42, 40)),
    "depthwise_3x3_c16_stride2_relu": depthwise(cin=16, stride=2, act=relu, hw=(14, 11)),
    # the DSP kernel's patch layout (one input channel, depth multiplier > 1: micro_speech's 10x8 stride 2):
    # interior pixels, edges on every side, an odd multiplier (a lone last channel), 9 columns (a group
    # straddling the image's right edge), no activation (TFLM's rounding)
    "depthwise_c1_mult8_10x8_stride2_relu": depthwise(k=(10, 8), cin=1, mult=8, stride=2, act=relu, hw=(13, 11)),
    "depthwise_c1_mult3_4x9_stride2": depthwise(k=(4, 9), cin=1, mult=3, stride=2, hw=(8, 12)),
    "dense": dense(),
    "dense_relu": dense(act=relu),
    "dense_no_bias": dense(bias=False, din=13, dout=7),
    "dense_rows": dense(rows=5, din=8, dout=6),
    "dense_long_rows": dense(rows=3, din=1030, dout=5),  # rows longer than the DSP kernel's chunk
    # the DSP offset-pair layout: odd rows (a last row alone), depth % 4 = 1, 11 features (two fours, a pair,
    # a single), clamped outputs; and a 1x1 conv of 15 pixels, 10 channels, relu6 (clamped at both ends)
    "dense_rows_odd_relu": dense(rows=7, din=37, dout=11, act=relu),
    "conv_1x1_c36_relu6": conv(k=(1, 1), cin=36, cout=10, act=relu6, hw=(3, 5)),
    "avg_pool_2x2": pool("avg"),
    "avg_pool_3x3_same_stride2": pool("avg", k=3, stride=2, padding="SAME"),
    "max_pool_2x2": pool("max"),
    "max_pool_3x3_same": pool("max", k=3, stride=1, padding="SAME"),
    "add": binary("add"),
    "add_broadcast_const_relu": binary("add", b=(6,), const_b=True, act=relu),
    "add_broadcast_rows": binary("add", a=(1, 4, 6), b=(1, 1, 6)),
    "sub": binary("sub"),
    "sub_broadcast": binary("sub", a=(1, 3, 5, 4), b=(1, 3, 1, 4)),
    # two stepping inputs and >= 512 elements: the DSP kernel's table of the second input's terms
    "add_residual_relu": binary("add", a=(1, 8, 10, 9), b=(1, 8, 10, 9), act=relu),
    "sub_residual_long": binary("sub", a=(1, 24, 30), b=(1, 24, 30)),
    "mul": binary("mul"),
    "mul_broadcast_const": binary("mul", b=(1, 1, 6), const_b=True),
    # a constant with one value: the compiler turns the op into a 256-entry table
    "mul_const_scalar": binary("mul", b=(1,), const_b=True),
    "add_const_scalar_relu": binary("add", b=(1, 1, 1), const_b=True, act=relu),
    "sub_const_scalar": binary("sub", b=(1,), const_b=True),
    # the input with itself: also a function of one int8
    "mul_self": binary("mul", a=(1, 5, 7), self_b=True),
    "add_self_relu": binary("add", a=(1, 5, 7), self_b=True, act=relu),
    "squared_difference": binary("sqdiff"),
    "squared_difference_broadcast": binary("sqdiff", a=(1, 4, 6), b=(1, 4, 1)),
    "softmax": softmax(),
    "softmax_beta": softmax(beta=2.5, shape=(1, 7)),
    "softmax_long": softmax(shape=(1, 2, 49)),
    "mean_axis1": mean(),
    "mean_hw_keepdims": mean(axes=(1, 2), keepdims=True),
    "mean_last": mean(axes=(-1,), keepdims=True, shape=(1, 5, 16)),
    "mean_last_odd": mean(axes=(-1,), keepdims=True, shape=(1, 3, 23)),  # unaligned rows, a tail of 3
    "batch_matmul": batch_matmul(),
    "batch_matmul_adj_y": batch_matmul(b=(1, 2, 3, 6), adj_y=True),
    "batch_matmul_adj_x": batch_matmul(a=(1, 2, 6, 4), adj_x=True),
    # adj_x of a single row: its depth still contiguous (the Helium kernel's dot products and their scratch)
    "batch_matmul_adj_x_one_row": batch_matmul(a=(1, 2, 7, 1), b=(1, 2, 7, 5), adj_x=True),
    "batch_matmul_broadcast": batch_matmul(a=(2, 3, 4, 5), b=(1, 1, 5, 3)),
    # the DSP kernel's edges: odd rows and columns, depth not a multiple of four, strided both sides
    "batch_matmul_odd_adj_xy": batch_matmul(a=(1, 3, 7, 5), b=(1, 3, 9, 7), adj_x=True, adj_y=True),
    "batch_matmul_attention": batch_matmul(a=(1, 2, 25, 25), b=(1, 2, 25, 12)),
    "transpose": transpose(),
    "transpose_3d": transpose(perm=(0, 2, 1), shape=(1, 6, 5)),
    "concat_last": concat(),
    "concat_axis1": concat(axis=1, shapes=((1, 2, 5), (1, 3, 5), (1, 1, 5))),
    "strided_slice": strided_slice(),
    "strided_slice_shrink": strided_slice("shrink"),
    "strided_slice_negative": strided_slice("negative"),
    "slice": strided_slice("slice"),
    "pad": pad(),
    "padv2": pad(v2=True),
    "logistic": unary("sigmoid"),
    "tanh": unary("tanh"),
    "rsqrt": unary("rsqrt"),
    "relu": unary("relu"),
    "relu6": unary("relu6"),
    "quantize_dequantize": quant_io(),
    "ds_block_in_place": ds_block(),
    "ds_block_dilated": ds_block(dilation=2, k=(3, 5), c=6),
    "slice_op": slice_op(),
    "requantize_concat": requantize(),
    "grouped_conv": grouped_conv(),
    "squeeze_expand_dims": squeeze_expand(),
    "transformer_cls": transformer(),
    "transformer_meanpool": transformer(pool="mean", blocks=1, heads=4),
    "transpose_conv_3x3_same_stride2": transpose_conv(),
    "transpose_conv_4x3_valid_stride3_relu": transpose_conv(k=(4, 3), cin=3, cout=6, stride=3, padding="VALID",
                                                            hw=(3, 4), act=relu),
    "transpose_conv_2x2_no_bias": transpose_conv(k=(2, 2), stride=2, bias=False, hw=(3, 3)),
    "hard_swish": hard_swish(),
    "hard_swish_narrow": hard_swish(shape=(1, 3, 4, 5), gain=0.5),
    "leaky_relu": leaky_relu(),
    "leaky_relu_alpha03_4d": leaky_relu(0.3, shape=(1, 4, 5, 3)),
    # ---- int16x8: int16 activations, int8 weights (TFLM's 16x8 kernels)
    "s16_leaky_relu": s16(leaky_relu(0.1, shape=(1, 6, 7))),
    "s16_transpose_conv_5x3_same_stride2": s16(transpose_conv(k=(5, 3), cin=3, cout=4, hw=(3, 4))),
    "s16_softmax": s16(softmax(shape=(1, 3, 10))),
    "s16_softmax_long_rows": s16(softmax(shape=(1, 2, 49), beta=2.5)),
    "s16_conv_3x3_same_relu": s16(conv(act=relu)),
    "s16_conv_5x3_stride2_valid_odd": s16(conv(k=(5, 3), cin=3, cout=5, stride=2, padding="VALID", hw=(10, 7))),
    "s16_conv_dilation2_relu6_bias32": s16(conv(dilation=2, act=relu6, cin=3, cout=5), bias32=True),
    "s16_depthwise_mult2_stride2": s16(depthwise(mult=2, stride=2, cin=3)),
    "s16_depthwise_dilation2_valid_relu": s16(depthwise(dilation=2, padding="VALID", act=relu)),
    "s16_dense_rows_relu": s16(dense(rows=3, din=13, dout=7, act=relu)),
    "s16_dense_no_bias_bias32": s16(dense(bias=False, din=9, dout=5), bias32=True),
    "s16_add_broadcast_relu": s16(binary("add", a=(1, 3, 5, 4), b=(1, 3, 1, 4), act=relu)),
    "s16_sub": s16(binary("sub", a=(1, 5, 7), b=(1, 5, 7))),
    "s16_mul_broadcast_const": s16(binary("mul", b=(1, 1, 6), const_b=True)),
    "s16_avg_pool_3x3_same_stride2": s16(pool("avg", k=3, stride=2, padding="SAME")),
    "s16_max_pool_2x2": s16(pool("max")),
    "s16_concat_requantize": s16(requantize()),
    "s16_strided_slice_negative": s16(strided_slice("negative")),
    "s16_transpose": s16(transpose()),
    "s16_pad": s16(pad()),
    "s16_quantize_dequantize": s16(quant_io()),
    "s16_mean_axis1": s16(mean()),
    "s16_mean_hw_keepdims": s16(mean(axes=(1, 2), keepdims=True, shape=(1, 7, 6, 5))),
    "s16_batch_matmul": s16(batch_matmul()),
    "s16_batch_matmul_adj_broadcast": s16(batch_matmul(a=(2, 1, 5, 7), b=(1, 3, 6, 7), adj_y=True)),
    "s16_logistic": s16(unary("sigmoid")),
    "s16_relu": s16(unary("relu")),
    "s16_relu6": s16(unary("relu6", shape=(1, 4, 7))),
    "s16_sum_axes02": s16(mean(axes=(0, 2), shape=(2, 5, 6, 3), total=True)),
    "s16_squared_difference": s16(binary("sqdiff", a=(1, 3, 5, 4), b=(1, 3, 1, 4))),
    "s16_tanh": s16(unary("tanh", shape=(1, 4, 9))),
}


# the cases that reach the Cortex-M DSP kernels (the files in firmware/kernels/cortex_m_dsp/)
DSP_OPS = {"CONV_2D", "FULLY_CONNECTED", "DEPTHWISE_CONV_2D", "BATCH_MATMUL", "ADD", "SUB", "MUL",
           "SQUARED_DIFFERENCE", "SOFTMAX", "MEAN"}
# int16x8 ops take the portable kernels on every target: a sample of them rides along (the DSP target's
# build under the sanitizers, QEMU on the M4), the rest run on the host with the portable target only
S16_SAMPLE = ("s16_conv_3x3_same_relu", "s16_depthwise_dilation2_valid_relu", "s16_dense_rows_relu",
              "s16_softmax_long_rows")
DSP_OPS = DSP_OPS | {"TRANSPOSE_CONV"}  # int8: tslm_dsp_transpose_conv.c (its own line: merges stay clean)
DSP_CASES = [n for n, c in CASES.items() if (DSP_OPS & set(c.expect_ops)
             or n.startswith(("transformer", "grouped", "ds_block"))) and (c.mode == "int8" or n in S16_SAMPLE)]


def convert(name: str, seed: int = 0) -> bytes:
    """Build case `name` and convert it to a full-int8 .tflite."""
    import tensorflow as tf

    case = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()) + seed)
    tf.random.set_seed(seed)
    fn, shapes = case.build(tf, rng)
    sig = [tf.TensorSpec(s, tf.float32) for s in shapes]
    tfn = tf.function(fn, input_signature=sig)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([tfn.get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    rep_rng = np.random.default_rng(seed)

    def rep():
        for _ in range(64):
            yield [rep_rng.standard_normal(s).astype(np.float32) for s in shapes]

    conv.representative_dataset = rep
    io_type = tf.int8
    if case.mode.startswith("int16x8"):
        conv.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        io_type = tf.int16
        if case.mode == "int16x8_bias32":
            conv._experimental_full_integer_quantization_bias_type = tf.int32
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not case.float_io:
        conv.inference_input_type = io_type
        conv.inference_output_type = io_type
    return conv.convert()


def convert_fn(fn: Callable, shapes: list[tuple[int, ...]], mode: str = "int8", seed: int = 0) -> bytes:
    """Convert an arbitrary tf function: mode is int8 | float | hybrid | int16x8 (tinyslm.fuzz.convert)."""
    from tinyslm.fuzz.convert import convert_fn as convert

    return convert(fn, shapes, mode, seed)


def depthwise_layers(specs: list[tuple]) -> Callable:
    """A Case builder of one model holding a depthwise layer per spec, each with its own input and output, so one
    conversion and one QEMU run cover them all. spec: (filter (h, w), channels, activation None | "relu" |
    "relu6", input (h, w), stride (s or (sh, sw)), padding, dilation (d or (dh, dw)), [per-channel weight
    scales])."""

    def build(tf, rng):
        layers = []
        for (kh, kw), c, act, _, st, pad, dil, *extra in specs:
            scale = np.asarray(extra[0] if extra else 1.0, np.float32).reshape(-1, 1)
            w = tf.constant(_w(rng, kh, kw, c, 1) * scale)
            b = tf.constant(_w(rng, c, scale=0.1))
            st = st if isinstance(st, tuple) else (st, st)
            layers.append((w, b, act, st, pad, dil if isinstance(dil, tuple) else (dil, dil)))

        def fn(*xs):
            outs = []
            for x, (w, b, act, st, pad, dil) in zip(xs, layers):
                y = tf.nn.depthwise_conv2d(x, w, [1, *st, 1], pad, dilations=dil) + b
                outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
            return tuple(outs)

        return fn, [(1, *hw, c) for (_, c, _, hw, *_rest) in specs]

    return build


def convert_case(name: str, case: Case) -> bytes:
    """Convert `case` as zoo entry `name` (registered only while it converts: the name seeds its weights)."""
    CASES[name] = case
    try:
        return convert(name)
    finally:
        del CASES[name]


def qemu_matches_tflm(model: bytes, board: str, target: str, n_inputs: int = 3, seed: int = 0, opt: str = "-O2"):
    """Run `model` compiled for `target` on `board` in QEMU on n_inputs random input sets and assert every output
    byte equals TFLM's (failing loudly when QEMU or the toolchain is missing); returns the compiled model."""
    import shutil

    import pytest

    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
    cm, batches, run = measure(model, board, target, n_inputs=n_inputs, seed=seed, opt=opt)
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == n_inputs and cm.outputs
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
    return cm
