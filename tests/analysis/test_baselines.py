"""The constant predictor shared across constraints (AMLB ran it once, not per constraint)."""
from __future__ import annotations

import pandas as pd
import pytest

from amlb.analysis.baselines import borrow_constant_predictor


def _rows(constraint: str, frameworks: list[str], typ: str = "binary") -> list[dict]:
    return [{"task": "t", "fold": 0, "type": typ, "constraint": constraint, "framework": fw, "result": 0.5 + i / 10}
            for i, fw in enumerate(frameworks)]


def test_a_constraint_without_it_borrows_from_the_closest_named_sibling():
    df = pd.DataFrame(_rows("1h8c_gp3", ["constantpredictor", "A"]) + _rows("4h8c", ["constantpredictor", "A"])
                      + _rows("4h8c_gp3", ["A"]) + _rows("4h8c_gp3", ["A"], typ="regression"))
    out, borrowed = borrow_constant_predictor(df)
    assert borrowed == {("binary", "4h8c_gp3"): "4h8c"}  # not 1h8c_gp3: "4h8c" shares the longer prefix
    added = out[out["borrowed_from"].notna()]
    assert list(added[["constraint", "framework", "borrowed_from"]].iloc[0]) == ["4h8c_gp3", "constantpredictor", "4h8c"]
    assert len(out) == len(df) + 1  # no donor of type regression: nothing invented
    assert out.iloc[: len(df)][df.columns].equals(df)  # the original rows untouched


def test_groups_that_have_it_keep_theirs_and_a_constraint_column_is_required():
    df = pd.DataFrame(_rows("a", ["constantpredictor", "A"]) + _rows("b", ["constantpredictor", "A"]))
    out, borrowed = borrow_constant_predictor(df)
    assert borrowed == {} and out is df
    with pytest.raises(ValueError, match="constraint"):
        borrow_constant_predictor(df.drop(columns="constraint"))
