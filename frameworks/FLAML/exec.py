"""FLAML: AutoML.fit within the job's budget, on its cores, optimising the task's main metric.

Categorical columns stay pandas categoricals (LightGBM and XGBoost use them natively), missing
values stay missing. FLAML keeps its time budget closely; the search gets 90% of the job's budget
so the final refit and the predictions fit in the rest.
"""
import flaml
import numpy as np
from amlb_adapter import Fitted
from flaml import AutoML

#: the runner's metric names -> FLAML's
METRICS = {"auc": "roc_auc", "logloss": "log_loss", "acc": "accuracy", "rmse": "rmse", "mae": "mae", "r2": "r2"}
SEARCH_SHARE = 0.9


def version():
    return flaml.__version__


def fit(train, config):
    classification = config.class_labels is not None
    metric = METRICS.get(config.metric, "auto")
    if metric == "roc_auc" and config.type == "multiclass":
        metric = "roc_auc_ovr"
    settings = {
        "task": "classification" if classification else "regression",
        "time_budget": max(1.0, SEARCH_SHARE * config.budget_seconds),
        "metric": metric,
        "n_jobs": config.cores,
        "seed": config.seed,
        "verbose": 0,
        "log_file_name": "",  # no search log in the job's directory
        **config.params,
    }
    y = train.y.astype(str) if classification else train.y
    automl = AutoML()
    automl.fit(train.X, y, **settings)

    def predict_proba(X_new):
        proba = automl.predict_proba(X_new)
        out = np.zeros((len(X_new), len(config.class_labels)))
        for j, label in enumerate(automl.classes_):
            out[:, config.class_labels.index(str(label))] = proba[:, j]
        return out

    return Fitted(predict=automl.predict, predict_proba=predict_proba if classification else None,
                  models_count=len(automl.config_history),  # configurations that improved the best, as AMLB counts
                  info={"best_estimator": automl.best_estimator, "metric": metric,
                        "best_config": {k: v for k, v in (automl.best_config or {}).items()
                                        if isinstance(v, (int, float, str, bool))}})
