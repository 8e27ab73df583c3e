"""``--dask ADDRESS``: the jobs of a run go to the workers of a real Dask cluster (LocalCluster).

The workers are separate processes; they open the task, reuse the framework environment,
claim CPUs and run the jobs; the CLI stores what they return.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import dask
import distributed
import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.execution.conftest import ADAPTERS, amlb_args, process_alive

CPUS = sorted(os.sched_getaffinity(0))
WORKER_ENV = {"AMLB_TEST_PROBE_SLEEP": "1.5"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    env = {**WORKER_ENV, "AMLB_CPU_CLAIMS_DIR": str(tmp_path_factory.mktemp("cpu-claims")),
           "AMLB_TEST_PID_DIR": str(tmp_path_factory.mktemp("job-pids")),
           "AMLB_TEST_STATE_DIR": str(tmp_path_factory.mktemp("adapter-state")), "AMLB_TEST_KILL_DASK_WORKER": "1",
           "AMLB_ADAPTERS_DIR": str(tmp_path_factory.mktemp("adapters"))}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the worker processes inherit it
    try:
        # a job whose workers die twice is given up (Dask's default: 3); a worker holds only the jobs it runs
        # (no queue ahead), so a worker's death counts against the job that killed it, never a bystander
        with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                              "distributed.scheduler.worker-saturation": 1.0}), \
                distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                         dashboard_address=":0") as local:
            local.pid_dir = Path(env["AMLB_TEST_PID_DIR"])
            local.adapters_dir = Path(env["AMLB_ADAPTERS_DIR"])
            yield local
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_on(cluster, tmp_path, environments_dir, frameworks: str, *extra: str) -> tuple[subprocess.CompletedProcess,
                                                                                         pd.DataFrame]:
    out = tmp_path / "out"
    args = amlb_args(environments_dir, frameworks, "example", "-t", "iris", "-o", str(out),
                     "--dask", cluster.scheduler_address, *extra)
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    results = pd.read_csv(out / "results.csv") if (out / "results.csv").is_file() else pd.DataFrame()
    return proc, results


@pytest.mark.skipif(len(CPUS) < 2, reason="needs 2 CPUs")
def test_jobs_run_on_the_workers_at_once_on_disjoint_cpus(cluster, tmp_path, environments_dir):
    proc, results = run_on(cluster, tmp_path, environments_dir, "probe", "-f", "0", "1",
                           "-X", "job.max_runtime_seconds=10", "-X", "job.cores=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list(results.status) == ["ok", "ok"]
    workers = set(cluster.scheduler_info["workers"])
    assert {h.split("/", 1)[1] for h in results.host} == workers  # one job on each worker
    infos = [pd.read_json(tmp_path / "out" / "jobs" / "probe" / "iris" / f"fold{f}" / "attempt1" / "result.json",
                          typ="series")["info"] for f in (0, 1)]
    cpus = [set(info["affinity"]) for info in infos]
    assert all(len(c) == 1 for c in cpus) and not cpus[0] & cpus[1]  # two processes, disjoint claims
    assert [set(map(int, str(c).split(","))) for c in results.sort_values("fold").cpuset] == cpus
    assert max(i["fit_start"] for i in infos) < min(i["fit_end"] for i in infos)  # side by side
    # the store describes the machines the jobs ran on (one kind here: the run's hardware line is theirs)
    with sqlite3.connect(tmp_path / "out" / "results.db") as con:
        meta = {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM meta")}
    assert set(meta["dask_hosts"]) == workers and all(h["cores"] >= 1 for h in meta["dask_hosts"].values())
    assert meta["host"] == next(iter(meta["dask_hosts"].values()))
    # each worker metered its own jobs: energy and the method behind it come back with the record
    assert (results.energy_kwh > 0).all() and results.energy_method.str.len().gt(0).all()


def test_failures_on_a_worker_come_back_typed_and_the_run_goes_on(cluster, tmp_path, environments_dir):
    proc, results = run_on(cluster, tmp_path, environments_dir, "import_error,probe", "-f", "0",
                           "-X", "job.max_runtime_seconds=10")
    assert proc.returncode == 1, proc.stderr[-3000:]  # import_error failed
    status = dict(zip(results.framework, results.status))
    assert status == {"import_error": "setup_error", "probe": "ok"}
    info = results.set_index("framework").loc["import_error", "info"]
    assert "injected: the framework module is not installed" in info, info
    # this worker sees the client's adapter folder with the same content: it runs that, copies nothing
    assert str(ADAPTERS / "import_error" / "exec.py") in info and not any(cluster.adapters_dir.iterdir())
    # resuming finds nothing left to run and keeps the records
    again = subprocess.run(amlb_args(environments_dir, "import_error,probe", "example", "-t", "iris", "-f", "0",
                                     "-o", str(tmp_path / "out"), "--dask", cluster.scheduler_address, "--resume"),
                           cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 1, again.stderr[-3000:]  # the run still holds import_error's failure
    assert len(pd.read_csv(tmp_path / "out" / "results.csv")) == 2


def test_a_dead_worker_is_replaced_and_a_job_that_keeps_killing_workers_is_an_infrastructure_error(
        cluster, tmp_path, environments_dir):
    proc, results = run_on(cluster, tmp_path, environments_dir, "kill_dask_worker,probe", "-f", "0", "1",
                           "-X", "job.max_runtime_seconds=10")
    assert proc.returncode == 1, proc.stderr[-3000:]  # one infrastructure_error
    status = {(r.framework, r.fold): r.status for r in results.itertuples()}
    assert status == {("kill_dask_worker", 0): "ok", ("kill_dask_worker", 1): "infrastructure_error",
                      ("probe", 0): "ok", ("probe", 1): "ok"}, results[["framework", "fold", "status", "info"]]
    given_up = results[(results.framework == "kill_dask_worker") & (results.fold == 1)].iloc[0]
    assert given_up["error_type"] == "KilledWorker" and "on the Dask cluster" in given_up["info"], given_up["info"]
    assert given_up["attempt"] == 1  # the failure replaces the job's running record, no phantom attempt
    # each job ran until its record came back, and never again (no recomputation of finished jobs)
    ran = [json.loads(p.read_text()) for p in cluster.pid_dir.glob("*.json")]
    ran = [e["cwd"] for e in ran if e["kind"] in ("job", "behaved") and e["cwd"].startswith(str(tmp_path))]
    for framework, fold in (("probe", 0), ("probe", 1), ("kill_dask_worker", 0)):
        assert sum(f"/jobs/{framework}/iris/fold{fold}/" in cwd for cwd in ran) == 1, (framework, fold, ran)
    # the cluster is whole again for the next run
    deadline = time.monotonic() + 60
    with distributed.Client(cluster.scheduler_address) as client:
        while len(client.nthreads()) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(client.nthreads()) == 2


def _stored_ok(out: Path, framework: str) -> bool:
    """Whether the client has stored the framework's job as ok (not just the worker finished it)."""
    try:
        with sqlite3.connect(out / "results.db") as con:
            return con.execute("SELECT COUNT(*) FROM attempts WHERE job_key LIKE ? AND status = 'ok'",
                               (f"{framework}%",)).fetchone()[0] > 0
    except sqlite3.Error:
        return False


