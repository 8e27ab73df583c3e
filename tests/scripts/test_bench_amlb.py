"""bench_amlb reads AMLB's per-job times from its app log as AMLB writes it."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
bench_amlb = pytest.importorskip("bench_amlb")

# The shape of AMLB's runbenchmark.<time>.log (dfe8d21): a job's result dict is printed several
# times before its "executed in" line; a failed job prints nan; the .full.log repeats everything.
LOG = """\
[INFO] [amlb.job:02:06:06.976] Starting job local.example.example.iris.0.RandomForest.
[DEBUG] [frameworks.shared.caller:02:06:17.772] Result from subprocess:
{ 'error_message': None,
  'predict_duration': 0.25,
  'training_duration': 6.5,
  'truth': '/tmp/amlb_x/truth.npy'}
[INFO] [amlb.results:02:06:17.837] Metric scores: { 'acc': 0.96,
  'predict_duration': 0.25,
  'training_duration': 6.5,
  'version': '1.9.1'}
[INFO] [amlb.job:02:06:17.840] Job `local.example.example.iris.0.RandomForest` executed in 10.864 seconds.
[DEBUG] [amlb.results:02:06:17.849] Scores columns: Index(['id', 'task', 'duration',
       'training_duration', 'predict_duration', 'models_count'],
[INFO] [amlb.job:02:06:30.900] Starting job local.example.example.wine.0.RandomForest.
[INFO] [amlb.results:02:06:39.043] Metric scores: { 'info': 'StaleProcessError: Command ...',
  'predict_duration': nan,
  'training_duration': nan}
[INFO] [amlb.job:02:06:39.045] Job `local.example.example.wine.0.RandomForest` executed in 8.160 seconds.
[INFO] [amlb.job:02:06:39.046] All jobs executed in 19.100 seconds.
"""


def test_job_times_pairs_each_job_with_its_own_training_and_predict_times(tmp_path):
    logs = tmp_path / "randomforest.example.example.local.20261130T020606" / "logs"
    logs.mkdir(parents=True)
    (logs / "runbenchmark.20261130T020606.log").write_text(LOG)
    (logs / "runbenchmark.20261130T020606.full.log").write_text(LOG)  # not read: it would count every job twice
    times = bench_amlb.job_times(tmp_path)
    assert [t[0] for t in times] == [10.864, 8.16]
    assert times[0][1:] == (6.5, 0.25)
    assert all(math.isnan(x) for x in times[1][1:])
