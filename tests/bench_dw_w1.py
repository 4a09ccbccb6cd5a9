"""Per-op instruction counts of width-1 temporal depthwise shapes (K x 1 over a column of width 1) on the Cortex-M4
DSP kernel in QEMU (-icount shift=0), each a single-op model made by opzoo.depthwise_layers and checked against TFLM
byte for byte: `PYTHONPATH=. python tests/bench_dw_w1.py [name,name...]` (OPT=-Os for the size build). Models are
cached in /tmp/dw-w1-ops, so another checkout measures the same bytes. Not a pytest module (no test_ prefix)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))

import opzoo  # noqa: E402
from benchops import cached_model, print_op_counts  # noqa: E402

OPT = os.environ.get("OPT", "-O2")

SHAPES = {  # name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation
    "k3_t49_c64_relu": ((3, 1), 64, "relu", (49, 1), 1, "SAME", 1),
    "k3_t49_c40": ((3, 1), 40, None, (49, 1), 1, "SAME", 1),
    "k3s2_t49_c64_relu": ((3, 1), 64, "relu", (49, 1), 2, "SAME", 1),
    "k3s2_t49_c64": ((3, 1), 64, None, (49, 1), 2, "SAME", 1),
    "k3s2_t49_c40": ((3, 1), 40, None, (49, 1), 2, "SAME", 1),
    "k2_t49_c64_relu": ((2, 1), 64, "relu", (49, 1), 1, "SAME", 1),
    "k2s2_t49_c64_relu": ((2, 1), 64, "relu", (49, 1), 2, "SAME", 1),
    "k4s2_t49_c64_relu": ((4, 1), 64, "relu", (49, 1), 2, "SAME", 1),
    "k5s2_t49_c64_relu": ((5, 1), 64, "relu", (49, 1), 2, "SAME", 1),
    "k3d2_t49_c64_relu": ((3, 1), 64, "relu", (49, 1), 1, "SAME", 2),
    "k3_25x5_c64_relu": ((3, 1), 64, "relu", (25, 5), 1, "SAME", 1),
    "row1x3_t49_c64_relu": ((1, 3), 64, "relu", (1, 49), 1, "SAME", 1),
}


def main(names: list[str]) -> None:
    for name in names:
        case = opzoo.Case(opzoo.depthwise_layers([SHAPES[name]]), expect_ops=("DEPTHWISE_CONV_2D",))
        print_op_counts(name, cached_model("/tmp/dw-w1-ops", name, lambda: opzoo.convert_case(name, case)), opt=OPT)


if __name__ == "__main__":  # (pytest's doctest collection imports this file: nothing runs then)
    main(sys.argv[1].split(",") if len(sys.argv) > 1 else list(SHAPES))
