"""Pareto fronts: score against a cost (inference time, training time, energy)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from amlb.errors import UserError


def pareto_front(df: pd.DataFrame, x: str, y: str, x_lower_is_better: bool = True) -> pd.DataFrame:
    """Mark the points not dominated in (x, y); y is higher-is-better.

    A point is dominated when another is at least as good in both x and y and better in
    one. Rows with a missing x or y are never on the front. Equal points are all on it.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with the bool column ``on_front``.
    """
    for c in (x, y):
        if c not in df.columns:
            raise UserError(f"no column {c!r} for the Pareto front", f"choose among {', '.join(map(str, df.columns))}")
    out = df.copy()
    xv = pd.to_numeric(out[x], errors="coerce").to_numpy(dtype=float)
    yv = pd.to_numeric(out[y], errors="coerce").to_numpy(dtype=float)
    if not x_lower_is_better:
        xv = -xv
    valid = ~(np.isnan(xv) | np.isnan(yv))
    on = np.zeros(len(out), dtype=bool)
    idx = np.flatnonzero(valid)
    if idx.size:
        xs, ys = xv[idx], yv[idx]
        order = np.lexsort((-ys, xs))  # by x ascending, best y first among equal x
        xs_o, ys_o = xs[order], ys[order]
        # best y among points with strictly smaller x
        new_x = np.r_[True, xs_o[1:] != xs_o[:-1]]
        group = np.cumsum(new_x) - 1
        group_best = np.maximum.reduceat(ys_o, np.flatnonzero(new_x))
        before = np.r_[-np.inf, np.maximum.accumulate(group_best)[:-1]]
        not_dominated = (ys_o > before[group]) & (ys_o == group_best[group])
        on[idx[order]] = not_dominated
    out["on_front"] = on
    return out
