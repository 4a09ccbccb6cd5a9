"""The TFLM builtins added for issue 13 (item 3), on models built with TensorFlow, against TFLM."""

from __future__ import annotations

import numpy as np
import opzoo_more
import pytest

from tinyslm.compiler import read_model
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
# tslm_l2norm)
SANITIZED = ["split_pack", "space_depth", "compare_select", "divide_prelu", "reductions", "float_model",
             "resize_bilinear", "token_embedding", "l2_normalization"]


@pytest.mark.parametrize("name", SANITIZED)
def test_dsp_target_under_sanitizers(name):
    """The same models for the Cortex-M DSP target (these ops use the portable kernels there too),
    built for the host under ASan and UBSan."""
    report = verify_host(model(name), **inputs(name), target="cortex-m-dsp", sanitize=True)
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
