"""The Cortex-M DSP SOFTMAX's reciprocal (tslm_dsp_softmax.c, reciprocal()) takes each Newton step's
SaturatingRoundingMultiplyByPOT<2>(m) of the correction m = SRDHM(x, 1 - d x) as a plain m << 2 (one ADD with
LSL #2): exact while |m| < 2^29. This checks it over every half denominator d in [2^30, 2^31) (every sum's,
whatever the row), the steps computed as the kernel computes them (UMULL rounding, SMMULR) with the shift
unsaturated (were it ever to saturate, the assertion fires first). A few minutes with numpy:
`python tests/softmax_newton_bound.py` (not a pytest test; tests/c/softmax_reciprocal_check.c compares the
kernel's reciprocal with the portable one on many sums). It printed: largest |m| 14861479 (< 2^29), x in
[535013226, 1073741824] (x reaches 2^30 at d = 2^30: the final doubling keeps its QADD)."""

from __future__ import annotations


def main() -> None:
    import numpy as np

    maxm, minx, maxx = 0, 1 << 40, 0
    chunk = 1 << 24
    for lo in range(1 << 30, 1 << 31, chunk):
        hd = np.arange(lo, lo + chunk, dtype=np.int64)
        x = 1515870810 + ((hd * -2021161080 + (1 << 31)) >> 32)  # 48/17 - 32/17 d (SRDHM by -32/17)
        for _ in range(3):
            dx = (2 * hd * x + (1 << 31)) >> 32  # SRDHM(d, x)
            om = (1 << 29) - dx
            assert np.all(np.abs(2 * om) < (1 << 31))
            m = (x * (2 * om) + (1 << 31)) >> 32  # SRDHM(x, 1 - d x)
            maxm = max(maxm, int(np.abs(m).max()))
            assert maxm < (1 << 29)
            x = x + 4 * m
            minx, maxx = min(minx, int(x.min())), max(maxx, int(x.max()))
    assert 0 < minx and maxx < (1 << 31)
    print(f"largest |m| {maxm} (< 2^29), x in [{minx}, {maxx}]")


if __name__ == "__main__":
    main()
