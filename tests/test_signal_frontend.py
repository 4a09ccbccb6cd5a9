"""A whole audio front end built from TFLM's signal ops, as TFLM's own audio preprocessor lays it out:
int16 samples of one 30 ms frame -> Hann window (Q12) -> FFT auto-scale -> 512-point RFFT -> energy -> 40-channel
mel filter bank -> square root (undoing the auto-scale) -> spectral subtraction (noise estimate: state) -> PCAN
-> log -> int16 features. Compiled and checked against TFLM over a sequence of frames with resets on the host,
and on an emulated Cortex-M4 and Cortex-M0 (the micro:bit's 16 KB of RAM) over the serial protocol."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from test_signal_filter_bank import mel_tables, pcan_lut
from tflbuild import OpDesc, TDesc, build_model, flex

from tinyslm.compiler import analyze
from tinyslm.runners.verify import verify_host

FRAME, FFT, CHANNELS = 480, 512, 40
NO_ARM = shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None


def front_end() -> bytes:
    bins = FFT // 2 + 1
    hann = np.round(4096 * (0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(FRAME) + 0.5) / FRAME))).astype(np.int16)
    t = mel_tables(bins, 16000, CHANNELS, 125.0, 7500.0)
    tensors = [TDesc((FRAME,), "int16", name="samples"), TDesc((FRAME,), "int16", data=hann, name="hann"),
               TDesc((FRAME,), "int16", name="windowed"), TDesc((FRAME,), "int16", name="scaled"),
               TDesc((), "int32", name="scale_bits"), TDesc((2 * bins,), "int16", name="spectrum"),
               TDesc((bins,), "uint32", name="energy"),
               *(TDesc((len(t[k]),), "int16", data=t[k], name=k)
                 for k in ("weights", "unweights", "freq_starts", "weight_starts", "widths")),
               TDesc((CHANNELS,), "uint64", name="filter_bank"), TDesc((CHANNELS,), "uint32", name="amplitude"),
               TDesc((CHANNELS,), "uint32", name="cleaned"), TDesc((CHANNELS,), "uint32", name="noise"),
               TDesc((125,), "int16", data=pcan_lut(), name="gain_lut"), TDesc((CHANNELS,), "uint32", name="pcan"),
               TDesc((CHANNELS,), "int16", name="features")]
    ops = [OpDesc("CUSTOM:SignalWindow", [0, 1], [2], custom_options=flex(shift=12)),
           OpDesc("CUSTOM:SignalFftAutoScale", [2], [3, 4]),
           OpDesc("CUSTOM:SignalRfft", [3], [5], custom_options=flex(T=7, fft_length=FFT)),
           OpDesc("CUSTOM:SignalEnergy", [5], [6], custom_options=flex(start_index=t["start"], end_index=t["end"])),
           OpDesc("CUSTOM:SignalFilterBank", [6, 7, 8, 9, 10, 11], [12], custom_options=flex(num_channels=CHANNELS)),
           OpDesc("CUSTOM:SignalFilterBankSquareRoot", [12, 4], [13]),
           OpDesc("CUSTOM:SignalFilterBankSpectralSubtraction", [13], [14, 15], custom_options=flex(
               num_channels=CHANNELS, smoothing=655, one_minus_smoothing=16384 - 655, alternate_smoothing=655,
               alternate_one_minus_smoothing=16384 - 655, smoothing_bits=10, min_signal_remaining=819,
               clamping=False, spectral_subtraction_bits=14)),
           OpDesc("CUSTOM:SignalPCAN", [14, 15, 16], [17], custom_options=flex(snr_shift=6)),
           OpDesc("CUSTOM:SignalFilterBankLog", [17], [18], custom_options=flex(input_correction_bits=3,
                                                                                   output_scale=1600))]
    return build_model(tensors, ops, [0], [18])


def speech_frames(n: int, seed: int = 3) -> list[list[np.ndarray]]:
    """Consecutive 30 ms frames (10 ms hop) of a voiced, gliding, noisy signal that grows louder and then falls
    silent, so that the noise estimate moves both ways."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        t = (np.arange(FRAME) + 160 * k) / 16000
        level = 9000 * min(1.0, k / 8) if k < n - 4 else 40.0
        x = level * (np.sin(2 * np.pi * (180 + 40 * k) * t) + 0.4 * np.sin(2 * np.pi * 2300 * t))
        x += rng.normal(0, 150, FRAME)
        out.append([np.clip(np.round(x), -32768, 32767).astype(np.int16)])
    return out


def test_front_end_compiles_to_one_kernel_per_op():
    g, plan = analyze(front_end())
    assert [s.func for s in plan.steps] == [
        "tslm_signal_window_s16", "tslm_signal_fft_auto_scale_s16", "tslm_signal_rfft_s16", "tslm_signal_energy_u32",
        "tslm_signal_filter_bank_u32", "tslm_signal_filter_bank_sqrt_u32",
        "tslm_signal_spectral_subtraction_u32", "tslm_signal_pcan_u32", "tslm_signal_filter_bank_log_u32"]
    assert plan.state_bytes > 0  # the noise estimate


def test_front_end_bit_exact_over_frames_with_resets():
    """24 speech frames and 4 random ones, a reset every 12: every feature vector byte for byte with TFLM
    (host, ASan/UBSan). The features are not all alike (they would be if, say, the FFT gave zeros)."""
    frames = speech_frames(24)
    report = verify_host(front_end(), n_inputs=4, seed=5, sanitize=True, real_inputs=frames, reset_every=12)
    assert report.ok, report.lines()
    from tinyslm.runners.oracle import Oracle

    o = Oracle(front_end())
    feats = {o.run(f)[0].tobytes() for f in frames[:12]}
    assert len(feats) == 12


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("board", ["mps2-an386", "microbit"])
def test_front_end_on_a_cortex_m4_and_m0(board, tmp_path):
    """The firmware on the emulated board over the serial protocol: device = host C = TFLM on 10 frames in a row
    (the noise estimate carried from frame to frame on all three)."""
    from tinyslm.device.verify import verify_on_device

    report = verify_on_device(front_end(), board, n_inputs=0, work=tmp_path, real_inputs=speech_frames(10))
    assert report.ok, report.lines()
