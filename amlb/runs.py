"""Finding and reading finished or partial runs, read-only (for `amlb runs`, `amlb show`, `amlb compare`).

A run is an output directory holding ``results.db``. Reading never writes: the store is opened
read-only, so listing runs while one of them is running is safe and changes nothing.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from amlb.errors import UserError
from amlb.record import JobRecord, Status
from amlb.store import DB_NAME

#: how deep below a directory `amlb runs` looks for run directories
SEARCH_DEPTH = 3


@dataclass
class RunInfo:
    """What one run directory holds: its settings and the latest attempt of every job."""

    path: Path
    meta: dict[str, Any]
    records: list[JobRecord]

    @property
    def frameworks(self) -> list[str]:
        return sorted({r.framework for r in self.records}) or list(self.meta.get("frameworks", []))

    @property
    def benchmark(self) -> str:
        return str(self.meta.get("benchmark", "?"))

    @property
    def constraint(self) -> str:
        return str(self.meta.get("constraint", "?"))

    def count(self, *statuses: Status) -> int:
        return sum(r.status in statuses for r in self.records)

    @property
    def failed(self) -> int:
        return sum(r.status.is_failure for r in self.records)

    @property
    def started(self) -> str:
        stamps = [r.utc for r in self.records if r.utc]
        if stamps:
            return min(stamps)[:16].replace("T", " ")
        mtime = (self.path / DB_NAME).stat().st_mtime
        return datetime.fromtimestamp(mtime, timezone.utc).strftime("%Y-%m-%d %H:%M")


def read_run(path: str | Path) -> RunInfo:
    """The run in ``path`` (a run directory or its results.db); UserError when there is none."""
    p = Path(path).expanduser()
    db = p if p.name == DB_NAME else p / DB_NAME
    if not db.is_file():
        raise UserError(f"{p} holds no run (no {DB_NAME})", "give a run's output directory; `amlb runs` lists them")
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            meta = {key: json.loads(value) for key, value in con.execute("SELECT key, value FROM meta")}
            rows = con.execute(
                "SELECT a.record FROM attempts a JOIN (SELECT job_key, MAX(attempt) AS m FROM attempts "
                "GROUP BY job_key) l ON a.job_key = l.job_key AND a.attempt = l.m").fetchall()
        finally:
            con.close()
    except sqlite3.Error as e:
        raise UserError(f"cannot read the run store {db}: {e}", "is it a results.db written by amlb?") from None
    records = [JobRecord.from_json(text) for (text,) in rows]
    run_meta = meta.get("run") or {}
    return RunInfo(path=db.parent, meta=run_meta if isinstance(run_meta, dict) else {}, records=records)


def find_runs(root: str | Path, depth: int = SEARCH_DEPTH) -> list[Path]:
    """Run directories at or below ``root`` (at most ``depth`` levels down), oldest first."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise UserError(f"no such directory: {root}", "give the directory your runs are in (default: results/)")
    found = []
    base = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if DB_NAME in filenames:
            found.append(here)
            dirnames[:] = []  # a run's own folders (jobs/, logs/) hold no other run
        elif len(here.parts) - base >= depth:
            dirnames[:] = []
        else:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return sorted(found, key=lambda p: (p / DB_NAME).stat().st_mtime)


def resume_command(run: RunInfo) -> str:
    """The command that continues ``run`` (its stored frameworks, benchmark, constraint and mode)."""
    frameworks = ",".join(run.meta.get("frameworks") or run.frameworks)
    mode = run.meta.get("mode", "local")
    return (f"python runbenchmark.py {frameworks} {run.benchmark} {run.constraint}"
            + (f" -m {mode}" if mode != "local" else "") + f" -o {run.path} --resume")
