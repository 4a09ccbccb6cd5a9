"""The compiler's machine-readable output: ``OUT/NAME.json`` beside ``NAME.c``/``NAME.h``.

It says what was built, so later tools (``tinyslm inspect``, the firmware's size report, the
build report, benchmarks) read it instead of compiling again: the tinyslm version and target,
the model's SHA-256, every input/output (shape, type, quantization, bytes), every step (operator,
kernel function and source file, MACs, scratch and where it lives, the lowering's note), and the
memory map (every tensor's storage, arena offset and lifetime over the steps, every arena buffer).
Keys are sorted and the same model, target and version give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TinyslmError

if TYPE_CHECKING:
    from .driver import CompiledModel

FORMAT = "tinyslm-compiled-model/1"


@dataclass
class StepInfo:
    position: int
    op_index: int
    opcode: str
    kernel: str  # C function ("" for an alias: no code)
    source: str  # kernel source file in the generated folder ("" for aliases and memcpy)
    macs: int
    scratch_bytes: int
    scratch_offset: int | None  # arena offset of its scratch, None without scratch
    note: str
    reads: list[int]
    writes: list[int]


@dataclass
class TensorInfo:
    index: int
    name: str
    dtype: str
    shape: list[int]
    nbytes: int
    storage: str  # input | output | const | arena | state | (none: unused)
    offset: int | None  # arena (or state area) offset, or the graph input/output position
    first_step: int | None  # lifetime over step positions (arena tensors)
    last_step: int | None


@dataclass
class Artifact:
    format: str
    tinyslm_version: str
    name: str
    target: str
    model_sha256: str
    source: str
    arena_bytes: int
    weights_bytes: int
    io_bytes: int
    macs: int
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    steps: list[StepInfo] = field(default_factory=list)
    tensors: list[TensorInfo] = field(default_factory=list)
    buffers: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    state_bytes: int = 0  # the model's state area (variable tensors kept across invocations)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"


def describe(cm: "CompiledModel") -> Artifact:
    from .. import __version__
    from .lowering import Alias, Call

    g, p = cm.graph, cm.plan
    steps = []
    for k, s in enumerate(p.steps):
        if isinstance(s, Alias):
            steps.append(StepInfo(k, s.op.index, s.op.opcode, "", "", 0, 0, None,
                                  "output shares the input's bytes", [s.src], [s.dst]))
            continue
        assert isinstance(s, Call)
        source = Path(s.variant).name if s.variant else (f"{s.family}.c" if s.family else "")
        steps.append(StepInfo(k, s.op.index, s.op.opcode, s.func, source, s.macs, s.scratch_bytes,
                              p.scratch.get(k), s.note, list(s.reads), list(s.writes)))
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for info in steps:
        for i in info.reads + info.writes:
            if i >= 0:
                r = p.root.get(i, i)
                first.setdefault(r, info.position)
                last[r] = info.position
    tensors = []
    for t in g.tensors:
        st = p.storage.get(t.index)
        kind = st.kind if st else "none"
        offset = None if st is None or kind == "const" else (st.offset if kind in ("arena", "state") else st.index)
        r = p.root.get(t.index, t.index)
        arena = kind == "arena"
        tensors.append(TensorInfo(t.index, t.name, t.dtype, list(t.shape), t.nbytes, kind, offset,
                                  first.get(r) if arena else None, last.get(r) if arena else None))
    buffers = [dict(key=b.key, bytes=b.size, offset=b.offset, first_step=b.first, last_step=b.last)
               for b in sorted(p.buffers, key=lambda b: (b.offset, b.key))]
    return Artifact(FORMAT, __version__, cm.name, cm.target, cm.model_sha256, Path(g.source).name, cm.arena_bytes,
                    cm.weights_bytes, cm.io_bytes, cm.macs, [asdict(t) for t in cm.inputs],
                    [asdict(t) for t in cm.outputs], steps, tensors, buffers,
                    sorted(f.name for f in cm.files), p.state_bytes)


def write(cm: "CompiledModel") -> Path:
    path = cm.out_dir / f"{cm.name}.json"
    path.write_text(describe(cm).to_json())
    return path


def load(path: str | Path) -> Artifact:
    """Read NAME.json (or the only *.json of a compiled folder)."""
    p = Path(path)
    if p.is_dir():
        found = [f for f in sorted(p.glob("*.json")) if (f.with_suffix(".c")).exists()]
        if len(found) != 1:
            raise TinyslmError(f"{p} holds {len(found)} compiled models' descriptions (NAME.json beside NAME.c)",
                               hint="name the .json file, or compile with `tinyslm compile MODEL -o DIR`")
        p = found[0]
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise TinyslmError(f"cannot read the compiled model's description: {e}", where=str(p)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TinyslmError(f"not a tinyslm compiled-model description (format {FORMAT})", where=str(p),
                           hint="compile the model again with this version of tinyslm")
    data["steps"] = [StepInfo(**s) for s in data["steps"]]
    data["tensors"] = [TensorInfo(**t) for t in data["tensors"]]
    return Artifact(**data)
