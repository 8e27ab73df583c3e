"""Predicts 1e200 for every row: finite, but the squared error overflows (invalid_predictions)."""
import numpy as np
from amlb_adapter import Fitted


def fit(train, config):
    return Fitted(predict=lambda X: np.full(len(X), 1e200), models_count=1)
