"""Fault injection: one run with every misbehaving adapter, with per-job cgroups and without.

Each adapter really does what it says (segfaults, hangs ignoring SIGTERM, allocates past
its limit, detaches a daemon, kills its worker, ...). The run must go on, give every job
exactly one row with the right status, enforce the wall-clock limit as measured from
outside, meter CPU time exactly, and leave no process behind.
"""
from __future__ import annotations

import math

import pytest

from amlb.record import Status
from amlb.store import ResultStore, job_key
from tests.execution.conftest import (BUDGET_S, GRACE_S, MEMORY_MB, TIMEOUT_S, RunResult, cgroups_available,
                                      processes_with_env, run_amlb)

#: framework -> (status, error_type or None for "any", text the info must contain)
EXPECTED = {
    "crash": (Status.CRASH, "SIGSEGV", "killed by SIGSEGV"),
    "hang": (Status.TIMEOUT, "Timeout", "time limit"),
    "oversleep": (Status.TIMEOUT, "Timeout", "time limit"),
    "memory_hog": (Status.MEMORY_LIMIT, "MemoryLimit", f"{MEMORY_MB} MB"),
    "raise_error": (Status.FRAMEWORK_ERROR, "InjectedFailure", "InjectedFailure: injected failure in fit"),
    "wrong_length": (Status.INVALID_PREDICTIONS, "InvalidPredictions", "49 predictions for 50 test rows"),
    "nan_proba": (Status.INVALID_PREDICTIONS, "InvalidPredictions", "NaN"),
    "exit_early": (Status.INVALID_PREDICTIONS, "NoPredictions", "without writing predictions"),
    "detach": (Status.OK, None, "1 leftover process(es) killed"),
    "fork_share": (Status.OK, None, ""),
    "calibrate_cpu": (Status.OK, None, ""),
    "kill_worker": (Status.OK, None, ""),  # on its second attempt
    "probe": (Status.OK, None, ""),
    "import_error": (Status.SETUP_ERROR, "AdapterImportError", "injected: the framework module is not installed"),
}
# long jobs first, one per slot, so the run takes about as long as its longest slot
FRAMEWORKS = ["hang", "oversleep", *[f for f in EXPECTED if f not in ("hang", "oversleep")]]
CHILD_CPU_S, GRANDCHILD_CPU_S = 1.0, 2.0  # tests/execution/adapters/calibrate_cpu/exec.py
INFERENCE_SIZES = (1, 10, 100, 1000)  # resources/config.yaml job.inference_batch_sizes


@pytest.fixture(scope="module", params=["cgroups", "no-cgroups"])
def fault_run(request, tmp_path_factory, environments_dir) -> RunResult:
    mode = request.param
    if mode == "cgroups" and not cgroups_available():
        pytest.skip("per-job cgroups need root (or a delegated cgroup) on this machine")
    cgroups = "auto" if mode == "cgroups" else "off"
    run = run_amlb(tmp_path_factory.mktemp(mode), environments_dir, FRAMEWORKS, "-f", "0", "--parallel", "2",
                   "-X", f"job.max_runtime_seconds={BUDGET_S:g}", "-X", f"job.time_grace_seconds={GRACE_S:g}",
                   "-X", f"job.max_mem_size_mb={MEMORY_MB}", "-X", f"job.cgroups={cgroups}",
                   # every batch size timed (by default inference timing stops at 5 % of this short budget)
                   "-X", "job.inference_budget_share=1")
    run.mode = mode
    return run


def test_the_run_goes_on_and_every_job_has_one_row_with_its_status(fault_run):
    assert fault_run.returncode == 1, fault_run.stderr[-3000:]  # the run finished, some jobs failed
    results = fault_run.results
    assert sorted(results.framework) == sorted(EXPECTED)
    assert not results.duplicated(["framework", "task", "fold"]).any()
    for framework, (status, error_type, info) in EXPECTED.items():
        row = fault_run.row(framework)
        assert row.status == status.value, (framework, row.status, row["info"])
        if error_type is not None:
            assert row.error_type == error_type, (framework, row.error_type)
        assert info in str(row["info"] if isinstance(row["info"], str) else ""), (framework, row["info"])
        assert isinstance(row.log_tail, str) and row.log_tail.strip(), f"{framework}: no log tail"


