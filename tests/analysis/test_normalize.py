"""Normalised scores, imputation of failures, the job grid."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amlb.analysis import imputed_share, job_grid, normalized_scores
from amlb.errors import UserError


def test_anchors_map_to_zero_and_one(amlb_clf_1h):
    """Per task and fold: the constant predictor is 0, the best result 1, everything in [0, 1]."""
    s = normalized_scores(amlb_clf_1h)
    assert list(s.columns) == ["task", "fold", "framework", "score", "imputed"]
    assert len(s) == 71 * 10 * 13  # complete grid, one missing mljar job included
    np.testing.assert_array_equal(s.loc[s["framework"] == "constantpredictor", "score"], 0.0)
    best = s.groupby(["task", "fold"])["score"].max()
    assert (best == 1.0).all()
    assert s["score"].between(0.0, 1.0).all()


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


def test_no_imputation_leaves_failures_out_of_the_anchors(amlb_clf_1h):
    s = normalized_scores(amlb_clf_1h, impute=None)
    assert s.loc[s["imputed"], "score"].isna().all() and s["imputed"].sum() > 0
    ok = s[~s["imputed"]]
    assert (ok.groupby(["task", "fold"])["score"].max() == 1.0).all()
    assert ok["score"].between(0.0, 1.0).all()
    with pytest.raises(UserError, match="unknown normalisation"):
        normalized_scores(amlb_clf_1h, method="rf_best")


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
    # the successful attempt (0.9, the best) is kept: the timeout would have been imputed with 0.5, score 0
    assert s.loc["A", "score"] == pytest.approx(1.0) and not s.loc["A", "imputed"]
