"""Helpers of the hostile test adapters (run inside the job, in the framework's environment)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def job_dir() -> Path:
    """The job directory: the job's cwd is its ``work`` folder."""
    return Path.cwd().parent


def priors_model(train, config) -> Fitted:
    """A valid model: the training class priors."""
    priors = train.y.value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0).to_numpy()
    majority = config.class_labels[int(np.argmax(priors))]
    return Fitted(predict=lambda X: np.full(len(X), majority, dtype=object),
                  predict_proba=lambda X: np.tile(priors, (len(X), 1)), models_count=1)


def write_predictions(model: Fitted, path: Path) -> None:
    """Predictions for the job's test set, as the adapter harness would write them."""
    job = json.loads((job_dir() / "job.json").read_text())
    X = pd.read_parquet(job["test"])
    frame = pd.DataFrame({"prediction": np.asarray(model.predict(X)).astype(str)})
    labels = job["config"]["class_labels"]
    frame[["proba_" + label for label in labels]] = model.predict_proba(X)
    frame.to_parquet(path, index=False)


def write_result(result: dict) -> None:
    tmp = job_dir() / "result.tmp"
    tmp.write_text(json.dumps(result))
    os.replace(tmp, job_dir() / "result.json")
