"""Deterministic on-target benchmarks: instructions per inference in QEMU (-icount shift=0).

For each model: instructions per inference (and per MAC), a per-operator
breakdown, our arena next to TFLM's, kernel .text and weights. Reference
figures for TFLM (reference kernels, and with CMSIS-NN), measured on the same
QEMU machine with the same method and input (see issue "Performance"), are
shown beside ours where the model is one of the shared ones.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

# name stem -> (MACs, TFLM reference kernels, TFLM + CMSIS-NN, TFLM arena on Cortex-M4, TFLM+CMSIS-NN .text)
# instructions per inference on mps2-an386, -icount shift=0, LCG input (x=12345; x=x*1664525+1013904223; x>>24)
# TFLM @90b983c2 + CMSIS-NN's MVE kernels, BUILD_TYPE=release for cortex-m55, on mps3-an547 the same way (issue
# "Performance"): instructions per inference
TFLM_CMSIS_MVE = {"mlperf_tiny_kws_ref_model": 1_815_813, "mlperf_tiny_ad01_int8": 150_000,
                  "tflm_micro_speech_quantized": 1_008_219}
TFLM_REFERENCE = {
    "mlperf_tiny_kws_ref_model": (2_656_768, 43_042_480, 7_699_880, 22_820, 84_768),
    "mlperf_tiny_ad01_int8": (264_192, 1_952_280, 582_960, 2_580, 32_704),
    "tflm_micro_speech_quantized": (336_000, 9_310_560, 1_495_400, 6_836, 57_888),
}


def lcg_input(nbytes: int) -> np.ndarray:
    """The benchmark input: x = 12345; for each byte: x = x * 1664525 + 1013904223 (mod 2^32); byte = x >> 24.

    >>> lcg_input(4).tolist()
    [5, 4, -117, -94]
    """
    out = np.empty(nbytes, dtype=np.int8)
    x = 12345
    for i in range(nbytes):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = np.int8(np.uint8(x >> 24).view(np.int8))
    return out


@dataclass
class BenchResult:
    model: str
    board: str
    target: str
    macs: int
    instructions: int  # per inference, LCG input
    instructions_per_mac: float
    arena_bytes: int
    io_bytes: int
    weights_bytes: int
    kernels_text: int  # .text of the kernels and invoke for the board's CPU
    first_outputs: list[int]
    per_op: list[dict] = field(default_factory=list)
    tflm_ref: int | None = None
    tflm_cmsis: int | None = None
    tflm_arena: int | None = None
    tflm_cmsis_text: int | None = None
    label: str = ""  # how the tables name it (default: the file's stem)
    cycles_m4: int | None = None  # estimated Cortex-M4 cycles per inference (tinyslm/cycles.py), M4 boards only
    cycle_classes: dict = field(default_factory=dict)  # estimated cycles per instruction class
    tflm_arena_source: str = ""  # "cortex-m4": the measured figure; "host": TFLM's own allocator on the host
    optimize: str = "speed"  # what the kernels were compiled for (firmware.OPTIMIZE)
    per_op_source: str = "systick"  # "trace": counted from the execution trace; "systick": timer ticks (x40 on M4)

    @property
    def vs_cmsis(self) -> float | None:
        return self.instructions / self.tflm_cmsis if self.tflm_cmsis else None


def _with_tflm(r: BenchResult, model: Path, board: str, label: str) -> BenchResult:
    """TFLM's figures beside ours: the issue's measured ones for a shared model on mps2-an386; otherwise the
    arena TFLM's own allocator asks for on the host (64-bit pointers: a little above what a Cortex-M needs)."""
    r.label = label or model.stem
    r.model = os.path.relpath(model)  # as the tables and JSON name it, whichever folder it was found in
    ref = TFLM_REFERENCE.get(model.stem)
    if ref:  # the arena and .text are the same on every 32-bit Cortex-M; the counts were taken on mps2-an386
        r.tflm_arena, r.tflm_cmsis_text, r.tflm_arena_source = ref[3], ref[4], "cortex-m4"
        if board == "mps2-an386":
            r.tflm_ref, r.tflm_cmsis = ref[1], ref[2]
        elif board == "mps3-an547":
            r.tflm_cmsis = TFLM_CMSIS_MVE.get(model.stem)
        return r
    try:
        from .runners.oracle import Oracle

        total = Oracle(model.read_bytes()).arena().total
    except Exception:  # no oracle installed, or TFLM refuses the model: leave the column empty
        total = -1
    if total > 0:
        r.tflm_arena, r.tflm_arena_source = total, "host"
    return r


