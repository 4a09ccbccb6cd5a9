"""The Helium CONV_2D kernel's layout path (firmware/kernels/helium/tslm_mve_conv.c, constant weights) against TFLM
on the Cortex-M55 in QEMU: output pixels walked in order with their coordinates carried, 1x1 layers read in place
(at stride 1, pixel i's patch is input + i * depth, the odd last pixel too),
and filters whose rows are at most 16 bytes (an image CNN's stem: 3x3 over three channels) copied one predicated
row at a time inside the image, built by the general im2col at its borders. Patches of at most 32 bytes take the
short-patch entry (tslm_mve_conv_short_s8: two pixels in vector registers against every group of four channels),
the others the general one; the short entry's own cases below: 1..8 input channels (and 17, 32), odd output
channel counts, stride 1 and 2, SAME and VALID, relu/relu6/none, dilation, filters of 1..3 rows, and in place.
Filters whose rows are longer than 16 bytes (K > 32, undilated across, of more than one row and narrower than the
input) take the long-row entry
(tslm_mve_conv_rows_s8: patches built with 16-byte copies per filter row): its cases, ROWS_CASES, and three images."""

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
    # the same paths of the general entry, with patches longer than the short entry's 32 bytes
    "stem_5x5_c3_s2_relu6": ((5, 5), 3, 8, "relu6", (15, 14), 2, "SAME", 1),
    "1x1_c40_relu6": ((1, 1), 40, 16, "relu6", (6, 7), 1, "SAME", 1),
    "1x1_c48_odd_pixels": ((1, 1), 48, 12, None, (5, 7), 1, "VALID", 1),
    "1x1_c36_s2_odd": ((1, 1), 36, 9, None, (7, 5), 2, "VALID", 1),
    # rows longer than 16 bytes whose patches inside the image are one run of the input (one filter row, or as wide
    # as the input): the general entry, which reads those in place
    "1x3_c20_o7_s2": ((1, 3), 20, 7, None, (5, 9), 2, "SAME", 1),
    "4x1_width1_c18_o5_relu": ((4, 1), 18, 5, "relu", (9, 1), 1, "SAME", 1),
    "3x2_width2_c9_o4": ((3, 2), 9, 4, None, (7, 2), 1, "SAME", 1),
}

# the short entry (K = filter_h * filter_w * input_c <= 32)
SHORT_CASES = {
    "1x1_c1_o3_relu": ((1, 1), 1, 3, "relu", (5, 6), 1, "SAME", 1),  # no full group of four channels
    "1x1_c2_o5": ((1, 1), 2, 5, None, (7, 3), 1, "VALID", 1),
    "1x1_c3_o7_s2_relu6": ((1, 1), 3, 7, "relu6", (9, 8), 2, "SAME", 1),
    "1x1_c4_o9_odd_pixels": ((1, 1), 4, 9, None, (3, 5), 1, "SAME", 1),
    "1x1_c5_o4_s2_odd_row": ((1, 1), 5, 4, "relu", (5, 9), 2, "VALID", 1),
    "1x1_c6_o13_relu6": ((1, 1), 6, 13, "relu6", (6, 5), 1, "SAME", 1),
    "1x1_c7_o8": ((1, 1), 7, 8, None, (4, 4), 1, "VALID", 1),
    "1x1_c8_o1": ((1, 1), 8, 1, None, (5, 5), 1, "SAME", 1),
    "1x1_c17_o6_relu": ((1, 1), 17, 6, "relu", (5, 4), 1, "SAME", 1),
    "1x1_c32_o5_s2": ((1, 1), 32, 5, None, (7, 6), 2, "SAME", 1),
    "3x3_c2_o6_s2_relu6": ((3, 3), 2, 6, "relu6", (11, 10), 2, "SAME", 1),
    "3x3_c3_o16_relu": ((3, 3), 3, 16, "relu", (12, 12), 1, "SAME", 1),
    "3x3_c3_o8_s2_relu6_even": ((3, 3), 3, 8, "relu6", (16, 16), 2, "SAME", 1),
    "3x3_c3_o5_valid": ((3, 3), 3, 5, None, (9, 11), 1, "VALID", 1),
    "2x2_c8_o3_s2_valid": ((2, 2), 8, 3, None, (8, 9), 2, "VALID", 1),
    "3x1_c5_o5": ((3, 1), 5, 5, None, (6, 7), 1, "SAME", 1),
    "1x3_c4_o7_relu": ((1, 3), 4, 7, "relu", (5, 8), 1, "SAME", 1),
    "5x1_c1_o4_dilation2": ((5, 1), 1, 4, None, (12, 5), 1, "SAME", 2),
    "3x3_c1_o2_dilation2_relu": ((3, 3), 1, 2, "relu", (9, 9), 1, "SAME", 2),
    "2x3_c5_o11": ((2, 3), 5, 11, None, (7, 6), 1, "SAME", 1),
    "4x1_width1_c3_o5": ((4, 1), 3, 5, None, (9, 1), 1, "VALID", 1),  # patches in place in the input
}


