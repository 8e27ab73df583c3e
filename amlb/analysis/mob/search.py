"""Split search of a node: partykit's ``mob_grow_findsplit`` for the BT model.

Every admissible binary split of the selected variable is scored by the summed
objective (-log-likelihood) of the two children, each refitted from scratch; the
first minimum wins. Child count tables come from cumulative sums over the subjects
sorted by the variable, and all candidate fits run as one batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amlb.analysis import btfit
from amlb.analysis.mob.fluctuation import Variable

#: candidate partitions fitted per batch (bounds memory for many-level factors)
BATCH = 512


@dataclass
class Split:
    """A chosen split: ``left`` marks the node's subjects going to the left child."""

    variable: int
    left: np.ndarray
    split_point: float | None = None
    left_levels: list[str] | None = None
    right_levels: list[str] | None = None


def _objectives(counts_left: np.ndarray, counts_total: np.ndarray, des: btfit.Design) -> np.ndarray:
    """Summed child objectives of candidate splits given their left count tables."""
    out = np.empty(len(counts_left))
    for s in range(0, len(counts_left), BATCH):
        left = counts_left[s: s + BATCH]
        right = counts_total[None] - left
        both = np.concatenate([left, right])
        coef, _, _ = btfit.irls(both, des)
        obj = -btfit.log_likelihood(coef, both, des)
        out[s: s + len(left)] = obj[: len(left)] + obj[len(left):]
    return out


def _which_min(dev: np.ndarray) -> int | None:
    """R's which.min over the candidates (NaN ignored); None if none is finite."""
    dev = np.where(np.isnan(dev), np.inf, dev)
    if not np.isfinite(dev).any():
        return None
    return int(np.argmin(dev))


def find_split(counts: np.ndarray, rows: np.ndarray, var: Variable, index: int, minsize: int,
               des: btfit.Design) -> Split | None:
    """Best binary split of the node ``rows`` on ``var`` (None if no split is admissible).

    Parameters
    ----------
    counts
        n x P x 3 comparison counts of all subjects.
    rows
        The node's subjects.
    var, index
        The selected partitioning variable and its position.
    minsize
        Minimum number of subjects in each child.
    """
    z = var.values[rows]
    c = counts[rows]
    total = c.sum(axis=0)
    n = len(rows)
    if not var.is_factor:
        order = np.argsort(z, kind="stable")
        zs = z[order]
        uz, first = np.unique(zs, return_index=True)
        ends = np.append(first[1:], n)  # left child of uz[u] = sorted subjects [0, ends[u])
        admissible = (ends >= minsize) & (n - ends >= minsize)
        if not admissible.any():
            return None
        cum = np.cumsum(c[order], axis=0)
        dev = np.full(len(uz), np.inf)
        dev[admissible] = _objectives(cum[ends[admissible] - 1], total, des)
        best = _which_min(dev)
        if best is None:
            return None
        return Split(index, z <= uz[best], split_point=float(uz[best]))
    present = np.unique(z)
    n_levels = len(present)
    n_part = 2 ** (n_levels - 1) - 1
    if n_part < 1:
        return None
    # row i of partykit's level matrix: the binary expansion of i, level 1 = lowest bit
    bits = (np.arange(1, n_part + 1)[:, None] >> np.arange(n_levels)[None, :]) & 1
    code = np.searchsorted(present, z)
    level_counts = np.zeros((n_levels,) + total.shape)
    np.add.at(level_counts, code, c)
    level_n = np.bincount(code, minlength=n_levels)
    n_left = bits @ level_n
    admissible = (n_left >= minsize) & (n - n_left >= minsize)
    if not admissible.any():
        return None
    dev = np.full(n_part, np.inf)
    if n_part == 1:
        dev[admissible] = 1.0  # partykit does not fit the single partition
    else:
        left_counts = np.einsum("il,lpo->ipo", bits[admissible].astype(float), level_counts)
        dev[admissible] = _objectives(left_counts, total, des)
    best = _which_min(dev)
    if best is None:
        return None
    in_left = bits[best].astype(bool)
    names = [var.levels[int(x)] for x in present]
    return Split(index, in_left[code], left_levels=[names[i] for i in range(n_levels) if in_left[i]],
                 right_levels=[names[i] for i in range(n_levels) if not in_left[i]])
