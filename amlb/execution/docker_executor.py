"""Docker mode executor: every job in a fresh container of the framework's image.

The container gets the job's CPU set (``cpuset_cpus`` and ``nano_cpus``), its memory limit
with swap off, no network (``docker.network``), a non-root user without capabilities, the
job's training and test-feature files read-only (never the test target, nor the folder
holding it) and the job and work dirs writable, all mounted at their host paths so the
absolute paths in ``job.json`` work unchanged; a read-only root filesystem with a private ``/tmp``; no Docker socket. After the container, links
and special files it left in the job's folder are removed before the runner reads it. The wall-clock limit kills the container
(and ``timeout`` inside it stops the job even if the runner dies); ``State.OOMKilled``
marks a memory overrun. CPU and peak memory come from the container's cgroup: with the
``cgroupfs`` driver the container is created below a per-job parent cgroup that outlives
it, so the counters are exact; otherwise its own cgroup is sampled while it runs.
Containers carry labels naming the runner, so a later run removes what a killed one left.
"""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from amlb.config import Config
from amlb.definitions import FrameworkDef
from amlb.environments.docker_image import IMAGE_VENV, BuiltImage, docker_client
from amlb.execution.api import Launch, Outcome
from amlb.execution.cgroups import JobCgroup, Usage
from amlb.execution.processes import process_start
from amlb.execution.sandbox import chown_tree, drop_special
from amlb.jobfiles import append_line, open_log_for_append

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "amlb-docker"  # per-job parents: /sys/fs/cgroup/[<controller>/]amlb-docker/<container name>
LABEL = "org.amlb"
CONTAINER_UID = 1000  # the job's user when the runner is root (otherwise the runner's own uid)
SAFETY_MARGIN_S = 60  # `timeout` in the container kills the job this long after the runner should have
SAMPLE_INTERVAL_S = 0.25
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def runner_label() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}/{pid}/{process_start(pid)}"


def _runner_alive(label: str) -> bool:
    host, _, rest = label.partition("/")
    pid, _, start = rest.partition("/")
    if host != socket.gethostname():
        return True  # another host's runner on a shared engine: not ours to judge
    return pid.isdigit() and process_start(int(pid)) == start


def _parent_dirs(name: str) -> list[Path]:
    """The per-job parent cgroup of container ``name`` in every hierarchy where it exists."""
    found = [d / CGROUP_PARENT / name for d in CGROUP_ROOT.iterdir() if d.is_dir()]
    found.append(CGROUP_ROOT / CGROUP_PARENT / name)
    return [d for d in found if d.is_dir()]


def _remove_cgroup_dirs(dirs: list[Path]) -> None:
    for d in dirs:
        for _ in range(50):
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:  # the container's own group is still being torn down
                time.sleep(0.02)


def remove_leftover_containers(client: Any) -> int:
    """Remove amlb containers (and their parent cgroups) whose runner is gone; return how many."""
    removed = 0
    for c in client.api.containers(all=True, filters={"label": f"{LABEL}.runner"}):
        labels = c.get("Labels") or {}
        if _runner_alive(labels.get(f"{LABEL}.runner", "")):
            continue
        try:
            client.api.remove_container(c["Id"], force=True)
            removed += 1
        except Exception:  # noqa: BLE001 - removed by someone else meanwhile
            pass
        name = (c.get("Names") or ["/"])[0].lstrip("/")
        if name and os.geteuid() == 0:
            _remove_cgroup_dirs(_parent_dirs(name))
    return removed


class _Sampler(threading.Thread):
    """Reads a running container's own cgroup counters until stopped (non-cgroupfs drivers)."""

    def __init__(self, pid: int, version: int):
        super().__init__(daemon=True)
        self.cgroup = _own_cgroup(pid, version)
        self.usage: Usage | None = None
        self.stopped = threading.Event()

    def run(self) -> None:
        while self.cgroup is not None and not self.stopped.is_set():
            usage = self.cgroup.usage()
            if usage.peak_mb is None and usage.cpu_user_s == 0 and self.usage is not None:
                break  # the group is gone: keep the last reading
            self.usage = usage
            self.stopped.wait(SAMPLE_INTERVAL_S)


