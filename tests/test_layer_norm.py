"""The fused layer norm (passes.fused_layer_norms, firmware/kernels/tslm_layer_norm.c and the Cortex-M DSP
kernel): small Keras-style layer-norm blocks converted to int8, the pass firing where it may and not where an
intermediate has another reader, and every output bit-exact with TFLM on the host (portable, DSP under the
sanitizers) and on the emulated Cortex-M4."""

from __future__ import annotations

import shutil

import numpy as np
import opzoo
import pytest

from tinyslm.compiler import read_model
from tinyslm.compiler.driver import lower_graph
from tinyslm.compiler.lowering import Call, Lit
from tinyslm.compiler.passes import PASSES, fused_layer_norms
from tinyslm.runners.verify import verify_host


def _ln(tf, x, gamma=None, beta=None, eps=1e-3):
    mu = tf.reduce_mean(x, axis=-1, keepdims=True)
    d = x - mu
    var = tf.reduce_mean(d * d, axis=-1, keepdims=True)
    n = d * tf.math.rsqrt(var + eps)
    y = n * gamma if gamma is not None else n
    return (y + beta if beta is not None else y), n, d


def _block(kind: str):
    """(fn, input shapes): 'gamma_beta' (rows of 19), 'shared' (the normalized values also read by a dense
    layer: the converter folds gamma and beta into it), 'big_beta' (beta's scale above the scaled values': the
    DSP kernel's fallback, the portable fused kernel), 'plain' (no gamma, beta), 'twice' (a layer norm of a layer
    norm: rows whose means are near 0, so the mean's rescale is no right shift: the general rounding), 'd_elsewhere' (the differences also an output: must not fuse)."""
    import tensorflow as tf

    rng = np.random.default_rng(7)
    cols = 16 if kind == "shared" else 19
    g = tf.constant((1 + 0.3 * rng.standard_normal(cols)).astype(np.float32))
    b = tf.constant(((40.0 if kind == "big_beta" else 0.2) * rng.standard_normal(cols)).astype(np.float32))
    w = tf.constant((0.4 * rng.standard_normal((cols, 8))).astype(np.float32))

    def fn(x):
        if kind == "plain":
            return _ln(tf, x)[0]
        if kind == "twice":
            return _ln(tf, _ln(tf, x, g, 0.0 * b)[0], g, b)[0]
        y, n, d = _ln(tf, x, g, b)
        if kind == "shared":
            return y, tf.matmul(n, w)
        if kind == "d_elsewhere":
            return y, d * 3.0
        return y

    return fn, [(1, 7, cols)]


KINDS = ["gamma_beta", "shared", "big_beta", "plain", "twice", "d_elsewhere"]
_cache: dict[str, bytes] = {}


def model(kind: str) -> bytes:
    if kind not in _cache:
        fn, shapes = _block(kind)
        _cache[kind] = opzoo.convert_fn(fn, shapes)
    return _cache[kind]


