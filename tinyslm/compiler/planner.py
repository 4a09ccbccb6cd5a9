"""Static memory plan: where every tensor lives, and how big the arena is.

Storage classes:
  - graph inputs and outputs live in the caller's buffers (``inputs[i]``,
    ``outputs[j]``) and never in the arena;
  - constants live in flash as C arrays;
  - every other tensor gets an offset in one static arena, as do kernel
    scratch buffers.

Two passes decide what shares storage, then placement: ``resolve_aliases``
(RESHAPE-like ops alias their output to their input, one storage and no copy,
unless that would make one buffer both a graph input and an output: then the
alias becomes a copy) and ``choose_in_place`` (kernels that read what they
need before writing the same bytes may write their output over an input that
dies there). Arena offsets come from a greedy first-fit over buffer
lifetimes, tried in several orders, keeping the smallest arena.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ir import Graph
from .lowering import Alias, Call, Lit, Step, T

ALIGN = 4  # bytes; int32 scratch and word loads need 4


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass
class Storage:
    kind: str  # "input" | "output" | "const" | "arena" | "state"
    index: int = 0  # graph input/output position
    offset: int = 0  # arena offset (state: offset in the state area)


@dataclass
class Buffer:
    """One arena allocation: a group of tensors sharing storage, or a scratch area."""

    key: str
    size: int
    first: int
    last: int
    offset: int = -1


@dataclass
class StateBuffer:
    """One variable in the state area: where, how big, the byte TFLM's reset fills it with, and its value before
    the first invocation when that is not the reset value (a resource variable's CALL_ONCE start value)."""

    tensor: int
    offset: int
    size: int
    reset_fill: int
    initial: np.ndarray | None = None


@dataclass
class Plan:
    steps: list[Step]
    storage: dict[int, Storage]  # tensor index -> storage of its root
    root: dict[int, int]  # tensor index -> root tensor index
    scratch: dict[int, int]  # step position -> arena offset of its scratch
    arena_bytes: int
    buffers: list[Buffer] = field(default_factory=list)
    # graph outputs whose bytes live elsewhere (a graph input, a constant, another output): (output tensor,
    # output position), copied into outputs[position] at the end of invoke
    copies_at_end: list[tuple[int, int]] = field(default_factory=list)
    # the model's state (variable tensors, kept across invocations) in its own static area
    state_bytes: int = 0
    state: list["StateBuffer"] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, keep: int, other: int) -> None:
        self.parent[self.find(other)] = self.find(keep)


def _first_fit(buffers: list[Buffer], order: list[Buffer]) -> int:
    placed: list[Buffer] = []
    for b in order:
        offset = 0
        overlapping = sorted((p for p in placed if not (p.last < b.first or b.last < p.first)),
                             key=lambda p: p.offset)
        for p in overlapping:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, p.offset + p.size)
        b.offset = offset
        placed.append(b)
    return max((b.offset + b.size for b in buffers), default=0)


def place(buffers: list[Buffer]) -> int:
    """Assign offsets to buffers; returns the arena size. Deterministic."""
    orders = [
        sorted(buffers, key=lambda b: (-b.size, b.first, b.key)),
        sorted(buffers, key=lambda b: (-(b.last - b.first), -b.size, b.key)),
        sorted(buffers, key=lambda b: (b.first, -b.size, b.key)),
        sorted(buffers, key=lambda b: (-b.size * (b.last - b.first + 1), b.key)),
    ]
    best, best_offsets = None, None
    for order in orders:
        size = _first_fit(buffers, order)
        if best is None or size < best:
            best, best_offsets = size, {b.key: b.offset for b in buffers}
    for b in buffers:
        b.offset = best_offsets[b.key]  # type: ignore[index]
    return best or 0


class _Roots:
    """Which tensors share storage (a union-find over tensor indices) and where each group is pinned:
    a graph input or output, a constant, or nowhere (then it lives in the arena)."""

    def __init__(self, g: Graph):
        self.g = g
        self.uf = _UnionFind()
        self.role: dict[int, str] = {}
        for pos, i in enumerate(g.inputs):
            self.role[i] = f"input{pos}"
        for pos, o in enumerate(g.outputs):
            self.role.setdefault(o, f"output{pos}")
        for t in g.tensors:
            if t.is_const:
                self.role.setdefault(t.index, "const")
            elif t.is_variable:
                self.role.setdefault(t.index, "state")

    def root_role(self, i: int) -> str | None:
        uf, r = self.uf, self.uf.find(i)
        return next((self.role[m] for m in list(uf.parent) + [i] if uf.find(m) == r and m in self.role),
                    self.role.get(r))

    def klass(self, i: int) -> str:
        r = self.root_role(i)
        return "arena" if r is None else r


def _uses(s: Step) -> list[int]:
    return [] if isinstance(s, Alias) else [i for i in s.reads + s.writes if i >= 0]


