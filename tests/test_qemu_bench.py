"""The generated C on an emulated Cortex-M4 (QEMU mps2-an386): bit-exact, counted, repeatable."""

from __future__ import annotations

import shutil

import opzoo
import pytest
from conftest import SHARED_MODELS

from tinyslm.compare import compare_outputs
from tinyslm.runners.oracle import Oracle
from tinyslm.runners.qemu import measure

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
@pytest.mark.parametrize("model_path", SHARED_MODELS, ids=[p.stem for p in SHARED_MODELS])
def test_bit_exact_on_cortex_m4_in_qemu(model_path, target):
    cm, batches, run = measure(model_path, "mps2-an386", target, n_inputs=5, seed=11)
    oracle = Oracle(model_path.read_bytes())
    assert len(run.outputs) == len(batches) == 5
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
    assert all(n > 0 for n in run.instructions)


def test_instruction_counts_repeat_exactly(zoo):
    model = zoo("ds_block_in_place")
    _, _, first = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=1)
    _, _, second = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=1)
    assert first.instructions == second.instructions


@pytest.mark.parametrize("name", [*opzoo.DSP_CASES, "quantize_dequantize", "softmax_long", "mean_hw_keepdims"])
def test_op_zoo_bit_exact_on_cortex_m4(name, zoo):
    """The optimized kernels (Thumb-2 assembly and DSP intrinsics) on the M4, every odd shape of the zoo."""
    model = zoo(name)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=4, seed=2, profile=True)
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 4
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem
    assert run.op_instructions and sum(run.op_instructions.values()) > 0


# one case per optimized kernel family (and a whole transformer)
SIZE_CASES = ["conv_3x3_same", "conv_1x1", "conv_c3_stride2_odd_pixels_relu6", "depthwise_3x3", "depthwise_5x1_relu6", "depthwise_c1_mult3_4x9_stride2",
              "dense_rows", "add_broadcast_rows", "softmax_long", "mean_hw_keepdims", "batch_matmul_attention"]


@pytest.mark.parametrize("name", SIZE_CASES)
def test_size_build_bit_exact_on_cortex_m4(name, zoo):
    """The size build (--optimize size: -Os, the kernels' helpers called instead of inlined) is the same C, so it
    must give the same bytes: the DSP kernels built that way against TFLM on the M4."""
    from tinyslm.firmware import opt_flag

    model = zoo(name)
    cm, batches, run = measure(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=5, opt=opt_flag("size"))
    oracle = Oracle(model)
    assert len(run.outputs) == len(batches) == 3
    for inputs, ours in zip(batches, run.outputs):
        c = compare_outputs(oracle.run(inputs), ours)
        assert c.identical and c.bytes_compared == sum(t.nbytes for t in cm.outputs), c.problem


