"""Paired comparisons of frameworks per subject (task, or task x fold).

The encoding follows psychotools' ``paircomp``: frameworks ordered by name, pairs
(i, j) in column-major upper-triangle order (1,2), (1,3), (2,3), (1,4) ..., each
comparison +1 (i scored higher), -1 (j higher), 0 (tie) or missing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from amlb.errors import UserError

SUBJECTS = ("task", "task_fold")


def pair_index(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Object indices (i, j), i < j, of the k(k-1)/2 pairs in psychotools' order."""
    i, j = np.triu_indices(k, 1)
    order = np.lexsort((i, j))  # column-major: by j, then i
    return i[order], j[order]


@dataclass
class PairComparisons:
    """Comparisons of ``frameworks`` within each subject.

    Attributes
    ----------
    frameworks
        Object labels, sorted by name (the last is the reference of the model).
    subjects
        One row per subject: ``task`` (and ``fold`` for task x fold subjects), sorted.
    outcomes
        n x P float array: +1, -1, 0, or NaN (missing) per subject and pair.
    has_ties
        Whether any comparison in the whole data is a tie (then every model has the
        tie parameter, as in psychotools).
    """

    frameworks: list[str]
    subjects: pd.DataFrame
    outcomes: np.ndarray
    has_ties: bool

    @property
    def k(self) -> int:
        return len(self.frameworks)

    @property
    def n(self) -> int:
        return self.outcomes.shape[0]

    def counts(self) -> np.ndarray:
        """n x P x 3 counts per subject: (i preferred, j preferred, tie); missing adds 0."""
        o = self.outcomes
        return np.stack([(o == 1), (o == -1), (o == 0)], axis=-1).astype(np.float64)

    def subset(self, rows: np.ndarray) -> "PairComparisons":
        """The comparisons of some subjects (``has_ties`` is kept, as in psychotools)."""
        return PairComparisons(self.frameworks, self.subjects.iloc[rows].reset_index(drop=True),
                               self.outcomes[rows], self.has_ties)


def subject_scores(scores: pd.DataFrame, subject: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide subject x framework scores and the subject table, sorted.

    ``subject`` "task_fold" (default when a ``fold`` column exists) keeps one subject
    per task and fold; "task" averages the folds of each task first.
    """
    missing = [c for c in ("task", "framework", "score") if c not in scores.columns]
    if missing:
        raise UserError(f"scores lack column(s) {', '.join(missing)}", "give task, [fold,] framework and score columns")
    has_fold = "fold" in scores.columns
    if subject is None:
        subject = "task_fold" if has_fold else "task"
    if subject not in SUBJECTS:
        raise UserError(f"unknown subject {subject!r}", "use 'task' or 'task_fold'")
    if subject == "task_fold" and not has_fold:
        raise UserError("subject 'task_fold' needs a fold column", "add fold, or use subject 'task'")
    d = scores[["task", "framework", "score"] + (["fold"] if has_fold else [])].copy()
    d["task"] = d["task"].astype(str)
    d["framework"] = d["framework"].astype(str)
    d["score"] = pd.to_numeric(d["score"], errors="coerce").astype(float)
    keys = ["task", "fold"] if subject == "task_fold" else ["task"]
    if subject == "task_fold":
        d["fold"] = pd.to_numeric(d["fold"], errors="coerce")
        if d["fold"].isna().any():
            raise UserError("non-numeric fold values in the scores", "fold must be an integer")
        d["fold"] = d["fold"].astype(int)
        dup = d.duplicated(keys + ["framework"])
        if dup.any():
            row = d[dup].iloc[0]
            raise UserError(f"duplicate score for {row['framework']} on {row['task']} fold {row['fold']}",
                            "give one score per task, fold and framework")
        wide = d.pivot(index=keys, columns="framework", values="score")
    else:
        if not has_fold and d.duplicated(["task", "framework"]).any():
            raise UserError("duplicate scores for a task and framework", "add a fold column or give one score each")
        wide = d.groupby(keys + ["framework"], sort=False)["score"].mean().unstack("framework")
    frameworks = sorted(wide.columns)
    wide = wide.reindex(columns=frameworks)
    idx = wide.index.to_frame(index=False)
    order = np.lexsort(tuple(idx[c].to_numpy() for c in reversed(keys)))
    wide = wide.iloc[order]
    return wide.reset_index(drop=True), idx.iloc[order].reset_index(drop=True)


def comparisons_from_wide(wide: pd.DataFrame, subjects: pd.DataFrame) -> PairComparisons:
    """Paired comparisons from a subject x framework score table (higher is better)."""
    frameworks = [str(c) for c in wide.columns]
    if len(frameworks) < 2:
        raise UserError("need at least two frameworks to compare", "add scores of more frameworks")
    s = wide.to_numpy(dtype=float)
    i, j = pair_index(len(frameworks))
    outcomes = np.sign(s[:, i] - s[:, j])  # NaN where either is missing
    has_ties = bool((outcomes == 0).any())
    return PairComparisons(frameworks, subjects, outcomes, has_ties)


def build_comparisons(scores: pd.DataFrame, subject: str | None = None) -> PairComparisons:
    """Paired comparisons of long scores (task, [fold], framework, score).

    Subjects are sorted by task (by code point) and fold; subjects with no comparison
    at all (fewer than two scores) are dropped.
    """
    wide, subjects = subject_scores(scores, subject)
    pc = comparisons_from_wide(wide, subjects)
    keep = ~np.isnan(pc.outcomes).all(axis=1)
    if not keep.all():
        pc = pc.subset(np.flatnonzero(keep))
    if pc.n == 0:
        raise UserError("no subject has scores of two frameworks", "check the scores")
    return pc
