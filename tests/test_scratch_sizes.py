"""Scratch sizes have one source in Python (the op modules and target layouts) and are checked against the C
kernels, the way CMSIS-NN pairs every kernel with `*_get_buffer_size`: every kernel that takes scratch has a
`<kernel>_get_buffer_size(const params *)` in C, and for every call of every op-zoo case and shared model it
returns exactly the bytes the compiler reserved (in place included): portable and Cortex-M DSP on the host,
Helium (whose kernels build only for their CPU) on the emulated Cortex-M55."""

from __future__ import annotations

import subprocess
from collections import Counter

import opzoo
import pytest
from conftest import SHARED_MODELS

from tinyslm.compiler import compile_model
from tinyslm.compiler.lowering import Call, Scratch
from tinyslm.runners.host import kernel_object
from tinyslm.toolchain import WARN_FLAGS, find_cc


def _check(model: bytes, target: str, work) -> list[tuple[str, int, int]]:
    """(kernel, compiler's scratch bytes, C's get_buffer_size) of every call with a scratch argument."""
    cm = compile_model(model, work / "model", name="model", target=target)
    calls = [(pos, s) for pos, s in enumerate(cm.plan.steps)
             if isinstance(s, Call) and any(isinstance(a, Scratch) for a in s.args)]
    if not calls:
        return []
    got = (_sizes_on_m55 if target == "helium" else _sizes_on_host)(cm, [s for _, s in calls], work)
    assert len(got) == len(calls), got
    for (pos, s), c in zip(calls, got):
        assert (pos in cm.plan.scratch) == (s.scratch_bytes > 0), (s.func, pos)
    return [(s.func, s.scratch_bytes, c) for (_, s), c in zip(calls, got)]


def _sizes_on_host(cm, calls: list[Call], work) -> list[int]:
    lines = [f'    printf("%ld\\n", (long){s.func}_get_buffer_size(&op{s.op.index}));' for s in calls]
    (work / "sizes.c").write_text('#include <stdio.h>\n#include "model.c"\n\nint main(void)\n{\n'
                                  + "\n".join(lines) + "\n    return 0;\n}\n")
    cc = find_cc()
    flags = [*WARN_FLAGS, "-Werror=implicit-function-declaration", "-O0", "-I", str(cm.out_dir)]
    kernels = [kernel_object(cc, flags, f, cm.out_dir) for f in cm.sources if f.name.startswith("tslm_")]
    exe = work / "sizes"
    r = subprocess.run([cc, *flags, str(work / "sizes.c"), *map(str, kernels), "-lm", "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return [int(v) for v in subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()]


def _sizes_on_m55(cm, calls: list[Call], work) -> list[int]:
    """The same program for the Helium board's QEMU machine, printing through semihosting."""
    from tinyslm.boards import get_board
    from tinyslm.resources import firmware_dir
    from tinyslm.templating import template_env
    from tinyslm.toolchain import find_tool

    b = get_board("mps3-an547")
    m = b.emulator
    bench = firmware_dir() / "bench"
    lines = [f'    sh_put((long){s.func}_get_buffer_size(&op{s.op.index}));' for s in calls]
    (work / "sizes.c").write_text(
        '#include "semihost.h"\n#include "model.c"\n\n'
        'static void sh_put(long v)\n{\n    char text[24];\n    int i = 22;\n    text[23] = 0;\n'
        '    text[22] = 10;\n    do {\n        text[--i] = (char)(48 + v % 10);\n        v /= 10;\n'
        '    } while (v > 0);\n    sh_write0(text + i);\n}\n\nint main(void)\n{\n'
        + "\n".join(lines) + "\n    sh_exit(0);\n}\n")
    (work / "bench.ld").write_text(template_env().get_template("bench.ld.j2").render(
        version="test", machine=m.qemu_machine, code_origin=b.memory.flash_origin, code_size=b.memory.flash_bytes,
        ram_origin=b.memory.ram_origin, ram_size=b.memory.ram_bytes))
    elf = work / "sizes.elf"
    kernels = [str(f) for f in cm.sources if f.name.startswith("tslm_")]
    r = subprocess.run([find_tool("arm-none-eabi-gcc"), *b.cflags, *WARN_FLAGS, "-O1", "-I", str(cm.out_dir),
                        "-I", str(bench), str(work / "sizes.c"), str(bench / "startup.c"), str(bench / "semihost.c"),
                        *kernels, "-nostartfiles", "--specs=nano.specs", "-T", str(work / "bench.ld"),
                        "-Wl,--gc-sections", "-lc", "-lm", "-lgcc", "-o", str(elf)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    out = subprocess.run([find_tool("qemu-system-arm"), "-machine", m.qemu_machine, "-nographic", "-monitor", "none",
                          "-serial", "none", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return [int(v) for v in (out.stdout + out.stderr).split()]  # (SYS_WRITE0 goes to stderr)


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp", "helium"])
def test_compiler_scratch_equals_the_kernels_get_buffer_size(target, zoo, tmp_path):
    import test_stateful as st

    models = [(name, lambda name=name: zoo(name)) for name in opzoo.CASES]
    models += [(p.stem, p.read_bytes) for p in SHARED_MODELS]
    # the stateful kernels' scratch (SVDF, LSTM; portable kernels on every target)
    models += [("svdf", lambda: st.svdf_model(batches=2)), ("float_svdf", lambda: st.float_svdf(batches=2)),
               ("int8_lstm", lambda: st.int8_lstm(units=5)), ("float_lstm", lambda: st.float_lstm(units=5))]
    checked: Counter = Counter()
    wrong = []
    for k, (name, get) in enumerate(models):
        for func, ours, theirs in _check(get(), target, tmp_path / str(k)):
            checked[func] += 1
            if ours != theirs:
                wrong.append(f"{name}: {func} compiler {ours} bytes, C {theirs}")
    assert not wrong, "\n".join(wrong)
    stateful = {"tslm_svdf_s8", "tslm_svdf_f32", "tslm_lstm_s8", "tslm_lstm_f32"}
    expected = {"portable": {"tslm_conv_s8", "tslm_depthwise_conv_s8", "tslm_fully_connected_s8",
                             "tslm_batch_matmul_s8", "tslm_mean_s8"} | stateful,
                "cortex-m-dsp": {"tslm_dsp_conv_s8", "tslm_dsp_depthwise_conv_s8", "tslm_dsp_fully_connected_s8",
                                 "tslm_dsp_batch_matmul_s8", "tslm_dsp_batch_matmul_pairs_s8",
                                 "tslm_dsp_batch_matmul_pairs_lut_s8",
                                 "tslm_dsp_mean_s8"} | stateful,
                "helium": {"tslm_mve_conv_s8", "tslm_mve_depthwise_conv_s8", "tslm_mve_depthwise_conv_3x3_s8",
                           "tslm_mve_fully_connected_s8", "tslm_mve_batch_matmul_s8",
                           "tslm_mve_batch_matmul_pairs_s8", "tslm_mve_layer_norm_s8"}}[target]
    assert expected <= set(checked), f"kernels never reached: {expected - set(checked)} (checked {dict(checked)})"
