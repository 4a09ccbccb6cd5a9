"""Vocoder resynthesis of a spoken word: the same words, another excitation and a smoother envelope.

Statistical parametric synthesizers (HTS), LPC diphone voices and speech through codecs differ from
espeak-ng's formant synthesis mostly in two places: the *excitation* (impulse or pulse trains and noise
instead of espeak's glottal waveform, a hard voiced/unvoiced switch, breathiness) and the *spectral envelope*
(a low-order, over-smoothed envelope, smoothed over time as well). :func:`resynthesize` remakes a word so
that it varies exactly there and keeps what a keyword is made of (its spectral envelope over time, its pitch
and its frame energies).

Analysis (frames of ``WINDOW`` = 25 ms, Hann window :math:`w`, a random hop of 5..10 ms, on the signal
pre-emphasised by :math:`1 - 0.97 z^{-1}`):

* envelope, one of two kinds of random order :math:`p \\in [10, 24]`:

  - LPC: autocorrelation :math:`r_k` of the windowed frame, Levinson-Durbin gives :math:`A(z) = 1 +
    \\sum_{i=1}^{p} a_i z^{-i}` and the prediction error :math:`E`; :math:`\\log |H(f)| = \\tfrac12 \\log E -
    \\log |A(e^{j 2 \\pi f})|`;
  - cepstral: the real cepstrum :math:`c_n` of :math:`\\log |X(f)|`, liftered to :math:`|n| \\le p`;

* envelope smoothness: the cepstrum of :math:`\\log|H|` weighted by :math:`\\gamma^{|n|}`, :math:`\\gamma \\in [0.9,
  1.03]` (below 1 broader formants, as a low-order or over-smoothed model; above 1 sharper, as a postfilter);
  for an LPC envelope this is the bandwidth change :math:`a_i \\to \\gamma^i a_i`;
* parametric over-smoothing in time: a moving average of :math:`\\log|H|` over 1, 3, 5 or 7 frames;
* F0 and voicing from the normalised autocorrelation of a 40 ms frame, divided by the window's own
  (:math:`\\rho(\\tau) = \\frac{r_x(\\tau)/r_x(0)}{r_w(\\tau)/r_w(0)}`, lags 60..400 Hz): voiced where its peak
  exceeds ``VOICING`` and the frame is within 35 dB of the loudest; F0 = rate / the peak's lag, a 3-frame
  median removes single-frame octave jumps.

Synthesis: an excitation :math:`e[n]`: voiced frames a pulse train at F0 (each period's length times
:math:`1 + \\mathcal N(0, \\sigma_j^2)`, jitter :math:`\\sigma_j \\in [0, 0.03]`; pulses of height
:math:`\\sqrt{T_0}`, so unit power, through a one-pole glottal low-pass :math:`(1-t)/(1 - t z^{-1})`,
:math:`t \\in [-0.3, 0.7]`, below 0 a brighter source) mixed with a share :math:`b \\in [0, 0.3]` of white
noise power (breathiness); unvoiced frames white noise. Each frame's excitation (with 16 ms of lead-in, so
the filter is warmed up) goes through the minimum-phase filter of its envelope (:math:`\\hat c_0 = c_0`,
:math:`\\hat c_n = 2 c_n` for :math:`0 < n < N/2`, :math:`H_{min} = \\exp(\\mathrm{FFT}(\\hat c))`), is
windowed by :math:`w`, scaled to the energy of the original windowed frame, and overlap-added (divided by
:math:`\\sum_k w(n - kH)`); de-emphasis, then the whole word is set to the input's RMS. Same length, same
level, every draw from the caller's generator: a pure function of (x, rng state).

>>> rng = np.random.default_rng(0)
>>> t = np.arange(8000) / 16000
>>> x = np.sin(2 * np.pi * 120 * t) * np.hanning(8000) + 0.01 * rng.standard_normal(8000)
>>> y = resynthesize(x, np.random.default_rng(1))
>>> y.shape == x.shape, bool(np.isclose(np.sqrt(np.mean(y ** 2)), np.sqrt(np.mean(x ** 2)))), bool(np.allclose(x, y))
(True, True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_S = 0.025  # analysis/synthesis frame
PITCH_WINDOW_S = 0.040  # F0 analysis frame (two periods at 60 Hz)
F0_RANGE = (60.0, 400.0)
VOICING = 0.45  # normalised autocorrelation peak above which a frame is voiced
SILENCE_DB = -35.0  # frames this far below the loudest one are unvoiced
PRE_EMPHASIS = 0.97
NFFT = 1024
LEAD_IN = 256  # samples of excitation before each frame (filter warm-up)
ENVELOPES = ("lpc", "cepstrum")


@dataclass(frozen=True)
class VocoderParams:
    """One resynthesis' random choices (:meth:`draw`)."""

    envelope: str  # "lpc" | "cepstrum"
    order: int  # LPC order or cepstral lifter
    hop: int  # samples between frames
    smooth: int  # frames in the moving average of the log envelope over time (1: none)
    gamma: float  # cepstral weight gamma**n of the envelope: < 1 broader formants (smoother), > 1 sharper
    jitter: float  # standard deviation of each pitch period's relative length change
    tilt: float  # one-pole low-pass coefficient of the glottal pulse (0: impulses)
    breath: float  # share of noise power in voiced frames

    @classmethod
    def draw(cls, rng: np.random.Generator, rate: float = 16000.0) -> VocoderParams:
        return cls(envelope=str(rng.choice(ENVELOPES)), order=int(rng.integers(10, 25)),
                   hop=int(rng.integers(int(0.005 * rate), int(0.010 * rate) + 1)),
                   smooth=int(rng.choice((1, 3, 5, 7))), gamma=float(rng.uniform(0.9, 1.03)),
                   jitter=float(rng.uniform(0.0, 0.03)), tilt=float(rng.uniform(-0.3, 0.7)),
                   breath=float(rng.uniform(0.0, 0.3)))


