"""TFLM's signal library ops (custom operators with flexbuffer options), framing family: hand-built models
against the TFLM oracle over sequences of invocations with resets, on the host under ASan/UBSan."""

from __future__ import annotations

import numpy as np
import pytest
from test_stateful import NO_ARM, on_qemu
from tflbuild import OpDesc, TDesc, build_model, flex

from tinyslm.compiler import analyze, compile_model
from tinyslm.errors import TinyslmError, UnsupportedError
from tinyslm.runners.host import build_host, run_host
from tinyslm.runners.oracle import Oracle
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


# ---- SignalFramer, SignalStacker: a bool 'valid' output, and frames TFLM leaves untouched until they arrive

def framer_model(shape=(3, 16), size=10, step=4, prefill=False, out_shape=None, options=None) -> bytes:
    out_shape = out_shape or (*shape[:-1], shape[-1] // step, size)
    options = options or flex(frame_size=size, frame_step=step, prefill=prefill)
    return build_model([TDesc(shape, "int16", name="x"), TDesc(out_shape, "int16", name="frames"),
                        TDesc((), "bool", name="valid")],
                       [OpDesc("CUSTOM:SignalFramer", [0], [1, 2], custom_options=options)], [0], [1, 2])


def stacker_model(channels=5, left=2, right=1, step=2, in_shape=None) -> bytes:
    frames = left + 1 + right
    return build_model([TDesc(in_shape or (channels,), "int16", name="x"),
                        TDesc((channels * frames,), "int16", name="stack"), TDesc((), "bool", name="valid")],
                       [OpDesc("CUSTOM:SignalStacker", [0], [1, 2],
                               custom_options=flex(num_channels=channels, stacker_left_context=left,
                                                   stacker_right_context=right, stacker_step=step))], [0], [1, 2])


def run_both(model: bytes, batches: list[list[np.ndarray]], reset_every: int, tmp_path):
    """(ours, TFLM's) outputs per input set, run in order with a reset before every reset_every-th set; ours
    built for the host under ASan/UBSan."""
    cm = compile_model(model, tmp_path / "model", name="model")
    ours = run_host(build_host(cm, tmp_path / "build", sanitize=True), cm, batches, reset_every=reset_every)
    oracle, refs = Oracle(model), []
    for k, inputs in enumerate(batches):
        if k and k % reset_every == 0:
            oracle.reset()
        refs.append(oracle.run(inputs))
    assert len(ours) == len(refs) == len(batches)
    return ours, refs


def check_sequence(ours, refs, written) -> int:
    """The valid flags agree on every invocation; the output agrees byte for byte wherever TFLM has written
    it at least once (written[k]: a bool mask over the output at invocation k; elsewhere TFLM's output is its
    arena's uninitialised bytes and ours is still the zeros it started as, since neither writes there).
    Returns the number of output values compared."""
    compared = 0
    for k, ((got, got_valid), (ref, ref_valid)) in enumerate(zip(ours, refs)):
        assert np.asarray(got_valid).dtype == np.bool_ and np.asarray(got_valid).shape == ()
        assert bool(got_valid) == bool(ref_valid), f"invocation {k}: valid {bool(got_valid)}, TFLM {bool(ref_valid)}"
        mask = written[k]
        assert got.shape == ref.shape == mask.shape and got.dtype == ref.dtype == np.int16
        bad = np.flatnonzero((got != ref) & mask)
        assert bad.size == 0, f"invocation {k}: {bad.size} values differ from TFLM, first at flat index {bad[0]}"
        assert not got[~mask].any(), f"invocation {k}: ours wrote where TFLM has not yet"
        compared += int(mask.sum())
    return compared


def framer_written(shape, size, step, prefill, runs, reset_every) -> list[np.ndarray]:
    """Which frames TFLM has written by each invocation: frame t of a row since the last reset is complete
    once its last sample has arrived, i.e. when (prefill zeros) + (t + 1) * step >= size."""
    rows, n_frames = int(np.prod(shape[:-1])), shape[-1] // step
    start = size - step if prefill else 0
    seen = np.zeros((rows, n_frames, size), bool)
    out = []
    for k in range(runs):
        since_reset = k % reset_every
        for f in range(n_frames):
            if start + (since_reset * n_frames + f + 1) * step >= size:
                seen[:, f, :] = True
        out.append(seen.reshape(*shape[:-1], n_frames, size).copy())
    return out


@pytest.mark.parametrize("shape,size,step,prefill", [
    ((3, 16), 10, 4, False),   # two frames per row incomplete in the first invocation, then all complete
    ((2, 8), 5, 2, True),      # prefill of size - step zeros, size not a multiple of step
    ((160,), 400, 160, False),  # 25 ms frames every 10 ms at 16 kHz, 1-D input
    ((2, 160), 400, 160, True),
    ((2, 12), 3, 6, False),    # frames shorter than their step (samples skipped)
    ((2, 2, 6), 6, 6, True),   # step == size: prefill of nothing
])
def test_framer_over_a_sequence_of_invokes(shape, size, step, prefill, tmp_path):
    rng = np.random.default_rng(5)
    batches = [[rng.integers(-32768, 32767, shape, endpoint=True).astype(np.int16)] for _ in range(16)]
    batches += audio(rng, shape, 8)
    ours, refs = run_both(framer_model(shape, size, step, prefill), batches, 7, tmp_path)
    written = framer_written(shape, size, step, prefill, len(batches), 7)
    assert check_sequence(ours, refs, written) > len(batches) * size // 2
    if prefill or size <= step:  # with the zero prefill (or no overlap) every frame is complete at once
        assert all(bool(v) for _, v in ours)
    else:
        assert not bool(ours[0][1]) and not bool(ours[7][1]) and bool(ours[-1][1])


def stacker_written(right, runs, reset_every, size) -> list[np.ndarray]:
    """TFLM writes the whole stack once left + 1 + right frames are there: from the (right + 1)-th
    invocation after a reset on (the first frame counts left + 1 times)."""
    out, seen = [], False
    for k in range(runs):
        seen = seen or k % reset_every >= right
        out.append(np.full(size, seen))
    return out


@pytest.mark.parametrize("channels,left,right,step", [
    (3, 0, 0, 1),   # every frame its own stack, always valid
    (5, 2, 1, 2),   # contexts on both sides, a stack every 2 frames
    (4, 0, 3, 3),   # right context only
    (2, 1, 1, 3),   # step = the whole stack: nothing kept between stacks
    (40, 3, 0, 1),  # a filter bank's 40 channels with 3 frames of left context
])
def test_stacker_over_a_sequence_of_invokes(channels, left, right, step, tmp_path):
    rng = np.random.default_rng(6)
    batches = [[rng.integers(-32768, 32767, (channels,), endpoint=True).astype(np.int16)] for _ in range(16)]
    batches += audio(rng, (channels,), 8)
    frames = left + 1 + right
    ours, refs = run_both(stacker_model(channels, left, right, step), batches, 9, tmp_path)
    written = stacker_written(right, len(batches), 9, channels * frames)
    assert check_sequence(ours, refs, written) >= len(batches) * channels
    valid = [bool(v) for _, v in ours]
    assert valid.count(True) >= len(batches) // (step + right + 1)
    assert (right == 0 and step == 1) == all(valid)


def test_framer_feeding_a_window_its_valid_flag_unused():
    """An audio front end's first two ops: frames (zero prefill, the flag left in the arena) windowed."""
    w = np.hanning(12) * (1 << 14)
    model = build_model([TDesc((2, 8), "int16", name="x"), TDesc((2, 2, 12), "int16", name="frames"),
                         TDesc((), "bool", name="valid"), TDesc((12,), "int16", data=w.astype(np.int16), name="w"),
                         TDesc((2, 2, 12), "int16", name="y")],
                        [OpDesc("CUSTOM:SignalFramer", [0], [1, 2],
                                custom_options=flex(frame_size=12, frame_step=4, prefill=True)),
                         OpDesc("CUSTOM:SignalWindow", [1, 3], [4], custom_options=flex(shift=14))], [0], [4])
    report = verify_host(model, n_inputs=14, seed=9, sanitize=True, reset_every=5,
                         real_inputs=audio(np.random.default_rng(10), (2, 8), 8))
    assert report.ok and report.runs == 22, report.lines()


def test_options_tflm_would_read_by_the_wrong_position_are_refused():
    """TFLM reads the framer's options by position in the sorted map: an extra key 'a' before them would
    make it take frame_size from 'a'. Ours reads by name, so it must refuse rather than disagree."""
    bad = framer_model((2, 8), 6, 4, True, options=flex(a=5, frame_size=6, frame_step=4, prefill=True))
    analyze(framer_model((2, 8), 6, 4, True))
    with pytest.raises(UnsupportedError, match="SignalFramer .*by position"):
        analyze(bad)


def test_framer_and_stacker_refuse_what_tflm_refuses():
    # TFLM's Prepare: the input's last dimension must be a multiple of frame_step; the stacker's input 1-D
    for bad, message in [(framer_model((2, 10), 6, 4, out_shape=(2, 2, 6)), "SignalFramer .*frame_step \\(4\\)"),
                         (stacker_model(4, 1, 1, 1, in_shape=(2, 2)), "SignalStacker .*1-D")]:
        with pytest.raises(TinyslmError):
            Oracle(bad)
        with pytest.raises(UnsupportedError, match=message):
            analyze(bad)


# ---- SignalOverlapAdd, int16 and float32

def overlap_add_model(shape=(3, 8), step=4, dtype="int16") -> bytes:
    out_shape = (*shape[:-2], shape[-2] * step)
    return build_model([TDesc(shape, dtype, name="frames"), TDesc(out_shape, dtype, name="y")],
                       [OpDesc("CUSTOM:SignalOverlapAdd", [0], [1],
                               custom_options=flex(T=7 if dtype == "int16" else 0, frame_step=step))], [0], [1])


@pytest.mark.parametrize("shape,step,dtype", [
    ((3, 8), 4, "int16"), ((2, 2, 5), 2, "int16"), ((1, 3, 4), 4, "int16"),
    ((2, 6), 3, "float32"), ((2, 3, 16), 5, "float32"), ((4, 4), 1, "float32"),
])
def test_overlap_add_over_a_sequence_of_invokes(shape, step, dtype):
    rng = np.random.default_rng(7)
    if dtype == "int16":  # loud frames that overlap past int16: the adds saturate
        real = audio(rng, shape, 8, amplitude=30000)
    else:
        real = [[a.astype(np.float32) / 32768] for [a] in audio(rng, shape, 7)]
        real.insert(3, [np.zeros(shape, np.float32)])  # silence: what is left in the accumulator shows
    report = verify_host(overlap_add_model(shape, step, dtype), n_inputs=16, seed=8, sanitize=True,
                         reset_every=6, real_inputs=real)
    assert report.ok and report.runs == 24, report.lines()


def test_overlap_add_refuses_what_tflm_refuses():
    # option T says int16, the tensors are float32: TFLM's Prepare refuses the types
    bad = overlap_add_model((2, 8), 4, "float32").replace(flex(T=0, frame_step=4), flex(T=7, frame_step=4))
    assert bad != overlap_add_model((2, 8), 4, "float32")
    with pytest.raises(TinyslmError):
        Oracle(bad)
    with pytest.raises(UnsupportedError, match="SignalOverlapAdd .*input float32, output float32, option 'T' int16"):
        analyze(bad)


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_framer_on_a_cortex_m4_in_qemu(tmp_path):
    """One small framer (zero prefill, so every frame is TFLM-defined) over 20 invocations on the emulated
    Cortex-M4, byte for byte with TFLM."""
    pairs = on_qemu(framer_model((2, 8), 6, 4, True), "mps2-an386", "cortex-m-dsp", 20, tmp_path)
    assert len(pairs) == 20
    for ours, ref in pairs:
        assert ours.shape == ref.shape == (2, 2, 6) and ours.tobytes() == ref.tobytes()
