"""Inference timing costs a known share of a job's budget, says what each figure used, and can be turned off."""
from __future__ import annotations

import pandas as pd

from tests.execution.conftest import run_amlb

PREDICT_S = 0.25  # tests/execution/adapters/slow_predict: every predict call takes this long
BUDGET_S = 20.0  # the example constraint


def _inference_wall(run) -> float:
    return run.result_json("slow_predict")["phases"]["inference"]["wall_s"]


def test_by_default_inference_timing_stops_at_its_share_of_the_budget_and_says_what_it_measured(
        tmp_path, environments_dir):
    run = run_amlb(tmp_path, environments_dir, ["slow_predict"], "-f", "0")
    assert run.returncode == 0, run.stderr[-3000:]
    row = run.row("slow_predict")
    assert row.status == "ok", row["info"]
    cap = 0.05 * BUDGET_S  # resources/config.yaml job.inference_budget_share
    # uncapped: a warm-up and 3 repeats of 4 batch sizes, 13 calls = 3.25 s; capped: the call running at the cap ends
    assert _inference_wall(run) < cap + 2 * PREDICT_S + 0.5
    assert row.infer_rows_1 == 1 and 1 <= row.infer_repeats_1 <= 3
    assert row.infer_s_per_row_1 >= PREDICT_S * 0.9
    assert "infer_s_per_row_1000" not in run.results.columns  # not reached within the cap


def test_an_empty_list_of_batch_sizes_turns_inference_timing_off(tmp_path, environments_dir):
    run = run_amlb(tmp_path, environments_dir, ["slow_predict"], "-f", "0", "-X", "job.inference_batch_sizes=[]")
    assert run.returncode == 0, run.stderr[-3000:]
    row = run.row("slow_predict")
    assert row.status == "ok", row["info"]
    assert not [c for c in run.results.columns if c.startswith(("infer_s_per_row_", "infer_rows_", "infer_repeats_"))]
    assert _inference_wall(run) < PREDICT_S  # not one predict call
    assert isinstance(row.result, float) and not pd.isna(row.result)  # scored as usual
