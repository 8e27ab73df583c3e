"""mljar-supervised: AutoML.fit in a fresh results directory, within a share of the job's budget.

mljar checks its ``total_time_limit`` only between models, so a model started late, the ensemble
and the stacked models finish after it, and after training each model it computes metrics over a
sweep of thresholds (hundreds of scikit-learn calls for a binary task) that its planning does not
count: the adapter gives it ``FIT_SHARE`` of the budget left when ``fit`` starts (measured
on this machine, see framework.yaml). mljar returns the model already in ``results_path`` without
training when that directory exists, so every job gets a new one inside its own work directory.
Explanations (SHAP, permutation importance, plots) are not scored, so ``explain_level`` is 0
unless the params ask for them. Probabilities come from ``predict_all``, whose
``prediction_<label>`` columns name their class, and are reordered to the runner's class order.
Joblib's reusable worker processes (loky) and its resource tracker are stopped before ``fit`` returns.

mljar draws about ten matplotlib figures per model (confusion matrices, ROC, lift and learning
curves) and leaderboard plots for its Markdown report, whatever ``explain_level`` says; nothing
here reads them, and on a loaded 2-core machine they took longer than training the models
(5-15 s per model). With the param ``plots: false`` (the default in framework.yaml) the adapter
replaces mljar's plotting functions by no-ops for the job; ``plots: true`` keeps them.
"""
import math
import os
import uuid

import numpy as np
import supervised
from amlb_adapter import Fitted, seconds_left, stop_joblib_workers
from supervised.automl import AutoML

#: the runner's metric names -> mljar's (None: mljar has no such metric, it uses its default)
METRICS = {"auc": "auc", "logloss": "logloss", "acc": "accuracy", "rmse": "rmse", "mae": "mae", "r2": "r2",
           "balacc": None}
#: metrics mljar accepts per task (its documented lists)
ALLOWED = {"binary": {"logloss", "auc", "accuracy", "f1", "average_precision"},
           "multiclass": {"logloss", "accuracy", "f1"},
           "regression": {"rmse", "mse", "mae", "r2", "mape", "spearman", "pearson"}}
ML_TASKS = {"binary": "binary_classification", "multiclass": "multiclass_classification",
            "regression": "regression"}
#: must equal fit_share in framework.yaml
FIT_SHARE = 0.6
PREFIX = "prediction_"


def version():
    return supervised.__version__


def eval_metric(config):
    metric = METRICS.get(config.metric)
    return metric if metric in ALLOWED[config.type] else "auto"


def skip_plots():
    """Replace mljar's report plotting (figures only; models, metrics and README tables are kept) by no-ops."""
    from supervised.utils.additional_plots import AdditionalPlots  # noqa: PLC0415
    from supervised.utils.automl_plots import AutoMLPlots  # noqa: PLC0415
    from supervised.utils.leaderboard_plots import LeaderboardPlots  # noqa: PLC0415
    from supervised.utils.learning_curves import LearningCurves  # noqa: PLC0415

    def no_figures(*args, **kwargs):
        return []

    for owner, name in [(AdditionalPlots, "plots_binary"), (AdditionalPlots, "plots_multiclass"),
                        (AdditionalPlots, "plots_regression"), (LearningCurves, "plot"),
                        (LearningCurves, "plot_for_ensemble"), (LeaderboardPlots, "compute"),
                        (AutoMLPlots, "add")]:
        setattr(owner, name, staticmethod(no_figures))


def fit(train, config):
    params = dict(config.params)
    if not params.pop("plots", False):
        skip_plots()
    classification = config.class_labels is not None
    results_path = os.path.join(config.work_dir, f"mljar-{uuid.uuid4().hex[:8]}")  # must not exist yet
    settings = {
        "results_path": results_path,
        "total_time_limit": max(1, math.floor(FIT_SHARE * seconds_left(config))),
        "ml_task": ML_TASKS[config.type],
        "eval_metric": eval_metric(config),
        "n_jobs": config.cores,
        "random_state": config.seed,
        "explain_level": 0,
        "verbose": 0,
        **params,
    }
    y = train.y.astype(str) if classification else train.y
    automl = AutoML(**settings)
    try:
        automl.fit(train.X, y)
    finally:
        stop_joblib_workers()

    def predict_proba(X_new):
        frame = automl.predict_all(X_new)
        out = np.zeros((len(X_new), len(config.class_labels)))
        for column in frame.columns:
            if column.startswith(PREFIX):
                out[:, config.class_labels.index(column[len(PREFIX):])] = frame[column].to_numpy()
        return out

    def predict(X_new):
        values = automl.predict(X_new)
        return values.astype(str) if classification else values

    leaderboard = automl.get_leaderboard()
    best = automl._best_model  # noqa: SLF001 - mljar exposes the best model only through this attribute
    return Fitted(predict=predict, predict_proba=predict_proba if classification else None,
                  models_count=len(leaderboard),
                  info={"best_model": best.get_name() if best is not None else None,
                        "metric": automl._get_eval_metric(),  # noqa: SLF001 - "auto" resolved
                        "mode": settings.get("mode", "Explain"),
                        "total_time_limit": settings["total_time_limit"]})
