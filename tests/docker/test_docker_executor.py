"""Docker executor on a real engine: isolation, limits, accounting, failures and cleanup."""
from __future__ import annotations

import os
import threading
import time

import pytest
from docker_helpers import amlb_containers, make_launch, read_result

from amlb.execution.docker_executor import DockerExecutor, remove_leftover_containers

pytestmark = pytest.mark.docker


@pytest.fixture
def executor(probe_image, docker_config):
    fw, image = probe_image
    ex = DockerExecutor(image, fw, docker_config, (0,))
    yield ex
    ex.close()


def _no_container_of(client, launch) -> bool:
    return not [c for c in amlb_containers(client) if c["Labels"].get("org.amlb.job") == launch.tag]


def test_job_is_isolated_and_limited(executor, docker_client, tmp_path):
    cpu = os.cpu_count() - 1  # the last CPU: not the default one
    launch = make_launch(tmp_path, cpus=(cpu,), memory_mb=300, tag="isolation")
    outcome = executor.run(launch)
    assert outcome.exit_code == 0, launch.log_path.read_text()
    info = read_result(launch)["info"]
    assert info["uid"] != 0 and info["gid"] != 0
    assert info["affinity"] == [cpu]
    assert info["limits"]["cpuset"] == str(cpu)
    quota = info["limits"]["cpu_quota"]
    assert quota in ("100000", "100000 100000") and info["limits"]["cpu_period"] in ("100000", None)
    assert info["limits"]["memory_limit"] == str(300 * 2**20)
    if info["limits"]["memsw_limit"] not in (None, "0"):  # v1: memory+swap equals memory, i.e. swap off
        assert info["limits"]["memsw_limit"] == str(300 * 2**20)
    assert info["network"]["interfaces"] == ["lo"]
    assert info["network"]["udp_route"] == "ENETUNREACH"
    # only the train and test files are mounted (read-only), not their folder: the folder is a root-owned
    # mount point in the read-only root (EROFS) or in the container's private /tmp (EACCES) when it lies below /tmp
    assert info["write_data_dir"] in ("EROFS", "EACCES")
    assert info["write_work_dir"] == "ok"
    assert info["cwd"] == str(launch.work_dir)
    assert info["tmpdir"] == str(launch.work_dir / "tmp") and info["omp_threads"] == "1"
    assert outcome.environment == executor.image.id
    assert outcome.resource_method == "docker-cgroup"
    assert outcome.peak_rss_mb is not None and 10 < outcome.peak_rss_mb < 300
    assert (launch.job_dir / "predictions.parquet").stat().st_uid == os.getuid()  # handed back to the runner
    assert _no_container_of(docker_client, launch)


def test_cpu_time_is_measured_from_the_cgroup(executor, tmp_path):
    launch = make_launch(tmp_path, params={"burn_s": 1.5}, tag="burn")
    outcome = executor.run(launch)
    assert outcome.exit_code == 0, launch.log_path.read_text()
    assert outcome.cpu_user_s is not None and outcome.cpu_sys_s is not None
    # the busy loop plus the interpreter's start and imports, on one CPU
    assert 1.5 <= outcome.cpu_user_s + outcome.cpu_sys_s <= outcome.wall_s + 0.2
    assert "Traceback" not in launch.log_path.read_text()


def _metered_and_own_cpu(ex, tmp_path, tag, params):
    launch = make_launch(tmp_path / tag, params=params, cpus=(0, 1), tag=tag)
    outcome = ex.run(launch)
    assert outcome.exit_code == 0, launch.log_path.read_text()
    own = float((launch.work_dir / "main.cpu").read_text())  # the adapter process's CPU over its whole life
    return outcome.cpu_user_s + outcome.cpu_sys_s, own, read_result(launch)["info"]


def test_cpu_time_of_a_process_tree_with_an_orphan_is_metered_within_two_percent(probe_image, docker_config, tmp_path):
    """Calibration: a child burns 2 s and an orphaned grandchild 4 s; the container's cgroup must see it all.

    The reference is what each process measured of itself. A container also costs CPU that no process of
    the job can see (the runtime's init before exec, the timeout wrapper, process teardown); a job that
    burns nothing measures that overhead on the same engine, just before.
    """
    fw, image = probe_image
    ex = DockerExecutor(image, fw, docker_config, (0, 1))
    try:
        idle_metered, idle_own, _ = _metered_and_own_cpu(ex, tmp_path, "idle", {})
        metered, own, info = _metered_and_own_cpu(ex, tmp_path, "calibrate", {"burn_tree_s": 4.0})
    finally:
        ex.close()
    assert info["tree_cpu_s"] >= 5.9
    true_cpu = info["tree_cpu_s"] + own
    overhead = max(idle_metered - idle_own, 0.0)
    print(f"metered {metered:.3f} s, processes {true_cpu:.3f} s, container overhead {overhead:.3f} s")
    assert true_cpu <= metered, "the cgroup missed CPU time of the job's processes (the orphan?)"
    assert abs(metered - (true_cpu + overhead)) <= 0.02 * true_cpu, (metered, true_cpu, overhead, info)


