"""What a trial needs from the board, from the compiler's own plan: RAM, flash, instructions per inference.

- RAM and flash are what :func:`tinyslm.firmware.check_fit` charges before a firmware build (the exact arena
  of the plan, the model's input/output buffers, the board's stack, the app's static RAM; the weight arrays
  the emitter writes plus the firmware's code estimate), so a point that fits here passes the build's check.
- Instructions per inference are *estimated* from the plan with a per-operator linear model
  (instructions = a * MACs + b * output elements + c * input elements + d, one set of coefficients per
  opcode and kernel target), fitted on instruction counts measured in QEMU (``-icount shift=0``, per-operator
  profile) on random-weight students of several sizes: ``python -m tinyslm.tune.cost`` measures them again
  and prints the table below. The Pareto set is then measured in QEMU (:func:`measure_instructions`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# opcode -> (per MAC, per output element, per input element, per call); fitted by `calibrate()`
# (python -m tinyslm.tune.cost, mps2-an386 Cortex-M4 in QEMU; see the module docstring).
COEFFICIENTS: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "cortex-m-dsp": {},
    "portable": {},
}
FALLBACK = (2.3, 4.0, 2.0, 100.0)  # an opcode the calibration did not see: the KWS transformer's mean per MAC


@dataclass
class Need:
    """A compiled model on a board (bytes and instructions)."""

    arena_bytes: int  # the plan's arena
    io_bytes: int  # input/output buffers as the firmware holds them
    ram_bytes: int  # arena + I/O + stack + app static RAM
    weights_bytes: int  # the weight/table arrays the emitter writes (flash)
    flash_bytes: int  # weights + the firmware's code estimate
    macs: int
    instructions_est: int
    ram_capacity: int
    flash_capacity: int

    @property
    def fits(self) -> bool:
        return self.ram_bytes <= self.ram_capacity and self.flash_bytes <= self.flash_capacity

    def why(self) -> str:
        kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
        out = []
        if self.ram_bytes > self.ram_capacity:
            out.append(f"RAM {kb(self.ram_bytes)} > {kb(self.ram_capacity)} (arena {kb(self.arena_bytes)})")
        if self.flash_bytes > self.flash_capacity:
            out.append(f"flash {kb(self.flash_bytes)} > {kb(self.flash_capacity)} (weights {kb(self.weights_bytes)})")
        return "; ".join(out)

    def to_dict(self) -> dict:
        return {**asdict(self), "fits": self.fits}


def _features(graph: Any, call: Any) -> tuple[float, float, float, float]:
    op = call.op
    outs = sum(graph.tensors[i].numel for i in op.outputs)
    ins = sum(graph.tensors[i].numel for i in op.inputs if i >= 0 and not graph.tensors[i].is_const)
    return float(call.macs), float(outs), float(ins), 1.0


def _calls(plan: Any) -> list[Any]:
    return [s for s in plan.steps if hasattr(s, "func") and hasattr(s, "macs")]


def estimate_instructions(graph: Any, plan: Any, target: str) -> int:
    """Instructions per inference of a planned model, from the per-opcode linear model."""
    table = COEFFICIENTS.get(target) or COEFFICIENTS["cortex-m-dsp"]
    total = 0.0
    for call in _calls(plan):
        coef = table.get(call.op.opcode, FALLBACK)
        total += float(np.dot(coef, _features(graph, call)))
    return int(round(total))


def need_of(tflite: bytes | Path, board: Any) -> Need:
    """RAM, flash and estimated instructions of an int8 model on `board` (a :class:`tinyslm.boards.Board`)."""
    import tempfile

    from ..compiler import compile_model
    from ..firmware import APP_STATIC_RAM, CODE_ESTIMATE, _io_layout, _io_ram

    with tempfile.TemporaryDirectory(prefix="tinyslm-tune-") as tmp:
        cm = compile_model(tflite, Path(tmp) / "model", name="model", target=board.kernel_target)
    db_bytes, tensors = _io_layout(cm, None)
    io = _io_ram(db_bytes, tensors)
    ram = cm.arena_bytes + io + board.stack_bytes + APP_STATIC_RAM
    return Need(arena_bytes=cm.arena_bytes, io_bytes=io, ram_bytes=ram, weights_bytes=cm.weights_bytes,
                flash_bytes=cm.weights_bytes + CODE_ESTIMATE, macs=cm.macs,
                instructions_est=estimate_instructions(cm.graph, cm.plan, board.kernel_target),
                ram_capacity=board.memory.ram_bytes, flash_capacity=board.memory.flash_bytes)


def can_measure(board: Any) -> bool:
    """Whether QEMU's bench runtime runs on this board (emulated, SysTick)."""
    return bool(board.emulated and board.timer == "systick")


