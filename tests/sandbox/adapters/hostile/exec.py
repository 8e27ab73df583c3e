"""A hostile adapter: its fit tries the attack named by ``params.attack``, then predicts class priors.

What each attempt achieved goes into the model's info (``result.json``), so a test can tell
"blocked" from "not tried". ``params.hints`` holds what an attacker could know or guess about
the host: the truth files' paths, the data cache, the output dir and store, the source tree,
a token to name what it leaves behind, a port the test listens on at the host's loopback.
"""
import json
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def _priors(train, config):
    priors = train.y.value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0).to_numpy()
    majority = config.class_labels[int(np.argmax(priors))]
    return Fitted(predict=lambda X: np.full(len(X), majority, dtype=object),
                  predict_proba=lambda X: np.tile(priors, (len(X), 1)), models_count=1)


def _try(action) -> str:
    """"ok" when ``action`` succeeded, else the error's name (EACCES, EROFS, ENOENT, ...)."""
    try:
        action()
        return "ok"
    except OSError as e:
        return os.strerror(e.errno) if e.errno else type(e).__name__
    except Exception as e:  # noqa: BLE001 - sqlite3 errors and the like
        return type(e).__name__


def _job_json(config) -> dict:
    for folder in (Path(config.work_dir).parent, Path.cwd().parent):
        if (folder / "job.json").exists():
            return json.loads((folder / "job.json").read_text())
    return {}


def _truth_candidates(config, hints) -> list[str]:
    job = _job_json(config)
    found = [*hints.get("truth", [])]
    if job.get("train"):
        found.append(str(Path(job["train"]).parent / "test_target.parquet"))
    deadline = time.monotonic() + 5
    for folder, dirs, files in os.walk("/"):
        if time.monotonic() > deadline:
            break
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev", "/usr")]
        found += [os.path.join(folder, f) for f in files if f.startswith("test_target")]
    return list(dict.fromkeys(found))


def read_truth(train, config, hints, info):
    """Read the test labels and predict them: a perfect score."""
    for path in _truth_candidates(config, hints):
        try:
            truth = pd.read_parquet(path).iloc[:, 0]
        except Exception:  # noqa: BLE001
            continue
        info["read"] = path
        labels = list(config.class_labels)
        onehot = np.eye(len(labels))[[labels.index(str(v)) for v in truth.astype(str)]]
        return Fitted(predict=lambda X: truth.astype(str).to_numpy(dtype=object)[:len(X)],
                      predict_proba=lambda X: onehot[:len(X)] if len(X) == len(truth) else
                      np.full((len(X), len(labels)), 1 / len(labels)))
    info["read"] = None
    return _priors(train, config)


def link_truth(train, config, hints, info):
    """Leave predictions.parquet as a symbolic link to the test labels: the runner would score the truth."""
    target = hints["truth"][0]
    original = pd.DataFrame.to_parquet

    def to_parquet(self, path, *args, **kwargs):
        if Path(str(path)).name == "predictions.parquet":
            info["linked"] = _try(lambda: os.symlink(target, path))
            return None
        return original(self, path, *args, **kwargs)

    pd.DataFrame.to_parquet = to_parquet
    return _priors(train, config)


def poison_cache(train, config, hints, info):
    """Rewrite the cached truth and fold files (where it can see them, and where it guesses they are)."""
    job = _job_json(config)
    targets = [*hints.get("truth", []), job.get("train", ""), job.get("test", "")]
    for path in filter(None, targets):
        info[path] = {
            "write": _try(lambda p=path: open(p, "r+b").write(b"poison")),
            "chmod": _try(lambda p=path: os.chmod(p, 0o666)),
            "replace": _try(lambda p=path: (Path(p + ".x").write_bytes(b"poison"), os.replace(p + ".x", p))),
            "unlink": _try(lambda p=path: os.unlink(p)),
        }
    return _priors(train, config)


def rewrite_store(train, config, hints, info):
    """Change another framework's result in results.db and add a fake row to results.csv."""
    def update():
        db = sqlite3.connect(f"file:{hints['store']}?mode=rw", uri=True, timeout=2)
        db.execute("UPDATE attempts SET status = 'ok'")
        db.execute("INSERT INTO meta (key, value) VALUES ('FAKE_FRAMEWORK', '-999')")
        db.commit()

    info["store"] = _try(update)
    info["csv"] = _try(lambda: open(hints["csv"], "a").write("FAKE_FRAMEWORK,-999\n"))
    return _priors(train, config)


