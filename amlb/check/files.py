"""Files a framework writes where it should not: outside the job's own directories.

A job gets its own cwd, HOME, TMPDIR and caches under its job directory. Frameworks that
ignore them write to the runner user's real HOME, /tmp, /var/tmp, the runner's cwd, their
adapter folder or their environment. After the check's run, the watched places are walked
once and every file created since the run started (and every file changed in a folder where
one was created) is attributed to the job that was running then. Directories of the runner itself (the check's own output,
the data cache, the environments) are not watched; ``__pycache__`` folders are ignored (the
runner writes them when it imports its own modules).

Other processes on a shared machine also write to /tmp and HOME, and this walk cannot tell
their files from the job's: :mod:`amlb.check.fswatch` can, where the kernel lets it (root);
this walk is the fallback.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

IGNORED_DIR_NAMES = frozenset({"__pycache__"})


@dataclass(frozen=True)
class ChangedFile:
    path: Path
    changed_at: float  # epoch seconds: the later of its mtime and ctime


def watched_roots(watch_dirs: list[str], extra: list[Path]) -> list[Path]:
    """``check.watch_dirs`` (``~`` is the runner's HOME) plus the job's cwd-independent places."""
    roots = [Path(os.path.expandvars(os.path.expanduser(d))) for d in watch_dirs] + list(extra)
    unique: list[Path] = []
    for root in roots:
        try:
            resolved = root.resolve()
        except OSError:
            continue
        if resolved.is_dir() and resolved not in unique:
            unique.append(resolved)
    return unique


def changed_files(roots: list[Path], excluded: list[Path], since: float) -> list[ChangedFile]:
    """Files under ``roots`` created at or after ``since`` (and files changed in the folders they
    were created in), outside ``excluded``.

    Only folders are stat'ed on the way down; the files of a folder are looked at when the
    folder itself changed (an entry was created, renamed or removed in it), which is what
    writing a new file does. That keeps the walk of a large HOME to a few seconds. A root
    inside an excluded folder is still walked (the framework's own environment).
    """
    skip = {p.resolve() for p in excluded if p.exists()}
    seen: set[Path] = set()
    out: list[ChangedFile] = []
    for root in roots:
        stack = [root]
        while stack:
            folder = stack.pop()
            if folder in seen:
                continue
            seen.add(folder)
            try:
                st = os.stat(folder)
                entries = list(os.scandir(folder))
            except OSError:
                continue
            folder_changed = max(st.st_mtime, st.st_ctime) >= since
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                path = Path(entry.path)
                if is_dir:
                    if entry.name not in IGNORED_DIR_NAMES and path not in skip:
                        stack.append(path)
                    continue
                if not folder_changed:
                    continue
                try:
                    fst = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                changed = max(fst.st_mtime, fst.st_ctime)
                if changed >= since:
                    out.append(ChangedFile(path, changed))
    return sorted(out, key=lambda f: f.changed_at)


def attribute(files: list[ChangedFile], job_starts: dict[str, float], run_start: float, run_end: float
              ) -> dict[str, list[Path]]:
    """Each file goes to the job that was the last to start before it changed.

    The first job also gets what changed between the run's start and its own start (the
    adapter's imports run before the first job, in the warm worker). Files changed after
    ``run_end`` (the last job's end plus a moment) belong to the runner's closing and are left out.
    """
    order = sorted(job_starts.items(), key=lambda kv: kv[1])
    out: dict[str, list[Path]] = {name: [] for name in job_starts}
    if not order:
        return out
    for f in files:
        if f.changed_at < run_start or f.changed_at > run_end:
            continue
        owner = order[0][0]
        for name, start in order:
            if start <= f.changed_at:
                owner = name
        out[owner].append(f.path)
    return out