# the long-row entry (tslm_mve_conv_rows_s8: K > 32, filter rows of more than 16 bytes, undilated across, patches
# not all in place): odd channel counts, 9..64 input channels, stride 1 and 2, SAME and VALID, odd pixel counts
ROWS_CASES = {
    "3x3_c16_o16_relu": ((3, 3), 16, 16, "relu", (9, 8), 1, "SAME", 1),  # ResNet-8's 3x3 layers, smaller
    "3x3_c9_o7_s2": ((3, 3), 9, 7, None, (11, 10), 2, "SAME", 1),  # rows of 27 bytes
    "3x3_c17_o5_valid": ((3, 3), 17, 5, None, (7, 9), 1, "VALID", 1),  # 35 pixels: a last one alone
    "3x3_c32_o9_s2_relu6": ((3, 3), 32, 9, "relu6", (9, 9), 2, "SAME", 1),
    "3x3_c64_o4_relu": ((3, 3), 64, 4, "relu", (5, 6), 1, "SAME", 1),
    "3x3_c13_o6_s2_valid": ((3, 3), 13, 6, None, (10, 9), 2, "VALID", 1),
    "2x2_c24_o3_s2_valid": ((2, 2), 24, 3, None, (8, 9), 2, "VALID", 1),
    "5x5_c4_o6_s2": ((5, 5), 4, 6, None, (11, 12), 2, "SAME", 1),  # rows of 20 bytes
    "3x2_c33_o5_s2_relu": ((3, 2), 33, 5, "relu", (6, 7), 2, "SAME", 1),
    "3x3_c48_o12_s2_even": ((3, 3), 48, 12, None, (8, 8), 2, "SAME", 1),  # padding only after
    "2x3_c11_o6_relu": ((2, 3), 11, 6, "relu", (5, 7), 1, "SAME", 1),  # rows of 33 bytes
}


def _entry(p):
    """The entry the compiler is to choose for a layer of the layout path."""
    k, rl = p["filter_h"] * p["filter_w"] * p["input_c"], p["filter_w"] * p["input_c"]
    direct = p["filter_h"] == p["filter_w"] == 1 and p["pad_h"] == p["pad_w"] == 0
    from tinyslm.compiler.helium_layout import conv_pairs

    pairs = conv_pairs(p, bool(p["in_place"])) and p["batches"] * p["output_h"] * p["output_w"] >= 2
    if k <= 32 and not (pairs and k > 16 and p["filter_w"] > 1):
        # (one input channel, an eighth at the border: the band entry, tests/test_dsp_conv_c1.py)
        from tinyslm.compiler.helium_layout import conv_short_c1

        return "tslm_mve_conv_short_c1_s8" if conv_short_c1(p) else "tslm_mve_conv_short_s8"
    if pairs:
        return "tslm_mve_conv_pairs_s8_"  # (and its form: _pairs_form)
    run = p["filter_h"] == 1 or (p["filter_w"] == p["input_w"] and p["dilation_h"] == 1)
    rows = rl > 16 and p["dilation_w"] == 1 and not direct and not run
    return "tslm_mve_conv_rows_s8" if rows else "tslm_mve_conv_s8"


def _pairs_form(c) -> str:
    """The form of the two-row path the call of the pairs entry is to name (helium_layout.fc_pairs_form), from its
    records: per group of four channels bias[4], multiplier[4], shift[4]."""
    import numpy as np

    from tinyslm.compiler.helium_layout import fc_pairs_form

    rec = np.asarray(next(k.values for k in c.consts if k.name == c.params["requant"].name)).reshape(-1, 12)
    p = c.params
    return fc_pairs_form(p["filter_w"] * p["input_c"], rec[:, 8:], p["act_min"], p["act_max"], p["output_offset"])


