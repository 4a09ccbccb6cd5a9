"""Models with state (variable tensors kept from one invocation to the next), on models written by hand, against
TFLM over sequences of invocations: the generated C's state area, NAME_reset(), and the SVDF kernel."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import tflite
from tflbuild import OpDesc, TDesc, build_model

from tinyslm.compiler import analyze
from tinyslm.runners.verify import verify_host


def svdf_options(rank: int, activation: int = 0):
    def make(b):
        tflite.SVDFOptionsStart(b)
        tflite.SVDFOptionsAddRank(b, rank)
        tflite.SVDFOptionsAddFusedActivationFunction(b, activation)
        return tflite.SVDFOptionsEnd(b)

    return make


def svdf_model(batches: int = 1, n_input: int = 12, units: int = 4, rank: int = 2, memory: int = 6,
               bias: bool = True, activation: int = 0, input_zp: int = 3, output_zp: int = -5, seed: int = 0) -> bytes:
    """An int8 SVDF as TFLM's integer kernel takes it: int8 feature weights, int16 time weights and state
    (the variable tensor), int32 bias at the state x time weights scale."""
    rng = np.random.default_rng(seed)
    filters = units * rank
    s_in, s_wf, s_state, s_wt, s_out = 0.05, 0.01, 0.0008, 0.0005, 0.02
    tensors = [TDesc((batches, n_input), "int8", [s_in], [input_zp], name="input"),
               TDesc((filters, n_input), "int8", [s_wf], [0], name="weights_feature",
                     data=rng.integers(-127, 128, (filters, n_input)).astype(np.int8)),
               TDesc((filters, memory), "int16", [s_wt], [0], name="weights_time",
                     data=rng.integers(-6000, 6000, (filters, memory)).astype(np.int16)),
               TDesc((units,), "int32", [s_state * s_wt], [0], name="bias",
                     data=rng.integers(-20000, 20000, units).astype(np.int32)),
               TDesc((batches, filters * memory), "int16", [s_state], [0], name="state", variable=True),
               TDesc((batches, units), "int8", [s_out], [output_zp], name="output")]
    ins = [0, 1, 2, 3 if bias else -1, 4]
    return build_model(tensors, [OpDesc("SVDF", ins, [5], "SVDFOptions", svdf_options(rank, activation))], [0], [5])


@pytest.mark.parametrize("kw", [dict(), dict(rank=1, units=5), dict(batches=2, memory=3),
                                dict(activation=1, input_zp=-7, output_zp=0)])
def test_svdf_over_a_sequence_of_invokes(kw):
    """40 invocations in a row (the state carries each one's features into the next ones' outputs), reset
    before the 25th, under ASan/UBSan, against TFLM doing the same."""
    report = verify_host(svdf_model(**kw), n_inputs=40, seed=4, sanitize=True, reset_every=24)
    assert report.ok, report.lines()


def float_svdf(batches: int = 1, n_input: int = 12, units: int = 4, rank: int = 2, memory: int = 6,
               bias: bool = True, activation: int = 0, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    filters = units * rank
    w = lambda *s: (rng.standard_normal(s) * 0.4).astype(np.float32)  # noqa: E731
    tensors = [TDesc((batches, n_input), "float32", name="input"),
               TDesc((filters, n_input), "float32", name="weights_feature", data=w(filters, n_input)),
               TDesc((filters, memory), "float32", name="weights_time", data=w(filters, memory)),
               TDesc((units,), "float32", name="bias", data=w(units)),
               TDesc((batches, filters * memory), "float32", name="state", variable=True),
               TDesc((batches, units), "float32", name="output")]
    ins = [0, 1, 2, 3 if bias else -1, 4]
    return build_model(tensors, [OpDesc("SVDF", ins, [5], "SVDFOptions", svdf_options(rank, activation))], [0], [5])


@pytest.mark.parametrize("kw", [dict(), dict(rank=1, units=5, activation=1), dict(batches=2, activation=3),
                                dict(activation=4, memory=3)])
def test_float_svdf_over_a_sequence_of_invokes(kw):
    """float32 SVDF (TFLM's EvalFloatSvdf and its own activation function: no clamp for NONE) over 30
    invocations with resets, under ASan/UBSan."""
    report = verify_host(float_svdf(**kw), n_inputs=30, seed=4, sanitize=True, reset_every=12)
    assert report.ok, report.lines()


def test_svdf_without_bias_is_refused():
    """TFLM's interpreter crashes on an SVDF without a bias (seen: a segfault, int8 and float32), so there is no
    answer to match: refused with that reason."""
    from tinyslm.errors import UnsupportedError

    for model in (svdf_model(bias=False), float_svdf(bias=False)):
        with pytest.raises(UnsupportedError, match="SVDF .*without a bias"):
            analyze(model)


def test_svdf_state_matters():
    """The same input twice gives different outputs once the state holds the first one (the test above
    compares something that depends on the state)."""
    from tinyslm.runners.oracle import Oracle

    m = svdf_model()
    oracle = Oracle(m)
    x = np.full((1, 12), 90, np.int8)
    first, second = oracle.run([x])[0], oracle.run([x])[0]
    assert not np.array_equal(first, second)
    oracle.reset()
    assert np.array_equal(oracle.run([x])[0], first)


def test_state_lives_in_its_own_area_and_reads_its_reset_value():
    """A variable read by an op that never writes it holds TFLM's reset value (its zero point, int8) on every
    invocation; the plan puts it in the state area, not the arena."""
    tensors = [TDesc((1, 8), "int8", [0.1], [0], name="input"),
               TDesc((1, 8), "int8", [0.1], [7], name="state", variable=True),
               TDesc((1, 8), "int8", [0.2], [0], name="output")]
    m = build_model(tensors, [OpDesc("ADD", [0, 1], [2])], [0], [2])
    graph, plan = analyze(m)
    assert plan.storage[1].kind == "state" and plan.state_bytes >= 8
    assert [(b.tensor, b.offset, b.size, b.reset_fill, b.initial) for b in plan.state] == [(1, 0, 8, 7, None)]
    report = verify_host(m, n_inputs=10, seed=1)
    assert report.ok, report.lines()


NO_ARM = shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None


def on_qemu(m: bytes, board: str, target: str, n: int, tmp_path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ours, TFLM's) first output per input, over n random inputs run in order on the emulated board."""
    from tinyslm.compiler import compile_model
    from tinyslm.runners.oracle import Oracle, random_inputs
    from tinyslm.runners.qemu import build_qemu, run_qemu

    cm = compile_model(m, tmp_path / "model", name="model", target=target)
    elf = build_qemu(cm, tmp_path / "build", board)
    rng = np.random.default_rng(8)
    batches = [random_inputs(cm.inputs, rng) for _ in range(n)]
    run = run_qemu(elf, cm, batches, board)
    assert len(run.outputs) == len(batches) and all(np.asarray(got[0]).size for got in run.outputs)
    oracle = Oracle(m)
    return [(np.asarray(got[0]), np.asarray(oracle.run(inputs)[0])) for inputs, got in zip(batches, run.outputs)]


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("board", ["mps2-an386", "mps2-an500"])
def test_svdf_sequence_on_a_cortex_m_in_qemu(board, tmp_path):
    """The state carried over 20 invocations on an emulated Cortex-M4 (DSP kernels) and Cortex-M7 (portable), byte for byte with TFLM."""
    target = "cortex-m-dsp" if board == "mps2-an386" else "portable"
    for ours, ref in on_qemu(svdf_model(batches=2), board, target, 20, tmp_path):
        assert ours.tobytes() == ref.tobytes()


def _accumulator(mode: str, start: float = 3.0) -> bytes:
    """A tf.Variable updated on every call (acc = acc * 0.5 + x, returned doubled), converted with resource
    variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE and CALL_ONCE with an init subgraph. mode: "float",
    or "int8" (the converter keeps the variable in float32 between QUANTIZE and DEQUANTIZE)."""
    import tensorflow as tf

    class Acc(tf.Module):
        def __init__(self):
            self.acc = tf.Variable(tf.fill((1, 4), start), name="acc")
            self.steps = tf.Variable(tf.zeros((1, 1)), name="steps")

        @tf.function(input_signature=[tf.TensorSpec((1, 4), tf.float32)])
        def __call__(self, x):
            self.acc.assign(self.acc * 0.5 + x)
            self.steps.assign(self.steps + 1.0)
            return self.acc * 2.0, self.steps * 1.0

    m = Acc()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()], m)
    conv.experimental_enable_resource_variables = True
    if mode == "int8":
        rng = np.random.default_rng(0)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([rng.standard_normal((1, 4)).astype(np.float32)] for _ in range(30))
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    return conv.convert()


