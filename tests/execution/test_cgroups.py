"""Per-job cgroups on this machine's real cgroup filesystem (skipped where the runner may not make them)."""
from __future__ import annotations

import os
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
    stale = MANAGER.create(f"test-stale-{os.getpid()}-{time.monotonic_ns()}", (0,), None)
    fresh = MANAGER.create(f"test-fresh-{os.getpid()}-{time.monotonic_ns()}", (0,), None)
    try:
        for d in stale.dirs.values():
            os.utime(d, (time.time() - 7200,) * 2)
        MANAGER.remove_stale()
        assert not any(d.exists() for d in stale.dirs.values())
        assert all(d.exists() for d in fresh.dirs.values())
    finally:
        stale.remove()
        fresh.remove()
    job_cgroup.remove()
    assert not any(d.exists() for d in job_cgroup.dirs.values())
