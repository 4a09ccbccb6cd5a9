"""WHILE and IF, compiled by inlining their subgraphs into the main graph (a straight line of kernel calls).

TFLM runs WHILE by copying its inputs into the cond subgraph's, invoking cond, and while its boolean output
is true invoking body and copying body's outputs back as the next iteration's inputs; IF invokes one of two
branch subgraphs and copies that branch's outputs, byte for byte, to its own. Here:

- **WHILE** is unrolled when its trip count is known at compile time: cond is evaluated on the values of the
  loop variables that are constants (a counter and its bound, as ``tf.while_loop`` over a fixed range
  writes them), and body's operators are inlined once per iteration, each iteration's tensors new
  tensors of the main graph (the planner reuses their memory). The integer operators that only step the
  counter are computed here and become constants. A loop whose cond depends on the input data is refused: it
  cannot be a straight line.
- **IF** on a condition known at compile time inlines the branch taken. On a condition computed from the
  input both branches are inlined and each output is chosen after them from the condition's byte
  (``TSLM_SELECT_BYTES``): the same bytes TFLM's copy gives, at the cost of running both branches.

Subgraphs that use resource variables are refused (their handles would cross the subgraph boundary).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..errors import UnsupportedError
from .ir import Graph, Operator, Tensor

CONTROL_OPS = ("WHILE", "IF")
MAX_ITERATIONS = 4096  # a WHILE unrolled further than this is refused
MAX_OPERATORS = 20000  # ... and so is a graph that inlining makes larger than this
SELECT_BYTES = "TSLM_SELECT_BYTES"  # IF's output chosen by a condition computed at run time (ops/control_flow.py)

# The optable's entries (python -m tinyslm.compiler.optable): resolved here, before lowering.
SUPPORT: dict[str, str] = {
    "WHILE": "| any: unrolled at compile time when its trip count is (cond on constant loop variables); a loop "
             "whose cond depends on the data is refused",
    "IF": "| any: the branch taken inlined when the condition is a constant; otherwise both branches inlined and "
          "each output chosen from the condition",
}


@dataclass
class _Known:
    """Compile-time values of some tensors (constants, and what the interpreter below derived from them)."""

    values: dict[int, np.ndarray]

    def get(self, index: int) -> np.ndarray | None:
        return self.values.get(index)


_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "ADD": np.add, "SUB": np.subtract, "MUL": np.multiply,
    "LESS": np.less, "LESS_EQUAL": np.less_equal, "GREATER": np.greater, "GREATER_EQUAL": np.greater_equal,
    "EQUAL": np.equal, "NOT_EQUAL": np.not_equal, "LOGICAL_AND": np.logical_and, "LOGICAL_OR": np.logical_or,
    "MAXIMUM": np.maximum, "MINIMUM": np.minimum,
}


def _fold(op: Operator, tensors: "list[Tensor] | dict[int, Tensor]", known: _Known) -> np.ndarray | None:
    """The value of op's output if every input is known and the op is one of the integer/boolean ones a
    loop's counter and bound use (int32/int64/bool tensors without quantization); None otherwise.

    >>> t = [Tensor(0, "i", (), "int32"), Tensor(1, "n", (), "int32"), Tensor(2, "c", (), "bool")]
    >>> _fold(Operator(0, "LESS", [0, 1], [2]), t, _Known({0: np.int32(3), 1: np.int32(4)}))
    array(True)
    >>> _fold(Operator(0, "LESS", [0, 1], [2]), t, _Known({0: np.int32(3)})) is None
    True
    """
    if not op.outputs or any(i < 0 for i in op.inputs):
        return None
    ins = [known.get(i) for i in op.inputs]
    if any(v is None for v in ins) or any(tensors[i].quant is not None for i in op.inputs):
        return None
    y = tensors[op.outputs[0]]
    if y.dtype not in ("int32", "int64", "bool") or op.options.get("fused_activation_function", "NONE") != "NONE":
        return None
    if op.opcode in _BINARY and len(ins) == 2:
        out = _BINARY[op.opcode](ins[0], ins[1])
    elif op.opcode == "LOGICAL_NOT" and len(ins) == 1:
        out = np.logical_not(ins[0])
    elif op.opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS", "IDENTITY") and ins:
        out = ins[0]
    else:
        return None
    with np.errstate(all="ignore"):
        return np.asarray(out).astype(y.dtype).reshape(y.shape)


class _Inliner:
    def __init__(self, g: Graph):
        self.g = g
        self.tensors = list(g.tensors)
        self.known = _Known({t.index: np.asarray(t.data) for t in g.tensors if t.is_const})

    def fail(self, op: Operator, what: str, hint: str | None = None) -> UnsupportedError:
        return UnsupportedError(f"{op.opcode} (op {op.index}): {what}", where=f"{self.g.source}, op {op.index}",
                                hint=hint)

    def subgraph(self, op: Operator, key: str) -> Graph:
        k = op.options.get(key)
        sub = self.g.subgraphs.get(k) if isinstance(k, int) else None
        if sub is None:
            raise self.fail(op, f"its {key} ({k!r}) names no subgraph of the model",
                            hint="the model is corrupt; re-export it")
        for o in sub.operators:
            if o.opcode in ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"):
                raise self.fail(op, f"subgraph {k} uses resource variables ({o.opcode}), which tinyslm does not "
                                "compile inside WHILE or IF", hint="keep the state outside the loop")
        return sub

    def check_ports(self, op: Operator, sub: Graph, outer_in: list[int], outer_out: list[int] | None, what: str) -> None:
        """sub takes outer_in (and gives outer_out) with the same types and shapes, as TFLM's Prepare checks."""
        pairs = list(zip(sub.inputs, outer_in)) + (list(zip(sub.outputs, outer_out)) if outer_out else [])
        ok = len(sub.inputs) == len(outer_in) and (outer_out is None or len(sub.outputs) == len(outer_out))
        for inner, outer in pairs:
            a, b = sub.tensors[inner], self.tensors[outer]
            ok = ok and a.dtype == b.dtype and a.shape == b.shape
        if not ok:
            raise self.fail(op, f"its {what} subgraph's inputs/outputs do not match the operator's in number, type "
                            "or shape (dynamic shapes are not compiled)", hint="re-export with fixed shapes")

    def inline(self, op: Operator, sub: Graph, args: list[int], tag: str) -> tuple[list[Operator], list[int]]:
        """sub's operators with its inputs bound to main-graph tensors `args`: (the new operators, the main-graph
        tensors of its outputs). Every other tensor of sub becomes a new main-graph tensor; constants among them
        are known values."""
        where: dict[int, int] = dict(zip(sub.inputs, args))
        for t in sub.tensors:
            if t.index in where:
                continue
            index = len(self.tensors)
            self.tensors.append(replace(t, index=index, name=f"{t.name} [{tag}]"))
            where[t.index] = index
            if t.is_const:
                self.known.values[index] = np.asarray(t.data)
        ops = []
        for o in sub.operators:
            new = replace(o, inputs=[where[i] if i >= 0 else -1 for i in o.inputs],
                          outputs=[where[i] for i in o.outputs])
            value = _fold(new, self.tensors, self.known)
            if value is not None:
                self.known.values[new.outputs[0]] = value
            ops.append(new)
        return ops, [where[i] for i in sub.outputs]

    def evaluate(self, op: Operator, cond: Graph, args: list[int]) -> bool:
        """cond's boolean output on the loop variables args, at compile time."""
        known = _Known(dict(self.known.values))
        private = 1 << 40  # cond's own tensors, numbered past the main graph's for this evaluation only
        where = dict(zip(cond.inputs, args))
        tensors = {i: self.tensors[i] for i in args}
        for t in cond.tensors:
            if t.index not in where:
                where[t.index] = private + t.index
                tensors[private + t.index] = t
                if t.is_const:
                    known.values[private + t.index] = np.asarray(t.data)
        for o in cond.operators:
            mapped = replace(o, inputs=[where[i] if i >= 0 else i for i in o.inputs],
                             outputs=[where[i] for i in o.outputs])
            value = _fold(mapped, tensors, known)
            if value is not None:
                known.values[mapped.outputs[0]] = value
        out = known.get(where[cond.outputs[0]]) if len(cond.outputs) == 1 else None
        if out is None or out.size != 1:
            raise self.fail(op, "its trip count depends on the input data (cond is not a constant of the loop's "
                            "constant variables); tinyslm unrolls loops, so it compiles only loops whose number of "
                            "iterations is known at compile time",
                            hint="give the loop a fixed trip count (e.g. tf.while_loop over range(N))")
        return bool(out.reshape(-1)[0])

    def run(self) -> Graph:
        ops: list[Operator] = []
        rename: dict[int, int] = {}
        work = list(self.g.operators)
        while work:
            op = work.pop(0)
            op = replace(op, inputs=[rename.get(i, i) for i in op.inputs])
            if op.opcode == "WHILE":
                work = self.unroll(op, rename) + work
            elif op.opcode == "IF":
                work = self.branch(op, rename) + work
            else:
                value = _fold(op, self.tensors, self.known)
                y = self.tensors[op.outputs[0]] if op.outputs else None
                if value is not None and y is not None and not y.is_variable:
                    # a loop counter's step, a bound's comparison: computed here, a constant in the C
                    self.known.values[y.index] = value
                    self.tensors[y.index] = replace(y, data=value)
                else:
                    ops.append(op)
            if len(ops) + len(work) > MAX_OPERATORS:
                raise self.fail(op, f"inlining WHILE/IF makes the graph larger than {MAX_OPERATORS} operators",
                                hint="use fewer loop iterations")
        ops = [replace(o, index=k) for k, o in enumerate(ops)]
        outputs = [rename.get(i, i) for i in self.g.outputs]
        for old, new in zip(self.g.outputs, outputs):  # an output keeps its name (the C API's, the tools')
            t = self.tensors[new]
            if new != old and not t.is_const and new not in self.g.inputs:
                self.tensors[new] = replace(t, name=self.tensors[old].name)
        return replace(self.g, tensors=self.tensors, operators=ops, outputs=outputs)

    def unroll(self, op: Operator, rename: dict[int, int]) -> list[Operator]:
        cond, body = self.subgraph(op, "cond_subgraph_index"), self.subgraph(op, "body_subgraph_index")
        if len(op.inputs) != len(op.outputs) or any(i < 0 for i in op.inputs):
            raise self.fail(op, "its inputs and outputs differ in number", hint="the model is corrupt; re-export it")
        if any(self.tensors[i].dtype == "resource" for i in op.inputs):
            raise self.fail(op, "a loop variable is a resource handle", hint="keep the state outside the loop")
        self.check_ports(op, cond, op.inputs, None, "cond")
        self.check_ports(op, body, op.inputs, op.inputs, "body")
        cur, out = list(op.inputs), []
        for k in range(MAX_ITERATIONS + 1):
            if not self.evaluate(op, cond, cur):
                break
            if k == MAX_ITERATIONS:
                raise self.fail(op, f"runs more than {MAX_ITERATIONS} iterations; tinyslm unrolls loops",
                                hint="use fewer iterations")
            new, cur = self.inline(op, body, cur, f"WHILE op {op.index}, iteration {k}")
            out += new
        for o, c in zip(op.outputs, cur):
            rename[o] = c
        return out

    def branch(self, op: Operator, rename: dict[int, int]) -> list[Operator]:
        if not op.inputs or op.inputs[0] < 0:
            raise self.fail(op, "missing its condition input", hint="the model is corrupt; re-export it")
        then, other = self.subgraph(op, "then_subgraph_index"), self.subgraph(op, "else_subgraph_index")
        c, args = op.inputs[0], op.inputs[1:]
        for name, sub in (("then", then), ("else", other)):
            self.check_ports(op, sub, args, op.outputs, name)
        value = self.known.get(c)
        if value is not None:
            taken, tag = (then, "then") if bool(np.asarray(value).reshape(-1)[0]) else (other, "else")
            new, outs = self.inline(op, taken, args, f"IF op {op.index}, {tag}")
            for o, s in zip(op.outputs, outs):
                rename[o] = s
            return new
        if self.tensors[c].dtype != "bool":
            raise self.fail(op, f"its condition is {self.tensors[c].dtype}; tinyslm takes a bool condition")
        a, a_out = self.inline(op, then, args, f"IF op {op.index}, then")
        b, b_out = self.inline(op, other, args, f"IF op {op.index}, else")
        picks = [Operator(op.index, SELECT_BYTES, [c, x, y], [o]) for x, y, o in zip(a_out, b_out, op.outputs)]
        return a + b + picks


def inline_control_flow(g: Graph) -> Graph:
    """The graph with every WHILE unrolled and every IF inlined (unchanged if it has neither)."""
    if not any(op.opcode in CONTROL_OPS for op in g.operators):
        return g
    return _Inliner(g).run()
