"""Per-job cgroups on this machine's real cgroup filesystem (skipped where the runner may not make them)."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from amlb.execution.cgroups import _v1_memory_limit, open_cgroups

MANAGER = open_cgroups("auto")
pytestmark = pytest.mark.skipif(MANAGER is None, reason="per-job cgroups need root (or a delegated cgroup)")
MB = 2**20


@pytest.fixture
def job_cgroup():
    cgroup = MANAGER.create(f"test-{os.getpid()}-{time.monotonic_ns()}", (sorted(os.sched_getaffinity(0))[0],), 300)
    yield cgroup
    cgroup.remove()


def test_memory_limit_can_be_raised_and_lowered_with_swap_accounting(job_cgroup):
    if MANAGER.version != 1:
        pytest.skip("cgroup v1 memory+swap limits")
    memory = job_cgroup.dirs["memory"]
    limits = ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes")
    for mb in (600, 200, 450):  # raising needs memsw first, lowering memory first
        _v1_memory_limit(memory, mb * MB)
        for name in limits:
            if (memory / name).exists():
                assert int((memory / name).read_text()) == mb * MB, (name, mb)


def test_an_emptied_job_group_is_removed_and_stale_ones_are_swept(job_cgroup):
    """Groups of a live owner stay whatever their age; an owner that is gone leaves its empty groups to the
    sweep at once; groups without an owner in their name (older amlb) go when empty and an hour old."""
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that ran and is gone (its start time no longer matches anything)
    dead_owner = f"{dead.pid}.1"
    legacy_old, legacy_new = (f"test-legacy-{w}-{os.getpid()}-{time.monotonic_ns()}" for w in ("old", "new"))
    own_old = MANAGER.create(f"test-own-{os.getpid()}-{time.monotonic_ns()}", (0,), None)
    made = [base / name for base in dict.fromkeys(MANAGER.bases.values())
            for name in (legacy_old, legacy_new, f"{dead_owner}+test-{time.monotonic_ns()}")]
    try:
        for d in made:
            d.mkdir()
        for d in [*own_old.dirs.values(), *(d for d in made if legacy_old in d.name)]:
            os.utime(d, (time.time() - 7200,) * 2)
        assert own_old.dirs[next(iter(own_old.dirs))].name.startswith(f"{os.getpid()}.")
        MANAGER.remove_stale()
        gone = {d.name.split("-")[2] if "legacy" in d.name else "dead" for d in made if not d.exists()}
        assert gone == {"old", "dead"}
        assert all(d.exists() for d in own_old.dirs.values())  # a live owner's, however old
    finally:
        own_old.remove()
        for d in made:
            if d.exists():
                d.rmdir()
    job_cgroup.remove()
    assert not any(d.exists() for d in job_cgroup.dirs.values())
