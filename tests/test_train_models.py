"""Students build, convert to all-int8 with only TFLM-supported ops, and run in TFLM and tinyslm's compiler."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tf_keras")

from tinyslm.train.models import (KWTConfig, TransformerAEConfig, build_kwt, build_transformer_ae,  # noqa: E402
                                  count_params, with_softmax)
from tinyslm.train.quantize import convert_int8, run_tflm  # noqa: E402
from tinyslm.train.sizing import ae_params  # noqa: E402
from tinyslm.train.tflite_info import STUDENT_OPS, read_tflite  # noqa: E402

KWT_CASES = {
    "cls_patch1": KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=1),
    "mean_patch7_4heads": KWTConfig(dim=16, heads=4, blocks=2, mlp=32, patch=7, pool="mean"),
    "cls_patch3_cropped": KWTConfig(dim=8, heads=1, blocks=1, mlp=16, patch=3),  # 49 = 16*3 + 1: cropped
    "conv_stem_stride2": KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=2, stem="conv", stem_channels=8),
    "cmn_conv_stem": KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=2, stem="conv", stem_channels=8, cmn=True),
}


@pytest.fixture(scope="module")
def converted():
    cache = {}

    def get(name):
        if name not in cache:
            if name.startswith("ae"):
                cfg = TransformerAEConfig(frames=16, mels=32, dim=16, heads=2, blocks=1, mlp=32, latent=4,
                                          bottleneck=name.split("_")[1])
                model = build_transformer_ae(cfg)
                assert count_params(model) == ae_params(cfg)
            else:
                cfg = KWT_CASES[name]
                model = build_kwt(cfg)
                assert count_params(model) == cfg.params()
                model = with_softmax(model)
            x = np.random.default_rng(0).standard_normal((40, *model.input_shape[1:])).astype(np.float32)
            cache[name] = (model, x, convert_int8(model, x, n_calib=32))
        return cache[name]

    return get


@pytest.mark.parametrize("name", [*KWT_CASES, "ae_global", "ae_frame"])
def test_int8_only_supported_ops(converted, name):
    model, x, tfl = converted(name)
    info = read_tflite(tfl)
    assert info.op_set <= STUDENT_OPS, f"unexpected ops {info.op_set - STUDENT_OPS}"
    assert {"FULLY_CONNECTED", "BATCH_MATMUL", "SOFTMAX", "RSQRT", "MEAN"} <= info.op_set
    (i,), (o,) = info.inputs, info.outputs
    assert i.dtype == o.dtype == "int8"
    assert i.shape == (1, *model.input_shape[1:]) and o.shape == (1, *model.output_shape[1:])
    assert all(w.dtype == np.int8 for w in info.weights.values())


@pytest.mark.parametrize("name", [*KWT_CASES, "ae_global", "ae_frame"])
def test_int8_runs_in_tflm_and_tracks_float(converted, name):
    model, x, tfl = converted(name)
    info = read_tflite(tfl)
    o = info.outputs[0]
    got = (run_tflm(tfl, x[:8]).astype(np.float32) - o.zero_point) * o.scale
    want = model.predict(x[:8], verbose=0)
    span = float(want.max() - want.min())
    assert np.abs(got - want).mean() < 0.05 * span + 2 * o.scale


def test_compiler_accepts_students(converted):
    compiler = pytest.importorskip("tinyslm.compiler")
    for name in [*KWT_CASES, "ae_global", "ae_frame"]:
        graph, plan = compiler.analyze(converted(name)[2])
        assert plan.arena_bytes > 0


def test_conv_stem_is_two_conv2d_and_bit_exact_in_the_compiler(converted, tmp_path):
    """The convolutional patch embedding: two int8 CONV_2D (no padding ops), and tinyslm's C (both kernel
    targets) gives TFLM's bytes."""
    pytest.importorskip("tinyslm.compiler")
    import shutil

    from tinyslm.compiler import compile_model
    from tinyslm.runners.host import build_host, run_host
    from tinyslm.runners.oracle import Oracle

    _, x, tfl = converted("conv_stem_stride2")
    info = read_tflite(tfl)
    assert info.ops.count("CONV_2D") == 2 and not {"PAD", "EXPAND_DIMS", "SQUEEZE"} & info.op_set
    if shutil.which("gcc") is None:
        pytest.skip("needs a host gcc")
    oracle = Oracle(tfl)
    i = info.inputs[0]
    batches = [[np.clip(np.round(xi / i.scale) + i.zero_point, -128, 127).astype(np.int8).reshape(i.shape)]
               for xi in x[:6]]
    for target in ("portable", "cortex-m-dsp"):
        cm = compile_model(tfl, tmp_path / target / "c", name="m", target=target)
        for inputs, ours in zip(batches, run_host(build_host(cm, tmp_path / target / "b"), cm, batches)):
            assert np.array_equal(ours[0], oracle.run(inputs)[0].reshape(ours[0].shape)), target