def _pairs_call(c) -> bool:
    """A call of the pairs entry with the form its layer needs."""
    return c.func == "tslm_mve_conv_pairs_s8_" + _pairs_form(c)


def _model(tf, rng, cases=CASES):
    import opzoo

    layers = []
    for (kh, kw), ci, co, act, _, st, pad, dil in cases.values():
        w = tf.constant(opzoo._w(rng, kh, kw, ci, co, scale=(2.0 / (kh * kw * ci)) ** 0.5))
        b = tf.constant(opzoo._w(rng, co, scale=0.1))
        layers.append((w, b, act, st, pad, dil))

    def fn(*xs):
        outs = []
        for x, (w, b, act, st, pad, dil) in zip(xs, layers):
            y = tf.nn.conv2d(x, w, st, pad, dilations=dil) + b
            outs.append(tf.nn.relu(y) if act == "relu" else tf.nn.relu6(y) if act == "relu6" else y)
        return tuple(outs)

    return fn, [(1, *hw, ci) for (_, ci, _, _, hw, _, _, _) in cases.values()]


def test_mve_conv_layout_paths_bit_exact_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_paths", opzoo.Case(_model, expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=7)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    # every layer in the MVE kernel's layout path (the compiler's records), the short entry for K <= 32
    assert len(calls) == len(CASES) == len(cm.outputs)
    k = [c.params["filter_h"] * c.params["filter_w"] * c.params["input_c"] for c in calls]
    assert [c.func for c in calls] == [_entry(c.params) + (_pairs_form(c) if _entry(c.params).endswith("_") else "")
                                       for c in calls]
    assert "tslm_mve_conv_rows_s8" in [c.func for c in calls]
    assert all(c.params["requant"] is not None for c in calls) and max(k) > 32


def test_mve_conv_short_entry_bit_exact_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_short", opzoo.Case(lambda tf, rng: _model(tf, rng, SHORT_CASES),
                                                           expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=11)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert len(calls) == len(SHORT_CASES) == len(cm.outputs)
    assert all(c.func == "tslm_mve_conv_short_s8" and c.params["requant"] is not None for c in calls), \
        [c.func for c in calls]
    # the size build: the routines with the rounding fix for every layer
    opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=2, seed=12, opt="-Os -DTSLM_OPTIMIZE_SIZE")


def _dw_1x1_dw(tf, rng, c, co, act):
    """depthwise -> 1x1 from c to co channels (co <= c: in place) with `act` -> depthwise."""
    import opzoo

    d = tf.constant(opzoo._w(rng, 3, 3, c, 1))
    w = tf.constant(opzoo._w(rng, 1, 1, c, co, scale=(2.0 / c) ** 0.5))
    b = tf.constant(opzoo._w(rng, co, scale=0.1))
    d2 = tf.constant(opzoo._w(rng, 3, 3, co, 1))

    def f(x):
        h = tf.nn.relu(tf.nn.depthwise_conv2d(x, d, [1, 1, 1, 1], "SAME"))
        h = act(tf.nn.conv2d(h, w, 1, "SAME") + b)
        return tf.nn.depthwise_conv2d(h, d2, [1, 1, 1, 1], "SAME")

    return f


def _in_place_model(tf, rng):
    """depthwise -> 1x1 (fewer or as many channels: in place) -> depthwise, twice: K 8 and K 24."""
    f1, f2 = _dw_1x1_dw(tf, rng, 8, 7, tf.nn.relu6), _dw_1x1_dw(tf, rng, 24, 24, lambda y: y)

    def fn(x1, x2):
        return f1(x1), f2(x2)

    return fn, [(1, 7, 9, 8), (1, 5, 5, 24)]


def test_mve_conv_short_entry_in_place_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_short_in_place", opzoo.Case(_in_place_model,
                                                                     expect_ops=("CONV_2D", "DEPTHWISE_CONV_2D")))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=5)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert len(calls) == 2
    assert all(c.func == "tslm_mve_conv_short_s8" and c.params["in_place"] == 1 for c in calls), \
        [(c.func, c.params["in_place"]) for c in calls]
    for c in calls:  # same storage for input and output, no scratch
        assert cm.plan.storage[c.reads[0]].offset == cm.plan.storage[c.writes[0]].offset and c.scratch_bytes == 0


