"""float32 outputs computed through the C library on a device: compared within its rounding, nothing else.

newlib on a Cortex-M4 (single-precision FPU) rounds expf, tanhf, ... not always as glibc does (the host,
where TFLM runs), so a float model with such ops cannot match TFLM byte for byte there; every other output,
and every output of a model without such ops, still must (tinyslm/compiler/libm.py, README "Numerics").
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from opzoo import convert_fn

from tinyslm.compiler.libm import LIBM_ULPS, libm_dependence
from tinyslm.compiler.reader import read_model
from tinyslm.device.verify import libm_rounding
from tinyslm.runners.oracle import Oracle


@pytest.fixture(scope="module")
def model() -> bytes:
    """Three outputs: relu(x) (no C library), softmax(x) (written by SOFTMAX from clean input), and
    x @ W over softmax(x) (downstream of it)."""
    w = np.random.default_rng(0).standard_normal((12, 5)).astype(np.float32)

    def build(x):
        import tensorflow as tf

        s = tf.nn.softmax(x)
        return tf.nn.relu(x), s, tf.matmul(tf.reshape(s, (-1, 12)), w)

    return convert_fn(build, [(2, 12)], mode="float")


def outputs_of(model: bytes) -> list[np.ndarray]:
    x = np.random.default_rng(1).standard_normal((2, 12)).astype(np.float32)
    return [np.asarray(o) for o in Oracle(model).run([x])]


def by_role(model: bytes) -> dict[str, int]:
    """Output index of each role (the converter may order outputs its own way)."""
    g = read_model(model)
    deps = libm_dependence(g)
    made_by = {o: op.opcode for op in g.operators for o in op.outputs}
    roles = {}
    for k, t in enumerate(g.outputs):
        roles["clean" if not deps[k] else "softmax" if made_by[t] == "SOFTMAX" else "downstream"] = k
    assert sorted(roles) == ["clean", "downstream", "softmax"], roles
    return roles


def nudge(a: np.ndarray, ulps: int, at: int = 0) -> np.ndarray:
    b = a.copy().ravel()
    b[at:at + 1] = (b[at:at + 1].view(np.int32) + ulps).view(np.float32)
    return b.reshape(a.shape)


def test_which_outputs_go_through_the_c_library(model):
    roles = by_role(model)
    deps = libm_dependence(read_model(model))
    assert deps[roles["softmax"]] == deps[roles["downstream"]] == {"SOFTMAX"} and not deps[roles["clean"]]


def test_within_the_rounding_only_where_the_c_library_is_called(model):
    exp = outputs_of(model)
    roles = by_role(model)
    s, d, c = roles["softmax"], roles["downstream"], roles["clean"]

    def within(**changes) -> tuple[int, list[str]]:
        got = [changes.get(k, a) for k, a in zip(["o0", "o1", "o2"], exp)]
        return libm_rounding([got], [exp], model)

    assert within() == (0, [])  # identical: nothing to explain
    n, notes = within(**{f"o{s}": nudge(exp[s], 3)})
    assert n == 1 and "through SOFTMAX" in notes[0] and "3 ulps (bound 4)" in notes[0]
    assert within(**{f"o{s}": nudge(exp[s], LIBM_ULPS["SOFTMAX"] + 1)})[0] == 0  # past the measured bound
    assert within(**{f"o{c}": nudge(exp[c], 1)})[0] == 0  # an output that calls nothing: bytes or fail
    n, notes = within(**{f"o{d}": exp[d] * np.float32(1 + 2e-6)})
    assert n == 1 and "of its largest value" in notes[0]
    assert within(**{f"o{d}": exp[d] * np.float32(1.01)})[0] == 0  # a real error downstream
    nan = exp[s].copy()
    nan.flat[0] = np.nan
    assert within(**{f"o{s}": nan})[0] == 0
    assert libm_rounding([], [exp], model)[0] == 0  # a missing run is not within anything


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
def test_a_float_softmax_model_verifies_on_a_cortex_m4(model, tmp_path):
    """Through the serial protocol on mps2-an386: newlib's expf rounds some of these inputs differently (the
    fuzz found it), the report says so and by how much, and the model still verifies."""
    from tinyslm.device.verify import verify_on_device

    rep = verify_on_device(model, "mps2-an386", n_inputs=20, seed=3, work=tmp_path)
    assert rep.ok, rep.lines()
    assert rep.libm_vs_host > 0 and rep.device_vs_host + rep.libm_vs_host == 20, rep.lines()
    assert any("through SOFTMAX" in line for line in rep.lines()), rep.lines()
