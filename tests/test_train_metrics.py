"""Metrics against brute-force definitions."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.train.metrics import accuracy, confusion_matrix, roc_auc, roc_curve


def test_auc_is_pairwise_probability_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.standard_normal(300) + y, 1)  # many ties
    pos, neg = s[y == 1], s[y == 0]
    brute = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (len(pos) * len(neg))
    assert roc_auc(y, s) == pytest.approx(brute)
    fpr, tpr, _ = roc_curve(y, s)
    assert np.trapezoid(tpr, fpr) == pytest.approx(brute)
    assert roc_auc(y, -s) == pytest.approx(1 - brute)


def test_auc_needs_both_classes():
    with pytest.raises(ValueError):
        roc_auc(np.zeros(4), np.arange(4))


def test_confusion_matrix_sums_to_accuracy():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 12, 500), rng.integers(0, 12, 500)
    cm = confusion_matrix(y, p, 12)
    assert cm.shape == (12, 12) and cm.sum() == 500
    assert np.trace(cm) / 500 == pytest.approx(accuracy(y, p))
