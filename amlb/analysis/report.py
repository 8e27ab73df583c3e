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
from amlb.analysis.btmodel import bt_model
from amlb.analysis.mob import BTTree, bttree
from amlb.analysis.leaderboard import leaderboard
from amlb.analysis.load import join_meta, meta_from_results
from amlb.analysis.normalize import CONSTANT_PREDICTOR, normalized_scores, single_constraint
from amlb.analysis.pareto import pareto_front
from amlb.analysis.ranking import friedman_nemenyi, ranks

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
    method: str = "constant_tunedrf"
    impute: str | None = "constantpredictor"
    subject: str = "task"  # of the Bradley-Terry model of the leaderboard
    tree: bool = True
    tree_maxdepth: float = 3
    tree_minsize: int | None = None
    alpha: float = 0.05
    files: list[str] = field(default_factory=list)


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


def tree_input(df: pd.DataFrame, impute: str | None) -> pd.DataFrame:
    """Scores for the BT tree: raw results (imputed), frameworks other than the constant predictor."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = normalized_scores(df, method="none", impute=impute)
    return raw[raw["framework"] != CONSTANT_PREDICTOR][["task", "fold", "framework", "score"]]


def complete_meta(meta: pd.DataFrame, tasks: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Meta-features of ``tasks`` without the columns some task lacks (and those left out)."""
    joined = join_meta(tasks, meta)
    gaps = [c for c in joined.columns[1:] if joined[c].isna().any()]
    return joined.drop(columns=gaps), gaps


def write_analysis(df: pd.DataFrame, outdir: str | Path, options: AnalysisOptions,
                   meta: pd.DataFrame | None = None) -> dict[str, Any]:
    """Compute the analysis of one constraint and write it to ``outdir``.

    Files: ``leaderboard.csv/.json``, ``scores.csv`` (normalised, imputed flag),
    ``ranks.csv``, ``cd.json`` (Friedman/Nemenyi, CD diagram data), ``bt.json``,
    ``bttree.json`` and ``bttree.txt`` (when meta-features are known; meta-features
    missing for some task are left out and listed in ``meta_features_left_out``),
    ``pareto_<infer|train|energy>.csv``, ``failures.csv`` and ``analysis.json``
    (what was analysed, and the file list).

    Returns
    -------
    dict
        The content of ``analysis.json`` plus ``leaderboard`` (DataFrame) and ``tree``
        (BTTree or None).
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with_baseline, borrowed = borrow_constant_predictor(df)
    d = single_constraint(with_baseline, options.constraint, options.type)
    constraint = str(d["constraint"].iloc[0])
    # type -> the constraint whose constant predictor rows stand in for this one's
    baseline_from = {key[-2]: source for key, source in borrowed.items()
                     if key[-1] == constraint and key[-2] in set(d["type"])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = normalized_scores(d, method=options.method, impute=options.impute)
        raw = normalized_scores(d, method="none", impute=options.impute)
        board = leaderboard(d, meta=meta, method=options.method, impute=options.impute, subject=options.subject)
        cd = friedman_nemenyi(scores.dropna(subset=["score"]), alpha=options.alpha)
    written: list[str] = []

    def save_csv(name: str, frame: pd.DataFrame) -> None:
        frame.to_csv(out / name, index=False)
        written.append(name)

    def save_json(name: str, obj: Any) -> None:
        (out / name).write_text(json.dumps(_clean(obj), indent=1, allow_nan=False))
        written.append(name)

    save_csv("leaderboard.csv", board)
    save_json("leaderboard.json", board.to_dict(orient="records"))
    save_csv("scores.csv", scores)
    save_csv("ranks.csv", ranks(scores))
    save_json("cd.json", cd.to_json())
    save_json("bt.json", bt_model(raw.dropna(subset=["score"]), subject=options.subject).to_json())
    for name, column in PARETO_COSTS.items():
        if board[column].notna().any():
            save_csv(f"pareto_{name}.csv", pareto_front(board, column, "mean_norm_score")[
                ["framework", column, "mean_norm_score", "on_front"]])
    save_csv("failures.csv", failure_table(d))
    tree: BTTree | None = None
    tree_meta, gaps = complete_meta(meta if meta is not None else meta_from_results(d), sorted(d["task"].unique()))
    if options.tree and tree_meta.shape[1] > 1:
        tree = bttree(tree_input(d, options.impute), tree_meta, maxdepth=options.tree_maxdepth,
                      minsize=options.tree_minsize, alpha=options.alpha)
        save_json("bttree.json", {**tree.to_json(), "meta_features_left_out": gaps})
        (out / "bttree.txt").write_text(tree.to_text() + "\n")
        written.append("bttree.txt")
    summary = {
        "generated_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": list(options.files), "constraint": constraint, "type": options.type,
        "types": sorted(d["type"].unique()), "n_tasks": int(d["task"].nunique()),
        "frameworks": sorted(d["framework"].unique()), "normalization": options.method, "imputation": options.impute,
        "constant_predictor_from": baseline_from, "outputs": written + ["analysis.json"],
    }
    save_json("analysis.json", summary)
    return {**summary, "leaderboard": board, "tree": tree}


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
