"""The DSP ADD/SUB's residual path with the output at the larger input's scale (issue 15: TFLM's output multiplier
2^30, shift -18, out = clamp(a +- H[b]) four bytes per word with QADD8/QSUB8), tests/c/dsp_add_check.c against the
portable kernels: on the host (the C forms, under ASan/UBSan) and on the Cortex-M4 (mps2-an386, the Thumb-2
assembly) built for speed (-O2) and for size (-Os). 2,500 calls, hundreds on the path (relu and two-sided ranges,
SUB with A subtracted, unaligned starts with tails), the rest (ties, H outside int8, B at 1/2 too, under 512
elements) on the table loop and the general ones. And through the compiler against TFLM: residual ADD, ADD with a
fused relu and SUB with A subtracted at the output's scale, each asserted on the path. Seen failing on a deliberately
broken kernel (the tie test dropped from the table fill; QADD8 made a wrapping SADD8; the upper clamp's SEL operands
swapped; QSUB8 made SSUB8)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tinyslm.resources import firmware_dir
from tinyslm.runners.host import SANITIZE_FLAGS, WARN_FLAGS

from m4check import QEMU, disassembly, m4_cc, m4_runtime, run_m4

C = Path(__file__).parent / "c"
KERNELS = firmware_dir() / "kernels"
SOURCES = [str(C / "dsp_add_check.c"), str(KERNELS / "cortex_m_dsp" / "tslm_dsp_binary.c"),
           str(KERNELS / "tslm_binary.c")]
INCLUDES = ["-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), "-I", str(C)]
OPTS = {"speed": ["-O2"], "size": ["-Os", "-DTSLM_OPTIMIZE_SIZE"]}


def _verdict(out: str) -> None:
    assert "dsp_add_check: all agree" in out, out
    counts = {k: int(v) for k, v in re.findall(r"^(path|relu|sub2|odd) (\d+)$", out, re.M)}
    assert counts["path"] >= 500 and counts["relu"] >= 200 and counts["sub2"] >= 50 and counts["odd"] >= 200, out


def test_dsp_residual_add_at_the_inputs_scale_on_the_host(tmp_path):
    exe = tmp_path / "check"
    subprocess.run(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1", *INCLUDES, *SOURCES, "-lm", "-o", str(exe)],
                   check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    _verdict(r.stdout)


@QEMU
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_dsp_residual_add_at_the_inputs_scale_on_cortex_m4(tmp_path, opt):
    elf = tmp_path / "check.elf"
    subprocess.run([*m4_cc(*OPTS[opt]), *INCLUDES, *SOURCES, *m4_runtime(tmp_path), "-o", str(elf)], check=True)
    d = disassembly(elf)
    assert "qadd8" in d and "qsub8" in d  # the assembly is what runs
    r = run_m4(elf)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out
    _verdict(out)


def _same_scale_model(fn, scales: tuple[tuple[float, int], ...]) -> bytes:
    """`fn` of two (1, 24, 56) inputs converted to int8, its tensors' scales and zero points then set to
    `scales` (input 1, input 2, output): the output at one input's scale, as a residual add's."""
    import flatbuffers
    import numpy as np
    from tensorflow.lite.python import schema_py_generated as schema

    from tinyslm.fuzz.convert import convert_fn

    def rep():
        rng = np.random.default_rng(0)
        for _ in range(4):
            yield [rng.standard_normal((1, 24, 56)).astype(np.float32) for _ in range(2)]

    model = schema.ModelT.InitFromPackedBuf(convert_fn(fn, [(1, 24, 56), (1, 24, 56)], "int8", rep=rep), 0)
    sg = model.subgraphs[0]
    op = sg.operators[0]
    for index, (scale, zero_point) in zip((op.inputs[0], op.inputs[1], op.outputs[0]), scales):
        sg.tensors[index].quantization.scale = [scale]
        sg.tensors[index].quantization.zeroPoint = [zero_point]
    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


@QEMU
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_dsp_residual_adds_at_the_inputs_scale_through_the_compiler_bit_exact(opt, monkeypatch):
    """Residual ADD (plain and with a fused relu) and SUB (the larger-scale input second: A subtracted) of 1,344
    elements with the output at the larger input's scale, compiled for the M4 and run in QEMU against TFLM. Without
    the compiler's tables (passes.residual_add_tables, tests/test_residual_tables.py): the kernel's own path."""
    import opzoo
    import tensorflow as tf

    from tinyslm.compiler import passes
    from tinyslm.firmware import opt_flag

    monkeypatch.setattr(passes, "residual_table", lambda opcode, p: None)
    monkeypatch.setattr(passes, "residual_terms", lambda opcode, p, dsp: None)
    monkeypatch.setattr(passes, "residual_terms_up", lambda opcode, p: None)

    cases = {"add": (lambda x, y: x + y, ((0.0513, 3), (0.01873, -10), (0.0513, 3))),
             "add_relu": (lambda x, y: tf.nn.relu(x + y), ((0.0471, -7), (0.0219, 12), (0.0471, -20))),
             "sub": (lambda x, y: x - y, ((0.01234, 5), (0.0417, -2), (0.0417, 9)))}
    for name, (fn, scales) in cases.items():
        cm = opzoo.qemu_matches_tflm(_same_scale_model(fn, scales), "mps2-an386", "cortex-m-dsp", n_inputs=3,
                                     seed=1, opt=opt_flag(opt))
        steps = [s for s in cm.plan.steps if getattr(s, "func", "") in ("tslm_dsp_add_s8", "tslm_dsp_sub_s8")]
        assert len(steps) == 1 and _on_the_path(steps[0].params, name.startswith("sub")), name


def _srdhm(a: int, b: int) -> int:
    q = a * b + ((1 << 30) if a * b >= 0 else 1 - (1 << 30))
    return q >> 31 if q >= 0 else -((-q) >> 31)


def _requantize(x: int, m: int, shift: int) -> int:
    """TFLM's MultiplyByQuantizedMultiplier: SRDHM, then a division by 2^-shift rounding half away from 0."""
    x = _srdhm(x << max(shift, 0), m)
    e = max(-shift, 0)
    mask = (1 << e) - 1
    return (x >> e) + ((x & mask) > (mask >> 1) + (x < 0))


def _on_the_path(p: dict, sub: bool) -> bool:
    """The DSP unit path's conditions (tslm_dsp_binary.c, unit_path()) for the call's parameters, from TFLM's
    arithmetic: the output at A's scale, B rescaled, and for every byte of B no tie and an int8 H."""
    half1 = (p["in1_multiplier"], p["in1_shift"]) == (1 << 30, 0)
    half2 = (p["in2_multiplier"], p["in2_shift"]) == (1 << 30, 0)
    if (p["output_multiplier"], p["output_shift"], p["left_shift"]) != (1 << 30, -18, 20) or half1 == half2:
        return False
    for b in range(-128, 128):
        v1, v2 = (0, b) if half1 else (b, 0)  # A at a = 0
        r1 = _requantize((v1 + p["in1_offset"]) << 20, p["in1_multiplier"], p["in1_shift"])
        r2 = _requantize((v2 + p["in2_offset"]) << 20, p["in2_multiplier"], p["in2_shift"])
        xp = _srdhm(r1 - r2 if sub else r1 + r2, 1 << 30)
        h = ((xp + (1 << 17)) >> 18) + p["output_offset"]
        if xp & 0x3FFFF == 0x20000 or not -128 <= h <= 127:
            return False
    return True