def _batches_model(tf, rng):
    """Three images: patches built across the images' seam, 1x1 in order over all of them, and 1x1 at stride 2."""
    import opzoo

    w1, b1 = tf.constant(opzoo._w(rng, 3, 3, 3, 5)), tf.constant(opzoo._w(rng, 5, scale=0.1))
    w2, b2 = tf.constant(opzoo._w(rng, 1, 1, 5, 7)), tf.constant(opzoo._w(rng, 7, scale=0.1))
    w3, b3 = tf.constant(opzoo._w(rng, 1, 1, 5, 6)), tf.constant(opzoo._w(rng, 6, scale=0.1))

    def fn(x):
        h = tf.nn.relu(tf.nn.conv2d(x, w1, 2, "SAME") + b1)
        return tf.nn.conv2d(h, w2, 1, "SAME") + b2, tf.nn.conv2d(h, w3, 2, "VALID") + b3

    return fn, [(3, 9, 7, 3)]


def test_mve_conv_short_entry_batches_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_short_batches", opzoo.Case(_batches_model, expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=1)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert [c.func for c in calls] == ["tslm_mve_conv_short_s8"] * 3 and all(c.params["batches"] == 3 for c in calls)


def test_mve_conv_rows_entry_bit_exact_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_rows", opzoo.Case(lambda tf, rng: _model(tf, rng, ROWS_CASES),
                                                          expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=13)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert len(calls) == len(ROWS_CASES) == len(cm.outputs)
    assert all(c.func == "tslm_mve_conv_rows_s8" and c.params["requant"] is not None for c in calls), \
        [c.func for c in calls]
    # the size build
    opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=2, seed=14, opt="-Os -DTSLM_OPTIMIZE_SIZE")


def _rows_batches_model(tf, rng):
    """Three images of 16 channels through two 3x3 layers (stride 1 and 2, 5 x 7 = 35 pixels per image: pairs of
    pixels across the images' seam)."""
    import opzoo

    w1, b1 = tf.constant(opzoo._w(rng, 3, 3, 16, 9, scale=0.12)), tf.constant(opzoo._w(rng, 9, scale=0.1))
    w2, b2 = tf.constant(opzoo._w(rng, 3, 3, 9, 6, scale=0.15)), tf.constant(opzoo._w(rng, 6, scale=0.1))

    def fn(x):
        h = tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        return tf.nn.conv2d(h, w2, 2, "SAME") + b2

    return fn, [(3, 5, 7, 16)]


def test_mve_conv_rows_entry_batches_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_rows_batches", opzoo.Case(_rows_batches_model, expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=2)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert [c.func for c in calls] == ["tslm_mve_conv_rows_s8"] * 2 and all(c.params["batches"] == 3 for c in calls)


# the pairs entry (tslm_mve_conv_pairs_s8: one filter row, unpadded, patches of 33..96 bytes, or 17..32 over more
# than one pixel, output channels a multiple of four): the FULLY_CONNECTED two-row path over each output row's pixels
# (pixels stride_w * input_c apart, overlapping when the filter is wider than the stride), or the whole image as one
# run (1x1 at stride 1); depth tails, odd pixel counts, relu/relu6/none (partial groups: tests/c/mve_fc_check.c)
PAIRS_CASES = {
    "1x3_c32_o56_s2_kws": ((1, 3), 32, 56, None, (1, 47), 2, "VALID", 1),  # the KWS transformer's second stem
    "1x3_c10_o32_relu_kws": ((1, 3), 10, 32, "relu", (1, 49), 1, "VALID", 1),  # its first: K 30
    "1x2_c9_o12_s2": ((1, 2), 9, 12, None, (3, 11), 2, "VALID", 1),  # K 18
    "1x3_c11_o8_s1_relu": ((1, 3), 11, 8, "relu", (3, 10), 1, "VALID", 1),  # K 33, rows of 8 pixels
    "1x2_c25_o4_s2_relu6": ((1, 2), 25, 4, "relu6", (4, 9), 2, "VALID", 1),  # K 50, odd last pixel per row
    "1x1_c64_o12": ((1, 1), 64, 12, None, (5, 5), 1, "VALID", 1),  # the image as one run of 25 pixels
    "1x1_c70_o4_relu": ((1, 1), 70, 4, "relu", (3, 4), 1, "SAME", 1),
    "1x1_c81_o8_s2": ((1, 1), 81, 8, None, (5, 6), 2, "VALID", 1),
    "1x4_c24_o20": ((1, 4), 24, 20, None, (2, 11), 1, "VALID", 1),  # K 96
    "1x1_c95_o8_relu6": ((1, 1), 95, 8, "relu6", (3, 3), 1, "VALID", 1),
}


