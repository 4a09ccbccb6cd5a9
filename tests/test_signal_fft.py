"""TFLM's signal library FFT ops (SignalRfft, SignalIrfft, SignalFftAutoScale): hand-built models against
the TFLM oracle (its KissFFT), byte for byte, on the host under ASan/UBSan; one sample in QEMU."""

from __future__ import annotations

import numpy as np
import pytest
from test_stateful import NO_ARM, on_qemu
from tflbuild import OpDesc, TDesc, build_model, flex

from tinyslm.compiler import analyze
from tinyslm.compiler.ops.signal_fft import kiss_factors, twiddle_table
from tinyslm.errors import UnsupportedError
from tinyslm.runners.verify import verify_host

TYPE_NUMBER = {"int16": 7, "int32": 2, "float32": 0}


def audio(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, n: int) -> list[list[np.ndarray]]:
    """n input sets of speech-like frames: a Hann-windowed loud sine plus noise, in the op's type."""
    out = []
    for k in range(n):
        t = np.arange(shape[-1])
        window = 0.5 - 0.5 * np.cos(2 * np.pi * t / shape[-1])
        x = (np.sin(t * (0.07 + 0.05 * k))[None, :] + rng.normal(0, 0.06, shape)) * window
        if dtype == "float32":
            out.append([x.astype(np.float32).reshape(shape)])
        else:
            top = 12000 if dtype == "int16" else 12000 << 16
            out.append([np.clip(x * top, np.iinfo(dtype).min, np.iinfo(dtype).max).astype(dtype).reshape(shape)])
    return out


def spectra(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, n: int, fft_length: int) -> list[list[np.ndarray]]:
    """n input sets of realistic spectra: numpy's rfft of windowed audio, in the op's type and scale."""
    frames = audio(rng, shape[:-1] + (fft_length,), "float32", n)
    out = []
    for (x,) in frames:
        z = np.fft.rfft(x.astype(np.float64), axis=-1)
        pad = shape[-1] // 2 - z.shape[-1]
        z = np.concatenate([z, np.zeros(z.shape[:-1] + (pad,))], axis=-1)
        v = np.stack([z.real, z.imag], axis=-1).reshape(shape)
        if dtype == "float32":
            out.append([v.astype(np.float32)])
        else:
            top = (1 << 15) if dtype == "int16" else (1 << 31)
            v = v * (0.5 * top / max(1e-9, np.abs(v).max()))
            out.append([np.clip(np.round(v), -top, top - 1).astype(dtype)])
    return out


def rfft_model(dtype: str, shape: tuple[int, ...], fft_length: int, out_bins: int | None = None,
               t_option: int | None = None) -> bytes:
    bins = fft_length // 2 + 1 if out_bins is None else out_bins
    return build_model([TDesc(shape, dtype, name="x"), TDesc(shape[:-1] + (2 * bins,), dtype, name="y")],
                       [OpDesc("CUSTOM:SignalRfft", [0], [1], custom_options=flex(
                           T=TYPE_NUMBER[dtype] if t_option is None else t_option, fft_length=fft_length))],
                       [0], [1])


def irfft_model(dtype: str, rows: tuple[int, ...], in_bins: int, fft_length: int) -> bytes:
    return build_model([TDesc(rows + (2 * in_bins,), dtype, name="x"), TDesc(rows + (fft_length,), dtype, name="y")],
                       [OpDesc("CUSTOM:SignalIrfft", [0], [1],
                               custom_options=flex(T=TYPE_NUMBER[dtype], fft_length=fft_length))], [0], [1])


def auto_scale_model(n: int, out_n: int | None = None, scale_shape: tuple[int, ...] = ()) -> bytes:
    return build_model([TDesc((n,), "int16", name="x"), TDesc((n if out_n is None else out_n,), "int16", name="y"),
                        TDesc(scale_shape, "int32", name="scale_bits")],
                       [OpDesc("CUSTOM:SignalFftAutoScale", [0], [1, 2])], [0], [1, 2])


def test_an_rfft_and_an_irfft_of_one_length_share_one_table():
    from tinyslm.compiler.lowering import Call

    m = build_model([TDesc((480,), "int16"), TDesc((482,), "int16"), TDesc((480,), "int16")],
                    [OpDesc("CUSTOM:SignalRfft", [0], [1], custom_options=flex(T=7, fft_length=480)),
                     OpDesc("CUSTOM:SignalIrfft", [1], [2], custom_options=flex(T=7, fft_length=480))], [0], [2])
    _, plan = analyze(m)
    calls = [s for s in plan.steps if isinstance(s, Call)]
    assert [c.params.conj for c in calls] == [0, 1]
    assert np.array_equal(calls[0].consts[0].values, calls[1].consts[0].values)
    report = verify_host(m, n_inputs=3, seed=11, sanitize=True)
    assert report.ok, report.lines()