def test_cmn_is_mean_and_sub_first_and_bit_exact_in_the_compiler(converted, tmp_path):
    """Per-utterance cepstral mean normalization (KWTConfig.cmn): the int8 model's first ops are a MEAN over the
    frames and a broadcast SUB, and tinyslm's C (both kernel targets) gives TFLM's bytes; without it the model has
    no such ops before the stem."""
    pytest.importorskip("tinyslm.compiler")
    import shutil

    from tinyslm.compiler import compile_model
    from tinyslm.runners.host import build_host, run_host
    from tinyslm.runners.oracle import Oracle

    _, x, tfl = converted("cmn_conv_stem")
    info = read_tflite(tfl)
    assert info.ops[:2] == ["MEAN", "SUB"], info.ops[:4]
    base = read_tflite(converted("conv_stem_stride2")[2]).ops
    assert not {"MEAN", "SUB"} & set(base[:base.index("CONV_2D")])
    if shutil.which("gcc") is None:
        pytest.skip("needs a host gcc")
    oracle = Oracle(tfl)
    i = info.inputs[0]
    # random frames plus a per-clip offset on every coefficient: the case the layer is for
    off = np.random.default_rng(1).standard_normal((len(x), 1, x.shape[2])).astype(np.float32)
    batches = [[np.clip(np.round(xi / i.scale) + i.zero_point, -128, 127).astype(np.int8).reshape(i.shape)]
               for xi in (x + off)[:6]]
    for target in ("portable", "cortex-m-dsp"):
        cm = compile_model(tfl, tmp_path / target / "c", name="m", target=target)
        for inputs, ours in zip(batches, run_host(build_host(cm, tmp_path / target / "b"), cm, batches)):
            assert np.array_equal(ours[0], oracle.run(inputs)[0].reshape(ours[0].shape)), target


@pytest.mark.parametrize("stem", ["dense", "conv"])
def test_cmn_removes_a_per_clip_offset_and_folds_only_the_scale(stem):
    """The cmn student's output does not move when a clip gains a constant per-coefficient offset, and the input
    normalization folds into its stem exactly (the mean cancels behind the layer; only the scale is folded)."""
    from tinyslm.train.models import Normalization, TimeMeanNorm, fold_normalization

    cfg = KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=2, stem=stem, stem_channels=8, cmn=True)
    model = build_kwt(cfg)
    assert count_params(model) == cfg.params() and isinstance(model.layers[1], TimeMeanNorm)
    assert not any(isinstance(la, TimeMeanNorm) for la in build_kwt(KWTConfig(dim=16, mlp=32, stem=stem)).layers)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 49, 10)) * 3 + np.arange(10)).astype(np.float32)
    off = rng.standard_normal((6, 1, 10)).astype(np.float32) * 4
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x + off, verbose=0), want, atol=1e-4)
    norm = Normalization.fit(x + 5)
    np.testing.assert_allclose(fold_normalization(model, norm).predict(x, verbose=0),
                               model.predict(norm.apply(x), verbose=0), atol=1e-4)


def test_config_validation():
    with pytest.raises(ValueError, match="divisible"):
        KWTConfig(dim=10, heads=4)
    with pytest.raises(ValueError, match="pool"):
        KWTConfig(pool="max")
    with pytest.raises(ValueError, match="stem"):
        KWTConfig(stem="lstm")
    with pytest.raises(ValueError, match="too long"):
        KWTConfig(frames=4, stem="conv", stem_kernel=3)
