"""The Helium (MVE) kernels against TFLM's arithmetic and the portable kernels, in QEMU on the Cortex-M55.

tests/c/mve_check.c: tslm_mve_requant (VQRDMULH, a sign fix-up and VRSHL) against tslm_requantize on the
rounding ties of every shift in [-31, 30] and 100,000 random lanes; then CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED against the portable kernels on random shapes and parameters (the fallbacks included).
QEMU 7.2 emulates MVE (mps3-an547's Cortex-M55); the host cannot run these kernels at all. Exit code is
the verdict.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm import __version__
from tinyslm.boards import get_board
from tinyslm.templating import template_env as _env
from tinyslm.runners.host import WARN_FLAGS
from tinyslm.resources import firmware_dir

C = Path(__file__).parent / "c"
KERNELS = firmware_dir() / "kernels"
HELIUM = KERNELS / "helium"
FAMILIES = ("conv", "depthwise_conv", "fully_connected", "pooling")

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


def build_m55(tmp: Path, main: Path, defines: list[str] = (), families: tuple[str, ...] = FAMILIES) -> Path:
    """main + the Helium kernels of `families` (those that have one) + the portable ones + the bench runtime, for
    mps3-an547."""
    b = get_board("mps3-an547")
    (tmp / "bench.ld").write_text(_env().get_template("bench.ld.j2").render(
        version=__version__, machine=b.name, code_origin=b.memory.flash_origin, code_size=b.memory.flash_bytes,
        ram_origin=b.memory.ram_origin, ram_size=b.memory.ram_bytes))
    bench = firmware_dir() / "bench"
    elf = tmp / "check.elf"
    sources = [HELIUM / f"tslm_mve_{f}.c" for f in families if (HELIUM / f"tslm_mve_{f}.c").exists()]
    sources += [KERNELS / f"tslm_{f}.c" for f in families]
    subprocess.run(["arm-none-eabi-gcc", *b.cflags, *WARN_FLAGS, "-O2", *defines, "-I", str(HELIUM), "-I", str(KERNELS),
                    "-I", str(bench), str(main), *map(str, sources), str(bench / "startup.c"),
                    str(bench / "semihost.c"), "-nostartfiles", "--specs=nano.specs", "-T", str(tmp / "bench.ld"),
                    "-lc", "-lm", "-lgcc", "-o", str(elf)], check=True)
    return elf


def run_m55(elf: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["qemu-system-arm", "-M", "mps3-an547", "-nographic", "-monitor", "none", "-serial", "none",
                           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=timeout)


def test_helium_kernels_match_tflm_arithmetic_on_cortex_m55(tmp_path):
    elf = build_m55(tmp_path, C / "mve_check.c")
    disasm = subprocess.run(["arm-none-eabi-objdump", "-d", "-marmv8.1-m.main", str(elf)], capture_output=True,
                            text=True).stdout
    for insn in ("vmlava.s8", "vqrdmulh.s32", "vrshl.s32", "vmullb.s16", "vmullt.s16"):  # vmlava: VMLADAVA
        assert insn in disasm, f"{insn} not in the build: the MVE paths are not what runs"
    r = run_m55(elf)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "mve_check: all agree" in out
    ran = [int(n) for n in re.findall(r"^path (\d+)$", out, re.M)]
    # conv, conv in place, conv with the compiler's layout, depthwise, in place, layout, FC, FC layout, avg pool
    assert len(ran) == 9 and min(ran) >= 30, ran


def test_helium_elementwise_kernels_match_the_portable_ones_on_cortex_m55(tmp_path):
    """tests/c/dsp_binary_check.c with the Helium ADD/SUB/MUL: 6,000 random shapes, broadcasts, parameter sets
    and activation ranges, calls up to 2,000 elements (a residual add's table path), every output byte and
    nothing written past it."""
    elf = build_m55(tmp_path, C / "dsp_binary_check.c", ["-DBINARY_MVE", "-I", str(C)], families=("binary",))
    assert "uxtw #2]" in subprocess.run(["arm-none-eabi-objdump", "-d", "-marmv8.1-m.main", str(elf)],
                                         capture_output=True, text=True).stdout  # the gather of the table
    r = run_m55(elf)
    assert r.returncode == 0, r.stdout + r.stderr


def test_helium_pools_match_the_portable_ones_on_cortex_m55(tmp_path):
    """tests/c/pool_check.c with the Helium max pools (int8 VMAX.S8, int16 VMAX.S16) and the small-window average
    pool (the division a VMULH.U32): random geometries, paddings, 1..40 channels and activation ranges, inputs at
    the extremes, every output byte and nothing written past it."""
    elf = build_m55(tmp_path, C / "pool_check.c", ["-DPOOL_MVE", "-I", str(C)], families=("pooling",))
    disasm = subprocess.run(["arm-none-eabi-objdump", "-d", "-marmv8.1-m.main", str(elf)], capture_output=True,
                            text=True).stdout
    assert "vmax.s8" in disasm and "vmax.s16" in disasm and "vmulh.u32" in disasm
    r = run_m55(elf)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("opt", [["-O2"], ["-Os", "-DTSLM_OPTIMIZE_SIZE"]])
def test_helium_fully_connected_layout_matches_the_portable_kernel_on_cortex_m55(tmp_path, opt):
    """tests/c/mve_fc_check.c: FULLY_CONNECTED with the compiler's layout on 1,500 random shapes (1-40 rows, depth
    1-100, 1-170 outputs, per-tensor and per-channel, activation ranges, zero points and inputs at the extremes)
    against the portable kernel, built for speed and for size; many of them take the two-row short path, a third of
    them with rows at a stride (overlapping, packed or with gaps; tslm_mve_fully_connected_pairs_rows_s8, with and
    without the copy of each pair)."""
    elf = build_m55(tmp_path, C / "mve_fc_check.c", opt, families=("fully_connected",))
    r = run_m55(elf)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "mve_fc_check: all agree" in out, out
    assert int(re.search(r"^short path (\d+)$", out, re.M).group(1)) >= 300, out
    assert int(re.search(r"^strided path (\d+)$", out, re.M).group(1)) >= 150, out
    assert int(re.search(r"^form entries (\d+)$", out, re.M).group(1)) >= 400, out


def test_the_fc_check_catches_a_wrong_pairs_form(tmp_path):
    """mve_fc_check with the saturating form (every shift <= -1 assumed) named for layers with a shift of 0 must fail
    (-O2: the size build has the general form only)."""
    elf = build_m55(tmp_path, C / "mve_fc_check.c", ["-O2", "-DWRONG_FORM", "-DCASES=300"],
                    families=("fully_connected",))
    r = run_m55(elf)
    assert r.returncode == 1 and "form entry (kind g 0, s 1, r 2; -1 none) 1" in r.stdout + r.stderr, \
        r.stdout + r.stderr


def test_the_check_catches_a_wrong_rounding(tmp_path):
    """The same check with round-half-up (no sign fix-up) in the Helium requantization must fail."""
    elf = build_m55(tmp_path, C / "mve_check.c", ["-include", str(C / "mve_break_rounding.h"), "-DCASES=20"])
    r = run_m55(elf)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "requant" in r.stdout + r.stderr


HELIUM_ZOO = ["conv_3x3_same", "conv_1x1", "conv_dilation2_relu6", "conv_odd_channels", "conv_1x1_stride2_odd",
              "depthwise_3x3", "depthwise_mult2_stride2", "depthwise_dilation2_valid", "depthwise_5x1_relu6",
              "depthwise_3x3_c5_valid_relu6", "dense_rows", "dense_long_rows", "ds_block_in_place", "grouped_conv",
              "avg_pool_3x3_same_stride2", "batch_matmul", "batch_matmul_adj_x", "batch_matmul_adj_y",
              "batch_matmul_broadcast", "batch_matmul_attention", "batch_matmul_odd_adj_xy", "add",
              "add_broadcast_const_relu", "add_broadcast_rows", "add_residual_relu", "sub", "sub_broadcast",
              "sub_residual_long", "mul", "mul_broadcast_const",
              "squared_difference_broadcast", "transformer_cls", "transformer_meanpool", "softmax", "softmax_beta",
              "softmax_long"]


def _bit_exact_on_m55(model, n_inputs: int, seed: int, opt: str = "-O2"):
    import opzoo

    data = model if isinstance(model, bytes) else model.read_bytes()
    return opzoo.qemu_matches_tflm(data, "mps3-an547", "helium", n_inputs=n_inputs, seed=seed, opt=opt)


def test_helium_target_bit_exact_on_the_op_zoo_in_qemu(zoo):
    """The helium target's kernels (the compiler's layouts and the model-layout paths) against TFLM on the
    zoo's convolution, depthwise and dense cases, in QEMU on mps3-an547."""
    mve_calls = 0
    for name in HELIUM_ZOO:
        cm = _bit_exact_on_m55(zoo(name), 2, 3)
        mve_calls += sum(1 for s in cm.plan.steps if getattr(s, "func", "").startswith("tslm_mve_"))
    assert mve_calls >= len(HELIUM_ZOO) - 3  # grouped and depth-multiplier cases may take the portable kernel


