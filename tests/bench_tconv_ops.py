"""Per-op instruction counts of int8 TRANSPOSE_CONV shapes in QEMU (-icount shift=0), each checked against TFLM byte
for byte: `PYTHONPATH=. python tests/bench_tconv_ops.py [name,name...]` (BOARD=mps3-an547 TARGET=helium for the
M55; run it with PYTHONPATH at another checkout for that tree's figures: the models are cached in
/tmp/tconv-ops, so both measure the same bytes). A copy of the shared notes/realish/ops.py, transpose convs only.
Not a pytest module (no test_ prefix)."""
import os
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
import numpy as np  # noqa: E402

from opzoo import _w, convert_fn  # noqa: E402
from benchops import cached_model, print_op_counts  # noqa: E402

BOARD, TARGET = os.environ.get("BOARD", "mps2-an386"), os.environ.get("TARGET", "cortex-m-dsp")


def tconv(name, cin, cout, hw, k=(3, 3), s=(2, 2), padding="SAME", act="relu"):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    w = _w(rng, *k, cout, cin, scale=0.3)
    b = _w(rng, cout, scale=0.1)
    out = [hw[d] * s[d] if padding == "SAME" else (hw[d] - 1) * s[d] + k[d] for d in range(2)]

    def fn(x):
        import tensorflow as tf
        y = tf.nn.conv2d_transpose(x, w, (1, *out, cout), [1, *s, 1], padding) + b
        return tf.nn.relu(y) if act == "relu" else y
    return fn, [(1, *hw, cin)]


SHAPES = {  # name: (input channels, output channels, input (h, w), filter, stride)
    "tconv_16x16_32_16": (32, 16, (16, 16), (3, 3), (2, 2)),
    "tc3x3s2_8x8_64_64": (64, 64, (8, 8), (3, 3), (2, 2)),
    "tc3x3s2_16x16_8_8": (8, 8, (16, 16), (3, 3), (2, 2)),
    "tc2x2s2_16x16_16_8": (16, 8, (16, 16), (2, 2), (2, 2)),
    "tc4x4s2_8x8_16_16": (16, 16, (8, 8), (4, 4), (2, 2)),
    "tc3x3s1_16x16_16_16": (16, 16, (16, 16), (3, 3), (1, 1)),
    "tc5x5s2_8x8_64_16": (64, 16, (8, 8), (5, 5), (2, 2)),
    "tc5x5s2_8x8_8_8": (8, 8, (8, 8), (5, 5), (2, 2)),
    "tc5x1s21_32x1_16_16": (16, 16, (32, 1), (5, 1), (2, 1)),
    "tc4x1s21_32x1_64_32": (64, 32, (32, 1), (4, 1), (2, 1)),
}


def main(names: list[str]) -> None:
    for name in names:
        def make() -> bytes:
            cin, cout, hw, k, s = SHAPES[name]
            return convert_fn(*tconv(name, cin, cout, hw, k, s), mode="int8", seed=1)
        print_op_counts(name, cached_model("/tmp/tconv-ops", name, make), BOARD, TARGET)


if __name__ == "__main__":  # (pytest's doctest collection imports this file: nothing runs then)
    main(sys.argv[1].split(",") if len(sys.argv) > 1 else list(SHAPES))
