"""The compiler's driver: read, check, lower every operator, plan memory, emit C."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModelError, TinyslmError, UnsupportedError
from .ir import Graph
from .lowering import Call, Lowering, Step
from .planner import Plan, plan
from .reader import read_model
from .targets import get_target


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int
    nbytes: int


@dataclass
class CompiledModel:
    name: str
    out_dir: Path
    graph: Graph
    plan: Plan
    arena_bytes: int
    weights_bytes: int
    macs: int
    model_sha256: str
    target: str
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    files: list[Path] = field(default_factory=list)

    @property
    def sources(self) -> list[Path]:
        return [f for f in self.files if f.suffix == ".c"]

    @property
    def io_bytes(self) -> int:
        return sum(t.nbytes for t in self.inputs) + sum(t.nbytes for t in self.outputs)


def _spec(graph: Graph, index: int) -> TensorSpec:
    t = graph.tensors[index]
    q = t.quant
    return TensorSpec(t.name, t.shape, t.dtype, float(q.scale[0]) if q else 1.0, int(q.zero_point[0]) if q else 0,
                      t.nbytes)


def check_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", name):
        raise TinyslmError(f"'{name}' is not a usable C name for the model",
                           hint="use letters, digits and '_', starting with a letter (e.g. --name kws)")
    return name


def check_dataflow(graph: Graph) -> None:
    """Every tensor an op reads must exist by then: a constant, a graph input, a variable (the model's state,
    kept from one invocation to the next), or an earlier op's output."""
    available = set(graph.inputs) | {t.index for t in graph.tensors if t.is_const or t.is_variable}
    for op in graph.operators:
        for i in op.inputs:
            if i >= 0 and i not in available:
                t = graph.tensors[i]
                raise ModelError(f"{op.opcode} (op {op.index}) reads tensor {i} '{t.name}', which is not a constant, "
                                 "not a graph input and not written by an earlier operator",
                                 where=graph.source, hint="the model is corrupt or uses variables/loops tinyslm "
                                 "does not support; re-export it")
        for o in op.outputs:
            if graph.tensors[o].is_const or graph.tensors[o].is_variable or o in graph.inputs:
                raise ModelError(f"{op.opcode} (op {op.index}) writes tensor {o}, which is a constant, a variable or a "
                                 "graph input",
                                 where=graph.source, hint="the model is corrupt; re-export it")
            available.add(o)
    for i in graph.inputs + graph.outputs:
        if graph.tensors[i].is_variable:
            raise UnsupportedError(f"tensor {i} '{graph.tensors[i].name}' is both a variable (state) and a graph "
                                   "input or output", where=graph.source, hint="re-export the model")
    for pos, o in enumerate(graph.outputs):
        if o not in available:
            raise ModelError(f"graph output {pos} (tensor {o} '{graph.tensors[o].name}') is never computed",
                             where=graph.source, hint="the model is corrupt; re-export it")


def lower_graph(graph: Graph, target: str = "portable", passes=None) -> list[Step]:
    """Validate and lower every operator (raises UnsupportedError naming the op), then run the rewrite
    passes (passes.PASSES unless given)."""
    from . import passes as P

    # No operators is a model too (the converter folds `(x - x) + x` to x): its outputs are inputs or
    # constants, which the plan copies into the output buffers, as TFLM does.
    check_dataflow(graph)
    lowering = Lowering(graph, target)
    steps = [lowering.lower(op) for op in graph.operators]
    return P.run(lowering, steps, P.PASSES if passes is None else passes)


def check_target(target: str) -> str:
    return get_target(target).name


def analyze(model: bytes | str | Path, target: str = "portable") -> tuple[Graph, Plan]:
    """Read, lower and plan, without writing anything."""
    graph = read_model(model)
    return graph, plan(graph, lower_graph(graph, check_target(target)))


def compile_model(model: bytes | str | Path, out_dir: str | Path, name: str = "model",
                  target: str = "portable") -> CompiledModel:
    """Compile a .tflite model into a self-contained C folder (NAME.c, NAME.h, kernels, NAME.json)."""
    from . import artifact
    from .emit import Emitter

    check_name(name)
    graph, p = analyze(model, target)
    out = Path(out_dir)
    files, weights = Emitter(graph, p, name, target).render(out)
    macs = sum(s.macs for s in p.steps if isinstance(s, Call))
    cm = CompiledModel(name, out, graph, p, p.arena_bytes, weights, macs, graph.sha256, check_target(target),
                       [_spec(graph, i) for i in graph.inputs], [_spec(graph, i) for i in graph.outputs], files)
    cm.files.append(artifact.write(cm))  # NAME.json: what later tools read instead of compiling again
    return cm

