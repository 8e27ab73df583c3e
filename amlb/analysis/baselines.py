"""Baselines shared across constraints: the constant predictor.

AMLB runs the constant predictor once and compares every constraint with it (a constant
does not depend on the time budget), so a constraint's results often lack its rows. The
normalised scores and the imputation of failed jobs need them: a constraint without them
borrows the rows of the sibling constraint whose name shares the longest prefix with its
own (``4h8c_gp3`` <- ``4h8c``), and says so.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from amlb.analysis.normalize import CONSTANT_PREDICTOR

#: the grouping of results into comparable sets, where the columns exist
GROUP_COLUMNS = ("benchmark", "type", "constraint")


def borrow_constant_predictor(df: pd.DataFrame, by: Sequence[str] = GROUP_COLUMNS
                              ) -> tuple[pd.DataFrame, dict[tuple[str, ...], str]]:
    """Give each group of ``by`` (its columns present in ``df``; ``constraint`` always) the
    constant predictor's rows when it lacks them.

    Returns
    -------
    The rows with borrowed rows appended (column ``borrowed_from`` names the constraint they
    came from), and group key (the values of the ``by`` columns present, in order) -> the
    constraint borrowed from.
    """
    keys = [c for c in by if c in df.columns]
    if "constraint" not in keys:
        raise ValueError("results need a constraint column")
    siblings = [c for c in keys if c != "constraint"]
    borrowed: dict[tuple[str, ...], str] = {}
    extra = []
    cp = df[df["framework"] == CONSTANT_PREDICTOR]
    for group, part in df.groupby(keys, sort=True):
        if (part["framework"] == CONSTANT_PREDICTOR).any():
            continue
        values = dict(zip(keys, group))
        donors = cp
        for c in siblings:
            donors = donors[donors[c] == values[c]]
        if donors.empty:
            continue
        constraint = values["constraint"]
        best = max(donors["constraint"].unique(), key=lambda c: (_common_prefix(str(c), str(constraint)), str(c)))
        rows = donors[donors["constraint"] == best].copy()
        rows["constraint"] = constraint
        rows["borrowed_from"] = best
        extra.append(rows)
        borrowed[tuple(group)] = best
    if not extra:
        return df, borrowed
    return pd.concat([df] + extra, ignore_index=True, sort=False), borrowed


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