@pytest.mark.skipif(not SHARED_MODELS, reason="needs ../shared/models (TINYSLM_SHARED_MODELS)")
def test_bench_cli_writes_json_markdown_readme_and_repeats(zoo, tmp_path):
    """`tinyslm bench` on a shared model and a build folder (a pipeline-style transformer): JSON, Markdown and
    the README's marked section, byte-identical on a second run; ad01's first outputs are the issue's anchors."""
    import json
    import subprocess
    import sys

    ad01 = next(p for p in SHARED_MODELS if "ad01" in p.name)
    build = tmp_path / "runs" / "kws-mps2-an386"
    (build / "train").mkdir(parents=True)
    (build / "train" / "model.tflite").write_bytes(zoo("transformer_meanpool"))
    (build / "report.json").write_text(json.dumps({"task": "kws", "model": {"params": 1234}}))
    runs = []
    d = tmp_path / "out"
    d.mkdir()
    for _ in range(2):
        readme = d / "README.md"
        readme.write_text("# x\n<!-- tinyslm bench: begin -->\nold\n<!-- tinyslm bench: end -->\ntail\n")
        r = subprocess.run([sys.executable, "-m", "tinyslm.cli", "bench", str(ad01), str(build), "--json",
                            str(d / "b.json"), "--markdown", str(d / "b.md"), "--readme", str(readme)],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        runs.append([(d / n).read_text() for n in ("b.json", "b.md", "README.md")])
    assert runs[0] == runs[1]
    rows = json.loads(runs[0][0])
    assert [r["label"] for r in rows] == ["mlperf_tiny_ad01_int8", "kws transformer (tinyslm build, 1,234 params)"]
    assert rows[0]["first_outputs"] == [-28, 5, 5, 30, 47, 62, 46, 49]
    # a shared model on mps2-an386 gets TFLM's measured counts (and our ratio to them), a build folder's model
    # none, but the arena TFLM's own allocator asks for on the host
    assert rows[0]["tflm_cmsis"] and rows[0]["tflm_arena_source"] == "cortex-m4" and rows[1]["tflm_cmsis"] is None
    ratio = f"{rows[0]['instructions'] / rows[0]['tflm_cmsis']:.2f}"
    assert any(line.startswith("| mlperf_tiny_ad01_int8 |") and ratio in line for line in runs[0][1].splitlines())
    assert rows[1]["tflm_arena_source"] == "host" and rows[1]["tflm_arena"] > 0
    assert {o["opcode"] for o in rows[1]["per_op"]} >= {"FULLY_CONNECTED", "BATCH_MATMUL", "SOFTMAX", "MEAN"}
    md, readme = runs[0][1], runs[0][2]
    assert "| kws transformer (tinyslm build, 1,234 params) | mps2-an386 | Cortex-M DSP |" in md
    assert "| SOFTMAX |" in md and "old" not in readme and readme.endswith("<!-- tinyslm bench: end -->\ntail\n")
    assert md.split("\n\n")[0] in readme and "| SOFTMAX |" not in readme


def test_bench_via_firmware_reads_the_compile_artifact(monkeypatch):
    """`tinyslm bench --via firmware` compiles once (inside the firmware build) and takes MACs, memory and code
    size from the NAME.json and folder that compile wrote; they equal the direct bench's, and so does the
    instruction count (the firmware's own timer)."""
    import tinyslm.compiler as compiler
    from tinyslm.bench import bench_firmware, bench_model

    model = next((p for p in SHARED_MODELS if "hello_world" in p.stem), None)
    if model is None:
        pytest.skip("needs the shared hello_world model")
    calls = []
    real = compiler.compile_model
    monkeypatch.setattr(compiler, "compile_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    fw = bench_firmware(model)
    assert len(calls) == 1
    ref = bench_model(model)
    for field in ("macs", "arena_bytes", "io_bytes", "weights_bytes", "kernels_text", "target"):
        assert getattr(fw, field) == getattr(ref, field), field
    # both counts are timer ticks (mps2-an386: 25 MHz, 40 instructions a tick), and where the invoke starts
    # within a tick differs between the two builds: equal to the tick
    from tinyslm.boards import get_board

    assert abs(fw.instructions - ref.instructions) <= get_board("mps2-an386").ticks_to_instructions(1)
    assert fw.macs > 0 and fw.kernels_text > 0


def test_bench_counts_each_op_from_the_trace_on_the_m4():
    """On mps2-an386 the per-operator counts come from the execution trace of the profile build, the profile
    points' own instructions left out: each op's count sits within one SysTick tick (40 instructions) below the
    timer's interval for it, which holds the profile point too, and the ops add up to the whole invoke."""
    from tinyslm.bench import bench_model, profile_points
    from tinyslm.boards import get_board
    from tinyslm.compiler import compile_model
    import tempfile
    from pathlib import Path

    import numpy as np

    from tinyslm.runners.qemu import build_qemu, run_qemu

    model = next((p for p in SHARED_MODELS if "micro_speech" in p.stem), None)
    if model is None:
        pytest.skip("needs the shared micro_speech model")
    r = bench_model(model)
    assert r.per_op_source == "trace" and {o["opcode"] for o in r.per_op} >= {"DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}
    b = get_board("mps2-an386")
    tick = b.ticks_to_instructions(1)
    with tempfile.TemporaryDirectory() as tmp:  # the timer's per-op intervals of the same profile build
        from tinyslm.bench import lcg_input

        cm = compile_model(model, Path(tmp) / "m", name="model", target=r.target)
        assert {o["op"] for o in r.per_op} <= set(profile_points(cm))
        inputs = [lcg_input(t.nbytes).view(np.dtype(t.dtype)).reshape(t.shape) for t in cm.inputs]
        timer = run_qemu(build_qemu(cm, Path(tmp) / "p", b, profile=True), cm, [inputs], b).op_instructions
    for o in r.per_op:  # the timer's interval: the op, its profile point (~22 instructions), +- a tick
        assert 0 < o["instructions"] <= timer[o["op"]] + tick, (o, timer[o["op"]])
        assert timer[o["op"]] - o["instructions"] <= 40 + tick, (o, timer[o["op"]])
    assert abs(sum(o["instructions"] for o in r.per_op) - r.instructions) <= 2 * tick
