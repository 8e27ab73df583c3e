"""What the user sees while a run goes on: a live table on a terminal, plain lines elsewhere."""
from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.table import Table

from amlb.record import JobRecord, Status

if TYPE_CHECKING:
    from amlb.plan import Job


class Progress:
    """Counts of done/failed/running jobs, the running jobs with their elapsed time, and setup messages."""

    def __init__(self, total: int, console: Console | None = None):
        self.console = console or Console(stderr=True, highlight=False)
        self.total, self.done, self.failed = total, 0, 0
        self.running: dict[str, tuple[str, float]] = {}
        self.message = ""
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.live: Live | None = None
        if self.console.is_terminal and sys.stderr.isatty():
            self.live = Live(self._render(), console=self.console, refresh_per_second=4, transient=True,
                             get_renderable=self._render)
            self.live.start()

    def _render(self) -> Table:
        elapsed = time.monotonic() - self.start
        table = Table.grid(padding=(0, 2))
        table.add_row(f"[bold]jobs[/] {self.done + self.failed}/{self.total}",
                      f"[green]ok {self.done}[/]", f"[red]failed {self.failed}[/]",
                      f"running {len(self.running)}", f"elapsed {elapsed:,.0f} s")
        now = time.monotonic()
        for label, (slot, t0) in list(self.running.items()):
            table.add_row(f"  [cyan]{slot}[/]", label, f"{now - t0:,.0f} s", "", "")
        if self.message:
            table.add_row(f"  [dim]{self.message}[/]", "", "", "", "")
        return table

    def note(self, message: str) -> None:
        """A setup message (installing, loading data); printed as a line when not on a terminal."""
        with self.lock:
            self.message = message
            if self.live is None:
                self.console.print(message)

    def status(self, message: str) -> None:
        """A transient status (install output): shown live only."""
        with self.lock:
            self.message = message

    def job_started(self, job: "Job", slot: str) -> None:
        with self.lock:
            self.running[_label(job)] = (slot, time.monotonic())

    def job_finished(self, job: "Job", record: JobRecord) -> None:
        with self.lock:
            self.running.pop(_label(job), None)
            if record.status is Status.OK:
                self.done += 1
                what = f"{record.metric}={record.result:.4f}" if record.result is not None else "ok"
            else:
                self.failed += 1
                what = f"[red]{record.status.value}[/]: {record.info[:120]}"
            line = f"[{self.done + self.failed}/{self.total}] {_label(job)}: {what} ({record.duration or 0:.1f} s)"
            self.console.print(line)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def _label(job: "Job") -> str:
    return f"{job.framework.name} {job.task.name} {job.label}"


def summary_table(records: list[JobRecord]) -> Table:
    """Mean result per framework and task, with failures counted."""
    table = Table(title="Results (mean over folds of the main metric; higher is better)")
    table.add_column("framework")
    table.add_column("task")
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
