"""The fuzz loop: generate, convert, compile, run (host under ASan/UBSan; optionally a board), compare with
TFLM, shrink what differs."""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .graphs import Graph, Layer, prune, random_graph, shapes_of
from .workers import ConvertWorker, OracleWorker


@dataclass
class Outcome:
    status: str  # "ok" | "refused" | "mismatch" | "crash"
    detail: str = ""
    bytes_compared: int = 0
    libm_rounding: bool = False  # ok, the board's float32 outputs within its C library's rounding (not bytes)


@dataclass
class Failure:
    graph_index: int
    target: str
    status: str  # "mismatch" | "crash"
    detail: str
    graph: Graph
    reproducer: Path | None = None
    command: str = ""
    layers_before: int = 0


@dataclass
class FuzzSummary:
    graphs: int = 0
    compiled: int = 0  # (graph, target) pairs compiled and compared
    refused: int = 0  # (graph, target) pairs the compiler (or TFLM) refused, with one clear error
    mismatches: int = 0  # pairs that differ from TFLM or crash (ASan/UBSan, a failed build, a stray exception)
    libm_rounding: int = 0  # pairs whose board outputs matched only within the C library's rounding (float32)
    bytes_compared: int = 0
    ops: Counter = field(default_factory=Counter)  # TFLite operators in the converted graphs
    refusals: Counter = field(default_factory=Counter)  # each refusal's reason (refusal_kind)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        libm = f" ({self.libm_rounding} within the board C library's rounding)" if self.libm_rounding else ""
        return (f"fuzz: {self.graphs} graphs, {self.compiled} compiled{libm}, {self.refused} refused, "
                f"{self.mismatches} mismatches")


# --types of `tinyslm fuzz` -> the converter's mode (tinyslm.fuzz.convert)
TYPES = {"int8": "int8", "int16x8": "int16x8", "float32": "float"}


def convert_graph(g: Graph, seed: int, types: str = "int8") -> bytes:
    """The graph as a .tflite of `types` (TYPES): quantized ones calibrated on random representative data (the
    graph's scales and offsets)."""
    from .convert import convert_fn, representative
    from .graphs import build_fn

    shapes = [tuple(s) for s in g.inputs]
    rep = representative(shapes, seed, 32, g.in_scale or None, g.in_offset or None)
    return convert_fn(build_fn(g), shapes, TYPES[types], seed, rep=rep)


class _Replies:
    """runners.verify.compare's oracle: TFLM's outputs computed beforehand, handed out in order."""

    def __init__(self, outputs: list[list[np.ndarray]]):
        self.outputs, self.k = outputs, 0

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        self.k += 1
        return self.outputs[self.k - 1]


def check(model: bytes, target: str, seed: int, oracle: OracleWorker, n_inputs: int = 4, sanitize: bool = True,
          board: str | None = None, port: str | None = None, work: Path | None = None) -> Outcome:
    """Compile for `target`, run on the host (and the board), compare every output byte with TFLM."""
    from ..compiler import compile_model
    from ..runners.host import build_host, run_host
    from ..runners.oracle import random_inputs
    from ..runners.verify import VerifyReport, compare
    from ..errors import TinyslmError, UnsupportedError

    root = Path(work or tempfile.mkdtemp(prefix="tinyslm-fuzz-"))
    try:
        cm = compile_model(model, root / "model", name="model", target=target)
    except UnsupportedError as e:
        return Outcome("refused", e.what.splitlines()[0][:160])
    except Exception as e:  # noqa: BLE001 - a converter-made model must compile or be refused clearly
        return Outcome("crash", _msg(e))
    rng = np.random.default_rng(seed)
    batches = [random_inputs(cm.inputs, rng) for _ in range(n_inputs)]
    status, ref = oracle.run(model, batches)
    if status != "ok":
        return Outcome("refused", f"TFLM: {ref}")
    from ..compiler.targets import get_target

    if get_target(target).host:
        try:
            ours = run_host(build_host(cm, root / "build", sanitize=sanitize), cm, batches)
        except Exception as e:  # noqa: BLE001 - a failed build or a sanitizer report: a bug
            return Outcome("crash", _msg(e))
        rep = VerifyReport("<fuzz>", len(batches), compare(cm, batches, ours, _Replies(ref)), sanitize)
        if not rep.ok:
            return Outcome("mismatch", "; ".join(rep.lines()), rep.bytes_compared)
    elif not board:
        return Outcome("crash", f"the {target} kernels run only on their CPU: a board is needed to check them")
    else:  # kernels for one CPU only (Helium): the board's firmware is the whole check
        rep = VerifyReport("<fuzz>", len(batches), [], sanitize)
    if board:
        from ..device.verify import verify_on_device

        try:
            if port:  # a real board runs one firmware at a time: build this graph's and flash it first
                from ..boards import get_board
                from ..device.flash import runner_for
                from ..firmware import build as build_firmware

                b = get_board(board)
                build_firmware(model, b, root / "firmware", name="model")
                runner_for(b).flash(root / "firmware")
            dev = verify_on_device(model, board, port, n_inputs=n_inputs, seed=seed, work=root if port else None)
        except Exception as e:  # noqa: BLE001
            return Outcome("crash", f"{board}: {_msg(e)}")
        if not dev.ok:
            return Outcome("mismatch", f"{board}: " + "; ".join(dev.lines()[:2] + dev.problems[:2]),
                           rep.bytes_compared + dev.bytes_compared)
        return Outcome("ok", "", rep.bytes_compared + dev.bytes_compared,
                       libm_rounding=bool(dev.libm_vs_host or dev.libm_vs_tflm))
    return Outcome("ok", "", rep.bytes_compared)


