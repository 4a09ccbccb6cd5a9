"""The TFLM builtins added for issue 13 (item 3), on models built with TensorFlow, against TFLM."""

from __future__ import annotations

import shutil

import numpy as np
import opzoo_more
import pytest

from tinyslm.compiler import read_model
from tinyslm.compiler.libm import LIBM_ULPS
from tinyslm.runners.verify import verify_host

_cache: dict[str, bytes] = {}


def model(name: str) -> bytes:
    if name not in _cache:
        _cache[name] = opzoo_more.convert(name)
    return _cache[name]


def inputs(name: str) -> dict:
    """Random inputs over the whole type range, except token ids (TFLM stops on an id outside the table)."""
    if opzoo_more.CASES[name].mode == "ids":
        return dict(n_inputs=0, real_inputs=opzoo_more.token_ids(np.random.default_rng(3), 30))
    return dict(n_inputs=30, seed=3)


@pytest.mark.parametrize("name", list(opzoo_more.CASES))
def test_op_bit_exact_with_tflm(name):
    m = model(name)
    ops = {op.opcode for op in read_model(m).operators}
    missing = set(opzoo_more.CASES[name].expect_ops) - ops
    assert not missing, f"the converter did not emit {missing} (got {sorted(ops)}): the case tests nothing"
    report = verify_host(m, **inputs(name))
    assert report.ok, report.lines()


# one case per new kernel file (tslm_gather, tslm_compare, tslm_minmax, tslm_float, tslm_cast, tslm_resize,
# tslm_l2norm, tslm_log_softmax, tslm_abs); token_embedding on the portable target (its FULLY_CONNECTED's DSP kernel is slow to build
# with the sanitizers and is covered by tests/test_compiler_ops.py)
SANITIZED = {"split_pack": "cortex-m-dsp", "space_depth": "cortex-m-dsp", "compare_select": "cortex-m-dsp",
             "reductions": "cortex-m-dsp", "float_model": "cortex-m-dsp", "resize_bilinear": "cortex-m-dsp",
             "l2_normalization": "cortex-m-dsp", "log_softmax": "cortex-m-dsp", "int16_moves": "cortex-m-dsp",
             "token_embedding": "portable", "float_cnn": "cortex-m-dsp", "float_activations": "cortex-m-dsp",
             "float_attention_upsample": "portable", "float_reductions": "portable", "float_rows": "portable", "pad_fill": "portable"}


@pytest.mark.parametrize("name", list(SANITIZED))
def test_under_sanitizers(name):
    """The models built for the host under ASan and UBSan, mostly for the Cortex-M DSP target (these
    ops use the portable kernels there too)."""
    report = verify_host(model(name), **inputs(name), target=SANITIZED[name], sanitize=True)
    assert report.ok, report.lines()


def test_moves_reach_every_gather_form():
    """The byte-moving ops reach all three forms: a strided copy, per-axis offset tables, and one
    offset per output element (each form is checked bit-exact above)."""
    from tinyslm.compiler import analyze
    from tinyslm.compiler.lowering import Call

    forms = set()
    for name in ("space_depth", "reverse_broadcast_gather", "mirror_resize"):
        _, plan = analyze(model(name))
        for s in plan.steps:
            if isinstance(s, Call) and s.func == "tslm_index_gather":
                forms.add("per-element" if s.params.dims[:5] == [1] * 5 else "per-axis")
            elif isinstance(s, Call):
                forms.add(s.func)
    assert {"tslm_strided_copy", "per-axis", "per-element"} <= forms, forms


NO_ARM = shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None
# float32 ops that call the C library, and how many ulps from glibc's result newlib's may take them (the measured
# ones; tinyslm/compiler/libm.py holds the list)
LIBM = {op: ulps for op, ulps in LIBM_ULPS.items() if ulps is not None}


def ulps(a: np.ndarray, b: np.ndarray) -> int:
    """Largest distance in units in the last place between two float32 arrays of one sign pattern."""
    ia = np.asarray(a, np.float32).view(np.int32).astype(np.int64)
    ib = np.asarray(b, np.float32).view(np.int32).astype(np.int64)
    return int(np.max(np.abs(ia - ib))) if ia.size else 0


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("name", ["divide_prelu", "l2_normalization", "compare_select", "float_model", "float_cnn",
                                  "float_activations", "float_rows", "float_elu"])