def resolve_aliases(g: Graph, steps: list[Step], roots: _Roots) -> list[Step]:
    """Aliasing pass: a RESHAPE-like step shares its input's storage, unless both ends are pinned to
    different places (a graph input and an output, say): then it becomes a copy."""
    out: list[Step] = []
    for s in steps:
        if isinstance(s, Alias):
            ra, rb = roots.root_role(s.src), roots.root_role(s.dst)
            if ra is not None and rb is not None and ra != rb:  # both ends are pinned elsewhere: copy the bytes
                n = g.tensors[s.dst].nbytes
                out.append(Call(s.op, "memcpy", "", [T(s.dst), T(s.src), Lit(str(n))],
                                note=f"{g.tensors[s.src].describe()} -> {g.tensors[s.dst].describe()} (copy)",
                                reads=[s.src], writes=[s.dst]))
            else:
                keep, other = (s.src, s.dst) if ra is not None or rb is None else (s.dst, s.src)
                roots.uf.union(keep, other)
                out.append(s)
        else:
            out.append(s)
    return out


def choose_in_place(g: Graph, steps: list[Step], roots: _Roots) -> list[Step]:
    """In-place pass: a call that may write its output over an input (Call.inplace) does so when both
    live in the arena, the input dies at that call, is not read again through another argument, and the
    output is no larger; the call is then its in-place form (Call.in_place), a new Call."""
    uf = roots.uf
    last: dict[int, int] = {}
    for k, s in enumerate(steps):
        for i in _uses(s):
            last[uf.find(i)] = k
    for o in g.outputs:
        last[uf.find(o)] = len(steps)
    out = list(steps)
    for k, s in enumerate(steps):
        if isinstance(s, Alias):
            continue
        for src, dst in s.inplace:
            rs, rd = uf.find(src), uf.find(dst)
            if rs == rd or roots.klass(src) != "arena" or roots.klass(dst) != "arena":
                continue
            if last.get(rs) != k or g.tensors[dst].nbytes > g.tensors[src].nbytes:
                continue
            if any(uf.find(i) == rs for i in s.reads if i != src):  # read again through another argument
                continue
            uf.union(src, dst)
            last[uf.find(src)] = max(last.pop(rs, k), last.pop(rd, k))
            out[k] = s.in_place()
            break
    return out


def plan(graph: Graph, steps: list[Step]) -> Plan:
    """Place every tensor and scratch buffer. The steps given are left as they are: the plan's own
    steps are new Calls where a pass changed one (resolve_aliases: a copy for an alias that cannot be
    one; choose_in_place: the in-place form of a kernel call); then greedy placement over lifetimes."""
    g = graph
    roots = _Roots(g)
    uf, klass, uses = roots.uf, roots.klass, _uses
    final_steps = choose_in_place(g, resolve_aliases(g, steps, roots), roots)

    # Lifetimes of arena roots.
    first: dict[int, int] = {}
    lastk: dict[int, int] = {}
    for k, s in enumerate(final_steps):
        for i in uses(s):
            if klass(i) != "arena":
                continue
            r = uf.find(i)
            first.setdefault(r, k)
            lastk[r] = k
    buffers = []
    for r in sorted(first):
        members = [t for t in range(len(g.tensors)) if uf.find(t) == r]
        size = max(g.tensors[m].nbytes for m in members)
        buffers.append(Buffer(f"t{r}", _align(size), first[r], lastk[r]))
    scratch_keys: dict[int, str] = {}
    for k, s in enumerate(final_steps):
        if isinstance(s, Call) and s.scratch_bytes:
            key = f"scratch{k}"
            scratch_keys[k] = key
            buffers.append(Buffer(key, _align(s.scratch_bytes), k, k))
    arena = place(buffers)
    by_key = {b.key: b for b in buffers}

    # State: each variable's group of tensors, one after another (TFLM resets an int8 variable tensor to its
    # zero point, any other to 0 bytes, a resource variable to 0 bytes: is_variable tensors the reader made)
    state_offset: dict[int, int] = {}
    state: list[StateBuffer] = []
    state_bytes = 0
    for t in g.tensors:
        r = uf.find(t.index)
        if t.is_variable and r not in state_offset:
            size = max(m.nbytes for m in g.tensors if uf.find(m.index) == r)
            state_offset[r] = state_bytes
            fill = (t.zero_point & 0xFF) if t.dtype == "int8" and t.quant and t.initial is None else 0
            state.append(StateBuffer(t.index, state_bytes, size, fill, t.initial))
            state_bytes += _align(size)

    storage: dict[int, Storage] = {}
    roots: dict[int, int] = {}
    for t in g.tensors:
        r = uf.find(t.index)
        roots[t.index] = r
        c = klass(t.index)
        if c.startswith("input"):
            storage[t.index] = Storage("input", int(c[5:]))
        elif c.startswith("output"):
            storage[t.index] = Storage("output", int(c[6:]))
        elif c == "const":
            storage[t.index] = Storage("const")
        elif c == "state":
            storage[t.index] = Storage("state", offset=state_offset[r])
        elif f"t{r}" in by_key:
            storage[t.index] = Storage("arena", offset=by_key[f"t{r}"].offset)
    copies = []
    for pos, o in enumerate(g.outputs):
        c = klass(o)
        if c != f"output{pos}":  # the output is a graph input, a constant or another output
            copies.append((o, pos))
    return Plan(final_steps, storage, roots, {k: by_key[key].offset for k, key in scratch_keys.items()},
                arena, buffers, copies, state_bytes, state)