def bench_model(model: Path, board: str = "mps2-an386", target: str | None = None, label: str = "",
                optimize: str = "speed") -> BenchResult:
    from .boards import get_board
    from .firmware import opt_flag
    from .compiler import compile_model
    from .runners.codesize import measure as code_size
    from .compiler.lowering import Call
    from .cycles import m4_mix, profile_op_instructions
    from .runners.qemu import build_qemu, run_qemu

    b = get_board(board)
    tgt = target or b.kernel_target
    opt = opt_flag(optimize)
    with tempfile.TemporaryDirectory(prefix="tinyslm-bench-") as tmp:
        cm = compile_model(model, Path(tmp) / "model", name="model", target=tgt)
        inputs = [lcg_input(t.nbytes).view(np.dtype(t.dtype)).reshape(t.shape) if t.dtype != "float32"
                  else lcg_input(t.nbytes).astype(np.float32)[: int(np.prod(t.shape))].reshape(t.shape)
                  for t in cm.inputs]
        elf = build_qemu(cm, Path(tmp) / "plain", b, opt)
        plain = run_qemu(elf, cm, [inputs], b)
        mix = m4_mix(elf, b.emulator.qemu_machine, inputs, f"{cm.name}_invoke") if b.cpu == "cortex-m4" else None
        prof_elf = build_qemu(cm, Path(tmp) / "prof", b, opt, profile=True)
        prof = run_qemu(prof_elf, cm, [inputs], b)
        op_counts, source = prof.op_instructions or {}, "systick"
        if b.cpu == "cortex-m4":  # exact per operator from the trace, the profile points left out
            op_counts = profile_op_instructions(prof_elf, b.emulator.qemu_machine, inputs, f"{cm.name}_invoke",
                                                profile_points(cm))
            source = "trace"
        cs = code_size(cm, cpu=b.cpu, opt=opt, flags=tuple(f for f in b.cflags if f.startswith("-mfloat-abi")))
    calls = {s.op.index: s for s in cm.plan.steps if isinstance(s, Call)}
    per_op = [dict(op=i, opcode=calls[i].op.opcode, kernel=calls[i].func, macs=calls[i].macs, instructions=n,
                   detail=calls[i].note) for i, n in sorted(op_counts.items()) if i in calls]
    instr = plain.instructions[0]
    out0 = plain.outputs[0][0].reshape(-1)[:8].astype(int).tolist()
    r = BenchResult(str(model), b.name, tgt, cm.macs, instr, instr / max(cm.macs, 1), cm.arena_bytes, cm.io_bytes,
                    cm.weights_bytes, (cs.kernels_text + cs.model_text) if cs else 0, out0, per_op)
    r.optimize = optimize
    r.per_op_source = source
    if mix is not None:
        r.cycles_m4, r.cycle_classes = mix.cycles, dict(sorted(mix.cycles_by_class.items()))
    return _with_tflm(r, Path(model), b.name, label)