def test_mve_conv_pairs_entry_bit_exact_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_pairs", opzoo.Case(lambda tf, rng: _model(tf, rng, PAIRS_CASES),
                                                           expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=17)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert len(calls) == len(PAIRS_CASES) == len(cm.outputs)
    assert all(_pairs_call(c) and c.params["requant"] is not None for c in calls), [c.func for c in calls]
    # the forms by hand (K's chunks; r: relu/relu6 up to 64 bytes, s: none, every shift <= -1 here; g: the rest)
    forms = ["s6", "r2", "s2", "r3", "r4", "s4", "g5", "s6", "s6", "g6"]
    assert [c.func for c in calls] == ["tslm_mve_conv_pairs_s8_" + f for f in forms]
    # the size build
    opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=2, seed=18, opt="-Os -DTSLM_OPTIMIZE_SIZE")


def _pairs_in_place_model(tf, rng):
    """depthwise -> 1x1 (as many or fewer channels: in place) -> depthwise: MLPerf KWS's 64 -> 64 over 25 x 5, and
    48 -> 36 over an odd 3 x 5 with relu6."""
    f1, f2 = _dw_1x1_dw(tf, rng, 64, 64, tf.nn.relu), _dw_1x1_dw(tf, rng, 48, 36, tf.nn.relu6)

    def fn(x1, x2):
        return f1(x1), f2(x2)

    return fn, [(1, 25, 5, 64), (1, 3, 5, 48)]


def test_mve_conv_pairs_entry_in_place_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_pairs_in_place", opzoo.Case(_pairs_in_place_model,
                                                                     expect_ops=("CONV_2D", "DEPTHWISE_CONV_2D")))
    for opt, seed in (("-O2", 5), ("-Os -DTSLM_OPTIMIZE_SIZE", 6)):
        cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=2, seed=seed, opt=opt)
        calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
        assert len(calls) == 2
        assert all(_pairs_call(c) and c.params["in_place"] == 1 for c in calls), \
            [(c.func, c.params["in_place"]) for c in calls]
        for c in calls:  # same storage for input and output, two pixels' scratch
            assert cm.plan.storage[c.reads[0]].offset == cm.plan.storage[c.writes[0]].offset
            assert c.scratch_bytes == 2 * c.params["input_c"]


def _pairs_batches_model(tf, rng):
    """Three images: 1x1 over all of them in one run per image, and 1x2 at stride 2 row by row."""
    import opzoo

    w1, b1 = tf.constant(opzoo._w(rng, 1, 1, 40, 12, scale=0.2)), tf.constant(opzoo._w(rng, 12, scale=0.1))
    w2, b2 = tf.constant(opzoo._w(rng, 1, 2, 40, 8, scale=0.12)), tf.constant(opzoo._w(rng, 8, scale=0.1))

    def fn(x):
        return tf.nn.conv2d(x, w1, 1, "VALID") + b1, tf.nn.relu(tf.nn.conv2d(x, w2, 2, "VALID") + b2)

    return fn, [(3, 3, 7, 40)]


def test_mve_conv_pairs_entry_batches_on_cortex_m55():
    import opzoo

    model = opzoo.convert_case("mve_conv_pairs_batches", opzoo.Case(_pairs_batches_model, expect_ops=("CONV_2D",)))
    cm = opzoo.qemu_matches_tflm(model, "mps3-an547", "helium", n_inputs=3, seed=3)
    calls = [s for s in cm.plan.steps if isinstance(s, Call) and s.family == "tslm_conv"]
    assert all(_pairs_call(c) for c in calls) and len(calls) == 2 and all(c.params["batches"] == 3 for c in calls)