def funcs(steps) -> list[str]:
    return [s.func for s in steps if isinstance(s, Call)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_pass_fires_only_where_the_intermediates_are_private(kind, target):
    graph = read_model(model(kind))
    ops = {op.opcode for op in graph.operators}
    assert {"MEAN", "SUB", "RSQRT", "MUL"} <= ops, ops  # the converter wrote the chain (else nothing is tested)
    without = lower_graph(graph, target, passes=tuple(p for p in PASSES if p is not fused_layer_norms))
    after = lower_graph(graph, target)
    fused = [s for s in after if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    if kind == "d_elsewhere" or target == "portable":  # portable: the separate ops (they are faster there)
        assert not fused and funcs(after) == funcs(without), funcs(after)
        return
    assert len(fused) == (2 if kind == "twice" else 1), funcs(after)
    call = fused[-1]
    assert all(c.func == "tslm_dsp_layer_norm_s8" for c in fused)
    if kind == "twice":  # the second one's mean: a rescale that is no right shift (the kernel's general rounding)
        assert dict(call.param_items())["mean"]["shift"] >= 0, dict(call.param_items())["mean"]
    steps = dict(call.param_items())["steps"]
    assert steps == (0 if kind == "plain" else 2), steps
    assert len(call.op.outputs) == (2 if kind == "shared" else 1)  # the normalized values kept for the dense layer
    # one call instead of the chain's MEANs, SUB, MULs, ADD and tables
    assert len(funcs(after)) < len(funcs(without)) - 5
    assert not any(f.endswith("mean_s8") for f in funcs(after))


@pytest.mark.parametrize("kind", KINDS)
def test_fused_layer_norm_bit_exact_on_the_host(kind):
    """Portable (the separate ops), and the DSP kernel under the sanitizers ('big_beta': its fallback, the
    portable fused kernel)."""
    m = model(kind)
    report = verify_host(m, n_inputs=40, seed=3)
    assert report.ok, report.lines()
    report = verify_host(m, n_inputs=40, seed=5, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("kind", ["gamma_beta", "shared", "big_beta", "plain", "twice"])
def test_fused_layer_norm_bit_exact_on_cortex_m4(kind):
    """The DSP kernel's Thumb-2 loops (and its fallback, 'big_beta') against TFLM on the emulated M4."""

    m = model(kind)
    cm = opzoo.qemu_matches_tflm(m, "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=2)
    assert any(isinstance(s, Call) and s.func == "tslm_dsp_layer_norm_s8" for s in cm.plan.steps)
    if kind == "twice":
        _assert_left_shift_mean(cm)


def _assert_left_shift_mean(cm):
    """A DSP layer norm whose mean's rescale is a left shift of 0..10 (KWS's are 0): the kernel's SMMLAR of 2x << s
    with the zero point as its accumulator, no rounding divide (row_round)."""
    lns = [s for s in cm.plan.steps if isinstance(s, Call) and s.func == "tslm_dsp_layer_norm_s8"]
    assert any(0 <= s.params.mean["shift"] <= 10 for s in lns), [s.params.mean for s in lns]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("kind", ["gamma_beta", "twice"])
def test_fused_layer_norm_size_build_bit_exact_on_cortex_m4(kind):
    """The same kernels built with --optimize size (-Os: the 13-register loop must still get its registers)."""
    from tinyslm.firmware import opt_flag

    m = model(kind)
    cm = opzoo.qemu_matches_tflm(m, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=8, opt=opt_flag("size"))
    assert any(isinstance(s, Call) and s.func == "tslm_dsp_layer_norm_s8" for s in cm.plan.steps)
    if kind == "twice":
        _assert_left_shift_mean(cm)


def _ln_kind(tf, x, kind: str, g, b, w) -> list:
    """One test layer norm's outputs by kind: "plain" (no gamma/beta), "gamma", "twice" (a layer norm of a layer
    norm), "shared" (gamma and beta, the normalized values also read by a dense layer of weights w), or gamma and
    beta alone (any other kind)."""
    if kind == "plain":
        return [_ln(tf, x)[0]]
    if kind == "twice":
        return [_ln(tf, _ln(tf, x, g, 0.0 * b)[0], g, b)[0]]
    if kind == "gamma":
        return [_ln(tf, x, g)[0]]
    y, n, _ = _ln(tf, x, g, b)
    return [y, tf.matmul(n, w)] if kind == "shared" else [y]


def _helium_block():
    """Layer norms of many row shapes in one model (one conversion, one QEMU run), each on its own input: one
    token, rows shorter than four and than 16, not multiples of four, the KWT's 48, a row over the DSP kernel's
    1,024 (the Helium kernel's only), the normalized values kept, no gamma/beta, a layer norm of a layer norm,
    and beta's scale above the scaled values' (the portable kernel's fallback)."""
    import tensorflow as tf

    rng = np.random.default_rng(11)
    specs = [(1, 19, "gamma_beta"), (7, 19, "gamma_beta"), (5, 48, "gamma_beta"), (2, 5, "gamma_beta"),
             (3, 2, "gamma_beta"), (4, 16, "shared"), (4, 37, "plain"), (6, 21, "twice"), (7, 19, "big_beta"),
             (2, 1100, "gamma_beta"), (3, 33, "gamma")]
    params = []
    for _, cols, kind in specs:
        g = tf.constant((1 + 0.3 * rng.standard_normal(cols)).astype(np.float32))
        b = tf.constant(((40.0 if kind == "big_beta" else 0.2) * rng.standard_normal(cols)).astype(np.float32))
        w = tf.constant((0.4 * rng.standard_normal((cols, 8))).astype(np.float32))
        params.append((g, b, w))

    def fn(*xs):
        return tuple(o for x, (_, _, kind), (g, b, w) in zip(xs, specs, params) for o in _ln_kind(tf, x, kind, g, b, w))

    return fn, [(1, rows, cols) for rows, cols, _ in specs]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_fused_layer_norm_bit_exact_on_cortex_m55(opt):
    """The Helium kernel (tslm_mve_layer_norm_s8) against TFLM on the emulated Cortex-M55, every output of every
    row shape, built for speed and for size: rows four at a time (1..7 rows: full groups and groups of 1..3), the
    compiler's forms through the tail-predicated assembly loops (row lengths not a multiple of four: the loops'
    own tails and the rows' pointer step back)."""
    from tinyslm.firmware import opt_flag

    if "helium" not in _cache:
        fn, shapes = _helium_block()
        _cache["helium"] = opzoo.convert_fn(fn, shapes)
    m = _cache["helium"]
    cm = opzoo.qemu_matches_tflm(m, "mps3-an547", "helium", n_inputs=4, seed=4, opt=opt_flag(opt))
    lns = [s for s in cm.plan.steps if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    assert len(lns) == 12 and all(s.func == "tslm_mve_layer_norm_s8" for s in lns), funcs(cm.plan.steps)
    # the compiler's folds (the SUB, B from the mean by one multiply-add (fold_sub_linear) in most; gamma/beta's
    # records, rows of 2..1100 with tails past a multiple of 4)
    assert all(s.params.diff_fold[3] != 0 for s in lns) and sum(s.params.folded is not None for s in lns) == 9
    assert sum(s.params.diff_fold[3] == -1 for s in lns) >= 9, [s.params.diff_fold for s in lns]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
def test_sub_fold_by_the_rescaled_mean_on_cortex_m55(monkeypatch):
    """The Helium kernel with fold_sub's B = (t M + E) >> L from the rescaled mean (what it takes where
    fold_sub_linear finds no P, Q): the same row shapes against TFLM on the emulated Cortex-M55."""
    from tinyslm.compiler.ops import layer_norm as ln

    if "helium" not in _cache:
        fn, shapes = _helium_block()
        _cache["helium"] = opzoo.convert_fn(fn, shapes)
    monkeypatch.setattr(ln, "fold_sub_linear", lambda p, shift=ln.DIFF_SHIFT: [0, 0, 0, 0])
    cm = opzoo.qemu_matches_tflm(_cache["helium"], "mps3-an547", "helium", n_inputs=4, seed=6)
    lns = [s for s in cm.plan.steps if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    assert len(lns) == 12 and all(s.params.diff_fold[3] > 0 for s in lns), [s.params.diff_fold for s in lns]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_layer_norms_of_many_shapes_bit_exact_on_cortex_m4(opt):
    """The DSP kernel on the Helium block's row shapes (one token, rows of 2, 5, 16, 19, 21, 33, 37, 48, the
    normalized values kept, no gamma/beta, a layer norm of a layer norm; 1,100: the portable kernel) against TFLM on
    the emulated Cortex-M4, built for speed and for size: the SUB's B from the mean by one multiply-add
    (fold_sub_linear) and, with gamma's and beta's records, the differences in the output row and scaled_folded()'s
    one loop for the scale, gamma and beta steps (odd and even rows, with and without the normalized values)."""
    from tinyslm.firmware import opt_flag

    if "helium" not in _cache:
        fn, shapes = _helium_block()
        _cache["helium"] = opzoo.convert_fn(fn, shapes)
    cm = opzoo.qemu_matches_tflm(_cache["helium"], "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=9,
                                 opt=opt_flag(opt))
    lns = [s for s in cm.plan.steps if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    dsp = [s for s in lns if s.func == "tslm_dsp_layer_norm_s8"]
    assert len(lns) == 12 and len(dsp) == 11, funcs(cm.plan.steps)
    assert all(s.params.diff_fold[3] == -1 for s in dsp), [s.params.diff_fold for s in dsp]
    folded = [s.params for s in dsp if s.params.folded is not None]
    assert len(folded) == 8 and {p.cols % 2 for p in folded} == {0, 1}, [(p.rows, p.cols) for p in folded]
    # the normalized values kept (scaled_folded's second loop) on odd and even rows
    if "kept" not in _cache:
        fn, shapes = _kept_block()
        _cache["kept"] = opzoo.convert_fn(fn, shapes)
    cm = opzoo.qemu_matches_tflm(_cache["kept"], "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=11,
                                 opt=opt_flag(opt))
    kept = [s for s in cm.plan.steps if isinstance(s, Call) and s.func == "tslm_dsp_layer_norm_s8"
            and s.params.folded is not None and not isinstance(s.args[3], Lit)]
    assert {s.params.cols for s in kept} == {9, 23, 12}, funcs(cm.plan.steps)
    # the loops for an output that starts inside the input (scaled(), gamma_beta_folded(): no planner makes one)
    opzoo.qemu_matches_tflm(_cache["helium"], "mps2-an386", "cortex-m-dsp", n_inputs=2, seed=13,
                            opt=opt_flag(opt) + " -DTSLM_LN_NO_IN_PLACE")


def _eights_block():
    """Layer norms on rows of a multiple of 8 (the DSP kernel's rows_asm: one function for all rows, eight elements
    a turn at -O2, four at -Os): no gamma/beta (mode 0), gamma's and beta's records (mode 1) and, where a dense
    layer also reads the normalized values, the same with them kept (mode 2), on one row and on several, rows of 8
    to 64 (the KWS transformer's 56, the anomaly model's 48)."""
    import tensorflow as tf

    rng = np.random.default_rng(14)
    specs = [(3, 8, "plain"), (5, 56, "plain"), (1, 64, "plain"), (2, 16, "gamma_beta"), (7, 56, "gamma_beta"),
             (1, 8, "gamma_beta"), (3, 24, "shared"), (6, 56, "shared"), (1, 48, "shared")]
    params = [(tf.constant((1 + 0.3 * rng.standard_normal(c)).astype(np.float32)),
               tf.constant((0.2 * rng.standard_normal(c)).astype(np.float32)),
               tf.constant((0.4 * rng.standard_normal((c, 8))).astype(np.float32)),
               float(rng.uniform(0.3, 4.0)), float(rng.uniform(-2.0, 2.0))) for _, c, _ in specs]

    def fn(*xs):
        return tuple(o for x, (_, _, kind), (g, b, w, sc, off) in zip(xs, specs, params)
                     for o in _ln_kind(tf, x * sc + off, kind, g, b, w))

    return fn, [(1, rows, cols) for rows, cols, _ in specs]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_rows_of_eights_bit_exact_on_cortex_m4(opt):
    """The DSP kernel's rows_asm (rows of a multiple of 8 on fold_sub_linear: no gamma/beta, gamma's and beta's
    records, those with the normalized values kept) against TFLM on the emulated Cortex-M4, built for speed and
    for size."""
    from tinyslm.firmware import opt_flag

    if "eights" not in _cache:
        fn, shapes = _eights_block()
        _cache["eights"] = opzoo.convert_fn(fn, shapes)
    cm = opzoo.qemu_matches_tflm(_cache["eights"], "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=15,
                                 opt=opt_flag(opt))
    dsp = [s for s in cm.plan.steps if isinstance(s, Call) and s.func == "tslm_dsp_layer_norm_s8"]
    assert len(dsp) == 9 and all(s.params.cols % 8 == 0 and s.params.diff_fold[3] == -1 for s in dsp), \
        [(s.params.cols, s.params.diff_fold) for s in dsp]
    modes = sorted((s.params.steps == 0, s.params.folded is not None, not isinstance(s.args[3], Lit)) for s in dsp)
    assert modes.count((True, False, False)) == 3, modes  # mode 0
    assert modes.count((False, True, False)) == 3, modes  # mode 1
    assert modes.count((False, True, True)) == 3, modes  # mode 2


def _kept_block():
    """Layer norms with gamma and beta whose normalized values a dense layer also reads (rows of 9, 23 and 12)."""
    import tensorflow as tf

    rng = np.random.default_rng(12)
    specs = [(3, 9), (5, 23), (2, 12)]
    params = [(tf.constant((1 + 0.3 * rng.standard_normal(c)).astype(np.float32)),
               tf.constant((0.2 * rng.standard_normal(c)).astype(np.float32)),
               tf.constant((0.4 * rng.standard_normal((c, 8))).astype(np.float32))) for _, c in specs]

    def fn(*xs):
        outs = []
        for x, (g, b, w) in zip(xs, params):
            y, n, _ = _ln(tf, x, g, b)
            outs.extend([y, tf.matmul(n, w)])
        return tuple(outs)

    return fn, [(1, rows, cols) for rows, cols in specs]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
def test_sub_fold_by_the_rescaled_mean_on_cortex_m4(monkeypatch):
    """The DSP kernel with fold_sub's B = (t M + E) >> L from its row term (where fold_sub_linear finds no P, Q),
    the same row shapes against TFLM on the emulated Cortex-M4."""
    from tinyslm.compiler.ops import layer_norm as ln

    if "helium" not in _cache:
        fn, shapes = _helium_block()
        _cache["helium"] = opzoo.convert_fn(fn, shapes)
    monkeypatch.setattr(ln, "fold_sub_linear", lambda p, shift=ln.DIFF_SHIFT: [0, 0, 0, 0])
    cm = opzoo.qemu_matches_tflm(_cache["helium"], "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=10)
    dsp = [s for s in cm.plan.steps if isinstance(s, Call) and s.func == "tslm_dsp_layer_norm_s8"]
    assert len(dsp) == 11 and all(s.params.diff_fold[3] > 0 for s in dsp), [s.params.diff_fold for s in dsp]


def _mve_handles(b: dict, half: bool) -> bool:
    """The Helium kernel's handled() for one step (no clamp, an output shift right by 1..22; half, a SUB/ADD: TFLM's
    input 1 at 1/2 after a left shift of 20): its own loops, not the portable kernel's."""
    ok = b["act_min"] == -128 and b["act_max"] == 127 and -22 <= b["output_shift"] <= -1
    return ok and (not half or (b["left_shift"] == 20 and b["in1_multiplier"] == 1 << 30 and b["in1_shift"] == 0))


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_unfolded_layer_norm_bit_exact_on_cortex_m55(opt, monkeypatch):
    """The Helium kernel where the compiler gives it no folds (its check of the constants failed): the same row
    shapes with fold_sub and fold_gamma_beta finding nothing, so the kernel rounds the SUB itself and takes gamma
    and beta through its own per-call setup (gamma + offset, R(beta) in scratch) and rounded steps, against TFLM
    on the emulated Cortex-M55, built for speed and for size."""
    from tinyslm.compiler.ops import layer_norm as ln
    from tinyslm.firmware import opt_flag

    if "helium" not in _cache:
        fn, shapes = _helium_block()
        _cache["helium"] = opzoo.convert_fn(fn, shapes)
    m = _cache["helium"]
    monkeypatch.setattr(ln, "fold_sub", lambda p, shift=ln.DIFF_SHIFT: [0, 0, 0, 0])
    monkeypatch.setattr(ln, "fold_sub_linear", lambda p, shift=ln.DIFF_SHIFT: [0, 0, 0, 0])
    monkeypatch.setattr(ln, "fold_gamma_beta", lambda *a: None)
    cm = opzoo.qemu_matches_tflm(m, "mps3-an547", "helium", n_inputs=4, seed=5, opt=opt_flag(opt))
    lns = [s for s in cm.plan.steps if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    assert len(lns) == 12 and all(s.func == "tslm_mve_layer_norm_s8" for s in lns), funcs(cm.plan.steps)
    assert all(s.params.diff_fold == [0, 0, 0, 0] and s.params.folded is None for s in lns)
    # the kernel's own loops (not the portable kernel's) for gamma and beta: rows of 2..1100, tails past 4k
    own = [p for p in (s.params for s in lns) if p.steps == 2 and _mve_handles(p.sub, True)
           and _mve_handles(p.scale, False) and _mve_handles(p.gamma, False) and _mve_handles(p.beta, True)]
    assert len(own) >= 8 and {p.cols for p in own} >= {2, 5, 19, 48, 1100}, [(p.rows, p.cols) for p in own]


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_records_without_the_sub_fold_on_cortex_m55(opt, monkeypatch):
    """The Helium kernel with gamma's and beta's records but no SUB fold (the kernel's rounded SUB, then the
    compiler's output loops row by row outside the four-row group function, `out_row` in the general loop),
    against TFLM on the emulated Cortex-M55, built for speed and for size."""
    from tinyslm.compiler.ops import layer_norm as ln
    from tinyslm.firmware import opt_flag

    if "helium" not in _cache:
        fn, shapes = _helium_block()
        _cache["helium"] = opzoo.convert_fn(fn, shapes)
    monkeypatch.setattr(ln, "fold_sub", lambda p, shift=ln.DIFF_SHIFT: [0, 0, 0, 0])
    monkeypatch.setattr(ln, "fold_sub_linear", lambda p, shift=ln.DIFF_SHIFT: [0, 0, 0, 0])
    cm = opzoo.qemu_matches_tflm(_cache["helium"], "mps3-an547", "helium", n_inputs=4, seed=7, opt=opt_flag(opt))
    lns = [s for s in cm.plan.steps if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    assert len(lns) == 12 and all(s.func == "tslm_mve_layer_norm_s8" for s in lns), funcs(cm.plan.steps)
    assert all(s.params.diff_fold[3] == 0 for s in lns)
    assert sum(s.params.folded is not None for s in lns) >= 8, [(s.params.rows, s.params.cols) for s in lns]


def _random_block(seed: int):
    """Layer norms of random row shapes in one model, each on its own input (scaled and shifted by random
    amounts, so rows' means and spreads vary), gamma of either sign around random sizes, beta from small to
    about the normalized values' size: the DSP kernel's compiler-checked folds (the SUB of the mean, beta's ADD)
    on many quantizations at once, and its general loops where a fold is not found."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    specs = []
    for k in range(9):
        cols = int(rng.choice([3, 5, 8, 13, 24, 31, 48, 56, 64, 70, 129]))
        specs.append((int(rng.integers(1, 9)), cols, ["gamma_beta", "gamma_beta", "plain", "gamma"][k % 4]))
    params = []
    for _, cols, _ in specs:
        g = tf.constant((rng.choice([-1.0, 1.0], cols) * rng.uniform(0.1, 2.5) * (1 + 0.4 * rng.standard_normal(cols)))
                        .astype(np.float32))
        b = tf.constant((rng.uniform(0.01, 2.0) * rng.standard_normal(cols)).astype(np.float32))
        params.append((g, b, float(rng.uniform(0.2, 6.0)), float(rng.uniform(-3.0, 3.0))))

    def fn(*xs):
        return tuple(o for x, (_, _, kind), (g, b, sc, off) in zip(xs, specs, params)
                     for o in _ln_kind(tf, x * sc + off, kind, g, b, None))

    return fn, [(1, rows, cols) for rows, cols, _ in specs]


def random_model(seed: int) -> bytes:
    key = f"random{seed}"
    if key not in _cache:
        fn, shapes = _random_block(seed)
        _cache[key] = opzoo.convert_fn(fn, shapes)
    return _cache[key]


def _folds(m: bytes) -> tuple[int, int, int]:
    """(fused layer norms, with the SUB folded, with gamma/beta's records) on the DSP target."""
    lns = [s for s in lower_graph(read_model(m), "cortex-m-dsp") if isinstance(s, Call) and s.op.opcode == "LAYER_NORM"]
    assert all(s.func == "tslm_dsp_layer_norm_s8" for s in lns if s.params.cols <= 1024)
    return len(lns), sum(s.params.diff_fold[3] != 0 for s in lns), sum(s.params.folded is not None for s in lns)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_layer_norms_bit_exact_on_the_host(seed):
    """Random shapes and quantizations: the DSP kernel (its C forms, under the sanitizers) against TFLM, most
    of them through the compiler's folds."""
    m = random_model(seed)
    n, diff, gb = _folds(m)
    assert n == 9 and diff >= 6 and gb >= 2, (n, diff, gb)
    report = verify_host(m, n_inputs=30, seed=seed, target="cortex-m-dsp", sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("seed,opt", [(1, "speed"), (2, "size")])
def test_random_layer_norms_bit_exact_on_cortex_m4(seed, opt):
    """The same on the emulated Cortex-M4: the folded loops' Thumb-2 assembly (ssat with the fold's shift)."""
    from tinyslm.firmware import opt_flag

    m = random_model(seed)
    cm = opzoo.qemu_matches_tflm(m, "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=seed + 10, opt=opt_flag(opt))


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
@pytest.mark.parametrize("seed,opt", [(1, "size"), (2, "speed")])
def test_random_layer_norms_bit_exact_on_cortex_m55(seed, opt):
    """The same on the emulated Cortex-M55: the Helium kernel with the compiler's folds and, where they do not
    fit, its own rounded steps."""
    from tinyslm.firmware import opt_flag

    m = random_model(seed)
    cm = opzoo.qemu_matches_tflm(m, "mps3-an547", "helium", n_inputs=4, seed=seed + 20, opt=opt_flag(opt))


def test_fold_helpers_against_the_reference():
    """The compiler's folds against fixedpoint.mbqm (TFLM's arithmetic) one value at a time: the vectorized
    MultiplyByQuantizedMultiplier, the SUB table, and fold_sub's A, E, L recomputed the kernel's way (B from the
    row term t by a 64-bit multiply) on every mean and x; fit_affine on random ADD maps."""
    from tinyslm.compiler.fixedpoint import mbqm, mbqm_np, wrap32
    from tinyslm.compiler.ops import layer_norm as ln

    rng = np.random.default_rng(5)
    xs = rng.integers(-(1 << 31), 1 << 31, 4000)
    for m, sh in [(1 << 30, 0), (1518500250, -7), (1087226345, -18), (2147483647, -1), (1300000000, 2)]:
        got = mbqm_np(xs.astype(np.int64), m, sh)
        assert all(int(g) == mbqm(int(x), m, sh) for g, x in zip(got, xs))
    found = linear = 0
    for trial in range(12):
        p = dict(in1_offset=int(rng.integers(-127, 128)), in2_offset=int(rng.integers(-127, 128)),
                 output_offset=int(rng.integers(-128, 128)), left_shift=20, in1_multiplier=1 << 30, in1_shift=0,
                 in2_multiplier=int(rng.integers(1 << 30, 1 << 31)), in2_shift=int(rng.integers(-7, 0)),
                 output_multiplier=int(rng.integers(1 << 30, 1 << 31)), output_shift=int(rng.integers(-20, -16)),
                 act_min=-128, act_max=127)
        f, t = ln._sub_map(p)
        for mi in rng.integers(0, 256, 3):
            for xi in rng.integers(0, 256, 3):
                r1 = mbqm(wrap32((int(xi) - 128 + p["in1_offset"]) << 20), 1 << 30, 0)
                r2 = mbqm(wrap32((int(mi) - 128 + p["in2_offset"]) << 20), p["in2_multiplier"], p["in2_shift"])
                ref = min(max(mbqm(r1 - r2, p["output_multiplier"], p["output_shift"]) + p["output_offset"], -128), 127)
                assert f[mi, xi] == ref and t[mi] == (p["in1_offset"] << 20) - 2 * r2
        a, e_lo, e_hi, shift = ln.fold_sub(p)
        if shift:
            found += 1
            e = (e_hi << 32) | (e_lo & 0xFFFFFFFF)
            b = np.array([(int(v) * p["output_multiplier"] + e) >> shift for v in t], dtype=np.int64)
            assert np.array_equal(np.clip((ln._V[None, :] * a + b[:, None]) >> ln.DIFF_SHIFT, -128, 127), f)
        a, pm, q, kind = ln.fold_sub_linear(p)
        if kind:
            linear += 1
            b = ln._V * pm + q  # (the Helium kernel's B from the int8 mean)
            assert kind == -1 and np.array_equal(np.clip((ln._V[None, :] * a + b[:, None]) >> ln.DIFF_SHIFT,
                                                         -128, 127), f)
        ab = ln.fit_affine(ln._add_map(p, int(rng.integers(-128, 128))))
        assert ab is None or abs(ab[0]) < 1 << 24
    assert found >= 8 and linear >= 6, (found, linear)


def _row_rounded(x: np.ndarray, m: int, shift: int, z: int) -> np.ndarray:
    """The DSP kernel's row-mean rounding (tslm_dsp_layer_norm.c: row_round/mean_of) in Python, before its SSAT:
    SMMLAR(x << l, m, rz + (x < 0 ? mask : 0)) >> r, SMMLAR(a, b, acc) = (acc 2^32 + a b + 2^31) >> 32."""
    if -22 <= shift <= -1:
        r = -shift
        l, rz, mask = 1, (1 << (r - 1)) + (z << r), -1
    else:
        assert 0 <= shift <= 10
        l, rz, mask, r = shift + 1, z, 0, 0
    a = x << l
    assert np.all(np.abs(a) < 1 << 31)
    acc = rz + np.where(x < 0, mask, 0)
    return ((acc << 32) + a * m + (1 << 31)) >> 32 >> r


def test_row_mean_rounding_against_the_reference():
    """The DSP kernel's one-form rounding of a row's sum (means and variance: SMMLAR with the zero point in its
    accumulator; for a left shift of 0..10, TFLM's SaturatingRoundingDoublingHighMul alone, no sign correction)
    against fixedpoint.mbqm_np (TFLM's MultiplyByQuantizedMultiplier) on every |x| < 2^18 (255 x 1,024 columns),
    at shifts -22..10 and multipliers at both ends of their range."""
    from tinyslm.compiler.fixedpoint import mbqm_np

    x = np.arange(-(1 << 18) + 1, 1 << 18, dtype=np.int64)
    rng = np.random.default_rng(3)
    ms = [1 << 30, (1 << 31) - 1, 1075768207, 665779440] + [int(v) for v in rng.integers(1 << 30, 1 << 31, 3)]
    for shift in range(-22, 11):
        for m in ms:
            z = int(rng.integers(-128, 128))
            assert np.array_equal(_row_rounded(x, m, shift, z), mbqm_np(x, m, shift) + z), (m, shift)


def test_helium_beta_slope_and_record():
    """The Helium records' beta ADD with one A for every channel (common_beta_slope) against TFLM's ADD (_add_map,
    fixedpoint's arithmetic) on every int8 v of every channel, for random scales and betas (one with betas at both
    ends of int8: channels whose intercepts differ most, where a slope pooled over channels misses every common A);
    helium_records' layout (A, then {K[4], B[4]} per four channels); mve_rows_record only for the kernel's forms."""
    from tinyslm.compiler.ops import layer_norm as ln

    rng = np.random.default_rng(14)
    found = 0
    for trial in range(8):
        p = dict(in1_offset=int(rng.integers(-127, 128)), in2_offset=int(rng.integers(-127, 128)),
                 output_offset=int(rng.integers(-128, 128)), left_shift=20, in1_multiplier=1 << 30, in1_shift=0,
                 in2_multiplier=int(rng.integers(1 << 30, 1 << 31)), in2_shift=int(rng.integers(-7, 0)),
                 output_multiplier=int(rng.integers(1 << 30, 1 << 31)), output_shift=int(rng.integers(-20, -16)),
                 act_min=-128, act_max=127)
        beta = np.array([127, -128]) if trial == 0 else rng.integers(-128, 128, int(rng.integers(1, 11)))
        ab = ln.common_beta_slope(p, beta)
        if ab is None:
            continue
        found += 1
        a, b = ab
        for c, bc in enumerate(beta):
            got = np.clip((ln._V * a + b[c]) >> ln.FOLD_SHIFT, -128, 127)
            assert np.array_equal(got, ln._add_map(p, int(bc))), (trial, c)
        f = np.stack([2 * (rng.integers(-128, 128, len(beta)) + 128), np.zeros(len(beta)), np.zeros(len(beta)),
                      np.zeros(len(beta))], axis=1).astype(np.int64)
        rec = ln.helium_records(f, a, b)
        assert rec[0] == a and len(rec) == 1 + 2 * ln._up(len(beta))
        groups = rec[1:].reshape(-1, 2, 4)
        assert np.array_equal(groups[:, 0].reshape(-1)[:len(beta)], f[:, 0] // 2)
        assert np.array_equal(groups[:, 1].reshape(-1)[:len(beta)], b)
    assert found >= 6, found
    step = dict(act_min=-128, act_max=127, output_shift=-5, output_multiplier=1 << 30, output_offset=3, left_shift=20,
                in1_multiplier=1 << 30, in1_shift=0, in1_offset=1, in2_offset=128)
    base = dict(rows=4, cols=9, mean=dict(input_zero_point=-3, reduce_count=9, shift=-1, multiplier=1 << 30,
                                          output_zero_point=2),
                var=dict(input_zero_point=-128, reduce_count=9, shift=1, multiplier=1 << 30, output_zero_point=-128),
                sub=step, scale=step, gamma=step, beta=step, square=None, scale_table=None)
    rec = ln.mve_rows_record(ln.LayerNormParams(**base, steps=0, diff_fold=[5, 6, 7, -1]), False)
    assert list(rec[:4]) == [ln.MVE_LN_SCALED, 1, 9, -3] and list(rec[7:12]) == [-27, 0, 1 << 30, -1, 2]
    assert list(rec[-5:]) == [1 << 30, 16 + 3 * 32, 19, 0, 0]
    folded = ln.LayerNormParams(**base, steps=2, folded=Lit("x"), diff_fold=[5, 6, 7, 8])
    assert list(ln.mve_rows_record(folded, True)[:2]) == [ln.MVE_LN_FOLDED_KEEP, 0]
    assert ln.mve_rows_record(ln.LayerNormParams(**base, steps=1, diff_fold=[5, 6, 7, -1]), False) is None
    assert ln.mve_rows_record(ln.LayerNormParams(**base, steps=2, diff_fold=[5, 6, 7, -1]), False) is None
    assert ln.mve_rows_record(ln.LayerNormParams(**base, steps=0, diff_fold=[0, 0, 0, 0]), False) is None
    clamped = ln.LayerNormParams(**{**base, "scale": {**step, "act_min": -100}}, steps=0, diff_fold=[5, 6, 7, -1])
    assert ln.mve_rows_record(clamped, False) is None
