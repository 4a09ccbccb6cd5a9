"""`tinyslm verify --tensors`: every intermediate tensor of the generated C compared with TFLM's, in the order
the operators run, naming the first operator whose output differs.

The generated model is not changed for this. Its `TSLM_PROFILE_POINT(op)` hook, which runs after each kernel
call, is defined on the compiler's command line to call a function of the trace harness, which reads each
tensor the operator just wrote from where the plan put it (the arena, an output buffer) and writes it to
stdout. So what is compared is what the model computed at that moment, in its real memory layout: a later
operator writing over a tensor in place cannot hide a wrong value. TFLM runs with every tensor preserved
(`kPreserveAllTensors`) and gives the same tensors by index.

A tensor that never exists on its own in the generated code (an operator folded into its neighbour's kernel
call) is listed as not materialized, and not counted as compared.
"""

from __future__ import annotations

import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..compiler import CompiledModel, compile_model
from ..compiler.lowering import Alias, Call
from ..errors import ToolchainError
from ..templating import template_env
from ..toolchain import SANITIZE_FLAGS, WARN_FLAGS, find_cc
from .host import compile_c, kernel_object
from .oracle import Oracle, random_inputs

_END = 0xFFFFFFFF  # tensor index of the record that ends one inference


@dataclass
class Probe:
    """One tensor read after a kernel call: op index, tensor index, where it lives, size."""

    op: int
    tensor: int
    kind: str  # "arena" | "output"
    where: int  # arena offset, or output position
    nbytes: int


@dataclass
class TensorAgreement:
    op: int
    opcode: str
    tensor: int
    name: str
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    runs: int = 0
    identical: int = 0
    bytes_differing: int = 0  # in the first differing run
    max_abs_diff: float = 0.0
    not_compared: str = ""  # why this tensor has no bytes of its own in the generated code

    @property
    def materialized(self) -> bool:
        return not self.not_compared

    @property
    def ok(self) -> bool:
        return not self.materialized or (self.runs > 0 and self.identical == self.runs)


@dataclass
class TensorReport:
    model: str
    runs: int
    tensors: list[TensorAgreement] = field(default_factory=list)

    @property
    def compared(self) -> list[TensorAgreement]:
        return [t for t in self.tensors if t.materialized]

    @property
    def ok(self) -> bool:
        return bool(self.compared) and all(t.ok for t in self.tensors)

    @property
    def first_divergence(self) -> TensorAgreement | None:
        return next((t for t in self.tensors if not t.ok), None)

    @property
    def bytes_compared(self) -> int:
        return sum(t.nbytes * t.runs for t in self.compared)

    def lines(self) -> list[str]:
        out = []
        for t in self.tensors:
            name = t.name if len(t.name) <= 40 else t.name[:18] + "..." + t.name[-19:]
            head = f"op {t.op:3} {t.opcode:<18} tensor {t.tensor:3} {t.dtype} {list(t.shape)} '{name}'"
            if not t.materialized:
                out.append(f"{head}: not compared: {t.not_compared}")
            elif t.ok:
                out.append(f"{head}: {t.identical}/{t.runs} identical")
            else:
                out.append(f"{head}: {t.identical}/{t.runs} identical - DIFFERS ({t.bytes_differing:,} of "
                           f"{t.nbytes:,} bytes in the first differing run, max |diff| {t.max_abs_diff:g})")
        return out


def probes(cm: CompiledModel) -> tuple[list[Probe], dict[int, int]]:
    """What to read after each kernel call, and tensor -> the op that computes it. The output of a reshape
    (no code: the same bytes) is read where its source was written, right after that source's kernel call."""
    producer: dict[int, int] = {}  # tensor -> op index of the kernel call that wrote its bytes
    for s in cm.plan.steps:
        if isinstance(s, Call):
            for t in s.op.outputs:
                producer[t] = s.op.index
        elif isinstance(s, Alias) and s.src in producer:
            producer[s.dst] = producer[s.src]
    computed: dict[int, int] = {}  # tensor -> op index that the tensor belongs to (its TFLite producer)
    for s in cm.plan.steps:
        for t in s.op.outputs:
            computed.setdefault(t, s.op.index)
    out = []
    for t, op in sorted(producer.items(), key=lambda kv: (kv[1], kv[0])):
        st = cm.plan.storage.get(t)
        if st is None or st.kind not in ("arena", "output"):
            continue
        out.append(Probe(op, t, st.kind, st.offset if st.kind == "arena" else st.index, cm.graph.tensors[t].nbytes))
    return out, computed