def refusal_kind(detail: str) -> str:
    """A refusal's message without its place in the graph, so that equal reasons count together.

    >>> refusal_kind("CONV_2D (op 5): filter has type int16; this op supports int8")
    'CONV_2D: filter has type int16; this op supports int8'
    >>> refusal_kind("SUB op 0: rescale factor 6.2 >= 1, which TFLM's kernel does not accept")
    "SUB: rescale factor 6.2 >= 1, which TFLM's kernel does not accept"
    >>> refusal_kind("tensor 1 'MatMul_1;add_1' has a quantization scale of inf (a float32 overflow)")
    "tensor 'MatMul_1;add_1' has a quantization scale of inf (a float32 overflow)"
    """
    first = detail.splitlines()[0] if detail else "(no message)"
    kind = re.sub(r" \(op \d+\)| op \d+(?=:)", "", re.sub(r"^tensor \d+ ", "tensor ", first))
    return kind if len(kind) <= 100 else kind[:99] + "…"


def _msg(e: Exception) -> str:
    from ..errors import TinyslmError

    return (e.what if isinstance(e, TinyslmError) else f"{type(e).__name__}: {e}").strip()[:600]


# ------------------------------------------------------------------------------------------------ shrinking

def _drop_layer(g: Graph, j: int) -> Graph | None:
    """Layer j removed, its consumers fed with its first input instead."""
    n_in = len(g.inputs)
    v, src = n_in + j, g.layers[j].inputs[0]
    ren = lambda i: src if i == v else (i - 1 if i > v else i)  # noqa: E731
    layers = [Layer(L.kind, [ren(i) for i in L.inputs], dict(L.params), L.seed)
              for k, L in enumerate(g.layers) if k != j]
    outs = list(dict.fromkeys(ren(o) for o in g.outputs))
    if any(o < n_in for o in outs):
        return None
    return prune(Graph(list(g.inputs), layers, outs, list(g.in_scale), list(g.in_offset)))