def measure_instructions(tflite: bytes | Path, board: Any) -> int:
    """Instructions of one inference measured in QEMU (-icount shift=0), the bench runtime's plain invoke."""
    from ..compiler.qemurun import measure

    _, _, run = measure(tflite, board, n_inputs=1)
    return int(run.instructions[0])


# ---------------------------------------------------------------- calibration
def _random_students() -> list[Any]:
    from ..train.models import KWTConfig, TransformerAEConfig

    return [KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=2),
            KWTConfig(dim=32, heads=2, blocks=2, mlp=64, patch=2, stem="conv", stem_channels=16),
            KWTConfig(dim=48, heads=4, blocks=2, mlp=96, patch=2, stem="conv"),
            KWTConfig(dim=24, heads=1, blocks=3, mlp=72, patch=4),
            KWTConfig(dim=64, heads=4, blocks=1, mlp=64, patch=3, stem="conv", stem_channels=24),
            TransformerAEConfig(dim=16, heads=2, mlp=32),
            TransformerAEConfig(dim=32, heads=2, blocks=2, mlp=96, latent=16, decoder_blocks=2),
            TransformerAEConfig(dim=48, heads=4, mlp=96)]


def random_int8(cfg: Any, seed: int = 0) -> bytes:
    """An int8 .tflite of `cfg` with random weights (what sizing's exact estimator converts)."""
    from ..train._tf import keras, seed_everything
    from ..train.quantize import convert_int8
    from ..train.sizing import build_student

    seed_everything(seed)
    model = build_student(cfg)
    calib = np.random.default_rng(seed).standard_normal((32, *model.input_shape[1:])).astype(np.float32)
    tfl = convert_int8(model, calib, n_calib=32)
    keras.backend.clear_session()
    return tfl


def calibrate(target: str, board: str = "mps2-an386") -> tuple[dict[str, tuple[float, ...]], list[tuple]]:
    """Fit the per-opcode coefficients on profiled QEMU runs; returns (table, [(model, measured, estimate)])."""
    from ..compiler.qemurun import measure

    rows: dict[str, list[tuple[tuple[float, ...], float]]] = {}
    runs = []
    for cfg in _random_students():
        cm, _, run = measure(random_int8(cfg), board, target=target, n_inputs=1, profile=True)
        for call in _calls(cm.plan):
            n = (run.op_instructions or {}).get(call.op.index)
            if n is not None:
                rows.setdefault(call.op.opcode, []).append((_features(cm.graph, call), float(n)))
        runs.append((cfg.describe(), cm, run.instructions[0]))
    table = {}
    for opcode, data in sorted(rows.items()):
        a = np.array([f for f, _ in data])
        y = np.array([n for _, n in data])
        keep = a.any(axis=0)  # features this opcode never has (MACs of an ADD) stay 0
        coef = np.zeros(4)
        sol, *_ = np.linalg.lstsq(a[:, keep], y, rcond=None)
        coef[keep] = np.clip(sol, 0, None)
        table[opcode] = tuple(round(float(c), 4) for c in coef)
    COEFFICIENTS[target] = table
    checks = [(name, measured, estimate_instructions(cm.graph, cm.plan, target)) for name, cm, measured in runs]
    return table, checks


if __name__ == "__main__":  # pragma: no cover - calibration, run by hand
    for tgt in ("cortex-m-dsp", "portable"):
        tab, chk = calibrate(tgt)
        print(f'    "{tgt}": {{')
        for k, v in tab.items():
            print(f'        "{k}": {v},')
        print("    },")
        for name, m, e in chk:
            print(f"#   {name}: measured {m:,d}, estimated {e:,d} ({100 * (e - m) / m:+.1f}%)")
