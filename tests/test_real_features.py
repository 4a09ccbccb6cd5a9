"""The shared models against TFLM on real feature inputs (features of synthetic clips, tests/realfeatures.py),
which exercise them far from the saturation uniform random bytes drive the KWS model into."""

from __future__ import annotations

import numpy as np
import pytest
import realfeatures
from conftest import shared_models_dir

from tinyslm.runners.oracle import Oracle
from tinyslm.runners.verify import verify_host

CASES = {
    "mlperf_tiny_kws_ref_model": realfeatures.kws_inputs,
    "tflm_micro_speech_quantized": realfeatures.micro_speech_inputs,
    "mlperf_tiny_ad01_int8": realfeatures.ad01_inputs,
}
N = 40


def _model(stem: str):
    p = shared_models_dir() / f"{stem}.tflite"
    if not p.is_file():
        pytest.skip(f"needs {p}")
    return p


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
@pytest.mark.parametrize("stem", list(CASES))
def test_bit_exact_on_real_features(stem, target):
    batches = CASES[stem](N)
    assert len(batches) == N
    r = verify_host(_model(stem), n_inputs=0, real_inputs=batches, sanitize=True, target=target)
    assert r.ok and r.runs == N, "\n".join(r.lines())
    assert r.bytes_compared == N * sum(o.bytes_compared // N for o in r.outputs) > 0


def test_real_features_drive_the_kws_model_away_from_saturation():
    """The point of real inputs: nearly every KWS input gives its own output vector (uniform random bytes gave
    30 distinct vectors in 60), and the model's top class varies."""
    model = Oracle(_model("mlperf_tiny_kws_ref_model").read_bytes())
    outs = [model.run(b)[0].reshape(-1) for b in realfeatures.kws_inputs(N)]
    assert len({o.tobytes() for o in outs}) >= 0.9 * N
    assert len({int(np.argmax(o)) for o in outs}) >= 6
