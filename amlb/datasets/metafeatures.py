"""Task meta-features: one set of names for every source.

Computed from the typed dataset (features and target as the folds see them), or
taken from OpenML's data qualities where OpenML has them. OpenML counts the target
among the features (``NumberOfFeatures``, ``NumberOfSymbolicFeatures``,
``NumberOfNumericFeatures``) and among the missing values; :func:`from_openml_qualities`
takes it out so the numbers mean the same as the computed ones.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

#: the meta-feature names, the same for every source
META_FEATURES: tuple[str, ...] = (
    "n_rows",
    "n_features",
    "n_numeric_features",
    "n_categorical_features",
    "n_classes",
    "n_missing_values",
    "n_rows_with_missing_values",
    "missing_values_ratio",
    "rows_with_missing_values_ratio",
    "majority_class_size",
    "minority_class_size",
)

#: meta-feature -> the OpenML data quality it corresponds to
OPENML_QUALITIES: dict[str, str] = {
    "n_rows": "NumberOfInstances",
    "n_features": "NumberOfFeatures",
    "n_numeric_features": "NumberOfNumericFeatures",
    "n_categorical_features": "NumberOfSymbolicFeatures",
    "n_classes": "NumberOfClasses",
    "n_missing_values": "NumberOfMissingValues",
    "n_rows_with_missing_values": "NumberOfInstancesWithMissingValues",
    "majority_class_size": "MajorityClassSize",
    "minority_class_size": "MinorityClassSize",
}


def is_categorical(column: pd.Series) -> bool:
    """True for a categorical feature (category, string, object or bool dtype)."""
    return not pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)


def compute(frame: pd.DataFrame, target: str, task_type: str) -> dict[str, Any]:
    """The meta-features of ``frame`` (features and ``target``), computed."""
    features = frame.drop(columns=[target])
    n_rows, n_features = features.shape
    n_categorical = sum(is_categorical(features[c]) for c in features.columns)
    missing = features.isna()
    n_missing = int(missing.to_numpy().sum()) if n_features else 0
    n_rows_missing = int(missing.any(axis=1).sum()) if n_features else 0
    result: dict[str, Any] = {
        "n_rows": int(n_rows),
        "n_features": int(n_features),
        "n_numeric_features": int(n_features - n_categorical),
        "n_categorical_features": int(n_categorical),
        "n_missing_values": n_missing,
        "n_rows_with_missing_values": n_rows_missing,
    }
    if task_type == "regression":
        result.update(n_classes=0, majority_class_size=None, minority_class_size=None)
    else:
        counts = frame[target].value_counts()
        counts = counts[counts > 0]
        result.update(
            n_classes=int(len(counts)),
            majority_class_size=int(counts.max()) if len(counts) else 0,
            minority_class_size=int(counts.min()) if len(counts) else 0,
        )
    return with_ratios(result)


def with_ratios(values: dict[str, Any]) -> dict[str, Any]:
    """Add the ratios derived from the counts, in :data:`META_FEATURES` order."""
    n_rows, n_features = values.get("n_rows"), values.get("n_features")
    cells = (n_rows or 0) * (n_features or 0)
    if values.get("n_missing_values") is not None and cells:
        values["missing_values_ratio"] = values["n_missing_values"] / cells
    else:
        values.setdefault("missing_values_ratio", 0.0 if cells else None)
    if values.get("n_rows_with_missing_values") is not None and n_rows:
        values["rows_with_missing_values_ratio"] = values["n_rows_with_missing_values"] / n_rows
    else:
        values.setdefault("rows_with_missing_values_ratio", None)
    return {name: values.get(name) for name in META_FEATURES}


def from_openml_qualities(
    qualities: dict[str, float] | None,
    computed: dict[str, Any],
    target_is_nominal: bool,
    target_missing: int,
    extra_columns: int,
) -> tuple[dict[str, Any], list[str]]:
    """Meta-features from OpenML qualities, falling back to ``computed`` per name.

    Parameters
    ----------
    qualities
        OpenML's data qualities of the dataset (None or empty: none available).
    computed
        The meta-features computed from the typed dataset.
    target_is_nominal
        Whether OpenML counts the target among the symbolic features.
    target_missing
        Missing values in the target column (those rows are dropped here).
    extra_columns
        Attributes OpenML counts that are no features here (ignored, row id).
        With any, the feature counts are taken from the computed values.

    Returns
    -------
    tuple
        The meta-features and the names taken from OpenML.
    """
    if not qualities:
        return dict(computed), []
    # OpenML counts the target as an attribute; with ignored/row-id attributes or rows
    # dropped for a missing target, the counts they touch are taken from the data.
    adjust = {"n_features": 1, "n_categorical_features": int(target_is_nominal), "n_numeric_features": int(not target_is_nominal)}
    skip: set[str] = set()
    if extra_columns:
        skip |= {"n_features", "n_categorical_features", "n_numeric_features", "n_missing_values", "n_rows_with_missing_values"}
    if target_missing:
        skip |= {"n_rows", "n_missing_values", "n_rows_with_missing_values"}
    if computed.get("n_classes") == 0:
        skip |= {"n_classes", "majority_class_size", "minority_class_size"}  # regression
    values: dict[str, Any] = {}
    taken: list[str] = []
    for name in META_FEATURES:
        quality = OPENML_QUALITIES.get(name)
        raw = qualities.get(quality) if quality else None
        if name not in skip and raw is not None and not pd.isna(raw):
            values[name] = int(raw) - adjust.get(name, 0)
            taken.append(name)
        else:
            values[name] = computed.get(name)
    values.pop("missing_values_ratio", None)
    values.pop("rows_with_missing_values_ratio", None)
    return with_ratios(values), taken
