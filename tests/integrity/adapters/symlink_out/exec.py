"""Writes its predictions outside the job directory and leaves predictions.parquet as a symlink to them.

The runner must not follow it (invalid_predictions).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import hostile  # noqa: E402


def fit(train, config):
    model = hostile.priors_model(train, config)
    outside = hostile.job_dir().parent / "outside-predictions.parquet"  # next to the job dir, not in it
    hostile.write_predictions(model, outside)
    (hostile.job_dir() / "predictions.parquet").symlink_to(outside)
    hostile.write_result({"protocol": 1, "error": None, "training_duration": 0.1, "predict_duration": 0.1})
    os._exit(0)
