"""WHILE and IF (compiler/control_flow.py: loops unrolled, branches inlined) on models TensorFlow's converter
writes from tf.while_loop and tf.cond, float32 and int8, against TFLM running the subgraphs itself."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import tflite

from tinyslm.compiler import analyze, read_model
from tinyslm.errors import UnsupportedError
from tinyslm.runners.verify import verify_host


def _loop(x):
    import tensorflow as tf

    def body(i, h, acc):
        h = tf.nn.relu(h * 0.9 + 0.1)
        return i + 1, h, acc + h * 0.5

    _, h, acc = tf.while_loop(lambda i, h, acc: i < 4, body, [tf.constant(0), x, tf.zeros_like(x)])
    return h - acc


def _branch(x):
    import tensorflow as tf

    return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0 + 1.0, lambda: tf.nn.relu(x - 1.0))


def _branch_in_loop(x):
    import tensorflow as tf

    def body(i, h):
        h = tf.cond(tf.reduce_mean(h) > 0.2, lambda: h * 0.5, lambda: h + 0.3)
        return i + 1, h

    return tf.while_loop(lambda i, h: i < 3, body, [tf.constant(0), x])[1]


def _data_loop(x):
    import tensorflow as tf

    return tf.while_loop(lambda h: tf.reduce_sum(h) < 10.0, lambda h: [h + 1.0], [x])[0]


CASES = {"loop": (_loop, "WHILE"), "branch": (_branch, "IF"), "branch_in_loop": (_branch_in_loop, "WHILE")}
_models: dict[tuple[str, str], bytes] = {}


def model(name: str, mode: str) -> bytes:
    from opzoo import convert_fn

    if (name, mode) not in _models:
        fn = CASES[name][0] if name in CASES else _data_loop
        _models[(name, mode)] = convert_fn(fn, [(1, 8)], mode)
    return _models[(name, mode)]


def opcodes_in_file(m: bytes) -> set[str]:
    """The builtins the .tflite itself holds, every subgraph (before tinyslm inlines anything)."""
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    mm = tflite.Model.GetRootAsModel(m, 0)
    return {names[max(mm.OperatorCodes(i).BuiltinCode(), mm.OperatorCodes(i).DeprecatedBuiltinCode())]
            for i in range(mm.OperatorCodesLength())}


def both_signs(n: int) -> list[list[np.ndarray]]:
    """Inputs whose sums are clearly positive and clearly negative, so that both branches are taken."""
    rng = np.random.default_rng(7)
    return [[(rng.standard_normal((1, 8)) + (1.5 if k % 2 else -1.5)).astype(np.float32)] for k in range(n)]


@pytest.mark.parametrize("mode", ["float", "int8"])
@pytest.mark.parametrize("name", list(CASES))
def test_control_flow_bit_exact_with_tflm(name, mode):
    m = model(name, mode)
    assert CASES[name][1] in opcodes_in_file(m), "the converter wrote no control flow: the case tests nothing"
    assert not {"WHILE", "IF"} & {op.opcode for op in read_model(m).operators}  # all inlined
    real = None
    if mode == "float":
        real = both_signs(10)
    report = verify_host(m, n_inputs=20, seed=3, sanitize=True, real_inputs=real)
    assert report.ok, report.lines()


def test_branch_on_the_data_runs_both_and_picks_one():
    """An IF whose condition comes from the input: both branches are in the code, one select per output; the
    inputs above take both (the outputs of a wrong pick differ: x*2+1 vs relu(x-1))."""
    g, plan = analyze(model("branch", "float"))
    assert [op.opcode for op in g.operators].count("TSLM_SELECT_BYTES") == 1
    assert {"MUL", "SUB"} <= {op.opcode for op in g.operators}


def test_loop_is_unrolled_with_the_counter_folded():
    g, _ = analyze(model("loop", "float"))
    ops = [op.opcode for op in g.operators]
    assert ops.count("MUL") == 8 and "LESS" not in ops  # 4 iterations x (h*0.9, h*0.5); the counter is gone
    assert all(t.dtype != "int32" or t.is_const for t in g.tensors if any(t.index in op.inputs for op in g.operators))


def test_loop_with_a_data_dependent_trip_count_is_refused():
    m = model("data_loop", "float")
    assert "WHILE" in opcodes_in_file(m)
    with pytest.raises(UnsupportedError, match="WHILE .*trip count depends on the input data"):
        analyze(m)


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm")
def test_unrolled_loop_on_a_cortex_m4_in_qemu():
    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    m = model("loop", "int8")
    cm, batches, run = measure(m, "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=2)
    oracle = Oracle(m)
    assert len(run.outputs) == len(batches) == 4
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
