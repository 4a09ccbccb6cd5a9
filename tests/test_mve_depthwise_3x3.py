"""The Helium depthwise 3x3 stride-1 entry (tslm_mve_depthwise_conv_3x3_s8: dot products over each channel's quads of
four input rows, two output rows a pass, pixel pairs) against TFLM on the Cortex-M55 in QEMU, speed (-O2) and size
(-Os) builds: fixed edge cases (4x4 outputs, odd and even widths and heights, whole blocks of eight channels, 1..7
and 9..15 channels left, VALID, relu / relu6 / none, which take the requantization with and without TFLM's fix for
negative values) and seeded random geometries; a 3x3 output, which the entry leaves to tslm_mve_depthwise_conv_s8."""

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
}
SMALL = {"3x3_c16": ((3, 3), 16, "relu6", (3, 3), 1, "SAME", 1)}  # left to tslm_mve_depthwise_conv_s8


def random_cases(seed: int, n: int) -> dict:
    rng = np.random.default_rng(seed)
    cases = {}
    for i in range(n):
        pad = "VALID" if rng.random() < 0.25 else "SAME"
        lo = 6 if pad == "VALID" else 4
        h, w = (int(v) for v in rng.integers(lo, lo + 10, size=2))
        c = int(rng.choice([1, 2, 3, 5, 8, 11, 16, 20, 31, 32, 40]))
        act = [None, "relu", "relu6"][int(rng.integers(0, 3))]
        cases[f"r{i}_{h}x{w}_c{c}_{pad}_{act}"] = ((3, 3), c, act, (h, w), 1, pad, 1)
    return cases


def _check(name: str, cases: dict, opt: str, entry_cases: set[str]) -> None:
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(cases.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    model = opzoo.convert_case(name, layers)
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=7, opt=opt)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    assert len(calls) == len(cases) == len(cm.outputs)
    for case, call in zip(cases, calls):
        want = "tslm_mve_depthwise_conv_3x3_s8" if case in entry_cases else "tslm_mve_depthwise_conv_s8"
        assert call.func == want, (case, call.func)


@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_mve_depthwise_3x3_edges_bit_exact_on_cortex_m55(opt):
    cases = {**EDGES, **SMALL}
    _check("mve_dw3_edges", cases, opt, set(EDGES))


@pytest.mark.parametrize("opt", ["-O2", "-Os -DTSLM_OPTIMIZE_SIZE"])
def test_mve_depthwise_3x3_random_bit_exact_on_cortex_m55(opt):
    cases = random_cases(15, 10)
    _check("mve_dw3_random", cases, opt, set(cases))


if __name__ == "__main__":
    print(random_cases(15, 10))
