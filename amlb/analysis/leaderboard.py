"""The leaderboard: one row per framework, from the results of one constraint."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from amlb.analysis.btmodel import BTResult, boundary_frameworks, bt_model
from amlb.analysis.load import join_meta, meta_from_results
from amlb.analysis.normalize import anchors, job_grid, normalized_scores, single_constraint, task_flags
from amlb.analysis.ranking import task_scores
from amlb.analysis.taskset import TaskSet, common_tasks
from amlb.analysis.uncertainty import N_BOOT, SEED, bootstrap_means, win_rates
from amlb.errors import UserError

#: folds assumed per task when converting prediction time to a per-row time (AMLB: 10-fold CV)
DEFAULT_FOLDS = 10
#: meta-feature columns that hold the number of rows of a dataset
ROW_COUNT_COLUMNS = ("n_rows", "NumberOfInstances")

LEADERBOARD_COLUMNS = (
    "framework", "mean_rank", "rank_ci_low", "rank_ci_high", "mean_norm_score", "norm_score_ci_low",
    "norm_score_ci_high", "imputed_pct", "failures", "missing", "bt_worth", "bt_ci_low", "bt_ci_high",
    "median_train_s_per_1k_rows", "median_infer_s_per_1k_rows", "energy_kwh_per_job", "median_norm_score",
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


@dataclass
class Leaderboard:
    """Everything one leaderboard is computed from, all on the same tasks.

    Attributes
    ----------
    rows
        The results rows of the constraint (and types) analysed.
    taskset
        The tasks used and those left out, with reasons.
    scores
        Normalised scores per job (``task``, ``fold``, ``framework``, ``score``, ``imputed``).
    raw
        The raw results per job, failures imputed (``score`` = result): ranks, tests and
        Bradley-Terry models are computed on these.
    anchors
        Per task: mean floor and reference over the folds and the flags of the normalisation
        (see :func:`amlb.analysis.normalize.task_flags`).
    board
        One row per framework (:data:`LEADERBOARD_COLUMNS`), best mean rank first.
    win_rates
        Pairwise win rates over the tasks, with bootstrap intervals.
    notes
        One line per thing that could not be computed or needs saying.
    """

    rows: pd.DataFrame
    taskset: TaskSet
    scores: pd.DataFrame
    raw: pd.DataFrame
    anchors: pd.DataFrame
    board: pd.DataFrame
    win_rates: pd.DataFrame
    method: str
    impute: str | None
    notes: list[str] = field(default_factory=list)
    bt: BTResult | None = None

    @property
    def flagged(self) -> pd.DataFrame:
        """Tasks whose scale is odd: ``task``, ``flag``, ``clipped`` (only rows with either)."""
        a = self.anchors.rename_axis("task").reset_index()
        return a.loc[(a["flag"] != "") | (a["clipped"] != ""), ["task", "flag", "clipped"]].reset_index(drop=True)


def compute_leaderboard(df: pd.DataFrame, constraint: str | None = None, type: str | None = None,
                        meta: pd.DataFrame | None = None, method: str = "constant_best",
                        impute: str | None = "constantpredictor", subject: str = "task",
                        n_boot: int = N_BOOT, seed: int = SEED) -> Leaderboard:
    """The leaderboard of one constraint, and what it is computed from.

    Parameters
    ----------
    df
        Results (from :func:`load_results`), filtered to ``constraint`` and ``type``
        (comma-separated types allowed); without ``constraint`` they must hold one.
    meta
        Optional task meta-features (``n_rows`` or ``NumberOfInstances`` give the
        dataset sizes for the per-row times when the rows carry no ``mf_n_rows``).
    method, impute
        Normalisation (:data:`amlb.analysis.normalize.METHODS`) and imputation of failures.
    subject
        Subjects of the Bradley-Terry model: "task" or "task_fold".
    n_boot, seed
        Bootstrap samples over tasks and their seed (fixed: the intervals are reproducible).

    The board's columns: ``framework``; ``mean_rank`` (rank of the mean raw result over
    the folds on each task, failures imputed, averaged over tasks; 1 = best) with
    ``rank_ci_low``/``rank_ci_high``; ``mean_norm_score`` (mean over tasks of the mean
    normalised score over folds) with ``norm_score_ci_low``/``norm_score_ci_high``
    (bootstrap over tasks); ``imputed_pct`` (share of the jobs on the used tasks that
    have no result), ``failures`` (jobs that ran and failed), ``missing`` (folds without
    a row on a task the framework ran); ``bt_worth``, ``bt_ci_low``, ``bt_ci_high``
    (Bradley-Terry worth with ties, per ``subject``, on the raw results);
    ``median_train_s_per_1k_rows``, ``median_infer_s_per_1k_rows``; ``energy_kwh_per_job``;
    ``median_norm_score``.
    """
    d = single_constraint(df, constraint, type)
    taskset = common_tasks(d, impute)
    if not taskset.tasks:
        raise UserError(f"no task has results of every framework ({taskset.summary()})",
                        "analyse frameworks that ran on the same tasks, or impute failures")
    notes: list[str] = []
    scores = normalized_scores(d, method=method, impute=impute, tasks=taskset.tasks)
    raw = normalized_scores(d, method="none", impute=impute, tasks=taskset.tasks)
    raw_means = task_scores(raw)
    score_means = task_scores(scores)
    task_anchors = task_flags(anchors(raw.pivot(index=["task", "fold"], columns="framework", values="score")))
    task_rank = raw_means.rank(axis=1, ascending=False, method="average")
    rank_ci = bootstrap_means(task_rank, n_boot, seed)
    score_ci = bootstrap_means(score_means, n_boot, seed)
    grid = job_grid(d)
    grid = grid[grid["task"].isin(taskset.tasks)]
    jobs = grid.groupby("framework")
    bt = _bradley_terry(raw.dropna(subset=["score"]), subject, notes)
    costs = job_costs(d[d["task"].isin(taskset.tasks)], meta).groupby("framework")
    out = pd.DataFrame(index=pd.Index(sorted(scores["framework"].unique()), name="framework"))
    out["mean_rank"] = rank_ci["mean"]
    out["rank_ci_low"] = rank_ci["ci_low"]
    out["rank_ci_high"] = rank_ci["ci_high"]
    out["mean_norm_score"] = score_ci["mean"]
    out["norm_score_ci_low"] = score_ci["ci_low"]
    out["norm_score_ci_high"] = score_ci["ci_high"]
    out["imputed_pct"] = jobs["failed"].mean() * 100.0
    out["failures"] = jobs["status"].agg(lambda s: int(((s != "ok") & (s != "missing")).sum()))
    out["missing"] = jobs["status"].agg(lambda s: int((s == "missing").sum()))
    for col in ("bt_worth", "bt_ci_low", "bt_ci_high"):
        out[col] = np.nan
    if bt is not None:
        out["bt_worth"], out["bt_ci_low"], out["bt_ci_high"] = bt.worth, bt.ci_low, bt.ci_high
    out["median_train_s_per_1k_rows"] = costs["train_s_per_1k_rows"].median()
    out["median_infer_s_per_1k_rows"] = costs["infer_s_per_1k_rows"].median()
    out["energy_kwh_per_job"] = costs["energy_kwh"].mean()
    out["median_norm_score"] = score_means.median(axis=0)
    out = out.reset_index().sort_values(["mean_rank", "framework"], kind="stable").reset_index(drop=True)
    board = out[list(LEADERBOARD_COLUMNS)]
    return Leaderboard(rows=d, taskset=taskset, scores=scores, raw=raw, anchors=task_anchors, board=board,
                       win_rates=win_rates(raw_means, n_boot, seed), method=method, impute=impute, notes=notes, bt=bt)


def _bradley_terry(raw: pd.DataFrame, subject: str, notes: list[str]) -> BTResult | None:
    """The BT model of the leaderboard; a non-finite estimate keeps its worths (the limits)
    without intervals, and ``notes`` says which frameworks never win or never lose."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said in the note below
            bt = bt_model(raw, subject=subject)
    except UserError as e:
        notes.append(f"Bradley-Terry model skipped: {e.one_line()}")
        return None
    if not bt.finite:
        never_win, never_lose = boundary_frameworks(raw, subject)
        who = "; ".join(x for x in (f"never loses: {', '.join(never_lose)}" if never_lose else "",
                                    f"never wins: {', '.join(never_win)}" if never_win else "") if x)
        notes.append("Bradley-Terry worths are limits, without intervals: the estimate is not finite "
                     f"({who or 'the comparisons do not connect every framework'})")
        bt.ci_low[:] = np.nan
        bt.ci_high[:] = np.nan
    return bt


def leaderboard(df: pd.DataFrame, constraint: str | None = None, type: str | None = None,
                meta: pd.DataFrame | None = None, method: str = "constant_best",
                impute: str | None = "constantpredictor", subject: str = "task") -> pd.DataFrame:
    """One row per framework, best mean rank first (the ``board`` of :func:`compute_leaderboard`)."""
    return compute_leaderboard(df, constraint, type, meta, method, impute, subject).board
