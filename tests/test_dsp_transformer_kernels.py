"""The DSP kernels of a transformer's hot operators (BATCH_MATMUL, ADD/SUB/MUL at their fast paths' edges,
SOFTMAX, MEAN) against the portable kernels: tests/c/dsp_transformer_check.c on the host under ASan/UBSan (the
kernels' C forms) and on the emulated Cortex-M4 (their Thumb-2 assembly). Exit code is the verdict; the
check's shapes include those that fall back to the general loops or to the portable kernel."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tinyslm.resources import firmware_dir
from tinyslm.runners.host import SANITIZE_FLAGS, WARN_FLAGS

from m4check import QEMU, disassembly, m4_cc, m4_runtime, run_m4

C = Path(__file__).parent / "c" / "dsp_transformer_check.c"
KERNELS = firmware_dir() / "kernels"
FAMILIES = ("batch_matmul", "binary", "softmax", "reduce", "lut")  # (lut: the batch matmul's output-map fallback)
SOURCES = [KERNELS / "cortex_m_dsp" / f"tslm_dsp_{n}.c" for n in FAMILIES] + [KERNELS / f"tslm_{n}.c" for n in FAMILIES]


def _build(cc: list[str], tmp: Path, extra: list[str]) -> Path:
    exe = tmp / "check"
    subprocess.run([*cc, "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), str(C), *map(str, SOURCES),
                    *extra, "-o", str(exe)], check=True)
    return exe


def test_transformer_kernels_on_the_host(tmp_path):
    exe = _build(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1"], tmp_path, ["-lm"])
    assert subprocess.run([str(exe)], timeout=300).returncode == 0


@QEMU
@pytest.mark.parametrize("opt", ["-O2", "-Os"])
def test_transformer_kernels_on_cortex_m4(tmp_path, opt):
    size = ["-DTSLM_OPTIMIZE_SIZE"] if opt == "-Os" else []
    elf = _build(m4_cc(opt, *size), tmp_path, m4_runtime(tmp_path))
    disasm = disassembly(elf)
    assert "smlad" in disasm and "smmlar" in disasm  # the assembly is what runs
    r = run_m4(elf)
    assert r.returncode == 0, r.stdout + r.stderr


RECIPROCAL = Path(__file__).parent / "c" / "softmax_reciprocal_check.c"


def _reciprocal(cc: list[str], tmp: Path, extra: list[str]) -> Path:
    exe = tmp / "reciprocal"
    subprocess.run([*cc, "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), str(RECIPROCAL),
                    str(KERNELS / "tslm_softmax.c"), *extra, "-o", str(exe)], check=True)
    return exe


def test_softmax_reciprocal_on_the_host(tmp_path):
    """The DSP SOFTMAX's reciprocal of a row's sum (its C form) against the portable one on every sum below
    2^21 and a spread up to 2^31 - 1: a one-unit difference in the scale rarely shows in an output."""
    exe = _reciprocal(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1"], tmp_path, ["-lm"])
    assert subprocess.run([str(exe)], timeout=300).returncode == 0


@QEMU
def test_softmax_reciprocal_on_cortex_m4(tmp_path):
    """The same with its SMMULR / QADD instructions on the emulated Cortex-M4 (every 61st sum)."""
    elf = _reciprocal(m4_cc("-O2", "-DCHECK_STRIDE=61"), tmp_path, m4_runtime(tmp_path))
    disasm = disassembly(elf)
    assert "qadd" in disasm and "smmulr" in disasm or "smmlar" in disasm
    r = run_m4(elf)
    assert r.returncode == 0, r.stdout + r.stderr


def test_softmax_int8_form_edge():
    """tslm_dsp_softmax.c picks an int8 row's output form from n (the outputs' shift) and, at n = 23 only, the
    scale: the largest output q = floor((scale (2^31 - 1) + 2^30 + 2^(30+n)) / 2^(31+n)) (exp(0)) passes 255
    for some scale < 2^31 only where n <= 23, and at n = 23 exactly where scale > 2^31 - 2^22. q grows with the
    scale: every n at the largest scale, and n = 23 on every scale within 2^20 of the edge."""
    def top(scale, n):
        return (scale * (2**31 - 1) + 2**30 + 2**(30 + n)) >> (31 + n)

    edge = 2**31 - 2**22
    for n in range(24, 32):
        assert top(2**31 - 1, n) <= 255
    assert top(2**31 - 1, 22) > 255 and top(2**30, 22) > 255  # n <= 22 takes SAT (right for any q)
    for scale in range(edge - 2**20, edge + 2**20):
        assert (top(scale, 23) > 255) == (scale > edge), scale
    assert top(2**31 - 1, 23) == 256


# CONV_2D whose receptive fields are K contiguous input bytes (one filter row over all channels, no
# padding: a 1 x K convolution over time) read where they lie, no im2col (padded ones keep the im2col
# copy: the op zoo's), where K > 36; with K <= 36 (the KWS transformer's patch embedding, K = 20) the wide
# layout's columns take them (dsp_layout.conv_wide_cols); one output row of such windows with K a multiple of 4 and
# outputs in fours goes three pixels a block (dsp_layout.conv_triples). (filter, stride, input h x w, channels
# in/out, act, the entry the compiler must pick)
WINDOW_CONVS = {"conv_1x3_valid_time": ((1, 3), 1, (1, 13), 16, 8, "relu", "tslm_dsp_conv_rows3_s8"),
                "conv_1x5_valid_stride2_rows": ((1, 5), 2, (3, 14), 12, 6, None, "tslm_dsp_conv_s8"),
                "conv_1x3_valid_time_k30_wide": ((1, 3), 1, (1, 13), 10, 8, "relu", "tslm_dsp_conv_wide_s8")}


@QEMU
@pytest.mark.parametrize("name", WINDOW_CONVS)
def test_conv_windows_bit_exact_on_cortex_m4(name):
    import zlib

    import numpy as np
    import opzoo
    import tensorflow as tf

    from tinyslm.compare import compare_outputs
    from tinyslm.runners.oracle import Oracle
    from tinyslm.runners.qemu import measure

    k, stride, hw, cin, cout, act, func = WINDOW_CONVS[name]
    case = opzoo.conv(k=k, cin=cin, cout=cout, stride=stride, padding="SAME" if "same" in name else "VALID",
                      act=opzoo.relu if act == "relu" else None, hw=hw)
    fn, shapes = case.build(tf, np.random.default_rng(zlib.crc32(name.encode())))
    model = opzoo.convert_fn(fn, shapes)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=3)
    assert [s.func for s in cm.plan.steps if getattr(s, "family", "") == "tslm_conv"] == [func]
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
