"""The leaderboard: one row per framework, from the results of one constraint."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from amlb.analysis.btmodel import bt_model
from amlb.analysis.load import join_meta, meta_from_results
from amlb.analysis.normalize import normalized_scores, single_constraint
from amlb.analysis.ranking import ranks

#: folds assumed per task when converting prediction time to a per-row time (AMLB: 10-fold CV)
DEFAULT_FOLDS = 10
#: meta-feature columns that hold the number of rows of a dataset
ROW_COUNT_COLUMNS = ("n_rows", "NumberOfInstances")

LEADERBOARD_COLUMNS = (
    "framework", "mean_norm_score", "mean_rank", "imputed_pct", "failures", "bt_worth", "bt_ci_low",
    "bt_ci_high", "median_train_s_per_1k_rows", "median_infer_s_per_1k_rows", "energy_kwh_per_job",
    "median_norm_score",
)


def task_rows(df: pd.DataFrame, meta: pd.DataFrame | None = None) -> pd.Series:
    """Dataset rows per task, from the rows' ``mf_n_rows`` or a meta table (NaN if unknown)."""
    tasks = sorted(df["task"].unique())
    sources = [meta_from_results(df)]
    if meta is not None:
        sources.append(meta)
    rows = pd.Series(np.nan, index=pd.Index(tasks, name="task"))
    for m in sources:
        columns = [c for c in ROW_COUNT_COLUMNS if c in m.columns]
        if not columns:
            continue
        joined = join_meta(tasks, m)
        for col in columns:  # every row-count column fills what the earlier ones left empty
            values = pd.to_numeric(joined[col], errors="coerce").to_numpy()
            rows = rows.where(rows.notna(), pd.Series(values, index=rows.index))
    return rows


def _infer_column(df: pd.DataFrame) -> str | None:
    """The ``infer_s_per_row_<batch>`` column with the largest batch that has values."""
    found = []
    for c in df.columns:
        m = re.fullmatch(r"infer_s_per_row_(\d+)", c)
        if m and pd.to_numeric(df[c], errors="coerce").notna().any():
            found.append((int(m.group(1)), c))
    return max(found)[1] if found else None


def job_costs(df: pd.DataFrame, meta: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per successful job: ``train_s_per_1k_rows``, ``infer_s_per_1k_rows``, ``energy_kwh``.

    Training time is per 1,000 dataset rows. Inference time is our measured
    ``infer_s_per_row_<largest batch>`` x 1000 where present, else ``predict_duration``
    per 1,000 test rows (dataset rows / 10 folds).
    """
    ok = df[df["status"] == "ok"]
    n_rows = task_rows(df, meta).reindex(ok["task"]).to_numpy()
    per_1k = n_rows / 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        train = ok["training_duration"].to_numpy(dtype=float) / per_1k
        infer = ok["predict_duration"].to_numpy(dtype=float) / (per_1k / DEFAULT_FOLDS)
    col = _infer_column(ok)
    if col is not None:
        measured = pd.to_numeric(ok[col], errors="coerce").to_numpy(dtype=float) * 1000.0
        infer = np.where(np.isnan(measured), infer, measured)
    energy = pd.to_numeric(ok["energy_kwh"], errors="coerce").to_numpy(dtype=float) if "energy_kwh" in ok else np.full(len(ok), np.nan)
    return pd.DataFrame({"task": ok["task"].to_numpy(), "fold": ok["fold"].to_numpy(), "framework": ok["framework"].to_numpy(),
                         "train_s_per_1k_rows": train, "infer_s_per_1k_rows": infer, "energy_kwh": energy})


def leaderboard(df: pd.DataFrame, constraint: str | None = None, type: str | None = None,
                meta: pd.DataFrame | None = None, method: str = "constant_tunedrf",
                impute: str | None = "constantpredictor", subject: str = "task") -> pd.DataFrame:
    """One row per framework, best mean rank first.

    Parameters
    ----------
    df
        Results (from :func:`load_results`), filtered to ``constraint`` and ``type``
        (comma-separated types allowed); without ``constraint`` they must hold one.
    meta
        Optional task meta-features (``n_rows`` or ``NumberOfInstances`` give the
        dataset sizes for the per-row times when the rows carry no ``mf_n_rows``).

    Returns
    -------
    pandas.DataFrame
        ``framework``; ``mean_norm_score`` (mean over tasks of the fold-mean normalised
        score, failures imputed); ``mean_rank`` (over tasks, 1 = best); ``imputed_pct``
        (share of jobs failed or missing); ``failures`` (their count); ``bt_worth``,
        ``bt_ci_low``, ``bt_ci_high`` (Bradley-Terry worth with ties, per ``subject``,
        on the imputed results); ``median_train_s_per_1k_rows``,
        ``median_infer_s_per_1k_rows`` (NaN if unknown); ``energy_kwh_per_job`` (mean
        measured energy per successful job, NaN if unknown); ``median_norm_score`` (median
        over tasks: robust where one task's normalised scores explode, e.g. a regression
        whose RMSE is orders of magnitude worse than the constant predictor's).
    """
    d = single_constraint(df, constraint, type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = normalized_scores(d, method=method, impute=impute)
        raw = normalized_scores(d, method="none", impute=impute)
    task_mean = scores.groupby(["framework", "task"])["score"].mean()
    mean_score = task_mean.groupby("framework").mean()
    mean_rank = ranks(scores).groupby("framework")["rank"].mean()
    imputed = scores.groupby("framework")["imputed"]
    bt = bt_model(raw.dropna(subset=["score"]), subject=subject)
    costs = job_costs(d, meta).groupby("framework")
    out = pd.DataFrame(index=pd.Index(sorted(scores["framework"].unique()), name="framework"))
    out["mean_norm_score"] = mean_score
    out["mean_rank"] = mean_rank
    out["imputed_pct"] = imputed.mean() * 100.0
    out["failures"] = imputed.sum().astype(int)
    out["bt_worth"] = bt.worth
    out["bt_ci_low"] = bt.ci_low
    out["bt_ci_high"] = bt.ci_high
    out["median_train_s_per_1k_rows"] = costs["train_s_per_1k_rows"].median()
    out["median_infer_s_per_1k_rows"] = costs["infer_s_per_1k_rows"].median()
    out["energy_kwh_per_job"] = costs["energy_kwh"].mean()
    out["median_norm_score"] = task_mean.groupby("framework").median()
    out = out.reset_index().sort_values(["mean_rank", "framework"], kind="stable").reset_index(drop=True)
    return out[list(LEADERBOARD_COLUMNS)]
