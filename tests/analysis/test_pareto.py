"""Pareto fronts."""
from __future__ import annotations

import numpy as np
import pandas as pd

from amlb.analysis import pareto_front


def _brute_force(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    on = np.zeros(len(x), dtype=bool)
    for i in range(len(x)):
        if np.isnan(x[i]) or np.isnan(y[i]):
            continue
        dominated = (x <= x[i]) & (y >= y[i]) & ((x < x[i]) | (y > y[i]))
        on[i] = not dominated.any()
    return on


def test_front_matches_brute_force():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, 300).astype(float)  # many equal x
    y = rng.integers(0, 20, 300).astype(float)
    x[:5] = np.nan
    df = pd.DataFrame({"x": x, "y": y})
    got = pareto_front(df, "x", "y")["on_front"].to_numpy()
    np.testing.assert_array_equal(got, _brute_force(x, y))
    got_hi = pareto_front(df, "x", "y", x_lower_is_better=False)["on_front"].to_numpy()
    np.testing.assert_array_equal(got_hi, _brute_force(-x, y))


def test_small_example():
    df = pd.DataFrame({"framework": list("abcde"), "t": [1.0, 2.0, 2.0, 3.0, 0.5], "s": [0.5, 0.9, 0.8, 0.9, 0.1]})
    out = pareto_front(df, "t", "s")
    assert list(out["framework"][out["on_front"]]) == ["a", "b", "e"]
