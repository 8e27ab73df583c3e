"""Write the full analysis of one constraint (CSV + JSON) for the results site."""
from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from amlb.analysis.baselines import borrow_constant_predictor
from amlb.analysis.budget import budget_compliance
from amlb.analysis.mob import BTTree, bttree
from amlb.analysis.leaderboard import Leaderboard, compute_leaderboard
from amlb.analysis.load import join_meta, meta_from_results
from amlb.analysis.normalize import CONSTANT_PREDICTOR, METHOD_TEXT, single_constraint
from amlb.analysis.pareto import pareto_front
from amlb.analysis.ranking import friedman_nemenyi, ranks
from amlb.errors import UserError

#: Pareto fronts written: name -> leaderboard column of the cost (lower is better)
PARETO_COSTS = {
    "infer": "median_infer_s_per_1k_rows",
    "train": "median_train_s_per_1k_rows",
    "energy": "energy_kwh_per_job",
}


@dataclass
class AnalysisOptions:
    """What :func:`write_analysis` computes."""

    constraint: str | None = None
    type: str | None = None
    method: str = "constant_best"
    impute: str | None = "auto"  # "auto": the constant predictor where its results are there, else "worst"
    subject: str = "task"  # of the Bradley-Terry model of the leaderboard
    tree: bool = True
    tree_maxdepth: float = 3
    tree_minsize: int | None = None
    alpha: float = 0.05
    files: list[str] = field(default_factory=list)
    plots: tuple[str, ...] = ()  # image formats of the figures (png, svg); none when empty


def failure_table(df: pd.DataFrame) -> pd.DataFrame:
    """framework, status, jobs, example (the most frequent ``info`` of the failures)."""
    failed = df[df["status"] != "ok"]
    if failed.empty:
        return pd.DataFrame(columns=["framework", "status", "jobs", "example"])
    grouped = failed.groupby(["framework", "status"])
    out = grouped.size().rename("jobs").reset_index()
    examples = grouped["info"].agg(lambda s: s[s != ""].value_counts().index[0] if (s != "").any() else "")
    out["example"] = examples.to_numpy()
    return out.sort_values(["framework", "jobs"], ascending=[True, False]).reset_index(drop=True)


def tree_input(raw: pd.DataFrame) -> pd.DataFrame:
    """Scores for the BT tree: raw results (imputed), frameworks other than the constant predictor
    (it loses nearly every comparison, which leaves the node models without a finite estimate)."""
    return raw[raw["framework"] != CONSTANT_PREDICTOR][["task", "fold", "framework", "score"]].dropna(subset=["score"])