def _frames(x: np.ndarray, win: int, hop: int, count: int) -> np.ndarray:
    """(count, win) frames centred on k * hop (zeros outside x)."""
    xp = np.concatenate([np.zeros(win // 2), x, np.zeros(win + count * hop)])
    idx = np.arange(count)[:, None] * hop + np.arange(win)[None, :]
    return xp[idx]


def lpc(frames: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Levinson-Durbin on each row's autocorrelation: (a (K, order+1) with a[:, 0] = 1, prediction error (K,))."""
    nfft = max(NFFT, 1 << int(np.ceil(np.log2(2 * frames.shape[1]))))  # no circular wrap of the lags
    r = np.fft.irfft(np.abs(np.fft.rfft(frames, nfft)) ** 2, nfft)[:, :order + 1]
    r[:, 0] = r[:, 0] * (1.0 + 1e-6) + 1e-12  # white-noise correction: a stable, finite solution on silence
    a = np.zeros((frames.shape[0], order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = r[:, i] + np.sum(a[:, 1:i] * r[:, i - 1:0:-1], axis=1)
        k = -acc / err
        a[:, 1:i] = a[:, 1:i] + k[:, None] * a[:, i - 1:0:-1]
        a[:, i] = k
        err = err * (1.0 - k ** 2)
    return a, np.maximum(err, 1e-15)


def log_envelope(frames: np.ndarray, kind: str, order: int) -> np.ndarray:
    """Natural-log magnitude envelope (K, NFFT//2 + 1) of windowed frames."""
    if kind == "lpc":
        a, err = lpc(frames, order)
        return 0.5 * np.log(err)[:, None] - np.log(np.maximum(np.abs(np.fft.rfft(a, NFFT)), 1e-9))
    if kind == "cepstrum":
        logmag = np.log(np.maximum(np.abs(np.fft.rfft(frames, NFFT)), 1e-9))
        c = np.fft.irfft(logmag, NFFT)
        c[:, order + 1:NFFT - order] = 0.0
        return np.fft.rfft(c, NFFT).real
    raise ValueError(f"unknown envelope {kind!r} (use one of {ENVELOPES})")


def min_phase(log_mag: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Minimum-phase frequency responses (K, NFFT//2 + 1) with the given log magnitudes (folded cepstrum), the
    cepstrum weighted by gamma**n first (for LPC the same as the bandwidth change a_i -> gamma**i a_i)."""
    c = np.fft.irfft(log_mag, NFFT)
    n = np.minimum(np.arange(NFFT), NFFT - np.arange(NFFT))
    c = c * gamma ** np.minimum(n, 64)
    fold = np.zeros_like(c)
    fold[:, 0] = c[:, 0]
    fold[:, 1:NFFT // 2] = 2.0 * c[:, 1:NFFT // 2]
    fold[:, NFFT // 2] = c[:, NFFT // 2]
    return np.exp(np.fft.rfft(fold, NFFT))


def pitch_track(x: np.ndarray, rate: float, hop: int, count: int) -> np.ndarray:
    """F0 in Hz at frame centres k * hop (0: unvoiced)."""
    from scipy.signal import medfilt

    win = round(PITCH_WINDOW_S * rate)
    w = np.hanning(win)
    fr = _frames(x, win, hop, count) * w
    n = 2 * win
    r = np.fft.irfft(np.abs(np.fft.rfft(fr, n)) ** 2, n)
    rw = np.fft.irfft(np.abs(np.fft.rfft(w, n)) ** 2, n)
    lo, hi = int(np.floor(rate / F0_RANGE[1])), int(np.ceil(rate / F0_RANGE[0]))
    hi = min(hi, win - 1)
    rho = (r[:, lo:hi + 1] / np.maximum(r[:, :1], 1e-20)) / (rw[lo:hi + 1] / rw[0])
    lag = lo + np.argmax(rho, axis=1)
    peak = rho[np.arange(count), lag - lo]
    energy = r[:, 0]
    loud = energy > energy.max() * 10 ** (SILENCE_DB / 10) if energy.max() > 0 else np.zeros(count, bool)
    f0 = np.where((peak > VOICING) & loud, rate / lag, 0.0)
    smooth = medfilt(f0, 3)
    return np.where((f0 > 0) & (smooth > 0), smooth, f0)


def excitation(f0_frames: np.ndarray, hop: int, n: int, p: VocoderParams, rng: np.random.Generator,
               rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(voiced, unvoiced) excitations of n samples: a jittered pulse train at F0 (through the glottal low-pass,
    mixed with noise) and white noise, both of about unit power."""
    from scipy.signal import lfilter

    noise = rng.standard_normal(n)
    pulses = np.zeros(n)
    voiced = np.flatnonzero(f0_frames > 0)
    if voiced.size:
        centres = voiced * hop
        t = 0.0  # F0 held at its first/last voiced value outside the voiced frames (np.interp)
        while t < n:
            period = rate / float(np.interp(t, centres, f0_frames[voiced]))
            pulses[int(t)] = np.sqrt(period)
            t += period * max(0.5, 1.0 + p.jitter * float(rng.standard_normal()))
        pulses = lfilter([1.0 - p.tilt], [1.0, -p.tilt], pulses)
        pulses = pulses / np.sqrt(max(float(np.mean(pulses ** 2)), 1e-20))
    mixed = np.sqrt(1.0 - p.breath) * pulses + np.sqrt(p.breath) * noise
    return mixed, noise


def resynthesize(x: np.ndarray, rng: np.random.Generator, rate: float = 16000.0,
                 params: VocoderParams | None = None) -> np.ndarray:
    """`x` (float mono) remade by a random vocoder (module docstring): same length, same RMS."""
    from scipy.signal import lfilter

    x = np.asarray(x, dtype=np.float64)
    n = x.size
    rms = float(np.sqrt(np.mean(x ** 2))) if n else 0.0
    if n == 0 or rms == 0.0:
        return x.copy()
    p = params or VocoderParams.draw(rng, rate)
    win = round(WINDOW_S * rate)
    count = 1 + (n - 1) // p.hop + 1
    w = np.hanning(win)
    xe = lfilter([1.0, -PRE_EMPHASIS], [1.0], x)
    fr = _frames(xe, win, p.hop, count) * w
    env = log_envelope(fr, p.envelope, p.order)
    if p.smooth > 1:
        from scipy.ndimage import uniform_filter1d

        env = uniform_filter1d(env, p.smooth, axis=0, mode="nearest")
    h = min_phase(env, p.gamma)
    f0 = pitch_track(x, rate, p.hop, count)
    voiced_exc, noise_exc = excitation(f0, p.hop, n + win, p, rng, rate)
    # excitation segments: LEAD_IN samples before each frame's start, then the frame
    pad = LEAD_IN + win // 2
    ev = np.concatenate([np.zeros(pad), voiced_exc, np.zeros(win + count * p.hop)])
    eu = np.concatenate([np.zeros(pad), noise_exc, np.zeros(win + count * p.hop)])
    idx = np.arange(count)[:, None] * p.hop + np.arange(LEAD_IN + win)[None, :]
    seg = np.where((f0 > 0)[:, None], ev[idx], eu[idx])
    y = np.fft.irfft(np.fft.rfft(seg, NFFT) * h, NFFT)[:, LEAD_IN:LEAD_IN + win] * w
    target = np.sum(fr ** 2, axis=1)
    have = np.sum(y ** 2, axis=1)
    y *= np.sqrt(target / np.maximum(have, 1e-30))[:, None]
    out = np.zeros(count * p.hop + win)
    norm = np.zeros_like(out)
    for k in range(count):
        out[k * p.hop:k * p.hop + win] += y[k]
        norm[k * p.hop:k * p.hop + win] += w
    out = (out / np.maximum(norm, 1e-3))[win // 2:win // 2 + n]
    out = lfilter([1.0], [1.0, -PRE_EMPHASIS], out)
    return out * (rms / max(float(np.sqrt(np.mean(out ** 2))), 1e-20))
