"""The Cortex-M4 SOFTMAX through the compiler against TFLM (issue 15, the transformers' softmax on mps2-an386):
the compiler gives the DSP kernel its exp table reversed with 2^11 added to each entry (params.reversed == 2, the
rounding of TFLM's sum already in it), and the kernel writes int8 outputs in one of three forms (the 128 folded
into its 64-bit constant; LSR then ADD for rows whose shift is over 24; ASR and SSAT where a row can saturate).
One model holds softmaxes at betas that make rows flat, middling and peaked, over rows of 24 and 32 (the KWS and
anomaly transformers') and 13, in QEMU against TFLM, built for speed and for size. tests/c/dsp_transformer_check.c
(tests/test_dsp_transformer_kernels.py) checks the kernel against the portable one on random tables and rows.
Seen failing on a deliberately broken kernel: each int8 form broken in turn (FOLD one too high, ADD's 128 as 127,
SSAT to 7 bits, the immediate-shift ADD's 128 as 127) and the int16 outputs with the biased constant's 2^11 scale
as 2^10."""

from __future__ import annotations

import opzoo
import pytest

from tinyslm.firmware import opt_flag


def _softmaxes(tf, betas=(0.02, 0.08, 0.3, 1.0, 4.0, 16.0, 64.0)):
    def fn(a, b, c):
        return tuple(tf.nn.softmax(x * beta) for x in (a, b, c) for beta in betas)

    return fn


@pytest.fixture(scope="module")
def model() -> bytes:
    import tensorflow as tf

    return opzoo.convert_fn(_softmaxes(tf), [(1, 6, 24), (1, 4, 32), (1, 3, 13)])


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_dsp_softmax_through_the_compiler_bit_exact(model, opt):
    cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=11, opt=opt_flag(opt))
    calls = [s for s in cm.plan.steps if getattr(s, "func", "").startswith("tslm_dsp_softmax")]
    assert len(calls) == 21 and all(s.params["reversed"] == 2 for s in calls)


@pytest.mark.parametrize("opt", ["speed", "size"])
def test_dsp_softmax_int16_outputs_through_the_compiler_bit_exact(opt):
    """int8 in, int16 out (row_out with the biased table's constant), at three scales and betas."""
    from tflbuild import OpDesc, TDesc, build_model, softmax_options

    for beta, scale, depth in [(1.0, 0.1, 24), (0.5, 0.25, 33), (2.0, 0.02, 5), (8.0, 0.1, 32)]:
        model = build_model([TDesc((3, depth), "int8", [scale], [-10]),
                             TDesc((3, depth), "int16", [1 / 65536], [-32768])],
                            [OpDesc("SOFTMAX", [0], [1], "SoftmaxOptions", softmax_options(beta))], [0], [1])
        cm = opzoo.qemu_matches_tflm(model, "mps2-an386", "cortex-m-dsp", n_inputs=3, seed=5, opt=opt_flag(opt))
        calls = [s for s in cm.plan.steps if getattr(s, "func", "") == "tslm_dsp_softmax_s8_s16"]
        assert len(calls) == 1 and calls[0].params["reversed"] == 2
