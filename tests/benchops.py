"""The per-op lines of the single-op bench scripts (tests/bench_*.py): a model run in QEMU (-icount shift=0) with
per-op profiling, every output checked against TFLM byte for byte, one line per kernel call. Not a pytest module."""
from pathlib import Path
from typing import Callable

from tinyslm.compare import compare_outputs
from tinyslm.compiler.lowering import Call
from tinyslm.runners.oracle import Oracle
from tinyslm.runners.qemu import measure


def cached_model(folder: str, name: str, make: Callable[[], bytes]) -> bytes:
    """`folder`/`name`.tflite, made by `make` the first time: another checkout run later measures the same bytes."""
    f = Path(folder) / f"{name}.tflite"
    if not f.exists():
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(make())
    return f.read_bytes()


def print_op_counts(name: str, model: bytes, board: str = "mps2-an386", target: str = "cortex-m-dsp",
                    opt: str = "-O2") -> None:
    """Print `name`'s kernel calls: operator, function, instructions, MACs, instructions per MAC, and whether the
    outputs of two random inputs equal TFLM's (exact=True/False)."""
    cm, batches, run = measure(model, board, target, n_inputs=2, seed=3, profile=True, opt=opt)
    ok = all(compare_outputs(Oracle(model).run(i), o).identical for i, o in zip(batches, run.outputs))
    for st in cm.plan.steps:
        if isinstance(st, Call) and st.op.index in (run.op_instructions or {}):
            n = run.op_instructions[st.op.index]
            print(f"{name:22s} {st.op.opcode:17s} {st.func:36s} {n:9d} instr {st.macs:8d} MAC "
                  f"{n / max(st.macs, 1):.3f}/MAC exact={ok}", flush=True)
