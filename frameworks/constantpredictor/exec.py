"""Constant predictor: the most frequent class with the training priors, or the mean."""
import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def fit(train, config):
    if config.class_labels:
        priors = train.y.value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0).to_numpy()
        majority = config.class_labels[int(np.argmax(priors))]
        return Fitted(predict=lambda X: np.full(len(X), majority, dtype=object),
                      predict_proba=lambda X: np.tile(priors, (len(X), 1)), models_count=1)
    mean = float(pd.to_numeric(train.y).mean())
    return Fitted(predict=lambda X: np.full(len(X), mean), models_count=1)
