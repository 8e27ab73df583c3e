"""GAMA: GamaClassifier/GamaRegressor searching within the job's budget, on its cores and memory.

GAMA encodes categorical columns and imputes missing values itself, so the data goes in as it
is. It keeps nothing on disk (``store='nothing'``); its output directory, which it creates
anyway, is a fresh folder in the job's directory. Its worker processes (one per core) end with
fit. GAMA knows only some scikit-learn scorers: balanced accuracy is optimised as accuracy and a
multiclass AUC as log loss (the ``metric`` in info says which). ``max_total_time`` gets 80% of
the budget: GAMA reserves part of it for the refit of the best pipeline and ends within it.
Probability columns follow GAMA's label encoder, mapped to ``config.class_labels`` by name.
"""
import os

import gama
import numpy as np
from amlb_adapter import Fitted
from gama import GamaClassifier, GamaRegressor

#: the runner's metric names -> GAMA's (a subset of scikit-learn's scorers)
METRICS = {"auc": "roc_auc", "logloss": "neg_log_loss", "acc": "accuracy", "balacc": "accuracy",
           "rmse": "neg_mean_squared_error", "mae": "neg_mean_absolute_error", "r2": "r2"}
FIT_SHARE = 0.8


def version():
    return gama.__version__


def fit(train, config):
    classification = config.class_labels is not None
    scoring = METRICS.get(config.metric, "neg_log_loss" if classification else "neg_mean_squared_error")
    if scoring == "roc_auc" and config.type == "multiclass":
        scoring = "neg_log_loss"  # GAMA's roc_auc is binary only
    settings = {
        "scoring": scoring,
        "max_total_time": max(1, int(FIT_SHARE * config.budget_seconds)),
        "n_jobs": config.cores,
        "max_memory_mb": config.memory_mb,
        "random_state": config.seed,
        "store": "nothing",
        "output_directory": os.path.join(config.work_dir, "gama"),
        **config.params,
    }
    y = train.y.astype(str) if classification else train.y.astype("float64")
    automl = (GamaClassifier if classification else GamaRegressor)(**settings)
    automl.fit(train.X, y)

    def predict(X_new):
        return np.asarray(automl.predict(X_new))

    def predict_proba(X_new):
        proba = np.asarray(automl.predict_proba(X_new))
        out = np.zeros((len(X_new), len(config.class_labels)))
        for j, label in enumerate(automl._label_encoder.classes_):  # GAMA's column order
            out[:, config.class_labels.index(str(label))] = proba[:, j]
        return out

    return Fitted(predict=predict, predict_proba=predict_proba if classification else None,
                  models_count=len(automl._evaluation_library.evaluations),  # pipelines evaluated
                  info={"metric": scoring, "best_pipeline": str(automl.model)[:500]})
