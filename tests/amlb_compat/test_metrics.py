"""AMLB's metrics as the runner scores them, checked against values worked out by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from amlb.metrics import METRIC_DEFS
from amlb.record import EXTRA_METRICS, LOWER_IS_BETTER, METRICS
from amlb.scoring import score


def test_every_metric_has_a_column_and_a_direction():
    assert set(METRIC_DEFS) == set(METRICS) | set(EXTRA_METRICS)
    assert {m for m, d in METRIC_DEFS.items() if not d.higher_is_better} == set(LOWER_IS_BETTER)


def test_regression_metrics():
    truth = pd.Series([1.0, 2.0, 3.0, 4.0])
    predictions = pd.DataFrame({"prediction": [1.0, 2.0, 2.0, 6.0]})
    s = score("regression", truth, predictions, None, "mse", ("mape", "msle", "rmsle", "smape", "wape"))
    assert s.metric == "neg_mse" and s.result == pytest.approx(-1.25)
    m = s.metrics
    assert m["rmse"] == pytest.approx(math.sqrt(1.25)) and m["mae"] == pytest.approx(0.75)
    assert m["mape"] == pytest.approx((1 / 3 + 2 / 4) / 4)
    msle = ((math.log(3) - math.log(4)) ** 2 + (math.log(7) - math.log(5)) ** 2) / 4
    assert m["msle"] == pytest.approx(msle) and m["rmsle"] == pytest.approx(math.sqrt(msle))
    assert m["smape"] == pytest.approx((2 * 1 / 5 + 2 * 2 / 10) / 4)
    assert m["wape"] == pytest.approx(3 / 10)


def test_binary_metrics_score_the_second_class():
    truth = pd.Series(["a", "a", "b", "b"])
    predictions = pd.DataFrame({"prediction": ["a", "b", "b", "b"], "proba_a": [0.9, 0.4, 0.2, 0.1],
                                "proba_b": [0.1, 0.6, 0.8, 0.9]})
    s = score("binary", truth, predictions, ["a", "b"], "f1",
              ("pr_auc", "f2", "f05", "max_pce", "mean_pce", "auc_ovr"))
    m = s.metrics
    assert s.metric == "f1" and s.result == pytest.approx(0.8)  # precision 2/3, recall 1
    assert m["f2"] == pytest.approx(10 / 11) and m["f05"] == pytest.approx(1.25 * (2 / 3) / (0.25 * 2 / 3 + 1))
    assert m["auc"] == m["pr_auc"] == m["auc_ovr"] == pytest.approx(1.0)
    assert m["max_pce"] == pytest.approx(0.5) and m["mean_pce"] == pytest.approx(0.25)
    assert m["acc"] == pytest.approx(0.75)


def test_multiclass_weighted_auc_and_an_extra_metric_that_does_not_apply():
    truth = pd.Series(["x", "y", "z", "z"])
    proba = {"proba_x": [0.8, 0.1, 0.1, 0.2], "proba_y": [0.1, 0.8, 0.1, 0.2], "proba_z": [0.1, 0.1, 0.8, 0.6]}
    predictions = pd.DataFrame({"prediction": ["x", "y", "z", "z"], **proba})
    s = score("multiclass", truth, predictions, ["x", "y", "z"], "auc_ovo", ("auc_ovr", "rmse", "pr_auc"))
    assert s.metric == "auc_ovo" and s.result == pytest.approx(1.0) and s.metrics["auc_ovr"] == pytest.approx(1.0)
    assert "rmse" not in s.metrics and "pr_auc" not in s.metrics  # they do not apply: left empty
