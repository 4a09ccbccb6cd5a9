"""A MUL's 256-entry table folded into the BATCH_MATMUL before it (passes.batch_matmul_output_maps, Cortex-M DSP:
tslm_dsp_batch_matmul_pairs_lut_s8): where it applies (the BATCH_MATMUL on the row-pair entry, its output read by
the table only), where it must not (the output read twice or a model output, a MUL by a tensor, a depth the pairs
entry does not take, the portable and Helium targets), that the intermediate leaves the plan, and the outputs
against TFLM on the emulated Cortex-M4 in the speed and the size builds (the kernel's own check, all shapes and a
random table against the portable kernels: tests/c/dsp_batch_matmul_check.c in test_dsp_batch_matmul.py)."""

from __future__ import annotations

import pytest

from m4check import QEMU

FUSED = "tslm_dsp_batch_matmul_pairs_lut_s8"


def _model(kind: str, tokens: int = 10, heads: int = 2, dh: int = 8) -> bytes:
    """q . k^T of [1, tokens, heads * dh] split into heads, then `kind`'s use of the scores."""
    import opzoo
    import tensorflow as tf

    def fn(q, k, v):
        split = lambda z: tf.transpose(tf.reshape(z, (1, tokens, heads, dh)), (0, 2, 1, 3))  # noqa: E731
        s = tf.matmul(split(q), split(k), transpose_b=True)
        if kind == "mul_const":  # attention's scale: fused
            return tf.nn.softmax(s * 0.25)
        if kind == "mul_const_then_out":  # the MUL's output the model's: fused (the table's output is written)
            return s * 0.3
        if kind == "two_readers":  # the scores read by the MUL and by an ADD: not fused
            return tf.nn.softmax(s * 0.25), s + 1.0
        if kind == "scores_an_output":  # the scores a model output too: not fused
            return s * 0.25, s
        if kind == "mul_by_tensor":  # the MUL's other operand an activation: no table, not fused
            return s * tf.reduce_mean(split(v), axis=-1, keepdims=True)
        raise ValueError(kind)

    return opzoo.convert_fn(fn, [(1, tokens, heads * dh)] * 3)


def _calls(model: bytes, target: str):
    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.lowering import Call
    from tinyslm.compiler.reader import read_model

    g = read_model(model)
    return g, [s for s in lower_graph(g, target) if isinstance(s, Call)]


@pytest.mark.parametrize("kind,fused", [("mul_const", True), ("mul_const_then_out", True), ("two_readers", False),
                                        ("scores_an_output", False), ("mul_by_tensor", False)])
def test_where_the_table_is_folded(kind, fused):
    from tinyslm.compiler import passes as P
    from tinyslm.compiler.driver import lower_graph
    from tinyslm.compiler.planner import plan

    model = _model(kind)
    g, calls = _calls(model, "cortex-m-dsp")
    funcs = [s.func for s in calls]
    assert (FUSED in funcs) == fused, funcs
    if not fused:
        assert "tslm_dsp_batch_matmul_pairs_s8" in funcs
        return
    assert "tslm_dsp_lut_s8" not in funcs  # the MUL's table is gone, into the BATCH_MATMUL
    (bmm,) = [s for s in calls if s.func == FUSED]
    z = bmm.op.outputs[0]  # the BATCH_MATMUL's own output: no longer written, read or planned
    assert not any(z in s.reads or z in s.writes for s in calls)
    steps = lower_graph(g, "cortex-m-dsp")
    p = plan(g, steps)
    assert z not in p.storage or p.storage[z].kind != "arena" or all(b.key != f"t{z}" for b in p.buffers)
    unfused = lower_graph(g, "cortex-m-dsp", [q for q in P.PASSES if q is not P.batch_matmul_output_maps])
    assert p.arena_bytes <= plan(g, unfused).arena_bytes
    table = bmm.consts[-1]
    assert len(table.values) == 256 and bmm.args[-1].name == table.name


def test_a_depth_past_the_pairs_entry_keeps_its_table():
    """Depth 72 (> 68): the general entry, which has no output-map form; the MUL stays a table."""
    _, calls = _calls(_model("mul_const", tokens=6, heads=1, dh=72), "cortex-m-dsp")
    funcs = [s.func for s in calls]
    assert FUSED not in funcs and "tslm_dsp_batch_matmul_s8" in funcs and "tslm_dsp_lut_s8" in funcs


@pytest.mark.parametrize("target", ["portable", "helium"])
def test_other_targets_keep_the_table(target):
    _, calls = _calls(_model("mul_const"), target)
    funcs = [s.func for s in calls]
    assert not any("_lut_s8" in f and "batch_matmul" in f for f in funcs)
    assert any(f.endswith("lut_s8") for f in funcs)


# (tokens, heads, head dim): the KWS transformer's, odd tokens with depth % 4 of 1 (a half group), a long head
SHAPES = {"kws": (24, 4, 14), "odd": (7, 3, 5), "long": (9, 2, 66)}


@QEMU
@pytest.mark.parametrize("opt", ["-O2", "-Os"])
@pytest.mark.parametrize("name", SHAPES)
def test_fused_bit_exact_on_cortex_m4(name, opt):
    import opzoo

    for kind in ("mul_const", "mul_const_then_out"):
        cm = opzoo.qemu_matches_tflm(_model(kind, *SHAPES[name]), "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=5,
                                     opt=opt)
        assert any(getattr(s, "func", "") == FUSED for s in cm.plan.steps)
