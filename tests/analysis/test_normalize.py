"""Normalised scores, imputation of failures, the job grid."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amlb.analysis import imputed_share, job_grid, normalized_scores
from amlb.errors import UserError


def test_anchors_map_to_zero_and_one(amlb_clf_1h):
    s = normalized_scores(amlb_clf_1h)
    assert list(s.columns) == ["task", "fold", "framework", "score", "imputed"]
    per_task = s.groupby(["framework", "task"])["score"].mean()
    np.testing.assert_allclose(per_task["constantpredictor"], 0.0, atol=1e-9)
    np.testing.assert_allclose(per_task["TunedRandomForest"], 1.0, atol=1e-9)
    assert len(s) == 71 * 10 * 13  # complete grid, one missing mljar job included


def test_failures_imputed_with_constant_predictor(amlb_clf_1h):
    s = normalized_scores(amlb_clf_1h, method="none")
    imputed = s[s["imputed"]]
    assert len(imputed) == (amlb_clf_1h["status"] != "ok").sum() + 1  # + the missing job
    cp = s[s["framework"] == "constantpredictor"].set_index(["task", "fold"])["score"]
    np.testing.assert_array_equal(imputed["score"].to_numpy(), cp.loc[list(zip(imputed["task"], imputed["fold"]))].to_numpy())
    share = imputed_share(s)
    assert share["mljarsupervised_benchmark"] == pytest.approx(81 / 710 * 100)
    assert share["AutoGluon_benchmark"] == 0


def test_missing_job_is_flagged(amlb_clf_1h):
    grid = job_grid(amlb_clf_1h)
    missing = grid[grid["status"] == "missing"]
    assert len(missing) == 1 and missing["framework"].iloc[0] == "mljarsupervised_benchmark"


def test_rf_best_and_no_imputation(amlb_clf_1h):
    with pytest.warns(UserWarning, match="cannot be normalised"):
        s = normalized_scores(amlb_clf_1h, method="rf_best", impute=None)
    per_task = s.groupby(["framework", "task"])["score"].mean().unstack("framework")
    raw = amlb_clf_1h.groupby(["task", "framework"])["result"].mean().unstack("framework")
    rf_is_best = raw["RandomForest"] >= raw.max(axis=1)  # span 0: not normalisable
    assert set(per_task.index[per_task["RandomForest"].isna()]) == set(raw.index[rf_is_best]) != set()
    np.testing.assert_allclose(per_task["RandomForest"].dropna(), 0.0, atol=1e-9)
    assert per_task.max(axis=1).max() <= 1 + 1e-9
    assert s.loc[s["imputed"], "score"].isna().all()


def test_several_constraints_rejected(amlb_results):
    with pytest.raises(UserError, match="several constraints"):
        normalized_scores(amlb_results)


def test_duplicate_attempts_keep_successful():
    df = pd.DataFrame({
        "task": ["t"] * 4, "fold": [0] * 4, "constraint": ["c"] * 4,
        "framework": ["constantpredictor", "TunedRandomForest", "A", "A"],
        "result": [0.5, 0.7, 0.9, np.nan], "status": ["ok", "ok", "ok", "timeout"],
    })
    s = normalized_scores(df).set_index("framework")
    assert s.loc["A", "score"] == pytest.approx(2.0) and not s.loc["A", "imputed"]
