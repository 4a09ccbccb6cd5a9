"""Hardware-aware sizing: smaller boards get smaller students; impossible budgets are refused with numbers."""

from __future__ import annotations

import pytest

from tinyslm.train.models import KWTConfig, TransformerAEConfig
from tinyslm.train.sizing import (Budget, Need, analytic_estimator, kws_candidates, size_autoencoder,
                                  size_student)

BASE = KWTConfig(dim=32, heads=2, blocks=2, mlp=64, patch=1)


def ram_need(c):
    return c.need.arena_bytes + c.need.io_bytes


def test_candidates_never_exceed_base_and_come_best_first():
    cands = kws_candidates(BASE)
    assert cands[0] == BASE
    assert all(c.dim <= 32 and c.blocks <= 2 and c.heads <= 2 and c.patch >= 1 for c in cands)
    assert len(set(cands)) == len(cands)


def test_smaller_board_gets_smaller_model_analytic():
    big = size_student(Budget(1 << 20, 256 << 10), BASE, estimator=analytic_estimator)
    small = size_student(Budget(128 << 10, 12 << 10, reserved_ram=4096), BASE, estimator=analytic_estimator)
    tiny = size_student(Budget(40 << 10, 5 << 10, code_bytes=24 << 10, reserved_ram=2048), BASE,
                        estimator=analytic_estimator)
    assert big.chosen.cfg == BASE
    assert small.chosen is not None and tiny.chosen is not None
    assert ram_need(tiny.chosen) < ram_need(small.chosen) < ram_need(big.chosen)
    assert tiny.chosen.params < big.chosen.params
    for r in (big, small, tiny):
        n, b = r.chosen.need, r.budget
        assert n.arena_bytes + n.io_bytes + b.reserved_ram <= b.ram_bytes
        assert n.weights_bytes + b.code_bytes <= b.flash_bytes
        assert "chosen:" in r.table()


def test_latency_budget():
    r = size_student(Budget(1 << 20, 1 << 20, max_macs=150_000), BASE, estimator=analytic_estimator)
    assert r.chosen is not None and r.chosen.need.macs <= 150_000


def test_refuses_with_numbers_when_nothing_fits():
    r = size_student(Budget(256 << 10, 2560, reserved_ram=2048, board="toy"), BASE, estimator=analytic_estimator)
    assert r.chosen is None
    msg = r.refusal()
    assert "RAM" in msg and "2,560 B" in msg and "needs" in msg
    assert "no candidate fits" in r.table()
    flash = size_student(Budget(30 << 10, 1 << 20, code_bytes=29 << 10), BASE, estimator=analytic_estimator)
    assert flash.chosen is None and "flash" in flash.refusal()


def test_estimator_is_pluggable():
    calls = []

    def fake(cfg):
        calls.append(cfg)
        return Need(weights_bytes=1000, arena_bytes=100_000 if cfg.patch < 4 else 1000, io_bytes=500, macs=1,
                    exact=True)

    r = size_student(Budget(1 << 20, 16 << 10), BASE, estimator=fake, max_exact=50)
    assert r.chosen is not None and r.chosen.cfg.patch >= 4 and r.chosen.need.exact
    assert calls[-1] == r.chosen.cfg


def test_microbit_with_the_compiler_plan():
    """16 KB of RAM: the exact arena from tinyslm's planner decides (a model fits, or the refusal has numbers)."""
    pytest.importorskip("tf_keras")
    pytest.importorskip("tinyslm.compiler")
    r = size_student(Budget(256 << 10, 16 << 10, board="microbit"), BASE, max_exact=4)
    assert r.examined and all(c.need.exact for c in r.examined)
    if r.chosen is None:
        assert "16,384 B" in r.refusal()
    else:
        n = r.chosen.need
        assert n.arena_bytes + n.io_bytes + r.budget.reserved_ram <= 16 << 10
        assert r.chosen.cfg != BASE  # the base model's exact RAM need does not fit 16 KB with the reserve


def test_autoencoder_sizing():
    base = TransformerAEConfig(frames=16, mels=32, dim=32, heads=2, blocks=2)
    r = size_autoencoder(Budget(64 << 10, 4 << 10, reserved_ram=1024, code_bytes=16 << 10), base,
                         estimator=analytic_estimator)
    assert r.chosen is not None and r.chosen.cfg.dim <= 32
    assert r.chosen.need.arena_bytes + r.chosen.need.io_bytes <= 3 << 10


def test_conv_stem_candidates_narrow_the_stem_and_the_estimate_is_safe():
    base = KWTConfig(dim=48, heads=4, blocks=2, mlp=96, patch=2, stem="conv")
    cands = kws_candidates(base)
    assert cands[0] == base
    assert all(c.stem == "conv" and c.patch >= 2 and c.stem_channels == max(8, 32 * c.dim // 48) for c in cands)
    pytest.importorskip("tf_keras")
    pytest.importorskip("tinyslm.compiler")
    from tinyslm.train.sizing import compiler_estimator

    for cfg in (cands[0], KWTConfig(dim=16, heads=2, blocks=1, mlp=32, patch=3, stem="conv", stem_channels=8)):
        exact, est = compiler_estimator(cfg), analytic_estimator(cfg)
        assert exact.exact and exact.arena_bytes <= est.arena_bytes  # the pre-filter never hides a fit
        assert exact.weights_bytes <= est.weights_bytes and exact.io_bytes == est.io_bytes
