"""The compiler's named rewrite passes, each on its own (bit-exactness of their results: the op zoo)."""

from __future__ import annotations

import pytest

from tinyslm.compiler import read_model
from tinyslm.compiler.driver import lower_graph
from tinyslm.compiler.lowering import Call
from tinyslm.compiler.passes import tables_for_one_byte_functions


def funcs(steps):
    return [s.func for s in steps if isinstance(s, Call)]


@pytest.mark.parametrize("name", ["mul_const_scalar", "sub_const_scalar", "add_self_relu"])
@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_table_pass_turns_one_byte_functions_into_tables(zoo, name, target):
    graph = read_model(zoo(name))
    before = lower_graph(graph, target, passes=())
    after = lower_graph(graph, target, passes=(tables_for_one_byte_functions,))
    assert any(f.endswith(("add_s8", "sub_s8", "mul_s8")) for f in funcs(before)), funcs(before)
    assert "tslm_lut_s8" in funcs(after) and not any(f.endswith(("add_s8", "sub_s8", "mul_s8"))
                                                     for f in funcs(after)), funcs(after)
    table = next(s for s in after if isinstance(s, Call) and s.func == "tslm_lut_s8").consts[0].values
    assert len(table) == 256 and len(set(int(v) for v in table)) > 1  # a real function of the input byte


@pytest.mark.parametrize("name", ["add", "mul", "add_broadcast_rows"])
def test_table_pass_leaves_two_operand_functions_alone(zoo, name):
    graph = read_model(zoo(name))
    before = lower_graph(graph, "portable", passes=())
    after = lower_graph(graph, "portable", passes=(tables_for_one_byte_functions,))
    assert funcs(before) == funcs(after) and "tslm_lut_s8" not in funcs(after)
