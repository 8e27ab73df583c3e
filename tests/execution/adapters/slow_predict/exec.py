"""A valid model whose every predict call takes PREDICT_S seconds: inference timing must stop at its cap."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402
from amlb_adapter import Fitted  # noqa: E402

PREDICT_S = 0.25


def fit(train, config):
    model = faultkit.priors_model(train, config)

    def slow(predict):
        def call(X):
            time.sleep(PREDICT_S)
            return predict(X)
        return call

    return Fitted(predict=slow(model.predict), predict_proba=slow(model.predict_proba), models_count=1)
