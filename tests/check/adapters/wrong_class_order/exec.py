"""Broken on purpose: predicts the majority class, but its probability sits in the next class's column."""
import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def fit(train, config):
    if config.class_labels:
        label = train.y.astype(str).mode()[0]
        one_hot = np.array([0.9 if c == label else 0.1 / (len(config.class_labels) - 1) for c in config.class_labels])
        shifted = np.roll(one_hot, 1)  # the classic bug: the model's own class order, not config.class_labels
        return Fitted(predict=lambda X: np.full(len(X), label, dtype=object),
                      predict_proba=lambda X: np.tile(shifted, (len(X), 1)), models_count=1)
    mean = float(pd.to_numeric(train.y).mean())
    return Fitted(predict=lambda X: np.full(len(X), mean), models_count=1)
