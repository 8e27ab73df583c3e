"""The metrics every job is scored with, in NumPy (:mod:`amlb.metrics` uses them for these seven).

The same definitions as scikit-learn's (``tests/runner/test_metrics.py`` checks them against
it): importing ``sklearn.metrics`` for them would cost the runner process ~80 MB and over a
second of start-up (it pulls in SciPy); the other metrics a task may name import it when used.
"""
from __future__ import annotations

import numpy as np


def accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(truth == predicted))


def balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Mean recall over the classes present in the truth."""
    return float(np.mean([np.mean(predicted[truth == c] == c) for c in np.unique(truth)]))


def log_loss(truth: np.ndarray, proba: np.ndarray, labels: list[str]) -> float:
    """Mean negative log-probability of the true class; ``proba`` columns follow ``labels``."""
    index = {label: i for i, label in enumerate(labels)}
    try:
        columns = np.fromiter((index[t] for t in truth), dtype=np.intp, count=len(truth))
    except KeyError as e:
        raise ValueError(f"the truth holds a label outside the classes: {e.args[0]!r}") from None
    eps = np.finfo(proba.dtype).eps
    picked = np.clip(proba, eps, 1 - eps)[np.arange(len(truth)), columns]
    return float(-np.mean(np.log(picked)))


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of a binary truth (``positive``: bool) by ``score``: the probability that a
    positive row scores above a negative one, ties counting half (Mann-Whitney U)."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC is undefined: the test set holds one class only")
    order = np.argsort(score, kind="mergesort")
    ranked = score[order]
    ranks = np.empty(len(score), dtype=float)
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], len(ranked)]
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)  # 1-based ranks, ties averaged
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rmse(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((truth - predicted) ** 2)))


def mae(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(truth - predicted)))


def r2(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination; a constant truth gives 1.0 when predicted exactly, else 0.0."""
    residual = np.sum((truth - predicted) ** 2)
    total = np.sum((truth - np.mean(truth)) ** 2)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / total)