@pytest.mark.parametrize("mode", ["float", "int8"])
def test_resource_variables_over_a_sequence_of_invokes(mode):
    """Two tf.Variables: their start values from the CALL_ONCE init subgraph, carried over 30 invocations, a
    reset (TFLM's: the variables to 0, the init not run again) before the 13th and 25th, under ASan/UBSan."""
    from tinyslm.compiler import read_model

    m = _accumulator(mode)
    ops = {op.opcode for op in read_model(m).operators}
    assert {"READ_VARIABLE", "ASSIGN_VARIABLE"} <= ops, ops
    report = verify_host(m, n_inputs=30, seed=2, reset_every=12, sanitize=True)
    assert report.ok, report.lines()


def test_tflm_resets_resource_variables_to_zero():
    """What the sequence test above matches: TFLM's first invocation sees the start value (acc = 3: 3 * 0.5 * 2
    out), and after a reset 0, the init not run again."""
    from tinyslm.runners.oracle import Oracle

    oracle = Oracle(_accumulator("float"))
    zero = np.zeros((1, 4), np.float32)
    pick = lambda outs: next(o for o in outs if o.shape == (1, 4))  # noqa: E731 (acc; the other is steps)
    first = pick(oracle.run([zero]))
    oracle.reset()
    after_reset = pick(oracle.run([zero]))
    assert np.all(first == 3.0) and np.all(after_reset == 0.0), (first, after_reset)