@pytest.mark.parametrize("dtype", ["int16", "int32"])
def test_an_irfft_whose_inverse_twiddles_are_not_the_conjugates(dtype):
    """fft_length 600: KissFFT's floor(0.5 + MAX sin) rounds some inverse twiddle otherwise than minus the
    forward one, so the irfft keeps its own table (conj 0), and is still bit-exact."""
    from tinyslm.compiler.lowering import Call

    m = irfft_model(dtype, (1,), 301, 600)
    _, plan = analyze(m)
    assert [s.params.conj for s in plan.steps if isinstance(s, Call)] == [0]
    report = verify_host(m, n_inputs=3, seed=12, sanitize=True,
                         real_inputs=spectra(np.random.default_rng(13), (1, 602), dtype, 2, 600))
    assert report.ok, report.lines()


def test_kiss_factorisation_and_tables():
    """Radix 4 first, then 2 (KissFFT's order); the fixed-point twiddles are KissFFT's floor(0.5 + MAX cos)."""
    assert kiss_factors(32) == [(4, 8), (4, 2), (2, 1)]
    assert kiss_factors(60) == [(4, 15), (3, 5), (5, 1)]
    t = twiddle_table("int16", 8, inverse=False)  # n = 4: angles 0, -pi/2, -pi, -3pi/2, then 2 split twiddles
    assert t[:8].tolist() == [32767, 0, 0, -32767, -32767, 0, 0, 32767]
    assert t[8:].tolist() == [-23170, -23170, -32767, 0]
    assert twiddle_table("int16", 8, inverse=True)[:4].tolist() == [32767, 0, 0, 32767]


# fft lengths x row shapes x input lengths (shorter rows are zero-padded by TFLM)
RFFT_CASES = [((8,), 8), ((3, 16), 16), ((2, 61), 64), ((2, 2, 256), 256), ((480,), 512), ((4,), 4),
              ((2, 480), 480), ((400,), 400), ((1, 5), 6)]  # the last: radix-3/5 stages (n = 240, 200, 3)


@pytest.mark.parametrize("dtype", ["int16", "int32", "float32"])
@pytest.mark.parametrize("shape,fft_length", RFFT_CASES)
def test_rfft(dtype, shape, fft_length):
    report = verify_host(rfft_model(dtype, shape, fft_length), n_inputs=4, seed=1, sanitize=True,
                         real_inputs=audio(np.random.default_rng(2), shape, dtype, 3))
    assert report.ok, report.lines()


IRFFT_CASES = [((1,), 5, 8), ((3,), 9, 16), ((2,), 34, 64), ((2, 2), 129, 256), ((1,), 257, 512), ((2,), 3, 4),
               ((2,), 241, 480), ((1,), 201, 400), ((1,), 4, 6)]


@pytest.mark.parametrize("dtype", ["int16", "int32", "float32"])
@pytest.mark.parametrize("rows,in_bins,fft_length", IRFFT_CASES)
def test_irfft(dtype, rows, in_bins, fft_length):
    shape = rows + (2 * in_bins,)
    report = verify_host(irfft_model(dtype, rows, in_bins, fft_length), n_inputs=4, seed=3, sanitize=True,
                         real_inputs=spectra(np.random.default_rng(4), shape, dtype, 3, fft_length))
    assert report.ok, report.lines()


