"""WAV I/O: round trips, and every malformed file is a DataError that names the file and the fix."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from tinyslm.data.audio import fit_length, read_wav, resample, to_int16, write_wav
from tinyslm.errors import DataError


def _raw_wav(path, data: bytes, rate=16000, channels=1, width=2):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)


def test_round_trip_is_exact_and_bytes_are_reproducible(tmp_path):
    pcm = np.random.default_rng(0).integers(-32768, 32768, 5000).astype(np.int16)
    write_wav(tmp_path / "a.wav", pcm, 16000)
    write_wav(tmp_path / "b.wav", pcm, 16000)
    assert np.array_equal(read_wav(tmp_path / "a.wav"), pcm)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize("kwargs, make, message", [
    ({}, lambda p: _raw_wav(p, b"\0\0" * 100, rate=8000), "8000 Hz, expected 16000"),
    ({}, lambda p: _raw_wav(p, b"\0\0" * 100, channels=2), "2 channels; expected mono"),
    ({}, lambda p: _raw_wav(p, b"\0" * 100, width=1), "8-bit samples"),
    ({"max_samples": 16000}, lambda p: _raw_wav(p, b"\0\0" * 16001), "at most 16000 samples"),
    ({}, lambda p: _raw_wav(p, b""), "no samples"),
    ({}, lambda p: p.write_bytes(b"not a wav at all"), "not a readable PCM WAV"),
])
def test_bad_files_are_clear_data_errors(tmp_path, kwargs, make, message):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(DataError) as e:
        read_wav(path, **kwargs)
    assert message in e.value.what
    assert e.value.where == str(path)
    assert "bad.wav" in e.value.render()


def test_missing_file_and_channel_choice(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_wav(tmp_path / "nope.wav")
    stereo = np.array([[1, -1], [2, -2], [3, -3]], np.int16)
    _raw_wav(tmp_path / "s.wav", stereo.astype("<i2").tobytes(), channels=2)
    assert read_wav(tmp_path / "s.wav", channel=1).tolist() == [-1, -2, -3]
    with pytest.raises(DataError, match="channel 5"):
        read_wav(tmp_path / "s.wav", channel=5)


def test_resample_keeps_a_tone_and_drops_what_the_new_rate_cannot_hold():
    t_in = np.arange(22050) / 22050
    x = np.sin(2 * np.pi * 440 * t_in) + np.sin(2 * np.pi * 9000 * t_in)  # 9 kHz: above the new Nyquist
    y = resample(x, 22050, 16000)
    assert y.size == 16000
    t = np.arange(16000) / 16000
    assert np.abs(y - np.sin(2 * np.pi * 440 * t)).max() < 1e-6


def test_int16_conversion_and_padding():
    assert to_int16(np.array([1.5, -1.5, 0.25])).tolist() == [32767, -32768, 8192]
    assert fit_length(np.arange(3, dtype=np.int16), 5).dtype == np.int16
