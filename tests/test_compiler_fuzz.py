"""Mutation fuzzing of the external models: never a crash, never a stray exception."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.compiler import compile_model
from tinyslm.compiler.hostrun import build_host, run_host
from tinyslm.compiler.oracle import Oracle, random_inputs
from tinyslm.errors import TinyslmError


def mutations(buf: bytes, rng: np.random.Generator, n: int):
    for k in range(n):
        b = bytearray(buf)
        kind = k % 4
        if kind == 0:  # truncate
            yield "truncate", bytes(b[: int(rng.integers(0, len(b)))])
        elif kind == 1:  # flip a few bytes anywhere
            for pos in rng.integers(0, len(b), size=int(rng.integers(1, 16))):
                b[pos] ^= int(rng.integers(1, 256))
            yield "flip", bytes(b)
        else:  # flip bytes in the flatbuffer tables (the first and last 2 KB: offsets, shapes, options)
            region = list(range(0, min(2048, len(b)))) + list(range(max(0, len(b) - 2048), len(b)))
            for pos in rng.choice(region, size=int(rng.integers(1, 6))):
                b[pos] = int(rng.integers(0, 256))
            yield "table", bytes(b)


@pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])
def test_mutated_models_give_clear_errors_or_compile(model_path, tmp_path):
    rng = np.random.default_rng(1234)
    buf = model_path.read_bytes()
    outcomes = {"compiled": 0, "refused": 0}
    checked = 0
    for i, (kind, data) in enumerate(mutations(buf, rng, 150)):
        try:
            cm = compile_model(data, tmp_path / f"m{i}", name="m")
            outcomes["compiled"] += 1
            if outcomes["compiled"] % 4 == 1:  # a mutant we accept must still build and agree with TFLM
                exe = build_host(cm, tmp_path / f"b{i}")
                try:
                    oracle = Oracle(data)
                except TinyslmError:
                    continue  # TFLM refuses this mutant; nothing to compare with
                batch = [random_inputs(cm.inputs, np.random.default_rng(i)) for _ in range(2)]
                for inputs, ours in zip(batch, run_host(exe, cm, batch)):
                    for o, r in zip(ours, oracle.run(inputs)):
                        assert np.array_equal(o, r.reshape(o.shape)), f"mutation {i} ({kind}) differs from TFLM"
                checked += 1
        except TinyslmError as e:
            assert e.what and "\n" not in e.what.strip().split("\n")[0]
            outcomes["refused"] += 1
        except Exception as e:  # any other exception is a bug
            pytest.fail(f"mutation {i} ({kind}) raised {type(e).__name__}: {e}")
    assert outcomes["refused"] > 0 and sum(outcomes.values()) == 150
    assert checked > 0