def test_fft_auto_scale():
    """Random full-range samples, quiet audio (shifted up), silence, and TFLM's MaxAbs16 quirk with -32768."""
    rng = np.random.default_rng(5)
    quiet = [[(x // 64).astype(np.int16)] for (x,) in audio(rng, (96,), "int16", 3)]
    edge = [np.zeros(96, np.int16), np.full(96, 1, np.int16), np.r_[np.int16(-32768), np.full(95, 3, np.int16)],
            np.r_[np.full(50, 7, np.int16), np.int16(-32768), np.full(45, -9, np.int16)],
            np.r_[np.int16(-32768), np.full(95, -32768, np.int16)], np.full(96, -1, np.int16)]
    report = verify_host(auto_scale_model(96), n_inputs=4, seed=6, sanitize=True,
                         real_inputs=quiet + [[e] for e in edge])
    assert report.ok, report.lines()


def test_fft_auto_scale_with_a_shorter_output():
    """TFLM scales as many samples as its output holds."""
    report = verify_host(auto_scale_model(40, out_n=32), n_inputs=3, seed=7, sanitize=True,
                         real_inputs=[[(x // 256).astype(np.int16)] for (x,) in audio(np.random.default_rng(8), (40,), "int16", 2)])
    assert report.ok, report.lines()


def test_refusals():
    """What TFLM's Prepare refuses (a type other than option T's, a rank differing, a non-scalar scale) and
    what TFLM crashes on (odd lengths, stages of a radix other than 2-5) are refused, naming the op and why."""
    with pytest.raises(UnsupportedError, match="SignalRfft .*input has type int16; this op supports int32"):
        analyze(rfft_model("int16", (16,), 16, t_option=2))
    with pytest.raises(UnsupportedError, match="SignalRfft .*fft_length 15 is not supported.*even length"):
        analyze(rfft_model("int16", (15,), 15))
    for n in (14, 2):  # a radix-7 stage, and n = 1: KissFFT's generic butterfly (TFLM crashes on both)
        with pytest.raises(UnsupportedError, match=f"SignalRfft .*fft_length {n}: KissFFT would need a radix-"):
            analyze(rfft_model("int16", (n,), n))
    with pytest.raises(UnsupportedError, match="SignalRfft .*must be 1..16 samples"):
        analyze(rfft_model("int16", (20,), 16))
    extra = build_model([TDesc((8,), "int16"), TDesc((10,), "int16")], [OpDesc(
        "CUSTOM:SignalRfft", [0], [1], custom_options=flex(T=7, fft_length=8, alpha=1))], [0], [1])
    with pytest.raises(UnsupportedError, match="SignalRfft .*TFLM reads fft_length as the second key"):
        analyze(extra)
    with pytest.raises(UnsupportedError, match="SignalIrfft .*at least the 9 bins"):
        analyze(irfft_model("float32", (2,), 8, 16))
    with pytest.raises(UnsupportedError, match="SignalFftAutoScale .*scalar scale"):
        analyze(auto_scale_model(16, scale_shape=(1,)))


@pytest.mark.parametrize("dtype", ["int16", "int32"])
def test_full_scale_inputs_wrap_as_tflm_does(dtype):
    """Full-scale cosines, square waves and constants: the fixed-point sums overflow, and wrap as TFLM's
    KissFFT build wraps them (int32's halved split sums wrap to 32 bits before the shift)."""
    n, info = 64, np.iinfo(dtype)
    t = np.arange(n)
    frames = [np.full(n, info.max), np.full(n, info.min)]
    for k in (1, 5, 16, 31, 32):
        frames += [info.max * np.cos(2 * np.pi * k * t / n), info.max * np.sign(np.cos(2 * np.pi * k * t / n + 0.1))]
    inputs = [[np.clip(np.round(f), info.min, info.max).astype(dtype)[None]] for f in frames]
    report = verify_host(rfft_model(dtype, (1, n), n), n_inputs=0, sanitize=True, real_inputs=inputs)
    assert report.ok, report.lines()
    bins = n // 2 + 1
    spectra_ = [np.full(2 * bins, info.max), np.full(2 * bins, info.min), np.tile([info.max, info.min], bins),
                np.tile([info.min, info.max], bins)]
    report = verify_host(irfft_model(dtype, (1,), bins, n), n_inputs=0, sanitize=True,
                         real_inputs=[[s.astype(dtype)[None]] for s in spectra_])
    assert report.ok, report.lines()


def chain_model(n: int = 64) -> bytes:
    """SignalFftAutoScale -> SignalRfft -> SignalIrfft, int16: the three kernels in one model."""
    bins = n // 2 + 1
    return build_model([TDesc((n,), "int16", name="x"), TDesc((n,), "int16", name="scaled"),
                        TDesc((), "int32", name="scale_bits"), TDesc((2 * bins,), "int16", name="spectrum"),
                        TDesc((n,), "int16", name="y")],
                       [OpDesc("CUSTOM:SignalFftAutoScale", [0], [1, 2]),
                        OpDesc("CUSTOM:SignalRfft", [1], [3], custom_options=flex(T=7, fft_length=n)),
                        OpDesc("CUSTOM:SignalIrfft", [3], [4], custom_options=flex(T=7, fft_length=n))], [0], [4])


@pytest.mark.skipif(NO_ARM, reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("case", ["int16 chain", "float32 rfft"])
def test_on_a_cortex_m4_in_qemu(case, tmp_path):
    """The kernels built for an emulated Cortex-M4 (float32 on its FPU): the same bytes as TFLM."""
    m = chain_model() if case == "int16 chain" else rfft_model("float32", (2, 60), 64)
    pairs = on_qemu(m, "mps2-an386", "cortex-m-dsp", 3, tmp_path)
    assert len(pairs) == 3
    for ours, ref in pairs:
        assert ours.size and ours.tobytes() == ref.tobytes()


def test_chain_on_the_host():
    report = verify_host(chain_model(), n_inputs=3, seed=9, sanitize=True,
                         real_inputs=audio(np.random.default_rng(10), (64,), "int16", 2))
    assert report.ok, report.lines()
