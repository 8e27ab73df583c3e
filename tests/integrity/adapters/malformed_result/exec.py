"""Writes valid predictions but a result.json whose fields have the wrong types and ranges.

That is the job's failure (framework_error), not the runner's.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import hostile  # noqa: E402


def fit(train, config):
    model = hostile.priors_model(train, config)
    hostile.write_predictions(model, hostile.job_dir() / "predictions.parquet")
    hostile.write_result({"protocol": 1, "error": None, "training_duration": "soon", "predict_duration": -3,
                          "models_count": "many", "infer_seconds_per_row": {"ten": "fast"},
                          "phases": {"fit": "slow"}})
    os._exit(0)
