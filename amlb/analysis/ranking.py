"""Ranks per task, the Friedman test and the Nemenyi post-hoc test (critical difference)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from amlb.errors import UserError


def task_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Task x framework matrix of scores, averaged over folds first.

    Parameters
    ----------
    scores
        Long scores: ``task``, optional ``fold``, ``framework``, ``score``.
    """
    _require(scores, ("task", "framework", "score"))
    table = scores.groupby(["task", "framework"], sort=True)["score"].mean().unstack("framework")
    return table.reindex(columns=sorted(table.columns))


def ranks(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank of every framework on every task (1 = best; ties get the mean rank).

    The score of a framework on a task is its mean over the folds; a framework
    without a score on a task gets no rank there.

    Returns
    -------
    pandas.DataFrame
        ``task``, ``framework``, ``rank`` (float), sorted by task then rank.
    """
    table = task_scores(scores)
    ranked = table.rank(axis=1, ascending=False, method="average", na_option="keep")
    out = ranked.stack().rename("rank").reset_index()
    return out.sort_values(["task", "rank", "framework"]).reset_index(drop=True)


@dataclass
class CDResult:
    """Friedman test and Nemenyi critical difference over tasks.

    Attributes
    ----------
    mean_ranks
        Mean rank per framework (1 = best), sorted ascending.
    cd
        Nemenyi critical difference of mean ranks at ``alpha``.
    statistic, p_value
        Friedman's chi-square (tie-corrected, as ``scipy.stats.friedmanchisquare``) and
        its p-value (chi-square with k-1 df).
    n_tasks, k
        Tasks (blocks) used and frameworks compared.
    groups
        Cliques of frameworks whose mean ranks differ by at most ``cd`` (maximal runs
        in rank order, singletons left out): the bars of a CD diagram.
    """

    mean_ranks: pd.Series
    cd: float
    statistic: float
    p_value: float
    n_tasks: int
    k: int
    groups: list[list[str]] = field(default_factory=list)
    alpha: float = 0.05
    q_alpha: float = float("nan")
    dropped_tasks: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """A JSON-ready dict (the CD diagram data)."""
        return {
            "mean_ranks": {k: float(v) for k, v in self.mean_ranks.items()},
            "cd": float(self.cd), "statistic": float(self.statistic), "p_value": float(self.p_value),
            "n_tasks": int(self.n_tasks), "k": int(self.k), "alpha": float(self.alpha),
            "q_alpha": float(self.q_alpha), "groups": [list(g) for g in self.groups],
            "dropped_tasks": list(self.dropped_tasks),
        }


def friedman_statistic(matrix: np.ndarray) -> tuple[float, float]:
    """Friedman's tie-corrected chi-square and p-value of an n x k matrix (higher = better)."""
    n, k = matrix.shape
    r = stats.rankdata(-matrix, axis=1, method="average")
    # each element of a tie group of size t adds t^2 - 1: sum over groups of t^3 - t
    t = stats.rankdata(matrix, axis=1, method="max") - stats.rankdata(matrix, axis=1, method="min") + 1
    correction = 1.0 - float((t * t - 1).sum()) / (k * (k * k - 1) * n)
    rank_sums = r.sum(axis=0)
    chisq = (12.0 / (k * n * (k + 1)) * float((rank_sums ** 2).sum()) - 3.0 * n * (k + 1))
    chisq = chisq / correction if correction > 0 else float("nan")
    return chisq, float(stats.chi2.sf(chisq, k - 1))


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Critical value q_alpha of the Nemenyi test (studentized range / sqrt 2, infinite df)."""
    return float(stats.studentized_range.ppf(1.0 - alpha, k, np.inf) / np.sqrt(2.0))


def friedman_nemenyi(scores: pd.DataFrame, alpha: float = 0.05) -> CDResult:
    """Friedman test over tasks and the Nemenyi critical difference of mean ranks.

    Fold scores are averaged per task first; tasks where a framework has no score are
    left out (listed in ``dropped_tasks``).
    """
    table = task_scores(scores)
    complete = table.notna().all(axis=1)
    dropped = [str(t) for t in table.index[~complete]]
    if dropped:
        warnings.warn(f"{len(dropped)} task(s) left out of the Friedman test (a framework has no score)", stacklevel=2)
    table = table[complete]
    n, k = table.shape
    if k < 2 or n < 2:
        raise UserError(f"need at least 2 frameworks and 2 complete tasks for the Friedman test (got {k} and {n})",
                        "add results")
    matrix = table.to_numpy(dtype=float)
    statistic, p_value = friedman_statistic(matrix)
    r = stats.rankdata(-matrix, axis=1, method="average")
    mean_ranks = pd.Series(r.mean(axis=0), index=table.columns, name="mean_rank").sort_values(kind="stable")
    q = nemenyi_q(k, alpha)
    cd = q * np.sqrt(k * (k + 1) / (6.0 * n))
    return CDResult(mean_ranks=mean_ranks, cd=float(cd), statistic=statistic, p_value=p_value, n_tasks=n, k=k,
                    groups=cd_groups(mean_ranks, cd), alpha=alpha, q_alpha=q, dropped_tasks=dropped)


def cd_groups(mean_ranks: pd.Series, cd: float) -> list[list[str]]:
    """Maximal runs of frameworks (in rank order) whose mean ranks span at most ``cd``."""
    ordered = mean_ranks.sort_values(kind="stable")
    values = ordered.to_numpy()
    names = [str(x) for x in ordered.index]
    # furthest framework within cd of each one
    last = np.searchsorted(values, values + cd * (1 + 1e-12), side="right") - 1
    groups: list[list[str]] = []
    reach = -1
    for i, j in enumerate(last):
        if j > i and j > reach:
            groups.append(names[i:j + 1])
        reach = max(reach, int(j))
    return groups


def _require(df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"scores lack column(s) {', '.join(missing)}", "give task, framework and score columns")
