"""auto-sklearn 0.15 (Python 3.9) in Docker mode through the command line: autosklearn and the autosklearn2
preset on a binary, a multiclass task with categorical features and missing values, and a regression task.

Opt-in (AMLB_TEST_HEAVY=autosklearn, a comma-separated list, or all): its images (810 MB, and 920 MB
with auto-sklearn 2.0's selectors) take ~6 + ~5 min to build and the run ~10 min on 2 busy cores.
It needs a Docker engine and the Python 3.9 base image (``scripts/build_base_image.sh
amlb/base:bullseye``; ``AMLB_TEST_PY39_BASE_IMAGE`` names another).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli

HEAVY = {name.strip().lower() for name in os.environ.get("AMLB_TEST_HEAVY", "").split(",")}
pytestmark = [
    pytest.mark.skipif(not HEAVY & {"autosklearn", "all"},
                       reason="heavy framework: set AMLB_TEST_HEAVY=autosklearn (or all) to run it"),
    pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(3600),
]
BUDGET_S = 60  # auto-sklearn needs 30 s for its search; it gets 80% of the budget
PY39_BASE = os.environ.get("AMLB_TEST_PY39_BASE_IMAGE", "amlb/base:bullseye")


@pytest.fixture(scope="module")
def autosklearn_run(docker_client, docker_overrides, tmp_path_factory):
    import docker.errors  # noqa: PLC0415

    try:
        docker_client.images.get(PY39_BASE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"no Python 3.9 base image {PY39_BASE}: build it with scripts/build_base_image.sh {PY39_BASE}")
    out = tmp_path_factory.mktemp("autosklearn") / "run"
    overrides = [*docker_overrides, f'docker.base_images={{"3.9": {PY39_BASE}}}',
                 f"job.max_runtime_seconds={BUDGET_S}"]
    proc = run_cli("autosklearn,autosklearn2,constantpredictor", "example", "-m", "docker",
                   "-t", "breast_cancer", "penguins", "diabetes", "-f", "0", "-o", str(out),
                   *[a for o in overrides for a in ("-X", o)], timeout=3300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def _adapter_info(out: Path, framework: str, task: str) -> dict:
    return json.loads((out / "jobs" / framework / task / "fold0" / "attempt1" / "result.json").read_text())["info"]


def test_autosklearn_runs_every_task_type_within_its_budget(autosklearn_run):
    out, results = autosklearn_run
    for framework in ("autosklearn", "autosklearn2"):
        rows = results.loc[framework]
        assert set(rows["status"]) == {"ok"}, rows[["status", "info"]]
        assert (rows["training_duration"] <= BUDGET_S).all(), rows["training_duration"]
        assert (rows["models_count"] >= 1).all() and rows["infer_s_per_row_1"].notna().all()
        assert set(rows["version"]) == {"0.15.0"}
    assert _adapter_info(out, "autosklearn", "penguins")["estimator"] == "AutoSklearnClassifier"
    assert _adapter_info(out, "autosklearn2", "penguins")["estimator"] == "AutoSklearn2Classifier"
    assert _adapter_info(out, "autosklearn", "breast_cancer")["metric"] == "roc_auc"


def test_autosklearn2_falls_back_to_the_regressor_and_says_so(autosklearn_run):
    out, results = autosklearn_run
    assert _adapter_info(out, "autosklearn2", "diabetes")["estimator"] == "AutoSklearnRegressor"
    assert "AutoSklearnRegressor ran instead" in results.loc[("autosklearn2", "diabetes"), "info"]


def test_autosklearn_beats_the_constant_predictor_on_each_task(autosklearn_run):
    _, results = autosklearn_run
    constant = results.loc["constantpredictor"]
    for framework in ("autosklearn", "autosklearn2"):
        rows = results.loc[framework]
        assert rows.loc["breast_cancer", "auc"] > 0.95
        assert rows.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
        assert rows.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
        assert all(math.isfinite(v) for v in rows["result"])
