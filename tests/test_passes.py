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


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_grouped_conv_pass_rewrites_depth_multipliers_where_the_target_gains(zoo, target):
    """DEPTHWISE_CONV_2D with depth multiplier 2: the DSP target runs it as a grouped CONV_2D (its im2col kernel
    and records), the portable target keeps TFLM's depthwise loop. Without the pass, both keep it."""
    from tinyslm.compiler.passes import grouped_conv_for_depth_multipliers

    graph = read_model(zoo("depthwise_mult2_stride2"))
    before = lower_graph(graph, target, passes=())
    after = lower_graph(graph, target, passes=(grouped_conv_for_depth_multipliers,))
    assert funcs(before) == ["tslm_depthwise_conv_s8"]
    if target == "portable":
        assert funcs(after) == funcs(before)
        return
    (call,) = [s for s in after if isinstance(s, Call)]
    p = dict(call.param_items())
    assert call.func == "tslm_dsp_conv_s8" and "groups" in call.note
    assert p["filter_c"] == 1 and p["output_c"] == 2 * p["input_c"] and p["requant"] is not None
    assert call.macs == next(s for s in before if isinstance(s, Call)).macs


def test_grouped_conv_pass_on_helium_takes_one_input_channel_only(shared_models):
    """micro_speech's first layer (1 input channel, multiplier 8) becomes a CONV_2D on Helium."""
    from tinyslm.compiler.passes import grouped_conv_for_depth_multipliers

    model = next((p for p in shared_models if "micro_speech" in p.stem), None)
    if model is None:
        pytest.skip("needs the shared micro_speech model")
    graph = read_model(model)
    before = lower_graph(graph, "helium", passes=())
    after = lower_graph(graph, "helium", passes=(grouped_conv_for_depth_multipliers,))
    assert "tslm_depthwise_conv_s8" in funcs(before)
    assert "tslm_depthwise_conv_s8" not in funcs(after) and "tslm_mve_conv_s8" in funcs(after), funcs(after)
