"""Typing a dataset for a task: target and task type (declared or inferred), feature
dtypes, the target's labels. Each inference leaves a note that ``amlb datasets info``
shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from amlb.datasets.api import TASK_TYPES
from amlb.errors import DataError, UserError

#: column names taken as the target when none is declared (case-insensitive)
TARGET_NAMES = ("target", "class", "label", "y")


@dataclass
class TargetChoice:
    """The task's target and type, with how each was decided."""

    target: str
    type: str
    class_labels: list[str] | None
    target_note: str
    type_note: str
    notes: list[str] = field(default_factory=list)


def categorize_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn text (object/str) columns into pandas categoricals; leave the rest."""
    converted = {}
    for name in frame.columns:
        dtype = frame[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            continue
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            converted[name] = frame[name].astype("category")
    return frame.assign(**converted) if converted else frame


def choose_target(columns: list[str], declared: str | None, default: str | None, default_note: str, name: str) -> tuple[str, str]:
    """The target column and a note on how it was chosen.

    Order: the declared target, the source's default (``default_note`` says which),
    a column named one of :data:`TARGET_NAMES`, the last column.
    """
    if declared:
        if declared not in columns:
            raise DataError(
                f"{name}: target column {declared!r} not found (columns: {_some(columns)})",
                "fix `target:` in the benchmark definition",
            )
        return declared, "declared in the task definition"
    if default and default in columns:
        return default, default_note
    lower = {c.lower(): c for c in columns}
    for candidate in TARGET_NAMES:
        if candidate in lower:
            return lower[candidate], f"inferred: the column named {lower[candidate]!r} (no target declared)"
    if not columns:
        raise DataError(f"{name}: the dataset has no columns", "check the data file")
    return columns[-1], "inferred: the last column (no target declared and no column named target/class/label/y)"


def choose_type(target: pd.Series, declared: str | None, name: str,
                declared_note: str = "declared in the task definition") -> tuple[str, str]:
    """The task type for ``target`` and a note on how it was chosen."""
    values = target.dropna()
    n_distinct = int(values.nunique())
    if declared:
        if declared == "classification":
            declared = "binary" if n_distinct <= 2 else "multiclass"
        if declared not in TASK_TYPES:
            raise UserError(f"{name}: unknown task type {declared!r}", f"use one of {', '.join(TASK_TYPES)}")
        if declared == "regression" and not pd.api.types.is_numeric_dtype(values.dtype):
            raise DataError(f"{name}: regression target {target.name!r} is not numeric", "declare a classification type")
        if declared == "binary" and n_distinct > 2:
            raise DataError(f"{name}: binary target {target.name!r} has {n_distinct} classes", "declare type: multiclass")
        return declared, declared_note
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        kind = "binary" if n_distinct <= 2 else "multiclass"
        return kind, f"inferred: the target is categorical with {n_distinct} classes"
    if pd.api.types.is_integer_dtype(dtype) or _all_integral(values):
        if n_distinct <= 2:
            return "binary", "inferred: the target is numeric with 2 distinct integer values (declare `type: regression` otherwise)"
        return "regression", f"inferred: the target is numeric ({n_distinct} distinct integer values; declare `type: multiclass` if they are classes)"
    return "regression", "inferred: the target is numeric"


def _all_integral(values: pd.Series) -> bool:
    array = values.to_numpy(dtype=float, na_value=np.nan)
    return bool(len(array)) and bool(np.all(np.isfinite(array)) and np.all(array == np.round(array)))


def labels_of(target: pd.Series) -> list[str]:
    """The class labels of a classification target, as strings, in a fixed order.

    A categorical keeps its declared category order (unused categories dropped);
    numbers sort numerically, other values as text.
    """
    values = target.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.unique())
        return [str(c) for c in values.cat.categories if c in present]
    unique = values.unique()
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        unique = np.sort(unique)
        if _all_integral(pd.Series(unique)):
            return [str(int(v)) for v in unique]
        return [str(v) for v in unique]
    return sorted(str(v) for v in unique)


def cast_target(target: pd.Series, task_type: str, class_labels: list[str] | None) -> pd.Series:
    """The target typed for the task: category of string labels, or float."""
    if task_type == "regression":
        return target.astype("float64")
    if pd.api.types.is_numeric_dtype(target.dtype) and not pd.api.types.is_bool_dtype(target.dtype):
        integral = _all_integral(target.dropna())
        text = (target.astype("Int64") if integral else target).astype("string").astype(object).where(target.notna(), None)
    else:
        text = target.astype("string").astype(object).where(target.notna(), None)
    return pd.Series(pd.Categorical(text, categories=class_labels), index=target.index, name=target.name)


def choose(frame: pd.DataFrame, name: str, declared_target: str | None, declared_type: str | None,
           default_target: str | None = None, default_note: str = "", features: list[str] | None = None,
           type_note: str = "declared in the task definition") -> TargetChoice:
    """Decide target, type and labels of a typed dataset; check it is usable.

    Raises
    ------
    DataError
        Target missing, dataset empty, target all missing, fewer than two classes.
    """
    if frame.shape[0] == 0:
        raise DataError(f"{name}: the dataset is empty (no rows)", "check the data file")
    target, target_note = choose_target(list(frame.columns), declared_target, default_target, default_note, name)
    column = frame[target]
    n_missing = int(column.isna().sum())
    if n_missing == len(column):
        raise DataError(f"{name}: target {target!r} is missing in every row", "declare another `target:`")
    feature_columns = features if features is not None else [c for c in frame.columns if c != target]
    if not feature_columns:
        raise DataError(f"{name}: no feature columns besides the target {target!r}", "check the data file")
    task_type, type_note = choose_type(column, declared_type, name, type_note)
    notes = []
    if n_missing:
        notes.append(f"{n_missing} row(s) with a missing target are left out")
    labels = None
    if task_type != "regression":
        labels = labels_of(column)
        if len(labels) < 2:
            raise DataError(f"{name}: target {target!r} has a single class ({_some(labels)})", "declare another `target:`")
    return TargetChoice(target, task_type, labels, target_note, type_note, notes)


def task_frame(frame: pd.DataFrame, features: list[str], choice: TargetChoice) -> pd.DataFrame:
    """Features plus the typed target, rows with a missing target dropped."""
    target = cast_target(frame[choice.target], choice.type, choice.class_labels)
    result = frame[features].assign(**{choice.target: target})
    keep = target.notna().to_numpy()
    return result if keep.all() else result.loc[keep]


def _some(items: list, limit: int = 8) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (", ..." if len(items) > limit else "")
