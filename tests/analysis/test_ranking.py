"""Ranks, Friedman test and Nemenyi critical difference."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from amlb.analysis import friedman_nemenyi, normalized_scores, ranks
from amlb.analysis.ranking import cd_groups, nemenyi_q, task_scores

# Demšar (2006), Table 5(a): q_0.05 of the Nemenyi test for k = 2..10
DEMSAR_Q05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]


def test_friedman_matches_scipy(amlb_clf_1h):
    scores = normalized_scores(amlb_clf_1h)
    res = friedman_nemenyi(scores)
    table = task_scores(scores)
    expected = stats.friedmanchisquare(*[table[c].to_numpy() for c in table.columns])
    assert res.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert (res.n_tasks, res.k) == (71, 13)
    assert res.mean_ranks.index[0] == "AutoGluon_benchmark" and res.mean_ranks.index[-1] == "constantpredictor"
    assert res.mean_ranks.sum() == pytest.approx(13 * 14 / 2)
    assert res.cd == pytest.approx(nemenyi_q(13) * np.sqrt(13 * 14 / (6 * 71)))


def test_friedman_with_ties_matches_scipy():
    rng = np.random.default_rng(3)
    m = rng.integers(0, 4, size=(25, 5)).astype(float)  # many ties
    df = pd.DataFrame([(f"t{i}", f"f{j}", m[i, j]) for i in range(25) for j in range(5)],
                      columns=["task", "framework", "score"])
    res = friedman_nemenyi(df)
    expected = stats.friedmanchisquare(*m.T)
    assert res.statistic == pytest.approx(expected.statistic, rel=1e-12)


def test_nemenyi_q_matches_demsar_table():
    for k, q in zip(range(2, 11), DEMSAR_Q05):
        assert nemenyi_q(k) == pytest.approx(q, abs=1e-3)


def test_cd_groups():
    mr = pd.Series({"a": 1.0, "b": 1.5, "c": 2.2, "d": 3.5, "e": 3.6})
    assert cd_groups(mr, 1.0) == [["a", "b"], ["b", "c"], ["d", "e"]]
    assert cd_groups(mr, 0.05) == []


def test_ranks_mean_over_folds_first():
    df = pd.DataFrame({"task": ["t"] * 4, "fold": [0, 1, 0, 1], "framework": ["a", "a", "b", "b"],
                       "score": [1.0, 0.0, 0.6, 0.6]})
    r = ranks(df).set_index("framework")["rank"]
    assert r["b"] == 1 and r["a"] == 2
