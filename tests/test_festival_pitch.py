"""Festival's diphone voices at several target pitches (issue 17: more voices from the training engines);
the held-out engine keeps its one voice."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.data.festival import PITCHES, FestivalTable, engine_available, synthesize_words

pytestmark = pytest.mark.skipif(not engine_available("festival-diphone"),
                                reason="needs festival with festvox-kallpc16k and festvox-kdlpc16k (.ci/setup)")


def _f0(x: np.ndarray, rate: int) -> float:
    """F0 in Hz of the loudest 40 ms (autocorrelation peak between 50 and 400 Hz)."""
    n = int(0.04 * rate)
    i = int(np.argmax(np.convolve(x * x, np.ones(n), "same")))
    seg = x[max(0, i - n // 2):i + n // 2]
    ac = np.correlate(seg, seg, "full")[len(seg) - 1:]
    lo, hi = rate // 400, rate // 50
    return rate / (lo + int(np.argmax(ac[lo:hi])))


def test_target_f0_moves_the_pitch():
    own = synthesize_words("kal_diphone", ["go"], stretches=(1.0,))[("go", 1.0)]
    high = synthesize_words("kal_diphone", ["go"], stretches=(1.0,), f0=200.0)[("go", 1.0)]
    f_own, f_high = _f0(own[1], own[0]), _f0(high[1], high[0])
    assert 80 < f_own < 140, f_own  # kal's own voice: about 105 Hz
    assert f_high > 1.5 * f_own, (f_own, f_high)


def test_table_holds_every_pitch_of_the_diphone_engine(tmp_path):
    assert len(PITCHES["festival-diphone"]) > 1 and PITCHES["festival-hts"] == (0.0,)
    table = FestivalTable.build("festival-diphone", ["up"], tmp_path / "t.npz")
    for voice in ("kal_diphone", "ked_diphone"):
        clips = [table.get(voice, "up", 1.0, f0)[1] for f0 in PITCHES["festival-diphone"]]
        assert all(c.size > 1000 for c in clips)
        assert not any(a.shape == b.shape and np.allclose(a, b) for i, a in enumerate(clips) for b in clips[i + 1:])
