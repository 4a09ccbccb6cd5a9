"""The Helium depthwise 3x3 entry (tslm_mve_depthwise_conv_3x3_s8: dot products over each channel's quads of four
input rows; stride 1: two output rows a pass, pixel pairs; stride 2: one row a pass) against TFLM on the Cortex-M55 in QEMU, speed (-O2) and size
(-Os) builds: fixed edge cases (4x4 outputs, odd and even widths and heights, whole blocks of eight channels, 1..7
and 9..15 channels left, VALID, relu / relu6 / none, which take the requantization with and without TFLM's fix for
negative values), stride 2, and seeded random geometries; outputs under 4x4, which the entry leaves to
tslm_mve_depthwise_conv_s8."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.compiler.lowering import Call

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation
EDGES = {
    "4x4_c8": ((3, 3), 8, None, (4, 4), 1, "SAME", 1),
    "5x7_c16_relu": ((3, 3), 16, "relu", (5, 7), 1, "SAME", 1),
    "7x4_c1_relu6": ((3, 3), 1, "relu6", (7, 4), 1, "SAME", 1),
    "4x9_c7": ((3, 3), 7, None, (4, 9), 1, "SAME", 1),
    "9x6_c9_relu": ((3, 3), 9, "relu", (9, 6), 1, "SAME", 1),
    "6x5_c15": ((3, 3), 15, None, (6, 5), 1, "SAME", 1),
    "8x8_c24_valid_relu6": ((3, 3), 24, "relu6", (8, 8), 1, "VALID", 1),
    "7x6_c17_valid": ((3, 3), 17, None, (7, 6), 1, "VALID", 1),
    "25x5_c64_relu": ((3, 3), 64, "relu", (25, 5), 1, "SAME", 1),  # MLPerf KWS's layers
    # stride 2: one output row a pass, a load per pixel
    "s2_8x8_c8": ((3, 3), 8, None, (8, 8), 2, "SAME", 1),
    "s2_9x11_c13_relu6": ((3, 3), 13, "relu6", (9, 11), 2, "SAME", 1),
    "s2_10x9_c16_valid_relu": ((3, 3), 16, "relu", (10, 9), 2, "VALID", 1),
    "s2_12x14_c3": ((3, 3), 3, None, (12, 14), 2, "SAME", 1),
    "s2_24x24_c16_relu6": ((3, 3), 16, "relu6", (24, 24), 2, "SAME", 1),  # the stand-ins' first stride-2 layer
}
# left to tslm_mve_depthwise_conv_s8: outputs under 4x4
SMALL = {"3x3_c16": ((3, 3), 16, "relu6", (3, 3), 1, "SAME", 1), "s2_6x6_c8": ((3, 3), 8, None, (6, 6), 2, "SAME", 1)}


def random_cases(seed: int, n: int) -> dict:
    rng = np.random.default_rng(seed)
    cases = {}
    for i in range(n):
        pad = "VALID" if rng.random() < 0.25 else "SAME"
        st = 2 if rng.random() < 0.4 else 1
        lo = (9 if pad == "VALID" else 7) if st == 2 else (6 if pad == "VALID" else 4)
        h, w = (int(v) for v in rng.integers(lo, lo + 10, size=2))
        c = int(rng.choice([1, 2, 3, 5, 8, 11, 16, 20, 31, 32, 40]))
        act = [None, "relu", "relu6"][int(rng.integers(0, 3))]
        cases[f"r{i}_{h}x{w}_c{c}_s{st}_{pad}_{act}"] = ((3, 3), c, act, (h, w), st, pad, 1)
    return cases


def _check(name: str, cases: dict, opt: str, entry_cases: set[str]) -> None:
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(cases.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    model = opzoo.convert_case(name, layers)
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=7, opt=opt)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert len(calls) == len(cases) == len(cm.outputs)
    # the calls' order is the converter's: match them to the cases by geometry
    got = sorted((c.params["input_h"], c.params["input_w"], c.params["output_c"], c.params["stride_w"],
                  c.params["output_h"], c.func) for c in calls)
    want = []
    for case, (_, c, _, (h, w), st, pad, _) in cases.items():
        oh = -(-h // st) if pad == "SAME" else (h - 3) // st + 1
        entry = "tslm_mve_depthwise_conv_3x3_s8" if case in entry_cases else "tslm_mve_depthwise_conv_s8"
        want.append((h, w, c, st, oh, entry))
    assert got == sorted(want)


@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_mve_depthwise_3x3_edges_bit_exact_on_cortex_m55(opt):
    cases = {**EDGES, **SMALL}
    _check("mve_dw3_edges", cases, opt, set(EDGES))


@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_mve_depthwise_3x3_random_bit_exact_on_cortex_m55(opt):
    cases = random_cases(15, 14)
    _check("mve_dw3_random", cases, opt, set(cases))


if __name__ == "__main__":
    print(random_cases(15, 14))
