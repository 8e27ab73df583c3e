"""The metrics the runner can score, with their direction and the task types they apply to.

The names and definitions are AMLB's (``metric:`` in its benchmark files): a task's
``metric`` is one name or a list whose first name is optimised and reported as ``result``
(lower-is-better metrics negated, ``neg_rmse``); the others are scored too, each in its
own ``results.csv`` column. The seven metrics every job gets (acc, auc, balacc, logloss,
rmse, mae, r2) are computed in NumPy (:mod:`amlb.metrics_numpy`); the others with scikit-learn,
imported when one is first used. Multiclass AUC and F-scores are weighted averages over the
classes, as in AMLB. ``mape``, ``smape`` and ``wape`` score regression tasks here (AMLB
defines them for its time-series tasks, which amlb does not run).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amlb.errors import UserError
from amlb.lazy import LazyModule

# imported at the first metric computed: reading a benchmark file checks metric names and must stay quick
np = LazyModule("numpy")
npm = LazyModule("amlb.metrics_numpy")  # the seven per-job metrics
skm = LazyModule("sklearn.metrics")  # the others

CLASSIFICATION = frozenset({"binary", "multiclass"})
REGRESSION = frozenset({"regression"})


@dataclass(frozen=True)
class Inputs:
    """What a metric reads: the truth and the predictions (labels as text; ``proba`` columns in ``labels`` order)."""

    truth: np.ndarray
    predicted: np.ndarray
    labels: list[str] | None = None
    proba: np.ndarray | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    types: frozenset[str]
    compute: Callable[[Inputs], float]
    description: str


def _sorted_proba(x: Inputs) -> tuple[list[str], np.ndarray]:
    order = np.argsort(x.labels)  # scikit-learn wants the labels sorted, with columns to match
    return [x.labels[i] for i in order], x.proba[:, order]


def _logloss(x: Inputs) -> float:
    return npm.log_loss(x.truth, np.clip(x.proba, 1e-15, 1), x.labels)


def _auc_multi(x: Inputs, how: str) -> float:
    labels, proba = _sorted_proba(x)
    if len(labels) == 2:
        return float(skm.roc_auc_score(x.truth == labels[1], proba[:, 1]))
    return float(skm.roc_auc_score(x.truth, proba, average="weighted", labels=labels, multi_class=how))


def _fbeta(beta: float) -> Callable[[Inputs], float]:
    def compute(x: Inputs) -> float:
        if len(x.labels) == 2:  # binary: the second class (the positive one) is scored, as AMLB does
            return float(skm.fbeta_score(x.truth, x.predicted, beta=beta, pos_label=x.labels[1], average="binary"))
        return float(skm.fbeta_score(x.truth, x.predicted, beta=beta, average="weighted", labels=x.labels,
                                     zero_division=0))
    return compute


def _per_class_errors(x: Inputs) -> np.ndarray:
    cm = skm.confusion_matrix(x.truth, x.predicted, labels=x.labels)
    support = cm.sum(axis=1)
    present = support > 0
    return 1 - np.diag(cm)[present] / support[present]


def _msle(x: Inputs) -> float:
    if (x.truth <= -1).any() or (x.predicted <= -1).any():
        raise ValueError("msle needs truth and predictions above -1")
    return float(skm.mean_squared_log_error(x.truth, x.predicted))


def _smape(x: Inputs) -> float:
    denominator = np.abs(x.truth) + np.abs(x.predicted)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denominator == 0, 0.0, 2 * np.abs(x.predicted - x.truth) / denominator)
    return float(np.mean(ratio))


def _wape(x: Inputs) -> float:
    return float(np.sum(np.abs(x.predicted - x.truth)) / np.sum(np.abs(x.truth)))


_DEFS = [
    Metric("acc", True, CLASSIFICATION, lambda x: npm.accuracy(x.truth, x.predicted), "accuracy"),
    Metric("auc", True, frozenset({"binary"}),
           lambda x: npm.roc_auc(x.truth == x.labels[1], x.proba[:, 1]), "area under the ROC curve"),
    Metric("auc_ovo", True, CLASSIFICATION, lambda x: _auc_multi(x, "ovo"), "AUC one-vs-one, weighted"),
    Metric("auc_ovr", True, CLASSIFICATION, lambda x: _auc_multi(x, "ovr"), "AUC one-vs-rest, weighted"),
    Metric("balacc", True, CLASSIFICATION, lambda x: npm.balanced_accuracy(x.truth, x.predicted),
           "balanced accuracy"),
    Metric("f05", True, CLASSIFICATION, _fbeta(0.5), "F-beta, beta 0.5"),
    Metric("f1", True, CLASSIFICATION, _fbeta(1.0), "F1"),
    Metric("f2", True, CLASSIFICATION, _fbeta(2.0), "F-beta, beta 2"),
    Metric("logloss", False, CLASSIFICATION, _logloss, "log loss"),
    Metric("max_pce", False, CLASSIFICATION, lambda x: float(_per_class_errors(x).max()), "maximum per-class error"),
    Metric("mean_pce", False, CLASSIFICATION, lambda x: float(_per_class_errors(x).mean()), "mean per-class error"),
    Metric("pr_auc", True, frozenset({"binary"}),
           lambda x: float(skm.average_precision_score(x.truth == x.labels[1], x.proba[:, 1])),
           "area under the precision-recall curve (average precision)"),
    Metric("mae", False, REGRESSION, lambda x: npm.mae(x.truth, x.predicted), "mean absolute error"),
    Metric("mse", False, REGRESSION, lambda x: float(skm.mean_squared_error(x.truth, x.predicted)),
           "mean squared error"),
    Metric("msle", False, REGRESSION, _msle, "mean squared logarithmic error"),
    Metric("rmse", False, REGRESSION, lambda x: npm.rmse(x.truth, x.predicted), "root mean squared error"),
    Metric("rmsle", False, REGRESSION, lambda x: float(np.sqrt(_msle(x))), "root mean squared logarithmic error"),
    Metric("r2", True, REGRESSION, lambda x: npm.r2(x.truth, x.predicted), "R squared"),
    Metric("mape", False, REGRESSION, lambda x: float(skm.mean_absolute_percentage_error(x.truth, x.predicted)),
           "mean absolute percentage error"),
    Metric("smape", False, REGRESSION, _smape, "symmetric mean absolute percentage error"),
    Metric("wape", False, REGRESSION, _wape, "weighted absolute percentage error"),
]
#: every metric the runner scores, by name
METRIC_DEFS: dict[str, Metric] = {m.name: m for m in _DEFS}
#: AMLB's time-series metrics: they need forecasts, quantiles or seasonality, which amlb's tasks do not have
TIMESERIES_ONLY = ("mase", "mql", "wql", "sql")


def metric_names(value: object, where: str) -> tuple[str, ...]:
    """A task's ``metric:`` (a name or a list of names, the first optimised) as checked names.

    Unknown names are refused here, before any job runs.
    """
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
        raise UserError(f"metric of {where} must be a metric name or a list of names, got {value!r}",
                        "e.g. metric: [auc, acc]")
    out: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if name in TIMESERIES_ONLY:
            raise UserError(f"metric '{raw}' of {where} scores time-series forecasts, which amlb does not run",
                            f"use one of {', '.join(METRIC_DEFS)}")
        if name not in METRIC_DEFS:
            raise UserError(f"unknown metric '{raw}' in {where}", f"known metrics: {', '.join(METRIC_DEFS)}")
        if name not in out:
            out.append(name)
    return tuple(out)


def check_main_metric(name: str, task_type: str, where: str) -> None:
    """The optimised metric must apply to the task's type (AUC to binary tasks, rmse to regression ...)."""
    metric = METRIC_DEFS[name]
    if task_type not in metric.types:
        fitting = [m for m, d in METRIC_DEFS.items() if task_type in d.types]
        hint = "use auc_ovr or auc_ovo for multiclass AUC" if name in ("auc", "pr_auc") and task_type == "multiclass" \
            else f"for {task_type} tasks use one of {', '.join(fitting)}"
        raise UserError(f"metric '{name}' of {where} does not apply to its {task_type} task", hint)


