"""Normalised scores per task, with failed jobs imputed and flagged."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from amlb.errors import UserError

CONSTANT_PREDICTOR = "constantpredictor"
RANDOM_FOREST = "RandomForest"
TUNED_RANDOM_FOREST = "TunedRandomForest"
#: the baselines AMLB runs next to the AutoML frameworks
BASELINES: tuple[str, ...] = (CONSTANT_PREDICTOR, RANDOM_FOREST, TUNED_RANDOM_FOREST)
METHODS: tuple[str, ...] = ("constant_tunedrf", "rf_best", "none")
IMPUTATIONS: tuple[str | None, ...] = ("constantpredictor", "worst", None)


def single_constraint(df: pd.DataFrame, constraint: str | None = None, type: str | None = None) -> pd.DataFrame:
    """The rows of one constraint (and optionally one task type).

    Raises a :class:`UserError` when ``constraint`` is None and the rows hold several.
    """
    if type is not None:
        types = [t.strip() for t in str(type).split(",")]
        df = df[df["type"].isin(types)]
        if df.empty:
            raise UserError(f"no results of type {type}", "use binary, multiclass or regression")
    if constraint is not None:
        known = sorted(df["constraint"].unique())
        df = df[df["constraint"] == constraint]
        if df.empty:
            raise UserError(f"no results for constraint {constraint!r}", f"choose one of {', '.join(known)}")
    elif df["constraint"].nunique() > 1:
        raise UserError(f"results hold several constraints ({', '.join(sorted(df['constraint'].unique()))})",
                        "choose one with --constraint")
    if df.empty:
        raise UserError("no results to analyse", "check the files and filters")
    return df


def job_grid(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, fold, framework), complete over the frameworks present.

    Duplicate attempts of a job keep the last successful row (else the last row).
    Jobs with no row at all appear with ``status`` "missing". The folds of a task are
    those seen for any framework on it.

    Returns
    -------
    pandas.DataFrame
        ``task``, ``fold``, ``framework``, ``result``, ``status``, ``failed`` (bool).
    """
    cols = ["task", "fold", "framework", "result", "status"]
    d = df[cols].copy()
    d["_ok"] = d["result"].notna()
    d["_order"] = np.arange(len(d))
    d = d.sort_values(["_ok", "_order"]).drop_duplicates(["task", "fold", "framework"], keep="last")
    frameworks = np.sort(d["framework"].unique())
    cells = d[["task", "fold"]].drop_duplicates().sort_values(["task", "fold"])
    grid = cells.merge(pd.DataFrame({"framework": frameworks}), how="cross")
    grid = grid.merge(d[cols], on=["task", "fold", "framework"], how="left")
    grid["status"] = grid["status"].fillna("missing")
    grid["failed"] = grid["result"].isna()
    return grid.sort_values(["task", "fold", "framework"]).reset_index(drop=True)


def _impute(grid: pd.DataFrame, impute: str | None) -> pd.Series:
    """Results with failures replaced as ``impute`` says (NaN stays where it cannot)."""
    result = grid["result"].copy()
    if impute is None:
        return result
    failed = grid["failed"].to_numpy()
    if impute == "constantpredictor":
        cp = grid[grid["framework"] == CONSTANT_PREDICTOR]
        if cp.empty:
            raise UserError("cannot impute failures with the constant predictor: it is not in the results",
                            "add its results, or impute with 'worst'")
        per_fold = cp.set_index(["task", "fold"])["result"]
        per_task = cp.groupby("task")["result"].mean()
        keys = pd.MultiIndex.from_frame(grid[["task", "fold"]])
        fill = per_fold.reindex(keys).to_numpy()
        fill = np.where(np.isnan(fill), per_task.reindex(grid["task"]).to_numpy(), fill)
    elif impute == "worst":
        worst = grid.groupby(["task", "fold"])["result"].transform("min")
        fill = worst.to_numpy()
    else:
        raise UserError(f"unknown imputation {impute!r}", "use 'constantpredictor', 'worst' or none")
    return pd.Series(np.where(failed, fill, result.to_numpy()), index=grid.index)


