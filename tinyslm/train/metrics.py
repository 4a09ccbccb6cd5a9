"""Quality metrics in numpy: accuracy, confusion matrix, ROC curve and AUC, anomaly threshold."""

from __future__ import annotations

import numpy as np


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of equal labels; `y_pred` may be scores (N, C), reduced with argmax.

    >>> accuracy(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2]))
    0.75
    >>> accuracy(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    0.5
    """
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    y_true = np.asarray(y_true).reshape(-1)
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0])).tolist()
    [[1, 0], [1, 1]]
    """
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    y_true = np.asarray(y_true).reshape(-1).astype(np.int64)
    n = n_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    cm = np.zeros((n, n), np.int64)
    np.add.at(cm, (y_true, y_pred.astype(np.int64)), 1)
    return cm


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (positives = 1 = anomalous, higher score = more anomalous); ties count 1/2.

    Computed as the Mann-Whitney U statistic with average ranks.

    >>> roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    >>> roc_auc(np.array([0, 1]), np.array([0.5, 0.5]))
    0.5
    """
    y = np.asarray(y_true).reshape(-1).astype(bool)
    s = np.asarray(scores, np.float64).reshape(-1)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both normal (0) and anomalous (1) examples")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    # average ranks over ties
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    for a, b in zip(starts, ends):
        ranks[order[a:b]] = (a + b + 1) / 2.0
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_curve(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate, thresholds), thresholds decreasing.

    >>> fpr, tpr, thr = roc_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    y = np.asarray(y_true).reshape(-1).astype(bool)
    s = np.asarray(scores, np.float64).reshape(-1)
    thr = np.unique(s)[::-1]
    tpr = np.array([0.0] + [float((s[y] >= t).mean()) for t in thr])
    fpr = np.array([0.0] + [float((s[~y] >= t).mean()) for t in thr])
    return fpr, tpr, np.r_[np.inf, thr]


def calibrate_threshold(normal_scores: np.ndarray, quantile: float = 0.95) -> float:
    """Decision threshold from normal validation scores: their `quantile` (so ~5% false alarms by default).

    >>> calibrate_threshold(np.arange(101.0), 0.9)
    90.0
    """
    return float(np.quantile(np.asarray(normal_scores, np.float64), quantile))


def reconstruction_error(x: np.ndarray, recon: np.ndarray) -> np.ndarray:
    """Anomaly score per example: mean squared error over every axis but the first.

    >>> reconstruction_error(np.zeros((2, 3, 2)), np.ones((2, 3, 2))).tolist()
    [1.0, 1.0]
    """
    d = np.asarray(x, np.float64) - np.asarray(recon, np.float64)
    return np.mean(d.reshape(len(d), -1) ** 2, axis=1)


def binary_report(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """AUC and the confusion at `threshold` (anomalous when score > threshold).

    >>> r = binary_report(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]), 0.3)
    >>> r["auc"], r["tpr"], r["fpr"]
    (0.75, 1.0, 0.5)
    """
    y = np.asarray(y_true).reshape(-1).astype(bool)
    pred = np.asarray(scores).reshape(-1) > threshold
    return {"auc": roc_auc(y, scores), "threshold": float(threshold), "tpr": float(pred[y].mean()),
            "fpr": float(pred[~y].mean()), "accuracy": float((pred == y).mean())}
