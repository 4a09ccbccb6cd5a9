"""Compare the generated C (built for the host) with TFLM on the same inputs."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import CompiledModel, compile_model
from .hostrun import build_host, run_host
from .oracle import Oracle, random_inputs


@dataclass
class OutputAgreement:
    index: int
    name: str
    runs: int
    exact: int  # runs where this output matched TFLM byte for byte
    max_abs_diff: float
    first_mismatch: int | None = None  # run index

    @property
    def ok(self) -> bool:
        return self.exact == self.runs


@dataclass
class VerifyReport:
    model: str
    runs: int
    outputs: list[OutputAgreement] = field(default_factory=list)
    sanitized: bool = False

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outputs)

    def lines(self) -> list[str]:
        out = []
        for o in self.outputs:
            status = "bit-exact" if o.ok else f"MISMATCH (first at input {o.first_mismatch}, max |diff| {o.max_abs_diff:g})"
            out.append(f"output {o.index} '{o.name}': {o.exact}/{o.runs} identical to TFLM - {status}")
        return out


def compare(cm: CompiledModel, batches: list[list[np.ndarray]], ours: list[list[np.ndarray]],
            oracle: Oracle) -> list[OutputAgreement]:
    agreements = [OutputAgreement(i, t.name, 0, 0, 0.0) for i, t in enumerate(cm.outputs)]
    for run, (inputs, got) in enumerate(zip(batches, ours)):
        ref = oracle.run(inputs)
        for a, g_out, r_out in zip(agreements, got, ref):
            a.runs += 1
            r = np.asarray(r_out).reshape(g_out.shape)
            if np.array_equal(g_out, r):
                a.exact += 1
            else:
                a.max_abs_diff = max(a.max_abs_diff, float(np.max(np.abs(g_out.astype(np.float64) - r))))
                if a.first_mismatch is None:
                    a.first_mismatch = run
    return agreements


def verify_host(model: str | Path | bytes, n_inputs: int = 100, seed: int = 0,
                real_inputs: list[list[np.ndarray]] | None = None, sanitize: bool = False,
                work: Path | None = None, target: str = "portable") -> VerifyReport:
    """Compile, build for the host, run random (and real) inputs, compare with TFLM."""
    data = model if isinstance(model, bytes) else Path(model).read_bytes()
    with tempfile.TemporaryDirectory(prefix="tinyslm-verify-") as tmp:
        root = Path(work) if work else Path(tmp)
        cm = compile_model(data if isinstance(model, bytes) else model, root / "model", name="model", target=target)
        exe = build_host(cm, root / "build", sanitize=sanitize)
        rng = np.random.default_rng(seed)
        batches = [random_inputs(cm.inputs, rng) for _ in range(n_inputs)] + list(real_inputs or [])
        ours = run_host(exe, cm, batches)
        oracle = Oracle(data)
        report = VerifyReport(str(model) if not isinstance(model, bytes) else "<bytes>", len(batches),
                              compare(cm, batches, ours, oracle), sanitize)
    return report
