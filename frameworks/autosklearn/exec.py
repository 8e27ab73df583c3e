"""auto-sklearn 0.15: AutoSklearnClassifier / AutoSklearnRegressor within the job's budget.

``time_left_for_this_task`` is FIT_SHARE of the budget (auto-sklearn needs at least 30 s; a
shorter budget is a framework_error saying so), each model evaluation may take a tenth of
it but at least PER_RUN_MIN_S, ``memory_limit`` is the job's memory split over its workers
(at least auto-sklearn's default 3072 MB per evaluation, as AMLB sets it), ``n_jobs`` the
job's cores, and its temporary folder lives in the job's work dir and is deleted after the
fit. The task's main metric is optimised (multiclass AUC, which auto-sklearn lacks, becomes
log loss).

The ``askl2`` param selects auto-sklearn 2.0 (``AutoSklearn2Classifier``, the preset
``autosklearn2``). It is classification only: on a regression task the adapter falls back to
``AutoSklearnRegressor``, as AMLB does, and says so in the result's info.
"""
import os

import autosklearn
import autosklearn.metrics as metrics
import numpy as np
from amlb_adapter import Fitted
from autosklearn.estimators import AutoSklearnClassifier, AutoSklearnRegressor

FIT_SHARE = 0.8
MIN_TASK_S = 30
PER_RUN_MIN_S = 10
MIN_MEMORY_PER_WORKER_MB = 3072
#: the runner's metric names -> auto-sklearn's scorers
METRICS = {"auc": metrics.roc_auc, "logloss": metrics.log_loss, "acc": metrics.accuracy,
           "balacc": metrics.balanced_accuracy, "rmse": metrics.root_mean_squared_error,
           "mae": metrics.mean_absolute_error, "r2": metrics.r2}


def version():
    return autosklearn.__version__


def _metric(config):
    if config.metric == "auc" and config.type == "multiclass":
        return metrics.log_loss
    return METRICS.get(config.metric)


def fit(train, config):
    params = dict(config.params)
    askl2 = bool(params.pop("askl2", False))
    classification = config.class_labels is not None
    note = None
    if askl2 and classification:
        from autosklearn.experimental.askl2 import AutoSklearn2Classifier  # noqa: PLC0415 - trains selectors on import

        estimator = AutoSklearn2Classifier
    elif classification:
        estimator = AutoSklearnClassifier
    else:
        estimator = AutoSklearnRegressor
        if askl2:
            note = "auto-sklearn 2.0 has no regressor: AutoSklearnRegressor ran instead (as in AMLB)"
    time_left = int(FIT_SHARE * config.budget_seconds)
    if time_left < MIN_TASK_S:
        raise ValueError(f"auto-sklearn needs at least {MIN_TASK_S} s for its search, this job's budget gives "
                         f"{time_left} s ({FIT_SHARE:.0%} of {config.budget_seconds:.0f} s): "
                         f"use a budget of at least {int(np.ceil(MIN_TASK_S / FIT_SHARE))} s")
    n_jobs = max(1, config.cores)
    memory_limit = max(MIN_MEMORY_PER_WORKER_MB, (config.memory_mb or 0) // n_jobs)
    settings = {
        "time_left_for_this_task": time_left,
        "per_run_time_limit": max(PER_RUN_MIN_S, time_left // 10),
        "memory_limit": memory_limit,
        "n_jobs": n_jobs,
        "seed": config.seed,
        "metric": _metric(config),
        "tmp_folder": os.path.join(config.work_dir, "autosklearn_tmp"),
        "delete_tmp_folder_after_terminate": True,
        **params,
    }
    automl = estimator(**settings)
    y = train.y.astype(str).to_numpy() if classification else train.y.to_numpy()
    automl.fit(train.X, y)

    def predict_proba(X_new):
        proba = np.asarray(automl.predict_proba(X_new))
        out = np.zeros((len(X_new), len(config.class_labels)))
        for j, label in enumerate(automl.classes_):
            out[:, config.class_labels.index(str(label))] = proba[:, j]
        return out

    runs = automl.automl_.runhistory_.data
    info = {"estimator": estimator.__name__, "metric": settings["metric"].name if settings["metric"] else None,
            "time_left_for_this_task": time_left, "per_run_time_limit": settings["per_run_time_limit"],
            "memory_limit_mb": memory_limit, "runs": len(runs)}
    if note:
        info["note"] = note
    return Fitted(predict=automl.predict, predict_proba=predict_proba if classification else None,
                  models_count=len(automl.get_models_with_weights()), info=info)
