"""The Cortex-M DSP BATCH_MATMUL on attention's shapes: tests/c/dsp_batch_matmul_check.c against the portable
kernel (the transformers' shapes, random rows, columns and depths up to 72 with adj_x/adj_y, operands laid out
as the heads before a TRANSPOSE) on the host under ASan/UBSan and on the emulated Cortex-M4 (its Thumb-2
assembly, speed and size builds; the outputs in the merged heads' layout too); and models built with TensorFlow
whose head split and merge TRANSPOSEs (the merge: the BATCH_MATMUL's output strides) the compiler folds into the
BATCH_MATMUL (passes.transposes_into_batch_matmul), against TFLM on the M4 and the M55 (Helium)."""

from __future__ import annotations

import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from tinyslm.resources import firmware_dir
from tinyslm.runners.host import SANITIZE_FLAGS, WARN_FLAGS

from m4check import QEMU, disassembly, m4_cc, m4_runtime, run_m4

C = Path(__file__).parent / "c" / "dsp_batch_matmul_check.c"
KERNELS = firmware_dir() / "kernels"
SOURCES = [KERNELS / "cortex_m_dsp" / "tslm_dsp_batch_matmul.c", KERNELS / "tslm_batch_matmul.c",
           KERNELS / "cortex_m_dsp" / "tslm_dsp_lut.c", KERNELS / "tslm_lut.c"]


def _build(cc: list[str], tmp: Path, extra: list[str]) -> Path:
    exe = tmp / "check"
    subprocess.run([*cc, "-I", str(KERNELS / "cortex_m_dsp"), "-I", str(KERNELS), "-I", str(C.parent), str(C),
                    *map(str, SOURCES), *extra, "-o", str(exe)], check=True)
    return exe


def test_batch_matmul_shapes_on_the_host(tmp_path):
    exe = _build(["gcc", *WARN_FLAGS, *SANITIZE_FLAGS, "-O1"], tmp_path, ["-lm"])
    assert subprocess.run([str(exe)], timeout=300).returncode == 0


@QEMU
@pytest.mark.parametrize("opt", ["-O2", "-Os"])
def test_batch_matmul_shapes_on_cortex_m4(tmp_path, opt):
    size = ["-DTSLM_OPTIMIZE_SIZE"] if opt == "-Os" else []
    elf = _build(m4_cc(opt, *size), tmp_path, m4_runtime(tmp_path))
    disasm = disassembly(elf)
    assert "<bm_row_pair_jump>:" in disasm and "smuad" in disasm  # the unrolled routine is what runs
    # and its half-group twin (the pairs entry's, speed build only)
    assert ("<bm_row_pair_jump_h>:" in disasm) == (opt == "-O2")
    # the output-map forms (tslm_dsp_batch_matmul_pairs_lut_s8): one LDRB an output between SSAT and STRB
    assert "<bm_row_pair_jump_lut>:" in disasm and ("<bm_row_pair_jump_h_lut>:" in disasm) == (opt == "-O2")
    assert "ldrb.w\tr2, [r9, r2]" in disasm and "ldmia.w\tsp, {r0, r6, r7, r8, r9, sl, fp, ip" in disasm
    # the speed build's tails per right shift (SSAT's own ASR; the C check's shifts are mostly 5..12) and V's fours
    assert ("ssat\tr2, #8, r2, asr #7" in disasm) == (opt == "-O2")
    assert ("<widen_quad2>:" in disasm) == (opt == "-O2")
    r = run_m4(elf)
    assert r.returncode == 0, r.stdout + r.stderr


def _attention(tokens: int, heads: int, dh: int, v_out: bool = False, pv_out: bool = False,
               merge: tuple[int, ...] = (0, 2, 1, 3)):
    """q, k, v of [1, tokens, heads * dh] split into heads (RESHAPE, TRANSPOSE), q . k^T, its scores . v, the
    heads merged back: the project's transformers' attention without the softmax. v_out: v's heads are an
    output too (so their TRANSPOSE stays); pv_out: the scores . v too (so the merge stays); merge: the merge's
    perm (one that moves the last dimension stays a copy)."""

    def build(tf, rng):
        def fn(q, k, v):
            split = lambda z: tf.transpose(tf.reshape(z, (1, tokens, heads, dh)), (0, 2, 1, 3))  # noqa: E731
            s = tf.matmul(split(q), split(k), transpose_b=True) * 0.25
            vh = split(v)
            pv = tf.matmul(s, vh)
            o = tf.reshape(tf.transpose(pv, merge), (1, tokens, heads * dh))
            return (o, vh) if v_out else (o, pv) if pv_out else o

        return fn, [(1, tokens, heads * dh)] * 3

    return build