def test_helium_size_build_bit_exact_in_qemu(zoo):
    """The size build (-Os) of the MVE kernels: one case per kernel family. (At -Os GCC once gave an inline-asm
    widening load's base register lr, which that instruction cannot take: the build itself is the first check.)"""
    from tinyslm.firmware import opt_flag

    for name in ("depthwise_3x3", "depthwise_3x3_c6_stride2", "conv_3x3_same", "dense_rows", "add_broadcast_rows",
                 "batch_matmul_attention", "softmax_long"):
        _bit_exact_on_m55(zoo(name), 2, 4, opt_flag("size"))


@pytest.mark.skipif(not SHARED_MODELS, reason="needs ../shared/models (TINYSLM_SHARED_MODELS)")
@pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])
def test_helium_target_bit_exact_on_shared_models_in_qemu(model_path):
    _bit_exact_on_m55(model_path, 3, 11)


# BATCH_MATMUL shapes for the Helium kernel's paths, (lhs, rhs, adj_y), all in one model: the KWT's attention
# (24 tokens, heads of 12: QK^T with adj_y, then the weights times V), one token, odd rows and columns (a last
# partial group of four), depths 5, 16, 17 and 33 (no, one and two whole 16-byte chunks and a remainder), batch
# broadcasting, depth 3 (the outer products), 300 columns of a depth x cols rhs (its gather offsets), adj_x of one
# row (its depth contiguous all the same). The pairs entry (depth 4..64) takes all but depth 3 and the last two: its four chunk counts with an adj_y and a depth x cols rhs (depths 12, 14, 24, 33, 40, 49, 64), the KWS
# and anomaly transformers' attention (24 tokens of heads of 14, 32 of 12), odd rows past a pair, 1..3 columns of a
# last group; depth 65 and 70 take the general entry's dot products.
MATMUL_SHAPES = [((1, 4, 24, 12), (1, 4, 24, 12), True), ((1, 4, 24, 24), (1, 4, 24, 12), False),
                 ((1, 1, 1, 12), (1, 1, 12, 5), False), ((1, 2, 3, 5), (1, 2, 5, 7), False),
                 ((1, 1, 7, 33), (1, 1, 9, 33), True), ((2, 3, 4, 17), (1, 1, 17, 6), False),
                 ((1, 2, 5, 3), (1, 2, 3, 4), False), ((1, 1, 6, 16), (1, 1, 16, 8), False),
                 ((1, 1, 2, 40), (1, 1, 40, 300), False), ((1, 1, 1, 4), (1, 1, 3, 4), True),
                 ((1, 2, 7, 1), (1, 2, 7, 5), "adj_x"),
                 ((1, 4, 24, 14), (1, 4, 24, 14), True), ((1, 4, 32, 32), (1, 4, 32, 12), False),
                 ((1, 2, 9, 40), (1, 2, 6, 40), True), ((1, 1, 5, 49), (1, 1, 49, 9), False),
                 ((2, 1, 3, 64), (1, 1, 64, 10), False), ((1, 1, 11, 64), (1, 1, 5, 64), True),
                 ((1, 2, 3, 65), (1, 2, 65, 4), False), ((1, 1, 4, 70), (1, 1, 6, 70), True)]
