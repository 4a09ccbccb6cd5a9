"""The stand-ins (tests/standins.py: MLPerf Tiny's visual wake words MobileNetV1-0.25 and its ResNet-8, layer for
layer, and models shaped like TFLM's person_detection and magic_wand and a TC-ResNet; random weights) compiled whole for the Cortex-M4 DSP kernels and the Cortex-M55
Helium kernels, every output byte checked against TFLM in QEMU: the single-op cases do not cover how a real
network's layers chain (bands, in-place steps, the arena plan across 30 operators)."""

from __future__ import annotations

import pytest

import standins
from opzoo import qemu_matches_tflm
from tinyslm.compiler.lowering import Call


@pytest.fixture(scope="module")
def models() -> dict[str, bytes]:
    return {name: standins.convert(name) for name in standins.STANDINS}


@pytest.mark.parametrize("board, target", [("mps2-an386", "cortex-m-dsp"), ("mps3-an547", "helium")])
@pytest.mark.parametrize("name, n_ops, macs", [("vww", 30, 7_489_664), ("r8", 14, 12_501_632), ("pd", 30, None),
                                               ("mw", 7, None), ("tcr", 16, None)])
def test_standin_matches_tflm(models, name, n_ops, macs, board, target):
    cm = qemu_matches_tflm(models[name], board, target, n_inputs=2, seed=5)
    calls = [s for s in cm.plan.steps if isinstance(s, Call)]
    assert len(calls) == n_ops  # the whole network, one call per operator
    assert macs is None or sum(c.macs for c in calls) == macs
