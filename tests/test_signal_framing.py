"""TFLM's signal library ops (custom operators with flexbuffer options), framing family: hand-built models
against the TFLM oracle over sequences of invocations with resets, on the host under ASan/UBSan."""

from __future__ import annotations

import numpy as np
import pytest
from tflbuild import OpDesc, TDesc, build_model, flex

from tinyslm.errors import UnsupportedError
from tinyslm.compiler import analyze
from tinyslm.runners.verify import verify_host


def audio(rng: np.random.Generator, shape: tuple[int, ...], n: int, amplitude: int = 12000) -> list[list[np.ndarray]]:
    """n input sets of speech-like int16 samples (a loud sine plus noise), beside the uniform ones."""
    out = []
    for k in range(n):
        t = np.arange(int(np.prod(shape))) + k * 1000
        x = amplitude * np.sin(t * 0.07) + rng.normal(0, 800, t.shape)
        out.append([np.clip(x, -32768, 32767).astype(np.int16).reshape(shape)])
    return out


def window_model(shape=(3, 16), shift=12, seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 1 << shift, shape[-1]).astype(np.int16)
    return build_model([TDesc(shape, "int16", name="x"), TDesc((shape[-1],), "int16", data=w, name="window"),
                        TDesc(shape, "int16", name="y")],
                       [OpDesc("CUSTOM:SignalWindow", [0, 1], [2], custom_options=flex(shift=shift))], [0], [2])


@pytest.mark.parametrize("shape,shift", [((16,), 12), ((3, 16), 14), ((2, 2, 10), 0)])
def test_window(shape, shift):
    report = verify_host(window_model(shape, shift), n_inputs=6, seed=1, sanitize=True,
                         real_inputs=audio(np.random.default_rng(2), shape, 4))
    assert report.ok, report.lines()


def delay_model(shape=(2, 10), delay=3) -> bytes:
    return build_model([TDesc(shape, "int16", name="x"), TDesc(shape, "int16", name="y")],
                       [OpDesc("CUSTOM:SignalDelay", [0], [1], custom_options=flex(delay_length=delay))], [0], [1])


@pytest.mark.parametrize("shape,delay", [((2, 10), 3), ((10,), 10), ((3, 4), 11), ((5,), 0)])
def test_delay_over_a_sequence_of_invokes(shape, delay):
    """The delayed samples cross invocations (and a reset refills the delay line with zeros, as TFLM's)."""
    report = verify_host(delay_model(shape, delay), n_inputs=12, seed=3, sanitize=True, reset_every=5)
    assert report.ok, report.lines()


def test_signal_op_with_a_bad_option_is_refused():
    with pytest.raises(UnsupportedError, match="SignalWindow .*option 'shift'"):
        analyze(window_model(shift=12).replace(b"shift", b"shaft"))
