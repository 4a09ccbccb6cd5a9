"""Bad input gets one clear message and a non-zero exit: never a traceback, never wrong code."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import opzoo
import pytest
from conftest import SHARED_MODELS

from tinyslm.compiler import compile_model
from tinyslm.errors import ModelError, TinyslmError, UnsupportedError

HELLO = next((p for p in SHARED_MODELS if "hello_world" in p.name), None)


def _dense(tf):
    # 64x32: enough weights (>= 1024) for the converter's dynamic range quantization to make them int8
    w = tf.constant(np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32))
    return lambda x: tf.nn.relu(tf.matmul(x, w))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bad_models(tmp_path_factory):
    import tensorflow as tf

    d = tmp_path_factory.mktemp("bad")
    models = {}
    models["hybrid"] = opzoo.convert_fn(_dense(tf), [(1, 64)], "hybrid")
    models["gelu"] = opzoo.convert_fn(lambda x: tf.nn.gelu(x), [(1, 8)], "int8")
    # int16x8 EXP: no int16 EXP in tinyslm (nor in TFLM, which fails to prepare it)
    models["int16x8"] = opzoo.convert_fn(lambda x: tf.exp(x), [(1, 8)], "int16x8")
    models["rank7"] = opzoo.convert_fn(lambda x: tf.reduce_mean(x, axis=-1), [(1, 2, 2, 2, 2, 2, 3)], "int8")
    paths = {}
    for k, v in models.items():
        paths[k] = d / f"{k}.tflite"
        paths[k].write_bytes(v)
    paths["text"] = d / "notes.tflite"
    paths["text"].write_text("this is not a model\n" * 10)
    paths["empty"] = d / "empty.tflite"
    paths["empty"].write_bytes(b"")
    if HELLO is not None:
        good = HELLO.read_bytes()
        paths["truncated"] = d / "truncated.tflite"
        paths["truncated"].write_bytes(good[: len(good) // 3])
        junk = bytearray(np.random.default_rng(5).integers(0, 256, len(good), dtype=np.uint8).tobytes())
        junk[4:8] = b"TFL3"
        paths["garbage"] = d / "garbage.tflite"
        paths["garbage"].write_bytes(bytes(junk))
    return paths


@pytest.mark.parametrize("kind,error,words", [
    ("hybrid", UnsupportedError, ["FULLY_CONNECTED", "hybrid", "TFLM"]),
    ("gelu", UnsupportedError, ["GELU", "not supported"]),
    ("int16x8", UnsupportedError, ["EXP", "int16", "supports float32"]),
    ("rank7", UnsupportedError, ["MEAN", "rank 7 not supported"]),
    ("text", ModelError, ["not a TensorFlow Lite model"]),
    ("empty", ModelError, ["not a TensorFlow Lite model"]),
    ("truncated", ModelError, ["corrupt"]),
    ("garbage", ModelError, ["corrupt"]),
])
def test_bad_model_gives_clear_error(bad_models, kind, error, words, tmp_path):
    if kind not in bad_models:
        pytest.skip("needs the shared hello_world model")
    with pytest.raises(error) as info:
        compile_model(bad_models[kind], tmp_path / "out")
    text = info.value.render()
    for w in words:
        assert w in text, text
    assert info.value.where, "the message must say where"
    assert not (tmp_path / "out" / "model.c").exists(), "no code may be written for a refused model"


def test_unsupported_op_names_op_and_tensor(bad_models, tmp_path):
    with pytest.raises(UnsupportedError) as info:
        compile_model(bad_models["gelu"], tmp_path / "out")
    assert "op 0" in info.value.where and "tensor" in info.value.where


@pytest.mark.parametrize("kind", ["hybrid", "gelu", "text", "empty", "rank7"])
def test_cli_exits_nonzero_without_traceback(bad_models, kind, tmp_path):
    for cmd in (["compile", str(bad_models[kind]), "-o", str(tmp_path / "o")], ["inspect", str(bad_models[kind])],
                ["verify", str(bad_models[kind]), "--inputs", "2"]):
        r = run_cli(*cmd)
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        assert r.stderr.startswith("error:"), r.stderr
        assert "Traceback" not in r.stderr + r.stdout


def test_cli_missing_file_and_bad_name(tmp_path):
    r = run_cli("compile", str(tmp_path / "nope.tflite"), "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr
    if HELLO is not None:
        r = run_cli("compile", str(HELLO), "-o", str(tmp_path / "o"), "--name", "9lives")
        assert r.returncode == 2 and "C name" in r.stderr


def test_errors_are_tinyslm_errors():
    assert issubclass(ModelError, TinyslmError) and issubclass(UnsupportedError, TinyslmError)


def _stateful(opcode: str, n_inputs: int) -> bytes:
    """An op reading a variable state tensor (as SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM do), with an unused
    zero-sized tensor beside it (as converted LSTMs carry)."""
    from tflbuild import OpDesc, TDesc, build_model

    rng = np.random.default_rng(0)
    tensors = [TDesc((1, 8), "int8", [0.1], [0], name="input"),
               TDesc((4, 8), "int8", [0.01], [0], data=rng.integers(-9, 9, (4, 8)).astype(np.int8), name="w"),
               TDesc((1, 40), "int16", [0.001], [0], name="state", variable=True),
               TDesc((0,), "int8", [0.1], [0], name="empty"),
               TDesc((1, 4), "int8", [0.1], [0], name="output")]
    ins = [0, 1, 2][:n_inputs]
    return build_model(tensors, [OpDesc(opcode, ins, [4])], [0], [4])


def test_lstm_without_its_inputs_is_refused_for_the_op(tmp_path):
    """Not 'zero-sized dimension' nor 'reads tensor ... which is not a constant': what the LSTM lacks."""
    with pytest.raises(UnsupportedError) as info:
        compile_model(_stateful("UNIDIRECTIONAL_SEQUENCE_LSTM", 3), tmp_path / "out")
    text = info.value.render()
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM (op 0): expected 20 inputs" in text, text


def test_resource_variable_read_before_any_value_is_refused(tmp_path):
    """A resource variable read before anything gives it a value (TFLM has no buffer for it yet): refused with
    that reason, not with the RESOURCE type of its handle."""
    from tflbuild import OpDesc, TDesc, build_model

    model = build_model([TDesc((1, 4), "int8", [0.1], [0], name="input"), TDesc((), "resource", name="handle"),
                         TDesc((1, 4), "int8", [0.1], [0], name="state")],
                        [OpDesc("VAR_HANDLE", [], [1]), OpDesc("READ_VARIABLE", [1], [2])], [0], [2])
    with pytest.raises(UnsupportedError) as info:
        compile_model(model, tmp_path / "out")
    text = info.value.render()
    assert "READ_VARIABLE (op 1)" in text and "before anything assigns it a value" in text and "RESOURCE" not in text, text


def test_zero_scale_is_refused_not_called_corrupt(tmp_path):
    """The converter writes scale 0 for an all-zero constant and infinity where calibration saw no range (both seen
    in int16x8 conversions): valid files, so refused for what tinyslm lacks, not as corrupt; a negative scale stays
    corrupt."""
    from tflbuild import OpDesc, TDesc, build_model

    for scale, error, words in ((0.0, UnsupportedError, "quantization scale of 0.0"),
                                (float("inf"), UnsupportedError, "quantization scale of inf"),
                                (-0.5, ModelError, "negative")):
        model = build_model([TDesc((1, 4), "int8", [0.1], [0], name="x"),
                             TDesc((1, 4), "int8", [scale], [0], data=np.zeros((1, 4), np.int8), name="zeros"),
                             TDesc((1, 4), "int8", [0.1], [0], name="y")], [OpDesc("ADD", [0, 1], [2])], [0], [2])
        with pytest.raises(error, match=words):
            compile_model(model, tmp_path / "out")
