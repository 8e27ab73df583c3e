"""Predicts one row too few: invalid_predictions."""
import sys
from pathlib import Path

from amlb_adapter import Fitted

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    faultkit.record_process("job")
    print("wrong_length: predictions will miss a row", flush=True)
    model = faultkit.priors_model(train, config)
    return Fitted(predict=lambda X: model.predict(X)[:-1], predict_proba=lambda X: model.predict_proba(X)[:-1])
