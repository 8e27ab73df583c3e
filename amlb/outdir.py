"""A run's output directory: one runner at a time, and a resume continues the same run.

- :class:`OutputLock`: an exclusive ``flock`` on the directory ``OUT`` held for the whole run; the
  kernel releases it when the runner exits, however it exits, so a second runner on the same
  directory is refused (one line, exit 2) and a dead runner never leaves a stale lock.
- :func:`run_identity` / :func:`check_same_run`: what makes a run that run (frameworks,
  benchmark, constraint, mode, tasks, folds, seed), stored with the results; ``--resume`` with
  anything different is refused, naming what differs.
- :func:`extend_run`: ``--extend`` adds a command's frameworks, tasks and folds to the stored run;
  what would change the meaning of its finished jobs (benchmark, constraint and its limits, mode,
  seed) is refused the same way. The run remembers each command that made it (``plans``), and
  ``--resume`` with any of them continues it.
- :func:`claim_output_dir`: creates the directory and checks it is writable; :func:`discard_if_unused`
  removes it again when the run is rejected before writing results.
"""
from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from pathlib import Path
from typing import Any

from amlb.errors import UserError
from amlb.plan import AUTO_SEED_BASE

class OutputLock:
    """An exclusive flock on the output directory itself, held while a runner uses it.

    The kernel drops it when the process dies, however it dies: no stale lock, no lock file.
    """

    def __init__(self, out: Path):
        try:
            self.fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as e:
            raise UserError(f"cannot open the output directory {out} ({e.strerror})",
                            "choose a writable directory with -o") from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise UserError(f"another amlb run is using the output directory {out}",
                            "wait for it to finish, or choose another -o") from None

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1


def claim_output_dir(out: Path) -> Path | None:
    """Create ``out`` (and parents) if needed and check it is writable; the topmost folder this call
    created (None when ``out`` existed)."""
    created = None
    for folder in (out, *out.parents):
        if folder.exists():
            break
        created = folder
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".amlb-write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise UserError(f"cannot write to the output directory {out} ({e.strerror})",
                        "choose a writable directory with -o") from None
    return created


def discard_if_unused(out: Path, created: Path) -> None:
    """Remove the output directory (and the parents up to ``created``) a rejected run made, if empty."""
    try:
        if not any(out.iterdir()):
            folder = out
            while True:
                folder.rmdir()  # fails (and stops) on a folder something else wrote into meanwhile
                if folder == created:
                    break
                folder = folder.parent
    except OSError:
        pass


class DiskFull(UserError):
    """The output directory's filesystem is full: the run stops; --resume continues it later."""

    exit_code = 1

    def __init__(self, out: Path):
        mount = out
        while not os.path.ismount(mount) and mount != mount.parent:
            mount = mount.parent
        super().__init__(f"the filesystem mounted at {mount} is full (while writing the run in {out})",
                         f"free some space there, then continue with --resume -o {out}")


def is_disk_full(error: BaseException) -> bool:
    """An error that means the disk (or quota) is full: OSError ENOSPC/EDQUOT or SQLite's own report."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, sqlite3.OperationalError) and "full" in str(error).lower()


def run_identity(frameworks: list[str], benchmark: str, constraint: str, mode: str, tasks: dict[str, list[int]],
                 seed: int | str, repeats: dict[str, int] | None = None) -> dict[str, Any]:
    """What makes a run that run: stored with its results, compared on resume.

    ``seed: auto`` is stored as the number runs stored before it existed (42, one seed per fold);
    ``seed_fixed`` tells a fixed seed from it (stores without the key are not compared on it).
    ``repeats`` names the tasks that run more than one repeat (usually none).
    """
    return {"frameworks": list(frameworks), "benchmark": benchmark, "constraint": constraint, "mode": mode,
            "tasks": {name: sorted(folds) for name, folds in tasks.items()},
            "seed": AUTO_SEED_BASE if seed == "auto" else int(seed), "seed_fixed": seed != "auto",
            "repeats": {name: n for name, n in (repeats or {}).items() if n > 1}}


def _describe(key: str, value: Any) -> str:
    if key == "tasks":
        return "; ".join(f"{name} folds {','.join(map(str, folds))}" for name, folds in value.items()) or "none"
    if key == "seed_fixed":
        return "a fixed seed" if value else "seed auto (one per fold)"
    if key == "repeats":
        return "; ".join(f"{name} {n} repeat(s)" for name, n in value.items()) or "none"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


#: what --extend may add to; every other key of the identity is what the finished jobs mean
EXTENDABLE = ("frameworks", "tasks", "repeats")


def run_limits(max_runtime_seconds: float, cores: int, max_mem_size_mb: int | None) -> dict[str, Any]:
    """The constraint's limits as the run applied them (after -X overrides): stored, compared by --extend."""
    return {"max_runtime_seconds": float(max_runtime_seconds), "cores": int(cores), "max_mem_size_mb": max_mem_size_mb}


def _difference(stored: dict[str, Any], current: dict[str, Any], keys: Any) -> tuple[str, Any, Any] | None:
    """The first key of ``keys`` whose value differs (frameworks in any order), with both values."""
    for key in keys:
        if key not in stored or key not in current:  # a store written before this key was recorded
            continue
        old, value = stored[key], current[key]
        if key == "frameworks":
            old, value = sorted(old), sorted(value)
        if old != value:
            return key, old, value
    return None


def check_same_run(stored: dict[str, Any], current: dict[str, Any], out: Path) -> None:
    """Refuse to resume ``out`` with a command that describes another run (one line: what differs).

    A run made by several commands (``--extend``) is continued by any of them."""
    if any(_difference(plan, current, current) is None for plan in stored.get("plans") or []):
        return
    differs = _difference(stored, current, current)
    if differs is not None:
        key, old, value = differs
        extend = " (or add --extend to add this command's jobs to it)" if key in EXTENDABLE else ""
        raise UserError(f"--resume of a different run: {key} of the run in {out} is {_describe(key, old)}, "
                        f"this command has {_describe(key, value)}",
                        f"repeat the original command with --resume{extend}, or choose another -o for a new run")


def extend_run(stored: dict[str, Any], current: dict[str, Any], limits: dict[str, Any], out: Path) -> dict[str, Any]:
    """The stored run (its meta) with this command's frameworks, tasks, folds and repeats added.

    Refused, naming what differs, when the command changes what the run's finished jobs mean:
    benchmark, constraint, mode, seed, or the constraint's limits."""
    differs = _difference(stored, current, [k for k in current if k not in EXTENDABLE])
    if differs is None:
        differs = _difference(stored.get("limits") or {}, limits, limits)
    if differs is not None:
        key, old, value = differs
        raise UserError(f"--extend of a different run: {key} of the run in {out} is {_describe(key, old)}, "
                        f"this command has {_describe(key, value)}",
                        f"--extend adds frameworks, tasks and folds to a run with the same {key}; "
                        "choose another -o for a new run")
    frameworks = list(dict.fromkeys([*stored.get("frameworks", []), *current["frameworks"]]))
    tasks = {name: list(folds) for name, folds in (stored.get("tasks") or {}).items()}
    for name, folds in current["tasks"].items():
        tasks[name] = sorted(set(tasks.get(name, [])) | set(folds))
    plans = stored.get("plans") or [{k: stored[k] for k in current if k in stored}]
    if current not in plans:
        plans = [*plans, current]
    repeats = {**(stored.get("repeats") or {}), **current.get("repeats", {})}
    return {**stored, "frameworks": frameworks, "tasks": tasks, "repeats": repeats, "plans": plans}
