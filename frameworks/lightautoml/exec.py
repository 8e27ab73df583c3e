"""LightAutoML: TabularAutoML.fit_predict within a share of the job's budget, on its cores and memory.

TabularAutoML assumes 4 cores and 16 GB unless told, so ``cpu_limit`` and ``memory_limit`` (whole
GB) come from the job, as do the reader's seed and threads; torch gets the job's cores too. It
stops early by itself on small data; the ``timeout`` is ``FIT_SHARE`` of the budget left when
``fit`` starts so that a search that uses all of it still leaves time for predicting. Metrics are mapped to its names
(rmse -> mse, which it minimises to the same model). Its reader maps class labels to column
indices in order of frequency (``reader.class_mapping``): probabilities are put back in the
runner's class order through that mapping; a binary task returns the probability of the label
mapped to 1 only.

The reader guesses column roles with ``n_jobs`` joblib processes; each imports torch and
LightAutoML first, which took 40 s on this loaded machine for a 569-row table, so the reader gets
the job's cores only from ``PARALLEL_READER_CELLS`` cells up, else one. Joblib's workers and the
resource trackers it and torch start are stopped before ``fit`` returns.
"""
import importlib.metadata
import logging
import math

import numpy as np
import torch
from amlb_adapter import Fitted, seconds_left, stop_joblib_workers
from lightautoml.automl.presets.tabular_presets import TabularAutoML
from lightautoml.tasks import Task

#: the runner's task types -> LightAutoML's
TASKS = {"binary": "binary", "multiclass": "multiclass", "regression": "reg"}
#: (task, the runner's metric) -> LightAutoML's metric; others use its default for the task
METRICS = {("binary", "auc"): "auc", ("binary", "logloss"): "logloss", ("binary", "acc"): "accuracy",
           ("multiclass", "auc"): "auc", ("multiclass", "logloss"): "crossentropy",
           ("multiclass", "acc"): "accuracy",
           ("regression", "rmse"): "mse", ("regression", "mae"): "mae", ("regression", "r2"): "r2"}
#: must equal fit_share in framework.yaml
FIT_SHARE = 0.7
#: tables with at least this many cells (rows x columns) are read with the job's cores
PARALLEL_READER_CELLS = 1_000_000


def version():
    return importlib.metadata.version("lightautoml")


def quiet_logging():
    """Keep LightAutoML's own log to warnings (its INFO lines with ANSI colours flood the job log)."""
    logging.getLogger("lightautoml").setLevel(logging.WARNING)


def fit(train, config):
    quiet_logging()
    torch.set_num_threads(config.cores)
    metric = METRICS.get((config.type, config.metric))
    task = Task(TASKS[config.type], metric=metric) if metric else Task(TASKS[config.type])
    memory_gb = max(1, math.floor(config.memory_mb / 1024)) if config.memory_mb else 16
    settings = {
        "timeout": max(1, math.floor(FIT_SHARE * seconds_left(config))),
        "cpu_limit": config.cores,
        "memory_limit": memory_gb,
        "gpu_ids": None,
        "reader_params": {"random_state": config.seed,
                          "n_jobs": config.cores if train.X.size >= PARALLEL_READER_CELLS else 1},
        **config.params,
    }
    classification = config.class_labels is not None
    frame = train.X.copy()
    target = "__target__"
    frame[target] = train.y.astype(str).to_numpy() if classification else train.y.to_numpy()
    automl = TabularAutoML(task=task, **settings)
    try:
        automl.fit_predict(frame, roles={"target": target}, verbose=0)
    finally:
        stop_joblib_workers()

    mapping = automl.reader.class_mapping  # label -> column index; None when labels are already 0..k-1

    def column_of(label):
        return mapping[label] if mapping is not None else int(label)

    def predict_proba(X_new):
        raw = np.asarray(automl.predict(X_new).data, dtype="float64")
        out = np.zeros((len(X_new), len(config.class_labels)))
        if config.type == "binary":
            positive = raw[:, 0] if raw.ndim == 2 else raw
            for label in config.class_labels:
                out[:, config.class_labels.index(label)] = positive if column_of(label) == 1 else 1.0 - positive
        else:
            for label in config.class_labels:
                out[:, config.class_labels.index(label)] = raw[:, column_of(label)]
        return out

    def predict(X_new):
        if classification:
            proba = predict_proba(X_new)
            return np.asarray(config.class_labels, dtype=object)[proba.argmax(axis=1)]
        return np.asarray(automl.predict(X_new).data, dtype="float64").ravel()

    models = [model for level in automl.levels for pipe in level for model in pipe.ml_algos]
    return Fitted(predict=predict, predict_proba=predict_proba if classification else None,
                  models_count=len(models),
                  info={"models": [model.name for model in models][:10], "metric": task.metric_name,
                        "timeout": settings["timeout"], "memory_limit_gb": memory_gb})
