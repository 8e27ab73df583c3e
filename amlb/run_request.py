"""What a run was asked to do (:class:`RunRequest`) and what happened (:class:`RunSummary`)."""
from __future__ import annotations

from array import array
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
    #: the store's rows of the attempts this invocation finished (8 bytes each: the records stay in the store)
    finished: array = field(default_factory=lambda: array("q"))
    data_errors: list[str] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)
    stopped_by: str = ""  # -e: the failed job that stopped the run

    @property
    def records(self) -> list[JobRecord]:
        """The attempts this invocation finished, in the order they finished, read from the store."""
        if not self.finished:
            return []
        from amlb.store import ResultStore  # noqa: PLC0415 - not needed at the runner's start-up

        store = ResultStore(self.out_dir)
        try:
            return list(store.records(self.finished))
        finally:
            store.close()
