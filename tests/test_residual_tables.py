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


def _chain_model(shape: tuple[int, ...], x_q: tuple[float, int], adds: list[tuple[float, int, int]],
                 relu_at: int) -> bytes:
    """z = x; z = z + y_k converted to int8, then the scales set: x and every z at x's scale (x_q: scale, zero point),
    y_k at (scale, zero point) = adds[k][:2], the k-th add's output zero point adds[k][2]: every add's output at its
    input A's scale. The add `relu_at` has a fused relu."""
    import flatbuffers
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema

    from tinyslm.fuzz.convert import convert_fn

    k = len(adds)

    def fn(x, *ys):
        z = x
        for i, y in enumerate(ys):
            z = z + y
            if i == relu_at:
                z = tf.nn.relu(z)
        return z

    def rep():
        rng = np.random.default_rng(0)
        for _ in range(4):
            yield [rng.standard_normal(shape).astype(np.float32) for _ in range(k + 1)]

    model = schema.ModelT.InitFromPackedBuf(convert_fn(fn, [shape] * (k + 1), "int8", rep=rep), 0)
    sg = model.subgraphs[0]
    ops = [op for op in sg.operators if model.operatorCodes[op.opcodeIndex].builtinCode == 0]  # ADD
    assert len(ops) == k

    def set_q(index: int, scale: float, zp: int) -> None:
        sg.tensors[index].quantization.scale = [scale]
        sg.tensors[index].quantization.zeroPoint = [zp]

    set_q(ops[0].inputs[0], *x_q)
    for op, (sy, zy, zo) in zip(ops, adds):
        set_q(op.inputs[1], sy, zy)
        set_q(op.outputs[0], x_q[0], zo)
    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


# shape, x's (scale, zero point), each add's (y's scale, y's zero point, output zero point), the relu's add, and
# which adds get a table ("odd"'s last: H down to -228, refused: the kernel without the table)
CHAINS = {
    "long": ((1, 24, 56), (0.0513, 3), [(0.01873, -10, 5), (0.0311, 40, 0), (0.0513, 0, 0), (0.0049, 127, -7)], 1,
             [1, 1, 1, 1]),
    "odd": ((1, 7, 45), (0.0471, -7), [(0.0219, 12, -12), (0.0402, -10, -20), (0.0111, 0, 0), (0.0471, 100, 0)], 1,
            [1, 1, 1, 0]),
}


@QEMU
@pytest.mark.parametrize("board,target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
@pytest.mark.parametrize("opt", ["speed", "size"])
def test_residual_add_chains_through_the_table_entries_bit_exact(board, target, opt):
    """Residual adds of random scales and zero points (one with a fused relu: on the M4's size build its entry
    calls the kernel without the table), rows of 56 and of 45 elements, compiled with the tables and run in QEMU
    against TFLM, every add asserted on the table entry."""
    import opzoo

    from tinyslm.firmware import opt_flag

    prefix = "dsp" if target == "cortex-m-dsp" else "mve"
    for name, (shape, x_q, adds, relu_at, tabled) in CHAINS.items():
        cm = opzoo.qemu_matches_tflm(_chain_model(shape, x_q, adds, relu_at), board, target, n_inputs=3, seed=2,
                                     opt=opt_flag(opt))
        calls = [s for s in cm.plan.steps if getattr(s, "family", "") == "tslm_binary"]
        assert [s.func.endswith("_table_s8") for s in calls] == [bool(t) for t in tabled], (name, [s.func for s in calls])
        for s in calls:
            if not s.func.endswith("_table_s8"):
                assert s.func == f"tslm_{prefix}_add_s8"
                continue
            assert s.func == f"tslm_{prefix}_add_table_s8"
            h = np.asarray(s.consts[-1].values)
            assert h.shape == (256,) and s.args[-1].name == s.consts[-1].name
