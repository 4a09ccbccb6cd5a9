"""TFLM's signal library ops from spectrum to features (SignalEnergy, SignalFilterBank and its SquareRoot, Log
and SpectralSubtraction, SignalPCAN): hand-built models against the TFLM oracle on the host under ASan/UBSan,
with mel filter-bank tables laid out as TFLM's python signal utils lay them out, full-range random values
(the wrap-around and saturation paths) beside audio-like ones, and the stateful spectral subtraction over
sequences of invocations with resets."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from test_stateful import NO_ARM, on_qemu
from tflbuild import OpDesc, TDesc, build_model, flex

from tinyslm.compiler import analyze
from tinyslm.errors import TinyslmError, UnsupportedError
from tinyslm.runners.oracle import Oracle
from tinyslm.runners.verify import verify_host

U32 = np.iinfo(np.uint32).max
U64 = np.iinfo(np.uint64).max


# ---- tables as TFLM's python signal utils make them (filter_bank_ops.py, the PCAN LUT wrapper) ----

def mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_tables(spectrum_size: int, sample_rate: int, channels: int, lower: float, upper: float) -> dict:
    """A mel filter bank in TFLM's layout: channels + 1 triangular channels over the bins from `start`,
    channel i's weights at channel_weight_starts[i] (int16, Q12) and its unweights (1 - weight) feeding
    channel i + 1; a channel without bins points at one zero weight kept at the front of the tables."""
    centers = mel(lower) + (mel(upper) - mel(lower)) / (channels + 1) * np.arange(1, channels + 2)
    hz_per_bin = (sample_rate / 2) / (spectrum_size - 1)
    start = round(1 + lower / hz_per_bin)
    freq_starts = np.zeros(channels + 1, np.int16)
    weight_starts = np.zeros(channels + 1, np.int16)
    widths = np.zeros(channels + 1, np.int16)
    spans: list[tuple[int, int]] = []
    at, n_weights, zero_slot = start, 0, False
    for ch in range(channels + 1):
        stop = at
        while mel(stop * hz_per_bin) <= centers[ch]:
            stop += 1
        spans.append((at, stop - at))
        if stop == at:  # an empty channel: one multiplication by the zero weight at index 0
            freq_starts[ch], weight_starts[ch], widths[ch] = 0, 0, 1
            if not zero_slot:
                zero_slot = True
                weight_starts[:ch] += 1
                n_weights += 1
        else:
            freq_starts[ch], weight_starts[ch], widths[ch] = at, n_weights, stop - at
            n_weights += stop - at
        at = stop
    weights = np.zeros(n_weights, np.int16)
    unweights = np.zeros(n_weights, np.int16)
    end = 0
    for ch, (first, count) in enumerate(spans):
        low = mel(lower) if ch == 0 else centers[ch - 1]
        for j in range(count):
            w = np.float32((centers[ch] - mel((first + j) * hz_per_bin)) / (centers[ch] - low))
            weights[weight_starts[ch] + j] = int(w * 4096)
            unweights[weight_starts[ch] + j] = int((1 - w) * 4096)
        end = max(end, first + count)
    assert end < spectrum_size, "upper band limit past the spectrum"
    return {"start": start, "end": end, "weights": weights, "unweights": unweights, "freq_starts": freq_starts,
                "weight_starts": weight_starts, "widths": widths, "channels": channels}


def pcan_lut(strength: float = 0.95, offset: float = 80.0, input_bits: int = 7, gain_bits: int = 21) -> np.ndarray:
    """The 125-entry gain LUT: gain(x) = 2^gain_bits (x / 2^input_bits + offset)^-strength, rounded, capped at
    32767; entries 0..2 at x = 0, 1, 2, then per octave k (2..32) the quadratic through x0 = 2^(k-1),
    1.5 x0 and 2 x0 (2^32 - 1 for the last) as (y0, 4 d1 - d2, d2 - (4 d1 - d2), 0)."""
    def gain(x: int) -> int:
        g = np.float32(1 << gain_bits) * np.power(np.float32(x / (1 << input_bits) + offset), np.float32(-strength))
        return 32767 if g > 32767 else int(g + np.float32(0.5))

    lut = np.zeros(4 * 32 - 3 + 1, np.int64)
    lut[0], lut[1] = gain(0), gain(1)
    for k in range(2, 33):
        x0 = 1 << (k - 1)
        y0, y1, y2 = gain(x0), gain(x0 + x0 // 2), gain(x0 + x0 - 1 if k == 32 else 2 * x0)
        a1 = 4 * (y1 - y0) - (y2 - y0)
        lut[4 * k - 6: 4 * k - 2] = [y0, a1, (y2 - y0) - a1, 0]
    return lut[:125].astype(np.int16)


def spectra(rng: np.random.Generator, bins: int, n: int, fft: int = 0) -> list[list[np.ndarray]]:
    """n int16 complex spectra (re, im interleaved) of windowed speech-like frames, scaled to use int16."""
    fft = fft or 2 * (bins - 1)
    out = []
    for k in range(n):
        t = np.arange(fft) + k * 160
        x = 9000 * np.sin(t * 0.11) + 3000 * np.sin(t * 0.43 + k) + rng.normal(0, 300 + 200 * k, fft)
        s = np.fft.rfft(x * np.hanning(fft))[:bins]
        s *= 30000 / max(np.abs(s.real).max(), np.abs(s.imag).max())
        out.append([np.stack([s.real, s.imag], -1).reshape(-1).round().astype(np.int16)])
    return out


def check(model: bytes, n: int = 8, seed: int = 1, real=None, reset_every: int = 0) -> None:
    report = verify_host(model, n_inputs=n, seed=seed, sanitize=True, real_inputs=real, reset_every=reset_every)
    assert report.ok, report.lines()


# ---- SignalEnergy ----

def energy_model(bins: int, start: int, end: int) -> bytes:
    return build_model([TDesc((2 * bins,), "int16", name="spectrum"), TDesc((bins,), "uint32", name="energy")],
                       [OpDesc("CUSTOM:SignalEnergy", [0], [1], custom_options=flex(start_index=start, end_index=end))],
                       [0], [1])


def test_energy_over_the_whole_spectrum():
    """Every bin (TFLM leaves the bins outside [start, end) as its arena held them, so only a full range can
    be compared as an output; the partial range is checked through the filter bank below). The extremes:
    (-32768)^2 + (-32768)^2 = 2^31 wraps TFLM's int32 sum."""
    rng = np.random.default_rng(3)
    extreme = [[np.full(2 * 33, -32768, np.int16)], [np.full(2 * 33, 32767, np.int16)]]
    check(energy_model(33, 0, 33), n=6, real=spectra(rng, 33, 4) + extreme)


