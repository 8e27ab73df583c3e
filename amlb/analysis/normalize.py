"""Normalised scores per task, with failed jobs imputed and flagged.

The scale (``constant_best``): per task and fold, 0 is the constant predictor's result
(the *floor*) and 1 the best result any framework reached (the *reference*); a job's
score is its result on that scale, clipped to [0, 1], and a framework's score on a task
is the mean over the folds. So every score is bounded, the constant predictor scores
exactly 0, and a task where the two anchors nearly coincide cannot dominate a mean.
Where there is no constant predictor, or no framework beats it, the floor is the worst
result on that fold instead, and the task is flagged (see :func:`anchors`,
:func:`task_flags`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from amlb.errors import UserError

CONSTANT_PREDICTOR = "constantpredictor"
RANDOM_FOREST = "RandomForest"
TUNED_RANDOM_FOREST = "TunedRandomForest"
#: the baselines AMLB runs next to the AutoML frameworks
BASELINES: tuple[str, ...] = (CONSTANT_PREDICTOR, RANDOM_FOREST, TUNED_RANDOM_FOREST)
METHODS: tuple[str, ...] = ("constant_best", "none")
IMPUTATIONS: tuple[str | None, ...] = ("constantpredictor", "worst", None)
#: what each scale means, for printed and published output
METHOD_TEXT = {
    "constant_best": "per task and fold 0 = constant predictor, 1 = best result, clipped to [0, 1]; mean over folds",
    "none": "raw results (higher is better)",
}
#: flag texts of :func:`anchors`
FLAG_NO_CONSTANT = "no constant predictor result: floor = worst result"
FLAG_NOT_BETTER = "no framework beats the constant predictor: floor = worst result"
FLAG_ALL_EQUAL = "all frameworks have the same result: every score is 1"
FLAG_CLIPPED = "worse than the constant predictor (score 0)"


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
        ``task``, ``fold``, ``framework``, ``result``, ``status``, ``failed`` (bool: no
        result, whether the job failed or is missing).
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


def impute_failures(grid: pd.DataFrame, how: str | None) -> pd.Series:
    """Results of ``grid`` with failures replaced as ``how`` says (NaN stays where it cannot).

    ``"constantpredictor"``: the constant predictor's result on the same task and fold
    (its mean over the task's folds if that fold has none); ``"worst"``: the worst result
    on that task and fold; None: no imputation.
    """
    result = grid["result"].copy()
    if how is None:
        return result
    failed = grid["failed"].to_numpy()
    if how == "constantpredictor":
        cp = grid[grid["framework"] == CONSTANT_PREDICTOR]
        if cp["result"].notna().sum() == 0:
            raise UserError("cannot impute failures with the constant predictor: it has no results here",
                            "add its results, or use --impute worst")
        per_fold = cp.set_index(["task", "fold"])["result"]
        per_task = cp.groupby("task")["result"].mean()
        keys = pd.MultiIndex.from_frame(grid[["task", "fold"]])
        fill = per_fold.reindex(keys).to_numpy()
        fill = np.where(np.isnan(fill), per_task.reindex(grid["task"]).to_numpy(), fill)
    elif how == "worst":
        fill = grid.groupby(["task", "fold"])["result"].transform("min").to_numpy()
    else:
        raise UserError(f"unknown imputation {how!r}", "use 'constantpredictor', 'worst' or none")
    return pd.Series(np.where(failed, fill, result.to_numpy()), index=grid.index)


def anchors(values: pd.DataFrame) -> pd.DataFrame:
    """The floor (0) and reference (1) of every row's scale, and what is odd about it.

    Parameters
    ----------
    values
        Table of results, one row per scale (a task and fold), one column per framework
        (higher is better; NaN = no result).

    Returns
    -------
    pandas.DataFrame
        With the index of ``values``: ``floor``, ``floor_from`` ("constantpredictor" or
        "worst"), ``reference`` (the best result), ``flag`` (why the floor is not the
        constant predictor, or "" when it is) and ``clipped`` (comma-separated
        frameworks below the constant predictor: they score 0).
    """
    best = values.max(axis=1)
    worst = values.min(axis=1)
    if CONSTANT_PREDICTOR in values.columns:
        cp = values[CONSTANT_PREDICTOR]
    else:
        cp = pd.Series(np.nan, index=values.index)
    use_cp = cp.notna() & (best > cp)
    floor = cp.where(use_cp, worst)
    flag = pd.Series("", index=values.index, dtype=object)
    flag[cp.isna()] = FLAG_NO_CONSTANT
    flag[cp.notna() & ~use_cp] = FLAG_NOT_BETTER
    flag[best <= worst] = FLAG_ALL_EQUAL
    below = values.lt(cp, axis=0) & use_cp.to_numpy()[:, None]
    clipped = below.apply(lambda row: ", ".join(c for c in row.index if row[c]), axis=1) if len(values) else \
        pd.Series(dtype=object)
    return pd.DataFrame({"floor": floor, "floor_from": np.where(use_cp, CONSTANT_PREDICTOR, "worst"),
                         "reference": best, "flag": flag, "clipped": clipped.reindex(values.index).fillna("")})


def scale(values: np.ndarray, floor: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``values`` on the [floor, reference] scale, clipped to [0, 1]; 1 where the span is 0."""
    span = reference - floor
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(span > 0, (values - floor) / np.where(span > 0, span, 1.0), 1.0)
    return np.where(np.isnan(values), np.nan, np.clip(s, 0.0, 1.0))


def normalized_scores(df: pd.DataFrame, method: str = "constant_best", impute: str | None = "constantpredictor",
                      tasks: list[str] | None = None) -> pd.DataFrame:
    """Per-task normalised scores of every job, failures imputed and flagged.

    Parameters
    ----------
    df
        Results of one constraint (as from :func:`load_results`).
    method
        ``"constant_best"``: see the module docstring (anchors per task and fold, from the
        results with failures imputed); ``"none"``: the raw ``result`` (higher is better).
    impute
        ``"constantpredictor"`` (default), ``"worst"`` or None (failed jobs stay NaN and
        do not enter the anchors).
    tasks
        The tasks to score (default: all); see :mod:`amlb.analysis.taskset`.

    Returns
    -------
    pandas.DataFrame
        ``task``, ``fold``, ``framework``, ``score`` (higher is better), ``imputed``
        (bool: the job failed or is missing), sorted by task, fold, framework.
    """
    if method not in METHODS:
        raise UserError(f"unknown normalisation {method!r}", f"use one of {', '.join(METHODS)}")
    single_constraint(df)
    grid = job_grid(df)
    if tasks is not None:
        grid = grid[grid["task"].isin(tasks)].reset_index(drop=True)
    grid["value"] = impute_failures(grid, impute)
    score = grid["value"].to_numpy(dtype=float)
    if method == "constant_best":
        a = anchors(grid.pivot(index=["task", "fold"], columns="framework", values="value"))
        cells = pd.MultiIndex.from_frame(grid[["task", "fold"]])
        score = scale(score, a["floor"].reindex(cells).to_numpy(), a["reference"].reindex(cells).to_numpy())
    return pd.DataFrame({
        "task": grid["task"].to_numpy(), "fold": grid["fold"].to_numpy().astype(int),
        "framework": grid["framework"].to_numpy(), "score": score.astype(float),
        "imputed": grid["failed"].to_numpy().astype(bool),
    })


def task_flags(cell_anchors: pd.DataFrame) -> pd.DataFrame:
    """Per task: the mean floor and reference over its folds and what is odd about its scale.

    Parameters
    ----------
    cell_anchors
        :func:`anchors` of a (task, fold) x framework table.

    Returns
    -------
    pandas.DataFrame
        Indexed by task: ``floor``, ``reference`` (means over the folds), ``flag`` (the
        flags of its folds, with how many folds have each; "" if none) and ``clipped``
        (frameworks below the constant predictor on some fold, with how many folds).
    """
    rows = {}
    for task, part in cell_anchors.groupby(level="task", sort=True):
        n = len(part)
        flags = part["flag"][part["flag"] != ""].value_counts()
        clipped: dict[str, int] = {}
        for names in part["clipped"]:
            for name in filter(None, str(names).split(", ")):
                clipped[name] = clipped.get(name, 0) + 1
        rows[task] = {
            "floor": part["floor"].mean(), "reference": part["reference"].mean(),
            "flag": "; ".join(f"{f} ({c} of {n} folds)" for f, c in flags.items()),
            "clipped": ", ".join(f"{name} ({c} of {n} folds)" for name, c in sorted(clipped.items())),
        }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["floor", "reference", "flag", "clipped"])
    return out.rename_axis("task")


def imputed_share(scores: pd.DataFrame) -> pd.Series:
    """Percentage of imputed (failed or missing) jobs per framework."""
    return scores.groupby("framework")["imputed"].mean().mul(100.0).rename("imputed_pct")
