"""Constraints: named resource presets (folds, time budget, cores and memory per job).

Read from ``resources/constraints.yaml``, ``USERDIR/constraints.yaml`` and the files of
``constraint_files``; later files win. Names are case-insensitive, as in AMLB. As in AMLB,
a constraint without ``max_mem_size_mb`` (or with ``-1``) gives each job the machine's memory
minus ``job.os_mem_size_mb`` (divided among the ``--parallel`` jobs;
see :func:`auto_memory_mb`), and ``cores: -1`` means every CPU the runner may use.
AWS-only keys are ignored with one warning line.
"""
from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from amlb.config import Config, load_yaml
from amlb.errors import UserError, warn
from amlb.resources import resource_path

#: AMLB constraint keys that mean nothing here
IGNORED_KEYS = ("ec2_instance_type", "ec2_volume_type", "min_vol_size_mb", "quantile_levels")
KEYS = ("folds", "repeats", "max_runtime_seconds", "cores", "max_mem_size_mb")


@dataclass(frozen=True)
class Constraint:
    name: str
    folds: int | None
    max_runtime_seconds: float
    cores: int
    max_mem_size_mb: int | None
    #: the memory was not set: it is the machine's memory minus a reserve (see auto_memory_mb)
    memory_auto: bool = False
    repeats: int | None = None  # repeats of a repeated cross-validation to run (None: 1)


def constraint_files(config: Config) -> list[Path]:
    files = [resource_path("constraints.yaml"), config.path("user_dir") / "constraints.yaml"]
    files += [Path(os.path.expanduser(str(f))) for f in config.get("constraint_files") or ()]
    return list(dict.fromkeys(f.resolve() for f in files if f.is_file()))  # a file listed again keeps its place


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0))


def cpu_slots(parallel: int, cores: int) -> list[tuple[int, ...]]:
    """``parallel`` disjoint CPU sets of ``cores`` CPUs each, from the CPUs this process may use."""
    available = sorted(os.sched_getaffinity(0))
    if cores > len(available):
        raise UserError(f"a job needs {cores} cores but this machine gives the runner {len(available)}",
                        f"use a smaller constraint, -X job.cores={len(available)}, or -X job.allow_fewer_cores=true "
                        "to run with the cores it has")
    if parallel * cores > len(available):
        raise UserError(f"--parallel {parallel} x {cores} cores needs {parallel * cores} CPUs but only "
                        f"{len(available)} are available", f"use --parallel {len(available) // cores} or fewer")
    return [tuple(available[i * cores:(i + 1) * cores]) for i in range(parallel)]


def auto_memory_mb(reserve_mb: int, parallel: int = 1) -> int:
    """The memory of a job without a limit: the machine's memory minus the reserve left to the system
    (all of it when that leaves nothing), shared by ``parallel`` jobs. AMLB starts from the memory
    available at the time; amlb from the total, so the limit is the same in every invocation of a
    run (``--resume`` and ``--extend`` compare limits)."""
    import psutil  # noqa: PLC0415

    total = psutil.virtual_memory().total // (1 << 20)
    left = total - reserve_mb
    return max(1, int((left if left > 0 else total) // max(1, parallel)))


def load_constraint(name: str, config: Config) -> Constraint:
    presets: dict[str, tuple[str, Any, Path]] = {}  # lower-case name -> (name, definition, file)
    for path in constraint_files(config):
        data = load_yaml(path)[0] or {}
        if not isinstance(data, dict):
            raise UserError(f"{path} must map constraint names to their settings", "see resources/constraints.yaml")
        for key, value in data.items():
            presets[str(key).lower()] = (str(key), value, path)
    if name.lower() not in presets:
        names = [v[0] for v in presets.values()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else f"known constraints: {', '.join(names)}"
        raise UserError(f"unknown constraint '{name}'", hint)
    defined, p, path = presets[name.lower()]
    if not isinstance(p, dict):
        raise UserError(f"constraint '{defined}' must be a mapping of folds, repeats, max_runtime_seconds, cores, max_mem_size_mb",
                        "see resources/constraints.yaml")
    unknown = sorted(set(p) - set(KEYS) - set(IGNORED_KEYS))
    if unknown:
        raise UserError(f"unknown key '{unknown[0]}' in constraint '{defined}' ({path})",
                        f"allowed keys: {', '.join(KEYS)}")
    ignored = sorted(set(p) & set(IGNORED_KEYS))
    if ignored:
        warn(f"constraint '{defined}' ({path}): ignored AMLB key(s) {', '.join(ignored)} (AWS or time-series only)")
    p = {k: (None if k in ("cores", "max_mem_size_mb") and _whole(v) and v <= 0 else v)  # AMLB's -1: auto
         for k, v in p.items() if k in KEYS}
    check_limits(p, f"constraint '{defined}'")
    job, fallback = config["job"], config["constraint_defaults"]

    def pick(key: str) -> Any:  # -X job.KEY wins, then the constraint, then constraint_defaults; <= 0: auto
        value = job[key] if job.get(key) is not None else p.get(key)
        value = fallback[key] if value is None else value
        return None if key in ("cores", "max_mem_size_mb") and value is not None and value <= 0 else value

    memory = pick("max_mem_size_mb")
    auto = memory is None
    if auto:
        memory = auto_memory_mb(int(job["os_mem_size_mb"]))
    return Constraint(
        name=defined, folds=p["folds"] if p.get("folds") is not None else fallback["folds"],
        max_runtime_seconds=float(pick("max_runtime_seconds")), cores=int(pick("cores") or usable_cpus()),
        max_mem_size_mb=int(memory), memory_auto=auto, repeats=p.get("repeats"))


#: resource keys of constraints and tasks: (check, what the value must be)
_LIMITS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "folds": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "repeats": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "max_runtime_seconds": (lambda v: _real(v) and v > 0, "a finite number of seconds > 0"),
    "cores": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "max_mem_size_mb": (lambda v: _whole(v) and v >= 1, "a whole number of MB >= 1"),
}


def _real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_limits(values: dict, where: str) -> None:
    """Resource values of a constraint or task must be in range (null means unset)."""
    for key, (ok, what) in _LIMITS.items():
        if values.get(key) is not None and not ok(values[key]):
            raise UserError(f"{key} of {where} must be {what}, got {values[key]!r}", "correct its value")
