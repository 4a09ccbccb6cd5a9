"""The DSP kernels' arithmetic against TFLM's, on the host (under ASan/UBSan) and on the M4.

tests/c/dsp_requant_check.c: the SMMLAR requantization against TFLM's two-step
arithmetic on rounding ties of every right shift, the bound the compiler
enforces, and 200,000 pseudo-random records. tests/c/dsp_binary_check.c: the
DSP ADD/SUB/MUL/SQUARED_DIFFERENCE (renamed dsp_*) against the portable kernels
on 6,000 random shapes, broadcasts and parameter sets, every path of the file. tests/c/pool_check.c: the DSP
max pools (int8, int16) and small-window average pool against the portable kernels on random geometries, paddings
and activation ranges, the guard bytes around the output untouched.
Exit code is the verdict. On the host the C forms run, in QEMU the Thumb-2
assembly and intrinsics.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tinyslm.runners.host import SANITIZE_FLAGS, WARN_FLAGS
from tinyslm.resources import firmware_dir

from m4check import QEMU, disassembly, m4_cc, m4_runtime, run_m4

C = Path(__file__).parent / "c"
KERNELS = firmware_dir() / "kernels"
# check -> [(source, extra flags)] compiled besides it: the DSP kernels and the portable ones they fall back to
CHECKS = {"dsp_requant_check": [],
          "dsp_binary_check": [(KERNELS / "cortex_m_dsp" / "tslm_dsp_binary.c", []), (KERNELS / "tslm_binary.c", [])],
          "pool_check": [(KERNELS / "cortex_m_dsp" / "tslm_dsp_pooling.c", []), (KERNELS / "tslm_pooling.c", [])]}
# an instruction each check's M4 build must hold (what runs is the assembly / the intrinsics)
INSN = {"dsp_requant_check": "smmlar", "dsp_binary_check": "smmlar", "pool_check": "ssub8"}


def _objects(cc: list[str], tmp: Path, check: str) -> list[str]:
    objs = []
    for i, (src, extra) in enumerate(CHECKS[check]):
        inc = ["-I", str(src.parent)] + (["-I", str(KERNELS)] if src.parent != KERNELS else [])
        obj = tmp / f"k{i}.o"
        subprocess.run([*cc, *inc, *extra, "-c", str(src), "-o", str(obj)], check=True)
        objs.append(str(obj))
    return objs


@pytest.mark.parametrize("check", CHECKS)
def test_dsp_arithmetic_on_the_host(tmp_path, check):
    exe = tmp_path / "check"
    cc = ["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1"]
    objs = _objects(cc, tmp_path, check)
    subprocess.run([*cc, "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), str(C / f"{check}.c"), *objs,
                    "-lm", "-o", str(exe)], check=True)
    assert subprocess.run([str(exe)]).returncode == 0


@QEMU
@pytest.mark.parametrize("check", CHECKS)
def test_dsp_arithmetic_on_cortex_m4(tmp_path, check):
    elf = tmp_path / "check.elf"
    cc = m4_cc("-O2")
    objs = _objects(cc, tmp_path, check)
    subprocess.run([*cc, "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), str(C / f"{check}.c"), *objs,
                    *m4_runtime(tmp_path), "-o", str(elf)], check=True)
    assert INSN[check] in disassembly(elf)  # the assembly is what runs
    r = run_m4(elf)
    assert r.returncode == 0, r.stdout + r.stderr


def test_int8_sub_rescales_with_double_ratios_like_tflm(tmp_path):
    """TFLM's SUB Prepare doubles the larger input scale in float32 but divides in double; tinyslm divided in
    float32, one multiplier came out an LSB off, and the default anomaly build's host C differed from TFLM on
    28 of 1,200 test windows (`report.json` quality.tflm_agreement 0.977; `verify --tensors` named a layer
    norm's SUB). Every int8 pair, with that SUB's scales and zero points, must be TFLM's."""
    import flatbuffers
    import numpy as np
    from tensorflow.lite.python import schema_py_generated as schema

    from tinyslm.fuzz.convert import convert_fn
    from tinyslm.runners.verify import verify_host

    def rep():
        rng = np.random.default_rng(0)
        for _ in range(4):
            yield [rng.standard_normal((1, 256, 256)).astype(np.float32),
                   rng.standard_normal((1, 256, 1)).astype(np.float32)]

    model = schema.ModelT.InitFromPackedBuf(convert_fn(lambda x, y: x - y, [(1, 256, 256), (1, 256, 1)], "int8",
                                                       rep=rep), 0)
    sg = model.subgraphs[0]
    op = sg.operators[0]
    for index, scale, zero_point in zip((op.inputs[0], op.inputs[1], op.outputs[0]),
                                        (0.1339586079120636, 0.00316642876714468, 0.13389916718006134), (0, -97, 0)):
        sg.tensors[index].quantization.scale = [scale]
        sg.tensors[index].quantization.zeroPoint = [zero_point]
    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    every_a = np.tile(np.arange(-128, 128, dtype=np.int8)[None, :], (256, 1)).reshape(1, 256, 256)
    every_b = np.arange(-128, 128, dtype=np.int8).reshape(1, 256, 1)
    r = verify_host(bytes(b.Output()), n_inputs=0, real_inputs=[[every_a, every_b]])
    assert r.ok and r.bytes_compared == 65536, r.lines()
