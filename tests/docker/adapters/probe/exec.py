"""A test adapter that reports what its job sees from inside its container.

``fit`` records the user, CPU affinity, cgroup limits, network routes and whether the
fold-file folder and the work dir are writable into ``Fitted.info`` (result.json). Its
params make a job misbehave on purpose: ``allocate_mb`` (touch that much memory),
``sleep_s`` (outlive the budget), ``burn_s`` (busy CPU seconds), ``say_after_s`` (print a
line after that long a silence).
"""
import atexit
import errno
import json
import os
import socket
import time
from pathlib import Path

import numpy as np
from amlb_adapter import Fitted

CGROUP = Path("/sys/fs/cgroup")


def _first(*paths):
    for p in paths:
        try:
            return (CGROUP / p).read_text().strip()
        except OSError:
            continue
    return None


def _limits():
    return {
        "memory_limit": _first("memory/memory.limit_in_bytes", "memory.max"),
        "memsw_limit": _first("memory/memory.memsw.limit_in_bytes", "memory.swap.max"),
        "cpu_quota": _first("cpu/cpu.cfs_quota_us", "cpu,cpuacct/cpu.cfs_quota_us", "cpu.max"),
        "cpu_period": _first("cpu/cpu.cfs_period_us", "cpu,cpuacct/cpu.cfs_period_us"),
        "cpuset": _first("cpuset/cpuset.cpus", "cpuset.cpus.effective", "cpuset.cpus"),
    }


def _network():
    interfaces = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
    # a UDP connect only looks up a route, it sends nothing: "unreachable" means no network at all
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
        route = "routable"
    except OSError as e:
        route = errno.errorcode.get(e.errno, str(e.errno))
    return {"interfaces": interfaces, "udp_route": route}


def _try_write(folder):
    target = Path(folder) / f"probe-write-{os.getpid()}"
    try:
        target.write_text("x")
        target.unlink()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def _burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def _burn_in_child_and_orphaned_grandchild(seconds, work_dir):
    """A child and a grandchild each burn ``seconds`` of CPU; the child exits first, orphaning the grandchild.

    Each writes its own CPU time (user + system, from its fork) just before it exits; returns their sum.
    """
    done_r, done_w = os.pipe()
    if os.fork() == 0:  # a forked process's CPU counters start at zero
        os.close(done_r)
        if os.fork() == 0:
            _burn(seconds)
            t = os.times()
            Path(work_dir, "grandchild.cpu").write_text(repr(t.user + t.system))
            os._exit(0)  # closes done_w: the main process sees EOF
        os.close(done_w)
        _burn(seconds / 2)
        t = os.times()
        Path(work_dir, "child.cpu").write_text(repr(t.user + t.system))
        os._exit(0)
    os.close(done_w)
    os.read(done_r, 1)  # EOF once the grandchild (the last holder of done_w) is gone
    os.wait()
    return sum(float(Path(work_dir, f).read_text()) for f in ("child.cpu", "grandchild.cpu"))


def _write_own_cpu(path):
    t = os.times()
    path.write_text(repr(t.user + t.system))


def fit(train, config):
    params = dict(config.params)
    job = json.loads((Path(params["job_dir"]) / "job.json").read_text())
    # this process's own CPU over its whole life (imports, fit, predict, inference timing, writing
    # results), written as the interpreter exits: a reference for the container's metered total
    atexit.register(_write_own_cpu, Path(config.work_dir, "main.cpu"))
    info = {
        "uid": os.getuid(), "gid": os.getgid(), "affinity": sorted(os.sched_getaffinity(0)),
        "limits": _limits(), "network": _network(), "cwd": os.getcwd(),
        "write_data_dir": _try_write(Path(job["train"]).parent), "write_work_dir": _try_write(config.work_dir),
        "home": os.environ.get("HOME"), "tmpdir": os.environ.get("TMPDIR"),
        "omp_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    if params.get("allocate_mb"):
        block = np.ones(int(params["allocate_mb"]) * 2**20, dtype=np.uint8)  # touched pages, not just reserved
        info["allocated"] = int(block.sum() // 2**20)
    if params.get("burn_s"):
        end, n = time.process_time() + float(params["burn_s"]), 0
        while time.process_time() < end:
            n += 1
    if params.get("burn_tree_s"):
        info["tree_cpu_s"] = _burn_in_child_and_orphaned_grandchild(float(params["burn_tree_s"]), config.work_dir)
    if params.get("say_after_s"):
        print("probe: before the silence", flush=True)
        time.sleep(float(params["say_after_s"]))
        print("probe: after the silence", flush=True)
    if params.get("sleep_s"):
        time.sleep(float(params["sleep_s"]))
    label = config.class_labels[0] if config.class_labels else 0.0
    return Fitted(predict=lambda X: np.full(len(X), label, dtype=object), models_count=1, info=info)
