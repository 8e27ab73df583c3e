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
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
#: SQLite's page cache, in KiB: bounded well below its default (2 MiB), so that the runner's memory does not
#: follow the store's size (every results.csv export reads the whole store; the OS caches the file anyway)
CACHE_KIB = 256
_LATEST = ("SELECT a.rowid AS id, a.job_key, a.record FROM attempts a JOIN (SELECT job_key, MAX(attempt) AS m "
           "FROM attempts GROUP BY job_key) l ON a.job_key = l.job_key AND a.attempt = l.m")
#: the latest finished attempt of every job, in results.csv's row order (as :func:`_row_order`; a record
#: without a repeat has repeat 0): row ids only, so that the sort holds no records
_EXPORT_ORDER = (f"SELECT id FROM ({_LATEST}) WHERE json_extract(record, '$.status') != 'running' ORDER BY "
                 "json_extract(record, '$.framework'), json_extract(record, '$.task'), "
                 "coalesce(json_extract(record, '$.repeat'), 0), json_extract(record, '$.fold'), "
                 "json_extract(record, '$.constraint')")


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
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.executescript(SCHEMA)

    @staticmethod
    def exists(out_dir: Path) -> bool:
        return (out_dir / DB_NAME).is_file()

    def close(self) -> None:
        self.db.close()

    # --- writing ---------------------------------------------------------------------
    def save(self, record: JobRecord) -> int:
        """Insert or update an attempt (the same attempt is rewritten when it finishes); its row id,
        valid until the attempt is saved again (:meth:`records`)."""
        key = job_key(record.framework, record.task, record.constraint, record.fold, record.repeat)
        cursor = self.db.execute("INSERT OR REPLACE INTO attempts (job_key, attempt, status, record) "
                                 "VALUES (?, ?, ?, ?)", (key, record.attempt, record.status.value, record.to_json()))
        return int(cursor.lastrowid)

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # --- reading ---------------------------------------------------------------------
    def latest(self) -> dict[str, JobRecord]:
        """The latest attempt of every job, by job key."""
        return {key: JobRecord.from_json(text) for _, key, text in self.db.execute(_LATEST).fetchall()}

    def has_results(self) -> bool:
        """Whether any attempt is stored."""
        return self.db.execute("SELECT 1 FROM attempts LIMIT 1").fetchone() is not None

    def records(self, rowids: Iterable[int]) -> Iterator[JobRecord]:
        """The attempts saved as these rows (:meth:`save`'s ids), one at a time, in that order."""
        for rowid in rowids:
            row = self.db.execute("SELECT record FROM attempts WHERE rowid = ?", (rowid,)).fetchone()
            if row is not None:
                yield JobRecord.from_json(row[0])

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
        with gaps is written as floats). The runner rewrites it after finished jobs (spaced in a run of
        many quick ones: :class:`amlb.run_state.Run`): the rows are read one at a time, twice (the
        columns and their types, then the rows), so that memory stays flat
        however many jobs the store holds (a DataFrame per export made the runner grow ~66 kB per
        job, the list of every record ~10 kB per job).
        """
        order = array("q", (rowid for (rowid,) in self.db.execute(_EXPORT_ORDER)))  # 8 bytes a job
        kinds: dict[str, list[int]] = {}  # column -> [values present, numbers, floats], in order of appearance
        n_rows = 0
        for record in self.records(order):
            n_rows += 1
            for name, value in record.to_row().items():
                kind = kinds.get(name)
                if kind is None:
                    kind = kinds[name] = [0, 0, 0]
                if value is not None:  # values read back from JSON: exactly int, float, str, bool, list, dict
                    kind[0] += 1
                    if type(value) is float:
                        kind[1] += 1
                        kind[2] += 1
                    elif type(value) is int:
                        kind[1] += 1
        names = _column_order(list(kinds))
        as_float = [_float_column(*kinds[c], n_rows) for c in names]
        tmp = path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(names)
            for record in self.records(order):
                row = record.to_row()
                writer.writerow([_cell(row.get(c), is_float) for c, is_float in zip(names, as_float)])
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


def _float_column(present: int, numbers: int, floats: int, rows: int) -> bool:
    """Whether pandas would hold a column as floats: some values, numbers only, some float or missing."""
    return present > 0 and numbers == present and (present < rows or floats > 0)


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