def write_anywhere(train, config, hints, info):
    """Write files everywhere an attacker would like to, open the Docker socket, reach the network."""
    name = f"amlb-attack-{hints['token']}"
    for key in ("source", "out", "adapter", "cache"):
        if hints.get(key):
            info[key] = _try(lambda d=hints[key]: Path(d, name).write_text("x"))
    for d in ("/tmp", "/root", "/etc", "/var/tmp", "/dev/shm", "/home"):
        info[d] = _try(lambda d=d: Path(d, name).write_text("x"))
    info["docker.sock"] = _try(lambda: os.close(os.open("/var/run/docker.sock", os.O_RDWR)))

    def docker_connect():
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect("/var/run/docker.sock")
        s.close()

    info["docker.sock connect"] = _try(docker_connect)
    if hints.get("port"):
        info["host loopback"] = _try(lambda: socket.create_connection(("127.0.0.1", hints["port"]), timeout=2).close())
    info["internet"] = _try(lambda: socket.create_connection(("1.1.1.1", 53), timeout=2).close())
    info["uid"] = os.getuid()
    return _priors(train, config)


def escape_cgroup(train, config, hints, info):
    """Move into another cgroup (the root's, the parent's), then use more memory than the limit."""
    candidates = ["/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/unified/cgroup.procs"]
    candidates += [f"/sys/fs/cgroup/{c}/cgroup.procs" for c in ("memory", "cpuset", "cpuacct", "cpu,cpuacct")]
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        base = Path("/sys/fs/cgroup") / (controllers.split(",")[0].removeprefix("name=") if controllers else "")
        candidates.append(str(base / path.lstrip("/") / ".." / "cgroup.procs"))
    for procs in candidates:
        result = _try(lambda p=procs: open(p, "w").write(str(os.getpid())))
        if result == "ok":
            info.setdefault("escaped", []).append(procs)
    Path("info.json").write_text(json.dumps(info))
    block = np.ones(int(hints.get("allocate_mb", 1200)) * 2**20, dtype=np.uint8)  # touched pages
    info["allocated_mb"] = int(block.sum() // 2**20)
    return _priors(train, config)


def widen_cpus(train, config, hints, info):
    """Use more CPUs than the job was given."""
    info["given"] = sorted(os.sched_getaffinity(0))
    info["widen"] = _try(lambda: os.sched_setaffinity(0, range(os.cpu_count() or 1)))
    info["after"] = sorted(os.sched_getaffinity(0))
    return _priors(train, config)


def _daemon(token: str, hops: int = 0) -> None:
    """Detach a process that sleeps forever with an empty environment, after ``hops`` fork-and-exit steps."""
    if os.fork() == 0:
        os.setsid()
        for _ in range(hops):
            if os.fork() != 0:
                os._exit(0)
        if os.fork() == 0:
            code = "import time\nwhile True: time.sleep(1)"
            os.execve(sys.executable, [sys.executable, "-c", code, f"amlb-daemon-{token}"], {})
        os._exit(0)
    os.wait()


def daemon(train, config, hints, info):
    """Leave daemons running: a setsid double fork with an empty environment, and a fork-and-exit chain."""
    _daemon(hints["token"])
    _daemon(hints["token"], hops=30)
    time.sleep(0.5)
    return _priors(train, config)


def kill_worker(train, config, hints, info):
    """Leave a daemon, then kill the warm worker (the job's parent) with it."""
    _daemon(hints["token"])
    time.sleep(0.3)
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(5)
    return _priors(train, config)


ATTACKS = {f.__name__: f for f in (read_truth, link_truth, poison_cache, rewrite_store, write_anywhere,
                                    escape_cgroup, widen_cpus, daemon, kill_worker)}


def fit(train, config):
    hints = config.params.get("hints") or {}
    info: dict = {}
    model = ATTACKS[config.params["attack"]](train, config, hints, info)
    model.info = info
    return model
