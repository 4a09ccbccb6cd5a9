"""Scratch sizes have one source in Python (the op modules and target layouts) and are checked against the C
kernels, the way CMSIS-NN pairs every kernel with `*_get_buffer_size`: every kernel that takes scratch has a
`<kernel>_get_buffer_size(const params *)` in C, and for every call of every op-zoo case and shared model, on
the portable and Cortex-M DSP targets, it returns exactly the bytes the compiler reserved (in place included)."""

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
    lines = [f'    printf("%ld\\n", (long){s.func}_get_buffer_size(&op{s.op.index}));' for _, s in calls]
    (work / "sizes.c").write_text('#include <stdio.h>\n#include "model.c"\n\nint main(void)\n{\n'
                                  + "\n".join(lines) + "\n    return 0;\n}\n")
    cc = find_cc()
    flags = [*WARN_FLAGS, "-Werror=implicit-function-declaration", "-O0", "-I", str(cm.out_dir)]
    kernels = [kernel_object(cc, flags, f, cm.out_dir) for f in cm.sources if f.name.startswith("tslm_")]
    exe = work / "sizes"
    r = subprocess.run([cc, *flags, str(work / "sizes.c"), *map(str, kernels), "-lm", "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    got = [int(v) for v in subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()]
    assert len(got) == len(calls)
    for (pos, s), c in zip(calls, got):
        assert (pos in cm.plan.scratch) == (s.scratch_bytes > 0), (s.func, pos)
    return [(s.func, s.scratch_bytes, c) for (_, s), c in zip(calls, got)]


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_compiler_scratch_equals_the_kernels_get_buffer_size(target, zoo, tmp_path):
    models = [(name, lambda name=name: zoo(name)) for name in opzoo.CASES]
    models += [(p.stem, p.read_bytes) for p in SHARED_MODELS]
    checked: Counter = Counter()
    wrong = []
    for k, (name, get) in enumerate(models):
        for func, ours, theirs in _check(get(), target, tmp_path / str(k)):
            checked[func] += 1
            if ours != theirs:
                wrong.append(f"{name}: {func} compiler {ours} bytes, C {theirs}")
    assert not wrong, "\n".join(wrong)
    expected = {"portable": {"tslm_conv_s8", "tslm_depthwise_conv_s8", "tslm_fully_connected_s8",
                             "tslm_batch_matmul_s8", "tslm_mean_s8"},
                "cortex-m-dsp": {"tslm_dsp_conv_s8", "tslm_dsp_depthwise_conv_s8", "tslm_dsp_fully_connected_s8",
                                 "tslm_dsp_batch_matmul_s8", "tslm_dsp_mean_s8"}}[target]
    assert expected <= set(checked), f"kernels never reached: {expected - set(checked)} (checked {dict(checked)})"