def test_on_a_cortex_m4_in_qemu(name, tmp_path):
    """The generated C on an emulated Cortex-M4 (mps2-an386, DSP target) against TFLM on the host: int8
    byte for byte (DIV's x86 shift rule included); float32 byte for byte except the outputs of the ops that
    call the device's C library (newlib), which stay within 2 ulps of glibc's for EXP, LOG, SIN, COS, TANH,
    ELU and LOG_SOFTMAX (measured: 1) and within 4 for SOFTMAX and LOGISTIC, an expf then a division (measured:
    2)."""
    from tinyslm.compiler import compile_model
    from tinyslm.runners.oracle import Oracle, random_inputs
    from tinyslm.runners.qemu import build_qemu, run_qemu

    m = model(name)
    g = read_model(m)
    made_by = {o: op.opcode for op in g.operators for o in op.outputs}
    cm = compile_model(m, tmp_path / "model", name="model", target="cortex-m-dsp")
    elf = build_qemu(cm, tmp_path / "build", "mps2-an386")
    rng = np.random.default_rng(11)
    batches = [random_inputs(cm.inputs, rng) for _ in range(6)]
    run = run_qemu(elf, cm, batches, "mps2-an386")
    oracle = Oracle(m)
    assert len(run.outputs) == len(batches)
    for inputs, got in zip(batches, run.outputs):
        ref = oracle.run(inputs)
        assert len(got) == len(ref) == len(g.outputs)
        for k, (r, o) in enumerate(zip(ref, got)):
            r, o = np.asarray(r), np.asarray(o)
            assert r.shape == o.shape and r.dtype == o.dtype and r.size, (k, r.shape, o.shape)
            if made_by.get(g.outputs[k]) in LIBM:
                assert ulps(r, o) <= LIBM[made_by[g.outputs[k]]], (k, made_by.get(g.outputs[k]), ulps(r, o))
            else:
                assert r.tobytes() == o.tobytes(), (k, made_by.get(g.outputs[k]))


def test_refusals_name_the_reason():
    """What TFLM cannot give a defined answer for is refused with the reason, not compiled wrong."""
    import tensorflow as tf
    from opzoo import convert_fn

    from tinyslm.compiler import analyze
    from tinyslm.errors import UnsupportedError

    padded = convert_fn(lambda x: tf.space_to_batch_nd(x, [2, 2], [[1, 1], [0, 0]]), [(1, 4, 4, 3)])
    with pytest.raises(UnsupportedError, match="SPACE_TO_BATCH_ND .*padding with an unset value"):
        analyze(padded)
    arg64 = convert_fn(lambda x: tf.argmax(x, axis=-1), [(1, 4, 5)])
    with pytest.raises(UnsupportedError, match="ARG_MAX .*int64 indices: TFLM's kernel fails"):
        analyze(arg64)


def test_hand_built_l2_pool_and_embedding_lookup():
    """L2_POOL_2D and EMBEDDING_LOOKUP, which the TensorFlow converter does not emit, in a float32 model
    written by hand (tests/tflbuild.py), against TFLM; ids inside the table (TFLM stops on others)."""
    import tflite
    from tflbuild import OpDesc, TDesc, build_model

    def pool_options(b):
        tflite.Pool2DOptionsStart(b)
        tflite.Pool2DOptionsAddPadding(b, tflite.Padding.SAME)
        tflite.Pool2DOptionsAddStrideW(b, 2)
        tflite.Pool2DOptionsAddStrideH(b, 2)
        tflite.Pool2DOptionsAddFilterWidth(b, 3)
        tflite.Pool2DOptionsAddFilterHeight(b, 2)
        tflite.Pool2DOptionsAddFusedActivationFunction(b, tflite.ActivationFunctionType.RELU6)
        return tflite.Pool2DOptionsEnd(b)

    rng = np.random.default_rng(5)
    table = (rng.standard_normal((10, 3)) * 2).astype(np.float32)
    table8 = rng.integers(-128, 128, (10, 2, 3)).astype(np.int8)
    tensors = [TDesc((1, 5, 7, 3), "float32", name="x"), TDesc((1, 3, 4, 3), "float32", name="pooled"),
               TDesc((4,), "int32", name="ids"), TDesc((10, 3), "float32", data=table, name="table"),
               TDesc((4, 3), "float32", name="rows"),
               TDesc((10, 2, 3), "int8", [0.037], [0], data=table8, name="table8"),  # hybrid: float rows
               TDesc((4, 2, 3), "float32", name="rows8")]
    ops = [OpDesc("L2_POOL_2D", [0], [1], "Pool2DOptions", pool_options), OpDesc("EMBEDDING_LOOKUP", [2, 3], [4]),
           OpDesc("EMBEDDING_LOOKUP", [2, 5], [6])]
    m = build_model(tensors, ops, inputs=[0, 2], outputs=[1, 4, 6])
    assert {op.opcode for op in read_model(m).operators} == {"L2_POOL_2D", "EMBEDDING_LOOKUP"}
    batches = [[(rng.standard_normal((1, 5, 7, 3)) * 3).astype(np.float32), rng.integers(0, 10, 4).astype(np.int32)]
               for _ in range(20)]
    report = verify_host(m, n_inputs=0, real_inputs=batches, sanitize=True)
    assert report.ok, report.lines()


