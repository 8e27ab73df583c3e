"""Hostile-adapter runs: the CLI as a user runs it, with ``tests/sandbox/adapters/hostile`` attacking it.

Each run is ``runbenchmark.py constantpredictor,hostile_ATTACK,... example -t iris -f 0`` on a
private, prefetched data cache, with a user folder whose ``frameworks.yaml`` makes one variant
of the hostile adapter per attack and gives it what an attacker could know about the host
(:class:`Hints`). The run's checks live in :class:`HostileRun`: what it must find afterwards
(statuses, an unchanged cache and store, no file outside the job's folder, nothing running).
"""
from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

ADAPTERS = Path(__file__).resolve().parent / "adapters"
NOBODY = 65534
MEMORY_MB = 400
ATTACKS = ("read_truth", "link_truth", "poison_cache", "rewrite_store", "write_anywhere", "escape_cgroup",
           "widen_cpus", "daemon", "kill_worker")
WRITE_TARGETS = ("/tmp", "/root", "/etc", "/var/tmp", "/dev/shm", "/home")
PRIVATE_SCRATCH = ("/tmp", "/dev/shm")
ALLOWED_TOP = {"results.csv", "results.db", "results.db-wal", "results.db-shm", "jobs", "logs"}


def bwrap_or_skip() -> str:
    path = shutil.which("bwrap")
    if path is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    return path