def test_log_tails_say_what_happened(fault_run):
    assert "InjectedFailure: injected failure in fit" in fault_run.row("raise_error").log_tail  # the traceback
    assert "wall-clock limit" in fault_run.row("hang").log_tail
    assert "memory limit" in fault_run.row("memory_hog").log_tail
    assert "killed 1 process(es)" in fault_run.row("detach").log_tail


def test_no_process_of_any_job_is_left_running(fault_run):
    watch = fault_run.watch
    kinds = {(w.framework, w.kind) for w in watch.seen.values()}
    # the adapters really started what the test watches for
    assert {("detach", "detached"), ("hang", "child"), ("kill_worker", "forked_helper"),
            ("kill_worker", "exec_helper"), ("calibrate_cpu", "grandchild"), ("fork_share", "sharing_child")} <= kinds
    assert watch.still_running() == []
    run_id = str(fault_run.results.run_id.iloc[0])
    assert processes_with_env(f"AMLB_JOB_TAG={run_id}-") == []
    assert processes_with_env(f"AMLB_WORKER_ID={fault_run.runner_pid}-") == []  # the warm workers are gone too


def test_leftovers_die_with_their_job_not_at_the_end_of_the_run(fault_run):
    detached = fault_run.watch.of("detach", "detached")[0]
    job_end = (fault_run.out / "jobs" / "detach" / "iris" / "fold0" / "attempt1" / "result.json").stat().st_mtime
    assert detached.gone_at is not None and detached.gone_at - job_end < 1.0
    # the worker died in attempt 1: its orphans were killed before attempt 2 started
    second = [w for w in fault_run.watch.of("kill_worker", "job") if w.attempt == 2][0]
    for helper in fault_run.watch.of("kill_worker"):
        if helper.attempt == 1:
            assert helper.gone_at is not None and helper.gone_at < second.recorded_at, helper.kind


def test_a_job_never_runs_longer_than_its_budget_plus_tolerance(fault_run):
    for framework in ("hang", "oversleep"):
        row = fault_run.row(framework)
        # the row's own clocks: the worker's (fork to reaped tree) and the runner's (whole attempt,
        # including starting the framework's warm worker, preparing and scoring)
        assert TIMEOUT_S - 0.2 <= row.wall_seconds <= TIMEOUT_S + 0.3, (framework, row.wall_seconds)
        assert row.duration <= TIMEOUT_S + 3.0, (framework, row.duration)
        # the outside clock: from the job's fit starting to the test seeing each of its processes gone
        processes = fault_run.watch.of(framework)
        job = [w for w in processes if w.kind == "job"][0]
        for w in processes:
            assert w.gone_at is not None
            lived = w.gone_at - job.recorded_at
            assert BUDGET_S < lived <= TIMEOUT_S + 0.3, (framework, w.kind, lived)


def test_memory_limit_is_enforced_and_shared_pages_count_once(fault_run):
    hog = fault_run.row("memory_hog")
    assert hog.peak_rss_mb >= MEMORY_MB * 0.95
    assert hog.wall_seconds < 10  # stopped while allocating, long before it could hold 4x the limit
    # 120 MB held by a job process and shared with its 4 forks (and the worker's pages every fork maps):
    # summing resident sizes would see ~5 x 120 MB plus 5 x the framework's imports and kill it
    shared = fault_run.row("fork_share")
    assert 120 <= shared.peak_rss_mb < MEMORY_MB


def test_cpu_time_of_child_and_orphaned_grandchild_is_metered_within_2_percent(fault_run):
    row = fault_run.row("calibrate_cpu")
    assert row.resource_method == ("cgroup" if fault_run.mode == "cgroups" else "wait4")
    info = fault_run.result_json("calibrate_cpu")["info"]
    assert info["tree_cpu_s"] >= 0.99 * (CHILD_CPU_S + GRANDCHILD_CPU_S)
    # the true CPU time up to the end of fit, as each process measured its own
    true_cpu = info["tree_cpu_s"] + info["job_cpu_s_at_fit_end"]
    metered = row.cpu_user_s + row.cpu_sys_s
    assert true_cpu <= metered, "the meter missed CPU time of the job's processes (the orphan?)"
    # predict, inference timing, writing and exit follow fit: the probe job does the same after its fit
    # (same model, same data), so its metered total minus its own CPU at the end of fit measures that part
    probe = fault_run.row("probe")
    after_fit = probe.cpu_user_s + probe.cpu_sys_s - fault_run.result_json("probe")["info"]["job_cpu_s_at_fit_end"]
    assert abs(metered - (true_cpu + after_fit)) <= 0.02 * true_cpu, (metered, true_cpu, after_fit)