def test_hand_built_broadcast_args():
    """BROADCAST_ARGS on shapes given at run time (a hand-built model), against TFLM."""
    from tflbuild import OpDesc, TDesc, build_model

    for dtype in ("int32", "int64"):
        tensors = [TDesc((4,), dtype, name="s1"), TDesc((2,), dtype, name="s2"), TDesc((4,), dtype, name="out")]
        m = build_model(tensors, [OpDesc("BROADCAST_ARGS", [0, 1], [2])], inputs=[0, 1], outputs=[2])
        rng = np.random.default_rng(9)
        batches = []
        for _ in range(12):  # compatible shapes: each pair equal, or one of them 1
            s1 = rng.integers(1, 6, 4)
            s2 = s1[2:].copy()
            s1[rng.random(4) < 0.3] = 1
            s2[rng.random(2) < 0.3] = 1
            batches.append([s1.astype(dtype), s2.astype(dtype)])
        report = verify_host(m, n_inputs=0, real_inputs=batches)
        assert report.ok, (dtype, report.lines())


def test_hand_built_float_prelu_and_softmax_beta():
    """float32 PRELU (which the converter takes apart in float) with a broadcast alpha, and SOFTMAX with a
    beta the converter would not leave in the op, in a hand-built model, against TFLM."""
    import tflite
    from tflbuild import OpDesc, TDesc, build_model

    def softmax_options(b):
        tflite.SoftmaxOptionsStart(b)
        tflite.SoftmaxOptionsAddBeta(b, 0.37)
        return tflite.SoftmaxOptionsEnd(b)

    rng = np.random.default_rng(6)
    alpha = (rng.standard_normal((1, 1, 5)) * 0.4).astype(np.float32)
    tensors = [TDesc((1, 3, 4, 5), "float32", name="x"), TDesc((1, 1, 5), "float32", data=alpha, name="alpha"),
               TDesc((1, 3, 4, 5), "float32", name="prelu"), TDesc((1, 3, 4, 5), "float32", name="softmax")]
    ops = [OpDesc("PRELU", [0, 1], [2]), OpDesc("SOFTMAX", [0], [3], "SoftmaxOptions", softmax_options)]
    m = build_model(tensors, ops, inputs=[0], outputs=[2, 3])
    assert [op.opcode for op in read_model(m).operators] == ["PRELU", "SOFTMAX"]
    batches = [[(rng.standard_normal((1, 3, 4, 5)) * 4).astype(np.float32)] for _ in range(20)]
    report = verify_host(m, n_inputs=0, real_inputs=batches, sanitize=True)
    assert report.ok, report.lines()


def test_weight_only_quantized_model():
    """A float32 model whose weights are stored int8 and dequantized in the graph (DEQUANTIZE of a constant, the
    weight-only form of hybrid quantization that TFLM runs; its FULLY_CONNECTED/CONV_2D themselves refuse int8
    weights with float32 inputs), against TFLM."""
    from tflbuild import OpDesc, TDesc, build_model, fc_options

    rng = np.random.default_rng(0)
    w8 = rng.integers(-127, 128, (6, 10)).astype(np.int8)
    tensors = [TDesc((1, 10), "float32", name="x"), TDesc((6, 10), "int8", [0.02], [0], data=w8, name="w8"),
               TDesc((6, 10), "float32", name="w"), TDesc((1, 6), "float32", name="y")]
    m = build_model(tensors, [OpDesc("DEQUANTIZE", [1], [2]),
                              OpDesc("FULLY_CONNECTED", [0, 2], [3], "FullyConnectedOptions", fc_options(1))], [0], [3])
    report = verify_host(m, n_inputs=20, sanitize=True)
    assert report.ok, report.lines()
