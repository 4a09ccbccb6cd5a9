"""Stand-ins for issue 15's held-out image CNNs: the layer shapes of MLPerf Tiny's visual wake words model
(MobileNetV1-0.25, 96x96x3, 13 depthwise-separable blocks, 7.49 M MACs) and of its image-classification
ResNet-8 (32x32x3, three residual stacks of 16/32/64 channels, 12.50 M MACs), with random weights, quantized to
full int8 by TensorFlow's converter (tests/opzoo.py: the weights and the representative data are seeded, so the
bytes are the same on every run).

The originals and their TFLM + CMSIS-NN instruction counts are not in the repository; the stand-ins let the bench
measure the same layer shapes here and scale the issue's ratios (firmware/kernels/PERFORMANCE.md: "Held-out image CNNs").

Three more are shaped like other public models nobody here tuned for, for the layer kinds the first two lack: TFLM's
person_detection (a one-channel stem, an average pool head), its magic_wand (a 4x3 conv over 3 axes, max pools)
and a TC-ResNet-style keyword spotter (9x1 temporal convolutions with residual adds).

    .venv/bin/python tests/standins.py DIR      # writes DIR/standin_<name>.tflite for each stand-in
"""

from __future__ import annotations

import sys
from pathlib import Path

import opzoo

# (input channels, output channels, stride) of each depthwise-separable block after the first 3x3 conv (8
# channels, stride 2)
VWW_BLOCKS = ([(8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2)]
              + [(128, 128, 1)] * 5 + [(128, 256, 2), (256, 256, 1)])


def _conv_weights(rng, k, cin, cout):
    """He-scaled filter and a small bias (numpy; the model's constants)."""
    return opzoo._w(rng, k, k, cin, cout, scale=(2.0 / (k * k * cin)) ** 0.5), opzoo._w(rng, cout, scale=0.1)


def vww(tf, rng):
    """MobileNetV1-0.25 as the visual wake words model lays it out (relu6 after every conv, global mean, FC 2)."""
    stem = _conv_weights(rng, 3, 3, 8)
    blocks = [((opzoo._w(rng, 3, 3, cin, 1, scale=0.4), opzoo._w(rng, cin, scale=0.1)),
               _conv_weights(rng, 1, cin, cout), s) for cin, cout, s in VWW_BLOCKS]
    wd = opzoo._w(rng, 256, 2, scale=0.1)

    def fn(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, stem[0], 2, "SAME") + stem[1])
        for (dw, dwb), (pw, pwb), s in blocks:
            y = tf.nn.relu6(tf.nn.depthwise_conv2d(y, dw, [1, s, s, 1], "SAME") + dwb)
            y = tf.nn.relu6(tf.nn.conv2d(y, pw, 1, "SAME") + pwb)
        return tf.nn.softmax(tf.matmul(tf.reduce_mean(y, axis=[1, 2]), wd))

    return fn, [(1, 96, 96, 3)]


def resnet8(tf, rng):
    """ResNet-8 as the image-classification model lays it out (1x1 conv shortcuts where the shape changes)."""
    stem = _conv_weights(rng, 3, 3, 16)
    stacks = []
    for cin, cout, s in ((16, 16, 1), (16, 32, 2), (32, 64, 2)):
        a, b = _conv_weights(rng, 3, cin, cout), _conv_weights(rng, 3, cout, cout)
        short = _conv_weights(rng, 1, cin, cout) if s != 1 or cin != cout else None
        stacks.append((a, b, short, s))
    wd = opzoo._w(rng, 64, 10, scale=0.1)

    def conv(x, w, stride):
        return tf.nn.conv2d(x, w[0], stride, "SAME") + w[1]

    def fn(x):
        y = tf.nn.relu(conv(x, stem, 1))
        for a, b, short, s in stacks:
            z = conv(tf.nn.relu(conv(y, a, s)), b, 1)
            y = tf.nn.relu((conv(y, short, s) if short is not None else y) + z)
        return tf.matmul(tf.reduce_mean(y, axis=[1, 2]), wd)

    return fn, [(1, 32, 32, 3)]