def complete_meta(meta: pd.DataFrame, tasks: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Meta-features of ``tasks`` without the columns some task lacks (and those left out)."""
    joined = join_meta(tasks, meta)
    gaps = [c for c in joined.columns[1:] if joined[c].isna().any()]
    return joined.drop(columns=gaps), gaps


def fit_tree(lb: Leaderboard, meta: pd.DataFrame | None, options: AnalysisOptions) -> tuple[BTTree | None, list[str], str]:
    """The BT tree of a leaderboard's tasks, the meta-features left out, and why there is no tree ("" if there is)."""
    if not options.tree:
        return None, [], ""
    tree_meta, gaps = complete_meta(meta if meta is not None else meta_from_results(lb.rows), lb.taskset.tasks)
    if tree_meta.shape[1] < 2:
        why = "no meta-features known for every task" if gaps else "no meta-features (give --meta META.csv)"
        return None, gaps, f"Bradley-Terry tree skipped: {why}"
    scores = tree_input(lb.raw)
    if scores["framework"].nunique() < 2:
        return None, gaps, "Bradley-Terry tree skipped: it needs two frameworks besides the constant predictor"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = bttree(scores, tree_meta, maxdepth=options.tree_maxdepth, minsize=options.tree_minsize,
                          alpha=options.alpha)
    except UserError as e:
        return None, gaps, f"Bradley-Terry tree skipped: {e.one_line()}"
    return tree, gaps, ""


def constraint_notes(df: pd.DataFrame, constraint: str, files: list[str]) -> list[str]:
    """Lines naming the results files that hold no row of ``constraint`` (left out)."""
    notes = []
    for source, part in df.groupby("source", sort=False):
        if not (part["constraint"] == constraint).any():
            held = ", ".join(sorted(map(str, part["constraint"].unique())))
            notes.append(f"{source} has no results under constraint {constraint} (it holds {held}): left out")
    return notes


def write_analysis(df: pd.DataFrame, outdir: str | Path, options: AnalysisOptions,
                   meta: pd.DataFrame | None = None) -> dict[str, Any]:
    """Compute the analysis of one constraint and write it to ``outdir``.

    Files: ``leaderboard.csv/.json``, ``scores.csv`` (normalised, imputed flag),
    ``ranks.csv`` (on the raw results), ``cd.json`` (Friedman/Nemenyi, CD diagram data),
    ``bt.json``, ``win_rates.csv``, ``task_scale.csv`` (per task: floor, reference and
    flags of the normalisation), ``tasks_left_out.csv`` (task, reason), ``bttree.json`` and
    ``bttree.txt`` (when meta-features are known; meta-features missing for some task are
    left out and listed in ``meta_features_left_out``), ``pareto_<infer|train|energy>.csv``,
    ``failures.csv``, ``budget_compliance.csv`` (per framework, when the rows record their
    budgets: :mod:`amlb.analysis.budget`), the images of :mod:`amlb.analysis.plots` in ``options.plots`` formats
    and ``analysis.json`` (what was analysed, what was skipped and why,
    and the file list). Everything is computed on the same tasks.

    Returns
    -------
    dict
        The content of ``analysis.json`` plus ``leaderboard`` (:class:`Leaderboard`),
        ``cd`` (CDResult or None) and ``tree`` (BTTree or None).
    """
    with_baseline, borrowed = borrow_constant_predictor(df)
    d = single_constraint(with_baseline, options.constraint, options.type)
    constraint = str(d["constraint"].iloc[0])
    # type -> the constraint whose constant predictor rows stand in for this one's
    baseline_from = {key[-2]: source for key, source in borrowed.items()
                     if key[-1] == constraint and key[-2] in set(d["type"])}
    if d["framework"].nunique() < 2:
        raise UserError(f"only one framework ({d['framework'].iloc[0]}) under constraint {constraint}",
                        "give results of at least two frameworks")
    notes = constraint_notes(df, constraint, options.files)
    impute = options.impute
    if impute == "auto":
        impute = "constantpredictor" if d.loc[d["framework"] == CONSTANT_PREDICTOR, "result"].notna().any() else "worst"
        if impute == "worst":
            notes.append("no constant predictor results: failures imputed with the worst result on their task and fold")
    lb = compute_leaderboard(d, meta=meta, method=options.method, impute=impute, subject=options.subject)
    notes += list(lb.notes)
    cd = None
    try:
        cd = friedman_nemenyi(lb.raw, alpha=options.alpha)
    except UserError as e:
        notes.append(f"Friedman test and CD skipped: {e.one_line()}")
    tree, gaps, why = fit_tree(lb, meta, options)
    if why:
        notes.append(why)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []

    def save_csv(name: str, frame: pd.DataFrame) -> None:
        frame.to_csv(out / name, index=False)
        written.append(name)

    def save_json(name: str, obj: Any) -> None:
        (out / name).write_text(json.dumps(_clean(obj), indent=1, allow_nan=False))
        written.append(name)

    board = lb.board
    save_csv("leaderboard.csv", board)
    save_json("leaderboard.json", board.to_dict(orient="records"))
    save_csv("scores.csv", lb.scores)
    save_csv("ranks.csv", ranks(lb.raw))
    save_csv("win_rates.csv", lb.win_rates)
    save_csv("task_scale.csv", lb.anchors.rename_axis("task").reset_index())
    save_csv("tasks_left_out.csv", lb.taskset.to_frame())
    if cd is not None:
        save_json("cd.json", cd.to_json())
    if lb.bt is not None:
        save_json("bt.json", lb.bt.to_json())
    fronts = {}
    for name, column in PARETO_COSTS.items():
        if board[column].notna().any():
            fronts[name] = (pareto_front(board, column, "mean_norm_score")[
                ["framework", column, "mean_norm_score", "on_front"]], column)
            save_csv(f"pareto_{name}.csv", fronts[name][0])
    analysed = d[d["task"].isin(lb.taskset.tasks)]
    save_csv("failures.csv", failure_table(analysed))
    budget = budget_compliance(d)
    if len(budget):
        save_csv("budget_compliance.csv", budget)
    if tree is not None:
        save_json("bttree.json", {**tree.to_json(), "meta_features_left_out": gaps})
        (out / "bttree.txt").write_text(tree.to_text() + "\n")
        written.append("bttree.txt")
    if options.plots:
        from amlb.analysis.plots import write_plots  # noqa: PLC0415 - matplotlib only when plotting

        plots = write_plots(out, options.plots, cd=cd, tree=tree.to_json() if tree is not None else None,
                            fronts=fronts, status_counts=analysed.groupby(["framework", "status"]).size()
                            .rename("jobs").reset_index())
        written += plots.files
        notes += plots.notes
    summary = {
        "generated_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": list(options.files), "constraint": constraint, "type": options.type,
        "types": sorted(d["type"].unique()), "n_tasks": len(lb.taskset.tasks),
        "tasks_left_out": lb.taskset.dropped, "task_set": lb.taskset.summary(),
        "frameworks": sorted(d["framework"].unique()), "normalization": options.method,
        "normalization_text": METHOD_TEXT[options.method], "imputation": impute,
        "flagged_tasks": lb.flagged.to_dict(orient="records"),
        "constant_predictor_from": baseline_from, "notes": notes, "outputs": written + ["analysis.json"],
    }
    save_json("analysis.json", summary)
    return {**summary, "leaderboard": lb, "cd": cd, "tree": tree}


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