def test_energy_writes_only_its_range():
    """Bins outside [start, end) are zeros here (unwritten in TFLM); inside them, TFLM's values."""
    from tinyslm.compiler import compile_model
    from tinyslm.runners.host import build_host, run_host

    m = energy_model(20, 3, 15)
    rng = np.random.default_rng(5)
    xs = spectra(rng, 20, 3) + [[rng.integers(-32768, 32768, 40).astype(np.int16)] for _ in range(3)]
    with tempfile.TemporaryDirectory() as tmp:
        cm = compile_model(m, Path(tmp) / "m", name="model")
        ours = run_host(build_host(cm, Path(tmp) / "b", sanitize=True), cm, xs)
    oracle = Oracle(m)
    for x, got in zip(xs, ours, strict=True):
        ref = oracle.run(x)[0]
        assert got[0].dtype == np.uint32 and np.any(ref[3:15])
        assert np.array_equal(got[0][3:15], ref[3:15])
        assert not got[0][:3].any() and not got[0][15:].any()


# ---- SignalFilterBank ----

def filter_bank_model(t: dict, bins: int, outputs: int | None = None) -> bytes:
    c = t["channels"]
    tensors = [TDesc((bins,), "uint32", name="power"),
               *(TDesc((len(t[k]),), "int16", data=t[k], name=k)
                 for k in ("weights", "unweights", "freq_starts", "weight_starts", "widths")),
               TDesc((outputs or c,), "uint64", name="channels")]
    return build_model(tensors, [OpDesc("CUSTOM:SignalFilterBank", [0, 1, 2, 3, 4, 5], [6],
                                        custom_options=flex(num_channels=c))], [0], [6])


def powers(rng: np.random.Generator, bins: int, n: int) -> list[list[np.ndarray]]:
    """Energies of audio-like spectra (what SignalEnergy hands the filter bank)."""
    out = []
    for (s,) in spectra(rng, bins, n):
        z = s.astype(np.int64).reshape(-1, 2)
        out.append([(z[:, 0] ** 2 + z[:, 1] ** 2).astype(np.uint32)])
    return out


