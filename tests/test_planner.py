"""The static memory planner: no two live buffers overlap, and it is tight on simple chains."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tinyslm.compiler.planner import Buffer, place


@st.composite
def buffer_sets(draw):
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        first = draw(st.integers(0, 30))
        out.append(Buffer(f"b{i}", draw(st.integers(1, 64)) * 4, first, first + draw(st.integers(0, 8))))
    return out


@settings(max_examples=300, deadline=None)
@given(buffer_sets())
def test_live_buffers_never_overlap(buffers):
    size = place(buffers)
    for a in buffers:
        assert a.offset >= 0 and a.offset + a.size <= size
        for b in buffers:
            if a is b or a.last < b.first or b.last < a.first:
                continue
            assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset, (a, b)
    # never worse than the peak of simultaneously live bytes allows... and never below it
    peak = max(sum(b.size for b in buffers if b.first <= t <= b.last) for t in range(40))
    assert size >= peak


def test_depthwise_and_pointwise_run_in_place(zoo):
    from tinyslm.compiler import analyze
    from tinyslm.compiler.lowering import Call

    for target in ("portable", "cortex-m-dsp"):
        graph, plan = analyze(zoo("ds_block_in_place"), target)
        calls = [s for s in plan.steps if isinstance(s, Call)]
        dw = [c for c in calls if c.family == "tslm_depthwise_conv"]
        pw = [c for c in calls if c.family == "tslm_conv" and c.params["filter_h"] == 1]
        # the portable kernel keeps a ring of raw rows when in place; the DSP one always reads its ring
        assert all((c.params["cache_rows"] > 0) == (target == "portable") for c in dw), target
        assert dw and pw, target
        assert all(c.params["in_place"] == 1 for c in pw), target
        for c in dw + pw:  # same storage for input and output
            assert plan.storage[c.reads[0]].offset == plan.storage[c.writes[0]].offset


def test_chain_uses_two_buffers():
    # a -> b -> c -> d, each 100 bytes: ping-pong between two slots
    bufs = [Buffer(f"t{i}", 100, i, i + 1) for i in range(4)]
    assert place(bufs) == 200


def test_the_planner_changes_none_of_the_steps_it_is_given(zoo):
    """plan() returns a plan; the lowering's calls stay as they were (in-place forms are new calls)."""
    import pickle

    from tinyslm.compiler import read_model
    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.lowering import Call
    from tinyslm.compiler.planner import plan

    graph = read_model(zoo("ds_block_in_place"))
    steps = lower_graph(graph, "portable")
    before = [pickle.dumps(s) for s in steps]
    p = plan(graph, steps)
    assert [pickle.dumps(s) for s in steps] == before
    changed = [k for k, (a, b) in enumerate(zip(steps, p.steps)) if a is not b]
    assert changed and all(isinstance(p.steps[k], Call) and p.steps[k].scratch_bytes >= steps[k].scratch_bytes
                           for k in changed)


def test_alias_pass_copies_only_what_is_pinned_at_both_ends():
    """resolve_aliases: a RESHAPE from a graph input straight to a graph output cannot share storage (a
    memcpy); one between arena tensors is an alias (same root)."""
    import numpy as np
    from tflbuild import OpDesc, TDesc, build_model

    from tinyslm.compiler import read_model
    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.lowering import Alias, Call
    from tinyslm.compiler.planner import _Roots, resolve_aliases

    shape = TDesc((2,), "int32", data=np.array([3, 4], np.int32))
    pinned = read_model(build_model([TDesc((1, 12), "int8", [0.1], [1]), shape, TDesc((3, 4), "int8", [0.1], [1])],
                                    [OpDesc("RESHAPE", [0, 1], [2])], [0], [2]))
    steps = resolve_aliases(pinned, lower_graph(pinned), _Roots(pinned))
    assert isinstance(steps[0], Call) and steps[0].func == "memcpy"
    inner = read_model(build_model([TDesc((1, 12), "int8", [0.1], [1]), shape, TDesc((1, 12), "int8", [0.2], [0]),
                                    TDesc((3, 4), "int8", [0.2], [0]), TDesc((3, 4), "int8", [0.3], [2])],
                                   [OpDesc("QUANTIZE", [0], [2]), OpDesc("RESHAPE", [2, 1], [3]),
                                    OpDesc("QUANTIZE", [3], [4])], [0], [4]))
    roots = _Roots(inner)
    steps = resolve_aliases(inner, lower_graph(inner), roots)
    assert isinstance(steps[1], Alias) and roots.uf.find(2) == roots.uf.find(3)


def test_in_place_pass_on_its_own(zoo):
    """choose_in_place: the depthwise and 1x1 convolutions of a DS block take their in-place forms."""
    from tinyslm.compiler import read_model
    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.lowering import Call
    from tinyslm.compiler.planner import _Roots, choose_in_place, resolve_aliases

    graph = read_model(zoo("ds_block_in_place"))
    roots = _Roots(graph)
    steps = resolve_aliases(graph, lower_graph(graph, "portable"), roots)
    after = choose_in_place(graph, steps, roots)
    changed = [b for a, b in zip(steps, after) if a is not b]
    assert changed and all(isinstance(c, Call) and c.family in ("tslm_conv", "tslm_depthwise_conv") for c in changed)
    assert all(roots.uf.find(c.reads[0]) == roots.uf.find(c.writes[0]) for c in changed)
