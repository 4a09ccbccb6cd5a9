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

from ..compiler.targets import CORTEX_M_DSP, PORTABLE

# opcode -> (per MAC, per output element, per input element, per call); fitted by `calibrate()`
# (python -m tinyslm.tune.cost, mps2-an386 Cortex-M4 in QEMU; see the module docstring).
COEFFICIENTS: dict[str, dict[str, tuple[float, float, float, float]]] = {
    CORTEX_M_DSP.name: {
        "ADD": (0.0, 19.7096, 0.2895, 0.0),
        "BATCH_MATMUL": (0.9448, 16.501, 5.0668, 2066.873),
        "CONCATENATION": (0.0, 0.1075, 0.3545, 100.145),
        "CONV_2D": (1.8622, 0.0, 0.0, 49186.079),
        "FULLY_CONNECTED": (0.8452, 15.6417, 2.5688, 483.1095),
        "MEAN": (0.0, 116.4759, 1.4738, 0.0),
        "MUL": (8.0679, 5.1913, 0.0, 396.9768),
        "RSQRT": (0.0, 2.646, 2.646, 22.2169),
        "SOFTMAX": (0.0, 14.1779, 14.1779, 1133.5307),
        "STRIDED_SLICE": (0.0, 5.4092, 0.0, 77.6025),
        "SUB": (0.0, 0.0, 53.9723, 132.3078),
        "TRANSPOSE": (0.0, 1.5648, 1.5648, 410.3237),
    },
    PORTABLE.name: {
        "ADD": (0.0, 89.5382, 2.543, 0.0),
        "BATCH_MATMUL": (9.9596, 45.516, 0.5407, 28.0337),
        "CONCATENATION": (0.0, 0.2981, 0.2329, 100.2796),
        "CONV_2D": (5.9316, 196.0269, 6.5559, 0.0),
        "FULLY_CONNECTED": (6.9757, 52.7749, 1.6956, 345.3939),
        "MEAN": (0.0, 65.1252, 9.9691, 156.9696),
        "MUL": (41.0712, 6.037, 0.0, 350.2089),
        "RSQRT": (0.0, 3.0407, 3.0407, 26.6152),
        "SOFTMAX": (0.0, 32.3621, 32.3621, 1243.2856),
        "STRIDED_SLICE": (0.0, 6.3295, 0.0, 90.0024),
        "SUB": (0.0, 43.552, 44.4456, 76.2402),
        "TRANSPOSE": (0.0, 1.8313, 1.8313, 473.306),
    },
}
# the DSP target, plain QEMU runs of the calibration models vs this table:
#   KWT d=16 h=2 L=1 mlp=32 patch=2 (24 tokens, cls): measured 372,240, estimated 370,561 (-0.5%)
#   KWT d=32 h=2 L=2 mlp=64 conv16x3/2 (23 tokens, cls): measured 1,319,760, estimated 1,431,852 (+8.5%)
#   KWT d=48 h=4 L=2 mlp=96 conv32x3/2 (23 tokens, cls): measured 2,400,720, estimated 2,498,561 (+4.1%)
#   KWT d=24 h=1 L=3 mlp=72 patch=4 (12 tokens, cls): measured 697,640, estimated 697,928 (+0.0%)
#   KWT d=64 h=4 L=1 mlp=64 conv24x3/3 (15 tokens, cls): measured 1,051,080, estimated 1,192,550 (+13.5%)
#   Transformer AE d=16 h=2 L=1+1 mlp=32 latent=8 global (32 frames x 64 mels): measured 1,069,520, estimated 1,060,948 (-0.8%)
#   Transformer AE d=32 h=2 L=2+2 mlp=96 latent=16 global (32 frames x 64 mels): measured 3,965,680, estimated 3,889,353 (-1.9%)
#   Transformer AE d=48 h=4 L=1+1 mlp=96 latent=8 global (32 frames x 64 mels): measured 3,450,400, estimated 3,370,950 (-2.3%)
# portable: within +0.1..+0.7% of the same models' portable runs.
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
    table = COEFFICIENTS.get(target) or COEFFICIENTS[CORTEX_M_DSP.name]
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
    from ..runners.qemu import measure

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
    from ..runners.qemu import measure

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
    # the per-operator profile build counts a little more than the plain invoke (its timer reads change the
    # code around each call): one factor brings the sum back to the plain runs' totals (least squares)
    est = np.array([estimate_instructions(cm.graph, cm.plan, target) for _, cm, _ in runs], float)
    meas = np.array([m for _, _, m in runs], float)
    scale = float(est @ meas / (est @ est))
    table = {k: tuple(round(c * scale, 4) for c in v) for k, v in table.items()}
    COEFFICIENTS[target] = table
    checks = [(name, measured, estimate_instructions(cm.graph, cm.plan, target)) for name, cm, measured in runs]
    return table, checks


if __name__ == "__main__":  # pragma: no cover - calibration, run by hand
    import sys

    for tgt in sys.argv[1:] or (CORTEX_M_DSP.name, PORTABLE.name):
        tab, chk = calibrate(tgt)
        print(f'    "{tgt}": {{')
        for k, v in tab.items():
            print(f'        "{k}": {v},')
        print("    },")
        for name, m, e in chk:
            print(f"#   {name}: measured {m:,d}, estimated {e:,d} ({100 * (e - m) / m:+.1f}%)")
