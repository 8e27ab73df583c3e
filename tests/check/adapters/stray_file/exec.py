"""Broken on purpose: writes into the folder named by AMLB_CHECK_TEST_STRAY_DIR (set by the test, e.g.
under the runner's HOME), as a framework that ignores the job's HOME and TMPDIR does."""
import os
from pathlib import Path

import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def fit(train, config):
    folder = Path(os.environ["AMLB_CHECK_TEST_STRAY_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"model-{config.type}-{os.getpid()}.txt").write_text("a model the framework saved in the wrong place\n")
    if config.class_labels:
        priors = train.y.astype(str).value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0)
        label = priors.idxmax()
        return Fitted(predict=lambda X: np.full(len(X), label, dtype=object),
                      predict_proba=lambda X: np.tile(priors.to_numpy(), (len(X), 1)), models_count=1)
    mean = float(pd.to_numeric(train.y).mean())
    return Fitted(predict=lambda X: np.full(len(X), mean), models_count=1)
