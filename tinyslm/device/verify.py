"""Run inputs through firmware over the serial protocol; compare with the host build and TFLM."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..boards import Board, get_board
from .protocol import DutClient


@dataclass
class DeviceRun:
    outputs: list[list[np.ndarray]]  # per input, per output tensor
    ticks: list[int]  # timer ticks per inference
    tick_hz: int

    def instructions(self, board: Board) -> list[int]:
        """Under QEMU -icount shift=0: one instruction per ns of virtual time (meaningless on real hardware,
        where `ticks` are timer ticks or, with a DWT board, core cycles)."""
        return [board.ticks_to_instructions(t) for t in self.ticks]


def run_inputs(client: DutClient, batches: list[list[np.ndarray]], output_specs: list[dict],
               binary: bool = False) -> DeviceRun:
    """Load each input set (`binary`: with tinyslm-bin, see DutClient.load), infer once, read the raw outputs
    and the tick count."""
    outs, ticks, hz = [], [], 1
    for inputs in batches:
        client.load(b"".join(np.ascontiguousarray(a).tobytes() for a in inputs), binary=binary)
        client.infer(1, 0)
        outs.append(_decode(client.raw_outputs(), output_specs))
        t, n, hz = client.ticks()
        ticks.append(t // max(n, 1))
    return DeviceRun(outs, ticks, hz)


def _decode(raw: list[bytes], specs: list[dict]) -> list[np.ndarray]:
    """The device's raw outputs as arrays, kept as they came: an output of the wrong length stays raw bytes
    (uint8) and a missing one stays missing, so the comparison fails on them instead of passing on less."""
    row = []
    for spec, data in zip(specs, raw):
        dt = np.dtype(spec["dtype"])
        n = int(np.prod(spec["shape"])) * dt.itemsize
        row.append(np.frombuffer(data, dtype=dt).reshape(spec["shape"]) if len(data) == n
                   else np.frombuffer(bytes(data), dtype=np.uint8))
    return row + [np.frombuffer(bytes(d), dtype=np.uint8) for d in raw[len(specs):]]


def compare_runs(device: list[list[np.ndarray]], expected: list[list[np.ndarray]]) -> tuple[int, int, list[str]]:
    """Inputs whose every device output equals the expected one byte for byte, the bytes compared, and the
    first problems found. A missing run, a missing output or a short one counts as different."""
    from ..compare import compare_outputs

    identical, nbytes, problems = 0, 0, []
    if len(device) != len(expected):
        problems.append(f"{len(device)} runs, expected {len(expected)}")
    for i, exp in enumerate(expected):
        c = compare_outputs(exp, device[i] if i < len(device) else None)
        identical += c.identical
        nbytes += c.bytes_compared
        if c.problem and len(problems) < 5:
            problems.append(f"input {i}: {c.problem}")
    return identical, nbytes, problems


def libm_rounding(device: list[list[np.ndarray]], expected: list[list[np.ndarray]], model: bytes
                  ) -> tuple[int, list[str]]:
    """Of the inputs whose device outputs are not the expected ones byte for byte, how many differ only in
    float32 outputs computed through the C library (tinyslm/compiler/libm.py: newlib on a Cortex-M rounds
    expf, tanhf, ... not as glibc does) and only within its rounding: the measured ulp bound for an output
    such an op writes from clean inputs, DOWNSTREAM_RTOL of the output's largest magnitude further on, NaNs
    and infinities where the expected ones are. Returns that count and a note per output that differed."""
    from ..compare import compare_outputs
    from ..compiler.libm import DOWNSTREAM_RTOL, direct_bound, libm_dependence
    from ..compiler.reader import read_model

    g = read_model(model)
    deps = libm_dependence(g)
    if not any(deps):
        return 0, []
    bounds = [direct_bound(g, k) for k in range(len(deps))]
    within, worst = 0, {}
    for i, exp in enumerate(expected):
        got = device[i] if i < len(device) else None
        if got is None or len(got) != len(exp) or compare_outputs(exp, got).identical:
            continue
        ok = True
        for k, (e, d) in enumerate(zip(exp, got)):
            e, d = np.asarray(e), np.asarray(d)
            if e.tobytes() == d.tobytes():
                continue
            if not deps[k] or e.dtype != np.float32 or d.dtype != np.float32 or e.size != d.size:
                ok = False
                break
            e, d = e.ravel(), d.ravel()
            fin = np.isfinite(e)
            if not (np.array_equal(fin, np.isfinite(d)) and np.array_equal(e[~fin], d[~fin], equal_nan=True)):
                ok = False
                break
            ulps = int(np.max(np.abs(e[fin].view(np.int32).astype(np.int64) - d[fin].view(np.int32).astype(np.int64)),
                              initial=0))
            scale = float(np.max(np.abs(e[fin]), initial=0.0))
            rel = float(np.max(np.abs(e[fin].astype(np.float64) - d[fin]), initial=0.0)) / (scale or 1.0)
            if (ulps > bounds[k]) if bounds[k] is not None else (rel > DOWNSTREAM_RTOL):
                ok = False
                break
            w = worst.setdefault(k, [0, 0.0])
            w[0], w[1] = max(w[0], ulps), max(w[1], rel)
        within += ok
    notes = [f"output {k} (through {', '.join(sorted(deps[k]))}): at most "
             + (f"{u} ulps (bound {bounds[k]})" if bounds[k] is not None else
                f"{r:.1e} of its largest value (bound {DOWNSTREAM_RTOL:g})")
             for k, (u, r) in sorted(worst.items())]
    return within, notes


def output_specs(meta: dict) -> list[dict]:
    """firmware.json's outputs as run_inputs wants them: dtype and shape."""
    return [dict(dtype=o["dtype"], shape=tuple(int(d) for d in o["shape"].split("x"))) for o in meta["outputs"]]