def _hang_processes(pid_dir: Path, out: Path) -> list[dict]:
    """The processes the hang adapter's job of this run recorded (its job process and its forked child)."""
    entries = [json.loads(p.read_text()) for p in pid_dir.glob("*.json")]
    return [e for e in entries if e["cwd"].startswith(str(out / "jobs" / "hang"))]


def test_an_interrupted_client_stops_its_jobs_on_the_workers_and_resume_finishes_them(cluster, tmp_path,
                                                                                       environments_dir):
    out = tmp_path / "out"
    base = amlb_args(environments_dir, "probe,hang", "example", "-t", "iris", "-f", "0", "-o", str(out),
                     "--dask", cluster.scheduler_address)
    proc = subprocess.Popen([*base, "-X", "job.max_runtime_seconds=120"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while (len(_hang_processes(cluster.pid_dir, out)) < 2 or not _stored_ok(out, "probe")) and \
            time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        time.sleep(0.2)
    hang = _hang_processes(cluster.pid_dir, out)
    assert len(hang) == 2, "the hang job did not start on a worker"
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    # Ctrl-C on the client leaves nothing running on the cluster: the job and its SIGTERM-proof child are gone
    deadline = time.monotonic() + 30
    while any(process_alive(e["pid"], e["start_ticks"]) for e in hang) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(process_alive(e["pid"], e["start_ticks"]) for e in hang)
    # and the worker threads are free again at once, not when the stopped job's time limit would have come
    with distributed.Client(cluster.scheduler_address) as client:
        quick = [client.submit(os.getpid, workers=[w], allow_other_workers=False, pure=False)
                 for w in client.nthreads()]
        distributed.wait(quick, timeout=20)
    again = subprocess.run([*base, "--resume", "-X", "job.max_runtime_seconds=1", "-X", "job.time_grace_seconds=1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 1, again.stderr[-3000:]  # hang timed out
    results = pd.read_csv(out / "results.csv").set_index("framework")
    assert results.loc["probe", "status"] == "ok" and results.loc["probe", "attempt"] == 1  # kept, not rerun
    assert results.loc["hang", "status"] == "timeout" and results.loc["hang", "attempt"] == 2  # interrupted: rerun


def test_setup_only_installs_on_every_worker_and_reports_each_failure(cluster, tmp_path, environments_dir):
    proc, _ = run_on(cluster, tmp_path, environments_dir, "probe,uninstallable", "-s", "only")
    assert proc.returncode == 1, proc.stderr[-3000:]
    failed = [line for line in proc.stderr.splitlines() if line.startswith("amlb: error: setup failed:")]
    where = [re.search(r"^amlb: error: setup failed: uninstallable on [^/]+/(tcp://[0-9.]+:[0-9]+): ", line)
             for line in failed]
    assert all(where), proc.stderr[-3000:]  # only the uninstallable framework failed
    assert sorted(m.group(1) for m in where) == sorted(cluster.scheduler_info["workers"])  # once per worker


def test_an_unreachable_scheduler_is_a_one_line_error_and_writes_nothing(tmp_path, environments_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    out = tmp_path / "out"
    proc = subprocess.run(amlb_args(environments_dir, "probe", "example", "-t", "iris", "-o", str(out),
                                    "--dask", f"tcp://127.0.0.1:{port}", "-X", "dask.connect_timeout_s=2"),
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in last, proc.stderr[-2000:]
    assert not (out / "results.db").exists()


def test_setup_only_on_a_cluster_without_workers_says_so(tmp_path, environments_dir):
    with distributed.LocalCluster(n_workers=0, dashboard_address=":0") as empty:
        proc = subprocess.run(amlb_args(environments_dir, "probe", "example", "-t", "iris", "-o", str(tmp_path / "out"),
                                        "--dask", empty.scheduler_address, "-s", "only"),
                              cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "no Dask worker is connected" in proc.stderr.strip().splitlines()[-1], proc.stderr[-2000:]
