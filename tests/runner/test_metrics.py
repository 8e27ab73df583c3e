"""The runner's own metrics (NumPy, so the runner need not import scikit-learn) give scikit-learn's values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amlb.scoring import PROBA_PREFIX, InvalidPredictions, score

skm = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference the metrics are checked against")


def _classification(rng, n: int, labels: list[str], ties: bool):
    truth = rng.choice(labels, n)
    proba = rng.dirichlet(np.ones(len(labels)), n)
    if ties:  # few distinct scores: many tied rows
        proba = np.round(proba, 1)
        proba[:, -1] = 1 - proba[:, :-1].sum(axis=1)
        proba = np.clip(proba, 0, 1)
        proba /= proba.sum(axis=1, keepdims=True)
    proba[rng.random(n) < 0.05, 0] = 0.0  # some zero probabilities (clipped by both)
    proba[:, -1] += proba.sum(axis=1) == 0
    proba /= proba.sum(axis=1, keepdims=True)
    predicted = np.asarray(labels)[proba.argmax(axis=1)]
    frame = pd.DataFrame({"prediction": predicted, **{PROBA_PREFIX + c: proba[:, i] for i, c in enumerate(labels)}})
    return truth, proba, predicted, frame


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("labels", [["neg", "pos"], ["b", "a", "c"], ["x", "z", "y", "w", "v"]])
def test_classification_metrics_match_scikit_learn(seed, labels):
    rng = np.random.default_rng(seed)
    truth, proba, predicted, frame = _classification(rng, int(rng.integers(5, 400)), labels, ties=seed % 2 == 1)
    kind = "binary" if len(labels) == 2 else "multiclass"
    got = score(kind, pd.Series(truth), frame, labels).metrics
    order = np.argsort(labels)
    proba = proba / proba.sum(axis=1, keepdims=True)
    assert got["acc"] == pytest.approx(skm.accuracy_score(truth, predicted), abs=1e-12)
    assert got["balacc"] == pytest.approx(skm.balanced_accuracy_score(truth, predicted), abs=1e-12)
    assert got["logloss"] == pytest.approx(skm.log_loss(truth, np.clip(proba[:, order], 1e-15, 1),
                                                        labels=[labels[i] for i in order]), rel=1e-9)
    if kind == "binary":
        assert got["auc"] == pytest.approx(skm.roc_auc_score(truth == labels[1], proba[:, 1]), abs=1e-12)


def test_balanced_accuracy_counts_only_the_classes_in_the_truth():
    truth = np.array(["a", "a", "b", "b"])
    predicted = np.array(["a", "c", "b", "c"])
    frame = pd.DataFrame({"prediction": predicted})
    got = score("multiclass", pd.Series(truth), frame, ["a", "b", "c"]).metrics["balacc"]
    with pytest.warns(UserWarning):
        assert got == pytest.approx(skm.balanced_accuracy_score(truth, predicted))


def test_auc_of_a_one_class_test_set_is_invalid():
    frame = pd.DataFrame({"prediction": ["pos"] * 3, "proba_neg": [0.1] * 3, "proba_pos": [0.9] * 3})
    with pytest.raises((InvalidPredictions, ValueError)):
        score("binary", pd.Series(["pos"] * 3), frame, ["neg", "pos"])


@pytest.mark.parametrize("seed", range(5))
def test_regression_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    truth = rng.normal(size=n) * 10
    pred = truth + rng.normal(size=n)
    got = score("regression", pd.Series(truth), pd.DataFrame({"prediction": pred}), None).metrics
    assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(truth, pred)), rel=1e-12)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(truth, pred), rel=1e-12)
    assert got["r2"] == pytest.approx(skm.r2_score(truth, pred), rel=1e-12)


@pytest.mark.parametrize("pred", [[3.0, 3.0, 3.0], [3.0, 3.0, 4.0]])
def test_r2_of_a_constant_truth_follows_scikit_learn(pred):
    truth = np.array([3.0, 3.0, 3.0])
    got = score("regression", pd.Series(truth), pd.DataFrame({"prediction": pred}), None).metrics["r2"]
    assert got == skm.r2_score(truth, pred)
