"""NaiveAutoML: algorithm selection slot by slot, then random search of the best learner's
hyperparameters, within the job's budget.

Time: ``timeout_overall`` is 70% of the budget. NaiveAutoML checks it only between candidates,
evaluates most of them in-process without a limit (only SVMs and slow feature transformations,
e.g. kernel approximations, run in a pynisher subprocess limited by ``timeout_candidate``: its
default of 300 s exceeds small budgets, here 15% of the budget) and then refits the best
pipeline on all the data, so the fit ends by about 90% (``FIT_SHARE``; 60 s jobs measured
42-54 s of fit). ``num_cpus`` is set to the job's cores, but 0.1.6 evaluates candidates one at
a time.

Seeds: 0.1.6 ignores much of its ``random_state``. Its algorithm selector drops the seed it is
given (the learners it builds get none) and its random search samples from ConfigSpace's own
unseeded generator (RandomHPO's ``random_state`` reaches ``sample_configuration`` as the number
of samples, so the adapter leaves it alone). The adapter sets the job's seed on the selector and
seeds numpy's and Python's global generators before fit; runs are still not repeatable.

Categorical columns are passed by name (it imputes and one-hot encodes them); probability
columns follow the pipeline's ``classes_``, mapped by name.
"""
import random

import naiveautoml
import numpy as np
import pandas as pd
from amlb_adapter import Fitted, object_columns
from naiveautoml import NaiveAutoML

#: the runner's metric names -> scikit-learn scorer names
METRICS = {"auc": "roc_auc", "logloss": "neg_log_loss", "acc": "accuracy", "balacc": "balanced_accuracy",
           "rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error", "r2": "r2"}
#: shares of the budget: the whole fit; the search (``timeout_overall``: it checks it between candidates,
#: and some learners run without a candidate timeout, then comes the refit); one candidate's timeout
FIT_SHARE, SEARCH_SHARE, CANDIDATE_SHARE = 0.9, 0.7, 0.15


def version():
    return naiveautoml.__version__




def fit(train, config):
    classification = config.class_labels is not None
    scoring = METRICS.get(config.metric, "neg_log_loss" if classification else "neg_root_mean_squared_error")
    if scoring == "roc_auc" and config.type == "multiclass":
        scoring = "roc_auc_ovr"
    search_s = max(2.0, SEARCH_SHARE * config.budget_seconds)
    random.seed(config.seed)
    np.random.seed(config.seed)
    settings = {"task_type": "classification" if classification else "regression", "scoring": scoring,
                "num_cpus": config.cores, "timeout_overall": search_s,
                "timeout_candidate": max(2.0, CANDIDATE_SHARE * config.budget_seconds), "random_state": config.seed,
                **config.params}
    X = object_columns(train.X)
    categorical = [name for name, col in train.X.items()
                   if isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col.dtype)]
    y = train.y.astype(str).to_numpy() if classification else train.y.to_numpy(dtype="float64")
    automl = NaiveAutoML(**settings)
    if getattr(automl.algorithm_selector, "random_state", None) is None:
        automl.algorithm_selector.random_state = config.seed  # 0.1.6 drops the seed it was given
    automl.fit(X, y, categorical_features=categorical)
    model = automl.chosen_model
    if model is None:
        raise RuntimeError(f"NaiveAutoML found no working pipeline in its {search_s:.0f} s search")

    def predict(X_new):
        return np.asarray(model.predict(object_columns(X_new)))

    def predict_proba(X_new):
        out = np.zeros((len(X_new), len(config.class_labels)))
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(object_columns(X_new))
            for j, label in enumerate(model.classes_):
                out[:, config.class_labels.index(str(label))] = proba[:, j]
        else:  # a learner without probabilities: certain predictions
            for i, label in enumerate(predict(X_new)):
                out[i, config.class_labels.index(str(label))] = 1.0
        return out

    history = automl.history
    evaluated = int((history["status"] == "ok").sum()) if history is not None else None
    return Fitted(predict=predict, predict_proba=predict_proba if classification else None,
                  models_count=evaluated,  # candidate pipelines evaluated successfully
                  info={"metric": scoring, "best_pipeline": str(model)[:500],
                        "timeout_candidate": settings["timeout_candidate"]})
