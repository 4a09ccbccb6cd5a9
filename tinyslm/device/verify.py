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
        raw = client.raw_outputs()
        row = []
        for spec, data in zip(output_specs, raw):
            row.append(np.frombuffer(data, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]))
        outs.append(row)
        t, n, hz = client.ticks()
        ticks.append(t // max(n, 1))
    return DeviceRun(outs, ticks, hz)


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
    instructions: list[int] = field(default_factory=list)  # emulator only
    ticks: list[int] = field(default_factory=list)
    tick_hz: int = 0
    clock_hz: int = 0
    emulated: bool = True
    size_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.device_vs_host == self.runs and self.device_vs_tflm == self.runs

    def lines(self) -> list[str]:
        out = [f"device vs host C: {self.device_vs_host}/{self.runs} identical",
               f"device vs TFLM:   {self.device_vs_tflm}/{self.runs} identical"]
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
    from ..compiler.hostrun import build_host, run_host
    from ..compiler.oracle import Oracle, random_inputs
    from ..firmware import build
    from .emulator import emulator_for

    b = get_board(board) if isinstance(board, str) else board
    with tempfile.TemporaryDirectory(prefix="tinyslm-device-") as tmp:
        root = Path(work) if work else Path(tmp)
        fw = build(model, b, root / "firmware", name="model")
        from ..compiler import compile_model

        cm = compile_model(model, root / "host_model", name="model", target=b.kernel_target)
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

    def same(a: list[np.ndarray], b_: list[np.ndarray]) -> bool:
        return all(np.array_equal(x, np.asarray(y).reshape(x.shape)) for x, y in zip(a, b_))

    return DeviceReport(str(model), b.name, len(batches),
                        sum(same(d, h) for d, h in zip(run.outputs, host)),
                        sum(same(d, r) for d, r in zip(run.outputs, ref)),
                        run.instructions(b) if port is None else [], run.ticks, run.tick_hz, b.clock_hz,
                        port is None, fw.size.lines())
