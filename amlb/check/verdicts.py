"""The checks of one job: predictions, budget, processes, files, network, metadata.

Each check reads what a benchmark run leaves behind (the job record, the job directory's
``job.json``, ``result.json`` and ``predictions.parquet``) and returns a :class:`Verdict`.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from amlb.definitions import FrameworkDef
from amlb.record import JobRecord, Status
from amlb.scoring import PROBA_PREFIX, PROBA_TOLERANCE

if TYPE_CHECKING:
    from amlb.check.containers import ContainerNetwork

#: the check's order of columns in the report
CHECKS: tuple[str, ...] = ("predictions", "budget", "processes", "files", "network", "metadata")
#: a fit may exceed budget x fit_share by this many seconds plus this share of the budget
BUDGET_TOLERANCE_S = 1.0
BUDGET_TOLERANCE_RATIO = 0.05
#: share of rows whose predicted label may differ from the most probable class (ties, thresholds)
MAX_ARGMAX_DISAGREEMENT = 0.1


class State(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"  # passes, with a remark
    NA = "n/a"  # does not apply (e.g. network in local mode)


@dataclass(frozen=True)
class Verdict:
    check: str
    state: State
    reason: str = ""


def _pass(check: str, reason: str = "") -> Verdict:
    return Verdict(check, State.PASS, reason)


def _fail(check: str, reason: str) -> Verdict:
    return Verdict(check, State.FAIL, reason)


@dataclass(frozen=True)
class JobFiles:
    """What the job left in its directory."""

    job: dict[str, Any]  # job.json
    result: dict[str, Any]  # result.json ({} when missing)
    predictions: pd.DataFrame | None
    test_rows: int | None

    @classmethod
    def read(cls, job_dir: Path) -> "JobFiles":
        def load(name: str) -> dict[str, Any]:
            try:
                return json.loads((job_dir / name).read_text())
            except (OSError, ValueError):
                return {}

        job = load("job.json")
        try:
            predictions = pd.read_parquet(job_dir / "predictions.parquet")
        except (OSError, ValueError):
            predictions = None
        test_rows = None
        if job.get("test"):
            import pyarrow.parquet as pq  # noqa: PLC0415

            try:
                test_rows = pq.read_metadata(job["test"]).num_rows
            except (OSError, ValueError):
                pass
        return cls(job, load("result.json"), predictions, test_rows)


def check_predictions(record: JobRecord, files: JobFiles) -> Verdict:
    if record.status is not Status.OK:
        return _fail("predictions", f"status {record.status.value}: {record.info or record.error_type}"[:300])
    p = files.predictions
    if p is None or "prediction" not in p.columns:
        return _fail("predictions", "no predictions.parquet with a 'prediction' column")
    if files.test_rows is not None and len(p) != files.test_rows:
        return _fail("predictions", f"{len(p)} predictions for {files.test_rows} test rows")
    labels = [str(c) for c in (files.job.get("config", {}).get("class_labels") or [])]
    if not labels:
        values = pd.to_numeric(p["prediction"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            return _fail("predictions", "regression predictions are not all finite numbers")
        return _pass("predictions")
    predicted = p["prediction"].astype(str).to_numpy()
    unknown = sorted(set(predicted) - set(labels))
    if unknown:
        return _fail("predictions", f"labels outside the classes: {unknown[:3]}")
    proba_cols = [c for c in p.columns if c != "prediction"]
    if not proba_cols:
        return _pass("predictions", "no probabilities (labels only)")
    wanted = [PROBA_PREFIX + label for label in labels]
    if proba_cols != wanted:
        return _fail("predictions", f"probability columns {proba_cols[:4]} are not the classes in the "
                                    f"runner's order {wanted[:4]}")
    proba = p[wanted].to_numpy(dtype=float)
    if not np.isfinite(proba).all():
        return _fail("predictions", "probabilities contain NaN or infinite values")
    if (proba < 0).any() or (proba > 1).any():
        return _fail("predictions", "probabilities outside [0, 1]")
    sums = proba.sum(axis=1)
    bad = np.abs(sums - 1) > PROBA_TOLERANCE
    if bad.any():
        return _fail("predictions", f"probabilities of {int(bad.sum())} rows do not sum to 1 (e.g. {sums[bad][0]:.3g})")
    top = np.asarray(labels)[proba.argmax(axis=1)]
    disagree = float((top != predicted).mean())
    if disagree > MAX_ARGMAX_DISAGREEMENT:
        return _fail("predictions", f"the most probable class is not the predicted label in {disagree:.0%} of rows "
                                    "(probability columns in the wrong class order?)")
    return _pass("predictions")


def fit_limit(budget_s: float, fit_share: float) -> float:
    """The longest fit the check accepts."""
    return budget_s * fit_share + BUDGET_TOLERANCE_S + BUDGET_TOLERANCE_RATIO * budget_s


def check_budget(record: JobRecord, fw: FrameworkDef) -> Verdict:
    budget = record.budget_seconds or 0.0
    if record.status is Status.TIMEOUT:
        return _fail("budget", f"killed at the runner's deadline ({record.info})"[:300])
    limit = fit_limit(budget, fw.fit_share)
    fit = record.training_duration
    if fit is None:
        if record.status is Status.OK:
            return _fail("budget", "the adapter reported no training_duration")
        return Verdict("budget", State.NA, "no fit time (the job failed)")
    share = f" x fit_share {fw.fit_share:g}" if fw.fit_share != 1.0 else ""
    if fit > limit:
        note = f" (budget note: {fw.budget_note})" if fw.budget_note else ""
        return _fail("budget", f"fit took {fit:.1f} s, over {budget:g} s{share} (+ tolerance: {limit:.1f} s){note}")
    return _pass("budget", f"fit {fit:.1f} s of {limit:.1f} s allowed")


def check_processes(record: JobRecord, mode: str) -> Verdict:
    if record.leftover_processes:
        return _fail("processes", f"{record.leftover_processes} process(es) of the job were still running after "
                                  "it ended (the runner killed them)")
    if mode == "docker":
        return Verdict("processes", State.NA, "docker mode: the container and its processes are removed after the job")
    return _pass("processes")


def check_files(stray: list[Path]) -> Verdict:
    if stray:
        shown = ", ".join(str(p) for p in stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
        return _fail("files", f"wrote outside the job's directories: {shown}")
    return _pass("files")


def check_network(mode: str, configured: str, observed: "ContainerNetwork | None") -> Verdict:
    if mode != "docker":
        return Verdict("network", State.NA, "local mode: the job shares the host's network")
    if observed is None:
        if configured == "none":
            return Verdict("network", State.WARN, "the job's container was not seen running; the executor's "
                                                  "setting docker.network is 'none'")
        return _fail("network", f"the executor runs containers with network '{configured}', not 'none' (docker.network)")
    if observed.isolated:
        return _pass("network", "the container ran with network none")
    return _fail("network", f"the container ran with network mode '{observed.mode}' "
                            f"(networks: {', '.join(observed.networks) or '-'}), not 'none'")


def check_metadata(record: JobRecord, fw: FrameworkDef, files: JobFiles) -> Verdict:
    reported = str(files.result.get("framework_version") or "")
    if not record.version:
        return _fail("metadata", "no framework version: set version in framework.yaml or define version() in exec.py")
    if reported and fw.version and reported != fw.version:
        return _fail("metadata", f"the adapter reports version {reported}, the definition says {fw.version}")
    if record.status is Status.OK and record.models_count is None:
        return Verdict("metadata", State.WARN, "models_count not reported")
    return _pass("metadata")


def job_verdicts(record: JobRecord, fw: FrameworkDef, mode: str, network: str,
                 containers: "dict[str, ContainerNetwork]", stray: list[Path]) -> list[Verdict]:
    job_dir = Path(record.log_path).parent if record.log_path else None
    files = JobFiles.read(job_dir) if job_dir else JobFiles({}, {}, None, None)
    observed = containers.get(str(job_dir)) if job_dir else None
    return [check_predictions(record, files), check_budget(record, fw), check_processes(record, mode),
            check_files(stray), check_network(mode, network, observed), check_metadata(record, fw, files)]