def normalized_scores(df: pd.DataFrame, method: str = "constant_tunedrf", impute: str | None = "constantpredictor") -> pd.DataFrame:
    """Per-task normalised scores of every job, failures imputed and flagged.

    Parameters
    ----------
    df
        Results of one constraint (as from :func:`load_results`).
    method
        ``"constant_tunedrf"``: per task, the constant predictor's mean result over the
        folds maps to 0 and TunedRandomForest's (RandomForest's where Tuned has no result
        on the task) to 1 (means over the successful folds). ``"rf_best"``: RandomForest's
        mean maps to 0 and the best framework's mean (failures imputed) to 1. ``"none"``: the raw ``result`` (higher is better).
        A task whose two anchors coincide (or are missing) gets NaN scores.
    impute
        ``"constantpredictor"`` (default): a failed or missing job takes the constant
        predictor's result on the same task and fold (its mean over the task's folds if
        that fold is missing too); ``"worst"``: the worst result on that task and fold;
        None: left NaN.

    Returns
    -------
    pandas.DataFrame
        ``task``, ``fold``, ``framework``, ``score`` (higher is better), ``imputed``
        (bool: the job failed or is missing, whatever the imputation), sorted by task,
        fold, framework.
    """
    if method not in METHODS:
        raise UserError(f"unknown normalisation {method!r}", f"use one of {', '.join(METHODS)}")
    single_constraint(df)
    grid = job_grid(df)
    grid["value"] = _impute(grid, impute)
    ok = grid[~grid["failed"]]
    task_mean = ok.groupby(["task", "framework"])["result"].mean().unstack("framework")
    tasks = grid["task"].drop_duplicates()
    if method == "none":
        score = grid["value"].to_numpy()
    else:
        if method == "constant_tunedrf":
            zero = _column(task_mean, CONSTANT_PREDICTOR, method)
            one = _column(task_mean, TUNED_RANDOM_FOREST, None)
            one = one.where(one.notna(), _column(task_mean, RANDOM_FOREST, None))
            if one.isna().all():
                raise UserError("normalisation 'constant_tunedrf' needs TunedRandomForest or RandomForest results",
                                "add them, or use --normalize rf_best / none")
        else:
            zero = _column(task_mean, RANDOM_FOREST, method)
            one = grid.groupby(["task", "framework"])["value"].mean().unstack("framework").max(axis=1)
        zero, one = zero.reindex(tasks), one.reindex(tasks)
        span = one - zero
        bad = span.isna() | (span == 0)
        if bad.any():
            warnings.warn(f"{int(bad.sum())} task(s) cannot be normalised ({method}): "
                          f"{', '.join(map(str, list(span[bad].index)[:5]))}", stacklevel=2)
        span = span.where(~bad)
        z = zero.reindex(grid["task"]).to_numpy()
        s = span.reindex(grid["task"]).to_numpy()
        score = (grid["value"].to_numpy() - z) / s
    return pd.DataFrame({
        "task": grid["task"].to_numpy(), "fold": grid["fold"].to_numpy().astype(int),
        "framework": grid["framework"].to_numpy(), "score": score.astype(float),
        "imputed": grid["failed"].to_numpy().astype(bool),
    })


def _column(table: pd.DataFrame, name: str, method: str | None) -> pd.Series:
    if name in table.columns:
        return table[name]
    if method is not None:
        raise UserError(f"normalisation {method!r} needs {name} results", "add them, or choose another --normalize")
    return pd.Series(np.nan, index=table.index)


def imputed_share(scores: pd.DataFrame) -> pd.Series:
    """Percentage of imputed (failed or missing) jobs per framework."""
    return scores.groupby("framework")["imputed"].mean().mul(100.0).rename("imputed_pct")