def _candidates(g: Graph):
    """Smaller graphs, roughly the biggest cut first."""
    for o in g.outputs if len(g.outputs) > 1 else []:
        yield prune(Graph(g.inputs, g.layers, [o], g.in_scale, g.in_offset))
    for j in range(len(g.layers)):
        c = _drop_layer(g, j)
        if c is not None:
            yield c
    for i, shape in enumerate(g.inputs):
        for ax in range(1, len(shape)):
            for d in sorted({max(1, shape[ax] // 2), shape[ax] - 1}):
                if d < shape[ax]:
                    inputs = [list(s) for s in g.inputs]
                    inputs[i][ax] = d
                    yield Graph(inputs, g.layers, g.outputs, g.in_scale, g.in_offset)
    for j, L in enumerate(g.layers):
        for key in ("cout", "units", "mult", "mlp", "kh", "kw", "heads", "stride", "dilation", "k"):
            if isinstance(L.params.get(key), int) and L.params[key] > 1:
                layers = list(g.layers)
                layers[j] = Layer(L.kind, L.inputs, {**L.params, key: max(1, L.params[key] // 2)}, L.seed)
                yield Graph(g.inputs, layers, g.outputs, g.in_scale, g.in_offset)
        if L.params.get("act"):
            layers = list(g.layers)
            layers[j] = Layer(L.kind, L.inputs, {**L.params, "act": None}, L.seed)
            yield Graph(g.inputs, layers, g.outputs, g.in_scale, g.in_offset)


def _size(g: Graph) -> tuple[int, int]:
    return len(g.layers), sum(int(np.prod(s)) for s in g.inputs)


def shrink(g: Graph, still_fails: Callable[[Graph], bool], budget_s: float = 180.0, max_checks: int = 80) -> Graph:
    """Greedy: take the first smaller valid graph that still fails, until none does (or the budget ends)."""
    t0, checks = time.monotonic(), 0
    improved = True
    while improved and checks < max_checks and time.monotonic() - t0 < budget_s:
        improved = False
        for c in _candidates(g):
            if checks >= max_checks or time.monotonic() - t0 >= budget_s:
                break
            if _size(c) >= _size(g) and c.to_json() == g.to_json():
                continue
            if shapes_of(c) is None:
                continue
            checks += 1
            if still_fails(c):
                g, improved = c, True
                break
    return g


# ------------------------------------------------------------------------------------------------ the loop

def fuzz(n_graphs: int, seed: int, targets: list[str], board: str | None = None, port: str | None = None,
         out_dir: Path | None = None, n_inputs: int = 4, sanitize: bool = True, shrink_failures: bool = True,
         max_layers: int = 8, progress: bool = True, say: Callable[[str], None] = print,
         shrink_checks: int = 80, types: str = "int8") -> FuzzSummary:
    """Fuzz `n_graphs` graphs from `seed` on every target (and the board), converted to `types` (int8, int16x8
    or float32); reproducers go to `out_dir`."""
    from tqdm import tqdm

    from ..compiler import read_model
    from ..errors import TinyslmError

    summary = FuzzSummary()
    out = Path(out_dir) if out_dir else Path("fuzz-reproducers")
    t0 = last_line = time.monotonic()
    bar = tqdm(range(n_graphs), desc="fuzz", unit="graph", disable=not progress, leave=False)
    with tempfile.TemporaryDirectory(prefix="tinyslm-fuzz-") as tmp, OracleWorker() as oracle, \
            ConvertWorker() as converter:
        def converted(c: Graph, gseed: int) -> bytes | None:
            status, model = converter.convert(c.to_json(), gseed, types)
            return model if status == "ok" else None

        for gi in bar:
            g, model = None, None
            for attempt in range(8):  # a graph the converter rejects (or dies on) is replaced by the next one
                gseed = seed * 1_000_003 + gi * 101 + attempt  # (the same graphs whatever the types)
                cand = random_graph(np.random.default_rng(gseed), max_layers)
                model = converted(cand, gseed)
                if model is not None:
                    g = cand
                    break
            if g is None or model is None:
                continue
            summary.graphs += 1
            try:
                summary.ops.update(op.opcode for op in read_model(model).operators)
            except TinyslmError:  # (check() below reports the refusal per target)
                pass
            for target in targets:
                oc = check(model, target, gseed, oracle, n_inputs, sanitize, board, port, Path(tmp) / "w")
                summary.bytes_compared += oc.bytes_compared
                if oc.status == "refused":
                    summary.refused += 1
                    summary.refusals[refusal_kind(oc.detail)] += 1
                    continue
                summary.compiled += 1
                if oc.status == "ok":
                    summary.libm_rounding += oc.libm_rounding
                    continue
                summary.mismatches += 1
                fail = Failure(gi, target, oc.status, oc.detail, g, layers_before=len(g.layers))
                say(f"graph {gi} ({g.summary()}) on {target}: {oc.status.upper()}: {oc.detail[:300]}")
                if shrink_failures:
                    def still(c: Graph, kind=oc.status, target=target) -> bool:
                        m = converted(c, gseed)
                        if m is None:
                            return False
                        return check(m, target, gseed, oracle, n_inputs, kind == "crash", board, port,
                                     Path(tmp) / "s").status == kind
                    fail.graph = shrink(g, still, max_checks=shrink_checks)
                _write_reproducer(fail, out, seed, gseed, converted(fail.graph, gseed), board, port)
                say(f"  reproducer ({fail.layers_before} -> {len(fail.graph.layers)} layers: "
                    f"{fail.graph.summary()}): {fail.command}")
                summary.failures.append(fail)
            bar.set_postfix(compiled=summary.compiled, refused=summary.refused, mismatches=summary.mismatches)
            if not progress and time.monotonic() - last_line >= 60:  # a log instead of a terminal: a line a minute
                last_line = time.monotonic()
                say(f"  {gi + 1}/{n_graphs} graphs, {summary.compiled} compiled, {summary.refused} refused, "
                    f"{summary.mismatches} mismatches, {(last_line - t0) / 60:.1f} min")
    summary.seconds = time.monotonic() - t0
    return summary


def _write_reproducer(fail: Failure, out: Path, seed: int, gseed: int, model: bytes | None, board: str | None,
                      port: str | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"fuzz-seed{seed}-graph{fail.graph_index}-{fail.target}"
    stem.with_suffix(".json").write_text(fail.graph.to_json() + "\n")
    if model is None:  # keep the JSON; the shrunk graph converted a moment ago
        return
    stem.with_suffix(".tflite").write_bytes(model)
    fail.reproducer = stem.with_suffix(".tflite")
    cmd = f"tinyslm verify {fail.reproducer} --target {fail.target} --sanitize --inputs {20} --seed {gseed}"
    if board:
        cmd += f" --board {board}" + (f" --port {port}" if port else "")
    fail.command = cmd
