"""`tinyslm verify --tensors`: every intermediate tensor against TFLM's, and the first op that diverges named."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SHARED_MODELS

from tinyslm.compiler import compile_model
from tinyslm.runners.oracle import random_inputs
from tinyslm.runners.tensors import build_trace, compare_tensors, run_trace, verify_tensors

KWS = next((p for p in SHARED_MODELS if "kws" in p.stem), None)


def _kws():
    if KWS is None:
        pytest.skip("needs the shared KWS model")
    return KWS


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_every_tensor_of_the_kws_model_matches_tflm(target):
    r = verify_tensors(_kws(), n_inputs=2, target=target, sanitize=True)
    assert r.ok and r.first_divergence is None
    assert len(r.compared) == 13 and all(t.runs == 2 and t.identical == 2 for t in r.compared)
    assert r.bytes_compared == 2 * sum(t.nbytes for t in r.compared) > 100_000


def test_a_wrong_bias_is_found_at_its_op_and_not_before(tmp_path):
    """Op 4's bias changed in the generated C: ops 0-3 still match, op 4 is the first divergence."""
    data = _kws().read_bytes()
    cm = compile_model(data, tmp_path / "model", name="model")
    src = (tmp_path / "model" / "model.c").read_text()
    m = re.search(r"op4_bias\[64\] TSLM_ALIGNED = \{\s*(-?\d+)", src)
    assert m, "op 4's bias array not found in the generated C"
    src = src[:m.start(1)] + str(int(m.group(1)) + 5000) + src[m.end(1):]
    (tmp_path / "model" / "model.c").write_text(src)
    batches = [random_inputs(cm.inputs, np.random.default_rng(k)) for k in range(2)]
    ours = run_trace(build_trace(cm, tmp_path / "trace"), cm, batches)
    r = compare_tensors(cm, data, batches, ours)
    bad = r.first_divergence
    assert not r.ok and bad is not None and bad.op == 4 and bad.opcode == "CONV_2D"
    assert all(t.ok for t in r.tensors if t.op < 4)
    assert bad.bytes_differing > 0 and bad.max_abs_diff > 0
    assert "DIFFERS" in next(line for line in r.lines() if line.startswith("op   4"))


def test_a_missing_tensor_is_a_difference_not_a_pass(tmp_path):
    data = _kws().read_bytes()
    cm = compile_model(data, tmp_path / "model", name="model")
    batches = [random_inputs(cm.inputs, np.random.default_rng(0))]
    ours = run_trace(build_trace(cm, tmp_path / "trace"), cm, batches)
    first = min(ours[0])
    del ours[0][first]
    r = compare_tensors(cm, data, batches, ours)
    assert not r.ok and r.first_divergence.tensor == first


def test_cli_verify_tensors(tmp_path):
    from tinyslm.cli import cli

    res = CliRunner().invoke(cli, ["verify", str(_kws()), "--tensors", "--inputs", "2"])
    assert res.exit_code == 0, res.output
    assert "13 tensors compared" in res.output and "every intermediate tensor identical to TFLM" in res.output