def lstm_options(time_major: bool = False, clip: float = 0.0, activation: int = 4):
    def make(b):
        tflite.UnidirectionalSequenceLSTMOptionsStart(b)
        tflite.UnidirectionalSequenceLSTMOptionsAddFusedActivationFunction(b, activation)
        tflite.UnidirectionalSequenceLSTMOptionsAddCellClip(b, clip)
        tflite.UnidirectionalSequenceLSTMOptionsAddTimeMajor(b, time_major)
        return tflite.UnidirectionalSequenceLSTMOptionsEnd(b)

    return make


def float_lstm(batches: int = 1, time: int = 5, n_in: int = 3, units: int = 4, time_major: bool = False,
               clip: float = 0.0, seed: int = 0) -> bytes:
    """A float32 UNIDIRECTIONAL_SEQUENCE_LSTM as TFLM takes it (Keras 3's LSTM converts to a WHILE loop, so it
    is written by hand): four gates' weights, recurrent weights and biases, hidden and cell state variables."""
    rng = np.random.default_rng(seed)
    w = lambda *s: (rng.standard_normal(s) * 0.5).astype(np.float32)  # noqa: E731
    shape_in = (time, batches, n_in) if time_major else (batches, time, n_in)
    shape_out = (time, batches, units) if time_major else (batches, time, units)
    t = [TDesc(shape_in, "float32", name="input")]
    t += [TDesc((units, n_in), "float32", data=w(units, n_in), name=f"w_{g}") for g in "ifco"]
    t += [TDesc((units, units), "float32", data=w(units, units), name=f"r_{g}") for g in "ifco"]
    t += [TDesc((units,), "float32", data=w(units), name=f"b_{g}") for g in "ifco"]
    t += [TDesc((batches, units), "float32", name="h", variable=True),
          TDesc((batches, units), "float32", name="c", variable=True), TDesc(shape_out, "float32", name="output")]
    ins = [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1]
    op = OpDesc("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [15], "UnidirectionalSequenceLSTMOptions",
                lstm_options(time_major, clip))
    return build_model(t, [op], [0], [15])


@pytest.mark.parametrize("kw", [dict(), dict(batches=2, time=3, n_in=6, units=5), dict(time_major=True, batches=3),
                                dict(clip=0.6, units=7)])
def test_float_lstm_over_a_sequence_of_invokes(kw):
    """The float LSTM's hidden and cell states carried over 25 invocations of several time steps each, reset
    before the 11th and 21st, under ASan/UBSan, bit-exact with TFLM on the host."""
    report = verify_host(float_lstm(**kw), n_inputs=25, seed=5, sanitize=True, reset_every=10)
    assert report.ok, report.lines()


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_float_lstm_on_a_cortex_m4_in_qemu(tmp_path):
    """On the emulated Cortex-M4 the float LSTM calls newlib's expf/tanhf, not glibc's: each differs by an ulp
    or two, and the recurrence carries that along, so the promise there is closeness, not bytes: within 1e-6
    of TFLM over 20 invocations x 5 steps (measured: 6e-8, 54 ulps at the worst)."""
    for ours, ref in on_qemu(float_lstm(batches=2), "mps2-an386", "cortex-m-dsp", 20, tmp_path):
        assert ours.shape == ref.shape and np.max(np.abs(ours - ref)) <= 1e-6