_matmuls: list[bytes] = []


def matmul_model() -> bytes:
    if not _matmuls:
        import opzoo

        def fn(*xs):
            import tensorflow as tf

            return tuple(tf.linalg.matmul(xs[2 * i], xs[2 * i + 1], adjoint_a=adj == "adj_x", adjoint_b=adj is True)
                         for i, (_, _, adj) in enumerate(MATMUL_SHAPES))

        _matmuls.append(opzoo.convert_fn(fn, [s for a, b, _ in MATMUL_SHAPES for s in (a, b)]))
    return _matmuls[0]


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_batch_matmul_shapes_bit_exact_in_qemu(opt):
    """tslm_mve_batch_matmul_pairs_s8 (depth 4..64, 4 columns or more: two rows against every group of four columns
    in one assembly routine) and tslm_mve_batch_matmul_s8 (its dot products with the rhs packed per batch, and the
    outer products; the 3-column shape) against TFLM on every shape of MATMUL_SHAPES, built for speed and for size."""
    from tinyslm.firmware import opt_flag

    from tinyslm.compiler.ops.batch_matmul import mve_pairs

    cm = _bit_exact_on_m55(matmul_model(), 3, 6, opt_flag(opt))
    calls = [s for s in cm.plan.steps if getattr(s, "op", None) is not None and s.op.opcode == "BATCH_MATMUL"]
    depths = [dict(s.param_items())["depth"] for s in calls]
    cols = [dict(s.param_items())["cols"] for s in calls]
    assert sorted(depths) == sorted((a[-2] if adj == "adj_x" else a[-1]) for a, _, adj in MATMUL_SHAPES)
    pairs = [s.func == "tslm_mve_batch_matmul_pairs_s8" for s in calls]
    # (every one with a right shift; fewer than 4 columns take the general entry)
    assert pairs == [4 <= d <= 64 and c >= 4 for d, c in zip(depths, cols)], list(zip(depths, cols, pairs))
    assert pairs == [mve_pairs(dict(s.param_items())) for s in calls]
    assert all(s.func in ("tslm_mve_batch_matmul_pairs_s8", "tslm_mve_batch_matmul_s8") for s in calls)