def run_firmware(fw_dir: Path, batches: list[list[np.ndarray]], port: str | None = None, emulator: str = "qemu",
                 timeout: float = 30.0) -> DeviceRun:
    """Run input sets through a built firmware folder: in its board's emulator, or on the device at `port`
    (which must run this very build). Returns outputs and ticks per inference (`.instructions(board)`
    in an emulator). The one call the build pipeline and `verify --board/--port` need."""
    from ..errors import DeviceError
    from ..firmware import load_metadata
    from .emulator import emulator_for

    meta = load_metadata(Path(fw_dir))
    b = get_board(meta["board"])
    specs = output_specs(meta)
    if port is None:
        with emulator_for(b, Path(fw_dir) / "build" / "firmware.elf", emulator) as emu, \
                DutClient(emu.url, baud=b.uart.baud, timeout=timeout) as client:
            client.sync()
            return run_inputs(client, batches, specs)
    with DutClient(port, baud=b.uart.baud, timeout=timeout) as client:
        client.sync()
        info = client.info()
        if info.get("build_id") != meta["build_id"]:
            raise DeviceError(f"the device on {port} runs build {info.get('build_id')} ({info.get('board')}), "
                              f"not {meta['build_id']}", hint=f"flash it: tinyslm flash {fw_dir} --board {b.name}")
        return run_inputs(client, batches, specs)


@dataclass
class DeviceReport:
    model: str
    board: str
    runs: int
    device_vs_host: int  # inputs where every output matched byte for byte
    device_vs_tflm: int
    bytes_compared: int = 0  # device output bytes compared with the host build (and as many with TFLM)
    problems: list[str] = field(default_factory=list)  # the first differences found
    instructions: list[int] = field(default_factory=list)  # emulator only
    ticks: list[int] = field(default_factory=list)
    tick_hz: int = 0
    clock_hz: int = 0
    emulated: bool = True
    size_lines: list[str] = field(default_factory=list)
    # inputs not identical but different only where the C library rounds (libm_rounding), and how much
    libm_vs_host: int = 0
    libm_vs_tflm: int = 0
    libm_notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.runs > 0 and self.bytes_compared > 0 and self.device_vs_host + self.libm_vs_host == self.runs
                and self.device_vs_tflm + self.libm_vs_tflm == self.runs)

    def lines(self) -> list[str]:
        libm = lambda n: f", {n} within the C library's rounding" if n else ""  # noqa: E731
        out = [f"device vs host C: {self.device_vs_host}/{self.runs} identical{libm(self.libm_vs_host)} "
               f"({self.bytes_compared:,} bytes compared)",
               f"device vs TFLM:   {self.device_vs_tflm}/{self.runs} identical{libm(self.libm_vs_tflm)}"]
        if self.libm_notes:
            out.append("  float32 outputs computed through expf/logf/sinf/cosf/tanhf/expm1f, which the device's C "
                       "library (newlib) rounds differently from the host's (README, Numerics):")
            out += [f"    {n}" for n in self.libm_notes]
        if not self.ok:
            out += [f"  {p}" for p in self.problems]
        if self.emulated and self.instructions:
            med = int(np.median(self.instructions))
            out.append(f"instructions per inference: {med:,} (median; min {min(self.instructions):,}, "
                       f"max {max(self.instructions):,}); at {self.clock_hz / 1e6:g} MHz and 1 instruction "
                       f"per cycle: {1000 * med / self.clock_hz:.2f} ms")
        elif self.ticks:
            med = int(np.median(self.ticks))
            out.append(f"cycles per inference: {med:,} (timer at {self.tick_hz / 1e6:g} MHz): "
                       f"{1000 * med / self.tick_hz:.2f} ms")
        return out


