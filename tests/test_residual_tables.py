"""The residual ADD/SUB's byte table made by the compiler (issue 15: ``passes.residual_add_tables``,
``ops.elementwise.residual_table``): where the output is at the scale of the input at multiplier 1/2 (TFLM's output
multiplier 2^30, shift -18) and out = clamp(a + H[b]) holds on all 65,536 input pairs, the DSP and Helium kernels'
``*_add_table_s8``/``*_sub_table_s8`` entries read H from flash instead of making it on every call.

- the numpy arithmetic of every pair (``binary_all_pairs``) against ``binary_element`` (TFLM's steps one at a time)
  on all 65,536 pairs;
- ``residual_table`` on random scales: a table wherever the DSP kernel's own same-scale path ran (nothing lost),
  none for a subtracted A, a tie or an H outside int8;
- chains of residual adds (random scales and zero points, a relu, rows of odd length) through the compiler on the
  Cortex-M4 (mps2-an386) and the Cortex-M55 (mps3-an547), built for speed and for size, against TFLM in QEMU, each
  add asserted on the new entry.

Seen failing on a deliberately broken table (one entry of H off by one: the QEMU runs differ from TFLM)."""

from __future__ import annotations

import numpy as np
import pytest
from test_dsp_add import _on_the_path

from tinyslm.compiler.ops.elementwise import binary_all_pairs, binary_element, residual_table
from tinyslm.compiler.quantization import quantize_multiplier_smaller_than_one

from m4check import QEMU
from terms_cases import random_params


def _params(opcode: str, s1: float, s2: float, sy: float, z1: int, z2: int, zy: int, lo: int = -128,
            hi: int = 127) -> dict:
    """tslm_binary_params' scalar fields as ops/elementwise.py makes them for int8 ADD (SUB: the same ratios)."""
    twice = 2 * max(s1, s2)
    m1 = quantize_multiplier_smaller_than_one(s1 / twice, "t")
    m2 = quantize_multiplier_smaller_than_one(s2 / twice, "t")
    mo = quantize_multiplier_smaller_than_one(twice / ((1 << 20) * sy), "t")
    return dict(in1_offset=-z1, in2_offset=-z2, output_offset=zy, left_shift=20, in1_multiplier=m1[0],
                in1_shift=m1[1], in2_multiplier=m2[0], in2_shift=m2[1], output_multiplier=mo[0], output_shift=mo[1],
                act_min=lo, act_max=hi)


def _draw(rng, opcode: str = "ADD") -> tuple[dict, bool]:
    """Random same-scale parameters (A input 1 or 2; the output at A's scale), and whether A is input 1."""
    sa = float(rng.uniform(0.005, 0.2))
    sb = sa * float(rng.choice([rng.uniform(0.05, 1.0), 1.0, rng.uniform(0.9, 1.0)]))
    z = [int(v) for v in rng.integers(-128, 128, 3)]
    lo = int(rng.choice([-128, -128, z[2], int(rng.integers(-128, 0))]))
    hi = int(rng.choice([127, 127, int(rng.integers(lo + 1, 128))]))
    a_first = bool(rng.integers(2))
    s1, s2 = (sa, sb) if a_first else (sb, sa)
    return _params(opcode, s1, s2, sa, z[0], z[1], z[2], lo, hi), a_first


def test_every_pair_in_numpy_is_tflms_arithmetic():
    rng = np.random.default_rng(3)
    for opcode in ("ADD", "SUB", "ADD"):
        p = _params(opcode, float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.01, 0.3)),
                    *(int(v) for v in rng.integers(-128, 128, 3)), lo=-100, hi=120)
        y = binary_all_pairs(opcode, p)
        ref = np.array([[binary_element(opcode, p, a, b) for b in range(-128, 128)] for a in range(-128, 128)])
        assert np.array_equal(y, ref), opcode


def _identity_holds(opcode: str, p: dict, a_first: bool, h: np.ndarray) -> bool:
    q = np.arange(-128, 128)
    hb = np.concatenate([h[128:], h[:128]])  # b = -128..127
    fast = np.clip(np.clip(q[:, None] + hb[None, :], -128, 127), p["act_min"], p["act_max"])  # [a, b]
    y = binary_all_pairs(opcode, p)
    return np.array_equal(fast, y if a_first else y.T)


def test_the_table_wherever_the_kernels_path_ran_and_never_where_it_is_not_exact():
    rng = np.random.default_rng(0)
    made = refused = 0
    for _ in range(300):
        p, a_first = _draw(rng)
        h = residual_table("ADD", p)
        full = p["act_min"] == -128 and p["act_max"] == 127
        if full and _on_the_path(p, False):  # the DSP kernel's own same-scale path: the table too
            assert h is not None, p
        if h is None:
            refused += 1
            continue
        made += 1
        assert h.dtype.kind == "i" and h.shape == (256,) and -128 <= h.min() and h.max() <= 127
        assert _identity_holds("ADD", p, a_first, h), p
    assert made >= 30 and refused >= 100, (made, refused)
    # SUB: a table where A is input 1 (out = a - B's term), none where A is subtracted
    for _ in range(40):
        p, a_first = _draw(rng, "SUB")
        h = residual_table("SUB", p)
        if a_first and p["in2_multiplier"] != 1 << 30:
            assert h is None or _identity_holds("SUB", p, True, h)
        elif not a_first:
            assert h is None, p
    # another scheme: an output not at A's scale
    p, _ = _draw(rng)
    assert residual_table("ADD", dict(p, output_multiplier=p["output_multiplier"] + 1)) is None


