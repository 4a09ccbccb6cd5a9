"""Resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE) as the model's state.

TFLM keeps each resource variable (named by VAR_HANDLE's container and shared_name) in a buffer of its own
that persists across invocations; CALL_ONCE runs an init subgraph on the first invocation, which assigns
the variables their start values; MicroInterpreter::Reset() sets every variable's bytes to 0 (and CALL_ONCE
does not run again). Here each variable becomes a variable tensor of the main graph (the planner keeps those
in the state area): the first VAR_HANDLE's output tensor of each name is replaced by it, other handles of the
same name are redirected to it, READ_VARIABLE and ASSIGN_VARIABLE then read and write it (copies), and
VAR_HANDLE and CALL_ONCE leave the operator list. The init subgraph is evaluated here: it may only assign
constants (what the converter writes for a tf.Variable's initial value); its values become the variables'
`initial` data.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import UnsupportedError
from .ir import Graph, Operator, Tensor

HANDLE_OPS = ("VAR_HANDLE", "CALL_ONCE")
# The optable's entries for the operators resolved here rather than lowered (python -m tinyslm.compiler.optable)
SUPPORT: dict[str, str] = {
    "CALL_ONCE": "| resource: its init subgraph evaluated at compile time (constant assignments): the variables' "
                 "start values",
    "VAR_HANDLE": "| resource: resolved to its variable in the state area; no code",
}


def _key(op: Operator) -> tuple[str, str]:
    def text(v: object) -> str:
        return v.decode(errors="replace") if isinstance(v, bytes) else str(v or "")

    return text(op.options.get("container")), text(op.options.get("shared_name"))


def _initial_values(g: Graph, sub: Graph, call: Operator) -> dict[tuple[str, str], Tensor]:
    """The constants an init subgraph assigns, by variable name."""
    handles: dict[int, tuple[str, str]] = {}
    values: dict[tuple[str, str], Tensor] = {}
    for op in sub.operators:
        if op.opcode == "VAR_HANDLE" and op.outputs:
            handles[op.outputs[0]] = _key(op)
        elif op.opcode == "ASSIGN_VARIABLE" and len(op.inputs) == 2 and op.inputs[0] in handles \
                and sub.tensors[op.inputs[1]].is_const:
            values[handles[op.inputs[0]]] = sub.tensors[op.inputs[1]]
        else:
            raise UnsupportedError(f"CALL_ONCE (op {call.index}): its init subgraph computes a start value with "
                                   f"{op.opcode} (op {op.index} there); tinyslm takes init subgraphs that assign "
                                   "constants", where=g.source, hint="give the variables constant initial values")
    return values


def resolve_variables(g: Graph) -> Graph:
    """The graph with its resource variables as variable tensors (unchanged if it has none)."""
    if not any(op.opcode in HANDLE_OPS + ("READ_VARIABLE", "ASSIGN_VARIABLE") for op in g.operators):
        return g
    tensors = list(g.tensors)
    var_of: dict[int, int] = {}  # handle tensor -> the variable's tensor
    by_name: dict[tuple[str, str], int] = {}
    initial: dict[tuple[str, str], Tensor] = {}
    for op in g.operators:
        if op.opcode == "CALL_ONCE":
            k = op.options.get("init_subgraph_index")
            initial.update(_initial_values(g, g.subgraphs[k], op))
        elif op.opcode == "VAR_HANDLE":
            if len(op.outputs) != 1:
                raise UnsupportedError(f"VAR_HANDLE (op {op.index}): expected one output", where=g.source)
            var_of[op.outputs[0]] = by_name.setdefault(_key(op), op.outputs[0])
    name_of = {v: k for k, v in by_name.items()}

    # each variable's type and size: from what reads it, what is assigned to it, and its start value
    seen: dict[int, list[Tensor]] = {v: [] for v in by_name.values()}
    for op in g.operators:
        if op.opcode not in ("READ_VARIABLE", "ASSIGN_VARIABLE"):
            continue
        if not op.inputs or op.inputs[0] not in var_of:
            raise UnsupportedError(f"{op.opcode} (op {op.index}) names a variable no VAR_HANDLE before it made",
                                   where=g.source, hint="the model is corrupt or built by hand; re-export it")
        v = var_of[op.inputs[0]]
        if op.opcode == "READ_VARIABLE" and len(op.outputs) == 1:
            seen[v].append(tensors[op.outputs[0]])
        elif op.opcode == "ASSIGN_VARIABLE" and len(op.inputs) == 2 and op.inputs[1] >= 0:
            seen[v].append(tensors[op.inputs[1]])
    for v, key in name_of.items():
        start = initial.get(key)
        like = seen[v] + ([start] if start is not None else [])
        if not like:
            continue  # a handle nothing reads or writes
        first = like[0]
        for t in like[1:]:
            if t.dtype != first.dtype or t.nbytes != first.nbytes:
                raise UnsupportedError(f"variable '{key[1]}' is used as {first.describe()} and as {t.describe()}",
                                       where=g.source, hint="a variable must keep one type and size")
        quant = next((t.quant for t in like if t.quant is not None), None)
        tensors[v] = Tensor(v, key[1] or f"variable_{v}", first.shape, first.dtype, quant, None, True,
                            None if start is None else start.data.reshape(first.shape).copy())  # type: ignore[union-attr]
    assigned = {v for v, key in name_of.items() if key in initial}
    for op in g.operators:  # TFLM has no buffer for a variable before its first assignment
        if op.opcode == "ASSIGN_VARIABLE":
            assigned.add(var_of[op.inputs[0]])
        elif op.opcode == "READ_VARIABLE" and var_of[op.inputs[0]] not in assigned:
            raise UnsupportedError(f"READ_VARIABLE (op {op.index}) reads variable '{name_of[var_of[op.inputs[0]]][1]}' "
                                   "before anything assigns it a value (no CALL_ONCE init, no ASSIGN_VARIABLE "
                                   "before it): TFLM has no value to read there", where=g.source,
                                   hint="give the variable an initial value")
    operators = []
    for op in g.operators:
        if op.opcode in HANDLE_OPS:
            continue
        operators.append(replace(op, inputs=[var_of.get(i, i) for i in op.inputs]))
    return replace(g, tensors=tensors, operators=operators)
