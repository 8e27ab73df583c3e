"""Bootstrap intervals over tasks for the leaderboard, and pairwise win rates.

Tasks are the unit of resampling (as TabArena does): each bootstrap sample draws the
tasks of the leaderboard with replacement, with a fixed seed, and recomputes the
statistic; the interval is the percentile interval of the samples.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: bootstrap samples and seed used unless told otherwise
N_BOOT = 1000
SEED = 0


def _percentiles(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - level) / 2.0 * 100.0
    return np.percentile(samples, tail, axis=0), np.percentile(samples, 100.0 - tail, axis=0)


def _draws(n: int, n_boot: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def bootstrap_means(table: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95) -> pd.DataFrame:
    """Percentile bootstrap interval of the column means of a task x framework table.

    Returns
    -------
    pandas.DataFrame
        Indexed by framework: ``mean``, ``ci_low``, ``ci_high``.
    """
    m = table.to_numpy(dtype=float)
    if m.shape[0] == 0:
        nan = np.full(m.shape[1], np.nan)
        return pd.DataFrame({"mean": nan, "ci_low": nan, "ci_high": nan}, index=table.columns)
    samples = m[_draws(m.shape[0], n_boot, seed)].mean(axis=1)  # n_boot x k
    low, high = _percentiles(samples, level)
    return pd.DataFrame({"mean": m.mean(axis=0), "ci_low": low, "ci_high": high}, index=table.columns)


def win_rates(values: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95) -> pd.DataFrame:
    """How often each framework beats each other one over the tasks (a tie counts 1/2).

    Parameters
    ----------
    values
        Task x framework table, higher is better (e.g. mean results over folds).

    Returns
    -------
    pandas.DataFrame
        ``framework``, ``opponent``, ``win_rate`` (share of tasks), ``ci_low``,
        ``ci_high`` (bootstrap over tasks), ``tasks``; every ordered pair once.
    """
    m = values.to_numpy(dtype=float)
    n, k = m.shape
    names = [str(c) for c in values.columns]
    # outcome[t, i, j]: 1 if i beats j on task t, 0.5 on a tie, 0 if it loses
    outcome = (m[:, :, None] > m[:, None, :]) + 0.5 * (m[:, :, None] == m[:, None, :])
    rows = []
    if n:
        samples = outcome[_draws(n, n_boot, seed)].mean(axis=1)  # n_boot x k x k
        low, high = _percentiles(samples, level)
        rate = outcome.mean(axis=0)
    for i in range(k):
        for j in range(k):
            if i != j:
                rows.append((names[i], names[j], rate[i, j] if n else np.nan, low[i, j] if n else np.nan,
                             high[i, j] if n else np.nan, n))
    return pd.DataFrame(rows, columns=["framework", "opponent", "win_rate", "ci_low", "ci_high", "tasks"])