def test_a_tie_or_a_large_h_gives_no_table():
    rng = np.random.default_rng(5)
    large = 0
    for _ in range(400):
        p, a_first = _draw(rng)
        p.update(act_min=-128, act_max=127)
        if residual_table("ADD", p) is not None:
            continue
        y0 = binary_all_pairs("ADD", dict(p, act_min=-(1 << 31), act_max=(1 << 31) - 1))
        h = y0[128] if a_first else y0[:, 128]
        large += int(h.min() < -128 or h.max() > 127)
    assert large >= 100, large
    # B at half A's scale: B's term (b - zp_B) 2^18, x' = ((a - zp_A) 2^18 + (b - zp_B) 2^17): a tie at every odd
    # b - zp_B; zero points 0, every H in int8
    p = _params("ADD", 0.04, 0.02, 0.04, 0, 0, 0)
    assert (p["in2_multiplier"], p["in2_shift"]) == (1 << 30, -1)
    y0 = binary_all_pairs("ADD", p)
    assert -128 <= y0[128].min() and y0[128].max() <= 127 and residual_table("ADD", p) is None
    assert residual_table("ADD", _params("ADD", 0.04, 0.0201, 0.04, 0, 0, 0)) is not None


def _chain_model(shape: tuple[int, ...], x_q: tuple[float, int], adds: list[tuple]) -> bytes:
    """A chain of int8 adds and subs over z = x and one more input y_k each, converted by TensorFlow, then the
    scales set: x at x_q (scale, zero point); each step (kind, y's (scale, zp), the output's (scale, zp) or None
    for z's scale with zero point 0, activation): kind "+" z + y, "-" z - y, "-r" y - z (z subtracted), activation
    None, "relu" or "relu6"."""
    import flatbuffers
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema

    from tinyslm.fuzz.convert import convert_fn

    k = len(adds)

    def fn(x, *ys):
        z = x
        for (kind, _, _, act), y in zip(adds, ys):
            z = z + y if kind == "+" else (z - y if kind == "-" else y - z)
            z = tf.nn.relu(z) if act == "relu" else (tf.nn.relu6(z) if act == "relu6" else z)
        return z

    def rep():
        rng = np.random.default_rng(0)
        for _ in range(4):
            yield [rng.standard_normal(shape).astype(np.float32) for _ in range(k + 1)]

    model = schema.ModelT.InitFromPackedBuf(convert_fn(fn, [shape] * (k + 1), "int8", rep=rep), 0)
    sg = model.subgraphs[0]
    ops = [op for op in sg.operators if model.operatorCodes[op.opcodeIndex].builtinCode in (0, 41)]  # ADD, SUB
    assert len(ops) == k

    def set_q(index: int, q: tuple[float, int]) -> None:
        sg.tensors[index].quantization.scale = [q[0]]
        sg.tensors[index].quantization.zeroPoint = [q[1]]

    z_q = x_q
    for op, (kind, y_q, out_q, _) in zip(ops, adds):
        zi, yi = (op.inputs[1], op.inputs[0]) if kind == "-r" else (op.inputs[0], op.inputs[1])
        set_q(zi, z_q)
        set_q(yi, y_q)
        z_q = out_q or (z_q[0], 0)
        set_q(op.outputs[0], z_q)
    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


# shape, x's (scale, zero point), the steps (kind, y's quantization, the output's, activation), and what each step
# calls on the DSP target and on Helium: H (the byte table), T (the terms), - (the kernel without a table)
CHAINS = {
    # the output at z's scale: H ("odd"'s last: H down to -228, refused: the terms)
    "long": ((1, 24, 56), (0.0513, 3), [("+", (0.01873, -10), (0.0513, 5), None),
                                       ("+", (0.0311, 40), (0.0513, 0), "relu"),
                                       ("+", (0.0513, 0), (0.0513, 0), None),
                                       ("+", (0.0049, 127), (0.0513, -7), None)], "HHHH", "HHHH"),
    "odd": ((1, 7, 45), (0.0471, -7), [("+", (0.0219, 12), (0.0471, -12), None),
                                      ("+", (0.0402, -10), (0.0471, -20), "relu"),
                                      ("+", (0.0111, 0), (0.0471, 0), None),
                                      ("+", (0.0471, 100), (0.0471, 0), None)], "HHHU", "HHHU"),
    # other output scales: the terms (z subtracted; the DSP kernel not below an activation maximum of 127)
    "general": ((1, 9, 33), (0.05, 4), [("+", (0.03, -20), (0.07, 10), None),
                                       ("-r", (0.02, 5), (0.08, -3), None),
                                       ("-", (0.04, 30), (0.06, -128), "relu6"),
                                       ("+", (0.06, 7), (0.1, 0), None),
                                       ("-", (0.013, -50), (0.0371, 11), "relu")], "UT-UT", "UTUUU"),
    # the M4's half-up terms with A subtracted (y - z), then two the half-up rounding cannot match: the terms
    "minus": ((1, 8, 40), (0.05, 4), [("-r", (0.03, -9), (0.07, 6), None),
                                     ("-r", (0.021, 3), (0.09, -2), None),
                                     ("-", (0.017, 3), (0.11, -2), None)], "UTT", "UTT"),
}