@pytest.mark.parametrize("fft,channels,lower,upper", [(512, 40, 125.0, 7500.0), (128, 24, 60.0, 3800.0)])
def test_filter_bank_with_mel_tables(fft, channels, lower, upper):
    bins = fft // 2 + 1
    t = mel_tables(bins, 16000, channels, lower, upper)
    if fft == 128:  # the small FFT leaves low channels without a bin: the zero-weight layout is exercised
        assert (t["freq_starts"] == 0).any() and t["weight_starts"].min() == 0 and t["weights"][0] == 0
    check(filter_bank_model(t, bins), n=6, real=powers(np.random.default_rng(4), bins, 4))


def test_filter_bank_wraps_in_uint64_with_negative_weights():
    """Tables no mel filter has: negative int16 weights (sign-extended to uint64, so each product wraps),
    overlapping channels, empty ones (width 0 and negative), fewer outputs than channels."""
    rng = np.random.default_rng(6)
    c, bins = 6, 24
    t = {"channels": c, "weights": rng.integers(-32768, 32768, 30).astype(np.int16),
         "unweights": rng.integers(-32768, 32768, 30).astype(np.int16),
         "freq_starts": rng.integers(0, 12, c + 1).astype(np.int16),
         "weight_starts": rng.integers(0, 18, c + 1).astype(np.int16),
         "widths": np.array([12, 0, 5, 12, -3, 7, 3], np.int16)}
    # channels without width are never read from: their starts may point anywhere
    t["freq_starts"][1], t["weight_starts"][1], t["weight_starts"][4] = 32000, -7, 9999
    check(filter_bank_model(t, bins, outputs=4), n=8)


# ---- SignalFilterBankSquareRoot ----

def sqrt_model(n: int, scale_bits: int) -> bytes:
    tensors = [TDesc((n,), "uint64", name="channels"),
               TDesc((), "int32", data=np.array(scale_bits, np.int32), name="scale_bits"),
               TDesc((n,), "uint32", name="amplitudes")]
    return build_model(tensors, [OpDesc("CUSTOM:SignalFilterBankSquareRoot", [0, 1], [2])], [0], [2])


@pytest.mark.parametrize("scale_bits", [0, 7, 31])
def test_filter_bank_square_root(scale_bits):
    """Full-range uint64 draws, filter-bank-sized ones, and the edges of the 32-bit shortcut and rounding
    (2^32 - 1, 2^32, squares and their neighbours, 2^64 - 1). Random uint64 inputs are drawn here (the
    verifier's own draws stop at int64)."""
    rng = np.random.default_rng(7)
    n = 24
    edges = np.array([0, 1, 2, 3, 4, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, 0xFFFF * 0xFFFF, 0xFFFF * 0xFFFF + 0xFFFF,
                      0xFFFF * 0xFFFF + 0xFFFF + 1, 0xFFFFFFFF * 0xFFFFFFFF, 0xFFFFFFFF * 0xFFFFFFFF + 0xFFFFFFFF,
                      U64, U64 - 1, 1 << 63, (1 << 62) - 1, 65536 * 65536 - 1, 12345678901234, 99 * 99, 99 * 99 - 1,
                      99 * 99 + 99, 99 * 99 + 100, 1 << 40], dtype=np.uint64)
    real = [[edges]]
    real += [[rng.integers(0, U64, n, dtype=np.uint64, endpoint=True)] for _ in range(6)]
    real += [[(rng.integers(0, 1 << 44, n, dtype=np.uint64) >> rng.integers(0, 44, n).astype(np.uint64))]
             for _ in range(4)]
    check(sqrt_model(n, scale_bits), n=0, real=real)


# ---- SignalFilterBankLog ----

def log_model(n: int, correction: int, scale: int) -> bytes:
    return build_model([TDesc((n,), "uint32", name="x"), TDesc((n,), "int16", name="log")],
                       [OpDesc("CUSTOM:SignalFilterBankLog", [0], [1],
                               custom_options=flex(input_correction_bits=correction, output_scale=scale))], [0], [1])


