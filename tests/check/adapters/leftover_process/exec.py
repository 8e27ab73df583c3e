"""Broken on purpose: starts a sleeper in its own session and never stops it.

The sleeper carries AMLB_CHECK_TEST_MARK (set by the test) so the test can find and kill it.
"""
import subprocess

import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def fit(train, config):
    subprocess.Popen(["sleep", "600"], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if config.class_labels:
        priors = train.y.astype(str).value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0)
        label = priors.idxmax()
        return Fitted(predict=lambda X: np.full(len(X), label, dtype=object),
                      predict_proba=lambda X: np.tile(priors.to_numpy(), (len(X), 1)), models_count=1)
    mean = float(pd.to_numeric(train.y).mean())
    return Fitted(predict=lambda X: np.full(len(X), mean), models_count=1)
