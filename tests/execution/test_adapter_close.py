"""Fitted.close: a model that needs a helper process until the job's end stops it itself, after the inference timing."""
from __future__ import annotations

import math

from tests.execution.conftest import run_amlb


def test_close_runs_after_the_inference_timing_and_leaves_nothing_behind(tmp_path, environments_dir):
    run = run_amlb(tmp_path, environments_dir, ["server_model"], "-f", "0")
    assert run.returncode == 0, run.stderr[-3000:]
    row = run.results.iloc[0]
    assert row.status == "ok", row["info"]
    assert "leftover" not in str(row["info"]), row["info"]
    assert not math.isnan(row.infer_s_per_row_1000)  # the server was alive for every timed batch
    closed = list((run.out / "jobs").rglob("closed"))
    assert len(closed) == 1 and int(closed[0].read_text()) > 4  # predict, proba, warm-up and the timed batches
    assert run.watch.of("server_model", "server")[0].gone_at is not None