class Listener:
    """A TCP server on the host's loopback that counts who connects (a sandboxed job must not)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                continue

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


def checksums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def processes_with(needle: bytes, where: str = "cmdline") -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = Path(f"/proc/{entry.name}/{where}").read_bytes()
            state = Path(f"/proc/{entry.name}/stat").read_bytes()
        except OSError:
            continue
        if needle in text and state[state.rfind(b")") + 2:].split()[0] not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


@dataclass
class HostileRun:
    tmp: Path
    mode: str
    attacks: tuple[str, ...]
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    results: pd.DataFrame = field(default_factory=pd.DataFrame)
    cache_before: dict[str, str] = field(default_factory=dict)
    cache_after: dict[str, str] = field(default_factory=dict)
    listener_connections: int = 0
    runner_pid: int = 0

    @property
    def out(self) -> Path:
        return self.tmp / "out"

    @property
    def data(self) -> Path:
        return self.tmp / "data"

    def row(self, framework: str) -> pd.Series:
        rows = self.results[self.results.framework == framework]
        assert len(rows) == 1, f"{len(rows)} rows for {framework}: {self.stderr[-2000:]}"
        return rows.iloc[0]

    def info(self, attack: str) -> dict:
        row = self.row(f"hostile_{attack}")
        path = self.out / "jobs" / f"hostile_{attack}" / "iris" / "fold0" / f"attempt{row.attempt}" / "result.json"
        return json.loads(path.read_text())["info"]

    def job_dirs(self, attack: str) -> list[Path]:
        return sorted((self.out / "jobs" / f"hostile_{attack}").rglob("attempt*"))

    def token_files(self) -> list[str]:
        """Files the attacks named with the token, anywhere they may have tried (but their own job folders)."""
        name = f"amlb-attack-{self.token}"
        places = [ROOT, self.out, ADAPTERS / "hostile", self.data, *map(Path, WRITE_TARGETS)]
        found = [str(p / name) for p in places if (p / name).exists()]
        found += [str(p) for p in self.out.rglob(name) if "jobs" not in p.relative_to(self.out).parts]
        return found


def _frameworks_yaml(run: HostileRun, truth: list[Path], port: int) -> str:
    hints = {"truth": [str(t) for t in truth], "cache": str(run.data), "out": str(run.out),
             "store": str(run.out / "results.db"), "csv": str(run.out / "results.csv"), "source": str(ROOT),
             "adapter": str(ADAPTERS / "hostile"), "token": run.token, "port": port, "allocate_mb": 3 * MEMORY_MB}
    entries = {f"hostile_{a}": {"extends": "hostile", "params": {"attack": a, "hints": hints}} for a in run.attacks}
    return json.dumps(entries, indent=1)  # JSON is YAML


def _outer_sandbox_as_nobody(environments: Path, home: Path) -> list[str]:
    """Run the runner as nobody: a mount namespace (made by root) where /root holds only the interpreter and
    the test environments, read-only; everything else is the host's. The runner then builds its own
    sandboxes as an unprivileged user."""
    prefix = Path(sys.base_prefix).resolve()
    args = ["bwrap", "--dev-bind", "/", "/", "--perms", "0755", "--tmpfs", "/root"]
    made: set[Path] = set()
    for path in (prefix, environments.resolve()):
        if path.is_relative_to("/root"):
            for parent in reversed(path.parents[:-2]):
                if parent not in made and parent != Path("/root"):
                    made.add(parent)
                    args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", str(path), str(path)]
    args += ["--setenv", "HOME", str(home), "--"]
    return [*args, "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def hostile_run(tmp: Path, environments: Path, attacks: tuple[str, ...], *, mode: str = "local",
                as_nobody: bool = False, overrides: list[str] | None = None, timeout: float = 900) -> HostileRun:
    run = HostileRun(tmp, mode, attacks)
    python = sys.executable
    prefetch = subprocess.run([python, "-m", "amlb", "datasets", "prefetch", "iris", "--write-folds", "--cache-dir",
                               str(run.data)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert prefetch.returncode == 0, prefetch.stderr[-2000:]
    truth = sorted(run.data.rglob("test_target.parquet"), key=lambda p: p.parent.name)
    listener = Listener()
    user = tmp / "user"
    user.mkdir()
    (user / "frameworks.yaml").write_text(_frameworks_yaml(run, truth, listener.port))
    frameworks = ",".join(["constantpredictor", *(f"hostile_{a}" for a in attacks)])
    cmd = [python, str(ROOT / "runbenchmark.py"), frameworks, "example", "-t", "iris", "-f", "0", "-m", mode,
           "-o", str(run.out), "-u", str(user), "-X", f"framework_dirs=[{ADAPTERS}]",
           "-X", f"environments.dir={environments}", "-X", f"data.cache_dir={run.data}",
           "-X", f"job.max_mem_size_mb={MEMORY_MB}", "-X", "job.attempts=1"]
    if mode == "local":
        cmd += ["-X", "job.sandbox=require"]
    for o in overrides or []:
        cmd += ["-X", o]
    env = {**os.environ}
    if as_nobody:
        home = tmp / "home"
        home.mkdir()
        cmd = [*_outer_sandbox_as_nobody(environments, home), *cmd, "-s", "skip"]
        for p in [tmp, *tmp.rglob("*")]:
            os.lchown(p, NOBODY, NOBODY)
        env["HOME"] = str(home)
    run.cache_before = checksums(run.data)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    run.runner_pid = proc.pid
    try:
        run.stdout, run.stderr = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        listener.close()
    run.returncode = proc.returncode
    run.listener_connections = listener.connections
    run.cache_after = checksums(run.data)
    if (run.out / "results.csv").is_file():
        run.results = pd.read_csv(run.out / "results.csv")
    return run


def check_common(run: HostileRun, isolation_prefix: str) -> None:
    """What every hostile run must show, whatever the attacks."""
    assert run.returncode == 1, run.stderr[-3000:]  # the run finished; link_truth's job failed
    assert set(run.results.framework) == {"constantpredictor", *(f"hostile_{a}" for a in run.attacks)}
    honest = run.row("constantpredictor")
    assert honest.status == "ok", honest.info
    assert honest.result == pytest.approx(-1.0986, abs=0.05)  # class priors on iris
    assert run.results.isolation.astype(str).str.startswith(isolation_prefix).all(), run.results.isolation.tolist()
    # the store: no fake rows, every attempt as results.csv says
    assert "FAKE_FRAMEWORK" not in (run.out / "results.csv").read_text()
    db = sqlite3.connect(run.out / "results.db")
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        statuses = dict(db.execute("SELECT job_key || attempt, status FROM attempts").fetchall())
    finally:
        db.close()
    assert "FAKE_FRAMEWORK" not in meta
    assert sorted(statuses.values()) == sorted(run.results.status)
    # the data cache: every file as it was, no new ones
    assert run.cache_after == run.cache_before
    # nothing written outside the jobs' own folders, nothing left running
    assert run.token_files() == []
    assert set(p.name for p in run.out.iterdir()) <= ALLOWED_TOP, sorted(p.name for p in run.out.iterdir())
    assert [p.name for p in (run.out / "logs").iterdir() if p.name.startswith(".sandbox")] == []
    assert processes_with(f"amlb-daemon-{run.token}".encode()) == []
    assert processes_with(f"{run.out}".encode()) == []  # the runner and its workers are gone
    assert run.listener_connections == 0


def check_attacks(run: HostileRun, cgroups: bool) -> None:
    """The status and the blocked attempts of each attack."""
    attacks = set(run.attacks)
    if "read_truth" in attacks:
        row = run.row("hostile_read_truth")
        assert row.status == "ok" and row.result < -0.5, (row.status, row.result)  # not a perfect score
        assert run.info("read_truth")["read"] is None
    if "link_truth" in attacks:
        row = run.row("hostile_link_truth")
        assert row.status == "invalid_predictions" and row.error_type == "NoPredictions", (row.status, row.info)
        for d in run.job_dirs("link_truth"):
            assert not [p for p in d.rglob("*") if p.is_symlink()]
    if "poison_cache" in attacks:
        assert run.row("hostile_poison_cache").status == "ok"
        tried = run.info("poison_cache")
        assert tried and all(v != "ok" for attempts in tried.values() for v in attempts.values()), tried
    if "rewrite_store" in attacks:
        assert run.row("hostile_rewrite_store").status == "ok"
        tried = run.info("rewrite_store")
        assert tried["store"] != "ok" and tried["csv"] != "ok", tried
    if "write_anywhere" in attacks:
        assert run.row("hostile_write_anywhere").status == "ok"
        tried = run.info("write_anywhere")
        uid = tried.pop("uid")
        assert uid != 0 or run.mode == "local" and os.geteuid() != 0
        # the job's private /tmp and /dev/shm (tmpfs of its own sandbox) may take files: token_files() shows
        # none of them reached the host's
        # a target that lies under /tmp (the checkout, output or cache of a run in a temp dir) is inside that
        # private tmpfs too, where the job may own the folders bwrap made for its mounts: not the host's either
        targets = {"source": ROOT, "out": run.out, "adapter": ADAPTERS / "hostile", "cache": run.data}
        private = set(PRIVATE_SCRATCH) | {k for k, p in targets.items()
                                          if any(Path(p).resolve().is_relative_to(d) for d in PRIVATE_SCRATCH)}
        blocked = {k: v for k, v in tried.items() if k not in private}
        assert len(blocked) >= len(WRITE_TARGETS) + 2 and all(v != "ok" for v in blocked.values()), tried
    if "escape_cgroup" in attacks:
        row = run.row("hostile_escape_cgroup")
        assert row.status == "memory_limit", (row.status, row.info)
        report = next(run.job_dirs("escape_cgroup")[-1].rglob("info.json"), None)
        assert report is not None and "escaped" not in json.loads(report.read_text())
    if "widen_cpus" in attacks:
        assert run.row("hostile_widen_cpus").status == "ok"
        tried = run.info("widen_cpus")
        if cgroups:
            assert tried["after"] == tried["given"], tried
    if "daemon" in attacks:
        assert run.row("hostile_daemon").status == "ok"
    if "kill_worker" in attacks:
        assert run.row("hostile_kill_worker").status in ("infrastructure_error", "crash")


def nobody_name() -> str:
    return pwd.getpwuid(NOBODY).pw_name