@pytest.mark.parametrize("correction,scale", [(3, 1600), (0, 1 << 16), (0, 9_000_000), (31, -7), (12, 1)])
def test_filter_bank_log(correction, scale):
    """The usual front end's scale (1600, correction 3), and ones that saturate at INT16_MAX, wrap TFLM's
    uint32 product (a large and a negative scale) or shift most inputs out (correction 31)."""
    rng = np.random.default_rng(8)
    shifted = rng.integers(0, 1 << 16, 16).astype(np.uint32) >> rng.integers(0, 16, 16).astype(np.uint32)
    small = [[np.concatenate([np.arange(16, dtype=np.uint32), shifted])]]
    check(log_model(32, correction, scale), n=8, real=small)


# ---- SignalFilterBankSpectralSubtraction ----

def spectral_subtraction_model(n: int, **options) -> bytes:
    opts = {"num_channels": n, "smoothing": 655, "one_minus_smoothing": 16384 - 655, "alternate_smoothing": 655,
                "alternate_one_minus_smoothing": 16384 - 655, "smoothing_bits": 10, "min_signal_remaining": 819,
                "clamping": False, "spectral_subtraction_bits": 14}
    opts.update(options)
    tensors = [TDesc((n,), "uint32", name="x"), TDesc((n,), "uint32", name="y"),
               TDesc((n,), "uint32", name="noise_estimate")]
    return build_model(tensors, [OpDesc("CUSTOM:SignalFilterBankSpectralSubtraction", [0], [1, 2],
                                        custom_options=flex(**opts))], [0], [1, 2])


def filter_bank_outputs(rng: np.random.Generator, channels: int, n: int) -> list[list[np.ndarray]]:
    """Square-rooted filter bank outputs of a noisy stream: a steady floor with bursts."""
    floor = rng.integers(200, 2000, channels)
    return [[(floor + rng.integers(0, 300, channels) + (6000 * rng.random(channels) if k % 5 == 2 else 0))
             .astype(np.uint32)] for k in range(n)]


@pytest.mark.parametrize("options", [{}, {"clamping": True, "alternate_smoothing": 1000,
                                                  "alternate_one_minus_smoothing": 16384 - 1000, "smoothing_bits": 4}])
def test_spectral_subtraction_over_a_sequence_of_invokes(options):
    """The noise estimate carries over 24 realistic invocations and 8 full-range ones, reset before the 12th,
    24th and 36th (TFLM zeroes it in Reset), both outputs compared every time."""
    rng = np.random.default_rng(9)
    check(spectral_subtraction_model(16, **options), n=8, real=filter_bank_outputs(rng, 16, 24), reset_every=12)


def test_spectral_subtraction_wraps_as_tflm():
    """Coefficients that overflow the uint64 sum (smoothing -1, i.e. 2^32 - 1), no subtraction shift, the
    largest shifts, odd channel count."""
    check(spectral_subtraction_model(7, smoothing=-1, one_minus_smoothing=-1, alternate_smoothing=(1 << 32) - 1,
                                     alternate_one_minus_smoothing=3, smoothing_bits=31, min_signal_remaining=-1,
                                     spectral_subtraction_bits=0, clamping=True), n=21, reset_every=9)
    check(spectral_subtraction_model(5, spectral_subtraction_bits=63, smoothing=-100, min_signal_remaining=77777),
          n=20, reset_every=7)


# ---- SignalPCAN ----

def pcan_model(n: int, lut: np.ndarray, snr_shift: int) -> bytes:
    tensors = [TDesc((n,), "uint32", name="x"), TDesc((n,), "uint32", name="noise_estimate"),
               TDesc((len(lut),), "int16", data=lut, name="gain_lut"), TDesc((n,), "uint32", name="y")]
    return build_model(tensors, [OpDesc("CUSTOM:SignalPCAN", [0, 1, 2], [3], custom_options=flex(snr_shift=snr_shift))],
                       [0, 1], [3])


def test_pcan_with_tflm_style_gain_lut():
    """The LUT of strength 0.95, offset 80, gain bits 21 (snr_shift 6, as input correction 3 gives), on
    realistic energies and noise estimates and full-range ones (every octave of the LUT)."""
    lut = pcan_lut(input_bits=10 - 3)
    assert lut[0] > lut[40] > 0
    rng = np.random.default_rng(10)
    real = [[(rng.integers(0, 40000, 20)).astype(np.uint32), (rng.integers(0, 1 << 16, 20)).astype(np.uint32)]
            for _ in range(4)]
    check(pcan_model(20, lut, 21 - 3 - 12), n=8, real=real)


