"""What the user sees while a run goes on: a live status on a terminal, plain lines elsewhere.

Lines that stay (a job finished, a retry, a setup failure) are printed with soft wrap: the
terminal wraps them, nothing is cut and a path or command in them copies whole. The live
status below them (counts, ETA, running jobs, the current setup step) is redrawn in place and
cleared when the jobs start or the run ends.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from amlb.record import JobRecord, Status

if TYPE_CHECKING:
    from amlb.plan import Job


class Progress:
    """Counts of done/failed/running jobs, the running jobs with their elapsed time, an ETA, and setup messages."""

    def __init__(self, total: int, console: Console | None = None):
        self.console = console or Console(stderr=True, highlight=False)
        self.total, self.done, self.failed = total, 0, 0
        self.running: dict[str, tuple[str, float]] = {}
        self.eta = EtaEstimate()
        self.message = ""
        self.last_failure = ""  # the failure message printed last: the same one again is not repeated
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.live: Live | None = None
        if self.console.is_terminal and sys.stderr.isatty():
            self.live = Live(self._render(), console=self.console, refresh_per_second=4, transient=True,
                             get_renderable=self._render)
            self.live.start()

    def plan(self, jobs: list["Job"], slots: int | None) -> None:
        """The jobs this run will execute, on ``slots`` jobs at once (None: not known, e.g. a Dask cluster)."""
        with self.lock:
            self.total = len(jobs)
            self.eta = EtaEstimate({_label(j): (j.framework.name, j.budget_seconds) for j in jobs}, slots)

    def _render(self) -> Group:
        now = time.monotonic()
        with self.lock:
            running = list(self.running.items())
            header = Text.assemble(("jobs", "bold"), f" {self.done + self.failed}/{self.total}  ",
                                   (f"ok {self.done}", "green"), "  ", (f"failed {self.failed}", "red"),
                                   f"  running {len(running)}  elapsed {_duration(now - self.start)}")
            left = self.eta.seconds_left({label: now - t0 for label, (_, t0) in running})
            message = self.message
        if left is not None:
            header.append(f"  ETA ~{_duration(left)} (estimate)")
        lines = [header]
        for label, (slot, t0) in running:  # wraps (never cut) when a name is longer than the terminal
            lines.append(Text.assemble("  ", (slot, "cyan"), f"  {now - t0:,.0f} s  {label}"))
        if message:  # transient install output: one line
            lines.append(Text(f"  {message}", style="dim", no_wrap=True, overflow="ellipsis"))
        return Group(*lines)

    def note(self, message: str, transient: bool = False) -> None:
        """A message about the run. ``transient`` (loading a task, setting up a framework): shown live
        until the jobs start, a line when not on a terminal; otherwise a line that stays."""
        with self.lock:
            shown_live = transient and self.live is not None
            self.message = message if shown_live else ""
        self._refresh()  # shown at once, not at the next tick
        if shown_live:
            return
        self.console.print(escape(message), soft_wrap=True)

    def status(self, message: str) -> None:
        """A transient status (install output): shown live only."""
        with self.lock:
            self.message = message

    def job_started(self, job: "Job", slot: str) -> None:
        with self.lock:
            self.message = ""  # setup is over: its last step does not stay under the status
            self.running[_label(job)] = (slot, time.monotonic())

    def job_finished(self, job: "Job", record: JobRecord) -> None:
        label = _label(job)
        with self.lock:
            self.message = ""
            self.running.pop(label, None)
            self.eta.finished(label, record.duration)
            if record.status is Status.OK:
                self.done += 1
            else:
                self.failed += 1
            count = self.done + self.failed
        self._refresh()  # the status under the lines printed next shows this job finished
        duration = f"({record.duration or 0:.1f} s)"
        if record.status is Status.OK:
            what = f"{record.metric}={record.result:.4f}" if record.result is not None else "ok"
            self.console.print(f"[{count}/{self.total}] {escape(label)}: {what} {duration}", soft_wrap=True)
            self.last_failure = ""
            return
        self.console.print(f"[{count}/{self.total}] {escape(label)}: [red]{record.status.value}[/] {duration}",
                           soft_wrap=True)
        message = (record.info or "").strip()[:2000]
        if message and message != self.last_failure:  # on its own line, whole: the terminal wraps it
            self.console.print(f"    {escape(message)}", soft_wrap=True)
        self.last_failure = message

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.refresh()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


class EtaEstimate:
    """Seconds left: each job not finished is expected to take the mean duration of its framework's
    finished jobs (its budget before one finished), and the jobs run ``slots`` at a time."""

    def __init__(self, jobs: dict[str, tuple[str, float]] | None = None, slots: int | None = None):
        self.pending = dict(jobs or {})  # label -> (framework, budget seconds)
        self.slots = slots
        self.durations: dict[str, tuple[float, int]] = {}  # framework -> (sum, count) of its finished jobs' durations

    def finished(self, label: str, duration: float | None) -> None:
        framework, _ = self.pending.pop(label, (None, 0.0))
        if framework is not None and duration is not None:
            total, count = self.durations.get(framework, (0.0, 0))
            self.durations[framework] = (total + duration, count + 1)

    def seconds_left(self, running: dict[str, float]) -> float | None:
        """``running``: elapsed seconds of the jobs under way, by label. None before there is a plan."""
        if not self.pending:
            return None
        work = 0.0
        for label, (framework, budget) in self.pending.items():
            seen = self.durations.get(framework)
            expected = seen[0] / seen[1] if seen else budget
            work += max(expected - running.get(label, 0.0), 0.0)
        return work / max(1, self.slots or len(running))


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def _label(job: "Job") -> str:
    return f"{job.framework.name} {job.task.name} {job.label}"


def summary_table(records: list[JobRecord]) -> Table:
    """Mean result per framework and task, with failures counted."""
    table = Table(title="Results (mean over folds of the main metric; higher is better)")
    table.add_column("framework", overflow="fold")  # a long name wraps, never cut
    table.add_column("task", overflow="fold")
    table.add_column("metric")
    table.add_column("result", justify="right")
    table.add_column("folds ok", justify="right")
    table.add_column("failures")
    groups: dict[tuple[str, str], list[JobRecord]] = {}
    for r in records:
        groups.setdefault((r.framework, r.task), []).append(r)
    for (fw, task), recs in sorted(groups.items()):
        ok = [r.result for r in recs if r.status is Status.OK and r.result is not None]
        failures = sorted({r.status.value for r in recs if r.status is not Status.OK})
        table.add_row(fw, task, recs[0].metric, f"{sum(ok) / len(ok):.4f}" if ok else "-",
                      f"{len(ok)}/{len(recs)}", ", ".join(failures))
    return table
