"""Per-op instruction counts of issue 15's depthwise layers in QEMU (-icount shift=0, the bench runtime's per-op
profile, ticks of 40 instructions), checked against TFLM byte for byte: `PYTHONPATH=. python
tests/bench_depthwise_s2.py` (ONLY=2,3: those layers, each in a model of its own). Single-op models as the fifteenth
and sixteenth rounds measured them in PERFORMANCE.md: 3x3, relu6, SAME, `opzoo.depthwise_layers`, all five layers in
one model. Run it with PYTHONPATH at another checkout for that tree's figures. Not a pytest module (no test_ prefix)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
import opzoo  # noqa: E402

from benchops import print_op_counts  # noqa: E402

# (filter, channels, activation, input (h, w), stride, padding, dilation)
LAYERS = [((3, 3), 16, "relu6", (48, 48), 2, "SAME", 1), ((3, 3), 32, "relu6", (24, 24), 2, "SAME", 1),
          ((3, 3), 64, "relu6", (12, 12), 2, "SAME", 1), ((3, 3), 128, "relu6", (6, 6), 2, "SAME", 1),
          ((3, 3), 64, "relu6", (25, 5), 1, "SAME", 1)]  # the last: MLPerf KWS's 3x3 at stride 1


def run(specs, name="dws3_meas"):  # the name seeds the weights: keep it for comparable figures
    print_op_counts(name, opzoo.convert_case(name, opzoo.Case(opzoo.depthwise_layers(specs),
                                                              expect_ops=("DEPTHWISE_CONV_2D",))))


if __name__ == "__main__":
    only = os.environ.get("ONLY")
    if only:
        for i in only.split(","):
            run([LAYERS[int(i)]])
    else:
        run(LAYERS)