def build_trace(cm: CompiledModel, work: Path, sanitize: bool = False) -> Path:
    """The model built with a harness that writes every probed tensor after each kernel call."""
    work.mkdir(parents=True, exist_ok=True)
    points: dict[int, list[Probe]] = {}
    for p in probes(cm)[0]:
        points.setdefault(p.op, []).append(p)
    env = template_env()
    (work / "tslm_trace.h").write_text(env.get_template("host_trace.h.j2").render(name=cm.name))
    main_c = work / "host_trace.c"
    buffers = [dict(kind="input", pos=i, var=f"in{i}", nbytes=t.nbytes) for i, t in enumerate(cm.inputs)]
    buffers += [dict(kind="output", pos=i, var=f"out{i}", nbytes=t.nbytes) for i, t in enumerate(cm.outputs)]
    main_c.write_text(env.get_template("host_trace.c.j2").render(
        name=cm.name, buffers=buffers, n_in=len(cm.inputs), n_out=len(cm.outputs), points=points, end=_END))
    compiler = find_cc()
    flags = [*(SANITIZE_FLAGS if sanitize else []), *WARN_FLAGS, "-O1", "-I", str(cm.out_dir)]
    arena = "arena" if cm.arena_bytes > 0 else "NULL"
    model_c = [f for f in cm.sources if not f.name.startswith("tslm_")]
    kernels = [kernel_object(compiler, flags, f, cm.out_dir) for f in cm.sources if f.name.startswith("tslm_")]
    exe = work / f"{cm.name}_trace"
    hook = f"-DTSLM_PROFILE_POINT(op)=tslm_trace((op), {arena}, (void *const *)outputs)"
    objs = []
    for src in model_c:  # the model, with the hook defined and the harness's declaration included
        obj = work / f"{src.stem}.o"
        compile_c([compiler, *flags, hook, "-include", str(work / "tslm_trace.h"), "-c", str(src), "-o", str(obj)],
             cm.out_dir)
        objs.append(obj)
    compile_c([compiler, *flags, "-I", str(work), str(main_c), *map(str, objs), *map(str, kernels), "-lm", "-o",
          str(exe)], cm.out_dir)
    return exe


def run_trace(exe: Path, cm: CompiledModel, batches: list[list[np.ndarray]]) -> list[dict[int, bytes]]:
    """Per input set: tensor index -> its bytes right after the kernel call that wrote it (the last call, where
    an operator takes several)."""
    payload = b"".join(np.ascontiguousarray(a).tobytes() for inputs in batches for a in inputs)
    r = subprocess.run([str(exe)], input=payload, capture_output=True, timeout=600)
    if r.returncode != 0:
        raise ToolchainError(f"the traced host build failed (exit {r.returncode}):\n"
                             f"{r.stderr.decode(errors='replace')[:4000]}", where=str(exe))
    runs: list[dict[int, bytes]] = []
    cur: dict[int, bytes] = {}
    off, data = 0, r.stdout
    while off + 8 <= len(data):
        t, n = struct.unpack_from("<II", data, off)
        off += 8
        if t == _END:
            runs.append(cur)
            cur = {}
            continue
        cur[t] = data[off:off + n]
        off += n
    if off != len(data) or len(runs) != len(batches):
        raise ToolchainError(f"the traced host build wrote {len(runs)} complete runs for {len(batches)} inputs "
                             f"({len(data) - off} stray bytes)", where=str(exe))
    return runs


def verify_tensors(model: str | Path | bytes, n_inputs: int = 4, seed: int = 0,
                   real_inputs: list[list[np.ndarray]] | None = None, target: str = "portable",
                   sanitize: bool = False, work: Path | None = None) -> TensorReport:
    """Compile, build with the trace, and compare every intermediate tensor with TFLM's on random (and real)
    inputs."""
    data = model if isinstance(model, bytes) else Path(model).read_bytes()
    with tempfile.TemporaryDirectory(prefix="tinyslm-tensors-") as tmp:
        root = Path(work) if work else Path(tmp)
        cm = compile_model(data, root / "model", name="model", target=target)
        exe = build_trace(cm, root / "trace", sanitize=sanitize)
        rng = np.random.default_rng(seed)
        batches = [random_inputs(cm.inputs, rng) for _ in range(n_inputs)] + list(real_inputs or [])
        ours = run_trace(exe, cm, batches)
    return compare_tensors(cm, data, batches, ours,
                           str(model) if not isinstance(model, bytes) else "<bytes>")


def compare_tensors(cm: CompiledModel, data: bytes, batches: list[list[np.ndarray]], ours: list[dict[int, bytes]],
                    label: str = "<model>") -> TensorReport:
    """Every tensor an operator computes, in the order they run: ours (from run_trace) against TFLM's."""
    read, computed = probes(cm)
    g = cm.graph
    probed = {p.tensor for p in read}
    report = TensorReport(label, len(batches))
    for t, op in sorted(computed.items(), key=lambda kv: (kv[1], kv[0])):
        tt = g.tensors[t]
        why = ""
        if t not in probed:
            st = cm.plan.storage.get(t)
            why = ("the bytes of a graph input under another shape (no code)" if st and st.kind == "input" else
                   "a constant (no code)" if st and st.kind == "const" else
                   "no bytes of its own (folded into a neighbouring kernel call)")
        report.tensors.append(TensorAgreement(op, g.operators[op].opcode, t, tt.name, tt.dtype, tuple(tt.shape),
                                              tt.nbytes, not_compared=why))
    oracle = Oracle(data, preserve_all=True)
    for run, inputs in enumerate(batches):
        oracle.run(inputs)
        for a in report.tensors:
            if not a.materialized:
                continue
            ref = np.asarray(oracle.interp.GetTensor(a.tensor, 0)["tensor_data"]).tobytes()
            got = ours[run].get(a.tensor, b"")
            a.runs += 1
            if got == ref:
                a.identical += 1
            elif a.identical == a.runs - 1:  # the first differing run: how much differs
                dt = np.dtype(a.dtype)
                if len(got) == len(ref) == a.nbytes:
                    x, y = np.frombuffer(got, dt).astype(np.float64), np.frombuffer(ref, dt).astype(np.float64)
                    a.bytes_differing = int(np.count_nonzero(np.frombuffer(got, np.uint8) != np.frombuffer(ref, np.uint8)))
                    a.max_abs_diff = float(np.max(np.abs(x - y)))
                else:
                    a.bytes_differing = a.nbytes
                    a.max_abs_diff = float("inf")
    return report