@pytest.mark.parametrize("name", ["logistic", "tanh", "mul_self"])
def test_helium_lut_bit_exact_in_qemu(zoo, name):
    """tslm_mve_lut_s8 (the 256-entry int8 tables: one gather per 16 bytes, a predicated tail) against TFLM."""
    cm = _bit_exact_on_m55(zoo(name), 3, 5)
    assert "tslm_mve_lut_s8" in [getattr(s, "func", "") for s in cm.plan.steps]


_copies: list[bytes] = []


def copies_model() -> bytes:
    """Head splits and merges of 24 tokens (runs of 12 bytes), runs of 1 and exactly 16 bytes, runs of 40 (longer
    than 16: a whole block and a predicated tail), a strided slice (one run per row) and a reversed one (the
    portable kernel)."""
    if not _copies:
        import opzoo

        def fn(a, b, c, e):
            import tensorflow as tf

            return (tf.transpose(tf.reshape(a, (1, 24, 4, 12)), (0, 2, 1, 3)),
                    tf.transpose(b, (0, 2, 1, 3)), tf.transpose(c, (0, 2, 1, 3)),
                    tf.transpose(c, (0, 3, 2, 1)), tf.transpose(e, (0, 2, 1, 3)),
                    tf.reverse(e, axis=[3])[:, :, 1:3, :], e[:, 1:, :2, 3:37])

        _copies.append(opzoo.convert_fn(fn, [(1, 24, 48), (1, 3, 5, 16), (1, 2, 3, 1), (1, 3, 4, 40)]))
    return _copies[0]


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_helium_strided_copy_bit_exact_in_qemu(opt):
    """tslm_mve_strided_copy (runs of up to 16 bytes one predicated load and store, longer ones 16 at a time)
    against TFLM, built for speed and for size."""
    from tinyslm.firmware import opt_flag

    cm = _bit_exact_on_m55(copies_model(), 3, 7, opt_flag(opt))
    assert "tslm_mve_strided_copy" in [getattr(s, "func", "") for s in cm.plan.steps]


@pytest.mark.parametrize("opt", ["-O2", "-Os"])
def test_helium_transformer_kernels_match_the_portable_ones_on_cortex_m55(tmp_path, opt):
    """tests/c/mve_transformer_check.c: BATCH_MATMUL (1,500 random shapes: both paths, adj_x/adj_y, broadcasts,
    shifts, activation ranges), SOFTMAX (int8 and int16 outputs) and the fused LAYER_NORM (800 random rows, steps,
    tables and parameters inside and outside its domain) against the portable kernels, every output byte and
    nothing written past it; built for speed and for size (the kernels' -Os paths)."""
    size = ["-DTSLM_OPTIMIZE_SIZE"] if opt == "-Os" else []  # (as the firmware's size build)
    elf = build_m55(tmp_path, C / "mve_transformer_check.c", ["-I", str(C), opt, *size],
                    families=("batch_matmul", "softmax", "layer_norm", "binary", "lut", "reduce"))
    r = run_m55(elf)
    assert r.returncode == 0, f"exit {r.returncode} (1: batch matmul, 2: softmax, 4: layer norm) " + r.stdout + r.stderr


@pytest.mark.parametrize("name", ["transpose", "transpose_3d", "s16_transpose", "strided_slice", "slice"])
def test_helium_strided_copy_zoo_bit_exact_in_qemu(zoo, name):
    """The op zoo's copies through tslm_mve_strided_copy (int16 elements: runs of bytes twice as long)."""
    cm = _bit_exact_on_m55(zoo(name), 2, 9)
    assert "tslm_mve_strided_copy" in [getattr(s, "func", "") for s in cm.plan.steps]
