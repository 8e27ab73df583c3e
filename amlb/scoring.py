"""Validate a framework's predictions and score them, by the runner (never by the adapter).

``result`` is the task's main metric with lower-is-better metrics negated, as AMLB does:
binary ``auc``, multiclass ``neg_logloss``, regression ``neg_rmse``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from amlb.metrics import Inputs, compute
from amlb.record import DEFAULT_METRIC, LOWER_IS_BETTER, TYPE_METRICS

if TYPE_CHECKING:
    import pandas as pd

PROBA_TOLERANCE = 1e-2
#: probability columns are named PROBA_PREFIX + class label (as amlb_adapter writes them), so a class
#: label can never collide with the "prediction" column
PROBA_PREFIX = "proba_"


class InvalidPredictions(ValueError):
    """The predictions cannot be scored: wrong length, NaN, unknown labels, bad probabilities."""


@dataclass
class Score:
    metric: str  # e.g. "auc", "neg_logloss"
    result: float
    metrics: dict[str, float]


def main_metric(task_type: str, override: str | None = None) -> str:
    name = override or DEFAULT_METRIC[task_type]
    return f"neg_{name}" if name in LOWER_IS_BETTER else name


def _probabilities(predictions: pd.DataFrame, labels: list[str], predicted: np.ndarray) -> np.ndarray:
    wanted = [PROBA_PREFIX + c for c in labels]
    cols = [c for c in wanted if c in predictions.columns]
    if not cols:  # no probabilities: one-hot of the predicted labels
        return (predicted[:, None] == np.asarray(labels)[None, :]).astype(float)
    if len(cols) != len(labels):
        missing = sorted(label for label, c in zip(labels, wanted) if c not in predictions.columns)
        raise InvalidPredictions(f"probability columns missing for classes {missing}")
    proba = predictions[wanted].to_numpy(dtype=float)
    if not np.isfinite(proba).all():
        raise InvalidPredictions("probabilities contain NaN or infinite values")
    if (proba < -1e-9).any():
        raise InvalidPredictions("negative probabilities")
    sums = proba.sum(axis=1)
    bad = np.abs(sums - 1) > PROBA_TOLERANCE
    if bad.any():
        raise InvalidPredictions(f"probabilities of {int(bad.sum())} rows do not sum to 1 (e.g. {sums[bad][0]:.4g})")
    return proba / sums[:, None]


def score(task_type: str, truth: pd.Series, predictions: pd.DataFrame, class_labels: list[str] | None,
          metric: str | None = None, extra_metrics: tuple[str, ...] = ()) -> Score:
    """Check predictions against the truth and compute every metric of the task type, the task's
    main ``metric`` and its ``extra_metrics`` (those that apply to the task type)."""
    if predictions.columns.duplicated().any():
        raise InvalidPredictions("duplicate column names in the predictions")
    if "prediction" not in predictions.columns:
        raise InvalidPredictions("no 'prediction' column")
    if len(predictions) != len(truth):
        raise InvalidPredictions(f"{len(predictions)} predictions for {len(truth)} test rows")
    if task_type == "regression":
        import pandas as pd  # noqa: PLC0415 - the runner loads it before its first job; not at start-up

        pred = pd.to_numeric(predictions["prediction"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(pred).all():
            raise InvalidPredictions("predictions contain NaN, infinite or non-numeric values")
        inputs = Inputs(truth=truth.to_numpy(dtype=float), predicted=pred)
    else:
        labels = list(class_labels or [])
        if predictions["prediction"].isna().any():
            raise InvalidPredictions("predicted labels contain missing values")
        predicted = predictions["prediction"].astype(str).to_numpy()
        unknown = sorted(set(predicted) - set(labels))
        if unknown:
            raise InvalidPredictions(f"predicted labels outside the classes: {unknown[:5]}")
        proba = _probabilities(predictions, labels, predicted)
        inputs = Inputs(truth=truth.astype(str).to_numpy(), predicted=predicted, labels=labels, proba=proba)
    name = metric or DEFAULT_METRIC[task_type]
    required = [*TYPE_METRICS[task_type], *([name] if name not in TYPE_METRICS[task_type] else [])]
    values = compute(required, task_type, inputs)
    broken = sorted(k for k, v in values.items() if not np.isfinite(v))
    if broken:  # e.g. regression predictions of 1e200: the squared error overflows
        raise InvalidPredictions(f"the predictions give non-finite {', '.join(broken)} (values too large to score)")
    if name not in values:
        raise InvalidPredictions(f"metric {name} is not computed for {task_type} tasks ({TYPE_METRICS[task_type]})")
    extras = compute([m for m in extra_metrics if m not in values], task_type, inputs)
    values.update({k: v for k, v in extras.items() if np.isfinite(v)})  # one that cannot be computed stays empty
    result = -values[name] if name in LOWER_IS_BETTER else values[name]
    return Score(metric=main_metric(task_type, name), result=result, metrics=values)
