"""--parallel: jobs side by side on disjoint CPUs, and a clear error when the machine has too few."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT
from tests.execution.conftest import amlb_args, run_amlb

CPUS = sorted(os.sched_getaffinity(0))


def test_more_parallel_jobs_than_cpus_is_a_clear_error(tmp_path, environments_dir):
    too_many = len(CPUS) + 1
    proc = subprocess.run(amlb_args(environments_dir, "probe", "example", "-t", "iris", "-o", str(tmp_path / "out"),
                                    "--parallel", str(too_many)), capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    message = proc.stderr.strip().splitlines()[-1]
    assert f"--parallel {too_many}" in message and f"only {len(CPUS)} are available" in message, message
    assert not (tmp_path / "out" / "results.csv").exists()


@pytest.mark.skipif(len(CPUS) < 2, reason="needs 2 CPUs")
def test_parallel_jobs_run_at_once_on_disjoint_cpus(tmp_path, environments_dir):
    run = run_amlb(tmp_path, environments_dir, ["probe"], "-f", "0", "1", "--parallel", "2",
                   # each fit sleeps 8 s: the two slots' workers started up to 4.3 s apart at load 8-10
                   "-X", "job.max_runtime_seconds=20", env={"AMLB_TEST_PROBE_SLEEP": "8"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert list(run.results.status) == ["ok", "ok"]
    infos = [run.result_json("probe", fold=fold)["info"] for fold in (0, 1)]
    cpus = [set(info["affinity"]) for info in infos]
    assert all(len(c) == 1 for c in cpus) and not cpus[0] & cpus[1] and cpus[0] | cpus[1] <= set(CPUS)
    assert [set(map(int, str(c).split(","))) for c in run.results.cpuset] == cpus
    # the two fits overlapped in time
    assert max(i["fit_start"] for i in infos) < min(i["fit_end"] for i in infos)
