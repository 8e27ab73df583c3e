"""The analyses behind one overview page, as thin calls into :mod:`amlb.analysis`.

Each analysis that cannot be done for a group (too few frameworks, missing baselines,
no meta-features ...) leaves its result ``None`` and a note saying why; warnings the
analysis raises are kept as notes too, so the page states them next to the results.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from amlb import analysis
from amlb.errors import UserError
from amlb.analysis.report import tree_input
from amlb.site.data import meta_for_tasks

NORMALISATION_TEXT = {
    "constant_best": "per task and fold, 0 = constant predictor (the worst result where it is missing or not "
                     "beaten), 1 = best result, clipped to [0, 1]; a framework's task score is the mean over folds",
    "none": "raw results",
}
IMPUTATION_TEXT = {
    "constantpredictor": "failed or missing jobs take the constant predictor's result",
    "worst": "failed or missing jobs take the worst result on that task and fold",
}
#: Pareto plots: leaderboard column, axis title, section id
PARETO_AXES: tuple[tuple[str, str, str], ...] = (
    ("median_infer_s_per_1k_rows", "median inference time, s per 1K rows", "pareto-infer"),
    ("median_train_s_per_1k_rows", "median training time, s per 1K rows", "pareto-train"),
    ("energy_kwh_per_job", "mean energy per job, kWh", "pareto-energy"),
)


@dataclass
class Overview:
    """One benchmark x constraint x task type, and its analyses."""

    benchmark: str
    constraint: str
    type: str
    slug: str
    rows: pd.DataFrame
    borrowed_from: str | None = None
    board: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    cd: Any = None
    tree: Any = None
    pareto: dict[str, pd.DataFrame] = field(default_factory=dict)
    method: str = ""
    impute: str = ""
    notes: list[str] = field(default_factory=list)
    analysis: Any = None  # the amlb.analysis.Leaderboard the board, scores and tests come from

    @property
    def title(self) -> str:
        return f"{self.benchmark} · {self.constraint} · {self.type}"

    @property
    def frameworks(self) -> list[str]:
        return sorted(self.rows["framework"].unique(), key=str.lower)

    @property
    def n_tasks(self) -> int:
        return int(self.rows["task"].nunique())

    @property
    def comparable(self) -> bool:
        """Whether there is anything to compare (at least two frameworks)."""
        return self.rows["framework"].nunique() >= 2


def _note(notes: list[str], what: str, error: BaseException) -> None:
    text = error.one_line() if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
    notes.append(f"{what}: {text}")


def analyse(ov: Overview, meta: pd.DataFrame, tree_depth: int = 3, alpha: float = 0.05) -> Overview:
    """Fill the leaderboard, scores, CD test, Pareto fronts and BT tree of ``ov``."""
    if not ov.comparable:
        ov.notes.append("only one framework: nothing to compare")
        return ov
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _leaderboard(ov, meta)
        if ov.scores is not None:
            try:
                ov.cd = analysis.friedman_nemenyi(ov.analysis.raw, alpha=alpha)
            except Exception as e:  # noqa: BLE001 - shown on the page, the rest of the site still builds
                _note(ov.notes, "critical difference", e)
            _tree(ov, meta, tree_depth, alpha)
        if ov.board is not None:
            for column, _, key in PARETO_AXES:
                if ov.board[column].notna().sum() >= 1:
                    ov.pareto[key] = analysis.pareto_front(ov.board, column, "mean_norm_score")
    seen = set()
    for w in caught:
        text = str(w.message)
        if text not in seen and not issubclass(w.category, (DeprecationWarning, FutureWarning, RuntimeWarning)):
            seen.add(text)
            ov.notes.append(text)
    return ov


def _leaderboard(ov: Overview, meta: pd.DataFrame) -> None:
    # only the meta-features known for (nearly) all of this group's tasks: the dataset sizes of
    # the per-row times must come from one column, not from a column another benchmark filled
    features = meta_for_tasks(meta, sorted(ov.rows["task"].unique()), constant_ok=True) if len(meta.columns) > 1 else None
    impute = "constantpredictor" if ov.rows.loc[ov.rows["framework"] == analysis.CONSTANT_PREDICTOR, "result"].notna().any() \
        else "worst"
    try:
        lb = analysis.compute_leaderboard(ov.rows, meta=features, method="constant_best", impute=impute)
    except Exception as e:  # noqa: BLE001 - shown on the page, the rest of the site still builds
        _note(ov.notes, "leaderboard", e)
        return
    ov.analysis, ov.scores, ov.board, ov.method, ov.impute = lb, lb.scores, lb.board, lb.method, lb.impute
    ov.notes.extend(lb.notes)


def _tree(ov: Overview, meta: pd.DataFrame, depth: int, alpha: float) -> None:
    tasks = list(ov.analysis.taskset.tasks)
    features = meta_for_tasks(meta, tasks) if len(meta.columns) > 1 else pd.DataFrame({"task": tasks})
    if features.shape[1] < 2:
        ov.notes.append("Bradley-Terry tree: no meta-features for these tasks")
        return
    scores = tree_input(ov.analysis.raw)
    if scores["framework"].nunique() < 2:
        ov.notes.append("Bradley-Terry tree: it needs two frameworks besides the constant predictor")
        return
    try:
        ov.tree = analysis.bttree(scores, features, maxdepth=depth, alpha=alpha, subject="task_fold")
    except Exception as e:  # noqa: BLE001 - shown on the page
        _note(ov.notes, "Bradley-Terry tree", e)