def int8_lstm(batches: int = 1, time: int = 5, n_in: int = 3, units: int = 4, time_major: bool = False,
              clip: float = 0.0, seed: int = 0, in_q: tuple = (0.05, 3), h_q: tuple = (0.008, -2),
              cell_scale: float = 2.0 ** -11) -> bytes:
    """TFLM's integer LSTM as its kernel takes it: int8 input, weights and hidden state (its zero point
    nonzero here), an int16 cell state with a power-of-two scale, int32 biases."""
    rng = np.random.default_rng(seed)
    shape_in = (time, batches, n_in) if time_major else (batches, time, n_in)
    shape_out = (time, batches, units) if time_major else (batches, time, units)
    sw, sr = 0.02, 0.015
    t = [TDesc(shape_in, "int8", [in_q[0]], [in_q[1]], name="input")]
    t += [TDesc((units, n_in), "int8", [sw], [0], data=rng.integers(-127, 128, (units, n_in)).astype(np.int8),
                name=f"w_{g}") for g in "ifco"]
    t += [TDesc((units, units), "int8", [sr], [0], data=rng.integers(-127, 128, (units, units)).astype(np.int8),
                name=f"r_{g}") for g in "ifco"]
    t += [TDesc((units,), "int32", [in_q[0] * sw], [0], data=rng.integers(-3000, 3000, units).astype(np.int32),
                name=f"b_{g}") for g in "ifco"]
    t += [TDesc((batches, units), "int8", [h_q[0]], [h_q[1]], name="h", variable=True),
          TDesc((batches, units), "int16", [cell_scale], [0], name="c", variable=True),
          TDesc(shape_out, "int8", [h_q[0]], [h_q[1]], name="output")]
    ins = [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1]
    op = OpDesc("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [15], "UnidirectionalSequenceLSTMOptions",
                lstm_options(time_major, clip))
    return build_model(t, [op], [0], [15])


@pytest.mark.parametrize("kw", [dict(), dict(batches=2, time=3, n_in=6, units=5), dict(time_major=True, batches=3),
                                dict(clip=0.3, units=7), dict(cell_scale=2.0 ** -15), dict(cell_scale=2.0 ** -9)])
def test_int8_lstm_over_a_sequence_of_invokes(kw):
    """TFLM's integer LSTM (int16 sigmoid/tanh of its own table, requantized products) over 25 invocations with
    resets, under ASan/UBSan: cell scales on both sides of the tanh table's 2^-12 (its shift both ways),
    clipping, batch- and time-major."""
    report = verify_host(int8_lstm(**kw), n_inputs=25, seed=5, sanitize=True, reset_every=10)
    assert report.ok, report.lines()


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_int8_lstm_on_a_cortex_m4_in_qemu(tmp_path):
    """The integer LSTM on the emulated Cortex-M4, byte for byte with TFLM over 20 invocations (integer maths:
    no libm in the way)."""
    for ours, ref in on_qemu(int8_lstm(batches=2, clip=0.5), "mps2-an386", "cortex-m-dsp", 20, tmp_path):
        assert ours.tobytes() == ref.tobytes()


def test_verify_cli_resets_the_state(tmp_path):
    """`tinyslm verify MODEL --reset-every N` on a stateful model: both sides reset, still bit-exact."""
    import subprocess
    import sys

    path = tmp_path / "lstm.tflite"
    path.write_bytes(int8_lstm())
    r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "verify", str(path), "--inputs", "12", "--reset-every",
                        "5"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "state reset every 5" in r.stdout and "12/12 identical to TFLM" in r.stdout, r.stdout


_KERAS_LSTM = """
import os, sys
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np, tensorflow as tf, tf_keras as keras
keras.utils.set_random_seed(0)
inp = keras.Input((7, 5), batch_size=2)
x = keras.layers.LSTM(6, return_sequences=True)(inp)
m = keras.Model(inp, keras.layers.Dense(3)(x))
rng = np.random.default_rng(0)
def rep():
    for _ in range(20):
        yield [rng.standard_normal((2, 7, 5)).astype(np.float32)]
for mode in ("float", "int8"):
    conv = tf.lite.TFLiteConverter.from_keras_model(m)
    if mode == "int8":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    open(os.path.join(sys.argv[1], mode + ".tflite"), "wb").write(conv.convert())
"""


def test_keras_lstm_layer_float_and_int8(tmp_path):
    """An LSTM layer from Keras (tf_keras, whose LSTM the converter fuses into UNIDIRECTIONAL_SEQUENCE_LSTM;
    Keras 3's becomes a WHILE loop), converted to float32 and to int8, each bit-exact with TFLM on the host.
    (16x8 is not offered: the converter refuses it for this op.)"""
    import subprocess
    import sys

    from tinyslm.compiler import read_model

    r = subprocess.run([sys.executable, "-c", _KERAS_LSTM, str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    for mode in ("float", "int8"):
        m = (tmp_path / f"{mode}.tflite").read_bytes()
        assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in {op.opcode for op in read_model(m).operators}, mode
        report = verify_host(m, n_inputs=20, seed=2, sanitize=True)
        assert report.ok, (mode, report.lines())
