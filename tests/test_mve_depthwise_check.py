"""The Helium depthwise kernels with the compiler's layout against the portable kernel on random shapes at the
extremes, in QEMU on the Cortex-M55, speed (-O2) and size (-Os) builds: tests/c/mve_dw3_check.c (500 random layers:
the 3x3 dot-product entry at stride 1 and 2 with every output width and height from 1, so the ring path it calls for
outputs under 4x4 too, in place, 1..40 channels, a third of them with every input at -128 or 127 and every weight at
-128, -127 or 127, other filters through the ring path). Exit code is the verdict."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


@pytest.mark.parametrize("opt", [[], ["-Os", "-DTSLM_OPTIMIZE_SIZE"]], ids=["O2", "Os"])
def test_mve_depthwise_random_extremes_match_the_portable_kernel_on_cortex_m55(tmp_path, opt):
    from test_helium import C, build_m55, run_m55

    elf = build_m55(tmp_path, C / "mve_dw3_check.c", ["-I", str(C), *opt], families=("depthwise_conv",))
    r = run_m55(elf)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "mve_dw3_check: all agree" in out, out
    ran = [int(n) for n in re.findall(r"^path (\d+)$", out, re.M)]
    assert len(ran) == 3 and min(ran) >= 40, ran  # the entry at stride 1 and 2, other filters


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
