"""Mutation fuzzing of the external models: never a crash, never a stray exception, every accepted mutant
bit-exact with TFLM."""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.compiler import compile_model
from tinyslm.runners.host import build_host, run_host
from tinyslm.compare import compare_outputs
from tinyslm.runners.oracle import random_inputs
from tinyslm.errors import ModelError, UnsupportedError
from tinyslm.fuzz.workers import OracleWorker

# mutations per model: 150 in the suite; the long run sets TINYSLM_FUZZ_MUTATIONS (README: >= 1,000)
N_MUTATIONS = int(os.environ.get("TINYSLM_FUZZ_MUTATIONS", "150"))


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
    """Every mutant is refused with one clear error (a ModelError or UnsupportedError: one line saying what is
    wrong, no traceback), or compiles, builds under ASan/UBSan and agrees with TFLM byte for byte on two
    inputs. TFLM runs in a child process (it aborts on some mutants)."""
    rng = np.random.default_rng(1234)
    buf = model_path.read_bytes()
    outcomes = {"compiled": 0, "refused": 0}
    checked = 0
    with OracleWorker() as oracle:
        for i, (kind, data) in enumerate(mutations(buf, rng, N_MUTATIONS)):
            try:
                cm = compile_model(data, tmp_path / f"m{i}", name="m")
            except (ModelError, UnsupportedError) as e:
                first = e.what.strip()
                assert first and "\n" not in first and len(first) < 400, f"mutation {i} ({kind}): {e.what!r}"
                assert "Traceback" not in e.render()
                outcomes["refused"] += 1
                continue
            except Exception as e:  # any other exception (a ToolchainError included) is a bug
                pytest.fail(f"mutation {i} ({kind}) raised {type(e).__name__}: {e}")
            outcomes["compiled"] += 1
            batch = [random_inputs(cm.inputs, np.random.default_rng(i)) for _ in range(2)]
            status, ref = oracle.run(data, batch)
            if status != "ok":
                continue  # TFLM refuses (or aborts on) a mutant we accept: nothing to compare with
            ours = run_host(build_host(cm, tmp_path / f"b{i}", sanitize=True, opt="-O1"), cm, batch)
            assert len(ours) == len(batch)
            for inputs_ref, got in zip(ref, ours):
                c = compare_outputs(inputs_ref, got)
                assert c.identical, f"mutation {i} ({kind}) differs from TFLM: {c.problem}"
            checked += 1
    assert outcomes["refused"] > 0 and sum(outcomes.values()) == N_MUTATIONS
    assert checked > 0


def test_reader_calls_only_parser_errors_corrupt(monkeypatch):
    """An exception raised inside the flatbuffers runtime on garbage is a 'corrupt .tflite' ModelError; one
    raised by the reader's own code is a bug and propagates as itself."""
    import flatbuffers.number_types as nt

    from tinyslm.compiler import reader

    def garbage(self):
        nt.enforce_number(-1, nt.Uint32Flags)  # what flatbuffers does with a garbage offset: TypeError

    def bug(self):
        raise TypeError("unsupported operand type(s)")

    monkeypatch.setattr(reader._Reader, "read", garbage)
    with pytest.raises(ModelError, match="corrupt .tflite file: TypeError"):
        reader.read_model(b"\x00" * 64)
    monkeypatch.setattr(reader._Reader, "read", bug)
    with pytest.raises(TypeError, match="unsupported operand"):
        reader.read_model(b"\x00" * 64)


@pytest.mark.parametrize("stem, index, why", [
    ("mlperf_tiny_kws_ref_model", 497, "rescale factor 7.23152e+25 is 2^30 or more"),
    ("tflm_hello_world_int8", 591, "carries AddOptions instead of FullyConnectedOptions"),
    ("tflm_micro_speech_quantized", 190, "depth_multiplier option 38920 disagrees with the shapes"),
    ("tflm_micro_speech_quantized", 322, "dilation 524288 (width) over 32767, which TFLM keeps in 16 bits"),
    ("mlperf_tiny_kws_ref_model", 887, "has a zero point outside"),  # its garbage name printed without newlines
])
def test_mutants_the_long_run_found(stem, index, why, shared_models, tmp_path):
    """`TINYSLM_FUZZ_MUTATIONS=1000`: mutants TFLM runs with undefined or truncated parameters (a 2^86 shift,
    options read as zeroed params, a depth multiplier indexing out of bounds, a dilation cut to 16 bits)
    compiled before, and then crashed UBSan or differed from TFLM; they are refused now, each with one line."""
    model = next((p for p in shared_models if p.stem == stem), None)
    if model is None:
        pytest.skip(f"needs {stem}")
    *_, (kind, data) = mutations(model.read_bytes(), np.random.default_rng(1234), index + 1)
    with pytest.raises((ModelError, UnsupportedError)) as e:
        compile_model(data, tmp_path / "m", name="m")
    assert why in e.value.what and "\n" not in e.value.what