@pytest.mark.parametrize("snr_shift", [0, 63])
def test_pcan_with_a_random_lut(snr_shift):
    """int16 LUT entries over the whole range: negative gains (sign-extended to uint32), WideDynamicFunction's
    int16 wrap, the largest and smallest shifts."""
    lut = np.random.default_rng(11).integers(-32768, 32768, 130).astype(np.int16)
    check(pcan_model(9, lut, snr_shift), n=10)


# ---- the front end they make together ----

def front_end_model(fft: int = 256, channels: int = 16) -> bytes:
    """Energy over the filter bank's bins -> mel filter bank -> sqrt -> spectral subtraction -> PCAN (with the
    subtraction's noise estimate) -> log: TFLM's audio front end after the FFT."""
    bins = fft // 2 + 1
    t = mel_tables(bins, 16000, channels, 125.0, 7500.0)
    c = channels
    tensors = [TDesc((2 * bins,), "int16", name="spectrum"), TDesc((bins,), "uint32", name="energy"),
               *(TDesc((len(t[k]),), "int16", data=t[k], name=k)
                 for k in ("weights", "unweights", "freq_starts", "weight_starts", "widths")),
               TDesc((c,), "uint64", name="fb"), TDesc((), "int32", data=np.array(7, np.int32), name="scale_bits"),
               TDesc((c,), "uint32", name="amp"), TDesc((c,), "uint32", name="clean"),
               TDesc((c,), "uint32", name="noise"), TDesc((125,), "int16", data=pcan_lut(), name="gain_lut"),
               TDesc((c,), "uint32", name="pcan"), TDesc((c,), "int16", name="features")]
    ops = [OpDesc("CUSTOM:SignalEnergy", [0], [1], custom_options=flex(start_index=t["start"], end_index=t["end"])),
           OpDesc("CUSTOM:SignalFilterBank", [1, 2, 3, 4, 5, 6], [7], custom_options=flex(num_channels=c)),
           OpDesc("CUSTOM:SignalFilterBankSquareRoot", [7, 8], [9]),
           OpDesc("CUSTOM:SignalFilterBankSpectralSubtraction", [9], [10, 11], custom_options=flex(
               num_channels=c, smoothing=655, one_minus_smoothing=16384 - 655, alternate_smoothing=655,
               alternate_one_minus_smoothing=16384 - 655, smoothing_bits=10, min_signal_remaining=819,
               clamping=False, spectral_subtraction_bits=14)),
           OpDesc("CUSTOM:SignalPCAN", [10, 11, 12], [13], custom_options=flex(snr_shift=6)),
           OpDesc("CUSTOM:SignalFilterBankLog", [13], [14], custom_options=flex(input_correction_bits=3,
                                                                                   output_scale=1600))]
    return build_model(tensors, ops, [0], [14, 11])


def test_front_end_over_a_sequence_of_invokes():
    """The six ops in a row on speech-like spectra, 22 invocations (2 random), reset every 10: the features
    and the noise estimate, bit for bit. The energy's partial bin range only feeds the filter bank's bins."""
    real = spectra(np.random.default_rng(12), 129, 20)
    check(front_end_model(), n=2, real=real, reset_every=10)


def test_the_front_end_state_matters():
    """The same spectrum twice gives different features once the noise estimate has seen the first (so the
    sequence test compares something the state decides)."""
    m = front_end_model()
    (x,) = spectra(np.random.default_rng(13), 129, 1)[0]
    oracle = Oracle(m)
    first, second = oracle.run([x])[0], oracle.run([x])[0]
    assert not np.array_equal(first, second)
    oracle.reset()
    assert np.array_equal(oracle.run([x])[0], first)


# ---- refusals: what TFLM's Prepare refuses ----

