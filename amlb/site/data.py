"""What the site is built from: results files, meta-features, sources with their hardware.

Inputs are results files (AMLB's ``classification.csv`` ..., our ``results.csv``), run
directories holding a ``results.csv`` (and the run's ``results.db`` with its host record),
and meta-feature files (OpenML's dataset listing: a CSV with ``name``/``task`` and no
``framework`` column). Rows are read by :func:`amlb.analysis.load_results`; this module only
sorts the inputs, labels each row with its benchmark and describes where it ran.
"""
from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from amlb.errors import UserError

#: AMLB's published hardware for its AWS runs (the results files do not record it)
AMLB_AWS_HARDWARE = ("AWS EC2 m5.2xlarge (8 vCPUs, 32 GiB RAM, gp3 volume), one Docker container per job, "
                     "as documented for AMLB's 2021 runs (not recorded in the results file)")


@dataclass
class Source:
    """One results file and what is known about the machine that produced it."""

    path: str  # as in the ``source`` column of the results
    benchmark: str
    rows: int = 0
    kind: str = "amlb"  # "amlb": an AMLB-format file; "run": a run directory of this runner
    host: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
    modes: list[str] = field(default_factory=list)
    sha256: str = ""

    @property
    def hardware(self) -> str:
        """One line describing the machine (or what is documented about it)."""
        if self.host:
            return describe_host(self.host)
        if "aws.docker" in self.modes or "aws" in self.modes:
            return AMLB_AWS_HARDWARE
        return "not recorded in the results file"


@dataclass
class Inputs:
    """Input paths sorted into results and meta-feature files."""

    results: list[Path]
    meta: list[Path]


def classify_inputs(paths: Sequence[str | Path]) -> Inputs:
    """Sort ``paths`` into results (files or run directories) and meta-feature CSV files."""
    results: list[Path] = []
    meta: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            results.append(p)
        elif p.is_file():
            header = _csv_header(p)
            if "framework" in header:
                results.append(p)
            elif "task" in header or "name" in header:
                meta.append(p)
            else:
                raise UserError(f"{p} is neither a results file nor a meta-feature file",
                                "give results.csv files, run directories, or a CSV of task meta-features")
        else:
            raise UserError(f"input not found: {p}", "check the path")
    if not results:
        raise UserError("no results files among the inputs", "give at least one results.csv or run directory")
    return Inputs(results, meta)


def _csv_header(path: Path) -> set[str]:
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            return {c.strip() for c in next(csv.reader(f), [])}
    except OSError as e:
        raise UserError(f"cannot read {path}: {e}", "check the file permissions") from None


def read_run_meta(results_csv: Path) -> dict[str, Any]:
    """The ``run`` and ``host`` records of the run's result store (read-only), if it has one."""
    db = results_csv.parent / "results.db"
    if not db.is_file():
        return {}
    out: dict[str, Any] = {}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for key, value in con.execute("SELECT key, value FROM meta WHERE key IN ('run', 'host')"):
                out[key] = json.loads(value)
        finally:
            con.close()
    except (sqlite3.Error, ValueError):
        return {}
    return out


def describe_host(host: dict[str, Any]) -> str:
    """A one-line hardware description from a host record (:meth:`amlb.metering.HostInfo.to_dict`)."""
    gpus = ", ".join(str(g.get("name", "GPU")) for g in host.get("gpus") or []) or "no GPU"
    cpu = host.get("cpu_model") or "unknown CPU"
    parts = [f"{cpu} ({host.get('cores', '?')} logical CPUs)", f"{host.get('ram_gb', '?')} GB RAM", gpus]
    if host.get("virtualisation") not in (None, "", "none"):
        parts.append(f"virtualisation: {host['virtualisation']}")
    if host.get("os"):
        parts.append(str(host["os"]))
    return "; ".join(parts)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def benchmark_label(results_csv: Path, run: dict[str, Any] | None) -> str:
    """The benchmark a results file belongs to.

    A run of this runner names it in its store; an AMLB file is labelled by its folder
    (``amlb-2021q3/classification.csv`` -> ``amlb-2021q3``); a lone ``results.csv``
    by its run directory.
    """
    if run and run.get("benchmark"):
        return str(run["benchmark"])
    folder = results_csv.resolve().parent
    return folder.name or "results"


def describe_sources(df: pd.DataFrame) -> list[Source]:
    """One :class:`Source` per distinct ``source`` of the loaded results."""
    sources = []
    for path, part in df.groupby("source", sort=False):
        p = Path(str(path))
        meta = read_run_meta(p)
        kind = "run" if meta or "status" in _csv_header(p) else "amlb"
        modes = sorted({str(m) for m in part["mode"].unique()}) if "mode" in part else []
        sources.append(Source(path=str(path), benchmark=benchmark_label(p, meta.get("run")), rows=len(part),
                              kind=kind, host=meta.get("host"), run=meta.get("run"), modes=modes,
                              sha256=_sha256(p)))
    return sources


def add_benchmark_column(df: pd.DataFrame, sources: Sequence[Source]) -> pd.DataFrame:
    """``df`` with a ``benchmark`` column (after ``source``), from each row's source."""
    label = {s.path: s.benchmark for s in sources}
    out = df.copy()
    out.insert(1, "benchmark", out["source"].map(label).fillna("results"))
    return out


def failure_kind(df: pd.DataFrame) -> pd.Series:
    """A short failure label per row: our status (``timeout``, ``memory_limit`` ...) or, for
    AMLB rows that only say "failed", the exception name the message starts with."""
    status = df["status"].astype(str)
    error_type = df["error_type"].fillna("").astype(str) if "error_type" in df else pd.Series("", index=df.index)
    from_info = df["info"].astype(str).str.extract(r"^\s*([A-Za-z_][\w.]*?(?:Error|Exception|Exit|Interrupt|Timeout))\b",
                                                   expand=False).fillna("")
    kind = status.where(status != "failed", error_type.where(error_type != "", from_info))
    return kind.where(kind != "", "failed")


def meta_for_tasks(meta: pd.DataFrame, tasks: Sequence[str], min_coverage: float = 0.9,
                   constant_ok: bool = False) -> pd.DataFrame:
    """Meta-features of ``tasks``: the columns known for at least ``min_coverage`` of them
    (and, unless ``constant_ok``, not constant over them, as a Bradley-Terry tree needs)."""
    from amlb.analysis.load import join_meta

    joined = join_meta(list(tasks), meta)
    keep = ["task"]
    for c in joined.columns[1:]:
        col = joined[c]
        if col.notna().mean() >= min_coverage and (constant_ok or col.nunique(dropna=True) > 1):
            keep.append(c)
    return joined[keep]