def person_detect(tf, rng):
    """TFLM's person_detection example as it is laid out: MobileNetV1-0.25 on a 96x96 *grayscale* image (a stem
    with one input channel), then a 3x3 average pool, a 1x1 conv to 2 classes and softmax."""
    stem = _conv_weights(rng, 3, 1, 8)
    blocks = [((opzoo._w(rng, 3, 3, cin, 1, scale=0.4), opzoo._w(rng, cin, scale=0.1)),
               _conv_weights(rng, 1, cin, cout), s) for cin, cout, s in VWW_BLOCKS]
    head = _conv_weights(rng, 1, 256, 2)

    def fn(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, stem[0], 2, "SAME") + stem[1])
        for (dw, dwb), (pw, pwb), s in blocks:
            y = tf.nn.relu6(tf.nn.depthwise_conv2d(y, dw, [1, s, s, 1], "SAME") + dwb)
            y = tf.nn.relu6(tf.nn.conv2d(y, pw, 1, "SAME") + pwb)
        y = tf.nn.conv2d(tf.nn.avg_pool2d(y, 3, 1, "VALID"), head[0], 1, "SAME") + head[1]
        return tf.nn.softmax(tf.reshape(y, (1, 2)))

    return fn, [(1, 96, 96, 1)]


def magic_wand(tf, rng):
    """TFLM's magic_wand gesture model as it is laid out: 128 accelerometer samples x 3 axes, a 4x3 conv with one
    input channel, 3x3 max pool, a 4x1 conv, 3x1 max pool, two dense layers, softmax."""
    c1 = (opzoo._w(rng, 4, 3, 1, 8, scale=0.4), opzoo._w(rng, 8, scale=0.1))
    c2 = (opzoo._w(rng, 4, 1, 8, 16, scale=0.3), opzoo._w(rng, 16, scale=0.1))
    d1 = (opzoo._w(rng, 240, 16, scale=0.1), opzoo._w(rng, 16, scale=0.1))
    d2 = (opzoo._w(rng, 16, 4, scale=0.3), opzoo._w(rng, 4, scale=0.1))

    def fn(x):
        y = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, c1[0], 1, "SAME") + c1[1]), (3, 3), (3, 3), "SAME")
        y = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(y, c2[0], 1, "SAME") + c2[1]), (3, 1), (3, 1), "SAME")
        y = tf.nn.relu(tf.matmul(tf.reshape(y, (1, -1)), d1[0]) + d1[1])
        return tf.nn.softmax(tf.matmul(y, d2[0]) + d2[1])

    return fn, [(1, 128, 3, 1)]


def tc_resnet(tf, rng):
    """A TC-ResNet8-style keyword spotter: 98 frames x 40 MFCCs as a width-1 series of 40 channels, 9x1 temporal
    convolutions in three residual blocks (stride 2, 1x1 shortcuts), global mean, dense, softmax."""
    stem = (opzoo._w(rng, 3, 1, 40, 16, scale=0.2), opzoo._w(rng, 16, scale=0.1))
    blocks = []
    for cin, cout in ((16, 24), (24, 32), (32, 48)):
        blocks.append(((opzoo._w(rng, 9, 1, cin, cout, scale=(2 / (9 * cin)) ** 0.5), opzoo._w(rng, cout, scale=0.1)),
                       (opzoo._w(rng, 9, 1, cout, cout, scale=(2 / (9 * cout)) ** 0.5), opzoo._w(rng, cout, scale=0.1)),
                       _conv_weights(rng, 1, cin, cout)))
    fc = opzoo._w(rng, 48, 12, scale=0.2)

    def fn(x):
        y = tf.nn.conv2d(x, stem[0], 1, "SAME") + stem[1]
        for a, b, short in blocks:
            z = tf.nn.conv2d(tf.nn.relu(tf.nn.conv2d(y, a[0], (2, 1), "SAME") + a[1]), b[0], 1, "SAME") + b[1]
            y = tf.nn.relu(z + tf.nn.relu(tf.nn.conv2d(y, short[0], (2, 1), "SAME") + short[1]))
        return tf.nn.softmax(tf.matmul(tf.reduce_mean(y, axis=[1, 2]), fc))

    return fn, [(1, 98, 1, 40)]


STANDINS = {"vww": vww, "r8": resnet8, "pd": person_detect, "mw": magic_wand, "tcr": tc_resnet}


def convert(name: str) -> bytes:
    """Stand-in `name` (a key of STANDINS) as a full-int8 .tflite."""
    return opzoo.convert_case(f"standin_{name}", opzoo.Case(STANDINS[name], expect_ops=("CONV_2D",)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tests/standins.py DIR (writes DIR/standin_<name>.tflite for each stand-in)")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in STANDINS:
        path = out / f"standin_{name}.tflite"
        path.write_bytes(convert(name))
        print(f"wrote {path}")