def _refusals() -> list[tuple[str, bytes]]:
    t = mel_tables(65, 16000, 8, 125.0, 7500.0)
    lut = pcan_lut()
    fb_bad = build_model([TDesc((65,), "uint32", name="power"),
                          *(TDesc((len(t[k]),), "int16", data=t[k], name=k)
                            for k in ("weights", "unweights", "freq_starts", "weight_starts", "widths")),
                          TDesc((8,), "uint32", name="channels")],  # TFLM: uint64 output
                         [OpDesc("CUSTOM:SignalFilterBank", [0, 1, 2, 3, 4, 5], [6],
                                 custom_options=flex(num_channels=8))], [0], [6])
    return [
        ("SignalEnergy .*1-D", build_model(  # TFLM: rank-1 input
            [TDesc((2, 16), "int16", name="x"), TDesc((8,), "uint32", name="y")],
            [OpDesc("CUSTOM:SignalEnergy", [0], [1], custom_options=flex(start_index=0, end_index=8))], [0], [1])),
        ("SignalFilterBank .*output has type uint32", fb_bad),
        ("SignalFilterBankSquareRoot .*scalar", build_model(  # TFLM: a rank-0 scale_bits
            [TDesc((4,), "uint64", name="x"), TDesc((1,), "int32", data=np.array([3], np.int32), name="s"),
             TDesc((4,), "uint32", name="y")],
            [OpDesc("CUSTOM:SignalFilterBankSquareRoot", [0, 1], [2])], [0], [2])),
        ("SignalFilterBankLog .*output has type int32", build_model(  # TFLM: int16 output
            [TDesc((4,), "uint32", name="x"), TDesc((4,), "int32", name="y")],
            [OpDesc("CUSTOM:SignalFilterBankLog", [0], [1],
                    custom_options=flex(input_correction_bits=3, output_scale=1600))], [0], [1])),
        ("SignalFilterBankSpectralSubtraction .*expected 1 inputs and 2 outputs", build_model(  # TFLM: 2 outputs
            [TDesc((4,), "uint32", name="x"), TDesc((4,), "uint32", name="y")],
            [OpDesc("CUSTOM:SignalFilterBankSpectralSubtraction", [0], [1], custom_options=flex(
                num_channels=4, smoothing=655, one_minus_smoothing=16384 - 655, alternate_smoothing=655,
                alternate_one_minus_smoothing=16384 - 655, smoothing_bits=10, min_signal_remaining=819,
                clamping=False, spectral_subtraction_bits=14))], [0], [1])),
        ("SignalPCAN .*gain LUT has type int32", build_model(  # TFLM: int16 LUT
            [TDesc((4,), "uint32", name="x"), TDesc((4,), "uint32", name="n"),
             TDesc((125,), "int32", data=lut.astype(np.int32), name="lut"), TDesc((4,), "uint32", name="y")],
            [OpDesc("CUSTOM:SignalPCAN", [0, 1, 2], [3], custom_options=flex(snr_shift=6))], [0, 1], [3])),
    ]


@pytest.mark.parametrize("case", range(6))
def test_what_tflm_refuses_is_refused(case):
    """One model per op that TFLM's Prepare refuses (TFLM refuses it too, checked), refused with the op named."""
    match, m = _refusals()[case]
    with pytest.raises(TinyslmError):
        Oracle(m)
    with pytest.raises(UnsupportedError, match=match):
        analyze(m)


def test_options_must_be_exactly_tflms_keys():
    """TFLM reads the options by sorted position: an extra key would shift them, so it is refused by name."""
    m = log_model(4, 3, 1600)
    bad = build_model([TDesc((4,), "uint32", name="x"), TDesc((4,), "int16", name="log")],
                      [OpDesc("CUSTOM:SignalFilterBankLog", [0], [1], custom_options=flex(
                          input_correction_bits=3, output_scale=1600, a_gain=2))], [0], [1])
    analyze(m)
    with pytest.raises(UnsupportedError, match="unexpected \\['a_gain'\\]"):
        analyze(bad)
    with pytest.raises(UnsupportedError, match="option 'input_correction_bits' is 32"):
        analyze(log_model(4, 32, 1600))


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_front_end_on_a_cortex_m4_in_qemu(tmp_path):
    """The six ops' front end over 12 invocations in a row (the noise estimate carried) on an emulated
    Cortex-M4, features byte for byte with TFLM's."""
    pairs = on_qemu(front_end_model(fft=128, channels=10), "mps2-an386", "cortex-m-dsp", 12, tmp_path)
    assert len(pairs) == 12
    for ours, ref in pairs:
        assert ours.dtype == np.int16 and ours.tobytes() == ref.tobytes()


def test_tables_tflm_would_read_past_are_refused():
    """TFLM indexes the filter bank's tables without a check: a channel past the input is refused here."""
    t = mel_tables(65, 16000, 8, 125.0, 7500.0)
    analyze(filter_bank_model(t, 65))
    t["widths"] = t["widths"].copy()
    t["widths"][-1] += 64
    with pytest.raises(UnsupportedError, match="SignalFilterBank .*channel 8 reads input bins .* out of bounds"):
        analyze(filter_bank_model(t, 65))
