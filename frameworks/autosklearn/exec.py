"""auto-sklearn 0.15: AutoSklearnClassifier / AutoSklearnRegressor within the job's budget.

``time_left_for_this_task`` is FIT_SHARE of the budget less the time the job's process has spent
before the search (a Docker job imports auto-sklearn in its own process, 10-20 s; making an
auto-sklearn 2.0 estimator trains its selector) (auto-sklearn needs at least 30 s; a shorter budget is a framework_error saying so), each model evaluation may take a tenth of
it (auto-sklearn's default) but a third of a short one, up to PER_RUN_SHORT_S (a tenth of 48 s
times out every model on a busy machine), ``memory_limit`` (auto-sklearn's limit per model
evaluation) is the job's memory split over its workers, at least MIN_MEMORY_PER_WORKER_MB
(AMLB's floor is auto-sklearn's default 3072 MB, which exceeds small jobs' limits: a model
too big for the job would then take the whole job down instead of failing alone), ``n_jobs`` the
job's cores, and its temporary folder lives in the job's work dir and is deleted after the
fit. The task's main metric is optimised (multiclass AUC, which auto-sklearn lacks, becomes
log loss).

The ``askl2`` param selects auto-sklearn 2.0 (``AutoSklearn2Classifier``, the preset
``autosklearn2``). It is classification only: on a regression task the adapter falls back to
``AutoSklearnRegressor``, as AMLB does, and says so in the result's info. It has policy
selectors only for AUC, log loss and balanced accuracy (other metrics are a framework_error
saying so); it uses those trained at install time (``askl2_selectors.py``, the preset's
``post_install``), else trains the one it needs in the job's cache dir, counted in the fit.
"""
import collections
import os

import askl2_selectors
import autosklearn
import autosklearn.metrics as metrics
import numpy as np
from amlb_adapter import Fitted, seconds_left
from autosklearn.estimators import AutoSklearnClassifier, AutoSklearnRegressor

FIT_SHARE = 0.8
MIN_TASK_S = 30
PER_RUN_SHORT_S = 30
MIN_MEMORY_PER_WORKER_MB = 1024
#: the metrics auto-sklearn 2.0 has a policy selector for
ASKL2_METRICS = ("roc_auc", "log_loss", "balanced_accuracy")
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


def _spent(config):
    """Seconds the job's process has spent so far (its start, imports, making the estimator)."""
    return config.budget_seconds - seconds_left(config)


def _time_left(budget_seconds, spent_s):
    """Seconds for auto-sklearn's search: FIT_SHARE of the budget less what was spent already."""
    time_left = int(FIT_SHARE * budget_seconds - spent_s)
    if time_left < MIN_TASK_S:
        raise ValueError(f"auto-sklearn needs at least {MIN_TASK_S} s for its search, this job leaves it "
                         f"{time_left} s ({FIT_SHARE:.0%} of {budget_seconds:.0f} s, less {spent_s:.0f} s of setup): "
                         f"use a budget of at least {int(np.ceil((MIN_TASK_S + spent_s) / FIT_SHARE))} s")
    return time_left


def _per_run_limit(time_left):
    """auto-sklearn's default, a tenth of the search, but a third of a short one (at most PER_RUN_SHORT_S)."""
    return max(time_left // 10, min(PER_RUN_SHORT_S, time_left // 3))


def _make(estimator, settings, askl2_metric):
    """The estimator; auto-sklearn 2.0 loads its selector from the environment when it was trained there."""
    if askl2_metric is None or not askl2_selectors.has_selector(askl2_metric.name):
        return estimator(**settings)
    job_cache = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = askl2_selectors.selector_home()
    try:
        return estimator(**settings)
    finally:
        if job_cache is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = job_cache


def fit(train, config):
    params = dict(config.params)
    askl2 = bool(params.pop("askl2", False))
    classification = config.class_labels is not None
    note = None
    metric = _metric(config)
    if askl2 and classification:
        if metric is None or metric.name not in ASKL2_METRICS:
            raise ValueError(f"auto-sklearn 2.0 optimises only {', '.join(ASKL2_METRICS)}; this task's metric is "
                             f"{config.metric}: run autosklearn instead")
        from autosklearn.experimental.askl2 import AutoSklearn2Classifier  # noqa: PLC0415 - only when asked

        estimator = AutoSklearn2Classifier
    elif classification:
        estimator = AutoSklearnClassifier
    else:
        estimator = AutoSklearnRegressor
        if askl2:
            note = "auto-sklearn 2.0 has no regressor: AutoSklearnRegressor ran instead (as in AMLB)"
    n_jobs = max(1, config.cores)
    memory_limit = max(MIN_MEMORY_PER_WORKER_MB, (config.memory_mb or 0) // n_jobs)
    settings = {
        "time_left_for_this_task": _time_left(config.budget_seconds, _spent(config)),
        "memory_limit": memory_limit,
        "n_jobs": n_jobs,
        "seed": config.seed,
        "metric": metric,
        "tmp_folder": os.path.join(config.work_dir, "autosklearn_tmp"),
        "delete_tmp_folder_after_terminate": True,
        **params,
    }
    settings.setdefault("per_run_time_limit", _per_run_limit(settings["time_left_for_this_task"]))
    automl = _make(estimator, settings, metric if askl2 else None)
    # auto-sklearn 2.0 trains its policy selector when it is made: that time comes off the search's time
    if "time_left_for_this_task" not in params:
        automl.time_left_for_this_task = _time_left(config.budget_seconds, _spent(config))
    setup_s = _spent(config)
    time_left = automl.time_left_for_this_task
    if "per_run_time_limit" not in params:
        automl.per_run_time_limit = _per_run_limit(time_left)
    y = train.y.astype(str).to_numpy() if classification else train.y.to_numpy()
    automl.fit(train.X, y)

    def predict_proba(X_new):
        proba = np.asarray(automl.predict_proba(X_new))
        out = np.zeros((len(X_new), len(config.class_labels)))
        for j, label in enumerate(automl.classes_):
            out[:, config.class_labels.index(str(label))] = proba[:, j]
        return out

    runs = automl.automl_.runhistory_.data
    statuses = collections.Counter(str(value.status).split(".")[-1].lower() for value in runs.values())
    info = {"estimator": estimator.__name__, "metric": metric.name if metric else None,
            "time_left_for_this_task": time_left, "per_run_time_limit": automl.per_run_time_limit,
            "setup_s": round(setup_s, 1),
            "memory_limit_mb": memory_limit, "runs": len(runs), "run_statuses": dict(statuses)}
    finished = statuses.get("success", 0) + statuses.get("donotadvance", 0)  # donotadvance: done at a lower budget
    if finished <= 1:  # the first run is auto-sklearn's dummy model: maybe nothing else counts
        note = ((note + "; ") if note else "") + (f"at most one model (auto-sklearn's dummy first) finished within "
                                                   f"the budget (runs: {dict(statuses)})")
    if note:
        info["note"] = note
    return Fitted(predict=automl.predict, predict_proba=predict_proba if classification else None,
                  models_count=len(automl.get_models_with_weights()), info=info)