def test_the_half_up_terms_give_tflms_outputs_on_every_pair_or_none():
    """residual_terms_up(): the M4 loop without TFLM's correction, modelled in numpy, on all 65,536 pairs equals
    binary_all_pairs() wherever a table is given (a broken one, every other term off by 2^19, does not), each term
    within 64 of TFLM's; a clamped range gives none (the chains below: a SUB whose ties no move fixes gives none)."""
    from tinyslm.compiler.ops.elementwise import residual_terms, residual_terms_up, residual_terms_up_outputs

    rng = np.random.default_rng(15)
    given = 0
    for _ in range(40):
        p = random_params(rng)
        for op in ("ADD", "SUB"):
            t = residual_terms_up(op, p)
            if t is not None:
                given += 1
                assert np.array_equal(residual_terms_up_outputs(op, p, t), binary_all_pairs(op, p))
                assert np.abs(t - residual_terms(op, p, True)).max() <= 64
                broken = t.copy()
                broken[::2] -= 1 << 19
                assert not np.array_equal(residual_terms_up_outputs(op, p, broken), binary_all_pairs(op, p))
    assert given >= 20
    p = dict(in1_offset=5, in2_offset=4, output_offset=-9, left_shift=20, in1_multiplier=1227133480, in1_shift=-2,
             in2_multiplier=1 << 30, in2_shift=0, output_multiplier=1879048242, output_shift=-19, act_min=-100,
             act_max=127)
    assert residual_terms("SUB", p, True) is not None and residual_terms_up("SUB", p) is None


@QEMU
@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_residual_add_chains_through_the_table_entries_bit_exact(board, target, opt):
    """Chains of residual adds and subs (random-looking scales and zero points, relu and relu6, rows of 56, 45 and
    33 elements) compiled with the tables and run in QEMU against TFLM, each step asserted on the entry it should
    call (on the M4's size build the H entry calls the kernel without the table for a clamped range)."""
    import opzoo

    from tinyslm.firmware import opt_flag

    prefix = "dsp" if target == "cortex-m-dsp" else "mve"
    for name, (shape, x_q, steps, on_dsp, on_mve) in CHAINS.items():
        cm = opzoo.qemu_matches_tflm(_chain_model(shape, x_q, steps), board, target, n_inputs=3, seed=2,
                                     opt=opt_flag(opt))
        calls = [s for s in cm.plan.steps if getattr(s, "family", "") == "tslm_binary"]
        kinds = "".join("H" if s.func.endswith("_table_s8") else ("T" if s.func.endswith("_terms_s8") else
                                                                ("U" if s.func.endswith("_terms_up_s8") else "-"))
                        for s in calls)
        assert kinds == (on_dsp if prefix == "dsp" else on_mve), (name, [s.func for s in calls])
        for s, (kind, *_rest) in zip(calls, steps):
            op = "add" if kind == "+" else "sub"
            assert s.func in (f"tslm_{prefix}_{op}_s8", f"tslm_{prefix}_{op}_table_s8", f"tslm_{prefix}_{op}_terms_s8",
                              f"tslm_{prefix}_{op}_terms_up_s8")
            if s.func != f"tslm_{prefix}_{op}_s8":
                t = np.asarray(s.consts[-1].values)
                assert t.shape == (256,) and s.args[-1].name == s.consts[-1].name


@QEMU
@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
def test_the_op_zoos_residual_adds_through_the_table_entries_bit_exact(zoo, board, target):
    """The op zoo's residual ADD with a relu and long SUB (the scales TensorFlow gives them: the terms) against
    TFLM."""
    import opzoo

    prefix = "dsp" if target == "cortex-m-dsp" else "mve"
    for name, func in (("add_residual_relu", "add"), ("sub_residual_long", "sub")):
        cm = opzoo.qemu_matches_tflm(zoo(name), board, target, n_inputs=3, seed=4)
        calls = [s.func for s in cm.plan.steps if getattr(s, "family", "") == "tslm_binary"]
        ok = [[f"tslm_{prefix}_{func}_terms_s8"], [f"tslm_{prefix}_{func}_terms_up_s8"]]
        assert calls in ok, (name, calls)