def _own_cgroup(pid: int, version: int) -> JobCgroup | None:
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    dirs: dict[str, Path] = {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if version == 2 and controllers == "":
            dirs["unified"] = CGROUP_ROOT / path.lstrip("/")
        for c in controllers.split(","):
            if c in ("cpuacct", "memory"):
                dirs[c] = CGROUP_ROOT / controllers / path.lstrip("/")
    needed = ("unified",) if version == 2 else ("cpuacct", "memory")
    return JobCgroup(dirs, version) if all(k in dirs for k in needed) else None


def isolation(network: str) -> str:
    """What a results row records for a job in a container."""
    uid = CONTAINER_UID if os.geteuid() == 0 else os.geteuid()
    return f"docker uid={uid} net={network} read-only-root cap-drop=ALL no-new-privileges"


def job_inputs(launch: Launch) -> list[Path]:
    """The files the job may read: its training data and test features, as ``job.json`` names them."""
    try:
        payload = json.loads((launch.job_dir / "job.json").read_text())
        return [Path(payload[key]) for key in ("train", "test") if Path(payload[key]).is_file()]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # the adapter finds no job to run and says so


class DockerExecutor:
    """Runs jobs of one framework, each in a fresh container of its image."""

    def __init__(self, image: BuiltImage, fw: FrameworkDef, config: Config, cpus: tuple[int, ...] = (),
                 *, client: Any = None):
        self.image, self.fw, self.cpus = image, fw, cpus
        self.network = str(config["docker"]["network"])
        self.client = client or docker_client()
        info = self.client.info()
        self.cgroup_version = int(info.get("CgroupVersion") or 1)
        # exact accounting through a parent cgroup that outlives the container needs the cgroupfs
        # driver (systemd wants slices) and a runner that may remove the parent afterwards
        self.parent_cgroups = info.get("CgroupDriver") == "cgroupfs" and os.geteuid() == 0
        self.host_uid = os.geteuid()
        self.user = (CONTAINER_UID, CONTAINER_UID) if self.host_uid == 0 else (self.host_uid, os.getegid())
        self.runner = runner_label()
        self._active: dict[str, str] = {}  # container id -> name, of jobs running now
        self._lock = threading.Lock()
        remove_leftover_containers(self.client)

    def prepare(self) -> None:
        """Nothing to start ahead: every job gets a fresh container."""

    # --- container -----------------------------------------------------------------
    def _environment(self, launch: Launch) -> dict[str, str]:
        work = launch.work_dir
        env = {"HOME": str(work / "home"), "TMPDIR": str(work / "tmp"), "USER": "amlb", "LOGNAME": "amlb",
               "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        cpus = launch.cpus or self.cpus
        if cpus:
            env.update({k: str(len(cpus)) for k in THREAD_VARS})
        env.update(launch.env)
        env["AMLB_JOB_DEADLINE"] = str(time.time() + launch.timeout_s)  # caps inference timing, as in local mode
        return env

    def _create(self, launch: Launch, name: str, env: dict[str, str]) -> str:
        api = self.client.api
        cpus = launch.cpus or self.cpus
        binds = {str(p): {"bind": str(p), "mode": "ro"} for p in job_inputs(launch)}  # not the test target
        binds.update({str(launch.job_dir): {"bind": str(launch.job_dir), "mode": "rw"},
                      str(launch.work_dir): {"bind": str(launch.work_dir), "mode": "rw"}})
        limits: dict[str, Any] = {}
        if cpus:
            limits.update(cpuset_cpus=",".join(map(str, cpus)), nano_cpus=len(cpus) * 10**9)
        if launch.memory_mb:
            memory = f"{int(launch.memory_mb)}m"
            limits.update(mem_limit=memory, memswap_limit=memory, shm_size=memory)
        if self.parent_cgroups:
            limits["cgroup_parent"] = f"/{CGROUP_PARENT}/{name}"
        host_config = api.create_host_config(
            binds=binds, network_mode=self.network, security_opt=["no-new-privileges"], cap_drop=["ALL"],
            read_only=True, tmpfs={"/tmp": "rw,nosuid,nodev,mode=1777"}, **limits)
        command = ["timeout", "-s", "KILL", str(int(launch.timeout_s + SAFETY_MARGIN_S)), f"{IMAGE_VENV}/bin/python",
                   self.image.adapter_runner, self.image.exec_path(self.fw), str(launch.job_dir)]
        labels = {f"{LABEL}.runner": self.runner, f"{LABEL}.job": launch.tag, f"{LABEL}.framework": self.fw.name}
        created = api.create_container(
            self.image.id, command, name=name, user=f"{self.user[0]}:{self.user[1]}", environment=env,
            working_dir=str(launch.work_dir), labels=labels, host_config=host_config)
        return created["Id"]

    def _prepare_dirs(self, launch: Launch, env: dict[str, str]) -> tuple[int, int] | None:
        """Create the job's scratch dirs; when the runner is root, hand them to the container user."""
        launch.work_dir.mkdir(parents=True, exist_ok=True)
        for key in ("HOME", "TMPDIR"):
            path = Path(env[key])
            if path.is_relative_to(launch.work_dir):
                path.mkdir(parents=True, exist_ok=True)
        launch.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.host_uid != 0:
            return None
        st = launch.job_dir.stat()
        try:
            os.chown(launch.job_dir, *self.user)
            chown_tree(launch.work_dir, *self.user)
        except PermissionError:  # e.g. root-squashed network storage: open the folders instead
            for folder in [launch.job_dir, *(p for p in launch.work_dir.rglob("*") if p.is_dir()), launch.work_dir]:
                folder.chmod(0o777)
            return None
        return st.st_uid, st.st_gid

    def _restore_owner(self, launch: Launch, owner: tuple[int, int] | None) -> None:
        if owner is None:
            return
        chown_tree(launch.job_dir, *owner)
        if not launch.work_dir.is_relative_to(launch.job_dir):
            chown_tree(launch.work_dir, *owner)

    # --- one job ---------------------------------------------------------------------
    def run(self, launch: Launch) -> Outcome:
        outcome = Outcome(environment=self.image.id, isolation=isolation(self.network))
        safe_tag = re.sub(r"[^A-Za-z0-9_.-]", "_", launch.tag or "job")[:80]
        name = f"amlb-{safe_tag}-{uuid.uuid4().hex[:8]}"
        env = self._environment(launch)
        owner = self._prepare_dirs(launch, env)
        container_id = None
        logger: threading.Thread | None = None
        sampler: _Sampler | None = None
        try:
            try:
                container_id = self._create(launch, name, env)
            except Exception as e:  # noqa: BLE001 - the engine refused: the job never started
                outcome.infrastructure_error = f"cannot create the job's container: {_reason(e)}"
                return outcome
            with self._lock:
                self._active[container_id] = name
            start = time.monotonic()
            try:
                self.client.api.start(container_id)
            except Exception as e:  # noqa: BLE001
                outcome.infrastructure_error = f"cannot start the job's container: {_reason(e)}"
                return outcome
            logger = threading.Thread(target=self._copy_logs, args=(container_id, launch.log_path), daemon=True)
            logger.start()
            if not self.parent_cgroups:
                pid = self.client.api.inspect_container(container_id)["State"].get("Pid") or 0
                sampler = _Sampler(pid, self.cgroup_version)
                sampler.start()
            status = self._wait(container_id, start + launch.timeout_s)
            if status is None:  # over time: kill it and collect what is left
                outcome.timed_out = True
                self._kill(container_id)
                status = self._wait(container_id, time.monotonic() + 30)
            outcome.wall_s = time.monotonic() - start
            state = self.client.api.inspect_container(container_id)["State"]
            code = state.get("ExitCode") if status is None else status
            outcome.memory_exceeded = bool(state.get("OOMKilled"))
            outcome.exit_code = _exit_code(code, killed=outcome.timed_out or outcome.memory_exceeded)
            if status is None and state.get("Running"):
                outcome.infrastructure_error = "the job's container did not stop after a kill"
        except Exception as e:  # noqa: BLE001 - the engine went away mid-job
            if not outcome.infrastructure_error:
                outcome.infrastructure_error = f"lost the job's container: {_reason(e)}"
        finally:
            if container_id is not None:
                self._finish(container_id, name, outcome, logger, sampler)
            self._restore_owner(launch, owner)
            dropped = drop_special(launch.job_dir)
            if dropped:
                append_line(launch.log_path, f"[amlb] dropped {dropped} link(s) or special file(s) the job left "
                                             "in its folder")
        return outcome

    def _wait(self, container_id: str, deadline: float) -> int | None:
        """The container's exit status, or None when it is still running at ``deadline``."""
        import requests  # noqa: PLC0415 - the Docker SDK's transport

        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                result = self.client.api.wait(container_id, timeout=max(1, min(left, 3600)))
                return int(result.get("StatusCode", -1))
            except requests.exceptions.RequestException as e:
                if isinstance(e, requests.exceptions.ReadTimeout) or "timed out" in str(e):
                    continue  # no answer yet: check the deadline again
                raise

    def _kill(self, container_id: str) -> None:
        try:
            self.client.api.kill(container_id)
        except Exception:  # noqa: BLE001 - it ended by itself meanwhile
            pass

    def _copy_logs(self, container_id: str, log_path: Path) -> None:
        """Append the container's stdout and stderr to the job log as they come."""
        log = open_log_for_append(log_path)  # never a FIFO or a link the job put at its log's name
        if log is None:
            return
        try:
            with log:
                for chunk in self.client.api.logs(container_id, stdout=True, stderr=True, stream=True, follow=True):
                    log.write(chunk)
                    log.flush()
        except Exception:  # noqa: BLE001 - the container was removed under us (interrupted run)
            pass

    def _finish(self, container_id: str, name: str, outcome: Outcome, logger: threading.Thread | None,
                sampler: _Sampler | None) -> None:
        """Read the accounting, stop and remove the container and its parent cgroup."""
        self._kill(container_id)  # a no-op unless interrupted mid-job
        if logger is not None:
            logger.join(timeout=5)
        usage = None
        if self.parent_cgroups:
            self._wait_stopped(container_id)
            dirs = {d.parent.parent.name if d.parent.parent != CGROUP_ROOT else "unified": d
                    for d in _parent_dirs(name)}
            needed = ("unified",) if self.cgroup_version == 2 else ("cpuacct", "memory")
            if all(k in dirs for k in needed):
                usage = JobCgroup(dirs, self.cgroup_version).usage()
        elif sampler is not None:
            sampler.stopped.set()
            sampler.join(timeout=2)
            usage = sampler.usage
        if usage is not None:
            outcome.cpu_user_s, outcome.cpu_sys_s = usage.cpu_user_s, usage.cpu_sys_s
            outcome.peak_rss_mb = usage.peak_mb
            outcome.memory_exceeded = outcome.memory_exceeded or bool(usage.oom_killed)
            outcome.resource_method = "docker-cgroup"
        self._remove(container_id, name)

    def _wait_stopped(self, container_id: str) -> None:
        try:
            self.client.api.wait(container_id, timeout=10)
        except Exception:  # noqa: BLE001
            pass

    def _remove(self, container_id: str, name: str) -> None:
        try:
            self.client.api.remove_container(container_id, force=True)
        except Exception:  # noqa: BLE001 - already gone, or the engine is down (a later run cleans up)
            pass
        if self.parent_cgroups:
            _remove_cgroup_dirs(_parent_dirs(name))
        with self._lock:
            self._active.pop(container_id, None)

    def close(self) -> None:
        """Remove containers of jobs still running (an interrupted run)."""
        with self._lock:
            active = list(self._active.items())
        for container_id, name in active:
            self._kill(container_id)
            self._remove(container_id, name)


def _exit_code(code: int | None, killed: bool) -> int | None:
    """Docker's status as the local executor reports it: negative for a signal."""
    if code is None:
        return None
    if 128 < code <= 128 + 64:
        return -(code - 128)
    return -9 if killed and code < 0 else code


def _reason(e: Exception) -> str:
    explanation = getattr(e, "explanation", None)
    return str(explanation or e).splitlines()[0][:200] if (explanation or str(e)) else type(e).__name__
