"""The Helium CONV_2D kernel's layout path (firmware/kernels/helium/tslm_mve_conv.c, constant weights) against TFLM
on the Cortex-M55 in QEMU: output pixels walked in order with their coordinates carried, 1x1 layers read in place
(at stride 1, pixel i's patch is input + i * depth, the odd last pixel too),
and filters whose rows are at most 16 bytes (an image CNN's stem: 3x3 over three channels) copied one predicated
row at a time inside the image, built by the general im2col at its borders."""

from __future__ import annotations

from tinyslm.compiler.lowering import Call

# name: filter (h, w), input channels, output channels, activation, input (h, w), stride, padding, dilation
CASES = {
    "stem_3x3_c3_s2_relu6": ((3, 3), 3, 8, "relu6", (15, 14), 2, "SAME", 1),
    "3x3_c1_relu": ((3, 3), 1, 6, "relu", (9, 7), 1, "SAME", 1),
    "3x3_c5_valid": ((3, 3), 5, 4, None, (8, 9), 1, "VALID", 1),
    "2x4_c4_s2": ((2, 4), 4, 5, None, (9, 11), 2, "SAME", 1),
    "3x2_c3_dilation2_relu": ((3, 2), 3, 7, "relu", (10, 8), 1, "SAME", 2),
    "3x3_c6_rows18": ((3, 3), 6, 4, None, (7, 7), 1, "SAME", 1),
    "1x1_c8_relu6": ((1, 1), 8, 16, "relu6", (6, 7), 1, "SAME", 1),
    "1x1_c16_odd_pixels": ((1, 1), 16, 12, None, (5, 7), 1, "VALID", 1),  # 35 pixels: a last one alone
    "1x1_c12_s2_odd": ((1, 1), 12, 9, None, (7, 5), 2, "VALID", 1),
}


def _model(tf, rng):
    import opzoo

    layers = []
    for (kh, kw), ci, co, act, _, st, pad, dil in CASES.values():
        w = tf.constant(opzoo._w(rng, kh, kw, ci, co, scale=(2.0 / (kh * kw * ci)) ** 0.5))
        b = tf.constant(opzoo._w(rng, co, scale=0.1))
        layers.append((w, b, act, st, pad, dil))

    def fn(*xs):
        outs = []
        for x, (w, b, act, st, pad, dil) in zip(xs, layers):
            y = tf.nn.conv2d(x, w, st, pad, dilations=dil) + b
            outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
        return tuple(outs)

    return fn, [(1, *hw, ci) for (_, ci, _, _, hw, _, _, _) in CASES.values()]


def test_mve_conv_layout_paths_bit_exact_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_paths", opzoo.Case(_model, expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=7)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    # every layer in the MVE kernel's layout path (the compiler's records)
    assert len(calls) == len(CASES) == len(cm.outputs)
    assert all(c.func == "tslm_mve_conv_s8" and c.params["requant"] is not None for c in calls), \
        [(c.func, c.params.get("requant")) for c in calls]