def bench_firmware(model: Path, board: str = "mps2-an386", label: str = "") -> BenchResult:
    """The same count, measured by the serial-protocol firmware itself (what `tinyslm firmware` builds):
    LCG input sent with `db`, one `infer`, its timer ticks converted to instructions. Works on every
    emulated board, whatever its timer (micro:bit: TIMER0), and includes nothing but the invoke. MACs,
    memory and code size come from the model folder and NAME.json that the firmware build's compile wrote
    (no second compile)."""
    from .boards import get_board
    from .compiler import artifact
    from .device.emulator import QemuEmulator
    from .device.protocol import DutClient
    from .firmware import build
    from .runners.codesize import measure_folder

    b = get_board(board)
    with tempfile.TemporaryDirectory(prefix="tinyslm-bench-fw-") as tmp:
        fw = build(model, b, Path(tmp) / "fw")
        data = b"".join(lcg_input(t["nbytes"]).tobytes() for t in fw.inputs)
        with QemuEmulator(b, fw.elf) as emu, DutClient(emu.url, timeout=120) as c:
            c.sync()
            c.load(data)
            c.infer(1, 0, timeout=600)
            ticks, n, _ = c.ticks()
            raw = c.raw_outputs()
        folder = fw.out_dir / "model"
        art = artifact.load(folder / f"{fw.model_name}.json")
        cs = measure_folder(folder, art.name, cpu=b.cpu, flags=tuple(f for f in b.cflags if f.startswith("-mfloat-abi")))
    instr = b.ticks_to_instructions(ticks // max(n, 1))
    out0 = np.frombuffer(raw[0], dtype=np.dtype(fw.outputs[0]["dtype"])).reshape(-1)[:8].astype(int).tolist()
    r = BenchResult(str(model), b.name, art.target, art.macs, instr, instr / max(art.macs, 1), art.arena_bytes,
                    art.io_bytes, art.weights_bytes, (cs.kernels_text + cs.model_text) if cs else 0, out0, [])
    return _with_tflm(r, Path(model), b.name, label)


def default_models(shared: Path | None = None, runs: Path = Path("runs")) -> list[tuple[Path, str]]:
    """What `tinyslm bench` with no MODELS measures: every shared model (``../shared/models``, or
    ``$TINYSLM_SHARED_MODELS``), then the int8 transformers that `tinyslm build` left under ``runs/``.

    >>> default_models(Path("/nonexistent"), Path("/nonexistent"))
    []
    """
    if shared is None:
        env = os.environ.get("TINYSLM_SHARED_MODELS")
        here = [Path(env)] if env else [Path.cwd().parent / "shared" / "models", Path.cwd() / ".." / "shared" / "models"]
        shared = next((d for d in here if d.is_dir()), here[0])
    found = [(m, m.stem) for m in sorted(shared.glob("*.tflite"))] if shared.is_dir() else []
    for build in sorted(runs.glob("*/train/model.tflite")) if runs.is_dir() else []:
        folder = build.parent.parent
        found.append((build, pipeline_label(folder)))
    return found


def pipeline_label(folder: Path) -> str:
    """A build folder's model as the tables name it: its task and size from report.json, else the folder.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:  # a folder without report.json, whatever the working folder holds
    ...     pipeline_label(Path(d) / "kws-mps2-an386")
    'pipeline kws-mps2-an386'
    """
    try:
        report = json.loads((folder / "report.json").read_text())
        return f"{report['task']} transformer (tinyslm build, {report['model']['params']:,} params)"
    except (OSError, KeyError, TypeError, ValueError):
        return f"pipeline {folder.name}"


def profile_points(cm) -> list[int]:
    """The operator index of each profile point of the compiled model's invoke, in the order they run (the
    generated model's ``TSLM_PROFILE_POINT(n)`` calls, one after each step that has code)."""
    import re

    text = "".join(p.read_text() for p in cm.sources if p.suffix == ".c")
    points = [int(n) for n in re.findall(r"TSLM_PROFILE_POINT\((\d+)\);", text)]
    if not points:
        raise ValueError(f"the compiled model {cm.name} has no profile points")
    return points


def _per_op_summary(r: BenchResult) -> list[tuple[str, int, int, float]]:
    """Per opcode: (opcode, calls, instructions, share of the total)."""
    by: dict[str, list[int]] = {}
    for o in r.per_op:
        c = by.setdefault(o["opcode"], [0, 0, 0])
        c[0] += 1
        c[1] += o["instructions"]
        c[2] += o["macs"]
    total = sum(v[1] for v in by.values()) or 1
    return [(k, v[0], v[1], v[1] / total, v[2]) for k, v in sorted(by.items(), key=lambda kv: -kv[1][1])]


def markdown(results: list[BenchResult], per_op: bool = True) -> str:
    """The summary table (one row per model and board), then each model's cost per operator type."""
    from .compiler.targets import TARGETS

    kernels = {name: t.label for name, t in TARGETS.items()}
    lines = ["| model | board | kernels | MACs | instructions | instr/MAC | vs TFLM+CMSIS-NN | est. M4 cycles ‡ | "
             "arena (B) | TFLM arena (B) | weights (B) | kernels .text (B) | TFLM+CMSIS-NN .text (B) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        tflm_arena = f"{r.tflm_arena:,}{' †' if r.tflm_arena_source == 'host' else ''}" if r.tflm_arena else "-"
        kset = kernels.get(r.target, r.target) + (", -Os" if r.optimize == "size" else "")
        lines.append(f"| {r.label or Path(r.model).stem} | {r.board} | {kset} | {r.macs:,} | "
                     f"{r.instructions:,} | {r.instructions_per_mac:.2f} | {f'{r.vs_cmsis:.2f}x' if r.vs_cmsis else '-'} | "
                     f"{f'{r.cycles_m4:,}' if r.cycles_m4 else '-'} | "
                     f"{r.arena_bytes:,} | {tflm_arena} | {r.weights_bytes:,} | {r.kernels_text:,} | "
                     f"{f'{r.tflm_cmsis_text:,}' if r.tflm_cmsis_text else '-'} |")
    if any(r.cycles_m4 for r in results):
        lines += ["", "‡ Cortex-M4 cycles estimated from the invoke's executed instruction mix (QEMU trace) priced "
                  "per class from the Cortex-M4 TRM's instruction timings (tinyslm/cycles.py: loads 2, pipelined 1, "
                  "SMLAD/MUL 1, taken branches 3, divides 7): zero wait states, no bus contention."]
    if any(r.board == "mps3-an547" for r in results):
        lines += ["", "On mps3-an547 (Cortex-M55, Helium), the count is QEMU's: one per instruction, an MVE "
                  "instruction included, and a loop's end (LE) once per iteration; on silicon an MVE instruction "
                  "takes two beats on the M55's 64-bit datapath (overlapped with its neighbours), gathers one "
                  "element per cycle, and low-overhead loops (WLS/LE, tail-predicated DLSTP/LETP) cost almost "
                  "nothing per iteration. The TFLM+CMSIS-NN figure there is its MVE build, counted the same way."]
    if any(r.tflm_arena_source == "host" for r in results):
        lines += ["", "† TFLM's own allocator for that model on the host (64-bit pointers; on a Cortex-M a little less)."]
    if per_op:
        for r in results:
            rows = _per_op_summary(r)
            if not rows:
                continue
            built = " (built for size, -Os)" if r.optimize == "size" else ""
            how = (" (counted from the execution trace; the profile points' own instructions left out)"
                   if r.per_op_source == "trace" else
                   " (SysTick: whole ticks, the profile points' own instructions included)")
            lines += ["", f"**{r.label or Path(r.model).stem}** on {r.board}{built}: instructions per operator type"
                      f"{how}", "",
                      "| op | calls | instructions | share | instr/MAC |", "|---|---|---|---|---|"]
            lines += [f"| {op} | {n} | {ins:,} | {100 * share:.1f}% | {f'{ins / macs:.2f}' if macs else '-'} |"
                      for op, n, ins, share, macs in rows]
    return "\n".join(lines) + "\n"


README_BEGIN = "<!-- tinyslm bench: begin -->"
README_END = "<!-- tinyslm bench: end -->"


def update_readme(readme: Path, table: str) -> None:
    """Put `table` between the bench markers of `readme` (which must have them)."""
    text = readme.read_text()
    if README_BEGIN not in text or README_END not in text:
        from .errors import TinyslmError

        raise TinyslmError(f"{readme} has no '{README_BEGIN}' ... '{README_END}' markers",
                           hint="add both lines where the bench table belongs")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_BEGIN}\n{table}{README_END}{tail}")


def save(results: list[BenchResult], json_path: Path | None, md_path: Path | None) -> None:
    if json_path:
        json_path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    if md_path:
        md_path.write_text(markdown(results))
