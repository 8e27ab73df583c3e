"""scikit-learn RandomForest: trees are added in steps until n_estimators or the budget runs out.

With ``tune_max_features: true`` (TunedRandomForest) it first picks ``max_features`` by
cross-validation within half of the budget, as AMLB's TunedRandomForest does.
"""
import math
import time

import numpy as np
import sklearn
from amlb_adapter import Fitted, ordinal_encode
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor


def version():
    return sklearn.__version__


def grow_forest(model, X, y, n_estimators, seconds, step=100):
    """Fit with warm_start, adding `step` trees at a time while the next step fits in `seconds`."""
    start = time.monotonic()
    model.set_params(warm_start=True, n_estimators=min(step, n_estimators))
    model.fit(X, y)
    while model.n_estimators < n_estimators:
        elapsed = time.monotonic() - start
        if elapsed + elapsed / model.n_estimators * step > seconds:
            break
        model.set_params(n_estimators=min(model.n_estimators + step, n_estimators))
        model.fit(X, y)
    return model


def tune_max_features(Model, X, y, params, config, seconds):
    """The max_features with the best 3-fold CV score among a few candidates, within `seconds`."""
    # imported here, by the tuned variant only: it costs every RandomForest worker ~0.4 s at start
    from sklearn.model_selection import cross_val_score
    n = X.shape[1]
    candidates = sorted({max(1, round(math.sqrt(n))), max(1, round(n / 3)), max(1, round(n / 2)), n})
    scoring = "neg_log_loss" if config.class_labels else "neg_root_mean_squared_error"
    start, best, best_score = time.monotonic(), "sqrt" if config.class_labels else 1.0, -np.inf
    for m in candidates:
        model = Model(n_estimators=100, max_features=m, n_jobs=config.cores, random_state=config.seed, **params)
        score = cross_val_score(model, X, y, cv=3, scoring=scoring).mean()
        if score > best_score:
            best, best_score = m, score
        if time.monotonic() - start > seconds:
            break
    return best


def fit(train, config):
    params = dict(config.params)
    n_estimators = int(params.pop("n_estimators", 2000))
    tune = bool(params.pop("tune_max_features", False))
    Model = RandomForestClassifier if config.class_labels else RandomForestRegressor
    X = ordinal_encode(train.X)
    y = train.y.astype(str) if config.class_labels else train.y
    budget = 0.9 * config.budget_seconds
    if tune:
        start = time.monotonic()
        params["max_features"] = tune_max_features(Model, X, y, params, config, budget / 2)
        budget -= time.monotonic() - start
    model = Model(n_jobs=config.cores, random_state=config.seed, **params)
    grow_forest(model, X, y, n_estimators, budget)

    def predict_proba(X_new):
        proba = model.predict_proba(ordinal_encode(X_new))
        out = np.zeros((len(X_new), len(config.class_labels)))
        for j, label in enumerate(model.classes_):
            out[:, config.class_labels.index(label)] = proba[:, j]
        return out

    return Fitted(predict=lambda X_new: model.predict(ordinal_encode(X_new)),
                  predict_proba=predict_proba if config.class_labels else None,
                  models_count=model.n_estimators, info={"max_features": params.get("max_features", "default")})
