"""Framework workers started while the runner loads its tasks.

Starting a warm worker (a Python start plus the framework's imports) takes seconds, and so
does loading the tasks (the data stack's imports, reading the cache); neither needs the
other. A new local run whose environments are already installed starts the worker of each
slot's first framework before it loads its tasks, every slot at once; the slots then find
their executor ready (or wait for it to be). Nothing is installed here: an environment that
is not ready, a resumed run or a Dask run simply starts its workers as before, at the
slot's first job.

A run that stops before its jobs (bad input) closes these workers and removes the logs
they wrote, so it leaves nothing behind.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from amlb.definitions import FrameworkDef
from amlb.environments import PreparedEnvironment, SetupError, prepare_environment
from amlb.execution.api import Executor
from amlb.execution.cgroups import CgroupManager
from amlb.execution.local import WorkerStartError


def worker_log(out: Path, framework: str, slot: int) -> Path:
    return out / "logs" / f"worker.{framework}.slot{slot}.log"


@dataclass
class Prestarted:
    """Executors by (framework name, slot index), each starting in its own thread."""

    executors: dict[tuple[str, int], Executor] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    created_logs_dir: bool = False
    threads: list[threading.Thread] = field(default_factory=list)
    #: set once the run closed these executors: the threads that started the workers live until then, because
    #: a sandboxed worker dies with the thread that started it (bubblewrap's --die-with-parent is per thread)
    closed: threading.Event = field(default_factory=threading.Event)

    def discard(self, out: Path) -> None:
        """Stop the workers and remove what they wrote (the run stopped before its first job)."""
        close_all(list(self.executors.values()))
        self.executors.clear()
        self.closed.set()
        for log in self.logs:
            log.unlink(missing_ok=True)
        if self.created_logs_dir:
            try:
                (out / "logs").rmdir()
            except OSError:
                pass


def prestart(frameworks: list[FrameworkDef], slots: list[tuple[int, ...]], mode: str, config, out: Path,
             cgroups: CgroupManager | None, ready_timeout_s: float) -> Prestarted:
    """Start, in the background, the worker of the first framework on each slot (the plan's first jobs run the
    first framework on its first tasks), when its environment is installed already."""
    started = Prestarted()
    if mode != "local" or not frameworks or not slots:
        return started
    fw = frameworks[0]
    try:  # "skip": only an installed environment, nothing built or written
        env: PreparedEnvironment = prepare_environment(fw, mode, config, setup="skip", log_path=Path("/dev/null"),
                                                       cgroups=cgroups)
    except SetupError:
        return started
    started.created_logs_dir = not (out / "logs").exists()
    for index, cpus in enumerate(slots):
        log = worker_log(out, fw.name, index)
        existed = log.exists()
        executor = env.make_executor(cpus, log, ready_timeout_s)
        started.executors[(fw.name, index)] = executor
        if not existed:
            started.logs.append(log)
        thread = threading.Thread(target=_prepare, args=(executor, started.closed), daemon=True,
                                  name=f"prestart-slot{index}")
        thread.start()
        started.threads.append(thread)
    return started


def _prepare(executor: Executor, closed: threading.Event) -> None:
    try:
        executor.prepare()
    except WorkerStartError:
        pass  # the slot's first job reports it as its setup error
    closed.wait()


def close_all(executors: list[Executor]) -> None:
    """Close executors side by side (each may wait seconds for its worker to exit)."""
    threads = [threading.Thread(target=e.close, daemon=True) for e in executors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
