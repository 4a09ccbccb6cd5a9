"""The Helium depthwise kernel (firmware/kernels/helium/tslm_mve_depthwise_conv.c) against TFLM on the Cortex-M55
in QEMU: its ring of input rows blocked by eight channels is filled two blocks a step (a 16-byte load scattered
to two blocks), so the layers below take every channel count the fill distinguishes (whole pairs of blocks, 9..15
channels left, one block of 1..8 left), padding columns on both sides, rows above and below the image, both
strides, VALID, dilation, and each of the kernel's tap loops (3x3 one or two pixels a step at stride 1 and 2, rows
of height 1 two pixels a step, the general loop)."""

from __future__ import annotations

from tinyslm.compiler.lowering import Call

# name: filter (h, w), channels, activation, input (h, w), stride, padding, dilation
CASES = {
    "3x3_c16_s2_relu6": ((3, 3), 16, "relu6", (12, 12), 2, "SAME", 1),
    "3x3_c13_relu": ((3, 3), 13, "relu", (7, 9), 1, "SAME", 1),
    "3x3_c37_s2_valid": ((3, 3), 37, None, (9, 7), 2, "VALID", 1),
    "3x3_c24_relu6": ((3, 3), 24, "relu6", (5, 6), 1, "SAME", 1),
    "3x3_c20_s2": ((3, 3), 20, None, (8, 11), 2, "SAME", 1),
    "3x3_c5_dilation2": ((3, 3), 5, None, (9, 9), 1, "SAME", 2),
    "5x5_c8_s2_relu": ((5, 5), 8, "relu", (10, 10), 2, "SAME", 1),
    "3x1_c40_relu": ((3, 1), 40, "relu", (25, 1), 1, "SAME", 1),
    "1x5_c17_s2": ((1, 5), 17, None, (1, 23), 2, "SAME", 1),
    "2x3_c32_relu": ((2, 3), 32, "relu", (6, 7), 1, "VALID", 1),
    # rows of height 1 (1-D; K x 1 columns arrive as rows): two pixels a step, odd widths, dilation
    "1x4_c24_relu6": ((1, 4), 24, "relu6", (1, 14), 1, "SAME", 1),
    "1x3_c16_dilation2": ((1, 3), 16, None, (1, 17), 1, "SAME", 2),
    "5x1_c9_dilation3_relu": ((5, 1), 9, "relu", (30, 1), 1, "VALID", 3),
}


def test_mve_depthwise_ring_bit_exact_on_cortex_m55():
    import opzoo

    layers = opzoo.Case(opzoo.depthwise_layers(list(CASES.values())), expect_ops=("DEPTHWISE_CONV_2D",))
    model = opzoo.convert_case("mve_dw_ring", layers)
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=6)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_depthwise_conv"]
    # every layer in the MVE kernel's ring path (the compiler's layout: requant records, ring_w set)
    assert len(calls) == len(CASES) == len(cm.outputs)
    assert all(c.func in ("tslm_mve_depthwise_conv_s8", "tslm_mve_depthwise_conv_3x3_s8") and c.params["ring_w"] > 0
               for c in calls)