# (tokens, heads, head dim): the KWS and anomaly transformers', odd ones, a depth past the unrolled routine's
ATTENTION = {"kws": (24, 4, 14), "anomaly": (32, 4, 12), "odd": (7, 3, 5), "tokens_odd_dh_long": (13, 2, 70),
             "v_also_an_output": (10, 2, 8), "pv_also_an_output": (10, 2, 8), "merge_moves_the_last_dim": (9, 2, 6)}
OPTIONS = {"v_also_an_output": dict(v_out=True), "pv_also_an_output": dict(pv_out=True),
           "merge_moves_the_last_dim": dict(merge=(0, 2, 3, 1))}
BOARDS = {"cortex-m-dsp": ("mps2-an386", ("tslm_dsp_batch_matmul_pairs_s8", "tslm_dsp_batch_matmul_s8",  # (the
                                         "tslm_dsp_batch_matmul_pairs_lut_s8")),
          "helium": ("mps3-an547", ("tslm_mve_batch_matmul_pairs_s8", "tslm_mve_batch_matmul_s8"))}  # pairs entries
# where they run them themselves)


@QEMU
@pytest.mark.parametrize("target", BOARDS)
@pytest.mark.parametrize("name", ATTENTION)
def test_folded_transposes_bit_exact(name, target):
    import opzoo
    import tensorflow as tf

    options = OPTIONS.get(name, {})
    v_out = options.get("v_out", False)
    merged = not options.get("pv_out", False) and "merge" not in options  # (else the merge stays a copy)
    fn, shapes = _attention(*ATTENTION[name], **options)(tf, np.random.default_rng(zlib.crc32(name.encode())))
    model = opzoo.convert_fn(fn, shapes)
    board, func = BOARDS[target]
    cm = opzoo.qemu_matches_tflm(model, board, target, n_inputs=3, seed=7)
    bmm = [s for s in cm.plan.steps if getattr(s, "func", "") in func]
    assert len(bmm) == 2
    if target == "cortex-m-dsp":  # its pairs entry takes attention's shapes up to depth 68 (the long heads' q.k^T not),
        # q.k^T with the scores' x 0.25 (a MUL's table) folded in (passes.batch_matmul_output_maps)
        assert [s.func for s in bmm] == ["tslm_dsp_batch_matmul_pairs_lut_s8" if ATTENTION[name][2] <= 68
                                         else "tslm_dsp_batch_matmul_s8", func[0]]
        assert not any(getattr(s, "func", "") == "tslm_dsp_lut_s8" for s in cm.plan.steps) or ATTENTION[name][2] > 68
    assert "lhs read through TRANSPOSE" in bmm[0].note and "rhs read through TRANSPOSE" in bmm[0].note
    assert ("rhs read through TRANSPOSE" in bmm[1].note) != v_out
    assert ("output written as TRANSPOSE" in bmm[1].note) == merged  # the merge: the BATCH_MATMUL's output strides
    transposes = [s for s in cm.plan.steps if getattr(s, "op", None) is not None and s.op.opcode == "TRANSPOSE"]
    assert len(transposes) == v_out + (not merged)  # v's split is copied where v's heads are an output
    # no larger an arena than without the folds
    from tinyslm.compiler import passes as P
    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.planner import plan
    from tinyslm.compiler.reader import read_model

    g = read_model(model)
    unfolded = lower_graph(g, target, [p for p in P.PASSES if p is not P.transposes_into_batch_matmul])
    assert cm.plan.arena_bytes <= plan(g, unfolded).arena_bytes


def test_transposes_stay_on_the_portable_target():
    """The portable target keeps the TRANSPOSE copies (its kernel is TFLM's loop); the DSP and Helium targets
    fold the head splits and the merge."""
    import opzoo
    import tensorflow as tf

    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.reader import read_model

    fn, shapes = _attention(*ATTENTION["odd"])(tf, np.random.default_rng(1))
    g = read_model(opzoo.convert_fn(fn, shapes))
    count = lambda target: sum(1 for s in lower_graph(g, target) if s.op.opcode == "TRANSPOSE")  # noqa: E731
    assert count("portable") == 4 and count("cortex-m-dsp") == count("helium") == 0
