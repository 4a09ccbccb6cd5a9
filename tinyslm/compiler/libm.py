"""float32 operators whose kernels call the C library, and which outputs of a model depend on them.

expf, logf, sinf, cosf, tanhf and expm1f are not correctly rounded: glibc (the host, where TFLM runs) and
newlib (a Cortex-M) may round one result differently by an ulp or two. Every other float32 kernel does IEEE
arithmetic in TFLM's order, or calls functions that are exact (sqrtf, floorf, ceilf, fmodf), so it gives the
same bytes everywhere. The ops below give TFLM's bytes on the host and the device C library's on a board
(README, "Numerics"); a device check compares their outputs within that rounding instead of byte for byte.
"""

from __future__ import annotations

from .ir import Graph

# opcode -> the most ulps newlib's float32 result was measured from glibc's (tests/test_compiler_ops_more.py),
# or None where no bound was measured (the op's output then gets the relative tolerance below)
LIBM_ULPS: dict[str, int | None] = {
    "EXP": 2, "LOG": 2, "SIN": 2, "COS": 2, "TANH": 2, "SOFTMAX": 4, "LOGISTIC": 4,
    "LOG_SOFTMAX": 2, "ELU": 2, "UNIDIRECTIONAL_SEQUENCE_LSTM": None, "SVDF": None,
}
# an output computed further on from such an op: at most this much of the output's largest magnitude apart
# (an ulp is 1.2e-7 of a value: room for sums that cancel and norms that divide)
DOWNSTREAM_RTOL = 1e-4


def _calls_libm(g: Graph, op_index: int) -> bool:
    op = g.operators[op_index]
    if op.opcode in LIBM_ULPS:
        return any(g.tensors[i].dtype == "float32" for i in op.outputs)
    return False


def _any_libm(g: Graph) -> bool:
    return any(_calls_libm(g, i) for i in range(len(g.operators))) or any(_any_libm(s) for s in g.subgraphs.values())


def _taint(g: Graph) -> dict[int, frozenset[str]]:
    """Tensor -> the C-library opcodes it is computed through (tensors nothing computes are absent)."""
    taint: dict[int, frozenset[str]] = {}
    subgraph_libm = {i for i, s in g.subgraphs.items() if _any_libm(s)}
    for op in g.operators:
        got = frozenset().union(*(taint.get(i, frozenset()) for i in op.inputs if i >= 0))
        if _calls_libm(g, op.index):
            got |= {op.opcode}
        if any(v in subgraph_libm for k, v in op.options.items() if k.endswith("subgraph_index")):
            got |= {"a control-flow subgraph's C library call"}
        for o in op.outputs:
            taint[o] = got
    if any(t.is_variable for t in g.tensors) and _any_libm(g):  # state carries it from one invoke to the next
        every = frozenset().union(*taint.values())
        taint = {t: every for t in taint}
    return taint


def libm_dependence(g: Graph) -> list[frozenset[str]]:
    """Per model output, the float32 opcodes calling the C library it is computed through (empty: none).

    An op of a control-flow subgraph taints its caller's outputs; with resource variables (state kept from one
    invoke to the next) and any such op, every output is tainted.

    >>> from tinyslm.compiler.ir import Graph, Operator, Tensor
    >>> t = [Tensor(i, f"t{i}", (4,), "float32") for i in range(4)]
    >>> ops = [Operator(0, "RELU", [0], [1]), Operator(1, "SOFTMAX", [1], [2]), Operator(2, "ADD", [0, 2], [3])]
    >>> g = Graph(t, ops, [0], [1, 2, 3], sha256="")
    >>> [sorted(s) for s in libm_dependence(g)]
    [[], ['SOFTMAX'], ['SOFTMAX']]
    >>> [direct_bound(g, k) for k in range(3)]
    [None, 4, None]
    """
    taint = _taint(g)
    return [taint.get(o, frozenset()) for o in g.outputs]


def direct_bound(g: Graph, output: int) -> int | None:
    """The measured ulp bound of the op that writes model output `output` when it calls the C library and
    reads nothing computed through it (its error is then its own alone); None otherwise."""
    taint = _taint(g)
    t = g.outputs[output]
    for op in g.operators:
        if t in op.outputs and _calls_libm(g, op.index) and taint[t] == {op.opcode}:
            if not any(taint.get(i) for i in op.inputs if i >= 0):
                return LIBM_ULPS[op.opcode]
    return None
