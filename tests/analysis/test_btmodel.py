"""The Bradley-Terry model with ties (psychotools' btmodel)."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from amlb.analysis import bt_model
from amlb.analysis import btfit
from amlb.analysis.paircomp import build_comparisons, pair_index
from conftest import DATA


def _root(reference: str) -> dict:
    return json.loads((DATA / reference).read_text())["nodes"][0]


def test_pairs_in_psychotools_order():
    i, j = pair_index(4)
    assert list(zip(i, j)) == [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def test_coefficients_match_psychotools_small():
    scores = pd.read_csv(DATA / "small_ties_scores.csv")
    meta = pd.read_csv(DATA / "small_ties_meta.csv")
    keep = set(meta.dropna()["task"])  # the reference tree's root uses subjects with complete meta
    res = bt_model(scores[scores["task"].isin(keep)], subject="task_fold")
    root = _root("psychotree_small_ties_dinf.json")
    assert res.n_subjects == root["n"]
    np.testing.assert_allclose(res.coefficients.to_numpy(), list(root["coefficients"].values()), rtol=1e-9, atol=1e-12)
    assert res.worth.sum() == pytest.approx(1.0)
    assert -res.loglik == pytest.approx(root["objective"], rel=1e-12)
    assert np.isfinite(res.tie_param)


def test_coefficients_match_psychotools_amlb(amlb_dir):
    from make_bttree_reference import amlb_inputs

    scores, _ = amlb_inputs(amlb_dir.parents[1])["nomaxnominal"]
    res = bt_model(scores, subject="task_fold")
    root = _root("psychotree_amlb2021q3_nomaxnominal_d3_m50.json")
    assert res.n_subjects == root["n"] == 710
    np.testing.assert_allclose(res.coefficients.to_numpy(), list(root["coefficients"].values()), rtol=1e-10, atol=1e-12)
    assert res.worth.idxmax() == "AutoGluon_benchmark"


def test_standard_errors_are_the_inverse_curvature():
    """SEs from the Fisher information equal those from the numerical Hessian of the log-likelihood."""
    scores = pd.read_csv(DATA / "small_ties_scores.csv")
    pc = build_comparisons(scores, "task_fold")
    des = btfit.design(pc.k, pc.has_ties)
    counts = pc.counts().sum(axis=0)
    coef, _, _ = btfit.irls(counts[None], des)
    npar = des.npar

    def hessian(h: float) -> np.ndarray:
        out = np.zeros((npar, npar))
        for a in range(npar):
            for b in range(npar):
                def ll(da, db):
                    c = coef[0].copy()
                    c[a] += da
                    c[b] += db
                    return btfit.log_likelihood(c, counts[None], des)[0]
                out[a, b] = (ll(h, h) - ll(h, -h) - ll(-h, h) + ll(-h, -h)) / (4 * h * h)
        return out

    # central differences err by O(h^2); Richardson's extrapolation of two steps cancels that term
    hess = (4 * hessian(1e-3) - hessian(2e-3)) / 3
    np.testing.assert_allclose(btfit.fisher_information(coef[0], counts, des), -hess, rtol=1e-5)
    res = bt_model(scores, subject="task_fold")
    assert (res.ci_low < res.worth).all() and (res.worth < res.ci_high).all() and (res.se > 0).all()


R_BTMODEL = r"""
suppressMessages(library(psychotools)); library(jsonlite)
s <- read.csv("{scores}", stringsAsFactors = FALSE)
fw <- sort(unique(s$framework), method = "radix"); k <- length(fw)
subj <- unique(s[, c("task", "fold")]); key <- paste(subj$task, subj$fold)
S <- matrix(NA_real_, nrow(subj), k)
S[cbind(match(paste(s$task, s$fold), key), match(s$framework, fw))] <- s$score
ix <- which(upper.tri(diag(k)), arr.ind = TRUE)
m <- btmodel(paircomp(sign(S[, ix[, 1]] - S[, ix[, 2]]), labels = fw))
ip <- itempar(m, vcov = TRUE)
cat(toJSON(list(worth = unname(coef(ip)), se = unname(sqrt(diag(vcov(ip))))), digits = NA))
"""


def test_worth_and_se_match_r_itempar(r_psychotree, tmp_path):
    scores = pd.read_csv(DATA / "small_ties_scores.csv")
    script = tmp_path / "bt.R"
    script.write_text(R_BTMODEL.replace("{scores}", str(DATA / "small_ties_scores.csv")))
    out = json.loads(subprocess.run(["Rscript", str(script)], capture_output=True, text=True, check=True).stdout)
    res = bt_model(scores, subject="task_fold")
    np.testing.assert_allclose(res.worth.to_numpy(), out["worth"], rtol=1e-9)
    np.testing.assert_allclose(res.se.to_numpy(), out["se"], rtol=1e-6)