def test_memory_overrun_is_memory_exceeded(executor, docker_client, tmp_path):
    launch = make_launch(tmp_path, params={"allocate_mb": 600}, memory_mb=250, tag="oom")
    outcome = executor.run(launch)
    assert outcome.memory_exceeded
    assert not outcome.timed_out
    assert outcome.exit_code == -9
    assert not (launch.job_dir / "result.json").exists()
    assert outcome.peak_rss_mb is not None and outcome.peak_rss_mb > 200
    assert _no_container_of(docker_client, launch)


def test_time_overrun_is_timed_out(executor, docker_client, tmp_path):
    launch = make_launch(tmp_path, params={"sleep_s": 120}, timeout_s=4, tag="slow")
    t0 = time.monotonic()
    outcome = executor.run(launch)
    assert outcome.timed_out and not outcome.memory_exceeded
    assert outcome.exit_code == -9
    assert 4 <= outcome.wall_s < 10 and time.monotonic() - t0 < 15
    assert _no_container_of(docker_client, launch)


def test_close_removes_the_running_container(executor, docker_client, tmp_path):
    """An interrupted run: the runner's main thread closes executors while a job runs."""
    launch = make_launch(tmp_path, params={"sleep_s": 120}, timeout_s=300, tag="interrupted")
    done: dict = {}
    worker = threading.Thread(target=lambda: done.setdefault("outcome", executor.run(launch)))
    worker.start()
    deadline = time.monotonic() + 30
    while _no_container_of(docker_client, launch) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _no_container_of(docker_client, launch), "the job's container never appeared"
    executor.close()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert _no_container_of(docker_client, launch)
    assert done["outcome"].exit_code != 0


def test_leftovers_of_a_dead_runner_are_removed(probe_image, docker_client):
    _, image = probe_image
    dead = docker_client.api.create_container(
        image.id, ["true"], labels={"org.amlb.runner": f"{os.uname().nodename}/999999999/1", "org.amlb.job": "x"})
    alive = docker_client.api.create_container(
        image.id, ["true"], labels={"org.amlb.runner": f"{os.uname().nodename}/{os.getpid()}/0", "org.amlb.job": "y"})
    try:
        assert remove_leftover_containers(docker_client) >= 1
        ids = {c["Id"] for c in amlb_containers(docker_client)}
        assert dead["Id"] not in ids
        assert alive["Id"] not in ids  # same pid, other start time: a reused pid, not a live runner
    finally:
        for c in (dead, alive):
            try:
                docker_client.api.remove_container(c["Id"], force=True)
            except Exception:  # noqa: BLE001
                pass


def test_a_failing_adapter_reports_its_exit_code(executor, tmp_path):
    launch = make_launch(tmp_path, tag="broken")
    (launch.job_dir / "job.json").write_text("{not json")
    outcome = executor.run(launch)
    assert outcome.exit_code == 3  # EXIT_BAD_JOB of the adapter
    assert not outcome.timed_out and not outcome.memory_exceeded and not outcome.infrastructure_error


def test_sampled_accounting_where_no_parent_cgroup_can_be_used(probe_image, docker_config, tmp_path):
    """Engines with the systemd cgroup driver (or a non-root runner): the container's own group is sampled."""
    fw, image = probe_image
    ex = DockerExecutor(image, fw, docker_config, (0,))
    ex.parent_cgroups = False
    try:
        launch = make_launch(tmp_path, params={"burn_s": 1.0}, tag="sampled")
        outcome = ex.run(launch)
    finally:
        ex.close()
    assert outcome.exit_code == 0, launch.log_path.read_text()
    assert outcome.resource_method == "docker-cgroup"
    assert 0.7 <= outcome.cpu_user_s + outcome.cpu_sys_s <= outcome.wall_s + 0.2
    assert outcome.peak_rss_mb is not None and outcome.peak_rss_mb > 10


def test_job_log_survives_a_silence_longer_than_the_client_timeout(probe_image, docker_config, tmp_path):
    import docker  # noqa: PLC0415

    fw, image = probe_image
    ex = DockerExecutor(image, fw, docker_config, (0,), client=docker.from_env(timeout=5))
    try:
        launch = make_launch(tmp_path, params={"say_after_s": 7}, tag="silence")
        outcome = ex.run(launch)
    finally:
        ex.close()
    assert outcome.exit_code == 0
    log = launch.log_path.read_text()
    assert "probe: before the silence" in log and "probe: after the silence" in log
