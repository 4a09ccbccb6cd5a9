"""The held-out image CNNs' stand-ins (tests/standins.py: MLPerf Tiny's visual wake words MobileNetV1-0.25 and
its ResNet-8, layer for layer, random weights) compiled whole for the Cortex-M4 DSP kernels and the Cortex-M55
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
@pytest.mark.parametrize("name, n_ops", [("vww", 30), ("r8", 14)])
def test_standin_matches_tflm(models, name, n_ops, board, target):
    cm = qemu_matches_tflm(models[name], board, target, n_inputs=2, seed=5)
    calls = [s for s in cm.plan.steps if isinstance(s, Call)]
    assert len(calls) == n_ops  # the whole network, one call per operator
    assert sum(c.macs for c in calls) == {"vww": 7_489_664, "r8": 12_501_632}[name]
