"""Compare the generated C (built for the host) with TFLM on the same inputs."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..compiler import CompiledModel, compile_model
from .host import build_host, run_host
from .oracle import Oracle, random_inputs


@dataclass
class OutputAgreement:
    index: int
    name: str
    runs: int
    exact: int  # runs where this output matched TFLM byte for byte
    max_abs_diff: float
    first_mismatch: int | None = None  # run index
    bytes_compared: int = 0
    problem: str | None = None  # the first missing, short or wrong-typed output

    @property
    def ok(self) -> bool:
        return self.runs > 0 and self.bytes_compared > 0 and self.exact == self.runs


@dataclass
class VerifyReport:
    model: str
    runs: int
    outputs: list[OutputAgreement] = field(default_factory=list)
    sanitized: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.outputs) and all(o.ok for o in self.outputs)

    @property
    def bytes_compared(self) -> int:
        return sum(o.bytes_compared for o in self.outputs)

    def lines(self) -> list[str]:
        out = []
        for o in self.outputs:
            status = "bit-exact" if o.ok else f"MISMATCH (first at input {o.first_mismatch}, max |diff| {o.max_abs_diff:g})"
            out.append(f"output {o.index} '{o.name}': {o.exact}/{o.runs} identical to TFLM, "
                       f"{o.bytes_compared:,} bytes compared - {status}" + (f": {o.problem}" if o.problem else ""))
        return out


def compare(cm: CompiledModel, batches: list[list[np.ndarray]], ours: list[list[np.ndarray]],
            oracle: Oracle, reset_every: int = 0) -> list[OutputAgreement]:
    """Per output: runs identical to TFLM. Every input set counts as a run of every output, so a missing
    run, a missing output, or one of the wrong length or dtype is a mismatch (never skipped by a zip). The
    sets run in order (a stateful model carries its state), TFLM reset where ours was (reset_every)."""
    from ..compare import compare_outputs

    agreements = [OutputAgreement(i, t.name, 0, 0, 0.0) for i, t in enumerate(cm.outputs)]
    for run, inputs in enumerate(batches):
        if reset_every > 0 and run > 0 and run % reset_every == 0:
            oracle.reset()
        ref = oracle.run(inputs)
        got = ours[run] if run < len(ours) else []
        for k, a in enumerate(agreements):
            a.runs += 1
            r = np.asarray(ref[k]) if k < len(ref) else None
            g = got[k] if k < len(got) else None
            if r is None or g is None:
                c_ok, nbytes, problem = False, 0, (f"input {run}: output {k} missing from "
                                                   + ("TFLM" if r is None else "the generated C's reply"))
            else:
                c = compare_outputs([r], [g])
                c_ok, nbytes = c.identical, c.bytes_compared
                problem = c.problem and f"input {run}, output {k}: {c.problem.split(': ', 1)[-1]}"
            a.bytes_compared += nbytes
            if c_ok:
                a.exact += 1
                continue
            if nbytes:
                a.max_abs_diff = max(a.max_abs_diff, float(np.max(np.abs(
                    np.asarray(g, dtype=np.float64).reshape(-1) - r.astype(np.float64).reshape(-1)))))
            if a.first_mismatch is None:
                a.first_mismatch = run
            if a.problem is None and problem and not nbytes:
                a.problem = problem
    return agreements


def verify_host(model: str | Path | bytes, n_inputs: int = 100, seed: int = 0,
                real_inputs: list[list[np.ndarray]] | None = None, sanitize: bool = False,
                work: Path | None = None, target: str = "portable", reset_every: int = 0) -> VerifyReport:
    """Compile, build for the host, run random (and real) inputs, compare with TFLM; in order, the model's
    state (if it has any) reset before every `reset_every`-th input set after the first (0: never)."""
    data = model if isinstance(model, bytes) else Path(model).read_bytes()
    with tempfile.TemporaryDirectory(prefix="tinyslm-verify-") as tmp:
        root = Path(work) if work else Path(tmp)
        cm = compile_model(data if isinstance(model, bytes) else model, root / "model", name="model", target=target)
        exe = build_host(cm, root / "build", sanitize=sanitize)
        rng = np.random.default_rng(seed)
        batches = [random_inputs(cm.inputs, rng) for _ in range(n_inputs)] + list(real_inputs or [])
        ours = run_host(exe, cm, batches, reset_every=reset_every)
        oracle = Oracle(data)
        report = VerifyReport(str(model) if not isinstance(model, bytes) else "<bytes>", len(batches),
                              compare(cm, batches, ours, oracle, reset_every), sanitize)
    return report