def verify_on_device(model: str | Path, board: str | Board, port: str | None = None, n_inputs: int = 20,
                     seed: int = 0, work: Path | None = None, emulator: str = "qemu",
                     real_inputs: list[list[np.ndarray]] | None = None) -> DeviceReport:
    """Build the firmware, run it (emulator unless `port`), compare with host C and TFLM."""
    from ..runners.host import build_host, run_host
    from ..runners.oracle import Oracle, random_inputs
    from ..firmware import build
    from .emulator import emulator_for

    b = get_board(board) if isinstance(board, str) else board
    with tempfile.TemporaryDirectory(prefix="tinyslm-device-") as tmp:
        root = Path(work) if work else Path(tmp)
        fw = build(model, b, root / "firmware", name="model")
        from ..compiler import compile_model

        from ..compiler.targets import host_target

        # the host build of the same C: the board's kernels, or for kernels of one CPU only (Helium) the ones
        # they fall back to, which must give the same bytes
        cm = compile_model(model, root / "host_model", name="model", target=host_target(b.kernel_target))
        exe = build_host(cm, root / "host_build")
        rng = np.random.default_rng(seed)
        batches = [random_inputs(cm.inputs, rng) for _ in range(n_inputs)] + list(real_inputs or [])
        host = run_host(exe, cm, batches)
        oracle = Oracle(Path(model).read_bytes() if not isinstance(model, bytes) else model)
        ref = [oracle.run(inp) for inp in batches]
        specs = fw.outputs
        specs = [dict(dtype=s["dtype"], shape=tuple(int(d) for d in s["shape"].split("x"))) for s in specs]
        if port is None:
            with emulator_for(b, fw.elf, emulator) as emu, DutClient(emu.url, timeout=30) as client:
                client.sync()
                run = run_inputs(client, batches, specs)
        else:
            with DutClient(port, baud=b.uart.baud, timeout=30) as client:
                client.sync()
                info = client.info()
                if info.get("build_id") != fw.build_id:
                    from ..errors import DeviceError

                    raise DeviceError(f"the device runs build {info.get('build_id')} of model "
                                      f"{info.get('model')}, not this model's build {fw.build_id}",
                                      hint=f"flash it first: tinyslm flash {root / 'firmware'} --board {b.name}")
                run = run_inputs(client, batches, specs)

    vs_host, nbytes, problems = compare_runs(run.outputs, host)
    vs_tflm, _, problems_tflm = compare_runs(run.outputs, ref)
    model_bytes = Path(model).read_bytes() if not isinstance(model, bytes) else model
    libm_host, notes = libm_rounding(run.outputs, host, model_bytes) if vs_host < len(batches) else (0, [])
    libm_tflm, notes_tflm = libm_rounding(run.outputs, ref, model_bytes) if vs_tflm < len(batches) else (0, [])
    return DeviceReport(str(model), b.name, len(batches), vs_host, vs_tflm, nbytes,
                        problems or [f"vs TFLM: {p}" for p in problems_tflm],
                        run.instructions(b) if port is None else [], run.ticks, run.tick_hz, b.clock_hz,
                        port is None, fw.size.lines(), libm_host, libm_tflm, notes or notes_tflm)
