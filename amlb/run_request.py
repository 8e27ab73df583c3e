"""What a run was asked to do (:class:`RunRequest`) and what happened (:class:`RunSummary`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from amlb.config import Config
from amlb.constraints import Constraint
from amlb.definitions import FrameworkDef
from amlb.record import JobRecord


@dataclass
class RunRequest:
    frameworks: list[FrameworkDef]
    benchmark: str
    constraint: Constraint
    mode: str
    config: Config
    out_dir: Path
    folds: list[int] | None = None
    tasks: list[str] | None = None
    resume: bool = False
    extend: bool = False  # with resume: add this request's frameworks, tasks and folds to the stored run
    retry_failed: bool = False
    setup: str = "auto"
    parallel: int = 1
    exit_on_error: bool = False  # -e: stop at the first failed job


@dataclass
class RunSummary:
    out_dir: Path
    records: list[JobRecord] = field(default_factory=list)
    data_errors: list[str] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)
    stopped_by: str = ""  # -e: the failed job that stopped the run
