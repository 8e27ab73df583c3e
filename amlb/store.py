"""The result store: an embedded SQLite database in the run's output directory.

Every job attempt is a row, written when it starts (status ``running``) and again when
it ends, in its own transaction: a crash of the runner loses no finished job. The
latest attempt of each job is the job's result; ``results.csv`` is exported from those.
Resume logic lives here too: which jobs still need to run.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from amlb.record import AMLB_COLUMNS, EXTRA_METRICS, INTERRUPTED, METRICS, JobRecord, Status

if TYPE_CHECKING:
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    job_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (job_key, attempt)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
DB_NAME = "results.db"


def job_key(framework: str, task: str, constraint: str, fold: int, repeat: int = 0) -> str:
    """A job's key in the store. Repeat 0 keeps the key stores had before repeats existed, so
    their runs open and resume as they are (no migration: records are JSON, a missing repeat is 0)."""
    base = f"{framework}|{task}|{constraint}|{fold}"
    return base if not repeat else f"{base}|r{repeat}"


class ResultStore:
    def __init__(self, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / DB_NAME
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    @staticmethod
    def exists(out_dir: Path) -> bool:
        return (out_dir / DB_NAME).is_file()

    def close(self) -> None:
        self.db.close()

    # --- writing ---------------------------------------------------------------------
    def save(self, record: JobRecord) -> None:
        """Insert or update an attempt (the same attempt is rewritten when it finishes)."""
        key = job_key(record.framework, record.task, record.constraint, record.fold, record.repeat)
        self.db.execute("INSERT OR REPLACE INTO attempts (job_key, attempt, status, record) VALUES (?, ?, ?, ?)",
                        (key, record.attempt, record.status.value, record.to_json()))

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # --- reading ---------------------------------------------------------------------
    def latest(self) -> dict[str, JobRecord]:
        """The latest attempt of every job, by job key."""
        rows = self.db.execute(
            "SELECT a.job_key, a.record FROM attempts a JOIN (SELECT job_key, MAX(attempt) AS m FROM attempts "
            "GROUP BY job_key) l ON a.job_key = l.job_key AND a.attempt = l.m").fetchall()
        return {key: JobRecord.from_json(text) for key, text in rows}

    def attempts_of(self, key: str) -> int:
        row = self.db.execute("SELECT MAX(attempt) FROM attempts WHERE job_key = ?", (key,)).fetchone()
        return int(row[0] or 0)

    def to_frame(self, records: Iterable[JobRecord] | None = None) -> pd.DataFrame:
        import pandas as pd  # noqa: PLC0415 - not needed at the runner's start-up

        recs = sorted(records if records is not None else self.latest().values(), key=_row_order)
        frame = pd.DataFrame([r.to_row() for r in recs])
        return frame[_column_order(list(frame.columns))]

    def export_csv(self, path: Path) -> None:
        """Write ``results.csv`` (final attempts only; AMLB columns first) atomically.

        With the csv module, as pandas would write the frame of the rows (a column of whole numbers
        with gaps is written as floats): the runner rewrites it after every job, and a DataFrame each
        time made the runner's memory grow with the number of jobs.
        """
        records = sorted((r for r in self.latest().values() if r.status is not Status.RUNNING), key=_row_order)
        rows = [r.to_row() for r in records]
        del records
        columns = _column_order(list(dict.fromkeys(k for row in rows for k in row)))
        as_float = {c for c in columns if _float_column([row.get(c) for row in rows])}
        tmp = path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c), c in as_float) for c in columns])
        os.replace(tmp, path)


def _row_order(r: JobRecord) -> tuple:
    return (r.framework, r.task, r.repeat, r.fold, r.constraint)


def _column_order(columns: list[str]) -> list[str]:
    """AMLB's columns and the fixed metrics first, then a task's extra metrics (whatever row had them),
    then the rest as found."""
    extra = [m for m in EXTRA_METRICS if m in columns]
    if not extra:
        return columns
    fixed = columns[:len(AMLB_COLUMNS) + len(METRICS)]
    return fixed + extra + [c for c in columns if c not in fixed and c not in extra]


def _float_column(values: list) -> bool:
    """Whether pandas would hold these values as floats: numbers only, some float or missing."""
    numbers = [v for v in values if v is not None]
    if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        return False
    return len(numbers) < len(values) or any(isinstance(v, float) for v in numbers)


def _cell(value: Any, as_float: bool) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if as_float else value


#: a job under which the runner died this many times is recorded as a crash and not run again
RUNNER_DEATHS_LIMIT = 2


def settle_runner_deaths(store: ResultStore, limit: int = RUNNER_DEATHS_LIMIT) -> list[JobRecord]:
    """Record as ``crash`` each job whose latest attempt is ``running`` and that was running when a
    runner died (not stopped by Ctrl-C) ``limit`` times: it likely took the runner down. Returns them."""
    rows = store.db.execute("SELECT job_key, attempt, record FROM attempts WHERE status = ? ORDER BY attempt",
                            (Status.RUNNING.value,)).fetchall()
    died: dict[str, list[JobRecord]] = {}
    for key, _, text in rows:
        record = JobRecord.from_json(text)
        if record.info != INTERRUPTED:
            died.setdefault(key, []).append(record)
    latest = store.latest()
    settled = []
    for key, records in died.items():
        last = latest.get(key)
        if len(records) < limit or last is None or last.status is not Status.RUNNING or last.info == INTERRUPTED:
            continue
        attempts = ", ".join(str(r.attempt) for r in records)
        last.status, last.error_type = Status.CRASH, "RunnerDied"
        last.info = (f"the runner died while this job ran, {len(records)} times (attempts {attempts}): "
                     "not run again (use --retry-failed to force it)")
        store.save(last)
        settled.append(last)
    return settled


def needs_run(record: JobRecord | None, retry_failed: bool) -> bool:
    """Whether a job runs again on resume: missing, interrupted, or failed with --retry-failed."""
    if record is None or record.status is Status.RUNNING:
        return True
    return retry_failed and record.status.is_failure