def task_metrics(spec, task_type: str, defaults: dict) -> Any:
    """The task spec with its metrics settled for its type: its own ``metric:``, else the configured
    list for the type (``metrics.TYPE``, AMLB's ``benchmarks.metrics``), else amlb's default; the
    optimised one must apply to the type (refused before any job runs)."""
    from dataclasses import replace  # noqa: PLC0415

    where = f"task '{spec.name}' ({spec.source_file})"
    if spec.metric is None and defaults.get(task_type):
        names = metric_names(defaults[task_type], f"config key metrics.{task_type}")
        spec = replace(spec, metric=names[0], extra_metrics=names[1:])
    if spec.metric:
        check_main_metric(spec.metric, task_type, where)
    return spec


def compute(names: list[str] | tuple[str, ...], task_type: str, inputs: Inputs) -> dict[str, float]:
    """The values of the named metrics that apply to ``task_type`` (a metric that cannot be computed is NaN)."""
    values: dict[str, float] = {}
    for name in names:
        metric = METRIC_DEFS[name]
        if task_type not in metric.types:
            continue
        try:
            with np.errstate(all="ignore"):
                values[name] = metric.compute(inputs)
        except ValueError:  # e.g. msle of negative values, AUC of a fold with one class
            values[name] = float("nan")
    return values