def test_every_job_that_ran_has_resource_columns(fault_run):
    results = fault_run.results[fault_run.results.status != Status.SETUP_ERROR.value]
    method = "cgroup" if fault_run.mode == "cgroups" else "wait4"
    assert (results.resource_method == method).all()
    for col in ("wall_seconds", "cpu_user_s", "cpu_sys_s", "peak_rss_mb"):
        assert results[col].notna().all(), col


def test_successful_jobs_have_inference_times_and_overrun(fault_run):
    ok = fault_run.results[fault_run.results.status == "ok"]
    assert len(ok) == 5
    for _, row in ok.iterrows():
        per_row = [row[f"infer_s_per_row_{n}"] for n in INFERENCE_SIZES]
        assert all(math.isfinite(t) and t > 0 for t in per_row), (row.framework, per_row)
        assert per_row[0] > per_row[-1]  # a batch's fixed cost is shared by its rows
        assert row.overrun_seconds == pytest.approx(row.training_duration - BUDGET_S)
    timing = fault_run.result_json("probe")["phases"]["inference"]["wall_s"]
    assert timing < 2.0  # measuring inference is cheap for a cheap model


def test_job_process_gets_its_cpus_thread_caps_and_own_directories(fault_run):
    row = fault_run.row("probe")
    info = fault_run.result_json("probe")["info"]
    work = info["work_dir"]
    assert info["affinity"] == [int(c) for c in str(row.cpuset).split(",")] and len(info["affinity"]) == row.cores
    assert info["subprocess"]["affinity"] == info["affinity"]
    assert info["cores"] == row.cores == 1
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        assert info["env"][var] == "1", var
    assert info["cwd"] == work == info["subprocess"]["cwd"]
    assert info["tempdir"] == info["env"]["TMPDIR"] == info["subprocess"]["tempdir"] == f"{work}/tmp"
    assert info["temp_file"].startswith(f"{work}/tmp/")
    assert info["env"]["HOME"] == f"{work}/home" and info["env"]["XDG_CACHE_HOME"] == f"{work}/cache"
    assert info["sid"] == info["pid"]  # its own session
    assert float(info["env"]["AMLB_JOB_DEADLINE"]) - info["fit_start"] <= TIMEOUT_S
    tag = info["env"]["AMLB_JOB_TAG"]
    assert info["subprocess"]["tag"] == tag
    # the job's group: /amlb/OWNER+TAG (OWNER: the runner's pid and start time)
    in_job_cgroup = {line.split(":")[1] for line in info["cgroup"].splitlines() if line.endswith(f"+{tag}")
                     and "/amlb/" in line}
    if fault_run.mode == "cgroups":
        assert {"memory", "cpuset", "cpuacct"} <= in_job_cgroup
    else:
        assert in_job_cgroup == set()


def test_worker_death_is_an_infrastructure_error_retried_on_a_fresh_worker(fault_run):
    row = fault_run.row("kill_worker")
    assert row.attempt == 2
    store = ResultStore(fault_run.out)
    try:
        rows = store.db.execute("SELECT attempt, status, record FROM attempts WHERE job_key = ? ORDER BY attempt",
                                (job_key("kill_worker", "iris", "example", 0),)).fetchall()
    finally:
        store.close()
    assert [(a, s) for a, s, _ in rows] == [(1, "infrastructure_error"), (2, "ok")]
    assert "the worker died during the job (killed by SIGKILL)" in rows[0][2]
    first, second = (w for w in sorted(fault_run.watch.of("kill_worker", "job"), key=lambda w: w.attempt))
    assert first.pid != second.pid
